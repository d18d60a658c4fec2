"""The OpenSearch engine behind the seam: ``OpenSearchEngine`` (search/engines/opensearch/engine.py) adapted
to ``Engine``, plus what the seam needs besides it (siblings, exports, where local state lives).

What the index cannot answer yet is said in one line (``--follow-links``) or left
out (suggestions as you type, collocates), never guessed.  ``visible`` tokens are
``OpenSearchEngine.visible_to``'s: the groups of the reader.  Saved queries, accounts, the audit log and
the web secret of a URL index live in a local folder (``state_dir``):
``$SEARCH_STATE`` when set, else ``$XDG_DATA_HOME/govsearch/<host>-<port>/<index>``
(``~/.local/share/govsearch/…``).
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterator, Sequence
from dataclasses import replace
from pathlib import Path
from urllib.parse import urlsplit

from search.engines.base import DocumentRecord, Engine, unsupported
from search.errors import SearchError
from search.extract import ExtractOptions

EXPORT_PAGE = 500
STATE_ENV = "SEARCH_STATE"
ROOTS_META = "govsearch_roots"
RECORD_SOURCE = [
    "id",
    "title",
    "paragraphs",
    "source",
    "path",
    "item",
    "encoding",
    "text_source",
    "district",
    "published",
    "topics",
    "issuer",
    "doc_number",
    "doc_type",
    "date_source",
    "district_source",
]


def is_index_url(index) -> bool:
    """An ``--index`` that names an OpenSearch index (http(s)://host:port/name) rather than a folder."""
    return isinstance(index, str | os.PathLike) and re.match(r"https?://", str(index)) is not None


def default_state_dir(url: str) -> Path:
    """Where a URL index's saved queries and accounts live when ``$SEARCH_STATE`` is not set."""
    parts = urlsplit(url)
    data = Path(os.environ.get("XDG_DATA_HOME") or Path.home() / ".local" / "share")
    host = re.sub(r"[^A-Za-z0-9._-]", "_", f"{parts.hostname}-{parts.port or (443 if parts.scheme == 'https' else 80)}")
    name = re.sub(r"[^A-Za-z0-9._-]", "_", parts.path.strip("/")) or "index"
    return data / "govsearch" / host / name


class RemoteEngine(Engine):
    kind = "opensearch"

    def __init__(self, url: str, *, state: Path | str | None = None):
        from search.engines.opensearch.engine import OpenSearchEngine  # opensearch-py only when an index is a URL

        self.cluster = OpenSearchEngine(url)
        self.location = self.cluster.url
        self._state = Path(state) if state else None

    def check(self) -> None:
        """Raise a one-line ``SearchError`` unless the cluster answers and the index is of our mapping."""
        self.cluster.check()

    # -- writing

    def index(
        self, paths, *, rebuild=False, procs=1, progress=None, warn=None, follow_links=False, ocr=True, status=None
    ):
        """Bring the OpenSearch index up to date with the files under ``paths`` and record their folders; no ``--follow-links``."""
        from search.engines.opensearch.ingest import index_paths

        if follow_links:
            raise unsupported("--follow-links")
        # OCR'd pages are cached in the state folder this engine keeps on this machine.
        cache = str(self.state_dir() / "ocr-cache") if ocr else None
        report = index_paths(
            paths,
            self.cluster,
            rebuild=rebuild,
            procs=procs,
            warn=warn,
            options=ExtractOptions(ocr=ocr, ocr_cache=cache),
            state_dir=self.state_dir(),
        )
        self._record_roots([Path(p).resolve() for p in paths])
        return report

    # The folders the index's files are relative to travel with the index, in its mapping's _meta
    # (the embedded index keeps them in ROOTS.json): a machine that has them serves the originals.

    def _meta(self) -> dict:
        mapping = self.cluster.call(self.cluster.client.indices.get_mapping, index=self.cluster.name)
        return dict(next(iter(mapping.values()))["mappings"].get("_meta", {}))

    def roots(self) -> list[Path]:
        """The folders the index's files are relative to, as recorded in the index's mapping."""
        return [Path(p) for p in self._meta().get(ROOTS_META, [])]

    def _record_roots(self, roots: list[Path]) -> None:
        folders = [r if r.is_dir() else r.parent for r in roots]
        folders += [f for f in self.roots() if f not in folders and f.is_dir()]
        meta = {**self._meta(), ROOTS_META: [str(f) for f in folders]}
        self.cluster.call(self.cluster.client.indices.put_mapping, index=self.cluster.name, body={"_meta": meta})

    # -- reading

    def visible_to(self, actor):
        """The cluster's filter for the documents ``actor`` may see."""
        return self.cluster.visible_to(actor)

    def search(self, request, *, visible=None):
        """One results page of ``request`` from the cluster."""
        return self.cluster.search(request, visible=visible)

    def matching_ids(self, request, *, visible=None) -> set[str]:
        """The ids of every document of the cluster that matches ``request``."""
        return self.cluster.matching_ids(request, visible=visible)

    def all_hits(self, request, *, visible=None) -> Iterator:
        """Every matching hit in result order, page after page of the largest size."""
        from search.query import MAX_PER_PAGE

        request = replace(request, per_page=MAX_PER_PAGE, page=1)
        while True:
            results = self.cluster.search(request, visible=visible)
            yield from results.hits
            if request.page >= results.pages or not results.hits:
                return
            request = request.with_page(request.page + 1)

    def document(self, doc_id: str, *, visible=None) -> DocumentRecord | None:
        """The document with this id (when visible), or None; None for an empty or over-long id."""
        if not doc_id or len(doc_id) > 64:
            return None
        source = self.cluster.document(doc_id, visible=visible)
        return None if source is None else _record(doc_id, source)

    def siblings(self, doc_id: str, *, visible=None) -> list[DocumentRecord]:
        """The documents of the same file as ``doc_id`` (that are visible), in item order; [] for an unknown id."""
        from search.engines.opensearch.query import visibility_clause

        record = self.document(doc_id, visible=visible)
        if record is None:
            return []
        access = visibility_clause(visible)
        query = {"bool": {"filter": [{"term": {"path": record.path}}, *([access] if access else [])]}}
        body = {"query": query, "size": 10_000, "sort": [{"item": "asc"}, {"id": "asc"}], "_source": RECORD_SOURCE}
        return [_record(h["_id"], h["_source"]) for h in self.cluster.raw_search(body)["hits"]["hits"]]

    def similar(self, doc_id: str, *, visible=None) -> list:
        from search.engines.opensearch.dedup import similar_copies

        if not doc_id or len(doc_id) > 64:
            return []
        return similar_copies(self.cluster, doc_id, visible)

    def cluster_of(self, ids) -> list[str]:
        """Each document's reprint cluster: its ``cluster`` field (the canonical copy's id)."""
        ids = list(ids)
        found: dict[str, str] = {}
        for start in range(0, len(ids), 10_000):
            chunk = ids[start : start + 10_000]
            for doc_id, source in self.cluster.sources({"terms": {"id": chunk}}, ["cluster"], batch=2000):
                found[doc_id] = source.get("cluster") or doc_id
        return [f"#{found[i]}" if i in found else i for i in ids]

    def original_file(self, record: DocumentRecord) -> Path | None:
        """The file a document was read from, looked for under each recorded folder on this machine."""
        from search.engines.embedded.documents import original_file

        for root in self.roots():
            found = original_file(replace(record, path=str(root / record.source)))
            if found is not None:
                return found
        return None

    def stats(self) -> dict:
        """What the cluster says of the index: documents, files, shards, replicas, size on disk, health."""
        return self.cluster.stats()

    # -- saved queries: no generations here, so what is new is told by the ids last seen

    def saved_count(self, store, saved, *, visible=None):
        """``SavedCount(total, new)`` of a saved query, new counted against the ids seen at the last view."""
        from search.saved.store import SavedCount

        ids = self.matching_ids(saved.request, visible=visible)
        return SavedCount(len(ids), len(ids - saved.seen_ids) if saved.last_viewed else len(ids))

    def mark_viewed(self, store, saved, *, visible=None) -> None:
        """Record the ids matching now as the saved query's seen ones."""
        store.mark_viewed_ids(saved.slug, self.matching_ids(saved.request, visible=visible))

    # -- the analyses

    def trend(self, queries: Sequence[str], request, by="year", measure="documents", per=None, *, visible=None):
        """Counts per period of each query, from the cluster (``remote_analysis``)."""
        from search.engines.opensearch.analysis import trend

        return trend(self.cluster, queries, request, by=by, measure=measure, per=per, visible=visible)

    def concordance(self, request, order, width, *, sample_size=0, visible=None):
        """One page of the query's occurrences in context, from the cluster's texts."""
        from search.engines.opensearch.analysis import concordance

        return concordance(self.cluster, request, order, width, sample_size=sample_size, visible=visible)

    def all_lines(self, request, order, width, *, visible=None):
        """Every concordance line of the query, streamed from the cluster."""
        from search.engines.opensearch.analysis import all_lines

        return all_lines(self.cluster, request, order, width, visible=visible)

    def collocates(self, sample) -> tuple:
        """The words around the occurrences of a concordance's sample (its texts came with it)."""
        from search.engines.opensearch.analysis import collocates

        return collocates(sample)

    def corpus(self, request, *, visible=None) -> list[tuple[str, str | None]]:
        query = self.cluster.request_body(request, None, visible)
        return sorted(
            (doc_id, source.get("published"))
            for doc_id, source in self.cluster.sources(query, ["published"], batch=10_000)
        )

    def corpus_texts(self, ids, *, visible=None) -> list[str]:
        from search.engines.opensearch.query import visibility_clause
        from search.text.normalize import search_text

        access = visibility_clause(visible)
        texts: dict[str, str] = {}
        for start in range(0, len(ids), EXPORT_PAGE):
            batch = list(ids[start : start + EXPORT_PAGE])
            query = {"bool": {"filter": [{"ids": {"values": batch}}, *([access] if access else [])]}}
            body = {"query": query, "size": len(batch), "_source": ["title", "paragraphs"]}
            for hit in self.cluster.raw_search(body)["hits"]["hits"]:
                source = hit["_source"]
                texts[hit["_id"]] = search_text(source.get("title") or "", list(source.get("paragraphs") or ()))
        missing = [doc_id for doc_id in ids if doc_id not in texts]
        if missing:
            raise ValueError(f"no document {missing[0]!r} to count")
        return [texts[doc_id] for doc_id in ids]

    # -- local state

    def state_dir(self) -> Path:
        """This machine's state folder for the index (created when missing); SearchError when it cannot be."""
        folder = self._state or Path(os.environ.get(STATE_ENV) or default_state_dir(self.location))
        try:
            folder.mkdir(parents=True, exist_ok=True)
        except OSError as exc:
            raise SearchError(
                f"cannot create the state folder {folder} ({exc.strerror or exc})",
                hint=f"choose another with ${STATE_ENV}",
            ) from exc
        return folder


def _record(doc_id: str, source: dict) -> DocumentRecord:
    return DocumentRecord(
        id=doc_id,
        title=source.get("title") or "",
        paragraphs=tuple(source.get("paragraphs") or ()),
        # The index knows a file by its path relative to the indexed folder: that is its source.
        source=source.get("source") or "",
        item=int(source.get("item") or 0),
        path=source.get("path") or "",
        encoding=source.get("encoding") or "utf-8",
        text_source=source.get("text_source") or "text",
        district=source.get("district"),
        published=source.get("published"),
        topics=tuple(source.get("topics") or ()),
        issuer=source.get("issuer"),
        doc_number=source.get("doc_number"),
        doc_type=source.get("doc_type"),
        date_source=source.get("date_source"),
        district_source=source.get("district_source"),
    )
