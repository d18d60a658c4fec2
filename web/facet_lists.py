"""The results page's facet lists, as a person can use them: at most ``SHOWN`` values a facet with
the rest behind 更多 (a filter box narrows them), the last ten years, and 区域 as a place hierarchy
shown one level at a time, the home area first and open.

Every value's count is what clicking it gives: a place counts the places below it, since
``district:郑州市`` matches its districts (``search.query.facet_values``).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from search.meta.places import NATIONAL, children, place_path
from search.query import FacetValue, SearchRequest, SearchResults
from search.query.facet_values import place_level, rolled_up
from search.query.request import FACET_ATTRIBUTES

SHOWN = 10  # values a facet shows before 更多
HOME_PLACES_SHOWN = 6  # of the ten 区域 values, the home area's own places (the rest behind its 更多)
DEFAULT_HOME = "郑州市"  # the area listed first and open unless `search serve --home` names another

FACET_TITLES = {
    "district": "区域",
    "year": "年份",
    "month": "月份",
    "topic": "主题",
    "issuer": "发文机关",
    "type": "文种",
    "docno": "文号",
}
FACET_FIELDS = FACET_ATTRIBUTES  # facet name -> request attribute (search.query.request)


@dataclass(frozen=True)
class FacetEntry:
    value: str
    label: str
    count: int
    selected: bool
    toggle_url: str
    children: tuple[FacetEntry, ...] = ()  # a year's months; the home area's places
    more: tuple[FacetEntry, ...] = ()  # children behind 更多
    deeper: bool = False  # a place with places below it (clicking it opens them)


@dataclass(frozen=True)
class FacetGroup:
    name: str
    title: str
    entries: tuple[FacetEntry, ...]
    hidden: tuple[FacetEntry, ...] = ()  # behind 更多, with a filter box
    trail: tuple[tuple[str, str | None], ...] = ()  # 区域: (label, URL) from the top to the level shown


def _split(values: list[FacetEntry], shown: int = SHOWN) -> tuple[tuple[FacetEntry, ...], tuple[FacetEntry, ...]]:
    """The first ``shown`` values and the selected ones; the rest (for 更多)."""
    first = [v for i, v in enumerate(values) if i < shown or v.selected]
    return tuple(first), tuple(v for v in values if v not in first)


def docno_label(series: str) -> str:
    """A 文号 series as a person reads it: 郑政〔2021〕 -> 郑政〔2021〕…号, 国令 -> 国令第…号."""
    if series.endswith("〕"):
        return f"{series}…号"
    return f"{series}第…号" if series.endswith("令") else series


def facet_groups(
    request: SearchRequest,
    results: SearchResults,
    toggle_urls: Callable,
    url_of: Callable,
    home: str | None = DEFAULT_HOME,
) -> list[FacetGroup]:
    """Every facet's group; ``toggle_urls(request, name, values)`` and ``url_of(request)`` make the links."""
    counts = {name: results.facets.get(name, ()) for name in FACET_FIELDS}

    def entries(name: str, values: Sequence[FacetValue], label: Callable[[str], str] = str) -> list[FacetEntry]:
        selected = {str(v) for v in getattr(request, FACET_FIELDS[name])}
        listed = [(f.value, f.count) for f in values]
        listed += [(v, 0) for v in sorted(selected - {v for v, _ in listed})]
        urls = toggle_urls(request, name, [v for v, _ in listed])
        return [FacetEntry(v, label(v), c, v in selected, url) for (v, c), url in zip(listed, urls, strict=True)]

    months = entries("month", counts["month"], lambda m: f"{int(m[5:])}月")
    selected_years = {str(y) for y in request.years} | {m[:4] for m in request.months}
    years = [
        replace(y, children=tuple(m for m in months if m.value[:4] == y.value)) if y.value in selected_years else y
        for y in entries("year", counts["year"], lambda y: f"{y}年")
    ]
    groups = [
        district_group(request, counts["district"], url_of, home),
        FacetGroup("year", "年份 → 月份", *_split(years)),
    ]
    for name in ("topic", "type", "issuer", "docno"):
        values = entries(name, counts[name], docno_label if name == "docno" else str)
        if values:
            groups.append(FacetGroup(name, FACET_TITLES[name], *_split(values)))
    return groups


def _trail_of(name: str) -> tuple[str, ...]:
    """A place's path below 全国 (二七区 -> 河南省, 郑州市, 二七区)."""
    return tuple(p for p in place_path(name) if p != NATIONAL)


def district_group(
    request: SearchRequest, values: Sequence[FacetValue], url_of: Callable, home: str | None
) -> FacetGroup:
    """区域 one level at a time: the top (the home area first, open), or the places in the one place
    selected (its siblings when it has none below it), with the way back up."""
    totals = rolled_up(values)
    selected = request.districts
    level: tuple[str, ...] = ()
    if len(selected) == 1 and selected[0] in totals:
        above = _trail_of(selected[0])
        has_below = any(totals.get(c) for c in children(selected[0]))
        level = above if has_below else above[:-1]

    def entry(name: str, count: int, **more: Any) -> FacetEntry:
        chosen = name in selected
        if chosen:
            districts = tuple(d for d in selected if d != name)
        else:  # going down replaces the place above it; another place is added (either matches)
            districts = (*(d for d in selected if d not in place_path(name)), name)
        label = "全国（中央和国家）" if name == NATIONAL else name
        return FacetEntry(name, label, count, chosen, url_of(replace(request, districts=districts, page=1)), **more)

    shown = place_level(values, level)
    listed = [entry(v.value, v.count, deeper=v.value in shown.deeper) for v in shown.places]
    listed += [entry(d, 0) for d in selected if d not in totals and not level]
    trail: tuple[tuple[str, str | None], ...] = ()
    if level:
        trail = (("全部区域", url_of(replace(request, districts=(), page=1))),)
        trail += tuple(
            (p, url_of(replace(request, districts=(p,), page=1)) if p not in selected else None) for p in level
        )
    elif home and totals.get(home):
        # The home area first and open; it and its places count toward the facet's ten values.
        inner = place_level(values, _trail_of(home))
        places = [entry(v.value, v.count, deeper=v.value in inner.deeper) for v in inner.places]
        first, rest = _split(places, HOME_PLACES_SHOWN)
        others = [e for e in listed if e.value != home]
        head, hidden = _split(others, SHOWN - 1 - len(first))
        return FacetGroup(
            "district",
            FACET_TITLES["district"],
            (entry(home, totals[home], children=first, more=rest, deeper=True), *head),
            hidden,
        )
    head, hidden = _split(listed)
    return FacetGroup("district", FACET_TITLES["district"], head, hidden, trail)
