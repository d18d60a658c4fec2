"""Where phrases occur in one search text, and the co-occurrence operators defined over those places.

- ``A NEAR/n B``: an occurrence of A and one of B with at most n characters
  between them, in either order, in one paragraph (overlapping occurrences
  have none between them);
- ``A SENT B``: both inside one sentence; a sentence ends after ``。!?;``
  (``！？；`` are folded to ``!?;``: the search text is narrowed) or at a paragraph break, and an
  occurrence with a sentence end inside it (not at its last character) lies in
  no sentence;
- ``A PARA B``: both inside one paragraph (a search text has one per line);
- ``A$n``: A occurs at least n times, counted like ``str.count`` (occurrences
  that do not overlap).

A pair is two different occurrences: ``发展 SENT 发展`` needs two of them in
one sentence.  All positions are offsets in the folded search text, which are
the offsets of the display text (``fold`` keeps the length).
"""

from __future__ import annotations

import re
from bisect import bisect_left

SENTENCE_ENDS = "。!?;\n"
PARAGRAPH_ENDS = "\n"
_ENDS = {
    "sent": re.compile(f"[{re.escape(SENTENCE_ENDS)}]"),
    "para": re.compile(re.escape(PARAGRAPH_ENDS)),
}


def occurrences(text: str, phrase: str) -> list[int]:
    """Every start of ``phrase`` in ``text``, overlapping ones included, ascending."""
    found = []
    position = text.find(phrase)
    while position >= 0:
        found.append(position)
        position = text.find(phrase, position + 1)
    return found


def at_least(text: str, phrase: str, times: int) -> bool:
    """Whether ``phrase`` occurs at least ``times`` times (non-overlapping, like ``str.count``)."""
    return text.count(phrase) >= times


def first_pair(text: str, relation: str, a: str, b: str, distance: int = 0) -> tuple[int, int] | None:
    """The (start, end) span covering the first pair of occurrences of ``a`` and ``b`` that stand in
    ``relation`` ("near", "sent" or "para"), or None when the text has no such pair."""
    if relation == "near":
        return _near_pair(text, a, b, distance)
    return _unit_pair(text, a, b, _ENDS[relation])


def holds(text: str, relation: str, a: str, b: str, distance: int = 0) -> bool:
    """Whether ``text`` has a pair of occurrences of ``a`` and ``b`` in ``relation``."""
    return first_pair(text, relation, a, b, distance) is not None


def _near_pair(text: str, a: str, b: str, distance: int) -> tuple[int, int] | None:
    starts_a = occurrences(text, a)
    if not starts_a:
        return None
    starts_b = starts_a if a == b else occurrences(text, b)
    la, lb = len(a), len(b)
    for x in starts_a:
        # Every y in [x - distance - lb, x + la + distance] has at most
        # ``distance`` characters between the two occurrences.
        for y in starts_b[bisect_left(starts_b, x - distance - lb) :]:
            if y > x + la + distance:
                break
            if a == b and y == x:
                continue
            start, end = min(x, y), max(x + la, y + lb)
            if "\n" not in text[start:end]:
                return start, end
    return None


def _unit_pair(text: str, a: str, b: str, ends: re.Pattern) -> tuple[int, int] | None:
    starts_a = occurrences(text, a)
    if not starts_a:
        return None
    starts_b = starts_a if a == b else occurrences(text, b)
    if not starts_b or (a == b and len(starts_a) < 2):
        return None
    bounds = [m.start() for m in ends.finditer(text)]
    units_a = _by_unit(starts_a, len(a), bounds)
    units_b = units_a if a == b else _by_unit(starts_b, len(b), bounds)
    for unit in sorted(units_a.keys() & units_b.keys()):
        pairs = [
            (max(x + len(a), y + len(b)) - min(x, y), min(x, y), max(x + len(a), y + len(b)))
            for x in units_a[unit]
            for y in units_b[unit]
            if a != b or x != y
        ]
        if pairs:
            _, start, end = min(pairs)
            return start, end
    return None


def _by_unit(starts: list[int], length: int, bounds: list[int]) -> dict[int, list[int]]:
    """The occurrences grouped by the unit (sentence or paragraph) holding them whole.

    The unit of a character is the number of unit ends before it, so the end
    character itself belongs to the unit it closes.
    """
    units: dict[int, list[int]] = {}
    for start in starts:
        unit = bisect_left(bounds, start)
        if unit == bisect_left(bounds, start + length - 1):
            units.setdefault(unit, []).append(start)
    return units
