"""What one request may cost: a time budget, and caps on the query's terms and filter values.

A flood of the worst requests (hundreds of OR'ed terms, dozens of filter
values with no hits, each of which made the zero-result suggestions count
once more) must not starve everyone else's searches: each is refused with a
message up front, or stopped when its budget is spent.
"""

from __future__ import annotations

from flask import Flask, Response, current_app, request
from werkzeug.exceptions import BadRequest

from search.budget import QueryTooComplex, set_deadline

REQUEST_TIME_BUDGET = 5.0  # seconds; a normal search takes milliseconds
EXPORT_TIME_BUDGET = 60.0  # a CSV of every hit makes every snippet
EXPORT_ENDPOINTS = (
    "web.search_csv_export",
    "analysis.kwic_csv",
    "analysis.trend_csv",
    "web.search_xlsx_export",
    "web.kwic_xlsx_export",
    "web.compile_docx",
    "web.compile_zip",
)


class TooComplex(BadRequest):
    """Shown when a request ran out of time."""

    def __init__(self, seconds: float):
        super().__init__(f"查询过于复杂：{seconds:g} 秒内未能完成。请减少检索词或筛选条件后再试。")


def start_request_budget() -> None:
    """Start the request's time budget (an export's is longer)."""
    config = current_app.config
    export = request.endpoint in EXPORT_ENDPOINTS
    set_deadline(config["EXPORT_TIME_BUDGET"] if export else config["REQUEST_TIME_BUDGET"])


def end_request_budget(_exc: BaseException | None = None) -> None:
    """End the request's time budget."""
    """The answer to a query over its time budget: a page saying so, not a 500."""
    set_deadline(None)


def too_complex(_exc: QueryTooComplex) -> Response:
    from web.errors import error_response

    export = request.endpoint in EXPORT_ENDPOINTS
    return error_response(TooComplex(current_app.config["EXPORT_TIME_BUDGET" if export else "REQUEST_TIME_BUDGET"]))


def init_app(app: Flask) -> None:
    """Give every request a time budget and answer a query that runs over it."""
    app.config.setdefault("REQUEST_TIME_BUDGET", REQUEST_TIME_BUDGET)
    app.config.setdefault("EXPORT_TIME_BUDGET", EXPORT_TIME_BUDGET)
    app.before_request(start_request_budget)
    app.teardown_request(end_request_budget)
    app.register_error_handler(QueryTooComplex, too_complex)
