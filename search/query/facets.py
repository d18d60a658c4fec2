"""Facet counts over a whole result set."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from itertools import chain

from ..archive import Snapshot
from ..docsets import doc_list, docset
from .request import FacetValue


def _facet_counters(snapshot: Snapshot, docs: list[int]) -> dict[str, Counter]:
    return {
        "district": Counter(map(snapshot.district.__getitem__, docs)),
        "year": Counter(map(snapshot.year.__getitem__, docs)),
        "month": Counter(map(snapshot.month.__getitem__, docs)),
        "topic": Counter(chain.from_iterable(map(snapshot.topics.__getitem__, docs))),
        "issuer": Counter(map(snapshot.issuer.__getitem__, docs)),
        "type": Counter(map(snapshot.doc_type.__getitem__, docs)),
        "docno": Counter(map(doc_number_series(snapshot).__getitem__, docs)),
    }


def doc_number_series(snapshot: Snapshot) -> list[str | None]:
    """Each document's 文号 series with its opening bracket (郑政〔2021〕5号 -> 郑政〔), once per snapshot:
    as a ``docno:`` value it matches that series and not a longer one (郑政办文〔)."""
    return snapshot.cached(
        "doc number series", lambda: [v.split("〔")[0] + "〔" if v else None for v in snapshot.doc_number]
    )


def archive_facet_counts(snapshot: Snapshot) -> dict[str, Counter]:
    """The facet counts of every live document (once per snapshot)."""
    return snapshot.cached("facet counts", lambda: _facet_counters(snapshot, doc_list(snapshot.live)))


def count_facets(snapshot: Snapshot, docs: Iterable[int]) -> dict[str, tuple[FacetValue, ...]]:
    """Facet counts over the whole result set: district, topic, issuer, type and 文号 series by count,
    year and month newest first.

    A result set holding most of the archive is counted as the archive's
    counts (computed once per snapshot) minus those of the documents it lacks.
    """
    docs = docset(docs)
    live = snapshot.live
    if len(docs) > len(live) // 2:
        everything = archive_facet_counts(snapshot)
        missing = _facet_counters(snapshot, doc_list(live - docs))
        counters = {name: everything[name] - missing[name] for name in everything}
    else:
        counters = _facet_counters(snapshot, doc_list(docs))
    facets = {}
    for name, counter in counters.items():
        counter.pop(None, None)
        if name in ("year", "month"):
            ordered = sorted(counter.items(), reverse=True)
        else:
            ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        facets[name] = tuple(FacetValue(v, c) for v, c in ordered if c > 0)
    return facets
