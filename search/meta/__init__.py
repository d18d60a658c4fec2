"""Document metadata, each value with its evidence: dates, places, issuers and 文号/文种, topics,
items and titles, manifests. ``search.meta`` re-exports the same names for older callers."""

from search.meta.dates import PartialDate, filename_date
from search.meta.documents import FIELDS, DocumentRecord, extract_documents
from search.meta.evidence import SOURCES, Evidence, FileFacts
from search.meta.issuers import DOC_TYPES, canonical_doc_number, canonical_doc_type
from search.meta.manifests import MANIFEST_NAMES, SidecarError, normalize_sidecar, read_sidecar
from search.meta.places import KNOWN_DISTRICTS, NATIONAL, PLACES, Place, canonical_district, match_districts
from search.meta.topics import CHARS_PER_MENTION, TOPICS_FILE, Taxonomy, TaxonomyError, Topic

__all__ = [
    "CHARS_PER_MENTION",
    "DOC_TYPES",
    "FIELDS",
    "KNOWN_DISTRICTS",
    "MANIFEST_NAMES",
    "NATIONAL",
    "PLACES",
    "SOURCES",
    "TOPICS_FILE",
    "DocumentRecord",
    "Evidence",
    "FileFacts",
    "PartialDate",
    "Place",
    "SidecarError",
    "Taxonomy",
    "TaxonomyError",
    "Topic",
    "canonical_district",
    "canonical_doc_number",
    "canonical_doc_type",
    "extract_documents",
    "filename_date",
    "match_districts",
    "normalize_sidecar",
    "read_sidecar",
]
