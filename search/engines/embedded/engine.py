"""The embedded engine behind the seam: a thin adapter over ``Archive``, ``Snapshot`` and the query,
analysis and ingest functions, which it calls as they are (so it costs one method call).

``pinned()`` fixes the engine to the snapshot of the moment: a web request's
``visible`` set and its document numbers belong to that one generation.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from pathlib import Path

import numpy as np

from search.engines.base import DocumentRecord, Engine
from search.engines.embedded.archive import Archive, Snapshot, latest_generation, read_schema_version
from search.engines.embedded.docsets import doc_array
from search.engines.embedded.integrity import verify_snapshot
from search.extract import suffix_of
from search.ingest.skipped import SkippedFile, by_format, read_skipped


def formats_table(snapshot: Snapshot, skipped: Sequence[SkippedFile]) -> dict[str, dict]:
    """suffix -> files and documents in the index, and files skipped by reason (``search stats``)."""
    codes, documents = np.unique(snapshot.file_sig.codes[doc_array(snapshot.live)], return_counts=True)
    table: dict[str, dict] = {}

    def row(suffix: str) -> dict:
        return table.setdefault(suffix, {"files": 0, "documents": 0, "skipped": {}})

    for code, count in zip(codes.tolist(), documents.tolist(), strict=True):
        key = (snapshot.file_sig.values[code] or "").partition("\t")[0]
        entry = row(suffix_of(key) or "(no suffix)")
        entry["files"] += 1
        entry["documents"] += count
    for suffix, reasons in by_format(skipped).items():
        row(suffix)["skipped"] = dict(reasons.most_common())
    return dict(sorted(table.items(), key=lambda item: (-item[1]["files"] - sum(item[1]["skipped"].values()), item[0])))


class EmbeddedEngine(Engine):
    kind = "embedded"

    def __init__(self, index_dir: Path | str, *, archive: Archive | None = None, snapshot: Snapshot | None = None):
        self.index_dir = Path(index_dir)
        self.location = str(self.index_dir.resolve())
        self._archive = archive
        self._snapshot = snapshot  # pinned (and held from the archive) when given

    # -- the archive, opened on first use (`search index` builds one that is not there yet)

    @property
    def archive(self) -> Archive:
        """The index folder's archive, opened on first use."""
        if self._archive is None:
            self._archive = Archive(self.index_dir)
        return self._archive

    def snapshot(self) -> Snapshot:
        """The pinned snapshot, or the archive's newest generation."""
        return self._snapshot if self._snapshot is not None else self.archive.snapshot()

    def check(self) -> None:
        """Raise a one-line ``SearchError`` unless a snapshot of the index can be opened."""
        self.snapshot()

    def pinned(self) -> EmbeddedEngine:
        """An engine on the same archive holding its current snapshot until ``release``."""
        return EmbeddedEngine(self.index_dir, archive=self.archive, snapshot=self.archive.acquire())

    def release(self) -> None:
        """Give the pinned snapshot back to the archive (once; nothing when none is held)."""
        held, self._snapshot = self._snapshot, None
        if held is not None:
            self.archive.release(held)

    def visible_to(self, actor):
        """The documents ``actor`` may see in the current snapshot (``search.access``)."""
        from search.engines.embedded.visibility import visible_documents

        return visible_documents(self.snapshot(), actor)

    # -- writing

    def index(
        self, paths, *, rebuild=False, procs=1, progress=None, warn=None, follow_links=False, ocr=True, status=None
    ):
        """Bring the index folder up to date with the files under ``paths`` (``search.ingest.index_paths``)."""
        from search.engines.embedded.commit import index_paths

        return index_paths(
            paths,
            self.index_dir,
            rebuild=rebuild,
            procs=procs,
            progress=progress,
            warn=warn,
            follow_links=follow_links,
            ocr=ocr,
            status=status,
        )

    # -- reading

    def search(self, request, *, visible=None):
        """One results page of ``request`` on the current snapshot (``search.query.search``)."""
        from search.engines.embedded.run import search

        return search(self.snapshot(), request, visible=visible)

    def matching_ids(self, request, *, visible=None) -> set[str]:
        """The ids of every document of the current snapshot that matches ``request``."""
        from search.engines.embedded.run import matching_ids

        return matching_ids(self.snapshot(), request, visible=visible)

    def all_hits(self, request, *, visible=None):
        """Every matching hit of the current snapshot in result order, made as consumed."""
        from search.engines.embedded.run import all_hits

        return all_hits(self.snapshot(), request, visible=visible)

    def _docnum(self, doc_id: str, visible) -> int | None:
        from search.engines.embedded.documents import find_document

        return find_document(self.snapshot(), doc_id, visible=visible)

    def document(self, doc_id: str, *, visible=None) -> DocumentRecord | None:
        """The document with this id (when visible), or None."""
        docnum = self._docnum(doc_id, visible)
        return None if docnum is None else self._record(self.snapshot(), docnum)

    def siblings(self, doc_id: str, *, visible=None) -> list[DocumentRecord]:
        """The documents of the same file as ``doc_id`` (that are visible), in file order; [] for an unknown id."""
        from search.engines.embedded.documents import sibling_documents

        docnum = self._docnum(doc_id, visible)
        if docnum is None:
            return []
        snapshot = self.snapshot()
        return [self._record(snapshot, d.docnum) for d in sibling_documents(snapshot, docnum, visible=visible)]

    def similar(self, doc_id: str, *, visible=None) -> list:
        from search.dedup.similar import similar_documents

        docnum = self._docnum(doc_id, visible)
        return [] if docnum is None else similar_documents(self.snapshot(), docnum, visible)

    @staticmethod
    def _record(snapshot: Snapshot, docnum: int) -> DocumentRecord:
        doc = snapshot.document(docnum)
        return DocumentRecord(
            id=doc.id,
            title=doc.title,
            paragraphs=tuple(doc.paragraphs),
            source=doc.source,
            item=doc.item,
            path=doc.path,
            encoding=doc.encoding,
            district=snapshot.district[docnum],
            published=snapshot.published[docnum],
            topics=tuple(snapshot.topics[docnum]),
            issuer=snapshot.issuer[docnum],
            doc_number=snapshot.doc_number[docnum],
            doc_type=snapshot.doc_type[docnum],
            date_source=snapshot.date_source[docnum],
            district_source=snapshot.district_source[docnum],
            text_source=doc.text_source,
        )

    def original_file(self, record: DocumentRecord) -> Path | None:
        """The file the document was read from, when it is still on this machine."""
        from search.engines.embedded.documents import original_file

        return original_file(record)

    def stats(self) -> dict:
        """Documents, files, size, generation, schema version, last update, formats and skipped files of the index folder."""
        snapshot = self.snapshot()
        index_dir = self.index_dir
        # A file's documents share its signature (its key is in it): one code a file, no value decoded.
        files = np.unique(snapshot.file_sig.codes[doc_array(snapshot.live)])
        toc = max(index_dir.glob("_MAIN_*.toc"), key=lambda p: p.stat().st_mtime)
        skipped = read_skipped(index_dir)
        return {
            "index": self.location,
            "documents": len(snapshot.live),
            "files": len(files),
            "size_bytes": sum(p.stat().st_size for p in index_dir.iterdir() if p.is_file()),
            "generation": latest_generation(index_dir),
            "schema_version": read_schema_version(index_dir),
            "last_update": datetime.fromtimestamp(toc.stat().st_mtime).isoformat(timespec="seconds"),
            "formats": formats_table(snapshot, skipped),
            "skipped": len(skipped),
        }

    # -- saved queries

    def saved_count(self, store, saved, *, visible=None):
        """``SavedCount(total, new)`` of a saved query on the current snapshot."""
        from search.engines.embedded.saved_counts import saved_count

        return saved_count(store, self.snapshot(), saved, visible=visible)

    def mark_viewed(self, store, saved, *, visible=None) -> None:
        """Record the current generation as the saved query's last view."""
        store.mark_viewed(saved.slug, self.snapshot().generation)

    # -- the analyses

    def trend(self, queries: Sequence[str], request, by="year", measure="documents", per=None, *, visible=None):
        """Counts per period of each query on the current snapshot (``search.analysis.trend``)."""
        from search.engines.embedded.trend import trend

        return trend(self.snapshot(), queries, request, by=by, measure=measure, per=per, visible=visible)

    def concordance(self, request, order, width, *, sample_size=0, visible=None):
        """One page of the query's occurrences in context on the current snapshot."""
        from search.engines.embedded.concordance import concordance

        return concordance(self.snapshot(), request, order, width, sample_size=sample_size, visible=visible)

    def all_lines(self, request, order, width, *, visible=None):
        """Every concordance line of the query on the current snapshot, streamed."""
        from search.engines.embedded.concordance import all_lines

        return all_lines(self.snapshot(), request, order, width, visible=visible)

    def collocates(self, sample) -> tuple:
        """The words around the occurrences of a concordance's sample."""
        from search.analysis.collocates import collocates

        return collocates(self.snapshot(), sample)

    def corpus(self, request, *, visible=None) -> list[tuple[str, str | None]]:
        from search.engines.embedded.keyness import corpus

        return corpus(self.snapshot(), request, visible=visible)

    def cluster_of(self, ids) -> list[str]:
        from search.engines.embedded.keyness import clusters_of

        return clusters_of(self.snapshot(), ids)

    def corpus_texts(self, ids, *, visible=None) -> list[str]:
        from search.engines.embedded.keyness import corpus_texts

        return corpus_texts(self.snapshot(), ids, visible=visible)

    def compare(self, request_a, request_b, *, min_freq=5, visible=None):
        from search.engines.embedded.keyness import recent

        return recent(
            self.snapshot(),
            ("compare", request_a, request_b, min_freq, visible),
            lambda: super(EmbeddedEngine, self).compare(request_a, request_b, min_freq=min_freq, visible=visible),
        )

    def emerging(self, request, *, by="year", min_freq=5, visible=None):
        from search.engines.embedded.keyness import recent

        return recent(
            self.snapshot(),
            ("emerging", request, by, min_freq, visible),
            lambda: super(EmbeddedEngine, self).emerging(request, by=by, min_freq=min_freq, visible=visible),
        )

    def suggest(self, typed: str, *, wait: float = 0, visible=None) -> list:
        """Phrases of the current snapshot for what is being typed."""
        from search.engines.embedded.suggest import suggest

        return suggest(self.snapshot(), typed, wait=wait, visible=visible)

    def nearest_phrase(self, typed: str, *, visible=None) -> tuple[str, int] | None:
        """The phrase pinyin or initials spell when searched as typed, else the nearest phrase one edit away; or None."""
        from search.engines.embedded.nearest import nearest_phrase
        from search.engines.embedded.suggest import known_phrases, spelled_phrase

        snapshot = self.snapshot()
        spelled = spelled_phrase(snapshot, typed, visible)  # fgf searched as it is: 放管服
        if spelled is not None:
            return spelled.phrase, spelled.count
        return nearest_phrase(snapshot, typed, visible=visible, known=known_phrases(snapshot, visible))

    def warm_up(self, *, background: bool = False) -> None:
        """Compute what every query shares; ``background``: also verify the grams and warm each later generation."""
        from search.engines.embedded.run import warm_up
        from search.engines.embedded.suggest import suggest

        first = self.snapshot()
        if background:
            verify_snapshot(
                first
            )  # a server checks the grams' checksums (each later generation's too, in the background)
        warm_up(first)  # the first queries as fast as later ones
        if background:
            from search.engines.embedded.keyness import read_ids_in_background

            read_ids_in_background(first)  # the ids that keyness and emerging terms sample by

            def warm(snapshot) -> None:
                warm_up(snapshot)
                read_ids_in_background(snapshot)

            self.archive.warm_in_background(warm)
            suggest(self.snapshot(), "", wait=0)  # suggestions built in the background

    def state_dir(self) -> Path:
        """The index folder itself: the saved queries, accounts, audit log and web secret are kept in it."""
        return self.index_dir
