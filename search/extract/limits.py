"""What reading one file may cost: decompressed bytes, members, text, paragraphs, time and memory.

A 916 KB .docx can hold 300 MB of XML, and a 102 KB PDF a 100 MB content stream: the size on disk
says nothing about the work.  The checks here run before a reader does (``check_zip``,
``check_pdf``) and after it (``check_text``), each refusing with :class:`LimitExceeded`, whose
message names the setting (``(limit SEARCH_LIMIT_UNZIPPED_MB)``) so that a user knows what to
raise.  Wall time and memory per file are enforced by the indexing worker pool
(``search.ingest.pipeline``), which kills a worker that exceeds them: the backstop for what no
check here can foresee (pdfminer decoding a stream, a deeply nested page).

Settings are environment variables, read once a process (workers inherit them).
"""

from __future__ import annotations

import os
import re
import zipfile
import zlib
from collections.abc import Mapping
from dataclasses import dataclass, fields
from functools import lru_cache
from io import BytesIO
from typing import Any

from search.extract.extracted import Unreadable

MB = 1024 * 1024
ZIP_SUFFIXES = (".docx", ".xlsx", ".pptx", ".odt", ".ods", ".odp", ".epub", ".ofd", ".zip")
# The mark every limit's message carries: an indexing run remembers files skipped for it.
LIMIT_MARK = "(limit SEARCH_LIMIT_"


class LimitExceeded(Unreadable):
    """A file whose reading would cost more than a limit allows (the message names the setting)."""


@dataclass(frozen=True)
class Limits:
    """The per-file limits; each field is the environment variable ``SEARCH_LIMIT_<FIELD>``."""

    unzipped_mb: int = 256  # decompressed bytes of one file, all members or streams together
    zip_ratio: int = 100  # decompressed / compressed, once past ratio_floor_mb
    ratio_floor_mb: int = 32  # below this much decompressed, any ratio is fine (XML of zeros)
    members: int = 20_000  # members of one zip-based file
    text_mb: int = 64  # extracted text of one file, in millions of characters
    paragraphs: int = 500_000  # lines of extracted text of one file
    file_seconds: float = 120.0  # wall time to prepare one file (the worker is killed past it)
    file_memory_mb: int = 2048  # resident memory of the worker preparing one file (killed past it)
    html_depth: int = 256  # elements of an HTML page nested deeper are dropped, their text kept
    html_tags: int = 100_000  # start tags of an HTML page (after that): past it the page is skipped

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Limits:
        """The limits set in the environment, the defaults for the rest; a bad value is ignored."""
        environ = os.environ if environ is None else environ
        values: dict[str, Any] = {}  # each of its field's type (int or float)
        for field in fields(cls):
            raw = environ.get(f"SEARCH_LIMIT_{field.name.upper()}")
            if raw:
                try:
                    value = type(field.default)(float(raw)) if isinstance(field.default, int) else float(raw)
                except ValueError:
                    continue
                if value > 0:
                    values[field.name] = value
        return cls(**values)

    def decompressed_allowance(self, compressed: int) -> int:
        """How many decompressed bytes a file of ``compressed`` bytes may give."""
        return min(self.unzipped_mb * MB, max(self.ratio_floor_mb * MB, self.zip_ratio * compressed))

    def digest(self) -> str:
        """The limits as a short string: files skipped under other limits are read again."""
        return ",".join(f"{getattr(self, f.name)}" for f in fields(self))


@lru_cache(maxsize=1)
def current_limits() -> Limits:
    """This process's limits (from its environment, once)."""
    return Limits.from_environment()


def _refuse_decompressed(limits: Limits, what: str, allowed: int) -> LimitExceeded:
    if allowed >= limits.unzipped_mb * MB:
        return LimitExceeded(f"{what} to more than {limits.unzipped_mb} MB {LIMIT_MARK}UNZIPPED_MB)")
    return LimitExceeded(f"{what} to more than {limits.zip_ratio} times its size {LIMIT_MARK}ZIP_RATIO)")


def check_zip(data: bytes, limits: Limits) -> None:
    """Refuse a zip-based file that unpacks to too much or holds too many members.

    The declared sizes are summed first (a bomb is usually honest about them); then every member
    is decompressed and counted as it is read, since a header may lie (``zipfile`` stops at the
    declared size, but another reader may not).  Not a zip at all is left to the reader to say.
    """
    try:
        archive = zipfile.ZipFile(BytesIO(data))
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        members = archive.infolist()
        if len(members) > limits.members:
            raise LimitExceeded(f"holds more than {limits.members} members {LIMIT_MARK}MEMBERS)")
        allowed = limits.decompressed_allowance(len(data))
        if sum(member.file_size for member in members) > allowed:
            raise _refuse_decompressed(limits, "unpacks", allowed)
        total = 0
        for member in members:
            if member.is_dir() or member.flag_bits & 0x1:  # encrypted: the reader says so
                continue
            try:
                total += _inflated_size(archive, member, allowed - total)
            except (zipfile.BadZipFile, zlib.error, OSError, ValueError, NotImplementedError, EOFError):
                continue  # a damaged member: its reader says what it can
            if total > allowed:
                raise _refuse_decompressed(limits, "unpacks", allowed)


def _inflated_size(archive: zipfile.ZipFile, member: zipfile.ZipInfo, left: int) -> int:
    """How many bytes ``member`` inflates to, counted up to just past ``left``."""
    if member.compress_type == zipfile.ZIP_STORED:
        return member.compress_size
    if member.compress_type != zipfile.ZIP_DEFLATED:
        with archive.open(member) as handle:
            count = 0
            while count <= left and (block := handle.read(1 << 20)):
                count += len(block)
            return count
    # Raw deflate read from the member's bytes, not through zipfile (which stops at the declared size).
    raw = _raw_member(archive, member)
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    count = 0
    for start in range(0, len(raw), 1 << 16):
        count += len(inflater.decompress(raw[start : start + (1 << 16)], max(1, left - count + 1)))
        while inflater.unconsumed_tail and count <= left:
            count += len(inflater.decompress(inflater.unconsumed_tail, max(1, left - count + 1)))
        if count > left or inflater.eof:
            break
    return count


def _raw_member(archive: zipfile.ZipFile, member: zipfile.ZipInfo) -> bytes:
    """The compressed bytes of a member, after its local header."""
    handle = archive.fp
    if handle is None:
        raise ValueError("the archive is closed")
    handle.seek(member.header_offset)
    header = handle.read(30)
    if len(header) < 30 or header[:4] != b"PK\x03\x04":
        raise zipfile.BadZipFile("bad local header")
    name_length = int.from_bytes(header[26:28], "little")
    extra_length = int.from_bytes(header[28:30], "little")
    handle.seek(member.header_offset + 30 + name_length + extra_length)
    return handle.read(member.compress_size)


_STREAM = re.compile(rb"stream\r?\n")
_IMAGE = re.compile(rb"/Subtype\s*/Image")


def check_pdf(data: bytes, limits: Limits) -> None:
    """Refuse a PDF whose compressed streams (images aside) inflate to too much.

    pdfminer inflates a content stream whole and then parses it: a 100 MB stream in a 100 KB file
    costs minutes.  Each ``stream … endstream`` is inflated here, counted and thrown away, up to the
    allowance; images are not read for text and are skipped.  A stream that is not zlib data
    (DCT, JBIG2, damaged) is not counted.
    """
    allowed = limits.decompressed_allowance(len(data))
    total = 0
    position = 0
    while (match := _STREAM.search(data, position)) is not None:
        start = match.end()
        end = data.find(b"endstream", start)
        if end < 0:
            end = len(data)
        position = end + 9
        if data[match.start() - 3 : match.start()] == b"end":
            continue
        head = data[max(0, match.start() - 512) : match.start()]
        dictionary = head[head.rfind(b"obj") + 3 :] if b"obj" in head else head
        if _IMAGE.search(dictionary):
            continue
        total += _inflated_stream(data, start, end, allowed - total)
        if total > allowed:
            raise _refuse_decompressed(limits, "has streams that inflate", allowed)


def _inflated_stream(data: bytes, start: int, end: int, left: int) -> int:
    """How many bytes the zlib stream at ``data[start:end]`` inflates to, up to just past ``left``; 0 if not zlib."""
    inflater = zlib.decompressobj()
    count = 0
    try:
        for offset in range(start, end, 1 << 16):
            count += len(inflater.decompress(data[offset : min(end, offset + (1 << 16))], max(1, left - count + 1)))
            while inflater.unconsumed_tail and count <= left:
                count += len(inflater.decompress(inflater.unconsumed_tail, max(1, left - count + 1)))
            if count > left or inflater.eof:
                break
    except zlib.error:
        return count
    return count


def check_text(text: str, limits: Limits) -> None:
    """Refuse extracted text longer than the text or paragraph limits (one document of 8 million lines)."""
    if len(text) > limits.text_mb * 1_000_000:
        raise LimitExceeded(f"its text is longer than {limits.text_mb} million characters {LIMIT_MARK}TEXT_MB)")
    if text.count("\n") >= limits.paragraphs:
        raise LimitExceeded(f"its text has more than {limits.paragraphs} lines {LIMIT_MARK}PARAGRAPHS)")


def check_before_reading(suffix: str, data: bytes, limits: Limits | None = None) -> None:
    """The checks a file of ``suffix`` gets before its reader runs (zip-based formats, PDF)."""
    limits = limits or current_limits()
    if suffix in ZIP_SUFFIXES:
        check_zip(data, limits)
    elif suffix == ".pdf":
        check_pdf(data, limits)
