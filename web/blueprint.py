"""The web UI's one blueprint and what every view uses: the request's engine (pinned to one index
generation), the documents its actor may see, and rendering a results page whole or as an htmx fragment.

The routes are in ``views`` (search, documents), ``saved_views``, ``admin_views``, ``export_views`` and
``review_views``; ``web.create_app`` imports them all before registering the blueprint.
"""

from __future__ import annotations

import threading
from typing import Any

from flask import (
    Blueprint,
    Response,
    current_app,
    g,
    make_response,
    render_template,
    request,
)

from web.auth import actor

bp = Blueprint("web", __name__)


def engine():
    """The engine fixed to the current index generation, fetched once per request and held until its
    response is closed (a streamed export's last row included): a commit meanwhile cannot close it
    under the request (``search.engines``: the embedded engine holds its snapshot)."""
    if "engine" not in g:
        g.engine = current_app.extensions["engine"].pinned()
    return g.engine


def hand_engine_to_response(response):
    """The response releases the request's engine when the server closes it (after streaming, for a
    streamed one: Flask tears the request down before a streamed body is made)."""
    held = g.pop("engine", None)
    if held is not None:
        released = threading.Event()

        def release() -> None:
            if not released.is_set():  # a response may be closed twice; a hold is released once
                released.set()
                held.release()

        response.call_on_close(release)
    return response


def release_engine(_exc: BaseException | None = None) -> None:
    """A request that ended without a response (an error in an after-request hook) releases it here."""
    held = g.pop("engine", None)
    if held is not None:
        held.release()


def visible(who=None):
    """The documents the actor (or ``who``) may see in this request's generation; None: all."""
    if who is not None:
        return engine().visible_to(who)
    if "visible" not in g:
        g.visible = engine().visible_to(actor())
    return g.visible


def is_fragment_request() -> bool:
    """An htmx request for the results alone (a history restore needs the whole page)."""
    return request.headers.get("HX-Request") == "true" and request.headers.get("HX-History-Restore-Request") != "true"


def render_results(page: Any, **context: Any) -> Response:
    """The full search page, or only its results for htmx; the pushed URL is the canonical one."""
    template = "partials/results.html" if is_fragment_request() else "search.html"
    response = make_response(render_template(template, page=page, fragment=is_fragment_request(), **context))
    response.vary.update(("HX-Request", "HX-History-Restore-Request"))
    if is_fragment_request() and not context.get("saved"):
        response.headers["HX-Push-Url"] = page.url
    return response


# -- search ------------------------------------------------------------------------
