"""The full corpus (news + reports) indexed once by ours and by the naive baseline, reused by the benches.

    python bench/full_index.py          # build what is missing or out of date, print the paths

Ours is rebuilt when its schema version is not this program's; the naive
index is built from our index's documents (same texts and metadata).
"""

from __future__ import annotations

import json
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from baseline import build, documents_of
from corpus import OUT, news_folder, report_folders

from search.engines.embedded.archive import Archive, read_schema_version
from search.engines.embedded.commit import index_paths
from search.ingest.identity import SCHEMA_VERSION

FULL = OUT / "full"


def corpus_folders() -> list[Path]:
    return [news_folder(), *report_folders()]


def ensure_full_indexes(procs: int = 2, naive: bool = True) -> tuple[Path, Path, dict]:
    """(ours, naive, build timings): the full-corpus indexes, built when missing (the naive one only when asked)."""
    want_naive = naive
    ours, naive = FULL / "ours", FULL / "naive"
    timings = {}
    if read_schema_version(ours) != SCHEMA_VERSION or not (FULL / "ours.complete").exists():
        shutil.rmtree(FULL, ignore_errors=True)
        started = time.perf_counter()
        index_paths(corpus_folders(), ours, rebuild=True, procs=procs)
        timings["ours_s"] = round(time.perf_counter() - started, 1)
        (FULL / "ours.complete").touch()
    if want_naive and not (FULL / "naive.complete").exists():
        shutil.rmtree(naive, ignore_errors=True)
        snapshot = Archive(ours).snapshot()
        started = time.perf_counter()
        build(documents_of(snapshot), naive, procs=procs)
        timings["naive_s"] = round(time.perf_counter() - started, 1)
        (FULL / "naive.complete").touch()
    return ours, naive, timings


if __name__ == "__main__":
    ours, naive, timings = ensure_full_indexes()
    print(json.dumps({"ours": str(ours), "naive": str(naive), **timings}))
