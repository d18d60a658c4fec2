"""Reading OpenSearch's answers: a hit as the results page shows it, a facet's buckets, an error's reason."""

from __future__ import annotations

from opensearchpy import exceptions as os_errors

from search.ingest.identity import METADATA_COLUMNS
from search.query import FacetValue, Hit, ParsedQuery
from search.query.compose import co_occurrences, matched_variants
from search.text.highlight import snippets
from search.text.normalize import search_text


def facet_values(aggregation: dict) -> tuple[FacetValue, ...]:
    return tuple(FacetValue(b["key"], b["doc_count"]) for b in aggregation["buckets"] if b["doc_count"] > 0)


def hit_of_source(raw: dict, marks: tuple[str, ...], parsed: ParsedQuery, weights=None) -> Hit:
    source = raw["_source"]
    title, paragraphs = source.get("title") or "", source.get("paragraphs") or []
    display = "\n".join((title, *paragraphs))
    text = search_text(title, paragraphs)
    # Exact, from the reader's statistics (the cluster's score is a float); none for a date sort.
    score = weights.score(title, text) if weights is not None else round(raw.get("_score") or 0.0, 4)
    return Hit(
        id=raw["_id"],
        title=title,
        district=source.get("district"),
        date=source.get("published"),
        topics=tuple(source.get("topics") or ()),
        source=source.get("source") or "",
        score=score,
        snippets=tuple(snippets(display, text, marks, pairs=co_occurrences(parsed, text))),
        variants=matched_variants(parsed, text),
        **{name: source.get(name) for name in METADATA_COLUMNS},
        text_source=source.get("text_source") or "text",
    )


def refusal_reason(exc: os_errors.TransportError) -> str:
    info = exc.info if isinstance(exc.info, dict) else {}
    error = info.get("error")
    if isinstance(error, dict):
        return f"{error.get('type')}: {error.get('reason')}"
    return f"{exc.status_code} {exc.error}"


def bulk_refusal_reason(item: dict) -> str:
    result = next(iter(item.values()))
    error = result.get("error") or {}
    return f"{result.get('_id')}: {error.get('type')}: {error.get('reason')}" if isinstance(error, dict) else str(error)
