"""Collocates (常见搭配): the jieba words that occur most often near a query's occurrences.

A word counts when it lies wholly within ``SPAN`` characters before or after
an occurrence (not overlapping it).  Each window is cut with some characters
to spare on both sides, so a word at its edge is cut as it is in the text.
Single characters and figures (no letter) are left out: they are mostly function words
(的, 和, 在) and figures, not collocates.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Protocol, TypeVar

from search.analysis.concordance import Occurrence
from search.text.analyzer import segmenter

D = TypeVar("D")
D_contra = TypeVar("D_contra", contravariant=True)

SPAN = 10
SPARE = 4
LIMIT = 20


@dataclass(frozen=True)
class Collocate:
    word: str
    count: int


class Texts(Protocol[D_contra]):
    """What ``collocates`` reads: a document's search text (a Snapshot's, or a sample's own)."""

    def search_text(self, doc: D_contra, /) -> str: ...


def collocates(
    snapshot: Texts[D], occurrences: Iterable[Occurrence[D]], span: int = SPAN, limit: int = LIMIT
) -> tuple[Collocate, ...]:
    """The ``limit`` most frequent words within ``span`` characters of the occurrences, with counts."""
    counts: Counter = Counter()
    cut = segmenter().tokens
    for docnum, offset, phrase in occurrences:
        text = snapshot.search_text(docnum)
        end = offset + len(phrase)
        start = max(0, offset - span - SPARE)
        position = start
        for token in cut(text[start : end + span + SPARE]):
            token_end = position + len(token)
            before = offset - span <= position and token_end <= offset
            after = end <= position and token_end <= end + span
            if (before or after) and len(token) > 1 and any(map(str.isalpha, token)):
                counts[token] += 1
            position = token_end
    ranked = sorted(counts.items(), key=lambda item: (-item[1], item[0]))[:limit]
    return tuple(Collocate(word, count) for word, count in ranked)
