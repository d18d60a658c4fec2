"""The co-occurrence operators (NEAR/n, SENT, PARA, $n) against their oracle on the 118 work reports.

    python bench/operators.py [--pairs 40] [--seed 13]

Draws pairs of phrases (2-6 characters, or jieba words) from one sentence or
one paragraph of random reports, runs ``A NEAR/n B``, ``A SENT B``,
``A PARA B`` and ``A$n`` for each, and compares the engine's documents with
the direct implementation of tests/operator_oracle.py over every document's
search text.  Times are per query: ours (index + positions) against the oracle
scanning every text (the baseline), with the ratio.
"""

from __future__ import annotations

import argparse
import json
import random
import shutil
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from corpus import OUT, report_folders

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.query import SearchRequest
from search.text.analyzer import segmenter
from tests.operator_oracle import oracle, query_for, units

OPERATORS = ("NEAR", "SENT", "PARA", "COUNT")


def draw_pair(rng: random.Random, text: str) -> tuple[str, str, str] | None:
    """(scope, a, b): two phrases from one sentence or one paragraph of ``text``."""
    scope = rng.choice(("sentence", "paragraph"))
    pieces = units(text, "。!?;\n") if scope == "sentence" else text.split("\n")
    pieces = [p.strip() for p in pieces if len(p.strip()) >= 12]
    if not pieces:
        return None
    piece = rng.choice(pieces)
    phrases = []
    for _ in range(2):
        if rng.random() < 0.5:
            length = rng.randint(2, 6)
            start = rng.randrange(0, len(piece) - length + 1)
            phrase = piece[start : start + length]
        else:
            words = [w for w in segmenter().cut(piece) if len(w) >= 2]
            phrase = rng.choice(words) if words else ""
        if not phrase.strip() or phrase != phrase.strip() or '"' in phrase or "\\" in phrase or "\n" in phrase:
            return None
        phrases.append(phrase)
    return scope, phrases[0], phrases[1]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pairs", type=int, default=40)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--procs", type=int, default=2)
    args = parser.parse_args()

    index_dir = OUT / "operators-reports"
    shutil.rmtree(index_dir, ignore_errors=True)
    index_paths(report_folders(), index_dir, rebuild=True, procs=args.procs)
    snapshot = Archive(index_dir).snapshot()
    snapshot.preload_texts()
    texts = {snapshot.document(n).id: snapshot.search_text(n) for n in sorted(snapshot.live)}
    documents = list(texts.values())

    rng = random.Random(args.seed)
    pairs = []
    while len(pairs) < args.pairs:
        pair = draw_pair(rng, rng.choice(documents))
        if pair:
            pairs.append(pair)

    rows = {op: {"queries": 0, "equal": 0, "found": 0, "ours_ms": [], "oracle_ms": []} for op in OPERATORS}
    mismatches = []
    for _scope, a, b in pairs:
        for operator in OPERATORS:
            n = rng.randint(0, 30) if operator == "NEAR" else rng.randint(2, 5)
            query = query_for(operator, a, b, n)
            started = time.perf_counter()
            ours = matching_ids(snapshot, SearchRequest(q=query))
            ours_ms = (time.perf_counter() - started) * 1000
            started = time.perf_counter()
            expected = oracle(texts, operator, a, b, n)
            oracle_ms = (time.perf_counter() - started) * 1000
            row = rows[operator]
            row["queries"] += 1
            row["equal"] += ours == expected
            row["found"] += len(expected)
            row["ours_ms"].append(ours_ms)
            row["oracle_ms"].append(oracle_ms)
            if ours != expected:
                mismatches.append(query)

    result = {"corpus": "reports", "documents": len(texts), "pairs": len(pairs), "seed": args.seed, "operators": {}}
    print(f"operators on {len(texts)} reports, {len(pairs)} pairs from shared sentences/paragraphs, seed {args.seed}")
    print(f"{'operator':<9}{'equal':>9}{'docs found':>12}{'ours p50 ms':>13}{'oracle p50 ms':>15}{'ratio':>8}")
    for operator, row in rows.items():
        ours_p50 = statistics.median(row["ours_ms"])
        oracle_p50 = statistics.median(row["oracle_ms"])
        ratio = oracle_p50 / ours_p50 if ours_p50 else None
        result["operators"][operator] = {
            "queries": row["queries"],
            "equal_to_oracle": row["equal"],
            "documents_found": row["found"],
            "ours_p50_ms": round(ours_p50, 2),
            "oracle_p50_ms": round(oracle_p50, 2),
            "speedup": round(ratio, 1) if ratio else None,
        }
        print(
            f"{operator:<9}{row['equal']:>5}/{row['queries']:<3}{row['found']:>12}{ours_p50:>13.2f}"
            f"{oracle_p50:>15.2f}{ratio:>7.1f}x"
        )
    result["all_equal"] = not mismatches
    result["mismatches"] = mismatches
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
