"""Saved queries on the web: each user's own list (in words, times in the server's zone), read-only share
links, feeds with revocable tokens, and the address e-mail alerts go to (``search.saved.alerts``; the check
itself runs on a timer thread, ``start_alert_timer``, never in a request).

A saved query is visible to its owner and to admins only; anyone else gets the
same 404 as for a slug that does not exist.  A share link shows the search
read-only (over what the viewer may see) and offers to copy it.  A feed URL
carries the query's feed token and shows what its owner may see.
"""

from __future__ import annotations

import hmac
import logging
from datetime import UTC, datetime, tzinfo

from flask import Flask, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from search.access import LOCAL_OWNER, Actor
from search.saved.alerts import AlertAddressError, AlertStore, AlertTimer, CheckReport, check_alerts, start_alerts
from search.saved.mail import AlertConfigError, AlertSettings, Mailer, load_settings
from search.saved.store import (
    SLUG_PATTERN,
    TOKEN_PATTERN,
    SavedQueries,
    SavedQuery,
    SavedQueryError,
    parse_query_string,
)
from search.zone import shown_time
from web.audit import record
from web.auth import Unauthorized, actor, auth_mode, signed_in_actor, users
from web.blueprint import bp, engine, render_results, visible
from web.exports import atom_time, feed_results, xml_safe, zone
from web.headers import carries_secret
from web.pages import date_label, results_page, search_url
from web.params import BadParameter, search_request

MISSING_SAVED = "没有这个保存的查询（可能已被删除）。"
log = logging.getLogger("web.alerts")


def saved_queries() -> SavedQueries:
    """The app's saved-query store."""
    return current_app.extensions["saved_queries"]


def alert_store(app: Flask | None = None) -> AlertStore:
    """The alert tables, beside the saved queries (opened on first use)."""
    app = app or current_app
    if "alerts" not in app.extensions:
        app.extensions["alerts"] = AlertStore(app.config["SAVED_DB"])
    return app.extensions["alerts"]


def alert_settings(app: Flask | None = None) -> AlertSettings:
    """The SMTP and timer settings (``search.saved.mail``), read once; unusable ones are logged and mean no mail."""
    app = app or current_app
    if "alert_settings" not in app.extensions:
        try:
            settings = load_settings(app.extensions["engine"].state_dir(), config_file=app.config.get("ALERTS_CONFIG"))
        except AlertConfigError as exc:
            log.error("e-mail alerts are off: %s", exc)
            settings = AlertSettings(None, 0)
        app.extensions["alert_settings"] = settings
    return app.extensions["alert_settings"]


def zone_label(tz: tzinfo) -> str:
    """The time zone's name as shown (北京时间 for China's)."""
    key = getattr(tz, "key", str(tz))
    return "北京时间" if key in ("Asia/Shanghai", "Asia/Chongqing", "PRC") else key


def owned_or_404(slug: str) -> SavedQuery:
    """The saved query, when the actor owns it or is an admin; else the 404 of a missing one."""
    saved = saved_queries().get(slug)
    who = signed_in_actor()
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
    """GET /saved: the saved queries (all of them for an admin), each with its count and new matches."""
    who = signed_in_actor()
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
    tz = zone()
    return render_template(
        "saved.html",
        rows=rows,
        show_owner=who.is_admin and auth_mode() != "none",
        when=lambda stored: shown_time(stored, tz),
        zone_label=zone_label(tz),
        subscription=alert_store().subscription(who.name),
        mail_on=alert_settings().smtp is not None,
        every=alert_settings().every_minutes,
    )


@bp.post("/saved/alerts")
def saved_alert_address():
    """Set (or, empty, remove) the address the actor's alerts go to; its queries' baselines are taken now."""
    who, address = signed_in_actor(), request.form.get("address", "").strip()
    if not address or request.form.get("off"):
        alert_store().clear_address(who.name)
        record("alert_address_cleared")
        flash("已关闭邮件提醒。")
        return redirect(url_for("web.saved_list"), code=303)
    try:
        subscription = alert_store().set_address(who.name, address)
    except AlertAddressError as exc:
        raise BadParameter(f"无法设置邮件提醒：{exc}。") from exc
    start_alerts(engine(), saved_queries(), alert_store(), who.name, visible=visible())
    record("alert_address_set", mail_to=subscription.address)
    flash(f"邮件提醒将发往 {subscription.address}：保存的查询有新文档时发送，每篇只发一次。")
    return redirect(url_for("web.saved_list"), code=303)


@bp.post("/saved")
def saved_add():
    """POST /saved: save the search (named, or after its query) and start its alerts when its owner has an address."""
    request_to_save = search_request(MultiDict(parse_query_string(request.form.get("args", ""))))
    name = request.form.get("name", "").strip() or request_to_save.q.strip() or "未命名查询"
    try:
        saved = saved_queries().add(name, request_to_save, owner=signed_in_actor().name)
    except SavedQueryError as exc:
        raise BadParameter(f"无法保存：{exc}。") from exc
    record("saved_add", slug=saved.slug, name=saved.name, query=saved.query_string)
    if alert_store().subscription(saved.owner) is not None:  # what it matches now is not news
        start_alerts(engine(), saved_queries(), alert_store(), saved.owner, visible=visible(), saved=saved)
    return redirect(url_for("web.saved_list", added=saved.slug), code=303)


@bp.get(f"/saved/<regex('{SLUG_PATTERN}'):slug>")
def saved_view(slug):
    """GET /saved/<slug>: the saved query's results; its owner's own view marks them seen."""
    saved = owned_or_404(slug)
    page = results_page(engine(), saved.request, visible())
    if saved.owner == signed_in_actor().name and is_own_view():
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
    """GET /saved/<slug>.atom: the saved query's Atom feed, with its token or signed in (404 otherwise)."""
    token = request.args.get("token", "")
    who = actor()  # a feed reader with the token is nobody signed in
    if not token and who is None and auth_mode() != "none":
        raise Unauthorized  # a feed reader without the feed's token, whichever the slug
    saved = saved_queries().get(slug)
    token_ok = saved is not None and hmac.compare_digest(saved.feed_token.encode(), token.encode())
    signed_in = who is not None and saved is not None and (who.is_admin or who.name == saved.owner)
    if saved is None or not (token_ok or signed_in or auth_mode() == "none"):
        abort(404, MISSING_SAVED)  # a wrong token answers as a missing query
    reader = owner_actor(saved.owner)
    if reader is None:
        abort(404, MISSING_SAVED)
    g.audit_user = who.name if who is not None else f"feed:{saved.owner}"
    results = feed_results(engine(), saved.request, visible(reader))
    now = datetime.now(UTC)
    carries_secret()
    body = render_template(
        "feed.xml",
        saved=saved,
        results=results,
        now=now,
        atom_time=atom_time,
        date_label=date_label,
        search_url=search_url,
        base_url=public_base_url(),
    )
    return Response(xml_safe(body), mimetype="application/atom+xml")


def public_base_url() -> str:
    """Where links in a feed point: the configured public URL, else this (trusted) host."""
    return (current_app.config.get("PUBLIC_URL") or request.host_url).rstrip("/")


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/rename")
def saved_rename(slug):
    """POST /saved/<slug>/rename: rename the saved query."""
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
    """POST /saved/<slug>/delete: delete the saved query and its alert log."""
    saved = owned_or_404(slug)
    saved_queries().delete(slug)
    alert_store().forget(slug)
    record("saved_delete", slug=slug, name=saved.name)
    flash(f"已删除“{saved.name}”。")
    return redirect(url_for("web.saved_list"), code=303)


@bp.post(f"/saved/<regex('{SLUG_PATTERN}'):slug>/feed-token")
def saved_renew_feed_token(slug):
    """POST /saved/<slug>/feed-token: a new feed token (the old feed address stops working)."""
    saved = owned_or_404(slug)
    saved_queries().renew_feed_token(slug)
    record("saved_feed_token_renewed", slug=slug, name=saved.name)
    flash(f"已更换“{saved.name}”的订阅地址，旧地址不再可用。")
    return redirect(url_for("web.saved_list"), code=303)


# -- sharing -----------------------------------------------------------------------


def shared_or_404(token: str) -> SavedQuery:
    """The saved query a share token names, or a 404."""
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
    """POST /shared/<token>/copy: save a copy of a shared query as the actor's own."""
    saved = shared_or_404(token)
    name = request.form.get("name", "").strip() or saved.name
    try:
        copy = saved_queries().add(name, saved.request, owner=signed_in_actor().name)
    except SavedQueryError as exc:
        raise BadParameter(f"无法保存：{exc}。") from exc
    record("saved_copy", slug=copy.slug, name=copy.name, source=saved.slug)
    if alert_store().subscription(copy.owner) is not None:
        start_alerts(engine(), saved_queries(), alert_store(), copy.owner, visible=visible(), saved=copy)
    return redirect(url_for("web.saved_list", added=copy.slug), code=303)


# -- the alert check, on a timer thread inside `search serve` -------------------------


def alert_base_url(app: Flask) -> str:
    """Where the mails' links point: --public-url, else the alerts config's public_url, else the listening address."""
    return (
        app.config.get("PUBLIC_URL")
        or alert_settings(app).public_url
        or app.config.get("SERVE_URL")
        or "http://127.0.0.1:8000"
    ).rstrip("/")


def run_alert_check(app: Flask, mailer: Mailer | None = None) -> CheckReport:
    """One check over the current generation (``search.saved.alerts.check_alerts``), as the timer runs it."""
    settings = alert_settings(app)
    if mailer is None and settings.smtp is not None:
        mailer = Mailer(settings.smtp)
    pinned = app.extensions["engine"].pinned()
    try:
        with app.app_context():
            return check_alerts(
                pinned, app.extensions["saved_queries"], alert_store(app), mailer, alert_base_url(app), owner_actor
            )
    finally:
        pinned.release()


def start_alert_timer(app: Flask) -> AlertTimer | None:
    """Start the alert check's thread when SMTP is configured and the interval is not 0; the thread or None."""
    settings = alert_settings(app)
    if settings.smtp is None or settings.every_minutes <= 0:
        return None
    timer = AlertTimer(lambda: run_alert_check(app), settings.every_minutes * 60)
    timer.start()
    app.extensions["alert_timer"] = timer
    log.info(
        "e-mail alerts: checked every %g minutes through %s:%d",
        settings.every_minutes,
        settings.smtp.host,
        settings.smtp.port,
    )
    return timer
