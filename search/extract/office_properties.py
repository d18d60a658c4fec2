"""The title, author and creation date an office file carries: OLE SummaryInformation (binary formats),
docProps/core.xml (OOXML), generator defaults ("Word Document") dropped.

Our own small parse of the property set (MS-OLEPS) rather than olefile's ``get_metadata``: files saved by
WPS Office use code page 1200 (UTF-16), for which olefile reads each string past its end
(``'dsx\\x00\\x1f\\x00Normal.dotm…'`` for the author ``dsx``).
"""

from __future__ import annotations

import codecs
import struct
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    import olefile

    from search.extract.zipped import ZipReader

_TITLE, _AUTHOR, _CREATED = 2, 4, 12
_CODEPAGE = 1
_VT_LPSTR, _VT_LPWSTR, _VT_FILETIME, _VT_I2 = 0x1E, 0x1F, 0x40, 0x02
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)

# Titles a program writes by itself (a template's or a new file's name), never the document's own.
_PLACEHOLDER_TITLES = frozenset(
    t.casefold()
    for t in (
        "Word Document",
        "Microsoft Word Document",
        "Microsoft Word 文档",
        "Word 文档",
        "文档",
        "Document",
        "新建 Microsoft Word 文档",
        "新建文档",
        "Untitled",
        "无标题",
        "PowerPoint Presentation",
        "PowerPoint 演示文稿",
        "演示文稿",
        "Presentation",
        "幻灯片 1",
        "Slide 1",
        "WPS 文字",
        "WPS 演示",
        "WPS 表格",
        "Microsoft Excel 工作表",
        "工作簿",
        "Workbook",
        "Sheet1",
        "Title",
        "标题",
        "Normal",
        "Normal.dot",
        "Normal.dotm",
        "Normal.wpt",
        "Unknown",
        "Unnamed",
        "PDF",
        "Created with Print2PDF",
    )
)


def is_placeholder_title(title: str | None) -> bool:
    """Whether a title property is a generator's default (``Word Document``, ``PowerPoint 演示文稿``) or blank."""
    text = (title or "").strip()
    if not text:
        return True
    folded = text.casefold()
    return folded in _PLACEHOLDER_TITLES or folded.startswith(("microsoft word - ", "microsoft powerpoint - "))


def summary_properties(ole: olefile.OleFileIO) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """(title, properties) from an open olefile's SummaryInformation; (None, ()) where it is missing or damaged."""
    try:
        if not ole.exists("\x05SummaryInformation"):
            return None, ()
        values = read_property_set(ole.openstream("\x05SummaryInformation").read())
    except (OSError, ValueError, struct.error, IndexError, LookupError):
        return None, ()
    title = values.get(_TITLE)
    title = None if not isinstance(title, str) or is_placeholder_title(title) else title.strip()
    properties: list[tuple[str, str]] = []
    author = values.get(_AUTHOR)
    if isinstance(author, str) and author.strip():
        properties.append(("author", author.strip()))
    created = values.get(_CREATED)
    if isinstance(created, datetime) and created.year > 1980:  # 1601 or 1980: a zero or DOS-epoch stamp
        properties += [("created", created.isoformat()), ("created_tag", "OLE SummaryInformation created")]
    return title, tuple(properties)


def read_property_set(stream: bytes) -> dict[int, object]:
    """The first property set of an OLE property stream: id -> str, datetime or int (other types left out)."""
    if len(stream) < 48 or stream[:2] != b"\xfe\xff":
        raise ValueError("not a property set stream")
    (offset,) = struct.unpack_from("<I", stream, 44)
    _size, count = struct.unpack_from("<II", stream, offset)
    entries = [struct.unpack_from("<II", stream, offset + 8 + 8 * i) for i in range(min(count, 1000))]
    raw: dict[int, tuple[int, int]] = {}
    for prop_id, prop_offset in entries:
        at = offset + prop_offset
        (vtype,) = struct.unpack_from("<H", stream, at)
        raw[prop_id] = (vtype, at + 4)
    codepage = 1252
    if _CODEPAGE in raw and raw[_CODEPAGE][0] == _VT_I2:
        codepage = struct.unpack_from("<H", stream, raw[_CODEPAGE][1])[0]  # unsigned: 65001 is -535 signed
    values: dict[int, object] = {}
    for prop_id, (vtype, at) in raw.items():
        if vtype == _VT_LPSTR:
            (size,) = struct.unpack_from("<I", stream, at)
            values[prop_id] = _decode(stream[at + 4 : at + 4 + min(size, 65536)], codepage)
        elif vtype == _VT_LPWSTR:
            (length,) = struct.unpack_from("<I", stream, at)
            values[prop_id] = stream[at + 4 : at + 4 + 2 * min(length, 32768)].decode("utf-16-le", "replace")
        elif vtype == _VT_FILETIME:
            (ticks,) = struct.unpack_from("<Q", stream, at)
            values[prop_id] = (_FILETIME_EPOCH + timedelta(microseconds=ticks // 10)).replace(tzinfo=None)
        elif vtype == _VT_I2:
            values[prop_id] = struct.unpack_from("<h", stream, at)[0]
    return {k: v.split("\x00", 1)[0] if isinstance(v, str) else v for k, v in values.items()}


def _decode(raw: bytes, codepage: int) -> str:
    """A CodePageString's bytes in its property set's code page (1200 is UTF-16, 65001 UTF-8, 936 GBK …)."""
    name = {1200: "utf-16-le", 65001: "utf-8", 936: "gb18030", 950: "cp950"}.get(codepage, f"cp{codepage}")
    try:
        codecs.lookup(name)
    except LookupError:
        name = "cp1252"
    return raw.decode(name, errors="replace")


_DC = "{http://purl.org/dc/elements/1.1/}"
_DCTERMS = "{http://purl.org/dc/terms/}"


def core_properties(reader: ZipReader, kind: str) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """(title, properties) from an OOXML package's docProps/core.xml (a :class:`ZipReader`); none if absent."""
    from search.extract.extracted import Unreadable

    if not reader.has("docProps/core.xml"):
        return None, ()
    try:
        root = reader.xml("docProps/core.xml")
    except Unreadable:
        return None, ()

    def text(tag: str) -> str:
        node = root.find(tag)
        return (node.text or "").strip() if node is not None and node.text else ""

    title = text(f"{_DC}title")
    properties: list[tuple[str, str]] = []
    if author := text(f"{_DC}creator"):
        properties.append(("author", author))
    created = text(f"{_DCTERMS}created")
    if created and not created.startswith(("1601", "1899", "1900", "1980")):
        properties += [("created", created.replace("Z", "")), ("created_tag", f"{kind} created")]
    return (None if is_placeholder_title(title) else title), tuple(properties)
