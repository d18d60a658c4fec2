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
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from search.query import SearchRequest

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
        """The point's number for a measure: ``documents``, ``occurrences`` or ``per_mille``."""
        return getattr(self, measure)

    def to_json(self) -> dict:
        """The point as a JSON object."""
        return {
            "period": self.period,
            "documents": self.documents,
            "occurrences": self.occurrences,
            "per_mille": self.per_mille,
        }


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
        """The series as a JSON object, with its districts' series when counted per district."""
        data: dict[str, Any] = (
            {"district": self.district} if self.is_district else {"query": self.query, "read_as": self.read_as}
        )
        data.update(
            {
                "total_documents": self.total_documents,
                "total_occurrences": self.total_occurrences,
                "undated_documents": self.undated_documents,
                "undated_occurrences": self.undated_occurrences,
                "first_appearance": self.first_appearance,
                # A district's series lists only the periods it has documents in (the axis is the trend's
                # "periods"): dense, a month axis of 831 periods for 95 districts was 5.4 MB a query.
                "points": [p.to_json() for p in self.points if p.documents or not self.is_district],
            }
        )
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
    smooth: int = 0  # the points are moving averages over 2 * smooth + 1 periods (``smoothed``)

    def to_json(self) -> dict:
        """The trend as a JSON object: how it was counted and its series."""
        data: dict[str, Any] = {"by": self.by, "measure": self.measure}
        if self.per:
            data["per"] = self.per
        data["periods"] = list(self.periods)
        if self.smooth:
            data["smooth"] = self.smooth
        data["series"] = [s.to_json() for s in self.series]
        return data


def series_of(
    query: str,
    district: str | None,
    is_district: bool,
    documents: Counter,
    occurrences: Counter,
    base: Counter,
    periods: Sequence[str],
    first: str | None,
) -> Series:
    """A series from its documents and occurrences per period (None: undated) and each period's base
    (the per-mille's denominator): the one way both engines make one."""
    points = tuple(
        Point(p, documents[p], occurrences[p], round(1000 * documents[p] / base[p], 2) if base[p] else 0.0)
        for p in periods
    )
    return Series(
        query=query,
        district=district,
        is_district=is_district,
        total_documents=sum(documents.values()),
        total_occurrences=sum(occurrences.values()),
        undated_documents=documents[None],
        undated_occurrences=occurrences[None],
        first_appearance=first,
        points=points,
    )


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


def period_axis(by: str, present: set[str]) -> tuple[str, ...]:
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


SMOOTHING = range(4)


def smoothed(result: Trend, smooth: int) -> Trend:
    """The trend with each point the mean of the periods ``smooth`` before to ``smooth`` after it (fewer at
    the ends), as the Google Ngram viewer smooths: documents, occurrences and per-mille alike, rounded to
    2 decimals.  Totals and undated counts stay as counted; 0 is the trend itself."""
    if smooth not in SMOOTHING:
        raise ValueError(f"smooth must be 0 to {SMOOTHING[-1]}, not {smooth!r}")
    if not smooth:
        return result

    def line(series: Series) -> Series:
        points = series.points
        averaged = []
        for i, point in enumerate(points):
            window = points[max(0, i - smooth) : i + smooth + 1]
            averaged.append(
                Point(point.period, *(round(sum(getattr(p, m) for p in window) / len(window), 2) for m in MEASURES))
            )
        districts = tuple(line(d) for d in series.districts) if series.districts is not None else None
        return replace(series, points=tuple(averaged), districts=districts)

    return replace(result, series=tuple(line(s) for s in result.series), smooth=smooth)


CSV_COLUMNS = ("query", "district", "period", "documents", "occurrences", "per_mille")
UNDATED = "undated"


def trend_rows(result: Trend) -> Iterator[tuple]:
    """The trend as CSV rows after ``CSV_COLUMNS``: each series' periods, then its undated count.

    Per district, each query's rows are followed by its districts' rows.
    """
    for query_series in result.series:
        for s in (query_series, *(query_series.districts or ())):
            district = (s.district or "") if s.is_district else ""
            for p in s.points:
                yield (query_series.query, district, p.period, p.documents, p.occurrences, p.per_mille)
            yield (query_series.query, district, UNDATED, s.undated_documents, s.undated_occurrences, "")
