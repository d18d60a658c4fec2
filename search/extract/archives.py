"""Archives (.zip, .tar, .tgz, .tar.gz) -> their members, each a document of its own (a :class:`Part`).

Pure standard library (zipfile, tarfile, gzip). What is read and what is not:

- each member is a Part named by its path in the archive (``sub/报告.docx``); a zip member's name
  written by Chinese Windows tools (GBK bytes without the UTF-8 flag, which zipfile shows as
  cp437 mojibake) is decoded as GBK;
- nested archives are opened, to ``members.MAX_DEPTH`` (deeper: a Part skipped "nested too deep");
- folders, hidden members (a path part starting with ``.``), ``__MACOSX/`` resource forks, Office
  lock files (``~$…``) and ``Thumbs.db`` are left out: they are no one's documents;
- an encrypted member is a Part skipped "encrypted"; a member of a type no reader handles, one
  skipped "unsupported file type .xyz"; links and devices in a tar, "not a regular file";
- zip bombs are refused by what is actually decompressed, never by the sizes an archive declares:
  at most ``MAX_TOTAL_BYTES`` for an archive and everything nested in it (past that the whole
  archive is refused), at most ``MAX_RATIO``:1 for a member over ``RATIO_FROM_BYTES`` and
  ``members.MAX_MEMBER_BYTES`` for one member (past those, that member is skipped).
"""

from __future__ import annotations

import io
import re
import tarfile
import zipfile
import zlib
from collections.abc import Iterator
from dataclasses import replace
from pathlib import PurePosixPath
from typing import Protocol

from search.extract.extracted import Extracted, ExtractOptions, Part, Unreadable
from search.extract.members import MAX_DEPTH, MAX_MEMBER_BYTES, NESTED_TOO_DEEP, check_depth, read_member

MAX_TOTAL_BYTES = 500 * 1024 * 1024
MAX_RATIO = 100
RATIO_FROM_BYTES = 1024 * 1024
MAX_MEMBERS = 10_000
READ_CHUNK = 1024 * 1024
ARCHIVE_SUFFIXES = (".zip", ".tar", ".tgz", ".gz")
_ZIP_ENCRYPTED = 0x1
_ZIP_UTF8 = 0x800
_LEFT_OUT_NAMES = frozenset(["__MACOSX", "Thumbs.db", "desktop.ini"])


class Budget:
    """Bytes an archive and everything nested in it may still decompress."""

    def __init__(self) -> None:
        self.left = MAX_TOTAL_BYTES

    def spend(self, count: int) -> None:
        """Count ``count`` more uncompressed bytes; Unreadable ("zip bomb refused") past the limit."""
        self.left -= count
        if self.left < 0:
            raise Unreadable(f"zip bomb refused: more than {MAX_TOTAL_BYTES // (1024 * 1024)} MB uncompressed")


class MemberRefused(Exception):
    """One member is too large or too compressed; the message is its reason."""


def extract_zip(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A zip archive's members as parts (its own text is empty)."""
    return _archive(".zip", data, options, Budget())


def extract_tar(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A tar archive's members (plain, gzip, bzip2 or xz compressed) as parts; a .gz that holds
    one file (not a tar) is that file, named as gzip recorded it."""
    return _archive(".tar", data, options, Budget())


def archive_members(container: str, data: bytes) -> Iterator[tuple[str, bytes | None]]:
    """(name, bytes or None when refused) of each member, named as extraction names them."""
    for name, content, _ in _entries(_kind(container, data), data, Budget()):
        yield name, content


def _kind(name_or_suffix: str, data: bytes) -> str:
    """.zip or .tar by the bytes (a .zip renamed .tar is still a zip), else by the name."""
    if data[:4] in (b"PK\x03\x04", b"PK\x05\x06"):
        return ".zip"
    return ".tar" if not name_or_suffix.lower().endswith(".zip") else ".zip"


def _archive(kind: str, data: bytes, options: ExtractOptions | None, budget: Budget) -> Extracted:
    check_depth(options)
    options = options or ExtractOptions()
    kind = _kind(kind, data)
    deeper = replace(options, depth=options.depth + 1)
    parts: list[Part] = []
    for name, content, reason in _entries(kind, data, budget):
        if content is None:
            parts.append(Part(name, skipped=reason))
        elif name.lower().endswith(ARCHIVE_SUFFIXES):
            parts.append(_nested(name, content, deeper, budget))
        else:
            parts.append(read_member(name, content, options))
    if not parts:
        raise Unreadable("archive holds no files (only folders or hidden files)")
    return Extracted("", kind.lstrip("."), parts=tuple(parts))


def _nested(name: str, content: bytes, options: ExtractOptions, budget: Budget) -> Part:
    """An archive inside an archive, read against the outer archive's budget."""
    if options.depth >= MAX_DEPTH:
        return Part(name, skipped=NESTED_TOO_DEEP)
    try:
        return Part(name, extracted=_archive(name, content, options, budget))
    except Unreadable as exc:
        if str(exc).startswith("zip bomb"):
            raise  # the budget is for the whole archive: the outer one is refused too
        return Part(name, skipped=str(exc))


def _entries(kind: str, data: bytes, budget: Budget) -> Iterator[tuple[str, bytes | None, str | None]]:
    if kind == ".zip":
        yield from _zip_entries(data, budget)
    else:
        yield from _tar_entries(data, budget)


def _zip_entries(data: bytes, budget: Budget) -> Iterator[tuple[str, bytes | None, str | None]]:
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        infos = archive.infolist()
    except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
        raise Unreadable("not a readable zip archive (damaged or truncated?)") from exc
    if len(infos) > MAX_MEMBERS:
        raise Unreadable(f"archive has more than {MAX_MEMBERS} members")
    for info in infos:
        name = zip_member_name(info)
        if info.is_dir() or _left_out(name):
            continue
        if info.flag_bits & _ZIP_ENCRYPTED:
            yield name, None, "encrypted"
            continue
        try:
            with archive.open(info) as handle:
                yield name, read_limited(handle, info.compress_size, budget), None
        except MemberRefused as exc:
            yield name, None, str(exc)
        except Unreadable:
            raise  # the archive's budget is spent: the whole archive is refused
        except NotImplementedError:
            yield name, None, "compressed with a method this reader lacks"
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError):
            yield name, None, "damaged member (bad checksum or truncated)"


def zip_member_name(info: zipfile.ZipInfo) -> str:
    """A zip member's path as its writer meant it: without the UTF-8 flag, zipfile decodes the name
    as cp437; Chinese Windows tools wrote GBK bytes, and some tools UTF-8 without the flag."""
    name = info.filename
    if not info.flag_bits & _ZIP_UTF8:
        raw = name.encode("cp437")
        name = _unicode_path(info.extra, raw) or _unflagged_name(raw)
    return _clean_name(name)


def _unicode_path(extra: bytes, raw: bytes) -> str | None:
    """The Info-ZIP Unicode Path extra field (0x7075; 7-Zip and WinRAR write it beside a GBK name):
    the UTF-8 name, taken when its CRC is that of the name it stands for."""
    at = 0
    while at + 4 <= len(extra):
        kind, size = int.from_bytes(extra[at : at + 2], "little"), int.from_bytes(extra[at + 2 : at + 4], "little")
        body = extra[at + 4 : at + 4 + size]
        if kind == 0x7075 and len(body) > 5 and body[0] == 1 and int.from_bytes(body[1:5], "little") == zlib.crc32(raw):
            try:
                return body[5:].decode("utf-8")
            except UnicodeDecodeError:
                return None
        at += 4 + size
    return None


# An unflagged name is taken as UTF-8 only when it decodes to ASCII and CJK with at least one CJK
# character (3-byte sequences): GBK bytes are valid UTF-8 by chance mostly as Latin, Greek or
# Cyrillic letters ("图纸" -> "ͼֽ", "陌" -> "İ"). An unflagged UTF-8 name of accented Latin letters is
# read as GBK: in the offices these archives come from, GBK names are the common case.
_UTF8_CJK_NAME = re.compile(
    "[\x00-\x7f\u3000-\u303f\u3400-\u9fff\uf900-\ufad9\uff00-\uffef]*"
    "[\u3000-\u303f\u3400-\u9fff\uf900-\ufad9\uff00-\uffef]"
    "[\x00-\x7f\u3000-\u303f\u3400-\u9fff\uf900-\ufad9\uff00-\uffef]*"
)


def _unflagged_name(raw: bytes) -> str:
    if raw.isascii():
        return raw.decode("ascii")
    try:
        text = raw.decode("utf-8")
        if _UTF8_CJK_NAME.fullmatch(text):
            return text
    except UnicodeDecodeError:
        pass
    try:
        return raw.decode("gb18030")
    except UnicodeDecodeError:
        return raw.decode("cp437")


def _tar_entries(data: bytes, budget: Budget) -> Iterator[tuple[str, bytes | None, str | None]]:
    try:
        archive = tarfile.open(fileobj=io.BytesIO(data), mode="r:*")  # noqa: SIM115 - closed in the finally below
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        single = _gzip_single(data, budget)
        if single is not None:
            yield single
            return
        raise Unreadable("not a readable tar archive (damaged or truncated?)") from exc
    count = 0
    try:
        # Skipping a member decompresses it: the sizes passed so far are what was decompressed.
        for member in archive:
            count += 1
            if count > MAX_MEMBERS:
                raise Unreadable(f"archive has more than {MAX_MEMBERS} members")
            budget.spend(member.size if member.isfile() else 0)
            name = _clean_name(_tar_name(member.name))
            if member.isdir() or _left_out(name):
                continue
            if not member.isfile():
                yield name, None, "not a regular file (a link or device in the archive)"
                continue
            if member.size > MAX_MEMBER_BYTES:
                yield name, None, f"larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MB, the limit for one file"
                continue
            handle = archive.extractfile(member)
            if handle is None:
                continue
            with handle:
                # budget already charged with its size; the ratio is against the archive's bytes
                yield name, read_limited(handle, len(data), None), None
    except (tarfile.TarError, OSError, EOFError, zlib.error) as exc:
        if count == 0:
            raise Unreadable("not a readable tar archive (damaged or truncated?)") from exc
        yield "(rest of the archive)", None, "damaged or truncated archive"
    finally:
        archive.close()


def _gzip_single(data: bytes, budget: Budget) -> tuple[str, bytes | None, str | None] | None:
    """A gzip file holding one file (``report.txt.gz``): that file, by the name gzip recorded."""
    import gzip

    if data[:2] != b"\x1f\x8b":
        return None
    name = _gzip_name(data)
    if name is None:
        return "(gzip content)", None, "a gzip file that names no file inside (and holds no tar archive)"
    try:
        with gzip.GzipFile(fileobj=io.BytesIO(data)) as handle:
            return name, read_limited(handle, len(data), budget), None
    except MemberRefused as exc:
        return name, None, str(exc)
    except (OSError, EOFError, zlib.error):
        return None


def _gzip_name(data: bytes) -> str | None:
    flags, at = data[3], 10
    if flags & 0x04:  # FEXTRA
        at += 2 + int.from_bytes(data[10:12], "little")
    if not flags & 0x08:  # no FNAME
        return None
    end = data.find(b"\x00", at)
    raw = data[at:end] if end > at else b""
    for encoding in ("utf-8", "gb18030", "latin-1"):
        try:
            return _clean_name(raw.decode(encoding)) or None
        except UnicodeDecodeError:
            continue
    return None


def _tar_name(name: str) -> str:
    """tarfile decodes names as UTF-8 with surrogate escapes: GBK names come back as bytes."""
    try:
        name.encode("utf-8")
        return name
    except UnicodeEncodeError:
        raw = name.encode("utf-8", "surrogateescape")
        try:
            return raw.decode("gb18030")
        except UnicodeDecodeError:
            return raw.decode("utf-8", "replace")


class Readable(Protocol):
    """A binary file open for reading (a zip's or tar's member, a gzip stream)."""

    def read(self, size: int = -1, /) -> bytes: ...


def read_limited(handle: Readable, compressed: int, budget: Budget | None) -> bytes:
    """A member's bytes, counted while decompressing: refused past the size and ratio limits."""
    chunks: list[bytes] = []
    total = 0
    while True:
        chunk = handle.read(READ_CHUNK)
        if not chunk:
            return b"".join(chunks)
        total += len(chunk)
        if budget is not None:
            budget.spend(len(chunk))
        if total > MAX_MEMBER_BYTES:
            raise MemberRefused(f"larger than {MAX_MEMBER_BYTES // (1024 * 1024)} MB, the limit for one file")
        if total > RATIO_FROM_BYTES and total > MAX_RATIO * max(compressed, 1):
            raise MemberRefused(f"zip bomb refused: compressed more than {MAX_RATIO}:1")
        chunks.append(chunk)


def _clean_name(name: str) -> str:
    parts = [p for p in name.replace("\\", "/").split("/") if p not in ("", ".")]
    return "/".join(parts)


def _left_out(name: str) -> bool:
    parts = PurePosixPath(name).parts
    return not parts or any(p.startswith(".") or p in _LEFT_OUT_NAMES for p in parts) or parts[-1].startswith("~$")
