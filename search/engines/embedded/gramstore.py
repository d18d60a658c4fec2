"""The exact-search structure: character-bigram postings and search texts, files beside each segment.

Whoosh keeps the stored fields, the facet columns and the generations (TOC,
locking, deletions); this module keeps, beside each Whoosh segment, one or
more ``.grams`` files (parts) that hold

- for every character bigram of the segment's search texts, and for every
  single character, the ascending part-local numbers of the documents that
  contain it and, in a parallel array, how often each contains it (its term
  frequency, counted as ``str.count`` counts: non-overlapping, so "AA" in
  "AAA" once).  Compact: a number is 16 bits in a part of at most 65,536
  documents (32 beyond), and a frequency 8 bits, 255 meaning "see the
  overflow table", which lists the postings that occur 255 times or more and
  their counts (a bigram a document holds that often is rare).  A one- or
  two-character phrase's count in a document is then read, not searched
  for; a longer phrase occurs at most as often as its rarest bigram (an
  upper bound that ranking and counting prune by).  No positions: a longer
  phrase is verified against its text;
- the search texts themselves (folded title + paragraphs) as UTF-8, which the
  reader memory-maps and searches as bytes (a byte search of UTF-8 is exact
  for UTF-8 substrings), so no text is decoded onto the Python heap to answer
  a query.

Whoosh's own posting writer costs about 5 µs per posting plus 30 µs per term
(pickle and zlib per block); here a posting is one integer appended to an
array and written with ``tobytes``.  A bigram is a 64-bit key,
``ord(first) << 21 | ord(second)``, so the term dictionary is two flat arrays
searched by bisection; a single character ``c`` is ``ord(c) << 21 | 0x1FFFFF``
(no code point is that large), at the end of the run of its bigrams.

A segment is written as parts so that a rebuild's memory is bounded: the
builder (``gram_builder``) writes ``<segment id>.<n>.grams`` every ``FLUSH_BYTES`` of text and the
last part as ``<segment id>.grams``, whose header says how many parts there
are.  Each part records its first segment-local document number, its
document count and two CRC-32s (the tables, checked on open; the postings and
texts, checked by ``verify``); a reader checks the parts against Whoosh's
document count, so a damaged or missing file says "rebuild" instead of
missing documents silently.  The files are named like the segment's own, so
Whoosh's clean-up deletes them with their segment; each is written to a
temporary name, fsynced, renamed, and its folder fsynced, before Whoosh writes
the TOC that refers to the segment.
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
import zlib
from array import array
from pathlib import Path
from typing import BinaryIO

import numpy as np

MAGIC = b"GSGRAM04"
EXTENSION = "grams"
# magic, first local docnum, doc count, term count, posting count, overflow count, text bytes, part, parts,
# tables crc, data crc (then keys, offsets; postings, their frequencies, the overflow's posting numbers and
# counts; byte offsets, character lengths, title bytes; texts)
HEADER = struct.Struct("<8s6Q4I")
# Postings are 16-bit numbers in a part of at most this many documents.
SMALL_PART = 1 << 16
TF_OVERFLOW = 255  # a stored frequency of 255: the exact count is in the overflow table
SHIFT = 21  # Unicode code points fit in 21 bits
CHAR = (1 << SHIFT) - 1  # the second "character" of a single-character key
NEWLINE = "\n"
_NEWLINE_CODE = ord(NEWLINE)
_VERIFY_CHUNK = 1 << 20


def postings_dtype(doc_count: int) -> str:
    """The type of a part's document numbers: 16 bits when they fit."""
    return "<u2" if doc_count <= SMALL_PART else "<u4"


def gram_key(gram: str) -> int:
    """The posting key of a two-character gram."""
    return (ord(gram[0]) << SHIFT) | ord(gram[1])


def char_key(char: str) -> int:
    """The posting key of a single character."""
    return (ord(char) << SHIFT) | CHAR


def gram_counts(text: str) -> tuple[np.ndarray, np.ndarray]:
    """The keys of a search text (its bigrams, then its characters) and how often each occurs in it.

    Bigrams never cross a line break; each line's last character is paired
    with the newline instead, so a one-character line is still found.  A count
    is ``str.count``'s: non-overlapping, left to right, so a run of L equal
    characters holds its doubled bigram L // 2 times, not L - 1.  (Whole-array
    passes: a document's characters are one numpy array.)
    """
    codes = np.frombuffer((text + NEWLINE).encode("utf-32-le"), dtype="<u4").astype(np.uint64)
    first, second = codes[:-1], codes[1:]
    paired = first != _NEWLINE_CODE  # the pairs that start with a line break are not bigrams of a line
    keys, tfs = np.unique((first[paired] << SHIFT) | second[paired], return_counts=True)
    if (paired & (first == second)).any():
        starts = np.flatnonzero(np.concatenate(([True], second != first)))
        lengths = np.diff(np.append(starts, len(codes)))
        runs = (lengths >= 2) & (codes[starts] != _NEWLINE_CODE)
        doubled = codes[starts][runs]
        doubled_keys, which = np.unique((doubled << SHIFT) | doubled, return_inverse=True)
        tfs[np.searchsorted(keys, doubled_keys)] = np.bincount(which, weights=lengths[runs] // 2)
    chars, char_tfs = np.unique(first[first != _NEWLINE_CODE], return_counts=True)
    return (
        np.concatenate((keys, (chars << SHIFT) | CHAR)),
        np.concatenate((tfs, char_tfs)).astype(np.uint32),
    )


def gram_keys(text: str) -> np.ndarray:
    """The distinct bigram keys of a search text (``gram_counts``' bigrams)."""
    keys, _ = gram_counts(text)
    return keys[(keys & CHAR) != CHAR]


def char_keys(text: str) -> np.ndarray:
    """The single-character keys of a search text (every distinct character but the line break)."""
    keys, _ = gram_counts(text)
    return keys[(keys & CHAR) == CHAR]


def char_range(char: str) -> tuple[int, int]:
    """The key range of every bigram starting with ``char`` (its single-character key included)."""
    return ord(char) << SHIFT, (ord(char) + 1) << SHIFT


def segment_file(index_dir: Path, segment_id: str, part: int | None = None) -> Path:
    """The last part of a segment's grams (``part=None``), or its part number ``part``."""
    middle = "" if part is None else f".{part}"
    return Path(index_dir) / f"{segment_id}{middle}.{EXTENSION}"


def part_path(last: Path, part: int) -> Path:
    return last.with_name(f"{last.name[: -len(EXTENSION) - 1]}.{part}.{EXTENSION}")


def fsync_folder(folder: Path) -> None:
    """Make a rename in ``folder`` durable (where the platform allows opening a folder)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def little_endian(values: array) -> bytes:
    if sys.byteorder != "little":  # the file is little-endian everywhere
        values = array(values.typecode, values)
        values.byteswap()
    return values.tobytes()


def pad(out: BinaryIO) -> None:
    out.write(b"\0" * (-out.tell() % 8))


class GramSegment:
    """One part of a segment's grams, memory-mapped and read-only; its arrays are views of the map."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            self.map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        buf = self.map
        if len(buf) < HEADER.size or buf[:8] != MAGIC:
            self.map.close()
            raise ValueError(f"{self.path.name} is not a grams file of this version")
        (
            _,
            self.base,
            self.doc_count,
            self.term_count,
            postings,
            overflow,
            text_bytes,
            self.part,
            self.parts,
            tables_crc,
            self._data_crc,
        ) = HEADER.unpack_from(buf, 0)
        pos = HEADER.size
        sections = {}

        def take(name: str, dtype: str, count: int) -> None:
            nonlocal pos
            sections[name] = (pos, np.dtype(dtype).itemsize * count, dtype, count)
            pos += np.dtype(dtype).itemsize * count

        take("keys", "<u8", self.term_count)
        take("offsets", "<u8", self.term_count + 1)
        take("postings", postings_dtype(self.doc_count), postings)
        take("tfs", "<u1", postings)
        pos += -pos % 8
        take("overflow_at", "<u8", overflow)
        take("overflow_tfs", "<u4", overflow)
        self._data_end = pos  # postings to overflow: one checksummed stretch (with its padding)
        pos += -pos % 8
        take("byte_offsets", "<u8", self.doc_count + 1)
        take("char_lengths", "<u4", self.doc_count)
        take("title_bytes", "<u4", self.doc_count)
        pos += -pos % 8
        self.text_at = pos
        if pos + text_bytes != len(buf):
            self.map.close()
            raise ValueError(f"{self.path.name} is truncated or damaged (size)")
        view = memoryview(buf)
        crc = 0
        for name in ("keys", "offsets", "byte_offsets", "char_lengths", "title_bytes"):
            start, length, _, _ = sections[name]
            crc = zlib.crc32(view[start : start + length], crc)
        view.release()
        if crc != tables_crc:
            self.map.close()
            raise ValueError(f"{self.path.name} is damaged (checksum)")
        arrays = {
            name: np.frombuffer(buf, dtype=dtype, count=count, offset=start)
            for name, (start, _, dtype, count) in sections.items()
        }
        self._sections = sections
        self.keys = arrays["keys"]
        self._offsets = arrays["offsets"]
        self._postings = arrays["postings"]
        self._tfs = arrays["tfs"]
        self._overflow_at = arrays["overflow_at"]
        self._overflow_tfs = arrays["overflow_tfs"]
        self.byte_offsets = arrays["byte_offsets"]
        self.char_lengths = arrays["char_lengths"]
        self.title_bytes = arrays["title_bytes"]

    def verify(self) -> None:
        """Check the postings and texts against their checksum (reads the whole file); ValueError if damaged.

        Read through a file, not the map: pages read through the map would stay mapped into
        the serving process (its RSS) though no query needs most of them.
        """
        start = self._sections["postings"][0]
        crc = 0
        with open(self.path, "rb") as f:
            for lo, hi in ((start, self._data_end), (self.text_at, len(self.map))):
                f.seek(lo)
                while lo < hi:
                    chunk = f.read(min(_VERIFY_CHUNK, hi - lo))
                    if not chunk:
                        raise ValueError(f"{self.path.name} is truncated or damaged (size)")
                    crc = zlib.crc32(chunk, crc)
                    lo += len(chunk)
        if crc != self._data_crc:
            raise ValueError(f"{self.path.name} is damaged (checksum)")

    # -- postings --------------------------------------------------------

    def _search(self, key: int) -> int:
        # The key as uint64: a Python int would make numpy convert the whole table to float per search.
        return int(self.keys.searchsorted(np.uint64(key)))

    def _find(self, key: int) -> int:
        i = self._search(key)
        return i if i < self.term_count and int(self.keys[i]) == key else -1

    def _slice(self, lo: int, hi: int) -> np.ndarray:
        return self._postings[int(self._offsets[lo]) : int(self._offsets[hi])]

    def docs(self, key: int) -> np.ndarray:
        """The part-local numbers of the documents having ``key`` (ascending; a view of the map)."""
        i = self._find(key)
        return self._slice(i, i + 1) if i >= 0 else self._postings[:0]

    def docs_and_counts(self, key: int) -> tuple[np.ndarray, np.ndarray]:
        """The part-local numbers of the documents having ``key`` and how often each has it (views of
        the map, unless a count is in the overflow table)."""
        i = self._find(key)
        if i < 0:
            return self._postings[:0], self._tfs[:0]
        lo, hi = int(self._offsets[i]), int(self._offsets[i + 1])
        return self._postings[lo:hi], self._counts(lo, hi)

    def _counts(self, lo: int, hi: int) -> np.ndarray:
        """The exact frequencies of postings ``lo:hi``: the stored bytes, with the overflow put back."""
        tfs = self._tfs[lo:hi]
        first, last = self._overflow_at.searchsorted(np.array([lo, hi], dtype=np.uint64)).tolist()
        if first == last:
            return tfs
        exact = tfs.astype(np.uint32)
        exact[(self._overflow_at[first:last] - np.uint64(lo)).astype(np.int64)] = self._overflow_tfs[first:last]
        return exact

    def doc_frequency(self, key: int) -> int:
        """How many documents of the part hold the key (0 when none)."""
        i = self._find(key)
        return int(self._offsets[i + 1] - self._offsets[i]) if i >= 0 else 0

    def docs_in_range(self, lo_key: int, hi_key: int) -> np.ndarray:
        """Every posting of every key with lo_key <= key < hi_key (with repeats)."""
        return self._slice(self._search(lo_key), self._search(hi_key))

    def all_postings(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(key, document, frequency) of every posting, by key and then document (the keys repeated: a copy)."""
        keys = np.repeat(self.keys, np.diff(self._offsets).astype(np.int64))
        return keys, self._postings, self._counts(0, len(self._tfs))

    # -- texts -----------------------------------------------------------

    def span(self, local: int) -> tuple[int, int]:
        """Where a document's search text starts and ends in ``map`` (bytes)."""
        return self.text_at + int(self.byte_offsets[local]), self.text_at + int(self.byte_offsets[local + 1])

    def text_bytes(self, local: int) -> bytes:
        """A document's search text in the part, as UTF-8 bytes of the map."""
        start, end = self.span(local)
        return self.map[start:end]

    def text(self, local: int) -> str:
        """One document's search text, decoded from its bytes."""
        return self.text_bytes(local).decode("utf-8")

    def close(self) -> None:
        """Drop the arrays and close the map (left to the garbage collector while a view of it is still held)."""
        for name in (
            "keys",
            "_offsets",
            "_postings",
            "_tfs",
            "_overflow_at",
            "_overflow_tfs",
            "byte_offsets",
            "char_lengths",
            "title_bytes",
        ):
            setattr(self, name, None)
        try:
            self.map.close()
        except BufferError:  # a posting view is still referenced: the map closes when it goes
            pass


def open_segment(last: Path, doc_count: int) -> list[GramSegment]:
    """Every part of one segment's grams, checked against each other and Whoosh's ``doc_count``.

    ValueError (to be said as "rebuild") when a part is missing, damaged, or
    the parts do not cover the segment's documents exactly once.
    """
    final = GramSegment(last)
    parts: list[GramSegment] = []
    try:
        if final.parts < 1 or final.part != final.parts - 1:
            raise ValueError(f"{last.name} is not the last part of its segment")
        parts.extend(GramSegment(part_path(last, number)) for number in range(final.parts - 1))
        parts.append(final)
        expected = 0
        for number, part in enumerate(parts):
            if part.part != number or part.base != expected:
                raise ValueError(f"{part.path.name} does not follow the part before it")
            expected += part.doc_count
        if expected != doc_count:
            raise ValueError(f"{last.name} holds {expected} documents, the segment {doc_count}")
    except (OSError, ValueError):
        for part in parts if final in parts else [*parts, final]:
            part.close()
        raise
    return parts
