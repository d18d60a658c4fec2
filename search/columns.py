"""A snapshot's per-document values (facet and metadata columns), read from Whoosh as they are needed.

A command that answers one query asks for the columns of a few documents (its
hits, a small result set's facets): those are read one document at a time.  Once
a column has been asked for many documents (facets of a large result set, a sort
by date) it is read whole, once, and kept; a server's warm-up reads them all.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any


class Column:
    """Values by document number, like a list: ``column[docnum]``, ``len``, iteration."""

    READ_WHOLE_AFTER = 1000  # single reads cost about 5 µs each; a whole column about 1 µs a document

    def __init__(self, size: int, read_all: Callable[[], list], read_one: Callable[[int], Any]):
        self._size = size
        self._read_all = read_all
        self._read_one = read_one
        self._all: list | None = None
        self._some: dict[int, Any] = {}

    def load(self) -> list:
        """Every value (read whole on the first call)."""
        values = self._all
        if values is None:
            values = self._all = self._read_all()
            self._some = {}
        return values

    def __getitem__(self, docnum: int):
        values = self._all
        if values is not None:
            return values[docnum]
        some = self._some
        if docnum in some:
            return some[docnum]
        if not 0 <= docnum < self._size:
            raise IndexError(docnum)
        if len(some) >= self.READ_WHOLE_AFTER:
            return self.load()[docnum]
        value = some[docnum] = self._read_one(docnum)
        return value

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator:
        return iter(self.load())
