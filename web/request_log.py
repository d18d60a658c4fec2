"""The server's log, through Python's ``logging``: one line per request, and the facts it started with.

A request's line (logger ``web.requests``, level INFO), fields separated by one space::

    GET /search?q=%E5%B0%B1%E4%B8%9A&page=2 200 12ms alice

method, target (the path percent-encoded as on the wire, then the query string as sent, so that
a line never holds a space or a control character before the user), status, the milliseconds
from the request's arrival to its response being ready (an export spooled to a file is ready
once spooled; the client's reading is not counted), and the user (``-`` for nobody or the
machine's owner without accounts; the last field, so a name with a space cannot shift the
others; control and format characters escaped as ``search audit`` escapes them).

``search serve --log-level`` sets the level: ``warning`` keeps only warnings and errors (a 500's
traceback is logged by Flask at ERROR on the ``web`` logger), ``debug`` adds waitress's own.
Lines go to standard error, each prefixed with the time, the level and the logger's name.
"""

from __future__ import annotations

import logging
import sys
import time
from typing import Any
from urllib.parse import quote

from flask import Flask, g, request

from search.access.audit import printable

log = logging.getLogger("web.requests")
server_log = logging.getLogger("web.server")  # the start-up line
LEVELS = ("debug", "info", "warning", "error")
FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
_STARTED = "govsearch.started"
# Characters a path or query keeps as they are: RFC 3986's unreserved and sub-delimiters, ":", "@",
# "/" (and "?", "%" in a query, which arrives encoded already).
_PATH_SAFE = "/:@!$&'()*+,;=-._~"
_QUERY_SAFE = _PATH_SAFE + "?%"


def configure(level: str) -> None:
    """Log lines at ``level`` and above to standard error (``search serve --log-level``)."""
    handler = logging.StreamHandler(sys.stderr)
    handler.setFormatter(logging.Formatter(FORMAT))
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level.upper())
    logging.getLogger("web").setLevel(level.upper())


def init_app(app: Flask) -> None:
    """Time every request from its arrival and log its line once its response is ready."""
    inner = app.wsgi_app

    def timed(environ, start_response):
        environ[_STARTED] = time.perf_counter()
        return inner(environ, start_response)

    app.wsgi_app = timed  # type: ignore[method-assign]  # Flask's documented way to wrap the WSGI app
    app.after_request(_log_request)


def request_line(method: str, path: str, query: bytes, status: int, ms: float, user: str | None) -> str:
    """The log line of one request (see the module's docstring)."""
    target = quote(path, safe=_PATH_SAFE)
    if query:
        target += "?" + quote(query.decode("latin-1"), safe=_QUERY_SAFE, encoding="latin-1")
    return f"{printable(method)} {target} {status} {ms:.0f}ms {printable(user) if user else '-'}"


def _log_request(response):
    if log.isEnabledFor(logging.INFO):
        started = request.environ.get(_STARTED)
        ms = (time.perf_counter() - started) * 1000 if started is not None else 0.0
        actor = g.get("actor")
        log.info(
            "%s",
            request_line(
                request.method,
                request.path,
                request.query_string,
                response.status_code,
                ms,
                actor.name if actor is not None else None,
            ),
        )
    return response


def startup_facts(engine: Any) -> dict:
    """The index's location, generation and documents (``?`` for what its engine cannot say now)."""
    try:
        stats = engine.stats()
    except Exception:  # noqa: BLE001 - the facts are advice; the server starts anyway
        stats = {}
    return {
        "index": engine.location,
        "generation": stats.get("generation", "?"),
        "documents": stats.get("documents", "?"),
    }


def startup_line(facts: dict, url: str, auth_mode: str, workers: int, threads: int) -> str:
    """What ``search serve`` logs once it listens: the index, its generation and documents, who may
    use it and where (``serving index=… generation=… documents=… auth=… url=… workers=… threads=…``)."""
    return (
        f"serving index={printable(facts['index'])} generation={printable(facts['generation'])} "
        f"documents={facts['documents']} auth={auth_mode} url={url} workers={workers} threads={threads}"
    )
