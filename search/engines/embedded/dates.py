"""Sort keys and day spans of documents' dates (partial dates: 2020, 2020-07, 2020-07-18)."""

from __future__ import annotations

from search.meta import PartialDate


def date_rank(published: str | None) -> int:
    """An integer that sorts dates chronologically: 2020 < 2020-07 < 2020-07-18; unknown is -1.

    A less precise date sorts before the more precise dates it contains.
    """
    if not published:
        return -1
    parts = [int(p) for p in published.split("-")]
    year, month, day = ([*parts, 0, 0])[:3]
    return year * 10_000 + month * 100 + day


def date_span(published: str | None) -> tuple[int, int] | None:
    """The (first day, last day) ordinals a document's date covers, at its precision."""
    if not published:
        return None
    parsed = PartialDate(*(int(p) for p in published.split("-")))
    return parsed.start().toordinal(), parsed.end().toordinal()
