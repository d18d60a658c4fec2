"""The query language, and ``SearchRequest`` -> ``SearchResults``.

Syntax (read leniently: nothing a user types raises; ``read_as`` and
``notes`` say how it was understood):

- terms separated by spaces are ANDed; each matches as an exact substring of a
  document's normalized title or text (Ctrl-F semantics);
- ``"…"`` quotes a phrase with spaces or punctuation (``\\"`` inside quotes is a
  literal quote); ``OR`` or ``|`` between terms; ``-term`` or ``NOT term`` excludes;
- ``district:二七区``, ``topic:就业``, ``title:老旧小区``, ``year:2020`` (or
  ``2019..2021``), ``date:2020-07..2020-08`` (also ``2020年7月``, open ends
  ``2020..`` / ``..2020-06``).

In exact mode a term's candidates come from the character-gram postings and
are then verified against the stored text, so results equal the substring
oracle by construction.  In words mode each term is cut by jieba and all its
words must occur, anywhere in the document.
"""

from __future__ import annotations

import heapq
import math
import re
import time
from array import array
from collections import Counter
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import date
from functools import cached_property
from itertools import chain, compress, repeat
from operator import add, mul, truediv

from .analysis import query_grams, segmenter
from .archive import Snapshot, StoredDocument
from .highlight import snippets
from .metadata import PartialDate, Taxonomy, match_districts
from .normalize import normalize_query

MODES = ("exact", "words")
SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_LENGTH = 1000
MAX_PER_PAGE = 100_000
FIELDS = ("district", "topic", "title", "year", "month", "date")
FACETS = ("district", "year", "month", "topic")


# -- parsed query -------------------------------------------------------------


@dataclass(frozen=True)
class Atom:
    """One term: a phrase (field ``text`` or ``title``) or a filter (district, topic, year, date)."""

    field: str
    value: str
    negated: bool = False
    # Filters carry their resolved values: district/topic names, (start, end) dates.
    names: tuple[str, ...] = ()
    interval: tuple[date, date] | None = None

    @cached_property
    def day_numbers(self) -> tuple[int, int]:
        """The date interval as day ordinals, the form snapshots keep document dates in."""
        return self.interval[0].toordinal(), self.interval[1].toordinal()

    @property
    def is_phrase(self) -> bool:
        return self.field in ("text", "title")

    def describe(self) -> str:
        if self.field == "text":
            body = _quote(self.value)
        elif self.field == "title":
            body = f"title:{_quote(self.value)}"
        elif self.names:
            body = f"{self.field}:{'|'.join(self.names)}"
        else:
            body = f"{self.field}:{self.value}"
        return f"NOT {body}" if self.negated else body


def _quote(text: str) -> str:
    if re.fullmatch(r'[^\s"|:()-][^\s"|:]*', text) and text not in ("OR", "AND", "NOT"):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


@dataclass(frozen=True)
class ParsedQuery:
    """An AND of groups; each group an OR of atoms."""

    groups: tuple[tuple[Atom, ...], ...]
    notes: tuple[str, ...] = ()

    @property
    def phrases(self) -> tuple[str, ...]:
        """The positive phrases, in query order (what snippets mark)."""
        seen = dict.fromkeys(a.value for g in self.groups for a in g if a.is_phrase and not a.negated)
        return tuple(seen)

    def describe(self) -> str:
        parts = []
        for group in self.groups:
            text = " OR ".join(a.describe() for a in group)
            parts.append(f"({text})" if len(group) > 1 and len(self.groups) > 1 else text)
        return " AND ".join(parts) if parts else "(all documents)"


_TOKEN = re.compile(
    r"""(?P<neg>-(?=\S))?
        (?:(?P<field>[A-Za-z]+):(?=\S))?
        (?:"(?P<quoted>(?:\\.|[^"\\])*)(?P<close>"|$)|(?P<bare>\S+))""",
    re.VERBOSE | re.DOTALL,
)


def parse_query(text: str, taxonomy: Taxonomy | None = None) -> ParsedQuery:
    """Read a query string leniently into groups of atoms; never raises."""
    notes: list[str] = []
    if len(text) > MAX_QUERY_LENGTH:
        notes.append(f"query cut to its first {MAX_QUERY_LENGTH} characters")
        text = text[:MAX_QUERY_LENGTH]
    text = "".join(" " if (ord(c) < 32 or ord(c) == 127 or "\ud800" <= c <= "\udfff") else c for c in text)
    groups: list[list[Atom]] = []
    pending_or = False
    pending_not = False
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            break
        match = _TOKEN.match(text, pos)
        pos = match.end()
        negated = bool(match.group("neg"))
        field_name = (match.group("field") or "").lower()
        quoted = match.group("quoted")
        if quoted is not None:
            if not match.group("close"):
                notes.append("closing quote added at the end")
            value = re.sub(r"\\(.)", r"\1", quoted)
            alternatives = [value]
        else:
            bare = match.group("bare")
            if match.group("field") and field_name not in FIELDS:
                # Not one of our fields: the colon is part of the text (时间:2020).
                bare = f"{match.group('field')}:{bare}"
                field_name = ""
            elif match.group("field") is None and not negated:
                if bare in ("OR", "|"):
                    if not groups or pending_or:
                        notes.append(f"{bare} without a term before it ignored")
                    else:
                        pending_or = True
                    continue
                if bare == "AND":
                    continue
                if bare == "NOT":
                    pending_not = True
                    continue
            if bare == "-" and not negated:
                notes.append("a lone - ignored")
                continue
            alternatives = [p for p in bare.split("|")] if "|" in bare else [bare]
            if "" in alternatives:
                notes.append("an empty alternative around | ignored")
                alternatives = [a for a in alternatives if a]
        negated = negated or pending_not
        pending_not = False
        atoms = [a for a in (_atom(field_name, v, negated, taxonomy, notes) for v in alternatives) if a]
        if not atoms:
            pending_or = False
            continue
        if pending_or and groups:
            groups[-1].extend(atoms)
        else:
            groups.append(atoms)
        pending_or = False
    if pending_or:
        notes.append("OR at the end ignored")
    if pending_not:
        notes.append("NOT at the end ignored")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(notes))


def _atom(field_name: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]) -> Atom | None:
    value = normalize_query(raw)
    if not value:
        if raw:
            notes.append(f"{raw!r} has no searchable characters; ignored")
        elif field_name:
            notes.append(f"{field_name}: without a value ignored")
        else:
            notes.append('empty quotes "" ignored')
        return None
    if field_name in ("", "text"):
        return Atom("text", value, negated)
    if field_name == "title":
        return Atom("title", value, negated)
    if field_name == "district":
        names = match_districts(value)
        if not names:
            notes.append(f"no district matches {value!r}: district:{value} matches nothing")
        return Atom("district", value, negated, names=names)
    if field_name == "topic":
        names = (taxonomy or Taxonomy.load()).match(value)
        if not names:
            notes.append(f"no topic matches {value!r}: topic:{value} matches nothing")
        return Atom("topic", value, negated, names=names)
    if field_name in ("year", "date"):
        interval = parse_interval(value, years_only=field_name == "year")
        if interval is None:
            notes.append(f"{field_name}:{value} is not a valid {field_name} or range; ignored")
            return None
        return Atom(field_name, value, negated, interval=interval)
    if field_name == "month":
        found = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", value)
        if not found or not 1 <= int(found.group(2)) <= 12:
            notes.append(f"month:{value} is not a month like 2020-07; ignored")
            return None
        return Atom("month", f"{found.group(1)}-{int(found.group(2)):02d}", negated)
    return Atom("text", value, negated)


def parse_interval(text: str, years_only: bool = False) -> tuple[date, date] | None:
    """``2020``, ``2020-07``, ``2020年7月``, ``A..B``, ``A..``, ``..B`` -> (first day, last day), or None."""
    text = text.strip().replace("～", "..").replace("~", "..").replace("至", "..")
    if ".." in text:
        left, _, right = text.partition("..")
    else:
        left = right = text
    if not left.strip() and not right.strip():
        return None

    def bound(part: str, end: bool) -> date | None:
        part = part.strip()
        if not part:
            return date.max if end else date.min
        if years_only and not re.fullmatch(r"\d{4}", part):
            return None
        parsed = PartialDate.parse(part)
        if parsed is None:
            return None
        return parsed.end() if end else parsed.start()

    start, end = bound(left, False), bound(right, True)
    if start is None or end is None or start > end:
        return None
    return start, end


# -- request and results ------------------------------------------------------


@dataclass(frozen=True)
class SearchRequest:
    """Everything that defines a results page; round-trips through URLs and CLI options."""

    q: str = ""
    mode: str = "exact"
    districts: tuple[str, ...] = ()
    topics: tuple[str, ...] = ()
    years: tuple[int, ...] = ()
    months: tuple[str, ...] = ()
    date_from: str | None = None
    date_to: str | None = None
    sort: str = "relevance"
    page: int = 1
    per_page: int = 10

    def __post_init__(self):
        if self.mode not in MODES:
            raise ValueError(f"mode must be one of {', '.join(MODES)}")
        if self.sort not in SORTS:
            raise ValueError(f"sort must be one of {', '.join(SORTS)}")
        if not 1 <= self.per_page <= MAX_PER_PAGE:
            raise ValueError(f"the page size must be between 1 and {MAX_PER_PAGE}")
        if self.page < 1:
            raise ValueError("the page number must be 1 or more")
        for month in self.months:
            if not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
                raise ValueError(f"month must look like 2020-07, not {month!r}")

    @classmethod
    def from_args(cls, args: Mapping) -> SearchRequest:
        """From a URL query string (a MultiDict or a plain mapping); ValueError on bad values."""
        getlist = getattr(args, "getlist", lambda k: [args[k]] if k in args else [])

        def one(name, default=None):
            values = getlist(name)
            return values[0] if values else default

        def integer(name, default):
            raw = one(name)
            if raw in (None, ""):
                return default
            try:
                return int(raw)
            except ValueError:
                raise ValueError(f"{name} must be a whole number, not {raw!r}") from None

        years = []
        for raw in getlist("year"):
            if not re.fullmatch(r"\d{4}", raw or ""):
                raise ValueError(f"year must be four digits, not {raw!r}")
            years.append(int(raw))
        months = [raw for raw in getlist("month") if raw]
        return cls(
            q=one("q", "") or "",
            mode=one("mode", "exact") or "exact",
            districts=tuple(v for v in getlist("district") if v),
            topics=tuple(v for v in getlist("topic") if v),
            years=tuple(years),
            months=tuple(months),
            date_from=one("from") or None,
            date_to=one("to") or None,
            sort=one("sort", "relevance") or "relevance",
            page=integer("page", 1),
            per_page=integer("per_page", 10),
        )

    def to_args(self) -> list[tuple[str, str]]:
        """The URL query string pairs (defaults left out), inverse of ``from_args``."""
        pairs: list[tuple[str, str]] = []
        if self.q:
            pairs.append(("q", self.q))
        if self.mode != "exact":
            pairs.append(("mode", self.mode))
        pairs += [("district", d) for d in self.districts]
        pairs += [("topic", t) for t in self.topics]
        pairs += [("year", str(y)) for y in self.years]
        pairs += [("month", m) for m in self.months]
        if self.date_from:
            pairs.append(("from", self.date_from))
        if self.date_to:
            pairs.append(("to", self.date_to))
        if self.sort != "relevance":
            pairs.append(("sort", self.sort))
        if self.page != 1:
            pairs.append(("page", str(self.page)))
        if self.per_page != 10:
            pairs.append(("per_page", str(self.per_page)))
        return pairs

    def toggle(self, facet: str, value: str) -> SearchRequest:
        """This request with one facet value added or removed (back to page 1)."""
        name = {"district": "districts", "topic": "topics", "year": "years", "month": "months"}[facet]
        current = getattr(self, name)
        value = int(value) if facet == "year" else value
        new = tuple(v for v in current if v != value) if value in current else (*current, value)
        return replace(self, **{name: new, "page": 1})

    def with_page(self, page: int) -> SearchRequest:
        return replace(self, page=page)


@dataclass(frozen=True)
class FacetValue:
    value: str
    count: int


@dataclass(frozen=True)
class Hit:
    id: str
    title: str
    district: str | None
    date: str | None
    topics: tuple[str, ...]
    source: str
    score: float
    snippets: tuple[str, ...]

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "district": self.district,
            "date": self.date,
            "topics": list(self.topics),
            "source": self.source,
            "score": self.score,
            "snippets": list(self.snippets),
        }


@dataclass(frozen=True)
class SearchResults:
    request: SearchRequest
    read_as: str
    notes: tuple[str, ...]
    phrases: tuple[str, ...]
    total: int
    took_ms: float
    hits: tuple[Hit, ...]
    facets: dict[str, tuple[FacetValue, ...]] = field(default_factory=dict)

    @property
    def pages(self) -> int:
        return max(1, math.ceil(self.total / self.request.per_page))

    def to_json(self) -> dict:
        return {
            "query": self.request.q,
            "mode": self.request.mode,
            "read_as": self.read_as,
            "notes": list(self.notes),
            "total": self.total,
            "page": self.request.page,
            "per_page": self.request.per_page,
            "took_ms": self.took_ms,
            "hits": [h.to_json() for h in self.hits],
            "facets": {
                name: [{"value": f.value, "count": f.count} for f in values]
                for name, values in self.facets.items()
            },
        }


# -- evaluation ----------------------------------------------------------------


def request_query(request: SearchRequest, taxonomy: Taxonomy | None = None) -> ParsedQuery:
    """The request's query string plus its filters, as one parsed query."""
    taxonomy = taxonomy or Taxonomy.load()
    parsed = parse_query(request.q, taxonomy)
    groups = list(parsed.groups)
    notes = list(parsed.notes)
    if request.districts:
        groups.append(tuple(_atom("district", d, False, taxonomy, notes) for d in request.districts))
    if request.topics:
        groups.append(tuple(_atom("topic", t, False, taxonomy, notes) for t in request.topics))
    if request.years:
        groups.append(tuple(_atom("year", str(y), False, taxonomy, notes) for y in request.years))
    if request.months:
        groups.append(tuple(_atom("month", m, False, taxonomy, notes) for m in request.months))
    if request.date_from or request.date_to:
        span = f"{request.date_from or ''}..{request.date_to or ''}"
        atom = _atom("date", span, False, taxonomy, notes)
        if atom:
            groups.append((atom,))
    groups = [tuple(a for a in g if a) for g in groups]
    return ParsedQuery(tuple(g for g in groups if g), tuple(notes))


class Matcher:
    """Evaluates atoms against one snapshot.

    An atom is evaluated either over the whole archive (bigram postings, then
    verification; memoized) or, when the documents still in play are fewer
    than its postings would yield, by testing just those documents.

    A phrase atom stands for one phrase in exact mode; in words mode, for the
    jieba words of the phrase, each of which must occur (as text, anywhere).
    """

    def __init__(self, snapshot: Snapshot, mode: str):
        self.snapshot = snapshot
        self.mode = mode
        self._memo: dict[tuple[str, str], frozenset[int]] = {}
        self._counts: dict[str, list[int]] = {}

    def counts_everywhere(self, phrase: str) -> list[int]:
        """Occurrences of ``phrase`` in every document (by number), computed once per query.

        Verifying a common phrase and ranking by its frequency would each pass
        over most of the archive; this is that pass, shared.
        """
        if phrase not in self._counts:
            self._counts[phrase] = self.snapshot.counts_everywhere(phrase)
        return self._counts[phrase]

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
        if atom.is_phrase:
            return min(map(self._phrase_estimate, self.phrases_of(atom)))
        counts = archive_facet_counts(snap)
        if atom.field in ("district", "topic"):
            return sum(counts[atom.field][name] for name in atom.names)
        if atom.field == "month":
            return counts["month"][atom.value]
        if atom.field == "year":
            first, last = atom.interval
            return sum(c for y, c in counts["year"].items() if y and first.year <= int(y) <= last.year)
        return len(snap.live)

    def _phrase_estimate(self, phrase: str) -> int:
        snap = self.snapshot
        if len(phrase) == 1:
            return len(snap.docs_with_char(phrase))
        return min(snap.gram_frequency(g) for g in query_grams(phrase))

    def atom_docs(self, atom: Atom, within: frozenset[int] | None = None) -> frozenset[int]:
        """The documents the atom matches (only those in ``within``, when given)."""
        key = (atom.field, atom.value)
        if within is not None and key not in self._memo and len(within) < self.estimate(atom):
            return frozenset(self._filter(atom, within))
        if key not in self._memo:
            self._memo[key] = frozenset(self._evaluate(atom))
        return self._memo[key] if within is None else self._memo[key] & within

    def _filter(self, atom: Atom, docs: Iterable[int]) -> Iterable[int]:
        """The documents of ``docs`` that match the atom, tested one by one against texts or columns."""
        if atom.is_phrase:
            for phrase in self.phrases_of(atom):
                docs = self.snapshot.containing(docs, phrase, title_only=atom.field == "title")
            return docs
        return (n for n in docs if self._test(atom, n))

    def _test(self, atom: Atom, docnum: int) -> bool:
        """Does one document match a filter atom (district, topic, year, month, date)?"""
        snap = self.snapshot
        if atom.field == "district":
            return snap.district[docnum] in atom.names
        if atom.field == "topic":
            return not set(atom.names).isdisjoint(snap.topics[docnum])
        if atom.field == "month":
            return snap.month[docnum] == atom.value
        if atom.field in ("year", "date"):
            span = snap.date_span[docnum]
            first, last = atom.day_numbers
            return span is not None and first <= span[0] and span[1] <= last
        return False

    def _evaluate(self, atom: Atom) -> Iterable[int]:
        if not atom.is_phrase:
            # Filters: one test per live document (columns are in memory).
            return self._filter(atom, self.snapshot.live)
        docs: frozenset[int] | None = None
        for phrase in sorted(self.phrases_of(atom), key=self._phrase_estimate):
            if docs is not None and len(docs) < self._phrase_estimate(phrase):
                docs = frozenset(self.snapshot.containing(docs, phrase, title_only=atom.field == "title"))
            else:
                found = self._substring(phrase, title_only=atom.field == "title")
                docs = found if docs is None else docs & found
            if not docs:
                break
        return docs or frozenset()

    def _substring(self, phrase: str, title_only: bool) -> frozenset[int]:
        """Every document containing ``phrase``: bigram candidates, verified when needed."""
        snap = self.snapshot
        if len(phrase) == 1:
            candidates = snap.docs_with_char(phrase)
        else:
            candidates = self._candidates(query_grams(phrase))
        if title_only:
            return frozenset(snap.containing(candidates, phrase, title_only=True))
        if len(phrase) <= 2:
            # One or two characters: the gram postings are already exact (grams
            # never span a paragraph break, and queries hold no newline).
            return candidates
        if len(candidates) > snap.size // 3:
            counts = self.counts_everywhere(phrase)
            return frozenset(compress(candidates, map(counts.__getitem__, candidates)))
        return frozenset(snap.containing(candidates, phrase))

    def _candidates(self, grams: list[str]) -> frozenset[int]:
        """The documents having every bigram, rarest first."""
        snap = self.snapshot
        docs: frozenset[int] | None = None
        for gram in sorted(grams, key=snap.gram_frequency):
            postings = snap.docs_with_gram(gram)
            docs = postings if docs is None else docs & postings
            if not docs:
                return frozenset()
        return docs if docs is not None else snap.live


def evaluate(parsed: ParsedQuery, matcher: Matcher) -> frozenset[int]:
    """The documents matching every group (a group matches when any of its atoms does).

    Groups run cheapest first, so that rare phrases and narrow filters leave
    few documents for the common phrases to be tested on.
    """
    snap = matcher.snapshot
    groups = sorted(parsed.groups, key=lambda g: sum(matcher.estimate(a) for a in g))
    result: frozenset[int] | None = None
    for group in groups:
        scope = snap.live if result is None else result
        docs: set[int] = set()
        for atom in group:
            matched = matcher.atom_docs(atom, within=result)
            docs |= (scope - matched) if atom.negated else matched
        result = frozenset(docs) if result is None else result & docs
        if not result:
            return frozenset()
    return snap.live if result is None else result


class Scorer:
    """Relevance: per phrase, a title bonus plus a saturated, length-normalised frequency, times rarity.

    Written as whole-list passes (``map`` over the texts) rather than a Python
    loop per document: a common phrase matches tens of thousands of documents.
    """

    TITLE_BONUS = 3.0
    K1 = 1.2

    def __init__(self, matcher: Matcher, phrases: tuple[str, ...], total_docs: int):
        self.matcher = matcher
        self.snapshot = matcher.snapshot
        self.phrases = phrases
        self.idf = {}
        for phrase in phrases:
            # The postings' estimate, not the exact count: computing that would
            # verify every candidate of a common phrase the query did not need.
            df = matcher.estimate(Atom("text", phrase))
            self.idf[phrase] = math.log(1 + total_docs / (1 + df))

    # Result sets smaller than this are scored whole; pruning would not pay.
    PRUNE_FROM = 2000

    def prune(self, docs: list[int], needed: int) -> list[int]:
        """The documents of ``docs`` that can reach the first ``needed`` places; the others are not scored.

        A title hit is worth more than any frequency (TITLE_BONUS > 1 > the
        saturated part), so a score lies between its title part and its
        title part plus the sum of the idfs.  When ``needed`` documents have
        title parts of at least t, a document whose title part plus that sum
        is below t can not be among them.  Counting frequencies is the cost
        of a common phrase; titles are few.
        """
        if len(docs) < max(needed + 1, self.PRUNE_FROM):
            return docs
        floors: dict[int, float] = {}
        for phrase in self.phrases:
            bonus = self.TITLE_BONUS * self.idf[phrase]
            for docnum in self.snapshot.docs_with_phrase_in_title(phrase):
                floors[docnum] = floors.get(docnum, 0.0) + bonus
        present = set(docs)
        best = heapq.nlargest(needed, (v for d, v in floors.items() if d in present))
        slack = sum(self.idf.values())
        if len(best) < needed or slack >= best[-1]:
            return docs
        threshold = best[-1] - slack
        return [d for d in floors if d in present and floors[d] >= threshold]

    def scores(self, docs: list[int]) -> list[float]:
        snap = self.snapshot
        norms = list(map(length_norms(snap).__getitem__, docs))
        # A result set holding much of the archive is counted over every
        # document in order (no gathering of spans), then picked from.
        everywhere = len(docs) > snap.size // 3
        if not everywhere:
            starts, ends, _ = snap.spans(docs)
        totals: list[float] | None = None
        for phrase in self.phrases:
            idf = self.idf[phrase]
            if everywhere:
                counts = list(map(self.matcher.counts_everywhere(phrase).__getitem__, docs))
            else:
                counts = snap.counts(phrase, starts, ends)
            titled = snap.docs_with_phrase_in_title(phrase)
            # (TITLE_BONUS * in_title + tf / (tf + norm)) * idf, as loops in C (operator
            # functions over maps): a common phrase is scored over most of the archive.
            part = map(truediv, counts, map(add, counts, norms))  # norms > 0, so 0 where tf = 0
            if titled:
                part = map(add, part, map(mul, map(titled.__contains__, docs), repeat(self.TITLE_BONUS)))
            part = map(mul, part, repeat(idf))
            totals = list(part) if totals is None else list(map(add, totals, part))
        return totals if totals is not None else [0.0] * len(docs)


def length_norms(snapshot: Snapshot) -> array:
    """Per document, the length part of BM25's saturation (on characters; once per snapshot)."""

    def compute() -> array:
        starts, ends, _ = snapshot.spans(range(snapshot.size))
        k1 = Scorer.K1
        return array("d", (k1 * (0.25 + 0.75 * min((e - s) / 2000, 4.0)) for s, e in zip(starts, ends)))

    return snapshot.cached("length norms", compute)


def warm_up(snapshot: Snapshot) -> None:
    """Compute now what the queries of a snapshot share (texts, titles, archive facet counts, length
    norms), so that a long-running server's first query is as fast as the next ones."""
    snapshot.preload_texts()
    archive_facet_counts(snapshot)
    length_norms(snapshot)


def terms_to_mark(parsed: ParsedQuery, mode: str) -> tuple[str, ...]:
    """What snippets mark: the phrases, or in words mode each phrase's words."""
    if mode != "words":
        return parsed.phrases
    marks: dict[str, None] = {}
    for phrase in parsed.phrases:
        marks.update(dict.fromkeys(segmenter().cut(phrase) or [phrase]))
    return tuple(marks)


def _facet_counters(snapshot: Snapshot, docs: list[int]) -> dict[str, Counter]:
    return {
        "district": Counter(map(snapshot.district.__getitem__, docs)),
        "year": Counter(map(snapshot.year.__getitem__, docs)),
        "month": Counter(map(snapshot.month.__getitem__, docs)),
        "topic": Counter(chain.from_iterable(map(snapshot.topics.__getitem__, docs))),
    }


def archive_facet_counts(snapshot: Snapshot) -> dict[str, Counter]:
    """The facet counts of every live document (once per snapshot)."""
    return snapshot.cached("facet counts", lambda: _facet_counters(snapshot, list(snapshot.live)))


def count_facets(snapshot: Snapshot, docs: Iterable[int]) -> dict[str, tuple[FacetValue, ...]]:
    """Facet counts over the whole result set: district and topic by count, year and month newest first.

    A result set holding most of the archive is counted as the archive's
    counts (computed once per snapshot) minus those of the documents it lacks.
    """
    docs = docs if isinstance(docs, (set, frozenset)) else frozenset(docs)
    live = snapshot.live
    if len(docs) > len(live) // 2:
        everything = archive_facet_counts(snapshot)
        missing = _facet_counters(snapshot, list(live - docs))
        counters = {name: everything[name] - missing[name] for name in everything}
    else:
        counters = _facet_counters(snapshot, list(docs))
    facets = {}
    for name, counter in counters.items():
        counter.pop(None, None)
        if name in ("year", "month"):
            ordered = sorted(counter.items(), reverse=True)
        else:
            ordered = sorted(counter.items(), key=lambda item: (-item[1], item[0]))
        facets[name] = tuple(FacetValue(v, c) for v, c in ordered if c > 0)
    return facets


def search(snapshot: Snapshot, request: SearchRequest, taxonomy: Taxonomy | None = None) -> SearchResults:
    """Run a request against a snapshot: total, facets, and one page of hits with snippets."""
    started = time.perf_counter()
    parsed = request_query(request, taxonomy)
    matcher = Matcher(snapshot, request.mode)
    docs = evaluate(parsed, matcher)
    first = (request.page - 1) * request.per_page
    ordered = _order(snapshot, matcher, parsed, docs, request.sort, first + request.per_page)
    page = ordered[first:]
    marks = terms_to_mark(parsed, request.mode)
    hits = tuple(_hit(snapshot, n, score, marks) for n, score in page)
    facets = count_facets(snapshot, docs)
    took = round((time.perf_counter() - started) * 1000, 1)
    return SearchResults(
        request=request,
        read_as=parsed.describe(),
        notes=parsed.notes,
        phrases=marks,
        total=len(docs),
        took_ms=took,
        hits=hits,
        facets=facets,
    )


def all_hits(snapshot: Snapshot, request: SearchRequest, taxonomy: Taxonomy | None = None) -> Iterator[Hit]:
    """Every matching document in result order, each hit (with its snippets) made as it is consumed.

    For exports: a phrase matching the whole archive yields tens of thousands
    of hits, which are streamed rather than built first.
    """
    parsed = request_query(request, taxonomy)
    matcher = Matcher(snapshot, request.mode)
    docs = evaluate(parsed, matcher)
    ordered = _order(snapshot, matcher, parsed, docs, request.sort, len(docs))
    marks = terms_to_mark(parsed, request.mode)
    return (_hit(snapshot, n, score, marks) for n, score in ordered)


def matching_ids(snapshot: Snapshot, request: SearchRequest) -> set[str]:
    """The ids of every matching document (no ranking, no snippets): for tests and benchmarks."""
    parsed = request_query(request)
    docs = evaluate(parsed, Matcher(snapshot, request.mode))
    return {snapshot.document(n).id for n in docs}


def _order(
    snapshot: Snapshot, matcher: Matcher, parsed: ParsedQuery, docs, sort: str, needed: int
) -> list[tuple[int, float]]:
    """The first ``needed`` documents in result order, with their scores.

    Relevance: score, then newest, then index order.  Newest/oldest: date
    (a less precise date sorts before the dates it contains), undated last.
    Only the documents at or above the ``needed``-th best value are sorted
    with full keys: a common phrase matches most of the archive.
    """
    rank = snapshot.date_rank
    docs = list(docs)
    if sort == "relevance" and parsed.phrases:
        scorer = Scorer(matcher, terms_to_mark(parsed, matcher.mode), len(snapshot.live))
        docs = scorer.prune(docs, needed)
        values = scorer.scores(docs)
        scores = values
    else:
        scores = None
        ranks = list(map(rank.__getitem__, docs))
        if sort == "oldest":  # undated last
            values = [-r if r >= 0 else -_UNDATED for r in ranks]
        else:  # newest; also relevance with nothing to rank by
            values = ranks
    if needed < len(docs):
        cutoff = heapq.nlargest(needed, values)[-1]
        chosen = list(compress(range(len(docs)), map(cutoff.__le__, values)))
    else:
        chosen = range(len(docs))
    if scores is not None:
        keys = sorted((-scores[i], -rank[docs[i]], docs[i]) for i in chosen)[:needed]
        return [(n, round(-s, 4)) for s, _, n in keys]
    keys = sorted((-values[i], docs[i]) for i in chosen)[:needed]
    return [(n, 0.0) for _, n in keys]


_UNDATED = 10**9


def _hit(snapshot: Snapshot, docnum: int, score: float, marks: tuple[str, ...]) -> Hit:
    doc = snapshot.document(docnum)
    display = "\n".join((doc.title, *doc.paragraphs))  # folds to snapshot.search_text(docnum)
    return Hit(
        id=doc.id,
        title=doc.title,
        district=snapshot.district[docnum],
        date=snapshot.published[docnum],
        topics=snapshot.topics[docnum],
        source=doc.source,
        score=score,
        snippets=tuple(snippets(display, snapshot.search_text(docnum), marks)),
    )


# -- documents by id (web document page) -------------------------------------


def find_document(snapshot: Snapshot, doc_id: str) -> int | None:
    """The docnum of the live document with this id, or None."""
    if not doc_id or len(doc_id) > 64:
        return None
    found = snapshot.docs_with("id", doc_id) & snapshot.live
    return min(found) if found else None


def sibling_documents(snapshot: Snapshot, docnum: int) -> list[StoredDocument]:
    """The documents that came from the same file as ``docnum`` (items of a split page), in file order."""
    path = snapshot.document(docnum).path
    docs = snapshot.docs_with("path", path) & snapshot.live if path else frozenset({docnum})
    return sorted((snapshot.document(n) for n in docs), key=lambda d: d.item)


def original_file(document: StoredDocument):
    """The file a document was read from, when it is still a file inside the folder it was indexed from.

    The indexed folder is the stored path minus the stored relative ``source``;
    a path that resolves outside it (a symlink, a tampered index) gives None.
    Returns a ``pathlib.Path``.
    """
    from pathlib import Path  # only this function touches files

    path, source = document.path or "", document.source or ""
    if not path or not source or not path.endswith(source):
        return None
    root = Path(path[: len(path) - len(source)] or ".").resolve()
    try:
        resolved = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_file() or not resolved.is_relative_to(root):
        return None
    return resolved
