"""The embedded engine's concordance: occurrences found and ordered over a snapshot (the types are
``search.analysis.concordance``)."""

from __future__ import annotations

import math
from collections.abc import Iterator, Sequence

from search.analysis.concordance import DEFAULT_WIDTH, PARAGRAPH_MARK, Concordance, Line, Occurrence, check_arguments
from search.budget import check_budget
from search.dedup.analysis import once
from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet
from search.engines.embedded.matches import Matches, find_matches
from search.meta import Taxonomy
from search.query import SearchRequest
from search.query.compose import occurrences_in


def concordance(
    snapshot: Snapshot,
    request: SearchRequest,
    order: str = "date",
    width: int = DEFAULT_WIDTH,
    taxonomy: Taxonomy | None = None,
    sample_size: int = 0,
    *,
    visible: DocSet | None = None,
) -> Concordance:
    """One page (``request.page``, ``request.per_page`` lines) of the query's concordance.

    ``sample_size`` > 0 also picks that many occurrences spread over the result set (for collocates).
    """
    check_arguments(order, width)
    matches = find_matches(snapshot, request, taxonomy=taxonomy, visible=visible)
    if request.dedup:  # 去重: the occurrences of one copy per cluster (search.dedup)
        matches = once(snapshot, matches)
    first = (request.page - 1) * request.per_page
    if order == "date":
        picked = _date_page(snapshot, matches, first, request.per_page)
    else:
        picked = _sorted_occurrences(snapshot, matches, order, width)[first : first + request.per_page]
    return Concordance(
        request=request,
        read_as=matches.read_as,
        notes=matches.notes,
        order=order,
        width=width,
        total_occurrences=matches.total_occurrences,
        total_documents=len(matches.docs),
        lines=tuple(make_line(snapshot, o, width) for o in picked),
        sample=tuple(_spread_sample(snapshot, matches, sample_size)) if sample_size else (),
    )


def all_lines(
    snapshot: Snapshot,
    request: SearchRequest,
    order: str = "date",
    width: int = DEFAULT_WIDTH,
    taxonomy: Taxonomy | None = None,
    *,
    visible: DocSet | None = None,
) -> Iterator[Line]:
    """Every line in order, each made as it is consumed (for exports: tens of thousands of lines)."""
    check_arguments(order, width)
    matches = find_matches(snapshot, request, taxonomy=taxonomy, visible=visible)
    if request.dedup:
        matches = once(snapshot, matches)
    if order == "date":
        found: Iterator[Occurrence] = (
            o for n in _date_order(snapshot, matches.docs) for o in _in_document(snapshot, n, matches.phrases)
        )
    else:
        found = iter(_sorted_occurrences(snapshot, matches, order, width))
    return (make_line(snapshot, o, width) for o in found)


def _date_order(snapshot: Snapshot, docs: Sequence[int]) -> list[int]:
    """Oldest first, undated last, then by number (``docs`` ascending; the sort is stable)."""
    key = snapshot.cached("kwic date key", lambda: [r if r >= 0 else _UNDATED for r in snapshot.date_rank])
    return sorted(docs, key=key.__getitem__)


def _in_document(snapshot: Snapshot, docnum: int, phrases) -> list[Occurrence]:
    check_budget()  # a web request's time budget: a long export stops itself
    return [
        Occurrence(docnum, offset, phrase) for offset, phrase in occurrences_in(snapshot.search_text(docnum), phrases)
    ]


def _date_page(snapshot: Snapshot, matches: Matches, first: int, size: int) -> list[Occurrence]:
    """The occurrences ``first`` to ``first + size`` in date order: documents before the page are
    skipped by their counts, only the page's documents are searched."""
    count_of = dict(zip(matches.docs, matches.occurrences, strict=False))
    picked: list[Occurrence] = []
    seen = 0
    for docnum in _date_order(snapshot, matches.docs):
        count = count_of[docnum]
        if seen + count > first:
            found = _in_document(snapshot, docnum, matches.phrases)
            picked.extend(found[max(0, first - seen) :])
            if len(picked) >= size:
                break
        seen += count
    return picked[:size]


def _sorted_occurrences(snapshot: Snapshot, matches: Matches, order: str, width: int) -> list[Occurrence]:
    """Every occurrence, by its left or right context (then date and offset)."""
    rank = snapshot.date_rank
    keyed = []
    for docnum in matches.docs:
        check_budget()
        text = snapshot.search_text(docnum)
        date = rank[docnum] if rank[docnum] >= 0 else _UNDATED
        for offset, phrase in occurrences_in(text, matches.phrases):
            if order == "right":
                key = text[offset + len(phrase) : offset + len(phrase) + width]
            else:
                key = text[max(0, offset - width) : offset][::-1]
            keyed.append((key, date, docnum, offset, phrase))
    keyed.sort()
    return [Occurrence(docnum, offset, phrase) for _, _, docnum, offset, phrase in keyed]


def _spread_sample(snapshot: Snapshot, matches: Matches, size: int) -> Iterator[Occurrence]:
    """About ``size`` occurrences from documents spread evenly over the result set."""
    if not matches.docs:
        return
    step = max(1, len(matches.docs) // size)
    chosen = matches.docs[::step]
    # Every occurrence when there are no more than ``size``; else a few from each chosen document.
    each = None if matches.total_occurrences <= size else max(1, math.ceil(size / len(chosen)))
    taken = 0
    for docnum in chosen:
        for occurrence in _in_document(snapshot, docnum, matches.phrases)[:each]:
            yield occurrence
            taken += 1
            if taken >= size:
                return


def make_line(snapshot: Snapshot, occurrence: Occurrence, width: int) -> Line:
    """The line of one occurrence, its contexts from the document's display text."""
    docnum, offset, phrase = occurrence
    doc = snapshot.document(docnum)
    display = "\n".join((doc.title, *doc.paragraphs))
    if len(display) != len(snapshot.search_text(docnum)):  # never expected: folding keeps lengths
        display = snapshot.search_text(docnum)
    end = offset + len(phrase)
    return Line(
        id=doc.id,
        title=doc.title,
        date=snapshot.published[docnum],
        district=snapshot.district[docnum],
        left=display[max(0, offset - width) : offset].replace("\n", PARAGRAPH_MARK),
        match=display[offset:end],
        right=display[end : end + width].replace("\n", PARAGRAPH_MARK),
        offset=offset,
    )


_UNDATED = 10**9
