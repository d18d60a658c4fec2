"""Files -> documents -> index, incrementally.

A run compares every file under the given folders with what the index holds
(a signature of the file's bytes and its sidecar row, kept per document in the
``file_sig`` column) and then, in one writer and one commit, deletes the
documents of changed and removed files and adds those of new and changed
files.  Whoosh commits atomically (a new TOC generation), so an interrupted run
leaves the previous generation readable.

Modules here are engine-neutral: ``discover`` (files and sidecar rows), ``prepare`` (read and
analyse one file, in worker processes), ``pipeline`` (the worker pool), ``skipped`` and
``limit_skips`` (what could not be read), ``inspect``.  Each engine writes its own index:
``search.engines.embedded.plan`` (+ ~ - against the index), ``commit`` (the run: one writer,
one commit) and ``merge``; ``search.engines.opensearch.ingest``.
"""

from search.ingest.discover import SIDECAR_NAMES, SourceFile, discover
from search.ingest.identity import document_id
from search.ingest.prepare import MAX_FILE_BYTES, decode, file_signature, index_fields, read_documents

__all__ = [
    "MAX_FILE_BYTES",
    "SIDECAR_NAMES",
    "SourceFile",
    "decode",
    "discover",
    "document_id",
    "file_signature",
    "index_fields",
    "read_documents",
]
