"""Keyness: which phrases one set of documents (side A) uses more, or less, than another (side B).

For every phrase of 2..8 characters (``search.analysis.phrases``) occurring at least ``min_freq``
times on both sides together, on each side: its frequency, its frequency per 10,000 characters, the
documents holding it, and its dispersion (Gries' DP: 0 when the phrase is spread over the side's
documents as their sizes are, towards 1 when a single small document holds it); then

- **log-likelihood** (Dunning's G², as Rayson's calculator computes it): with ``a``, ``b`` the
  phrase's frequencies and ``c``, ``d`` the sides' sizes (phrase characters),
  ``E1 = c (a + b) / (c + d)``, ``E2 = d (a + b) / (c + d)``,
  ``LL = 2 (a ln(a / E1) + b ln(b / E2))`` (a zero frequency's term is 0).
  3.84, 6.63, 10.83 and 15.13 are the critical values for p < 0.05, 0.01, 0.001 and 0.0001.
- **log ratio** (Hardie's, base 2): ``log2((a / c) / (b / d))``; a zero frequency counts 0.5 (only
  the zero one), so a phrase one side never uses gets a finite ratio.  +1 is twice as frequent in A.

One document cannot make a phrase key: the phrase is *concentrated* on the side that uses it more
when the document holding most of its occurrences there holds a share of them more than
``CONCENTRATED`` (0.5) above its share of that side's characters (a phrase in one story of a
thousand; but not the one long report of a side that also holds a short resolution).  Concentrated
phrases are left out unless asked for (``with_concentrated``), and marked.

The input is texts: the engines fetch the two sides' documents (``Engine.compare``); the numbers do
not depend on the engine.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from search.analysis.phrases import PhraseCounts, count_phrases

SORTS = ("ll", "ratio", "freq")
SIDES = ("a", "b", "all")
CONCENTRATED = 0.5
PER = 10_000
DEFAULT_MIN_FREQ = 5
MIN_LL_CHOICES = (0.0, 3.84, 6.63, 10.83, 15.13)
DEFAULT_MIN_LL = 3.84


@dataclass(frozen=True)
class SideStats:
    freq: int
    per_10k: float
    docs: int
    dp: float | None  # None where the side never uses the phrase
    top_share: float  # the share of the phrase's occurrences held by the document holding most of them

    def to_json(self) -> dict:
        return {
            "freq": self.freq,
            "per_10k": self.per_10k,
            "docs": self.docs,
            "dp": self.dp,
            "top_share": self.top_share,
        }


@dataclass(frozen=True)
class KeyPhrase:
    phrase: str
    a: SideStats
    b: SideStats
    ll: float
    log_ratio: float
    concentrated: bool

    @property
    def side(self) -> str:
        """The side that uses the phrase more (relative to its size): "a" or "b"."""
        return "a" if self.log_ratio > 0 else "b"

    def to_json(self) -> dict:
        return {
            "phrase": self.phrase,
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "ll": self.ll,
            "log_ratio": self.log_ratio,
            "more_in": self.side,
            "concentrated": self.concentrated,
        }


@dataclass(frozen=True)
class SideInfo:
    """What a side holds: its matching documents, how many were counted (a sample when capped), its size."""

    label: str
    documents: int  # the documents the side's filters match (that the reader may see)
    counted: int  # the documents counted (all, unless the side was capped)
    characters: int  # phrase characters of the counted documents

    @property
    def sampled(self) -> bool:
        return self.counted < self.documents

    def to_json(self) -> dict:
        return {
            "label": self.label,
            "documents": self.documents,
            "counted": self.counted,
            "characters": self.characters,
            "sampled": self.sampled,
        }


@dataclass(frozen=True)
class Table:
    """Every phrase that passed (closed ones), as columns: a page makes ``KeyPhrase`` rows of its own only."""

    phrase: tuple[str, ...]
    freq: np.ndarray  # (phrases, 2): A, B
    docs: np.ndarray
    dp: np.ndarray
    top_share: np.ndarray
    ll: np.ndarray
    log_ratio: np.ndarray
    concentrated: np.ndarray

    def __len__(self) -> int:
        return len(self.phrase)


@dataclass(frozen=True)
class Keyness:
    a: SideInfo
    b: SideInfo
    min_freq: int
    table: Table
    took_ms: float = 0.0
    notes: tuple[str, ...] = field(default=())
    side_notes: tuple[tuple[str, str], ...] = field(default=())  # ("A" or "B", how its query was read)

    def select(
        self, side: str = "a", sort: str = "ll", min_ll: float = DEFAULT_MIN_LL, with_concentrated: bool = False
    ) -> np.ndarray:
        """The rows of the phrases over-used on ``side`` ("a", "b", or "all"), LL at least ``min_ll``,
        in ``sort`` order (ties: the higher LL, then the phrase)."""
        if side not in SIDES:
            raise ValueError(f"side must be one of {', '.join(SIDES)}, not {side!r}")
        if sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}, not {sort!r}")
        t = self.table
        if not len(t):
            return np.zeros(0, dtype=np.int64)
        keep = t.ll >= min_ll
        if side != "all":
            keep &= (t.log_ratio > 0) if side == "a" else (t.log_ratio <= 0)
        if not with_concentrated:
            keep &= ~t.concentrated
        rows = np.flatnonzero(keep)
        if sort == "ll":
            first = -t.ll[rows]
        elif sort == "ratio":
            ratio = t.log_ratio[rows]
            first = -np.abs(ratio) if side == "all" else (-ratio if side == "a" else ratio)
        else:
            freq = t.freq[rows]
            first = -(freq[:, 0] if side == "a" else freq[:, 1] if side == "b" else freq.sum(axis=1))
        names = np.array([t.phrase[i] for i in rows.tolist()], dtype=object)
        order = np.lexsort((names, -t.ll[rows], first)) if len(rows) else rows
        return rows[order]

    def rows(self, rows) -> list[KeyPhrase]:
        t, c, d = self.table, self.a.characters, self.b.characters
        return [
            KeyPhrase(
                phrase=t.phrase[i],
                a=_side(t, i, 0, c),
                b=_side(t, i, 1, d),
                ll=round(float(t.ll[i]), 6),
                log_ratio=round(float(t.log_ratio[i]), 6),
                concentrated=bool(t.concentrated[i]),
            )
            for i in np.asarray(rows, dtype=np.int64).tolist()
        ]

    def to_json(self, rows) -> dict:
        return {
            "a": self.a.to_json(),
            "b": self.b.to_json(),
            "min_freq": self.min_freq,
            "took_ms": self.took_ms,
            "notes": list(self.notes),
            "side_notes": [{"side": side, "note": note} for side, note in self.side_notes],
            "phrases": [p.to_json() for p in self.rows(rows)],
        }


def log_likelihood(a: float, b: float, c: float, d: float) -> float:
    """Dunning's G² of frequencies ``a``, ``b`` in corpora of sizes ``c``, ``d`` (Rayson's calculator)."""
    e1 = c * (a + b) / (c + d)
    e2 = d * (a + b) / (c + d)
    return 2 * ((a * math.log(a / e1) if a else 0.0) + (b * math.log(b / e2) if b else 0.0))


def log_ratio(a: float, b: float, c: float, d: float) -> float:
    """Hardie's log ratio (base 2), a zero frequency counted as 0.5."""
    return math.log2(((a or 0.5) / c) / ((b or 0.5) / d))


def _ll_vector(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    total = a + b
    e1, e2 = c * total / (c + d), d * total / (c + d)
    with np.errstate(divide="ignore", invalid="ignore"):
        left = np.where(a > 0, a * np.log(np.where(a > 0, a, 1) / e1), 0.0)
        right = np.where(b > 0, b * np.log(np.where(b > 0, b, 1) / e2), 0.0)
    return 2 * (left + right)


def _ratio_vector(a: np.ndarray, b: np.ndarray, c: float, d: float) -> np.ndarray:
    return np.log2((np.where(a > 0, a, 0.5) / c) / (np.where(b > 0, b, 0.5) / d))


@dataclass(frozen=True)
class Dispersion:
    """Per phrase of a level, on one group of documents: frequency, documents, DP, top share, concentration."""

    freq: np.ndarray
    docs: np.ndarray
    dp: np.ndarray
    top_share: np.ndarray
    excess: np.ndarray  # the largest (share of occurrences - share of characters) of one document


def dispersion(counts: PhraseCounts, level, in_group: np.ndarray) -> Dispersion:
    """The statistics of ``level``'s phrases over the documents where ``in_group`` is True."""
    width = len(level.total)
    keep = in_group[level.pair_doc]
    phrase, doc, count = level.pair_phrase[keep], level.pair_doc[keep], level.pair_count[keep].astype(np.float64)
    size = float(counts.sizes[in_group].sum()) or 1.0
    share_of_size = counts.sizes[doc] / size
    freq = np.bincount(phrase, weights=count, minlength=width)
    docs = np.bincount(phrase, minlength=width)
    with np.errstate(divide="ignore", invalid="ignore"):
        share = count / freq[phrase]
    gap = np.bincount(phrase, weights=np.abs(share - share_of_size), minlength=width)
    covered = np.bincount(phrase, weights=share_of_size, minlength=width)
    dp = np.where(freq > 0, 0.5 * (gap + (1.0 - covered)), 0.0)
    top = np.zeros(width)
    np.maximum.at(top, phrase, share)
    excess = np.full(width, -np.inf)
    np.maximum.at(excess, phrase, share - share_of_size)
    return Dispersion(freq.astype(np.int64), docs.astype(np.int64), np.clip(dp, 0.0, 1.0), top, excess)


def keyness(
    texts_a: Sequence[str],
    texts_b: Sequence[str],
    min_freq: int = DEFAULT_MIN_FREQ,
    labels: tuple[str, str] = ("A", "B"),
    documents: tuple[int, int] | None = None,
    notes: Sequence[str] = (),
) -> Keyness:
    """Compare the phrases of ``texts_a`` with those of ``texts_b`` (each a document's search text).

    ``documents``: how many documents each side matched, when the texts are a sample of them.
    """
    if min_freq < 1:
        raise ValueError("min_freq must be 1 or more")
    counts = count_phrases([*texts_a, *texts_b], min_freq)
    in_a = np.zeros(len(texts_a) + len(texts_b), dtype=bool)
    in_a[: len(texts_a)] = True
    c = int(counts.sizes[in_a].sum())
    d = int(counts.sizes[~in_a].sum())
    absorbed = counts.absorbed([level.total for level in counts.levels])
    columns: dict[str, list] = {name: [] for name in ("phrase", "freq", "docs", "dp", "top", "ll", "ratio", "conc")}
    for level, gone in zip(counts.levels, absorbed, strict=False):
        keep = np.flatnonzero(~gone)
        if not len(keep):
            continue
        side_a, side_b = dispersion(counts, level, in_a), dispersion(counts, level, ~in_a)
        a, b = side_a.freq[keep].astype(np.float64), side_b.freq[keep].astype(np.float64)
        ll = _ll_vector(a, b, c, d) if c and d else np.zeros(len(keep))
        ratio = _ratio_vector(a, b, max(c, 1), max(d, 1))
        columns["phrase"] += counts.text(level, keep)
        columns["freq"].append(np.stack([a, b], axis=1).astype(np.int64))
        columns["docs"].append(np.stack([side_a.docs[keep], side_b.docs[keep]], axis=1))
        columns["dp"].append(np.stack([side_a.dp[keep], side_b.dp[keep]], axis=1))
        columns["top"].append(np.stack([side_a.top_share[keep], side_b.top_share[keep]], axis=1))
        columns["ll"].append(ll)
        columns["ratio"].append(ratio)
        columns["conc"].append(np.where(ratio > 0, side_a.excess[keep], side_b.excess[keep]) > CONCENTRATED)

    def joined(name, shape=(0,), dtype=np.float64):
        return np.concatenate(columns[name]) if columns[name] else np.zeros(shape, dtype=dtype)

    table = Table(
        tuple(columns["phrase"]),
        joined("freq", (0, 2), np.int64),
        joined("docs", (0, 2), np.int64),
        joined("dp", (0, 2)),
        joined("top", (0, 2)),
        joined("ll"),
        joined("ratio"),
        joined("conc", dtype=bool),
    )
    matched = documents or (len(texts_a), len(texts_b))
    return Keyness(
        SideInfo(labels[0], matched[0], len(texts_a), c),
        SideInfo(labels[1], matched[1], len(texts_b), d),
        min_freq,
        table,
        notes=tuple(notes),
    )


def _side(table: Table, i: int, side: int, size: int) -> SideStats:
    freq = int(table.freq[i, side])
    return SideStats(
        freq=freq,
        per_10k=round(PER * freq / size, 4) if size else 0.0,
        docs=int(table.docs[i, side]),
        dp=round(float(table.dp[i, side]), 4) if freq else None,
        top_share=round(float(table.top_share[i, side]), 4),
    )
