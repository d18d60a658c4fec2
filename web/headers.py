"""Response headers every page gets: a script policy, and who may keep a copy.

A page that carries a secret (a CSRF token in a form, a feed token in a link)
is never stored by a browser or proxy (``no-store``); other dynamic pages are
``private`` (they may differ per user once logins exist).  Static files keep
Flask's own caching.
"""

from __future__ import annotations

from flask import Response, g, request

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"
)


def carries_secret() -> None:
    """Called by whatever puts a token in the response (so it is not cached)."""
    g.carries_secret = True


def response_headers(response: Response) -> Response:
    """No inline script or style runs, even if something slipped through escaping; no cached tokens."""
    response.headers.setdefault("Content-Security-Policy", CONTENT_SECURITY_POLICY)
    response.headers.setdefault("X-Content-Type-Options", "nosniff")
    response.headers.setdefault("Referrer-Policy", "same-origin")
    if request.endpoint != "static":
        if g.get("carries_secret"):
            response.headers["Cache-Control"] = "no-store"
        else:
            response.headers.setdefault("Cache-Control", "private")
        response.vary.add("Cookie")
    return response


def init_app(app) -> None:
    """Add the security headers to every response."""
    app.after_request(response_headers)
