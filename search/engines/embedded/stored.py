"""A document as stored: its fields as written, read back from Whoosh's stored fields."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class StoredDocument:
    """A document's stored fields, as the query layer needs them."""

    docnum: int
    id: str
    path: str  # where the file is now: the first of the index's folders that has it (see ``read_roots``)
    source: str  # relative to its indexed folder; also what the index knows the file by (the ``path`` term)
    item: int
    title: str
    paragraphs: tuple[str, ...]
    encoding: str
    text_source: str = "text"  # "ocr" or "mixed" where pages were recognised (an older index: "text")
