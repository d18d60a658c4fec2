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

from search.engines.opensearch import ranking
from search.engines.opensearch.answers import bulk_refusal_reason, facet_values, hit_of_source, refusal_reason
from search.engines.opensearch.mapping import MAPPING_VERSION, MAX_RESULT_WINDOW, document_source, index_body
from search.engines.opensearch.query import (
    FACET_FIELDS,
    SORT_ORDERS,
    QueryBuilder,
    all_of,
    every_value,
    facet_terms,
    resolve_positional,
    split_selections,
    visibility_clause,
)
from search.errors import SearchError
from search.ingest.identity import METADATA_COLUMNS
from search.meta import Taxonomy
from search.query import ParsedQuery, SearchRequest, SearchResults
from search.query.compose import request_query, terms_to_mark
from search.query.facet_values import organ_facet

PAGE_SOURCE = ["id", "title", "paragraphs", "district", "published", "topics", "source", *METADATA_COLUMNS]


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
        self.checked = False

    @property
    def url(self) -> str:
        """The index's URL (the cluster's base and the index name)."""
        return f"{self.base}/{self.name}"

    # -- errors ----------------------------------------------------------------

    def call(self, operation, *args, **kwargs):
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
            raise SearchError(f"OpenSearch at {self.base} refused the request: {refusal_reason(exc)}") from exc

    def _missing(self) -> SearchError:
        return SearchError(
            f"no index {self.name} on {self.base}", hint=f"build it with `search index --index {self.url}`"
        )

    def check(self) -> None:
        """Raise a one-line SearchError unless the cluster answers and the index has our mapping version."""
        if self.checked:
            return
        mapping = self.call(self.client.indices.get_mapping, index=self.name)
        meta = next(iter(mapping.values()))["mappings"].get("_meta", {})
        version = meta.get("govsearch_mapping_version")
        if version != MAPPING_VERSION:
            raise SearchError(
                f"index {self.name} on {self.base} has mapping version {version}, this govsearch needs {MAPPING_VERSION}",
                hint=f"rebuild it with `search index --rebuild --index {self.url}`",
            )
        self.checked = True

    # -- lifecycle -------------------------------------------------------------

    def exists(self) -> bool:
        """Whether the index (or alias) exists on the cluster."""
        return bool(self.call(self.client.indices.exists, index=self.name))

    def create(self, shards: int = 1, replicas: int = 0) -> None:
        """Create the index with our mapping (an error if it exists)."""
        self.call(self.client.indices.create, index=self.name, body=index_body(shards, replicas))
        self.checked = False

    def drop(self) -> None:
        """Delete the index if it exists (every generation, when the name is an alias)."""
        from search.engines.opensearch.generations import generations, serving

        doomed = sorted({*serving(self), *generations(self)})
        if doomed:
            self.call(self.client.indices.delete, index=",".join(doomed), ignore_unavailable=True)
        self.checked = False

    def refresh(self) -> None:
        """Make what was written so far visible to searches."""
        self.call(self.client.indices.refresh, index=self.name)

    # -- writing ---------------------------------------------------------------

    def index_documents(self, sources: Iterable[dict], *, chunk_bytes: int = 8 << 20) -> int:
        """Bulk-index documents made by ``document_source``; returns how many were written."""
        self.check()
        actions = ({"_index": self.name, "_id": s["id"], "_source": s} for s in sources)
        written, errors = self.call(
            helpers.bulk,
            self.client,
            actions,
            max_chunk_bytes=chunk_bytes,
            chunk_size=2000,
            raise_on_error=False,
            request_timeout=120,
        )
        if errors:
            raise SearchError(
                f"OpenSearch refused {len(errors)} documents, the first: {bulk_refusal_reason(errors[0])}"
            )
        return written

    def delete(self, ids: Iterable[str] = (), *, paths: Iterable[str] = (), stale_of: dict | None = None) -> int:
        """Delete documents by id, every document of some files, or the documents of files whose
        signature is not the given one (``stale_of``: path -> signature); returns how many went."""
        self.check()
        clauses: list[dict] = []
        if ids := list(ids):
            clauses.append({"terms": {"id": ids}})
        if paths := list(paths):
            clauses.append({"terms": {"path": paths}})
        for path, signature in (stale_of or {}).items():
            clauses.append(
                {"bool": {"filter": [{"term": {"path": path}}], "must_not": [{"term": {"file_sig": signature}}]}}
            )
        if not clauses:
            return 0
        # Ids first, then bulk deletes: _delete_by_query lives in the reindex module,
        # which a minimal node (scripts/opensearch.sh) does not have.
        doomed: set[str] = set()
        for start in range(0, len(clauses), 500):  # keep each request's clause count bounded
            query = {"bool": {"should": clauses[start : start + 500], "minimum_should_match": 1}}
            doomed |= self._ids(query)
        actions = ({"_op_type": "delete", "_index": self.name, "_id": i} for i in sorted(doomed))
        deleted, errors = self.call(
            helpers.bulk, self.client, actions, chunk_size=2000, raise_on_error=False, refresh=True
        )
        missing = [e for e in errors if next(iter(e.values())).get("status") != 404]
        if missing:
            raise SearchError(
                f"OpenSearch refused to delete {len(missing)} documents, the first: {bulk_refusal_reason(missing[0])}"
            )
        return deleted

    # -- reading ---------------------------------------------------------------

    def visible_to(self, actor) -> frozenset[str] | None:
        """The ``visible`` token of an actor (``search.access.Actor``): the groups whose restricted
        documents it may see besides the unrestricted ones; None (an admin): every document."""
        return None if actor is None or actor.is_admin else frozenset(actor.groups)

    def search(
        self, request: SearchRequest, taxonomy: Taxonomy | None = None, *, visible: frozenset[str] | None = None
    ) -> SearchResults:
        """Total, facets over the whole result set, and one page of hits with snippets.

        A facet with selected values is counted as if it had none (the other
        selections and the query still apply), as the embedded engine's page
        shows it: the selections are a ``post_filter`` and each facet's
        aggregation filters by the selections of the other facets.
        """
        from search.engines.opensearch.dedup import copies_clauses, distinct_clusters, search_once

        if request.dedup:  # 去重: one hit per reprint cluster, every count a number of clusters
            return search_once(
                self,
                request,
                taxonomy,
                visible=visible,
                sorts=SORT_ORDERS,
                hit_of=hit_of_source,
                page_source=PAGE_SOURCE,
            )
        started = time.perf_counter()
        self.check()
        parsed = request_query(request, taxonomy)
        base, selections = split_selections(request, taxonomy)
        access = visibility_clause(visible)
        builder = QueryBuilder(request.mode, self._resolve_positional(parsed, base, access, request.mode))
        if request.sort == "relevance":  # the reader's statistics, never the cluster's (ranking.py)
            builder.weights = ranking.weights(self, builder.scored_phrases(base), base.phrases, access)
        chosen = {name: builder.groups(groups) for name, groups in selections.items() if groups}
        aggs = {}
        for name in FACET_FIELDS:
            others = [clause for other, clause in chosen.items() if other != name]
            aggs[name] = {"filter": all_of(others), "aggs": {"values": facet_terms(name)}}
        first = (request.page - 1) * request.per_page
        size = max(0, min(request.per_page, MAX_RESULT_WINDOW - first))
        query = builder.query(base, [*([access] if access else []), *copies_clauses(self, request, visible)])
        body = {
            "query": query,
            "track_total_hits": True,
            "from": min(first, MAX_RESULT_WINDOW),
            "size": size,
            "sort": SORT_ORDERS[request.sort],
            "_source": PAGE_SOURCE,
            "aggs": aggs,
        }
        if chosen:
            body["post_filter"] = all_of(list(chosen.values()))
        # One phrase that is the whole query: the page's total is the reader's documents holding it.
        by_total = not chosen and len(base.groups) == 1 and builder.scored_phrases(base) == tuple(base.phrases)
        answer, builder.weights = ranking.page_search(self, body, builder.weights, access, by_total)
        marks = terms_to_mark(parsed, request.mode)
        hits = tuple(hit_of_source(h, marks, parsed, builder.weights) for h in answer["hits"]["hits"])
        facets = {}
        for name in FACET_FIELDS:
            counted = answer["aggregations"][name]["values"]
            if counted["sum_other_doc_count"]:
                counted_over = {"bool": {"filter": [query, aggs[name]["filter"]]}}
                facets[name] = every_value(self.raw_search, name, counted_over)
            else:
                facets[name] = facet_values(counted)
        facets["issuer"] = organ_facet(facets["issuer"])  # each organ counted as its filter matches
        total = answer["hits"]["total"]["value"]
        matched = all_of([query, *chosen.values()])
        return SearchResults(
            reprints=total - distinct_clusters(self, matched) if total > 1 else 0,
            request=request,
            read_as=parsed.describe(),
            notes=parsed.notes,
            phrases=marks,
            total=answer["hits"]["total"]["value"],
            took_ms=round((time.perf_counter() - started) * 1000, 1),
            hits=hits,
            facets=facets,
        )

    def matching_ids(
        self, request: SearchRequest, taxonomy: Taxonomy | None = None, *, visible: frozenset[str] | None = None
    ) -> set[str]:
        """The ids of every matching document (pages through them): for tests and benchmarks.
        With 去重, one per reprint cluster (``opensearch_dedup.representatives``)."""
        from search.engines.opensearch.dedup import copies_clauses, representatives

        self.check()
        query = self.request_body(request, taxonomy, visible)
        extra = copies_clauses(self, request, visible)
        query = {"bool": {"filter": [query, *extra]}} if extra else query
        return set(representatives(self, query)[0]) if request.dedup else self._ids(query)

    def request_body(self, request: SearchRequest, taxonomy, visible) -> dict:
        """The whole request (selections included) as one query, what the reader may see of it."""
        parsed = request_query(request, taxonomy)
        access = visibility_clause(visible)
        builder = QueryBuilder(request.mode, self._resolve_positional(parsed, parsed, access, request.mode))
        return builder.query(parsed, [access] if access else [])

    def _resolve_positional(
        self, parsed: ParsedQuery, base: ParsedQuery, access: dict | None, mode: str = "exact"
    ) -> dict:
        return resolve_positional(parsed, base, access, self.sources, mode)

    def sources(self, query: dict, fields: list[str], batch: int = 500):
        """(id, _source fields) of every document matching ``query``, in id order, a batch a request."""
        after = None
        while True:
            body = {"query": query, "size": batch, "sort": [{"id": "asc"}], "_source": fields}
            if after:
                body["search_after"] = after
            hits = self.raw_search(body)["hits"]["hits"]
            for hit in hits:
                yield hit["_id"], hit["_source"]
            if len(hits) < batch:
                return
            after = hits[-1]["sort"]

    def _ids(self, query: dict) -> set[str]:
        ids: set[str] = set()
        after = None
        while True:
            body = {"query": query, "size": 10_000, "sort": [{"id": "asc"}], "_source": False}
            if after:
                body["search_after"] = after
            hits = self.raw_search(body)["hits"]["hits"]
            ids.update(h["_id"] for h in hits)
            if len(hits) < 10_000:
                return ids
            after = hits[-1]["sort"]

    def document(self, doc_id: str, *, visible: frozenset[str] | None = None) -> dict | None:
        """A document's stored fields (title, paragraphs, district, published, topics, source, …), or
        None (also when it is restricted to groups the reader of ``visible`` is not in)."""
        self.check()
        if (access := visibility_clause(visible)) is not None:
            query = {"bool": {"filter": [{"ids": {"values": [doc_id]}}, access]}}
            found = self.raw_search({"query": query, "size": 1})["hits"]["hits"]
            return found[0]["_source"] if found else None
        try:
            return self.call(self.client.get, index=self.name, id=doc_id)["_source"]
        except os_errors.NotFoundError:  # the index exists (checked): the document does not
            return None

    def stats(self) -> dict:
        """Documents, files, shards, replicas, size on disk and cluster health."""
        self.check()
        count = self.call(self.client.count, index=self.name)["count"]
        files = self.raw_search(
            {"size": 0, "aggs": {"files": {"cardinality": {"field": "path", "precision_threshold": 40000}}}}
        )
        # Keyed by the concrete index: the name may be an alias (opensearch_generations).
        ((concrete, described),) = self.call(self.client.indices.get_settings, index=self.name).items()
        settings = described["settings"]["index"]
        store = self.call(self.client.indices.stats, index=self.name, metric="store")
        health = self.call(self.client.cluster.health, index=self.name)
        return {
            "index": self.url,
            "generation": concrete,
            "documents": count,
            "files": files["aggregations"]["files"]["value"],
            "mapping_version": MAPPING_VERSION,
            "shards": int(settings["number_of_shards"]),
            "replicas": int(settings["number_of_replicas"]),
            "size_bytes": store["_all"]["primaries"]["store"]["size_in_bytes"],
            "health": health["status"],
        }

    def raw_search(self, body: dict, dfs: bool = False) -> dict:
        extra = {"search_type": "dfs_query_then_fetch"} if dfs else {}
        answer = self.call(self.client.search, index=self.name, body=body, request_timeout=120, **extra)
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
        """The OpenSearch query of a parsed query (``opensearch_query.QueryBuilder``)."""
        return QueryBuilder(mode, self._resolve_positional(parsed, parsed, None, mode)).query(parsed)


__all__ = ["MAPPING_VERSION", "OpenSearchEngine", "document_source", "index_body"]
