"""Preparing one file (in a worker process when indexing in parallel): read, decode, split, normalize, grams."""

from __future__ import annotations

import ctypes
import hashlib
import os
import signal
import stat
import sys
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, replace
from dataclasses import fields as dataclass_fields
from pathlib import Path

from search.access.documents import access_value, parse_groups
from search.extract import Extracted, ExtractOptions, Part, decode_text, extract
from search.extract.limits import check_text, current_limits
from search.ingest.discover import SourceFile
from search.ingest.identity import METADATA_COLUMNS, SCHEMA_VERSION, document_id
from search.meta import DocumentRecord, FileFacts, Taxonomy, extract_documents
from search.meta.evidence import text_source_of, with_text_source

MAX_FILE_BYTES = 50 * 1024 * 1024


def decode(data: bytes) -> tuple[str, str]:
    """Bytes of a text file -> (text, encoding), as before search.extract: UTF-8 with a BOM is "utf-8".

    Kept for older callers; :func:`search.extract.decode_text` says "utf-8-sig" for it.
    """
    text, encoding = decode_text(data)
    return text, "utf-8" if encoding == "utf-8-sig" else encoding


def sidecar_digest(source: SourceFile, taxonomy: Taxonomy) -> str:
    """What a file's documents depend on besides its bytes: its sidecar row, the schema and the taxonomy."""
    return hashlib.sha1(repr((SCHEMA_VERSION, source.sidecar, taxonomy.digest)).encode("utf-8")).hexdigest()[:16]


def file_signature(data: bytes, source: SourceFile, taxonomy: Taxonomy) -> str:
    """What a file's documents depend on: its bytes (``<sha1>.``) and then its ``sidecar_digest``."""
    return f"{hashlib.sha1(data).hexdigest()}.{sidecar_digest(source, taxonomy)}"


@dataclass(frozen=True)
class ContainedRecord(DocumentRecord):
    """A document read from a container's member: shown as ``archive.zip/sub/a.docx``, read as its
    own format says (``docx``), while its id and file key stay the container's."""

    shown: str = ""
    read_as: str = ""


# A container's manifest row names the container: these of its fields are not its members'.
_CONTAINER_ONLY = ("title", "doc_number")
MAX_REASONS_SHOWN = 3


def read_documents(
    source: SourceFile,
    data: bytes,
    taxonomy: Taxonomy,
    options: ExtractOptions | None = None,
    warnings: list[str] | None = None,
) -> tuple[list[DocumentRecord], str]:
    """Extract the text of one file and its documents: its own text's, then each member's of a
    container (items numbered on); ValueError says why a file is skipped. A line for each skipped
    member (``archive.zip/a.xyz: skipped, unsupported file type .xyz``) is added to ``warnings``."""
    extracted = extract(source.file, data, options)
    records = _documents(source.source, extracted, dict(source.sidecar), taxonomy)
    skipped: list[tuple[str, str]] = []
    for shown, part in _members(source.source, extracted.parts):
        if part.extracted is None:  # then skipped says why (a part has one or the other)
            skipped.append((shown, part.skipped or "no text"))
            continue
        sidecar = {k: v for k, v in source.sidecar if k not in _CONTAINER_ONLY}
        own = _documents(shown, part.extracted, sidecar, taxonomy, name=shown.rpartition("/")[2])
        records += [ContainedRecord(**_fields_of(r), shown=shown, read_as=part.extracted.encoding) for r in own]
    if not any(r.paragraphs or r.title for r in records):
        if extracted.parts:
            reasons = "; ".join(
                f"{shown.removeprefix(source.source + '/')}: {why}" for shown, why in skipped[:MAX_REASONS_SHOWN]
            )
            more = f"; … {len(skipped) - MAX_REASONS_SHOWN} more" if len(skipped) > MAX_REASONS_SHOWN else ""
            raise ValueError(
                f"none of its {len(skipped)} files could be read ({reasons}{more})"
                if skipped
                else "none of its files has text"
            )
        raise ValueError("no text after normalization")
    if warnings is not None:
        warnings += [f"{shown}: skipped, {why}" for shown, why in skipped]
    return [replace(r, item=n) for n, r in enumerate(records)], extracted.encoding


def _documents(
    shown: str, extracted: Extracted, sidecar: dict, taxonomy: Taxonomy, name: str | None = None
) -> list[DocumentRecord]:
    """The documents of one text (a file's, or a member's shown as ``shown``)."""
    check_text(extracted.text, current_limits())  # 8 million paragraphs would stall every later query
    if not extracted.text.strip():
        return []
    if extracted.title and "title" not in sidecar:
        # The format's own title (HTML <title>, Word properties, a mail's subject) counts like a sidecar's.
        sidecar["title"] = extracted.title
    facts = FileFacts(shown, extracted.properties)
    records = with_text_source(
        extract_documents(extracted.text, sidecar or None, taxonomy=taxonomy, facts=facts), extracted.text_source
    )
    if name and "title" not in sidecar and len(records) == 1 and _fallback_title(records[0]):
        # A member without a title of its own is known by its name (报告.docx), not a cut first line.
        records[0] = replace(records[0], title=name)
    return records


def _fallback_title(record: DocumentRecord) -> bool:
    """The title is the first paragraph cut short (no line of the text reads as a title)."""
    return bool(record.paragraphs) and record.paragraphs[0].startswith(record.title)


def _members(shown: str, parts: Sequence[Part]) -> Iterator[tuple[str, Part]]:
    """Every member of a container, nested ones flattened: (``archive.zip/inner.zip/a.txt``, part)."""
    for part in parts:
        name = f"{shown}/{part.name}"
        if part.skipped is not None or part.extracted is None:
            yield name, part if part.skipped is not None else replace(part, skipped="no text")
            continue
        if part.extracted.text.strip() or not part.extracted.parts:
            yield name, part
        yield from _members(name, part.extracted.parts)


def _fields_of(record: DocumentRecord) -> dict:
    return {f.name: getattr(record, f.name) for f in dataclass_fields(DocumentRecord)}


def index_fields(source: SourceFile, record: DocumentRecord, state: str, encoding: str) -> dict:
    """The Whoosh fields of one document (the grams file holds its search text)."""
    return {
        "id": document_id(source.key, record.item),
        "path": source.key,
        "source": getattr(record, "shown", "") or source.source,
        "encoding": getattr(record, "read_as", "") or encoding,
        "text_source": text_source_of(record),
        "item": record.item,
        "title": record.title,
        "text": "\n".join(record.paragraphs),
        "district": (record.district or "").encode("utf-8"),
        "published": (record.published.iso() if record.published else "").encode("utf-8"),
        "topics": "|".join(record.topics).encode("utf-8"),
        "file_sig": f"{source.key}	{state}".encode(),
        **{name: (getattr(record, name) or "").encode("utf-8") for name in METADATA_COLUMNS},
        "access": access_value(parse_groups(dict(source.sidecar).get("access"))).encode("utf-8"),
    }


PR_SET_PDEATHSIG = 1


def die_with_parent() -> None:
    """Have the kernel kill this worker when the indexing run that forked it dies.

    Workers are forked while the run holds the index's write lock, an ``flock`` that forked
    children share.  A run killed with SIGKILL would otherwise leave its workers finishing their
    chunks, holding the lock, and the next run would be refused as "in progress".
    """
    if not sys.platform.startswith("linux"):
        return
    parent = os.getppid()
    ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    if os.getppid() != parent:  # the run died before the request took effect
        os._exit(1)


def read_ahead(sources: Sequence[SourceFile]) -> None:
    """Have the kernel start reading these files into its cache, and return without waiting.

    A worker's thread calls it on the next chunk while the worker prepares the
    current one, so that on a cold cache the reads overlap the work.  Opened as
    ``read_file`` opens them (a named pipe does not block); a file that cannot
    be opened is left for ``read_file`` to report.
    """
    for source in sources:
        try:
            fd = os.open(source.file, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0))
        except OSError:
            continue
        try:
            os.posix_fadvise(fd, 0, 0, os.POSIX_FADV_WILLNEED)
        except (OSError, AttributeError):  # a pipe or a device; a system without fadvise
            pass
        finally:
            os.close(fd)


def file_state(signature: str, info: os.stat_result) -> str:
    """The ``file_sig`` column's value after the key: signature, size and modification time.

    Size and time let the next run skip reading an unchanged file; they are
    taken before the bytes are read, so a file changed while being read looks
    changed next time.
    """
    return f"{signature}\t{info.st_size}\t{info.st_mtime_ns}"


def read_file(path: Path | str) -> tuple[bytes, os.stat_result]:
    """A regular file's bytes and its status; ValueError for a pipe, a device or a file too large,
    OSError when unreadable."""
    # O_NONBLOCK: opening a named pipe must not wait for a writer (it does nothing to regular files).
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")  # a named pipe, a device
        if info.st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the limit for one file")
        return handle.read(), info
