"""An export from start to end: the engine's rows (as the reader may see them) to a CSV, .xlsx, .docx or zip.

Every function takes ``visible`` (the reader's ``Engine.visible_to``) and passes it to each engine call,
so an export holds exactly what the same reader's results page lists.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import replace
from datetime import tzinfo
from itertools import islice
from pathlib import Path
from typing import BinaryIO

from search.engines import Engine
from search.engines.base import DocumentRecord
from search.export.columns import (
    HIT_COLUMNS,
    KWIC_COLUMNS,
    describe_request,
    document_link,
    filter_words,
    hit_row,
    kwic_row,
    search_link,
)
from search.export.compilation import CompiledDocument, Cover, write_compilation
from search.export.originals import ChosenOriginal, write_originals
from search.export.sheets import QuerySheet, write_workbook
from search.query import SearchRequest
from search.zone import now_in

MAX_CHOSEN = 100  # documents in one 汇编 or zip: their full texts and files are gathered in one response
DEFAULT_FIRST = 20


def result_rows(engine: Engine, request: SearchRequest, base_url: str, visible=None) -> Iterator[tuple]:
    """Every hit of the request (all pages, in result order) as a row of ``HIT_COLUMNS``, made as consumed."""
    for number, hit in enumerate(engine.all_hits(request, visible=visible), 1):
        yield hit_row(number, hit, base_url, request)


def concordance_rows(
    engine: Engine, request: SearchRequest, order: str, width: int, base_url: str, visible=None
) -> Iterator[tuple]:
    """Every concordance line as a row of ``KWIC_COLUMNS``."""
    for number, line in enumerate(engine.all_lines(request, order, width, visible=visible), 1):
        yield kwic_row(number, line, base_url, request)


def ran_at(zone: tzinfo) -> str:
    """Now, as the exports say it: ``2026-12-04 19:31 (Asia/Shanghai)``."""
    return f"{now_in(zone):%Y-%m-%d %H:%M} ({getattr(zone, 'key', zone)})"


def query_sheet(engine: Engine, request: SearchRequest, base_url: str, zone: tzinfo, visible=None):
    """``rows -> QuerySheet`` for this search: its reading and total counted now, once."""
    counted = engine.search(replace(request, page=1, per_page=1, sort="newest"), visible=visible)
    when = ran_at(zone)
    words = " · ".join(filter_words(request))
    return lambda rows: QuerySheet(
        " ".join(request.q.split()), counted.read_as, words, counted.total, when, search_link(base_url, request), rows
    )


def results_workbook(
    out: BinaryIO, engine: Engine, request: SearchRequest, base_url: str, zone: tzinfo, visible=None
) -> int:
    """The result list as .xlsx (sheet 检索结果, then 检索条件); the number of rows."""
    describe = query_sheet(engine, request, base_url, zone, visible)
    return write_workbook(out, "检索结果", HIT_COLUMNS, result_rows(engine, request, base_url, visible), describe)


def concordance_workbook(
    out: BinaryIO,
    engine: Engine,
    request: SearchRequest,
    order: str,
    width: int,
    base_url: str,
    zone: tzinfo,
    visible=None,
) -> int:
    """The concordance lines as .xlsx (sheet 上下文, then 检索条件); the number of rows."""
    describe = query_sheet(engine, request, base_url, zone, visible)
    rows = concordance_rows(engine, request, order, width, base_url, visible)
    return write_workbook(out, "上下文", KWIC_COLUMNS, rows, describe)


def chosen_documents(
    engine: Engine, request: SearchRequest, ids: Sequence[str] = (), first: int = DEFAULT_FIRST, visible=None
) -> list[DocumentRecord]:
    """The ticked documents (``ids``, in their order, each once; an id the reader may not see is left out
    as an unknown one), or else the first ``first`` hits of the search; at most ``MAX_CHOSEN``."""
    if ids:
        wanted = list(dict.fromkeys(ids))[:MAX_CHOSEN]
        found = (engine.document(doc_id, visible=visible) for doc_id in wanted)
        return [record for record in found if record is not None]
    hits = islice(engine.all_hits(request, visible=visible), max(0, min(first, MAX_CHOSEN)))
    found = (engine.document(hit.id, visible=visible) for hit in hits)
    return [record for record in found if record is not None]


def compilation(
    out: BinaryIO,
    engine: Engine,
    request: SearchRequest,
    records: Sequence[DocumentRecord],
    base_url: str,
    zone: tzinfo,
    visible=None,
) -> int:
    """The Word 汇编 of ``records`` for this search; the number of documents."""
    total = engine.search(replace(request, page=1, per_page=1, sort="newest"), visible=visible).total
    q = " ".join(request.q.split())
    cover = Cover(
        f"检索汇编：{q}" if q else "文件汇编",
        describe_request(request),
        ran_at(zone),
        total,
        search_link(base_url, request),
    )
    items = [CompiledDocument(r, document_link(base_url, r.id, request)) for r in records]
    return write_compilation(out, cover, items)


def originals(
    out: BinaryIO,
    engine: Engine,
    records: Sequence[DocumentRecord],
    base_url: str,
    safe_name,
    request: SearchRequest | None = None,
) -> tuple[int, int]:
    """The zip of the records' original files and 清单.csv; (files, documents listed)."""

    def where(record: DocumentRecord) -> Path | None:
        path = engine.original_file(record)
        return path if path is not None and Path(path).is_file() else None

    chosen = (ChosenOriginal(r, where(r), document_link(base_url, r.id, request)) for r in records)
    return write_originals(out, chosen, safe_name)
