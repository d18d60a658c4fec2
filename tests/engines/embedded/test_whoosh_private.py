"""Each Whoosh private API the engine uses (``search/engines/embedded/whoosh_private.py``) still does what we rely on."""

from __future__ import annotations

from search.engines.embedded import whoosh_private
from search.engines.embedded.archive import INDEX_NAME, create_index, open_index


def test_latest_generation_counts_commits_without_opening_the_index(tmp_path):
    assert whoosh_private.latest_generation(tmp_path, INDEX_NAME) == -1
    ix = create_index(tmp_path)
    assert whoosh_private.latest_generation(tmp_path, INDEX_NAME) == 0
    writer = ix.writer()
    writer.add_document(id="a")
    writer.commit()
    assert whoosh_private.latest_generation(tmp_path, INDEX_NAME) == 1


def test_the_writer_names_its_segment_and_numbers_documents_from_zero(tmp_path):
    ix = create_index(tmp_path)
    writer = ix.writer()
    segment_id = whoosh_private.new_segment_id(writer)
    assert whoosh_private.next_docnum(writer) == 0
    writer.add_document(id="a")
    writer.add_document(id="b")
    assert whoosh_private.next_docnum(writer) == 2
    writer.commit()
    generation, segments = whoosh_private.committed_segments(ix.refresh())
    assert (generation, segments) == (1, {segment_id})
    pattern = whoosh_private.segment_file_pattern(INDEX_NAME)
    named = {m.group(1) for m in map(pattern.fullmatch, (p.name for p in tmp_path.iterdir())) if m}
    assert named == {segment_id}
    assert pattern.fullmatch(f"{segment_id}.0.grams").group(1) == segment_id


def test_toc_file_pattern_gives_the_generation(tmp_path):
    create_index(tmp_path)
    (toc,) = [p.name for p in tmp_path.iterdir() if p.name.endswith(".toc")]
    assert int(whoosh_private.toc_file_pattern(INDEX_NAME).match(toc).group(1)) == 0


def test_segment_reader_reads_one_committed_segment_in_a_merge(tmp_path):
    ix = create_index(tmp_path)
    writer = ix.writer()
    writer.add_document(id="a", title="标题")
    writer.commit()
    seen = []

    def policy(writer, segments):
        (segment,) = segments
        reader = whoosh_private.segment_reader(writer, segment)
        seen.append([fields["id"] for _, fields in reader.iter_docs()])
        reader.close()
        return segments

    writer = ix.writer()
    writer.add_document(id="b")
    writer.commit(mergetype=policy)
    assert seen == [["a"]]


def test_held_per_document_files_are_read_after_their_segment_files_are_deleted(tmp_path):
    from search.engines.embedded.schema import make_schema

    ix = create_index(tmp_path)
    writer = ix.writer()
    writer.add_document(id="a", title="标题", district="中原区".encode())
    writer.commit()
    ((leaf, _),) = ix.reader().leaf_readers()
    whoosh_private.hold_per_document_files(leaf)
    assert leaf.schema.names() == make_schema().names()
    for name in [p.name for p in tmp_path.iterdir() if p.name.endswith((".col", "_stored.col"))]:
        (tmp_path / name).unlink()
    assert leaf.has_column("district") and not leaf.has_column("issuer")
    assert leaf.stored_fields(0)["title"] == "标题"
    assert list(leaf.column_reader("district", translate=False)) == ["中原区".encode()]


def test_a_numeric_column_reads_as_one_block_like_whoosh_iterates_it(tmp_path):
    ix = create_index(tmp_path)
    writer = ix.writer()
    for entered in (3, 0, 7, 4_000_000_000, 0, 0):  # trailing defaults are not written
        writer.add_document(id=str(entered), entered=entered)
    writer.commit()
    ((leaf, _),) = ix.reader().leaf_readers()
    assert whoosh_private.numeric_column(leaf, "entered").tolist() == [3, 0, 7, 4_000_000_000, 0, 0]
    assert list(leaf.column_reader("entered")) == [3, 0, 7, 4_000_000_000, 0, 0]


def test_packed_stored_fields_read_back_as_the_ones_add_document_stores_and_survive_a_merge(tmp_path):
    from search.engines.embedded.prepare import STORED_FIELDS
    from search.engines.embedded.schema import STORED_ONLY, ArchiveCodec

    documents = [
        {
            "id": f"d{n}",
            "path": f"{n}.txt",
            "source": f"{n}.txt",
            "encoding": "gb18030",
            "item": n,
            "title": f"第{n}号 𨟠",
            "text": "正文\n第二段" * n,
            "district": "中原区".encode(),
        }
        for n in range(4)
    ]
    plain, packed = tmp_path / "plain", tmp_path / "packed"
    for folder in (plain, packed):
        ix = create_index(folder)
        writer = ix.writer(codec=ArchiveCodec())
        for fields in documents:
            if folder is plain:
                writer.add_document(**fields)
            else:
                stored = {name: fields[name] for name in STORED_FIELDS if fields.get(name) is not None}
                kept = {name: value for name, value in fields.items() if name not in STORED_ONLY}
                whoosh_private.add_packed_document(writer, kept, whoosh_private.pack_stored(stored))
        writer.commit()
    read = {}
    for folder in (plain, packed):
        with open_index(folder).searcher() as searcher:
            read[folder.name] = [searcher.stored_fields(n) for n in range(4)]
    assert (
        read["packed"]
        == read["plain"]
        == [{name: fields[name] for name in STORED_FIELDS if name in fields} for fields in documents]
    )
    ix = open_index(packed)
    writer = ix.writer(codec=ArchiveCodec())
    writer.add_document(id="e", path="e.txt", title="再加一篇")
    writer.commit(optimize=True)  # a merge re-adds the packed documents' stored fields the plain way
    with ix.refresh().searcher() as searcher:
        assert sorted(searcher.stored_fields(n)["id"] for n in range(5)) == ["d0", "d1", "d2", "d3", "e"]
        assert [f for f in map(searcher.stored_fields, range(5)) if f["id"] == "d3"][0]["text"] == "正文\n第二段" * 3
