"""Word 97-2003 (.doc, .dot) and Kingsoft WPS (.wps, the same binary underneath) files -> their text.

Read in pure Python from the piece table (MS-DOC 2.4.1): the WordDocument stream's FIB names the Clx in the
0Table/1Table stream; its PlcPcd lists the pieces of the text, each either UTF-16LE or "compressed"
(one cp1252 byte a character). Instant, and right on Chinese (whose pieces are UTF-16). Where that parse
fails (a fast-saved or damaged file), LibreOffice converts the file instead; an encrypted file is named
as such. Title, author and creation date come from the OLE SummaryInformation stream; files attached
in the document (WPS and Word embed them as packages) are its parts, each a document of its own.
"""

from __future__ import annotations

import bisect
import io
import re
import struct
from collections.abc import Sequence
from typing import TYPE_CHECKING

from search.extract.extracted import Extracted, ExtractOptions, Unreadable
from search.extract.office_properties import summary_properties
from search.extract.ole_attachments import attachments

if TYPE_CHECKING:
    import olefile

_FIB_MAGIC = 0xA5EC
_F_COMPLEX = 0x0004
_F_ENCRYPTED = 0x0100
_F_WHICH_TABLE = 0x0200
_CLX_INDEX = 33  # fcClx/lcbClx in FibRgFcLcb97
# FibRgLw97: ccpText, ccpFtn, ccpHdd, ccpMcr, ccpAtn, ccpEdn, ccpTxbx, ccpHdrTxbx at these indexes.
_CCP_INDEXES = {"text": 3, "footnotes": 4, "headers": 5, "macro": 6, "comments": 7, "endnotes": 8, "boxes": 9}

# Characters with a meaning in Word's text stream (MS-DOC 2.8.25 and around).
_SPECIALS = str.maketrans(
    {
        "\r": "\n",
        "\x0b": "\n",
        "\x0c": "\n",
        "\x0e": "\n",  # paragraph, line, page/section, column breaks
        "\x1e": "-",  # non-breaking hyphen
        "\x1f": None,
        "\x01": None,
        "\x02": None,
        "\x03": None,
        "\x04": None,
        "\x05": None,
        "\x08": None,
        "\x00": None,  # optional hyphen, picture, footnote mark, separators, comment mark, drawn object
    }
)
_ROW_END = re.compile("\x07\x07")  # a row's last cell mark, then the row mark


def extract_doc(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A .doc/.wps/.dot file's text: the body, then footnotes, endnotes and text boxes; title from its properties."""
    import olefile

    if not olefile.isOleFile(io.BytesIO(data)):
        return _saved_under_doc_name(data, options)
    try:
        ole = olefile.OleFileIO(io.BytesIO(data))
    except Exception as exc:  # olefile raises many kinds on a damaged directory
        raise Unreadable("not a readable Word file (damaged or truncated?)") from exc
    with ole:
        if ole.exists("EncryptionInfo") or ole.exists("EncryptedPackage"):  # an encrypted .docx so named
            raise Unreadable("Word document is encrypted (password-protected)")
        if not ole.exists("WordDocument"):  # Microsoft Works .wps and other OLE word processors
            return Extracted(
                _converted(data, "not a Word file (an OLE file without a WordDocument stream)"), "doc:libreoffice"
            )
        title, properties = summary_properties(ole)
        parts = attachments(ole, options)
        try:
            text = piece_table_text(ole)
            encoding = "doc"
        except _Encrypted:
            raise Unreadable("Word document is encrypted (password-protected)") from None
        except (_NoPieceTable, struct.error, OSError, ValueError, IndexError):
            text, encoding = _converted(data), "doc:libreoffice"
        else:
            if _garbled(text):  # pieces read at the wrong places: LibreOffice's text where it reads better
                try:
                    converted = _converted(data)
                except Unreadable:
                    converted = ""
                if converted.strip() and not _garbled(converted):
                    text, encoding = converted, "doc:libreoffice"
    if not text.strip() and not parts:
        raise Unreadable("Word document has no text")
    return Extracted(text if text.strip() else "", encoding, title, properties, parts)


class _Encrypted(Exception):
    pass


class _NoPieceTable(Exception):
    pass


def piece_table_text(ole: olefile.OleFileIO) -> str:
    """The document's text from its piece table: body, footnotes, endnotes, text boxes (headers left out)."""
    word = ole.openstream("WordDocument").read()
    if len(word) < 0x22 or struct.unpack_from("<H", word, 0)[0] != _FIB_MAGIC:
        raise _NoPieceTable("no FIB")
    flags = struct.unpack_from("<H", word, 0x0A)[0]
    if flags & _F_ENCRYPTED:
        raise _Encrypted
    table_name = "1Table" if flags & _F_WHICH_TABLE else "0Table"
    if not ole.exists(table_name):
        raise _NoPieceTable(f"no {table_name} stream")
    table = ole.openstream(table_name).read()
    lengths, fc_clx, lcb_clx, fc_lcb = _fib_fields(word)
    pieces = _pieces(table, fc_clx, lcb_clx)
    characters = _characters(word, pieces)
    stories = {}
    cp = 0
    for story in ("text", "footnotes", "headers", "macro", "comments", "endnotes", "boxes"):
        stories[story] = characters[cp : cp + lengths[story]]
        cp += lengths[story]
    stories["text"] = _numbered(stories["text"], pieces, word, table, fc_lcb)
    return "\n".join(_clean(stories[s]) for s in ("text", "footnotes", "endnotes", "boxes") if stories[s])


def _fib_fields(word: bytes) -> tuple[dict[str, int], int, int, int]:
    """The stories' lengths in characters, the Clx's place in the table stream and FibRgFcLcb's, from the FIB."""
    at = 32
    csw = struct.unpack_from("<H", word, at)[0]
    at += 2 + 2 * csw
    cslw = struct.unpack_from("<H", word, at)[0]
    rg_lw = at + 2
    if cslw <= max(_CCP_INDEXES.values()):
        raise _NoPieceTable("short FibRgLw")
    lengths = {story: struct.unpack_from("<i", word, rg_lw + 4 * i)[0] for story, i in _CCP_INDEXES.items()}
    at = rg_lw + 4 * cslw
    cb_fc_lcb = struct.unpack_from("<H", word, at)[0]
    if cb_fc_lcb <= _CLX_INDEX:
        raise _NoPieceTable("short FibRgFcLcb")
    fc_clx, lcb_clx = struct.unpack_from("<II", word, at + 2 + 8 * _CLX_INDEX)
    if any(v < 0 for v in lengths.values()):
        raise _NoPieceTable("negative story length")
    return lengths, fc_clx, lcb_clx, at + 2


def _pieces(table: bytes, fc_clx: int, lcb_clx: int) -> list[tuple[int, int, int, bool]]:
    """(cp start, cp end, byte offset in WordDocument, compressed) for each piece of the text."""
    if lcb_clx == 0 or fc_clx + lcb_clx > len(table):
        raise _NoPieceTable("Clx outside the table stream")
    at, end = fc_clx, fc_clx + lcb_clx
    while at < end and table[at] == 0x01:  # Prc: formatting we do not need
        at += 3 + struct.unpack_from("<h", table, at + 1)[0]
    if at >= end or table[at] != 0x02:
        raise _NoPieceTable("no Pcdt in the Clx")
    lcb = struct.unpack_from("<I", table, at + 1)[0]
    plc = at + 5
    if lcb < 16 or plc + lcb > len(table) or (lcb - 4) % 12:
        raise _NoPieceTable("bad PlcPcd")
    n = (lcb - 4) // 12
    cps = struct.unpack_from(f"<{n + 1}I", table, plc)
    pieces = []
    for i in range(n):
        fc = struct.unpack_from("<I", table, plc + 4 * (n + 1) + 8 * i + 2)[0]
        compressed = bool(fc & 0x40000000)
        offset = (fc & 0x3FFFFFFF) // 2 if compressed else fc & 0x3FFFFFFF
        pieces.append((cps[i], cps[i + 1], offset, compressed))
    return pieces


def _numbered(
    characters: str, pieces: Sequence[tuple[int, int, int, bool]], word: bytes, table: bytes, fc_lcb: int
) -> str:
    """The characters with each list paragraph's number ("一、") put before it, in the main story."""
    from search.extract.word97_lists import Lists

    try:
        if struct.unpack_from("<I", word, fc_lcb + 8 * 74 + 4)[0] == 0:  # lcbPlfLfo: no lists at all
            return characters
        lists = Lists(word, table, fc_lcb)
    except (struct.error, IndexError, ValueError):
        return characters  # damaged list tables: the text without numbers
    starts = [p[0] for p in pieces]
    out, start = [], 0
    for cp, ch in enumerate(characters):  # the main story: its CPs start at 0
        if ch not in "\r\x07":
            continue
        i = bisect.bisect_right(starts, cp) - 1
        piece_start, _, offset, compressed = pieces[i]
        try:
            label = lists.label(offset + (cp - piece_start) * (1 if compressed else 2))
        except (struct.error, IndexError, ValueError):
            label = ""
        out.append(label + characters[start : cp + 1])
        start = cp + 1
    out.append(characters[start:])
    return "".join(out)


def _characters(word: bytes, pieces: Sequence[tuple[int, int, int, bool]]) -> str:
    """The pieces' characters joined in CP order."""
    parts = []
    for start, end, offset, compressed in pieces:
        count = end - start
        if count < 0:
            raise _NoPieceTable("pieces out of order")
        if compressed:
            raw = word[offset : offset + count]
            parts.append(raw.decode("cp1252", errors="replace").replace("\ufffd", ""))
        else:
            raw = word[offset : offset + 2 * count]
            parts.append(raw.decode("utf-16-le", errors="replace"))
        if len(raw) < (count if compressed else 2 * count):
            raise _NoPieceTable("piece past the end of the WordDocument stream")
    return "".join(parts)


def _clean(story: str) -> str:
    """A story's characters as text: fields' codes dropped (results kept), cell marks as tabs and lines."""
    out = []
    # Fields: \x13 code \x14 result \x15, nested. Only a field's code is dropped. The stack holds whether
    # each open field is still in its code; ``in_code`` counts those, so deep nesting stays linear.
    fields: list[bool] = []
    in_code = 0
    for ch in story:
        if ch == "\x13":
            fields.append(True)
            in_code += 1
        elif ch == "\x14" and fields:
            if fields[-1]:
                fields[-1] = False
                in_code -= 1
        elif ch == "\x15" and fields:
            in_code -= fields.pop()
        elif not in_code:
            out.append(ch)
    text = "".join(out)
    text = _ROW_END.sub("\n", text).replace("\x07", "\t").translate(_SPECIALS)
    return "\n".join(line.rstrip("\t ") for line in text.split("\n")).strip("\n")


_BAD_CHARACTERS = re.compile("[\ufffd\x00-\x08\x0e-\x1f]")


def _garbled(text: str) -> bool:
    """Whether a text has more than 2% replacement or control characters (what misread pieces give)."""
    visible = len(text) - text.count(" ") - text.count("\n")
    return visible >= 20 and len(_BAD_CHARACTERS.findall(text)) > 0.02 * visible


def _converted(data: bytes, reason: str = "not a readable Word file (damaged or truncated?)") -> str:
    """The file's text as LibreOffice reads it (the fallback for files the piece table cannot give)."""
    from search.extract.soffice import convert, soffice_path

    if soffice_path() is None:
        raise Unreadable(f"{reason}; LibreOffice, which reads more, is not installed")
    try:
        text = convert(data, ".doc", "txt:Text (encoded):UTF8").decode("utf-8-sig", errors="replace")
    except Unreadable as exc:
        raise Unreadable(reason) from exc
    if not text.strip():
        raise Unreadable(reason)
    return text


def _saved_under_doc_name(data: bytes, options: ExtractOptions | None) -> Extracted:
    """An RTF, .docx or web page saved with a .doc name (common in OA exports), read as what it is."""
    from search.extract import extract

    head = data[:1024].lstrip()
    if head.startswith(b"{\\rtf"):
        return extract(".rtf", data, options)
    if head.startswith(b"PK\x03\x04"):
        return extract(".docx", data, options)
    lowered = head.lower()
    if lowered.startswith(b"mime-version") or b"multipart/related" in lowered:
        return extract(".mhtml", data, options)
    if b"<html" in lowered and b"schemas.microsoft.com/office/word/2003/wordml" not in lowered:
        return extract(".html", data, options)
    # Word 2003 XML, Word 6, WordPerfect and the like: LibreOffice reads them.
    return Extracted(_converted(data), "doc:libreoffice")
