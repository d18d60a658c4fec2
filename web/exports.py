"""The search's CSV export and a saved query's Atom feed."""

from __future__ import annotations

import csv
import html
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain

from search.engines import Engine
from search.query import SearchRequest

CSV_COLUMNS = ("title", "district", "date", "topics", "source", "snippet")
FEED_SIZE = 20
CSV_CHUNK_ROWS = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


# What XML 1.0 forbids (normalization drops these at indexing; an index built before that, or a
# file name, may still carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text without the characters that make an XML document not well-formed."""
    return _NOT_XML.sub("", text)


def snippet_text(snippet_html: str) -> str:
    """A snippet as plain text: our <mark> tags dropped, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ or a tab/CR gets a leading apostrophe."""
    return "'" + value if value.startswith(_FORMULA_START) else value


def search_csv(engine: Engine, request: SearchRequest, visible=None) -> Iterator[str]:
    """Every hit of the request (all pages), one row each after a header row, as CSV text in chunks.

    Streamed: the rows of a phrase that matches the whole archive are written
    as their snippets are made, not gathered first.
    """
    rows = (
        (
            hit.title,
            hit.district or "",
            hit.date or "",
            "、".join(hit.topics),
            hit.source,
            snippet_text(hit.snippets[0]) if hit.snippets else "",
        )
        for hit in engine.all_hits(request, visible=visible)
    )
    return csv_chunks(chain([CSV_COLUMNS], rows))


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """Rows as CSV text in chunks of ``CSV_CHUNK_ROWS`` rows, each made as it is consumed; text cells defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, row in enumerate(rows, 1):
        writer.writerow([csv_cell(cell) if isinstance(cell, str) else cell for cell in row])
        if n % CSV_CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def feed_results(engine: Engine, request: SearchRequest, visible=None):
    """The newest matching documents (that the feed's owner may see), for a feed."""
    return engine.search(replace(request, sort="newest", page=1, per_page=FEED_SIZE), visible=visible)


def atom_time(published: str | None, fallback: datetime) -> str:
    """An Atom timestamp: the document's date at its first day, or ``fallback`` for an undated one."""
    if published:
        parts = [int(p) for p in published.split("-")] + [1, 1]
        return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}T00:00:00Z"
    return fallback.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
