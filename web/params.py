"""The URL query string -> ``SearchRequest``, with a 400 and a message in Chinese for bad values.

The library's own parsing is lenient about the query text (``read_as`` says
how it was read) but strict about parameters; the web adds bounds so that no
parameter can make a page expensive (a huge page size or page number).
"""

from __future__ import annotations

import re

from werkzeug.datastructures import MultiDict
from werkzeug.exceptions import BadRequest

from search.query import MAX_QUERY_LENGTH, MODES, SORTS, SearchRequest, parse_interval, parse_query

WEB_MAX_PER_PAGE = 100  # a page of the web UI (the library allows search.query.parser.MAX_PER_PAGE)
MAX_PAGE = 10_000
MAX_VALUES = 20  # values of one filter (district=…&district=…)
MAX_FILTER_VALUES = 20  # values of all filters together: each may cost a count of its own
MAX_TERMS = 32  # terms and alternatives of one query (333 OR'ed terms made a 613 KB page)
MAX_VALUE_LENGTH = 100
MAX_PARAMETERS = 200
LIST_PARAMETERS = ("district", "topic", "year", "month")


class BadParameter(BadRequest):
    """A query-string parameter the page cannot use; the description is shown to the user."""


def search_request(args: MultiDict) -> SearchRequest:
    """The request a URL describes; BadParameter (400) says what is wrong with it."""
    if len(args) > MAX_PARAMETERS or sum(len(v) for v in args.listvalues()) > MAX_PARAMETERS:
        raise BadParameter(f"参数过多（最多 {MAX_PARAMETERS} 个）。")
    q = args.get("q", "")
    if len(q) > MAX_QUERY_LENGTH:
        raise BadParameter(f"查询过长：最多 {MAX_QUERY_LENGTH} 个字符，收到 {len(q)} 个。请缩短查询。")
    _choice(args, "mode", MODES, "mode 只能是 exact（精确匹配）或 words（分词匹配）")
    _choice(args, "sort", SORTS, "sort 只能是 relevance（相关度）、newest（最新）或 oldest（最早）")
    _whole_number(args, "page", 1, MAX_PAGE, "页码")
    _whole_number(args, "per_page", 1, WEB_MAX_PER_PAGE, "每页条数")
    terms = sum(len(group) for group in parse_query(q).groups) if q.strip() else 0
    if terms > MAX_TERMS:
        raise BadParameter(f"检索项过多：这个查询有 {terms} 个词或备选项，最多 {MAX_TERMS} 个。请拆成几次检索。")
    _filters(args)
    _date_range(args.get("from", ""), args.get("to", ""))
    try:
        return SearchRequest.from_args(args)
    except ValueError as exc:  # anything the checks above did not foresee
        raise BadParameter(f"参数无效：{exc}") from exc


def _filters(args: MultiDict) -> None:
    """The filter values' number, length and (years, months) form."""
    filter_values = sum(len(args.getlist(name)) for name in LIST_PARAMETERS)
    if filter_values > MAX_FILTER_VALUES:
        raise BadParameter(f"筛选条件过多：共 {filter_values} 个取值，最多 {MAX_FILTER_VALUES} 个。")
    for name in LIST_PARAMETERS:
        values = args.getlist(name)
        if len(values) > MAX_VALUES:
            raise BadParameter(f"{name} 的取值过多（最多 {MAX_VALUES} 个）。")
        if any(len(v) > MAX_VALUE_LENGTH for v in values):
            raise BadParameter(f"{name} 的取值过长（最多 {MAX_VALUE_LENGTH} 个字符）。")
    for value in args.getlist("year"):
        if value and not re.fullmatch(r"[0-9]{4}", value):
            raise BadParameter(f"year（年份）必须是四位数字，如 2020；收到 {value!r}。")
    for value in args.getlist("month"):
        if value and not re.fullmatch(r"[0-9]{4}-(0[1-9]|1[0-2])", value):
            raise BadParameter(f"month（月份）必须形如 2020-07；收到 {value!r}。")


def _choice(args, name: str, allowed, message: str) -> None:
    value = args.get(name, "")
    if value and value not in allowed:
        raise BadParameter(f"{message}；收到 {value[:50]!r}。")


def _whole_number(args, name: str, low: int, high: int, label: str) -> None:
    value = args.get(name, "")
    if value and not (re.fullmatch(r"[0-9]{1,6}", value) and low <= int(value) <= high):
        raise BadParameter(f"{name}（{label}）必须是 {low} 到 {high} 之间的整数；收到 {value[:50]!r}。")


def _date_range(date_from: str, date_to: str) -> None:
    for name, value in (("from", date_from), ("to", date_to)):
        if value and (len(value) > 30 or re.search(r"\.\.|~|～|至", value) or parse_interval(value) is None):
            raise BadParameter(
                f"{name}（{'起始' if name == 'from' else '截止'}日期）无效：{value[:30]!r}。"
                "可写 2020、2020-07、2020-07-18 或 2020年7月。"
            )
    if date_from and date_to and parse_interval(f"{date_from}..{date_to}") is None:
        raise BadParameter(f"起始日期 {date_from} 晚于截止日期 {date_to}。")


def occurrence_offset(args: MultiDict) -> int | None:
    """The ``at`` of a document link: an occurrence's character offset (from the concordance), or None."""
    raw = args.get("at", "")
    if not raw:
        return None
    if not re.fullmatch(r"[0-9]{1,9}", raw):
        raise BadParameter(f"at（出现位置）必须是非负整数；收到 {raw[:20]!r}。")
    return int(raw)


def library_call(call):
    """A library call whose ValueError is the user's (a bad combination of parameters): a 400."""
    try:
        return call()
    except ValueError as exc:
        raise BadParameter(f"参数无效：{exc}") from exc
