"""A small SQLite file beside the index (saved queries, accounts): one connection per operation,
so that the web server's threads share no handle."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path


def _make_private(path: Path) -> None:
    """Have the file readable by its owner only (mode 600), created so: it holds password hashes or
    feed tokens.  SQLite gives its journal the database's mode.  A file of another owner is left be."""
    try:
        os.close(os.open(path, os.O_RDWR | os.O_CREAT, 0o600))
        if os.stat(path).st_mode & 0o077:
            os.chmod(path, 0o600)
    except OSError:  # read-only, or not ours: SQLite says what it can do with it
        pass


class SQLiteFile:
    """Opens ``path`` for each operation; rows by column name."""

    def __init__(self, path: Path | str):
        self.path = Path(path)
        self._private = False

    def _connect(self) -> sqlite3.Connection:
        if not self._private:
            _make_private(self.path)
            self._private = True
        db = sqlite3.connect(self.path, timeout=10)
        db.row_factory = sqlite3.Row
        return db

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """One connection: committed when the block succeeds, rolled back when it raises, closed after."""
        with closing(self._connect()) as db, db:
            yield db

    def _run(self, sql: str, params: Sequence = ()) -> list[sqlite3.Row]:
        with self._transaction() as db:
            return db.execute(sql, params).fetchall()
