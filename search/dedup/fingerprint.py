"""Fingerprints of documents for finding reprints: character shingles, MinHash signatures, LSH bands.

What is fingerprinted is a document's body as a reprint shares it: the search
text (folded) without its title line (a reprint often has its own headline),
without boilerplate lines (责任编辑, 来源, 扫一扫, 分享到, … : ``is_boilerplate``)
and without whitespace.  Its shingles are the character ``SHINGLE``-grams, each
hashed to 64 bits.

A signature is a one-permutation MinHash (Li, Owen & Zhang 2012): the 64-bit
32-bit hash space is cut into ``BINS`` bins by its top 6 bits, and a document's value in
a bin is the smallest low 26 bits of its shingles falling there; empty bins are
filled from the next non-empty bin to the right (rotation densification,
Shrivastava & Li 2014), so two documents' signatures agree in a bin with
probability their shingle sets' Jaccard.  One hash per shingle instead of one per
shingle and permutation: the whole archive is hashed in a few numpy passes
(``signatures``), which is what keeps fingerprinting a small share of indexing.

Candidate pairs are documents equal in all ``ROWS`` bins of any of the
``BANDS`` bands (LSH): at Jaccard 0.7 a pair is a candidate with probability
1 - (1 - 0.7^4)^16 = 0.988, at 0.9 with probability 1 - 1e-9.  Every candidate
is then confirmed by the exact Jaccard of the two shingle sets (``jaccard``).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import numpy as np

SHINGLE = 4
BINS = 64
ROWS = 4
BANDS = BINS // ROWS
MIN_SHINGLES = 8  # a body shorter than this (a headline-only page) is nobody's reprint
EMPTY = np.uint32(0xFFFFFFFF)
_SEPARATOR = "\x01"
_LOW = np.uint32(0x9E3779B1)
_HIGH = np.uint32(0x85EBCA77)
_MIX1 = np.uint64(0xBF58476D1CE4E5B9)
_MIX2 = np.uint64(0x94D049BB133111EB)
_PRIME = np.uint64(0x100000001B3)
_DENSIFY = np.uint32(0x9E3779B1)
_VALUE = np.uint32((1 << 26) - 1)  # a bin's value: the low 26 bits of a shingle's hash

# A boilerplate line: a page's furniture, not its story (left out of the fingerprint only; it is still searched).
BOILERPLATE_MARKS = (
    "责任编辑",
    "责编",
    "来源：",
    "来源:",
    "稿件来源",
    "信息来源",
    "文章来源",
    "扫一扫",
    "分享到",
    "分享：",
    "打印本页",
    "关闭窗口",
    "【打印】",
    "【关闭】",
    "字体：",
    "字号：",
    "浏览次数",
    "阅读次数",
    "点击数",
    "原标题",
    "编辑：",
    "编辑:",
    "审核：",
    "审核:",
    "校对：",
    "作者：",
    "记者：",
    "发布时间：",
    "发布时间:",
    "二维码",
    "微信公众号",
    "转载请注明",
    "版权所有",
    "上一篇",
    "下一篇",
    "相关新闻",
    "【字体",
)
BOILERPLATE_LINE = 60  # only a short line can be furniture: a paragraph that mentions 来源 is not
# The search text is folded (NFKC): a full-width colon is read as ":" there.
_MARKS = re.compile(
    "|".join(map(re.escape, sorted({m.replace("：", ":") for m in BOILERPLATE_MARKS} | set(BOILERPLATE_MARKS))))
)


def is_boilerplate(line: str) -> bool:
    """A short line with one of the marks of a page's furniture (责任编辑：王某, 分享到：微信 微博)."""
    line = line.strip()
    return len(line) <= BOILERPLATE_LINE and _MARKS.search(line) is not None


def body(search_text: str) -> str:
    """What is fingerprinted of a search text (title line, newline, paragraphs): the paragraphs that are
    not boilerplate, without whitespace."""
    _, _, rest = search_text.partition("\n")
    search = _MARKS.search
    kept = [line for line in rest.split("\n") if len(line) > BOILERPLATE_LINE or search(line) is None]
    return "".join("".join(kept).split())  # without whitespace (str.split: faster than a regex)


def _mix(h: np.ndarray) -> np.ndarray:
    """splitmix64's finaliser: every input bit reaches every output bit (uint64, wrapping)."""
    h = h ^ (h >> np.uint64(30))
    h = h * _MIX1
    h = h ^ (h >> np.uint64(27))
    h = h * _MIX2
    return h ^ (h >> np.uint64(31))


def shingle_hashes(bodies: Sequence[str]) -> tuple[np.ndarray, np.ndarray]:
    """Every body's shingle hashes (uint32, in text order, repeats kept) in one array, and the bounds
    of each body's slice (``bounds[i]:bounds[i + 1]``).

    A shingle of ``SHINGLE`` = 4 characters is exactly 64 bits of UTF-16: two 32-bit words, read in
    place (the words at even positions from the text's start, those at odd positions from its second
    unit); each pair is hashed in 32-bit arithmetic (two odd multipliers, murmur3's finaliser).
    """
    bodies = [b.replace(_SEPARATOR, "") for b in bodies]
    units = [len(b.encode("utf-16-le")) // 2 for b in bodies]  # a character outside the BMP is two
    joined = (_SEPARATOR.join(bodies) + _SEPARATOR * SHINGLE).encode("utf-16-le")
    lengths = np.fromiter(units, dtype=np.int64, count=len(bodies))
    starts = np.concatenate([[0], np.cumsum(lengths + 1)[:-1]]) if len(bodies) else np.zeros(0, np.int64)
    count = np.maximum(lengths - SHINGLE + 1, 0)
    n = len(joined) // 2 - SHINGLE + 1
    if n <= 0 or not count.any():
        return np.zeros(0, np.uint32), np.zeros(len(bodies) + 1, np.int64)
    h = np.empty(n, dtype=np.uint32)
    for parity in (0, 1):
        words = np.frombuffer(joined, dtype=np.uint32, count=(len(joined) - 2 * parity) // 4, offset=2 * parity)
        taken = len(h[parity::2])
        low, high = words[:taken], words[1 : taken + 1]
        mixed = low * _LOW
        mixed ^= high * _HIGH
        h[parity::2] = mixed
    h ^= h >> np.uint32(16)
    h *= np.uint32(0x85EBCA6B)
    h ^= h >> np.uint32(13)
    h *= np.uint32(0xC2B2AE35)
    h ^= h >> np.uint32(16)
    # Keep the windows that lie inside one body: the first count[i] windows from each body's start.
    keep = np.zeros(n + 1, dtype=np.int8)
    np.add.at(keep, starts[count > 0], 1)
    np.add.at(keep, (starts + count)[count > 0], -1)
    inside = np.cumsum(keep[:n], dtype=np.int8).view(bool)
    bounds = np.concatenate([[0], np.cumsum(count)])
    return h[inside], bounds


def signatures(hashes: np.ndarray, bounds: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(signatures (documents x BINS, uint32), whether each document has one: MIN_SHINGLES or more)."""
    documents = len(bounds) - 1
    counts = np.diff(bounds)
    # Each shingle's (document, bin) cell: the document's first cell plus the hash's top 6 bits (BINS = 64).
    cell = np.repeat(np.arange(documents, dtype=np.int64) * BINS, counts)
    cell += hashes >> np.uint32(32 - 6)
    sig = np.full(documents * BINS, EMPTY, dtype=np.uint32)
    np.minimum.at(sig, cell, hashes & _VALUE)
    sig = sig.reshape(documents, BINS)
    has = counts >= MIN_SHINGLES
    _densify(sig, has)
    return sig, has


def _densify(sig: np.ndarray, has: np.ndarray) -> None:
    """Fill each empty bin from the nearest non-empty bin to its right (circular), offset by the distance
    (in whole-array passes: the index of the next non-empty bin is a running minimum from the right)."""
    rows = np.flatnonzero(has & (sig == EMPTY).any(axis=1))
    if not len(rows):
        return
    part = sig[rows]
    doubled = np.concatenate([part, part], axis=1)
    at = np.where(doubled != EMPTY, np.arange(2 * BINS), 2 * BINS)
    nearest = np.minimum.accumulate(at[:, ::-1], axis=1)[:, ::-1][:, :BINS]
    distance = (nearest - np.arange(BINS)).astype(np.uint32)
    source = np.take_along_axis(doubled, np.minimum(nearest, 2 * BINS - 1), axis=1)
    filled = (source + _DENSIFY * distance) & _VALUE
    sig[rows] = np.where(part == EMPTY, filled, part)


def band_keys(sig: np.ndarray) -> np.ndarray:
    """Each document's key in each band (documents x BANDS, uint64): equal keys, equal rows (or a
    64-bit collision, which the Jaccard then refuses)."""
    grouped = sig.reshape(len(sig), BANDS, ROWS).astype(np.uint64)
    key = np.zeros(grouped.shape[:2], dtype=np.uint64)
    for row in range(ROWS):
        key = _mix(key * _PRIME + grouped[:, :, row])
    return key


def candidate_pairs(
    keys: np.ndarray, eligible: np.ndarray, new: np.ndarray | None = None, group_limit: int = 32
) -> np.ndarray:
    """Pairs (i < j) of eligible documents that share a band key; with ``new``, only pairs with a new document.

    A group of equal keys pairs all its members when it has at most ``group_limit``; a bigger one
    (many exact copies) pairs each member with the first and with the next, enough to join them.
    """
    docs = np.flatnonzero(eligible)
    found = []
    for band in range(keys.shape[1]):
        k = keys[docs, band]
        order = np.argsort(k, kind="stable")
        sorted_keys, members = k[order], docs[order]
        edges = np.flatnonzero(np.diff(sorted_keys) != 0) + 1
        starts = np.concatenate([[0], edges])
        ends = np.concatenate([edges, [len(sorted_keys)]])
        sizes = ends - starts
        two = starts[sizes == 2]  # most groups are a pair: taken at once
        found.append(np.stack([members[two], members[two + 1]], axis=1))
        for start, end in zip(starts[sizes > 2].tolist(), ends[sizes > 2].tolist(), strict=False):
            group = members[start:end]
            if len(group) <= group_limit:
                a, b = np.triu_indices(len(group), 1)
                found.append(np.stack([group[a], group[b]], axis=1))
            else:
                found.append(np.stack([np.repeat(group[0], len(group) - 1), group[1:]], axis=1))
                found.append(np.stack([group[:-1], group[1:]], axis=1))
    if not found:
        return np.zeros((0, 2), dtype=np.int64)
    pairs = np.sort(np.concatenate(found), axis=1)
    pairs = np.unique(pairs, axis=0)
    pairs = pairs[pairs[:, 0] != pairs[:, 1]]
    if new is not None:
        pairs = pairs[new[pairs[:, 0]] | new[pairs[:, 1]]]
    return pairs


def estimated_jaccard(sig: np.ndarray, one: int, others: np.ndarray | None = None) -> np.ndarray:
    """The share of bins in which ``one``'s signature equals each other's: an estimate of their Jaccard."""
    rows = sig if others is None else sig[others]
    return (rows == sig[one]).mean(axis=1)


def shingle_set(search_text: str) -> np.ndarray:
    """The sorted distinct shingle hashes of one document's fingerprinted body."""
    hashes, _ = shingle_hashes([body(search_text)])
    return np.unique(hashes)


def jaccard(a: np.ndarray, b: np.ndarray) -> float:
    """|a ∩ b| / |a ∪ b| of two sorted distinct hash arrays (0 when both are empty)."""
    if not len(a) and not len(b):
        return 0.0
    common = len(np.intersect1d(a, b, assume_unique=True))
    return common / (len(a) + len(b) - common)
