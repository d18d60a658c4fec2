"""The files an indexing run could not use, with the reason, kept in the index folder (``SKIPPED.json``).

Every file under an indexed folder is either indexed or named in a ``warning:`` line; this record
keeps those names after the run, so that ``search stats`` counts them per format and reason, and
the web's 未能读取的文件 page lists them for an administrator.  A run replaces the entries of the
folders it looked at and keeps those of the index's other folders.
"""

from __future__ import annotations

import json
import os
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass
from pathlib import Path

SKIPPED_NAME = "SKIPPED.json"
SKIP_MARK = ": skipped, "
# A reason's details that differ from file to file: "(damaged or truncated?)" stays, sizes go.
_NUMBERS = re.compile(r"(?<![\w.])\d[\d,.]*")


@dataclass(frozen=True)
class SkippedFile:
    """One file (or a container's member: ``mail.eml/附件.doc``) a run did not index, and why."""

    source: str  # as warnings name it: relative to its indexed folder
    reason: str
    root: str = ""  # the indexed folder ``source`` is relative to ("" when the warning did not say)

    @property
    def format(self) -> str:
        """The file's type as stats group it: its suffix (``.doc``), or ``(no suffix)``."""
        return os.path.splitext(self.source)[1].lower() or "(no suffix)"

    @property
    def reason_kind(self) -> str:
        """The reason without what differs between files (sizes, counts), for grouping."""
        return _NUMBERS.sub("N", self.reason)


def parse_warning(message: str) -> tuple[str, str] | None:
    """(name, reason) of a ``NAME: skipped, REASON`` warning; None for other warnings."""
    name, mark, reason = message.partition(SKIP_MARK)
    if not mark or not name:
        return None
    return name, reason


def from_warnings(messages: Iterable[str], root_of: dict[str, str] | None = None) -> list[SkippedFile]:
    """The skipped files named in a run's warnings, once each (the last reason wins)."""
    found: dict[str, SkippedFile] = {}
    for message in messages:
        parsed = parse_warning(message)
        if parsed:
            name, reason = parsed
            found[name] = SkippedFile(name, reason, (root_of or {}).get(name, ""))
    return list(found.values())


def read_skipped(index_dir: Path | str) -> list[SkippedFile]:
    """What the last runs skipped; [] for an index without the record (or a damaged one)."""
    try:
        rows = json.loads((Path(index_dir) / SKIPPED_NAME).read_text(encoding="utf-8"))
        return [SkippedFile(str(r["source"]), str(r["reason"]), str(r.get("root", ""))) for r in rows]
    except (OSError, ValueError, KeyError, TypeError):
        return []


def write_skipped(index_dir: Path | str, skipped: Sequence[SkippedFile], roots: Sequence[Path]) -> None:
    """Record this run's skipped files; earlier entries under folders this run did not look at stay."""
    looked_at = {str(root if root.is_dir() else root.parent) for root in roots}
    kept = [s for s in read_skipped(index_dir) if s.root and s.root not in looked_at and Path(s.root).is_dir()]
    names = {(s.root, s.source) for s in skipped}
    rows = [asdict(s) for s in [*(s for s in kept if (s.root, s.source) not in names), *skipped]]
    rows.sort(key=lambda r: (r["root"], r["source"]))
    path = Path(index_dir) / SKIPPED_NAME
    temporary = path.with_name(path.name + ".tmp")
    temporary.write_text(json.dumps(rows, ensure_ascii=False, indent=1), encoding="utf-8")
    os.replace(temporary, path)


def by_format(skipped: Iterable[SkippedFile]) -> dict[str, Counter]:
    """format -> Counter(reason kind -> files)."""
    table: dict[str, Counter] = {}
    for entry in skipped:
        table.setdefault(entry.format, Counter())[entry.reason_kind] += 1
    return table
