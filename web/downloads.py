"""How an original file is offered for download: a safe name and its real media type."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

# The types of the files we index; anything else is offered as bytes to save, never to render.
MEDIA_TYPES = {
    ".txt": "text/plain",
    ".md": "text/markdown",
    ".pdf": "application/pdf",
    ".docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ".html": "text/html",
    ".htm": "text/html",
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
        name = (stem[: MAX_NAME_LENGTH - len(suffix) - 1] + "." + suffix) if dot and len(suffix) < 10 else name[:MAX_NAME_LENGTH]
    return name
