"""Character phrases (2 to 8 characters) counted in document texts: what keyness and emerging terms count.

A *phrase* is a run of 2..8 phrase characters (letters: Unicode categories L* and Nl, so Chinese
characters, 〇 and Latin letters; not digits, so 2020年 and 病例12 are no phrases) of a
document's search text (``search.text.normalize.search_text``: folded, so 國 is 国 and ``Ａ`` is ``a``); it
never crosses punctuation, a space or a line break.  Every position counts: 哈哈哈 holds 哈哈 twice
(the count is ``sum(text[i:i+n] == p)``, overlapping, unlike the concordance's non-overlapping
``str.count``).  The *size* of a document is its number of phrase characters.

Counting is numpy passes, one per length, over all texts at once: a phrase of length n + 1 is the pair
(its first n characters, its last n characters), each an id of the level below, so a level is one
``np.unique`` over int64 pairs; phrases below the minimum frequency are dropped at each level, and so
never extended (a longer phrase is never more frequent than its prefix).

*Closed* phrases: a phrase whose count equals that of a phrase one character longer that contains it
(十四五规 inside 十四五规划) never occurs without it where it matters; it is *absorbed* and the lists
leave it out (``PhraseCounts.absorbed``, given the counts that matter: keyness the totals, emerging
terms the period's and the earlier periods'), so each thing is said once.  At 8 characters, where
nothing longer is counted, the windows of a longer repeated phrase (二十大和二十届二, 十大和二十届二中,
…) each continue the one before with the same values: only the first is kept.

Nothing here knows an engine: the input is texts, and groups (a side, a period) of documents.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from search.budget import check_budget

MIN_LENGTH, MAX_LENGTH = 2, 8


@lru_cache(maxsize=1)
def _bmp_phrase_chars() -> np.ndarray:
    """``is_phrase_char`` of each code point of the BMP."""
    return np.fromiter(map(is_phrase_char, map(chr, range(0x10000))), dtype=bool, count=0x10000)


def is_phrase_char(c: str) -> bool:
    """Letters (L*) and letter numbers (Nl: 〇, Ⅻ); digits break phrases as punctuation does."""
    category = unicodedata.category(c)
    return category[0] == "L" or category == "Nl"


def phrase_flags(points: np.ndarray) -> np.ndarray:
    """Which code points are phrase characters."""
    table = _bmp_phrase_chars()
    flags = np.zeros(len(points), dtype=bool)
    small = points < 0x10000
    flags[small] = table[points[small]]
    for point in np.unique(points[~small]).tolist():
        flags[points == point] = is_phrase_char(chr(point))
    return flags


@dataclass(frozen=True)
class Level:
    """The phrases of one length that passed the minimum frequency."""

    length: int
    first: np.ndarray  # a position of each phrase in the joined text (to read it back)
    total: np.ndarray  # occurrences over every document
    prefix: np.ndarray  # the phrase's first length - 1 characters: an index into the level below
    suffix: np.ndarray  # its last length - 1 characters: an index into the level below
    # (phrase, document, occurrences) for every document holding the phrase
    pair_phrase: np.ndarray
    pair_doc: np.ndarray
    pair_count: np.ndarray


@dataclass(frozen=True)
class PhraseCounts:
    """Every phrase of 2..8 characters of ``texts`` occurring at least ``min_total`` times, by length."""

    joined: str  # the texts joined by "\n" (positions in ``Level.first`` are in it)
    sizes: np.ndarray  # phrase characters per document
    levels: tuple[Level, ...]  # lengths 2, 3, ... (each level's prefix/suffix index the one before)

    def text(self, level: Level, index: np.ndarray | Sequence[int]) -> list[str]:
        n = level.length
        return [self.joined[p : p + n] for p in level.first[np.asarray(index, dtype=np.int64)].tolist()]

    def absorbed(self, values: Sequence[np.ndarray]) -> list[np.ndarray]:
        """Per level, True for each phrase that a phrase one character longer holds with the same
        ``values`` (one array per level, a row per phrase: the counts that matter to the caller).

        With the total count, "the same" means the same in every document: the longer phrase's
        occurrences are among the shorter one's, so equal totals are equal everywhere.
        """
        absorbed = [np.zeros(len(level.total), dtype=bool) for level in self.levels]
        for n in range(1, len(self.levels)):
            level, mine, theirs = self.levels[n], values[n], values[n - 1]
            for parent in (level.prefix, level.suffix):
                same = mine == theirs[parent]
                if same.ndim > 1:
                    same = same.all(axis=1)
                absorbed[n - 1][parent[same]] = True
        # At the longest length nothing longer is counted: of the windows of one longer repeated phrase
        # (each with the same values as the one before it, overlapping it but for one character), only
        # the first is kept.
        if len(self.levels) >= 2 and self.levels[-1].length == MAX_LENGTH:
            top, mine, theirs = self.levels[-1], values[-1], values[-2]

            def equal(a, b):
                same = a == b
                return same.all(axis=1) if same.ndim > 1 else same

            continued = np.zeros(len(theirs), dtype=bool)  # a 7-phrase extended to the left without loss
            continued[top.suffix[equal(mine, theirs[top.suffix])]] = True
            absorbed[-1] |= equal(mine, theirs[top.prefix]) & continued[top.prefix]
        return absorbed


def count_phrases(texts: Sequence[str], min_total: int) -> PhraseCounts:
    """Count every phrase of 2..8 characters occurring ``min_total`` times or more in ``texts``."""
    joined = "\n".join(texts) + "\n"  # every text ends in a non-phrase character: no phrase spans two
    points = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.int64)
    flags = phrase_flags(points)
    lengths = np.fromiter((len(t) + 1 for t in texts), dtype=np.int64, count=len(texts))
    doc_of = np.repeat(np.arange(len(texts), dtype=np.int64), lengths)
    sizes = np.bincount(doc_of[flags], minlength=len(texts)).astype(np.int64)
    total_length = len(points)
    if not flags.any():
        return PhraseCounts(joined, sizes, ())
    # Level 1: a dense code for each character occurring min_total times or more (a lookup table,
    # not a sort); -1 elsewhere: a rarer character is in no phrase that passes.
    chars = np.where(flags, points, 0)
    frequency = np.bincount(chars[flags])
    frequent = frequency >= min_total
    dense = np.where(frequent, np.cumsum(frequent) - 1, -1)
    ids = np.where(flags, dense[chars], -1)
    width = int(frequent.sum())
    positions = np.flatnonzero(ids >= 0)
    levels: list[Level] = []
    for n in range(2, MAX_LENGTH + 1):
        check_budget()
        # Extend each kept (n-1)-phrase at p by the kept (n-1)-phrase at p + 1.
        positions = positions[positions + 1 < total_length]
        positions = positions[ids[positions + 1] >= 0]
        if not len(positions) or width == 0:
            break
        keys = ids[positions] * width + ids[positions + 1]
        if n == 2 and width * width <= DENSE_PAIRS:
            unique_keys, inverse, totals = _dense_unique(keys, width * width)
        else:
            unique_keys, inverse, totals = _unique(keys)
        kept = totals >= min_total
        # New dense ids for the kept n-phrases; the others are dropped (and never extended).
        new_id = np.full(len(unique_keys), -1, dtype=np.int64)
        new_id[kept] = np.arange(int(kept.sum()), dtype=np.int64)
        at = new_id[inverse]
        ids = np.full(total_length, -1, dtype=np.int64)
        ids[positions] = at
        keep_positions = at >= 0
        positions, at = positions[keep_positions], at[keep_positions]
        parents = unique_keys[kept]
        prefix, suffix = parents // width, parents % width
        width = int(kept.sum())
        if width == 0:
            break
        levels.append(
            _level(
                n,
                _first_positions(positions, at, width),
                totals[kept],
                prefix,
                suffix,
                at,
                doc_of[positions],
                len(texts),
            )
        )
    return PhraseCounts(joined, sizes, tuple(levels))


DENSE_PAIRS = 1 << 24  # character pairs counted by np.bincount (128 MB at most) rather than sorted


def _dense_unique(keys: np.ndarray, space: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_unique`` of keys below ``space`` by counting, in one pass (no sort)."""
    counts = np.bincount(keys, minlength=space)
    unique_keys = np.flatnonzero(counts)
    rank = np.zeros(space, dtype=np.int32)  # (calloc: only the pages written are touched)
    rank[unique_keys] = np.arange(len(unique_keys), dtype=np.int32)
    return unique_keys, rank[keys].astype(np.int64), counts[unique_keys]


def _unique(keys: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(unique keys, the index of each key among them, counts): ``np.unique`` with ``return_inverse``, by
    one sort of the values and a binary search (an argsort of the keys is slower)."""
    ordered = np.sort(keys)
    starts = np.flatnonzero(np.concatenate(([True], ordered[1:] != ordered[:-1])))
    unique_keys = ordered[starts]
    totals = np.diff(np.append(starts, len(ordered)))
    return unique_keys, np.searchsorted(unique_keys, keys), totals


def _first_positions(positions: np.ndarray, at: np.ndarray, width: int) -> np.ndarray:
    """A position of each id (the first in the text)."""
    first = np.full(width, -1, dtype=np.int64)
    first[at[::-1]] = positions[::-1]  # the last write wins: the earliest position
    return first


def _level(n: int, first, totals, prefix, suffix, at: np.ndarray, docs: np.ndarray, ndocs: int) -> Level:
    pairs, counts = np.unique(at * max(1, ndocs) + docs, return_counts=True)
    return Level(n, first, totals, prefix, suffix, pairs // max(1, ndocs), pairs % max(1, ndocs), counts)
