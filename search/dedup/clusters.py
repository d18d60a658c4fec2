"""Reprint clusters of one generation: which documents are copies of which, and each cluster's canonical copy.

Two documents are joined when the exact Jaccard of their shingle sets
(``fingerprint``) is at least ``REPRINT`` (0.9): a reprint; or at least
``EDITED`` (0.7) when the smaller one is mostly contained in the other (a
paragraph cut, a sentence rewritten; ``CONTAINED``, ``EDITED_FROM``): an edited copy.  A cluster is a
connected group of joined documents; a document
joined to none is a cluster of one.

The canonical copy of a cluster is its earliest dated document, then the most
official one (an organ's own document, with a 文号 or a 文种 other than 新闻, over
news, over a page of neither: a reprint site), then the first by file and item.

The table of a generation is built from the previous generation's
(``build``): a document whose file and item are unchanged keeps its signature
and its confirmed pairs; only new and changed documents are read,
fingerprinted and compared with all the others.  So adding, changing and
removing files costs what those files cost, and a removed canonical copy hands
its cluster to the next in line.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.dedup import fingerprint as fp

REPRINT = 0.9
EDITED = 0.7
# An edited copy (0.7 <= Jaccard < 0.9) is joined only when it is mostly a cut: the smaller of the two
# has at least CONTAINED of its shingles in the other, and at least EDITED_FROM shingles.  The real
# news has daily bulletins and announcements written from one template (疫情通报, 单行本出版, 本台明天
# 将直播…) at Jaccard 0.70-0.85 whose differences are substitutions, not cuts: they are not copies.
CONTAINED = 0.9
EDITED_FROM = 200
PREFILTER = 0.45  # candidates whose signatures agree in fewer bins are not worth an exact Jaccard
CHUNK = 4096  # new documents fingerprinted together (a few MB of arrays at a time)
VERSION = 4  # of the fingerprint and the joining rule: a table of another version is not reused
NEWS_TYPES = ("新闻",)


@dataclass
class ClusterTable:
    """Per document number of one generation (deleted documents: key "", canonical -1)."""

    keys: list[str]  # the file's key and state and the item: unchanged document, unchanged key
    signatures: np.ndarray  # (documents, BINS) uint32
    fingerprinted: np.ndarray  # bool: the body was long enough for a signature
    canonical: np.ndarray  # int64: the docnum of its cluster's canonical copy
    preference: np.ndarray  # int64: its place in the canonical order (lower first)
    edges: np.ndarray  # (E, 2) int64 docnums, first < second: the confirmed pairs
    similarity: np.ndarray  # (E,) float64: their Jaccard
    version: int = VERSION

    @property
    def size(self) -> int:
        return len(self.keys)

    def members(self, docnum: int) -> np.ndarray:
        """The documents of ``docnum``'s cluster (itself included), ascending."""
        root = self.canonical[docnum]
        if root < 0:
            return np.zeros(0, dtype=np.int64)
        return np.flatnonzero(self.canonical == root)

    def pairs_of(self, docnum: int) -> list[tuple[int, float]]:
        """(other docnum, Jaccard) of every confirmed pair ``docnum`` is in, most similar first."""
        edges = self.edges
        mine = (edges[:, 0] == docnum) | (edges[:, 1] == docnum)
        others = np.where(edges[mine, 0] == docnum, edges[mine, 1], edges[mine, 0])
        return sorted(zip(others.tolist(), self.similarity[mine].tolist(), strict=False), key=lambda p: (-p[1], p[0]))

    @property
    def reprint_count(self) -> int:
        """Documents that are not their cluster's canonical copy."""
        live = self.canonical >= 0
        return int(np.count_nonzero(live & (self.canonical != np.arange(self.size))))


def document_keys(snapshot) -> list[str]:
    """Each document's file key and state and its place among the file's documents ("" when deleted).

    A file's documents are consecutive numbers (written together, merged in order)."""
    codes = snapshot.file_sig.codes
    live = _live(snapshot)
    size = len(codes)
    if not size:
        return []
    starts = np.flatnonzero(np.concatenate([[True], codes[1:] != codes[:-1]]))
    run_start = np.repeat(starts, np.diff(np.concatenate([starts, [size]])))
    rank = np.arange(size) - run_start
    values = snapshot.file_sig.values
    return [
        f"{values[c]}\x00{r}" if ok else ""
        for c, r, ok in zip(codes.tolist(), rank.tolist(), live.tolist(), strict=False)
    ]


def _live(snapshot) -> np.ndarray:
    mask = np.zeros(snapshot.size, dtype=bool)
    mask[np.asarray(list(snapshot.live), dtype=np.int64)] = True
    return mask


def preference_order(snapshot, keys: list[str]) -> np.ndarray:
    """Each document's place in the canonical order: earliest date, most official, then file and item."""
    rank = snapshot.date_rank
    dated = np.asarray([r if r >= 0 else UNDATED for r in rank.values], dtype=np.int64)[rank.codes]
    official = np.asarray([_officialness(t) for t in snapshot.doc_type.values], dtype=np.int64)[snapshot.doc_type.codes]
    numbered = np.asarray([bool(v) for v in snapshot.doc_number.values], dtype=bool)[snapshot.doc_number.codes]
    official = np.where(numbered, 0, official)
    files = [(k.partition("\t")[0], int(k.rpartition("\x00")[2])) if k else ("", 0) for k in keys]
    return places(dated, official, files)


UNDATED = 99_999_999


def places(dated: np.ndarray, official: np.ndarray, files: list[tuple[str, int]]) -> np.ndarray:
    """The canonical order's places from each document's date rank (UNDATED last), officialness (0 first)
    and (file key, item): both engines order alike."""
    size = len(files)
    by_file = np.empty(size, dtype=np.int64)
    by_file[sorted(range(size), key=files.__getitem__)] = np.arange(size)
    order = np.lexsort((by_file, official, dated))
    place = np.empty(size, dtype=np.int64)
    place[order] = np.arange(size)
    return place


def officialness(doc_type: str | None, doc_number: str | None) -> int:
    """0 an organ's own document (a 文号, or a 文种 other than 新闻), 1 news, 2 neither (a reprint site's page)."""
    return 0 if doc_number else _officialness(doc_type)


def _officialness(doc_type: str | None) -> int:
    """0 an organ's own document, 1 news, 2 neither (a page of a reprint site)."""
    if not doc_type:
        return 2
    return 1 if doc_type in NEWS_TYPES else 0


def build(snapshot, previous: ClusterTable | None = None) -> ClusterTable:
    """The table of ``snapshot``'s generation, reusing ``previous`` (an earlier generation's) where it can."""
    keys = document_keys(snapshot)
    preference = preference_order(snapshot, keys) if keys else np.zeros(0, dtype=np.int64)
    return build_from(keys, snapshot.search_text, preference, previous)


def build_from(
    keys: list[str], text_of, preference: np.ndarray, previous: ClusterTable | None = None, prefetch=None
) -> ClusterTable:
    """The table of documents known by ``keys`` ("" for a deleted one), ``text_of(n)`` their search
    texts, ``preference`` their canonical order; ``prefetch(numbers)`` (optional) is told which texts
    will be read next, so that a remote engine fetches them in one request."""
    size = len(keys)
    live = np.asarray([bool(k) for k in keys], dtype=bool)
    reuse = _reused(keys, previous)
    new = live & (reuse < 0)
    old = np.flatnonzero(reuse >= 0)
    signatures = np.full((size, fp.BINS), fp.EMPTY, dtype=np.uint32)
    fingerprinted = np.zeros(size, dtype=bool)
    if len(old):
        signatures[old] = previous.signatures[reuse[old]]
        fingerprinted[old] = previous.fingerprinted[reuse[old]]
    shingles = _Fingerprints(np.flatnonzero(new), text_of, prefetch)
    shingles.sign(signatures, fingerprinted)
    edges, similarity = _carried_edges(previous, reuse, size) if len(old) else (np.zeros((0, 2), np.int64), np.zeros(0))
    pairs = fp.candidate_pairs(fp.band_keys(signatures), fingerprinted & live, new=new if len(old) else None)
    if len(pairs):
        agree = (signatures[pairs[:, 0]] == signatures[pairs[:, 1]]).mean(axis=1)
        pairs = pairs[agree >= PREFILTER]
        found, keep = shingles.confirm(pairs)
        edges, similarity = np.concatenate([edges, pairs[keep]]), np.concatenate([similarity, found[keep]])
    canonical = _canonical(size, live, edges, preference)
    return ClusterTable(
        keys, signatures, fingerprinted, canonical, preference, edges.astype(np.int64), similarity.astype(np.float64)
    )


def _reused(keys: list[str], previous: ClusterTable | None) -> np.ndarray:
    """Each document's number in ``previous`` when it is there unchanged (same key), else -1."""
    if previous is None or previous.version != VERSION:
        return np.full(len(keys), -1, dtype=np.int64)
    known = {k: i for i, k in enumerate(previous.keys) if k}
    return np.fromiter((known.get(k, -1) if k else -1 for k in keys), dtype=np.int64, count=len(keys))


class _Fingerprints:
    """The new documents' shingles and signatures, made CHUNK documents at a time (a few MB of arrays),
    and the exact Jaccard of candidate pairs (an old document's shingles made again from its text)."""

    def __init__(self, fresh: np.ndarray, text_of, prefetch):
        self.fresh, self.text_of, self.prefetch = fresh, text_of, prefetch
        self.chunks: list[tuple[np.ndarray, np.ndarray]] = []
        self.sets: dict[int, np.ndarray] = {}

    def sign(self, signatures: np.ndarray, fingerprinted: np.ndarray) -> None:
        for start in range(0, len(self.fresh), CHUNK):
            part = self.fresh[start : start + CHUNK]
            if self.prefetch is not None:
                self.prefetch(part.tolist())
            hashes, bounds = fp.shingle_hashes([fp.body(self.text_of(n)) for n in part.tolist()])
            signatures[part], fingerprinted[part] = fp.signatures(hashes, bounds)
            self.chunks.append((hashes, bounds))

    def shingle_set(self, n: int) -> np.ndarray:
        if n not in self.sets:
            at = int(np.searchsorted(self.fresh, n))
            if at < len(self.fresh) and self.fresh[at] == n:
                chunk, i = divmod(at, CHUNK)
                hashes, bounds = self.chunks[chunk]
                self.sets[n] = np.unique(hashes[bounds[i] : bounds[i + 1]])
            else:
                self.sets[n] = fp.shingle_set(self.text_of(n))
        return self.sets[n]

    def confirm(self, pairs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """(Jaccard, whether joined) of each candidate pair."""
        if self.prefetch is not None:
            self.prefetch(sorted(set(pairs.ravel().tolist()) - set(self.fresh.tolist())))
        measured = [joined(self.shingle_set(a), self.shingle_set(b)) for a, b in pairs.tolist()]
        return (
            np.asarray([m[0] for m in measured], dtype=np.float64),
            np.asarray([m[1] for m in measured], dtype=bool),
        )


def joined(a: np.ndarray, b: np.ndarray) -> tuple[float, bool]:
    """(Jaccard of two shingle sets, whether they are copies: a reprint, or an edited copy that is mostly a cut)."""
    common = len(np.intersect1d(a, b, assume_unique=True))
    union = len(a) + len(b) - common
    similarity = common / union if union else 0.0
    smaller = min(len(a), len(b))
    edited = similarity >= EDITED and smaller >= EDITED_FROM and common >= CONTAINED * smaller
    return similarity, bool(similarity >= REPRINT or edited)


def _carried_edges(previous: ClusterTable, reuse: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """The previous generation's confirmed pairs whose two documents are both still unchanged, renumbered."""
    now = np.full(previous.size, -1, dtype=np.int64)
    at = np.flatnonzero(reuse >= 0)
    now[reuse[at]] = at
    if not len(previous.edges):
        return np.zeros((0, 2), np.int64), np.zeros(0)
    mapped = now[previous.edges]
    kept = (mapped >= 0).all(axis=1)
    return np.sort(mapped[kept], axis=1), previous.similarity[kept]


def _canonical(size: int, live: np.ndarray, edges: np.ndarray, preference: np.ndarray) -> np.ndarray:
    """Each live document's cluster (connected by ``edges``) named by its most preferred member."""
    parent = list(range(size))

    def root(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges.tolist():
        ra, rb = root(a), root(b)
        if ra != rb:
            # The more preferred root stays the root: the root ends as the canonical copy.
            if preference[rb] < preference[ra]:
                ra, rb = rb, ra
            parent[rb] = ra
    canonical = np.asarray([root(x) for x in range(size)], dtype=np.int64)
    return np.where(live, canonical, -1)
