"""The one place index fields are declared.

Whoosh pickles the schema (field classes included) into the index, so every
open passes ``make_schema()`` instead of trusting the pickled copy.

What Whoosh holds per document:
- ``id`` and ``path``, stored: ``path`` is the file's path relative to its
  indexed folder (the folders are in ``ROOTS.json``), and ``id`` derives from
  it (``document_id``), so a moved archive keeps both.  Neither is posted:
  Whoosh's posting writer cost an indexing run a sixth of its time for two
  terms a document.  A file's documents are found by its key in the
  ``file_sig`` column, and a document by its id through the same column
  (``Snapshot.docs_of_file``, ``Snapshot.docs_with_id``); a run deletes a
  file's old documents by their numbers;
- the stored fields a results page and the document page show;
- facet columns (``district``, ``published``, ``topics``, ``file_sig``, and the metadata columns
  ``issuer``, ``doc_number``, ``doc_type``, ``date_source``, ``district_source``):
  per-document values read in bulk to filter, count and sort.
- ``access``: the groups allowed to see a restricted document (``search.access``).
- ``entered``: the generation whose commit added the document (``search.engines.embedded.entered``), a number.

The exact-search structure (character-bigram postings and the folded search
texts) is not a Whoosh field: it lives in one ``.grams`` file per segment
(``gramstore.py``), because Whoosh's writer pays per posting and a bigram
index has about one posting per character of text.
"""

from __future__ import annotations

from whoosh import columns, fields
from whoosh.codec.whoosh3 import W3Codec

from search.engines.embedded.whoosh_private import PrepackedPerDocWriter
from search.ingest.identity import METADATA_COLUMNS

FACET_COLUMNS = ("district", "published", "topics", "file_sig", "access")


class ArchiveCodec(W3Codec):
    """Whoosh's codec without per-posting length statistics.

    They exist for Whoosh's own scoring (BM25 bounds), which we do not use; keeping
    them costs a field-length lookup per posting written.  The codec is pickled
    into each segment's record, so it lives here.
    """

    length_stats = False

    def per_document_writer(self, storage, segment):
        # Stored fields may arrive pickled and compressed by a worker (whoosh_private.add_packed_document).
        """A stored-fields writer that also takes fields a worker packed already."""
        return PrepackedPerDocWriter(self, storage, segment)


# Stored and neither indexed nor a column: a worker packs them (whoosh_private.pack_stored) and
# the writer is given only the packed bytes.
STORED_ONLY = ("id", "path", "source", "encoding", "item", "title", "text", "text_source")


def make_schema() -> fields.Schema:
    """The index schema (see the module docstring)."""
    return fields.Schema(
        id=fields.STORED(),
        path=fields.STORED(),
        source=fields.STORED(),
        encoding=fields.STORED(),
        text_source=fields.STORED(),  # "ocr" or "mixed" where pages were recognised (OCR); else "text"
        item=fields.STORED(),
        title=fields.STORED(),
        text=fields.STORED(),
        district=fields.COLUMN(),
        published=fields.COLUMN(),
        topics=fields.COLUMN(),
        file_sig=fields.COLUMN(),
        **{name: fields.COLUMN() for name in METADATA_COLUMNS},
        access=fields.COLUMN(),  # the groups that may see it, comma-separated; empty: everyone
        entered=fields.COLUMN(
            columns.NumericColumn("I")
        ),  # the generation that added it (search.engines.embedded.entered)
    )
