"""Files attached inside a Word 97 / Excel 97 file (an "Ole10Native" package: the icon of an attached
.pdf, .txt, .docx …), each read as a document of its own (a :class:`Part`).

WPS and Office put them in ObjectPool/_NNN/ (Word) or MBD…/ (Excel) storages; the stream holds the
file's name, its original path and its bytes (MS-OLEDS 2.3.6, the "Package" format).
"""

from __future__ import annotations

import struct

from search.extract.extracted import ExtractOptions, Part, Unreadable

MAX_ATTACHMENTS = 200
MAX_DEPTH = 4


def attachments(ole, options: ExtractOptions | None) -> tuple[Part, ...]:
    """The attached files of an open olefile, each read by its own reader (or skipped with its reason)."""
    from search.extract import extract

    options = options or ExtractOptions()
    if options.depth >= MAX_DEPTH:
        return ()
    parts = []
    seen: dict[str, int] = {}
    for entry in ole.listdir():
        if entry[-1] != "\x01Ole10Native" or len(parts) >= MAX_ATTACHMENTS:
            continue
        try:
            name, data = package(ole.openstream(entry).read())
        except (ValueError, struct.error, OSError):
            continue
        seen[name] = seen.get(name, 0) + 1
        if seen[name] > 1:  # two attachments of one name: both kept, told apart
            stem, dot, suffix = name.rpartition(".")
            name = f"{stem} ({seen[name]}).{suffix}" if dot else f"{name} ({seen[name]})"
        inner = ExtractOptions(options.ocr, options.ocr_cache, options.depth + 1)
        try:
            parts.append(Part(name, extracted=extract(name, data, inner)))
        except Unreadable as exc:
            parts.append(Part(name, skipped=str(exc)))
    return tuple(parts)


def package(stream: bytes) -> tuple[str, bytes]:
    """(file name, bytes) of an Ole10Native stream; ValueError if it is not a package."""
    (size,) = struct.unpack_from("<I", stream, 0)
    body = stream[4 : 4 + size]
    at = 2  # flags
    label_end = body.index(b"\x00", at)
    label = body[at:label_end]
    at = body.index(b"\x00", label_end + 1) + 1  # the original path
    at += 4  # reserved
    (temp_length,) = struct.unpack_from("<I", body, at)
    at += 4 + temp_length  # the temporary path
    (length,) = struct.unpack_from("<I", body, at)
    data = body[at + 4 : at + 4 + length]
    if len(data) != length:
        raise ValueError("truncated package")
    name = _decoded(label).replace("\\", "/").rsplit("/", 1)[-1].strip() or "attachment"
    return name, data


def _decoded(raw: bytes) -> str:
    """A package's ANSI file name: GBK as Chinese Windows writes it, else Latin-1."""
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("latin-1")
