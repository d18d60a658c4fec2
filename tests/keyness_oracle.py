"""The oracle of keyness and emerging terms: phrases counted naively in the source texts.

Written apart from ``search.analysis.phrases`` (no numpy, no levels, no pruning): every substring of
2..8 letters of each run between non-letters, counted per document with ``Counter``; the statistics
from their textbook formulas.
"""

from __future__ import annotations

import math
import unicodedata
from collections import Counter


def is_letter(c: str) -> bool:
    category = unicodedata.category(c)
    return category.startswith("L") or category == "Nl"


def runs(text: str) -> list[str]:
    """The maximal runs of letters of ``text``."""
    out, current = [], []
    for c in text:
        if is_letter(c):
            current.append(c)
        elif current:
            out.append("".join(current))
            current = []
    if current:
        out.append("".join(current))
    return out


def size(text: str) -> int:
    return sum(1 for c in text if is_letter(c))


def doc_counts(text: str, n: int) -> Counter:
    counter: Counter = Counter()
    for run in runs(text):
        for i in range(len(run) - n + 1):
            counter[run[i : i + n]] += 1
    return counter


def per_document(texts: list[str], min_total: int) -> dict[str, list[int]]:
    """phrase -> its count in each text, for the phrases of 2..8 letters occurring ``min_total`` times."""
    found: dict[str, list[int]] = {}
    for n in range(2, 9):
        counters = [doc_counts(t, n) for t in texts]
        total: Counter = Counter()
        for c in counters:
            total.update(c)
        for phrase, count in total.items():
            if count >= min_total:
                found[phrase] = [c[phrase] for c in counters]
    return found


def closed(found: dict[str, tuple]) -> set[str]:
    """The phrases no phrase one letter longer holds with the same values; of 8 letters, those that do not
    continue (with the same values) an 8-letter phrase that starts one letter before them."""
    absorbed = {part for q, v in found.items() if len(q) > 2 for part in (q[1:], q[:-1]) if found.get(part) == v}
    # q = S + y continues p = x + S when p, S and q have the same values.
    extended_left = {p[1:] for p, v in found.items() if len(p) == 8 and found.get(p[1:]) == v}
    absorbed |= {q for q, v in found.items() if len(q) == 8 and q[:-1] in extended_left and found.get(q[:-1]) == v}
    return set(found) - absorbed


def log_likelihood(a, b, c, d) -> float:
    e1, e2 = c * (a + b) / (c + d), d * (a + b) / (c + d)
    return 2 * ((a * math.log(a / e1) if a > 0 else 0) + (b * math.log(b / e2) if b > 0 else 0))


def log_ratio(a, b, c, d) -> float:
    return math.log2(((a if a > 0 else 0.5) / c) / ((b if b > 0 else 0.5) / d))


def gries_dp(counts: list[int], sizes: list[int]) -> float | None:
    total, whole = sum(counts), sum(sizes)
    if not total:
        return None
    return 0.5 * sum(abs(f / total - s / whole) for f, s in zip(counts, sizes))


def keyness(texts_a: list[str], texts_b: list[str], min_freq: int) -> dict[str, dict]:
    """phrase -> its numbers on both sides, for the closed phrases passing ``min_freq`` together."""
    texts = [*texts_a, *texts_b]
    found = per_document(texts, min_freq)
    totals = {p: (sum(v),) for p, v in found.items()}
    keep = closed(totals)
    k = len(texts_a)
    sizes = [size(t) for t in texts]
    c, d = sum(sizes[:k]), sum(sizes[k:])
    table = {}
    for phrase in keep:
        va, vb = found[phrase][:k], found[phrase][k:]
        a, b = sum(va), sum(vb)
        ratio = log_ratio(a, b, max(c, 1), max(d, 1))
        # On the side that uses it more: the largest (share of its occurrences - share of the characters).
        counts, side_sizes, whole, total = (va, sizes[:k], c, a) if ratio > 0 else (vb, sizes[k:], d, b)
        excess = max((f / total - s / whole for f, s in zip(counts, side_sizes) if f), default=-math.inf)
        table[phrase] = {
            "freq": (a, b),
            "docs": (sum(1 for x in va if x), sum(1 for x in vb if x)),
            "dp": (gries_dp(va, sizes[:k]), gries_dp(vb, sizes[k:])),
            "ll": log_likelihood(a, b, c, d) if c and d else 0.0,
            "log_ratio": ratio,
            "concentrated": excess > 0.5,
        }
    return table


def emerging(
    texts: list[str], periods: list[str], period: str, min_freq: int, min_clusters: int = 2
) -> dict[str, dict]:
    """phrase -> its numbers in ``period`` against every earlier period, for the phrases listed."""
    found = per_document(texts, min_freq)
    sizes = [size(t) for t in texts]
    now = [i for i, p in enumerate(periods) if p == period]
    before = [i for i, p in enumerate(periods) if p < period]
    n_t, n_b = sum(sizes[i] for i in now), sum(sizes[i] for i in before)
    values = {p: (sum(v[i] for i in now), sum(v[i] for i in before)) for p, v in found.items()}
    keep = closed(values)
    listed = {}
    for phrase in keep:
        f, prior = values[phrase]
        if f < min_freq or not n_b:
            continue
        expected = n_t * (prior or 0.5) / n_b
        clusters = sum(1 for i in now if found[phrase][i])
        if f <= expected or clusters < min_clusters:
            continue
        first = min(periods[i] for i, x in enumerate(found[phrase]) if x)
        listed[phrase] = {
            "freq": f,
            "prior_freq": prior,
            "expected": expected,
            "z": (f - expected) / math.sqrt(expected),
            "log_ratio": math.log2((f / n_t) / ((prior or 0.5) / n_b)),
            "clusters": clusters,
            "first_period": first,
        }
    return listed
