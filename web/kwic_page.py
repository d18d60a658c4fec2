"""What /kwic shows: one page of concordance lines, their links into documents, orders, pages and collocates."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any
from urllib.parse import urlencode

from flask import url_for

from search.analysis.concordance import KWIC_SORTS, Concordance, Line
from search.engines import Engine
from search.query import SearchRequest
from web.analysis_params import KwicArgs
from web.pages import Link, Pager, date_label, pager, search_url

ORDER_LABELS = {"date": "按日期", "left": "按左侧", "right": "按右侧"}
WIDTHS = (10, 20, 30, 40, 60)
COLLOCATE_SAMPLE = 200  # occurrences cut with jieba for 常见搭配: enough to rank, cheap enough for a page


@dataclass(frozen=True)
class LineView:
    line: Line
    url: str
    date: str


@dataclass(frozen=True)
class CollocateView:
    word: str
    count: int
    url: str


@dataclass
class KwicPage:
    args: KwicArgs
    result: Concordance | None
    lines: tuple[LineView, ...]
    orders: tuple[Link, ...]
    widths: tuple[Link, ...]
    pager: Pager
    collocates: tuple[CollocateView, ...]
    sampled: int
    hidden_fields: list[tuple[str, str]]
    json_url: str
    csv_url: str
    trend_url: str
    search_url: str

    @property
    def match_width(self) -> str:
        """The CSS class that makes the match column as wide as the page's longest match."""
        longest = max((len(item.line.match) for item in self.lines), default=4)
        return f"m{min(16, max(1, longest))}"

    @property
    def first(self) -> int:
        """How many lines come before this page's first."""
        return (self.args.request.page - 1) * self.args.request.per_page


def occurrence_url(line: Line, request: SearchRequest) -> str:
    """The document page with the query marked, scrolled to this occurrence (#at works without JavaScript)."""
    marks = SearchRequest(q=request.q, mode=request.mode)
    pairs = [*marks.to_args(), ("at", str(line.offset))]
    return url_for("web.document", doc_id=line.id) + "?" + urlencode(pairs) + "#at"


def kwic_url(args: KwicArgs, **changes: Any) -> str:
    """This concordance with other order, width or page (other values kept)."""
    order = changes.pop("order", args.order)
    width = changes.pop("width", args.width)
    request = replace(args.request, **changes)
    pairs = [(k, v) for k, v in request.to_args() if k != "sort"]
    if order != "date":
        pairs.append(("order", order))
    if width != 30:
        pairs.append(("width", str(width)))
    return url_for("analysis.kwic_view") + ("?" + urlencode(pairs) if pairs else "")


def kwic_page(engine: Engine, args: KwicArgs, visible: object = None) -> KwicPage:
    """Run the concordance (when there is a query) over the ``visible`` documents and lay out the page."""
    request = args.request
    result = None
    if request.q.strip():
        result = engine.concordance(request, args.order, args.width, sample_size=COLLOCATE_SAMPLE, visible=visible)
    words = engine.collocates(result.sample) if result else ()
    export = [(k, v) for k, v in request.to_args() if k not in ("page", "per_page", "sort")]
    export += [("order", args.order), ("width", str(args.width))]
    trend_request = replace(request, page=1, per_page=10, sort="relevance")
    return KwicPage(
        args=args,
        result=result,
        lines=tuple(
            LineView(line, occurrence_url(line, request), date_label(line.date))
            for line in (result.lines if result else ())
        ),
        orders=tuple(
            Link(label, kwic_url(args, order=o, page=1), o == args.order)
            for o, label in ORDER_LABELS.items()
            if o in KWIC_SORTS
        ),
        widths=tuple(Link(str(w), kwic_url(args, width=w), w == args.width) for w in WIDTHS),
        pager=pager(request.page, result.pages if result else 1, lambda n: kwic_url(args, page=n)),
        collocates=tuple(
            CollocateView(c.word, c.count, kwic_url(args, q=f"{request.q} {c.word}", page=1)) for c in words
        ),
        sampled=len(result.sample) if result else 0,
        hidden_fields=[(k, v) for k, v in request.to_args() if k not in ("q", "mode", "page", "per_page", "sort")],
        json_url=url_for("analysis.kwic_json") + "?" + urlencode([*request.to_args(), *export[-2:]]),
        csv_url=url_for("analysis.kwic_csv") + "?" + urlencode(export),
        trend_url=search_url(trend_request, "analysis.trend_view"),
        search_url=search_url(replace(request, page=1, per_page=10)),
    )
