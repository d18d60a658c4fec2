"""/compare (keyness of two sides) and /emerging (terms that rose in a period), with their exports.

Each side of /compare is the search page's filters under a prefix: ``a.year=2024&b.year=2023``,
``a.q=稳就业``, ``a.district=二七区&b.district=…``; a side B without parameters is the rest of the
archive, and B never holds A's documents.  Each view is request -> library (``Engine.compare``,
``Engine.emerging``, over what this reader may see) -> template, and bad parameters are a 400 that
says which.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from itertools import chain
from urllib.parse import urlencode

from flask import Blueprint, jsonify, make_response, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from search.analysis.keyness import DEFAULT_MIN_FREQ, MIN_LL_CHOICES, SIDES, SORTS
from search.analysis.sides import MAX_SIDE_DOCUMENTS
from search.budget import set_deadline
from search.export.phrases import (
    COMPARE_COLUMNS,
    compare_rows,
    kwic_path,
    side_paths,
    trend_path,
)
from search.query import SearchRequest
from web.analysis_views import csv_response
from web.blueprint import engine, is_fragment_request, visible
from web.exports import attachment, public_base_url, zone
from web.pages import Link, pager
from web.params import BadParameter, search_request

bp = Blueprint("phrases", __name__)

SIDE_KEYS = ("q", "mode", "district", "topic", "issuer", "type", "docno", "year", "month", "from", "to", "variants")
PER_PAGE = 50
MAX_PER_PAGE = 200
PAGE_BUDGET = 30.0  # seconds: a year of the news against the rest counts a few million characters
EXPORT_BUDGET = 60.0
SIDE_LABELS = {"a": "A 侧多用", "b": "B 侧多用", "all": "两侧都列"}
SORT_LABELS = {"ll": "对数似然", "ratio": "对数比", "freq": "频次"}
EMERGING_SORT_LABELS = {"z": "突发度", "ratio": "对数比", "freq": "本期频次"}
MIN_LL_LABELS = {
    0.0: "不限",
    3.84: "≥ 3.84（p < 0.05）",
    6.63: "≥ 6.63（p < 0.01）",
    10.83: "≥ 10.83（p < 0.001）",
    15.13: "≥ 15.13（p < 0.0001）",
}


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


def side_args(args: MultiDict, prefix: str) -> MultiDict:
    return MultiDict(
        [
            (k[len(prefix) :], v)
            for k, v in args.items(multi=True)
            if k.startswith(prefix) and k[len(prefix) :] in SIDE_KEYS and v.strip()
        ]
    )


def side_request(args: MultiDict, prefix: str, name: str) -> tuple[SearchRequest, bool]:
    """(the side's request, whether any parameter was given for it)."""
    given = side_args(args, prefix)
    unknown = sorted({k for k in args if k.startswith(prefix) and k[len(prefix) :] not in SIDE_KEYS})
    if unknown:
        raise BadParameter(f"{name} 侧不认识参数 {unknown[0][:30]!r}；可用：{'、'.join(SIDE_KEYS)}。")
    try:
        return replace(search_request(given), page=1, per_page=10, sort="relevance"), bool(given)
    except BadParameter as exc:
        raise BadParameter(f"{name} 侧：{exc.description}") from exc


def whole_number(args: MultiDict, name: str, default: int, low: int, high: int, label: str) -> int:
    raw = (args.get(name, "") or "").strip()
    if not raw:
        return default
    if not raw.isdigit() or not low <= int(raw) <= high:
        raise BadParameter(f"{name}（{label}）必须是 {low} 到 {high} 之间的整数；收到 {raw[:20]!r}。")
    return int(raw)


def choice(args: MultiDict, name: str, allowed, default: str, message: str) -> str:
    value = args.get(name, "") or default
    if value not in allowed:
        raise BadParameter(f"{message}；收到 {str(value)[:30]!r}。")
    return value


@dataclass(frozen=True)
class CompareArgs:
    a: SearchRequest
    b: SearchRequest
    given: bool  # side A was given: there is something to compare
    min_freq: int
    side: str
    sort: str
    min_ll: float
    concentrated: bool
    page: int
    per_page: int

    def pairs(self, **changes) -> list[tuple[str, str]]:
        """This comparison's URL parameters (defaults left out), with ``changes``."""
        values = {
            "min_freq": self.min_freq,
            "side": self.side,
            "sort": self.sort,
            "min_ll": self.min_ll,
            "conc": self.concentrated,
            "page": self.page,
            "per_page": self.per_page,
            **changes,
        }
        pairs = [(f"a.{k}", v) for k, v in self.a.to_args()] + [(f"b.{k}", v) for k, v in self.b.to_args()]
        defaults = {
            "min_freq": DEFAULT_MIN_FREQ,
            "side": "a",
            "sort": "ll",
            "min_ll": 3.84,
            "conc": False,
            "page": 1,
            "per_page": PER_PAGE,
        }
        for name, value in values.items():
            if value != defaults[name]:
                pairs.append((name, "1" if value is True else f"{value:g}" if isinstance(value, float) else str(value)))
        return pairs


def compare_args(args: MultiDict) -> CompareArgs:
    a, given = side_request(args, "a.", "A")
    b, _ = side_request(args, "b.", "B")
    min_ll_raw = args.get("min_ll", "") or "3.84"
    try:
        min_ll = float(min_ll_raw)
    except ValueError:
        min_ll = -1.0
    if min_ll not in MIN_LL_CHOICES:
        raise BadParameter(
            f"min_ll（最低对数似然）只能是 {'、'.join(f'{v:g}' for v in MIN_LL_CHOICES)}；收到 {min_ll_raw[:20]!r}。"
        )
    return CompareArgs(
        a=a,
        b=b,
        given=given,
        min_freq=whole_number(args, "min_freq", DEFAULT_MIN_FREQ, 1, 1000, "最低频次"),
        side=choice(args, "side", SIDES, "a", "side 只能是 a（A 侧多用）、b（B 侧多用）或 all（两侧都列）"),
        sort=choice(args, "sort", SORTS, "ll", "sort 只能是 ll（对数似然）、ratio（对数比）或 freq（频次）"),
        min_ll=min_ll,
        concentrated=(args.get("conc") or "") in ("1", "on"),
        page=whole_number(args, "page", 1, 1, 100_000, "页码"),
        per_page=whole_number(args, "per_page", PER_PAGE, 1, MAX_PER_PAGE, "每页条数"),
    )


@dataclass(frozen=True)
class PhraseRow:
    number: int
    phrase: object  # KeyPhrase
    trend_url: str
    kwic_a: str
    kwic_b: str


def within_budget(seconds: float) -> None:
    set_deadline(seconds)  # the request's own budget (web.limits), longer for a comparison


def _run_compare(args: CompareArgs):
    result = engine().compare(args.a, args.b, min_freq=args.min_freq, visible=visible())
    rows = result.select(args.side, args.sort, args.min_ll, args.concentrated)
    return result, rows


def render_page(name: str, **context):
    """The page, or for the form's in-place request (htmx) its results alone (an error there too)."""
    template = f"partials/{name}_result.html" if is_fragment_request() else f"{name}.html"
    response = make_response(render_template(template, **context))
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    return response


def app_path(path: str) -> str:
    """A path of this app ("/trend?…") where the app is mounted."""
    return request.script_root + path


def url_of(endpoint: str, pairs) -> str:
    return url_for(endpoint) + ("?" + urlencode(pairs) if pairs else "")


@bp.get("/compare")
def compare_view():
    within_budget(PAGE_BUDGET)
    args = compare_args(request.args)
    result = rows = None
    shown: list[PhraseRow] = []
    page_links = pager(1, 1, lambda n: "")
    if args.given:
        result, rows = _run_compare(args)
        pages = max(1, -(-len(rows) // args.per_page))
        start = (args.page - 1) * args.per_page
        a, b, exclude = side_paths(args.a, args.b)
        shown = [
            PhraseRow(
                start + n,
                p,
                app_path(trend_path(p.phrase)),
                app_path(kwic_path(p.phrase, a)),
                app_path(kwic_path(p.phrase, b, exclude)),
            )
            for n, p in enumerate(result.rows(rows[start : start + args.per_page]), 1)
        ]
        page_links = pager(args.page, pages, lambda n: url_of("phrases.compare_view", args.pairs(page=n)))
    export = args.pairs(page=1, per_page=PER_PAGE)
    return render_page(
        "compare",
        args=args,
        result=result,
        total=0 if rows is None else len(rows),
        rows=shown,
        pager=page_links,
        sides=[
            Link(label, url_of("phrases.compare_view", args.pairs(side=s, page=1)), s == args.side)
            for s, label in SIDE_LABELS.items()
        ],
        sorts=[
            Link(label, url_of("phrases.compare_view", args.pairs(sort=s, page=1)), s == args.sort)
            for s, label in SORT_LABELS.items()
        ],
        min_ll_options=[Option(f"{v:g}", MIN_LL_LABELS[v], v == args.min_ll) for v in MIN_LL_CHOICES],
        form_a=form_values(args.a),
        form_b=form_values(args.b),
        csv_url=url_of("phrases.compare_csv", export),
        xlsx_url=url_of("phrases.compare_xlsx", export),
        json_url=url_of("phrases.compare_json", args.pairs()),
        cap=MAX_SIDE_DOCUMENTS,
    )


def form_values(side: SearchRequest) -> dict:
    """What the form shows of a side (the fields it has), and the rest as hidden fields."""
    shown = {
        "q": side.q,
        "year": " ".join(str(y) for y in side.years) if len(side.years) == 1 else "",
        "from": side.date_from or "",
        "to": side.date_to or "",
        "district": side.districts[0] if len(side.districts) == 1 else "",
        "type": side.doc_types[0] if len(side.doc_types) == 1 else "",
    }
    hidden = [(k, v) for k, v in side.to_args() if not (k in shown and shown[k] == v) and k != "q"]
    return {"shown": shown, "hidden": hidden}


@bp.get("/compare.json")
def compare_json():
    within_budget(PAGE_BUDGET)
    args = compare_args(request.args)
    if not args.given:
        raise BadParameter("请给出 A 侧的条件，如 a.year=2024。")
    result, rows = _run_compare(args)
    start = (args.page - 1) * args.per_page
    data = result.to_json(rows[start : start + args.per_page])
    data.update(
        {
            "side": args.side,
            "sort": args.sort,
            "min_ll": args.min_ll,
            "total": len(rows),
            "page": args.page,
            "per_page": args.per_page,
        }
    )
    return jsonify(data)


def _export(args: CompareArgs):
    within_budget(EXPORT_BUDGET)
    if not args.given:
        raise BadParameter("请给出 A 侧的条件，如 a.year=2024。")
    return _run_compare(args)


@bp.get("/compare.csv")
def compare_csv():
    args = compare_args(request.args)
    result, rows = _export(args)
    return csv_response(
        chain([COMPARE_COLUMNS], compare_rows(result, rows, args.a, args.b, public_base_url())), "compare"
    )


@bp.get("/compare.xlsx")
def compare_xlsx():
    from search.export.phrase_sheets import compare_workbook
    from web.export_views import XLSX, download, spooled

    args = compare_args(request.args)
    result, rows = _export(args)
    buffer = spooled()
    link = public_base_url() + url_of("phrases.compare_view", args.pairs(page=1))
    compare_workbook(buffer, result, rows, args.a, args.b, public_base_url(), zone(), link)
    return download(buffer, XLSX, attachment(replace(args.a, q=args.a.q or "比较"), "xlsx", "关键短语"))


# -- emerging terms --------------------------------------------------------------------------------


def init_app(app) -> None:
    from web.pages import translate_note

    app.add_template_filter(translate_note, "reading_note")
    app.register_blueprint(bp)
