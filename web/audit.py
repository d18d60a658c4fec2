"""What the web appends to the audit log: searches, document views, downloads, exports, logins,
saved-query changes (``search.access.audit`` writes and reads the log)."""

from __future__ import annotations

from urllib.parse import unquote_plus

from flask import current_app, g, request

from search.access.audit import AuditLog

# endpoint -> event of a request that reads documents
READ_EVENTS = {
    "web.search_page": "search",
    "web.search_json": "export",
    "web.search_csv_export": "export",
    "web.saved_view": "search",
    "web.shared_view": "search",
    "web.saved_feed": "export",
    "web.document": "view",
    "web.original": "download",
    "analysis.trend_view": "search",
    "analysis.kwic_view": "search",
    "analysis.trend_json": "export",
    "analysis.trend_csv": "export",
    "analysis.kwic_json": "export",
    "analysis.kwic_csv": "export",
}


def audit_log() -> AuditLog:
    """The app's audit log."""
    return current_app.extensions["audit"]


def record(event: str, user: str | None = None, **fields) -> None:
    """Append an event for this request (the actor's name unless ``user`` is given)."""
    if user is None:
        actor = g.get("actor")
        user = g.get("audit_user") or (actor.name if actor is not None else None)
    address = request.remote_addr
    forwarded = request.headers.get("X-Forwarded-For", "")
    if forwarded and address in current_app.config.get("TRUSTED_PROXIES", ()):
        address = forwarded.split(",")[0].strip()[:64]  # the client, as our own proxy saw it
    try:
        audit_log().record(event, user or None, address, route=request.endpoint, path=request.path, **fields)
    except OSError as exc:  # an unwritable log must not take the search down; it is reported loudly
        current_app.logger.error("cannot write the audit log %s: %s", audit_log().path, exc)


def record_reads(response):
    """After each request: one line for each search, view, download and export (HEAD included)."""
    event = READ_EVENTS.get(request.endpoint or "")
    if event:
        # Decoded, so that `search audit` shows q=稳就业 whether the browser percent-encoded it or not.
        query = unquote_plus(request.query_string.decode("utf-8", "replace"), encoding="utf-8", errors="replace")
        fields = {"status": response.status_code, "query": query}
        if request.view_args:
            fields.update({k: v for k, v in request.view_args.items() if k in ("doc_id", "slug")})
        record(event, **fields)
    return response


def init_app(app) -> None:
    """Open the audit log and record each read (searches, views, downloads, exports) after its request."""
    app.extensions["audit"] = AuditLog(app.config["AUDIT_LOG"])
    app.after_request(record_reads)
