"""Sets of document numbers, as compressed bitmaps (pyroaring's ``FrozenBitMap``).

Every set of documents the query layer passes around (postings, the live
documents, facet values, results, what an actor may see) is one of these: a
posting set of a common bigram costs about 9 KB instead of about 60 bytes an
id as a ``frozenset``, and ``&``, ``|``, ``-`` run in C over whole words.
They iterate slowly from Python (about 0.25 µs an id), so bulk reads go
through ``doc_array`` / ``doc_list``.
"""

from __future__ import annotations

from array import array
from collections.abc import Iterable

import numpy as np
from pyroaring import BitMap, FrozenBitMap

DocSet = FrozenBitMap
EMPTY = FrozenBitMap()


def docset(docs: Iterable[int] | np.ndarray) -> FrozenBitMap:
    """``docs`` as a frozen bitmap (itself when it is one)."""
    if isinstance(docs, FrozenBitMap):
        return docs
    if isinstance(docs, np.ndarray):
        return FrozenBitMap(array("I", docs.astype(np.uint32, copy=False).tobytes()))
    if isinstance(docs, (BitMap, range, list, array)):
        return FrozenBitMap(docs)
    return FrozenBitMap(list(docs))


def doc_array(docs: Iterable[int]) -> np.ndarray:
    """The documents in ascending order as a numpy array (int64, for indexing tables)."""
    if isinstance(docs, (FrozenBitMap, BitMap)):
        return np.frombuffer(docs.to_array(), dtype=np.uint32).astype(np.int64)
    if isinstance(docs, np.ndarray):
        return np.sort(docs.astype(np.int64, copy=False))
    return np.sort(np.fromiter(docs, dtype=np.int64))


def doc_list(docs: Iterable[int]) -> list[int]:
    """The documents in ascending order as a list of ints (a bitmap read in bulk, not one id at a time)."""
    if isinstance(docs, (FrozenBitMap, BitMap)):
        return docs.to_array().tolist()
    return sorted(docs)
