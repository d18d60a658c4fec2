"""The URL parameters of /trend and /kwic -> library arguments, with a 400 and a message in Chinese.

Filters are the search page's own (``search_request``), so a link carries its
filters from one page to the other; what is new is named so that it never
clashes with a search parameter (the concordance's order is ``order``, not
``sort``).
"""

from __future__ import annotations

from collections.abc import Container
from dataclasses import dataclass, replace

from werkzeug.datastructures import MultiDict

from search.analysis.concordance import KWIC_SORTS, MAX_WIDTH, MIN_WIDTH
from search.analysis.trend import BY, MAX_QUERIES, MEASURES, PER
from search.query import MAX_QUERY_LENGTH, SearchRequest
from web.params import BadParameter, search_request

KWIC_PER_PAGE = 50
DISTRICTS_PER_PAGE = 20  # /trend.json?per=district: district series per query and page (district_page)
MAX_DISTRICT_PAGE = 1000


@dataclass(frozen=True)
class TrendArgs:
    request: SearchRequest  # filters and mode; q is empty
    queries: tuple[str, ...]
    by: str
    measure: str
    per: str | None
    smooth: int = 0  # moving average over 2 * smooth + 1 periods (0: none)


@dataclass(frozen=True)
class KwicArgs:
    request: SearchRequest  # the query, filters, mode, page and page size
    order: str
    width: int


def _choice(args: MultiDict, name: str, allowed: Container[str], default: str, message: str) -> str:
    value = args.get(name, "") or default
    if value not in allowed:
        raise BadParameter(f"{message}；收到 {str(value)[:50]!r}。")
    return value


def trend_args(args: MultiDict) -> TrendArgs:
    """The trend page's arguments (queries, the search filters, by, measure, per); BadParameter (400) says what is wrong."""
    queries = tuple(q.strip() for q in args.getlist("q") if q.strip())
    if len(queries) > MAX_QUERIES:
        raise BadParameter(f"最多比较 {MAX_QUERIES} 个查询，收到 {len(queries)} 个。")
    for query in queries:
        if len(query) > MAX_QUERY_LENGTH:
            raise BadParameter(f"查询过长：最多 {MAX_QUERY_LENGTH} 个字符，收到 {len(query)} 个。请缩短查询。")
    filters = MultiDict([(k, v) for k, v in args.items(multi=True) if k != "q"])
    request = search_request(filters)
    by = _choice(args, "by", BY, "year", "by 只能是 year（按年）或 month（按月）")
    measure = _choice(
        args,
        "measure",
        MEASURES,
        "documents",
        "measure 只能是 documents（文档数）、occurrences（出现次数）或 per_mille（每千篇）",
    )
    per = _choice(args, "per", (*PER, ""), "", "per 只能是 district（按区域）") or None
    smooth = int(_choice(args, "smooth", ("0", "1", "2", "3"), "0", "smooth（平滑）只能是 0、1、2 或 3"))
    return TrendArgs(replace(request, q="", page=1, sort="relevance"), queries, by, measure, per, smooth)


def kwic_args(args: MultiDict) -> KwicArgs:
    """The concordance page's arguments (the search request, order, width); BadParameter (400) says what is wrong."""
    request = search_request(args)
    order = _choice(args, "order", KWIC_SORTS, "date", "order 只能是 date（按日期）、left（按左侧）或 right（按右侧）")
    raw = args.get("width", "") or "30"
    if not raw.isdigit() or not MIN_WIDTH <= int(raw) <= MAX_WIDTH:
        raise BadParameter(f"width（上下文宽度）必须是 {MIN_WIDTH} 到 {MAX_WIDTH} 之间的整数；收到 {raw[:20]!r}。")
    if "per_page" not in args:
        request = replace(request, per_page=KWIC_PER_PAGE)
    return KwicArgs(request, order, int(raw))


def district_page(args: MultiDict) -> int:
    """``/trend.json``'s ``district_page`` (1 when absent); BadParameter when not a page number."""
    raw = args.get("district_page", "") or "1"
    if not (raw.isdigit() and 1 <= int(raw) <= MAX_DISTRICT_PAGE):
        raise BadParameter(f"district_page（区域页码）必须是 1 到 {MAX_DISTRICT_PAGE} 之间的整数；收到 {raw[:20]!r}。")
    return int(raw)


def paged_districts(data: dict, page: int, per_page: int = DISTRICTS_PER_PAGE) -> dict:
    """A per-district trend's JSON with each query's district series cut to one page: each query
    says ``districts_total``, the whole says ``district_page``, ``district_pages`` and
    ``districts_per_page``."""
    if data.get("per") != "district":
        return data
    pages = 1
    for series in data["series"]:
        districts = series.get("districts", [])
        series["districts_total"] = len(districts)
        series["districts"] = districts[(page - 1) * per_page : page * per_page]
        pages = max(pages, -(-len(districts) // per_page))
    data.update(district_page=page, district_pages=pages, districts_per_page=per_page)
    return data
