"""What the exports share on the web: CSV rows (formula-defused), the public base URL of their links,
the server's zone, download headers; and a saved query's Atom feed.

The rows themselves (Chinese headers, absolute links) are the library's (``search.export``), the same
for ``search query --csv``.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import replace
from datetime import UTC, datetime
from itertools import chain

from flask import current_app, request

from search.engines import Engine
from search.export import HIT_COLUMNS, download_filename
from search.export.columns import content_disposition, defused
from search.export.columns import csv_cell as csv_cell  # the tests' and other callers' name for it
from search.export.columns import snippet_text as snippet_text
from search.export.run import result_rows
from search.query import SearchRequest, SearchResults
from search.zone import now_in, server_zone

CSV_COLUMNS = HIT_COLUMNS
FEED_SIZE = 20
CSV_CHUNK_ROWS = 500


# What XML 1.0 forbids (normalization drops these at indexing; an index built before that, or a
# file name, may still carry them).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def xml_safe(text: str) -> str:
    """Text without the characters that make an XML document not well-formed."""
    return _NOT_XML.sub("", text)


def search_csv(engine: Engine, search: SearchRequest, base_url: str, visible: object = None) -> Iterator[str]:
    """Every hit of the search (all pages), one row each after the header row, as CSV text in chunks.

    Streamed: the rows of a phrase that matches the whole archive are written
    as their snippets are made, not gathered first.
    """
    return csv_chunks(chain([CSV_COLUMNS], result_rows(engine, search, base_url, visible)))


def public_base_url() -> str:
    """Where exported links point: ``search serve --public-url``, else the host this request came to."""
    return (current_app.config.get("PUBLIC_URL") or request.url_root).rstrip("/")


def zone():
    """The server's zone (config ``TIMEZONE``, else ``$SEARCH_TIMEZONE``, else Asia/Shanghai)."""
    return server_zone(current_app.config.get("TIMEZONE"))


def attachment(search: SearchRequest, suffix: str, label: str = "") -> dict[str, str]:
    """The download headers of an export of ``search``: ``稳就业-20261204.xlsx`` (RFC 5987 for the Chinese)."""
    name = download_filename(search, suffix, now_in(zone()), label)
    return {"Content-Disposition": content_disposition(name)}


def csv_chunks(rows: Iterable[Iterable]) -> Iterator[str]:
    """Rows as CSV text in chunks of ``CSV_CHUNK_ROWS`` rows, each made as it is consumed; text cells defused."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    for n, row in enumerate(rows, 1):
        writer.writerow(defused(row))
        if n % CSV_CHUNK_ROWS == 0:
            yield out.getvalue()
            out.seek(0)
            out.truncate()
    yield out.getvalue()


def feed_results(engine: Engine, request: SearchRequest, visible: object = None) -> SearchResults:
    """The newest matching documents (that the feed's owner may see), for a feed."""
    return engine.search(replace(request, sort="newest", page=1, per_page=FEED_SIZE), visible=visible)


def atom_time(published: str | None, fallback: datetime) -> str:
    """An Atom timestamp: the document's date at its first day, or ``fallback`` for an undated one."""
    if published:
        parts = [int(p) for p in published.split("-")] + [1, 1]
        return f"{parts[0]:04d}-{parts[1]:02d}-{parts[2]:02d}T00:00:00Z"
    return fallback.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
