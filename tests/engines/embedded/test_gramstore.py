"""The grams file: bigram postings and search texts per segment, merges, and the index's segments."""

from __future__ import annotations

import random

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.engines.embedded.archive import Archive, open_index
from search.engines.embedded.builder import GramSegmentBuilder
from search.engines.embedded.commit import index_paths
from search.engines.embedded.gramstore import (
    HEADER,
    GramSegment,
    char_key,
    char_range,
    gram_counts,
    gram_key,
    gram_keys,
    open_segment,
)
from search.engines.embedded.run import matching_ids
from search.engines.embedded.whoosh_private import committed_segments
from search.errors import SearchError
from search.query import SearchRequest
from search.text.analyzer import char_grams

TEXTS = ["标题\n正文一二三", "甲\n乙丙", "别的标题\n一二"]


def build(tmp_path, texts, name="seg.grams") -> GramSegment:
    builder = GramSegmentBuilder()
    for docnum, text in enumerate(texts):
        builder.add(docnum, gram_counts(text), text)
    builder.write(tmp_path / name)
    return GramSegment(tmp_path / name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="郑东新区一二\n5Gg 。𠀀", max_size=30))
def test_gram_keys_are_exactly_the_char_grams(text):
    assert sorted(gram_keys(text)) == sorted(gram_key(g) for g in char_grams(text))


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="郑东新区AA\n。𨟠", max_size=40))
def test_each_key_counts_its_bigram_or_character_as_str_count_does(text):
    keys, tfs = gram_counts(text)
    expected = {gram_key(g): (text + "\n").count(g) for g in char_grams(text)}  # "X\n": lines ending in X
    expected.update({char_key(c): text.count(c) for c in set(text) - {"\n"}})
    assert dict(zip(keys.tolist(), tfs.tolist())) == expected


def test_a_run_of_one_character_counts_its_doubled_bigram_without_overlap():
    keys, tfs = gram_counts("AAAAA\nAA𨟠𨟠𨟠")
    counted = dict(zip(keys.tolist(), tfs.tolist()))
    assert counted[gram_key("AA")] == 3  # "AAAAA".count("AA") == 2, "AA" once more
    assert counted[gram_key("𨟠𨟠")] == 1
    assert counted[char_key("A")] == 7
    assert counted[char_key("𨟠")] == 3


def test_a_segment_and_its_merge_keep_each_documents_frequencies(tmp_path):
    old = build(tmp_path, ["一二一二一\n二一", "甲乙\n乙乙乙乙", "一二三"], "old.grams")
    assert [a.tolist() for a in old.docs_and_counts(gram_key("一二"))] == [[0, 2], [2, 1]]
    assert [a.tolist() for a in old.docs_and_counts(gram_key("乙乙"))] == [[1], [2]]
    assert [a.tolist() for a in old.docs_and_counts(char_key("一"))] == [[0, 2], [4, 1]]
    builder = GramSegmentBuilder()
    builder.add(0, gram_counts("一二一二"), "一二一二")
    builder.extend(old, [0, 2])  # document 1 was deleted
    builder.write(tmp_path / "new.grams")
    merged = GramSegment(tmp_path / "new.grams")
    merged.verify()
    assert [a.tolist() for a in merged.docs_and_counts(gram_key("一二"))] == [[0, 1, 2], [2, 2, 1]]
    assert [a.tolist() for a in merged.docs_and_counts(gram_key("乙乙"))] == [[], []]
    assert [a.tolist() for a in merged.docs_and_counts(gram_key("无此"))] == [[], []]


def test_segment_round_trip_postings_texts_and_titles(tmp_path):
    segment = build(tmp_path, TEXTS)
    assert (segment.doc_count, segment.term_count) == (3, 13 + 12)  # 13 bigrams, 12 characters
    assert list(segment.docs(gram_key("一二"))) == [0, 2]
    assert list(segment.docs(gram_key("甲\n"))) == [1]
    assert list(segment.docs(gram_key("无此"))) == []
    assert segment.doc_frequency(gram_key("一二")) == 2
    assert [segment.text(n) for n in range(3)] == TEXTS
    assert list(segment.title_bytes) == [6, 3, 12]  # UTF-8 bytes of 标题, 甲, 别的标题
    assert list(segment.char_lengths) == [8, 4, 7]


def test_all_bigrams_starting_with_a_character_are_one_range(tmp_path):
    segment = build(tmp_path, TEXTS)
    assert sorted(set(segment.docs_in_range(*char_range("一")))) == [0, 2]
    assert sorted(set(segment.docs_in_range(*char_range("丙")))) == [1]  # 丙 ends its line: 丙 + newline


def test_single_character_postings_name_every_document_with_the_character(tmp_path):
    segment = build(tmp_path, TEXTS)
    assert list(segment.docs(char_key("一"))) == [0, 2]
    assert list(segment.docs(char_key("丙"))) == [1]
    assert list(segment.docs(char_key("\n"))) == []


def test_a_builder_flushes_parts_that_together_are_the_segment(tmp_path):
    builder = GramSegmentBuilder(flush_bytes=1)
    last = tmp_path / "MAIN_x.grams"
    for docnum, text in enumerate(TEXTS):
        builder.add(docnum, gram_counts(text), text)
        if builder.full and docnum < 2:
            builder.flush(last)
    builder.write(last)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["MAIN_x.0.grams", "MAIN_x.1.grams", "MAIN_x.grams"]
    parts = open_segment(last, 3)
    assert [(p.base, p.doc_count) for p in parts] == [(0, 1), (1, 1), (2, 1)]
    assert [p.text(0) for p in parts] == TEXTS
    assert [list(p.docs(gram_key("一二"))) for p in parts] == [[0], [], [0]]


def test_a_part_written_in_the_background_that_fails_fails_the_write(tmp_path, monkeypatch):
    """A part is written by a thread while documents go on being added; its failure (a full
    disk) is raised by the next flush or the final write, never lost."""
    original = GramSegmentBuilder._write

    def failing(self, path, last_part):
        if path.name == "MAIN_x.0.grams":
            raise OSError(28, "No space left on device")
        return original(self, path, last_part)

    monkeypatch.setattr(GramSegmentBuilder, "_write", failing)
    builder = GramSegmentBuilder(flush_bytes=1)
    last = tmp_path / "MAIN_x.grams"
    builder.add(0, gram_counts(TEXTS[0]), TEXTS[0])
    builder.flush(last)
    builder.add(1, gram_counts(TEXTS[1]), TEXTS[1])
    with pytest.raises(OSError, match="No space left on device"):
        builder.write(last)
    assert not last.exists()


def test_a_missing_part_or_a_wrong_document_count_is_refused(tmp_path):
    builder = GramSegmentBuilder(flush_bytes=1)
    last = tmp_path / "MAIN_x.grams"
    for docnum, text in enumerate(TEXTS):
        builder.add(docnum, gram_counts(text), text)
        if docnum == 0:
            builder.flush(last)
    builder.write(last)
    with pytest.raises(ValueError, match="holds 3 documents, the segment 4"):
        open_segment(last, 4)
    (tmp_path / "MAIN_x.0.grams").unlink()
    with pytest.raises(FileNotFoundError):
        open_segment(last, 3)


def test_damage_to_the_tables_is_refused_on_open_and_to_the_texts_by_verify(tmp_path):
    build(tmp_path, TEXTS)
    path = tmp_path / "seg.grams"
    data = bytearray(path.read_bytes())
    data[HEADER.size + 6] ^= 1  # inside the first table
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged \\(checksum\\)"):
        GramSegment(path)
    build(tmp_path, TEXTS)
    data = bytearray(path.read_bytes())
    data[-1] ^= 1  # the last byte of the last text
    path.write_bytes(bytes(data))
    segment = GramSegment(path)
    with pytest.raises(ValueError, match="damaged \\(checksum\\)"):
        segment.verify()
    for section in ("tfs", "overflow_tfs"):  # a count byte, a count in the overflow table
        build(tmp_path, [*TEXTS, "甲乙" * 300])
        segment = GramSegment(path)
        segment.verify()
        at = segment._sections[section][0]
        segment.close()
        data = bytearray(path.read_bytes())
        data[at] ^= 1
        path.write_bytes(bytes(data))
        with pytest.raises(ValueError, match="damaged \\(checksum\\)"):
            GramSegment(path).verify()


def test_counts_of_255_and_more_come_back_exact_from_the_overflow_table(tmp_path):
    """A count is a byte in the file; 255 and more are in an overflow table and come back exact, the
    same as ``str.count`` of the source text, from every reader of the counts."""
    texts = ["甲乙" * 254 + "丙", "甲乙" * 255, "甲乙" * 70_000 + "\n丙", "丙丁", "甲" * 511]
    segment = build(tmp_path, texts)
    assert segment._tfs.dtype == np.uint8 and segment._postings.dtype == np.uint16
    for gram in ("甲乙", "乙甲", "甲", "乙", "丙", "甲甲"):
        docs, counts = segment.docs_and_counts(gram_key(gram) if len(gram) == 2 else char_key(gram))
        assert dict(zip(docs.tolist(), counts.tolist())) == {
            n: text.count(gram) for n, text in enumerate(texts) if gram in text
        }
    # 甲乙, 甲 and 乙 of texts 1 and 2, 乙甲 of text 2, 甲甲 and 甲 of text 4: the counts of 255 or more
    assert sorted(segment._overflow_tfs.tolist()) == [255, 255, 255, 255, 511, 69_999, 70_000, 70_000, 70_000]
    keys, docs, counts = segment.all_postings()
    for key, doc, count in zip(keys.tolist(), docs.tolist(), counts.tolist()):
        text = texts[doc] + "\n"  # a line's last character is paired with the line break
        gram = chr(key >> 21) + ("" if key & 0x1FFFFF == 0x1FFFFF else chr(key & 0x1FFFFF))
        assert count == text.count(gram), (gram, doc)


def test_a_part_of_more_than_65536_documents_keeps_32_bit_numbers(tmp_path, monkeypatch):
    import search.engines.embedded.gramstore as gramstore

    small = build(tmp_path, TEXTS, "small.grams")
    monkeypatch.setattr(gramstore, "SMALL_PART", 2)  # so three documents are "many"
    large = build(tmp_path, TEXTS, "large.grams")
    assert small._postings.dtype == np.uint16 and large._postings.dtype == np.uint32
    for key in map(gram_key, ("标题", "一二", "乙丙")):
        assert (
            large.docs(key).tolist()
            == small.docs(key).tolist()
            == [n for n, text in enumerate(TEXTS) if chr(key >> 21) + chr(key & 0x1FFFFF) in text]
        )


def test_documents_must_be_added_in_order():
    builder = GramSegmentBuilder()
    with pytest.raises(ValueError, match="expected 0, got 1"):
        builder.add(1, gram_counts("甲乙"), "甲乙")


def test_merge_renumbers_and_drops_deleted_documents(tmp_path):
    old = build(tmp_path, TEXTS, "old.grams")
    builder = GramSegmentBuilder()
    builder.add(0, gram_counts("x一二"), "x一二")
    builder.extend(old, [0, 2])  # document 1 was deleted
    builder.write(tmp_path / "new.grams")
    merged = GramSegment(tmp_path / "new.grams")
    assert [merged.text(n) for n in range(3)] == ["x一二", TEXTS[0], TEXTS[2]]
    assert list(merged.docs(gram_key("一二"))) == [0, 1, 2]
    assert list(merged.docs(gram_key("乙丙"))) == []


def test_a_truncated_grams_file_is_refused(tmp_path):
    build(tmp_path, TEXTS)
    data = (tmp_path / "seg.grams").read_bytes()
    (tmp_path / "seg.grams").write_bytes(data[:-3])
    with pytest.raises(ValueError, match="truncated or damaged"):
        GramSegment(tmp_path / "seg.grams")


# -- through the index: several segments, merges, clean-up --------------------


def grams_files(index_dir):
    return sorted(p.name for p in index_dir.glob("*.grams*"))


def whoosh_segments(index_dir):
    """The segment ids the newest TOC lists."""
    return sorted(committed_segments(open_index(index_dir))[1])


def test_every_segment_has_its_grams_file_and_merges_leave_no_orphans(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    rng = random.Random(7)
    words = ["稳就业", "放管服", "老旧小区改造", "中原科技城", "营商环境"]
    expected: dict[str, set[str]] = {w: set() for w in words}
    counts = []
    for run in range(8):  # eight incremental runs: Whoosh's small-segment policy merges some
        name = f"r{run}.txt"
        chosen = rng.sample(words, 2)
        (folder / name).write_text(f"第{run}号\n会议部署{chosen[0]}和{chosen[1]}工作。\n", encoding="utf-8")
        for w in chosen:
            expected[w].add(name)
        index_paths([folder], index_dir)
        segments = whoosh_segments(index_dir)
        assert grams_files(index_dir) == [f"{s}.grams" for s in segments]
        counts.append(len(segments))
    assert counts == [1, 2, 3, 4, 5, 1, 2, 3]  # the sixth run merged the five small segments into its own
    snapshot = Archive(index_dir).snapshot()
    assert len(snapshot.live) == 8
    for word, names in expected.items():
        found = {snapshot.document(n).source for n in snapshot.containing(snapshot.live, word)}
        assert found == names, word
        ids = matching_ids(snapshot, SearchRequest(q=word))
        assert len(ids) == len(names)


def test_search_texts_are_right_across_segments_after_changes_and_deletions(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    (folder / "a.txt").write_text("甲文\n稳就业在甲。\n", encoding="utf-8")
    (folder / "b.txt").write_text("乙文\n放管服在乙。\n", encoding="utf-8")
    index_paths([folder], index_dir)
    (folder / "c.txt").write_text("丙文\n稳就业在丙。\n", encoding="utf-8")
    (folder / "a.txt").unlink()
    index_paths([folder], index_dir)
    snapshot = Archive(index_dir).snapshot()
    texts = sorted(snapshot.search_text(n) for n in snapshot.live)
    assert texts == ["丙文\n稳就业在丙。", "乙文\n放管服在乙。"]
    assert sorted(snapshot.title_text(n) for n in snapshot.live) == ["丙文", "乙文"]
    assert len(matching_ids(snapshot, SearchRequest(q="稳就业"))) == 1
    assert len(matching_ids(snapshot, SearchRequest(q="在"))) == 2


def test_a_missing_grams_file_asks_for_a_rebuild(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("甲文\n稳就业在甲。\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    for path in index_dir.glob("*.grams"):
        path.unlink()
    with pytest.raises(SearchError, match="damaged") as caught:
        Archive(index_dir).snapshot()
    assert caught.value.hint == "rebuild it with `search index --rebuild`"


def test_a_damaged_grams_file_asks_for_a_rebuild(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("甲文\n稳就业在甲。\n", encoding="utf-8")
    index_dir = tmp_path / "ix"
    index_paths([folder], index_dir)
    (path,) = index_dir.glob("*.grams")
    data = bytearray(path.read_bytes())
    data[HEADER.size + 6] ^= 1  # inside the first table
    path.write_bytes(bytes(data))
    with pytest.raises(SearchError, match="damaged") as caught:
        Archive(index_dir).snapshot()
    assert caught.value.hint == "rebuild it with `search index --rebuild`"


def test_an_index_written_in_parts_answers_like_one_written_whole(tmp_path, monkeypatch):
    import search.engines.embedded.builder as gram_builder

    folder = tmp_path / "docs"
    folder.mkdir()
    for n in range(6):
        (folder / f"{n}.txt").write_text(f"第{n}号\n会议部署稳就业和第{n}项工作。\n", encoding="utf-8")
    whole, parted = tmp_path / "whole", tmp_path / "parted"
    index_paths([folder], whole)
    monkeypatch.setattr(gram_builder, "FLUSH_BYTES", 1)
    index_paths([folder], parted)
    assert len(list(parted.glob("*.grams"))) == 7  # a part per document, and an empty last part
    a, b = Archive(whole).snapshot(), Archive(parted).snapshot()
    for q in ("稳就业", "第3", "号", "会议 第5项"):
        assert matching_ids(a, SearchRequest(q=q)) == matching_ids(b, SearchRequest(q=q))
    assert [b.search_text(n) for n in range(6)] == [a.search_text(n) for n in range(6)]
    assert b.counts_everywhere("稳就业").tolist() == [1] * 6


def test_a_match_running_from_one_document_into_the_next_is_not_counted(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("甲文\n会议部署稳\n", encoding="utf-8")
    (folder / "b.txt").write_text("就业稳就业\n正文\n", encoding="utf-8")
    index_paths([folder], tmp_path / "ix")
    snapshot = Archive(tmp_path / "ix").snapshot()
    texts = [snapshot.search_text(n) for n in range(2)]
    assert texts[0].endswith("稳") and texts[1].startswith("就")  # adjacent in the map: 稳|就 straddles
    assert snapshot.counts_everywhere("稳就").tolist() == [0, 1]
    assert snapshot.counts_everywhere("部署稳就").tolist() == [0, 0]
    assert snapshot.counts_everywhere("稳就业").tolist() == [0, 1]
    assert snapshot.containing([0, 1], "稳就") == [1]
    assert snapshot.counts_in("稳就", [0, 1]).tolist() == [0, 1]
    assert snapshot.counts_in("署稳就", [0, 1]).tolist() == [0, 0]
    assert snapshot.docs_with_phrase_in_title("稳就") == {1}


def test_every_search_text_is_its_documents_stored_title_and_paragraphs_folded(seeds_snapshot):
    from search.text.normalize import search_text

    for n in sorted(seeds_snapshot.live):
        doc = seeds_snapshot.document(n)
        shown = "\n".join((doc.title, *doc.paragraphs))
        assert seeds_snapshot.search_text(n) == search_text(doc.title, doc.paragraphs)
        assert len(seeds_snapshot.search_text(n)) == len(shown) == int(seeds_snapshot.char_lengths[n])


_PACKING_TEXTS = st.lists(st.text(alphabet="郑东AAA\n。𨟠𠀀b", max_size=40), min_size=1, max_size=12)


@settings(max_examples=150, deadline=None)
@given(_PACKING_TEXTS, st.integers(min_value=1, max_value=4), st.sampled_from([1, 3, 1 << 22]))
def test_packed_sort_groups_postings_as_a_stable_sort_by_key_does(texts, tf_bits, unpack_slice):
    import numpy as np

    import search.engines.embedded.builder as gram_builder
    from search.engines.embedded.builder import _packed_sort

    counted = [gram_counts(t) for t in texts]
    keys = np.concatenate([k for k, _ in counted])
    tfs = np.concatenate([f for _, f in counted])
    docs = np.concatenate([np.full(len(k), n, dtype=np.uint32) for n, (k, _) in enumerate(counted)])
    order = np.argsort(keys, kind="stable")
    # tf_bits of 1-4: counts of 1 to 15 and more overflow the packed field and are put back afterwards.
    slice_was, gram_builder._UNPACK_SLICE = gram_builder._UNPACK_SLICE, unpack_slice  # unpacked in slices
    try:
        packed = _packed_sort([keys.copy(), docs, tfs], len(texts), tf_bits_max=tf_bits)
    finally:
        gram_builder._UNPACK_SLICE = slice_was
    assert packed is not None
    assert [a.tolist() for a in packed] == [keys[order].tolist(), docs[order].tolist(), tfs[order].tolist()]


@settings(max_examples=40, deadline=None)
@given(_PACKING_TEXTS)
def test_a_part_too_varied_to_pack_is_written_the_same_by_the_slow_sort(tmp_path_factory, texts):
    import search.engines.embedded.builder as gram_builder

    folder = tmp_path_factory.mktemp("packing")
    written = []
    for too_varied in (False, True):
        builder = GramSegmentBuilder()
        for docnum, text in enumerate(texts):
            builder.add(docnum, gram_counts(text), text)
        minimum = gram_builder._TF_BITS_MIN
        gram_builder._TF_BITS_MIN = 64 if too_varied else minimum  # no part packs: the argsort path
        try:
            builder.write(folder / f"{too_varied}.grams")
        finally:
            gram_builder._TF_BITS_MIN = minimum
        written.append((folder / f"{too_varied}.grams").read_bytes())
    assert written[0] == written[1]


def test_arrays_are_written_in_pieces_of_64_kb_with_the_same_bytes():
    """A grams file's arrays go to the file 64 KB per write(), so that the page cache does not hold
    them in folios of megabytes that a reader's fault maps whole (see ``WRITE_PIECE``)."""
    from search.engines.embedded.builder import WRITE_PIECE, _write_pieces

    class Recording(list):
        def write(self, piece):
            self.append(bytes(piece))

    values = np.arange(100_000, dtype="<u8")  # 800,000 bytes
    out = Recording()
    _write_pieces(out, memoryview(values).cast("B"))
    assert WRITE_PIECE == 65_536
    assert [len(piece) for piece in out] == [65_536] * 12 + [800_000 - 12 * 65_536]
    assert b"".join(out) == values.tobytes()
    out = Recording()
    _write_pieces(out, b"")
    assert out == []
