"""Facet values as a person reads them, from the counts any engine returns (engine-neutral).

- 发文机关: an engine counts each stored issuer (a joint one is ``中共中央、国务院``); the facet
  lists each organ once, counted as its filter matches (``issuer:国务院`` matches a part of a name,
  so 国务院's count holds 国务院办公厅's and 中共中央、国务院's documents): a count is what a click gives.
- 区域: an engine counts each stored place; the facet is a path (全国 / 河南省 / 郑州市 / 二七区)
  shown one level at a time, each place counted with the places below it (``district:郑州市``
  matches its districts).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from search.meta.organs import issuer_organs
from search.meta.places import NATIONAL, children, place_path
from search.query.request import FacetValue
from search.text.normalize import normalize_query


def organ_facet(values: Iterable[FacetValue]) -> tuple[FacetValue, ...]:
    """Stored issuers' counts -> each organ's count as ``issuer:organ`` would match, most first."""
    stored = [(normalize_query(v.value), v.count) for v in values]
    organs = {organ for v in values for organ in issuer_organs(v.value)}
    counted = []
    for organ in organs:
        folded = normalize_query(organ)
        counted.append((organ, sum(n for issuer, n in stored if folded in issuer)))
    counted.sort(key=lambda item: (-item[1], item[0]))
    return tuple(FacetValue(v, c) for v, c in counted if c > 0)


@dataclass(frozen=True)
class PlaceLevel:
    """One level of the 区域 facet: where it is (the path from the top), and its places with counts
    that include the places below them; ``deeper`` says which of them have places below."""

    path: tuple[str, ...]  # () at the top; (河南省, 郑州市) inside 郑州市
    places: tuple[FacetValue, ...]
    deeper: frozenset[str]


def rolled_up(values: Iterable[FacetValue]) -> dict[str, int]:
    """Each place's documents, its own and those of every place below it."""
    rolled = getattr(values, "rolled", None)
    if rolled is not None:  # counted by the engine (去重: clusters, search.dedup)
        return dict(rolled)
    totals: dict[str, int] = {}
    for value in values:
        for place in place_path(value.value):
            if place == NATIONAL and value.value != NATIONAL:
                continue  # 全国 counts the national documents only, not every place's
            totals[place] = totals.get(place, 0) + value.count
    return totals


def place_level(values: Sequence[FacetValue], path: Sequence[str] = ()) -> PlaceLevel:
    """The places right below ``path`` (the top: 全国 and the provinces, and any place the gazetteer
    does not know; else the places in ``path[-1]``) with their rolled-up counts, most first."""
    totals = rolled_up(values)
    if path:
        names = [n for n in children(path[-1]) if totals.get(n)]
    else:
        names = [n for n in totals if place_path(n)[:-1] in ((), (NATIONAL,))]
    # A place's own documents (filed under 郑州市 itself) are not listed apart: district:郑州市
    # matches its districts too, so no click would give that count alone.
    places = sorted(((n, totals[n]) for n in names), key=lambda item: (-item[1], item[0]))
    listed = tuple(FacetValue(n, c) for n, c in places)
    deeper = frozenset(n for n, _ in places if n != NATIONAL and any(totals.get(c) for c in children(n)))
    return PlaceLevel(tuple(path), listed, deeper)


# The fields a reviewer reads, in the order of the results page's sidebar (and their facet names).
REVIEWED = (
    ("district", "区域"),
    ("issuer", "发文机关"),
    ("docno", "文号"),
    ("type", "文种"),
    ("topic", "主题"),
    ("year", "年份"),
)
UNKNOWN = "(不详)"


def most_common(facets: dict[str, tuple[FacetValue, ...]], total: int, top: int = 20) -> dict[str, list]:
    """The most common values of each reviewed field with their counts, and how many documents
    have none (``(不详)``), from a request's facets over the whole archive: a wrong value shows at a
    glance. Places are the stored ones (二七区, not rolled up to 郑州市)."""
    summary = {}
    for name, _title in REVIEWED:
        values = facets.get(name, ())
        ordered = sorted(values, key=lambda v: (-v.count, v.value)) if name == "year" else list(values)
        rows = [(v.value, v.count) for v in ordered[:top]]
        if name in ("district", "docno", "type", "year"):  # one value a document: the rest have none
            rows.append((UNKNOWN, total - sum(v.count for v in values)))
        summary[name] = rows
    return summary
