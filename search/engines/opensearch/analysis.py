"""Trend and concordance on the OpenSearch engine: the same ``Trend`` and ``Concordance`` as the
embedded engine's (search/analysis/), counted the same way.

The matching documents come from the cluster (every one, paged by id); their
occurrences are counted by us in their search texts, exactly as
``analysis.matches`` counts them (each phrase non-overlapping, left to right).
The per-mille base (the documents the filters alone allow, per period) is a
terms aggregation.  Documents of the same date are in id order here, in index
order in the embedded engine: a concordance by date may order such ties apart.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace

from search.analysis.collocates import collocates as count_collocates
from search.analysis.concordance import PARAGRAPH_MARK, Concordance, Line, Occurrence, check_arguments
from search.analysis.trend import Series, Trend, checked_arguments, period_axis, series_of
from search.engines.opensearch.dedup import base_counts_once, once_remote
from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.query import QueryBuilder, visibility_clause
from search.meta import Taxonomy
from search.query import ParsedQuery, SearchRequest
from search.query.compose import occurrences_in, request_query, terms_to_mark, with_query
from search.text.normalize import search_text

SCAN_PAGE = 2000
_UNDATED = 10**9
_NO_DISTRICT = "\u0000"  # the terms aggregation's bucket for documents without a district


@dataclass(frozen=True)
class Found:
    """One matching document, as the analyses need it."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    published: str | None
    district: str | None
    text: str  # the search text: folded title, then paragraphs, "\n" between
    cluster: str = ""  # its reprint cluster (the canonical copy's id) and place in the canonical order
    cluster_rank: int = 0

    @property
    def rank(self) -> int:
        """Chronological: 2020 < 2020-07 < 2020-07-18; undated -1 (the embedded engine's date rank)."""
        if not self.published:
            return -1
        year, month, day = ([int(p) for p in self.published.split("-")] + [0, 0])[:3]
        return year * 10_000 + month * 100 + day

    def period(self, by: str) -> str | None:
        """The document's year (``by`` "year") or month, or None when its date does not say."""
        if by == "year":
            return self.published[:4] if self.published else None
        return self.published[:7] if self.published and len(self.published) >= 7 else None


@dataclass(frozen=True)
class RemoteMatches:
    query: str
    read_as: str
    notes: tuple[str, ...]
    phrases: tuple[str, ...]
    docs: tuple[Found, ...]  # by id
    occurrences: tuple[int, ...]  # parallel to docs
    base_query: dict  # the filters alone (no phrase): per-mille's denominator


def scan(cluster: OpenSearchEngine, query: dict) -> Iterator[Found]:
    """Every document ``query`` matches, by id, with its texts."""
    fields = ["id", "title", "paragraphs", "published", "district", "cluster", "cluster_rank"]
    for doc_id, source in cluster.sources(query, fields, batch=SCAN_PAGE):
        title, paragraphs = source.get("title") or "", tuple(source.get("paragraphs") or ())
        yield Found(
            doc_id,
            title,
            paragraphs,
            source.get("published"),
            source.get("district"),
            search_text(title, list(paragraphs)),
            source.get("cluster") or doc_id,
            int(source.get("cluster_rank") or 0),
        )


def find_matches(cluster: OpenSearchEngine, request, visible=None) -> RemoteMatches:
    """The documents ``request`` matches (of those the reader of ``visible`` may see), their occurrences."""
    parsed = request_query(request)
    phrases = terms_to_mark(parsed, request.mode)
    docs = tuple(scan(cluster, cluster.request_body(request, None, visible)))
    filters_only = ParsedQuery(tuple(g for g in parsed.groups if not any(a.is_phrase for a in g)))
    access = visibility_clause(visible)
    return RemoteMatches(
        query=request.q,
        read_as=parsed.describe(),
        notes=parsed.notes,
        phrases=phrases,
        docs=docs,
        occurrences=tuple(sum(d.text.count(p) for p in phrases) for d in docs),
        base_query=QueryBuilder(request.mode).query(filters_only, [access] if access else []),
    )


# -- trend ----------------------------------------------------------------------------------------


def trend(
    cluster: OpenSearchEngine,
    queries: Sequence[str],
    request,
    by: str = "year",
    measure: str = "documents",
    per: str | None = None,
    visible=None,
) -> Trend:
    """``search.analysis.trend.trend`` on the cluster; ValueError on a bad argument, as there."""
    queries = checked_arguments(queries, by, measure, per)
    found = [find_matches(cluster, with_query(request, q), visible) for q in queries]
    periods = period_axis(by, {p for m in found for d in m.docs if (p := d.period(by)) is not None})
    series = []
    for matches in found:
        if request.dedup:  # 去重: clusters per period (search.engines.opensearch.dedup), as the embedded engine counts
            base = base_counts_once(cluster, matches.base_query, by, _NO_DISTRICT)
            counted = once_remote(matches, lambda d: d.period(by))
        else:
            base, counted = _base_counts(cluster, matches.base_query, by), matches
        whole = _series(counted, range(len(counted.docs)), None, periods, by, base.get(None, Counter()))
        if request.dedup:
            whole = replace(whole, total_documents=len({d.cluster for d in matches.docs}))
        by_district = once_remote(matches, lambda d: (d.district, d.period(by))) if request.dedup else matches
        districts = _district_series(by_district, periods, by, base) if per == "district" else None
        series.append(replace(whole, read_as=matches.read_as, districts=districts))
    notes = tuple(dict.fromkeys(n for m in found for n in m.notes))
    return Trend(request, queries, by, measure, per, periods, tuple(series), notes)


def _base_counts(cluster: OpenSearchEngine, query: dict, by: str) -> dict[tuple[str, str | None] | None, Counter]:
    """Documents per period the filters allow: overall (key None) and per district (by name)."""
    periods = {"terms": {"field": by, "size": 10_000}}
    aggs = {
        "period": periods,
        "district": {
            "terms": {"field": "district", "size": 10_000, "missing": _NO_DISTRICT},
            "aggs": {"period": periods},
        },
    }
    answer = cluster.raw_search({"query": query, "size": 0, "aggs": aggs})["aggregations"]
    counts: dict[tuple[str, str | None] | None, Counter] = {
        None: Counter({b["key"]: b["doc_count"] for b in answer["period"]["buckets"]})
    }
    for bucket in answer["district"]["buckets"]:
        name = None if bucket["key"] == _NO_DISTRICT else bucket["key"]
        counts[("district", name)] = Counter({b["key"]: b["doc_count"] for b in bucket["period"]["buckets"]})
    return counts


def _series(matches: RemoteMatches, picks, district, periods, by: str, base: Counter, is_district=False) -> Series:
    docs = [matches.docs[i] for i in picks]
    counts = [matches.occurrences[i] for i in picks]
    in_period = [d.period(by) for d in docs]
    documents = Counter(in_period)
    occurrences: Counter = Counter()
    for period, count in zip(in_period, counts, strict=True):
        occurrences[period] += count
    dated = [d for d in docs if d.rank >= 0]
    first = min(dated, key=lambda d: d.rank).published if dated else None
    return series_of(matches.query, district, is_district, documents, occurrences, base, periods, first)


def _district_series(matches: RemoteMatches, periods, by: str, base) -> tuple[Series, ...]:
    """One series per district (unknown district last), earliest first appearance first."""
    by_district: dict[str | None, list[int]] = {}
    for i, doc in enumerate(matches.docs):
        by_district.setdefault(doc.district, []).append(i)
    series = [
        _series(matches, picks, district, periods, by, base.get(("district", district), Counter()), True)
        for district, picks in by_district.items()
    ]

    def order(s: Series):
        ranks = [matches.docs[i].rank for i in by_district[s.district] if matches.docs[i].rank >= 0]
        first = min(ranks, default=None)
        return (s.district is None, first is None, first or 0, -s.total_documents, s.district or "")

    return tuple(sorted(series, key=order))


# -- concordance ----------------------------------------------------------------------------------


def _occurrences(matches: RemoteMatches, order: str, width: int) -> list[tuple[Found, int, str]]:
    """Every (document, offset, phrase) in the concordance's order."""
    by_date = sorted(matches.docs, key=lambda d: d.rank if d.rank >= 0 else _UNDATED)  # stable: then id
    if order == "date":
        return [(d, offset, phrase) for d in by_date for offset, phrase in occurrences_in(d.text, matches.phrases)]
    keyed = []
    for number, doc in enumerate(matches.docs):
        date = doc.rank if doc.rank >= 0 else _UNDATED
        for offset, phrase in occurrences_in(doc.text, matches.phrases):
            if order == "right":
                key = doc.text[offset + len(phrase) : offset + len(phrase) + width]
            else:
                key = doc.text[max(0, offset - width) : offset][::-1]
            keyed.append((key, date, number, offset, phrase))
    keyed.sort()
    return [(matches.docs[number], offset, phrase) for _, _, number, offset, phrase in keyed]


def _line(doc: Found, offset: int, phrase: str, width: int) -> Line:
    display = "\n".join((doc.title, *doc.paragraphs))
    if len(display) != len(doc.text):  # never expected: folding keeps lengths
        display = doc.text
    end = offset + len(phrase)
    return Line(
        id=doc.id,
        title=doc.title,
        date=doc.published,
        district=doc.district,
        left=display[max(0, offset - width) : offset].replace("\n", PARAGRAPH_MARK),
        match=display[offset:end],
        right=display[end : end + width].replace("\n", PARAGRAPH_MARK),
        offset=offset,
    )


def concordance(
    cluster: OpenSearchEngine, request, order: str, width: int, sample_size: int = 0, visible=None
) -> Concordance:
    """One page of ``search.analysis.concordance.concordance`` on the cluster.

    ``sample_size`` > 0 also picks that many occurrences spread over the result set, as the embedded
    engine does; their ``docnum`` is the matching document itself (a ``Found``, with its text).
    """
    check_arguments(order, width)
    matches = find_matches(cluster, request, visible)
    if request.dedup:
        matches = once_remote(matches)
    first = (request.page - 1) * request.per_page
    picked = _occurrences(matches, order, width)[first : first + request.per_page]
    return Concordance(
        request=request,
        read_as=matches.read_as,
        notes=matches.notes,
        order=order,
        width=width,
        total_occurrences=sum(matches.occurrences),
        total_documents=len(matches.docs),
        lines=tuple(_line(d, o, p, width) for d, o, p in picked),
        sample=tuple(_spread_sample(matches, sample_size)) if sample_size else (),
    )


def _spread_sample(matches: RemoteMatches, size: int) -> Iterator[Occurrence[Found]]:
    """About ``size`` occurrences from documents spread evenly over the result set (the embedded rule)."""
    if not matches.docs:
        return
    step = max(1, len(matches.docs) // size)
    chosen = matches.docs[::step]
    each = None if sum(matches.occurrences) <= size else max(1, math.ceil(size / len(chosen)))
    taken = 0
    for doc in chosen:
        for offset, phrase in occurrences_in(doc.text, matches.phrases)[:each]:
            yield Occurrence(doc, offset, phrase)
            taken += 1
            if taken >= size:
                return


class _SampleTexts:
    """What ``analysis.collocates`` reads of a snapshot, for a sample whose documents carry their texts."""

    @staticmethod
    def search_text(found: Found) -> str:
        return found.text


def collocates(sample) -> tuple:
    """The words around the occurrences of a sample whose documents carry their texts."""
    return count_collocates(_SampleTexts(), sample)


def all_lines(cluster: OpenSearchEngine, request, order: str, width: int, visible=None) -> Iterator[Line]:
    """Every concordance line of the query from the cluster, in ``order``, streamed."""
    check_arguments(order, width)
    matches = find_matches(cluster, request, visible)
    if request.dedup:
        matches = once_remote(matches)
    return (_line(d, o, p, width) for d, o, p in _occurrences(matches, order, width))


def counts_by_period(
    engine: OpenSearchEngine,
    request: SearchRequest,
    period: str = "year",
    taxonomy: Taxonomy | None = None,
    *,
    visible: frozenset[str] | None = None,
) -> list[tuple[str, int]]:
    """Matching documents per year or per month (a date histogram), oldest first.

    A document counts in a month only when its date is known to the month
    (the month facet's rule); in a year, when its year is known.
    """
    if period not in ("year", "month"):
        raise ValueError("period must be year or month")
    engine.check()
    query = engine.request_body(request, taxonomy, visible)
    query = {"bool": {"filter": [query, {"exists": {"field": period}}]}}
    histogram = {
        "field": "date_start",
        "calendar_interval": period,
        "min_doc_count": 1,
        "format": "yyyy" if period == "year" else "yyyy-MM",
    }
    answer = engine.raw_search({"query": query, "size": 0, "aggs": {"period": {"date_histogram": histogram}}})
    return [(b["key_as_string"], b["doc_count"]) for b in answer["aggregations"]["period"]["buckets"]]
