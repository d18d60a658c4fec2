"""Evaluation: a parsed query -> the set of matching document numbers of one snapshot."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from itertools import compress
from typing import Any

import numpy as np

from search.budget import check_budget
from search.engines.embedded.archive import Snapshot
from search.engines.embedded.columns import Column
from search.engines.embedded.docsets import EMPTY, DocSet, doc_array, doc_list, docset
from search.engines.embedded.facets import archive_facet_counts
from search.query.atoms import Atom, ParsedQuery
from search.query.positions import holds
from search.text.analyzer import query_grams, segmenter
from search.text.normalize import normalize_query


class Matcher:
    """Evaluates atoms against one snapshot.

    An atom is evaluated either over the whole archive (bigram postings, then
    verification; memoized) or, when the documents still in play are fewer
    than its postings would yield, by testing just those documents.

    A phrase atom stands for one phrase in exact mode; in words mode, for the
    jieba words of the phrase, each of which must occur (as text, anywhere).
    The operands of a positional atom (``A SENT B``, ``A$3``) are phrases in
    both modes: their candidates come from the phrases' documents, then each
    candidate's search text is tested (``positions``).
    """

    def __init__(self, snapshot: Snapshot, mode: str, *, counting: bool = False):
        self.snapshot = snapshot
        self.mode = mode
        # counting: the caller wants every match's occurrences (trend, concordance), so a
        # longer phrase in many documents is counted while it is verified, not searched twice.
        self.counting = counting
        self._memo: dict[tuple, DocSet] = {}
        self._bounds: dict[str, np.ndarray] = {}
        self._counted: dict[str, tuple[np.ndarray, np.ndarray]] = {}
        # Per phrase verified by a find, by document: 1 its title holds the phrase, 0 not, -1 not searched.
        self._in_title: dict[str, np.ndarray] = {}

    def in_title(self, phrase: str, at: np.ndarray) -> np.ndarray | None:
        """Whether the title of each document ``at`` holds ``phrase``, when verifying found it out for
        every one of them (ranking's title part for free), else None."""
        known = self._in_title.get(phrase)
        if known is None:
            return None
        marks = known[at]
        return None if (marks < 0).any() else marks.astype(bool)

    def _holding(self, phrase: str, docs: Iterable[int], title_only: bool) -> np.ndarray:
        """The documents of ``docs`` holding ``phrase``: in their title (``title_only``), else anywhere."""
        if title_only:
            return np.asarray(self.snapshot.containing(docs, phrase, title_only=True), dtype=np.int64)
        return self._contained(phrase, docs)

    def _contained(self, phrase: str, docs: Iterable[int] | np.ndarray) -> np.ndarray:
        """The documents of ``docs`` whose search text holds ``phrase`` (one find each), noting whose title does."""
        at = doc_array(docs) if not isinstance(docs, np.ndarray) else docs
        found, titled = self.snapshot.first_found(at, phrase)
        known = self._in_title.get(phrase)
        if known is None:
            known = self._in_title[phrase] = np.full(self.snapshot.size, -1, dtype=np.int8)
        known[at] = titled
        return at[found]

    def count_bounds(self, phrase: str) -> np.ndarray:
        """Per document, an upper bound of ``phrase``'s occurrences (exact up to two characters; once per query)."""
        if phrase not in self._bounds:
            self._bounds[phrase] = self.snapshot.count_bounds(phrase)
        return self._bounds[phrase]

    def counts(self, phrase: str, docs: Collection[int] | np.ndarray, at_most: int | None = None) -> np.ndarray:
        """How often ``phrase`` occurs in each of ``docs`` (exact), or ``at_most`` when it occurs that often or more.

        Many documents are bounded by the archive-wide bounds (kept for the
        query); a few by their own postings entries.
        """
        known = self._counted.get(phrase)
        if known is not None and at_most is None:
            at = np.asarray(docs if isinstance(docs, (list, tuple, np.ndarray)) else doc_list(docs), dtype=np.int64)
            counted_at, counts = known
            where = np.minimum(np.searchsorted(counted_at, at), max(len(counted_at) - 1, 0))
            if len(counted_at) and (counted_at[where] == at).all():
                return counts[where]
        bounds = self._bounds.get(phrase)
        if bounds is None and len(docs) > self.snapshot.size // 16:
            bounds = self.count_bounds(phrase)
        return self.snapshot.counts_in(phrase, docs, bounds, at_most)

    def phrases_of(self, atom: Atom) -> list[str]:
        """What a text or title atom requires: the phrase itself, or in words mode its words."""
        if atom.field == "text" and self.mode == "words":
            return segmenter().cut(atom.value) or [atom.value]
        return [atom.value]

    def estimate(self, atom: Atom) -> int:
        """About how many documents the atom leaves in play (an upper bound for phrases and filters).

        Filters are estimated from the archive's facet counts (computed once per
        snapshot), so a narrow district or year is applied before a common phrase
        is verified; a negated atom leaves most documents in play.
        """
        snap = self.snapshot
        if atom.negated:
            return len(snap.live)
        if atom.is_positional:
            return min(map(self._phrase_estimate, _operands(atom)))
        if atom.is_phrase:
            return min(map(self._phrase_estimate, self.phrases_of(atom)))
        counts = archive_facet_counts(snap)
        if atom.field in ("district", "topic"):
            return sum(counts[atom.field][name] for name in atom.names)
        if atom.field == "type":
            return counts["type"][atom.value]
        if atom.field == "month":
            return counts["month"][atom.value]
        if atom.field == "year":
            first, last = atom.dates
            return sum(c for y, c in counts["year"].items() if y and first.year <= int(y) <= last.year)
        return len(snap.live)

    def _phrase_estimate(self, phrase: str) -> int:
        snap = self.snapshot
        if len(phrase) == 1:
            return len(snap.docs_with_char(phrase))
        return min(snap.gram_frequency(g) for g in query_grams(phrase))

    def atom_docs(self, atom: Atom, within: DocSet | None = None) -> DocSet:
        """The documents the atom matches (only those in ``within``, when given)."""
        key = atom.key
        if within is not None and key not in self._memo and len(within) < self.estimate(atom):
            return docset(self._filter(atom, doc_list(within)))
        if key not in self._memo:
            self._memo[key] = docset(self._evaluate(atom))
        return self._memo[key] if within is None else self._memo[key] & within

    def _filter(self, atom: Atom, docs: Iterable[int]) -> Iterable[int]:
        """The documents of ``docs`` that match the atom, tested one by one against texts or columns."""
        if atom.is_positional:
            for phrase in _operands(atom):
                docs = self.snapshot.containing(docs, phrase)
            return self._positional(atom, docs)
        if atom.is_phrase:
            for phrase in self.phrases_of(atom):
                docs = self._holding(phrase, docs, title_only=atom.field == "title")
            return docs
        return (n for n in docs if self._test(atom, n))

    def _test(self, atom: Atom, docnum: int) -> bool:
        """Does one document match a filter atom (district, topic, year, month, date)?"""
        column, test = self._value_test(atom)
        return column is not None and test is not None and test(column[docnum])

    def _value_test(self, atom: Atom) -> tuple[Any, Callable[[Any], bool] | None]:
        """(the column a filter atom tests, the test of one value), or (None, None) for no such filter."""
        snap = self.snapshot
        if atom.field == "district":
            return snap.district, atom.names.__contains__
        if atom.field == "topic":
            return snap.topics, lambda topics: not set(atom.names).isdisjoint(topics)
        if atom.field == "month":
            return snap.month, lambda month: month == atom.value
        if atom.field == "type":
            return snap.doc_type, lambda doc_type: doc_type == atom.value
        if atom.field == "issuer":
            return folded_issuers(snap), lambda issuer: atom.value in issuer
        if atom.field == "docno":
            return folded_doc_numbers(snap), lambda number: atom.value in number
        if atom.field in ("year", "date"):
            first, last = atom.day_numbers
            return snap.date_span, lambda span: span is not None and first <= span[0] and span[1] <= last
        return None, None

    def _filter_everywhere(self, atom: Atom) -> DocSet:
        """The live documents matching a filter atom: the union of the bitmaps of the values it accepts."""
        column, test = self._value_test(atom)
        if column is None or test is None:
            return EMPTY
        by_code = column.value_docs()
        chosen = [by_code[code] for code, value in enumerate(column.values) if test(value)]
        return EMPTY.union(*chosen) & self.snapshot.live if chosen else EMPTY

    def _evaluate(self, atom: Atom) -> Iterable[int]:
        if atom.is_positional:
            held = self._phrase_docs(atom.value)
            if atom.relation:
                held = held & self._phrase_docs(atom.partner)
            return self._positional(atom, held)
        if not atom.is_phrase:
            return self._filter_everywhere(atom)
        docs: DocSet | None = None
        for phrase in sorted(self.phrases_of(atom), key=self._phrase_estimate):
            if docs is not None and len(docs) < self._phrase_estimate(phrase):
                docs = docset(self._holding(phrase, docs, title_only=atom.field == "title"))
            else:
                found = self._substring(phrase, title_only=atom.field == "title")
                docs = found if docs is None else docs & found
            if not docs:
                break
        return docs or EMPTY

    def _phrase_docs(self, phrase: str) -> DocSet:
        """The documents containing ``phrase`` exactly, whatever the mode (memoized)."""
        key = ("exact", phrase)
        if key not in self._memo:
            self._memo[key] = self._substring(phrase, title_only=False)
        return self._memo[key]

    def _positional(self, atom: Atom, docs: Iterable[int]) -> list[int]:
        """The documents of ``docs`` (each holding the operands) whose text satisfies the atom's positions and count."""
        snap = self.snapshot
        docs = docs if isinstance(docs, list) else doc_list(docs)
        if atom.min_count > 1 and docs:
            # Read (one or two characters) or searched only until the count is reached.
            enough = self.counts(atom.value, docs, at_most=atom.min_count) >= atom.min_count
            docs = list(compress(docs, enough.tolist()))
        if atom.relation:
            args = (atom.relation, atom.value, atom.partner, atom.distance)
            kept = []
            # A common pair tests tens of thousands of texts: the request's time budget is checked between chunks.
            for first in range(0, len(docs), 1024):
                check_budget()
                kept += [n for n in docs[first : first + 1024] if holds(snap.search_text(n), *args)]
            docs = kept
        return docs

    def _substring(self, phrase: str, title_only: bool) -> DocSet:
        """Every document containing ``phrase``: bigram candidates, verified when needed."""
        snap = self.snapshot
        if len(phrase) == 1:
            candidates = snap.docs_with_char(phrase)
        else:
            candidates = self._candidates(query_grams(phrase))
        if title_only:
            return docset(snap.containing(candidates, phrase, title_only=True))
        if len(phrase) <= 2:
            # One or two characters: the gram postings are already exact (grams
            # never span a paragraph break, and queries hold no newline).
            return candidates
        if self.counting and len(candidates) > snap.size // 16:
            at = doc_array(candidates)
            counts = snap.counts_in(phrase, at, self.count_bounds(phrase))
            self._counted[phrase] = (at, counts)
            return docset(at[counts > 0])
        # One find per candidate, which stops at the first occurrence.
        return docset(self._contained(phrase, candidates))

    def _candidates(self, grams: list[str]) -> DocSet:
        """The documents having every bigram, rarest first."""
        snap = self.snapshot
        docs: DocSet | None = None
        for gram in sorted(grams, key=snap.gram_frequency):
            postings = snap.docs_with_gram(gram)
            docs = postings if docs is None else docs & postings
            if not docs:
                return EMPTY
        return docs if docs is not None else snap.live


def _operands(atom: Atom) -> tuple[str, ...]:
    return (atom.value, atom.partner) if atom.relation else (atom.value,)


def folded_issuers(snapshot: Snapshot) -> Column:
    """Each document's issuer folded as queries are (once per snapshot): ``issuer:`` matches a part."""
    return snapshot.cached("folded issuers", lambda: snapshot.issuer.derived(lambda v: normalize_query(v or "")))


def folded_doc_numbers(snapshot: Snapshot) -> Column:
    """Each document's 文号 folded as queries are (once per snapshot): ``docno:郑政`` matches a part."""
    return snapshot.cached(
        "folded doc numbers", lambda: snapshot.doc_number.derived(lambda v: normalize_query(v or ""))
    )


def evaluate(parsed: ParsedQuery, matcher: Matcher) -> DocSet:
    """The documents matching every group (a group matches when any of its atoms does).

    Groups run cheapest first, so that rare phrases and narrow filters leave
    few documents for the common phrases to be tested on.
    """
    snap = matcher.snapshot
    groups = sorted(parsed.groups, key=lambda g: sum(matcher.estimate(a) for a in g))
    result: DocSet | None = None
    for group in groups:
        scope = snap.live if result is None else result
        docs = EMPTY
        for atom in group:
            check_budget()
            matched = matcher.atom_docs(atom, within=result)
            docs |= (scope - matched) if atom.negated else matched
        result = docs if result is None else result & docs
        if not result:
            return EMPTY
    return snap.live if result is None else result
