"""A regex of many literal strings that the engine tries only where their first character stands."""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence


def literal_alternation(literals: Sequence[str], suffix: Callable[[str], str] = lambda literal: "") -> str:
    """The regex ``l1<s1>|l2<s2>|…`` (each literal escaped, then ``suffix(literal)``, a regex),
    written as ``a(?:bc|d|)|e(?:f)``: the literals grouped by their first character.

    It matches what the plain alternation matches, at the same places: alternatives are tried in
    the given order, and only those starting with the character at a position can match there, so
    the first that matches is the same alternative.  But the engine tests that character once per
    group instead of once per literal (hundreds of literals, a hundred-odd first characters), and a
    search skips to the positions holding a first character.
    """
    groups: dict[str, list[str]] = {}
    for literal in literals:
        if not literal:
            raise ValueError("an empty literal matches everywhere")
        groups.setdefault(literal[0], []).append(re.escape(literal[1:]) + suffix(literal))
    return "|".join(f"{re.escape(first)}(?:{'|'.join(rests)})" for first, rests in groups.items())
