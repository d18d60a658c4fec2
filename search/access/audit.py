"""The audit log: one JSON line per search, document view, download, export, login and change.

Kept beside the index as ``audit.jsonl``; when it passes ``max_bytes`` it is
rotated to ``audit.jsonl.1`` (… up to ``backups``), oldest dropped.  Appends
from the server's threads are serialized; each line is written whole.
"""

from __future__ import annotations

import json
import os
import threading
import unicodedata
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

LOG_NAME = "audit.jsonl"
MAX_BYTES = 10 * 1024 * 1024
BACKUPS = 5


def log_path(index_dir: Path | str) -> Path:
    """The audit log's file in an index folder."""
    return Path(index_dir) / LOG_NAME


class AuditLog:
    """Append-only, size-rotated JSON lines."""

    def __init__(self, path: Path | str, max_bytes: int = MAX_BYTES, backups: int = BACKUPS):
        self.path = Path(path)
        self.max_bytes = max_bytes
        self.backups = backups
        self._lock = threading.Lock()

    def record(self, event: str, user: str | None, address: str | None = None, **fields: object) -> None:
        """Append one event: the time (UTC), the event, who, from where, and its details."""
        entry = {
            "time": datetime.now(UTC).isoformat(timespec="milliseconds"),
            "event": event,
            "user": user,
            "address": address,
            **fields,
        }
        line = json.dumps(entry, ensure_ascii=False, separators=(",", ":")) + "\n"
        with self._lock:
            self._rotate_if_full(len(line.encode("utf-8")))
            fd = os.open(self.path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
            with os.fdopen(fd, "a", encoding="utf-8") as handle:
                handle.write(line)

    def _rotate_if_full(self, incoming: int) -> None:
        try:
            size = self.path.stat().st_size
        except FileNotFoundError:
            return
        if size + incoming <= self.max_bytes:
            return
        for n in range(self.backups - 1, 0, -1):
            older = self.path.with_name(f"{self.path.name}.{n}")
            if older.exists():
                os.replace(older, self.path.with_name(f"{self.path.name}.{n + 1}"))
        os.replace(self.path, self.path.with_name(f"{self.path.name}.1"))

    def files(self) -> list[Path]:
        """The log's files, oldest first."""
        rotated = [self.path.with_name(f"{self.path.name}.{n}") for n in range(self.backups, 0, -1)]
        return [p for p in (*rotated, self.path) if p.exists()]

    def entries(self, user: str | None = None, since: datetime | None = None) -> Iterator[dict]:
        """Every entry, oldest first, optionally of one user and from a time on (lines that do not parse are skipped)."""
        for path in self.files():
            with path.open(encoding="utf-8", errors="replace") as handle:
                for line in handle:
                    try:
                        entry = json.loads(line)
                    except ValueError:
                        continue
                    if user is not None and entry.get("user") != user:
                        continue
                    if since is not None and _time(entry) < since:
                        continue
                    yield entry


_ESCAPES = {"\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t"}


def printable(value: object) -> str:
    """``value`` as text safe to print on one terminal line: backslashes, line breaks, control and
    format characters (escape sequences, U+202E that reverses what follows, U+2028) written as
    escapes (``\\n``, ``\\x1b``, ``\\u202e``), so a query or a name cannot print as another line."""
    text = str(value)
    if text.isprintable() and "\\" not in text:
        return text
    out = []
    for char in text:
        if char in _ESCAPES:
            out.append(_ESCAPES[char])
        elif unicodedata.category(char) in ("Cc", "Cf", "Zl", "Zp", "Cs", "Co", "Cn"):
            code = ord(char)
            out.append(f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}")
        else:
            out.append(char)
    return "".join(out)


def audit_line(entry: dict) -> str:
    """One entry as the text output's line: time, user, address, event, path and details, each escaped."""
    detail = " ".join(
        f"{k}={printable(entry[k])}"
        for k in ("query", "doc_id", "slug", "name", "status")
        if entry.get(k) not in (None, "")
    )
    fields = (
        str(entry.get("time", ""))[:19],
        entry.get("user") or "-",
        entry.get("address") or "-",
        entry.get("event"),
        entry.get("path", ""),
    )
    return ("  ".join(printable(f) for f in fields) + "  " + detail).rstrip()


def _time(entry: dict) -> datetime:
    try:
        return datetime.fromisoformat(entry.get("time", ""))
    except ValueError:
        return datetime.min.replace(tzinfo=UTC)
