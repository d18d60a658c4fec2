"""The one place index fields are declared.

Whoosh pickles the schema (field classes included) into the index, so the
field classes live here, in a stable module, and every open passes
``make_schema()`` instead of trusting the pickled copy.

Fields:
- ``grams``: every character bigram of the document's search text (title +
  paragraphs, folded) and each line's last character + newline.  Existence
  only: exact search intersects these postings for candidates and then
  verifies against the stored text, so positions would be paid for and never
  read.
- ``words``: jieba words (search-mode cut) for the looser words mode.
- facet columns (``district``, ``published``, ``topics``, ``file_sig``):
  per-document values read in bulk to filter, count and sort without loading
  stored documents.
"""

from __future__ import annotations

from whoosh import fields
from whoosh.codec.whoosh3 import W3Codec
from whoosh.formats import Existence

from .analysis import char_grams, chinese_analyzer, segmenter

# Bump when a field, an analyzer or the normalization changes what is indexed;
# an index with another version must be rebuilt (`search index --rebuild`).
SCHEMA_VERSION = 3

FACET_COLUMNS = ("district", "published", "topics", "file_sig")


class TermSetField(fields.FieldType):
    """A field indexed as the set of terms ``terms(value)`` returns: existence only, no positions.

    Postings are built directly, not through an analyzer chain: Whoosh's writer
    cost is per posting, and a Token object per term would add to it.
    """

    indexed = True
    stored = False
    scorable = False

    def __init__(self, analyzer=None):
        self.format = Existence()
        self.analyzer = analyzer
        self.vector = None
        self.column_type = None

    def terms(self, value: str) -> set[str]:
        raise NotImplementedError

    def index(self, value, **kwargs):
        return ((term.encode("utf-8"), 1, 1.0, b"") for term in self.terms(value))


class CharGramField(TermSetField):
    """Character bigrams of a (folded) text, and each line's last character (see ``char_grams``)."""

    def terms(self, value: str) -> set[str]:
        return char_grams(value)

    def process_text(self, qstring, mode="", **kwargs):
        return iter(char_grams(qstring))

    def self_parsing(self):
        return False


class WordField(TermSetField):
    """jieba words of a (folded) text; the analyzer is kept for Whoosh's own tools."""

    def __init__(self):
        super().__init__(analyzer=chinese_analyzer(search_mode=True))

    def terms(self, value: str) -> set[str]:
        return segmenter().index_words(value)


class ArchiveCodec(W3Codec):
    """Whoosh's codec without per-posting length statistics.

    They exist for Whoosh's own scoring (BM25 bounds), which we do not use; keeping
    them costs a field-length lookup per posting written (measured: a third of the
    posting-writing time), and for unscored fields a file-exists check each time.
    The codec is pickled into each segment's record, so it lives here.
    """

    length_stats = False


def make_schema() -> fields.Schema:
    """The index schema (see the module docstring)."""
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        path=fields.ID(stored=True),
        source=fields.STORED(),
        encoding=fields.STORED(),
        item=fields.STORED(),
        title=fields.STORED(),
        text=fields.STORED(),
        grams=CharGramField(),
        words=WordField(),
        district=fields.COLUMN(),
        published=fields.COLUMN(),
        topics=fields.COLUMN(),
        file_sig=fields.COLUMN(),
    )
