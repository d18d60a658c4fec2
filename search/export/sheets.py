"""Rows to an .xlsx workbook: a sheet of rows under Chinese headers, and a sheet of what was searched.

openpyxl 3.1.5 in write-only mode: rows go to a temporary file as they come, so a result list of the
whole archive costs the memory of one row, not of the list.  (XlsxWriter's constant-memory mode would
do the same and is faster, but openpyxl also reads workbooks back, for the tests and for users' files,
so one library covers both.)

A cell is always what the document says: text starting with ``=`` is written as text (openpyxl would
take it for a formula), so nothing a document holds runs in Excel.  Characters that XML 1.0 forbids are
dropped (openpyxl refuses them); a cell is cut at Excel's 32,767 characters.  The 链接 column is a
clickable hyperlink in the first 65,530 rows (Excel's limit a sheet), text after that.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import BinaryIO

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell
from openpyxl.styles import Font

from search.text.bidi import without_bidi

EXCEL_CELL_LIMIT = 32767
MAX_HYPERLINKS = 65530  # Excel's limit a sheet: rows past it carry their link as text
# Width (in characters) of the columns whose header says what they hold; others get the default.
COLUMN_WIDTHS = {
    "序号": 6,
    "标题": 40,
    "发文机关": 20,
    "文号": 18,
    "文种": 8,
    "日期": 11,
    "区域": 10,
    "主题": 24,
    "摘要": 60,
    "链接": 40,
    "来源文件": 24,
    "编号": 18,
    "左侧上下文": 32,
    "检索词": 12,
    "右侧上下文": 32,
    "位置": 8,
    "项目": 10,
    "内容": 80,
}
LINK_FONT = Font(color="0563C1", underline="single")
HEADER_FONT = Font(bold=True)


@dataclass(frozen=True)
class QuerySheet:
    """What the second sheet says: the search, how it was read, its filters, the count, when it ran."""

    query: str
    read_as: str
    filters: str
    total: int
    ran_at: str  # in the server's zone, with its name
    link: str
    rows: int  # rows written to the first sheet

    def pairs(self) -> list[tuple[str, str | int]]:
        """The second sheet's rows: (label, value), labels in Chinese."""
        return [
            ("检索词", self.query or "（全部文档）"),
            ("理解为", self.read_as),
            ("筛选条件", self.filters or "（无）"),
            ("结果数", self.total),
            ("导出条数", self.rows),
            ("检索时间", self.ran_at),
            ("检索链接", self.link),
        ]


def clean_cell(value: str) -> str:
    """The text without the control characters Excel refuses and bidi controls, cut to Excel's cell limit."""
    return without_bidi(ILLEGAL_CHARACTERS_RE.sub("", value))[:EXCEL_CELL_LIMIT]


def _cell(sheet, value, link: bool = False, font: Font | None = None) -> Cell:
    if isinstance(value, str):
        value = clean_cell(value)
    cell = WriteOnlyCell(sheet, value)
    if isinstance(value, str) and cell.data_type != "s":
        cell.data_type = "s"  # "=…" is a document's text, never a formula
    if link and isinstance(value, str) and value.startswith(("http://", "https://")):
        cell.hyperlink = value
        cell.font = LINK_FONT
    elif font is not None:
        cell.font = font
    return cell


def _values(sheet, row, link_at: int, linked: bool) -> list:
    """A row as openpyxl takes it: plain values where they are plain (a cell object costs 5x more to
    write), a cell object for text openpyxl would take for a formula and for the link."""
    values = []
    for i, value in enumerate(row):
        if isinstance(value, str):
            value = clean_cell(value)
            if (i == link_at and linked) or value.startswith("="):
                value = _cell(sheet, value, link=linked and i == link_at)
        values.append(value)
    return values


def _widths(sheet, columns: Iterable[str]) -> None:
    from openpyxl.utils import get_column_letter

    for n, name in enumerate(columns, 1):
        if name in COLUMN_WIDTHS:
            sheet.column_dimensions[get_column_letter(n)].width = COLUMN_WIDTHS[name]


def write_workbook(out: BinaryIO, title: str, columns: tuple[str, ...], rows: Iterable[tuple], describe) -> int:
    """Write ``rows`` under ``columns`` to sheet ``title``, then the sheet ``检索条件`` that
    ``describe(rows_written)`` returns (a ``QuerySheet``); the number of rows written."""
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    _widths(sheet, columns)
    sheet.freeze_panes = "A2"
    sheet.append([_cell(sheet, name, font=HEADER_FONT) for name in columns])
    link_at = columns.index("链接") if "链接" in columns else -1
    written = 0
    for row in rows:
        sheet.append(_values(sheet, row, link_at, linked=written < MAX_HYPERLINKS))
        written += 1
    about = book.create_sheet("检索条件")
    _widths(about, ("项目", "内容"))
    about.append([_cell(about, "项目", font=HEADER_FONT), _cell(about, "内容", font=HEADER_FONT)])
    for name, value in describe(written).pairs():
        about.append([_cell(about, name), _cell(about, value, link=(name == "检索链接"))])
    book.save(out)
    return written
