"""A snapshot's per-document values (facet and metadata columns) as codes into a table of distinct values.

Each segment's columns come from its ``.columns`` file (``column_file.py``),
written once; a snapshot joins its segments' codes into one array per column
(``uint32`` per document, deleted documents coded as "no value") and one table
of values.  So a value by document number is two lookups, facet counts are a
``bincount``, and the documents having a value are a bitmap made once per
snapshot (``value_docs``); nothing is decoded per document.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from search.engines.embedded.column_file import SegmentColumns, segment_columns
from search.engines.embedded.docsets import DocSet, doc_array, docset


class Column:
    """Values by document number, like a list: ``column[docnum]``, ``len``, iteration.

    ``codes[docnum]`` indexes ``values``; code 0 is None (no value, or a deleted document).
    """

    def __init__(
        self, codes: np.ndarray, values: Sequence | None = None, load_values: Callable[[], Sequence] | None = None
    ):
        self.codes = codes
        if values is not None:
            self.values = values
        self._load_values = load_values  # values decoded on first use (``search stats`` needs none)
        self._list: list | None = None
        self._docs: list[DocSet] | None = None
        self._members: tuple | None = None

    def __getattr__(self, name: str) -> Sequence:
        load = self.__dict__.get("_load_values")
        if name == "values" and load is not None:
            self.values = load()
            return self.values
        raise AttributeError(name)

    def __getitem__(self, docnum: int) -> Any:
        return self.values[self.codes[docnum]]

    def __len__(self) -> int:
        return len(self.codes)

    def __iter__(self) -> Iterator:
        return iter(self.load())

    def load(self) -> list:
        """Every value as a list (made on the first call: about 8 bytes a document)."""
        if self._list is None:
            self._list = list(map(self.values.__getitem__, self.codes.tolist()))
        return self._list

    def derived(self, derive: Callable) -> Column:
        """A column of ``derive(value)`` (None included), computed once per distinct value.

        Values that derive alike share one code (every date of 2020 -> "2020"), so
        a facet counts few codes; code 0 stays the derivation of None.
        """
        known: dict = {}
        remap = np.fromiter(
            (known.setdefault(derive(v), len(known)) for v in self.values), dtype=np.uint32, count=len(self.values)
        )
        return Column(remap[self.codes], list(known))

    def code_counts(self, docs: Iterable[int]) -> np.ndarray:
        """How many of ``docs`` have each code (by code)."""
        return np.bincount(self.codes[doc_array(docs)], minlength=len(self.values))

    def members(self) -> tuple[np.ndarray, np.ndarray, list]:
        """For a column whose values are tuples (topics): (code, member number) pairs and the members.

        So counts by member are one weighted ``bincount`` of counts by code.
        """
        if self._members is None:
            names: dict = {}
            pairs = [
                (code, names.setdefault(member, len(names)))
                for code, value in enumerate(self.values)
                for member in (value or ())
            ]
            table = np.array(pairs, dtype=np.int64).reshape(-1, 2)
            self._members = (table[:, 0], table[:, 1], list(names))
        return self._members

    def value_docs(self) -> list[DocSet]:
        """The documents of each code, by code (one bitmap per value; made once per snapshot)."""
        if self._docs is None:
            order = np.argsort(self.codes, kind="stable")
            bounds = np.searchsorted(self.codes[order], np.arange(len(self.values) + 1))
            self._docs = [docset(order[bounds[c] : bounds[c + 1]]) for c in range(len(self.values))]
        return self._docs


class SnapshotColumns:
    """The coded columns and titles of a snapshot's segments (``leaves``: (reader, first docnum) pairs).

    The segments' files are opened (or built) by ``open``, when the snapshot
    opens: a later commit may merge the segments away and delete them.  A
    column is joined across segments on first use.  ``live_mask`` (when the snapshot has
    deletions) codes deleted documents as None.
    """

    def __init__(
        self,
        index_dir: Path,
        leaves: list,
        size: int,
        names: tuple[str, ...],
        live_mask: Callable[[], np.ndarray] | None,
    ):
        self._index_dir = index_dir
        self._leaves = leaves
        self._size = size
        self._names = names
        self._live_mask = live_mask
        self._opened: list[SegmentColumns] = []

    def open(self) -> None:
        """Open (or build) every segment's columns file, once."""
        if not self._opened:
            self._opened.extend(segment_columns(self._index_dir, leaf, self._names) for leaf, _ in self._leaves)

    def _segments(self) -> list[SegmentColumns]:
        self.open()
        return self._opened

    def column(self, name: str) -> Column:
        """The column ``name`` over the whole snapshot: the segments' codes joined into one coding, deleted documents as None."""
        parts = self._segments()
        if len(parts) == 1:
            codes, part = parts[0].codes(name), parts[0]
            if self._live_mask is not None:
                codes = np.where(self._live_mask(), codes, 0).astype(np.uint32)
            return Column(codes, load_values=lambda: part.values(name))
        codes = np.zeros(self._size, dtype=np.uint32)
        known: dict = {None: 0}
        values = [None]
        for part, (_, offset) in zip(parts, self._leaves, strict=True):
            table = part.values(name)
            remap = np.empty(len(table), dtype=np.uint32)
            for code, value in enumerate(table):
                if value not in known:
                    known[value] = len(values)
                    values.append(value)
                remap[code] = known[value]
            codes[offset : offset + part.doc_count] = remap[part.codes(name)]
        if self._live_mask is not None:
            codes = np.where(self._live_mask(), codes, 0).astype(np.uint32)
        return Column(codes, values)

    def titles(self) -> tuple[bytes, list[int]]:
        """Every folded title's UTF-8, newline-separated, and where each document's title starts (and an end)."""
        parts = [part for part in self._segments() if part.doc_count]
        if not parts:
            return b"", [0]
        starts = [parts[0].title_starts[:-1]]
        at = parts[0].title_starts[-1]
        for part in parts[1:]:
            starts.append(part.title_starts[:-1] + at)
            at += part.title_starts[-1]
        starts.append(np.array([at], dtype=np.uint64))
        return b"\n".join(bytes(part.titles) for part in parts), np.concatenate(starts).tolist()
