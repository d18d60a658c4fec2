"""A parsed query as OpenSearch clauses: atoms, groups, facets (selected ones as if unselected), access.

What runs inside the cluster is exact by the mapping (``opensearch_mapping``):
phrases are ``match_phrase`` over characters, ``issuer:`` and ``docno:`` a
``wildcard`` around the folded value of a keyword (a part of it, as in the
embedded engine), the other filters ``term``/``terms``/``range``.  The
co-occurrence operators (NEAR/n, SENT, PARA, $n) are not expressible there
exactly (sentences, overlapping occurrences, counts ``str.count`` style), so
the engine resolves each to the ids our own ``positions`` code accepts
(``OpenSearchEngine._resolve_positional``) and the query carries those ids.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from search.budget import check_budget
from search.query import Atom, FacetValue, ParsedQuery, SearchRequest
from search.query.compose import request_query
from search.query.positions import at_least, holds
from search.query.request import FACET_ATTRIBUTES
from search.text.analyzer import segmenter
from search.text.normalize import search_text

FACET_SIZE = 10_000  # more than any facet has values: every shard returns all of its terms
TERMS_CHUNK = 60_000  # below index.max_terms_count (65,536)
# Facet name -> keyword field, in the order the embedded engine lists them.
FACET_FIELDS = {
    "district": "district",
    "year": "year",
    "month": "month",
    "topic": "topics",
    "issuer": "issuer",
    "type": "doc_type",
    "docno": "docno_series",
}
NEWEST_FIRST = ("year", "month")


def facet_terms(name: str) -> dict:
    """A facet's terms aggregation, ordered as the embedded engine orders it (``every_value`` when
    it has more values than ``FACET_SIZE``)."""
    order = [{"_key": "desc"}] if name in NEWEST_FIRST else [{"_count": "desc"}, {"_key": "asc"}]
    return {"terms": {"field": FACET_FIELDS[name], "size": FACET_SIZE, "order": order}}


def every_value(search, name: str, query: dict) -> tuple[FacetValue, ...]:
    """A facet with more values than one terms aggregation returns, read whole (composite pages of
    ``search(body)``)."""
    counts: dict[str, int] = {}
    after = None
    while True:
        composite = {
            "size": 10_000,
            "sources": [{"v": {"terms": {"field": FACET_FIELDS[name]}}}],
            **({"after": after} if after else {}),
        }
        answer = search({"query": query, "size": 0, "aggs": {"all": {"composite": composite}}})
        buckets = answer["aggregations"]["all"]["buckets"]
        counts.update((b["key"]["v"], b["doc_count"]) for b in buckets)
        after = answer["aggregations"]["all"].get("after_key")
        if not buckets or not after:
            break
    if name in NEWEST_FIRST:
        ordered = sorted(counts.items(), reverse=True)
    else:
        ordered = sorted(counts.items(), key=lambda item: (-item[1], item[0]))
    return tuple(FacetValue(v, c) for v, c in ordered if c > 0)


def split_selections(request: SearchRequest, taxonomy) -> tuple[ParsedQuery, dict[str, tuple]]:
    """The request without its selected facet values (the query and the dates), and each selected
    facet's groups: the parts a results page filters hits by but counts the facet itself without."""
    unselected: dict[str, Any] = dict.fromkeys(FACET_ATTRIBUTES.values(), ())  # the fields are named at run time
    cleared = replace(request, **unselected)
    base = request_query(cleared, taxonomy)
    selections = {}
    for name, attribute in FACET_ATTRIBUTES.items():
        if getattr(request, attribute):
            single = request_query(replace(cleared, **{attribute: getattr(request, attribute)}), taxonomy)
            selections[name] = tuple(g for g in single.groups if g not in base.groups)
    return base, selections


def all_of(clauses: list[dict]) -> dict:
    """The clauses ANDed as filters (one clause as it is; none matches everything)."""
    if not clauses:
        return {"match_all": {}}
    return clauses[0] if len(clauses) == 1 else {"bool": {"filter": clauses}}


def ids_clause(ids: set[str]) -> dict:
    """Exactly these documents (chunks below the cluster's limit on terms)."""
    if not ids:
        return {"match_none": {}}
    ordered = sorted(ids)
    chunks = [{"terms": {"id": ordered[i : i + TERMS_CHUNK]}} for i in range(0, len(ordered), TERMS_CHUNK)]
    return chunks[0] if len(chunks) == 1 else {"bool": {"should": chunks, "minimum_should_match": 1}}


def visibility_clause(visible: frozenset[str] | None) -> dict | None:
    """The documents a reader of groups ``visible`` may see: unrestricted ones and those restricted to
    a group they share (``search.access``); None (admins, the CLI's owner): no clause."""
    if visible is None:
        return None
    unrestricted = {"bool": {"must_not": [{"exists": {"field": "access"}}]}}
    if not visible:
        return unrestricted
    return {"bool": {"should": [unrestricted, {"terms": {"access": sorted(visible)}}], "minimum_should_match": 1}}


class QueryBuilder:
    """Clauses of one request: ``resolved`` holds the ids of its co-occurrence atoms (by atom key)."""

    def __init__(self, mode: str, resolved: dict | None = None, weights=None):
        self.mode = mode
        self.resolved = resolved or {}
        # The reader's relevance weights (``search.engines.opensearch.ranking.Weights``); None: the cluster's BM25.
        self.weights = weights

    def scored_phrases(self, parsed: ParsedQuery) -> tuple[str, ...]:
        """The phrases scored by their frequency: each group that is one positive phrase (exact mode)."""
        return tuple(
            first.value
            for first, *others in parsed.groups
            if not others
            and first.field == "text"
            and not first.negated
            and not first.is_positional
            and self.mode == "exact"
        )

    def query(self, parsed: ParsedQuery, filters: Sequence[dict] = ()) -> dict:
        """An AND of groups, each an OR of atoms, plus ``filters``.

        A group that is one positive phrase is scored (``must``); the other groups
        are filters.  A phrase is evaluated once: a phrase over character
        positions is the costly part of a query.  A title hit adds more than any
        number of hits in the text.
        """
        scored: list[dict] = []
        rest = list(filters)
        for group in parsed.groups:
            (first, *others) = group
            if (
                not others
                and first.field == "text"
                and not first.negated
                and not first.is_positional
                and self.mode == "exact"
            ):
                scored.append({"match_phrase": {"text": first.value}})
            else:
                rest.append(self.group(group))
        if not scored and not rest:
            return {"match_all": {}}
        if self.weights is not None:  # every part of the score from what the reader may see
            scored = [
                {
                    "match_phrase": {
                        "text": {
                            "query": c["match_phrase"]["text"],
                            "boost": self.weights.text_boost[c["match_phrase"]["text"]],
                        }
                    }
                }
                for c in scored
            ]
            titles = [
                {
                    "constant_score": {
                        "filter": {"match_phrase": {"title_chars": p}},
                        "boost": self.weights.title_boost(p),
                    }
                }
                for p in parsed.phrases
            ]
            return {"bool": {"must": scored, "filter": rest, "should": titles}}
        titles = [{"match_phrase": {"title_chars": {"query": p, "boost": 10}}} for p in parsed.phrases]
        return {"bool": {"must": scored, "filter": rest, "should": titles}}

    def group(self, group: tuple) -> dict:
        """One OR group of atoms: at least one of its clauses."""
        clauses = [self.atom(a) for a in group]
        return clauses[0] if len(clauses) == 1 else {"bool": {"should": clauses, "minimum_should_match": 1}}

    def groups(self, groups: tuple) -> dict:
        """The AND of the OR groups."""
        return all_of([self.group(g) for g in groups])

    def atom(self, atom) -> dict:
        """The clause of one atom, negated in a ``must_not`` when the atom is."""
        clause = self.positive(atom)
        return {"bool": {"must_not": [clause]}} if atom.negated else clause

    def positive(self, atom) -> dict:
        """The clause of one atom, negation aside: a phrase, a filter's terms, a date range, or the ids a co-occurrence resolved to."""
        if atom.is_positional:
            return ids_clause(self.resolved[atom.key])
        if atom.field == "title":
            return {"match_phrase": {"title_chars": atom.value}}
        if atom.field == "text":
            words = (segmenter().cut(atom.value) or [atom.value]) if self.mode == "words" else [atom.value]
            return all_of([{"match_phrase": {"text": w}} for w in words])
        if atom.field == "district":
            return {"terms": {"district": list(atom.names)}}
        if atom.field == "topic":
            return {"terms": {"topics": list(atom.names)}}
        if atom.field == "month":
            return {"term": {"month": atom.value}}
        if atom.field == "type":
            return {"term": {"doc_type": atom.value}}
        if atom.field in ("issuer", "docno"):
            # A part of the folded value, as ``atom.value in folded`` in the embedded engine.
            field = "issuer_folded" if atom.field == "issuer" else "doc_number_folded"
            return {"wildcard": {field: {"value": f"*{_wildcard_literal(atom.value)}*"}}}
        # year and date: the document's whole date lies within the interval
        first, last = atom.interval
        return all_of(
            [{"range": {"date_start": {"gte": first.isoformat()}}}, {"range": {"date_end": {"lte": last.isoformat()}}}]
        )


def resolve_positional(
    parsed: ParsedQuery, base: ParsedQuery, access: dict | None, sources, mode: str = "exact"
) -> dict:
    """The ids each co-occurrence atom of ``parsed`` matches, by atom key.

    Candidates are the documents holding the operands (``match_phrase``, in both
    modes) and satisfying ``base``'s groups without operators (which every
    variant of the request ANDs, so an atom may be narrowed by them, negated or
    not: (A∧G)∨B and ¬(A∧G) under G are A∨B and ¬A under G); their stored
    texts come in batches from ``sources(query, fields)`` and are tested by our
    own ``positions`` code over the search text the embedded engine tests.
    """
    atoms = positional_atoms(parsed)
    if not atoms:
        return {}
    narrowing = QueryBuilder(mode).groups(narrowing_groups(base))  # the groups as the request reads them
    resolved = {}
    for atom in atoms:
        operands = (atom.value, atom.partner) if atom.relation else (atom.value,)
        clauses = [{"match_phrase": {"text": o}} for o in dict.fromkeys(operands)]
        query = {"bool": {"filter": [*clauses, narrowing, *([access] if access else [])]}}
        ids = set()
        for doc_id, source in sources(query, ["title", "paragraphs"]):
            check_budget()
            text = search_text(source.get("title") or "", source.get("paragraphs") or [])
            if atom.min_count > 1 and not at_least(text, atom.value, atom.min_count):
                continue
            if atom.relation and not holds(text, atom.relation, atom.value, atom.partner, atom.distance):
                continue
            ids.add(doc_id)
        resolved[atom.key] = ids
    return resolved


def positional_atoms(parsed: ParsedQuery) -> list:
    """The co-occurrence atoms of a query (negated ones too), each once."""
    seen: dict[tuple, Atom] = {}
    for atom in (a for g in parsed.groups for a in g if a.is_positional):
        seen.setdefault(atom.key, atom)
    return list(seen.values())


def narrowing_groups(parsed: ParsedQuery) -> tuple:
    """The groups without co-occurrence atoms: every variant of the request (the page, each facet
    counted as if unselected) ANDs them, so an operator's candidates may be limited to them."""
    return tuple(g for g in parsed.groups if not any(a.is_positional for a in g))


def _wildcard_literal(text: str) -> str:
    return text.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")


# A results page's order for each sort of SearchRequest.
SORT_ORDERS = {
    "relevance": ["_score", {"date_start": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
    # By date only: a score would be the cluster's, which counts hidden documents (as embedded: no score).
    "newest": [{"date_start": {"order": "desc", "missing": "_last"}}, {"id": "asc"}],
    "oldest": [{"date_start": {"order": "asc", "missing": "_last"}}, {"id": "asc"}],
}
