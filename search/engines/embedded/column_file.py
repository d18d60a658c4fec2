"""A segment's per-document columns as codes: one small file beside the segment, written once.

Whoosh stores a column as one value per document, read back at about 1 µs a
document plus a decode; a command that counts facets over a common phrase
would read every column of every document.  Here each column of a segment is
a table of its distinct values (JSON, decoded only when a value is asked for)
and one integer code per document (``uint32``, memory-mapped): facet counts
are ``bincount`` over codes, a value's documents are one comparison, and a
cold process reads a few megabytes instead of decoding the archive's columns.
The file also holds the segment's folded titles (from its grams files), one
per line, so that a title scan does not touch every page of the texts.

The file is derived data: ``<segment id>.columns``, written by the first
reader that needs it (to a temporary name, then renamed, so two readers may
race harmlessly), named like the segment's own files so Whoosh's clean-up
deletes it with its segment.  A missing, stale or damaged file is rebuilt
from Whoosh; a folder that cannot be written to is read from Whoosh each time.
Code 0 is "no value" (None) in every column.
"""

from __future__ import annotations

import json
import mmap
import os
import struct
import zlib
from collections.abc import Mapping
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from whoosh.index import Index
    from whoosh.reading import SegmentReader

import numpy as np

from search.engines.embedded.gramstore import open_segment, segment_file
from search.engines.embedded.schema import FACET_COLUMNS
from search.ingest.identity import METADATA_COLUMNS

MAGIC = b"GSCOLS01"
EXTENSION = "columns"
_HEADER = struct.Struct("<8sQI")  # magic, length of the JSON table of contents, its CRC-32
# The string columns kept as codes; ``entered`` is numeric and read as it is (``search.engines.embedded.entered``).
CODED_COLUMNS = (*FACET_COLUMNS, *METADATA_COLUMNS)


def column_file(index_dir: Path, segment_id: str) -> Path:
    """The columns file of a segment."""
    return Path(index_dir) / f"{segment_id}.{EXTENSION}"


class SegmentColumns:
    """The coded columns of one segment: ``codes(name)`` (a view of the map) and ``values(name)``."""

    def __init__(
        self,
        doc_count: int,
        codes: dict[str, np.ndarray],
        values: Mapping[str, list | bytes | memoryview],
        titles: bytes | memoryview,
        title_starts: np.ndarray,
    ):
        self.doc_count = doc_count
        self._codes = codes
        self._values = dict(values)  # name -> list, or the raw JSON bytes until first asked
        self.titles = titles  # every folded title's UTF-8, newline-separated
        self.title_starts = title_starts  # where each title starts in ``titles``, and an end sentinel
        self._map: mmap.mmap | None = None

    def codes(self, name: str) -> np.ndarray:
        """The codes of column ``name``, one a document of the segment."""
        return self._codes[name]

    def values(self, name: str) -> list:
        """The values of column ``name``, by code (decoded on first use)."""
        values = self._values[name]
        if isinstance(values, (bytes, memoryview)):
            values = self._values[name] = json.loads(bytes(values))
        return values

    def names(self) -> tuple[str, ...]:
        """The names of the segment's columns."""
        return tuple(self._codes)


def read_titles(index_dir: Path, segment_id: str, count: int) -> tuple[bytes, np.ndarray]:
    """The folded titles of a segment's documents from its grams files (newline-separated) and their starts."""
    pieces: list[bytes] = []
    for part in open_segment(segment_file(index_dir, segment_id), count) if count else []:
        starts = (part.text_at + part.byte_offsets[:-1].astype(np.int64)).tolist()
        ends = (np.asarray(starts, dtype=np.int64) + part.title_bytes.astype(np.int64)).tolist()
        pieces.extend(map(part.map.__getitem__, map(slice, starts, ends)))
        part.close()
    lengths = np.fromiter(map(len, pieces), dtype=np.uint64, count=len(pieces)) + np.uint64(1)
    return b"\n".join(pieces), np.concatenate([np.zeros(1, dtype=np.uint64), np.cumsum(lengths, dtype=np.uint64)])


def read_columns(index_dir: Path, leaf: SegmentReader, names: tuple[str, ...]) -> SegmentColumns:
    """Every column ``names`` of one Whoosh segment reader, as codes, and its titles (the slow path the file saves)."""
    count = leaf.doc_count_all()
    codes, values = {}, {}
    for name in names:
        known: dict[bytes, int] = {b"": 0}
        table: list[str | None] = [None]
        column = np.zeros(count, dtype=np.uint32)
        if leaf.has_column(name):
            reader = leaf.column_reader(name)
            raw_codes: list[int] = []
            append = raw_codes.append
            for raw in reader:
                code = known.get(raw)
                if code is None:
                    code = known[raw] = len(table)
                    table.append(raw.decode("utf-8"))
                append(code)
            column[:] = np.array(raw_codes, dtype=np.uint32) if raw_codes else 0
        codes[name], values[name] = column, table
    return SegmentColumns(count, codes, values, *read_titles(index_dir, leaf.segment().segment_id(), count))


def write_columns(path: Path, columns: SegmentColumns) -> None:
    """Write ``columns`` to ``path`` atomically (a temporary name, then a rename)."""
    toc: dict = {"docs": columns.doc_count, "columns": {}}
    blobs: list[bytes] = []
    at = 0
    for name in columns.names():
        codes = np.ascontiguousarray(columns.codes(name), dtype="<u4").tobytes()
        values = json.dumps(columns.values(name), ensure_ascii=False).encode("utf-8")
        pad = b"\0" * (-len(values) % 8)
        toc["columns"][name] = {"codes": at, "values": [at + len(codes), len(values)]}
        blobs += [codes, values, pad]
        at += len(codes) + len(values) + len(pad)
    starts = np.ascontiguousarray(columns.title_starts, dtype="<u8").tobytes()
    toc["titles"] = [at, len(starts), len(columns.titles)]
    blobs += [starts, bytes(columns.titles)]
    body = b"".join(blobs)
    toc["crc"] = zlib.crc32(body)
    table = json.dumps(toc).encode("utf-8")
    table += b" " * (-(len(table) + _HEADER.size) % 8)
    tmp = path.with_name(f"{path.name}.{os.getpid()}.tmp")
    try:
        with open(tmp, "wb") as out:
            out.write(_HEADER.pack(MAGIC, len(table), zlib.crc32(table)))
            out.write(table)
            out.write(body)
            out.flush()
            os.fsync(out.fileno())
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


def open_columns(path: Path, doc_count: int, names: tuple[str, ...]) -> SegmentColumns:
    """The columns of the file at ``path``; ValueError when it is damaged or not for these documents and names."""
    with open(path, "rb") as f:
        mapped = mmap.mmap(f.fileno(), 0, access=mmap.ACCESS_READ)
    try:
        magic, length, crc = _HEADER.unpack_from(mapped, 0)
        if magic != MAGIC:
            raise ValueError(f"{path.name} is not a columns file of this version")
        table = mapped[_HEADER.size : _HEADER.size + length]
        if zlib.crc32(table) != crc:
            raise ValueError(f"{path.name} is damaged (checksum)")
        toc = json.loads(table)
        start = _HEADER.size + length
        if toc["docs"] != doc_count or set(toc["columns"]) != set(names):
            raise ValueError(f"{path.name} is for other documents or columns")
        if zlib.crc32(memoryview(mapped)[start:]) != toc["crc"]:
            raise ValueError(f"{path.name} is damaged (checksum)")
        codes, values = {}, {}
        for name, where in toc["columns"].items():
            codes[name] = np.frombuffer(mapped, dtype="<u4", count=doc_count, offset=start + where["codes"])
            offset, size = where["values"]
            values[name] = mapped[start + offset : start + offset + size]
        at, starts_size, titles_size = toc["titles"]
        title_starts = np.frombuffer(mapped, dtype="<u8", count=doc_count + 1, offset=start + at)
        titles = memoryview(mapped)[start + at + starts_size : start + at + starts_size + titles_size]
    except (ValueError, KeyError, TypeError, struct.error, json.JSONDecodeError) as exc:
        mapped.close()
        raise ValueError(str(exc)) from exc
    columns = SegmentColumns(doc_count, codes, values, titles, title_starts)
    columns._map = mapped
    return columns


def write_missing(index_dir: Path, ix: Index) -> None:
    """Write the columns file of every segment of ``ix``'s latest generation that lacks one (after a commit),
    so that the first reader does not pay for it."""
    with ix.reader() as reader:
        for leaf, _ in reader.leaf_readers():
            if leaf.doc_count_all() and not column_file(index_dir, leaf.segment().segment_id()).exists():
                segment_columns(index_dir, leaf, CODED_COLUMNS)


def segment_columns(index_dir: Path, leaf: SegmentReader, names: tuple[str, ...] = CODED_COLUMNS) -> SegmentColumns:
    """The coded columns of a segment: from its file, else read from Whoosh and (where possible) saved."""
    path = column_file(index_dir, leaf.segment().segment_id())
    count = leaf.doc_count_all()
    try:
        return open_columns(path, count, names)
    except (OSError, ValueError):
        pass
    columns = read_columns(index_dir, leaf, names)
    try:
        write_columns(path, columns)
    except OSError:  # a read-only index: read from Whoosh each time
        pass
    return columns
