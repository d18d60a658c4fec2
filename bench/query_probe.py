"""A first look at results-page latency on a built index (ours only; the performance issue adds
the naive baseline side by side and the full query mix).

    python bench/query_probe.py bench/out/exactness-all/ours     # after bench/exactness.py --corpus all

Samples 200 quoted phrases (2-8 character substrings and runs of 1-3 jieba words, seeded) from
random documents and times the whole results page for each: total, facet counts, top 10 with
snippets.  Each query runs once, cold for its postings; the snapshot (columns) and the texts are
loaded first, as a long-running server would have them.
"""

from __future__ import annotations

import json
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from search.analysis import segmenter  # noqa: E402
from search.archive import Archive  # noqa: E402
from search.query import SearchRequest, search  # noqa: E402


def sample(snapshot, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    docs = sorted(snapshot.live)
    queries: list[str] = []
    while len(queries) < count:
        lines = [line for line in snapshot.search_text(rng.choice(docs)).split("\n") if len(line) > 10]
        if not lines:
            continue
        line = rng.choice(lines)
        if len(queries) % 2:
            n = rng.randint(2, 8)
            start = rng.randrange(0, len(line) - n)
            phrase = line[start : start + n]
        else:
            words = segmenter().cut(line)
            n = rng.randint(1, 3)
            start = rng.randrange(0, max(1, len(words) - n))
            phrase = "".join(words[start : start + n])
        if phrase.strip() and '"' not in phrase and "\\" not in phrase:
            queries.append(f'"{phrase}"')
    return queries


def percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * q))]


def main() -> None:
    index_dir = Path(sys.argv[1] if len(sys.argv) > 1 else "bench/out/exactness-all/ours")
    started = time.perf_counter()
    snapshot = Archive(index_dir).snapshot()
    opened = time.perf_counter() - started
    started = time.perf_counter()
    snapshot.preload_texts()
    preloaded = time.perf_counter() - started
    timings = []
    for query in sample(snapshot, 200, 7):
        started = time.perf_counter()
        search(snapshot, SearchRequest(q=query))
        timings.append((time.perf_counter() - started) * 1000)
    result = {
        "documents": len(snapshot.live),
        "queries": len(timings),
        "open_s": round(opened, 2),
        "preload_texts_s": round(preloaded, 2),
        "p50_ms": round(percentile(timings, 0.50), 1),
        "p95_ms": round(percentile(timings, 0.95), 1),
        "p99_ms": round(percentile(timings, 0.99), 1),
        "max_ms": round(max(timings), 1),
    }
    print(f"{result['documents']} documents, {result['queries']} queries: p50 {result['p50_ms']} ms, "
          f"p95 {result['p95_ms']} ms, p99 {result['p99_ms']} ms, max {result['max_ms']} ms")
    print(json.dumps(result))


if __name__ == "__main__":
    main()
