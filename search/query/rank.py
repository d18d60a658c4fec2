"""Ranking: relevance scores and the order of a result set (relevance, newest, oldest)."""

from __future__ import annotations

import heapq
import math
from itertools import compress

import numpy as np

from ..archive import Snapshot
from ..docsets import doc_array, doc_list
from .evaluate import Matcher, terms_to_mark
from .atoms import Atom, ParsedQuery


class Scorer:
    """Relevance: BM25 over phrase occurrences, plus a title boost.

    For each phrase ``p`` of the query and each document ``d``::

        idf(p) * (tf * (K1 + 1) / (tf + K1 * (1 - B + B * len(d) / avglen)) + TITLE_BONUS * [p in title(d)])

    ``tf``: the non-overlapping occurrences of ``p`` in ``d``'s search text;
    ``len``: its characters; ``avglen``: their mean over the snapshot's live
    documents; ``idf(p) = ln(1 + (N - df + 0.5) / (df + 0.5))`` with ``N`` the
    live documents and ``df`` those containing ``p`` (the phrase's own count,
    not a bigram's).  TITLE_BONUS > K1 + 1, the most a frequency can add, so
    a title hit outweighs any frequency (``prune`` relies on it).

    Written as whole-array passes (numpy) rather than a Python loop per
    document: a common phrase matches tens of thousands of documents.
    """

    TITLE_BONUS = 3.0
    K1 = 1.2
    B = 0.75

    def __init__(self, matcher: Matcher, phrases: tuple[str, ...], total_docs: int):
        self.matcher = matcher
        self.snapshot = matcher.snapshot
        self.phrases = phrases
        self._titles: dict[str, set[int]] = {}
        self.idf = {}
        for phrase in phrases:
            df = len(matcher.atom_docs(Atom("text", phrase)))  # memoized: the query's own atoms are free
            self.idf[phrase] = math.log(1 + (total_docs - df + 0.5) / (df + 0.5))

    # Result sets smaller than this are scored whole; pruning would not pay.
    PRUNE_FROM = 2000
    # The first batch of documents counted exactly, in order of falling bound (then twice as many each time).
    FIRST_BATCH = 64

    def prune(self, docs: list[int], needed: int) -> list[int]:
        """The documents of ``docs`` that can reach the first ``needed`` places; the others are not scored.

        A title hit is worth more than any frequency (TITLE_BONUS > K1 + 1 > the
        saturated part), so a score lies between its title part and its
        title part plus (K1 + 1) times the sum of the idfs.  When ``needed`` documents have
        title parts of at least t, a document whose title part plus that sum
        is below t can not be among them.  Counting frequencies is the cost
        of a common phrase; titles are few.
        """
        if len(docs) < max(needed + 1, self.PRUNE_FROM):
            return docs
        floors: dict[int, float] = {}
        for phrase in self.phrases:
            bonus = self.TITLE_BONUS * self.idf[phrase]
            for docnum in self._title_hits(phrase):
                floors[docnum] = floors.get(docnum, 0.0) + bonus
        present = set(docs)
        best = heapq.nlargest(needed, (v for d, v in floors.items() if d in present))
        slack = (self.K1 + 1) * sum(self.idf.values())
        if len(best) < needed or slack >= best[-1]:
            return docs
        threshold = best[-1] - slack
        return [d for d in floors if d in present and floors[d] >= threshold]

    def top(self, docs: list[int], needed: int) -> tuple[list[int], list[float]]:
        """The documents of ``docs`` that can reach the first ``needed`` places, with their exact scores.

        Every document scoring at least the ``needed``-th best score is kept
        (ties included: the order breaks them by date).  A phrase of one or
        two characters has its frequencies read from the postings, so its part
        is exact for every document at once.  A longer phrase's frequency is
        bounded by its rarest bigram's (read the same way), which bounds the
        score from above; documents are then counted exactly in order of
        falling bound, in growing batches, until no bound left reaches the
        ``needed``-th exact score found (a threshold algorithm; selections by
        ``argpartition``, no sort of the result set).  Result sets under
        PRUNE_FROM are counted whole.
        """
        docs = self.prune(docs, needed)
        at = np.asarray(docs, dtype=np.int64)
        norms = self._norms(docs, at)
        titled = [self._titled(phrase, docs, at) for phrase in self.phrases]

        def exact(chunk: np.ndarray) -> np.ndarray:
            return _total([
                self._part(phrase, self.matcher.counts(phrase, at[chunk]), norms[chunk], titled[i][chunk])
                for i, phrase in enumerate(self.phrases)
            ], len(chunk))

        everything = np.arange(len(at))
        if len(docs) < max(needed + 1, self.PRUNE_FROM) or all(len(p) <= 2 for p in self.phrases):
            return docs, exact(everything).tolist()
        upper = _total([
            self._part(phrase, self.matcher.count_bounds(phrase)[at], norms, titled[i])
            for i, phrase in enumerate(self.phrases)
        ], len(at))
        scores = np.full(len(at), -np.inf)
        counted = np.zeros(len(at), dtype=bool)
        batch = max(needed, self.FIRST_BATCH)
        chunk = _highest(upper, everything, batch)
        while len(chunk):
            scores[chunk] = exact(chunk)
            counted[chunk] = True
            kth = np.partition(scores, len(at) - needed)[len(at) - needed]  # uncounted ones are -inf
            # Only a document whose bound reaches the needed-th exact score can still be on the page.
            batch *= 2
            chunk = _highest(upper, np.flatnonzero(~counted & (upper >= kth)), batch)
        kept = np.flatnonzero(counted)
        return [docs[i] for i in kept.tolist()], scores[kept].tolist()

    def _norms(self, docs: list[int], at: np.ndarray) -> np.ndarray:
        # A few documents (a command's one query) are normalised alone; many, from the per-snapshot table.
        if len(docs) < self.PRUNE_FROM:
            return length_norms(self.snapshot, docs)
        return length_norms(self.snapshot)[at]

    def _titled(self, phrase: str, docs: list[int], at: np.ndarray) -> np.ndarray:
        """Whether each document's title holds ``phrase``."""
        snap = self.snapshot
        if len(docs) < self.PRUNE_FROM:
            return np.isin(at, snap.containing(docs, phrase, title_only=True))
        # One scan of every title beats a test per document.
        titled = self._title_hits(phrase)
        return np.isin(at, np.fromiter(titled, dtype=np.int64, count=len(titled)))

    def _title_hits(self, phrase: str) -> set[int]:
        """The documents whose title holds ``phrase`` (one scan of every title, shared by ``prune`` and ``top``)."""
        if phrase not in self._titles:
            self._titles[phrase] = self.snapshot.docs_with_phrase_in_title(phrase)
        return self._titles[phrase]

    def _part(self, phrase: str, tf: np.ndarray, norms: np.ndarray, titled: np.ndarray) -> np.ndarray:
        """``phrase``'s part of the score: (tf (K1 + 1) / (tf + norm) + TITLE_BONUS [in title]) idf."""
        tf = tf.astype(float)
        return (tf * (self.K1 + 1) / (tf + norms) + titled * self.TITLE_BONUS) * self.idf[phrase]


def _highest(values: np.ndarray, among: np.ndarray, count: int) -> np.ndarray:
    """The (at most) ``count`` positions of ``among`` with the highest ``values`` (in no order)."""
    if len(among) <= count:
        return among
    return among[np.argpartition(-values[among], count - 1)[:count]]


def _total(parts: list[np.ndarray], n: int) -> np.ndarray:
    """The parts summed in phrase order (the same order whichever documents are scored, so equal scores)."""
    total = np.zeros(n)
    for part in parts:
        total = total + part
    return total


def average_length(snapshot: Snapshot) -> float:
    """The mean search-text length (characters) of the snapshot's live documents (once per snapshot)."""

    def compute() -> float:
        live = doc_array(snapshot.live)
        return max(float(snapshot.char_lengths[live].mean()), 1.0) if len(live) else 1.0

    return snapshot.cached("average length", compute)


def length_norms(snapshot: Snapshot, docs: list[int] | None = None) -> np.ndarray:
    """BM25's length normalisation ``K1 * (1 - B + B * len / avglen)`` of ``docs`` (characters), or of every
    document (a table kept per snapshot)."""
    k1, b = Scorer.K1, Scorer.B
    if docs is not None:
        lengths = snapshot.char_lengths[np.asarray(docs, dtype=np.int64)].astype(float)
        return k1 * (1 - b + b * lengths / average_length(snapshot))
    return snapshot.cached(
        "length norms", lambda: k1 * (1 - b + b * snapshot.char_lengths.astype(float) / average_length(snapshot))
    )


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
    docs = doc_list(docs)
    if sort == "relevance" and parsed.phrases:
        scorer = Scorer(matcher, terms_to_mark(parsed, matcher.mode), len(snapshot.live))
        docs, values = scorer.top(docs, needed)
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
