"""A generation's cluster table on disk: the folder ``dedup-<generation>/`` of ``.npy`` files beside the index.

Written by the indexing run right after its commit (``write_table``: from the
previous generation's table, so only new and changed documents are read), into a
temporary folder renamed into place, so a reader sees a whole table or none.  A
reader whose generation has no table (an index from before, or a run killed
between its commit and the table) builds it from the newest earlier table and
leaves it for the next reader (``table_of``).  The two newest tables are kept:
a server may still hold the previous generation.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
from pathlib import Path

import numpy as np

from search.dedup.clusters import VERSION, ClusterTable, build

PREFIX = "dedup-"
_FOLDER = re.compile(rf"{PREFIX}(\d+)")
_ARRAYS = ("signatures", "fingerprinted", "canonical", "preference", "edges", "similarity")
KEEP = 2


def table_folder(index_dir: Path, generation: int) -> Path:
    return Path(index_dir) / f"{PREFIX}{generation}"


def _generations(index_dir: Path) -> list[int]:
    try:
        names = os.listdir(index_dir)
    except OSError:
        return []
    return sorted(int(m.group(1)) for m in map(_FOLDER.fullmatch, names) if m)


def save(table: ClusterTable, index_dir: Path, generation: int) -> None:
    """Write ``table`` as generation ``generation``'s (atomically); an existing one is left as it is."""
    final = table_folder(index_dir, generation)
    if final.is_dir():
        return
    tmp = Path(index_dir) / f".{PREFIX}{generation}.{os.getpid()}.partial"
    shutil.rmtree(tmp, ignore_errors=True)
    tmp.mkdir()
    try:
        for name in _ARRAYS:
            np.save(tmp / f"{name}.npy", getattr(table, name))
        (tmp / "keys.txt").write_bytes("\n".join(k.replace("\n", " ") for k in table.keys).encode("utf-8"))
        (tmp / "VERSION").write_text(f"{table.version}\n")
        os.rename(tmp, final)
    except OSError:
        shutil.rmtree(tmp, ignore_errors=True)
        if not final.is_dir():
            raise


def load(index_dir: Path, generation: int) -> ClusterTable | None:
    """Generation ``generation``'s table, or None (none written, or unreadable)."""
    folder = table_folder(index_dir, generation)
    try:
        version = int((folder / "VERSION").read_text().strip())
        arrays = {
            name: np.load(folder / f"{name}.npy", mmap_mode="r" if name == "signatures" else None) for name in _ARRAYS
        }
        raw = (folder / "keys.txt").read_bytes().decode("utf-8")
    except (OSError, ValueError, EOFError):  # a damaged table is built again, never trusted
        return None
    keys = raw.split("\n") if raw or len(arrays["canonical"]) else []
    if not all(len(arrays[name]) == len(keys) for name in ("signatures", "fingerprinted", "canonical", "preference")):
        return None
    return ClusterTable(keys=keys, version=version, **arrays)


def prune(index_dir: Path, keep: int = KEEP) -> None:
    """Delete all but the ``keep`` newest tables, and partial folders of killed runs."""
    for generation in _generations(index_dir)[:-keep]:
        shutil.rmtree(table_folder(index_dir, generation), ignore_errors=True)
    with contextlib.suppress(OSError):
        for name in os.listdir(index_dir):
            if name.startswith(f".{PREFIX}") and name.endswith(".partial"):
                shutil.rmtree(Path(index_dir) / name, ignore_errors=True)


def newest_before(index_dir: Path, generation: int) -> ClusterTable | None:
    """The newest readable table of a generation before ``generation``."""
    for earlier in reversed([g for g in _generations(index_dir) if g < generation]):
        table = load(index_dir, earlier)
        if table is not None and table.version == VERSION:
            return table
    return None


def write_table(index_dir: Path, snapshot) -> ClusterTable:
    """Build and save ``snapshot``'s table from the newest earlier one (the indexing run, after its commit)."""
    existing = load(index_dir, snapshot.generation)
    if existing is not None and existing.version == VERSION:
        return existing
    table = build(snapshot, newest_before(index_dir, snapshot.generation))
    save(table, index_dir, snapshot.generation)
    prune(index_dir)
    return table


def table_of(snapshot) -> ClusterTable:
    """The snapshot's table (once per snapshot): read, or built and left for the next reader."""

    def compute() -> ClusterTable:
        index_dir = snapshot.index_dir
        table = load(index_dir, snapshot.generation)
        if table is not None and table.version == VERSION and table.size == snapshot.size:
            return table
        table = build(snapshot, newest_before(index_dir, snapshot.generation))
        with contextlib.suppress(OSError):  # a read-only index folder: computed again next time
            shutil.rmtree(table_folder(index_dir, snapshot.generation), ignore_errors=True)  # a damaged one
            save(table, index_dir, snapshot.generation)
        return table

    return snapshot.cached("dedup clusters", compute)
