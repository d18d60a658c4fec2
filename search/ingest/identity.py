"""What identifies a document and its file in every engine: ids, the schema version in each file signature,
and the metadata columns every engine stores."""

from __future__ import annotations

import hashlib

# Bump when a field, the grams file, or the normalization changes what is
# indexed; an index with another version must be rebuilt (`search index --rebuild`).
# 5: the folded search text simplifies traditional characters (normalize.fold).
# 6: issuer, doc_number, doc_type, date_source and district_source columns (search.meta).
# 7: an ``access`` column (restricted documents), and XML-forbidden control characters dropped.
# 8: files known by their path relative to the indexed folder (stable ids); file_sig holds size and time.
# 9: grams files in parts with checksums and document counts, single-character postings, UTF-8 texts.
# 10: an ``entered`` column: the generation that added each document (saved queries' "new since").
# 11: grams postings carry each document's term frequency (str.count of the bigram or character).
# 12: ``id`` and ``path`` stored only, not posted (documents are found through ``file_sig``); compact
#     grams postings (16-bit numbers in a part of at most 65,536 documents, 8-bit counts and an overflow table).
# 13: stored titles and paragraphs as written (full-width punctuation kept); the search text folds
#     the narrow form (NFKC only where it is one character: "…" stays "…"); numbered headings kept apart.
SCHEMA_VERSION = 13


# The issuing organ, 文号 and 文种 (facets and filters) and where the date and place came from
# (shown on hits): columns too, read in bulk like the facets.
METADATA_COLUMNS = ("issuer", "doc_number", "doc_type", "date_source", "district_source")


def file_hash(key: str) -> str:
    """The first half of a document id: 12 hex digits of the sha1 of its file's key (the path
    relative to its indexed folder)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


def document_id(key: str, item: int) -> str:
    """A stable, URL-safe id: a hash of the file's path relative to its indexed folder, and the item's place in it."""
    return f"{file_hash(key)}-{item}"
