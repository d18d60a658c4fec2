"""Suggestions as you type: phrases that occur in the archive, each with its document count.

Built once per index generation (``snapshot.cached``) from five sources: the
variants dictionary, the topic triggers, short titles, the jieba words that
recur in titles, and the archive's own frequent phrases (``phrases``).  Every candidate is counted exactly (the same matcher
as exact search) and kept only when some document holds it, so a
suggestion never leads to an empty page.  Lookups are a binary search over
the folded phrases: the phrases starting with what was typed, most documents
first; then, when fewer than the limit start with it, those containing it.
Latin letters are also read as pinyin or initials (``pinyin``: fgf and
fangguanfu offer 放管服).
"""

from __future__ import annotations

import time
from bisect import bisect_left
from collections import Counter
from collections.abc import Iterable
from concurrent.futures import ThreadPoolExecutor, TimeoutError
from dataclasses import dataclass

from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import DocSet, doc_list
from search.engines.embedded.evaluate import Matcher
from search.engines.embedded.phrases import mine_phrases
from search.meta import Taxonomy
from search.query.atoms import Atom
from search.query.pinyin import PrefixIndex, is_pinyin_input, readings
from search.query.variants import current_variants
from search.text.analyzer import segmenter
from search.text.normalize import normalize_query

LIMIT = 8
MAX_TITLE = 16  # longer titles are sentences, not phrases anyone types
MIN_WORD_TITLES = 3  # a title word must recur to be offered
MAX_WORDS = 6000
SOURCES = ("dictionary", "topic", "title", "word", "archive")


@dataclass(frozen=True)
class Suggestion:
    phrase: str
    count: int
    source: str

    def to_json(self) -> dict:
        """The suggestion as a JSON object."""
        return {"phrase": self.phrase, "count": self.count, "source": self.source}


class Suggester:
    """Sorted folded phrases with their counts; ``suggest`` is a prefix lookup, then an infix one."""

    def __init__(self, entries: list[Suggestion], build_seconds: float = 0.0):
        self.entries = sorted(entries, key=lambda s: (s.phrase, -s.count))
        self.keys = [s.phrase for s in self.entries]
        self.build_seconds = build_seconds
        # Every character and bigram of every phrase -> the phrases holding it, best first: an
        # infix lookup walks the shortest of these lists and stops at the limit.
        ranked = sorted(self.entries, key=_rank)
        self._holding: dict[str, list[Suggestion]] = {}
        for entry in ranked:
            phrase = entry.phrase
            for piece in dict.fromkeys([*phrase, *map(str.__add__, phrase, phrase[1:])]):
                self._holding.setdefault(piece, []).append(entry)
        # The widest prefixes (one or two characters) start thousands of phrases: their best ones
        # are kept, so no lookup sorts more than a few hundred.
        self._short: dict[str, list[Suggestion]] = {}
        for prefix in {p[:n] for p in self.keys for n in (1, 2) if len(p) >= n}:
            first = bisect_left(self.keys, prefix)
            last = bisect_left(self.keys, prefix + "\U0010ffff", first)
            if last - first > 200:
                self._short[prefix] = _best(self.entries[first:last], LIMIT + 1)
        # Each Han phrase under its full pinyin and its initials (one reading, from the whole phrase).
        spelled = []
        for entry in self.entries:
            reading = readings(entry.phrase)
            if reading:
                spelled += [(reading[0], entry), (reading[1], entry)]
        self._pinyin = PrefixIndex(spelled, _best, LIMIT, short=3)

    def __len__(self) -> int:
        return len(self.entries)

    def suggest(self, typed: str, limit: int = LIMIT) -> list[Suggestion]:
        """Up to ``limit`` phrases for what was typed (folded like a query), most documents first."""
        prefix = normalize_query(typed)
        if not prefix:
            return []
        if prefix in self._short and limit <= LIMIT:
            starting = self._short[prefix]
        else:
            first = bisect_left(self.keys, prefix)
            last = bisect_left(self.keys, prefix + "\U0010ffff", first)
            starting = _best(self.entries[first:last], limit + 1)
        found = [s for s in starting if s.phrase != prefix][:limit]
        if is_pinyin_input(prefix):
            found = _best([*found, *self._pinyin.lookup(prefix, limit)], limit)
        if len(found) < limit:
            found += self._containing(prefix, limit - len(found))
        return found

    def _containing(self, text: str, limit: int) -> list[Suggestion]:
        """The best phrases holding ``text`` somewhere after their start."""
        pieces = [*text] if len(text) == 1 else list(map(str.__add__, text, text[1:]))
        lists = [self._holding.get(piece, []) for piece in pieces]
        found = []
        for entry in min(lists, key=len):
            if text in entry.phrase and not entry.phrase.startswith(text):
                found.append(entry)
                if len(found) == limit:
                    break
        return found


def _rank(entry: Suggestion) -> tuple:
    return -entry.count, len(entry.phrase), entry.phrase


def _best(entries: Iterable[Suggestion], limit: int) -> list[Suggestion]:
    """The ``limit`` entries with most documents (shorter, then alphabetical, first on ties), one per phrase."""
    unique: dict[str, Suggestion] = {}
    for entry in entries:
        if entry.phrase not in unique or entry.count > unique[entry.phrase].count:
            unique[entry.phrase] = entry
    return sorted(unique.values(), key=_rank)[:limit]


def candidates(
    snapshot: Snapshot, taxonomy: Taxonomy | None = None, visible: DocSet | None = None, mined: bool = True
) -> dict[str, str]:
    """Folded phrase -> its source, from the dictionary, topic triggers, short titles, recurring title words
    and (``mined``) the archive's frequent phrases (the ``visible`` documents only, when given)."""
    found: dict[str, str] = {}

    def add(phrase: str, source: str) -> None:
        phrase = normalize_query(phrase)
        if len(phrase) >= 2 and phrase not in found:
            found[phrase] = source

    for group in current_variants().groups:
        for member in group:
            add(member, "dictionary")
    for topic in (taxonomy or Taxonomy.load()).topics:
        add(topic.name, "topic")
        for trigger in topic.triggers:
            add(trigger, "topic")
    titles = [snapshot.title_text(n) for n in doc_list(snapshot.live if visible is None else visible)]
    for title in titles:
        if len(title) <= MAX_TITLE:
            add(title, "title")
    words: Counter[str] = Counter()
    cut = segmenter().cut
    for title in set(titles):
        words.update(w for w in set(cut(title)) if len(w) >= 2 and not w.isdigit())
    for word, titles_with in words.most_common(MAX_WORDS):
        if titles_with < MIN_WORD_TITLES:
            break
        add(word, "word")
    if mined:
        for phrase in mine_phrases(snapshot, visible).phrases:
            add(phrase, "archive")
    return found


def build_suggester(snapshot: Snapshot, taxonomy: Taxonomy | None = None, visible: DocSet | None = None) -> Suggester:
    """Count every candidate exactly over the snapshot (its ``visible`` documents, when given:
    restricted documents lend no title and no count) and keep those some document holds."""
    started = time.perf_counter()
    entries = []
    for phrase, source in candidates(snapshot, taxonomy, visible).items():
        # A matcher per phrase: one for all would keep every candidate's document set.
        docs = Matcher(snapshot, "exact").atom_docs(Atom("text", phrase))
        count = len(docs if visible is None else docs & visible)
        if count:
            entries.append(Suggestion(phrase, count, source))
    return Suggester(entries, round(time.perf_counter() - started, 2))


def suggester(snapshot: Snapshot, visible: DocSet | None = None) -> Suggester:
    """The snapshot's suggester (over the ``visible`` documents), built on first use (once per
    index generation and set of documents an asker may see)."""
    key = "suggester" if visible is None else ("suggester", visible)
    return snapshot.cached(key, lambda: build_suggester(snapshot, visible=visible))


_BUILDER = ThreadPoolExecutor(max_workers=1, thread_name_prefix="suggester")


def suggest(
    snapshot: Snapshot, typed: str, limit: int = LIMIT, wait: float | None = None, visible: DocSet | None = None
) -> list[Suggestion]:
    """Up to ``limit`` phrases of the archive for what was typed, with their document counts.

    With ``wait``, a structure not built yet (a new generation) is built in the background and
    nothing is suggested until it is ready, after at most ``wait`` seconds: a keystroke never
    waits for a whole build.
    """
    if wait is not None:
        key = "suggester build" if visible is None else ("suggester build", visible)
        future = snapshot.cached(key, lambda: _BUILDER.submit(suggester, snapshot, visible))
        try:
            future.result(timeout=wait)
        except TimeoutError:
            return []
    return suggester(snapshot, visible).suggest(typed, limit)


def known_phrases(snapshot: Snapshot, visible: DocSet | None = None) -> frozenset[str]:
    """The phrases the suggestions offer when their structure is built already (else none, and
    its build is started in the background: a zero-result page never waits for it)."""
    key = "suggester build" if visible is None else ("suggester build", visible)
    future = snapshot.cached(key, lambda: _BUILDER.submit(suggester, snapshot, visible))
    if not future.done() or future.exception() is not None:
        return frozenset()
    key = "known phrases" if visible is None else ("known phrases", visible)
    return snapshot.cached(key, lambda: frozenset(future.result().keys))


def spelled_phrase(snapshot: Snapshot, typed: str, visible: DocSet | None = None) -> Suggestion | None:
    """For pinyin or initials searched as they are (fgf): the phrase they spell that most documents
    hold, once the suggestions are built (None before, and for any other input)."""
    if not is_pinyin_input(normalize_query(typed)) or not known_phrases(snapshot, visible):
        return None
    spelled = [s for s in suggester(snapshot, visible).suggest(typed) if readings(s.phrase)]
    return spelled[0] if spelled else None
