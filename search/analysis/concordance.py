"""Concordance (keyword in context): every occurrence of a query in its result set, one line each.

A line is the match with up to ``width`` characters of its document on either
side (paragraph breaks shown as ¶), the document's title, date and district,
and the match's offset in the document's text (title, "\\n", paragraphs: the
text the document page marks, so ``/doc/<id>?at=OFFSET`` finds it).

Orders: ``date`` (oldest first, undated last; in a document by offset),
``left`` (by the left context read from the match outwards, right to left, as
concordancers sort) and ``right`` (by the right context).  The occurrences are
those ``matches`` counts, so a concordance's total equals the trend's.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Generic, NamedTuple, TypeVar

from search.query import SearchRequest

KWIC_SORTS = ("date", "left", "right")
MIN_WIDTH, MAX_WIDTH, DEFAULT_WIDTH = 10, 60, 30
PARAGRAPH_MARK = "¶"
D = TypeVar("D")


class Occurrence(NamedTuple, Generic[D]):
    docnum: D  # a document number (the embedded engine), or a hit that carries its text (OpenSearch)
    offset: int
    phrase: str


@dataclass(frozen=True)
class Line:
    id: str
    title: str
    date: str | None
    district: str | None
    left: str
    match: str
    right: str
    offset: int

    def to_json(self) -> dict:
        """The concordance line as a JSON object."""
        return {
            "id": self.id,
            "title": self.title,
            "date": self.date,
            "district": self.district,
            "left": self.left,
            "match": self.match,
            "right": self.right,
            "offset": self.offset,
        }


@dataclass(frozen=True)
class Concordance:
    request: SearchRequest
    read_as: str
    notes: tuple[str, ...]
    order: str
    width: int
    total_occurrences: int
    total_documents: int
    lines: tuple[Line, ...]
    sample: tuple[Occurrence, ...] = ()  # spread over the result set, for collocates

    @property
    def pages(self) -> int:
        """The number of pages of concordance lines (at least 1)."""
        return max(1, math.ceil(self.total_occurrences / self.request.per_page))

    def to_json(self) -> dict:
        """The concordance as a JSON object: the request, the totals and this page's lines."""
        return {
            "query": self.request.q,
            "read_as": self.read_as,
            "total_occurrences": self.total_occurrences,
            "total_documents": self.total_documents,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "order": self.order,
            "width": self.width,
            "lines": [line.to_json() for line in self.lines],
        }


def check_arguments(order: str, width: int) -> None:
    if order not in KWIC_SORTS:
        raise ValueError(f"order must be one of {', '.join(KWIC_SORTS)}, not {order!r}")
    if not MIN_WIDTH <= width <= MAX_WIDTH:
        raise ValueError(f"width must be between {MIN_WIDTH} and {MAX_WIDTH}, not {width}")
