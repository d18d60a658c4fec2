"""The editable dictionary of abbreviations and variants (``search/data/variants.toml``).

``~放管服`` (or the 含同义词 switch) matches any member of the term's groups.
The file is read again whenever it changes (its modification time and size
are checked on each use, a ``stat`` per query), so an edit needs no reindexing
and no restart.  A broken file keeps the last good dictionary and says why.
"""

from __future__ import annotations

import threading
import tomllib
from dataclasses import dataclass
from pathlib import Path

from search.text.normalize import normalize_query

VARIANTS_FILE = Path(__file__).resolve().parent.parent / "data" / "variants.toml"


@dataclass(frozen=True)
class Variants:
    """Groups of equivalent phrases, each member in the folded form queries take."""

    groups: tuple[tuple[str, ...], ...] = ()
    problem: str | None = None  # why the file could not be read (the previous dictionary is kept)

    @classmethod
    def parse(cls, text: str) -> Variants:
        """Groups from the TOML text: ``"name" = ["member", …]`` under ``[groups]``; ValueError when malformed."""
        try:
            table = tomllib.loads(text).get("groups", {})
        except tomllib.TOMLDecodeError as exc:
            raise ValueError(f"not valid TOML: {exc}") from None
        groups = []
        for name, members in table.items():
            if not isinstance(members, list) or not all(isinstance(m, str) for m in members):
                raise ValueError(f"{name!r} must be a list of phrases")
            folded = tuple(dict.fromkeys(p for p in map(normalize_query, (name, *members)) if p))
            if len(folded) > 1:
                groups.append(folded)
        return cls(tuple(groups))

    def expand(self, phrase: str) -> tuple[str, ...]:
        """The phrase and every member of the groups holding it (the phrase alone when it is in none)."""
        members = dict.fromkeys([phrase])
        for group in self.groups:
            if phrase in group:
                members.update(dict.fromkeys(group))
        return tuple(members)

    def has(self, phrase: str) -> bool:
        """Whether the phrase is a member of some group."""
        return any(phrase in group for group in self.groups)


class VariantsFile:
    """The dictionary file, re-read when it changes on disk; safe to share between threads."""

    def __init__(self, path: Path = VARIANTS_FILE):
        self.path = Path(path)
        self._stamp: tuple[int, int] | None = None
        self._variants = Variants()
        self._lock = threading.Lock()

    def current(self) -> Variants:
        """The dictionary as it is on disk now (re-read only when the file's time or size changed)."""
        try:
            stat = self.path.stat()
            stamp = (stat.st_mtime_ns, stat.st_size)
        except OSError:
            stamp = None
        if stamp == self._stamp:
            return self._variants
        with self._lock:
            if stamp != self._stamp:
                self._variants = self._read(stamp)
                self._stamp = stamp
        return self._variants

    def _read(self, stamp) -> Variants:
        if stamp is None:
            return Variants(problem=f"{self.path} not found")
        try:
            return Variants.parse(self.path.read_text(encoding="utf-8"))
        except (OSError, UnicodeDecodeError, ValueError) as exc:
            return Variants(self._variants.groups, problem=f"{self.path.name}: {exc}")


_shipped = VariantsFile()


def current_variants() -> Variants:
    """The shipped dictionary as it is on disk now."""
    return _shipped.current()
