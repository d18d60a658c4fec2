"""When each document entered the index: the generation whose commit added it.

Every document carries, in its ``entered`` column (``schema.py``), the number of
the generation that first made it visible.  Generations only grow (a rebuild
commits the next generation of the same index), so "the documents that entered
after generation G" is exactly what a reader of generation G could not have
seen.  A saved query remembers the generation it was last viewed at and counts
its new matches from its result set and this column alone: no stored text is
read and no list of ids is kept.

What counts as entering:
- a new file's documents enter at the run that adds them;
- a changed file's documents are deleted and written again, so they enter again
  (a saved query shows them as new: their text is not what was seen);
- an unchanged file never enters again, wherever the archive now lies (ids and
  the index's knowledge of a file come from its path relative to the indexed
  folder, so a moved archive indexes as ``+0 ~0 -0``);
- ``--rebuild`` writes every document again, but a file whose bytes are as
  indexed keeps the generation its documents entered at (``carried_entries``).
"""

from __future__ import annotations

from collections.abc import Iterable

import numpy as np

from search.engines.embedded.whoosh_private import numeric_column

COLUMN = "entered"


def entered_column(leaves: list, size: int, lock) -> np.ndarray:
    """The ``entered`` value of every document of a snapshot's segments (``leaves``: (reader, first docnum)).

    A document from a segment without the column (none in a current index) reads 0.
    """
    values = np.zeros(size, dtype=np.uint32)
    with lock:
        for leaf, offset in leaves:
            if leaf.has_column(COLUMN):
                values[offset : offset + leaf.doc_count_all()] = numeric_column(leaf, COLUMN)
    return values


def count_entered_after(entered: np.ndarray, docs: Iterable[int], generation: int) -> int:
    """How many of ``docs`` entered the index after ``generation``."""
    docs = docs if isinstance(docs, (list, np.ndarray)) else list(docs)
    if not len(docs):
        return 0
    at = np.asarray(docs, dtype=np.int64)
    return int(np.count_nonzero(entered[at] > generation))


def content_hash(file_sig: bytes | str) -> str:
    """The hash of a file's bytes, from a ``file_sig`` column value (``key\\tsha1.sidecar\\tsize\\tmtime``)."""
    text = file_sig.decode("utf-8") if isinstance(file_sig, bytes) else file_sig
    return text.split("\t")[1].partition(".")[0] if "\t" in text else ""


def carried_entries(ix) -> dict[str, tuple[str, int]]:
    """For a rebuild: file key -> (hash of its bytes, generation its documents entered at), of the
    live documents of the index ``ix`` as it stands (files of a segment without the column are left out)."""
    carried: dict[str, tuple[str, int]] = {}
    try:
        reader = ix.reader()
    except Exception:  # an unreadable index (being rebuilt for that reason) carries nothing
        return carried
    with reader:
        for leaf, _ in reader.leaf_readers():
            if not (leaf.has_column(COLUMN) and leaf.has_column("file_sig")):
                continue
            deletions = leaf.has_deletions()
            signatures = leaf.column_reader("file_sig")
            for local, generation in enumerate(leaf.column_reader(COLUMN)):
                if deletions and leaf.is_deleted(local):
                    continue
                raw = signatures[local]
                if raw:
                    key = raw.decode("utf-8").partition("\t")[0]
                    carried.setdefault(key, (content_hash(raw), generation))
    return carried


class Entries:
    """The ``entered`` value each document written by one indexing run gets."""

    def __init__(self, generation: int, carried: dict[str, tuple[str, int]] | None = None):
        self.generation = generation
        self.carried = carried or {}

    def of(self, fields: dict) -> int:
        """This run's generation; on a rebuild, a file whose bytes are unchanged keeps its own."""
        file_sig = fields.get("file_sig") or b""
        key = (file_sig.decode("utf-8") if isinstance(file_sig, bytes) else file_sig).partition("\t")[0]
        previous = self.carried.get(key)
        if previous is not None and previous[0] and previous[0] == content_hash(file_sig):
            return previous[1]
        return self.generation
