"""A snapshot's per-document values (facet and metadata columns), read from Whoosh as they are needed.

A command that answers one query asks for the columns of a few documents (its
hits, a small result set's facets): those are read one document at a time.  Once
a column has been asked for many documents (facets of a large result set, a sort
by date) it is read whole, once, and kept; a server's warm-up reads them all.
"""

from __future__ import annotations

from bisect import bisect_right
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


def converted(values: list, convert) -> list:
    """``convert(value)`` for every value, computed once per distinct value."""
    known: dict = {}
    return [known[v] if v in known else known.setdefault(v, convert(v)) for v in values]


def whoosh_column(leaves: list, name: str, size: int, lock, has_deletions: bool, convert=None) -> Column:
    """A Whoosh column over segments ``leaves`` ((reader, first docnum) pairs) as a ``Column`` of str or None."""
    first = [offset for _, offset in leaves]
    readers: dict[int, Any] = {}

    def read_all() -> list:
        values: list[str | None] = [None] * size
        decoded: dict[bytes, str] = {}  # values repeat (districts, dates): one string each
        with lock:
            for leaf, offset in leaves:
                if not leaf.has_column(name):
                    continue
                deletions = has_deletions and leaf.has_deletions()
                for local, raw in enumerate(leaf.column_reader(name)):
                    if raw and not (deletions and leaf.is_deleted(local)):
                        value = decoded.get(raw)
                        if value is None:
                            value = decoded[raw] = raw.decode("utf-8")
                        values[offset + local] = value
        return values if convert is None else converted(values, convert)

    def read_one(docnum: int):
        i = bisect_right(first, docnum) - 1
        leaf, offset = leaves[i]
        local = docnum - offset
        with lock:
            if not leaf.has_column(name) or (has_deletions and leaf.is_deleted(local)):
                raw = b""
            else:
                if i not in readers:
                    readers[i] = leaf.column_reader(name)
                raw = readers[i][local]
        value = raw.decode("utf-8") if raw else None
        return value if convert is None else convert(value)

    return Column(size, read_all, read_one)
