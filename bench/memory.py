"""Serving memory and the cold CLI on a news index: this checkout against a baseline checkout, in one run.

    python bench/memory.py --index /tmp/memory-news --baseline /tmp/memory-base
    python bench/memory.py --index DIR --queries 60 --cold 5

Serving: a child process that imports only the library, opens the index,
``warm_up``s, answers 10 results pages (the query_speed mix, sampled from
the index in another process so the sampler's jieba is not counted), then
RSS; then the remaining queries, then RSS again.  RSS is reported whole and
split into anonymous memory (the process's own heap) and file-backed pages
(the memory-mapped grams files: page cache, shared and reclaimable, but
counted in RSS).  Each child also hands back every query's total and the
first hit ids, so the two versions' answers are compared.

Cold CLI: the median wall time (and the median CPU time, user + system,
which a loaded machine disturbs less) of ``search query 改革`` (a common phrase),
``search query 中原科技城`` (a rare one), ``search query ""`` (every document)
and ``search stats``, each a new process, against the median of ``search
--help``; the two versions alternate run by run, so load hits both alike.

The machine is shared: compare the two columns of one run, not runs.  Ends
with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
SEED = 20261129
COLD = {
    "query 改革": ["query", "改革"],
    "query 中原科技城": ["query", "中原科技城"],
    'query ""': ["query", ""],
    "stats": ["stats"],
}


def _memory() -> dict:
    values = {}
    with open("/proc/self/status") as status:
        for line in status:
            key, _, rest = line.partition(":")
            if key in ("VmRSS", "RssAnon", "RssFile"):
                values[key] = round(int(rest.split()[0]) / 1024)
    return {"rss_mb": values["VmRSS"], "anon_mb": values["RssAnon"], "file_mb": values["RssFile"]}


def child_sample(index_dir: Path, count: int, out: Path) -> None:
    sys.path.insert(0, str(BENCH.parent))
    sys.path.insert(0, str(BENCH))
    from query_speed import sample_queries

    from search.engines.embedded.archive import Archive

    snapshot = Archive(index_dir).snapshot()
    out.write_text(json.dumps(sample_queries(snapshot, count, SEED), ensure_ascii=False))


def child_serve(code: Path, index_dir: Path, queries_file: Path) -> None:
    sys.path.insert(0, str(code))
    from search.engines.embedded.archive import Archive
    from search.engines.embedded.run import search, warm_up
    from search.query import SearchRequest

    def quoted(phrase: str) -> str:
        return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'

    queries = json.loads(queries_file.read_text())
    imported = _memory()
    started = time.perf_counter()
    snapshot = Archive(index_dir).snapshot()
    warm_up(snapshot)
    warm_s = time.perf_counter() - started
    warmed = _memory()
    answers, timings, after_ten = [], [], None
    for i, query in enumerate(queries):
        if i == 10:
            after_ten = _memory()
        request = SearchRequest(
            q=quoted(query["phrase"]),
            districts=(query["district"],) if query["district"] else (),
            years=(int(query["year"]),) if query["year"] else (),
            sort=query["sort"],
        )
        began = time.perf_counter()
        results = search(snapshot, request)
        timings.append((time.perf_counter() - began) * 1000)
        answers.append(
            [
                results.total,
                [h.id for h in results.hits],
                {k: [(v.value, v.count) for v in vs] for k, vs in sorted(results.facets.items())},
            ]
        )
    print(
        json.dumps(
            {
                "imported": imported,
                "warmed": warmed,
                "serving": after_ten or _memory(),
                "after_all": _memory(),
                "warm_s": round(warm_s, 2),
                "p50_ms": round(statistics.median(timings), 1),
                "answers": answers,
            },
            ensure_ascii=False,
        )
    )


def _child(*args: str) -> dict:
    output = subprocess.run([sys.executable, __file__, *args], check=True, capture_output=True, text=True).stdout
    return json.loads(output.strip().splitlines()[-1])


def _wall(code: Path, args: list[str], index_dir: Path | None) -> tuple[float, float]:
    """(wall seconds, CPU seconds: user + system) of one ``search`` process."""
    command = [
        sys.executable,
        "-c",
        "import sys; from search.cli.main import run; sys.argv[0] = 'search'; run()",
        *args,
    ]
    if index_dir is not None:
        command += ["--index", str(index_dir)]
    env = {**os.environ, "PYTHONPATH": str(code)}
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    # cwd: ``python -c`` puts the working folder first on the path, so run from the measured checkout.
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=code)
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)


def cold(codes: dict[str, Path], index_dir: Path, runs: int) -> tuple[dict, dict]:
    """Median wall and median CPU seconds of each command, by version."""
    walls: dict[str, dict[str, list[float]]] = {tag: {} for tag in codes}
    cpus: dict[str, dict[str, list[float]]] = {tag: {} for tag in codes}
    for _ in range(runs):
        for name, args in [("--help", ["--help"]), *COLD.items()]:
            for tag, code in codes.items():
                wall, cpu = _wall(code, args, None if name == "--help" else index_dir)
                walls[tag].setdefault(name, []).append(wall)
                cpus[tag].setdefault(name, []).append(cpu)

    def medians(times):
        return {tag: {name: round(statistics.median(v), 3) for name, v in per.items()} for tag, per in times.items()}

    return medians(walls), medians(cpus)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--index", type=Path, required=True, help="a news index (current schema)")
    parser.add_argument("--baseline", type=Path, help="another checkout's code, measured in the same run")
    parser.add_argument("--queries", type=int, default=60)
    parser.add_argument("--cold", type=int, default=5, help="runs of each cold command (median)")
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "sample":
            child_sample(Path(rest[0]), int(rest[1]), Path(rest[2]))
        else:
            child_serve(Path(rest[0]), Path(rest[1]), Path(rest[2]))
        return
    index_dir = args.index.resolve()
    codes = {"ours": BENCH.parent}
    if args.baseline:
        codes = {"base": args.baseline.resolve(), **codes}
    load = os.getloadavg()[0]
    with tempfile.TemporaryDirectory() as tmp:
        queries_file = Path(tmp) / "queries.json"
        subprocess.run(
            [
                sys.executable,
                __file__,
                "--index",
                str(index_dir),
                "--child",
                "sample",
                str(index_dir),
                str(args.queries),
                str(queries_file),
            ],
            check=True,
        )
        serving = {
            tag: _child("--index", str(index_dir), "--child", "serve", str(code), str(index_dir), str(queries_file))
            for tag, code in codes.items()
        }
    timings, cpu = cold(codes, index_dir, args.cold)
    same = None
    if "base" in serving:
        same = sum(a == b for a, b in zip(serving["base"]["answers"], serving["ours"]["answers"]))
    rows = [
        ("RSS after warm_up + 10 queries (MB)", lambda t: serving[t]["serving"]["rss_mb"]),
        ("  of which anonymous (heap)", lambda t: serving[t]["serving"]["anon_mb"]),
        ("  of which file-backed (mapped grams)", lambda t: serving[t]["serving"]["file_mb"]),
        (f"RSS after {args.queries} queries", lambda t: serving[t]["after_all"]["rss_mb"]),
        ("  of which anonymous", lambda t: serving[t]["after_all"]["anon_mb"]),
        ("RSS after warm_up alone", lambda t: serving[t]["warmed"]["rss_mb"]),
        ("RSS after imports", lambda t: serving[t]["imported"]["rss_mb"]),
        ("open + warm_up s", lambda t: serving[t]["warm_s"]),
        ("results page p50 ms", lambda t: serving[t]["p50_ms"]),
        ("search --help s (median)", lambda t: timings[t]["--help"]),
        *[(f"search {name} s", (lambda n: lambda t: timings[t][n])(name)) for name in COLD],
        *[
            (f"  {name} minus --help", (lambda n: lambda t: round(timings[t][n] - timings[t]["--help"], 3))(name))
            for name in COLD
        ],
        ("CPU s (user+sys), search --help", lambda t: cpu[t]["--help"]),
        *[
            (f"  CPU {name} minus --help", (lambda n: lambda t: round(cpu[t][n] - cpu[t]["--help"], 3))(name))
            for name in COLD
        ],
    ]
    tags = list(codes)
    print(f"index {index_dir}, load average {load:.1f} at start, {os.getloadavg()[0]:.1f} at end")
    print(f"{'':42}" + "".join(f"{t:>10}" for t in tags) + ("     ratio" if len(tags) == 2 else ""))
    for label, value in rows:
        values = [value(t) for t in tags]
        ratio = f"{values[1] / values[0]:10.2f}" if len(tags) == 2 and values[0] else ""
        print(f"{label:42}" + "".join(f"{v:>10}" for v in values) + ratio)
    if same is not None:
        print(f"same totals, first hits and facets: {same}/{args.queries} queries")
    record = {
        tag: {
            "serving": serving[tag]["serving"],
            "after_all": serving[tag]["after_all"],
            "warm_s": serving[tag]["warm_s"],
            "p50_ms": serving[tag]["p50_ms"],
            "cold_s": timings[tag],
            "cold_cpu_s": cpu[tag],
        }
        for tag in tags
    }
    print(
        json.dumps(
            {
                "bench": "memory",
                "index": str(index_dir),
                "queries": args.queries,
                "load": round(load, 1),
                "same_answers": same,
                **record,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
