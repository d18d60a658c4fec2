"""Which of many trigger phrases occur in a text, in one scan (instead of one ``str.count`` each)."""

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable


class Triggers:
    """A fixed set of phrases and a scanner that finds which of them occur in a text.

    One regex holds every phrase, grouped by first character and longest first
    within a group, so at a position it reports the longest phrase starting
    there; the others starting there are prefixes of it.  Searching again one
    character after each hit finds every position where some phrase starts, so
    "the phrases a hit has as prefixes" over all hits is exactly the set of
    phrases that occur (overlapping ones included).
    """

    def __init__(self, phrases: Iterable[str]) -> None:
        self.phrases = tuple(dict.fromkeys(p for p in phrases if p))
        # A phrase found -> every phrase that is a prefix of it (itself included).
        self._prefixes = {p: frozenset(q for q in self.phrases if p.startswith(q)) for p in self.phrases}
        self._pattern = re.compile(_alternation(self.phrases)) if self.phrases else None

    def present(self, text: str) -> set[str]:
        """The phrases that occur in ``text`` (as ``phrase in text`` says)."""
        found: set[str] = set()
        if self._pattern is None:
            return found
        search, prefixes = self._pattern.search, self._prefixes
        match = search(text)
        while match is not None:
            found |= prefixes[match.group()]
            match = search(text, match.start() + 1)
        return found


def _alternation(phrases: Iterable[str]) -> str:
    """``a(?:bcd|bc|x)|e(?:f)``: the regex engine tries one group's phrases only where its first
    character stands (a search skips to such characters), longest first so the longest match wins."""
    rests: dict[str, list[str]] = defaultdict(list)
    for phrase in phrases:
        rests[phrase[0]].append(phrase[1:])
    groups = []
    for first, group in rests.items():
        longer = sorted((r for r in group if r), key=len, reverse=True)
        tail = "(?:" + "|".join(map(re.escape, longer)) + ")" if longer else ""
        # A one-character phrase matches alone when no longer phrase of its group does.
        optional = "?" if longer and "" in group else ""
        groups.append(re.escape(first) + tail + optional)
    return "|".join(groups)
