"""OpenDocument text (.odt) and presentations (.odp) -> their paragraphs, with meta.xml's title and creation date.

A zip of XML: content.xml's text:h and text:p in document order (a table row's cells on one line,
tab-separated; list items with their numbers, odf_numbering.py; footnotes after the body, as in a printed
page's foot); a presentation's draw:page in
order, each page's frames and then its speaker notes. Spreadsheets (.ods) are read by sheets.py.
"""

from __future__ import annotations

import re

from search.extract.extracted import Extracted, ExtractOptions, Unreadable

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_TABLE = "{urn:oasis:names:tc:opendocument:xmlns:table:1.0}"
_DRAW = "{urn:oasis:names:tc:opendocument:xmlns:drawing:1.0}"
_OFFICE = "{urn:oasis:names:tc:opendocument:xmlns:office:1.0}"
_PRESENTATION = "{urn:oasis:names:tc:opendocument:xmlns:presentation:1.0}"
_META = "{urn:oasis:names:tc:opendocument:xmlns:meta:1.0}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_PARAGRAPHS = (f"{_TEXT}p", f"{_TEXT}h")
_CJK_END = re.compile(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]$")
_LEFT_OUT = (f"{_OFFICE}annotation", f"{_TEXT}note-citation", f"{_TEXT}tracked-changes", f"{_TEXT}bookmark-ref")


def extract_odt(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An .odt file's headings and paragraphs in order, one a line; footnotes after the body."""
    from search.extract.odf_numbering import ListNumbers

    reader, body = _content(data, "OpenDocument text file", "text")
    styles = reader.xml("styles.xml") if reader.has("styles.xml") else None
    notes: list[str] = []
    lines = _block_lines(body, notes, ListNumbers(body.getparent().getparent(), styles))
    return _extracted(reader, lines + notes, "odt")


def extract_odp(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An .odp file's pages in order: each frame's paragraphs, then the page's speaker notes."""
    reader, body = _content(data, "OpenDocument presentation", "presentation")
    blocks = []
    for page in body.iter(f"{_DRAW}page"):
        lines = [
            line
            for p in page.iter(*_PARAGRAPHS)
            if not _in_notes_or_comment(p, page)
            if (line := _inline_text(p).strip())
        ]
        for notes in page.iter(f"{_PRESENTATION}notes"):
            lines += [line for p in notes.iter(*_PARAGRAPHS) if (line := _inline_text(p).strip())]
        if lines:
            blocks.append("\n".join(lines))
    return _extracted(reader, ["\n\n".join(blocks)] if blocks else [], "odp")


def _content(data: bytes, kind: str, body_tag: str):
    """The zip reader and content.xml's office:body child (office:text, office:presentation)."""
    from search.extract.zipped import ZipReader

    reader = ZipReader(data, kind)
    if not reader.has("content.xml"):
        if reader.has("EncryptedPackage") or (reader.has("META-INF/manifest.xml") and _encrypted(reader)):
            raise Unreadable(f"{kind} is encrypted (password-protected)")
        raise Unreadable(f"not a readable {kind} (no content.xml)")
    if _encrypted(reader):
        raise Unreadable(f"{kind} is encrypted (password-protected)")
    root = reader.xml("content.xml")
    body = root.find(f"{_OFFICE}body/{_OFFICE}{body_tag}")
    if body is None:
        body = root.find(f"{_OFFICE}body")
    if body is None:
        raise Unreadable(f"not a readable {kind} (no office:body)")
    return reader, body


def _encrypted(reader) -> bool:
    """Whether the manifest says content.xml is encrypted (ODF 1.2 encryption-data)."""
    if not reader.has("META-INF/manifest.xml"):
        return False
    return b"encryption-data" in reader.read("META-INF/manifest.xml")


def _block_lines(container, notes: list[str], numbers=None, context=None) -> list[str]:
    """Paragraph lines of a text container, tables row by row, list items numbered, notes' bodies to ``notes``.

    ``context`` is the list being read: (its key, its style, the level of ``container``'s items).
    """
    lines: list[str] = []
    for child in container:
        tag = child.tag
        if tag in _PARAGRAPHS:
            lines += _paragraph_lines(child, notes)
        elif tag == f"{_TEXT}list" and numbers is not None:
            lines += _list_lines(child, notes, numbers, context)
        elif tag == f"{_TABLE}table":
            lines += _table_lines(child, notes, numbers)
        elif tag in _LEFT_OUT or not isinstance(tag, str):
            continue
        else:  # sections, frames, list items without numbering: their paragraphs in order
            lines += _block_lines(child, notes, numbers, context)
    return lines


def _paragraph_lines(paragraph, notes: list[str]) -> list[str]:
    """A paragraph's non-empty lines; the bodies of its notes go to ``notes``."""
    for note in paragraph.iter(f"{_TEXT}note-body"):
        notes.extend(line for p in note.iter(*_PARAGRAPHS) if (line := _inline_text(p).strip()))
    return [line for line in (part.strip() for part in _inline_text(paragraph).split("\n")) if line]


def _list_lines(child, notes: list[str], numbers, context) -> list[str]:
    """A numbered list's lines, each item's number before its first line; nested lists a level deeper."""
    if context is None:
        key, style = numbers.start_list(child, None), child.get(f"{_TEXT}style-name") or ""
        inner = (key, style, 1)
    else:
        inner = (context[0], context[1], context[2] + 1)
    lines: list[str] = []
    for item in child:
        if item.tag == f"{_TEXT}list-item":
            shown = numbers.label(*inner, item.get(f"{_TEXT}start-value"))
            item_label = shown if not shown or _CJK_END.search(shown) else shown + " "
            lines += _block_lines_labelled(item, notes, numbers, inner, item_label)
        elif item.tag == f"{_TEXT}list-header":
            lines += _block_lines(item, notes, numbers, inner)
    return lines


def _table_lines(table, notes: list[str], numbers) -> list[str]:
    """A table's rows, one line each, cells separated by tabs; empty rows left out."""
    lines: list[str] = []
    for row in table.iter(f"{_TABLE}table-row"):
        cells = [" ".join(_block_lines(cell, notes, numbers)) for cell in row.iter(f"{_TABLE}table-cell")]
        if any(cells):
            lines.append("\t".join(cells).rstrip("\t"))
    return lines


def _block_lines_labelled(item, notes, numbers, context, label: str) -> list[str]:
    """A list item's lines, its number before its first paragraph's text."""
    lines = _block_lines(item, notes, numbers, context)
    if label and lines:
        lines[0] = label + lines[0]
    return lines


def _inline_text(paragraph) -> str:
    """A paragraph's characters: text:s spaces, tabs and line breaks as written, notes and comments left out."""
    parts: list[str] = []

    def walk(node) -> None:
        if node.text:
            parts.append(node.text)
        for child in node:
            tag = child.tag
            if tag == f"{_TEXT}s":
                parts.append(" " * int(child.get(f"{_TEXT}c", "1") or 1))
            elif tag == f"{_TEXT}tab":
                parts.append("\t")
            elif tag == f"{_TEXT}line-break":
                parts.append("\n")
            elif tag in _LEFT_OUT or tag == f"{_TEXT}note":
                pass
            elif tag in _PARAGRAPHS:  # a text box's paragraph inside this one: a line of its own
                parts.append("\n")
                walk(child)
                parts.append("\n")
            elif isinstance(tag, str):
                walk(child)
            if child.tail:
                parts.append(child.tail)

    walk(paragraph)
    return "".join(parts)


def _in_notes_or_comment(paragraph, page) -> bool:
    """Whether a paragraph of a page sits in its speaker notes (read after the page's own frames) or a comment."""
    node = paragraph.getparent()
    while node is not None and node is not page:
        if node.tag in (f"{_PRESENTATION}notes", f"{_OFFICE}annotation"):
            return True
        node = node.getparent()
    return False


def _extracted(reader, lines: list[str], encoding: str) -> Extracted:
    """The Extracted for the lines, with meta.xml's title, creator and creation date."""
    from search.extract.office_properties import is_placeholder_title

    text = "\n".join(lines)
    if not text.strip():
        raise Unreadable("document has no text")
    title, properties = None, []
    if reader.has("meta.xml"):
        try:
            meta = reader.xml("meta.xml")
        except Unreadable:
            meta = None
        if meta is not None:
            found = {
                tag: (node.text or "").strip()
                for tag in (f"{_DC}title", f"{_META}creation-date", f"{_META}initial-creator")
                if (node := meta.find(f".//{tag}")) is not None
            }
            title = found.get(f"{_DC}title") or None
            title = None if is_placeholder_title(title) else title
            if creator := found.get(f"{_META}initial-creator"):
                properties.append(("author", creator))
            if created := found.get(f"{_META}creation-date"):
                properties += [("created", created), ("created_tag", f"{encoding} meta:creation-date")]
    return Extracted(text, encoding, title, tuple(properties))
