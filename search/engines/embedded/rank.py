"""Ranking: relevance scores and the order of a result set (relevance, newest, oldest)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np

from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet, doc_array
from search.engines.embedded.evaluate import Matcher
from search.query.atoms import Atom, ParsedQuery
from search.query.compose import terms_to_mark


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

    def __init__(self, matcher: Matcher, phrases: tuple[str, ...], total_docs: int, visible: DocSet | None = None):
        self.matcher = matcher
        self.snapshot = matcher.snapshot
        self.phrases = phrases
        # The statistics are the asker's: over the documents they may see (``visible``; None: all),
        # so that a hit's score says nothing about the documents hidden from them.
        self.visible = visible
        self._titles: dict[str, np.ndarray] = {}
        self.idf = {}
        for phrase in phrases:
            docs = matcher.atom_docs(Atom("text", phrase))  # memoized: the query's own atoms are free
            df = len(docs if visible is None else docs & visible)
            self.idf[phrase] = math.log(1 + (total_docs - df + 0.5) / (df + 0.5))

    # Result sets smaller than this are scored whole; pruning would not pay.
    PRUNE_FROM = 2000
    # The first batch of documents counted exactly, in order of falling bound (then twice as many each time).
    FIRST_BATCH = 64

    def prune(self, at: np.ndarray, needed: int) -> np.ndarray:
        """The documents of ``at`` that can reach the first ``needed`` places; the others are not scored.

        A title hit is worth more than any frequency (TITLE_BONUS > K1 + 1 > the
        saturated part), so a score lies between its title part and its
        title part plus (K1 + 1) times the sum of the idfs.  When ``needed`` documents have
        title parts of at least t, a document whose title part plus that sum
        is below t can not be among them.  Counting frequencies is the cost
        of a common phrase; titles are few.
        """
        if len(at) < max(needed + 1, self.PRUNE_FROM):
            return at
        floors = np.zeros(len(at))
        for phrase in self.phrases:
            floors = floors + self._titled(phrase, at) * (self.TITLE_BONUS * self.idf[phrase])
        titled = floors[floors > 0]  # an idf is always above 0
        if len(titled) < needed:
            return at
        kth = np.partition(titled, len(titled) - needed)[len(titled) - needed]
        slack = (self.K1 + 1) * sum(self.idf.values())
        if slack >= kth:
            return at
        return at[floors >= kth - slack]

    def top(self, at: np.ndarray, needed: int) -> tuple[np.ndarray, np.ndarray]:
        """The documents of ``at`` (ascending) that can reach the first ``needed`` places, with their exact scores.

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
        at = self.prune(at, needed)
        norms = self._norms(at)
        titled = [self._titled(phrase, at) for phrase in self.phrases]

        def exact(chunk: np.ndarray) -> np.ndarray:
            return _total(
                [
                    self._part(phrase, self.matcher.counts(phrase, at[chunk]), norms[chunk], titled[i][chunk])
                    for i, phrase in enumerate(self.phrases)
                ],
                len(chunk),
            )

        everything = np.arange(len(at))
        if len(at) < max(needed + 1, self.PRUNE_FROM) or all(len(p) <= 2 for p in self.phrases):
            return at, exact(everything)
        upper = _total(
            [
                self._part(phrase, self.matcher.count_bounds(phrase)[at], norms, titled[i])
                for i, phrase in enumerate(self.phrases)
            ],
            len(at),
        )
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
        return at[kept], scores[kept]

    def _norms(self, at: np.ndarray) -> np.ndarray:
        # A few documents (a command's one query) are normalised alone; many, from the per-snapshot table.
        if len(at) < self.PRUNE_FROM:
            return length_norms(self.snapshot, at, self.visible)
        return length_norms(self.snapshot, visible=self.visible)[at]

    def _titled(self, phrase: str, at: np.ndarray) -> np.ndarray:
        """Whether each document's title holds ``phrase``: known from verifying it when it was, else
        searched (a few titles one by one, many by one scan of every title)."""
        known = self.matcher.in_title(phrase, at)
        if known is not None:
            return known
        if len(at) < self.PRUNE_FROM:
            return np.isin(at, self.snapshot.containing(at.tolist(), phrase, title_only=True))
        return np.isin(at, self._title_hits(phrase))

    def _title_hits(self, phrase: str) -> np.ndarray:
        """The documents whose title holds ``phrase`` (one scan of every title, shared by ``prune`` and ``top``)."""
        if phrase not in self._titles:
            hits = self.snapshot.docs_with_phrase_in_title(phrase)
            self._titles[phrase] = np.fromiter(hits, dtype=np.int64, count=len(hits))
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


def average_length(snapshot: Snapshot, visible: DocSet | None = None) -> float:
    """The mean search-text length (characters) of the snapshot's live documents (once per snapshot),
    or of the ``visible`` ones (each time: a reader's own statistics)."""

    def compute(docs: Iterable[int]) -> float:
        at = doc_array(docs)
        return max(float(snapshot.char_lengths[at].mean()), 1.0) if len(at) else 1.0

    if visible is not None:
        return compute(visible)
    return snapshot.cached("average length", lambda: compute(snapshot.live))


def length_norms(
    snapshot: Snapshot, docs: Sequence[int] | np.ndarray | None = None, visible: DocSet | None = None
) -> np.ndarray:
    """BM25's length normalisation ``K1 * (1 - B + B * len / avglen)`` of ``docs`` (characters), or of every
    document (a table kept per snapshot); the mean length is that of the ``visible`` documents when given."""
    k1, b = Scorer.K1, Scorer.B
    if docs is not None:
        lengths = snapshot.char_lengths[np.asarray(docs, dtype=np.int64)].astype(float)
        return k1 * (1 - b + b * lengths / average_length(snapshot, visible))
    if visible is not None:
        return k1 * (1 - b + b * snapshot.char_lengths.astype(float) / average_length(snapshot, visible))
    return snapshot.cached(
        "length norms", lambda: k1 * (1 - b + b * snapshot.char_lengths.astype(float) / average_length(snapshot))
    )


def order_results(
    snapshot: Snapshot,
    matcher: Matcher,
    parsed: ParsedQuery,
    docs: Iterable[int],
    sort: str,
    needed: int,
    visible: DocSet | None = None,
) -> list[tuple[int, float]]:
    """The first ``needed`` documents in result order, with their scores.

    Relevance: score, then newest, then index order.  Newest/oldest: date
    (a less precise date sorts before the dates it contains), undated last.
    Only the documents at or above the ``needed``-th best value are sorted
    with full keys (whole-array passes: a common phrase matches most of the archive).
    Relevance statistics are over the ``visible`` documents (the asker's; None: all live ones).
    """
    at = doc_array(docs)
    ranks = date_ranks(snapshot)
    if sort == "relevance" and parsed.phrases:
        scorer = Scorer(
            matcher, terms_to_mark(parsed, matcher.mode), len(snapshot.live if visible is None else visible), visible
        )
        at, scores = scorer.top(at, needed)
        chosen = _at_least_kth(scores, needed)
        at, scores = at[chosen], scores[chosen]
        order = np.lexsort((at, -ranks[at], -scores))[:needed]
        return [(n, round(s, 4)) for n, s in zip(at[order].tolist(), scores[order].tolist(), strict=True)]
    values = ranks[at]
    if sort == "oldest":  # undated last
        values = np.where(values >= 0, -values, -_UNDATED)
    chosen = _at_least_kth(values, needed)
    at, values = at[chosen], values[chosen]
    order = np.lexsort((at, -values))[:needed]
    return [(n, 0.0) for n in at[order].tolist()]


def _at_least_kth(values: np.ndarray, needed: int) -> np.ndarray:
    """The positions of ``values`` at or above the ``needed``-th largest (all, when there are no more)."""
    if needed >= len(values):
        return np.arange(len(values))
    kth = np.partition(values, len(values) - needed)[len(values) - needed]
    return np.flatnonzero(values >= kth)


def date_ranks(snapshot: Snapshot) -> np.ndarray:
    """Each document's date rank (``Snapshot.date_rank``) as one int64 array (once per snapshot)."""

    def compute() -> np.ndarray:
        column = snapshot.date_rank
        return np.asarray(column.values, dtype=np.int64)[column.codes]

    return snapshot.cached("date ranks", compute)


_UNDATED = 10**9
