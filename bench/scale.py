"""The engine at K times the archive: indexing, memory, latency and a cold CLI, for K = 1, 2, 4, in one run.

    python bench/scale.py                     # K = 1, 2, 4; 200 queries per K; 5 cold runs
    python bench/scale.py --k 1 2 --queries 100 --cold 3
    python bench/scale.py --k 1 --baseline /tmp/main-before   # also that checkout's code, same run

With ``--baseline DIR`` (a checkout of another version, e.g. ``git worktree add
DIR <commit>``) every step runs for both versions, one after the other, and
each row gets the baseline's figures and the ratios beside ours.

The K-times corpus is built once into the git-ignored bench/out/scale/ from the
news (bench/data/xwlb).  Copy 0 is the news itself (hard links); each further
copy has one document per news document, same file name, date and province,
whose title and sentences are drawn (seeded) from other documents of the same
month, so phrase statistics stay real; each copy has its own manifest.tsv.
Copies nest so that each K is one indexed folder: ``k4/k2/k1`` is copy 0,
``k4/k2/copy1`` copy 1, ``k4/copy2`` and ``k4/copy3`` the rest.

For each K, each step in its own child process:

- indexing: ``index_paths(rebuild=True, procs=2)``; MB/s of the .txt bytes,
  peak RSS of the indexing process plus its workers (sampled every 0.2 s),
  index size / text size;
- serving: open the archive, ``warm_up``, 10 queries; then RSS; then the
  query_speed set (sampled from this K's own index) as results pages:
  p50/p95/p99 ms;
- cold CLI: the median wall time of ``search query`` (one common and one rare
  phrase, alternating) against the median of ``search --help``, each a new
  process.

With ``--uncached`` each K's corpus is dropped from the page cache before it
is indexed, so the files are read from the disk (as after a reboot); without
it, whatever the machine cached last is read from memory.

It ends with one JSON line.  The growth per doubling is the figure to watch;
the machine is shared, so compare figures of one run (the load average is
printed).
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import random
import re
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time
from collections import defaultdict
from itertools import pairwise
from pathlib import Path

BENCH = Path(__file__).resolve().parent
# The code measured: this checkout's, or the baseline's for a child started with SCALE_CODE.
sys.path.insert(0, os.environ.get("SCALE_CODE", str(BENCH.parent)))
sys.path.insert(0, str(BENCH))

from corpus import OUT, news_folder

SCALE = OUT / "scale"
COPIES = {1: "k4/k2/k1", 2: "k4/k2/copy1", 3: "k4/copy2", 4: "k4/copy3"}  # copy number + 1 -> folder
ROOTS = {1: "k4/k2/k1", 2: "k4/k2", 4: "k4"}
SEED = 20261129
COLD_PHRASES = ("改革", "中原科技城")
_SENTENCE = re.compile(r"[^。！？!?]*[。！？!?]+|[^。！？!?]+$")


# -- the corpus -------------------------------------------------------------


def _read_story(path: Path) -> tuple[str, list[str]]:
    text = path.read_text(encoding="utf-8")
    title, _, body = text.partition("\n")
    return title.strip(), [p.strip() for p in body.split("\n\n") if p.strip()]


def ensure_corpus() -> Path:
    """bench/out/scale/k4 with the four copies (built once; ``.complete`` marks a finished build)."""
    marker = SCALE / ".complete"
    if marker.exists():
        return SCALE / "k4"
    shutil.rmtree(SCALE, ignore_errors=True)
    news = news_folder()
    first = SCALE / COPIES[1]
    first.parent.mkdir(parents=True)
    subprocess.run(["cp", "-al", str(news), str(first)], check=True)
    with open(news / "manifest.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    header, rows = rows[0], rows[1:]
    column = {name: i for i, name in enumerate(header)}
    by_month: dict[str, list[list[str]]] = defaultdict(list)
    for row in rows:
        if (news / row[column["filename"]]).exists():
            by_month[row[column["date"]][:7]].append(row)
    manifests = {copy: [header] for copy in (2, 3, 4)}
    for month in sorted(by_month):
        month_rows = by_month[month]
        stories = [_read_story(news / row[column["filename"]]) for row in month_rows]
        sentences = [s for _, paragraphs in stories for p in paragraphs for s in _SENTENCE.findall(p)]
        for copy in (2, 3, 4):
            rng = random.Random(f"{SEED}-{copy}-{month}")
            folder = SCALE / COPIES[copy]
            for row, (_, paragraphs) in zip(month_rows, stories):
                title = rng.choice(stories)[0]
                body = [
                    "".join(rng.choice(sentences) for _ in range(max(1, len(_SENTENCE.findall(p))))) for p in paragraphs
                ]
                target = folder / row[column["filename"]]
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_text(title + "\n\n" + "\n\n".join(body) + "\n", encoding="utf-8")
                copied = list(row)
                copied[column["title"]] = title
                manifests[copy].append(copied)
    for copy, manifest in manifests.items():
        with open(SCALE / COPIES[copy] / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
            csv.writer(f, delimiter="\t", lineterminator="\n").writerows(manifest)
    marker.touch()
    return SCALE / "k4"


def text_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*.txt"))


def dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- the children -------------------------------------------------------------


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        pass
    return 0.0


def _rss_parts_mb(pid: int) -> dict:
    """RssAnon (the process's own memory) and RssFile (mapped file pages: the grams texts the
    kernel keeps in its page cache and can drop) of ``pid``, MB."""
    parts = {}
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith(("RssAnon:", "RssFile:")):
                    parts[line.split(":")[0]] = round(int(line.split()[1]) / 1024)
    except OSError:
        pass
    return {"anon_mb": parts.get("RssAnon", 0), "file_mb": parts.get("RssFile", 0)}


def child_index(root: Path, index_dir: Path, procs: int) -> dict:
    import multiprocessing

    from search.engines.embedded.commit import index_paths

    peak = [0.0]
    done = threading.Event()

    def sample() -> None:
        while not done.wait(0.2):
            total = _rss_mb(os.getpid()) + sum(_rss_mb(c.pid) for c in multiprocessing.active_children())
            peak[0] = max(peak[0], total)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    started = time.perf_counter()
    report = index_paths([root], index_dir, rebuild=True, procs=procs)
    seconds = time.perf_counter() - started
    done.set()
    sampler.join()
    # CPU seconds (the run's own and its workers'): what a shared machine's load does not change.
    own, workers = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return {
        "seconds": seconds,
        "peak_rss_mb": round(peak[0]),
        "documents": report.total_documents,
        "cpu_parent_s": round(own.ru_utime + own.ru_stime, 1),
        "cpu_workers_s": round(workers.ru_utime + workers.ru_stime, 1),
    }


def child_sample(index_dir: Path, queries: int, out: Path) -> dict:
    """The query_speed set for this K's index, written to ``out`` (sampling loads the word segmenter,
    which the serving child must not pay for in its RSS)."""
    from query_speed import sample_queries

    import search.query  # noqa: F401  (from SCALE_CODE, before query_speed puts this checkout first)
    from search.engines.embedded.archive import Archive

    out.write_text(json.dumps(sample_queries(Archive(index_dir).snapshot(), queries + 10, SEED), ensure_ascii=False))
    return {"sampled": queries + 10}


def child_serve(index_dir: Path, queries: Path) -> dict:
    """A serving process: the snapshot open and warmed, then the sampled queries as results pages.

    It imports what the web server's search imports, nothing of the benches' baselines."""
    from search.engines.embedded.archive import Archive
    from search.engines.embedded.run import search, warm_up
    from search.query import SearchRequest

    def page(query: dict) -> None:
        search(
            snapshot,
            SearchRequest(
                q='"' + query["phrase"].replace("\\", "\\\\").replace('"', '\\"') + '"',
                districts=(query["district"],) if query["district"] else (),
                years=(int(query["year"]),) if query["year"] else (),
                sort=query["sort"],
            ),
        )

    started = time.perf_counter()
    snapshot = Archive(index_dir).snapshot()
    warm_up(snapshot)
    open_s = time.perf_counter() - started
    sample = json.loads(queries.read_text())
    warmup, sample = sample[:10], sample[10:]
    for query in warmup:
        page(query)
    rss, rss_parts = _rss_mb(os.getpid()), _rss_parts_mb(os.getpid())
    timings = []
    for query in sample:
        started = time.perf_counter()
        page(query)
        timings.append((time.perf_counter() - started) * 1000)
    ordered = sorted(timings)
    slowest = sorted(zip(timings, (q["phrase"] for q in sample)), reverse=True)[:5]
    return {
        "open_s": round(open_s, 2),
        "serving_rss_mb": round(rss),
        "serving_rss_parts": rss_parts,
        "rss_after_queries_mb": round(_rss_mb(os.getpid())),
        "rss_after_queries_parts": _rss_parts_mb(os.getpid()),
        "p50_ms": round(ordered[len(ordered) // 2], 1),
        "p95_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.95))], 1),
        "p99_ms": round(ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))], 1),
        "slowest": [(round(ms, 1), phrase) for ms, phrase in slowest],
    }


def _run_child(code: Path, *args: str) -> dict:
    command = [sys.executable, __file__, "--child", *args]
    env = {**os.environ, "SCALE_CODE": str(code)}
    output = subprocess.run(command, check=True, capture_output=True, text=True, env=env).stdout
    return json.loads(output.strip().splitlines()[-1])


def _wall(command: list[str], code: Path) -> float:
    env = {**os.environ, "PYTHONPATH": str(code)}
    started = time.perf_counter()
    # cwd: ``python -c`` puts the working folder first on the path, so run from the measured checkout.
    subprocess.run(command, check=True, capture_output=True, env=env, cwd=code)
    return time.perf_counter() - started


def cold_cli(index_dir: Path, runs: int, code: Path) -> dict:
    # The `search` entry point, run from this checkout's code (not whatever the venv installed).
    search = [sys.executable, "-c", "import sys; from search.cli.main import run; sys.argv[0] = 'search'; run()"]
    queries, helps = [], []
    for i in range(runs):
        phrase = COLD_PHRASES[i % len(COLD_PHRASES)]
        queries.append(_wall([*search, "query", phrase, "--index", str(index_dir)], code))
        helps.append(_wall([*search, "--help"], code))
    query_s, help_s = statistics.median(queries), statistics.median(helps)
    return {
        "cold_query_s": round(query_s, 3),
        "help_s": round(help_s, 3),
        "cold_minus_help_s": round(query_s - help_s, 3),
    }


def evict(root: Path) -> int:
    """Drop a corpus's files from the page cache (``posix_fadvise`` DONTNEED: clean pages go), so that
    indexing reads them from the disk, as after a reboot or a fresh copy.  Returns how many files."""
    count = 0
    for folder, _, names in os.walk(root):
        for name in names:
            fd = os.open(os.path.join(folder, name), os.O_RDONLY)
            try:
                os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_DONTNEED)
            finally:
                os.close(fd)
            count += 1
    return count


def measure(
    k: int, procs: int, queries: int, cold: int, code: Path, tag: str, reuse: bool = False, uncached: bool = False
) -> dict:
    root = SCALE / ROOTS[k]
    index_dir = SCALE / f"index-{tag}-k{k}"
    record = index_dir.with_name(index_dir.name + ".build.json")
    size = text_bytes(root)
    row = {"k": k, "code": tag, "text_mb": round(size / 1e6, 1), "corpus_cached": not uncached}
    if reuse and index_dir.is_dir():
        built = (
            json.loads(record.read_text())
            if record.exists()
            else {"seconds": float("nan"), "peak_rss_mb": 0, "documents": 0}
        )
    else:
        shutil.rmtree(index_dir, ignore_errors=True)
        if uncached:
            evict(root)
        built = _run_child(code, "index", str(root), str(index_dir), str(procs))
        record.write_text(json.dumps(built))
    row.update(
        documents=built["documents"],
        index_s=round(built["seconds"], 1),
        index_mb_per_s=round(size / 1e6 / built["seconds"], 2),
        index_peak_rss_mb=built["peak_rss_mb"],
        # CPU seconds per MB of text, the run's and its workers': less at the mercy of the machine's load
        index_cpu_s_per_mb=round((built.get("cpu_parent_s", 0) + built.get("cpu_workers_s", 0)) / (size / 1e6), 2),
        index_cpu_parent_s=built.get("cpu_parent_s"),
        index_size_ratio=round(dir_bytes(index_dir) / size, 2),
    )
    sampled = index_dir.with_name(index_dir.name + ".queries.json")
    _run_child(code, "sample", str(index_dir), str(queries), str(sampled))
    row.update(_run_child(code, "serve", str(index_dir), str(sampled)))
    row.update(cold_cli(index_dir, cold, code))
    if k > 1 and not reuse:
        shutil.rmtree(index_dir, ignore_errors=True)  # a K=4 index is gigabytes
    return row


COLUMNS = (
    ("documents", "docs", 8),
    ("text_mb", "text MB", 8),
    ("index_mb_per_s", "MB/s", 7),
    ("index_cpu_s_per_mb", "CPU s/MB", 9),
    ("index_peak_rss_mb", "idx peak", 9),
    ("index_size_ratio", "idx/txt", 8),
    ("serving_rss_mb", "serve RSS", 10),
    ("p50_ms", "p50 ms", 8),
    ("p95_ms", "p95 ms", 8),
    ("p99_ms", "p99 ms", 8),
    ("cold_query_s", "cold s", 8),
    ("help_s", "help s", 8),
)


def print_row(row: dict) -> None:
    print(f"{row['k']:>2} {row['code']:<5}" + "".join(f"{row[key]:>{width}}" for key, _, width in COLUMNS), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--k", type=int, nargs="+", default=[1, 2, 4], choices=sorted(ROOTS))
    parser.add_argument("--procs", type=int, default=2)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--cold", type=int, default=5, help="cold CLI runs per K (median)")
    parser.add_argument("--baseline", type=Path, help="a checkout of another version, measured in the same run")
    parser.add_argument(
        "--reuse", action="store_true", help="measure existing indexes again (build figures as recorded)"
    )
    parser.add_argument(
        "--uncached",
        action="store_true",
        help="drop each K's corpus from the page cache before indexing it (reads from the disk)",
    )
    parser.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        kind, *rest = args.child
        if kind == "index":
            result = child_index(Path(rest[0]), Path(rest[1]), int(rest[2]))
        elif kind == "sample":
            result = child_sample(Path(rest[0]), int(rest[1]), Path(rest[2]))
        else:
            result = child_serve(Path(rest[0]), Path(rest[1]))
        print(json.dumps(result))
        return

    ensure_corpus()
    load_before = os.getloadavg()[0]
    print(
        f"scale: K × the news, {args.procs} indexing processes, {args.queries} queries per K, "
        f"{os.cpu_count()} cores, load {load_before:.1f}, corpus {'uncached' if args.uncached else 'as cached'}",
        flush=True,
    )
    print(f"{'K':>2} {'code':<5}" + "".join(f"{title:>{width}}" for _, title, width in COLUMNS), flush=True)
    rows, baseline = [], []
    for k in sorted(args.k):
        if args.baseline:
            baseline.append(
                measure(
                    k, args.procs, args.queries, args.cold, args.baseline.resolve(), "base", args.reuse, args.uncached
                )
            )
            print_row(baseline[-1])
        rows.append(measure(k, args.procs, args.queries, args.cold, BENCH.parent, "ours", args.reuse, args.uncached))
        print_row(rows[-1])
    load_after = os.getloadavg()[0]
    watched = ("serving_rss_mb", "index_peak_rss_mb", "p50_ms", "p95_ms", "cold_query_s", "index_mb_per_s")
    for previous, row in pairwise(rows):
        doublings = (row["k"] // previous["k"]).bit_length() - 1
        row["growth_per_doubling"] = {
            name: round((row[name] / previous[name]) ** (1 / doublings), 2) for name in watched if previous[name]
        }
    for row, base in zip(rows, baseline):
        row["ours_over_base"] = {name: round(row[name] / base[name], 2) for name in watched if base[name]}
    print(f"load {load_before:.1f} → {load_after:.1f}")
    print(
        json.dumps(
            {
                "procs": args.procs,
                "queries": args.queries,
                "load": [round(load_before, 1), round(load_after, 1)],
                "rows": rows,
                "baseline": baseline,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
