"""Saved queries on the web: each user's own list, read-only share links, feeds with revocable tokens.

A saved query is visible to its owner and to admins only; anyone else gets the
same 404 as for a slug that does not exist.  A share link shows the search
read-only (over what the viewer may see) and offers to copy it.  A feed URL
carries the query's feed token and shows what its owner may see.
"""

from __future__ import annotations

import hmac
from datetime import UTC, datetime

from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from search.access import LOCAL_OWNER, Actor
from search.saved import SLUG_PATTERN, TOKEN_PATTERN, SavedQueries, SavedQueryError, parse_query_string

from .audit import record
from .auth import Unauthorized, actor, auth_mode, users
from .exports import atom_time, feed_results, xml_safe
from .headers import carries_secret
from .pages import date_label, results_page, search_url
from .params import BadParameter, search_request
from .views import bp, engine, render_results, visible

MISSING_SAVED = "没有这个保存的查询（可能已被删除）。"


def saved_queries() -> SavedQueries:
    return current_app.extensions["saved_queries"]


def owned_or_404(slug: str):
    """The saved query, when the actor owns it or is an admin; else the 404 of a missing one."""
    saved = saved_queries().get(slug)
    who = actor()
    if saved is None or not (who.is_admin or saved.owner == who.name):
        abort(404, MISSING_SAVED)
    return saved


def owner_actor(owner: str) -> Actor | None:
    """The actor a feed reads as: its owner now (None when the account is gone)."""
    if auth_mode() == "none":
        return LOCAL_OWNER
    user = users().get(owner)
    if user is not None:
        return user.actor
    return Actor(owner) if auth_mode() == "header" and owner else None


@bp.get("/saved")
def saved_list():
    who = actor()
    snap = engine()
    mine = saved_queries().all(None if who.is_admin else who.name)
    rows = []
    for saved in mine:
        # Counted as its owner would see it (an admin's view of another user's query included).
        seer = who if saved.owner == who.name else (owner_actor(saved.owner) or who)
        counted = snap.saved_count(saved_queries(), saved, visible=visible(seer))
        rows.append((saved, counted.total, counted.new))
    if rows:
        carries_secret()  # feed tokens and share links
    return render_template("saved.html", rows=rows, show_owner=who.is_admin and auth_mode() != "none")


@bp.post("/saved")
def saved_add():
    request_to_save = search_request(MultiDict(parse_query_string(request.form.get("args", ""))))
    name = request.form.get("name", "").strip() or request_to_save.q.strip() or "未命名查询"
    try:
        saved = saved_queries().add(name, request_to_save, owner=actor().name)
    except SavedQueryError as exc:
        raise BadParameter(f"无法保存：{exc}。") from exc
    record("saved_add", slug=saved.slug, name=saved.name, query=saved.query_string)
    return redirect(url_for("web.saved_list", added=saved.slug), code=303)


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>")
def saved_view(slug):
    saved = owned_or_404(slug)
    page = results_page(engine(), saved.request, visible())
    if saved.owner == actor().name and is_own_view():
        engine().mark_viewed(saved_queries(), saved, visible=visible())
    carries_secret()
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
    token = request.args.get("token", "")
    if not token and actor() is None and auth_mode() != "none":
        raise Unauthorized()  # a feed reader without the feed's token, whichever the slug
    saved = saved_queries().get(slug)
    token_ok = saved is not None and hmac.compare_digest(saved.feed_token.encode(), token.encode())
    signed_in = actor() is not None and saved is not None and (actor().is_admin or actor().name == saved.owner)
    if saved is None or not (token_ok or signed_in or auth_mode() == "none"):
        abort(404, MISSING_SAVED)  # a wrong token answers as a missing query
    reader = owner_actor(saved.owner)
    if reader is None:
        abort(404, MISSING_SAVED)
    g.audit_user = actor().name if actor() is not None else f"feed:{saved.owner}"
    results = feed_results(engine(), saved.request, visible(reader))
    now = datetime.now(UTC)
    carries_secret()
    body = render_template("feed.xml", saved=saved, results=results, now=now, atom_time=atom_time,
                           date_label=date_label, search_url=search_url, base_url=public_base_url())
    return Response(xml_safe(body), mimetype="application/atom+xml")


def public_base_url() -> str:
    """Where links in a feed point: the configured public URL, else this (trusted) host."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/rename")
def saved_rename(slug):
    saved = owned_or_404(slug)
    try:
        renamed = saved_queries().rename(slug, request.form.get("name", ""))
    except SavedQueryError as exc:
        raise BadParameter(f"无法重命名：{exc}。") from exc
    record("saved_rename", slug=slug, name=renamed.name, old_name=saved.name)
    return redirect(url_for("web.saved_list"), code=303)


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>/delete")
def saved_delete_confirm(slug):
    """Only asks: GET and HEAD never delete (link checkers and other sites send them)."""
    return render_template("saved_delete.html", saved=owned_or_404(slug))


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/delete")
def saved_delete(slug):
    saved = owned_or_404(slug)
    saved_queries().delete(slug)
    record("saved_delete", slug=slug, name=saved.name)
    flash(f"已删除“{saved.name}”。")
    return redirect(url_for("web.saved_list"), code=303)


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/feed-token")
def saved_renew_feed_token(slug):
    saved = owned_or_404(slug)
    saved_queries().renew_feed_token(slug)
    record("saved_feed_token_renewed", slug=slug, name=saved.name)
    flash(f"已更换“{saved.name}”的订阅地址，旧地址不再可用。")
    return redirect(url_for("web.saved_list"), code=303)


# -- sharing -----------------------------------------------------------------------


def shared_or_404(token: str):
    saved = saved_queries().shared(token)
    if saved is None:
        abort(404, "没有这个共享链接（可能已被删除）。")
    return saved


@bp.get(f"/shared/<regex('{TOKEN_PATTERN}'):token>")
def shared_view(token):
    """Read-only: the search as the viewer may see it, and a form to copy it into their own list."""
    saved = shared_or_404(token)
    page = results_page(engine(), saved.request, visible())
    carries_secret()
    return render_results(page, saved=saved, shared=True)


@bp.post(f"/shared/<regex('{TOKEN_PATTERN}'):token>/copy")
def shared_copy(token):
    saved = shared_or_404(token)
    name = request.form.get("name", "").strip() or saved.name
    try:
        copy = saved_queries().add(name, saved.request, owner=actor().name)
    except SavedQueryError as exc:
        raise BadParameter(f"无法保存：{exc}。") from exc
    record("saved_copy", slug=copy.slug, name=copy.name, source=saved.slug)
    return redirect(url_for("web.saved_list", added=copy.slug), code=303)
