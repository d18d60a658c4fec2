"""The OpenSearch index's mapping (``MAPPING_VERSION``) and what is sent per document.

The folded title and each folded paragraph are values of one ``text`` field cut
into single characters (Lucene's ``ngram`` tokenizer, 1..1, every character kept,
whitespace included) with positions, ``POSITION_GAP`` positions apart, so that a
``match_phrase`` with slop 0 is a substring of one paragraph.  Display texts are
stored, not indexed; folded texts are indexed, not stored.
"""

from __future__ import annotations

from ..meta import PartialDate
from ..normalize import fold, search_text

# Bump when the mapping or what is sent per document changes; an index with another
# version must be rebuilt.
MAPPING_VERSION = 1
POSITION_GAP = 100
MAX_RESULT_WINDOW = 100_000
_KEYWORD = {"type": "keyword"}
_CHARS = {"type": "text", "analyzer": "chars", "index_options": "positions", "norms": False}
_STORED_ONLY = {"type": "text", "index": False}


def index_body(shards: int = 1, replicas: int = 0) -> dict:
    """Settings and mappings of a new index (the mapping version goes into ``_meta``)."""
    return {
        "settings": {
            "number_of_shards": shards,
            "number_of_replicas": replicas,
            "max_result_window": MAX_RESULT_WINDOW,
            "analysis": {
                "tokenizer": {"one_char": {"type": "ngram", "min_gram": 1, "max_gram": 1}},
                "analyzer": {"chars": {"type": "custom", "tokenizer": "one_char"}},
            },
        },
        "mappings": {
            "dynamic": "strict",
            "_meta": {"govsearch_mapping_version": MAPPING_VERSION},
            # The folded texts are only searched; the display texts are only shown.
            "_source": {"excludes": ["text", "title_chars"]},
            "properties": {
                "text": {**_CHARS, "position_increment_gap": POSITION_GAP},
                "title_chars": _CHARS,
                "title": _STORED_ONLY,
                "paragraphs": _STORED_ONLY,
                "id": _KEYWORD,
                "path": _KEYWORD,
                "source": _KEYWORD,
                "encoding": {"type": "keyword", "index": False},
                "item": {"type": "integer"},
                "items": {"type": "integer"},
                "file_sig": _KEYWORD,
                "district": _KEYWORD,
                "topics": _KEYWORD,
                "published": _KEYWORD,
                "year": _KEYWORD,
                "month": _KEYWORD,
                "date_start": {"type": "date", "format": "strict_date"},
                "date_end": {"type": "date", "format": "strict_date"},
            },
        },
    }


def document_source(fields: dict, items: int) -> dict:
    """What is sent for one document, from the fields our ingest makes (``ingest.index_fields``)."""

    def column(name: str) -> str:
        value = fields[name]
        return value.decode("utf-8") if isinstance(value, bytes) else (value or "")

    title, body = fields["title"], fields["text"]
    paragraphs = body.split("\n") if body else []
    published = column("published") or None
    date = PartialDate.parse(published) if published else None
    path, _, signature = column("file_sig").partition("\t")
    return {
        "id": fields["id"],
        "path": fields["path"],
        "source": fields["source"],
        "encoding": fields["encoding"],
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
    }
