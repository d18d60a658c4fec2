"""Incremental update of the full index: 100 documents added, 10 changed, 10 removed, in one run.

    python bench/incremental.py

Works on a copy of the full-corpus index (bench/full_index.py) so the shared
one is left as it was.  An extra folder of news-like files is indexed with the
corpus; the timed run sees every corpus file (each hashed and compared, as a
real run does), adds 100 new files, changes 10 and removes 10 of the extra
folder.  Each file carries a unique marker phrase; afterwards every added and
changed marker is found exactly once, every removed or replaced one not at
all, and the document count is exact.
"""

from __future__ import annotations

import json
import random
import shutil
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import OUT
from full_index import corpus_folders, ensure_full_indexes

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.query import SearchRequest


def marker(n: int, version: int) -> str:
    return f"增量标记{n:04d}之{'甲乙丙丁'[version]}"


def write(folder: Path, n: int, version: int, body: str) -> None:
    (folder / f"extra_{n:04d}.txt").write_text(f"{marker(n, version)}\n{body}\n", encoding="utf-8")


def main() -> None:
    ours, _, _ = ensure_full_indexes()
    work = OUT / "incremental"
    shutil.rmtree(work, ignore_errors=True)
    work.mkdir(parents=True)
    index_dir = work / "ix"
    shutil.copytree(ours, index_dir)
    extra = work / "extra"
    extra.mkdir()
    roots = [*corpus_folders(), extra]

    rng = random.Random(20261122)
    snapshot = Archive(index_dir).snapshot()
    bodies = [snapshot.search_text(n) for n in rng.sample(sorted(snapshot.live), 120)]
    before_total = len(snapshot.live)
    snapshot.close()

    # Untimed set-up: the 20 files that will be changed or removed are already indexed.
    for n in range(20):
        write(extra, n, 0, bodies[n])
    started = time.perf_counter()
    setup = index_paths(roots, index_dir, procs=2)
    setup_s = time.perf_counter() - started

    # The timed change: 100 new, 10 changed (0-9), 10 removed (10-19).
    for n in range(20, 120):
        write(extra, n, 0, bodies[n])
    for n in range(10):
        write(extra, n, 1, bodies[n] + "\n(修订)")
    for n in range(10, 20):
        (extra / f"extra_{n:04d}.txt").unlink()
    started = time.perf_counter()
    report = index_paths(roots, index_dir, procs=2)
    seconds = time.perf_counter() - started

    snapshot = Archive(index_dir).snapshot()
    checks = {
        "added_found_once": sum(
            len(matching_ids(snapshot, SearchRequest(q=f'"{marker(n, 0)}"'))) == 1 for n in range(20, 120)
        ),
        "changed_new_version_found_once": sum(
            len(matching_ids(snapshot, SearchRequest(q=f'"{marker(n, 1)}"'))) == 1 for n in range(10)
        ),
        "changed_old_version_gone": sum(
            not matching_ids(snapshot, SearchRequest(q=f'"{marker(n, 0)}"')) for n in range(10)
        ),
        "removed_gone": sum(not matching_ids(snapshot, SearchRequest(q=f'"{marker(n, 0)}"')) for n in range(10, 20)),
        "total_documents": len(snapshot.live),
        "expected_total": before_total + 20 + 100 - 10,
    }
    correct = (
        checks["added_found_once"] == 100
        and checks["changed_new_version_found_once"] == 10
        and checks["changed_old_version_gone"] == 10
        and checks["removed_gone"] == 10
        and checks["total_documents"] == checks["expected_total"]
    )
    result = {
        "documents_before": before_total,
        "setup_summary": setup.summary,
        "setup_s": round(setup_s, 2),
        "summary": report.summary,
        "seconds": round(seconds, 2),
        "checks": checks,
        "correct": correct,
    }
    print(f"incremental update of {before_total} documents: {report.summary}")
    print(f"took {result['seconds']} s (target ≤ 10 s); answers correct: {correct}")
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
