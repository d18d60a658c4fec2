"""Files -> documents -> index, incrementally.

A run compares every file under the given folders with what the index holds
(a signature of the file's bytes and its sidecar row, kept per document in the
``file_sig`` column) and then, in one writer and one commit, deletes the
documents of changed and removed files and adds those of new and changed
files.  Whoosh commits atomically (a new TOC generation), so an interrupted run
leaves the previous generation readable.

Modules, in the order a run uses them: ``discover`` (files and sidecar rows),
``plan`` (+ ~ - against the index), ``workers`` (read and analyse one file,
in worker processes), ``commit`` (the run: one writer, one commit), ``merge``
(grams files merged with Whoosh's segments; leftovers of interrupted runs).
"""

from search.engines.embedded.commit import IndexReport, index_paths
from search.ingest.discover import SIDECAR_NAMES, SourceFile, discover
from search.engines.embedded.merge import clean_leftovers
from search.ingest.prepare import MAX_FILE_BYTES, PreparedFile, decode, document_id, file_signature, index_fields, prepare, read_documents

__all__ = [
    "MAX_FILE_BYTES", "SIDECAR_NAMES", "IndexReport", "PreparedFile", "SourceFile", "clean_leftovers",
    "decode", "discover", "document_id", "file_signature", "index_fields", "index_paths", "prepare",
    "read_documents",
]
