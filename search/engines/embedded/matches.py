"""What one query matches, for the analyses: documents, and per document the occurrences of its phrases.

This is the one place where trend and concordance compute their result set
(``find_matches``), so that a filter on which documents may be seen applies to
both, to their counts as to their lines.

An occurrence is a non-overlapping occurrence of one of the query's marked
phrases (``terms_to_mark``: the positive phrases, or in words mode their jieba
words) in a matching document's search text (folded title, then paragraphs),
counted left to right as ``str.count`` does.  A phrase that occurs inside
another (稳就业 OR 就业) is counted for each.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Hashable, Sequence
from dataclasses import dataclass, replace

import numpy as np

from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet, doc_list
from search.engines.embedded.evaluate import Matcher, evaluate
from search.engines.embedded.run import within
from search.meta import Taxonomy
from search.query import ParsedQuery, SearchRequest
from search.query.compose import request_query, terms_to_mark


@dataclass(frozen=True)
class Matches:
    """One query's matching documents (ascending numbers) and their occurrence counts (parallel)."""

    query: str
    read_as: str
    notes: tuple[str, ...]
    phrases: tuple[str, ...]
    docs: tuple[int, ...]
    occurrences: tuple[int, ...]
    # The documents the query's filters alone allow (no phrase): per-mille's denominator.
    base: DocSet

    @property
    def total_occurrences(self) -> int:
        """The occurrences in all matching documents together."""
        return sum(self.occurrences)


def find_matches(
    snapshot: Snapshot,
    request: SearchRequest,
    matcher: Matcher | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    visible: DocSet | None = None,
) -> Matches:
    """The documents ``request`` (its query and filters) matches, with their occurrence counts.

    Pass one ``matcher`` for several queries over the same snapshot: phrases
    and filters they share are evaluated once.  The last few results of a
    snapshot are kept, so that paging a concordance or going from a trend to
    its concordance does not evaluate and count again.  ``visible``
    (``search.access``) limits the documents and the per-mille base to what
    the asker may see; it is part of the key of the kept results.
    """
    parsed = request_query(request, taxonomy)
    # The query as read (filters, expanded variants included) and the mode define the result set.
    # The documents the asker may see too: one user's result set is never another's.
    key = (parsed.describe(), request.mode, taxonomy is None, visible)
    recent = snapshot.cached("analysis matches", RecentMatches)
    found = recent.get(key) if taxonomy is None else None
    if found is None:
        matcher = matcher or Matcher(snapshot, request.mode, counting=True)
        docs = tuple(doc_list(within(evaluate(parsed, matcher), visible)))
        phrases = terms_to_mark(parsed, request.mode)
        filters_only = ParsedQuery(tuple(g for g in parsed.groups if not any(a.is_phrase for a in g)))
        base = within(evaluate(filters_only, matcher) if filters_only.groups else snapshot.live, visible)
        found = Matches(
            query=request.q,
            read_as=parsed.describe(),
            notes=parsed.notes,
            phrases=phrases,
            docs=docs,
            occurrences=tuple(occurrence_counts(matcher, docs, phrases)),
            base=base,
        )
        if taxonomy is None:
            recent.put(key, found)
    return found if found.query == request.q else replace(found, query=request.q)


class RecentMatches:
    """The last ``size`` results of one snapshot, by key; safe to share between threads."""

    def __init__(self, size: int = 16):
        self.size = size
        self._entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    def get(self, key: Hashable) -> Matches | None:
        """The matches kept under ``key`` (now the most recent), or None."""
        with self._lock:
            if key in self._entries:
                self._entries.move_to_end(key)
                return self._entries[key]
        return None

    def put(self, key: Hashable, matches: Matches) -> None:
        """Keep ``matches`` under ``key``, forgetting the least recently used beyond ``size``."""
        with self._lock:
            self._entries[key] = matches
            self._entries.move_to_end(key)
            while len(self._entries) > self.size:
                self._entries.popitem(last=False)

    def clear(self) -> None:
        """Forget every kept result."""
        with self._lock:
            self._entries.clear()


def occurrence_counts(matcher: Matcher, docs: Sequence[int], phrases: Sequence[str]) -> list[int]:
    """Per document of ``docs``, the occurrences of all ``phrases``.

    A phrase of one or two characters is counted by reading its postings'
    frequencies; a longer one is searched for only in documents where each of
    its bigrams occurs, and only until its rarest bigram's count is reached
    (``search.engines.embedded.counting``).
    """
    totals = np.zeros(len(docs), dtype=np.int64)
    if not docs or not phrases:
        return totals.tolist()
    at = np.asarray(docs, dtype=np.int64)
    for phrase in phrases:
        totals += matcher.counts(phrase, at)
    return totals.tolist()
