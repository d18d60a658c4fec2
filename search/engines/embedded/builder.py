"""Writing a segment's grams files: postings gathered a document at a time, grouped by key once per part.

A document arrives as whole arrays (its keys and their counts, from
``gram_counts`` in a worker process), and the builder keeps those arrays as they
are: adding a document costs the parent process a few list appends, not one
append per posting.  Writing a part concatenates them and groups them by key
with one sort of packed integers (``_packed_sort``; each key's documents stay
ascending), which numpy does without holding the GIL.  Held postings cost 12
bytes each (an 8-byte key and a 4-byte count), and writing a part needs about
28 more per posting for a moment (measured: 490 MB for a 41 MB part of news),
so a part's memory is bounded by ``flush_bytes`` of text (about 0.4 postings a
byte of Chinese UTF-8).
"""

from __future__ import annotations

import contextlib
import copy
import os
import zlib
from array import array
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from pathlib import Path
from typing import BinaryIO

import numpy as np

from search.engines.embedded.gramstore import (
    CHAR,
    HEADER,
    MAGIC,
    NEWLINE,
    SHIFT,
    TF_OVERFLOW,
    GramSegment,
    fsync_folder,
    little_endian,
    pad,
    part_path,
    postings_dtype,
)

FLUSH_BYTES = 48 * 1024 * 1024
# Writes the parts of a segment but its last, one at a time, while the next part is gathered.
_PART_WRITER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="grams-part")


class GramSegmentBuilder:
    """Collects the postings and search texts of one new segment, in document order, written in parts."""

    def __init__(self, flush_bytes: int | None = None) -> None:
        self.flush_bytes = FLUSH_BYTES if flush_bytes is None else flush_bytes
        self._base = 0  # documents in the parts written so far
        self._parts = 0
        self._writing: Future | None = None
        self._reset()

    def _reset(self) -> None:
        # Chunks of postings in document order: keys, counts, and the part-local document number
        # (an int for a chunk that is one document's keys, an array for a merged part's).
        self._keys: list[np.ndarray] = []
        self._tfs: list[np.ndarray] = []
        self._docs: list[int | np.ndarray] = []
        self._texts: list[bytes] = []
        self._char_lengths = array("I")
        self._title_bytes = array("I")
        self._pending = 0

    @property
    def doc_count(self) -> int:
        """The documents added so far, in the parts written and the one being built."""
        return self._base + len(self._texts)

    @property
    def full(self) -> bool:
        """Whether the texts held reach ``flush_bytes`` (then ``flush`` before adding more)."""
        return self._pending >= self.flush_bytes

    def add(self, docnum: int, grams: tuple[Sequence[int], Sequence[int]], text: str) -> None:
        """Add a document: its ``gram_counts`` (keys and their frequencies) and its search text."""
        if docnum != self.doc_count:
            raise ValueError(f"documents must be added in order: expected {self.doc_count}, got {docnum}")
        keys, tfs = grams
        self._keys.append(np.asarray(keys, dtype=np.uint64))
        self._tfs.append(np.asarray(tfs, dtype=np.uint32))
        self._docs.append(len(self._texts))
        raw = text.encode("utf-8")
        newline = raw.find(NEWLINE.encode())
        self._texts.append(raw)
        self._char_lengths.append(len(text))
        self._title_bytes.append(len(raw) if newline < 0 else newline)
        self._pending += len(raw)

    def extend(self, segment: GramSegment, live: Sequence[int]) -> None:
        """Append the documents ``live`` (ascending segment-local numbers within this part) of a part: a merge."""
        base = len(self._texts)
        renumber = np.full(segment.doc_count, -1, dtype=np.int64)
        renumber[np.asarray(live, dtype=np.int64) - segment.base] = np.arange(base, base + len(live))
        keys, docs, tfs = segment.all_postings()
        moved = renumber[docs]
        kept = moved >= 0
        # Sorted by key, each key's documents ascending and above every earlier chunk's: the stable
        # sort in _write keeps them so.
        self._keys.append(keys[kept])
        self._tfs.append(np.array(tfs[kept], dtype=np.uint32))
        self._docs.append(moved[kept].astype(np.uint32))
        del renumber, moved, kept, keys
        for old in live:
            local = old - segment.base
            raw = segment.text_bytes(local)
            self._texts.append(raw)
            self._char_lengths.append(int(segment.char_lengths[local]))
            self._title_bytes.append(int(segment.title_bytes[local]))
            self._pending += len(raw)

    def flush(self, last: Path) -> None:
        """Write the documents held as the next part of the segment whose last part is ``last``.

        The part is written by a thread while documents go on being added (sorting a part takes
        seconds, in numpy, mostly without the GIL; the indexing workers would wait meanwhile).
        One part at a time: a second flush waits for the first, so at most two parts are held.
        """
        if not self._texts:
            return
        self.wait()
        held = copy.copy(self)  # this part's lists, base and number; the builder starts new lists
        path = part_path(last, self._parts)
        self._base += len(self._texts)
        self._parts += 1
        self._reset()
        self._writing = _PART_WRITER.submit(held._write, path, last_part=False)

    def wait(self) -> None:
        """Wait for the part being written, if any; its failure is raised here."""
        writing, self._writing = self._writing, None
        if writing is not None:
            writing.result()

    def write(self, path: Path) -> None:
        """Write the last part (atomically: a temporary name, then a rename), after the others."""
        self.wait()
        self._write(path, last_part=True)

    def _grouped(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(distinct keys, their offsets, documents, counts): the held postings grouped by key."""
        sizes = np.fromiter((len(k) for k in self._keys), dtype=np.int64, count=len(self._keys))
        if not len(sizes):
            empty = np.zeros(0, dtype=np.uint64)
            return empty, np.zeros(1, dtype=np.uint64), empty.astype(np.uint32), empty.astype(np.uint32)
        # Each array is handed on in a list the callee empties, so it is freed as soon as it is used.
        postings = [np.concatenate(self._keys)]
        self._keys = []
        if all(isinstance(d, int) for d in self._docs):
            postings.append(np.repeat(np.asarray(self._docs, dtype=np.uint32), sizes))
        else:
            postings.append(
                np.concatenate(
                    [
                        np.full(n, d, dtype=np.uint32) if isinstance(d, int) else d
                        for d, n in zip(self._docs, sizes, strict=True)
                    ]
                )
            )
        postings.append(np.concatenate(self._tfs))
        self._tfs = []
        keys, docs, tfs = _packed_sort(postings, len(self._texts)) or _argsort(postings)
        starts = np.flatnonzero(np.concatenate(([len(keys) > 0], keys[1:] != keys[:-1])))
        return keys[starts], np.append(starts, len(keys)).astype(np.uint64), docs, tfs

    def _write(self, path: Path, last_part: bool) -> None:
        with _small_pages():
            keys, offsets, docs, tfs = self._grouped()
        byte_offsets = np.zeros(len(self._texts) + 1, dtype=np.uint64)
        np.cumsum([len(raw) for raw in self._texts], out=byte_offsets[1:])
        # Written from the arrays' own memory (no copies), little-endian everywhere.
        tables: list[bytes | memoryview] = [
            _little(keys, "<u8"),
            _little(offsets, "<u8"),
            _little(byte_offsets, "<u8"),
            little_endian(self._char_lengths),
            little_endian(self._title_bytes),
        ]
        tables_crc = 0
        for table in tables:
            tables_crc = zlib.crc32(table, tables_crc)
        # The data (checksummed as one stretch, padding included): numbers, frequencies as bytes, and the
        # overflow table of the frequencies a byte does not hold.
        overflow_at = np.flatnonzero(tfs >= TF_OVERFLOW)
        data: list[bytes | memoryview] = [
            _little(docs, postings_dtype(len(self._texts))),
            _little(np.minimum(tfs, TF_OVERFLOW), "<u1"),
        ]
        data.append(b"\0" * (-(HEADER.size + sum(map(len, tables[:2])) + sum(map(len, data))) % 8))
        data += [_little(overflow_at, "<u8"), _little(tfs[overflow_at], "<u4")]
        data_crc = 0
        for chunk in data:
            data_crc = zlib.crc32(chunk, data_crc)
        for raw in self._texts:
            data_crc = zlib.crc32(raw, data_crc)
        parts = self._parts + 1 if last_part else 0
        header = HEADER.pack(
            MAGIC,
            self._base,
            len(self._texts),
            len(keys),
            int(offsets[-1]),
            len(overflow_at),
            int(byte_offsets[-1]),
            self._parts,
            parts,
            tables_crc,
            data_crc,
        )
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as out:
            out.write(header)
            _write_pieces(out, tables[0])
            _write_pieces(out, tables[1])
            for chunk in data:
                _write_pieces(out, chunk)
            pad(out)
            for table in tables[2:]:
                _write_pieces(out, table)
            pad(out)
            for raw in self._texts:
                out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
        fsync_folder(path.parent)


# The arrays are written this much at a time.  Linux (6.x, ext4 and others with large folios) caches
# a file written in one big write() in folios of up to 2 MB, and a reader's page fault on a mapped
# file maps the whole folio: after ten queries a server had mapped 164 MB of 268 MB of grams, most of
# it postings no query read.  Written in 64 KB pieces, a fault maps at most 64 KB (the kernel's
# fault-around), so a server's RSS is what its queries touch.
WRITE_PIECE = 1 << 16


def _write_pieces(out: BinaryIO, buffer: bytes | memoryview) -> None:
    view = memoryview(buffer).cast("B")
    for start in range(0, len(view), WRITE_PIECE):  # noqa: FURB122 - write() is all an ``out`` needs to have
        out.write(view[start : start + WRITE_PIECE])


@contextlib.contextmanager
def _small_pages():
    """numpy asks Linux for transparent huge pages for large arrays; sorting a part allocates several
    arrays of a few hundred MB once each, and zeroing huge pages for them measured about 1.5x
    slower than small pages (bench/scale.py's indexing step).  Restored afterwards."""
    switch = getattr(getattr(getattr(np, "_core", None), "multiarray", None), "_set_madvise_hugepage", None)
    if switch is None:
        yield
        return
    previous = switch(False)
    try:
        yield
    finally:
        switch(previous)


_TF_BITS_MIN = 8
_UNPACK_SLICE = 1 << 22


def _packed_sort(
    postings: list[np.ndarray], doc_count: int, tf_bits_max: int = 32
) -> tuple[np.ndarray, np.ndarray, np.ndarray] | None:
    """(keys, documents, counts) sorted by key and then document, by sorting one 64-bit integer a posting.

    A bigram key is two code points; a part holds a few thousand distinct ones,
    so each is renumbered densely (in code point order, so the order of keys is
    kept) and a posting packs into one integer: key, then document, then its
    count (capped; the few larger counts are put back after the sort).  A plain
    ``sort`` of that is several times faster than an ``argsort`` and three
    gathers.  None when a part's characters are too varied to pack (then the
    caller sorts the slow way).
    """
    keys, docs, tfs = postings
    del postings[:]
    # In place where it can be: each new array of a part's postings costs its page faults.  Signed
    # 64-bit throughout (63 bits used), the type numpy indexes with: an unsigned index is copied first.
    keys = keys.view(np.int64)  # the caller's concatenation, ours to change
    packed = keys >> SHIFT  # the first characters; becomes the packed integers
    present = np.zeros(1 << SHIFT, dtype=bool)
    present[packed] = True
    keys &= CHAR  # the second characters
    present[keys] = True
    points = np.flatnonzero(present)  # code -> code point
    char_bits = max(1, (len(points) - 1).bit_length())
    doc_bits = max(1, (doc_count - 1).bit_length())
    tf_bits = 63 - 2 * char_bits - doc_bits
    if tf_bits < _TF_BITS_MIN:
        keys |= packed << SHIFT  # as it was, for the slow way
        postings[:] = [keys.view(np.uint64), docs, tfs]
        return None
    tf_bits = min(tf_bits, tf_bits_max)  # counts are 32-bit
    code = np.cumsum(present, dtype=np.uint16 if char_bits <= 16 else np.uint32)
    np.subtract(code, 1, out=code)
    del present
    packed[:] = code[packed]
    packed <<= char_bits
    packed |= code[keys]
    del code, keys
    packed <<= doc_bits
    packed |= docs
    packed <<= tf_bits
    cap = (1 << tf_bits) - 1
    over = np.flatnonzero(tfs >= cap)
    over_packed, over_tfs = packed[over] | cap, tfs[over]
    del over
    packed |= np.minimum(tfs, cap)
    del tfs
    packed.sort()
    over_at = np.searchsorted(packed, over_packed)
    # Unpacked a slice at a time into the three results: whole-array temporaries would double the peak.
    n = len(packed)
    keys, docs, tfs = np.empty(n, dtype=np.uint64), np.empty(n, dtype=np.uint32), np.empty(n, dtype=np.uint32)
    doc_mask, char_mask = (1 << doc_bits) - 1, (1 << char_bits) - 1
    for lo in range(0, n, _UNPACK_SLICE):
        chunk = packed[lo : lo + _UNPACK_SLICE]
        tfs[lo : lo + len(chunk)] = chunk & cap
        chunk >>= tf_bits
        docs[lo : lo + len(chunk)] = chunk & doc_mask
        chunk >>= doc_bits
        second = points[chunk & char_mask]
        chunk >>= char_bits
        first = points[chunk]
        first <<= SHIFT
        first |= second
        keys[lo : lo + len(chunk)] = first.view(np.uint64)
    tfs[over_at] = over_tfs
    return keys, docs, tfs


def _argsort(postings: list[np.ndarray]) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``_packed_sort``'s result the slow way: a stable argsort of the keys, then three gathers."""
    keys, docs, tfs = postings
    del postings[:]
    order = np.argsort(keys, kind="stable")
    return keys[order], docs[order], tfs[order]


def _little(values: np.ndarray, dtype: str) -> memoryview:
    """An array's bytes in the file's byte order, without a copy where the machine's is the same."""
    return np.ascontiguousarray(values.astype(dtype, copy=False)).data.cast("B")
