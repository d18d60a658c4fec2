"""/trend and /kwic with their JSON and CSV twins: each view is request -> library -> template."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain

from flask import Blueprint, Flask, Response, jsonify, render_template, request

from search.analysis.trend import CSV_COLUMNS, smoothed, trend_rows
from search.export import KWIC_COLUMNS, kwic_row
from web.analysis_params import district_page, kwic_args, paged_districts, trend_args
from web.blueprint import engine, visible
from web.exports import attachment, csv_chunks, public_base_url
from web.kwic_page import kwic_page
from web.params import library_call
from web.spooled import spooled_response
from web.trend_page import trend_page

bp = Blueprint("analysis", __name__)


def csv_response(rows: Iterable[Iterable], name: str) -> Response:
    """Rows as a streamed CSV download (with a BOM, so that Excel reads the UTF-8 as UTF-8)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return spooled_response(
        chain(["\ufeff"], csv_chunks(rows)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'},
    )


@bp.get("/trend")
def trend_view():
    """GET /trend: the trend page (chart and tables) of the queries."""
    page = library_call(lambda: trend_page(engine(), trend_args(request.args), visible()))
    return render_template("trend.html", page=page)


@bp.get("/trend.json")
def trend_json():
    """GET /trend.json: the trend as JSON."""
    args = trend_args(request.args)
    page = district_page(request.args)
    result = library_call(
        lambda: engine().trend(args.queries, args.request, args.by, args.measure, args.per, visible=visible())
    )
    return jsonify(paged_districts(smoothed(result, args.smooth).to_json(), page))


@bp.get("/trend.csv")
def trend_csv():
    """GET /trend.csv: the trend's numbers as CSV."""
    args = trend_args(request.args)
    result = library_call(
        lambda: engine().trend(args.queries, args.request, args.by, args.measure, args.per, visible=visible())
    )
    return csv_response(chain([CSV_COLUMNS], trend_rows(smoothed(result, args.smooth))), "trend")


@bp.get("/kwic")
def kwic_view():
    """GET /kwic: one page of the query's occurrences in context."""
    page = library_call(lambda: kwic_page(engine(), kwic_args(request.args), visible()))
    return render_template("kwic.html", page=page)


@bp.get("/kwic.json")
def kwic_json():
    """GET /kwic.json: that page of the concordance as JSON."""
    args = kwic_args(request.args)
    result = library_call(lambda: engine().concordance(args.request, args.order, args.width, visible=visible()))
    return jsonify(result.to_json())


@bp.get("/kwic.csv")
def kwic_csv():
    """GET /kwic.csv: every concordance line as CSV (with a BOM for Excel), streamed."""
    args = kwic_args(request.args)
    lines = library_call(lambda: engine().all_lines(args.request, args.order, args.width, visible=visible()))
    base = public_base_url()
    rows = chain([KWIC_COLUMNS], (kwic_row(n, line, base, args.request) for n, line in enumerate(lines, 1)))
    return spooled_response(
        chain(["\ufeff"], csv_chunks(rows)), mimetype="text/csv", headers=attachment(args.request, "csv", "上下文")
    )


def init_app(app: Flask) -> None:
    """Register the analysis pages."""
    app.register_blueprint(bp)
