"""Indexing throughput: ours against the naive baseline on the same N MB of news, in one run.

    python bench/index_speed.py                 # 5 MB of news, both engines, 1 and 2 processes
    python bench/index_speed.py --mb 20
    python bench/index_speed.py --full          # also: the full corpus (news + reports) by ours

Each build runs in its own child process, so peak memory (RSS, the process and
its workers) is measured per build.  The naive baseline reads the same files
and their manifest rows and adds them to a Whoosh index whose text and title
are TEXT fields analysed by jieba's ChineseAnalyzer (stored), with the same
metadata fields; ours is ``search index`` (normalization, metadata, topics,
bigram postings, search texts).  MB are megabytes (10^6 bytes) of the files'
bytes; index size is relative to those bytes.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import resource
import shutil
import subprocess
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import OUT, news_folder, report_folders


def news_subset(mb: float) -> Path:
    """The first ``mb`` MB of news files (manifest order), copied once into bench/out."""
    target = OUT / f"news-{mb:g}mb"
    marker = target / ".complete"
    if marker.exists():
        return target
    shutil.rmtree(target, ignore_errors=True)
    source = news_folder()
    with open(source / "manifest.tsv", encoding="utf-8") as f:
        rows = list(csv.reader(f, delimiter="\t"))
    header, kept, total = rows[0], [rows[0]], 0
    for row in rows[1:]:
        path = source / row[0]
        if not path.exists():
            continue
        (target / row[0]).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(path, target / row[0])
        kept.append(row)
        total += path.stat().st_size
        if total >= mb * 1e6:
            break
    with open(target / "manifest.tsv", "w", encoding="utf-8", newline="") as f:
        csv.writer(f, delimiter="\t", lineterminator="\n").writerows(kept)
    del header
    marker.touch()
    return target


def text_bytes(folders: list[Path]) -> int:
    return sum(p.stat().st_size for folder in folders for p in folder.rglob("*.txt"))


def dir_bytes(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


# -- the builds (each in a child process) ---------------------------------------


def build_ours(folders: list[Path], index_dir: Path, procs: int) -> None:
    from search.engines.embedded.commit import index_paths

    index_paths(folders, index_dir, rebuild=True, procs=procs)


def build_naive(folders: list[Path], index_dir: Path, procs: int) -> None:
    from baseline import build

    def documents():
        for folder in folders:
            with open(folder / "manifest.tsv", encoding="utf-8") as f:
                rows = {r["filename"]: r for r in csv.DictReader(f, delimiter="\t")}
            for path in sorted(folder.rglob("*.txt")):
                row = rows.get(path.relative_to(folder).as_posix(), {})
                text = path.read_bytes().decode("utf-8", errors="replace")
                yield {
                    "id": str(path),
                    "title": row.get("title") or text.split("\n", 1)[0],
                    "text": text,
                    "district": row.get("region") or row.get("district") or "",
                    "year": (row.get("date") or row.get("date_or_year") or "")[:4],
                    "topic": "",
                }

    shutil.rmtree(index_dir, ignore_errors=True)
    build(documents(), index_dir, procs=procs)


def child(args) -> None:
    folders = [Path(f) for f in args.folders]
    started = time.perf_counter()
    (build_ours if args.engine == "ours" else build_naive)(folders, Path(args.index), args.procs)
    seconds = time.perf_counter() - started
    own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    workers = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    print(json.dumps({"seconds": seconds, "rss_mb": round(own), "worker_rss_mb": round(workers)}))


def run_build(engine: str, folders: list[Path], procs: int, name: str) -> dict:
    index_dir = OUT / "index-speed" / name
    shutil.rmtree(index_dir, ignore_errors=True)
    command = [
        sys.executable,
        __file__,
        "--child",
        engine,
        "--procs",
        str(procs),
        "--index",
        str(index_dir),
        *[str(f) for f in folders],
    ]
    output = subprocess.run(command, check=True, capture_output=True, text=True).stdout
    result = json.loads(output.strip().splitlines()[-1])
    size = text_bytes(folders)
    result.update(engine=engine, procs=procs, mb=round(size / 1e6, 2), index_mb=round(dir_bytes(index_dir) / 1e6, 1))
    result["mb_per_s"] = round(size / 1e6 / result["seconds"], 3)
    result["index_size_ratio"] = round(dir_bytes(index_dir) / size, 2)
    result["seconds"] = round(result["seconds"], 1)
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--mb", type=float, default=5.0)
    parser.add_argument("--full", action="store_true", help="also index the full corpus (news + reports) with ours")
    parser.add_argument("--child", choices=("ours", "naive"), help=argparse.SUPPRESS)
    parser.add_argument("--procs", type=int, default=1, help=argparse.SUPPRESS)
    parser.add_argument("--index", help=argparse.SUPPRESS)
    parser.add_argument("folders", nargs="*", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        args.engine = args.child
        child(args)
        return

    folder = news_subset(args.mb)
    rows = [
        run_build("naive", [folder], 1, "naive-1"),
        run_build("ours", [folder], 1, "ours-1"),
        run_build("naive", [folder], 2, "naive-2"),
        run_build("ours", [folder], 2, "ours-2"),
    ]
    naive = {r["procs"]: r["mb_per_s"] for r in rows if r["engine"] == "naive"}
    for r in rows:
        r["ratio_to_naive_same_procs"] = round(r["mb_per_s"] / naive[r["procs"]], 2)
        r["ratio_to_naive_1_proc"] = round(r["mb_per_s"] / naive[1], 2)
    if args.full:
        full = run_build("ours", [news_folder(), *report_folders()], 2, "ours-full")
        full["corpus"] = "full"
        rows.append(full)

    print(f"indexing {args.mb:g} MB of news ({rows[0]['mb']} MB of files), {os.cpu_count()} cores")
    print(
        f"{'engine':<7}{'procs':>6}{'MB':>8}{'seconds':>9}{'MB/s':>8}{'×naive':>8}{'×naive1':>9}"
        f"{'RSS MB':>8}{'+workers':>9}{'index/text':>11}"
    )
    for r in rows:
        label = r["engine"] + (" (full)" if r.get("corpus") else "")
        print(
            f"{label:<7}{r['procs']:>6}{r['mb']:>8}{r['seconds']:>9}{r['mb_per_s']:>8}"
            f"{r.get('ratio_to_naive_same_procs', ''):>8}{r.get('ratio_to_naive_1_proc', ''):>9}"
            f"{r['rss_mb']:>8}{r['worker_rss_mb']:>9}{r['index_size_ratio']:>11}"
        )
    print(json.dumps({"mb": args.mb, "builds": rows}, ensure_ascii=False))


if __name__ == "__main__":
    main()
