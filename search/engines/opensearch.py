"""The OpenSearch engine: the archive in an OpenSearch index, searched with Ctrl-F semantics.

An index URL names the cluster and the index: ``http://127.0.0.1:9200/govsearch``.

Exactness (the mapping, ``MAPPING_VERSION``): the folded title and each folded
paragraph are values of one ``text`` field cut into single characters (Lucene's
``ngram`` tokenizer, 1..1, every character kept, whitespace included) with
positions; values are ``POSITION_GAP`` positions apart.  A phrase is a
``match_phrase`` with slop 0: its characters at consecutive positions, which is
exactly a substring of one paragraph.  Queries never contain a newline, so that
is the substring oracle over the search text.  The alternative (bigrams without
positions, verified by us) was measured against it: ``bench/opensearch_mapping.py``.

Texts are folded by our own ``normalize.fold`` before they are sent, and queries
by our own parser, so both engines agree on what a character is.  Snippets are
made by our own ``highlight.snippets`` from the stored paragraphs: OpenSearch's
highlighter marks a phrase on a character field one character at a time.
"""

from __future__ import annotations

import time
from collections.abc import Iterable
from urllib.parse import urlsplit

from opensearchpy import OpenSearch, helpers
from opensearchpy import exceptions as os_errors

from ..analysis import segmenter
from ..errors import SearchError
from ..highlight import snippets
from ..meta import Taxonomy
from ..normalize import search_text
from ..query import FacetValue, Hit, ParsedQuery, SearchRequest, SearchResults, request_query, terms_to_mark
from .opensearch_mapping import MAPPING_VERSION, MAX_RESULT_WINDOW, document_source, index_body

FACET_SIZE = 10_000  # more than any facet has values: every shard returns all of its terms
PAGE_SOURCE = ["id", "title", "paragraphs", "district", "published", "topics", "source"]


class OpenSearchEngine:
    """One index on one cluster: create, write, search, count, fetch, stats."""

    def __init__(self, url: str, *, timeout: float = 30):
        parts = urlsplit(url)
        name = parts.path.strip("/")
        if parts.scheme not in ("http", "https") or not parts.hostname or not name or "/" in name:
            raise SearchError(f"{url} is not an index URL", hint="write it like http://127.0.0.1:9200/govsearch")
        self.base = f"{parts.scheme}://{parts.netloc}"
        self.name = name
        self.client = OpenSearch(hosts=[self.base], timeout=timeout, max_retries=2, retry_on_timeout=True)
        self._checked = False

    @property
    def url(self) -> str:
        return f"{self.base}/{self.name}"

    # -- errors ----------------------------------------------------------------

    def _call(self, operation, *args, **kwargs):
        """Run one client call; what can go wrong becomes one SearchError line."""
        try:
            return operation(*args, **kwargs)
        except os_errors.ConnectionError as exc:
            raise SearchError(
                f"cannot reach OpenSearch at {self.base}",
                hint="is the cluster running? (scripts/opensearch.sh start, then scripts/opensearch.sh status)",
            ) from exc
        except os_errors.NotFoundError as exc:
            if exc.error == "index_not_found_exception":
                raise self._missing() from exc
            raise
        except os_errors.TransportError as exc:
            raise SearchError(f"OpenSearch at {self.base} refused the request: {_reason(exc)}") from exc

    def _missing(self) -> SearchError:
        return SearchError(
            f"no index {self.name} on {self.base}", hint=f"build it with `search index --index {self.url}`"
        )

    def check(self) -> None:
        """Raise a one-line SearchError unless the cluster answers and the index has our mapping version."""
        if self._checked:
            return
        mapping = self._call(self.client.indices.get_mapping, index=self.name)
        meta = next(iter(mapping.values()))["mappings"].get("_meta", {})
        version = meta.get("govsearch_mapping_version")
        if version != MAPPING_VERSION:
            raise SearchError(
                f"index {self.name} on {self.base} has mapping version {version}, this govsearch needs {MAPPING_VERSION}",
                hint=f"rebuild it with `search index --rebuild --index {self.url}`",
            )
        self._checked = True

    # -- lifecycle -------------------------------------------------------------

    def exists(self) -> bool:
        return bool(self._call(self.client.indices.exists, index=self.name))

    def create(self, shards: int = 1, replicas: int = 0) -> None:
        """Create the index with our mapping (an error if it exists)."""
        self._call(self.client.indices.create, index=self.name, body=index_body(shards, replicas))
        self._checked = False

    def drop(self) -> None:
        """Delete the index if it exists."""
        self._call(self.client.indices.delete, index=self.name, ignore_unavailable=True)
        self._checked = False

    def refresh(self) -> None:
        self._call(self.client.indices.refresh, index=self.name)

    # -- writing ---------------------------------------------------------------

    def index_documents(self, sources: Iterable[dict], *, chunk_bytes: int = 8 << 20) -> int:
        """Bulk-index documents made by ``document_source``; returns how many were written."""
        self.check()
        actions = ({"_index": self.name, "_id": s["id"], "_source": s} for s in sources)
        written, errors = self._call(
            helpers.bulk, self.client, actions, max_chunk_bytes=chunk_bytes, chunk_size=2000,
            raise_on_error=False, request_timeout=120,
        )
        if errors:
            raise SearchError(f"OpenSearch refused {len(errors)} documents, the first: {_bulk_reason(errors[0])}")
        return written

    def delete(self, ids: Iterable[str] = (), *, paths: Iterable[str] = (), stale_of: dict | None = None) -> int:
        """Delete documents by id, every document of some files, or the documents of files whose
        signature is not the given one (``stale_of``: path -> signature); returns how many went."""
        self.check()
        clauses = []
        if ids := list(ids):
            clauses.append({"terms": {"id": ids}})
        if paths := list(paths):
            clauses.append({"terms": {"path": paths}})
        for path, signature in (stale_of or {}).items():
            clauses.append({"bool": {"filter": [{"term": {"path": path}}],
                                     "must_not": [{"term": {"file_sig": signature}}]}})
        if not clauses:
            return 0
        # Ids first, then bulk deletes: _delete_by_query lives in the reindex module,
        # which a minimal node (scripts/opensearch.sh) does not have.
        doomed: set[str] = set()
        for start in range(0, len(clauses), 500):  # keep each request's clause count bounded
            query = {"bool": {"should": clauses[start:start + 500], "minimum_should_match": 1}}
            doomed |= self._ids(query)
        actions = ({"_op_type": "delete", "_index": self.name, "_id": i} for i in sorted(doomed))
        deleted, errors = self._call(helpers.bulk, self.client, actions, chunk_size=2000,
                                     raise_on_error=False, refresh=True)
        missing = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if missing:
            raise SearchError(f"OpenSearch refused to delete {len(missing)} documents, the first: {_bulk_reason(missing[0])}")
        return deleted

    # -- reading ---------------------------------------------------------------

    def search(self, request: SearchRequest, taxonomy: Taxonomy | None = None) -> SearchResults:
        """Total, facets over the whole result set, and one page of hits with snippets."""
        started = time.perf_counter()
        self.check()
        parsed = request_query(request, taxonomy)
        first = (request.page - 1) * request.per_page
        size = max(0, min(request.per_page, MAX_RESULT_WINDOW - first))
        body = {
            "query": self.query(parsed, request.mode),
            "track_total_hits": True,
            "from": min(first, MAX_RESULT_WINDOW),
            "size": size,
            "sort": _SORTS[request.sort],
            "_source": PAGE_SOURCE,
            "aggs": _FACET_AGGS,
        }
        answer = self._search(body)
        marks = terms_to_mark(parsed, request.mode)
        hits = tuple(_hit(h, marks) for h in answer["hits"]["hits"])
        return SearchResults(
            request=request,
            read_as=parsed.describe(),
            notes=parsed.notes,
            phrases=marks,
            total=answer["hits"]["total"]["value"],
            took_ms=round((time.perf_counter() - started) * 1000, 1),
            hits=hits,
            facets={name: _facet(answer["aggregations"][name]) for name in _FACET_AGGS},
        )

    def matching_ids(self, request: SearchRequest, taxonomy: Taxonomy | None = None) -> set[str]:
        """The ids of every matching document (pages through them): for tests and benchmarks."""
        self.check()
        return self._ids(self.query(request_query(request, taxonomy), request.mode))

    def _ids(self, query: dict) -> set[str]:
        ids: set[str] = set()
        after = None
        while True:
            body = {"query": query, "size": 10_000, "sort": [{"id": "asc"}], "_source": False}
            if after:
                body["search_after"] = after
            hits = self._search(body)["hits"]["hits"]
            ids.update(h["_id"] for h in hits)
            if len(hits) < 10_000:
                return ids
            after = hits[-1]["sort"]

    def counts_by_period(self, request: SearchRequest, period: str = "year",
                         taxonomy: Taxonomy | None = None) -> list[tuple[str, int]]:
        """Matching documents per year or per month (a date histogram), oldest first.

        A document counts in a month only when its date is known to the month
        (the month facet's rule); in a year, when its year is known.
        """
        if period not in ("year", "month"):
            raise ValueError("period must be year or month")
        self.check()
        query = self.query(request_query(request, taxonomy), request.mode)
        query = {"bool": {"filter": [query, {"exists": {"field": period}}]}}
        histogram = {"field": "date_start", "calendar_interval": period, "min_doc_count": 1,
                     "format": "yyyy" if period == "year" else "yyyy-MM"}
        answer = self._search({"query": query, "size": 0, "aggs": {"period": {"date_histogram": histogram}}})
        return [(b["key_as_string"], b["doc_count"]) for b in answer["aggregations"]["period"]["buckets"]]

    def document(self, doc_id: str) -> dict | None:
        """A document's stored fields (title, paragraphs, district, published, topics, source, …), or None."""
        self.check()
        try:
            return self._call(self.client.get, index=self.name, id=doc_id)["_source"]
        except os_errors.NotFoundError:  # the index exists (checked): the document does not
            return None

    def stats(self) -> dict:
        """Documents, files, shards, replicas, size on disk and cluster health."""
        self.check()
        count = self._call(self.client.count, index=self.name)["count"]
        files = self._search({"size": 0, "aggs": {"files": {"cardinality": {"field": "path",
                                                                            "precision_threshold": 40000}}}})
        settings = self._call(self.client.indices.get_settings, index=self.name)[self.name]["settings"]["index"]
        store = self._call(self.client.indices.stats, index=self.name, metric="store")
        health = self._call(self.client.cluster.health, index=self.name)
        return {
            "index": self.url,
            "documents": count,
            "files": files["aggregations"]["files"]["value"],
            "mapping_version": MAPPING_VERSION,
            "shards": int(settings["number_of_shards"]),
            "replicas": int(settings["number_of_replicas"]),
            "size_bytes": store["_all"]["primaries"]["store"]["size_in_bytes"],
            "health": health["status"],
        }

    def _search(self, body: dict) -> dict:
        answer = self._call(self.client.search, index=self.name, body=body, request_timeout=120)
        shards = answer.get("_shards", {})
        if shards.get("failed"):
            # A partial answer would be an inexact count: say so instead.
            raise SearchError(
                f"{shards['failed']} of {shards['total']} shards of {self.name} did not answer",
                hint="check the cluster's health (scripts/opensearch.sh status)",
            )
        return answer

    # -- the query -------------------------------------------------------------

    def query(self, parsed: ParsedQuery, mode: str = "exact") -> dict:
        """The OpenSearch query of a parsed query: an AND of groups, each an OR of atoms.

        A group that is one positive phrase is scored (``must``); the other groups
        are filters.  A phrase is evaluated once: a phrase over character
        positions is the costly part of a query.  A title hit adds more than any
        number of hits in the text.
        """
        if not parsed.groups:
            return {"match_all": {}}
        scored, filters = [], []
        for group in parsed.groups:
            (first, *others) = group
            if not others and first.field == "text" and not first.negated and not first.is_positional and mode == "exact":
                scored.append({"match_phrase": {"text": first.value}})
            else:
                filters.append({"bool": {"should": [self._atom(a, mode) for a in group], "minimum_should_match": 1}})
        titles = [{"match_phrase": {"title_chars": {"query": p, "boost": 10}}} for p in parsed.phrases]
        return {"bool": {"must": scored, "filter": filters, "should": titles}}

    def _atom(self, atom, mode: str) -> dict:
        clause = self._positive(atom, mode)
        return {"bool": {"must_not": [clause]}} if atom.negated else clause

    @staticmethod
    def _positive(atom, mode: str) -> dict:
        if atom.is_positional:
            raise SearchError(
                f"{atom.describe()}: NEAR, SENT, PARA and $n are not available on the OpenSearch engine yet",
                hint="search these phrases without the operator, or use the embedded index",
            )
        if atom.field in ("issuer", "type", "docno"):
            raise SearchError(
                f"{atom.describe()}: issuer:, type: and docno: are not available on the OpenSearch engine yet",
                hint="search without these filters, or use the embedded index",
            )
        if atom.field == "title":
            return {"match_phrase": {"title_chars": atom.value}}
        if atom.field == "text":
            words = (segmenter().cut(atom.value) or [atom.value]) if mode == "words" else [atom.value]
            return {"bool": {"filter": [{"match_phrase": {"text": w}} for w in words]}}
        if atom.field == "district":
            return {"terms": {"district": list(atom.names)}}
        if atom.field == "topic":
            return {"terms": {"topics": list(atom.names)}}
        if atom.field == "month":
            return {"term": {"month": atom.value}}
        # year and date: the document's whole date lies within the interval
        first, last = atom.interval
        return {"bool": {"filter": [{"range": {"date_start": {"gte": first.isoformat()}}},
                                    {"range": {"date_end": {"lte": last.isoformat()}}}]}}


def _terms(field: str, by_key: bool) -> dict:
    order = [{"_key": "desc"}] if by_key else [{"_count": "desc"}, {"_key": "asc"}]
    return {"terms": {"field": field, "size": FACET_SIZE, "order": order}}


_FACET_AGGS = {
    "district": _terms("district", by_key=False),
    "year": _terms("year", by_key=True),
    "month": _terms("month", by_key=True),
    "topic": _terms("topics", by_key=False),
}
_SORTS = {
    "relevance": ["_score", {"date_start": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
    "newest": [{"date_start": {"order": "desc", "missing": "_last"}}, "_score", {"id": "asc"}],
    "oldest": [{"date_start": {"order": "asc", "missing": "_last"}}, "_score", {"id": "asc"}],
}


def _facet(aggregation: dict) -> tuple[FacetValue, ...]:
    return tuple(FacetValue(b["key"], b["doc_count"]) for b in aggregation["buckets"] if b["doc_count"] > 0)


def _hit(raw: dict, marks: tuple[str, ...]) -> Hit:
    source = raw["_source"]
    title, paragraphs = source.get("title") or "", source.get("paragraphs") or []
    display = "\n".join((title, *paragraphs))
    return Hit(
        id=raw["_id"],
        title=title,
        district=source.get("district"),
        date=source.get("published"),
        topics=tuple(source.get("topics") or ()),
        source=source.get("source") or "",
        score=round(raw["_score"], 4) if raw.get("_score") is not None else 0.0,
        snippets=tuple(snippets(display, search_text(title, paragraphs), marks)),
    )


def _reason(exc: os_errors.TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return f"{exc.status_code} {exc.error}"


def _bulk_reason(item: dict) -> str:
    result = next(iter(item.values()))
    error = result.get("error") or {}
    return f"{result.get('_id')}: {error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else str(error)


__all__ = ["MAPPING_VERSION", "OpenSearchEngine", "document_source", "index_body"]
