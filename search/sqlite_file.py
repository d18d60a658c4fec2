"""A small SQLite file beside the index (saved queries, accounts): one connection per operation,
so that the web server's threads share no handle."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Sequence
from contextlib import closing, contextmanager
from pathlib import Path


class SQLiteFile:
    """Opens ``path`` for each operation; rows by column name."""

    def __init__(self, path: Path | str):
        self.path = Path(path)

    def _connect(self) -> sqlite3.Connection:
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
