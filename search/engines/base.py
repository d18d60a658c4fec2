"""The seam: everything the CLI and the web UI ask of an engine, in one small interface.

Two engines implement it: ``EmbeddedEngine`` (Whoosh + our grams files in an
index folder, the default) and ``RemoteEngine`` (an OpenSearch index named by a
URL).  Callers get one from ``search.engines.open_engine(index)`` and never
ask which it is; what an engine cannot do raises ``SearchError`` with one line
that says so (``unsupported``).

``visible`` arguments are what ``visible_to(actor)`` returned: an engine's own
token for "the documents this actor may see" (None: all of them).
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.errors import Unsupported


@dataclass(frozen=True)
class DocumentRecord:
    """A document as the document page and the downloads show it (both engines alike)."""

    id: str
    title: str
    paragraphs: tuple[str, ...]
    source: str  # relative to its indexed folder
    item: int
    path: str  # where the file was read from ("" when the engine cannot know)
    encoding: str
    district: str | None = None
    published: str | None = None
    topics: tuple[str, ...] = ()
    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    date_source: str | None = None
    district_source: str | None = None
    text_source: str = "text"  # "ocr" or "mixed" where pages were recognised (OCR)


class Engine(ABC):
    """One index: write it (+ ~ -), search it, count in it, read a document, describe it."""

    kind: str  # "embedded" or "opensearch"
    location: str  # the index folder (resolved) or the index URL

    # -- writing ------------------------------------------------------------------

    @abstractmethod
    def index(
        self,
        paths: Sequence[Path],
        *,
        rebuild: bool = False,
        procs: int = 1,
        progress: Callable[[list], Iterable] | None = None,
        warn: Callable[[str], None] | None = None,
        follow_links: bool = False,
        ocr: bool = True,
        status: Callable[[str], None] | None = None,
    ):
        """Bring the index up to date with the files under ``paths``: new, changed and removed files
        (a removed file's documents are deleted).  ``ocr``: recognise PDF pages without a text layer;
        ``status`` is given OCR's progress lines.  Returns an ``IndexReport``."""

    # -- reading ------------------------------------------------------------------

    def check(self) -> None:  # noqa: B027 - optional: the default does nothing
        """Raise a one-line ``SearchError`` unless the index can be read."""

    def pinned(self) -> Engine:
        """The engine fixed to what the index holds now and held until ``release`` (one web request
        reads one generation, and a commit meanwhile cannot close it under the request)."""
        return self

    def release(self) -> None:  # noqa: B027 - optional: the default does nothing
        """Give back what ``pinned`` holds (once)."""

    def visible_to(self, actor):
        """The documents ``actor`` may see, as this engine's ``visible`` token (None: all)."""
        return

    @abstractmethod
    def search(self, request, *, visible=None):
        """``SearchRequest`` -> ``SearchResults``: total, facets over the whole result set, a page of hits."""

    @abstractmethod
    def matching_ids(self, request, *, visible=None) -> set[str]:
        """The ids of every matching document (saved-query counts, tests)."""

    @abstractmethod
    def all_hits(self, request, *, visible=None) -> Iterator:
        """Every matching ``Hit`` in result order, made as it is consumed (exports)."""

    @abstractmethod
    def document(self, doc_id: str, *, visible=None) -> DocumentRecord | None:
        """The document with this id (that the asker may see), or None."""

    @abstractmethod
    def siblings(self, doc_id: str, *, visible=None) -> list[DocumentRecord]:
        """The documents of the same file as ``doc_id`` (the items of a split page), in file order."""

    def similar(self, doc_id: str, *, visible=None) -> list:
        """The document's reprints and edited copies, then its closest documents by shingle overlap
        (``search.dedup.similar.Similar``, of what the asker may see); none by default."""
        return []

    def original_file(self, record: DocumentRecord) -> Path | None:
        """The file a document was read from, when this machine has it (None: no download)."""
        return None

    @abstractmethod
    def stats(self) -> dict:
        """Documents, files, size and what else the engine knows about its index (``search stats``)."""

    # -- saved queries: how many match now, how many are new since the last view --------

    @abstractmethod
    def saved_count(self, store, saved, *, visible=None):
        """``SavedCount(total, new)`` of a saved query (``search.saved.store``)."""

    @abstractmethod
    def mark_viewed(self, store, saved, *, visible=None) -> None:
        """Record that the saved query's matches were seen now."""

    # -- the analyses -------------------------------------------------------------

    @abstractmethod
    def trend(
        self,
        queries: Sequence[str],
        request,
        by: str = "year",
        measure: str = "documents",
        per: str | None = None,
        *,
        visible=None,
    ):
        """Counts per period of each query under ``request``'s filters (``search.analysis.trend.Trend``)."""

    @abstractmethod
    def concordance(self, request, order: str, width: int, *, sample_size: int = 0, visible=None):
        """One page of the occurrences of ``request``'s query in context (``Concordance``)."""

    @abstractmethod
    def all_lines(self, request, order: str, width: int, *, visible=None) -> Iterator:
        """Every concordance line, streamed (CSV)."""

    def collocates(self, sample) -> tuple:
        """The words around a concordance's sample (the concordance page's side panel)."""
        return ()

    # -- keyness and emerging terms: the documents, then search.analysis counts their texts ----------

    def corpus(self, request, *, visible=None) -> list[tuple[str, str | None]]:
        """(id, date) of every document ``request`` matches (that the reader may see), in id order."""
        raise unsupported("keyness and emerging terms", f"the {self.kind} engine")

    def corpus_texts(self, ids: Sequence[str], *, visible=None) -> list[str]:
        """The search texts (``normalize.search_text``) of the documents ``ids``, in that order."""
        raise unsupported("keyness and emerging terms", f"the {self.kind} engine")

    def cluster_of(self, ids: Sequence[str]) -> list[str]:
        """The near-duplicate cluster of each document (emerging terms count clusters); here each
        document is its own cluster (its id); the engines name their reprint clusters."""
        return list(ids)

    def compare(self, request_a, request_b, *, min_freq: int = 5, visible=None):
        """Keyness of ``request_a``'s documents against ``request_b``'s without them (``analysis.keyness.Keyness``)."""
        from search.analysis.sides import compare

        return compare(self, request_a, request_b, min_freq=min_freq, visible=visible)

    def emerging(self, request, *, by: str = "year", min_freq: int = 5, visible=None):
        """The phrases of ``request``'s documents counted per period (``analysis.emerging.PeriodCounts``)."""
        from search.analysis.sides import count_emerging

        return count_emerging(self, request, by=by, min_freq=min_freq, visible=visible)

    def suggest(self, typed: str, *, wait: float = 0, visible=None) -> list:
        """Phrases of the archive for what is being typed (the search box); none by default."""
        return []

    def nearest_phrase(self, typed: str, *, visible=None) -> tuple[str, int] | None:
        """(phrase, documents) one edit away from a phrase no document holds, or the phrase that pinyin or
        initials searched as they are spell (您是不是要找); none by default."""
        return None

    def warm_up(self, *, background: bool = False) -> None:  # noqa: B027 - optional: the default does nothing
        """Compute now what every query shares (a server, before it answers)."""

    # -- where the local state lives ----------------------------------------------

    @abstractmethod
    def state_dir(self) -> Path:
        """The folder of the saved queries, accounts, audit log and web secret of this index."""


def unsupported(what: str, engine: str = "the OpenSearch engine") -> Unsupported:
    """The one line for something an engine cannot do (yet)."""
    return Unsupported(
        f"{what} is not available on {engine} yet", hint="use an index folder (the embedded engine) for it"
    )
