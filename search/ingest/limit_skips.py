"""Files skipped for a limit, remembered by signature so that the next run does not read them again.

A hostile file costs its limits (up to minutes of a worker) every time it is read; the index has no
documents for it, so its ``file_sig`` cannot say it is unchanged.  ``LIMIT_SKIPS.json`` in the index
folder does: per file key, its size, modification time and SHA-1 when it was skipped, the limits
then in force, and the reason.  A file with the same size and time (or, touched, the same bytes)
under the same limits is skipped again with the same warning, unread; raising a limit or changing
the file reads it again.
"""

from __future__ import annotations

import hashlib
import json
import os
from dataclasses import dataclass
from pathlib import Path

from search.extract.limits import LIMIT_MARK, current_limits

SKIPPED_FILE = "LIMIT_SKIPS.json"


@dataclass
class SkippedFiles:
    """The remembered skips of one index folder (read at the start of a run, written after it)."""

    folder: Path
    entries: dict[str, dict]
    limits: str
    changed: bool = False

    @classmethod
    def load(cls, folder: Path) -> SkippedFiles:
        """The skips remembered in ``folder`` (none when the file is missing or unreadable)."""
        try:
            entries = json.loads((Path(folder) / SKIPPED_FILE).read_text(encoding="utf-8"))
            if not isinstance(entries, dict):
                entries = {}
        except (OSError, ValueError):
            entries = {}
        return cls(Path(folder), entries, current_limits().digest())

    def reason_to_skip(self, key: str, path: str) -> str | None:
        """Why the file ``key`` (at ``path``) is skipped unread: the remembered reason, or None to read it."""
        entry = self.entries.get(key)
        if not isinstance(entry, dict) or entry.get("limits") != self.limits:
            return None
        try:
            info = os.stat(path)
        except OSError:
            return None
        if info.st_size != entry.get("size"):
            return None
        if info.st_mtime_ns != entry.get("mtime_ns"):
            if _sha1(path) != entry.get("sha1"):
                return None
            entry["mtime_ns"] = info.st_mtime_ns  # touched, not changed: no hashing next time
            self.changed = True
        return str(entry.get("reason") or "skipped before")

    def remember(self, key: str, path: str, reason: str) -> None:
        """Note a file skipped for a limit (a reason naming none is not remembered: it is cheap to find again)."""
        if LIMIT_MARK not in reason:
            return
        try:
            info = os.stat(path)
            digest = _sha1(path)
        except OSError:
            return
        self.entries[key] = {
            "size": info.st_size,
            "mtime_ns": info.st_mtime_ns,
            "sha1": digest,
            "limits": self.limits,
            "reason": reason,
        }
        self.changed = True

    def forget(self, key: str) -> None:
        """A file indexed (or gone): its old skip no longer applies."""
        if self.entries.pop(key, None) is not None:
            self.changed = True

    def save(self) -> None:
        """Write the skips back (atomically) when they changed; a failure to write costs only a re-read."""
        if not self.changed:
            return
        tmp = self.folder / (SKIPPED_FILE + ".tmp")
        try:
            tmp.write_text(json.dumps(self.entries, ensure_ascii=False, sort_keys=True), encoding="utf-8")
            os.replace(tmp, self.folder / SKIPPED_FILE)
        except OSError:
            tmp.unlink(missing_ok=True)


def _sha1(path: str) -> str:
    digest = hashlib.sha1()
    with open(path, "rb") as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()
