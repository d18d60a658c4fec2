"""What the ``search`` commands share: the index option, the search filters, the engine, the
printing of results, and one way to turn a library error into one clear line."""

from __future__ import annotations

import functools
import html
import os
import re
import shlex
import sys
from pathlib import Path

import click

from search.engines import Engine, open_engine
from search.engines.opensearch.cluster import is_index_url
from search.errors import SearchError
from search.query import MODES, SORTS, SearchRequest

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


def index_location(ctx, param, value):
    """An index URL stays a string (``Path`` would fold its ``//``); anything else is a folder."""
    return value if is_index_url(value) else Path(value)


def index_option(func):
    """``--index``: an index folder or an OpenSearch index URL ($SEARCH_INDEX, default index/)."""
    return click.option(
        "--index",
        "index_dir",
        default=lambda: os.environ.get("SEARCH_INDEX", DEFAULT_INDEX),
        callback=index_location,
        show_default="index/ (or $SEARCH_INDEX)",
        help="Index folder, or an OpenSearch index URL (http://127.0.0.1:9200/govsearch).",
    )(func)


def engine_of(index_dir, check: bool = True) -> Engine:
    """The engine of ``--index``, checked readable unless ``check`` is false (an error is one line)."""
    try:
        engine = open_engine(index_dir)
        if check:
            engine.check()
    except SearchError as exc:
        raise UserError(exc.message, exc.hint) from exc
    return engine


def user_errors(func):
    """A command's library errors (``SearchError``) become one ``error:`` line with its hint, exit 1."""

    @functools.wraps(func)
    def wrapper(*args, **kwargs):
        try:
            return func(*args, **kwargs)
        except SearchError as exc:
            raise UserError(exc.message, exc.hint) from exc

    return wrapper


def filter_options(func=None, *, sort: bool = True):
    """The options that make a search: filters, sort and mode (``search query``, ``search saved add``).

    ``@filter_options(sort=False)``: without --sort (the analyses order their own way).
    """
    if func is None:
        return lambda f: filter_options(f, sort=sort)
    options = [
        click.option("--district", "districts", multiple=True, help="Only this district (repeat for any of several)."),
        click.option("--topic", "topics", multiple=True, help="Only this topic (repeat for any of several)."),
        click.option(
            "--issuer", "issuers", multiple=True, help="Only this issuing organ, or a part of its name (repeatable)."
        ),
        click.option(
            "--type", "doc_types", multiple=True, help="Only this document type: 通知, 意见, 工作报告 … (repeatable)."
        ),
        click.option(
            "--docno",
            "doc_numbers",
            multiple=True,
            help="Only this 文号 (any bracket) or a part of it: 郑政〔2021〕5号, 郑政〔 (repeatable).",
        ),
        click.option(
            "--year", "years", multiple=True, type=click.IntRange(1900, 2100), help="Only this year (repeatable)."
        ),
        click.option("--month", "months", multiple=True, metavar="YYYY-MM", help="Only this month (repeatable)."),
        click.option(
            "--from",
            "date_from",
            metavar="DATE",
            help="From this date: 2020, 2020-07, 2020-07-18, 2020/7/1, 2020年7月, 近一年, 今年.",
        ),
        click.option("--to", "date_to", metavar="DATE", help="Up to this date (inclusive)."),
        click.option(
            "--since", metavar="SPAN", help="Only the last 90d, 12w, 6m or 1y (up to today; stays relative when saved)."
        ),
        click.option(
            "--dedup",
            is_flag=True,
            help="去重: one hit per reprint cluster; totals, facets, trend points and KWIC lines count each once.",
        ),
        *([click.option("--sort", type=click.Choice(SORTS), default="relevance", show_default=True)] if sort else []),
        click.option(
            "--mode",
            type=click.Choice(MODES),
            default="exact",
            show_default=True,
            help="exact: Ctrl-F substrings; words: every jieba word anywhere.",
        ),
    ]
    for option in reversed(options):
        func = option(func)
    return func


def search_request(query: str, filters: dict, **paging) -> SearchRequest:
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


def _terminal(snippet_html: str, colour: bool) -> str:
    def repl(match):
        text = html.unescape(match.group(1))
        return click.style(text, fg="yellow", bold=True) if colour else f"«{text}»"

    return html.unescape(re.sub(r"<mark>(.*?)</mark>", repl, snippet_html))


def print_results(results, colour: bool) -> None:
    """A results page on the terminal: the total, each hit with its snippets, the facets, the pages."""
    req = results.request
    first = (req.page - 1) * req.per_page
    shown = f"{first + 1}–{first + len(results.hits)} of " if results.hits else ""
    unit = "clusters (去重)" if req.dedup else "documents"
    click.echo(f"{shown}{results.total} {unit} · {req.mode} · {results.took_ms} ms · read as: {results.read_as}")
    if results.reprints:
        click.echo(
            f"{'hid' if req.dedup else 'holds'} {results.reprints} reprints"
            f"{'' if req.dedup else ' (--dedup counts each cluster once)'}"
        )
    for note in results.notes:
        click.echo(f"note: {note}")
    for rank, hit in enumerate(results.hits, start=first + 1):
        _print_hit(rank, hit, req, colour)
    if results.total:
        click.echo("")
        _print_facets(results)
    if results.pages > 1:
        click.echo(f"page {req.page} of {results.pages} (--page N)")


def _print_hit(rank: int, hit, req, colour: bool) -> None:
    click.echo("")
    click.echo(click.style(f"{rank:>3}. {hit.title}", bold=True) if colour else f"{rank:>3}. {hit.title}")
    topics = ", ".join(hit.topics[:TOPICS_SHOWN]) + (", …" if len(hit.topics) > TOPICS_SHOWN else "")
    ocr = {"ocr": "OCR", "mixed": "OCR (some pages)"}.get(hit.text_source)
    parts = (
        hit.district or "?",
        hit.date or "undated",
        hit.doc_type,
        hit.issuer,
        hit.doc_number,
        topics,
        hit.source,
        ocr,
    )
    click.echo(f"     {' · '.join(x for x in parts if x)}")
    for snippet in hit.snippets:
        click.echo(f"     {_terminal(snippet, colour)}")
    if hit.reprints:
        click.echo(
            f"     另有 {hit.reprints} 篇转载 (search query {shlex.quote(req.q)} --copies {hit.id})"
            if req.q
            else f"     另有 {hit.reprints} 篇转载 (--copies {hit.id})"
        )


def _print_facets(results) -> None:
    for name in ("district", "year", "type", "issuer", "topic"):
        values = results.facets.get(name, ())
        if values:
            shown = " · ".join(f"{f.value} ({f.count})" for f in values[:FACETS_SHOWN])
            more = f" · … {len(values) - FACETS_SHOWN} more (--json lists all)" if len(values) > FACETS_SHOWN else ""
            click.echo(f"{name}: {shown}{more}")
