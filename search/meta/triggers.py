"""Which of many trigger phrases occur in a text, and how often, in one scan (instead of one
``str.count`` each)."""

from __future__ import annotations

import re
from collections.abc import Iterable

from search.meta.literals import literal_alternation


class Triggers:
    """A fixed set of phrases and a scanner that finds which of them occur in a text.

    One regex holds every phrase, longest first, so at a position it reports
    the longest phrase starting there; the others starting there are prefixes
    of it.  Searching again one character after each hit finds every position
    where some phrase starts, so "the phrases a hit has as prefixes" over all
    hits is exactly the set of phrases that occur (overlapping ones included),
    and each phrase's hits are all its occurrences.
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(dict.fromkeys(p for p in phrases if p))
        # A phrase found -> every phrase that is a prefix of it (itself included).
        self._prefixes = {p: tuple(q for q in self.phrases if p.startswith(q)) for p in self.phrases}
        # Occurrences of a phrase that no proper suffix of it begins ("就业", not "哈哈" or "aba")
        # never overlap, so their number is what str.count says.
        self._overlapping = frozenset(p for p in self.phrases if any(p.endswith(p[:n]) for n in range(1, len(p))))
        longest_first = sorted(self.phrases, key=len, reverse=True)
        self._pattern = re.compile(literal_alternation(longest_first)) if self.phrases else None

    def present(self, text: str) -> set[str]:
        """The phrases that occur in ``text`` (as ``phrase in text`` says)."""
        return set(self.counts(text))

    def counts(self, text: str) -> dict[str, int]:
        """Each phrase that occurs in ``text`` -> ``text.count(phrase)`` (non-overlapping, left to right)."""
        starts: dict[str, int] = {}
        if self._pattern is None:
            return starts
        search, prefixes = self._pattern.search, self._prefixes
        match = search(text)
        while match is not None:
            for phrase in prefixes[match.group()]:
                starts[phrase] = starts.get(phrase, 0) + 1
            match = search(text, match.start() + 1)
        for phrase in self._overlapping.intersection(starts):
            starts[phrase] = text.count(phrase)
        return starts
