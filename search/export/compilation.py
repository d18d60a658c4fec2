"""A Word 汇编 of chosen documents: a cover, a table of contents, then each document's metadata and text.

In a 公文-like style: 仿宋 body (三号, 16 pt), 黑体 headings, 小标宋-like cover title (黑体 when the
reader's Word lacks it).  Chinese fonts are set as East Asian fonts (``w:rFonts w:eastAsia``): Word picks a
run's font by script, and ``run.font.name`` alone sets only the Latin one.

The contents are twice: a Word TOC field (Word fills in page numbers when the reader updates fields; it
asks on opening, ``w:updateFields``), and a plain numbered list of the titles, which every reader shows.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, replace
from typing import Any, BinaryIO
from urllib.parse import unquote

from docx import Document
from docx.enum.section import WD_SECTION
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Pt, RGBColor

from search.engines.base import DocumentRecord
from search.text.bidi import without_bidi

BODY_FONT = "仿宋"
HEADING_FONT = "黑体"
TITLE_FONT = "方正小标宋简体"
LATIN_FONT = "Times New Roman"
BODY_SIZE = Pt(16)  # 三号
SMALL_SIZE = Pt(12)  # 小四
TITLE_SIZE = Pt(22)  # 二号
HEADING_SIZE = Pt(16)
BODY_STYLE, LABEL_STYLE, VALUE_STYLE = "汇编正文", "要素名", "要素值"


# What XML 1.0 forbids: python-docx refuses such text (a file name or an old index may carry it).
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff\ud800-\udfff]")


def _xml(text: str) -> str:
    return without_bidi(_NOT_XML.sub("", text))


@dataclass(frozen=True)
class Cover:
    """What the cover says."""

    title: str  # 检索汇编：老旧小区改造
    search: str  # the search in words
    ran_at: str  # in the server's zone
    total: int  # matching documents (the 汇编 may hold fewer)
    link: str


@dataclass(frozen=True)
class CompiledDocument:
    record: DocumentRecord
    link: str


def _fonts(target, east_asian: str, latin: str = LATIN_FONT) -> None:
    """Set a style's or run's fonts: Latin and East Asian (python-docx has no setter for the latter)."""
    target.font.name = latin
    r_pr = target.element.get_or_add_rPr()
    fonts = r_pr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        r_pr.insert(0, fonts)
    for key, value in (("w:ascii", latin), ("w:hAnsi", latin), ("w:eastAsia", east_asian), ("w:cs", latin)):
        fonts.set(qn(key), value)


def _styles(document) -> None:
    normal = document.styles["Normal"]
    _fonts(normal, BODY_FONT)
    normal.font.size = BODY_SIZE
    normal.paragraph_format.line_spacing = Pt(28)  # 公文: a fixed 28 pt line
    normal.paragraph_format.space_after = Pt(0)
    for name, size in (("Title", TITLE_SIZE), ("Heading 1", HEADING_SIZE), ("Heading 2", SMALL_SIZE)):
        style = document.styles[name]
        _fonts(style, TITLE_FONT if name == "Title" else HEADING_FONT)
        style.font.size = size
        style.font.bold = False
        style.font.italic = False
        style.font.color.rgb = RGBColor(0, 0, 0)
        style.paragraph_format.space_before = Pt(12)
        style.paragraph_format.space_after = Pt(12)
        style.paragraph_format.line_spacing = Pt(32 if name == "Title" else 28)
    # Paragraph styles for what repeats (every body paragraph, every metadata cell): one style id each
    # paragraph, not its own formatting, keeps a 汇编 of 100 reports to seconds (python-docx is slow
    # at per-paragraph properties and at looking styles up by name).
    body = document.styles.add_style(BODY_STYLE, WD_STYLE_TYPE.PARAGRAPH)
    body.base_style = normal
    body.paragraph_format.first_line_indent = Pt(32)  # two characters
    body.paragraph_format.alignment = WD_ALIGN_PARAGRAPH.JUSTIFY
    for name, east_asian in ((LABEL_STYLE, HEADING_FONT), (VALUE_STYLE, BODY_FONT)):
        cell = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        cell.base_style = normal
        _fonts(cell, east_asian)
        cell.font.size = SMALL_SIZE
        cell.paragraph_format.line_spacing = Pt(18)
    document.styles["Title"].paragraph_format.alignment = WD_ALIGN_PARAGRAPH.CENTER
    title_border = document.styles["Title"].element.find(qn("w:pPr"))
    if title_border is not None:  # Word's Title style draws a rule under the title; a 公文 has none
        for border in title_border.findall(qn("w:pBdr")):
            title_border.remove(border)


def _page(document) -> None:
    section = document.sections[0]
    section.page_height, section.page_width = Cm(29.7), Cm(21.0)  # A4
    section.top_margin, section.bottom_margin = Cm(3.7), Cm(3.5)  # GB/T 9704
    section.left_margin, section.right_margin = Cm(2.8), Cm(2.6)


def _field(paragraph, instruction: str, placeholder: str) -> None:
    """A Word field (``TOC …``) whose shown text is ``placeholder`` until Word updates it."""

    def char(kind: str):
        run = paragraph.add_run()
        element = OxmlElement("w:fldChar")
        element.set(qn("w:fldCharType"), kind)
        if kind == "begin":
            element.set(qn("w:dirty"), "true")
        run._r.append(element)

    char("begin")
    code = paragraph.add_run()
    text = OxmlElement("w:instrText")
    text.set(qn("xml:space"), "preserve")
    text.text = instruction
    code._r.append(text)
    char("separate")
    paragraph.add_run(placeholder)
    char("end")


def _update_fields_on_open(document) -> None:
    settings = document.settings.element
    update = OxmlElement("w:updateFields")
    update.set(qn("w:val"), "true")
    settings.append(update)


def _cover(document, cover: Cover, count: int) -> None:
    for _ in range(4):
        document.add_paragraph()
    document.add_paragraph(cover.title, style="Title")
    document.add_paragraph()
    for label, value in (
        ("检索条件", cover.search),
        ("检索时间", cover.ran_at),
        ("结果数", f"{cover.total} 篇（本汇编收录 {count} 篇）"),
        ("检索链接", unquote(cover.link)),
    ):
        paragraph = document.add_paragraph()
        paragraph.alignment = WD_ALIGN_PARAGRAPH.LEFT
        head = paragraph.add_run(f"{label}：")
        _fonts(head, HEADING_FONT)
        paragraph.add_run(value)


def _contents(document, documents: list[CompiledDocument]) -> None:
    document.add_paragraph("目　录", style="Heading 1").alignment = WD_ALIGN_PARAGRAPH.CENTER
    _field(document.add_paragraph(), 'TOC \\o "1-1" \\h \\z \\u', "（在 Word 中右键此处选择“更新域”以显示页码）")
    document.add_paragraph("文件列表", style="Heading 2")
    for n, item in enumerate(documents, 1):
        line = document.add_paragraph(f"{n}. {item.record.title or '（无标题）'}")
        line.paragraph_format.left_indent = Cm(0.7)
        line.paragraph_format.first_line_indent = Cm(-0.7)
        for run in line.runs:
            run.font.size = SMALL_SIZE


METADATA_LABELS = (
    ("发文机关", "issuer"),
    ("文号", "doc_number"),
    ("文种", "doc_type"),
    ("日期", "published"),
    ("区域", "district"),
)


def _paragraph(document, text: str, style_id: str | None, end=None):
    """A paragraph of ``text`` in the style ``style_id``, built as XML and put before the body's closing
    section properties: python-docx's ``add_paragraph`` looks that element up among all the body's
    children each time (quadratic in a 汇编 of 10,000 paragraphs), and its ``run.text`` and style by name
    are slow too.  ``end`` is the body's ``w:sectPr`` (looked up when not given)."""
    p = OxmlElement("w:p")
    if style_id:
        p_pr = OxmlElement("w:pPr")
        p_style = OxmlElement("w:pStyle")
        p_style.set(qn("w:val"), style_id)
        p_pr.append(p_style)
        p.append(p_pr)
    if text:
        run, t = OxmlElement("w:r"), OxmlElement("w:t")
        t.text = text
        t.set(qn("xml:space"), "preserve")
        run.append(t)
        p.append(run)
    end = end if end is not None else document.element.body.sectPr  # finding it is linear: callers keep it
    end.addprevious(p)
    return p


def _metadata(document, item: CompiledDocument, ids: dict) -> None:
    record = item.record
    rows = [(label, getattr(record, name)) for label, name in METADATA_LABELS if getattr(record, name)]
    if record.topics:
        rows.append(("主题", "、".join(record.topics)))
    rows += [("来源文件", record.source), ("链接", unquote(item.link))]  # readable; Word links it as typed
    table = document.add_table(rows=len(rows), cols=2)
    table._tbl.tblPr.style = ids["Table Grid"]
    table.autofit = False  # a fixed layout on the grid's widths (Word and LibreOffice alike)
    table.columns[0].width, table.columns[1].width = Cm(3), Cm(12.6)
    for row, (label, value) in zip(table.rows, rows, strict=True):
        for cell, text, style in zip(row.cells, (label, value), (LABEL_STYLE, VALUE_STYLE), strict=True):
            paragraph = cell.paragraphs[0]
            paragraph._p.style = ids[style]
            paragraph.add_run(text)
    _paragraph(document, "", None, ids["end"])


def _body(document, record: DocumentRecord, ids: dict) -> None:
    for text in record.paragraphs:
        if text.strip():
            _paragraph(document, text, ids[BODY_STYLE], ids["end"])


def _page_break_before():
    """Each document starts a page (a property of its heading: no empty paragraph left at a page's top)."""
    return OxmlElement("w:pageBreakBefore")


def write_compilation(out: BinaryIO, cover: Cover, documents: Iterable[CompiledDocument]) -> int:
    """Write the 汇编 of ``documents`` (in their order) to ``out``; the number of documents."""
    documents = [_clean(item) for item in documents]
    cover = replace(
        cover, title=_xml(cover.title), search=_xml(cover.search), ran_at=_xml(cover.ran_at), link=_xml(cover.link)
    )
    document = Document()
    _styles(document)
    _page(document)
    document.core_properties.title = cover.title
    document.core_properties.subject = cover.search
    _cover(document, cover, len(documents))
    document.add_section(WD_SECTION.NEW_PAGE)
    _contents(document, documents)
    ids = {
        name: document.styles[name].style_id
        for name in ("Heading 1", "Table Grid", BODY_STYLE, LABEL_STYLE, VALUE_STYLE)
    }
    ids["end"] = document.element.body.sectPr
    for n, item in enumerate(documents, 1):
        heading = _paragraph(document, f"{n}. {item.record.title or '（无标题）'}", ids["Heading 1"], ids["end"])
        heading.get_or_add_pPr().append(_page_break_before())
        _metadata(document, item, ids)
        _body(document, item.record, ids)
    _update_fields_on_open(document)
    document.save(out)
    return len(documents)


def _clean(item: CompiledDocument) -> CompiledDocument:
    record = item.record
    texts: dict[str, Any] = {
        name: _xml(getattr(record, name))
        for name in ("title", "source", "issuer", "doc_number", "doc_type", "published", "district")
        if getattr(record, name)
    }
    record = replace(
        record,
        **texts,
        paragraphs=tuple(_xml(p) for p in record.paragraphs),
        topics=tuple(_xml(t) for t in record.topics),
    )
    return CompiledDocument(record, _xml(item.link))
