"""Ranking: relevance scores and the order of a result set (relevance, newest, oldest)."""

from __future__ import annotations

import heapq
import math
from array import array
from itertools import compress, repeat
from operator import add, mul, truediv

from ..archive import Snapshot
from .evaluate import Matcher, terms_to_mark
from .parser import Atom, ParsedQuery


class Scorer:
    """Relevance: per phrase, a title bonus plus a saturated, length-normalised frequency, times rarity.

    Written as whole-list passes (``map`` over the texts) rather than a Python
    loop per document: a common phrase matches tens of thousands of documents.
    """

    TITLE_BONUS = 3.0
    K1 = 1.2

    def __init__(self, matcher: Matcher, phrases: tuple[str, ...], total_docs: int):
        self.matcher = matcher
        self.snapshot = matcher.snapshot
        self.phrases = phrases
        self.idf = {}
        for phrase in phrases:
            # The postings' estimate, not the exact count: computing that would
            # verify every candidate of a common phrase the query did not need.
            df = matcher.estimate(Atom("text", phrase))
            self.idf[phrase] = math.log(1 + total_docs / (1 + df))

    # Result sets smaller than this are scored whole; pruning would not pay.
    PRUNE_FROM = 2000

    def prune(self, docs: list[int], needed: int) -> list[int]:
        """The documents of ``docs`` that can reach the first ``needed`` places; the others are not scored.

        A title hit is worth more than any frequency (TITLE_BONUS > 1 > the
        saturated part), so a score lies between its title part and its
        title part plus the sum of the idfs.  When ``needed`` documents have
        title parts of at least t, a document whose title part plus that sum
        is below t can not be among them.  Counting frequencies is the cost
        of a common phrase; titles are few.
        """
        if len(docs) < max(needed + 1, self.PRUNE_FROM):
            return docs
        floors: dict[int, float] = {}
        for phrase in self.phrases:
            bonus = self.TITLE_BONUS * self.idf[phrase]
            for docnum in self.snapshot.docs_with_phrase_in_title(phrase):
                floors[docnum] = floors.get(docnum, 0.0) + bonus
        present = set(docs)
        best = heapq.nlargest(needed, (v for d, v in floors.items() if d in present))
        slack = sum(self.idf.values())
        if len(best) < needed or slack >= best[-1]:
            return docs
        threshold = best[-1] - slack
        return [d for d in floors if d in present and floors[d] >= threshold]

    def scores(self, docs: list[int]) -> list[float]:
        snap = self.snapshot
        norms = list(map(length_norms(snap).__getitem__, docs))
        # A result set holding much of the archive is counted over every
        # document in order (no gathering of spans), then picked from.
        everywhere = len(docs) > snap.size // 3
        if not everywhere:
            starts, ends, _ = snap.spans(docs)
        totals: list[float] | None = None
        for phrase in self.phrases:
            idf = self.idf[phrase]
            if everywhere:
                counts = list(map(self.matcher.counts_everywhere(phrase).__getitem__, docs))
            else:
                counts = snap.counts(phrase, starts, ends)
            titled = snap.docs_with_phrase_in_title(phrase)
            # (TITLE_BONUS * in_title + tf / (tf + norm)) * idf, as loops in C (operator
            # functions over maps): a common phrase is scored over most of the archive.
            part = map(truediv, counts, map(add, counts, norms))  # norms > 0, so 0 where tf = 0
            if titled:
                part = map(add, part, map(mul, map(titled.__contains__, docs), repeat(self.TITLE_BONUS)))
            part = map(mul, part, repeat(idf))
            totals = list(part) if totals is None else list(map(add, totals, part))
        return totals if totals is not None else [0.0] * len(docs)


def length_norms(snapshot: Snapshot) -> array:
    """Per document, the length part of BM25's saturation (on characters; once per snapshot)."""

    def compute() -> array:
        starts, ends, _ = snapshot.spans(range(snapshot.size))
        k1 = Scorer.K1
        return array("d", (k1 * (0.25 + 0.75 * min((e - s) / 2000, 4.0)) for s, e in zip(starts, ends)))

    return snapshot.cached("length norms", compute)


def order_results(
    snapshot: Snapshot, matcher: Matcher, parsed: ParsedQuery, docs, sort: str, needed: int
) -> list[tuple[int, float]]:
    """The first ``needed`` documents in result order, with their scores.

    Relevance: score, then newest, then index order.  Newest/oldest: date
    (a less precise date sorts before the dates it contains), undated last.
    Only the documents at or above the ``needed``-th best value are sorted
    with full keys: a common phrase matches most of the archive.
    """
    rank = snapshot.date_rank
    docs = list(docs)
    if sort == "relevance" and parsed.phrases:
        scorer = Scorer(matcher, terms_to_mark(parsed, matcher.mode), len(snapshot.live))
        docs = scorer.prune(docs, needed)
        values = scorer.scores(docs)
        scores = values
    else:
        scores = None
        ranks = list(map(rank.__getitem__, docs))
        if sort == "oldest":  # undated last
            values = [-r if r >= 0 else -_UNDATED for r in ranks]
        else:  # newest; also relevance with nothing to rank by
            values = ranks
    if needed < len(docs):
        cutoff = heapq.nlargest(needed, values)[-1]
        chosen = list(compress(range(len(docs)), map(cutoff.__le__, values)))
    else:
        chosen = range(len(docs))
    if scores is not None:
        keys = sorted((-scores[i], -rank[docs[i]], docs[i]) for i in chosen)[:needed]
        return [(n, round(-s, 4)) for s, _, n in keys]
    keys = sorted((-values[i], docs[i]) for i in chosen)[:needed]
    return [(n, 0.0) for _, n in keys]


_UNDATED = 10**9
