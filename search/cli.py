"""The `search` command: a thin shell over the library.

Here: the group, the options and errors the commands share, and index, query, inspect, stats and
serve. Saved queries, the analyses and access control are in ``cli_saved``, ``cli_analysis`` and
``cli_access``, one concern a module.
"""

from __future__ import annotations

import html
import json
import os
import re
import sys
from pathlib import Path

import click

from .engines import Engine, is_index_url, open_engine
from .errors import SearchError
from .meta.places import canonical_district
from .query import (
    MAX_PER_PAGE,
    MAX_QUERY_LENGTH,
    MODES,
    SORTS,
    SearchRequest,
)

DEFAULT_INDEX = "index"
DEFAULT_SOURCES = ("seeds",)
FACETS_SHOWN = 8
TOPICS_SHOWN = 5


class UserError(click.ClickException):
    """One clear line (and a hint), exit status 1, no traceback."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.hint = hint

    def show(self, file=None):
        file = file or sys.stderr
        click.echo(f"error: {self.message}", file=file)
        if self.hint:
            click.echo(f"hint: {self.hint}", file=file)


def _index_location(ctx, param, value):
    """An index URL stays a string (``Path`` would fold its ``//``); anything else is a folder."""
    return value if is_index_url(value) else Path(value)


def _index_option(func):
    return click.option(
        "--index",
        "index_dir",
        default=lambda: os.environ.get("SEARCH_INDEX", DEFAULT_INDEX),
        callback=_index_location,
        show_default="index/ (or $SEARCH_INDEX)",
        help="Index folder, or an OpenSearch index URL (http://127.0.0.1:9200/govsearch).",
    )(func)


def _engine(index_dir, check: bool = True) -> Engine:
    """The engine of ``--index``, checked readable unless ``check`` is false (an error is one line)."""
    try:
        engine = open_engine(index_dir)
        if check:
            engine.check()
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    return engine


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main():
    """Exact phrase search over Chinese government reports."""


@main.command("index")
@click.argument("paths", nargs=-1, type=click.Path(path_type=Path))
@_index_option
@click.option("--rebuild", is_flag=True, help="Start from an empty index.")
@click.option("--procs", type=click.IntRange(1, 16), default=min(4, os.cpu_count() or 1), show_default=True,
              help="Processes reading and analysing files (the index itself is written by one).")
@click.option("--quiet", "-q", is_flag=True, help="No progress bar.")
@click.option("--follow-links", is_flag=True,
              help="Index files that symbolic links point to outside the indexed folder (skipped by default).")
@click.option("--no-ocr", is_flag=True,
              help="Do not recognise PDF pages without a text layer (scans; OCR takes ~4 s a page, once: "
                   "the text is cached in the index folder's ocr-cache/).")
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
        report = _engine(index_dir, check=False).index(paths, rebuild=rebuild, procs=procs, progress=progress,
                                                       warn=warn, follow_links=follow_links, ocr=not no_ocr,
                                                       status=None if quiet else status)
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


def _filter_options(func=None, *, sort: bool = True):
    """The options that make a search: filters, sort and mode (``search query``, ``search saved add``).

    ``@_filter_options(sort=False)``: without --sort (the analyses order their own way).
    """
    if func is None:
        return lambda f: _filter_options(f, sort=sort)
    options = [
        click.option("--district", "districts", multiple=True, help="Only this district (repeat for any of several)."),
        click.option("--topic", "topics", multiple=True, help="Only this topic (repeat for any of several)."),
        click.option("--issuer", "issuers", multiple=True,
                     help="Only this issuing organ, or a part of its name (repeatable)."),
        click.option("--type", "doc_types", multiple=True, help="Only this document type: 通知, 意见, 工作报告 … (repeatable)."),
        click.option("--docno", "doc_numbers", multiple=True,
                     help="Only this 文号 (any bracket) or a part of it: 郑政〔2021〕5号, 郑政〔 (repeatable)."),
        click.option("--year", "years", multiple=True, type=click.IntRange(1900, 2100),
                     help="Only this year (repeatable)."),
        click.option("--month", "months", multiple=True, metavar="YYYY-MM", help="Only this month (repeatable)."),
        click.option("--from", "date_from", metavar="DATE",
                     help="From this date: 2020, 2020-07, 2020-07-18, 2020/7/1, 2020年7月, 近一年, 今年."),
        click.option("--to", "date_to", metavar="DATE", help="Up to this date (inclusive)."),
        click.option("--since", metavar="SPAN", help="Only the last 90d, 12w, 6m or 1y (up to today; stays relative when saved)."),
        *([click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)] if sort else []),
        click.option("--mode", type=click.Choice(MODES), default="exact", show_default=True,
                     help="exact: Ctrl-F substrings; words: every jieba word anywhere."),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def _search_request(query: str, filters: dict, **paging) -> SearchRequest:
    """The request the options describe; ValueError names a bad value."""
    filters = dict(filters)
    span = filters.pop("since", None)
    if span:
        match = re.fullmatch(r"\s*(\d+)\s*([dwmy])\s*", span, re.IGNORECASE)
        if not match or int(match.group(1)) == 0 or filters.get("date_from"):
            raise ValueError(f"--since must look like 90d, 12w, 6m or 1y (and not come with --from), not {span!r}")
        unit = {"d": "天", "w": "周", "m": "个月", "y": "年"}[match.group(2).lower()]
        filters["date_from"] = f"近{int(match.group(1))}{unit}"  # a relative range: a saved query keeps it
    return SearchRequest(q=query, **filters, **paging)


@main.command("query")
@click.argument("query", default="")
@_index_option
@_filter_options
@click.option("--limit", type=click.IntRange(1, MAX_PER_PAGE), default=10, show_default=True, help="Hits per page.")
@click.option("--page", type=click.IntRange(1), default=1, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object.")
@click.option("--csv", "as_csv", is_flag=True, help="Print every hit (all pages) as CSV, the web's columns.")
@click.option("--xlsx", "xlsx_file", type=click.Path(dir_okay=False, path_type=Path),
              help="Write every hit (all pages) to this .xlsx file, with a sheet of the query.")
@click.option("--public-url", metavar="URL", default=lambda: os.environ.get("SEARCH_PUBLIC_URL", "http://127.0.0.1:8000"),
              show_default="$SEARCH_PUBLIC_URL or http://127.0.0.1:8000", help="Where --csv/--xlsx links point.")
def query_command(query, index_dir, limit, page, as_json, as_csv, xlsx_file, public_url, **filters):
    """Search the index.  QUERY syntax: terms (ANDed), "quoted phrase", a OR b, -term,
    district:二七区 topic:就业 title:老旧小区 year:2020 date:2020-07..2020-08."""
    if len(query) > MAX_QUERY_LENGTH:
        raise UserError(
            f"the query is {len(query)} characters long; the limit is {MAX_QUERY_LENGTH}",
            "shorten it, or split it into several searches",
        )
    try:
        request = _search_request(query, filters, page=page, per_page=limit)
        results = _engine(index_dir).search(request)
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    except ValueError as exc:
        raise UserError(str(exc)) from exc
    if as_csv or xlsx_file:
        from .cli_export import export_results

        export_results(_engine(index_dir), request, public_url, as_csv, xlsx_file)
    elif as_json:
        click.echo(json.dumps(results.to_json(), ensure_ascii=False, indent=2))
    else:
        _print_results(results, colour=sys.stdout.isatty())


def _terminal(snippet_html: str, colour: bool) -> str:
    def repl(match):
        text = html.unescape(match.group(1))
        return click.style(text, fg="yellow", bold=True) if colour else f"«{text}»"

    return html.unescape(re.sub(r"<mark>(.*?)</mark>", repl, snippet_html))


def _print_results(results, colour: bool) -> None:
    req = results.request
    first = (req.page - 1) * req.per_page
    shown = f"{first + 1}–{first + len(results.hits)} of " if results.hits else ""
    click.echo(f"{shown}{results.total} documents · {req.mode} · {results.took_ms} ms · read as: {results.read_as}")
    for note in results.notes:
        click.echo(f"note: {note}")
    for rank, hit in enumerate(results.hits, start=first + 1):
        click.echo("")
        click.echo(click.style(f"{rank:>3}. {hit.title}", bold=True) if colour else f"{rank:>3}. {hit.title}")
        topics = ", ".join(hit.topics[:TOPICS_SHOWN]) + (", …" if len(hit.topics) > TOPICS_SHOWN else "")
        ocr = {"ocr": "OCR", "mixed": "OCR (some pages)"}.get(hit.text_source)
        parts = (hit.district or "?", hit.date or "undated", hit.doc_type, hit.issuer, hit.doc_number, topics, hit.source,
                 ocr)
        meta = " · ".join(x for x in parts if x)
        click.echo(f"     {meta}")
        for snippet in hit.snippets:
            click.echo(f"     {_terminal(snippet, colour)}")
    if results.total:
        click.echo("")
        for name in ("district", "year", "type", "issuer", "topic"):
            values = results.facets.get(name, ())
            if values:
                shown = " · ".join(f"{f.value} ({f.count})" for f in values[:FACETS_SHOWN])
                more = f" · … {len(values) - FACETS_SHOWN} more (--json lists all)" if len(values) > FACETS_SHOWN else ""
                click.echo(f"{name}: {shown}{more}")
    if results.pages > 1:
        click.echo(f"page {req.page} of {results.pages} (--page N)")


@main.command("serve")
@_index_option
@click.option("--host", default="127.0.0.1", show_default=True,
              help="Address to listen on (0.0.0.0 opens it to the network).")
@click.option("--port", type=click.IntRange(0, 65535), default=8000, show_default=True, help="Port (0: any free port).")
@click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True, help="Worker threads (per process).")
@click.option("--workers", type=click.IntRange(1, 32), default=1, show_default=True,
              help="Processes sharing the port (a process uses one core: up to one per core).")
@click.option("--public-url", metavar="URL",
              help="The address users reach it at through a reverse proxy (https://search.example.gov.cn/); "
                   "its host is trusted besides the listening address's names.")
@click.option("--auth", "auth_mode", type=click.Choice(["none", "local", "header"]),
              help="Who may use it: local (accounts, `search users`), header (a single sign-on proxy sets "
                   "the user), none (anyone who reaches the port). Required unless listening on 127.0.0.1.")
@click.option("--auth-header", default="X-Remote-User", show_default=True, help="With --auth header: the user's header.")
@click.option("--trusted-proxy", "trusted_proxies", multiple=True, metavar="IP",
              help="With --auth header: the proxy's address (repeatable); other clients get 403.")
@click.option("--session-hours", type=click.IntRange(1, 24 * 30), default=8, show_default=True,
              help="With --auth local: how long a login lasts.")
@click.option("--home", metavar="PLACE", default="郑州市", show_default=True,
              help="The home area, listed first and open under 区域 (a place of search/data/gazetteer.toml).")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True, help="What goes to standard error: info logs a line per request.")
def serve_command(index_dir, host, port, threads, workers, public_url, auth_mode, auth_header, trusted_proxies,
                  session_hours, home, log_level):
    """Serve the web UI over the index (waitress, a production WSGI server)."""
    # The library never imports Flask; only this command does, when it runs.
    from web import create_app, request_log
    from web.hosts import trusted_hosts
    from web.saved_views import start_alert_timer
    from web.server import ServerError, listen, run

    from .cli_access import serve_auth_config

    if public_url and not re.fullmatch(r"https?://[^/\s?#]+(/[^\s?#]*)?", public_url):
        raise UserError(f"--public-url {public_url!r} is not an http(s) URL", hint="e.g. https://search.example.gov.cn/")
    auth_config = serve_auth_config(host, auth_mode, auth_header, trusted_proxies, session_hours, public_url)
    home_area = canonical_district(home)
    if home_area is None:
        raise UserError(f"--home {home!r} is no place of the gazetteer", hint="e.g. --home 郑州市 or --home 二七区")
    config = {"INDEX_DIR": str(index_dir), "PUBLIC_URL": public_url, "SERVE_URL": f"http://{host}:{port}",
              "HOME_AREA": home_area, "LOG_LEVEL": log_level.upper(),
              "TRUSTED_HOST_NAMES": trusted_hosts(host, public_url), **auth_config}

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
        raise UserError(f"cannot listen on {host}:{port} ({exc.strerror or exc})",
                        hint="is another server running there? choose another with --port") from exc
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


def _add_grouped_commands() -> None:
    # Commands grouped by concern in their own modules (cli.py stays one screen a command);
    # imported here, after main exists, since they take its shared options from this module.
    from .cli_access import audit_command, users_group
    from .cli_analysis import kwic_command, trend_command
    from .cli_files import inspect_command, stats_command
    from .cli_saved import alerts_group, saved_group

    for command in (inspect_command, stats_command, saved_group, alerts_group, trend_command, kwic_command,
                    users_group, audit_command):
        main.add_command(command)


if __name__ != "__main__":  # run as a script, the commands go on search.cli's main (see the end)
    _add_grouped_commands()


def run() -> None:
    """Entry point: no traceback reaches a user; SEARCH_DEBUG=1 shows it."""
    try:
        main(standalone_mode=True)
    except SystemExit:
        raise
    except KeyboardInterrupt:
        click.echo("interrupted", err=True)
        sys.exit(130)
    except Exception as exc:
        if os.environ.get("SEARCH_DEBUG"):
            raise
        click.echo(f"error: unexpected {exc.__class__.__name__}: {exc}", err=True)
        click.echo("hint: run again with SEARCH_DEBUG=1 to see the details, and report it", err=True)
        sys.exit(2)


if __name__ == "__main__":
    # python -m search.cli: run the package's module, the one cli_analysis registers its commands on.
    from search.cli import run as run_registered

    run_registered()
