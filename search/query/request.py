"""What defines a results page (``SearchRequest``) and what it holds (``SearchResults``, ``Hit``)."""

from __future__ import annotations

import math
import re
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from search.query.parser import MAX_PER_PAGE, MODES, SORTS

# The one map from a facet's name (URL parameter, field) to the request attribute holding its selected values.
FACET_ATTRIBUTES = {
    "district": "districts",
    "topic": "topics",
    "year": "years",
    "month": "months",
    "issuer": "issuers",
    "type": "doc_types",
    "docno": "doc_numbers",
}


@dataclass(frozen=True)
class SearchRequest:
    """Everything that defines a results page; round-trips through URLs and CLI options."""

    q: str = ""
    mode: str = "exact"
    districts: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    issuers: tuple[str, ...] = ()
    doc_types: tuple[str, ...] = ()
    doc_numbers: tuple[str, ...] = ()  # 文号 or a part of one (the facet's values are series: 郑政〔)
    years: tuple[int, ...] = ()
    months: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10
    variants: bool = False  # 含同义词: every phrase that is in the variants dictionary matches its group
    dedup: bool = False  # 去重: one hit per reprint cluster, every count a number of clusters (search.dedup)
    copies: str = ""  # a document's id: only the copies of that document (its cluster), as 另有 N 篇转载 opens them

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"the page size must be between 1 and {MAX_PER_PAGE}")
        if self.page < 1:
            raise ValueError("the page number must be 1 or more")
        for month in self.months:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise ValueError(f"month must look like 2020-07, not {month!r}")

    @classmethod
    def from_args(cls, args: Mapping) -> SearchRequest:
        """From a URL query string (a MultiDict or a plain mapping); ValueError on bad values."""
        getlist = getattr(args, "getlist", lambda k: [args[k]] if k in args else [])
        return cls(
            q=_first(getlist, "q") or "",
            mode=_first(getlist, "mode") or "exact",
            districts=_values(getlist, "district"),
            topics=_values(getlist, "topic"),
            issuers=_values(getlist, "issuer"),
            doc_types=_values(getlist, "type"),
            doc_numbers=_values(getlist, "docno"),
            years=_years(getlist),
            months=_values(getlist, "month"),
            date_from=_first(getlist, "from") or None,
            date_to=_first(getlist, "to") or None,
            sort=_first(getlist, "sort") or "relevance",
            page=_integer(getlist, "page", 1),
            per_page=_integer(getlist, "per_page", 10),
            variants=(_first(getlist, "variants") or "") in ("1", "on", "true"),
            dedup=(_first(getlist, "dedup") or "") in ("1", "on", "true"),
            copies=(_first(getlist, "copies") or "").strip(),
        )

    def to_args(self) -> list[tuple[str, str]]:
        """The URL query string pairs (defaults left out), inverse of ``from_args``."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        if self.mode != "exact":
            pairs.append(("mode", self.mode))
        pairs += [("district", d) for d in self.districts]
        pairs += [("topic", t) for t in self.topics]
        pairs += [("issuer", i) for i in self.issuers]
        pairs += [("type", t) for t in self.doc_types]
        pairs += [("docno", d) for d in self.doc_numbers]
        pairs += [("year", str(y)) for y in self.years]
        pairs += [("month", m) for m in self.months]
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.per_page != 10:
            pairs.append(("per_page", str(self.per_page)))
        if self.variants:
            pairs.append(("variants", "1"))
        if self.dedup:
            pairs.append(("dedup", "1"))
        if self.copies:
            pairs.append(("copies", self.copies))
        return pairs

    def toggle(self, facet: str, value: str) -> SearchRequest:
        """This request with one facet value added or removed (back to page 1)."""
        name = FACET_ATTRIBUTES[facet]
        current = getattr(self, name)
        wanted: str | int = int(value) if facet == "year" else value
        new = tuple(v for v in current if v != wanted) if wanted in current else (*current, wanted)
        changes: dict[str, Any] = {name: new, "page": 1}  # the field is named at run time
        return replace(self, **changes)

    def with_page(self, page: int) -> SearchRequest:
        """This request on another results page."""
        return replace(self, page=page)


def _first(getlist: Callable[[str], list], name: str) -> str | None:
    """The first value of a URL argument, None when absent."""
    values = getlist(name)
    return values[0] if values else None


def _values(getlist: Callable[[str], list], name: str) -> tuple[str, ...]:
    """Every non-empty value of a repeatable URL argument."""
    return tuple(v for v in getlist(name) if v)


def _integer(getlist: Callable[[str], list], name: str, default: int) -> int:
    """A whole-number URL argument (``default`` when absent or empty); ValueError otherwise."""
    raw = _first(getlist, name)
    if raw in (None, ""):
        return default
    try:
        return int(raw)
    except ValueError:
        raise ValueError(f"{name} must be a whole number, not {raw!r}") from None


def _years(getlist: Callable[[str], list]) -> tuple[int, ...]:
    """The ``year`` arguments, each four digits; ValueError otherwise."""
    years = []
    for raw in getlist("year"):
        if not re.fullmatch(r"\d{4}", raw or ""):
            raise ValueError(f"year must be four digits, not {raw!r}")
        years.append(int(raw))
    return tuple(years)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    district: str | None
    date: str | None
    topics: tuple[str, ...]
    source: str
    score: float
    snippets: tuple[str, ...]
    # For a query with expanded variants: the members this document holds.
    variants: tuple[str, ...] = ()
    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    date_source: str | None = None
    district_source: str | None = None
    text_source: str = "text"  # "ocr" or "mixed": the text (some of it) recognised from page images
    reprints: int | None = None  # with 去重: the other copies of its cluster in the result (另有 N 篇转载)

    def to_json(self) -> dict:
        """The hit as a JSON object (the CLI's ``--json`` and the web's JSON answers)."""
        extra = {} if self.reprints is None else {"reprints": self.reprints}
        return {
            "id": self.id,
            "title": self.title,
            "district": self.district,
            "date": self.date,
            "topics": list(self.topics),
            "source": self.source,
            "score": self.score,
            "snippets": list(self.snippets),
            "variants": list(self.variants),
            "issuer": self.issuer,
            "doc_number": self.doc_number,
            "doc_type": self.doc_type,
            "date_source": self.date_source,
            "district_source": self.district_source,
            "text_source": self.text_source,
            **extra,
        }


@dataclass(frozen=True)
class SearchResults:
    request: SearchRequest
    read_as: str
    notes: tuple[str, ...]
    phrases: tuple[str, ...]
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)
    # The further copies of a cluster among the matches (what 去重 hides; with 去重, what it hid).
    reprints: int = 0

    @property
    def pages(self) -> int:
        """The number of results pages (at least 1)."""
        return max(1, math.ceil(self.total / self.request.per_page))

    def to_json(self) -> dict:
        """The results as a JSON object: the request, how the query was read, the hits and the facets."""
        return {
            "query": self.request.q,
            "mode": self.request.mode,
            "read_as": self.read_as,
            "notes": list(self.notes),
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "took_ms": self.took_ms,
            "hits": [h.to_json() for h in self.hits],
            "facets": {
                name: [{"value": f.value, "count": f.count} for f in values] for name, values in self.facets.items()
            },
            **(
                {"dedup": True, "reprints": self.reprints}
                if self.request.dedup
                else {"reprints": self.reprints}
                if self.reprints
                else {}
            ),
        }
