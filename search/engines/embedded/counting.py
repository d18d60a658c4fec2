"""How often a phrase occurs in each document, and which documents contain it, over the grams maps.

Counting is ``str.count``'s (non-overlapping, left to right) over each
document's search text; a match that would run from one document's text into
the next one's (they are adjacent in a map) is not one.

- A phrase of one or two characters is counted by reading: its key's postings
  carry each document's frequency (``gramstore.gram_counts``).
- A longer phrase occurs in a document at most as often as its rarest bigram
  does there (every occurrence holds each bigram once, at its own place, and
  those places do not overlap): that bound is read the same way.  A document
  with bound 0 is never searched, and a search of a document stops as soon as
  it has found ``bound`` occurrences, so a phrase that opens most documents
  (央视网消息) costs one short ``find`` each instead of a pass over each text.
  The searches run as rounds of ``map(find, …)`` over the documents still
  open (loops in C), not a Python loop per match.
"""

from __future__ import annotations

from collections.abc import Iterable
from itertools import compress, repeat

import numpy as np

from search.budget import check_budget
from search.engines.embedded.docsets import DocSet, doc_array, doc_list
from search.engines.embedded.gramstore import GramSegment, char_key, gram_key

# Past this many possible occurrences a document is counted whole rather than find by find.
_MANY = 256


def phrase_key(phrase: str) -> int:
    """The postings key whose frequencies are ``phrase``'s counts (one or two characters)."""
    return char_key(phrase) if len(phrase) == 1 else gram_key(phrase)


def _positions(docs: Iterable[int]) -> np.ndarray:
    """``docs`` as an int64 array, in their own order (a bitmap's is ascending, read in bulk)."""
    if isinstance(docs, np.ndarray):
        return docs.astype(np.int64, copy=False)
    if isinstance(docs, DocSet):
        return doc_array(docs)
    return np.fromiter(docs, dtype=np.int64)


def _bigrams(phrase: str) -> list[str]:
    return list(dict.fromkeys(phrase[i : i + 2] for i in range(len(phrase) - 1)))


class PhraseCounting:
    """Counting and containment for ``Snapshot`` (which provides the parts and the text tables)."""

    size: int
    _parts: list[GramSegment]
    _part_first: list[int]
    _part_of: np.ndarray
    _starts: np.ndarray
    _ends: np.ndarray
    _title_ends: np.ndarray

    def frequencies(self, phrase: str) -> np.ndarray:
        """Per document (by number), how often a one- or two-character ``phrase`` occurs: read from its postings."""
        if not 1 <= len(phrase) <= 2:
            raise ValueError(f"frequencies are kept for one or two characters, not {len(phrase)}")
        key = phrase_key(phrase)
        counts = np.zeros(self.size, dtype=np.int64)
        for part, first in zip(self._parts, self._part_first, strict=True):
            docs, tfs = part.docs_and_counts(key)
            if len(docs):
                counts[docs.astype(np.int64) + first] = tfs
        return counts

    def count_bounds(self, phrase: str) -> np.ndarray:
        """Per document, at least as many as ``phrase``'s occurrences (exactly as many up to two characters)."""
        if len(phrase) <= 2:
            return self.frequencies(phrase)
        bounds = None
        for gram in _bigrams(phrase):
            tfs = self.frequencies(gram)
            bounds = tfs if bounds is None else np.minimum(bounds, tfs, out=bounds)
            if not bounds.any():
                break
        if bounds is None:  # not reached: a phrase of three characters or more has bigrams
            raise ValueError(f"no bigrams in {phrase!r}")
        return bounds

    def counts_in(
        self, phrase: str, docs: Iterable[int], bounds: np.ndarray | None = None, at_most: int | None = None
    ) -> np.ndarray:
        """How often ``phrase`` occurs in each of ``docs`` (exact), or ``at_most`` where it occurs that often or more.

        ``bounds``: the phrase's ``count_bounds`` when known (for many
        documents); without them the bounds of just ``docs`` are looked up in
        the postings (for a few documents: nothing as large as the archive).
        """
        at = _positions(docs)
        if bounds is not None:
            bound = bounds[at]
        elif len(phrase) <= 2:
            bound = self._frequencies_of(phrase_key(phrase), at)
        else:
            bound = None
            for gram in _bigrams(phrase):
                tfs = self._frequencies_of(gram_key(gram), at)
                bound = tfs if bound is None else np.minimum(bound, tfs, out=bound)
        if at_most is not None:
            bound = np.minimum(bound, at_most)
        if len(phrase) <= 2:
            return bound
        return self._search_counts(phrase.encode("utf-8"), at, bound)

    def _frequencies_of(self, key: int, at: np.ndarray) -> np.ndarray:
        """The frequencies of ``key`` in the documents ``at`` (0 where absent), by bisecting its postings."""
        counts = np.zeros(len(at), dtype=np.int64)
        part_of = self._part_of[at]
        for i, (part, first) in enumerate(zip(self._parts, self._part_first, strict=True)):
            docs, tfs = part.docs_and_counts(key)
            mine = np.flatnonzero(part_of == i)
            if not len(docs) or not len(mine):
                continue
            local = (at[mine] - first).astype(docs.dtype)
            where = np.minimum(np.searchsorted(docs, local), len(docs) - 1)
            found = docs[where] == local
            counts[mine[found]] = tfs[where[found]]
        return counts

    def counts_everywhere(self, phrase: str) -> np.ndarray:
        """How often ``phrase`` occurs in every document's search text, by document number."""
        bounds = self.count_bounds(phrase)
        if len(phrase) <= 2:
            return bounds
        counts = np.zeros(self.size, dtype=np.int64)
        at = np.flatnonzero(bounds)
        counts[at] = self._search_counts(phrase.encode("utf-8"), at, bounds[at])
        return counts

    def _search_counts(self, needle: bytes, at: np.ndarray, bounds: np.ndarray) -> np.ndarray:
        """Occurrences of ``needle`` in the documents ``at``, searching each until its bound is reached."""
        counts = np.zeros(len(at), dtype=np.int64)
        # A document that may hold the phrase very often (a hostile file of one phrase a line) is
        # counted by one ``bytes.count`` over its text: a round a match would take minutes.
        many = np.flatnonzero(bounds > _MANY)
        for i in many.tolist():
            check_budget()
            doc = int(at[i])
            part = self._parts[int(self._part_of[doc])] if len(self._parts) > 1 else self._parts[0]
            counts[i] = min(int(bounds[i]), part.map[int(self._starts[doc]) : int(self._ends[doc])].count(needle))
        open_ = np.flatnonzero((bounds > 0) & (bounds <= _MANY))
        froms, ends, left = self._starts[at[open_]], self._ends[at[open_]], bounds[open_]
        while len(open_):
            check_budget()
            found = self._find_each(needle, at[open_], froms, ends)
            hit = found >= 0
            counts[open_[hit]] += 1
            going = hit & (left > 1)  # a document that reached its bound has no more
            open_, froms, ends, left = open_[going], found[going] + len(needle), ends[going], left[going] - 1
        return counts

    def _find_each(self, needle: bytes, at: np.ndarray, froms: np.ndarray, ends: np.ndarray) -> np.ndarray:
        """Where ``needle`` first lies in ``[froms[i], ends[i])`` of document ``at[i]``'s map, or -1 (one
        ``map(find, …)`` per part: loops in C)."""
        if len(self._parts) == 1:
            find = self._parts[0].map.find
            return np.fromiter(map(find, repeat(needle), froms.tolist(), ends.tolist()), dtype=np.int64, count=len(at))
        found = np.empty(len(at), dtype=np.int64)
        part_of = self._part_of[at]
        for i, part in enumerate(self._parts):
            mine = np.flatnonzero(part_of == i)
            if len(mine):
                found[mine] = np.fromiter(
                    map(part.map.find, repeat(needle), froms[mine].tolist(), ends[mine].tolist()),
                    dtype=np.int64,
                    count=len(mine),
                )
        return found

    def containing(self, docs: Iterable[int], phrase: str, title_only: bool = False) -> list[int]:
        """The documents of ``docs`` whose search text (or title) contains ``phrase``: one find each."""
        docs = docs if isinstance(docs, list) else doc_list(docs)
        if not docs:
            return []
        at = np.array(docs, dtype=np.int64)
        ends = (self._title_ends if title_only else self._ends)[at]
        found = self._find_each(phrase.encode("utf-8"), at, self._starts[at], ends)
        return list(compress(docs, (found >= 0).tolist()))

    def first_found(self, at: np.ndarray, phrase: str) -> tuple[np.ndarray, np.ndarray]:
        """For the documents ``at``: whether each search text contains ``phrase``, and whether its
        title does (one find each: the first occurrence lies in the title when any does, the
        title being the text's first line, and a phrase never holds a line break)."""
        if not len(at):
            return np.zeros(0, dtype=bool), np.zeros(0, dtype=bool)
        needle = phrase.encode("utf-8")
        found = self._find_each(needle, at, self._starts[at], self._ends[at])
        return found >= 0, (found >= 0) & (found + len(needle) <= self._title_ends[at])
