"""The query language: syntax -> ``ParsedQuery`` (groups of atoms), ``read_as`` and notes.

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

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

from ..metadata import PartialDate, Taxonomy, match_districts
from ..normalize import normalize_query

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
        atoms = [a for a in (atom_for(field_name, v, negated, taxonomy, notes) for v in alternatives) if a]
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


def atom_for(field_name: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]) -> Atom | None:
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
