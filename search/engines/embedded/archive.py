"""The on-disk index as the rest of the library sees it: open, check, hand out snapshots.

A ``Snapshot`` (``snapshot.py``) is one index generation, read-only.  A
long-running process (the web app) keeps its snapshot until the index moves to
a new generation, so repeated queries pay for its caches only once.
"""

from __future__ import annotations

import json
import logging
import os
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path

from whoosh import index as whoosh_index

from search.engines.embedded import whoosh_private
from search.engines.embedded.integrity import verify_once, verify_snapshot
from search.engines.embedded.schema import make_schema
from search.engines.embedded.snapshot import Snapshot
from search.engines.embedded.stored import StoredDocument
from search.errors import IndexDamaged, SearchError
from search.ingest.identity import SCHEMA_VERSION

__all__ = [
    "INDEX_NAME",
    "Archive",
    "Snapshot",
    "StoredDocument",
    "create_index",
    "latest_generation",
    "open_index",
    "read_roots",
    "read_schema_version",
    "write_roots",
    "write_schema_version",
]

VERSION_FILE = "SCHEMA_VERSION"
ROOTS_FILE = "ROOTS.json"
INDEX_NAME = "MAIN"


def read_schema_version(index_dir: Path) -> int | None:
    """The schema version recorded in ``index_dir``, or None when there is none."""
    try:
        return int((index_dir / VERSION_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def open_index(index_dir: Path) -> whoosh_index.Index:
    """Open an existing index with our own schema, or raise a SearchError that says what to do."""
    index_dir = Path(index_dir)
    # Not whoosh's exists_in: it unpickles the stored schema, and an index from an older
    # version of this program may name field classes that no longer exist.
    if not index_dir.is_dir() or latest_generation(index_dir) < 0:
        raise SearchError(
            f"no index in {index_dir}",
            hint="build it with `search index` (default: the seeds/ folder into index/)",
        )
    version = read_schema_version(index_dir)
    if version != SCHEMA_VERSION:
        raise SearchError(
            f"the index in {index_dir} was built with schema version {'unknown' if version is None else version}; "
            f"this program needs version {SCHEMA_VERSION}",
            hint="rebuild it with `search index --rebuild`",
        )
    try:
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME, schema=make_schema())
    except Exception as exc:  # a damaged TOC or segment: say so instead of a traceback
        raise IndexDamaged(
            f"the index in {index_dir} cannot be read ({exc.__class__.__name__}: {exc})",
            hint="rebuild it with `search index --rebuild`",
        ) from exc


def create_index(index_dir: Path) -> whoosh_index.Index:
    """Create an empty index in ``index_dir`` (its index files are replaced)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), make_schema(), indexname=INDEX_NAME)
    write_schema_version(index_dir)
    return ix


def write_schema_version(index_dir: Path) -> None:
    """Record this program's schema version in ``index_dir`` (atomically)."""
    tmp = index_dir / (VERSION_FILE + ".tmp")
    tmp.write_text(f"{SCHEMA_VERSION}\n")
    os.replace(tmp, index_dir / VERSION_FILE)


def read_roots(index_dir: Path) -> list[Path]:
    """The folders the index's files are relative to (the last run's first), as recorded by ``write_roots``."""
    try:
        return [Path(p) for p in json.loads((Path(index_dir) / ROOTS_FILE).read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return []


def write_roots(index_dir: Path, folders: Sequence[Path]) -> None:
    """Record the folders the index's files are relative to (atomically; not written when unchanged,
    so that a run with nothing to do writes nothing, even on a full disk)."""
    if read_roots(index_dir) == [Path(f) for f in folders]:
        return
    tmp = Path(index_dir) / (ROOTS_FILE + ".tmp")
    tmp.write_text(json.dumps([str(f) for f in folders], ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, Path(index_dir) / ROOTS_FILE)


def latest_generation(index_dir: Path) -> int:
    """The newest committed generation number (-1 when there is none)."""
    return whoosh_private.latest_generation(index_dir, INDEX_NAME)


class Archive:
    """An index directory, opened for reading; hands out the current snapshot.

    A long-running process takes a snapshot with ``acquire`` and gives it back
    with ``release`` (``lease`` does both): when a new generation replaces a
    snapshot, the old one is closed (its maps and Whoosh readers) as soon as the
    last request holding it has ended, not before.  ``snapshot()`` hands out the
    current snapshot without holding it, for one-shot callers (a CLI command, a
    test): one it returned may be closed once a newer generation replaces it.
    """

    def __init__(self, index_dir: Path | str):
        self.index_dir = Path(index_dir)
        self._ix = open_index(self.index_dir)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()
        self._opening = threading.Lock()
        self._held: dict[int, int] = {}  # id(snapshot) -> requests holding it
        self._warm: Callable[[Snapshot], object] | None = None  # set by warm_in_background
        self._warming: threading.Thread | None = None
        self._refused: int | None = None  # a damaged generation, not tried again

    def warm_in_background(self, warm: Callable[[Snapshot], object]) -> None:
        """From now on, open a new generation's snapshot in a thread, check its grams checksums
        (``Snapshot.verify``) and ``warm(snapshot)`` it there, answering from the previous snapshot
        meanwhile (a server: no request waits for a reload).

        Requests switch to the new snapshot only once ``warm`` has returned.  A damaged
        generation is refused (logged, with the hint to rebuild) and the previous snapshot
        goes on answering until the next commit; a warm-up that fails otherwise is tried
        again on the next request.
        """
        self._warm = warm

    def snapshot(self) -> Snapshot:
        """The snapshot of the newest committed generation (reopened when the index changed), not held."""
        self._refresh()
        return self._installed()

    def acquire(self) -> Snapshot:
        """The current snapshot, held until ``release``: it stays open however many generations follow."""
        self._refresh()
        with self._lock:
            current = self._installed()
            self._held[id(current)] = self._held.get(id(current), 0) + 1
            return current

    def _installed(self) -> Snapshot:
        if self._snapshot is None:  # not reached after _refresh: it installs one or raises
            raise SearchError("no snapshot of the index is open")
        return self._snapshot

    def release(self, snapshot: Snapshot) -> None:
        """Give back a snapshot from ``acquire``; a replaced one closes when the last holder gives it back."""
        with self._lock:
            left = self._held.get(id(snapshot), 0) - 1
            if left > 0:
                self._held[id(snapshot)] = left
                return
            self._held.pop(id(snapshot), None)
            replaced = snapshot is not self._snapshot
        if replaced:
            snapshot.close()

    @contextmanager
    def lease(self) -> Iterator[Snapshot]:
        """``acquire`` and ``release`` around a block."""
        snapshot = self.acquire()
        try:
            yield snapshot
        finally:
            self.release(snapshot)

    def _refresh(self) -> None:
        """Move to the newest generation: at once, or (``warm_in_background``) once its snapshot is warm."""
        current = self._snapshot
        if current is not None and latest_generation(self.index_dir) in (current.generation, self._refused):
            return
        if current is not None and self._warm is not None:
            self._reload_in_background()
            return
        with self._opening:  # one thread opens; the others wait for it and find it done
            if self._snapshot is None or latest_generation(self.index_dir) != self._snapshot.generation:
                fresh = self._open_newest()
                try:
                    verify_once(fresh)  # damage says "rebuild", never a wrong answer
                except SearchError:
                    fresh.close()
                    raise
                self._install(fresh)

    def _install(self, fresh: Snapshot) -> None:
        """Make ``fresh`` the snapshot requests get; close the one it replaces unless a request holds it."""
        with self._lock:
            old, self._snapshot = self._snapshot, fresh
            close_old = old is not None and old is not fresh and id(old) not in self._held
        if close_old and old is not None:
            old.close()

    def _reload_in_background(self) -> None:
        with self._lock:
            if self._warming is not None and self._warming.is_alive():
                return
            self._warming = threading.Thread(target=self._reload, name="snapshot-warm-up", daemon=True)
            self._warming.start()

    def _reload(self) -> None:
        """Open and warm the newest generation's snapshot (in the warming thread), then install it."""
        try:
            fresh = self._open_newest()
        except (SearchError, OSError):
            return  # the next request tries again; the current snapshot keeps answering
        try:
            verify_snapshot(fresh)
        except SearchError as exc:
            logging.getLogger(__name__).error("generation %s refused: %s (%s)", fresh.generation, exc.message, exc.hint)
            self._refused = fresh.generation
            fresh.close()
            return
        try:
            if self._warm is not None:  # set before any reload in the background starts
                self._warm(fresh)
        except Exception:  # a failed warm-up must not hand out a half-warmed snapshot
            logging.getLogger(__name__).exception("warming generation %s failed", fresh.generation)
            fresh.close()
            return
        self._install(fresh)

    def _open_newest(self, attempts: int = 3) -> Snapshot:
        """A snapshot of the newest generation; retried when a commit replaced files while opening."""
        for attempt in range(attempts):
            generation = latest_generation(self.index_dir)
            try:
                self._ix = open_index(self.index_dir)
                return Snapshot(self._ix, self.index_dir)
            except (SearchError, OSError):
                if attempt == attempts - 1 or latest_generation(self.index_dir) == generation:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        """Close the snapshot the archive holds open, if any."""
        if self._snapshot is not None:
            self._snapshot.close()
