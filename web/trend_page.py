"""What /trend shows: the chart, the table beneath with the same numbers, per-district tables; every link computed here."""

from __future__ import annotations

from dataclasses import dataclass, replace
from urllib.parse import urlencode

from flask import url_for

from search.analysis.trend import Series, Trend, smoothed
from search.engines import Engine
from search.query import SearchRequest
from web.analysis_params import TrendArgs
from web.chart import Chart, line_chart
from web.pages import date_label, search_url

MEASURE_LABELS = {"documents": "文档数（篇）", "occurrences": "出现次数", "per_mille": "每千篇文档中的篇数"}
MEASURE_UNITS = {"documents": "篇", "occurrences": "次", "per_mille": "‰"}
BY_LABELS = {"year": "按年", "month": "按月"}
SMOOTH_LABELS = {0: "不平滑", 1: "1 期（3 期平均）", 2: "2 期（5 期平均）", 3: "3 期（7 期平均）"}
SHADES = 6


@dataclass(frozen=True)
class Cell:
    value: float
    text: str
    url: str
    shade: int = 0


@dataclass(frozen=True)
class Row:
    label: str
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class DistrictRow:
    district: str
    first_appearance: str
    total: int
    cells: tuple[Cell, ...]


@dataclass(frozen=True)
class DistrictTable:
    query: str
    css: str
    rows: tuple[DistrictRow, ...]


@dataclass(frozen=True)
class Option:
    value: str
    label: str
    selected: bool


@dataclass
class TrendPage:
    args: TrendArgs
    result: Trend | None
    chart: Chart | None
    period_labels: tuple[str, ...]
    rows: tuple[Row, ...]
    undated: tuple[Cell, ...]
    totals: tuple[Cell, ...]
    district_tables: tuple[DistrictTable, ...]
    query_fields: tuple[str, ...]
    by_options: tuple[Option, ...]
    measure_options: tuple[Option, ...]
    smooth_options: tuple[Option, ...]
    hidden_fields: list[tuple[str, str]]
    json_url: str
    csv_url: str
    kwic_urls: tuple[tuple[str, str], ...]

    @property
    def measure_label(self) -> str:
        """The measure's label in Chinese."""
        return MEASURE_LABELS[self.args.measure]


def period_label(period: str) -> str:
    """A period (``2020``, ``2020-07``) as shown (``2020年7月``)."""
    return date_label(period)


def period_request(
    base: SearchRequest, query: str, by: str, period: str | None, district: str | None = None
) -> SearchRequest:
    """The search for one query, narrowed to one period (and district): where a point or cell leads."""
    request = replace(base, q=query, page=1)
    if period is not None:
        request = (
            replace(request, years=(int(period),), months=())
            if by == "year"
            else replace(request, months=(period,), years=())
        )
    if district is not None:
        request = replace(request, districts=(district,))
    return request


def _text(value: float, measure: str) -> str:
    return f"{value:g}" if measure == "per_mille" or not float(value).is_integer() else str(int(value))


def trend_page(engine: Engine, args: TrendArgs, visible: object = None) -> TrendPage:
    """Run the trend (when there is a query) over the ``visible`` documents and lay out the chart, tables and links."""
    result = (
        engine.trend(args.queries, args.request, args.by, args.measure, args.per, visible=visible)
        if args.queries
        else None
    )
    result = smoothed(result, args.smooth) if result else None
    measure = args.measure
    labels = tuple(period_label(p) for p in result.periods) if result else ()
    chart, rows, undated, totals, district_tables = (
        _laid_out(result, args, labels) if result else (None, (), (), (), ())
    )
    filters = [(k, v) for k, v in args.request.to_args() if k not in ("q", "page", "per_page", "sort")]
    own = (
        [("q", q) for q in args.queries]
        + filters
        + [
            ("by", args.by),
            ("measure", args.measure),
            *([("per", args.per)] if args.per else []),
            *([("smooth", str(args.smooth))] if args.smooth else []),
        ]
    )
    return TrendPage(
        args=args,
        result=result,
        chart=chart,
        period_labels=labels,
        rows=rows,
        undated=undated,
        totals=totals,
        district_tables=district_tables,
        query_fields=_query_fields(args.queries),
        by_options=tuple(Option(v, label, v == args.by) for v, label in BY_LABELS.items()),
        measure_options=tuple(Option(v, label, v == measure) for v, label in MEASURE_LABELS.items()),
        smooth_options=tuple(Option(str(k), SMOOTH_LABELS[k], k == args.smooth) for k in range(4)),
        hidden_fields=filters,
        json_url=url_for("analysis.trend_json") + "?" + urlencode(own),
        csv_url=url_for("analysis.trend_csv") + "?" + urlencode(own),
        kwic_urls=tuple((q, search_url(replace(args.request, q=q), "analysis.kwic_view")) for q in args.queries),
    )


def _laid_out(result: Trend, args: TrendArgs, labels: tuple[str, ...]) -> tuple:
    """The chart, the rows of the table beneath, its undated and totals cells, and the district tables."""
    measure = args.measure

    def url(series: Series, period: str | None, district: str | None = None) -> str:
        return search_url(period_request(args.request, series.query, args.by, period, district))

    chart = line_chart(
        result.periods,
        labels,
        [
            (
                s.query,
                [p.value(measure) for p in s.points],
                [url(s, p.period) for p in s.points],
                [
                    f"{s.query} · {labels[i]}：{_text(p.value(measure), measure)} {MEASURE_UNITS[measure]}"
                    f"（{p.documents} 篇，{p.occurrences} 次）"
                    for i, p in enumerate(s.points)
                ],
            )
            for s in result.series
        ],
        x_title="年份" if args.by == "year" else "月份",
        y_title=MEASURE_LABELS[measure],
        whole=measure != "per_mille",
    )
    rows = tuple(
        Row(
            labels[i],
            tuple(
                Cell(s.points[i].value(measure), _text(s.points[i].value(measure), measure), url(s, period))
                for s in result.series
            ),
        )
        for i, period in enumerate(result.periods)
    )
    undated = tuple(Cell(s.undated_documents, f"{s.undated_documents} 篇", url(s, None)) for s in result.series)
    totals = tuple(
        Cell(s.total_documents, f"{s.total_documents} 篇 · {s.total_occurrences} 次", url(s, None))
        for s in result.series
    )
    district_tables: tuple[DistrictTable, ...] = ()
    if args.per == "district":
        district_tables = tuple(_district_table(n, s, args, measure) for n, s in enumerate(result.series))
    return chart, rows, undated, totals, district_tables


def _query_fields(queries: tuple[str, ...]) -> tuple[str, ...]:
    """The form's query boxes: the queries, padded with empty boxes to six."""
    return tuple(queries) + ("",) * (6 - len(queries)) if len(queries) < 6 else queries


def _district_table(n: int, series: Series, args: TrendArgs, measure: str) -> DistrictTable:
    districts = series.districts or ()  # set: this table is made for a trend counted per district
    top = max((p.value(measure) for d in districts for p in d.points), default=0)

    def shade(value: float) -> int:
        return 0 if value <= 0 or top <= 0 else max(1, round(value / top * (SHADES - 1)))

    rows = []
    for d in districts:
        name = d.district
        cells = tuple(
            Cell(
                p.value(measure),
                _text(p.value(measure), measure),
                search_url(period_request(args.request, series.query, args.by, p.period, name)) if name else "",
                shade(p.value(measure)),
            )
            for p in d.points
        )
        rows.append(
            DistrictRow(
                name or "区域不详",
                date_label(d.first_appearance) if d.first_appearance else "日期不详",
                d.total_documents,
                cells,
            )
        )
    return DistrictTable(series.query, f"s{n % 6}", tuple(rows))
