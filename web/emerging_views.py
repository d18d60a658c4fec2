"""新词 (emerging terms): the phrases whose frequency rose most in a period against the periods before.

The routes are on ``web.compare_views.bp`` (its pages share the compare page's parameters and helpers).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from itertools import chain

from flask import jsonify, request
from werkzeug.datastructures import MultiDict

from search.analysis.emerging import DEFAULT_MIN_FREQ as EMERGING_MIN_FREQ
from search.analysis.emerging import SORTS as EMERGING_SORTS
from search.analysis.sides import BY, MAX_EMERGING_DOCUMENTS
from search.export.phrases import (
    EMERGING_COLUMNS,
    emerging_rows,
    kwic_path,
    period_side,
    trend_path,
)
from search.query import SearchRequest
from web.analysis_views import csv_response
from web.blueprint import engine, visible
from web.compare_views import (
    EMERGING_SORT_LABELS,
    EXPORT_BUDGET,
    MAX_PER_PAGE,
    PAGE_BUDGET,
    PER_PAGE,
    SIDE_KEYS,
    Option,
    app_path,
    bp,
    choice,
    form_values,
    render_page,
    url_of,
    whole_number,
    within_budget,
)
from web.exports import attachment, public_base_url, zone
from web.pages import Link, pager
from web.params import BadParameter, search_request


@dataclass(frozen=True)
class EmergingArgs:
    request: SearchRequest
    by: str
    period: str | None
    min_freq: int
    sort: str
    page: int
    per_page: int

    def pairs(self, **changes) -> list[tuple[str, str]]:
        values = {
            "by": self.by,
            "period": self.period,
            "min_freq": self.min_freq,
            "sort": self.sort,
            "page": self.page,
            "per_page": self.per_page,
            **changes,
        }
        defaults = {
            "by": "year",
            "period": None,
            "min_freq": EMERGING_MIN_FREQ,
            "sort": "z",
            "page": 1,
            "per_page": PER_PAGE,
        }
        pairs = list(self.request.to_args())
        pairs += [(k, str(v)) for k, v in values.items() if v != defaults[k] and v is not None]
        return pairs


def emerging_args(args: MultiDict) -> EmergingArgs:
    filters = MultiDict([(k, v) for k, v in args.items(multi=True) if k in SIDE_KEYS and v.strip()])
    unknown = sorted(k for k in args if k not in (*SIDE_KEYS, "by", "period", "min_freq", "sort", "page", "per_page"))
    if unknown:
        raise BadParameter(f"不认识参数 {unknown[0][:30]!r}。")
    request_ = replace(search_request(filters), page=1, per_page=10, sort="relevance")
    by = choice(args, "by", BY, "year", "by 只能是 year（按年）或 month（按月）")
    period = (args.get("period") or "").strip() or None
    if period and not re.fullmatch(r"[0-9]{4}" if by == "year" else r"[0-9]{4}-(0[1-9]|1[0-2])", period):
        raise BadParameter(f"period（时期）必须形如 {'2020' if by == 'year' else '2020-07'}；收到 {period[:20]!r}。")
    return EmergingArgs(
        request=request_,
        by=by,
        period=period,
        min_freq=whole_number(args, "min_freq", EMERGING_MIN_FREQ, 1, 1000, "最低频次"),
        sort=choice(args, "sort", EMERGING_SORTS, "z", "sort 只能是 z（突发度）、ratio（对数比）或 freq（本期频次）"),
        page=whole_number(args, "page", 1, 1, 100_000, "页码"),
        per_page=whole_number(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE, "每页条数"),
    )


def _run_emerging(args: EmergingArgs):
    counts = engine().emerging(args.request, by=args.by, min_freq=args.min_freq, visible=visible())
    if not counts.period_names:
        return counts, None, []
    period = args.period or counts.period_names[-1]
    if period not in counts.period_names:
        raise BadParameter(
            f"{period} 没有可计数的文档；可选的时期从 {counts.period_names[0]} 到 {counts.period_names[-1]}。"
        )
    result = counts.terms(period)
    return counts, result, result.sorted(args.sort)


@dataclass(frozen=True)
class TermRow:
    number: int
    term: object
    trend_url: str
    kwic_url: str


@bp.get("/emerging")
def emerging_view():
    within_budget(PAGE_BUDGET)
    args = emerging_args(request.args)
    counts, result, terms = _run_emerging(args)
    start = (args.page - 1) * args.per_page
    side = period_side(args.request, args.by, result.period) if result else args.request
    rows = [
        TermRow(start + n, t, app_path(trend_path(t.phrase)), app_path(kwic_path(t.phrase, side)))
        for n, t in enumerate(terms[start : start + args.per_page], 1)
    ]
    pages = max(1, -(-len(terms) // args.per_page))
    current = result.period if result else None
    export = args.pairs(page=1, period=current)
    return render_page(
        "emerging",
        args=args,
        result=result,
        total=len(terms),
        rows=rows,
        pager=pager(args.page, pages, lambda n: url_of("phrases.emerging_view", args.pairs(page=n, period=current))),
        periods=[Option(p, p, p == current) for p in counts.period_names[1:]] if counts.period_names else [],
        period_links=[
            Link(p, url_of("phrases.emerging_view", args.pairs(period=p, page=1)), p == current)
            for p in counts.period_names[1:]
        ]
        if args.by == "year"
        else [],
        sorts=[
            Link(label, url_of("phrases.emerging_view", args.pairs(sort=s, page=1, period=current)), s == args.sort)
            for s, label in EMERGING_SORT_LABELS.items()
        ],
        form=form_values(args.request),
        info=next((p for p in result.periods if p.period == result.period), None) if result else None,
        csv_url=url_of("phrases.emerging_csv", export),
        xlsx_url=url_of("phrases.emerging_xlsx", export),
        json_url=url_of("phrases.emerging_json", args.pairs(period=current)),
        cap=MAX_EMERGING_DOCUMENTS,
    )


@bp.get("/emerging.json")
def emerging_json():
    within_budget(PAGE_BUDGET)
    args = emerging_args(request.args)
    _, result, terms = _run_emerging(args)
    if result is None:
        return jsonify({"period": None, "terms": []})
    start = (args.page - 1) * args.per_page
    data = result.to_json(terms[start : start + args.per_page])
    data.update({"sort": args.sort, "total": len(terms), "page": args.page, "per_page": args.per_page})
    return jsonify(data)


@bp.get("/emerging.csv")
def emerging_csv():
    within_budget(EXPORT_BUDGET)
    args = emerging_args(request.args)
    _, result, terms = _run_emerging(args)
    rows = emerging_rows(terms, args.request, args.by, result.period, public_base_url()) if result else []
    return csv_response(chain([EMERGING_COLUMNS], rows), "emerging")


@bp.get("/emerging.xlsx")
def emerging_xlsx():
    from search.export.phrase_sheets import emerging_workbook
    from web.export_views import XLSX, download, spooled

    within_budget(EXPORT_BUDGET)
    args = emerging_args(request.args)
    _, result, terms = _run_emerging(args)
    if result is None:
        raise BadParameter("没有带日期的文档可计数。")
    buffer = spooled()
    link = public_base_url() + url_of("phrases.emerging_view", args.pairs(page=1, period=result.period))
    emerging_workbook(buffer, result, terms, args.request, public_base_url(), zone(), link)
    return download(buffer, XLSX, attachment(replace(args.request, q=args.request.q or result.period), "xlsx", "新词"))
