"""Who is asking: the actor of each request, under one of three auth modes.

- ``none``: one person on their own machine; every request acts as the owner.
- ``local``: accounts in ``users.sqlite3`` (``search users …``), a login page,
  server-side sessions that expire and end at logout (the cookie holds only a
  token), failed logins slowed down and then locked per name and address, and
  at most a few password checks a second whoever asks.
- ``header``: a single sign-on proxy in front sets a header with the user's
  name; requests that do not come from the trusted proxy get 403.

With an auth mode, an anonymous page request goes to /login; an anonymous
JSON, CSV or Atom request gets 401 (a feed carries its own token instead).
"""

from __future__ import annotations

import hmac
import threading
import time
from urllib.parse import urlsplit

from flask import Blueprint, Flask, abort, current_app, g, redirect, render_template, request, session, url_for
from werkzeug.exceptions import HTTPException
from werkzeug.wrappers import Response

from search.access import LOCAL_OWNER, Actor
from search.access.users import UserStore
from web.csrf import CSRFError, session_token

AUTH_MODES = ("none", "local", "header")
SESSION_HOURS = 8
# Password checks per second, per process (each costs about 0.1 s of a core and 64 MB): a flood of
# logins with random names must not take the cores from searches.  A burst of twice as many passes.
LOGIN_CHECKS_PER_SECOND = 4
SESSION_KEY = "sid"
# Reachable without signing in: the login form itself, static files, and feeds (their URL holds a token).
OPEN_ENDPOINTS = frozenset({"static", "auth.login", "auth.login_submit", "web.saved_feed"})
LOGIN_CSRF_KEY = "login_csrf"

bp = Blueprint("auth", __name__)


class Unauthorized(HTTPException):
    code = 401
    description = "需要登录后才能访问。"


class Forbidden(HTTPException):
    code = 403
    description = "请通过统一身份认证入口访问本服务。"


class TooManyAttempts(HTTPException):
    code = 429

    def __init__(self, seconds: int, locked: bool):
        minutes = max(1, (seconds + 59) // 60)
        text = (
            f"登录失败次数过多，账户已暂时锁定，请 {minutes} 分钟后再试。"
            if locked
            else f"登录失败次数较多，请 {seconds} 秒后再试。"
        )
        super().__init__(text)
        self.retry_after = seconds

    def get_headers(self, environ=None, scope=None):
        """The 429's headers, with Retry-After."""
        return [*super().get_headers(environ, scope), ("Retry-After", str(self.retry_after))]


class TooManyLogins(TooManyAttempts):
    """Every thread's password checks together are over the cap: try again in a second."""

    def __init__(self):
        HTTPException.__init__(self, "登录请求过多，请稍后再试。")
        self.retry_after = 1


class CheckRate:
    """A token bucket: at most ``rate`` password checks a second (a burst of ``2 * rate``, at least one), across threads."""

    def __init__(self, rate: float):
        self.rate, self.capacity = rate, max(1.0, 2 * rate)
        self.tokens, self.stamp = self.capacity, time.monotonic()
        self.lock = threading.Lock()

    def take(self) -> bool:
        """Take one password check from the bucket; False when none is left this moment."""
        with self.lock:
            now = time.monotonic()
            self.tokens = min(self.capacity, self.tokens + (now - self.stamp) * self.rate)
            self.stamp = now
            if self.tokens < 1:
                return False
            self.tokens -= 1
            return True


def users() -> UserStore:
    """The accounts (opened on first use: without an auth mode nothing is written beside the index)."""
    store = current_app.extensions.get("users")
    if store is None:
        store = current_app.extensions["users"] = UserStore(current_app.config["USERS_DB"])
    return store


def actor() -> Actor | None:
    """Who this request acts for (None: nobody signed in)."""
    return g.get("actor")


def signed_in_actor() -> Actor:
    """``actor()`` on a page only the signed-in reach (``load_actor`` sent the others away): 401 if none."""
    who = actor()
    if who is None:
        raise Unauthorized
    return who


def auth_mode() -> str:
    """How users sign in: ``none``, ``local`` (accounts) or ``header`` (a trusted proxy's header)."""
    return current_app.config["AUTH_MODE"]


def load_actor() -> Response | None:
    """Before each request: find the actor, and send anonymous requests to the login page or a 401."""
    mode = auth_mode()
    if mode == "none":
        g.actor = LOCAL_OWNER
        return None
    if mode == "header":
        if request.remote_addr not in current_app.config["TRUSTED_PROXIES"]:
            raise Forbidden
        name = request.headers.get(current_app.config["AUTH_HEADER"], "").strip()
        if len(name) > 64:  # cut, two long names would be one user: refused instead
            raise Forbidden
        g.actor = _actor_named(name, default_reader=True) if name else None
    else:
        g.actor = _session_actor()
    if g.actor is None and request.endpoint not in OPEN_ENDPOINTS:
        if request.routing_exception is not None:
            return None  # a 404/405 says nothing about what exists
        if mode == "local" and _wants_page():
            return redirect(url_for("auth.login", next=_local_path(request.full_path)))
        raise Unauthorized
    return None


def _actor_named(name: str, default_reader: bool) -> Actor | None:
    user = users().get(name)
    if user is not None:
        return user.actor
    return Actor(name[:64]) if default_reader else None


def _session_actor() -> Actor | None:
    """The user of this browser's server-side session: the cookie's token must name a live session
    row (logout, a new password, role or groups, or a removed account delete them)."""
    token, since = session.get(SESSION_KEY), session.get("since", 0)
    if not token:
        return None
    max_age = current_app.config["SESSION_HOURS"] * 3600
    name = users().sessions.user_of(token, max_age) if time.time() - since <= max_age else None
    found = _actor_named(name, default_reader=False) if name else None
    if found is None:
        session.clear()
    return found


def client_address() -> str:
    """The client's address: ``X-Forwarded-For``'s first when the request comes through a trusted proxy."""
    address = request.remote_addr or ""
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and address in current_app.config.get("TRUSTED_PROXIES", ()):
        address = forwarded.split(",")[0].strip()
    return address[:64]


def _wants_page() -> bool:
    return request.method in ("GET", "HEAD") and not request.path.endswith((".json", ".csv", ".atom"))


def _local_path(target: str | None) -> str:
    """A path on this site to go back to after login (never another site)."""
    target = (target or "").rstrip("?")
    parts = urlsplit(target)
    if not target.startswith("/") or target.startswith("//") or parts.scheme or parts.netloc or "\\" in target:
        return request.script_root + "/"
    return target


def login_csrf_token() -> str:
    """The login form's own token (there is no session to tie the ordinary one to yet)."""
    return session_token(LOGIN_CSRF_KEY)


@bp.get("/login")
def login():
    """GET /login: the sign-in form (404 unless local accounts; a signed-in user goes on to ``next``)."""
    if auth_mode() != "local":
        abort(404)
    if actor() is not None:
        return redirect(_local_path(request.args.get("next")))
    return render_template("login.html", next=_local_path(request.args.get("next")), error=None)


@bp.post("/login")
def login_submit():
    """POST /login: check the password (CSRF, rate and lockout first); a new session and on to ``next``, or the form again with 401."""
    if auth_mode() != "local":
        abort(404)
    from web.audit import record

    expected = session.get(LOGIN_CSRF_KEY, "")
    sent = request.form.get("csrf_token", "")
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CSRFError
    name = request.form.get("name", "").strip()[:64]
    if not current_app.extensions["login checks"].take():
        raise TooManyLogins
    result = users().login(name, request.form.get("password", "")[:1024], address=client_address())
    target = _local_path(request.form.get("next"))
    if result.user is None:
        record("login_failed", user=name)
        if result.wait_seconds and result.locked:
            raise TooManyAttempts(result.wait_seconds, locked=True)
        message = "用户名或密码错误。"
        if result.wait_seconds:
            message += f"请 {result.wait_seconds} 秒后再试。"
        return current_app.make_response((render_template("login.html", next=target, error=message, name=name), 401))
    session.clear()  # a fresh session: no fixation, no token of the anonymous one carried over
    session[SESSION_KEY] = users().sessions.start(result.user.name)
    session["since"] = time.time()
    session.permanent = True
    g.actor = result.user.actor
    record("login", user=result.user.name)
    return redirect(target, code=303)


@bp.post("/logout")
def logout():
    """POST /logout: end the session (and its stored session) and go to the sign-in page or the search page."""
    from web.audit import record

    record("logout")
    if auth_mode() == "local" and session.get(SESSION_KEY):
        users().sessions.end(session[SESSION_KEY])  # a copy of the cookie no longer signs anyone in
    session.clear()
    return redirect(url_for("auth.login") if auth_mode() == "local" else url_for("web.search_page"), code=303)


def init_app(app: Flask) -> None:
    """Check the auth mode, set the session's defaults and the password-check rate, and register the sign-in routes."""
    mode = app.config.setdefault("AUTH_MODE", "none")
    if mode not in AUTH_MODES:
        raise ValueError(f"AUTH_MODE must be one of {AUTH_MODES}, not {mode!r}")
    app.config.setdefault("SESSION_HOURS", SESSION_HOURS)
    app.config.setdefault("AUTH_HEADER", "X-Remote-User")
    app.config.setdefault("TRUSTED_PROXIES", ["127.0.0.1"])
    from datetime import timedelta

    app.permanent_session_lifetime = timedelta(hours=app.config["SESSION_HOURS"])
    app.config.setdefault("LOGIN_CHECKS_PER_SECOND", LOGIN_CHECKS_PER_SECOND)
    app.extensions["login checks"] = CheckRate(app.config["LOGIN_CHECKS_PER_SECOND"])
    if mode != "none":
        app.extensions["users"] = UserStore(app.config["USERS_DB"])
        if mode == "local":
            app.extensions["users"].sessions.forget_older_than(app.config["SESSION_HOURS"] * 3600)
    app.before_request(load_actor)
    app.register_blueprint(bp)
    app.jinja_env.globals["login_csrf_token"] = login_csrf_token
    app.jinja_env.globals["current_actor"] = actor
    app.jinja_env.globals["auth_mode"] = auth_mode
