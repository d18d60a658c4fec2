"""One blueprint: each view is request -> library -> template."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import chain

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    g,
    jsonify,
    make_response,
    redirect,
    render_template,
    request,
    send_file,
    stream_with_context,
    url_for,
)
from werkzeug.datastructures import MultiDict

from search.query import find_document, matching_ids, original_file
from search.saved import SLUG_PATTERN, SavedQueries, SavedQueryError, parse_query_string

from . import csrf
from .exports import atom_time, feed_results, search_csv
from .pages import date_label, document_page, results_page, search_url
from .params import BadParameter, search_request

bp = Blueprint("web", __name__)


def snapshot():
    """The current index generation, fetched once per request."""
    if "snapshot" not in g:
        g.snapshot = current_app.extensions["archive"].snapshot()
    return g.snapshot


def saved_queries() -> SavedQueries:
    return current_app.extensions["saved_queries"]


def is_fragment_request() -> bool:
    """An htmx request for the results alone (a history restore needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_results(page, **context) -> Response:
    """The full search page, or only its results for htmx; the pushed URL is the canonical one."""
    template = "partials/results.html" if is_fragment_request() else "search.html"
    response = make_response(render_template(template, page=page, fragment=is_fragment_request(), **context))
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    if is_fragment_request() and not context.get("saved"):
        response.headers["HX-Push-Url"] = page.url
    return response


# -- search ------------------------------------------------------------------------


@bp.get("/")
@bp.get("/search")
def search_page():
    page = results_page(snapshot(), search_request(request.args))
    return render_results(page)


@bp.get("/search.json")
def search_json():
    page = results_page(snapshot(), search_request(request.args))
    return jsonify(page.results.to_json())


@bp.get("/search.csv")
def search_csv_export():
    chunks = search_csv(snapshot(), search_request(request.args))
    stamp = datetime.now().strftime("%Y%m%d-%H%M")
    return Response(
        stream_with_context(chain(["\ufeff"], chunks)),  # a BOM, so that Excel reads the UTF-8 as UTF-8
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="search-{stamp}.csv"'},
    )


# -- documents ---------------------------------------------------------------------


@bp.get("/doc/<doc_id>")
def document(doc_id):
    page = document_page(snapshot(), doc_id, search_request(request.args))
    if page is None:
        abort(404, "没有这个文档。它可能已从索引中删除，或者链接有误。")
    return render_template("doc.html", doc=page)


@bp.get("/doc/<doc_id>/original")
def original(doc_id):
    docnum = find_document(snapshot(), doc_id)
    path = original_file(snapshot().document(docnum)) if docnum is not None else None
    if path is None:
        abort(404, "原始文件不在已索引的文件夹中（可能已被移动或删除）。")
    return send_file(path, as_attachment=True, download_name=path.name, mimetype="text/plain")


# -- saved queries ---------------------------------------------------------------------


@bp.get("/saved")
def saved_list():
    snap = snapshot()
    rows = [(s, matching_ids(snap, s.request)) for s in saved_queries().all()]
    return render_template("saved.html", rows=[(s, len(ids), len(s.new_ids(ids))) for s, ids in rows])


@bp.post("/saved")
def saved_add():
    request_to_save = search_request(MultiDict(parse_query_string(request.form.get("args", ""))))
    name = request.form.get("name", "").strip() or request_to_save.q.strip() or "未命名查询"
    try:
        saved = saved_queries().add(name, request_to_save)
    except SavedQueryError as exc:
        raise BadParameter(f"无法保存：{exc}。") from exc
    return redirect(url_for("web.saved_list", added=saved.slug), code=303)


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>")
def saved_view(slug):
    saved = saved_or_404(slug)
    page = results_page(snapshot(), saved.request)
    saved_queries().mark_viewed(slug, matching_ids(snapshot(), saved.request))
    return render_results(page, saved=saved)


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>.atom")
def saved_feed(slug):
    saved = saved_or_404(slug)
    results = feed_results(snapshot(), saved.request)
    now = datetime.now(UTC)
    body = render_template("feed.xml", saved=saved, results=results, now=now, atom_time=atom_time,
                           date_label=date_label, search_url=search_url)
    return Response(body, mimetype="application/atom+xml")


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/rename")
def saved_rename(slug):
    saved_or_404(slug)
    try:
        saved_queries().rename(slug, request.form.get("name", ""))
    except SavedQueryError as exc:
        raise BadParameter(f"无法重命名：{exc}。") from exc
    return redirect(url_for("web.saved_list"), code=303)


@bp.route(f"/saved/<regex('{SLUG_PATTERN}'):slug>/delete", methods=["GET", "POST"])
def saved_delete(slug):
    saved = saved_or_404(slug)
    if request.method == "GET":
        return render_template("saved_delete.html", saved=saved)
    saved_queries().delete(slug)
    return redirect(url_for("web.saved_list", deleted=saved.name), code=303)


def saved_or_404(slug: str):
    saved = saved_queries().get(slug)
    if saved is None:
        abort(404, "没有这个保存的查询（可能已被删除）。")
    return saved


def init_app(app) -> None:
    from werkzeug.routing import BaseConverter

    class RegexConverter(BaseConverter):
        def __init__(self, url_map, pattern):
            super().__init__(url_map)
            self.regex = pattern

    app.url_map.converters.setdefault("regex", RegexConverter)
    csrf.init_app(app)
    app.register_blueprint(bp)
    app.after_request(security_headers)


def security_headers(response: Response) -> Response:
    """No inline script or style runs, even if something slipped through escaping."""
    response.headers.setdefault(
        "Content-Security-Policy",
        "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
        "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'",
    )
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    return response
