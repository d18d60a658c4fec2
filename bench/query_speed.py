"""Results-page latency on the full corpus: ours against the naive baseline, same queries, same run.

    python bench/query_speed.py                  # 300 queries, seed 20261122
    python bench/query_speed.py --queries 1000

The query set is sampled as staff would type it, from random documents (so
common and rare terms come in corpus proportion): half substrings of 2-8
characters, half runs of 1-3 jieba words; 15% with the source document's
district as a filter, 15% with its year, 25% sorted by date.  Every query does
the whole work of a results page: the total, facet counts (district, year,
topic), and the top 10 hits with snippets.

Ours: ``search()`` on a snapshot that is open with its texts loaded, as the web
server holds it.  Naive: jieba's ChineseAnalyzer index, the quoted phrase
through Whoosh's QueryParser, ``groupedby`` facets, Whoosh's highlighter; its
searcher is open too.  Each query runs once per engine; 10 warm-up queries
are not counted.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from pathlib import Path
from typing import ClassVar

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from exactness import phrase_from
from full_index import ensure_full_indexes
from whoosh import index as whoosh_index
from whoosh import sorting
from whoosh.highlight import ContextFragmenter, HtmlFormatter
from whoosh.qparser import MultifieldParser
from whoosh.query import And, Term

from search.engines.embedded.archive import Archive
from search.engines.embedded.run import search, warm_up
from search.query import SearchRequest


def quoted(phrase: str) -> str:
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


def sample_queries(snapshot, count: int, seed: int) -> list[dict]:
    rng = random.Random(seed)
    docs = sorted(snapshot.live)
    queries: list[dict] = []
    while len(queries) < count:
        docnum = rng.choice(docs)
        kind = "substring" if len(queries) % 2 == 0 else "words"
        phrase = phrase_from(rng, snapshot.search_text(docnum), kind)
        if phrase is None:
            continue
        query = {"phrase": phrase, "kind": kind, "district": None, "year": None, "sort": "relevance"}
        roll = rng.random()
        if roll < 0.15 and snapshot.district[docnum]:
            query["district"] = snapshot.district[docnum]
        elif 0.15 <= roll < 0.30 and snapshot.year[docnum]:
            query["year"] = snapshot.year[docnum]
        if rng.random() < 0.25:
            query["sort"] = rng.choice(["newest", "oldest"])
        queries.append(query)
    return queries


class Ours:
    name = "ours"

    def __init__(self, index_dir: Path):
        started = time.perf_counter()
        self.snapshot = Archive(index_dir).snapshot()
        warm_up(self.snapshot)
        self.open_s = time.perf_counter() - started

    def page(self, query: dict) -> tuple[int, int]:
        request = SearchRequest(
            q=quoted(query["phrase"]),
            districts=(query["district"],) if query["district"] else (),
            years=(int(query["year"]),) if query["year"] else (),
            sort=query["sort"],
        )
        results = search(self.snapshot, request)
        return results.total, sum(len(h.snippets) for h in results.hits)


class Naive:
    name = "naive"
    FACETS: ClassVar[dict[str, sorting.FieldFacet]] = {
        "district": sorting.FieldFacet("district"),
        "year": sorting.FieldFacet("year"),
        "topic": sorting.FieldFacet("topic", allow_overlap=True),
    }

    def __init__(self, index_dir: Path):
        started = time.perf_counter()
        self.ix = whoosh_index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "text"], self.ix.schema)
        self.open_s = time.perf_counter() - started

    def page(self, query: dict) -> tuple[int, int]:
        q = self.parser.parse(quoted(query["phrase"]))
        if query["district"]:
            q = And([q, Term("district", query["district"])])
        if query["year"]:
            q = And([q, Term("year", query["year"])])
        sortedby = None
        if query["sort"] != "relevance":
            sortedby = sorting.FieldFacet("year", reverse=query["sort"] == "newest")
        results = self.searcher.search(q, limit=10, groupedby=self.FACETS, sortedby=sortedby)
        total = len(results)
        for name in self.FACETS:
            {key: len(docs) for key, docs in results.groups(name).items()}
        results.fragmenter = ContextFragmenter(maxchars=200, surround=40)
        results.formatter = HtmlFormatter(tagname="mark")
        snippets = [hit.highlights("text", top=3) for hit in results]
        return total, sum(1 for s in snippets if s)


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def summary(timings: list[float]) -> dict:
    return {
        "p50_ms": round(percentile(timings, 0.50), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
        "max_ms": round(max(timings), 1),
        "mean_ms": round(sum(timings) / len(timings), 1),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--index", type=Path, default=None, help="time ours on this index (default: the full corpus's)")
    parser.add_argument("--no-naive", action="store_true", help="time ours only (the naive index takes long to build)")
    args = parser.parse_args()

    if args.index:
        ours_dir, naive_dir = args.index, None
    else:
        ours_dir, naive_dir, _ = ensure_full_indexes(naive=not args.no_naive)
    engines = [Ours(ours_dir)] + ([] if args.no_naive or naive_dir is None else [Naive(naive_dir)])
    queries = sample_queries(engines[0].snapshot, args.queries + 10, args.seed)
    warmup, queries = queries[:10], queries[10:]
    result = {"documents": len(engines[0].snapshot.live), "queries": len(queries), "seed": args.seed, "engines": {}}
    slowest = {}
    for engine in engines:
        for query in warmup:
            engine.page(query)
        timings, totals = [], []
        for query in queries:
            started = time.perf_counter()
            total, _ = engine.page(query)
            timings.append((time.perf_counter() - started) * 1000)
            totals.append(total)
        result["engines"][engine.name] = {
            "open_s": round(engine.open_s, 2),
            **summary(timings),
            "mean_total_hits": round(sum(totals) / len(totals), 1),
        }
        worst = sorted(zip(timings, queries), key=lambda item: -item[0])[:5]
        slowest[engine.name] = [(round(ms, 1), q["phrase"]) for ms, q in worst]
    ours, naive = result["engines"]["ours"], result["engines"].get("naive")
    if naive:
        result["p95_ratio_naive_over_ours"] = round(naive["p95_ms"] / ours["p95_ms"], 1)
        result["p50_ratio_naive_over_ours"] = round(naive["p50_ms"] / ours["p50_ms"], 1)
    result["slowest"] = slowest

    print(f"results pages on {result['documents']} documents, {len(queries)} queries (seed {args.seed})")
    print(f"{'engine':<8}{'p50 ms':>10}{'p95 ms':>10}{'p99 ms':>11}{'max ms':>11}{'mean hits':>11}{'open s':>8}")
    for name, m in result["engines"].items():
        print(
            f"{name:<8}{m['p50_ms']:>10}{m['p95_ms']:>10}{m['p99_ms']:>11}{m['max_ms']:>11}"
            f"{m['mean_total_hits']:>11}{m['open_s']:>8}"
        )
    if naive:
        print(
            f"p95 naive/ours: {result['p95_ratio_naive_over_ours']}×   p50 naive/ours: {result['p50_ratio_naive_over_ours']}×"
        )
    print("slowest (ours):", slowest["ours"])
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
