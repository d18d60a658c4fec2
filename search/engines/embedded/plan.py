"""Planning a run: every file compared with what the index holds (new, changed, unchanged, removed)."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
from whoosh import index as whoosh_index

from search.engines.embedded.archive import (
    INDEX_NAME,
    Snapshot,
    create_index,
    latest_generation,
    open_index,
    read_roots,
)
from search.engines.embedded.docsets import doc_list
from search.engines.embedded.schema import make_schema
from search.ingest.discover import SourceFile, in_unreadable
from search.ingest.prepare import file_signature, read_file, sidecar_digest
from search.meta import Taxonomy


@dataclass(frozen=True)
class IndexedFile:
    """What the index holds about one file (from its documents' ``file_sig`` column)."""

    signature: str
    size: int
    mtime_ns: int

    @classmethod
    def parse(cls, state: str) -> IndexedFile:
        """From the ``signature<TAB>size<TAB>mtime`` form it is stored in (size and time -1 when absent)."""
        signature, size, mtime = [*state.split("\t"), "-1", "-1"][:3]
        return cls(signature, int(size), int(mtime))

    def same_as(self, info: os.stat_result, sidecar: str) -> bool:
        """Unchanged without reading it: same size, same modification time, same sidecar digest."""
        return (
            self.size == info.st_size and self.mtime_ns == info.st_mtime_ns and self.signature.endswith("." + sidecar)
        )


def _indexed_files(snapshot: Snapshot) -> dict[str, IndexedFile]:
    """key -> what the index holds, for every file it holds."""
    files = {}
    for docnum in doc_list(snapshot.live):
        key, _, state = (snapshot.file_sig[docnum] or "").partition("\t")
        if key not in files:
            files[key] = IndexedFile.parse(state)
    return files


def recorded_folders(index_dir: Path, roots: Sequence[Path]) -> list[Path]:
    """The folders the index's files are relative to after this run: this run's, then earlier ones still there."""
    folders = [r if r.is_dir() else r.parent for r in roots]
    for earlier in read_roots(index_dir):
        if earlier not in folders and earlier.is_dir():
            folders.append(earlier)
    return folders


def _still_elsewhere(key: str, others: Sequence[Path]) -> bool:
    """Whether an indexed file this run did not see is a file under one of the index's other folders."""
    return any(os.path.isfile(folder / key) for folder in others)


@dataclass
class Plan:
    """What a run will do, decided against one committed generation."""

    ix: whoosh_index.Index
    exists: bool
    generation: int
    indexed: dict[str, IndexedFile]
    # The documents (numbers in ``generation``) of each changed or removed file: the run deletes them.
    old_documents: dict[str, list[int]] = field(default_factory=dict)
    todo: list[SourceFile] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    nothing_to_do: bool = False


def compare(
    index_dir: Path,
    sources: Sequence[SourceFile],
    roots: Sequence[Path],
    unreadable: Sequence[Path],
    taxonomy: Taxonomy,
    rebuild: bool,
    note: Callable[[str], None],
) -> Plan:
    """Compare every file with what the index holds: new, changed, unchanged and removed files.

    A file whose size, modification time and sidecar row are as indexed is not
    read; otherwise its bytes are hashed (a file touched but not changed stays
    unchanged).  A file the index does not hold is not read here at all.
    """
    exists = _index_exists(index_dir)
    snapshot = None  # the generation compared against, when the run adds to it
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
    try:
        _compare_files(plan, index_dir, sources, roots, unreadable, taxonomy, note)
        if snapshot is not None:
            replaced = {source.key for source in plan.todo if source.key in plan.indexed}
            plan.old_documents = _documents_of(snapshot, replaced | set(plan.removed))
    finally:
        if snapshot is not None:
            snapshot.close()
    plan.nothing_to_do = not (plan.todo or plan.removed or rebuild or not exists)
    return plan


def _compare_files(
    plan: Plan,
    index_dir: Path,
    sources: Sequence[SourceFile],
    roots: Sequence[Path],
    unreadable: Sequence[Path],
    taxonomy: Taxonomy,
    note: Callable[[str], None],
) -> None:
    """Sort every file into the plan's todo (added or changed), unchanged and removed."""

    def warn(message: str) -> None:
        plan.notes.append(message)
        note(message)

    seen: set[str] = set()
    for source in sources:
        seen.add(source.key)
        previous = plan.indexed.get(source.key)
        if previous is None:
            # A new file is read once, by its worker (which says why if it cannot be read).
            plan.added.append(source.source)
            plan.todo.append(source)
            continue
        try:
            sidecar = sidecar_digest(source, taxonomy)
            if previous.same_as(os.stat(source.path), sidecar):
                plan.unchanged += 1
                continue
            signature = file_signature(read_file(source.path)[0], source, taxonomy)
        except OSError as exc:
            warn(f"{source.source}: skipped, cannot read ({exc.strerror or exc})")
            continue
        except ValueError as exc:
            warn(f"{source.source}: skipped, {exc}")
            continue
        if previous.signature == signature:
            plan.unchanged += 1
            continue
        plan.changed.append(source.source)
        plan.todo.append(source)
    # A file not seen is gone when it is a file under none of the index's other
    # folders; one under a folder that could not be read is not known to be gone.
    others = [folder for folder in read_roots(index_dir) if folder not in roots]
    plan.removed = sorted(
        key
        for key in plan.indexed
        if key not in seen and not in_unreadable(key, roots, unreadable) and not _still_elsewhere(key, others)
    )


def _documents_of(snapshot: Snapshot, keys: set[str]) -> dict[str, list[int]]:
    """The live documents of each file in ``keys``, by key (one pass over the ``file_sig`` codes)."""
    if not keys:
        return {}
    wanted = {}
    for code, value in enumerate(snapshot.file_sig.values):
        key = value.partition("\t")[0] if value else None
        if key in keys:
            wanted[code] = key
    codes = snapshot.file_sig.codes
    docs = np.flatnonzero(np.isin(codes, np.fromiter(wanted, dtype=np.uint32, count=len(wanted))))
    found: dict[str, list[int]] = {}
    for docnum, code in zip(docs.tolist(), codes[docs].tolist(), strict=True):
        found.setdefault(wanted[code], []).append(docnum)
    return found


def _index_exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and latest_generation(index_dir) >= 0


def _open_for_rebuild(index_dir: Path) -> whoosh_index.Index:
    """The existing index, whatever its schema version (it is about to be replaced), or a new one."""
    try:
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME, schema=make_schema())
    except Exception:  # noqa: BLE001 - unreadable: nothing worth keeping
        return create_index(index_dir)
