"""A request as one parsed query, and what a query finds in one text: engine-neutral, for every engine."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from search.meta import Taxonomy
from search.query.atoms import Atom, ParsedQuery
from search.query.fields import atom_for
from search.query.parser import parse_query
from search.query.positions import first_pair
from search.query.request import SearchRequest
from search.text.analyzer import segmenter

# The request's filters (attribute, field of their atoms), ANDed in this order after the query string.
_REQUEST_FILTERS = (
    ("districts", "district"),
    ("topics", "topic"),
    ("issuers", "issuer"),
    ("doc_types", "type"),
    ("doc_numbers", "docno"),
    ("years", "year"),
    ("months", "month"),
)


def request_query(request: SearchRequest, taxonomy: Taxonomy | None = None) -> ParsedQuery:
    """The request's query string plus its filters, as one parsed query."""
    taxonomy = taxonomy or Taxonomy.load()
    parsed = parse_query(request.q, taxonomy, expand_all=request.variants)
    groups: list[tuple[Atom | None, ...]] = list(parsed.groups)  # None: a filter value ignored, with a note
    notes = list(parsed.notes)
    for attribute, field_name in _REQUEST_FILTERS:
        values = getattr(request, attribute)
        if values:
            groups.append(tuple(atom_for(field_name, str(v), False, taxonomy, notes) for v in values))
    if request.date_from or request.date_to:
        span = f"{request.date_from or ''}..{request.date_to or ''}"
        atom = atom_for("date", span, False, taxonomy, notes)
        if atom:
            groups.append((atom,))
    kept = [tuple(a for a in g if a) for g in groups]
    return ParsedQuery(tuple(g for g in kept if g), tuple(notes))


def terms_to_mark(parsed: ParsedQuery, mode: str) -> tuple[str, ...]:
    """What snippets mark: the phrases, or in words mode each phrase's words."""
    if mode != "words":
        return parsed.phrases
    marks: dict[str, None] = {}
    for phrase in parsed.phrases:
        marks.update(dict.fromkeys(segmenter().cut(phrase) or [phrase]))
    return tuple(marks)


def co_occurrences(parsed: ParsedQuery, text: str) -> list[tuple[int, int]]:
    """For each co-occurrence operator of the query (not negated), the span of its first pair in ``text``."""
    spans = []
    for atom in (a for group in parsed.groups for a in group if a.relation and not a.negated):
        span = first_pair(text, atom.relation, atom.value, atom.partner, atom.distance)
        if span is not None:
            spans.append(span)
    return spans


def matched_variants(parsed: ParsedQuery, text: str) -> tuple[str, ...]:
    """The members of the query's expanded variants that ``text`` holds (which member matched)."""
    members = (a for group in parsed.groups for a in group if a.variant_of and not a.negated)
    found = dict.fromkeys(a.value for a in members if a.value in text)
    return tuple(found)


def occurrences_in(text: str, phrases: Sequence[str]) -> list[tuple[int, str]]:
    """(offset, phrase) of every occurrence in ``text``, by offset: each phrase non-overlapping, as counted."""
    found = []
    for phrase in phrases:
        position = text.find(phrase)
        while position >= 0:
            found.append((position, phrase))
            position = text.find(phrase, position + len(phrase))
    found.sort()
    return found


def with_query(request: SearchRequest, query: str) -> SearchRequest:
    """The request's filters and mode with another query (page 1)."""
    return replace(request, q=query, page=1)
