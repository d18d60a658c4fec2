"""The embedded engine's trend: counting per period over a snapshot (the types are ``search.analysis.trend``)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace

import numpy as np

from search.analysis.trend import Series, Trend, checked_arguments, period_axis, series_of
from search.dedup.analysis import cluster_total, once
from search.engines.embedded.archive import Snapshot
from search.engines.embedded.columns import Column
from search.engines.embedded.docsets import DocSet
from search.engines.embedded.evaluate import Matcher
from search.engines.embedded.matches import Matches, find_matches
from search.meta import Taxonomy
from search.query import SearchRequest
from search.query.compose import with_query


def trend(
    snapshot: Snapshot,
    queries: Sequence[str],
    request: SearchRequest = SearchRequest(),
    by: str = "year",
    measure: str = "documents",
    per: str | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    visible: DocSet | None = None,
) -> Trend:
    """Counts per period of each query under ``request``'s filters; ValueError on a bad argument."""
    queries = checked_arguments(queries, by, measure, per)
    period_of = snapshot.year if by == "year" else snapshot.month
    matcher = Matcher(snapshot, request.mode, counting=True)
    found = [find_matches(snapshot, with_query(request, q), matcher, taxonomy, visible=visible) for q in queries]
    periods = period_axis(by, set().union(*(_values(period_of, m.docs) for m in found)) - {None})
    series = []
    for matches in found:
        counted = once(snapshot, matches, period_of) if request.dedup else matches  # 去重: clusters (search.dedup)
        base = _base_counts(snapshot, counted.base, period_of, by, None)
        whole = _series(snapshot, counted, range(len(counted.docs)), None, periods, period_of, base)
        if request.dedup:
            whole = replace(whole, total_documents=cluster_total(snapshot, matches))
        districts = None
        if per == "district":
            by_district = once(snapshot, matches, snapshot.district, period_of) if request.dedup else matches
            districts = _district_series(snapshot, by_district, periods, period_of, by)
        series.append(replace(whole, read_as=matches.read_as, districts=districts))
    notes = tuple(dict.fromkeys(n for m in found for n in m.notes))
    return Trend(request, queries, by, measure, per, periods, tuple(series), notes)


def _base_counts(snapshot: Snapshot, base: DocSet, period_of, by: str, per: str | None):
    """Documents per period among ``base``, or per district a Counter per district.

    The whole archive's counts (no filter) are computed once per snapshot.
    """

    def count(docs) -> Counter | dict[str | None, Counter]:
        if per is None:
            return Counter(map(period_of.__getitem__, docs))
        counters: dict[str | None, Counter] = {}
        for docnum in docs:
            counters.setdefault(snapshot.district[docnum], Counter())[period_of[docnum]] += 1
        return counters

    if len(base) == len(snapshot.live):  # base is a subset of live: the same set
        return snapshot.cached(f"trend base {by} {per}", lambda: count(snapshot.live))
    return count(base)


def _series(
    snapshot, matches: Matches, picks, district, periods, period_of, base: Counter, is_district: bool = False
) -> Series:
    """The counts of the matching documents at indexes ``picks`` of ``matches.docs``.

    Counted by C-level passes (``Counter`` over maps), not a Python loop per
    document: a common phrase matches most of the archive.
    """
    docs = list(map(matches.docs.__getitem__, picks))
    counts = list(map(matches.occurrences.__getitem__, picks))
    in_period = _values(period_of, docs)
    documents, occurrences = _per_period(in_period, counts)
    ranks = _values(snapshot.date_rank, docs)
    first_rank = min(filter((0).__le__, ranks), default=None)
    first = snapshot.published[docs[ranks.index(first_rank)]] if first_rank is not None else None
    return series_of(matches.query, district, is_district, documents, occurrences, base, periods, first)


def _values(column: Column, docs) -> list:
    """The column's values of ``docs``, through its codes (maps in C, no Python step per document)."""
    codes = column.codes[np.asarray(docs, dtype=np.int64)]
    return list(map(column.values.__getitem__, codes.tolist()))


def _per_period(in_period: list, counts: list[int]) -> tuple[Counter, Counter]:
    """(documents, occurrences) per period: weighted counts (numpy), not one step per occurrence."""
    periods = list(dict.fromkeys(in_period))
    number = {p: i for i, p in enumerate(periods)}
    codes = np.fromiter(map(number.__getitem__, in_period), dtype=np.int64, count=len(in_period))
    documents = np.bincount(codes, minlength=len(periods)).tolist()
    occurrences = np.bincount(codes, weights=np.asarray(counts, dtype=np.float64), minlength=len(periods))
    return Counter(dict(zip(periods, documents, strict=False))), Counter(
        dict(zip(periods, occurrences.astype(np.int64).tolist(), strict=False))
    )


def _district_series(snapshot, matches: Matches, periods, period_of, by: str) -> tuple[Series, ...]:
    """One series per district (unknown district last), earliest first appearance first."""
    by_district: dict[str | None, list[int]] = {}
    for i, docnum in enumerate(matches.docs):
        by_district.setdefault(snapshot.district[docnum], []).append(i)
    base = _base_counts(snapshot, matches.base, period_of, by, "district")
    series = [
        _series(snapshot, matches, picks, district, periods, period_of, base.get(district, Counter()), True)
        for district, picks in by_district.items()
    ]

    def order(s: Series):
        rank = snapshot.date_rank
        first = min(
            (rank[matches.docs[i]] for i in by_district[s.district] if rank[matches.docs[i]] >= 0), default=None
        )
        return (s.district is None, first is None, first or 0, -s.total_documents, s.district or "")

    return tuple(sorted(series, key=order))
