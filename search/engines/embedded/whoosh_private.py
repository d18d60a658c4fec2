"""Every use of Whoosh's private API, in one module; ``tests/engines/embedded/test_whoosh_private.py`` pins each.

Whoosh (``whoosh-reloaded`` 2.7.5) has no public way to do these, and the
engine needs them: the newest generation without opening the index, the
committed TOC (which segments are live, for clean-up), the id of the segment
a writer is filling and the number its next document will get (the grams
files are written beside the segment and numbered like it), a reader over
one segment inside a merge, a segment's per-document files held open, a
numeric column read as one block, and a document's stored fields added as
bytes a worker process already pickled and compressed.  A Whoosh upgrade that changes any of them fails
those tests, not a user's index.
"""

from __future__ import annotations

import pickle
import re
import zlib
from pathlib import Path

import numpy as np
from whoosh import columns
from whoosh import index as whoosh_index
from whoosh.codec.base import Segment
from whoosh.codec.whoosh3 import STORED_COLUMN, W3PerDocWriter
from whoosh.filedb.filestore import FileStorage
from whoosh.reading import SegmentReader
from whoosh.writing import SegmentWriter


def latest_generation(index_dir: Path, indexname: str) -> int:
    """The newest committed generation number in ``index_dir`` (-1 when there is none), without opening it."""
    return whoosh_index.TOC._latest_generation(FileStorage(str(index_dir)), indexname)


def committed_segments(ix: whoosh_index.Index) -> tuple[int, set[str]]:
    """(generation, ids of its segments) of the TOC ``ix`` was opened on."""
    toc = ix._read_toc()
    return toc.generation, {segment.segment_id() for segment in toc.segments}


def segment_file_pattern(indexname: str) -> re.Pattern:
    """The names of a segment's files (group 1: the segment id), as Whoosh's clean-up matches them."""
    return whoosh_index.TOC._segment_pattern(indexname)


def toc_file_pattern(indexname: str) -> re.Pattern:
    """The names of TOC files (group 1: the generation)."""
    return whoosh_index.TOC._pattern(indexname)


def new_segment_id(writer: SegmentWriter) -> str:
    """The id of the segment a ``SegmentWriter`` is writing (its files are named after it)."""
    return writer.newsegment.segment_id()


def next_docnum(writer: SegmentWriter) -> int:
    """The segment-local number the writer's next ``add_document`` gets."""
    return writer.docnum


def hold_per_document_files(leaf: SegmentReader) -> None:
    """Open a segment reader's stored-fields and column files now, and answer ``has_column`` from
    what was there now.

    Whoosh opens them on first use and asks the folder whether a column exists;
    a later commit that merges the segment away deletes them, and a snapshot
    that a request still holds must go on reading (an open file outlives its
    deletion, a name does not).
    """
    if not isinstance(leaf, SegmentReader):
        return
    perdoc = leaf._perdoc
    present = frozenset(name for name, field in leaf.schema.items() if field.column_type and perdoc.has_column(name))
    for name in present:
        perdoc.column_reader(name, leaf.schema[name].column_type)  # keeps the open file in perdoc._colfiles
    if perdoc.has_column("_stored"):
        perdoc._cached_reader("_stored", STORED_COLUMN)
    perdoc.has_column = present.__contains__


def numeric_column(leaf: SegmentReader, name: str) -> np.ndarray:
    """A ``NumericColumn``'s value for every document of one segment, read as one block (0 where
    it has none): iterating Whoosh's reader costs about 4 µs a document."""
    count = leaf.doc_count_all()
    values = np.zeros(count, dtype=np.int64)
    reader = leaf.column_reader(name, translate=False)
    if isinstance(reader, columns.NumericColumn.Reader) and reader._count:
        raw = reader._dbfile.get(reader._basepos, reader._count * reader._fixedlen)
        values[: reader._count] = np.frombuffer(raw, dtype=">" + reader._typecode)
    return values


def segment_reader(writer: SegmentWriter, segment: Segment) -> SegmentReader:
    """A reader over one committed segment, for a merge policy to ``writer.add_reader``."""
    return SegmentReader(writer.storage, writer.schema, segment)


# What Whoosh's stored-fields column does to a document's stored dict (PickleColumn over
# CompressedBytesColumn, level 3): pickle protocol 2, then zlib.
_STORED_PICKLE_PROTOCOL = 2
_STORED_ZLIB_LEVEL = 3


def pack_stored(stored: dict) -> bytes:
    """A document's stored fields as Whoosh's stored column holds them, made where it is cheap
    (in an indexing worker) so the writing process does not pickle and compress (about 100 µs a
    document, a fifth of its work).  ``stored``: the stored fields' non-None values, in field-name
    order (the dict Whoosh's ``add_document`` builds)."""
    return zlib.compress(pickle.dumps(stored, _STORED_PICKLE_PROTOCOL), _STORED_ZLIB_LEVEL)


class PrepackedPerDocWriter(W3PerDocWriter):
    """Whoosh's per-document writer, but a document's stored column value may come packed."""

    prepacked: bytes | None = None

    def finish_doc(self):
        """End the document: prepacked stored fields go to the stored column as they are; others as Whoosh writes them."""
        if self.prepacked is None:
            return super().finish_doc()
        # The wrapped writers' own add would pickle and compress again: past both, to the bytes column.
        stored = self._colwriters["_stored"]._child
        columns.VarBytesColumn.Writer.add(stored, self._docnum, self.prepacked)
        self.prepacked = None
        self._storedfields.clear()
        self._indoc = False
        return None


def add_packed_document(writer: SegmentWriter, fields: dict, packed_stored: bytes) -> None:
    """``writer.add_document(**fields)`` with the document's stored fields given by ``pack_stored``
    (``fields`` then need hold only the indexed and column fields)."""
    perdoc = writer.perdocwriter
    if not isinstance(perdoc, PrepackedPerDocWriter):
        raise TypeError("the writer's codec does not take packed stored fields (schema.ArchiveCodec does)")
    perdoc.prepacked = packed_stored
    try:
        writer.add_document(**fields)
    finally:
        perdoc.prepacked = None
