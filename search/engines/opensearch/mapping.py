"""The OpenSearch index's mapping (``MAPPING_VERSION``) and what is sent per document.

The folded title and each folded paragraph are values of one ``text`` field cut
into single characters (Lucene's ``ngram`` tokenizer, 1..1, every character kept,
whitespace included) with positions, ``POSITION_GAP`` positions apart, so that a
``match_phrase`` with slop 0 is a substring of one paragraph.  Display texts are
stored, not indexed; folded texts are indexed, not stored.

The metadata the embedded engine filters and counts by is here too: issuer,
文号 and 文种 (the facets; ``issuer:`` and ``docno:`` match a part of the
folded value, a ``wildcard`` over a keyword, which is exact), and ``access``,
the groups that may see a restricted document (none: everyone).
"""

from __future__ import annotations

from search.access.documents import parse_groups
from search.engines.opensearch.ranking import SIMILARITY, SIMILARITY_SETTINGS
from search.meta import PartialDate
from search.meta.issuers import doc_number_series
from search.text.normalize import fold, normalize_query, search_text

# Bump when the mapping or what is sent per document changes; an index with another
# version must be rebuilt.
# 2: issuer, 文号 and 文种 (facets and filters), where date and place came from, access groups.
# 3: text_source (ocr, mixed: pages recognised by OCR).
# 4: the 文号 series holds its year (郑政〔2021〕).
# 5: ``cluster`` (the id of a document's reprint cluster's canonical copy) and ``cluster_rank`` (search.dedup).
# 6: text scored by BM25 with b = 0 (ranking.py: scores from what the reader may see).
MAPPING_VERSION = 6
POSITION_GAP = 100
MAX_RESULT_WINDOW = 100_000
_KEYWORD = {"type": "keyword"}
_CHARS = {"type": "text", "analyzer": "chars", "index_options": "positions", "norms": False}
_STORED_ONLY = {"type": "text", "index": False}
_SHOWN_ONLY = {"type": "keyword", "index": False, "doc_values": False}


def index_body(shards: int = 1, replicas: int = 0, alias: str | None = None) -> dict:
    """Settings and mappings of a new index (the mapping version goes into ``_meta``, and the alias
    it is built for when it is one generation of an alias: ``OpenSearchEngine.rebuild``)."""
    meta = {"govsearch_mapping_version": MAPPING_VERSION, **({"govsearch_alias": alias} if alias else {})}
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "max_result_window": MAX_RESULT_WINDOW,
            "similarity": SIMILARITY_SETTINGS,  # BM25 without length: ranking.py
            "analysis": {
                "tokenizer": {"one_char": {"type": "ngram", "min_gram": 1, "max_gram": 1}},
                "analyzer": {"chars": {"type": "custom", "tokenizer": "one_char"}},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": meta,
            # The folded texts are only searched; the display texts are only shown.
            "_source": {"excludes": ["text", "title_chars"]},
            "properties": {
                "text": {**_CHARS, "position_increment_gap": POSITION_GAP, "similarity": SIMILARITY},
                "title_chars": _CHARS,
                "title": _STORED_ONLY,
                "paragraphs": _STORED_ONLY,
                "id": _KEYWORD,
                "path": _KEYWORD,
                "source": _KEYWORD,
                "encoding": {"type": "keyword", "index": False},
                "text_source": _SHOWN_ONLY,
                "item": {"type": "integer"},
                "items": {"type": "integer"},
                "file_sig": _KEYWORD,
                "district": _KEYWORD,
                "topics": _KEYWORD,
                "published": _KEYWORD,
                "cluster": _KEYWORD,
                "cluster_rank": {"type": "long"},
                "year": _KEYWORD,
                "month": _KEYWORD,
                "date_start": {"type": "date", "format": "strict_date"},
                "date_end": {"type": "date", "format": "strict_date"},
                "issuer": _KEYWORD,
                "issuer_folded": _KEYWORD,
                "doc_number": _KEYWORD,
                "doc_number_folded": _KEYWORD,
                "docno_series": _KEYWORD,
                "doc_type": _KEYWORD,
                "date_source": _SHOWN_ONLY,
                "district_source": _SHOWN_ONLY,
                "access": _KEYWORD,
            },
        },
    }


def document_source(fields: dict, items: int) -> dict:
    """What is sent for one document, from the fields our ingest makes (``ingest.index_fields``)."""

    def column(name: str) -> str:
        value = fields.get(name)  # the metadata columns may be absent (documents made by hand)
        return value.decode("utf-8") if isinstance(value, bytes) else (value or "")

    title, body = fields["title"], fields["text"]
    paragraphs = body.split("\n") if body else []
    published = column("published") or None
    date = PartialDate.parse(published) if published else None
    _, _, signature = column("file_sig").partition("\t")
    issuer, doc_number = column("issuer") or None, column("doc_number") or None
    return {
        "id": fields["id"],
        "path": fields["path"],
        "source": fields["source"],
        "encoding": fields["encoding"],
        "text_source": fields.get("text_source") or "text",
        "item": fields["item"],
        "items": items,
        "file_sig": signature,
        "title": title,
        "paragraphs": paragraphs,
        # The same characters search_text() joins with "\n", one value a line.
        "text": search_text(title, paragraphs).split("\n"),
        "title_chars": fold(title),
        "district": column("district") or None,
        "topics": [t for t in column("topics").split("|") if t],
        "published": published,
        "year": published[:4] if published else None,
        "month": published[:7] if published and len(published) >= 7 else None,
        "date_start": date.start().isoformat() if date else None,
        "date_end": date.end().isoformat() if date else None,
        "issuer": issuer,
        "issuer_folded": normalize_query(issuer) if issuer else None,
        "doc_number": doc_number,
        "doc_number_folded": normalize_query(doc_number) if doc_number else None,
        # The 文号 facet's value: the series, its code and year (郑政〔2021〕5号 -> 郑政〔2021〕).
        "docno_series": doc_number_series(doc_number),
        "doc_type": column("doc_type") or None,
        "date_source": column("date_source") or None,
        "district_source": column("district_source") or None,
        "access": sorted(parse_groups(column("access"))),
        # Its own cluster until the run's clustering (opensearch_dedup.update_clusters) says otherwise.
        "cluster": fields["id"],
        "cluster_rank": 0,
    }
