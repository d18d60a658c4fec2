"""Pinyin and initials for the suggestions: fgf and fangguanfu offer 放管服.

A phrase's reading is taken from the whole phrase (pypinyin's phrase
dictionary decides a polyphone by its neighbours: 重庆 is chongqing, 银行 is
yinhang, 行政 is xingzheng), so each phrase has one full reading and one
string of initials (the first letter of each syllable: zh, ch and sh count as
z, c and s, as input methods take them).  Only phrases written wholly in Han
characters get a reading.
"""

from __future__ import annotations

import re
from bisect import bisect_left
from collections.abc import Callable, Iterable
from typing import Generic, TypeVar

from pypinyin import Style, lazy_pinyin

T = TypeVar("T")
LATIN = re.compile(r"[a-z]+")
_HAN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff]+")


def is_pinyin_input(typed: str) -> bool:
    """Whether folded input is Latin letters only (what pinyin or initials look like)."""
    return LATIN.fullmatch(typed) is not None


def readings(phrase: str) -> tuple[str, str] | None:
    """(full pinyin without tones or spaces, initials) of a Han phrase, read as a whole; None otherwise."""
    if not _HAN.fullmatch(phrase):
        return None
    syllables = lazy_pinyin(phrase, style=Style.NORMAL, errors="ignore")
    if len(syllables) != len(phrase):
        return None
    syllables = [s.replace("ü", "v") for s in syllables]
    return "".join(syllables), "".join(s[0] for s in syllables)


class PrefixIndex(Generic[T]):
    """Entries under string keys; ``lookup(prefix)`` gives the best entries whose key starts with it.

    ``best`` picks and orders the entries of a key range.  The widest prefixes (up to
    ``short`` characters, covering more than ``wide`` keys) have their best entries kept, so no
    lookup sorts more than ``wide`` of them.
    """

    def __init__(
        self,
        pairs: Iterable[tuple[str, T]],
        best: Callable[[list[T], int], list[T]],
        keep: int,
        short: int = 2,
        wide: int = 200,
    ):
        ordered = sorted(pairs, key=lambda pair: pair[0])
        self.keys = [key for key, _ in ordered]
        self.entries = [entry for _, entry in ordered]
        self._best = best
        self._keep = keep
        self._short: dict[str, list[T]] = {}
        for prefix in {k[:n] for k in self.keys for n in range(1, short + 1) if len(k) >= n}:
            first, last = self._range(prefix)
            if last - first > wide:
                self._short[prefix] = best(self.entries[first:last], keep)

    def __len__(self) -> int:
        return len(self.keys)

    def _range(self, prefix: str) -> tuple[int, int]:
        first = bisect_left(self.keys, prefix)
        return first, bisect_left(self.keys, prefix + "\U0010ffff", first)

    def lookup(self, prefix: str, limit: int) -> list[T]:
        """The best ``limit`` entries (at most) whose key starts with ``prefix``."""
        if prefix in self._short and limit <= self._keep:
            return self._short[prefix][:limit]
        first, last = self._range(prefix)
        return self._best(self.entries[first:last], limit)
