"""去重 on a real OpenSearch node: the same clusters and the same numbers as the embedded engine
(totals, reprints, every facet value, the rolled-up places, each hit's 另有 N, the copies listing),
for an admin and for readers who may not see some copies; and after an incremental run."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from search.access.actor import Actor
from search.cli.main import main
from search.engines import open_engine
from search.query import SearchRequest
from search.query.facet_values import rolled_up
from tests.dedup_corpus import make_corpus, paragraphs, write

ACCESS = {"a_copy.txt": "人事", "b.txt": "人事"}
READERS = (Actor("admin", role="admin"), Actor("reader"), Actor("hr", groups=frozenset({"人事"})))
QUERIES = ("郑东新区党工委", "发展", "三个二七", "中原区", "老旧小区")


def index_both(folder, index_dir, url, state, rebuild: bool):
    monkey = pytest.MonkeyPatch()
    monkey.setenv("SEARCH_STATE", str(state))
    try:
        for location in (str(index_dir), url):
            args = ["index", str(folder), "--index", location, "--procs", "1", *(["--rebuild"] if rebuild else [])]
            result = CliRunner().invoke(main, args)
            assert result.exit_code == 0, (location, result.output, result.exception)
    finally:
        monkey.undo()


@pytest.fixture(scope="module")
def engines(engine_node, tmp_path_factory):
    root = tmp_path_factory.mktemp("dedup-os")
    folder = make_corpus(root / "docs", access=ACCESS)
    url = f"{engine_node}/dedup-parity"
    index_both(folder, root / "index", url, root / "state", rebuild=True)
    return folder, root, url


def numbers(engine, request, actor):
    visible = engine.visible_to(actor)
    results = engine.search(request, visible=visible)
    facets = {name: [(v.value, v.count) for v in values] for name, values in results.facets.items()}
    hits = sorted((h.title, h.district, h.date, h.reprints) for h in results.hits)
    return {
        "total": results.total,
        "reprints": results.reprints,
        "facets": facets,
        "hits": hits,
        "rolled": rolled_up(results.facets.get("district", ())),
    }


def check_parity(folder, root, url):
    embedded, remote = open_engine(str(root / "index")), open_engine(url)
    remote_state = pytest.MonkeyPatch()
    remote_state.setenv("SEARCH_STATE", str(root / "state"))
    try:
        for q in QUERIES:
            for dedup in (False, True):
                for extra in ({}, {"years": (2020,)}, {"districts": ("郑州市",)}):
                    request = SearchRequest(q=q, dedup=dedup, per_page=50, **extra)
                    for actor in READERS:
                        assert numbers(remote, request, actor) == numbers(embedded, request, actor), (
                            q,
                            dedup,
                            extra,
                            actor,
                        )
            for actor in READERS:
                filters = SearchRequest(dedup=dedup)
                for per in (None, "district"):
                    got = remote.trend([q], filters, per=per, visible=remote.visible_to(actor)).to_json()
                    assert got == embedded.trend([q], filters, per=per, visible=embedded.visible_to(actor)).to_json(), (
                        q,
                        per,
                    )
                lines = [
                    engine.concordance(
                        SearchRequest(q=q, dedup=dedup, per_page=200), "date", 20, visible=engine.visible_to(actor)
                    )
                    for engine in (remote, embedded)
                ]
                assert [
                    (c.total_documents, c.total_occurrences, sorted(line.id for line in c.lines)) for c in lines
                ] == [
                    (lines[1].total_documents, lines[1].total_occurrences, sorted(line.id for line in lines[1].lines))
                ] * 2
    finally:
        remote_state.undo()
    return embedded, remote


def test_the_same_numbers_as_the_embedded_engine(engines):
    folder, root, url = engines
    _, remote = check_parity(folder, root, url)
    once = remote.search(SearchRequest(q="郑东新区党工委", dedup=True))
    assert (once.total, once.reprints, [h.reprints for h in once.hits]) == (1, 2, [2])
    reader = remote.visible_to(Actor("reader"))
    hidden = remote.search(SearchRequest(q="郑东新区党工委", dedup=True), visible=reader)
    assert (hidden.total, hidden.reprints, [h.reprints for h in hidden.hits]) == (1, 1, [1])


def test_copies_listing_is_the_same(engines):
    _, root, url = engines
    embedded, remote = open_engine(str(root / "index")), open_engine(url)
    hit = embedded.search(SearchRequest(q="郑东新区党工委", dedup=True)).hits[0]
    for actor in READERS:
        request = SearchRequest(q="郑东新区", copies=hit.id)
        got = sorted(h.id for h in remote.search(request, visible=remote.visible_to(actor)).hits)
        assert got == sorted(h.id for h in embedded.search(request, visible=embedded.visible_to(actor)).hits)
    assert remote.search(SearchRequest(q="郑东新区", copies="nonexistent-0")).total == 0
    for actor in READERS:  # saved queries count with matching_ids: one per cluster with 去重
        for request in (SearchRequest(q="发展", dedup=True), SearchRequest(q="郑东新区", copies=hit.id)):
            assert remote.matching_ids(request, visible=remote.visible_to(actor)) == embedded.matching_ids(
                request, visible=embedded.visible_to(actor)
            )


def test_similar_copies_are_the_same(engines):
    _, root, url = engines
    embedded, remote = open_engine(str(root / "index")), open_engine(url)
    for hit in embedded.search(SearchRequest(q="发展", per_page=50)).hits:
        for actor in READERS:
            got = [
                (s.id, round(s.similarity, 6), s.kind, s.canonical)
                for s in remote.similar(hit.id, visible=remote.visible_to(actor))
            ]
            want = [
                (s.id, round(s.similarity, 6), s.kind, s.canonical)
                for s in embedded.similar(hit.id, visible=embedded.visible_to(actor))
                if s.kind != "close"
            ]
            assert sorted(got) == sorted(want), (hit.id, actor)


def test_an_incremental_run_keeps_them_equal(engines, tmp_path):
    folder, root, url = engines
    c = paragraphs("002_e4afcd0e96c35912.txt")
    write(folder / "c_reprint.txt", "转载：中原区今年的主要工作", c)
    rows = [
        r for r in (folder / "manifest.tsv").read_text(encoding="utf-8").splitlines() if not r.startswith("a.txt\t")
    ]
    (folder / "manifest.tsv").write_text(
        "\n".join([*rows, "c_reprint.txt\t\t中原区\t2021-02-02\t"]) + "\n", encoding="utf-8"
    )
    (folder / "a.txt").unlink()  # A's canonical copy: the cluster's next copy takes over, in both engines
    index_both(folder, root / "index", url, root / "state", rebuild=False)
    _, remote = check_parity(folder, root, url)
    once = remote.search(SearchRequest(q="中原区今年", dedup=True))
    assert [h.reprints for h in once.hits] == [1]
