"""The on-disk index as the rest of the library sees it: open, check, snapshot.

Everything Whoosh-specific on the reading side is here.  A ``Snapshot`` is one
index generation, read-only: the facet columns of every live document loaded
once into plain lists, the grams files opened, the search texts loaded as one
string on first use, and bounded caches of posting sets and stored documents.  A
long-running process (the web app) keeps its snapshot until the index moves to
a new generation, so repeated queries pay for none of this again.
"""

from __future__ import annotations

import json
import os
import threading
from array import array
from bisect import bisect_right
from collections import OrderedDict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from itertools import compress, repeat
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.filedb.filestore import FileStorage

from .errors import SearchError
from .gramstore import GramSegment, char_range, gram_key, segment_file
from .metadata import PartialDate
from .schema import FACET_COLUMNS, METADATA_COLUMNS, SCHEMA_VERSION, make_schema

VERSION_FILE = "SCHEMA_VERSION"
ROOTS_FILE = "ROOTS.json"
INDEX_NAME = "MAIN"
POSTINGS_CACHE_IDS = 10_000_000


def read_schema_version(index_dir: Path) -> int | None:
    """The schema version recorded in ``index_dir``, or None when there is none."""
    try:
        return int((index_dir / VERSION_FILE).read_text().strip())
    except (OSError, ValueError):
        return None


def open_index(index_dir: Path):
    """Open an existing index with our own schema, or raise a SearchError that says what to do."""
    index_dir = Path(index_dir)
    # Not whoosh's exists_in: it unpickles the stored schema, and an index from an older
    # version of this program may name field classes that no longer exist.
    if not index_dir.is_dir() or latest_generation(index_dir) < 0:
        raise SearchError(
            f"no index in {index_dir}",
            hint="build it with `search index` (default: the seeds/ folder into index/)",
        )
    version = read_schema_version(index_dir)
    if version != SCHEMA_VERSION:
        raise SearchError(
            f"the index in {index_dir} was built with schema version {'unknown' if version is None else version}; "
            f"this program needs version {SCHEMA_VERSION}",
            hint="rebuild it with `search index --rebuild`",
        )
    try:
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME, schema=make_schema())
    except Exception as exc:  # a damaged TOC or segment: say so instead of a traceback
        raise SearchError(
            f"the index in {index_dir} cannot be read ({exc.__class__.__name__}: {exc})",
            hint="rebuild it with `search index --rebuild`",
        ) from exc


def create_index(index_dir: Path):
    """Create an empty index in ``index_dir`` (its index files are replaced)."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = whoosh_index.create_in(str(index_dir), make_schema(), indexname=INDEX_NAME)
    write_schema_version(index_dir)
    return ix


def write_schema_version(index_dir: Path) -> None:
    """Record this program's schema version in ``index_dir`` (atomically)."""
    tmp = index_dir / (VERSION_FILE + ".tmp")
    tmp.write_text(f"{SCHEMA_VERSION}\n")
    os.replace(tmp, index_dir / VERSION_FILE)


def read_roots(index_dir: Path) -> list[Path]:
    """The folders the index's files are relative to (the last run's first), as recorded by ``write_roots``."""
    try:
        return [Path(p) for p in json.loads((Path(index_dir) / ROOTS_FILE).read_text(encoding="utf-8"))]
    except (OSError, ValueError, TypeError):
        return []


def write_roots(index_dir: Path, folders: Sequence[Path]) -> None:
    """Record the folders the index's files are relative to (atomically)."""
    tmp = Path(index_dir) / (ROOTS_FILE + ".tmp")
    tmp.write_text(json.dumps([str(f) for f in folders], ensure_ascii=False), encoding="utf-8")
    os.replace(tmp, Path(index_dir) / ROOTS_FILE)


def latest_generation(index_dir: Path) -> int:
    """The newest committed generation number (-1 when there is none)."""
    return whoosh_index.TOC._latest_generation(FileStorage(str(index_dir)), INDEX_NAME)


@dataclass(frozen=True)
class StoredDocument:
    """A document's stored fields, as the query layer needs them."""

    docnum: int
    id: str
    path: str  # where the file is now: the first of the index's folders that has it (see ``read_roots``)
    source: str  # relative to its indexed folder; also what the index knows the file by (the ``path`` term)
    item: int
    title: str
    paragraphs: tuple[str, ...]
    encoding: str


def _date_rank(published: str | None) -> int:
    """An integer that sorts dates chronologically: 2020 < 2020-07 < 2020-07-18; unknown is -1.

    A less precise date sorts before the more precise dates it contains.
    """
    if not published:
        return -1
    parts = [int(p) for p in published.split("-")]
    year, month, day = (parts + [0, 0])[:3]
    return year * 10_000 + month * 100 + day


def _date_span(published: str | None) -> tuple[int, int] | None:
    """The (first day, last day) ordinals a document's date covers, at its precision."""
    if not published:
        return None
    parsed = PartialDate(*(int(p) for p in published.split("-")))
    return parsed.start().toordinal(), parsed.end().toordinal()


class _LRU:
    """A thread-safe least-recently-used cache bounded by entries and by total weight."""

    def __init__(self, size: int, max_weight: int | None = None, weight=lambda value: 1):
        self.size = size
        self.max_weight = max_weight
        self.weight = weight
        self._data: OrderedDict = OrderedDict()
        self._total = 0
        self._lock = threading.Lock()

    def get(self, key, compute):
        with self._lock:
            if key in self._data:
                self._data.move_to_end(key)
                return self._data[key]
        value = compute(key)
        with self._lock:
            if key not in self._data:
                self._data[key] = value
                self._total += self.weight(value)
            while len(self._data) > self.size or (
                self.max_weight is not None and self._total > self.max_weight and len(self._data) > 1
            ):
                _, evicted = self._data.popitem(last=False)
                self._total -= self.weight(evicted)
        return value


class Snapshot:
    """One committed generation of the index, read-only and cached; safe to share between threads."""

    def __init__(self, ix, index_dir: Path):
        self.index_dir = index_dir
        self.reader = ix.reader()
        self.generation = self.reader.generation()
        self._leaves = [(leaf.segment(), offset, leaf.doc_count_all()) for leaf, offset in self.reader.leaf_readers()]
        self._load_columns()
        self._has_deletions = self.reader.has_deletions()
        # A posting set of a common gram holds most of the archive (a few MB);
        # bound the cache by document ids held, not only by entries.
        self._postings = _LRU(4096, max_weight=POSTINGS_CACHE_IDS, weight=len)
        self._documents = _LRU(2000)
        self._lock = threading.RLock()  # Whoosh's readers and the lazy loads below
        # Opened now, not on first use: a later commit may delete the files of
        # segments it merged, and an open map outlives its file's deletion.
        self._grams = self._open_gram_segments()
        self._text: str | None = None
        self._starts: array | None = None
        self._title_ends: array | None = None
        self._derived: dict = {}
        self._roots: list[Path] | None = None

    def _load_columns(self) -> None:
        size = self.reader.doc_count_all()
        self.size = size
        self.district: list[str | None] = [None] * size
        self.published: list[str | None] = [None] * size
        self.topics: list[tuple[str, ...]] = [()] * size
        self.file_sig: list[str | None] = [None] * size
        for name in METADATA_COLUMNS:  # issuer, doc_number, doc_type, date_source, district_source
            setattr(self, name, [None] * size)
        self.access: list[str | None] = [None] * size  # groups that may see it; None: everyone
        for leaf, offset in self.reader.leaf_readers():
            columns = {
                name: leaf.column_reader(name) if leaf.has_column(name) else None
                for name in (*FACET_COLUMNS, *METADATA_COLUMNS)
            }
            for local in range(leaf.doc_count_all()):
                if leaf.is_deleted(local):
                    continue
                docnum = offset + local
                for name, column in columns.items():
                    raw = column[local] if column is not None else b""
                    value = raw.decode("utf-8") if raw else ""
                    if name == "topics":
                        self.topics[docnum] = tuple(value.split("|")) if value else ()
                    else:
                        getattr(self, name)[docnum] = value or None
        self.live: frozenset[int] = frozenset(
            n for n in range(size) if self.file_sig[n] is not None
        )
        # Derived once per generation so that facets and date sorting are plain lookups.
        self.year: list[str | None] = [p[:4] if p else None for p in self.published]
        self.month: list[str | None] = [p[:7] if p and len(p) >= 7 else None for p in self.published]
        self.date_rank: list[int] = [_date_rank(p) for p in self.published]
        self.date_span: list[tuple[int, int] | None] = [_date_span(p) for p in self.published]

    # -- grams -----------------------------------------------------------

    def _open_gram_segments(self) -> list[tuple[GramSegment, int]]:
        """The grams file of every non-empty segment, with the segment's first document number."""
        opened = []
        for segment, offset, count in self._leaves:
            if count == 0:
                continue
            path = segment_file(self.index_dir, segment.segment_id())
            try:
                opened.append((GramSegment(path), offset))
            except (OSError, ValueError) as exc:
                raise SearchError(
                    f"the index in {self.index_dir} is damaged ({path.name}: {exc})",
                    hint="rebuild it with `search index --rebuild`",
                ) from exc
        return opened

    def docs_with_gram(self, gram: str) -> frozenset[int]:
        """Live documents whose search text has the bigram ``gram`` (cached per generation)."""
        return self._postings.get(("gram", gram), self._read_gram)

    def _read_gram(self, key) -> frozenset[int]:
        code = gram_key(key[1])
        return self._union(lambda grams: grams.docs(code))

    def docs_with_char(self, char: str) -> frozenset[int]:
        """Live documents containing ``char``: every bigram starting with it (cached)."""
        return self._postings.get(("char", char), self._read_char)

    def _read_char(self, key) -> frozenset[int]:
        lo, hi = char_range(key[1])
        return self._union(lambda grams: grams.docs_in_range(lo, hi))

    def _union(self, postings_in) -> frozenset[int]:
        """The live documents that ``postings_in(grams file)`` names in any segment."""
        docs: set[int] = set()
        for grams, offset in self._grams:
            found = postings_in(grams)
            docs.update(found if offset == 0 else (offset + d for d in found))
        return frozenset(docs) & self.live if self._has_deletions else frozenset(docs)

    def gram_frequency(self, gram: str) -> int:
        """How many documents (deleted ones included) have the bigram: a cheap cost estimate."""
        code = gram_key(gram)
        return sum(grams.doc_frequency(code) for grams, _ in self._grams)

    # -- search texts ----------------------------------------------------

    def _texts(self) -> tuple[str, array, array]:
        """Every search text as one string, with each document's start and title end (loaded once)."""
        if self._text is None:
            with self._lock:
                if self._text is None:
                    parts: list[str] = []
                    starts = array("q", [0]) * (self.size + 1)
                    title_ends = array("q", [0]) * self.size
                    base = 0
                    for grams, offset in self._grams:
                        text, offsets = grams.all_text()
                        for local in range(grams.doc_count):
                            starts[offset + local] = base + offsets[local]
                            title_ends[offset + local] = base + offsets[local] + grams.title_lengths[local]
                        base += len(text)
                        parts.append(text)
                    starts[self.size] = base
                    self._starts, self._title_ends = starts, title_ends
                    self._text = parts[0] if len(parts) == 1 else "".join(parts)
        return self._text, self._starts, self._title_ends

    def preload_texts(self) -> None:
        """Load the search texts and the titles now (long-running processes; about 1 s per 100 MB)."""
        self._texts()
        self.cached("titles", self._titles)

    def search_text(self, docnum: int) -> str:
        """The folded title + paragraphs that exact search runs over."""
        text, starts, _ = self._texts()
        return text[starts[docnum] : starts[docnum + 1]]

    def title_text(self, docnum: int) -> str:
        """The folded title line of the search text."""
        text, starts, title_ends = self._texts()
        return text[starts[docnum] : title_ends[docnum]]

    def containing(self, docs: Iterable[int], phrase: str, title_only: bool = False) -> list[int]:
        """The documents of ``docs`` whose search text (or title) contains ``phrase``."""
        text, starts, title_ends = self._texts()
        docs = list(docs)
        ends = title_ends if title_only else starts[1:]
        found = map(text.find, repeat(phrase), map(starts.__getitem__, docs), map(ends.__getitem__, docs))
        return list(compress(docs, map((-1).__lt__, found)))

    def spans(self, docs: Sequence[int]) -> tuple[list[int], list[int], list[int]]:
        """Where each document's search text starts and ends, and where its title ends, in ``counts``' terms."""
        _, starts, title_ends = self._texts()
        return (
            list(map(starts.__getitem__, docs)),
            list(map(starts.__getitem__, map((1).__add__, docs))),
            list(map(title_ends.__getitem__, docs)),
        )

    def counts(self, phrase: str, starts: Sequence[int], ends: Sequence[int]) -> list[int]:
        """How often ``phrase`` occurs between each start and end (from ``spans``); a loop in C."""
        text, _, _ = self._texts()
        return list(map(text.count, repeat(phrase), starts, ends))

    def counts_everywhere(self, phrase: str) -> list[int]:
        """How often ``phrase`` occurs in every document's search text, by document number.

        Cheaper than ``counts`` when a result set holds much of the archive:
        the loop runs over two array slices without gathering spans.
        """
        text, starts, _ = self._texts()
        return list(map(text.count, repeat(phrase), starts[:-1], starts[1:]))

    def docs_with_phrase_in_title(self, phrase: str) -> set[int]:
        """The documents whose title contains ``phrase``: one scan of all titles, not one call per document."""
        titles, title_starts = self.cached("titles", self._titles)
        found: set[int] = set()
        position = titles.find(phrase)
        while position >= 0:
            docnum = bisect_right(title_starts, position) - 1
            found.add(docnum)
            # Go on from the next title: one hit per document is enough.
            position = titles.find(phrase, title_starts[docnum + 1])
        return found

    def _titles(self) -> tuple[str, array]:
        """Every title, newline-separated, and where each document's title starts (with an end sentinel)."""
        text, starts, title_ends = self._texts()
        parts = list(map(text.__getitem__, map(slice, starts[:-1], title_ends)))
        title_starts = array("q", [0]) * (self.size + 1)
        position = 0
        for n, part in enumerate(parts):
            title_starts[n] = position
            position += len(part) + 1
        title_starts[self.size] = position
        return "\n".join(parts), title_starts

    def cached(self, name: str, compute):
        """A value derived from this snapshot, computed once (per generation)."""
        with self._lock:
            if name not in self._derived:
                self._derived[name] = compute()
            return self._derived[name]

    # -- stored documents -----------------------------------------------

    def document(self, docnum: int) -> StoredDocument:
        return self._documents.get(docnum, self._read_document)

    def _read_document(self, docnum: int) -> StoredDocument:
        with self._lock:
            fields = self.reader.stored_fields(docnum)
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
        )

    def _located(self, key: str) -> str:
        """The absolute path of an indexed file: under the first recorded folder that has it."""
        if not key:
            return ""
        if self._roots is None:
            self._roots = read_roots(self.index_dir)
        for folder in self._roots:
            if os.path.exists(folder / key):
                return str(folder / key)
        return str(self._roots[0] / key) if self._roots else key

    def docs_with(self, field: str, term: str) -> frozenset[int]:
        """Live documents whose Whoosh-indexed field (``id`` or ``path``) is ``term``."""
        btext = term.encode("utf-8")
        with self._lock:
            if (field, btext) not in self.reader:
                return frozenset()
            ids = frozenset(self.reader.postings(field, btext).all_ids())
        return ids & self.live

    def close(self) -> None:
        with self._lock:
            for grams, _ in self._grams:
                grams.close()
            self.reader.close()


class Archive:
    """An index directory, opened for reading; hands out the current snapshot."""

    def __init__(self, index_dir: Path | str):
        self.index_dir = Path(index_dir)
        self._ix = open_index(self.index_dir)
        self._snapshot: Snapshot | None = None
        self._lock = threading.Lock()

    def snapshot(self) -> Snapshot:
        """The snapshot of the newest committed generation (reopened when the index changed)."""
        current = self._snapshot
        if current is not None and latest_generation(self.index_dir) == current.generation:
            return current
        with self._lock:
            if self._snapshot is None or latest_generation(self.index_dir) != self._snapshot.generation:
                self._snapshot = self._open_newest()
            return self._snapshot

    def _open_newest(self, attempts: int = 3) -> Snapshot:
        """A snapshot of the newest generation; retried when a commit replaced files while opening."""
        for attempt in range(attempts):
            generation = latest_generation(self.index_dir)
            try:
                self._ix = open_index(self.index_dir)
                return Snapshot(self._ix, self.index_dir)
            except (SearchError, OSError):
                if attempt == attempts - 1 or latest_generation(self.index_dir) == generation:
                    raise
        raise AssertionError("unreachable")

    def close(self) -> None:
        if self._snapshot is not None:
            self._snapshot.close()
