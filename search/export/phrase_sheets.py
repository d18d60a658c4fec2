"""Keyness and emerging terms as .xlsx: the phrases' sheet, then the sheet of what was compared."""

from __future__ import annotations

from datetime import tzinfo
from typing import BinaryIO

from search.export.phrases import (
    COMPARE_COLUMNS,
    EMERGING_COLUMNS,
    compare_rows,
    emerging_rows,
)
from search.export.run import ran_at
from search.export.sheets import QuerySheet, write_workbook
from search.query import SearchRequest


def compare_workbook(
    out: BinaryIO,
    result,
    rows,
    request_a: SearchRequest,
    request_b: SearchRequest,
    base_url: str = "",
    zone: tzinfo | None = None,
    link: str = "",
) -> int:
    """The key phrases at ``rows`` (sheet 关键短语, then 检索条件); the number of rows."""
    from search.zone import server_zone

    when = ran_at(zone or server_zone(None))
    what = (
        f"A：{result.a.label}（{result.a.documents} 篇）；B：{result.b.label}（{result.b.documents} 篇，不含 A 侧文档）"
    )
    notes = "；".join(result.notes) or "（无）"

    def describe(written):
        return QuerySheet(what, f"最低频次 {result.min_freq}", notes, len(rows), when, link, written)

    return write_workbook(
        out, "关键短语", COMPARE_COLUMNS, compare_rows(result, rows, request_a, request_b, base_url), describe
    )


def emerging_workbook(
    out: BinaryIO, result, terms, request: SearchRequest, base_url: str = "", zone: tzinfo | None = None, link: str = ""
) -> int:
    """One period's emerging terms (sheet 新词, then 检索条件); the number of rows."""
    from search.export.columns import describe_request
    from search.zone import server_zone

    when = ran_at(zone or server_zone(None))
    what = f"{result.period}（{describe_request(request)}）"
    notes = "；".join(result.notes) or "（无）"

    def describe(written):
        return QuerySheet(what, f"最低频次 {result.min_freq}", notes, len(terms), when, link, written)

    return write_workbook(
        out, "新词", EMERGING_COLUMNS, emerging_rows(terms, request, result.by, result.period, base_url), describe
    )
