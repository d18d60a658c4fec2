"""Outlook's compressed RTF (MS-OXRTFCP, "LZFu"), as .msg files keep message bodies."""

from __future__ import annotations

import struct

from search.extract.extracted import Unreadable
from search.extract.members import MAX_MEMBER_BYTES

_RTF_PREBUF = (
    b"{\\rtf1\\ansi\\mac\\deff0\\deftab720{\\fonttbl;}{\\f0\\fnil \\froman \\fswiss \\fmodern "
    b"\\fscript \\fdecor MS Sans SerifSymbolArialTimes New RomanCourier{\\colortbl\\red0\\green0"
    b"\\blue0\r\n\\par \\pard\\plain\\f0\\fs20\\b\\i\\u\\tab\\tx"
)
_LZFU, _MELA = 0x75465A4C, 0x414C454D


def decompress_rtf(data: bytes) -> bytes:
    """PR_RTF_COMPRESSED's bytes -> the RTF: LZ77 over a 4 KiB ring that starts as a fixed RTF
    preamble; a control byte's bits (low first) say literal byte or (12-bit offset, 4-bit length - 2)
    reference; a reference to the write position itself ends it."""
    if len(data) < 16:
        raise Unreadable("compressed RTF body too short")
    size, raw_size, kind, _crc = struct.unpack_from("<IIII", data)
    if kind == _MELA:
        return data[16 : 16 + raw_size]
    if kind != _LZFU:
        raise Unreadable("compressed RTF body of an unknown kind")
    ring = bytearray(4096)
    ring[: len(_RTF_PREBUF)] = _RTF_PREBUF
    write = len(_RTF_PREBUF)
    out = bytearray()
    source, end = 16, min(len(data), size + 4)
    limit = min(raw_size, MAX_MEMBER_BYTES)
    while source < end:
        control = data[source]
        source += 1
        for bit in range(8):
            if source >= end:
                break
            if not control >> bit & 1:
                ring[write] = data[source]
                out.append(data[source])
                write = (write + 1) & 0xFFF
                source += 1
                continue
            if source + 1 >= end:
                return bytes(out)
            reference = data[source] << 8 | data[source + 1]
            source += 2
            offset, length = reference >> 4, (reference & 0xF) + 2
            if offset == write:
                return bytes(out)
            for step in range(length):
                byte = ring[(offset + step) & 0xFFF]
                ring[write] = byte
                out.append(byte)
                write = (write + 1) & 0xFFF
        if len(out) > limit:
            break
    return bytes(out[:limit])
