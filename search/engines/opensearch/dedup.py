"""去重 on the OpenSearch engine: the same clusters and the same counts as the embedded engine's.

Clusters: after an indexing run (``update_clusters``), every document's
fingerprint is made by ``search.dedup`` exactly as the embedded engine makes
it (the same shingles of the same folded text, the same joining rule and
canonical order), from a table kept in the engine's state folder on this
machine, so an incremental run fetches only the texts of new and changed
documents (and of their candidates' partners).  Each document then carries its
cluster as a keyword field, ``cluster`` (the id of its canonical copy), and its
place in the canonical order, ``cluster_rank``; only documents whose values
changed are updated.

Counts are exact: never ``cardinality`` (an estimate).  A number of clusters
is the number of buckets of a composite aggregation over ``cluster``, paged to
the end; a facet value's number of clusters, the number of its (value,
cluster) buckets.  The hits are the representatives (one per cluster: the
first of its matching copies in the canonical order, a ``top_hits`` by
``cluster_rank``), ranked by the page's own query and sort.  The documents the
reader may not see are filtered out before anything is counted.
"""

from __future__ import annotations

import time
from collections import Counter
from pathlib import Path

import numpy as np
from opensearchpy import helpers

from search.dedup import store
from search.dedup.clusters import UNDATED, build_from, officialness, places
from search.dedup.counting import RolledFacet
from search.engines.embedded.dates import date_rank as _date_rank
from search.engines.opensearch.query import FACET_FIELDS, QueryBuilder, all_of, split_selections, visibility_clause
from search.meta.organs import issuer_organs
from search.meta.places import NATIONAL, place_path
from search.query import FacetValue, SearchResults
from search.query.compose import request_query, terms_to_mark
from search.text.normalize import fold, normalize_query, search_text

LIGHT = ["id", "path", "item", "file_sig", "published", "doc_type", "doc_number", "cluster", "cluster_rank"]
PAGE = 10_000


def _table_dir(state_dir: Path, name: str) -> Path:
    folder = Path(state_dir) / f"dedup-opensearch-{name}"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def update_clusters(target, state_dir: Path, name: str) -> int:
    """Cluster every document of ``target`` (an ``OpenSearchEngine``) from the table of the index
    ``name`` kept in ``state_dir``; write the changed ``cluster`` fields; returns how many changed."""
    target.refresh()
    docs = [source for _, source in target.sources({"match_all": {}}, LIGHT, batch=PAGE)]
    folder = _table_dir(state_dir, name)
    generations = store._generations(folder)
    previous = store.load(folder, generations[-1]) if generations else None
    keys = [f"{d['path']}\t{d.get('file_sig') or ''}\x00{d.get('item') or 0}" for d in docs]
    texts: dict[int, str] = {}

    def prefetch(numbers: list[int]) -> None:
        wanted = [n for n in numbers if n not in texts]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            at = {docs[n]["id"]: n for n in chunk}
            for doc_id, source in target.sources({"ids": {"values": list(at)}}, ["title", "paragraphs"], batch=500):
                texts[at[doc_id]] = search_text(source.get("title") or "", source.get("paragraphs") or [])

    def text_of(n: int) -> str:
        if n not in texts:
            prefetch([n])
        return texts[n]

    dated = np.asarray([r if (r := _date_rank(d.get("published"))) >= 0 else UNDATED for d in docs], dtype=np.int64)
    official = np.asarray([officialness(d.get("doc_type"), d.get("doc_number")) for d in docs], dtype=np.int64)
    preference = places(dated, official, [(d["path"], int(d.get("item") or 0)) for d in docs])
    table = build_from(keys, text_of, preference, previous, prefetch)
    sizes = np.bincount(table.canonical[table.canonical >= 0], minlength=len(docs)) if len(docs) else []
    wanted = {}
    for n, doc in enumerate(docs):
        root = int(table.canonical[n])
        # A cluster of one keeps its own id and rank 0 (as written): only copies are rewritten.
        cluster, rank = (docs[root]["id"], int(table.preference[n])) if sizes[root] > 1 else (doc["id"], 0)
        if doc.get("cluster") != cluster or doc.get("cluster_rank") != rank:
            wanted[doc["id"]] = (cluster, rank)
    _rewrite(target, wanted)
    generation = (generations[-1] + 1) if generations else 1
    store.save(table, folder, generation)
    store.prune(folder)
    return len(wanted)


def _rewrite(target, wanted: dict[str, tuple[str, int]]) -> None:
    """Write documents again with their new ``cluster`` and ``cluster_rank``: whole, since the searched
    fields are not kept in ``_source`` (a partial update would drop them); they are made again from it
    as ``document_source`` makes them."""
    ids = sorted(wanted)
    for start in range(0, len(ids), 500):
        chunk = ids[start : start + 500]
        actions = []
        for doc_id, source in target.sources({"ids": {"values": chunk}}, True, batch=500):
            title, paragraphs = source.get("title") or "", source.get("paragraphs") or []
            cluster, rank = wanted[doc_id]
            source.update(
                text=search_text(title, paragraphs).split("\n"),
                title_chars=fold(title),
                cluster=cluster,
                cluster_rank=rank,
            )
            actions.append({"_index": target.name, "_id": doc_id, "_source": source})
        target.call(helpers.bulk, target.client, actions, chunk_size=500, request_timeout=120)
    if ids:
        target.refresh()


# -- counting -------------------------------------------------------------------


def _composite(target, query: dict, sources: list[dict]):
    """Every bucket of a composite aggregation (paged to the end)."""
    after = None
    while True:
        composite = {"size": PAGE, "sources": sources, **({"after": after} if after else {})}
        answer = target.raw_search({"size": 0, "query": query, "aggs": {"pairs": {"composite": composite}}})
        buckets = answer["aggregations"]["pairs"]["buckets"]
        yield from buckets
        after = answer["aggregations"]["pairs"].get("after_key")
        if not buckets or not after:
            return


def distinct_clusters(target, query: dict) -> int:
    """The exact number of clusters among the documents ``query`` matches."""
    return sum(1 for _ in _composite(target, query, [{"c": {"terms": {"field": "cluster"}}}]))


def _pairs(target, query: dict, field: str) -> list[tuple[str | None, str]]:
    sources = [{"v": {"terms": {"field": field, "missing_bucket": True}}}, {"c": {"terms": {"field": "cluster"}}}]
    return [(b["key"]["v"], b["key"]["c"]) for b in _composite(target, query, sources)]


def _counted(name: str, pairs: list[tuple[str | None, str]]) -> tuple[FacetValue, ...]:
    """A facet's values, each with its distinct clusters, ordered as the embedded engine orders them."""
    if name == "issuer":
        counter = _organs(pairs)
    else:
        counter = Counter(value for value, _ in pairs if value is not None)
    if name in ("year", "month"):
        ordered = sorted(counter.items(), reverse=True)
    else:
        ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
    values = tuple(FacetValue(v, c) for v, c in ordered if c > 0)
    if name == "district":
        values = RolledFacet(values)
        values.rolled = _rolled(pairs)
    return values


def _organs(pairs) -> Counter:
    issuers = {value for value, _ in pairs if value}
    counts: Counter = Counter()
    for organ in {o for issuer in issuers for o in issuer_organs(issuer)}:
        needle = normalize_query(organ)
        counts[organ] = len({c for value, c in pairs if value and needle in normalize_query(value)})
    return counts


def _rolled(pairs) -> dict[str, int]:
    held: dict[str, set[str]] = {}
    for value, cluster in pairs:
        if not value:
            continue
        for place in place_path(value):
            if place == NATIONAL and value != NATIONAL:
                continue
            held.setdefault(place, set()).add(cluster)
    return {place: len(clusters) for place, clusters in held.items()}


def copies_clauses(target, request, visible) -> list[dict]:
    """The filter of a copies listing (``request.copies``): the cluster of that document, if the reader
    may see it (else nothing matches)."""
    if not getattr(request, "copies", ""):
        return []
    found = target.document(request.copies, visible=visible) if len(request.copies) <= 64 else None
    if found is None:
        return [{"ids": {"values": []}}]
    return [{"term": {"cluster": found.get("cluster") or request.copies}}]


def representatives(target, query: dict) -> tuple[list[str], dict[str, int]]:
    """One document per cluster among those ``query`` matches (the first matching copy in the canonical
    order, a ``top_hits`` by ``cluster_rank``), and how many other copies each cluster has there."""
    sources = [{"c": {"terms": {"field": "cluster"}}}]
    chosen_ids, others = [], {}
    after = None
    while True:
        composite = {"size": 2000, "sources": sources, **({"after": after} if after else {})}
        first = {"top_hits": {"size": 1, "sort": [{"cluster_rank": "asc"}], "_source": False}}
        answer = target.raw_search(
            {"size": 0, "query": query, "aggs": {"pairs": {"composite": composite, "aggs": {"first": first}}}}
        )
        buckets = answer["aggregations"]["pairs"]["buckets"]
        for bucket in buckets:
            doc_id = bucket["first"]["hits"]["hits"][0]["_id"]
            chosen_ids.append(doc_id)
            others[doc_id] = bucket["doc_count"] - 1
        after = answer["aggregations"]["pairs"].get("after_key")
        if not buckets or not after:
            return chosen_ids, others


def search_once(target, request, taxonomy=None, *, visible=None, sorts: dict, hit_of, page_source) -> SearchResults:
    """A results page with 去重 (``OpenSearchEngine.search`` with ``request.dedup``)."""
    started = time.perf_counter()
    target.check()
    parsed = request_query(request, taxonomy)
    base, selections = split_selections(request, taxonomy)
    access = visibility_clause(visible)
    extra = [*([access] if access else []), *copies_clauses(target, request, visible)]
    builder = QueryBuilder(request.mode, target._resolve_positional(parsed, base, access, request.mode))
    chosen = {name: builder.groups(groups) for name, groups in selections.items() if groups}
    query = builder.query(base, extra)
    everything = all_of([query, *chosen.values()])
    chosen_ids, others = representatives(target, everything)
    facets = {}
    for name, field in FACET_FIELDS.items():
        counted_over = all_of([query, *(clause for other, clause in chosen.items() if other != name)])
        facets[name] = _counted(name, _pairs(target, counted_over, field))
    first_hit = (request.page - 1) * request.per_page
    hits = ()
    if chosen_ids and first_hit < len(chosen_ids):
        filters = [*chosen.values(), {"ids": {"values": chosen_ids}}]
        body = {
            "query": {"bool": {"must": [query], "filter": filters}},
            "from": first_hit,
            "size": request.per_page,
            "sort": sorts[request.sort],
            "_source": page_source,
        }
        marks = terms_to_mark(parsed, request.mode)
        from dataclasses import replace

        hits = tuple(
            replace(hit_of(h, marks, parsed), reprints=others.get(h["_id"], 0))
            for h in target.raw_search(body)["hits"]["hits"]
        )
    documents = sum(others.values()) + len(chosen_ids)
    return SearchResults(
        request=request,
        read_as=parsed.describe(),
        notes=parsed.notes,
        phrases=terms_to_mark(parsed, request.mode),
        total=len(chosen_ids),
        took_ms=round((time.perf_counter() - started) * 1000, 1),
        hits=hits,
        facets=facets,
        reprints=documents - len(chosen_ids),
    )


# -- the analyses (trend, concordance) ----------------------------------------------


def once_remote(matches, key=None):
    """``RemoteMatches`` with one document per cluster (and per ``key(doc)``): the first in the canonical
    order (``cluster_rank``), as ``search.dedup.analysis.once`` picks it."""
    from dataclasses import replace

    best: dict = {}
    for i, doc in enumerate(matches.docs):
        group = (doc.cluster or doc.id, key(doc) if key else None)
        if group not in best or doc.cluster_rank < matches.docs[best[group]].cluster_rank:
            best[group] = i
    picked = sorted(best.values())
    return replace(
        matches, docs=tuple(matches.docs[i] for i in picked), occurrences=tuple(matches.occurrences[i] for i in picked)
    )


def base_counts_once(target, query: dict, by: str, no_district: str) -> dict:
    """The trend's per-mille base with 去重: distinct clusters per period, overall (key None) and per
    district (key ("district", name)), from composite aggregations (exact)."""
    counts: dict = {None: Counter()}
    for bucket in _composite(target, query, [{"p": {"terms": {"field": by}}}, {"c": {"terms": {"field": "cluster"}}}]):
        counts[None][bucket["key"]["p"]] += 1
    sources = [
        {"d": {"terms": {"field": "district", "missing_bucket": True}}},
        {"p": {"terms": {"field": by}}},
        {"c": {"terms": {"field": "cluster"}}},
    ]
    for bucket in _composite(target, query, sources):
        name = bucket["key"]["d"]
        counts.setdefault(("district", name), Counter())[bucket["key"]["p"]] += 1
    return counts


def similar_copies(target, doc_id: str, visible=None) -> list:
    """The copies of ``doc_id``'s cluster the reader may see, with their exact Jaccard against it
    (``search.dedup.similar.Similar``; the closest documents outside its cluster need the signatures:
    the embedded engine lists them)."""
    from search.dedup.fingerprint import jaccard, shingle_set
    from search.dedup.similar import Similar, kind_of

    found = target.document(doc_id, visible=visible)
    if found is None or not found.get("cluster"):
        return []
    access = visibility_clause(visible)
    query = {"bool": {"filter": [{"term": {"cluster": found["cluster"]}}, *([access] if access else [])]}}
    fields = ["title", "paragraphs", "published", "district", "cluster"]
    mine = shingle_set(search_text(found.get("title") or "", found.get("paragraphs") or []))
    copies = []
    for other, source in target.sources(query, fields):
        if other == doc_id:
            continue
        title, paragraphs = source.get("title") or "", source.get("paragraphs") or []
        similarity = jaccard(mine, shingle_set(search_text(title, paragraphs)))
        copies.append(
            Similar(
                other,
                title,
                source.get("published"),
                source.get("district"),
                similarity,
                kind_of(similarity, True),
                other == found["cluster"],
            )
        )
    return sorted(copies, key=lambda s: -s.similarity)
