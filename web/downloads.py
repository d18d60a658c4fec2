"""How an original file is offered for download: a safe name, its real media type, and for a
document read from a container's member (``材料.zip/通知/报告.docx``, ``来函.eml/附件.docx``) the
member's own bytes, found again in the container with the limits extraction used."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING

from search.extract import suffix_of
from search.ingest.identity import document_id, file_hash

if TYPE_CHECKING:
    from search.engines import Engine
    from search.engines.base import DocumentRecord

MAIL_SUFFIXES = (".eml", ".msg")
CONTAINER_SUFFIXES = (".zip", ".tar", ".tgz", ".gz", ".ofd", *MAIL_SUFFIXES)
MAX_CONTAINER_BYTES = 50 * 1024 * 1024  # as for indexing (search.ingest.prepare.MAX_FILE_BYTES)

# The types of the files we index; anything else is offered as bytes to save, never to render.
MEDIA_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
    ".zip": "application/zip",
    ".eml": "message/rfc822",
    ".ofd": "application/ofd",
}
FALLBACK_TYPE = "application/octet-stream"
MAX_NAME_LENGTH = 120


def media_type(path: Path, encoding: str | None = None) -> str:
    """The file's media type; a text file's charset is the encoding it was read with (GBK files exist)."""
    kind = MEDIA_TYPES.get(path.suffix.lower(), FALLBACK_TYPE)
    # How it was read names the format too ("html:gb18030", "utf-8-sig"): the charset is the codec's part.
    charset = (encoding or "").rpartition(":")[2].removesuffix("-sig")
    if kind.startswith("text/") and charset and re.fullmatch(r"[A-Za-z0-9_.-]{1,40}", charset):
        kind += f"; charset={charset}"
    return kind


def download_name(path: Path) -> str:
    """The file's name without control characters, quotes, slashes or a leading dot; never empty."""
    name = "".join(" " if unicodedata.category(c)[0] in "CZ" and c != " " else c for c in path.name)
    name = re.sub(r'["\\/:*?<>|;]', "_", name)
    name = " ".join(name.split()).lstrip(".") or "document"
    if len(name) > MAX_NAME_LENGTH:
        stem, dot, suffix = name.rpartition(".")
        name = (
            (stem[: MAX_NAME_LENGTH - len(suffix) - 1] + "." + suffix)
            if dot and len(suffix) < 10
            else name[:MAX_NAME_LENGTH]
        )
    return name


def container_of(doc_id: str, source: str) -> tuple[str, str] | None:
    """(the container file's source, the member's path in it) for a member's document, else None.

    A document id's first half hashes its file's key, so the container is the prefix of
    ``source`` that hashes to it (a folder inside a zip is no file of its own).
    """
    hashed = doc_id.rpartition("-")[0]
    if not hashed or file_hash(source) == hashed:
        return None
    at = source.find("/")
    while at != -1:
        if file_hash(source[:at]) == hashed:
            return source[:at], source[at + 1 :]
        at = source.find("/", at + 1)
    return None


def part_label(engine: Engine, doc: DocumentRecord, visible: object = None) -> str | None:
    """What the document page says of a member: 附件，所属邮件：<subject> or 压缩包 x.zip 中的文件."""
    found = container_of(doc.id, doc.source)
    if found is None:
        return None
    container, member = found
    inner = PurePosixPath(container).name
    steps = member.split("/")[:-1]
    for index in range(len(steps) - 1, -1, -1):  # the nearest container around it
        if suffix_of(steps[index]) in CONTAINER_SUFFIXES:
            inner = steps[index]
            break
    else:
        if suffix_of(container) in MAIL_SUFFIXES:
            own = engine.document(document_id(container, 0), visible=visible)
            subject = own.title if own is not None and own.source == container and own.title else inner
            return f"附件，所属邮件：{subject}"
    if suffix_of(inner) in MAIL_SUFFIXES:
        return f"附件，所属邮件：{inner}"
    if suffix_of(inner) == ".ofd":
        return f"OFD 文件 {inner} 的附件"
    return f"压缩包 {inner} 中的文件"


def member_file(engine: Engine, doc: DocumentRecord) -> tuple[Path, str] | None:
    """(the container file on disk, the member's path) for a member's document whose container
    is still inside its indexed folder; None otherwise."""
    found = container_of(doc.id, doc.source)
    if found is None:
        return None
    container, member = found
    path = engine.original_file(replace(doc, source=container))
    return (path, member) if path is not None else None


def member_download(engine: Engine, doc: DocumentRecord) -> tuple[bytes, str] | None:
    """A member's own bytes and file name, read again from its container; None if it is gone."""
    from search.extract.members import member_bytes

    found = member_file(engine, doc)
    if found is None:
        return None
    path, member = found
    try:
        if path.stat().st_size > MAX_CONTAINER_BYTES:
            return None
        data = path.read_bytes()
    except OSError:
        return None
    content = member_bytes(path.name, data, member)
    return (content, PurePosixPath(member).name) if content is not None else None
