"""Counting once: the 去重 switch's arithmetic over a snapshot's cluster table (embedded engine).

With the switch on, every count is a number of clusters: the total is the
number of distinct clusters among the matching documents, a facet value's count
the number of distinct clusters among the matching documents with that value
(what clicking it gives as a total), a trend point the number among the period's.
The result list shows one document per cluster, its ``representative``: the
canonical copy when it matches, else the matching copy first in the canonical
order; beside it, how many other copies the result holds (另有 N 篇转载).

Every function takes the documents the asker may see already intersected in,
so a hidden copy is never counted, never named, and never a representative.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable

import numpy as np

from search.dedup.store import table_of
from search.engines.embedded.docsets import EMPTY, DocSet, doc_array, docset
from search.meta.organs import issuer_organs
from search.text.normalize import normalize_query


def cluster_of(snapshot) -> np.ndarray:
    """Each document's cluster (its canonical copy's number; -1 for a deleted document)."""
    return table_of(snapshot).canonical


def in_copies(snapshot) -> np.ndarray:
    """Per document number, whether it is in a cluster of two or more (once per snapshot).

    Most documents are no one's copy: every count is the plain count of those plus the clusters
    among the few that are, so 去重 costs little more than counting without it."""

    def compute() -> np.ndarray:
        canonical = cluster_of(snapshot)
        live = canonical >= 0
        sizes = np.bincount(canonical[live], minlength=len(canonical))
        return live & (sizes[np.maximum(canonical, 0)] > 1)

    return snapshot.cached("dedup copies", compute)


def _copies_among(snapshot, docs) -> tuple[np.ndarray, np.ndarray]:
    """(``docs`` as an array, those of them that are in clusters of two or more)."""
    at = doc_array(docs)
    return at, at[in_copies(snapshot)[at]]


def distinct_clusters(snapshot, docs) -> int:
    """How many clusters ``docs`` touch."""
    at, copies = _copies_among(snapshot, docs)
    return len(at) - len(copies) + len(np.unique(cluster_of(snapshot)[copies]))


def reprints_in(snapshot, docs) -> int:
    """How many of ``docs`` are further copies of a cluster already among them (what 去重 would hide)."""
    return len(doc_array(docs)) - distinct_clusters(snapshot, docs)


def representatives(snapshot, docs, by: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """(one document per cluster of ``docs``, ascending; how many other copies of it ``docs`` hold).

    ``by`` (a code per document number, e.g. a period) makes it one per cluster and code."""
    table = table_of(snapshot)
    everything, at = _copies_among(snapshot, docs)
    alone = everything[~in_copies(snapshot)[everything]]  # their own representatives, no other copy
    if not len(at):
        return alone, np.zeros(len(alone), dtype=np.int64)
    clusters = table.canonical[at]
    keys = [table.preference[at], clusters] if by is None else [table.preference[at], clusters, by[at]]
    order = np.lexsort(keys)
    group = clusters[order] if by is None else clusters[order] * (int(by.max()) + 1) + by[at][order]
    first = np.concatenate([[True], group[1:] != group[:-1]])
    starts = np.flatnonzero(first)
    sizes = np.diff(np.concatenate([starts, [len(at)]]))
    chosen = np.concatenate([alone, at[order][starts]])
    others = np.concatenate([np.zeros(len(alone), dtype=np.int64), sizes - 1])
    ascending = np.argsort(chosen, kind="stable")
    return chosen[ascending], others[ascending]


class OtherCopies:
    """A representative's number of other copies (``others[docnum]``), looked up in sorted arrays."""

    def __init__(self, chosen: np.ndarray, others: np.ndarray):
        self._chosen, self._others = chosen, others

    def __getitem__(self, docnum: int) -> int:
        at = int(np.searchsorted(self._chosen, docnum))
        return int(self._others[at]) if at < len(self._chosen) and self._chosen[at] == docnum else 0


def collapsed(snapshot, docs) -> tuple[DocSet, OtherCopies]:
    """The representatives as a set, and each one's count of other copies."""
    _, copies = _copies_among(snapshot, docs)
    if not len(copies):  # no copies among them: every document stands for itself
        return docset(docs), OtherCopies(np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64))
    chosen, others = representatives(snapshot, docs)
    kept = others > 0
    return (docset(chosen) if len(chosen) else EMPTY), OtherCopies(chosen[kept], others[kept])


def copies_of(snapshot, docnum: int) -> DocSet:
    """The documents of ``docnum``'s cluster, itself included."""
    return docset(table_of(snapshot).members(docnum))


def _pairs(column_codes: np.ndarray, clusters: np.ndarray, at: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct (code, cluster) pairs of the documents ``at``."""
    codes = column_codes[at].astype(np.int64)
    span = int(clusters.max()) + 2 if len(clusters) else 1
    unique = np.unique(codes * span + (clusters[at] + 1))
    return unique // span, unique % span - 1


def cluster_facet_counters(snapshot, docs, names: Iterable[str] | None = None) -> dict[str, Counter]:
    """Per facet, each value's number of distinct clusters among ``docs`` (stored values, as engines count)."""
    from search.engines.embedded.facets import facet_columns

    clusters = cluster_of(snapshot)
    at = doc_array(docs).astype(np.int64)
    columns = facet_columns(snapshot)
    counters: dict[str, Counter] = {}
    for name in names or columns:
        column = columns[name]
        codes, cluster = _pairs(column.codes, clusters, at)
        counter: Counter = Counter()
        if name == "topic":
            member_codes, members, topics = column.members()
            starts = np.searchsorted(member_codes, np.arange(len(column.values) + 1))
            many = starts[codes + 1] - starts[codes]
            row = np.repeat(np.arange(len(codes)), many)
            within = np.arange(len(row)) - np.repeat(np.cumsum(many) - many, many)
            member = members[starts[codes][row] + within]
            pairs = np.unique(member * (int(clusters.max()) + 2) + cluster[row] + 1) if len(row) else row
            by_topic = np.bincount(pairs // (int(clusters.max()) + 2), minlength=len(topics)) if len(row) else []
            counter.update({topics[i]: int(n) for i, n in enumerate(by_topic) if n})
        else:
            values = column.values
            for code, n in zip(*np.unique(codes, return_counts=True), strict=False):
                counter[values[int(code)]] += int(n)
        counters[name] = counter
    return counters


def organ_counts(snapshot, docs) -> Counter:
    """Each issuing organ's distinct clusters among ``docs``, counted as ``issuer:organ`` matches
    (a part of a stored issuer: 国务院 counts 国务院办公厅's documents), each cluster once."""
    at = doc_array(docs).astype(np.int64)
    codes, cluster = _pairs(snapshot.issuer.codes, cluster_of(snapshot), at)
    values = snapshot.issuer.values
    present = sorted(set(codes.tolist()))
    folded = {c: normalize_query(values[c]) for c in present if values[c]}
    organs = {organ for c in folded for organ in issuer_organs(values[c])}
    counts: Counter = Counter()
    for organ in organs:
        needle = normalize_query(organ)
        holding = np.asarray([c for c, issuer in folded.items() if needle in issuer], dtype=np.int64)
        counts[organ] = len(np.unique(cluster[np.isin(codes, holding)]))
    return counts


class RolledFacet(tuple):
    """The 区域 facet's stored places with their counts, and ``rolled``: each place's distinct clusters
    with the places below it (``facet_values.rolled_up`` takes them as they are: a sum would count a
    cluster reprinted in two districts twice under their city)."""

    rolled: dict[str, int]


def place_counts(snapshot, docs) -> dict[str, int]:
    """Each place's distinct clusters among ``docs``, its own and those of the places below it."""
    from search.meta.places import NATIONAL, place_path

    at = doc_array(docs).astype(np.int64)
    codes, cluster = _pairs(snapshot.district.codes, cluster_of(snapshot), at)
    values = snapshot.district.values
    holders: dict[str, list[int]] = {}
    for code in sorted(set(codes.tolist())):
        value = values[code]
        if not value:
            continue
        for place in place_path(value):
            if place == NATIONAL and value != NATIONAL:
                continue  # 全国 counts the national documents only (as rolled_up does)
            holders.setdefault(place, []).append(code)
    return {place: len(np.unique(cluster[np.isin(codes, np.asarray(held))])) for place, held in holders.items()}


def count_facets_once(snapshot, docs, names: Iterable[str] | None = None) -> dict:
    """``query.facets.count_facets`` with every count a number of distinct clusters: the plain counts
    of the documents that are no one's copy, plus the distinct clusters among those that are."""
    from search.engines.embedded.facets import facet_counters
    from search.query.facet_values import organ_facet, rolled_up
    from search.query.request import FacetValue

    _, copies = _copies_among(snapshot, docs)
    counters = facet_counters(snapshot, docs, names)
    if len(copies):
        for name, plain in facet_counters(snapshot, copies, names).items():
            counters[name].subtract(plain)
    alone = {name: Counter({v: c for v, c in counter.items() if c > 0}) for name, counter in counters.items()}
    facets = {}
    among_copies = cluster_facet_counters(snapshot, copies, list(alone)) if len(copies) else {}
    for name, counter in alone.items():
        counter = Counter(counter)
        counter.update(among_copies.get(name, {}))
        counter.pop(None, None)
        if name == "issuer":
            stored = [FacetValue(v, c) for v, c in alone[name].items() if v is not None]
            counter = Counter({f.value: f.count for f in organ_facet(stored)})
            counter.update(organ_counts(snapshot, copies) if len(copies) else {})
        if name in ("year", "month"):
            ordered = sorted(counter.items(), reverse=True)
        else:
            ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        facets[name] = tuple(FacetValue(v, c) for v, c in ordered if c > 0)
        if name == "district":
            facets[name] = RolledFacet(facets[name])
            rolled = Counter(rolled_up([FacetValue(v, c) for v, c in alone[name].items() if v is not None]))
            rolled.update(place_counts(snapshot, copies) if len(copies) else {})
            facets[name].rolled = dict(rolled)
    return facets


def restricted_to_copies(snapshot, request, visible: DocSet | None) -> DocSet | None:
    """``visible`` narrowed to the copies of ``request.copies`` (a document id) when it names one
    (none when the asker may not see that document: a hidden one's copies are not listed by it)."""
    if not getattr(request, "copies", ""):
        return visible
    from search.engines.embedded.documents import find_document

    docnum = find_document(snapshot, request.copies, visible=visible)
    if docnum is None:
        return EMPTY
    members = copies_of(snapshot, docnum)
    return members if visible is None else members & visible
