"""The exports that are files: .xlsx of results and of concordance lines, the Word 汇编 of chosen
documents, and the zip of their originals; and /compile, the page where the documents are ticked.

Each is request -> library (``search.export.run``, over what this reader may see) -> a download named
after the query.  A workbook, a .docx and a zip are whole files (their directories come last), so each
is built in a spooled temporary file (memory up to ``SPOOL_BYTES``, then disk) and sent from there.
"""

from __future__ import annotations

import tempfile
from dataclasses import replace
from typing import IO

from flask import Response, render_template, request
from werkzeug.wsgi import wrap_file

from search.export import describe_request
from search.export.run import (
    DEFAULT_FIRST,
    MAX_CHOSEN,
    chosen_documents,
    compilation,
    concordance_workbook,
    originals,
    results_workbook,
)
from search.query import SearchRequest
from web.analysis_params import kwic_args
from web.blueprint import bp, engine, visible
from web.downloads import download_name
from web.exports import attachment, public_base_url, zone
from web.pages import date_label, search_url
from web.params import BadParameter, library_call, search_request

SPOOL_BYTES = 16 * 1024 * 1024
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ZIP = "application/zip"


def spooled():
    """A temporary file kept in memory up to SPOOL_BYTES (an export is written there first)."""
    return tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)


def download(buffer: IO[bytes], mimetype: str, headers: dict[str, str]) -> Response:
    """The spooled file, from its start, as an attachment (closed when the response is)."""
    buffer.seek(0)
    response = Response(wrap_file(request.environ, buffer), mimetype=mimetype, headers=headers, direct_passthrough=True)
    response.call_on_close(buffer.close)
    return response


def chosen_ids() -> list[str]:
    """The ids of the documents ticked on the results page (``id=…``)."""
    return [v for v in request.args.getlist("id") if v]


def first_count() -> int:
    """The ``first`` argument (how many results to compile); BadParameter outside 1 to MAX_CHOSEN."""
    raw = request.args.get("first", "")
    if raw in ("", None):
        return DEFAULT_FIRST
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_CHOSEN:
        raise BadParameter(f"“前 N 篇”须为 1 到 {MAX_CHOSEN} 之间的整数。")
    return int(raw)


@bp.get("/search.xlsx")
def search_xlsx_export():
    """GET /search.xlsx: the search's results as an Excel workbook."""
    wanted, buffer = search_request(request.args), spooled()
    results_workbook(buffer, engine(), wanted, public_base_url(), zone(), visible())
    return download(buffer, XLSX, attachment(wanted, "xlsx"))


@bp.get("/kwic.xlsx")
def kwic_xlsx_export():
    """GET /kwic.xlsx: the concordance as an Excel workbook."""
    args, buffer = kwic_args(request.args), spooled()
    library_call(
        lambda: concordance_workbook(
            buffer, engine(), args.request, args.order, args.width, public_base_url(), zone(), visible()
        )
    )
    return download(buffer, XLSX, attachment(args.request, "xlsx", "上下文"))


@bp.get("/compile")
def compile_page():
    """The 汇编 selection: this search's first ``MAX_CHOSEN`` hits, each with a box to tick."""
    wanted = search_request(request.args)
    results = engine().search(replace(wanted, page=1, per_page=MAX_CHOSEN), visible=visible())
    ticked = set(chosen_ids())
    hidden = [(k, v) for k, v in wanted.to_args() if k not in ("page", "per_page")]
    return render_template(
        "compile.html",
        request_=wanted,
        results=results,
        ticked=ticked,
        hidden=hidden,
        date_label=date_label,
        max_chosen=MAX_CHOSEN,
        default_first=DEFAULT_FIRST,
        back_url=search_url(replace(wanted, page=1)),
    )


@bp.get("/compile.docx")
def compile_docx():
    """GET /compile.docx: the chosen documents compiled into one Word file (汇编)."""
    wanted, buffer = search_request(request.args), spooled()
    records = chosen_documents(engine(), wanted, chosen_ids(), first_count(), visible())
    compilation(buffer, engine(), wanted, records, public_base_url(), zone(), visible())
    return download(buffer, DOCX, attachment(wanted, "docx", "汇编"))


@bp.get("/compile.zip")
def compile_zip():
    """GET /compile.zip: the chosen documents' original files in one zip."""
    wanted, buffer = search_request(request.args), spooled()
    records = chosen_documents(engine(), wanted, chosen_ids(), first_count(), visible())
    originals(buffer, engine(), records, public_base_url(), download_name, wanted)
    return download(buffer, ZIP, attachment(wanted, "zip", "原文"))


@bp.app_template_global()
def export_url(kind: str, search: SearchRequest) -> str:
    """The URL of an export of ``search`` (a SearchRequest): xlsx, compile (the 汇编 page)."""
    endpoint = {"xlsx": "web.search_xlsx_export", "compile": "web.compile_page"}[kind]
    return search_url(replace(search, page=1), endpoint)


def kwic_xlsx_url(csv_url: str) -> str:
    """The .xlsx link beside a concordance's .csv link."""
    return csv_url.replace("/kwic.csv", "/kwic.xlsx", 1)


bp.add_app_template_filter(kwic_xlsx_url, "kwic_xlsx")
bp.add_app_template_global(describe_request, "describe")
