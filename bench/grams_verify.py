"""What checking the grams files' postings and texts checksum costs, beside opening and warming a snapshot.

    python bench/grams_verify.py                                   # the news index of bench/scale.py
    python bench/grams_verify.py --index bench/out/saved/index-2020-2021 --repeat 5

Read-only: the index is opened, never written (a schema-9 index opens too: the
grams format is the same, and a missing ``entered`` column reads as 0).  For
each grams part: its size, opening it (the header and the tables' CRC, what
every open checks), and ``verify`` (the CRC of the postings and texts, today
only before a merge).  Then, for the whole index: a snapshot's open and a
server's ``warm_up``, so the verify cost reads as a share of what a server
already spends on a new generation.  Page cache warm (the files are read once
first); the machine is shared, so compare within one run.  Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))

from whoosh import index as whoosh_index

from search.engines.embedded.archive import INDEX_NAME
from search.engines.embedded.gramstore import open_segment, segment_file
from search.engines.embedded.run import warm_up
from search.engines.embedded.schema import make_schema
from search.engines.embedded.snapshot import Snapshot

DEFAULT = Path("/work/wt/bench/bench/out/scale/index-ours-k1")


def timed(action, repeat: int) -> float:
    """The median seconds of ``repeat`` runs of ``action``."""
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        action()
        runs.append(time.perf_counter() - started)
    return statistics.median(runs)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--index", type=Path, default=DEFAULT)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    ix = whoosh_index.open_dir(str(args.index), indexname=INDEX_NAME, schema=make_schema())
    rows = []
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            last = segment_file(args.index, leaf.segment().segment_id())
            count = leaf.doc_count_all()
            for part in open_segment(last, count):  # reads every byte once: the page cache is warm
                part.verify()
                part.close()
            open_seconds = timed(lambda: [p.close() for p in open_segment(last, count)], args.repeat)
            parts = open_segment(last, count)
            for part in parts:
                size = os.path.getsize(part.path)
                rows.append(
                    (part.path.name, size, part.doc_count, open_seconds / len(parts), timed(part.verify, args.repeat))
                )
                part.close()
    snapshot_open = timed(lambda: Snapshot(ix, args.index).close(), args.repeat)

    def warm() -> None:
        snapshot = Snapshot(ix, args.index)
        warm_up(snapshot)
        snapshot.close()

    warm_seconds = timed(warm, args.repeat)
    total_bytes = sum(r[1] for r in rows)
    verify_seconds = sum(r[4] for r in rows)
    print(f"index {args.index}: {len(rows)} grams parts, {total_bytes / 1e6:.0f} MB; load {load:.1f}")
    print(f"{'part':36} {'MB':>7} {'docs':>7} {'open ms':>8} {'verify ms':>10} {'MB/s':>7}")
    for name, size, docs, opened, verified in rows:
        print(
            f"{name:36} {size / 1e6:>7.1f} {docs:>7} {opened * 1000:>8.1f} {verified * 1000:>10.1f} "
            f"{size / 1e6 / verified:>7.0f}"
        )
    print(f"{'all parts':36} {total_bytes / 1e6:>7.1f} {'':>7} {'':>8} {verify_seconds * 1000:>10.1f}")
    print(f"{'snapshot open':36} {'':>7} {'':>7} {snapshot_open * 1000:>8.1f}")
    print(
        f"{'snapshot open + warm_up':36} {'':>7} {'':>7} {warm_seconds * 1000:>8.1f}   "
        f"verify / (open + warm_up) = {verify_seconds / warm_seconds:.2f}"
    )
    print(
        json.dumps(
            {
                "bench": "grams_verify",
                "index": str(args.index),
                "load": round(load, 1),
                "parts": len(rows),
                "grams_mb": round(total_bytes / 1e6, 1),
                "verify_ms": round(verify_seconds * 1000, 1),
                "largest_part_verify_ms": round(max(r[4] for r in rows) * 1000, 1),
                "snapshot_open_ms": round(snapshot_open * 1000, 1),
                "open_and_warm_up_ms": round(warm_seconds * 1000, 1),
                "verify_share_of_warm_up": round(verify_seconds / warm_seconds, 2),
            }
        )
    )


if __name__ == "__main__":
    main()
