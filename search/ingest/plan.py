"""Planning a run: every file compared with what the index holds (new, changed, unchanged, removed)."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index

from ..archive import INDEX_NAME, Snapshot, create_index, latest_generation, open_index
from ..schema import make_schema
from .discover import SourceFile
from .workers import file_signature, read_bytes


def _indexed_files(snapshot: Snapshot | None) -> dict[str, str]:
    """path -> signature of every file the index holds."""
    if snapshot is None:
        return {}
    files = {}
    for docnum in snapshot.live:
        path, _, signature = (snapshot.file_sig[docnum] or "").partition("\t")
        files[path] = signature
    return files


def _under(path: str, roots: Sequence[Path]) -> bool:
    return any(path == str(r) or path.startswith(str(r) + os.sep) for r in roots)


@dataclass
class Plan:
    """What a run will do, decided against one committed generation."""

    ix: object
    exists: bool
    generation: int
    indexed: dict[str, str]
    todo: list[SourceFile] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    nothing_to_do: bool = False


def compare(index_dir, sources, roots, unreadable, taxonomy, rebuild, note) -> Plan:
    """Compare every file with what the index holds: new, changed, unchanged and removed files."""
    exists = _index_exists(index_dir)
    if rebuild and exists:
        # The old generation stays readable until the new one commits (CLEAR
        # drops the old segments in that same commit): a rebuild that is
        # interrupted, or refused because another run holds the lock, loses nothing.
        plan = Plan(_open_for_rebuild(index_dir), exists, latest_generation(index_dir), {})
    elif not exists:
        plan = Plan(create_index(index_dir), exists, latest_generation(index_dir), {})
    else:
        ix = open_index(index_dir)
        snapshot = Snapshot(ix, index_dir)
        plan = Plan(ix, exists, snapshot.generation, _indexed_files(snapshot))
        snapshot.close()

    def warn(message: str) -> None:
        plan.notes.append(message)
        note(message)

    seen: set[str] = set()
    for source in sources:
        seen.add(source.key)
        try:
            signature = file_signature(read_bytes(source.path), source, taxonomy)
        except OSError as exc:
            warn(f"{source.source}: skipped, cannot read ({exc.strerror or exc})")
            continue
        except ValueError as exc:
            warn(f"{source.source}: skipped, {exc}")
            continue
        previous = plan.indexed.get(source.key)
        if previous == signature:
            plan.unchanged += 1
            continue
        (plan.changed if previous is not None else plan.added).append(source.source)
        plan.todo.append(source)
    # A file under a folder that could not be read is not known to be gone: it stays.
    plan.removed = sorted(
        p for p in plan.indexed if p not in seen and _under(p, roots) and not _under(p, unreadable)
    )
    plan.nothing_to_do = not (plan.todo or plan.removed or rebuild or not exists)
    return plan


def _index_exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and latest_generation(index_dir) >= 0


def _open_for_rebuild(index_dir: Path):
    """The existing index, whatever its schema version (it is about to be replaced), or a new one."""
    try:
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME, schema=make_schema())
    except Exception:  # unreadable: nothing worth keeping
        return create_index(index_dir)
