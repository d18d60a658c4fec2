"""The grams file: bigram postings and search texts per segment, merges, and the index's segments."""

from __future__ import annotations

import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis import char_grams
from search.archive import Archive, open_index
from search.errors import SearchError
from search.gramstore import (
    GramSegment,
    GramSegmentBuilder,
    char_range,
    gram_key,
    gram_keys,
)
from search.ingest import index_paths
from search.query import SearchRequest, matching_ids

TEXTS = ["标题\n正文一二三", "甲\n乙丙", "别的标题\n一二"]


def build(tmp_path, texts, name="seg.grams") -> GramSegment:
    builder = GramSegmentBuilder()
    for docnum, text in enumerate(texts):
        builder.add(docnum, gram_keys(text), text)
    builder.write(tmp_path / name)
    return GramSegment(tmp_path / name)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="郑东新区一二\n5Gg 。𠀀", max_size=30))
def test_gram_keys_are_exactly_the_char_grams(text):
    assert sorted(gram_keys(text)) == sorted(gram_key(g) for g in char_grams(text))


def test_segment_round_trip_postings_texts_and_titles(tmp_path):
    segment = build(tmp_path, TEXTS)
    assert (segment.doc_count, segment.term_count) == (3, 13)
    assert list(segment.docs(gram_key("一二"))) == [0, 2]
    assert list(segment.docs(gram_key("甲\n"))) == [1]
    assert list(segment.docs(gram_key("无此"))) == []
    assert segment.doc_frequency(gram_key("一二")) == 2
    assert [segment.text(n) for n in range(3)] == TEXTS
    assert list(segment.title_lengths) == [2, 1, 4]
    assert segment.all_text()[0] == "".join(TEXTS)


def test_all_bigrams_starting_with_a_character_are_one_range(tmp_path):
    segment = build(tmp_path, TEXTS)
    assert sorted(set(segment.docs_in_range(*char_range("一")))) == [0, 2]
    assert sorted(set(segment.docs_in_range(*char_range("丙")))) == [1]  # 丙 ends its line: 丙 + newline


def test_documents_must_be_added_in_order():
    builder = GramSegmentBuilder()
    with pytest.raises(ValueError, match="expected 0, got 1"):
        builder.add(1, gram_keys("甲乙"), "甲乙")


def test_merge_renumbers_and_drops_deleted_documents(tmp_path):
    old = build(tmp_path, TEXTS, "old.grams")
    builder = GramSegmentBuilder()
    builder.add(0, gram_keys("x一二"), "x一二")
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
    return sorted(segment.segment_id() for segment in open_index(index_dir)._segments())


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
