"""One blueprint: each view is request -> library -> template."""

from __future__ import annotations

from datetime import UTC, datetime
from itertools import chain

from flask import (
    Blueprint,
    flash,
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
from search.query.suggest import suggest
from search.saved import SLUG_PATTERN, SavedQueries, SavedQueryError, parse_query_string

from . import csrf, headers, hosts, limits
from .downloads import download_name, media_type
from .exports import atom_time, feed_results, search_csv, xml_safe
from .pages import date_label, document_page, results_page, search_url
from .params import BadParameter, occurrence_offset, search_request

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


SUGGEST_INPUT_LIMIT = 100  # longer input is a sentence, not a phrase being typed
SUGGEST_WAIT = 1.0  # seconds a keystroke may wait for a new generation's suggestions to be built


@bp.get("/suggest")
def suggestions():
    """Phrases of the archive for what is being typed, with document counts (JSON, for the search box)."""
    typed = request.args.get("q", "")
    found = suggest(snapshot(), typed, wait=SUGGEST_WAIT) if len(typed) <= SUGGEST_INPUT_LIMIT else []
    return jsonify({"query": typed[:SUGGEST_INPUT_LIMIT], "suggestions": [s.to_json() for s in found]})


# -- documents ---------------------------------------------------------------------


@bp.get("/doc/<doc_id>")
def document(doc_id):
    page = document_page(snapshot(), doc_id, search_request(request.args), at=occurrence_offset(request.args))
    if page is None:
        abort(404, "没有这个文档。它可能已从索引中删除，或者链接有误。")
    return render_template("doc.html", doc=page)


@bp.get("/doc/<doc_id>/original")
def original(doc_id):
    docnum = find_document(snapshot(), doc_id)
    stored = snapshot().document(docnum) if docnum is not None else None
    path = original_file(stored) if stored is not None else None
    if path is None:
        abort(404, "原始文件不在已索引的文件夹中（可能已被移动或删除）。")
    response = send_file(path, as_attachment=True, download_name=download_name(path))
    response.headers["Content-Type"] = media_type(path, stored.encoding)  # send_file would add charset=utf-8
    return response


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
    if is_own_view():
        saved_queries().mark_viewed(slug, matching_ids(snapshot(), saved.request))
    return render_results(page, saved=saved)


def is_own_view() -> bool:
    """A GET the user made from our own pages or the address bar: it may reset "N 篇新".

    A HEAD (a link checker) or a request another site made the browser send
    (``Sec-Fetch-Site: cross-site``, or an ``Origin`` that is not ours) is not a view.
    """
    if request.method != "GET":
        return False
    if request.headers.get("Sec-Fetch-Site", "none") not in ("same-origin", "none"):
        return False
    origin = request.headers.get("Origin")
    return origin is None or origin == request.host_url.rstrip("/")


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>.atom")
def saved_feed(slug):
    saved = saved_or_404(slug)
    results = feed_results(snapshot(), saved.request)
    now = datetime.now(UTC)
    body = render_template("feed.xml", saved=saved, results=results, now=now, atom_time=atom_time,
                           date_label=date_label, search_url=search_url, base_url=public_base_url())
    return Response(xml_safe(body), mimetype="application/atom+xml")


def public_base_url() -> str:
    """Where links in a feed point: the configured public URL, else this (trusted) host."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/rename")
def saved_rename(slug):
    saved_or_404(slug)
    try:
        saved_queries().rename(slug, request.form.get("name", ""))
    except SavedQueryError as exc:
        raise BadParameter(f"无法重命名：{exc}。") from exc
    return redirect(url_for("web.saved_list"), code=303)


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>/delete")
def saved_delete_confirm(slug):
    """Only asks: GET and HEAD never delete (link checkers and other sites send them)."""
    return render_template("saved_delete.html", saved=saved_or_404(slug))


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/delete")
def saved_delete(slug):
    saved = saved_or_404(slug)
    saved_queries().delete(slug)
    flash(f"已删除“{saved.name}”。")
    return redirect(url_for("web.saved_list"), code=303)


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
    hosts.init_app(app)
    csrf.init_app(app)
    headers.init_app(app)
    limits.init_app(app)
    app.register_blueprint(bp)
