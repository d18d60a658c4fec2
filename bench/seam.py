"""What the engine seam costs the embedded engine: the same requests through ``search(snapshot, …)``
and through ``EmbeddedEngine.search(…)`` (search/engines/embedded/engine.py), interleaved in one run.

    python bench/seam.py [--index DIR] [--queries 200] [--rounds 3]

Default index: the news-only index of bench/scale.py (read-only) when it has this program's schema,
else the 118 reports (bench/data) indexed into bench/out/seam-reports.  Queries: phrases of 2-6
characters cut from the documents' titles, and each with a district or a year filter and newest sort,
half of them page 2.  Each request runs direct and through the engine, in alternating order, ``rounds``
times; the table gives the medians and the ratio engine/direct, and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from search.engines import open_engine
from search.engines.embedded.archive import Archive, read_schema_version
from search.engines.embedded.run import search, warm_up
from search.ingest.identity import SCHEMA_VERSION
from search.query import SearchRequest

NEWS = Path("/work/wt/bench/bench/out/scale/index-ours-k1")


def requests(snapshot, count: int, rng: random.Random) -> list[SearchRequest]:
    live = sorted(snapshot.live)
    made = []
    while len(made) < count:
        doc = snapshot.document(rng.choice(live))
        title = doc.title.strip()
        if len(title) < 4:
            continue
        size = rng.randint(2, min(6, len(title)))
        start = rng.randint(0, len(title) - size)
        phrase = title[start : start + size].replace('"', "")
        if not phrase.strip():
            continue
        kind = len(made) % 3
        if kind == 0:
            made.append(SearchRequest(q=phrase))
        elif kind == 1:
            district = snapshot.district[doc.docnum]
            made.append(SearchRequest(q=phrase, districts=(district,) if district else (), sort="newest", page=2))
        else:
            year = (snapshot.published[doc.docnum] or "")[:4]
            made.append(SearchRequest(q=phrase, years=(int(year),) if year else (), mode="words"))
    return made


def main() -> None:
    parser = argparse.ArgumentParser()
    usable = NEWS.is_dir() and read_schema_version(NEWS) == SCHEMA_VERSION
    parser.add_argument("--index", type=Path, default=NEWS if usable else None)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    index = args.index
    if index is None:
        from corpus import report_folders

        from search.engines.embedded.commit import index_paths

        index = BENCH / "out" / "seam-reports"
        index_paths(report_folders(), index, procs=2)
    snapshot = Archive(index).snapshot()
    warm_up(snapshot)
    engine = open_engine(index)
    engine.check()  # its own Archive of the same generation, as the CLI and the web app open it
    warm_up(engine.snapshot())
    assert engine.snapshot().generation == snapshot.generation
    todo = requests(snapshot, args.queries, random.Random(14))
    direct_ms, seam_ms = [], []
    for n, request in enumerate(todo):
        for _ in range(args.rounds):
            runs = [("direct", lambda: search(snapshot, request)), ("seam", lambda: engine.search(request))]
            for name, run in runs if n % 2 == 0 else runs[::-1]:
                started = time.perf_counter()
                results = run()
                (direct_ms if name == "direct" else seam_ms).append((time.perf_counter() - started) * 1000)
                assert results.total >= 0
    rows = []
    for name, values in (("direct search(snapshot, …)", direct_ms), ("EmbeddedEngine.search(…)", seam_ms)):
        values = sorted(values)
        rows.append((name, statistics.median(values), values[int(0.95 * (len(values) - 1))], sum(values)))
    print(f"index: {index} ({len(snapshot.live)} documents), {len(todo)} requests x {args.rounds} rounds")
    print(f"{'path':<30} {'p50 ms':>9} {'p95 ms':>9} {'total ms':>11}")
    for name, p50, p95, total in rows:
        print(f"{name:<30} {p50:>9.2f} {p95:>9.2f} {total:>11.0f}")
    ratio = rows[1][3] / rows[0][3]
    print(f"engine / direct, total time: {ratio:.3f}")
    print(
        json.dumps(
            {
                "bench": "seam",
                "index": str(index),
                "documents": len(snapshot.live),
                "requests": len(todo),
                "rounds": args.rounds,
                "direct_p50_ms": round(rows[0][1], 2),
                "seam_p50_ms": round(rows[1][1], 2),
                "direct_p95_ms": round(rows[0][2], 2),
                "seam_p95_ms": round(rows[1][2], 2),
                "total_ratio": round(ratio, 3),
            }
        )
    )


if __name__ == "__main__":
    main()
