"""Facet counts over a whole result set, from the snapshot's coded columns (``search/engines/embedded/columns.py``).

A facet of few values over a large result set is counted as
``len(result & value bitmap)`` per value (``intersection_cardinality``, in C);
otherwise as one ``bincount`` of the column's codes over the result set (the
faster of the two by measurement: a result set of 40,000 news documents counts
its year in 0.01 ms by bitmaps against 2.2 ms by codes, the topics (6,206
combinations) in 5.6 ms by codes against 6.5 ms by bitmaps).  Counts are then
summed per value (a document's topics are one value per combination, counted
per topic by one weighted ``bincount``).
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from search.engines.embedded.archive import Snapshot
from search.engines.embedded.columns import Column
from search.engines.embedded.docsets import doc_array, docset
from search.meta.issuers import doc_number_series as series_of
from search.query.facet_values import organ_facet
from search.query.request import FacetValue


def facet_columns(snapshot: Snapshot) -> dict[str, Column]:
    """The column each facet is counted over (values: one name, or a tuple of names for topics)."""
    return {
        "district": snapshot.district,
        "year": snapshot.year,
        "month": snapshot.month,
        "topic": snapshot.topics,
        "issuer": snapshot.issuer,
        "type": snapshot.doc_type,
        "docno": doc_number_series(snapshot),
    }


# Bitmaps when the result set holds more than this many documents per value of the facet.
BITMAPS_FROM = 64


def facet_counters(snapshot: Snapshot, docs: Iterable[int], names: Iterable[str] | None = None) -> dict[str, Counter]:
    docs = docset(docs)
    at = None
    columns = facet_columns(snapshot)
    counters = {}
    for name in names or columns:
        column = columns[name]
        if len(column.values) * BITMAPS_FROM < len(docs):
            counts = np.array([docs.intersection_cardinality(d) for d in column.value_docs()], dtype=np.int64)
        else:
            at = doc_array(docs) if at is None else at
            counts = column.code_counts(at)
        counter: Counter = Counter()
        if name == "topic":  # a document's topics are one value: counted per topic through its members
            codes, members, topics = column.members()
            by_topic = np.bincount(members, weights=counts[codes], minlength=len(topics)).astype(np.int64)
            counter.update({topics[i]: int(by_topic[i]) for i in by_topic.nonzero()[0].tolist()})
        else:
            values = column.values
            for code in counts.nonzero()[0].tolist():
                counter[values[code]] += int(counts[code])
        counters[name] = counter
    return counters


def doc_number_series(snapshot: Snapshot) -> Column:
    """Each document's 文号 series, its code and year (郑政〔2021〕5号 -> 郑政〔2021〕), once per snapshot:
    as a ``docno:`` value it matches that series and not a longer code's (郑政办文〔2021〕)."""
    return snapshot.cached("doc number series", lambda: snapshot.doc_number.derived(series_of))


def archive_facet_counts(snapshot: Snapshot) -> dict[str, Counter]:
    """The facet counts of every live document (once per snapshot)."""
    return snapshot.cached("facet counts", lambda: facet_counters(snapshot, snapshot.live))


def count_facets(
    snapshot: Snapshot, docs: Iterable[int], names: Iterable[str] | None = None
) -> dict[str, tuple[FacetValue, ...]]:
    """Facet counts over the whole result set (only the facets ``names``, when given): district, topic,
    issuer, type and 文号 series by count, year and month newest first."""
    facets = {}
    for name, counter in facet_counters(snapshot, docs, names).items():
        counter.pop(None, None)
        if name in ("year", "month"):
            ordered = sorted(counter.items(), reverse=True)
        else:
            ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        facets[name] = tuple(FacetValue(v, c) for v, c in ordered if c > 0)
    if "issuer" in facets:
        facets["issuer"] = organ_facet(facets["issuer"])
    return facets
