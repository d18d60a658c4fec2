"""Word (.docx) files -> their paragraphs (with their list numbers), tables, text boxes, embedded parts,
footnotes and endnotes, with the title and creation date they carry.

The WordprocessingML is walked directly (lxml, DTDs refused, parts read within zip limits) rather than
through python-docx, whose paragraph text leaves out what sits in text boxes (where a 红头 and its 文号
often are), list numbers ("一、"), ruby, altChunk parts and embedded objects. A text box's paragraphs
come out where it is anchored, once: mc:AlternateContent holds the same box twice (a DrawingML Choice
and a VML Fallback). An altChunk (HTML, MHT, RTF, .docx) or an embedded workbook is read by its own
reader and its lines put in place.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING

from search.extract.extracted import Extracted, ExtractOptions, Unreadable

if TYPE_CHECKING:
    from search.extract.zipped import ZipReader

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_MC = "{http://schemas.openxmlformats.org/markup-compatibility/2006}"
_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"
_O = "{urn:schemas-microsoft-com:office:office}"
_OFFICE_DOCUMENT = "/officeDocument"
# An embedded object's OLE stream -> the suffix of the reader for the file it is.
_OLE_STREAMS = (("Workbook", ".xls"), ("Book", ".xls"), ("WordDocument", ".doc"), ("PowerPoint Document", ".ppt"))
_KIND = ".docx file"
_OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
# Runs' content that is not text of the document: deleted revisions, field codes, ruby annotations.
_SKIPPED = frozenset(
    f"{_W}{tag}"
    for tag in (
        "delText",
        "instrText",
        "delInstrText",
        "rt",
        "rPr",
        "pPr",
        "footnoteReference",
        "endnoteReference",
        "commentReference",
    )
)
# An altChunk part's content type -> the suffix of the reader for it.
_CHUNK_READERS = {
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "message/rfc822": ".mhtml",
    "multipart/related": ".mhtml",
    "application/rtf": ".rtf",
    "text/rtf": ".rtf",
    "text/plain": ".txt",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml": ".docx",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document": ".docx",
}


def extract_docx(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A .docx file's text in document order, one paragraph a line, then footnotes and endnotes."""
    from search.extract.office_properties import core_properties
    from search.extract.zipped import ZipReader, relationships

    if data.startswith(_OLE_MAGIC):
        return _ole_docx(data, options)
    reader = ZipReader(data, _KIND)
    main = _main_part(reader)
    rels = relationships(reader, main)
    walker = _Walker(reader, rels, options, _numbering(reader, rels))
    body = reader.xml(main).find(f"{_W}body")
    if body is None:
        raise Unreadable(f"not a readable {_KIND} (no document body)")
    walker.blocks(body)
    for kind in ("footnotes", "endnotes"):
        for target, rel_type in rels.values():
            if rel_type.endswith(f"/{kind}") and reader.has(target):
                notes = reader.xml(target)
                for note in notes.iterchildren(f"{_W}{kind[:-1]}"):
                    if note.get(f"{_W}type") in (None, "normal"):
                        walker.blocks(note)
    text = "\n".join(walker.lines)
    if not text.strip():
        raise Unreadable("Word document has no text")
    title, properties = core_properties(reader, "docx")
    return Extracted(text, "docx", title, properties)


def _ole_docx(data: bytes, options: ExtractOptions | None) -> Extracted:
    """A .docx that is an OLE file: encrypted (EncryptionInfo + EncryptedPackage) or a Word 97 file so named."""
    import io

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):
                raise Unreadable("Word document is encrypted (password-protected)")
            is_word97 = ole.exists("WordDocument")
    except Unreadable:
        raise
    except Exception as exc:  # a damaged OLE directory
        raise Unreadable(f"not a readable {_KIND} (damaged or truncated?)") from exc
    if not is_word97:
        raise Unreadable(f"not a readable {_KIND} (damaged or truncated?)")
    from search.extract.word97 import extract_doc

    return extract_doc(data, options)


def _main_part(reader: ZipReader) -> str:
    """The main document part named by _rels/.rels (word/document.xml, or another name some tools use)."""
    if reader.has("_rels/.rels"):
        for rel in reader.xml("_rels/.rels").iter(f"{_REL}Relationship"):
            if rel.get("Type", "").endswith(_OFFICE_DOCUMENT):
                target = posixpath.normpath(rel.get("Target", "").lstrip("/"))
                if reader.has(target):
                    return target
    if reader.has("word/document.xml"):
        return "word/document.xml"
    raise Unreadable(f"not a readable {_KIND} (no word/document.xml)")


class _Walker:
    """Collects the lines of block-level content (body, table cells, text boxes, notes) in document order."""

    def __init__(self, reader, rels, options, numbering):
        self.reader, self.rels, self.options, self.numbering = reader, rels, options, numbering
        self.lines: list[str] = []
        self.depth = 0  # text boxes inside text boxes: bounded

    def blocks(self, container) -> None:
        """Paragraphs, tables, content controls and altChunks of a block container, in order."""
        for child in container.iterchildren():
            tag = child.tag
            if tag == f"{_W}p":
                self.paragraph(child)
            elif tag == f"{_W}tbl":
                for cell in _cells(child):
                    self.blocks(cell)
            elif tag == f"{_W}sdt":
                content = child.find(f"{_W}sdtContent")
                if content is not None:
                    self.blocks(content)
            elif tag == f"{_W}altChunk":
                self.alt_chunk(child.get(f"{_R}id"))
            elif tag in (f"{_W}customXml", f"{_W}smartTag", f"{_W}ins"):
                self.blocks(child)
            elif tag == f"{_MC}AlternateContent" and (chosen := _chosen(child)) is not None:
                self.blocks(chosen)

    def paragraph(self, paragraph) -> None:
        """A paragraph's text as a line; a text box anchored in it ends the line and adds its own."""
        label = self.numbering.label(paragraph)
        parts: list[str] = [label] if label else []

        def flush() -> None:
            if parts:
                self.lines.append("".join(parts))
                parts.clear()

        def walk(node) -> None:
            for child in node.iterchildren():
                tag = child.tag
                if not isinstance(tag, str) or tag in _SKIPPED:
                    continue
                if tag == f"{_W}t":
                    parts.append(child.text or "")
                elif tag == f"{_W}tab":
                    parts.append("\t")
                elif tag in (f"{_W}br", f"{_W}cr"):
                    parts.append("\n")
                elif tag == f"{_W}noBreakHyphen":
                    parts.append("-")
                elif tag == f"{_MC}AlternateContent":
                    walk_choice(child)
                elif tag == f"{_W}txbxContent":
                    if self.depth < 8:
                        flush()
                        self.depth += 1
                        self.blocks(child)
                        self.depth -= 1
                elif tag == f"{_W}object":  # an embedded Excel table or Word file: its text in place
                    ole_object = child.find(f".//{_O}OLEObject")
                    if ole_object is not None and self.depth < 8:
                        flush()
                        self.embedded(ole_object.get(f"{_R}id"), ole_object.get("ProgID") or "")
                elif tag == f"{_W}ruby":
                    base = child.find(f"{_W}rubyBase")
                    if base is not None:
                        walk(base)
                else:
                    walk(child)

        def walk_choice(alternate) -> None:
            chosen = _chosen(alternate)
            if chosen is not None:
                walk(chosen)

        walk(paragraph)
        self.lines.append("".join(parts))  # an empty paragraph too: blank lines separate blocks

    def embedded(self, rel_id: str | None, prog_id: str) -> None:
        """An embedded object's text (an .xlsx part, or an OLE .bin holding a workbook or document) in place."""
        target = self.rels.get(rel_id)
        if target is None or not self.reader.has(target[0]):
            return
        data = self.reader.read(target[0])
        suffix = posixpath.splitext(target[0])[1].lower()
        if data.startswith(_OLE_MAGIC):
            suffix = _ole_suffix(data, prog_id)
        if suffix in (".xlsx", ".xlsm", ".xls", ".docx", ".docm", ".doc", ".pptx", ".ppt", ".rtf", ".odt", ".ods"):
            self._read_into_lines(".xlsx" if suffix == ".xlsm" else ".docx" if suffix == ".docm" else suffix, data)

    def _read_into_lines(self, suffix: str, data: bytes) -> None:
        """Another file's text, read by the reader for ``suffix``, as lines here (one nesting level deeper)."""
        from search.extract import extract

        options = self.options or ExtractOptions()
        if options.depth >= 4:
            return
        try:
            inner = extract(suffix, data, ExtractOptions(options.ocr, options.ocr_cache, options.depth + 1))
        except Unreadable as exc:
            if "decompression limit" in str(exc):
                raise
            return
        self.lines.extend(inner.text.split("\n"))

    def alt_chunk(self, rel_id: str | None) -> None:
        """An embedded HTML/MHT/RTF/.docx part, read by the reader for its type, its lines in place."""
        target = self.rels.get(rel_id)
        if target is None or not self.reader.has(target[0]):
            return
        suffix = _CHUNK_READERS.get(self._content_type(target[0]), posixpath.splitext(target[0])[1].lower())
        self._read_into_lines(suffix, self.reader.read(target[0]))

    def _content_type(self, part: str) -> str:
        """A part's content type from [Content_Types].xml (an Override, else its extension's Default)."""
        if not self.reader.has("[Content_Types].xml"):
            return ""
        types = self.reader.xml("[Content_Types].xml")
        extension = posixpath.splitext(part)[1].lstrip(".").lower()
        default = ""
        for node in types:
            tag = node.tag.rsplit("}", 1)[-1]
            if tag == "Override" and node.get("PartName", "").lstrip("/") == part:
                return node.get("ContentType", "")
            if tag == "Default" and node.get("Extension", "").lower() == extension:
                default = node.get("ContentType", "")
        return default


def _ole_suffix(data: bytes, prog_id: str) -> str:
    """The kind of file an embedded OLE object is: by its streams (a workbook, a Word or PowerPoint file)."""
    import io

    import olefile

    try:
        with olefile.OleFileIO(io.BytesIO(data)) as ole:
            for stream, suffix in _OLE_STREAMS:
                if ole.exists(stream):
                    return suffix
    except Exception:  # noqa: BLE001 - a damaged embedded object: left out, as Word would show only its picture
        return ""
    return ""


def _numbering(reader, rels):
    """The document's list numbering (numbering.xml and the styles that number paragraphs)."""
    from search.extract.word_numbering import Numbering

    parts = {
        kind: reader.xml(target)
        for target, rel_type in rels.values()
        for kind in ("numbering", "styles")
        if rel_type.endswith(f"/{kind}") and reader.has(target)
    }
    return Numbering(parts.get("numbering"), parts.get("styles"))


def _cells(table):
    """A table's cells in order, also those a content control (w:sdt) or custom XML wraps, round a row or a cell."""
    for child in table.iterchildren():
        tag = child.tag
        if tag == f"{_W}tc":
            yield child
        elif tag in (f"{_W}tr", f"{_W}customXml", f"{_W}sdtContent"):
            yield from _cells(child)
        elif tag == f"{_W}sdt":
            content = child.find(f"{_W}sdtContent")
            if content is not None:
                yield from _cells(content)


def _chosen(alternate):
    """The one branch of mc:AlternateContent to read: its first Choice, else its Fallback."""
    choice = alternate.find(f"{_MC}Choice")
    return choice if choice is not None else alternate.find(f"{_MC}Fallback")
