"""A worker's per-file work (``search.ingest.prepare.prepare``): this checkout against a baseline, in one run.

    python bench/prepare_speed.py                      # 3 years of news, the 118 reports, the seeds
    python bench/prepare_speed.py --all                # every news file (75,448) plus reports and seeds
    python bench/prepare_speed.py --baseline /tmp/prep-base --baseline-ref d6d00c5
    python bench/prepare_speed.py --news-every 10      # every 10th of those news files (a busy machine)

The baseline is another checkout of the code (``git worktree add --detach DIR REF``; made here from
``--baseline-ref`` when DIR does not exist yet).  Each side runs in its own child process with its
checkout first on ``sys.path``, one process, over the same files, and times the ``prepare`` calls
only (discovery and the comparison are outside the clock): CPU time of the calls (the machine is
shared, so wall time is shown too but the ratio is of CPU time).  ``read_documents`` (extract,
normalize, metadata, topics: the part of ``prepare`` that is neither reading and hashing the file
nor its grams and index fields) is timed again on its own, on the file's bytes.  Every prepared output is then compared:
each document's Whoosh fields, its grams (keys, counts and their dtypes), its search text, and each
skipped file's reason; the number of differences must be 0.  MB are 10^6 bytes of the files.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
NEWS_YEARS = ("2019", "2020", "2021")
REPORT_FOLDERS = ("chinese-political-corpora", "government_report_rag")


def _digest(value: bytes) -> str:
    return hashlib.sha1(value).hexdigest()


def _fields_digest(fields: dict) -> str:
    # Names starting "_" are not fields (Whoosh skips them): the packed stored fields derive from the rest.
    return _digest(repr(sorted((k, v) for k, v in fields.items() if not k.startswith("_"))).encode("utf-8"))


def _grams_digest(grams: tuple) -> str:
    keys, counts = grams
    return _digest(b"|".join([str(keys.dtype).encode(), keys.tobytes(), str(counts.dtype).encode(), counts.tobytes()]))


def child(code: str, sample: str, out: str) -> None:
    """Run ``prepare`` from ``code`` over the sample; write timings and per-document digests to ``out``."""
    sys.path.insert(0, code)
    import search
    from search.engines.embedded.prepare import prepare
    from search.ingest.discover import discover
    from search.ingest.prepare import read_documents
    from search.meta import Taxonomy

    assert Path(search.__file__).resolve().is_relative_to(Path(code).resolve()), search.__file__
    data = BENCH / "data"
    news = discover([data / "xwlb"], lambda message: None)
    if not sample.startswith("all"):
        news = [s for s in news if s.source.split("/", 1)[0] in NEWS_YEARS]
    every = int(sample.partition(":")[2] or 1)
    news = news[::every]
    others = discover([data / name for name in REPORT_FOLDERS], lambda message: None)
    seeds = discover([ROOT / "seeds"], lambda message: None)
    groups = {"news": news, "reports": others, "seeds": seeds}
    taxonomy = Taxonomy.load()
    results: dict[str, dict] = {}
    outputs: dict[str, tuple] = {}
    for group, sources in groups.items():
        seconds, cpu, reading, size, documents = 0.0, 0.0, 0.0, 0, 0
        for source in sources:
            started, started_cpu = time.perf_counter(), time.process_time()
            prepared = prepare(source, taxonomy)
            seconds += time.perf_counter() - started
            cpu += time.process_time() - started_cpu
            reading += _read_documents_cpu(read_documents, source, taxonomy)
            size += os.path.getsize(source.path)
            documents += len(prepared.documents)
            outputs[f"{group}:{source.root}:{source.key}"] = (
                prepared.skipped,
                tuple(
                    (_fields_digest(fields), _grams_digest(grams), _digest(text.encode("utf-8", "surrogatepass")))
                    for fields, grams, text in prepared.documents
                ),
            )
        results[group] = {
            "files": len(sources),
            "bytes": size,
            "documents": documents,
            "seconds": seconds,
            "cpu": cpu,
            "read_documents_cpu": reading,
        }
    with open(out, "wb") as handle:
        pickle.dump({"results": results, "outputs": outputs}, handle)


def _read_documents_cpu(read_documents, source, taxonomy) -> float:
    """CPU seconds of ``read_documents`` (extract, normalize, metadata, topics: prepare but for reading,
    hashing, grams and the index fields) on the file's bytes."""
    try:
        data = source.path.read_bytes()
    except OSError:
        return 0.0
    started = time.process_time()
    try:
        read_documents(source, data, taxonomy)
    except ValueError:
        pass
    return time.process_time() - started


def run_child(code: Path, sample: str) -> dict:
    with tempfile.NamedTemporaryFile(suffix=".pickle", delete=False) as handle:
        out = handle.name
    try:
        command = [sys.executable, __file__, "--child", str(code), "--sample", sample, "--out", out]
        subprocess.run(command, check=True, cwd=code)
        with open(out, "rb") as handle:
            return pickle.load(handle)
    finally:
        os.unlink(out)


def differences(base: dict, ours: dict) -> tuple[dict, list[str]]:
    """Counts of differing outputs by kind, and the first few files that differ."""
    counts = {"files_missing": 0, "skipped": 0, "document_count": 0, "fields": 0, "grams": 0, "text": 0}
    examples: list[str] = []
    for key in sorted(set(base) | set(ours)):
        if key not in base or key not in ours:
            counts["files_missing"] += 1
            examples.append(f"{key}: only in {'ours' if key in ours else 'baseline'}")
            continue
        (skipped_a, docs_a), (skipped_b, docs_b) = base[key], ours[key]
        found = []
        if skipped_a != skipped_b:
            counts["skipped"] += 1
            found.append(f"skipped {skipped_a!r} vs {skipped_b!r}")
        if len(docs_a) != len(docs_b):
            counts["document_count"] += 1
            found.append(f"{len(docs_a)} vs {len(docs_b)} documents")
        for a, b in zip(docs_a, docs_b):
            for kind, x, y in zip(("fields", "grams", "text"), a, b):
                if x != y:
                    counts[kind] += 1
                    found.append(kind)
        if found:
            examples.append(f"{key}: {', '.join(found)}")
    return counts, examples


def ensure_baseline(path: Path, ref: str | None) -> None:
    if (path / "search" / "ingest" / "workers.py").exists():
        return
    if not ref:
        raise SystemExit(
            f"error: no baseline checkout at {path}; give --baseline-ref REF to create it "
            f"(git worktree add --detach {path} REF)"
        )
    subprocess.run(["git", "-C", str(ROOT), "worktree", "add", "--detach", str(path), ref], check=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--all", action="store_true", help="every news file instead of 2019-2021")
    parser.add_argument("--baseline", type=Path, default=Path("/tmp/prep-base"), help="the baseline checkout")
    parser.add_argument("--baseline-ref", help="create the baseline checkout at this commit if it is missing")
    parser.add_argument("--rounds", type=int, default=1, help="alternate baseline/ours this many times; best time wins")
    parser.add_argument("--news-every", type=int, default=1, help="take every n-th news file of the sample")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--sample", default="default", help=argparse.SUPPRESS)
    parser.add_argument("--out", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.sample, args.out)
        return
    ensure_baseline(args.baseline, args.baseline_ref)
    sample = ("all" if args.all else "default") + (f":{args.news_every}" if args.news_every > 1 else "")
    best: dict[str, dict] = {}
    outputs: dict[str, dict] = {}
    for _ in range(args.rounds):
        for side, code in (("baseline", args.baseline.resolve()), ("ours", ROOT)):
            run = run_child(code, sample)
            outputs[side] = run["outputs"]
            if side not in best or sum(r["cpu"] for r in run["results"].values()) < sum(
                r["cpu"] for r in best[side].values()
            ):
                best[side] = run["results"]
    counts, examples = differences(outputs["baseline"], outputs["ours"])
    report(best, counts, examples, args, sample)


def _row(group: str, side: str, r: dict, base: dict | None) -> str:
    mb = r["bytes"] / 1e6
    ms_doc = r["cpu"] / max(r["documents"], 1) * 1000
    ratio = f"{base['cpu'] / r['cpu']:.2f}x" if base and r["cpu"] else ""
    reading = r["read_documents_cpu"] / max(r["documents"], 1) * 1000
    reading_ratio = (
        f"{base['read_documents_cpu'] / r['read_documents_cpu']:.2f}x" if base and r["read_documents_cpu"] else ""
    )
    return (
        f"| {group} | {side} | {r['files']} | {r['documents']} | {mb:.2f} | {r['seconds']:.2f} | {r['cpu']:.2f} | "
        f"{mb / r['cpu']:.2f} | {ms_doc:.3f} | {ratio} | {reading:.3f} | {reading_ratio} |"
    )


def report(best: dict, counts: dict, examples: list[str], args: argparse.Namespace, sample: str) -> None:
    groups = list(best["baseline"])
    keys = ("files", "bytes", "documents", "seconds", "cpu", "read_documents_cpu")
    total = {side: {k: sum(best[side][g][k] for g in groups) for k in keys} for side in best}
    base_head = subprocess.run(
        ["git", "-C", str(args.baseline), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    ours_head = subprocess.run(
        ["git", "-C", str(ROOT), "rev-parse", "--short", "HEAD"], capture_output=True, text=True
    ).stdout.strip()
    if subprocess.run(
        ["git", "-C", str(ROOT), "status", "--porcelain", "--untracked-files=no", "search"],
        capture_output=True,
        text=True,
    ).stdout.strip():
        ours_head += "+uncommitted"
    print(
        f"prepare(), one process: baseline {base_head} ({args.baseline}) vs ours {ours_head}; "
        f"sample {sample}; best of {args.rounds}; load {os.getloadavg()[0]:.2f}"
    )
    print(
        "| files | code | n files | docs | MB | wall s | CPU s | MB/s | ms/doc | ratio | read_documents ms/doc | ratio |"
    )
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    for group in [*groups, "all"]:
        for side in ("baseline", "ours"):
            r = total[side] if group == "all" else best[side][group]
            base = (total["baseline"] if group == "all" else best["baseline"][group]) if side == "ours" else None
            print(_row(group, side, r, base))
    different = sum(counts.values())
    print(f"differences: {different} ({', '.join(f'{k} {v}' for k, v in counts.items())})")
    for line in examples[:10]:
        print(f"  {line}")
    summary = {
        "bench": "prepare_speed",
        "sample": sample,
        "baseline": base_head,
        "ours": ours_head,
        "files": total["ours"]["files"],
        "documents": total["ours"]["documents"],
        "mb": round(total["ours"]["bytes"] / 1e6, 2),
        "baseline_wall_s": round(total["baseline"]["seconds"], 2),
        "ours_wall_s": round(total["ours"]["seconds"], 2),
        "baseline_cpu_s": round(total["baseline"]["cpu"], 2),
        "ours_cpu_s": round(total["ours"]["cpu"], 2),
        "baseline_mb_s": round(total["baseline"]["bytes"] / 1e6 / total["baseline"]["cpu"], 3),
        "ours_mb_s": round(total["ours"]["bytes"] / 1e6 / total["ours"]["cpu"], 3),
        "ratio": round(total["baseline"]["cpu"] / total["ours"]["cpu"], 3),
        "read_documents_ratio": round(total["baseline"]["read_documents_cpu"] / total["ours"]["read_documents_cpu"], 3),
        "by_group_cpu_s": {g: {side: round(best[side][g]["cpu"], 2) for side in best} for g in groups},
        "differences": different,
        "difference_kinds": counts,
    }
    print(json.dumps(summary))
    if different:
        sys.exit(1)


if __name__ == "__main__":
    main()
