"""Coded columns: each segment's ``.columns`` file, written once and reused; facets and filters over codes."""

import sys

import numpy as np
import pytest

from search.engines.embedded import column_file
from search.engines.embedded.archive import Archive
from search.engines.embedded.column_file import CODED_COLUMNS
from search.engines.embedded.columns import Column
from search.engines.embedded.commit import index_paths
from search.engines.embedded.docsets import docset
from search.engines.embedded.facets import count_facets
from search.engines.embedded.run import search
from search.engines.embedded.snapshot import POSTINGS_CACHE_BYTES
from search.query import SearchRequest


def test_a_column_gives_each_documents_value_through_its_code():
    column = Column(np.array([1, 0, 2, 1], dtype="uint32"), [None, "二七区", "郑东新区"])
    assert [column[n] for n in range(4)] == ["二七区", None, "郑东新区", "二七区"]
    assert list(column) == ["二七区", None, "郑东新区", "二七区"]
    assert column.code_counts(docset([0, 2, 3])).tolist() == [0, 2, 1]
    assert [sorted(d) for d in column.value_docs()] == [[1], [0, 3], [2]]
    assert list(column.derived(lambda v: v[:2] if v else "?")) == ["二七", "?", "郑东", "二七"]


def test_an_index_run_writes_each_segments_columns_file_and_a_snapshot_reads_it_not_whoosh(writable_seeds, monkeypatch):
    _, index_dir = writable_seeds
    files = list(index_dir.glob("*.columns"))
    assert len(files) == 1 and not list(index_dir.glob("*.tmp"))
    first = Archive(index_dir).snapshot()
    districts = [first.district[n] for n in range(first.size)]
    assert "郑东新区" in districts and "二七区" in districts

    def no_whoosh(*args):
        raise AssertionError("read a column from Whoosh although its file exists")

    monkeypatch.setattr(column_file, "read_columns", no_whoosh)
    second = Archive(index_dir).snapshot()
    assert [second.district[n] for n in range(second.size)] == districts


def test_a_missing_columns_file_is_built_by_the_first_reader(writable_seeds):
    _, index_dir = writable_seeds
    path = next(index_dir.glob("*.columns"))
    districts = list(Archive(index_dir).snapshot().district)
    path.unlink()
    assert list(Archive(index_dir).snapshot().district) == districts
    assert path.exists() and not list(index_dir.glob("*.tmp"))


def test_a_damaged_columns_file_is_rebuilt_from_whoosh_with_the_same_values(writable_seeds):
    _, index_dir = writable_seeds
    snapshot = Archive(index_dir).snapshot()
    before, size = search(snapshot, SearchRequest(q="发展")).facets, snapshot.size
    path = next(index_dir.glob("*.columns"))
    data = bytearray(path.read_bytes())
    data[-20] ^= 0xFF
    path.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="damaged"):
        column_file.open_columns(path, size, CODED_COLUMNS)
    assert search(Archive(index_dir).snapshot(), SearchRequest(q="发展")).facets == before
    assert column_file.open_columns(path, size, CODED_COLUMNS).doc_count == size


def test_a_deleted_documents_values_are_gone_from_columns_and_facets(writable_seeds):
    folder, index_dir = writable_seeds
    before = Archive(index_dir).snapshot()
    gone = next(n for n in range(before.size) if before.district[n] == "郑东新区")
    source = before.document(gone).source
    (folder / source).unlink()
    index_paths([folder], index_dir)
    after = Archive(index_dir).snapshot()
    deleted = [n for n in range(after.size) if n not in after.live]
    assert deleted and all(after.district[n] is None and after.file_sig[n] is None for n in deleted)
    districts = dict((v.value, v.count) for v in count_facets(after, after.live)["district"])
    assert districts.get("郑东新区", 0) == sum(
        1 for n in after.live if after.document(n).source != source and after.district[n] == "郑东新区"
    )


def test_postings_are_cached_as_bitmaps_bounded_in_bytes(seeds_index):
    snapshot = Archive(seeds_index).snapshot()
    assert snapshot._postings.maxsize == POSTINGS_CACHE_BYTES
    docs = snapshot.docs_with_gram("防汛")
    assert sorted(docs) == sorted(n for n in snapshot.live if "防汛" in snapshot.search_text(n))
    assert snapshot._postings.currsize == sys.getsizeof(docs) < 1000


def test_titles_from_the_columns_files_are_each_documents_folded_title_across_segments(writable_seeds):
    folder, index_dir = writable_seeds
    (folder / "extra.txt").write_text("新增的标题\n第一段正文。\n", encoding="utf-8")
    index_paths([folder], index_dir)
    snapshot = Archive(index_dir).snapshot()
    assert len(snapshot._leaves) == 2  # the run added a second segment
    titles, starts = snapshot._titles()
    lines = [titles[starts[n] : starts[n + 1] - 1].decode("utf-8") for n in range(snapshot.size)]
    assert lines == [snapshot.title_text(n) for n in range(snapshot.size)]
    assert "新增的标题" in lines and len(starts) == snapshot.size + 1
