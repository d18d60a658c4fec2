"""One committed generation of the index, read-only: columns, grams postings and search texts.

Nothing is decoded onto the Python heap when a snapshot opens: the grams
files are memory-mapped (postings are views of the map, texts are searched as
UTF-8 bytes, which is exact for UTF-8 substrings), and each facet column is
read from Whoosh on first use.  So a command that answers one query reads
only what that query touches, and a server holding a snapshot holds the
archive's text in the page cache, not in Python strings.
"""

from __future__ import annotations

import os
import sys
import threading
from bisect import bisect_right
from collections.abc import Callable, Hashable
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np
from cachetools import LRUCache

from search.engines.embedded.column_file import CODED_COLUMNS
from search.engines.embedded.columns import Column, SnapshotColumns
from search.engines.embedded.counting import PhraseCounting
from search.engines.embedded.dates import date_rank, date_span
from search.engines.embedded.docsets import EMPTY, DocSet, docset
from search.engines.embedded.entered import entered_column
from search.engines.embedded.gramstore import GramSegment, char_key, gram_key, open_segment, segment_file
from search.engines.embedded.schema import FACET_COLUMNS
from search.engines.embedded.stored import StoredDocument
from search.engines.embedded.whoosh_private import hold_per_document_files
from search.errors import IndexDamaged
from search.ingest.identity import METADATA_COLUMNS, file_hash

T = TypeVar("T")

if TYPE_CHECKING:
    from whoosh.index import Index

# Posting bitmaps kept per generation; a common bigram's costs about 9 KB at 75,000 documents.
POSTINGS_CACHE_BYTES = 32 * 1024 * 1024
DOCUMENTS_CACHE = 2000


class Snapshot(PhraseCounting):
    """One committed generation of the index, read-only and cached; safe to share between threads."""

    def __init__(self, ix: Index, index_dir: Path):
        from search.engines.embedded.archive import read_roots

        self.index_dir = Path(index_dir)
        self.reader = ix.reader()
        self.generation = self.reader.generation()
        # An index of no documents has no segment: Whoosh's reader for it is a leaf without one.
        self._leaves = [(leaf, offset) for leaf, offset in self.reader.leaf_readers() if leaf.segment() is not None]
        for leaf, _ in self._leaves:  # a request holding this snapshot reads them after a merge deletes them
            hold_per_document_files(leaf)
        self.size = self.reader.doc_count_all()
        self._has_deletions = self.reader.has_deletions()
        self._postings: LRUCache[tuple[str, str], DocSet] = LRUCache(
            maxsize=POSTINGS_CACHE_BYTES, getsizeof=sys.getsizeof
        )
        self._documents: LRUCache[int, StoredDocument] = LRUCache(maxsize=DOCUMENTS_CACHE)
        self._lock = threading.RLock()  # Whoosh's readers and the lazy loads below
        self._derived: dict = {}
        self._derived_locks: dict = {}
        self._read_roots = read_roots
        self._roots: list[Path] | None = None
        # Opened now, not on first use: a later commit may delete the files of
        # segments it merged, and an open map outlives its file's deletion.
        self._parts, self._part_first = self._open_grams()
        self._tables()
        live_mask = (lambda: self._live_mask) if self._has_deletions else None
        self._columns = SnapshotColumns(self.index_dir, self._leaves, self.size, CODED_COLUMNS, live_mask)
        self._columns.open()

    # -- grams -----------------------------------------------------------

    def _open_grams(self) -> tuple[list[GramSegment], list[int]]:
        """Every grams part, in document order, with the global number of its first document."""
        parts: list[GramSegment] = []
        first: list[int] = []
        for leaf, offset in self._leaves:
            count = leaf.doc_count_all()
            if count == 0:
                continue
            path = segment_file(self.index_dir, leaf.segment().segment_id())
            try:
                opened = open_segment(path, count)
            except (OSError, ValueError) as exc:
                for part in parts:
                    part.close()
                raise IndexDamaged(
                    f"the index in {self.index_dir} is damaged ({path.name}: {exc})",
                    hint="rebuild it with `search index --rebuild`",
                ) from exc
            for part in opened:
                parts.append(part)
                first.append(offset + part.base)
        return parts, first

    def _tables(self) -> None:
        """Per document, its part and where its text and title lie in that part's map (numpy, off the heap)."""
        parts = self._parts
        counts = [p.doc_count for p in parts]
        self._part_of = np.repeat(np.arange(len(parts), dtype=np.uint16), counts)
        if parts:
            self._starts = np.concatenate([p.text_at + p.byte_offsets[:-1].astype(np.int64) for p in parts])
            self._ends = np.concatenate([p.text_at + p.byte_offsets[1:].astype(np.int64) for p in parts])
            self._title_ends = self._starts + np.concatenate([p.title_bytes for p in parts]).astype(np.int64)
            self.char_lengths = np.concatenate([p.char_lengths for p in parts])
        else:
            self._starts = self._ends = self._title_ends = np.zeros(0, dtype=np.int64)
            self.char_lengths = np.zeros(0, dtype=np.uint32)

    def _part(self, docnum: int) -> tuple[GramSegment, int]:
        i = bisect_right(self._part_first, docnum) - 1
        return self._parts[i], docnum - self._part_first[i]

    def docs_with_gram(self, gram: str) -> DocSet:
        """Live documents whose search text has the bigram ``gram`` (cached per generation)."""
        return self._cached_postings(("gram", gram), lambda: self._union(gram_key(gram)))

    def docs_with_char(self, char: str) -> DocSet:
        """Live documents containing ``char`` (its own postings; cached)."""
        return self._cached_postings(("char", char), lambda: self._union(char_key(char)))

    def _cached_postings(self, key: tuple[str, str], compute: Callable[[], DocSet]) -> DocSet:
        try:
            return self._postings[key]
        except KeyError:
            pass
        value = compute()
        with self._lock:
            try:
                self._postings[key] = value
            except ValueError:  # larger than the whole cache
                pass
        return value

    def _union(self, key: int) -> DocSet:
        """The live documents that the postings of ``key`` name in any part."""
        found = [part.docs(key) + np.uint32(first) for part, first in zip(self._parts, self._part_first, strict=True)]
        docs = docset(np.concatenate(found)) if found else EMPTY
        return docs & self.live if self._has_deletions else docs

    def gram_frequency(self, gram: str) -> int:
        """How many documents (deleted ones included) have the bigram: a cheap cost estimate."""
        code = gram_key(gram)
        return sum(part.doc_frequency(code) for part in self._parts)

    # -- columns (codes from each segment's ``.columns`` file, joined on first use) ----

    def _lazy(self, name: str) -> Column:
        """The column ``name`` of this snapshot's segments."""
        with self._lock:
            return self._columns.column(name)

    def __getattr__(self, name: str) -> Column:
        # The metadata columns (issuer, doc_number, doc_type, date_source, district_source) and ``access``.
        if name in METADATA_COLUMNS or name in FACET_COLUMNS:  # ``access`` too
            values = self.__dict__[name] = self._lazy(name)
            return values
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    @cached_property
    def district(self) -> Column:
        """The documents' districts, a coded column."""
        return self._lazy("district")

    @cached_property
    def published(self) -> Column:
        """The documents' dates as written (``2020``, ``2020-07``, ``2020-07-18``), a coded column."""
        return self._lazy("published")

    @cached_property
    def topics(self) -> Column:
        """The documents' topics, each value a tuple."""
        return self._lazy("topics").derived(lambda v: tuple(v.split("|")) if v else ())

    @cached_property
    def file_sig(self) -> Column:
        """The signature of each document's file (its key is in it), a coded column."""
        return self._lazy("file_sig")

    @cached_property
    def entered(self) -> np.ndarray:
        """The generation that added each document, by document number (``search.engines.embedded.entered``)."""
        return entered_column(self._leaves, self.size, self._lock)

    @cached_property
    def live(self) -> DocSet:
        """The numbers of the documents not deleted."""
        if not self._has_deletions:
            return docset(range(self.size))
        return docset(np.flatnonzero(self._live_mask))

    @cached_property
    def _live_mask(self) -> np.ndarray:
        mask = np.ones(self.size, dtype=bool)
        with self._lock:
            for leaf, offset in self._leaves:
                if leaf.has_deletions():
                    for local in range(leaf.doc_count_all()):
                        if leaf.is_deleted(local):
                            mask[offset + local] = False
        return mask

    # Derived from the date (once per distinct date) so that facets and date sorting are plain lookups.
    def _per_date(self, derive: Callable[[Any], Any]) -> Column:
        return self.published.derived(derive)

    @cached_property
    def year(self) -> Column:
        """The documents' years (None when undated)."""
        return self._per_date(lambda p: p[:4] if p else None)

    @cached_property
    def month(self) -> Column:
        """The documents' months (``2020-07``; None when the date has no month)."""
        return self._per_date(lambda p: p[:7] if p and len(p) >= 7 else None)

    @cached_property
    def date_rank(self) -> Column:
        """The documents' dates as integers that sort chronologically (-1 when undated)."""
        return self._per_date(date_rank)

    @cached_property
    def date_span(self) -> Column:
        """The (first day, last day) ordinals each document's date covers (None when undated)."""
        return self._per_date(date_span)

    # -- search texts (bytes in the maps) -------------------------------------

    def preload_texts(self) -> None:
        """What long-running processes want ready: the columns and the titles."""
        for name in (*FACET_COLUMNS, *METADATA_COLUMNS, "year", "month", "date_rank", "date_span"):
            getattr(self, name)
        self.live  # noqa: B018 - reading it computes it once
        self.cached("titles", self._titles)

    def search_text(self, docnum: int) -> str:
        """The folded title + paragraphs that exact search runs over."""
        part, local = self._part(docnum)
        return part.text(local)

    def title_text(self, docnum: int) -> str:
        """The folded title line of the search text."""
        part, _ = self._part(docnum)
        return part.map[int(self._starts[docnum]) : int(self._title_ends[docnum])].decode("utf-8")

    def docs_with_phrase_in_title(self, phrase: str) -> set[int]:
        """The documents whose title contains ``phrase``: one scan of all titles, not one call per document."""
        titles, title_starts = self.cached("titles", self._titles)
        needle = phrase.encode("utf-8")
        found: set[int] = set()
        position = titles.find(needle)
        while position >= 0:
            docnum = bisect_right(title_starts, position) - 1
            found.add(docnum)
            # Go on from the next title: one hit per document is enough.
            position = titles.find(needle, title_starts[docnum + 1])
        return found

    def _titles(self) -> tuple[bytes, list[int]]:
        """Every title's UTF-8, newline-separated, and where each document's title starts (with an end sentinel):
        from the segments' columns files, so that no page of the texts is read for it."""
        with self._lock:
            return self._columns.titles()

    def cached(self, name: Hashable, compute: Callable[[], T]) -> T:
        """A value derived from this snapshot, computed once (per generation)."""
        try:
            return self._derived[name]
        except KeyError:
            pass
        # One lock per value, not the snapshot's: a long computation (the suggestions, seconds) must
        # not hold up a request that needs another value, or the maps and readers.
        with self._lock:
            lock = self._derived_locks.setdefault(name, threading.Lock())
        with lock:
            if name not in self._derived:
                self._derived[name] = compute()
            return self._derived[name]

    # -- stored documents -----------------------------------------------

    def document(self, docnum: int) -> StoredDocument:
        """The stored document of a document number (read once, then kept)."""
        try:
            return self._documents[docnum]
        except KeyError:
            pass
        document = self.read_uncached(docnum)
        with self._lock:
            self._documents[docnum] = document
        return document

    def read_uncached(self, docnum: int) -> StoredDocument:
        try:
            with self._lock:
                fields = self.reader.stored_fields(docnum)
            fields["id"]
        except Exception as exc:
            raise IndexDamaged(
                f"the index in {self.index_dir} is damaged (document {docnum}'s stored fields: {type(exc).__name__})",
                hint="rebuild it with `search index --rebuild`",
            ) from exc
        text = fields.get("text") or ""
        return StoredDocument(
            docnum=docnum,
            id=fields["id"],
            path=self._located(fields.get("path", "")),
            source=fields.get("source", ""),
            item=fields.get("item", 0),
            title=fields.get("title", ""),
            paragraphs=tuple(text.split("\n")) if text else (),
            encoding=fields.get("encoding", "utf-8"),
            text_source=fields.get("text_source") or "text",
        )

    def _located(self, key: str) -> str:
        """The absolute path of an indexed file: under the first recorded folder that has it."""
        if not key:
            return ""
        if self._roots is None:
            self._roots = self._read_roots(self.index_dir)
        for folder in self._roots:
            if os.path.exists(folder / key):
                return str(folder / key)
        return str(self._roots[0] / key) if self._roots else key

    # -- documents by file and by id (through ``file_sig``: the file's key, a tab, its state) --

    def docs_of_file(self, key: str) -> DocSet:
        """Live documents read from the file ``key`` (its path relative to its indexed folder)."""
        return self._docs_coded(self._file_codes(key, file_hash(key)))

    def docs_with_id(self, doc_id: str) -> DocSet:
        """The live document whose id (``schema.document_id``) is ``doc_id``: empty or one."""
        hashed, dash, item = doc_id.rpartition("-")
        if not dash or len(hashed) != 12 or not item.isdigit():
            return EMPTY
        docs = self._docs_coded(self._file_codes(None, hashed))
        return docset([n for n in docs if self.document(n).id == doc_id])

    def _file_codes(self, key: str | None, hashed: str) -> np.ndarray:
        """The ``file_sig`` codes of the files whose key hashes to ``hashed`` (and is ``key``, unless None)."""
        try:
            wanted = np.uint64(int(hashed, 16))
        except ValueError:
            return np.empty(0, dtype=np.uint64)
        hashes, codes = self.file_hashes()
        found = codes[np.searchsorted(hashes, wanted) : np.searchsorted(hashes, wanted, side="right")]
        if key is None:
            return found
        prefix = key + "\t"
        return np.array([c for c in found.tolist() if self.file_sig.values[c].startswith(prefix)], dtype=np.uint64)

    def file_hashes(self) -> tuple[np.ndarray, np.ndarray]:
        """Every ``file_sig`` value's key hashed as ids hash it (48 bits), sorted, and each one's code
        (made once per snapshot: 0.34 s for the news' 75,448 files)."""
        return self.cached("file hashes", self._file_hashes)

    def _file_hashes(self) -> tuple[np.ndarray, np.ndarray]:
        pairs = np.array(
            [
                (int(file_hash(value.partition("\t")[0]), 16), code)
                for code, value in enumerate(self.file_sig.values)
                if value
            ],
            dtype=np.uint64,
        ).reshape(-1, 2)
        order = np.argsort(pairs[:, 0], kind="stable")
        return pairs[order, 0], pairs[order, 1]

    def _docs_coded(self, codes: np.ndarray) -> DocSet:
        if not len(codes):
            return EMPTY
        docs = docset(np.flatnonzero(np.isin(self.file_sig.codes, codes.astype(np.uint32))))
        return docs & self.live if self._has_deletions else docs

    @property
    def parts(self) -> list[GramSegment]:
        """The grams parts of this generation's segments, in document order."""
        return self._parts

    def close(self) -> None:
        """Close the segments' grams and the Whoosh reader, and drop the cached postings."""
        with self._lock:
            self._postings.clear()
            for part in self._parts:
                part.close()
            self.reader.close()
