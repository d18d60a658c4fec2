"""Suggestion latency on the full corpus: the per-generation structure against a linear scan, same keystrokes.

    python bench/suggest_speed.py                 # 300 phrases typed character by character, seed 13
    python bench/suggest_speed.py --index DIR     # an index of the full corpus built already (reused)

The keystrokes: jieba words (2-6 characters) and substrings cut from random
documents, typed one character at a time, so every prefix is one request
(about 1,000).  Ours: ``suggest()`` over the sorted structure built once per
index generation (its build time is reported), and the same through the web
app's ``/suggest`` (JSON, Flask test client).  Baseline: the same candidates
and counts, scanned linearly and sorted at each keystroke.  Also timed, ours
only (the baseline reads no pinyin): the same phrases typed as pinyin and as
initials, letter by letter.  Target: p95 <= 30 ms.
"""

from __future__ import annotations

import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from full_index import ensure_full_indexes

from search.engines.embedded.archive import Archive
from search.engines.embedded.run import warm_up
from search.engines.embedded.suggest import LIMIT, suggester
from search.query.pinyin import readings
from search.text.analyzer import segmenter
from search.text.normalize import normalize_query


def typed_prefixes(snapshot, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    docs = sorted(snapshot.live)
    prefixes: list[str] = []
    phrases = 0
    while phrases < count:
        text = snapshot.search_text(rng.choice(docs))
        lines = [line for line in text.split("\n") if len(line) >= 12]
        if not lines:
            continue
        line = rng.choice(lines)
        if phrases % 2:
            words = [w for w in segmenter().cut(line) if 2 <= len(w) <= 6]
            if not words:
                continue
            phrase = rng.choice(words)
        else:
            size = rng.randint(2, 6)
            start = rng.randrange(0, len(line) - size + 1)
            phrase = line[start : start + size].strip()
        if not phrase:
            continue
        phrases += 1
        prefixes += [phrase[:n] for n in range(1, len(phrase) + 1)]
    return prefixes


def pinyin_prefixes(prefixes: list[str]) -> list[str]:
    """Each whole typed phrase (the longest of its prefixes) as pinyin and as initials, letter by letter."""
    whole = [p for i, p in enumerate(prefixes) if i + 1 == len(prefixes) or not prefixes[i + 1].startswith(p)]
    typed = []
    for phrase in whole:
        reading = readings(normalize_query(phrase))
        for spelling in reading or ():
            typed += [spelling[:n] for n in range(1, len(spelling) + 1)]
    return typed


def linear(entries, typed: str):
    """The baseline: every candidate tested at each keystroke, then sorted."""
    prefix = normalize_query(typed)
    rank = lambda s: (-s.count, len(s.phrase), s.phrase)  # noqa: E731
    found = sorted((e for e in entries if e.phrase.startswith(prefix) and e.phrase != prefix), key=rank)
    if len(found) < LIMIT:
        found += sorted((e for e in entries if prefix in e.phrase and not e.phrase.startswith(prefix)), key=rank)
    return found[:LIMIT]


def percentiles(times: list[float]) -> dict:
    ordered = sorted(times)
    pick = lambda q: round(ordered[min(len(ordered) - 1, int(q * len(ordered)))], 2)  # noqa: E731
    return {
        "p50": round(statistics.median(ordered), 2),
        "p95": pick(0.95),
        "p99": pick(0.99),
        "max": round(ordered[-1], 2),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phrases", type=int, default=300)
    parser.add_argument("--seed", type=int, default=13)
    parser.add_argument("--index", type=Path, help="an index of the full corpus to reuse (default: bench/out/full)")
    args = parser.parse_args()

    ours_dir = args.index or ensure_full_indexes(naive=False)[0]
    snapshot = Archive(ours_dir).snapshot()
    warm_up(snapshot)
    started = time.perf_counter()
    structure = suggester(snapshot)
    build_seconds = round(time.perf_counter() - started, 1)
    prefixes = typed_prefixes(snapshot, args.phrases, args.seed)
    spelled = pinyin_prefixes(prefixes)

    timings: dict[str, list[float]] = {"ours": [], "web": [], "linear": [], "pinyin": []}
    agree = 0
    from web import create_app  # the app only for the web column

    with tempfile.TemporaryDirectory() as scratch:
        app = create_app(
            {
                "INDEX_DIR": str(ours_dir),
                "SAVED_DB": str(Path(scratch) / "saved.sqlite3"),
                "SECRET_KEY": "bench",
                "TESTING": True,
            }
        )
        app.extensions["engine"].archive._snapshot = snapshot  # the snapshot already warmed up
        client = app.test_client()
        for typed in prefixes:
            t0 = time.perf_counter()
            ours = structure.suggest(typed)
            t1 = time.perf_counter()
            response = client.get("/suggest", query_string={"q": typed})
            t2 = time.perf_counter()
            baseline = linear(structure.entries, typed)
            t3 = time.perf_counter()
            assert response.status_code == 200
            agree += [s.phrase for s in ours] == [s.phrase for s in baseline]
            timings["ours"].append((t1 - t0) * 1000)
            timings["web"].append((t2 - t1) * 1000)
            timings["linear"].append((t3 - t2) * 1000)
        for typed in spelled:
            t0 = time.perf_counter()
            structure.suggest(typed)
            timings["pinyin"].append((time.perf_counter() - t0) * 1000)

    stats = {name: percentiles(values) for name, values in timings.items()}
    result = {
        "documents": len(snapshot.live),
        "phrases": len(structure),
        "build_seconds": build_seconds,
        "keystrokes": len(prefixes),
        "pinyin_keystrokes": len(spelled),
        "seed": args.seed,
        "latency_ms": stats,
        "same_answers_as_linear": agree,
        "p95_ratio_linear_over_ours": round(stats["linear"]["p95"] / max(stats["ours"]["p95"], 0.01), 1),
    }
    print(
        f"suggestions on {result['documents']} documents: {result['phrases']} phrases, built in {build_seconds} s; "
        f"{len(prefixes)} keystrokes ({args.phrases} phrases typed), seed {args.seed}"
    )
    print(f"{'engine':<22}{'p50 ms':>9}{'p95 ms':>9}{'p99 ms':>9}{'max ms':>9}")
    for name, label in (
        ("ours", "ours (library)"),
        ("web", "ours (/suggest JSON)"),
        ("linear", "linear scan"),
        ("pinyin", "ours, pinyin/initials"),
    ):
        s = stats[name]
        print(f"{label:<22}{s['p50']:>9}{s['p95']:>9}{s['p99']:>9}{s['max']:>9}")
    print(
        f"same answers as the linear scan: {agree}/{len(prefixes)}; p95 linear/ours = {result['p95_ratio_linear_over_ours']}x"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
