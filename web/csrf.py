"""CSRF protection: a per-session token, checked on every POST.

Only POST changes anything (GET and HEAD never do: a link checker's HEAD, or a
cross-site ``fetch(…, {method: 'HEAD', mode: 'no-cors'})``, must not delete).
"""

from __future__ import annotations

import hmac
import secrets

from flask import Flask, request, session
from werkzeug.exceptions import BadRequest

from web.headers import carries_secret

SESSION_KEY = "csrf_token"
FORM_FIELD = "csrf_token"
HEADER = "X-CSRF-Token"
EXEMPT = frozenset({"auth.login_submit"})  # checks the login form's own token


class CSRFError(BadRequest):
    description = "表单已过期或来源不明（CSRF 校验失败）。请回到页面，刷新后再试一次。"


def session_token(key: str) -> str:
    """The session's secret under ``key``, created on first use; the page carrying it is not cached."""
    carries_secret()
    token = session.get(key)
    if not token:
        token = session[key] = secrets.token_urlsafe(32)
    return token


def csrf_token() -> str:
    """This session's token; every POST form carries it."""
    return session_token(SESSION_KEY)


def check_csrf() -> None:
    """Before each request: a state-changing request must carry this session's token."""
    if request.method in ("GET", "HEAD", "OPTIONS") or request.routing_exception is not None:
        return  # a POST to an unknown route or method gets its 404/405, not a CSRF error
    if request.endpoint in EXEMPT:
        return
    expected = session.get(SESSION_KEY)
    sent = request.form.get(FORM_FIELD) or request.headers.get(HEADER) or ""
    if not expected or not hmac.compare_digest(expected.encode(), sent.encode()):
        raise CSRFError


def init_app(app: Flask) -> None:
    """Check the CSRF token before each request and give templates ``csrf_token``."""
    app.before_request(check_csrf)
    app.jinja_env.globals["csrf_token"] = csrf_token
