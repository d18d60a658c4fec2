"""The embedded engine against OpenSearch on the full corpus, in one run: the same documents,
the same query set, the same oracle.

    python bench/engines.py                       # 300 results pages, 300 exactness phrases
    python bench/engines.py --queries 100 --phrases 100 --heap 512m

- indexing: both engines index the full corpus (news + reports) from the files, with our own
  extraction in ``--procs`` worker processes; MB/s is the corpus' .txt bytes over wall time
  (embedded: ``search index --rebuild`` into bench/out/engines/; OpenSearch: the incremental
  bulk ingest into a fresh index on a one-node cluster from ``scripts/opensearch.sh``);
- results pages: ``bench/query_speed.py``'s query set (seeded) on both; each page is the total,
  the facets and the top 10 with snippets; 10 warm-up queries not counted;
- exactness: ``bench/exactness.py``'s phrases against the substring oracle over the documents'
  search texts; recall and precision must be 1.000 for both;
- memory: the embedded engine serving (a child process: snapshot open, texts loaded, the query
  set run; RSS and peak RSS), the embedded build's peak RSS, and the OpenSearch node's JVM heap
  (used / max) and process RSS after indexing and after the queries.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import OUT, report_folders
from exactness import quoted, sample_phrases, score
from full_index import corpus_folders
from index_speed import dir_bytes, text_bytes
from query_speed import sample_queries, summary

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids, search, warm_up
from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.ingest import index_paths as opensearch_index_paths
from search.query import SearchRequest

WORK = OUT / "engines"
SCRIPT = BENCH.parent / "scripts" / "opensearch.sh"
CLUSTER = "engines"


def request_of(query: dict) -> SearchRequest:
    return SearchRequest(
        q=quoted(query["phrase"]),
        districts=(query["district"],) if query["district"] else (),
        years=(int(query["year"]),) if query["year"] else (),
        sort=query["sort"],
    )


def rss_mb(pid: int | str = "self") -> tuple[float, float]:
    """(current RSS, peak RSS) of a process in MB, from /proc."""
    fields = dict(line.split(":", 1) for line in Path(f"/proc/{pid}/status").read_text().splitlines() if ":" in line)
    return tuple(round(int(fields[k].split()[0]) / 1024, 1) for k in ("VmRSS", "VmHWM"))


# -- the embedded engine, in child processes (so that their memory is their own) -------------------


def child_build(index_dir: Path, procs: int, corpus: str) -> dict:
    started = time.perf_counter()
    folders = corpus_folders() if corpus == "all" else report_folders()
    report = index_paths(folders, index_dir, rebuild=True, procs=procs)
    seconds = time.perf_counter() - started
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 1),
        "documents": report.total_documents,
        "peak_rss_mb": round(peak, 1),
        "worker_peak_rss_mb": round(workers, 1),
    }


def child_serve(index_dir: Path, plan_file: Path) -> dict:
    plan = json.loads(plan_file.read_text())
    snapshot = Archive(index_dir).snapshot()
    warm_up(snapshot)
    texts = [(snapshot.document(n).id, snapshot.search_text(n)) for n in sorted(snapshot.live)]
    timings = run_pages(lambda r: search(snapshot, r), plan["queries"])
    exact = run_exactness(lambda r: matching_ids(snapshot, r), plan["phrases"], texts)
    del texts
    rss, peak = rss_mb()
    return {**timings, **exact, "rss_mb": rss, "peak_rss_mb": peak}


def run_child(*args: str) -> dict:
    done = subprocess.run([sys.executable, __file__, *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: child {' '.join(args)} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# -- what both engines are asked ----------------------------------------------------------------


def run_pages(page, queries: list[dict]) -> dict:
    for query in queries[:10]:
        page(request_of(query))
    timings, totals = [], []
    for query in queries[10:]:
        started = time.perf_counter()
        results = page(request_of(query))
        timings.append((time.perf_counter() - started) * 1000)
        totals.append(results.total)
    return {**summary(timings), "totals": totals}


def run_exactness(ids_of, phrases: list[list[str]], texts: list[tuple[str, str]]) -> dict:
    recalls, precisions = [], []
    for _kind, phrase in phrases:
        expected = {doc_id for doc_id, text in texts if phrase in text}
        recall, precision = score(ids_of(SearchRequest(q=quoted(phrase))), expected)
        recalls.append(recall)
        precisions.append(precision)
    return {
        "recall": round(sum(recalls) / len(recalls), 3),
        "precision": round(sum(precisions) / len(precisions), 3),
        "exact_answers": sum(1 for r, p in zip(recalls, precisions) if r == p == 1.0),
    }


# -- OpenSearch ---------------------------------------------------------------------------------


def opensearch(*args: str) -> str:
    done = subprocess.run(["bash", str(SCRIPT), *args], capture_output=True, text=True)
    if done.returncode != 0:
        raise SystemExit(f"error: scripts/opensearch.sh {' '.join(args)} failed:\n{done.stderr[-2000:]}")
    return done.stdout


def jvm_memory(engine: OpenSearchEngine) -> dict:
    stats = engine.client.nodes.stats(metric="jvm")["nodes"]
    jvm = next(iter(stats.values()))["jvm"]["mem"]
    pid = int((BENCH.parent / ".opensearch" / "clusters" / CLUSTER / "node-1" / "pid").read_text())
    rss, peak = rss_mb(pid)
    return {
        "heap_used_mb": round(jvm["heap_used_in_bytes"] / 2**20, 1),
        "heap_max_mb": round(jvm["heap_max_in_bytes"] / 2**20, 1),
        "rss_mb": rss,
        "peak_rss_mb": peak,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--phrases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--heap", default="512m")
    parser.add_argument("--shards", type=int, default=1)
    parser.add_argument("--corpus", choices=("all", "reports"), default="all", help="reports: a quick check")
    args = parser.parse_args()

    shutil.rmtree(WORK, ignore_errors=True)
    WORK.mkdir(parents=True)
    folders = corpus_folders() if args.corpus == "all" else report_folders()
    megabytes = text_bytes(folders) / 1e6

    embedded_dir = WORK / "embedded"
    built = run_child("--child-build", str(embedded_dir), str(args.procs), args.corpus)
    snapshot = Archive(embedded_dir).snapshot()
    queries = sample_queries(snapshot, args.queries + 10, args.seed)
    texts = [(snapshot.document(n).id, snapshot.search_text(n)) for n in sorted(snapshot.live)]
    phrases = sample_phrases([t for _, t in texts], args.phrases, args.seed)
    snapshot.close()
    plan_file = WORK / "plan.json"
    plan_file.write_text(json.dumps({"queries": queries, "phrases": phrases}, ensure_ascii=False))
    served = run_child("--child-serve", str(embedded_dir), str(plan_file))

    opensearch("stop", "--cluster", CLUSTER)
    url = opensearch("start", "--cluster", CLUSTER, "--heap", args.heap).split()[0]
    engine = OpenSearchEngine(f"{url}/engines")
    started = time.perf_counter()
    report = opensearch_index_paths(folders, engine, rebuild=True, procs=args.procs, shards=args.shards)
    os_seconds = time.perf_counter() - started
    engine.client.indices.forcemerge(index=engine.name, max_num_segments=1, request_timeout=3600)
    after_index = jvm_memory(engine)
    os_pages = run_pages(engine.search, queries)
    os_exact = run_exactness(engine.matching_ids, phrases, texts)
    after_queries = jvm_memory(engine)
    engine.client.indices.flush(index=engine.name)
    os_stats = engine.stats()  # after the queries: the merged-away segments are gone by then

    same_totals = served.pop("totals") == os_pages.pop("totals")
    result = {
        "documents": {"embedded": built["documents"], "opensearch": report.total_documents},
        "corpus": args.corpus,
        "text_mb": round(megabytes, 1),
        "queries": len(queries) - 10,
        "phrases": len(phrases),
        "seed": args.seed,
        "same_totals_on_every_page": same_totals,
        "embedded": {
            "index_s": built["seconds"],
            "mb_per_s": round(megabytes / built["seconds"], 2),
            "index_mb": round(dir_bytes(embedded_dir) / 1e6, 1),
            "build_peak_rss_mb": built["peak_rss_mb"],
            **served,
        },
        "opensearch": {
            "index_s": round(os_seconds, 1),
            "mb_per_s": round(megabytes / os_seconds, 2),
            "index_mb": round(os_stats["size_bytes"] / 1e6, 1),
            "shards": os_stats["shards"],
            **os_pages,
            **os_exact,
            "after_indexing": after_index,
            "after_queries": after_queries,
        },
    }
    print_table(result)
    print(json.dumps(result, ensure_ascii=False))


def print_table(r: dict) -> None:
    e, o = r["embedded"], r["opensearch"]
    print(
        f"embedded vs OpenSearch on {'the full corpus' if r['corpus'] == 'all' else 'the reports'}: {r['documents']['embedded']} / "
        f"{r['documents']['opensearch']} documents, {r['text_mb']} MB of text; "
        f"{r['queries']} results pages, {r['phrases']} exactness phrases (seed {r['seed']})"
    )
    rows = [
        ("indexing MB/s", e["mb_per_s"], o["mb_per_s"]),
        ("indexing s", e["index_s"], o["index_s"]),
        ("index size MB", e["index_mb"], o["index_mb"]),
        ("results page p50 ms", e["p50_ms"], o["p50_ms"]),
        ("results page p95 ms", e["p95_ms"], o["p95_ms"]),
        ("results page p99 ms", e["p99_ms"], o["p99_ms"]),
        ("recall", e["recall"], o["recall"]),
        ("precision", e["precision"], o["precision"]),
        ("serving RSS MB", e["rss_mb"], o["after_queries"]["rss_mb"]),
        ("peak RSS MB (build / node)", e["build_peak_rss_mb"], o["after_queries"]["peak_rss_mb"]),
        ("JVM heap used / max MB", "-", f"{o['after_queries']['heap_used_mb']} / {o['after_queries']['heap_max_mb']}"),
    ]
    print(f"{'':<28}{'embedded':>14}{'opensearch':>18}{'os/embedded':>13}")
    for name, a, b in rows:
        ratio = f"{b / a:.2f}×" if isinstance(a, (int, float)) and isinstance(b, (int, float)) and a else ""
        print(f"{name:<28}{a!s:>14}{b!s:>18}{ratio:>13}")
    print(f"same total on every page: {r['same_totals_on_every_page']}")


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--child-build":
        print(json.dumps(child_build(Path(sys.argv[2]), int(sys.argv[3]), sys.argv[4])))
    elif len(sys.argv) > 1 and sys.argv[1] == "--child-serve":
        print(json.dumps(child_serve(Path(sys.argv[2]), Path(sys.argv[3]))))
    else:
        main()
