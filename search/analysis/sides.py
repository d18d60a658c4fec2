"""The documents that keyness and emerging terms count, fetched from an engine: the same on both engines.

An engine gives two small things (``Engine.corpus`` and ``Engine.corpus_texts``): the (id, date) of
every document a request matches that the reader may see, and the search texts of chosen ids.  All
the counting is ``search.analysis.keyness`` / ``emerging`` over those texts, so the numbers cannot
depend on the engine.

Bounded work: a side (or, for emerging terms, all periods together) of more documents than its cap
is counted on an even sample: the documents at evenly spaced places of the id order (the same
documents on both engines), and the result says so.  The 118 reports are never sampled; a year of
the news corpus against the rest of it is.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import replace

from search.analysis.emerging import DEFAULT_MIN_FREQ as EMERGING_MIN_FREQ
from search.analysis.emerging import PeriodCounts, count_periods
from search.analysis.keyness import DEFAULT_MIN_FREQ, Keyness, keyness
from search.export.columns import describe_request
from search.query import SearchRequest
from search.query.compose import request_query

MAX_SIDE_DOCUMENTS = 2500  # per side of a comparison
MAX_EMERGING_DOCUMENTS = 6000  # over all periods of emerging terms
MIN_PERIOD_DOCUMENTS = 40
BY = ("year", "month")


def even_sample(ids: Sequence[str], cap: int) -> list[str]:
    """``ids`` in order, or ``cap`` of them at evenly spaced places of the order."""
    ordered = sorted(ids)
    if len(ordered) <= cap:
        return ordered
    return [ordered[(i * len(ordered)) // cap] for i in range(cap)]


def side_request(request: SearchRequest) -> SearchRequest:
    """What defines a side: the query, mode and filters (not its page or order)."""
    return replace(request, page=1, per_page=10, sort="relevance")


def compare(
    engine,
    request_a: SearchRequest,
    request_b: SearchRequest,
    *,
    min_freq: int = DEFAULT_MIN_FREQ,
    visible=None,
    cap: int = MAX_SIDE_DOCUMENTS,
) -> Keyness:
    """Keyness of side A (``request_a``'s documents) against side B (``request_b``'s, without A's)."""
    started = time.perf_counter()
    ids_a = [doc_id for doc_id, _ in engine.corpus(side_request(request_a), visible=visible)]
    in_a = set(ids_a)
    ids_b = [doc_id for doc_id, _ in engine.corpus(side_request(request_b), visible=visible) if doc_id not in in_a]
    pick_a, pick_b = even_sample(ids_a, cap), even_sample(ids_b, cap)
    notes = []
    for name, ids, pick in (("A", ids_a, pick_a), ("B", ids_b, pick_b)):
        if len(pick) < len(ids):
            notes.append(
                f"{name} 侧共 {len(ids):,} 篇，为控制耗时按编号均匀抽取 {len(pick):,} 篇计数"
                "（频次与每万字频率都按抽取的文档计）。"
            )
    texts_a = engine.corpus_texts(pick_a, visible=visible)
    texts_b = engine.corpus_texts(pick_b, visible=visible)
    result = keyness(
        texts_a,
        texts_b,
        min_freq,
        labels=(describe_request(request_a), describe_request(request_b)),
        documents=(len(ids_a), len(ids_b)),
        notes=notes,
    )
    side_notes = tuple(
        (name, note) for name, request in (("A", request_a), ("B", request_b)) for note in request_query(request).notes
    )
    return replace(result, took_ms=round((time.perf_counter() - started) * 1000, 1), side_notes=side_notes)


def period_quotas(sizes: dict[str, int], cap: int) -> dict[str, int]:
    """Documents to count per period, ``cap`` in all: small periods whole, the rest shared evenly among
    the larger ones (at least ``MIN_PERIOD_DOCUMENTS`` each)."""
    quota: dict[str, int] = {}
    left, periods = cap, sorted(sizes, key=lambda p: (sizes[p], p))
    for i, period in enumerate(periods):
        share = max(MIN_PERIOD_DOCUMENTS, left // (len(periods) - i))
        quota[period] = min(sizes[period], share)
        left = max(0, left - quota[period])
    return quota


def period_of(published: str | None, by: str) -> str | None:
    if not published:
        return None
    if by == "year":
        return published[:4]
    return published[:7] if len(published) >= 7 else None


def count_emerging(
    engine,
    request: SearchRequest,
    *,
    by: str = "year",
    min_freq: int = EMERGING_MIN_FREQ,
    visible=None,
    cap: int = MAX_EMERGING_DOCUMENTS,
) -> PeriodCounts:
    """The phrases of ``request``'s dated documents counted per period (``PeriodCounts.terms`` picks one)."""
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    by_period: dict[str, list[str]] = {}
    undated = 0
    for doc_id, published in engine.corpus(side_request(request), visible=visible):
        period = period_of(published, by)
        if period is None:
            undated += 1
        else:
            by_period.setdefault(period, []).append(doc_id)
    quota = period_quotas({p: len(ids) for p, ids in by_period.items()}, cap)
    picked, periods = [], []
    notes = []
    sampled = 0
    for period in sorted(by_period):
        ids = even_sample(by_period[period], quota[period])
        sampled += len(ids) < len(by_period[period])
        picked += ids
        periods += [period] * len(ids)
    if sampled:
        notes.append(
            f"为控制耗时，共按编号均匀抽取 {len(picked):,} 篇计数（{sampled} 个时期经过抽样，每期最多 "
            f"{max(quota.values()):,} 篇；频率按抽取的文档计）。"
        )
    notes += request_query(request).notes
    if undated:
        notes.append(f"{undated:,} 篇文档没有{'年份' if by == 'year' else '月份'}，未计入。")
    texts = engine.corpus_texts(picked, visible=visible)
    clusters = engine.cluster_of(picked)
    matched = {p: len(ids) for p, ids in by_period.items()}
    return count_periods(texts, periods, clusters, by, min_freq, matched, notes)
