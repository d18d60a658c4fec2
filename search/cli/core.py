"""The main commands: ``search index``, ``search query`` and ``search serve``."""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path

import click

from search.cli.options import (
    DEFAULT_SOURCES,
    UserError,
    engine_of,
    filter_options,
    index_option,
    print_results,
    search_request,
)
from search.errors import SearchError
from search.meta.places import canonical_district
from search.query import MAX_PER_PAGE, MAX_QUERY_LENGTH


@click.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@index_option
@click.option("--rebuild", is_flag=True, help="Start from an empty index.")
@click.option(
    "--procs",
    type=click.IntRange(1, 16),
    default=min(4, os.cpu_count() or 1),
    show_default=True,
    help="Processes reading and analysing files (the index itself is written by one).",
)
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option(
    "--follow-links",
    is_flag=True,
    help="Index files that symbolic links point to outside the indexed folder (skipped by default).",
)
@click.option(
    "--no-ocr",
    is_flag=True,
    help="Do not recognise PDF pages without a text layer (scans; OCR takes ~4 s a page, once: "
    "the text is cached in the index folder's ocr-cache/).",
)
def index_command(paths, index_dir, rebuild, procs, quiet, follow_links, no_ocr):
    """Index PATHS (files or folders; default seeds/): new, changed and removed files."""
    paths = list(paths) or [Path(p) for p in DEFAULT_SOURCES]

    def warn(message: str) -> None:
        click.echo(f"warning: {message}", err=True)

    def status(message: str) -> None:
        click.echo(message, err=True)

    def progress(items):
        if quiet or not items or not sys.stderr.isatty():
            return items
        return _ProgressList(items)

    try:
        report = engine_of(index_dir, check=False).index(
            paths,
            rebuild=rebuild,
            procs=procs,
            progress=progress,
            warn=warn,
            follow_links=follow_links,
            ocr=not no_ocr,
            status=None if quiet else status,
        )
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    click.echo(report.summary)
    for path in report.removed:
        click.echo(f"  removed: {path}")
    if report.warnings:
        sys.exit(3)


class _ProgressList:
    """Iterates like the list it wraps, drawing a progress bar on stderr."""

    def __init__(self, items):
        self.items = items

    def __iter__(self):
        with click.progressbar(self.items, label="indexing", file=sys.stderr, show_pos=True) as bar:
            yield from bar

    def __len__(self):
        return len(self.items)


@click.command("query")
@click.argument("query", default="")
@index_option
@filter_options
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--copies", metavar="ID", default="", help="Only the copies of this document (its reprint cluster).")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every hit (all pages) as CSV, the web's columns.")
@click.option(
    "--xlsx",
    "xlsx_file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write every hit (all pages) to this .xlsx file, with a sheet of the query.",
)
@click.option(
    "--public-url",
    metavar="URL",
    default=lambda: os.environ.get("SEARCH_PUBLIC_URL", "http://127.0.0.1:8000"),
    show_default="$SEARCH_PUBLIC_URL or http://127.0.0.1:8000",
    help="Where --csv/--xlsx links point.",
)
def query_command(query, index_dir, limit, page, copies, as_json, as_csv, xlsx_file, public_url, **filters):
    """Search the index.  QUERY syntax: terms (ANDed), "quoted phrase", a OR b, -term,
    district:二七区 topic:就业 title:老旧小区 year:2020 date:2020-07..2020-08."""
    if len(query) > MAX_QUERY_LENGTH:
        raise UserError(
            f"the query is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}",
            "shorten it, or split it into several searches",
        )
    try:
        request = search_request(query, filters, page=page, per_page=limit, copies=copies)
        results = engine_of(index_dir).search(request)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if as_csv or xlsx_file:
        from search.cli.export import export_results

        export_results(engine_of(index_dir), request, public_url, as_csv, xlsx_file)
    elif as_json:
        click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
    else:
        print_results(results, colour=sys.stdout.isatty())


@click.command("serve")
@index_option
@click.option(
    "--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 opens it to the network)."
)
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port).")
@click.option(
    "--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Worker threads (per process)."
)
@click.option(
    "--workers",
    type=click.IntRange(1, 32),
    default=1,
    show_default=True,
    help="Processes sharing the port (a process uses one core: up to one per core).",
)
@click.option(
    "--public-url",
    metavar="URL",
    help="The address users reach it at through a reverse proxy (https://search.example.gov.cn/); "
    "its host is trusted besides the listening address's names.",
)
@click.option(
    "--auth",
    "auth_mode",
    type=click.Choice(["none", "local", "header"]),
    help="Who may use it: local (accounts, `search users`), header (a single sign-on proxy sets "
    "the user), none (anyone who reaches the port). Required unless listening on 127.0.0.1.",
)
@click.option(
    "--auth-header", default="X-Remote-User", show_default=True, help="With --auth header: the user's header."
)
@click.option(
    "--trusted-proxy",
    "trusted_proxies",
    multiple=True,
    metavar="IP",
    help="With --auth header: the proxy's address (repeatable); other clients get 403.",
)
@click.option(
    "--session-hours",
    type=click.IntRange(1, 24 * 30),
    default=8,
    show_default=True,
    help="With --auth local: how long a login lasts.",
)
@click.option(
    "--home",
    metavar="PLACE",
    default="郑州市",
    show_default=True,
    help="The home area, listed first and open under 区域 (a place of search/data/gazetteer.toml).",
)
@click.option(
    "--log-level",
    type=click.Choice(["debug", "info", "warning", "error"]),
    default="info",
    show_default=True,
    help="What goes to standard error: info logs a line per request.",
)
def serve_command(
    index_dir,
    host,
    port,
    threads,
    workers,
    public_url,
    auth_mode,
    auth_header,
    trusted_proxies,
    session_hours,
    home,
    log_level,
):
    """Serve the web UI over the index (waitress, a production WSGI server)."""
    # The library never imports Flask; only this command does, when it runs.
    from search.cli.access import serve_auth_config
    from web import create_app, request_log
    from web.hosts import trusted_hosts
    from web.saved_views import start_alert_timer
    from web.server import ServerError, listen, run

    if public_url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", public_url):
        raise UserError(
            f"--public-url {public_url!r} is not an http(s) URL", hint="e.g. https://search.example.gov.cn/"
        )
    auth_config = serve_auth_config(host, auth_mode, auth_header, trusted_proxies, session_hours, public_url)
    home_area = canonical_district(home)
    if home_area is None:
        raise UserError(f"--home {home!r} is no place of the gazetteer", hint="e.g. --home 郑州市 or --home 二七区")
    config = {
        "INDEX_DIR": str(index_dir),
        "PUBLIC_URL": public_url,
        "SERVE_URL": f"http://{host}:{port}",
        "HOME_AREA": home_area,
        "LOG_LEVEL": log_level.upper(),
        "TRUSTED_HOST_NAMES": trusted_hosts(host, public_url),
        **auth_config,
    }

    def make_app():
        app = create_app(config)
        app.extensions["engine"].warm_up(background=True)
        start_alert_timer(app)  # e-mail alerts, on their own thread (when SMTP is configured)
        return app

    try:
        # Opened here, before any worker starts: a bad index is one line, not one per worker.
        app = make_app() if workers == 1 else create_app(config)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    request_log.configure(log_level)  # once the index opened: a failure to open is one line, no log
    location = app.extensions["engine"].location
    started = request_log.startup_facts(app.extensions["engine"])  # before any fork
    if workers > 1:
        app = None  # each worker opens its own
    try:
        sock = listen(host, port)
    except OSError as exc:
        raise UserError(
            f"cannot listen on {host}:{port} ({exc.strerror or exc})",
            hint="is another server running there? choose another with --port",
        ) from exc
    shown = f"http://{host}:{sock.getsockname()[1]}/"
    processes = f", {workers} worker processes" if workers > 1 else ""
    click.echo(f"serving {location} at {shown}{processes} (Ctrl-C to stop)")
    request_log.server_log.info("%s", request_log.startup_line(started, shown, config["AUTH_MODE"], workers, threads))
    try:
        run(make_app if app is None else (lambda: app), sock, threads, workers, lambda line: click.echo(line, err=True))
    except KeyboardInterrupt:
        click.echo("stopped")
    except ServerError as exc:
        raise UserError(str(exc), hint="run with --workers 1 to see why") from exc
    finally:
        sock.close()
