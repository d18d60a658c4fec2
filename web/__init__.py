"""The web UI (Flask + htmx) over the search library."""

from __future__ import annotations

import logging
import os
import secrets
from pathlib import Path

from flask import Flask
from flask.json.provider import DefaultJSONProvider

from search.access.audit import log_path
from search.access.users import store_path as users_path
from search.engines import open_engine
from search.saved.store import SavedQueries, store_path
from search.text.bidi import shown

SECRET_KEY_FILE = "web-secret.key"


def create_app(test_config: dict | None = None) -> Flask:
    """The app over the index in ``INDEX_DIR`` (default ``$SEARCH_INDEX`` or ``index``): a folder, or an
    OpenSearch index URL (``search.engines.open_engine``).

    Config: ``INDEX_DIR``; ``STATE_DIR`` (the folder of the files below: the index folder, or a URL
    index's local state folder); ``SAVED_DB`` (default ``<STATE_DIR>/saved.sqlite3``);
    ``SECRET_KEY`` (default: read from, or generated into, ``<INDEX_DIR>/web-secret.key``,
    so that sessions and CSRF tokens survive a restart); ``AUTH_MODE`` (none, local,
    header; see ``web.auth``), ``USERS_DB``, ``AUDIT_LOG``, ``TRUSTED_HOST_NAMES``,
    ``PUBLIC_URL``.  Raises ``SearchError`` when there is no usable index.
    """
    app = Flask(__name__)
    app.config.from_mapping(
        INDEX_DIR=os.environ.get("SEARCH_INDEX", "index"),
        MAX_CONTENT_LENGTH=64 * 1024,  # forms only: a name and a query string
        SESSION_COOKIE_SAMESITE="Lax",
        SESSION_COOKIE_HTTPONLY=True,
        JSON_AS_ASCII=False,
    )
    if test_config:
        app.config.from_mapping(test_config)
    # One engine per app: the embedded one hands out the current snapshot and reopens on a new generation.
    engine = open_engine(app.config["INDEX_DIR"], state=app.config.get("STATE_DIR"))
    engine.check()
    index_dir = engine.state_dir()
    app.config.setdefault("SAVED_DB", str(store_path(index_dir)))
    app.config.setdefault("USERS_DB", str(users_path(index_dir)))
    app.config.setdefault("AUDIT_LOG", str(log_path(index_dir)))
    if not app.config.get("SECRET_KEY"):
        app.config["SECRET_KEY"] = _stored_secret(index_dir / SECRET_KEY_FILE)
    if isinstance(app.json, DefaultJSONProvider):  # Flask's own: its JSON keeps Chinese as written
        app.json.ensure_ascii = False
    # Every {{ value }} of every page, fragment and feed without bidi controls (U+202E would reverse a
    # title or a file name on screen); what is indexed and matched keeps them.
    app.jinja_env.finalize = shown

    app.extensions["engine"] = engine
    app.extensions["saved_queries"] = SavedQueries(app.config["SAVED_DB"])

    # the routes on web.blueprint.bp, imported before views.init_app registers it
    from web import admin_views, errors, export_views, review_views, saved_views, views  # noqa: F401

    views.init_app(app)
    from web import analysis_views  # trend and concordance; imports views

    analysis_views.init_app(app)
    from web import compare_views, emerging_views  # noqa: F401 - 比较 (keyness) and 新词 (emerging terms), on one blueprint

    compare_views.init_app(app)
    from web import help_pages  # 高级检索 and 检索帮助

    help_pages.init_app(app)
    errors.init_app(app)
    from web import request_log  # one log line per request (logger web.requests)

    request_log.init_app(app)
    if not app.debug and not app.testing:
        logging.getLogger("web").setLevel(app.config.get("LOG_LEVEL", "INFO"))
    return app


def _stored_secret(path: Path) -> str:
    """The secret kept in ``path``, created on first use; an unwritable folder gets a per-process secret."""
    try:
        secret = path.read_text().strip()
        if secret:
            return secret
    except OSError:
        pass
    secret = secrets.token_hex(32)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as handle:
            handle.write(secret + "\n")
    except FileExistsError:
        return path.read_text().strip() or secret  # another process won the race
    except OSError:
        pass
    return secret
