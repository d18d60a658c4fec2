"""/trend and /kwic with their JSON and CSV twins: each view is request -> library -> template."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from itertools import chain

from flask import Blueprint, Response, jsonify, render_template, request

from search.analysis.trend import CSV_COLUMNS, trend_rows
from search.export import KWIC_COLUMNS, kwic_row

from .analysis_params import district_page, kwic_args, paged_districts, trend_args
from .exports import attachment, csv_chunks, public_base_url
from .kwic_page import kwic_page
from .spooled import spooled_response
from .params import BadParameter
from .trend_page import trend_page
from .views import engine, visible

bp = Blueprint("analysis", __name__)


def _library(call):
    """A library call whose ValueError is the user's (a bad combination of parameters): a 400."""
    try:
        return call()
    except ValueError as exc:
        raise BadParameter(f"参数无效：{exc}") from exc


def csv_response(rows: Iterable[Iterable], name: str) -> Response:
    """Rows as a streamed CSV download (with a BOM, so that Excel reads the UTF-8 as UTF-8)."""
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return spooled_response(chain(["\ufeff"], csv_chunks(rows)), mimetype="text/csv",
                            headers={"Content-Disposition": f'attachment; filename="{name}-{stamp}.csv"'})


@bp.get("/trend")
def trend_view():
    page = _library(lambda: trend_page(engine(), trend_args(request.args), visible()))
    return render_template("trend.html", page=page)


@bp.get("/trend.json")
def trend_json():
    args = trend_args(request.args)
    page = district_page(request.args)
    result = _library(lambda: engine().trend(args.queries, args.request, args.by, args.measure, args.per,
                                    visible=visible()))
    return jsonify(paged_districts(result.to_json(), page))


@bp.get("/trend.csv")
def trend_csv():
    args = trend_args(request.args)
    result = _library(lambda: engine().trend(args.queries, args.request, args.by, args.measure, args.per,
                                    visible=visible()))
    return csv_response(chain([CSV_COLUMNS], trend_rows(result)), "trend")


@bp.get("/kwic")
def kwic_view():
    page = _library(lambda: kwic_page(engine(), kwic_args(request.args), visible()))
    return render_template("kwic.html", page=page)


@bp.get("/kwic.json")
def kwic_json():
    args = kwic_args(request.args)
    result = _library(lambda: engine().concordance(args.request, args.order, args.width, visible=visible()))
    return jsonify(result.to_json())


@bp.get("/kwic.csv")
def kwic_csv():
    args = kwic_args(request.args)
    lines = _library(lambda: engine().all_lines(args.request, args.order, args.width, visible=visible()))
    base = public_base_url()
    rows = chain([KWIC_COLUMNS], (kwic_row(n, line, base, args.request) for n, line in enumerate(lines, 1)))
    return spooled_response(chain(["\ufeff"], csv_chunks(rows)), mimetype="text/csv", headers=attachment(args.request, "csv", "上下文"))


def init_app(app) -> None:
    app.register_blueprint(bp)
