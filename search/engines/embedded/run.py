"""A request against a snapshot: total, facets and one page of hits (or every hit, for exports)."""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from dataclasses import replace
from typing import Any

from search.budget import check_budget
from search.dedup import counting as dedup
from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet
from search.engines.embedded.evaluate import Matcher, evaluate
from search.engines.embedded.facets import archive_facet_counts, count_facets
from search.engines.embedded.rank import date_ranks, length_norms, order_results
from search.ingest.identity import METADATA_COLUMNS
from search.meta import Taxonomy
from search.query.atoms import ParsedQuery
from search.query.compose import co_occurrences, matched_variants, request_query, terms_to_mark
from search.query.request import FACET_ATTRIBUTES, Hit, SearchRequest, SearchResults
from search.text.highlight import snippets


def warm_up(snapshot: Snapshot) -> None:
    """Compute now what the queries of a snapshot share (texts, titles, archive facet counts, length
    norms, date ranks) and what a document page looks its documents up by (the files' hashes), so
    that a long-running server's first request is as fast as the next ones."""
    snapshot.preload_texts()
    snapshot.file_hashes()
    snapshot.entered  # noqa: B018 - reading it computes it once; saved queries' "new since"
    archive_facet_counts(snapshot)
    length_norms(snapshot)
    date_ranks(snapshot)
    dedup.cluster_of(snapshot)  # the reprint clusters (every page says how many reprints it holds)


def search(
    snapshot: Snapshot, request: SearchRequest, taxonomy: Taxonomy | None = None, *, visible: DocSet | None = None
) -> SearchResults:
    """Run a request against a snapshot: total, facets, and one page of hits with snippets.

    ``visible`` (from ``search.access.visible_documents``) limits everything,
    totals and facets included, to the documents the asker may see; None: all.
    """
    started = time.perf_counter()
    parsed = request_query(request, taxonomy)
    matcher = Matcher(snapshot, request.mode)
    visible = dedup.restricted_to_copies(snapshot, request, visible)
    docs, as_if_unselected = _evaluate_with_facets(snapshot, matcher, request, parsed, taxonomy, visible)
    first = (request.page - 1) * request.per_page
    shown, others = dedup.collapsed(snapshot, docs) if request.dedup else (docs, None)
    ordered = order_results(snapshot, matcher, parsed, shown, request.sort, first + request.per_page, visible)
    page = ordered[first:]
    marks = terms_to_mark(parsed, request.mode)
    hits = tuple(_hit(snapshot, n, score, marks, parsed) for n, score in page)
    if others is not None:
        hits = tuple(replace(hit, reprints=others[n]) for hit, (n, _) in zip(hits, page, strict=False))
    facets = (dedup.count_facets_once if request.dedup else count_facets)(snapshot, docs)
    facets.update(as_if_unselected)
    took = round((time.perf_counter() - started) * 1000, 1)
    return SearchResults(
        request=request,
        read_as=parsed.describe(),
        notes=parsed.notes,
        phrases=marks,
        total=len(shown),
        took_ms=took,
        hits=hits,
        facets=facets,
        reprints=len(docs) - len(shown) if request.dedup else dedup.reprints_in(snapshot, docs),
    )


def within(docs: DocSet, visible: DocSet | None) -> DocSet:
    """The matching documents the asker may see: the one place restricted documents are dropped."""
    return docs if visible is None else docs & visible


def _evaluate_with_facets(
    snapshot: Snapshot,
    matcher: Matcher,
    request: SearchRequest,
    parsed: ParsedQuery,
    taxonomy: Taxonomy | None,
    visible: DocSet | None,
) -> tuple[DocSet, dict]:
    """The matching documents, and the counts of each facet that has selected values as if it had none.

    What the results page shows beside a selected district: the other districts
    and how many documents each would add (values OR within a facet; of those
    the asker may see).  The query without its selected facets is evaluated
    once; each selected facet is a union of value bitmaps, and each "as if
    unselected" set is that one result intersected with the other facets.
    """
    selected = {name: attribute for name, attribute in FACET_ATTRIBUTES.items() if getattr(request, attribute)}
    if not selected:
        return within(evaluate(parsed, matcher), visible), {}
    cleared: dict[str, Any] = dict.fromkeys(selected.values(), ())  # the fields are named at run time
    unfaceted = request_query(replace(request, **cleared), taxonomy)
    base = evaluate(unfaceted, matcher)
    chosen = {
        name: evaluate(request_query(SearchRequest(**{attribute: getattr(request, attribute)}), taxonomy), matcher)
        for name, attribute in selected.items()
    }
    docs = within(_all_of(base, chosen.values()), visible)
    counts = {}
    for name in selected:
        others = within(_all_of(base, (d for other, d in chosen.items() if other != name)), visible)
        counts[name] = (dedup.count_facets_once if request.dedup else count_facets)(snapshot, others, [name])[name]
    return docs, counts


def _all_of(docs: DocSet, filters: Iterable[DocSet]) -> DocSet:
    for other in filters:
        docs = docs & other
    return docs


def all_hits(
    snapshot: Snapshot, request: SearchRequest, taxonomy: Taxonomy | None = None, *, visible: DocSet | None = None
) -> Iterator[Hit]:
    """Every matching document in result order, each hit (with its snippets) made as it is consumed.

    For exports: a phrase matching the whole archive yields tens of thousands
    of hits, which are streamed rather than built first.
    """
    parsed = request_query(request, taxonomy)
    matcher = Matcher(snapshot, request.mode)
    visible = dedup.restricted_to_copies(snapshot, request, visible)
    docs = within(evaluate(parsed, matcher), visible)
    if request.dedup:
        docs = dedup.collapsed(snapshot, docs)[0]
    ordered = order_results(snapshot, matcher, parsed, docs, request.sort, len(docs), visible)
    marks = terms_to_mark(parsed, request.mode)
    return (_hit(snapshot, n, score, marks, parsed) for n, score in ordered)


def matching_documents(snapshot: Snapshot, request: SearchRequest, *, visible: DocSet | None = None) -> DocSet:
    """The document numbers of every match (no ranking, no snippets, no stored field read): saved-query counts.
    With 去重, one per reprint cluster (its representative)."""
    visible = dedup.restricted_to_copies(snapshot, request, visible)
    docs = within(evaluate(request_query(request), Matcher(snapshot, request.mode)), visible)
    return dedup.collapsed(snapshot, docs)[0] if request.dedup else docs


def matching_ids(snapshot: Snapshot, request: SearchRequest, *, visible: DocSet | None = None) -> set[str]:
    """The ids of every matching document (no ranking, no snippets): tests, benchmarks."""
    return {snapshot.document(n).id for n in matching_documents(snapshot, request, visible=visible)}


def _hit(snapshot: Snapshot, docnum: int, score: float, marks: tuple[str, ...], parsed: ParsedQuery) -> Hit:
    check_budget()
    doc = snapshot.document(docnum)
    display = "\n".join((doc.title, *doc.paragraphs))  # folds to snapshot.search_text(docnum)
    text = snapshot.search_text(docnum)
    return Hit(
        id=doc.id,
        title=doc.title,
        district=snapshot.district[docnum],
        date=snapshot.published[docnum],
        topics=snapshot.topics[docnum],
        source=doc.source,
        score=score,
        snippets=tuple(snippets(display, text, marks, pairs=co_occurrences(parsed, text))),
        variants=matched_variants(parsed, text),
        **{name: getattr(snapshot, name)[docnum] for name in METADATA_COLUMNS},
        text_source=doc.text_source,
    )
