"""Ranking reveals nothing on the OpenSearch engine either (issue 27, item 4; what was left: item 1),
on a real node: a public hit scores the same, and public hits come in the same order, whatever
restricted documents hold the phrase; the score is the one computed from the reader's documents
(the oracle below, from the source texts), on one shard or two."""

from __future__ import annotations

import math
import os
from pathlib import Path

import pytest

from search.access import Actor
from search.engines import open_engine
from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.ingest import index_paths
from search.query import SearchRequest
from search.text.normalize import search_text
from tests.opensearch_fixtures import opensearch, start_cluster

CLUSTER = f"pytest-ranking-{os.getpid()}"
READER = Actor("li", "reader", frozenset())
HR = Actor("wang", "reader", frozenset({"人事"}))
ADMIN = Actor("root", "admin", frozenset())
PUBLIC = {
    "public.txt": "二七区报告\n\n二七区部署稳就业工作，稳就业是头等大事，推进老旧小区改造。\n",
    "other.txt": "金水区报告\n\n金水区持续深化放管服改革。\n",
    "once.txt": "中原区报告\n\n中原区稳就业。\n",
    "thrice.txt": "惠济区报告\n\n惠济区稳就业、稳就业、稳就业，老旧小区改造。\n",
    "titled.txt": "稳就业工作方案\n\n上街区推进老旧小区改造。\n",
}
HIDDEN = {f"hidden{n}.txt": f"人事报告{n}\n\n考核稳就业稳就业稳就业。\n" + "人事工作。\n" * (n * 20) for n in range(4)}
QUERIES = ("稳就业", "稳就业 老旧小区", "报告", "改造 OR 改革", "title:报告 稳就业")


@pytest.fixture(scope="module")
def node():
    (url,) = start_cluster(CLUSTER, nodes=1)
    yield url
    opensearch("wipe", "--cluster", CLUSTER)


def _folder(root: Path, files: dict[str, str], manifest: str | None) -> Path:
    root.mkdir()
    for name, text in files.items():
        (root / name).write_text(text, encoding="utf-8")
    if manifest:
        (root / "manifest.csv").write_text(manifest, encoding="utf-8")
    return root


@pytest.fixture(scope="module")
def engines(node, tmp_path_factory):
    """(with hidden documents on one shard, on two shards, without them): three index URLs' engines."""
    tmp = tmp_path_factory.mktemp("ranking")
    rows = "filename,access\n" + "".join(f"{name},人事\n" for name in HIDDEN)
    with_hidden = _folder(tmp / "a", {**PUBLIC, **HIDDEN}, rows)
    without = _folder(tmp / "b", PUBLIC, None)
    one, two, alone = (open_engine(f"{node}/{name}") for name in ("hidden", "hidden-two", "alone"))
    one.index([with_hidden], rebuild=True)
    report = index_paths([with_hidden], OpenSearchEngine(f"{node}/hidden-two"), rebuild=True, shards=2)
    assert report.total_documents == len(PUBLIC) + len(HIDDEN)
    alone.index([without], rebuild=True)
    return one, two, alone


def _hits(engine, actor: Actor, q: str, sort: str = "relevance") -> list[tuple[str, float]]:
    results = engine.search(SearchRequest(q=q, sort=sort), visible=engine.visible_to(actor))
    return [(hit.source, hit.score) for hit in results.hits]


def _expected_score(phrases: tuple[str, ...], titled: tuple[str, ...], text: str, title: str, seen: dict) -> float:
    """The oracle: BM25 without length over what the reader sees (``seen``: source -> text as written)."""
    total = 0.0
    for phrase in dict.fromkeys((*phrases, *titled)):
        df = sum(phrase in search_text(*_split(t)) for t in seen.values())
        idf = math.log(1 + (len(seen) - df + 0.5) / (df + 0.5))
        if phrase in phrases:
            tf = sum(line.count(phrase) for line in search_text(title, _split(text)[1]).split("\n"))
            total += idf * 2.2 * tf / (tf + 1.2)
        if phrase in titled and phrase in title:
            total += 3.0 * idf
    return round(total, 4)


def _split(text: str) -> tuple[str, list[str]]:
    title, _, body = text.partition("\n\n")
    return title, [line for line in body.split("\n") if line]


@pytest.mark.parametrize("q", QUERIES)
def test_a_public_hit_scores_and_ranks_the_same_whatever_hidden_documents_hold(engines, q):
    one, two, alone = engines
    assert _hits(one, READER, q) == _hits(alone, READER, q) == _hits(two, READER, q)


def test_the_score_is_the_readers_bm25_computed_from_the_source_texts(engines):
    one, _, _ = engines
    hits = dict(_hits(one, READER, "稳就业"))
    assert sorted(hits) == ["once.txt", "public.txt", "thrice.txt", "titled.txt"]
    for source, score in hits.items():
        title, _ = _split(PUBLIC[source])
        assert score == _expected_score(("稳就业",), ("稳就业",), PUBLIC[source], title, PUBLIC), source
    # a title hit first, then by frequency (3, 2, 1): the cluster's order is the score's
    assert [s for s, _ in _hits(one, READER, "稳就业")] == ["titled.txt", "thrice.txt", "public.txt", "once.txt"]


def test_who_may_see_the_hidden_documents_ranks_with_them(engines):
    one, two, alone = engines
    seen = dict(_hits(one, HR, "稳就业"))
    assert sorted(seen) == sorted(["once.txt", "public.txt", "thrice.txt", "titled.txt", *HIDDEN])
    everything = {**PUBLIC, **HIDDEN}
    title, _ = _split(PUBLIC["public.txt"])
    assert seen["public.txt"] == _expected_score(("稳就业",), ("稳就业",), PUBLIC["public.txt"], title, everything)
    assert seen["public.txt"] != dict(_hits(alone, READER, "稳就业"))["public.txt"]
    assert _hits(one, ADMIN, "稳就业") == _hits(one, HR, "稳就业") == _hits(two, HR, "稳就业")


def test_hits_sorted_by_date_carry_no_score(engines):
    one, _, _ = engines
    assert {score for _, score in _hits(one, READER, "稳就业", sort="newest")} == {0.0}
    assert _hits(one, READER, "稳就业", sort="oldest") == _hits(engines[2], READER, "稳就业", sort="oldest")


@pytest.mark.parametrize("narrowed", [{"districts": ("二七区",)}, {"q": "稳就业 -考核"}, {"mode": "words"}])
def test_one_phrase_under_filters_scores_over_all_the_readers_documents(engines, narrowed):
    # One phrase: its idf is counted in the page's own request, over every document the reader may
    # see (not only those the filters leave), as in the embedded engine.
    request = SearchRequest(**{"q": "稳就业", **narrowed})
    pages = [[(h.source, h.score) for h in e.search(request, visible=e.visible_to(READER)).hits] for e in engines]
    assert pages[0] == pages[1] == pages[2] and pages[0]
    if narrowed.get("mode") != "words":
        public = dict(pages[0])["public.txt"]
        title, _ = _split(PUBLIC["public.txt"])
        assert public == _expected_score(("稳就业",), ("稳就业",), PUBLIC["public.txt"], title, PUBLIC)
