"""您是不是要找: for a phrase the archive does not hold, the nearest one it does.

Nearest is one edit away: one character changed (老旧小区改选 -> 老旧小区改造),
dropped (typed one too many), added (typed one too few) or two neighbours
swapped.  Dropped and swapped give a handful of strings, each counted
directly.  Changed and added leave the rest of the phrase fixed around one
unknown character: the documents holding both fixed parts are read (at most
``SCAN_DOCUMENTS`` of them) and the characters found in the gap become
candidates.  Every candidate is then counted exactly over the ``visible``
documents (a restricted document neither proposes a phrase nor adds to a
count); the one most documents hold wins, a candidate of the typed length
first unless a longer or shorter one is ten times as common.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Container

from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet, doc_list
from search.engines.embedded.evaluate import Matcher
from search.query.atoms import Atom
from search.text.normalize import normalize_query

MIN_CHARS, MAX_CHARS = 2, 16
SCAN_DOCUMENTS = 1500  # read per gap position, at most: a zero-result page must stay fast
GAP_CANDIDATES = 3  # per gap position, the characters seen most often
OTHER_LENGTH_FACTOR = 10
_HAN = "\u3400-\u4dbf\u4e00-\u9fff"


def one_edit_strings(phrase: str) -> list[str]:
    """The strings one character dropped or two neighbours swapped away from ``phrase`` (2+ characters)."""
    found = [phrase[:i] + phrase[i + 1 :] for i in range(len(phrase))]
    found += [
        phrase[:i] + phrase[i + 1] + phrase[i] + phrase[i + 2 :]
        for i in range(len(phrase) - 1)
        if phrase[i] != phrase[i + 1]
    ]
    return [s for s in dict.fromkeys(found) if len(s) >= MIN_CHARS and s != phrase]


def gap_patterns(phrase: str) -> list[tuple[str, str, str]]:
    """(left, right, replaced) for each one-character gap: a changed character (replaced is the one
    typed) and an added one between two typed characters (replaced "")."""
    changed = [(phrase[:i], phrase[i + 1 :], phrase[i]) for i in range(len(phrase))]
    added = [(phrase[:i], phrase[i:], "") for i in range(1, len(phrase))]
    return [(left, right, old) for left, right, old in changed + added if len(left) + len(right) >= MIN_CHARS - 1]


def nearest_phrase(
    snapshot: Snapshot, typed: str, visible: DocSet | None = None, known: Container[str] = ()
) -> tuple[str, int] | None:
    """(phrase, documents holding it) one edit away from ``typed`` that the most visible documents
    hold, a ``known`` phrase (one the suggestions offer) first; None when ``typed`` itself occurs,
    is out of 2-16 characters, or nothing is near."""
    phrase = normalize_query(typed)
    if not (MIN_CHARS <= len(phrase) <= MAX_CHARS) or " " in phrase:
        return None
    matcher = Matcher(snapshot, "exact")

    def count(text: str) -> int:
        docs = matcher.atom_docs(Atom("text", text))
        return len(docs if visible is None else docs & visible)

    if count(phrase):
        return None
    candidates = set(one_edit_strings(phrase))
    for left, right, old in gap_patterns(phrase):
        candidates.update(_gap_fillers(snapshot, matcher, left, right, old, visible))
    counted = [(n, c) for n, c in ((count(c), c) for c in candidates) if n]
    # A phrase the suggestions know is a phrase; another string may be a fragment (放管结 of 放管结合).
    counted = [nc for nc in counted if nc[1] in known] or counted
    rank = lambda nc: (nc[0], len(nc[1]), nc[1])  # noqa: E731 - most documents, then longer
    same = max((nc for nc in counted if len(nc[1]) == len(phrase)), key=rank, default=None)
    other = max((nc for nc in counted if len(nc[1]) != len(phrase)), key=rank, default=None)
    # A changed or swapped character keeps the length typed: it wins unless a phrase with one
    # character fewer or more is far more common (放管月 -> 放管服, not 放管).
    best = other if same is None or (other is not None and other[0] > OTHER_LENGTH_FACTOR * same[0]) else same
    return (best[1], best[0]) if best else None


def _gap_fillers(
    snapshot: Snapshot, matcher: Matcher, left: str, right: str, old: str, visible: DocSet | None
) -> list[str]:
    """``left + X + right`` for the characters X most often found between the two parts."""
    docs = None
    for part in (left, right):
        if part:
            held = matcher.atom_docs(Atom("text", part))
            docs = held if docs is None else docs & held
    if docs is None:  # not reached: a gap has a typed character on one side at least
        return []
    if visible is not None:
        docs = docs & visible
    if not docs:
        return []
    pattern = re.compile(re.escape(left) + f"([{_HAN}])" + re.escape(right))
    seen: Counter[str] = Counter()
    for docnum in doc_list(docs)[:SCAN_DOCUMENTS]:
        seen.update(set(pattern.findall(snapshot.search_text(docnum))))
    seen.pop(old, None)
    return [left + x + right for x, _ in seen.most_common(GAP_CANDIDATES)]
