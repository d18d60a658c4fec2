"""What the templates show, computed from the library's plain data.

Every link a page offers (a facet value's toggle, a chip's removal, a sort, a
page, a suggestion) is a URL computed here, Datasette style, so templates stay
dumb and every state is a URL.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from typing import Any
from urllib.parse import quote_plus, urlencode

from flask import current_app, g, has_request_context, url_for
from markupsafe import Markup

from search.engines import Engine
from search.query import FacetValue, Hit, SearchRequest, SearchResults, parse_query
from search.query.variants import current_variants
from search.saved.store import request_args
from web.chart import Sparkline, sparkline
from web.dedup_view import DedupLine, copies_chip, copies_url, dedup_line
from web.facet_lists import DEFAULT_HOME, FACET_FIELDS, FACET_TITLES, FacetGroup, facet_groups

SORT_LABELS = (("relevance", "相关度"), ("newest", "最新"), ("oldest", "最早"))
MODE_LABELS = (("exact", "精确匹配"), ("words", "分词匹配"))
MAX_SUGGESTIONS = 6  # each is one more count: a no-hit request with many filters must not cost one per filter


def search_url(request: SearchRequest, endpoint: str = "web.search_page", **values: Any) -> str:
    """The URL of a request (only non-default parameters, in a stable order)."""
    pairs = request.to_args()
    return _path(endpoint, **values) + ("?" + _query_string(pairs) if pairs else "")


def _path(endpoint: str, **values: Any) -> str:
    """``url_for(endpoint, **values)``, built once per request for a view's own path: a results page
    links every facet value (over a hundred URLs), and Flask's URL building cost a third of the page."""
    if values or not has_request_context():
        return url_for(endpoint, **values)
    built = g.setdefault("built_paths", {})
    if endpoint not in built:
        built[endpoint] = url_for(endpoint)
    return built[endpoint]


def _query_string(pairs: list[tuple[str, str]]) -> str:
    """``urlencode(pairs)`` for text pairs, each key and value quoted once per process: a page's
    links repeat the same query and filters."""
    return "&".join(f"{_quoted(key)}={_quoted(value)}" for key, value in pairs)


@lru_cache(maxsize=8192)
def _quoted(text: str) -> str:
    return quote_plus(text, safe="")


# The order of ``SearchRequest.to_args``'s keys: a facet's pairs go back where that order puts them.
_ARG_ORDER = (
    "q",
    "mode",
    "district",
    "topic",
    "issuer",
    "type",
    "docno",
    "year",
    "month",
    "from",
    "to",
    "sort",
    "page",
    "per_page",
    "variants",
    "dedup",
    "copies",
)


def facet_urls(request: SearchRequest, name: str, values: Iterable[str]) -> list[str]:
    """``search_url(request.toggle(name, v))`` for each of ``values``: the request's other pairs are
    quoted and joined once per facet, not once per value (a page links 100+ values)."""
    pairs = (request if request.page == 1 else replace(request, page=1)).to_args()
    rank = _ARG_ORDER.index(name)
    at = sum(1 for key, _ in pairs if _ARG_ORDER.index(key) < rank)
    current = [value for key, value in pairs if key == name]
    before, after = _query_string(pairs[:at]), _query_string(pairs[at + len(current) :])
    path = _path("web.search_page")
    urls = []
    for value in values:
        value = str(int(value)) if name == "year" else value
        chosen = [v for v in current if v != value] if value in current else [*current, value]
        query = "&".join(part for part in (before, _query_string([(name, v) for v in chosen]), after) if part)
        urls.append(path + ("?" + query if query else ""))
    return urls


def document_url(doc_id: str, request: SearchRequest) -> str:
    """A document's URL carrying the search it was opened from (for marks and 返回结果)."""
    return search_url(request, "web.document", doc_id=doc_id)


def date_label(published: str | None) -> str:
    """``2020-07-18`` -> ``2020年7月18日``; ``2020-07`` -> ``2020年7月``; None -> ``日期不详``."""
    if not published:
        return "日期不详"
    parts = [int(p) for p in published.split("-")]
    return "".join(f"{n}{unit}" for n, unit in zip(parts, "年月日", strict=False))


# -- the results page ----------------------------------------------------------


@dataclass(frozen=True)
class Link:
    label: str
    url: str
    active: bool = False
    count: int | None = None
    value: str = ""


@dataclass(frozen=True)
class HitView:
    hit: Hit
    url: str
    date: str
    snippets: tuple[Markup, ...]
    copies_url: str = ""  # 另有 N 篇转载: the search listing its cluster's copies (web.dedup_view)


@dataclass(frozen=True)
class Pager:
    previous: str | None
    next: str | None
    pages: tuple[Link | None, ...]  # None: a gap (…)


@dataclass
class ResultsPage:
    request: SearchRequest
    results: SearchResults
    url: str
    hits: list[HitView]
    facets: list[FacetGroup]
    chips: list[Link]
    sorts: list[Link]
    modes: list[Link]
    pager: Pager
    notes: list[str]
    read_as: str | None
    suggestions: list[Link] = field(default_factory=list)
    did_you_mean: Link | None = None  # a zero-result query's nearest phrase the archive holds (您是不是要找)
    variants_offer: Link | None = None  # the same search with the query's variants (含同义词), with its count
    saved_args: str = ""
    first: int = 0
    trend_url: str | None = None  # the query over time, under the same filters
    kwic_url: str | None = None  # every occurrence in context
    sparkline: Sparkline | None = None  # matching documents per year, from the year facet
    dedup: DedupLine | None = None  # the reprints' line and the 去重 switch's other way (web.dedup_view)

    @property
    def hidden_fields(self) -> list[tuple[str, str]]:
        """The state the search form carries besides q and mode (so typing keeps the filters)."""
        return [
            (k, v)
            for k, v in self.request.to_args()
            if k not in ("q", "mode", "page", "from", "to", "variants", "dedup")
        ]

    @property
    def json_url(self) -> str:
        """The same search as JSON."""
        return search_url(self.request, "web.search_json")

    @property
    def csv_url(self) -> str:
        """The same search's results as CSV, from the first."""
        return search_url(replace(self.request, page=1), "web.search_csv_export")


def results_page(engine: Engine, request: SearchRequest, visible: object = None) -> ResultsPage:
    """Run the search and lay out everything the results page links to (over the ``visible`` documents)."""
    results = engine.search(request, visible=visible)
    hits = [
        HitView(
            h,
            document_url(h.id, request),
            date_label(h.date),
            tuple(Markup(s) for s in h.snippets),
            copies_url(request, h.id, search_url) if h.reprints else "",
        )
        for h in results.hits
    ]
    page = ResultsPage(
        request=request,
        results=results,
        url=search_url(request),
        hits=hits,
        facets=_facets(request, results),
        chips=_chips(request),
        sorts=[
            Link(label, search_url(replace(request, sort=s, page=1)), request.sort == s) for s, label in SORT_LABELS
        ],
        modes=[
            Link(label, search_url(replace(request, mode=m, page=1)), request.mode == m, value=m)
            for m, label in MODE_LABELS
        ],
        pager=pager(request.page, results.pages, lambda n: search_url(request.with_page(n))),
        notes=[translate_note(n) for n in results.notes],
        read_as=_read_as(request, results),
        saved_args=urlencode(request_args(request)),
        first=(request.page - 1) * request.per_page,
    )
    if request.q.strip() and results.total:
        plain = replace(request, page=1, per_page=10, sort="relevance")
        page.trend_url = search_url(plain, "analysis.trend_view")
        page.kwic_url = search_url(plain, "analysis.kwic_view")
    page.sparkline = year_sparkline(results.facets.get("year", ()))
    if results.total == 0:
        page.suggestions = _suggestions(engine, request, visible)
        page.did_you_mean = did_you_mean(engine, request, visible)
    page.variants_offer = _variants_offer(engine, request, visible)
    page.dedup = dedup_line(request, results, search_url)
    return page


def year_sparkline(years: Iterable[FacetValue]) -> Sparkline | None:
    """The year facet's counts as a sparkline, oldest first, years without a match as zero."""
    counts = {int(f.value): f.count for f in years if f.value.isdigit()}
    if len(counts) < 2:
        return None
    return sparkline([(str(y), counts.get(y, 0)) for y in range(min(counts), max(counts) + 1)])


def _count(engine: Engine, request: SearchRequest, visible: object) -> SearchResults:
    """The total and facets of a request, at the least cost (one hit, no ranking)."""
    return engine.search(replace(request, page=1, per_page=1, sort="newest"), visible=visible)


def _facets(request: SearchRequest, results: SearchResults) -> list[FacetGroup]:
    """Facets with counts; a facet with selected values counts as if it had none (the library does:
    ``SearchResults.facets``, over the documents the asker may see; the JSON twin carries them too).
    The home area (``search serve --home``) is listed first under 区域."""
    home = current_app.config.get("HOME_AREA", DEFAULT_HOME) if has_request_context() else DEFAULT_HOME
    return facet_groups(request, results, facet_urls, search_url, home)


def _chips(request: SearchRequest) -> list[Link]:
    """The selected filters, each with the URL that removes it."""
    chips = []
    for name, attribute in FACET_FIELDS.items():
        for value in getattr(request, attribute):
            label = date_label(str(value)) if name in ("year", "month") else str(value)
            chips.append(Link(f"{FACET_TITLES[name]}：{label}", search_url(request.toggle(name, str(value)))))
    if request.date_from or request.date_to:
        span = f"{request.date_from or '…'} 至 {request.date_to or '…'}"
        chips.append(Link(f"日期：{span}", search_url(replace(request, date_from=None, date_to=None, page=1))))
    copies = copies_chip(request, search_url)
    if copies:
        chips.append(Link(*copies))
    return chips


def pager(current: int, pages: int, url_of: Callable[[int], str]) -> Pager:
    """Links to the first, last and nearby pages (``url_of(n)`` is page n's URL), with gaps as None."""
    wanted = sorted({1, pages, *range(max(1, current - 2), min(pages, current + 2) + 1)})
    links: list[Link | None] = []
    for number in wanted:
        if links and links[-1] is not None and int(links[-1].label) + 1 < number:
            links.append(None)
        links.append(Link(str(number), url_of(number), number == current))
    return Pager(
        previous=url_of(current - 1) if current > 1 else None,
        next=url_of(current + 1) if current < pages else None,
        pages=tuple(links) if pages > 1 else (),
    )


def _variants_offer(engine: Engine, request: SearchRequest, visible: object) -> Link | None:
    """When the query holds a member of a variants group (and the switch is off): the expanded search."""
    if request.variants or not request.q.strip():
        return None
    variants = current_variants()
    typed = [
        a.value
        for g in parse_query(request.q).groups
        for a in g
        if a.field == "text" and not a.negated and not a.variant_of and variants.has(a.value)
    ]
    if not typed:
        return None
    expanded = replace(request, variants=True, page=1)
    members = dict.fromkeys(m for phrase in typed for m in variants.expand(phrase))
    return Link("、".join(members), search_url(expanded), count=_count(engine, expanded, visible).total)


def _read_as(request: SearchRequest, results: SearchResults) -> str | None:
    """How the query was read, when that is worth saying (notes, operators, fields, variants)."""
    q = request.q
    if not q.strip():
        return None
    described = parse_query(q, expand_all=request.variants).describe()
    return described if results.notes or described != " ".join(q.split()) else None


def _suggestions(engine: Engine, request: SearchRequest, visible: object) -> list[Link]:
    """For an empty result: the same query in words mode, and each filter removed, with their counts."""
    options = []
    if request.mode == "exact" and request.q.strip():
        options.append(("改用分词匹配", replace(request, mode="words", page=1)))
    for chip_request, chip in zip(_chip_requests(request), _chips(request), strict=True):
        options.append((f"去掉“{chip.label}”", chip_request))
    links = []
    for label, option in options[:MAX_SUGGESTIONS]:
        total = _count(engine, option, visible).total
        if total:
            links.append(Link(label, search_url(option), count=total))
    return links


def did_you_mean(engine: Engine, request: SearchRequest, visible: object) -> Link | None:
    """The query with its one term that no document holds replaced by the nearest phrase that some do,
    with the corrected search's count (same filters); None when there is no such term or phrase."""
    terms = request.q.split()
    if not terms or len(terms) > 4 or any(t.startswith(("-", '"')) or ":" in t or t in ("OR", "NOT") for t in terms):
        return None
    for i, term in enumerate(terms):
        near = engine.nearest_phrase(term, visible=visible)
        if near:
            corrected = replace(request, q=" ".join([*terms[:i], near[0], *terms[i + 1 :]]), page=1)
            total = _count(engine, corrected, visible).total
            if total:
                return Link(corrected.q, search_url(corrected), count=total, value=near[0])
    return None


def _chip_requests(request: SearchRequest) -> list[SearchRequest]:
    found = [request.toggle(name, str(v)) for name, attr in FACET_FIELDS.items() for v in getattr(request, attr)]
    if request.date_from or request.date_to:
        found.append(replace(request, date_from=None, date_to=None, page=1))
    if copies_chip(request, search_url):  # the copies of one document (另有 N 篇转载): all results again
        found.append(replace(request, copies="", page=1))
    return found


_NOTES = (
    (r"query cut to its first (\d+) characters", r"查询过长，只取前 \1 个字符"),
    (r"closing quote added at the end", "缺少右引号，已在末尾补上"),
    (r"(OR|\|) without a term before it ignored", r"\1 前面没有词，已忽略"),
    (r"a lone - ignored", "单独的 - 已忽略"),
    (r"an empty alternative around \| ignored", "| 两侧有空项，已忽略"),
    (r"OR at the end ignored", "末尾的 OR 已忽略"),
    (r"NOT at the end ignored", "末尾的 NOT 已忽略"),
    (r"(.+) has no searchable characters; ignored", r"\1 中没有可检索的字符，已忽略"),
    (r"(\w+): without a value ignored", r"\1: 后面没有值，已忽略"),
    (r'empty quotes "" ignored', "空引号已忽略"),
    (r"no district matches (.+): (.+) matches nothing", r"没有与 \1 相符的区域：\2 不匹配任何文档"),
    (r"no topic matches (.+): (.+) matches nothing", r"没有与 \1 相符的主题：\2 不匹配任何文档"),
    (r"(\w+):(.*) is not a valid \w+ or range; ignored", r"\1:\2 不是有效的日期或范围，已忽略"),
    (r"month:(.*) is not a month like 2020-07; ignored", r"month:\1 不是形如 2020-07 的月份，已忽略"),
    (r"(\S+) without a phrase before it ignored", r"\1 前面没有词语，已忽略"),
    (r"(SENT|PARA|NEAR/\d+) at the end ignored", r"末尾的 \1 已忽略"),
    (r"(NEAR/\d+|\$\d+) read as (\S+)", r"\1 按 \2 理解"),
    (r"(.+) after (\S+) is not a phrase; ANDed instead", r"\2 后面的 \1 不是词语，按“同时满足”处理"),
    (r"NOT inside (\S+) ignored", r"\1 中的 NOT 已忽略"),
)


def translate_note(note: str) -> str:
    """The library's reading note, in Chinese when we know its form (else as it is)."""
    for pattern, replacement in _NOTES:
        if re.fullmatch(pattern, note, re.DOTALL):
            return re.sub(pattern, replacement, note, flags=re.DOTALL)
    return note
