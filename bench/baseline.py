"""The naive baseline: jieba's bundled ChineseAnalyzer feeding a plain Whoosh TEXT field.

Same documents and metadata fields as ours; phrase queries go through Whoosh's
QueryParser quoted, as a developer would write it on day one.
"""

from __future__ import annotations

import logging
from pathlib import Path

import jieba
from jieba.analyse import ChineseAnalyzer
from whoosh import fields, index
from whoosh.qparser import MultifieldParser

jieba.setLogLevel(logging.WARNING)


def naive_schema() -> fields.Schema:
    return fields.Schema(
        id=fields.ID(stored=True, unique=True),
        title=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
        text=fields.TEXT(stored=True, analyzer=ChineseAnalyzer()),
        district=fields.ID(stored=True, sortable=True),
        year=fields.ID(stored=True, sortable=True),
        topic=fields.KEYWORD(stored=True, commas=True),
    )


def build(documents, index_dir: Path, procs: int = 1) -> None:
    """documents: iterable of dicts with id, title, text, district, year, topic."""
    index_dir.mkdir(parents=True, exist_ok=True)
    ix = index.create_in(str(index_dir), naive_schema())
    writer = ix.writer(procs=procs, multisegment=procs > 1) if procs > 1 else ix.writer()
    for doc in documents:
        writer.add_document(**doc)
    writer.commit()


class NaiveSearcher:
    def __init__(self, index_dir: Path):
        self.ix = index.open_dir(str(index_dir))
        self.searcher = self.ix.searcher()
        self.parser = MultifieldParser(["title", "text"], self.ix.schema)

    def phrase_ids(self, phrase: str) -> set[str]:
        query = self.parser.parse('"' + phrase + '"')
        return {hit["id"] for hit in self.searcher.search(query, limit=None)}

    def close(self) -> None:
        self.searcher.close()


def documents_of(snapshot):
    """The naive baseline's documents, made from our index's: same text, title and metadata."""
    for n in sorted(snapshot.live):
        doc = snapshot.document(n)
        published = snapshot.published[n] or ""
        yield {
            "id": doc.id,
            "title": doc.title,
            "text": "\n".join(doc.paragraphs),
            "district": snapshot.district[n] or "",
            "year": published[:4],
            "topic": ",".join(snapshot.topics[n]),
        }
