"""What ranking from the reader's documents costs on OpenSearch, against the cluster's own BM25, in one run.

    python bench/opensearch_ranking.py                     # starts a one-node cluster (scripts/opensearch.sh)
    python bench/opensearch_ranking.py --url http://127.0.0.1:9200 --queries 200
    python bench/opensearch_ranking.py --news 2013 2014        # and two years of the news corpus

The reports corpus (``bench/corpus.report_folders``), and with ``--news`` those years' folders of
the news corpus, is indexed into a fresh index; then the same
relevance-sorted results pages (one and two phrases, from the corpus' own lines, seeded) run
for a reader without groups two ways, interleaved: **reader** (``search.engines.opensearch.ranking``: the
reader's idf in one request, the cluster's idf of each phrase in one multi-term-vectors request,
then the page) and **cluster** (the page alone, scored by the cluster's BM25 over every
document: what ran before, and what leaks).  Reports each one's p50/p95 and their ratio, and how
often the two put the same documents on the first page (the order may differ: the cluster's
idf is a sum over characters, the reader's the phrase's own).  Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import news_folder, report_folders
from exactness import phrase_from, quoted
from query_speed import summary

from search.engines.opensearch import ranking as opensearch_ranking
from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.ingest import index_paths
from search.query import SearchRequest
from search.text.normalize import search_text

SCRIPT = BENCH.parent / "scripts" / "opensearch.sh"
CLUSTER = "ranking-bench"


def sample_requests(engine: OpenSearchEngine, count: int, seed: int) -> list[SearchRequest]:
    rng = random.Random(seed)
    texts = [
        search_text(source.get("title") or "", source.get("paragraphs") or [])
        for _, source in engine.sources({"match_all": {}}, ["title", "paragraphs"])
    ]
    requests = []
    while len(requests) < count:
        phrases = [phrase_from(rng, rng.choice(texts), "substring") for _ in range(1 + len(requests) % 2)]
        if all(phrases):
            requests.append(SearchRequest(q=" ".join(quoted(p) for p in phrases)))
    return requests


def run(engine: OpenSearchEngine, requests: list[SearchRequest], reader: bool) -> tuple[list[float], list[list[str]]]:
    real = opensearch_ranking.weights
    if not reader:
        opensearch_ranking.weights = lambda *args, **kwargs: None
    try:
        timings, pages = [], []
        for request in requests:
            started = time.perf_counter()
            results = engine.search(request, visible=frozenset())
            timings.append((time.perf_counter() - started) * 1000)
            pages.append([hit.id for hit in results.hits])
        return timings, pages
    finally:
        opensearch_ranking.weights = real


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--url", help="a running node (default: start one with scripts/opensearch.sh)")
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--news", nargs="*", default=[], metavar="YEAR", help="years of the news corpus to add")
    args = parser.parse_args()
    started_node = args.url is None
    if started_node:
        subprocess.run(["bash", str(SCRIPT), "wipe", "--cluster", CLUSTER], check=True, capture_output=True)
        args.url = subprocess.run(
            ["bash", str(SCRIPT), "start", "--cluster", CLUSTER], check=True, capture_output=True, text=True
        ).stdout.split()[0]
    try:
        engine = OpenSearchEngine(f"{args.url}/ranking-bench")
        began = time.perf_counter()
        folders = [*report_folders(), *(news_folder() / year for year in args.news)]
        report = index_paths(folders, engine, rebuild=True, procs=2)
        indexed_s = time.perf_counter() - began
        requests = sample_requests(engine, args.queries, args.seed)
        run(engine, requests[:10], True)  # warm-up, both ways
        run(engine, requests[:10], False)
        timings: dict[str, list[float]] = {"reader": [], "cluster": []}
        pages: dict[str, list[list[str]]] = {}
        for _ in range(args.rounds):
            for name in ("reader", "cluster"):
                spent, pages[name] = run(engine, requests, name == "reader")
                timings[name] += spent
        same_set = sum(set(a) == set(b) for a, b in zip(pages["reader"], pages["cluster"]))
        same_order = sum(a == b for a, b in zip(pages["reader"], pages["cluster"]))
        rows = {name: summary(values) for name, values in timings.items()}
        # Requests alternate one phrase, two phrases (sample_requests), in each round.
        for phrases in (1, 2):
            for name, values in list(timings.items()):
                rows[f"{name}, {phrases} phrase{'s' if phrases > 1 else ''}"] = summary(
                    [t for n, t in enumerate(values) if n % len(requests) % 2 == phrases - 1]
                )
        ratio = {key: round(rows["reader"][key] / rows["cluster"][key], 2) for key in ("p50_ms", "p95_ms")}
        print(
            f"{report.total_documents} documents (reports{', news ' + ' '.join(args.news) if args.news else ''}) "
            f"indexed in {indexed_s:.1f} s; {len(requests)} relevance pages "
            f"× {args.rounds} rounds, a reader without groups"
        )
        print(f"{'ranking':<20} {'p50 ms':>8} {'p95 ms':>8} {'mean ms':>8}")
        for name, row in rows.items():
            print(f"{name:<20} {row['p50_ms']:>8.1f} {row['p95_ms']:>8.1f} {row['mean_ms']:>8.1f}")
        print(
            f"reader / cluster: p50 {ratio['p50_ms']}x, p95 {ratio['p95_ms']}x; first pages with the same documents "
            f"{same_set}/{len(requests)}, in the same order {same_order}/{len(requests)}"
        )
        print(
            json.dumps(
                {
                    "documents": report.total_documents,
                    "news_years": args.news,
                    "queries": len(requests),
                    "rounds": args.rounds,
                    "rows": rows,
                    "ratio": ratio,
                    "same_documents": same_set,
                    "same_order": same_order,
                }
            )
        )
    finally:
        if started_node:
            subprocess.run(["bash", str(SCRIPT), "wipe", "--cluster", CLUSTER], check=False, capture_output=True)


if __name__ == "__main__":
    main()
