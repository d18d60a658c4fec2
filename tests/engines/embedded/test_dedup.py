"""Reprints found and counted once (search.dedup): clusters, canonical copies, incremental updates,
boilerplate, and every 去重 count against the number of distinct clusters among the matching documents
(the matches by a substring oracle over the source text, the clusters from the cluster table)."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.access.actor import Actor
from search.cli.main import main as cli
from search.dedup import fingerprint as fp
from search.dedup.clusters import build
from search.dedup.similar import similar_documents
from search.dedup.store import load, table_folder, table_of
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.concordance import concordance
from search.engines.embedded.run import search
from search.engines.embedded.trend import trend
from search.engines.embedded.visibility import visible_documents
from search.meta import extract_documents, read_sidecar
from search.meta.places import NATIONAL, place_path
from search.query import SearchRequest
from search.query.facet_values import rolled_up
from search.text.normalize import normalize_query, search_text
from tests.dedup_corpus import BOILERPLATE, ROWS, TRUTH, make_corpus, paragraphs, write


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    return make_corpus(tmp_path_factory.mktemp("dedup") / "docs")


@pytest.fixture(scope="module")
def index(corpus, tmp_path_factory) -> Path:
    index_dir = tmp_path_factory.mktemp("dedup-index")
    assert index_paths([corpus], index_dir).warnings == []
    return index_dir


@pytest.fixture(scope="module")
def snapshot(index):
    return Archive(index).snapshot()


def clusters_by_source(snapshot) -> dict[str, int]:
    table = table_of(snapshot)
    names = {}
    for n in snapshot.live:
        doc = snapshot.document(n)
        names[doc.source + (f"#{doc.item}" if doc.item else "")] = int(table.canonical[n])
    return names


def partition(mapping: dict[str, object]) -> set[frozenset[str]]:
    groups: dict[object, set[str]] = {}
    for name, group in mapping.items():
        groups.setdefault(group, set()).add(name)
    return {frozenset(g) for g in groups.values()}


# -- clusters ------------------------------------------------------------------


def test_the_known_reprints_are_clustered_and_nothing_else(snapshot):
    assert partition(clusters_by_source(snapshot)) == partition(TRUTH)


def test_canonical_copy_is_the_earliest_dated(snapshot):
    table = table_of(snapshot)
    canonical = {snapshot.document(n).source for n in snapshot.live if table.canonical[n] == n}
    assert canonical == {"a.txt", "b.txt", "c.txt", "d.txt"}


def test_reprints_and_edited_copies_by_their_jaccard(snapshot):
    table = table_of(snapshot)
    source = {n: snapshot.document(n).source for n in snapshot.live}
    pairs = {frozenset((source[a], source[b])): s for (a, b), s in zip(table.edges.tolist(), table.similarity.tolist())}
    assert pairs[frozenset(("a.txt", "a_copy.txt"))] == 1.0
    # The headline and the boilerplate lines are not fingerprinted (the same body; the extractor joins
    # this seed's broken lines a little differently after the added 来源 line: 0.968, a reprint).
    assert pairs[frozenset(("a.txt", "a_headline.txt"))] >= 0.9
    assert 0.7 <= pairs[frozenset(("b.txt", "b_cut.txt"))] < 1.0
    assert 0.9 <= pairs[frozenset(("b.txt", "b_typo.txt"))] < 1.0
    assert not any("c.txt" in p or "d.txt" in p for p in pairs)


def test_boilerplate_lines_are_left_out_of_the_fingerprint_and_long_paragraphs_are_kept():
    story = "标题\n" + "\n".join(paragraphs("000_754c89f9d7615ac7.txt")[1:4])
    padded = story + "\n" + "\n".join(BOILERPLATE) + "\n打印本页\n编辑:王五"
    assert fp.body(padded) == fp.body(story)
    assert all(fp.is_boilerplate(line) for line in BOILERPLATE)
    long_line = "本报讯 " + "居民收入来源不断拓宽，" * 10
    assert not fp.is_boilerplate(long_line)
    assert "居民收入来源不断拓宽" in fp.body("标题\n" + long_line)
    # The title line is not fingerprinted either.
    assert fp.body("另一个标题\n" + story.partition("\n")[2]) == fp.body(story)


def test_jaccard_of_shingle_sets_is_exact():
    a, b = fp.shingle_set("t\n甲乙丙丁戊己"), fp.shingle_set("t\n甲乙丙丁戊庚")
    # 4-character shingles: 甲乙丙丁 乙丙丁戊 丙丁戊己 against 甲乙丙丁 乙丙丁戊 丙丁戊庚: 2 of 4.
    assert (len(a), len(b)) == (3, 3)
    assert fp.jaccard(a, b) == 2 / 4


def test_the_table_is_stored_per_generation(index, snapshot):
    stored = load(index, snapshot.generation)
    assert stored is not None and table_folder(index, snapshot.generation).is_dir()
    assert stored.keys == table_of(snapshot).keys
    assert np.array_equal(stored.canonical, table_of(snapshot).canonical)


# -- incremental updates ---------------------------------------------------------


def test_incremental_add_change_remove(corpus, tmp_path, monkeypatch):
    folder = tmp_path / "docs"
    shutil.copytree(corpus, folder)
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir)
    first = Archive(index_dir).snapshot()
    assert partition(clusters_by_source(first)) == partition(TRUTH)

    # Add a reprint of c (another headline); change b_typo into another story; remove a.txt, A's canonical.
    c = paragraphs("002_e4afcd0e96c35912.txt")
    write(folder / "c_reprint.txt", "转载：中原区今年的主要工作", c)
    d = paragraphs("004_e713b7ff9e0ddada.txt")
    write(folder / "b_typo.txt", d[0], d[1:])
    (folder / "a.txt").unlink()
    manifest = (folder / "manifest.tsv").read_text(encoding="utf-8")
    (folder / "manifest.tsv").write_text(manifest + "c_reprint.txt\t\t中原区\t2021-02-02\t\n", encoding="utf-8")

    read: list[str] = []
    original_body = fp.body
    monkeypatch.setattr(fp, "body", lambda text: read.append(text.partition("\n")[0]) or original_body(text))
    report = index_paths([folder], index_dir)
    assert (report.added, report.changed, report.removed) == (["c_reprint.txt"], ["b_typo.txt"], ["a.txt"])
    snapshot = Archive(index_dir).snapshot()
    got = clusters_by_source(snapshot)
    assert partition(got) == {
        frozenset({"a_copy.txt", "a_headline.txt"}),
        frozenset({"b.txt", "b_cut.txt"}),
        frozenset({"c.txt", "c_reprint.txt"}),
        frozenset({"d.txt"}),
        *(frozenset({name}) for name in ("b_typo.txt", "b_typo.txt#1", "b_typo.txt#2", "b_typo.txt#3")),
    }
    table = table_of(snapshot)
    canonical = {snapshot.document(n).source for n in snapshot.live if table.canonical[n] == n}
    # a.txt gone: the earliest remaining copy of A (2020-08-12) is its canonical copy now.
    assert canonical == {"a_copy.txt", "b.txt", "b_typo.txt", "c.txt", "d.txt"}  # (b_typo's four items: one source)
    # Only the new and changed documents were fingerprinted (the others kept their signatures and
    # pairs); c.txt is read again as the partner of a new candidate, for the exact Jaccard.
    items = [snapshot.document(n).title for n in snapshot.live if snapshot.document(n).source == "b_typo.txt"]
    assert len(items) == 4  # seed 004 is a page of four news items: b_typo.txt is four documents now
    assert sorted(read) == sorted(
        [*(normalize_query(t) for t in items), "转载:中原区今年的主要工作", "中原区今年的主要工作"]
    )


def test_a_table_built_from_scratch_equals_the_incremental_one(corpus, tmp_path):
    folder = tmp_path / "docs"
    shutil.copytree(corpus, folder)
    (folder / "b_cut.txt").unlink()
    index_dir = tmp_path / "index"
    index_paths([folder], index_dir)
    snapshot = Archive(index_dir).snapshot()
    incremental = table_of(snapshot)
    scratch = build(snapshot, None)
    assert np.array_equal(incremental.canonical, scratch.canonical)


def test_an_index_without_a_table_builds_one_on_first_read(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_paths([corpus], index_dir)
    generation = Archive(index_dir).snapshot().generation
    shutil.rmtree(table_folder(index_dir, generation))
    snapshot = Archive(index_dir).snapshot()
    assert partition(clusters_by_source(snapshot)) == partition(TRUTH)
    assert table_folder(index_dir, generation).is_dir()  # left for the next reader


def test_a_damaged_table_is_built_again(corpus, tmp_path):
    index_dir = tmp_path / "index"
    index_paths([corpus], index_dir)
    generation = Archive(index_dir).snapshot().generation
    damaged = table_folder(index_dir, generation) / "canonical.npy"
    damaged.write_bytes(damaged.read_bytes()[:40])  # cut short
    assert load(index_dir, generation) is None
    snapshot = Archive(index_dir).snapshot()
    assert partition(clusters_by_source(snapshot)) == partition(TRUTH)
    assert load(index_dir, generation) is not None  # and written again, whole


# -- counting once, against the oracle -------------------------------------------


@pytest.fixture(scope="module")
def source_texts(corpus) -> dict[str, str]:
    sidecar = read_sidecar(corpus)
    texts = {}
    for name, _, _ in ROWS:
        records = extract_documents((corpus / name).read_text(encoding="utf-8"), sidecar.get(name))
        (record,) = records
        texts[name] = search_text(record.title, record.paragraphs)
    return texts


YEARS = {name: date[:4] for name, _, date in ROWS}
DISTRICTS = {name: district for name, district, _ in ROWS}


def _phrases(texts: dict[str, str]):
    def cut(pair):
        name, start, length = pair
        text = texts[name]
        start %= max(1, len(text) - length)
        return text[start : start + length]

    return (
        st.tuples(st.sampled_from(sorted(texts)), st.integers(0, 10_000), st.integers(2, 4))
        .map(cut)
        .filter(lambda p: "\n" not in p and p.strip() == p and '"' not in p and len(p) >= 2)
    )


@settings(max_examples=60)
@given(data=st.data())
def test_every_count_with_dedup_is_the_number_of_distinct_clusters(snapshot, source_texts, data):
    phrase = data.draw(_phrases(source_texts))
    years = data.draw(st.sets(st.sampled_from(sorted(set(YEARS.values()))), max_size=1))
    cluster = clusters_by_source(snapshot)
    matching = {n for n, t in source_texts.items() if phrase in t and (not years or YEARS[n] in years)}
    clusters = {cluster[n] for n in matching}
    request = SearchRequest(q=f'"{phrase}"', years=tuple(int(y) for y in years), dedup=True)
    results = search(snapshot, request)
    assert results.total == len(clusters)
    assert results.reprints == len(matching) - len(clusters)
    assert sum(
        1 + h.reprints
        for h in search(snapshot, SearchRequest(q=f'"{phrase}"', years=request.years, dedup=True, per_page=50)).hits
    ) == len(matching)
    by_year = {f.value: f.count for f in results.facets.get("year", ())}
    expected_years = {y: len({cluster[n] for n in matching if YEARS[n] == y}) for y in {YEARS[n] for n in matching}}
    if not years:
        assert by_year == expected_years
    by_district = {f.value: f.count for f in results.facets.get("district", ())}
    assert by_district == {
        d: len({cluster[n] for n in matching if DISTRICTS[n] == d}) for d in {DISTRICTS[n] for n in matching}
    }

    # The place facet rolled up (郑州市 holds its districts): clusters counted once under each place.
    # (全国 holds the national documents only, as everywhere.)
    def places(name: str) -> set[str]:
        return {p for p in place_path(DISTRICTS[name]) if p != NATIONAL or DISTRICTS[name] == NATIONAL}

    rolled = rolled_up(results.facets.get("district", ()))
    assert rolled == {
        place: len({cluster[n] for n in matching if place in places(n)})
        for place in {p for n in matching for p in places(n)}
    }
    topics = {snapshot.document(n).source: snapshot.topics[n] for n in snapshot.live}
    by_topic = {f.value: f.count for f in results.facets.get("topic", ())}
    assert by_topic == {
        t: len({cluster[n] for n in matching if t in topics[n]}) for t in {t for n in matching for t in topics[n]}
    }
    plain = search(snapshot, SearchRequest(q=f'"{phrase}"', years=request.years))
    assert plain.total == len(matching) and plain.reprints == len(matching) - len(clusters)
    if matching:
        series = trend(snapshot, [f'"{phrase}"'], SearchRequest(years=request.years, dedup=True)).series[0]
        points = {p.period: p.documents for p in series.points if p.documents}
        assert points == {y: c for y, c in expected_years.items() if not years or y in years}
        assert series.total_documents == len(clusters)
        lines = concordance(snapshot, SearchRequest(q=f'"{phrase}"', years=request.years, dedup=True, per_page=200))
        assert lines.total_documents == len(clusters)
        assert len({line.id for line in lines.lines}) == len(clusters)


def test_representative_is_the_canonical_copy_when_it_matches(snapshot):
    results = search(snapshot, SearchRequest(q="郑东新区党工委", dedup=True))
    assert [(h.source, h.reprints) for h in results.hits] == [("a.txt", 2)]


def test_saved_query_counts_take_the_switch(snapshot):
    from search.engines.embedded.run import matching_documents

    once = matching_documents(snapshot, SearchRequest(q="郑东新区党工委", dedup=True))
    assert [snapshot.document(n).source for n in once] == ["a.txt"]
    assert len(matching_documents(snapshot, SearchRequest(q="郑东新区党工委"))) == 3


def test_copies_lists_the_cluster_of_a_document(snapshot):
    a = next(n for n in snapshot.live if snapshot.document(n).source == "a.txt")
    listed = search(snapshot, SearchRequest(q="郑东新区", copies=snapshot.document(a).id))
    assert sorted(h.source for h in listed.hits) == ["a.txt", "a_copy.txt", "a_headline.txt"]
    assert search(snapshot, SearchRequest(q="郑东新区", copies="nonexistent-0")).total == 0


def test_cli_dedup_and_copies(runner, index):
    plain = runner.invoke(cli, ["query", "郑东新区党工委", "--index", str(index)])
    assert plain.exit_code == 0 and "of 3 documents" in plain.output and "holds 2 reprints" in plain.output
    once = runner.invoke(cli, ["query", "郑东新区党工委", "--index", str(index), "--dedup"])
    assert once.exit_code == 0 and "1–1 of 1 clusters (去重)" in once.output and "另有 2 篇转载" in once.output
    kwic = runner.invoke(cli, ["kwic", "郑东新区党工委", "--index", str(index), "--dedup", "--json"])
    assert kwic.exit_code == 0 and '"total_documents": 1' in kwic.output
    trend_out = runner.invoke(cli, ["trend", "郑东新区党工委", "--index", str(index), "--dedup", "--csv"])
    assert trend_out.exit_code == 0
    rows = [line.split(",") for line in trend_out.output.strip().splitlines()[1:]]
    assert {(r[2], r[3]) for r in rows if r[3] != "0" and r[2] != "undated"} == {("2020", "1"), ("2021", "1")}


# -- similar documents, restricted documents ---------------------------------------


def test_similar_documents_are_the_copies_with_their_similarity(snapshot):
    a = next(n for n in snapshot.live if snapshot.document(n).source == "a_copy.txt")
    found = similar_documents(snapshot, a)
    titles = {s.id: s for s in found}
    by_source = {snapshot.document(next(iter(snapshot.docs_with_id(i)))).source: s for i, s in titles.items()}
    assert set(by_source) >= {"a.txt", "a_headline.txt"}
    assert (by_source["a.txt"].kind, by_source["a.txt"].similarity, by_source["a.txt"].canonical) == (
        "reprint",
        1.0,
        True,
    )
    assert by_source["a_headline.txt"].kind == "reprint"
    assert all(s.kind == "close" for src, s in by_source.items() if src not in ("a.txt", "a_headline.txt"))


@pytest.fixture(scope="module")
def restricted(tmp_path_factory):
    folder = make_corpus(tmp_path_factory.mktemp("restricted") / "docs", access={"a_copy.txt": "人事", "b.txt": "人事"})
    index_dir = tmp_path_factory.mktemp("restricted-index")
    index_paths([folder], index_dir)
    return Archive(index_dir).snapshot()


def test_hidden_copies_are_never_counted_named_or_listed(restricted):
    reader = visible_documents(restricted, Actor("reader"))
    hr = visible_documents(restricted, Actor("hr", groups=frozenset({"人事"})))
    source = {n: restricted.document(n).source for n in restricted.live}
    results = search(restricted, SearchRequest(q="郑东新区党工委", dedup=True), visible=reader)
    assert [(source[next(iter(restricted.docs_with_id(h.id)))], h.reprints) for h in results.hits] == [("a.txt", 1)]
    assert results.total == 1 and results.reprints == 1
    assert search(restricted, SearchRequest(q="郑东新区党工委", dedup=True), visible=hr).hits[0].reprints == 2
    # B's canonical copy (b.txt) is hidden from the reader: a visible copy stands for the cluster.
    b_hits = search(restricted, SearchRequest(q="三个二七", dedup=True), visible=reader).hits
    assert [(source[next(iter(restricted.docs_with_id(h.id)))], h.reprints) for h in b_hits] == [("b_cut.txt", 1)]
    a = next(n for n, s in source.items() if s == "a.txt")
    listed = {source[next(iter(restricted.docs_with_id(s.id)))] for s in similar_documents(restricted, a, reader)}
    assert "a_copy.txt" not in listed and "a_headline.txt" in listed
    copies = search(restricted, SearchRequest(q="郑东新区", copies=restricted.document(a).id), visible=reader)
    assert sorted(source[next(iter(restricted.docs_with_id(h.id)))] for h in copies.hits) == ["a.txt", "a_headline.txt"]
    hidden_id = restricted.document(next(n for n, s in source.items() if s == "a_copy.txt")).id
    assert search(restricted, SearchRequest(q="郑东新区", copies=hidden_id), visible=reader).total == 0


def test_empty_bins_are_filled_from_the_next_bin_to_the_right():
    rng = np.random.default_rng(3)
    sig = rng.integers(0, 1 << 26, size=(50, fp.BINS), dtype=np.uint32)
    sig[rng.random(sig.shape) < 0.4] = fp.EMPTY
    sig[7] = fp.EMPTY
    sig[7, 10] = 5  # one bin: every other bin takes it, offset by its distance (circular)
    expected = sig.copy()
    for row in range(len(sig)):
        for column in range(fp.BINS):
            if sig[row, column] == fp.EMPTY:
                step = next(d for d in range(1, fp.BINS) if sig[row, (column + d) % fp.BINS] != fp.EMPTY)
                value = int(sig[row, (column + step) % fp.BINS])
                expected[row, column] = (value + 0x9E3779B1 * step) & ((1 << 26) - 1)
    fp._densify(sig, np.ones(len(sig), dtype=bool))
    assert np.array_equal(sig, expected)
    assert sig[7, 11] == (5 + 0x9E3779B1 * 63) & ((1 << 26) - 1)
