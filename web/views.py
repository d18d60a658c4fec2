"""One blueprint: each view is request -> library -> template.

Every view reads through ``visible()``: the documents this request's actor may
see (``search.access.visible_documents``), so totals, facets, hits, pages,
downloads and exports all leave restricted documents out alike.
"""

from __future__ import annotations

import io
from itertools import chain
from pathlib import Path

from flask import (
    Flask,
    abort,
    jsonify,
    render_template,
    request,
    send_file,
)

from web.blueprint import bp, engine, hand_engine_to_response, release_engine, render_results, visible
from web.document_page import document_page
from web.downloads import download_name, media_type, member_download
from web.exports import attachment, public_base_url, search_csv
from web.pages import results_page
from web.params import occurrence_offset, search_request
from web.spooled import spooled_response

MISSING_DOCUMENT = "没有这个文档。它可能已从索引中删除，或者链接有误。"


@bp.get("/")
@bp.get("/search")
def search_page():
    """GET / and /search: the results page (or its htmx fragment)."""
    page = results_page(engine(), search_request(request.args), visible())
    return render_results(page)


@bp.get("/search.json")
def search_json():
    """GET /search.json: the results as JSON."""
    page = results_page(engine(), search_request(request.args), visible())
    return jsonify(page.results.to_json())


@bp.get("/search.csv")
def search_csv_export():
    """GET /search.csv: every result as CSV (with a BOM for Excel), named after the query."""
    wanted = search_request(request.args)
    chunks = search_csv(engine(), wanted, public_base_url(), visible())
    # A BOM, so that Excel reads the UTF-8 as UTF-8; the file is named after the query (稳就业-20261204.csv).
    return spooled_response(chain(["\ufeff"], chunks), mimetype="text/csv", headers=attachment(wanted, "csv"))


SUGGEST_INPUT_LIMIT = 100  # longer input is a sentence, not a phrase being typed
SUGGEST_WAIT = 1.0  # seconds a keystroke may wait for a new generation's suggestions to be built


@bp.get("/suggest")
def suggestions():
    """Phrases of the archive for what is being typed, with document counts (JSON, for the search box)."""
    typed = request.args.get("q", "")
    found = engine().suggest(typed, wait=SUGGEST_WAIT, visible=visible()) if len(typed) <= SUGGEST_INPUT_LIMIT else []
    return jsonify({"query": typed[:SUGGEST_INPUT_LIMIT], "suggestions": [s.to_json() for s in found]})


# -- documents ---------------------------------------------------------------------


@bp.get("/doc/<doc_id>")
def document(doc_id):
    """GET /doc/<id>: the document page, the query's phrases marked."""
    page = document_page(
        engine(), doc_id, search_request(request.args), at=occurrence_offset(request.args), visible=visible()
    )
    if page is None:
        abort(404, MISSING_DOCUMENT)
    return render_template("doc.html", doc=page)


@bp.get("/doc/<doc_id>/original")
def original(doc_id):
    """GET /doc/<id>/original: the file the document was read from (or a container's member), as a download."""
    stored = engine().document(doc_id, visible=visible())
    if stored is None:
        abort(404, MISSING_DOCUMENT)  # a restricted document answers as a missing one
    path = engine().original_file(stored)
    if path is None:
        member = member_download(engine(), stored)  # a zip's member, a mail's attachment
        if member is None:
            abort(404, "原始文件不在已索引的文件夹中（可能已被移动或删除）。")
        content, name = member
        response = send_file(io.BytesIO(content), as_attachment=True, download_name=download_name(Path(name)))
        response.headers["Content-Type"] = media_type(Path(name), stored.encoding)
        return response
    response = send_file(path, as_attachment=True, download_name=download_name(path))
    response.headers["Content-Type"] = media_type(path, stored.encoding)  # send_file would add charset=utf-8
    return response


def init_app(app: Flask) -> None:
    """Install the request checks (host, auth, CSRF, headers, time budget, audit) and the engine per request, and register the routes."""
    from werkzeug.routing import BaseConverter

    from web import audit, auth, csrf, headers, hosts, limits

    class RegexConverter(BaseConverter):
        def __init__(self, url_map, pattern):
            super().__init__(url_map)
            self.regex = pattern

    app.url_map.converters.setdefault("regex", RegexConverter)
    # Order matters: a foreign Host is refused before anything; the actor is known before CSRF and views.
    hosts.init_app(app)
    auth.init_app(app)
    csrf.init_app(app)
    headers.init_app(app)
    limits.init_app(app)
    audit.init_app(app)
    app.after_request(hand_engine_to_response)
    app.teardown_request(release_engine)
    app.register_blueprint(bp)
