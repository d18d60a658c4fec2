"""Emerging terms: for one year (or month), the phrases whose frequency rose most against the periods before.

The phrases are those of ``search.analysis.phrases`` (2..8 characters, closed).  For a period ``t``
with ``N_t`` phrase characters, a phrase occurring ``f_t`` times in it and ``F`` times in all earlier
periods together (``N`` characters):

- the **expected** count, had the phrase kept its earlier rate: ``E = N_t · F / N`` (``F`` = 0 counts
  as 0.5, as in the log ratio, so a phrase never seen before has a finite expectation);
- the **burst** ``z = (f_t − E) / √E``: how many Poisson standard deviations the period's count lies
  above what the earlier rate predicts (a z-score of the period's rate against the earlier periods);
- the **log ratio** of the period's rate to the earlier rate (Hardie's, base 2, 0.5 for a zero).

A phrase is listed when it occurs ``min_freq`` times or more in the period, rose (``f_t > E``), and is
carried by at least ``min_clusters`` (2) clusters of documents in the period: one story (and its
reprints) cannot make a term emerge.  Until near-duplicate clusters exist, each document is its own
cluster (the ``clusters`` argument: one label per document; ``Engine.cluster_of`` makes them).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from search.analysis.phrases import PhraseCounts, count_phrases

SORTS = ("z", "ratio", "freq")
DEFAULT_MIN_FREQ = 5
MIN_CLUSTERS = 2
PER = 10_000


@dataclass(frozen=True)
class Term:
    phrase: str
    freq: int  # in the period
    per_10k: float
    clusters: int  # clusters (documents, until clusters exist) of the period holding it
    prior_freq: int  # in every earlier period together
    prior_per_10k: float
    expected: float
    z: float
    log_ratio: float
    first_period: str  # the earliest period (of those counted) where it occurs

    def to_json(self) -> dict:
        return {
            "phrase": self.phrase,
            "freq": self.freq,
            "per_10k": self.per_10k,
            "clusters": self.clusters,
            "prior_freq": self.prior_freq,
            "prior_per_10k": self.prior_per_10k,
            "expected": self.expected,
            "z": self.z,
            "log_ratio": self.log_ratio,
            "first_period": self.first_period,
        }


@dataclass(frozen=True)
class PeriodInfo:
    period: str
    documents: int  # matching documents of the period
    counted: int  # of them counted (a sample when capped)
    characters: int

    def to_json(self) -> dict:
        return {
            "period": self.period,
            "documents": self.documents,
            "counted": self.counted,
            "characters": self.characters,
        }


@dataclass(frozen=True)
class EmergingTerms:
    """The terms of one period."""

    period: str
    by: str
    periods: tuple[PeriodInfo, ...]  # every period counted, in order
    prior_characters: int
    min_freq: int
    terms: tuple[Term, ...]
    notes: tuple[str, ...] = field(default=())
    took_ms: float = 0.0

    def sorted(self, sort: str = "z") -> list[Term]:
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        key = {
            "z": lambda t: (-t.z, t.phrase),
            "ratio": lambda t: (-t.log_ratio, -t.z, t.phrase),
            "freq": lambda t: (-t.freq, -t.z, t.phrase),
        }[sort]
        return sorted(self.terms, key=key)

    def to_json(self, selected: Sequence[Term] | None = None) -> dict:
        return {
            "period": self.period,
            "by": self.by,
            "periods": [p.to_json() for p in self.periods],
            "prior_characters": self.prior_characters,
            "min_freq": self.min_freq,
            "notes": list(self.notes),
            "took_ms": self.took_ms,
            "terms": [t.to_json() for t in (self.terms if selected is None else selected)],
        }


@dataclass(frozen=True)
class PeriodCounts:
    """The phrases of documents spread over periods, counted once; ``terms`` picks one period."""

    by: str
    counts: PhraseCounts
    period_names: tuple[str, ...]  # in order
    doc_period: np.ndarray  # period index of each counted document
    doc_cluster: np.ndarray  # cluster code of each counted document
    matched: tuple[int, ...]  # documents matched per period
    min_freq: int
    notes: tuple[str, ...] = ()

    def info(self) -> tuple[PeriodInfo, ...]:
        sizes = np.bincount(self.doc_period, weights=self.counts.sizes, minlength=len(self.period_names))
        counted = np.bincount(self.doc_period, minlength=len(self.period_names))
        return tuple(
            PeriodInfo(p, self.matched[i], int(counted[i]), int(sizes[i])) for i, p in enumerate(self.period_names)
        )

    def terms(self, period: str, min_clusters: int = MIN_CLUSTERS) -> EmergingTerms:
        """The phrases that rose in ``period`` against every period before it; ValueError for an unknown period."""
        if period not in self.period_names:
            raise ValueError(f"no counted document is of the period {period!r}")
        t = self.period_names.index(period)
        info = self.info()
        size_t = info[t].characters
        size_prior = sum(p.characters for p in info[:t])
        found: list[Term] = []
        in_t = self.doc_period == t
        before = self.doc_period < t
        levels = self.counts.levels
        freq_t, freq_b = [], []
        for level in levels:
            width = len(level.total)
            pair_t, pair_b = in_t[level.pair_doc], before[level.pair_doc]
            freq_t.append(np.bincount(level.pair_phrase[pair_t], weights=level.pair_count[pair_t], minlength=width))
            freq_b.append(np.bincount(level.pair_phrase[pair_b], weights=level.pair_count[pair_b], minlength=width))
        # Closed in what is compared: a phrase one character longer with the same count in the period
        # and in the periods before says the same.
        absorbed = self.counts.absorbed([np.stack([ft, fb], axis=1) for ft, fb in zip(freq_t, freq_b, strict=False)])
        spread = int(self.doc_cluster.max()) + 1 if len(self.doc_cluster) else 1
        for level, ft, fb, gone in zip(levels, freq_t, freq_b, absorbed, strict=False):
            candidates = (ft >= self.min_freq) & ~gone
            if not size_prior or not candidates.any():
                continue
            expected = size_t * np.where(fb > 0, fb, 0.5) / size_prior
            candidates &= ft > expected
            if not candidates.any():
                continue
            # Clusters of the period holding each phrase: distinct (phrase, cluster) pairs.
            pair_t = in_t[level.pair_doc]
            pairs = np.unique(level.pair_phrase[pair_t] * spread + self.doc_cluster[level.pair_doc[pair_t]])
            clusters = np.bincount(pairs // spread, minlength=len(level.total))
            candidates &= clusters >= min_clusters
            first = np.full(len(level.total), len(self.period_names), dtype=np.int64)
            np.minimum.at(first, level.pair_phrase, self.doc_period[level.pair_doc])
            chosen = np.flatnonzero(candidates)
            texts = self.counts.text(level, chosen)
            for k, i in enumerate(chosen.tolist()):
                f, prior, e = float(ft[i]), float(fb[i]), float(expected[i])
                found.append(
                    Term(
                        phrase=texts[k],
                        freq=int(f),
                        per_10k=round(PER * f / size_t, 4),
                        clusters=int(clusters[i]),
                        prior_freq=int(prior),
                        prior_per_10k=round(PER * prior / size_prior, 4),
                        expected=round(e, 4),
                        z=round((f - e) / math.sqrt(e), 4),
                        log_ratio=round(math.log2((f / size_t) / ((prior or 0.5) / size_prior)), 4),
                        first_period=self.period_names[int(first[i])],
                    )
                )
        notes = list(self.notes)
        if t == 0:
            notes.append("这是最早的时期，之前没有可比的数据。")
        found.sort(key=lambda term: (-term.z, term.phrase))
        return EmergingTerms(period, self.by, info, size_prior, self.min_freq, tuple(found), tuple(notes))


def count_periods(
    texts: Sequence[str],
    periods: Sequence[str],
    clusters: Sequence[str],
    by: str = "year",
    min_freq: int = DEFAULT_MIN_FREQ,
    matched: dict[str, int] | None = None,
    notes: Sequence[str] = (),
) -> PeriodCounts:
    """Count the phrases of ``texts`` (each of the period and cluster at the same index) once, for ``terms``."""
    if min_freq < 1:
        raise ValueError("min_freq must be 1 or more")
    names = tuple(sorted(set(periods)))
    number = {p: i for i, p in enumerate(names)}
    cluster_number: dict[str, int] = {}
    doc_cluster = np.fromiter(
        (cluster_number.setdefault(c, len(cluster_number)) for c in clusters), dtype=np.int64, count=len(clusters)
    )
    doc_period = np.fromiter((number[p] for p in periods), dtype=np.int64, count=len(periods))
    counts = count_phrases(texts, min_freq)
    per_period = np.bincount(doc_period, minlength=len(names))
    matched_counts = tuple((matched or {}).get(p, int(per_period[i])) for i, p in enumerate(names))
    return PeriodCounts(by, counts, names, doc_period, doc_cluster, matched_counts, min_freq, tuple(notes))
