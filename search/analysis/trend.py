"""Trend: how often queries occur per year or month, optionally per district.

For each query (1 to ``MAX_QUERIES``, under the same filters) and each period:
the matching documents, the occurrences of the query's phrases in them, and
the documents per 1,000 documents of that period.  The denominator is the
documents of the period that the filters alone allow (the query's own field
filters included, its phrases not), per district when counting per district:
the archive is uneven over time, so raw counts mislead.

Periods run without a gap from the first to the last period any series has:
a period without a match is a zero.  Documents without a date at the chosen
precision (undated, or dated only by year when counting by month) are
counted apart, as undated.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

import numpy as np

from ..archive import Snapshot
from ..columns import Column
from ..meta import Taxonomy
from ..query import Matcher, SearchRequest
from .matches import Matches, find_matches, with_query

BY = ("year", "month")
MEASURES = ("documents", "occurrences", "per_mille")
PER = ("district",)
MAX_QUERIES = 6


@dataclass(frozen=True)
class Point:
    period: str
    documents: int
    occurrences: int
    per_mille: float

    def value(self, measure: str) -> float:
        return getattr(self, measure)

    def to_json(self) -> dict:
        return {"period": self.period, "documents": self.documents,
                "occurrences": self.occurrences, "per_mille": self.per_mille}


@dataclass(frozen=True)
class Series:
    """One query's counts (``district`` None), or one district's counts under a query."""

    query: str
    district: str | None
    total_documents: int
    total_occurrences: int
    undated_documents: int
    undated_occurrences: int
    first_appearance: str | None  # the earliest date of a matching document
    points: tuple[Point, ...]
    read_as: str = ""
    is_district: bool = False
    districts: tuple[Series, ...] | None = None  # under a query, when counted per district

    def to_json(self) -> dict:
        data = {"district": self.district} if self.is_district else {"query": self.query, "read_as": self.read_as}
        data.update({
            "total_documents": self.total_documents,
            "total_occurrences": self.total_occurrences,
            "undated_documents": self.undated_documents,
            "undated_occurrences": self.undated_occurrences,
            "first_appearance": self.first_appearance,
            # A district's series lists only the periods it has documents in (the axis is the trend's
            # "periods"): dense, a month axis of 831 periods for 95 districts was 5.4 MB a query.
            "points": [p.to_json() for p in self.points if p.documents or not self.is_district],
        })
        if self.districts is not None:
            data["districts"] = [d.to_json() for d in self.districts]
        return data


@dataclass(frozen=True)
class Trend:
    request: SearchRequest  # the filters and mode every query runs under (its q unused)
    queries: tuple[str, ...]
    by: str
    measure: str
    per: str | None
    periods: tuple[str, ...]
    series: tuple[Series, ...]
    notes: tuple[str, ...] = field(default=())

    def to_json(self) -> dict:
        data = {"by": self.by, "measure": self.measure}
        if self.per:
            data["per"] = self.per
        data["periods"] = list(self.periods)
        data["series"] = [s.to_json() for s in self.series]
        return data


def trend(
    snapshot: Snapshot,
    queries: Sequence[str],
    request: SearchRequest = SearchRequest(),
    by: str = "year",
    measure: str = "documents",
    per: str | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    visible: frozenset[int] | None = None,
) -> Trend:
    """Counts per period of each query under ``request``'s filters; ValueError on a bad argument."""
    queries = checked_arguments(queries, by, measure, per)
    period_of = snapshot.year if by == "year" else snapshot.month
    matcher = Matcher(snapshot, request.mode, counting=True)
    found = [find_matches(snapshot, with_query(request, q), matcher, taxonomy, visible=visible) for q in queries]
    periods = _axis(by, set().union(*(_values(period_of, m.docs) for m in found)) - {None})
    series = []
    for matches in found:
        base = _base_counts(snapshot, matches.base, period_of, by, None)
        whole = _series(snapshot, matches, range(len(matches.docs)), None, periods, period_of, base)
        districts = None
        if per == "district":
            districts = _district_series(snapshot, matches, periods, period_of, by)
        series.append(replace(whole, read_as=matches.read_as, districts=districts))
    notes = tuple(dict.fromkeys(n for m in found for n in m.notes))
    return Trend(request, queries, by, measure, per, periods, tuple(series), notes)


def checked_arguments(queries: Sequence[str], by: str, measure: str, per: str | None) -> tuple[str, ...]:
    """The non-blank queries; ValueError names a bad argument (every engine's trend asks this)."""
    queries = tuple(q for q in (q.strip() for q in queries) if q)
    if not 1 <= len(queries) <= MAX_QUERIES:
        raise ValueError(f"give 1 to {MAX_QUERIES} queries, not {len(queries)}")
    if by not in BY:
        raise ValueError(f"by must be one of {', '.join(BY)}, not {by!r}")
    if measure not in MEASURES:
        raise ValueError(f"measure must be one of {', '.join(MEASURES)}, not {measure!r}")
    if per is not None and per not in PER:
        raise ValueError(f"per must be {' or '.join(PER)}, not {per!r}")
    return queries


def _axis(by: str, present: set[str]) -> tuple[str, ...]:
    """Every period from the first to the last present one."""
    if not present:
        return ()
    first, last = min(present), max(present)
    if by == "year":
        return tuple(str(y) for y in range(int(first), int(last) + 1))
    months = []
    year, month = int(first[:4]), int(first[5:7])
    while f"{year:04d}-{month:02d}" <= last:
        months.append(f"{year:04d}-{month:02d}")
        year, month = (year + 1, 1) if month == 12 else (year, month + 1)
    return tuple(months)


def _base_counts(snapshot: Snapshot, base: frozenset[int], period_of, by: str, per: str | None):
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


def _series(snapshot, matches: Matches, picks, district, periods, period_of, base: Counter,
            is_district: bool = False) -> Series:
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
    points = tuple(
        Point(p, documents[p], occurrences[p], round(1000 * documents[p] / base[p], 2) if base[p] else 0.0)
        for p in periods
    )
    return Series(
        query=matches.query,
        district=district,
        is_district=is_district,
        total_documents=sum(documents.values()),
        total_occurrences=sum(occurrences.values()),
        undated_documents=documents[None],
        undated_occurrences=occurrences[None],
        first_appearance=first,
        points=points,
    )


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
    return Counter(dict(zip(periods, documents))), Counter(dict(zip(periods, occurrences.astype(np.int64).tolist())))


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
        first = min((rank[matches.docs[i]] for i in by_district[s.district] if rank[matches.docs[i]] >= 0), default=None)
        return (s.district is None, first is None, first or 0, -s.total_documents, s.district or "")

    return tuple(sorted(series, key=order))


CSV_COLUMNS = ("query", "district", "period", "documents", "occurrences", "per_mille")
UNDATED = "undated"


def trend_rows(result: Trend):
    """The trend as CSV rows after ``CSV_COLUMNS``: each series' periods, then its undated count.

    Per district, each query's rows are followed by its districts' rows.
    """
    for query_series in result.series:
        for s in (query_series, *(query_series.districts or ())):
            district = (s.district or "") if s.is_district else ""
            for p in s.points:
                yield (query_series.query, district, p.period, p.documents, p.occurrences, p.per_mille)
            yield (query_series.query, district, UNDATED, s.undated_documents, s.undated_occurrences, "")
