"""Counting one phrase per document on the full corpus: the new paths against the old match-by-match pass.

    python bench/counting.py              # the phrases below, 5 runs each (median), same index, same run
    python bench/counting.py --runs 9

Old (the engine before term frequencies, kept here as the baseline): every
match in every text found one at a time with ``mmap.find``, its document found
by bisection.  New (``search.engines.embedded.counting``): a phrase of one or two characters is
read from its postings' frequencies; a longer one is searched for only where
each of its bigrams occurs, each document only until its rarest bigram's
count is reached.  Both count every document of the index; the new path also
counts the documents that contain the phrase (what the trend and ranking ask
for: ``counts_in``), and tests containment (``containing``: one find per
candidate).  Every count is checked against the old pass.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from bisect import bisect_right
from pathlib import Path

import numpy as np

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from search.engines.embedded.archive import Archive
from search.text.normalize import normalize_query

PHRASES = ("央视网消息", "发展", "的", "，", "高质量发展", "老旧小区改造", "中原科技城")


def match_by_match_counts(snapshot, phrase: str) -> np.ndarray:
    """The old ``Snapshot.counts_everywhere``: each match found with ``find``, its document by bisection."""
    needle = phrase.encode("utf-8")
    step = len(needle)
    counts = np.zeros(snapshot.size, dtype=np.int64)
    for part, first in zip(snapshot._parts, snapshot._part_first):
        find = part.map.find
        ends = snapshot._ends[first : first + part.doc_count]
        starts = snapshot._starts[first : first + part.doc_count].tolist()
        hits = []
        at = find(needle, part.text_at)
        while at >= 0:
            doc = bisect_right(starts, at) - 1
            end = int(ends[doc])
            if at + step <= end:
                hits.append(doc)
                at = find(needle, at + step)
            else:  # straddles a boundary: go on from the next document's start
                at = find(needle, end)
        if hits:
            counts[first : first + part.doc_count] = np.bincount(hits, minlength=part.doc_count)
    return counts


def timed(call) -> tuple[float, object]:
    started = time.perf_counter()
    value = call()
    return (time.perf_counter() - started) * 1000, value


def measure(snapshot, phrase: str, runs: int) -> dict:
    folded = normalize_query(phrase)
    old_ms, new_ms, in_ms, contain_ms = [], [], [], []
    old = new = None
    for _ in range(runs):  # interleaved, so that the machine's load falls on both alike
        ms, old = timed(lambda: match_by_match_counts(snapshot, folded))
        old_ms.append(ms)
        ms, new = timed(lambda: snapshot.counts_everywhere(folded))
        new_ms.append(ms)
    having = np.flatnonzero(old)
    having_list = having.tolist()
    for _ in range(runs):
        ms, counted = timed(lambda: snapshot.counts_in(folded, having))
        in_ms.append(ms)
        ms, _ = timed(lambda: snapshot.containing(having_list, folded))
        contain_ms.append(ms)
    return {
        "phrase": phrase,
        "searched_as": folded,
        "documents": len(having),
        "occurrences": int(old.sum()),
        "old_ms": round(statistics.median(old_ms), 1),
        "new_ms": round(statistics.median(new_ms), 2),
        "counts_in_matching_ms": round(statistics.median(in_ms), 2),
        "containing_ms": round(statistics.median(contain_ms), 2),
        "ratio": round(statistics.median(old_ms) / max(statistics.median(new_ms), 0.01), 1),
        "equal": bool(np.array_equal(old, new)) and bool(np.array_equal(counted, old[having])),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--index", type=Path, default=None, help="default: the full-corpus index (bench/full_index.py)")
    args = parser.parse_args()
    index_dir = args.index
    if index_dir is None:
        from full_index import ensure_full_indexes

        index_dir = ensure_full_indexes(naive=False)[0]
    snapshot = Archive(index_dir).snapshot()
    rows = [measure(snapshot, phrase, args.runs) for phrase in PHRASES]
    print(f"counting one phrase in each of {len(snapshot.live)} documents, median of {args.runs} runs")
    print(
        f"{'phrase':<10}{'docs':>8}{'occurrences':>13}{'old ms':>9}{'new ms':>9}{'old/new':>9}"
        f"{'in matching':>13}{'containing':>12}  equal"
    )
    for r in rows:
        print(
            f"{r['phrase']:<10}{r['documents']:>8}{r['occurrences']:>13}{r['old_ms']:>9}{r['new_ms']:>9}"
            f"{r['ratio']:>9}{r['counts_in_matching_ms']:>13}{r['containing_ms']:>12}  {r['equal']}"
        )
    print(
        json.dumps(
            {"bench": "counting", "documents": len(snapshot.live), "runs": args.runs, "phrases": rows},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
