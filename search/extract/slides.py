"""Presentations -> each slide's text in order, then its speaker notes: .pptx (zip of XML) and .ppt / Kingsoft
.dps (PowerPoint 97 binary).

.pptx: slides in the order of presentation.xml's sldIdLst (not the part names: slide10 sorts before
slide2 and a moved slide keeps its name), each a:p paragraph a line. .ppt: pure Python over the
"PowerPoint Document" stream's records (MS-PPT): TextCharsAtom (UTF-16LE) and TextBytesAtom (Latin-1)
inside slides, notes and the slide text lists, the masters' "click to edit" prompts left out;
LibreOffice (to .odp) where that finds nothing.
"""

from __future__ import annotations

import io
import struct

from search.extract.extracted import Extracted, ExtractOptions, Unreadable

_P = "{http://schemas.openxmlformats.org/presentationml/2006/main}"
_A = "{http://schemas.openxmlformats.org/drawingml/2006/main}"
_R = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
_NOTES_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/notesSlide"

# .ppt record types (MS-PPT 2.13.24)
_TEXT_CHARS, _TEXT_BYTES = 0x0FA0, 0x0FA8
_SLIDE, _NOTES, _MAIN_MASTER, _HANDOUT = 0x03EE, 0x03F0, 0x03F8, 0x0FC9
_DOCUMENT, _SLIDE_LIST_WITH_TEXT = 0x03E8, 0x0FF0
_SKIPPED_CONTAINERS = frozenset({_MAIN_MASTER, _HANDOUT, 0x0FD9})  # masters, handout, headers/footers
_NOTES_ATOM = 0x03F1
_PLACEHOLDER_TEXTS = frozenset({"*", ""})  # a slide-number field's stand-in
# A master's prompts, in the title and notes masters some files keep outside the MainMaster container.
_MASTER_PROMPTS = (
    "Click to edit Master",
    "Click to edit the title text",
    "Click to edit the outline text",
    "单击此处编辑母版",
    "单击此处编辑标题",
    "单击此处编辑大纲",
    "按此处编辑母版",
    "按一下以编辑母片",
)


def extract_pptx(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A .pptx file's slides in presentation order, each slide's paragraphs a line, then its notes."""
    from search.extract.office_properties import core_properties
    from search.extract.zipped import ZipReader, relationships

    if data.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):  # encrypted OOXML, or a .ppt so named
        return extract_ppt(data, options)
    reader = ZipReader(data, "PowerPoint file")
    if not reader.has("ppt/presentation.xml"):
        raise Unreadable("not a readable PowerPoint file (no ppt/presentation.xml)")
    presentation = reader.xml("ppt/presentation.xml")
    targets = {rel_id: target for rel_id, (target, _) in relationships(reader, "ppt/presentation.xml").items()}
    blocks = []
    for slide_id in presentation.iter(f"{_P}sldId"):
        target = targets.get(slide_id.get(f"{_R}id"))
        if target is None or not reader.has(target):
            continue
        lines = _paragraphs(reader.xml(target))
        notes = [t for t, kind in relationships(reader, target).values() if kind == _NOTES_REL]
        for note in notes:
            if reader.has(note):
                lines += _paragraphs(reader.xml(note), notes=True)
        if lines:
            blocks.append("\n".join(lines))
    text = "\n\n".join(blocks)
    if not text.strip():
        raise Unreadable("presentation has no text")
    title, properties = core_properties(reader, "pptx")
    return Extracted(text, "pptx", title, properties)


def _paragraphs(root, notes: bool = False) -> list[str]:
    """The a:p paragraphs' text in a slide or notes part; a notes page's slide-number and image placeholders skipped."""
    lines = []
    for shape in root.iter(f"{_P}sp"):
        placeholder = shape.find(f"{_P}nvSpPr/{_P}nvPr/{_P}ph")
        if notes and placeholder is not None and placeholder.get("type") in ("sldNum", "sldImg", "hdr", "ftr", "dt"):
            continue
        for paragraph in shape.iter(f"{_A}p"):
            parts = ["\n" if node.tag == f"{_A}br" else node.text or "" for node in paragraph.iter(f"{_A}t", f"{_A}br")]
            line = "".join(parts).strip()
            if line:
                lines.append(line)
    # Tables (a:tbl in a graphicFrame) hold paragraphs outside any p:sp.
    for frame in root.iter(f"{_P}graphicFrame"):
        for row in frame.iter(f"{_A}tr"):
            cells = ["".join(t.text or "" for t in cell.iter(f"{_A}t")).strip() for cell in row.iter(f"{_A}tc")]
            if any(cells):
                lines.append("\t".join(cells).rstrip("\t"))
    return lines


def extract_ppt(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A .ppt/.dps file's text: slides, then notes, in stream order; LibreOffice where no text atom is found."""
    import olefile

    from search.extract.office_properties import summary_properties

    if not olefile.isOleFile(io.BytesIO(data)):
        if data.startswith(b"PK\x03\x04"):  # a .pptx saved under the old name
            return extract_pptx(data, options)
        raise Unreadable("not a readable PowerPoint file (damaged or truncated?)")
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # a damaged OLE directory
        raise Unreadable("not a readable PowerPoint file (damaged or truncated?)") from exc
    with ole:
        if ole.exists("EncryptedSummary") or ole.exists("EncryptionInfo"):
            raise Unreadable("presentation is encrypted (password-protected)")
        if not ole.exists("PowerPoint Document"):
            raise Unreadable("not a PowerPoint file (an OLE file without a PowerPoint Document stream)")
        title, properties = summary_properties(ole)
        stream = ole.openstream("PowerPoint Document").read()
    lines = _record_texts(stream)
    while lines and not lines[-1]:
        lines.pop()
    encoding = "ppt"
    if not any(lines):
        lines, encoding = _converted(data), "ppt:libreoffice"
    text = "\n".join(lines)
    if not text.strip():
        raise Unreadable("presentation has no text")
    return Extracted(text, encoding, title, properties)


def _record_texts(stream: bytes) -> list[str]:
    """Text atoms of slides, notes and slide text lists, each once, in stream order (masters left out)."""
    seen: set[str] = set()
    lines: list[str] = []

    def walk(at: int, end: int, depth: int, wanted: bool) -> None:
        while at + 8 <= end and depth < 32:
            ver_instance, kind, length = struct.unpack_from("<HHI", stream, at)
            body, after = at + 8, min(at + 8 + length, end)
            if ver_instance & 0x0F == 0x0F:  # a container
                if kind == _NOTES and _is_notes_master(stream, body, after):
                    at = body + length
                    continue
                if kind in (_SLIDE, _NOTES) and lines and lines[-1]:
                    lines.append("")  # a blank line between slides, as in .pptx
                if kind not in _SKIPPED_CONTAINERS:
                    inside = wanted or kind in (_SLIDE, _NOTES, _SLIDE_LIST_WITH_TEXT)
                    walk(body, after, depth + 1, inside)
            elif wanted and kind in (_TEXT_CHARS, _TEXT_BYTES):
                raw = stream[body:after]
                text = raw.decode("utf-16-le", "replace") if kind == _TEXT_CHARS else raw.decode("latin-1")
                text = text.replace("\r", "\n").replace("\x0b", "\n").strip()
                if text not in _PLACEHOLDER_TEXTS and text not in seen and not text.startswith(_MASTER_PROMPTS):
                    seen.add(text)
                    lines.append(text)
            at = body + length

    walk(0, len(stream), 0, False)
    return lines


def _is_notes_master(stream: bytes, body: int, end: int) -> bool:
    """Whether a Notes container is the notes master: its NotesAtom refers to no slide (slideIdRef 0)."""
    if body + 12 <= end:
        _, kind, _ = struct.unpack_from("<HHI", stream, body)
        if kind == _NOTES_ATOM:
            return struct.unpack_from("<I", stream, body + 8)[0] == 0
    return False


def _converted(data: bytes) -> list[str]:
    """The slides' text as LibreOffice reads them (converted to .odp and read as OpenDocument)."""
    from search.extract.opendocument import extract_odp
    from search.extract.soffice import convert, soffice_path

    if soffice_path() is None:
        return []
    try:
        return [extract_odp(convert(data, ".ppt", "odp")).text]
    except Unreadable:
        return []
