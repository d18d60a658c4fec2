"""The exact-search structure: character-bigram postings and search texts, one file per segment.

Whoosh keeps the stored fields, the facet columns and the generations (TOC,
locking, deletions); this module keeps, beside each Whoosh segment, a file
``<segment id>.grams`` that holds

- for every character bigram of the segment's search texts, the ascending
  segment-local numbers of the documents that contain it (existence only: no
  positions, no frequencies, because every candidate is verified against its
  text anyway), and
- the search texts themselves (folded title + paragraphs), so that the
  verification, the scoring and the snippets read one string per segment.

Whoosh's own posting writer costs about 5 µs per posting plus 30 µs per term
(pickle and zlib per block); here a posting is one integer appended to an
array and written with ``tobytes``.  A bigram is a 64-bit key,
``ord(first) << 21 | ord(second)``, so the term dictionary is two flat arrays
searched by bisection, and all the bigrams that start with one character are
one contiguous run (single-character queries).

The file is named like the segment's own files, so Whoosh's clean-up deletes
it together with its segment (and an orphan left by an interrupted run at the
next commit).  It is written to a temporary name and renamed before Whoosh
writes the TOC that refers to the segment.
"""

from __future__ import annotations

import mmap
import os
import struct
import sys
from array import array
from bisect import bisect_left
from collections import defaultdict
from collections.abc import Iterable, Sequence
from itertools import repeat
from operator import lshift, or_
from pathlib import Path

MAGIC = b"GSGRAM01"
EXTENSION = "grams"
_HEADER = struct.Struct("<8s4Q")  # magic, doc count, term count, posting count, text bytes
_SHIFT = 21  # Unicode code points fit in 21 bits
NEWLINE = "\n"


def gram_key(gram: str) -> int:
    return (ord(gram[0]) << _SHIFT) | ord(gram[1])


def gram_keys(text: str) -> array:
    """The distinct bigram keys of a search text.

    Bigrams never cross a line break; each line's last character is paired
    with the newline instead, so a one-character line is still found.  (The
    loops run in C: code points from an encode, keys from operator maps.)
    """
    codes = array("I")
    codes.frombytes((text + NEWLINE).encode("utf-32-le" if sys.byteorder == "little" else "utf-32-be"))
    keys = set(map(or_, map(lshift, codes[:-1], repeat(_SHIFT)), codes[1:]))
    if NEWLINE in text:  # the pairs that start with a line break are not bigrams of a line
        newline = ord(NEWLINE) << _SHIFT
        keys.difference_update(newline | ord(line[:1] or NEWLINE) for line in text.split(NEWLINE)[1:])
    return array("Q", keys)


def char_range(char: str) -> tuple[int, int]:
    """The key range of every bigram starting with ``char``."""
    return ord(char) << _SHIFT, (ord(char) + 1) << _SHIFT


def segment_file(index_dir: Path, segment_id: str) -> Path:
    return Path(index_dir) / f"{segment_id}.{EXTENSION}"


class GramSegmentBuilder:
    """Collects the postings and search texts of one new segment, in document order."""

    def __init__(self) -> None:
        self._postings: defaultdict[int, array] = defaultdict(lambda: array("I"))
        self._texts: list[str] = []

    @property
    def doc_count(self) -> int:
        return len(self._texts)

    def add(self, docnum: int, keys: Iterable[int], text: str) -> None:
        if docnum != len(self._texts):
            raise ValueError(f"documents must be added in order: expected {len(self._texts)}, got {docnum}")
        postings = self._postings
        for key in keys:
            postings[key].append(docnum)
        self._texts.append(text)

    def extend(self, segment: GramSegment, live: Sequence[int]) -> None:
        """Append the documents ``live`` (ascending local numbers) of an existing segment: a merge."""
        base = len(self._texts)
        renumber = array("l", [-1]) * segment.doc_count
        for new, old in enumerate(live):
            renumber[old] = base + new
        postings = self._postings
        for key, docs in segment.iter_postings():
            moved = [renumber[d] for d in docs]
            moved = array("I", [d for d in moved if d >= 0])
            if moved:
                postings[key].extend(moved)
        self._texts.extend(segment.text(old) for old in live)

    def write(self, path: Path) -> None:
        """Write the segment file atomically (a temporary name, then a rename)."""
        keys = array("Q", sorted(self._postings))
        offsets = array("Q", [0]) * (len(keys) + 1)
        total = 0
        for i, key in enumerate(keys):
            total += len(self._postings[key])
            offsets[i + 1] = total
        encoded = [t.encode("utf-8") for t in self._texts]
        byte_offsets = array("Q", [0]) * (len(encoded) + 1)
        char_offsets = array("Q", [0]) * (len(encoded) + 1)
        title_lengths = array("I", [0]) * len(encoded)
        b = c = 0
        for i, (text, raw) in enumerate(zip(self._texts, encoded)):
            b += len(raw)
            c += len(text)
            byte_offsets[i + 1] = b
            char_offsets[i + 1] = c
            newline = text.find(NEWLINE)
            title_lengths[i] = len(text) if newline < 0 else newline
        tmp = path.with_name(path.name + ".tmp")
        with open(tmp, "wb") as out:
            out.write(_HEADER.pack(MAGIC, len(encoded), len(keys), total, b))
            _write_array(out, keys)
            _write_array(out, offsets)
            everything = array("I")
            for key in keys:
                everything.extend(self._postings[key])
            _write_array(out, everything)
            _pad(out)
            _write_array(out, byte_offsets)
            _write_array(out, char_offsets)
            _write_array(out, title_lengths)
            _pad(out)
            for raw in encoded:
                out.write(raw)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)


def _write_array(out, values: array) -> None:
    if sys.byteorder != "little":  # the file is little-endian everywhere
        values = array(values.typecode, values)
        values.byteswap()
    out.write(values.tobytes())


def _pad(out) -> None:
    out.write(b"\0" * (-out.tell() % 8))


class GramSegment:
    """One segment's grams file, memory-mapped and read-only."""

    def __init__(self, path: Path):
        self.path = Path(path)
        with open(self.path, "rb") as f:
            self._map = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
        buf = self._map
        magic, self.doc_count, self.term_count, postings, text_bytes = _HEADER.unpack_from(buf, 0)
        if magic != MAGIC:
            raise ValueError(f"{self.path.name} is not a grams file")
        pos = _HEADER.size
        self.keys, pos = _read_array(buf, pos, "Q", self.term_count)
        self._offsets, pos = _read_array(buf, pos, "Q", self.term_count + 1)
        self._postings_at = pos
        pos += postings * 4
        pos += -pos % 8
        self._byte_offsets, pos = _read_array(buf, pos, "Q", self.doc_count + 1)
        self._char_offsets, pos = _read_array(buf, pos, "Q", self.doc_count + 1)
        self.title_lengths, pos = _read_array(buf, pos, "I", self.doc_count)
        pos += -pos % 8
        self._text_at = pos
        if pos + text_bytes != len(buf):
            raise ValueError(f"{self.path.name} is truncated or damaged")
        self._view = memoryview(buf)
        self._all_text: str | None = None

    # -- postings --------------------------------------------------------

    def _slice(self, lo: int, hi: int) -> memoryview:
        start = self._postings_at + 4 * self._offsets[lo]
        end = self._postings_at + 4 * self._offsets[hi]
        return self._view[start:end].cast("I")

    def _find(self, key: int) -> int:
        i = bisect_left(self.keys, key)
        return i if i < self.term_count and self.keys[i] == key else -1

    def docs(self, key: int) -> memoryview | tuple:
        """The local numbers of the documents having bigram ``key`` (ascending)."""
        i = self._find(key)
        return self._slice(i, i + 1) if i >= 0 else ()

    def doc_frequency(self, key: int) -> int:
        i = self._find(key)
        return self._offsets[i + 1] - self._offsets[i] if i >= 0 else 0

    def docs_in_range(self, lo_key: int, hi_key: int) -> memoryview:
        """Every posting of every bigram with lo_key <= key < hi_key (with repeats)."""
        return self._slice(bisect_left(self.keys, lo_key), bisect_left(self.keys, hi_key))

    def iter_postings(self) -> Iterable[tuple[int, memoryview]]:
        for i in range(self.term_count):
            yield self.keys[i], self._slice(i, i + 1)

    # -- texts -----------------------------------------------------------

    def text(self, local: int) -> str:
        """One document's search text (decoded from its bytes; no need to load the whole segment)."""
        if self._all_text is not None:
            return self._all_text[self._char_offsets[local] : self._char_offsets[local + 1]]
        start = self._text_at + self._byte_offsets[local]
        end = self._text_at + self._byte_offsets[local + 1]
        return str(self._view[start:end], "utf-8")

    def all_text(self) -> tuple[str, array]:
        """The segment's search texts as one string and the character offsets of each document."""
        if self._all_text is None:
            self._all_text = str(self._view[self._text_at :], "utf-8")
        return self._all_text, self._char_offsets

    def close(self) -> None:
        try:
            self._view.release()
            self._map.close()
        except BufferError:  # a posting view is still referenced: the map closes when it goes
            pass


def _read_array(buf, pos: int, typecode: str, count: int) -> tuple[array, int]:
    values = array(typecode)
    end = pos + values.itemsize * count
    values.frombytes(buf[pos:end])
    if sys.byteorder != "little":
        values.byteswap()
    return values, end
