"""The query language: syntax -> ``ParsedQuery`` (groups of atoms), ``read_as`` and notes.

Syntax (read leniently: nothing a user types raises; ``read_as`` and
``notes`` say how it was understood):

- terms separated by spaces are ANDed; each matches as an exact substring of a
  document's normalized title or text (Ctrl-F semantics);
- ``"…"`` quotes a phrase with spaces or punctuation (``\\"`` inside quotes is a
  literal quote); ``OR`` or ``|`` between terms; ``-term`` or ``NOT term`` excludes;
- ``district:二七区``, ``topic:就业``, ``title:老旧小区``, ``year:2020`` (or
  ``2019..2021``), ``date:2020-07..2020-08`` (also ``2020年7月``, open ends
  ``2020..`` / ``..2020-06``, ``2020/7/1``, relative: ``date:近3个月``, ``今年``, ``去年``, ``本月``, ``上月``);
- ``issuer:郑州市人民政府`` (a part of the issuer's name is enough), ``type:通知`` (文种),
  ``docno:郑政〔2021〕5号`` (any bracket; a part such as ``docno:郑政`` is enough);
- co-occurrence (``positions.py`` defines them): ``A NEAR/n B`` (at most n
  characters between an occurrence of each, either order, in one paragraph),
  ``A SENT B`` (one sentence), ``A PARA B`` (one paragraph), ``A$n`` (at
  least n occurrences).  They bind tighter than OR; ``A SENT B SENT C`` is
  ``(A SENT B) AND (B SENT C)``.  Their operands are phrases in both modes.

In exact mode a term's candidates come from the character-gram postings and
are then verified against the stored text, so results equal the substring
oracle by construction.  In words mode each term is cut by jieba and all its
words must occur, anywhere in the document.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, replace
from datetime import date
from functools import cached_property

from ..metadata import DOC_TYPES, PartialDate, Taxonomy, canonical_doc_number, canonical_doc_type, match_districts
from ..meta.typed import relative_range, typed_date
from ..normalize import normalize_query
from .variants import Variants, current_variants

MODES = ("exact", "words")
SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_LENGTH = 1000
MAX_PER_PAGE = 100_000
FIELDS = ("district", "topic", "title", "year", "month", "date", "issuer", "type", "docno")
FACETS = ("district", "year", "month", "topic", "issuer", "type")


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
    # Positional text atoms: co-occurrence with ``partner`` ("near", "sent",
    # "para"; ``distance`` for near) and a minimum number of occurrences.
    relation: str = ""
    partner: str = ""
    distance: int = 0
    min_count: int = 1
    # Set on the members a ``~term`` (or the 含同义词 switch) expanded: the term typed.
    variant_of: str = ""

    @property
    def key(self) -> tuple:
        """What the atom matches, negation aside (the key of memoized results)."""
        return (self.field, self.value, self.relation, self.partner, self.distance, self.min_count)

    @property
    def is_positional(self) -> bool:
        """Whether matching needs occurrences' positions or counts, not only their presence."""
        return bool(self.relation) or self.min_count > 1

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
            if self.min_count > 1:
                body += f"${self.min_count}"
            if self.relation:
                operator = f"NEAR/{self.distance}" if self.relation == "near" else self.relation.upper()
                body = f"{body} {operator} {_quote(self.partner)}"
                if self.negated:
                    body = f"({body})"
        elif self.field == "title":
            body = f"title:{_quote(self.value)}"
        elif self.names:
            body = f"{self.field}:{'|'.join(self.names)}"
        else:
            body = f"{self.field}:{self.value}"
        return f"NOT {body}" if self.negated else body


OPERATOR_WORDS = ("OR", "AND", "NOT", "SENT", "PARA")
_NEAR = re.compile(r"NEAR(?:/(\d+))?")
_COUNT_SUFFIX = re.compile(r"(.*?)\$(\d+)", re.DOTALL)
DEFAULT_NEAR = 10
MAX_NEAR = 1000
MAX_COUNT = 100_000


def _quote(text: str) -> str:
    if (
        re.fullmatch(r'[^\s"|:()~-][^\s"|:]*', text)
        and text not in OPERATOR_WORDS
        and not _NEAR.fullmatch(text)
        and not _COUNT_SUFFIX.fullmatch(text)
    ):
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
        seen: dict[str, None] = {}
        for atom in (a for g in self.groups for a in g if a.is_phrase and not a.negated):
            seen.update(dict.fromkeys((atom.value, atom.partner) if atom.relation else (atom.value,)))
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


def parse_query(
    text: str, taxonomy: Taxonomy | None = None, variants: Variants | None = None, expand_all: bool = False
) -> ParsedQuery:
    """Read a query string leniently into groups of atoms; never raises.

    ``~term`` stands for every member of the term's groups in ``variants``
    (the shipped dictionary by default); ``expand_all`` expands every phrase
    that is a member of some group (the 含同义词 switch).
    """
    notes: list[str] = []
    if len(text) > MAX_QUERY_LENGTH:
        notes.append(f"query cut to its first {MAX_QUERY_LENGTH} characters")
        text = text[:MAX_QUERY_LENGTH]
    text = "".join(" " if (ord(c) < 32 or ord(c) == 127 or "\ud800" <= c <= "\udfff") else c for c in text)
    groups: list[list[Atom]] = []
    pending_or = False
    pending_not = False
    pending_relation: tuple[str, int] | None = None
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
                relation = _relation_of(bare, notes)
                if relation:
                    if pending_or or pending_relation or not groups or groups[-1][-1].field != "text":
                        notes.append(f"{bare} without a phrase before it ignored")
                    else:
                        pending_relation = relation
                    continue
                count = re.fullmatch(r"\$(\d+)", bare)
                if count:
                    last = groups[-1][-1] if groups else None
                    if pending_or or pending_relation or last is None or last.field != "text" or last.relation:
                        notes.append(f"{bare} without a phrase before it ignored")
                    else:
                        groups[-1][-1] = replace(last, min_count=_count(count.group(1), notes))
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
        atoms = []
        for value in alternatives:
            textual = quoted is None and field_name in ("", "text")
            tilde = textual and value.startswith("~") and len(value) > 1
            value = value[1:] if tilde else value
            count = _COUNT_SUFFIX.fullmatch(value) if textual else None
            if count and count.group(1):
                value = count.group(1)
            atom = atom_for(field_name, value, negated, taxonomy, notes)
            if atom and count and count.group(1):
                atom = replace(atom, min_count=_count(count.group(2), notes))
            if atom and (tilde or (expand_all and atom.field == "text")):
                variants = variants if variants is not None else current_variants()
                atoms += _expanded(atom, variants, notes if tilde else None)
            elif atom:
                atoms.append(atom)
        if not atoms:
            pending_or = False
            continue
        if negated and len(atoms) > 1 and atoms[0].variant_of:
            # NOT ~term excludes every member: an AND of NOTs, not an OR.
            groups += [[a] for a in atoms]
            pending_or = pending_relation = False
            continue
        if pending_relation:
            _relate(groups, atoms, pending_relation, notes)
            pending_relation = pending_or = False
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
    if pending_relation:
        notes.append(f"{_operator_name(*pending_relation)} at the end ignored")
    return ParsedQuery(tuple(tuple(g) for g in groups), tuple(notes))


def _relation_of(token: str, notes: list[str]) -> tuple[str, int] | None:
    """``NEAR/5`` -> ("near", 5), ``SENT`` -> ("sent", 0), ``PARA`` -> ("para", 0); None for other tokens."""
    if token in ("SENT", "PARA"):
        return token.lower(), 0
    near = _NEAR.fullmatch(token)
    if near is None:
        return None
    distance = int(near.group(1)) if near.group(1) else DEFAULT_NEAR
    if distance > MAX_NEAR:
        notes.append(f"NEAR/{near.group(1)} read as NEAR/{MAX_NEAR}")
        distance = MAX_NEAR
    return "near", distance


def _operator_name(relation: str, distance: int) -> str:
    return f"NEAR/{distance}" if relation == "near" else relation.upper()


def _count(digits: str, notes: list[str]) -> int:
    """The n of ``A$n``: at least 1, at most MAX_COUNT."""
    n = int(digits[:7])
    if not 1 <= n <= MAX_COUNT:
        notes.append(f"${digits} read as ${min(max(n, 1), MAX_COUNT)}")
    return min(max(n, 1), MAX_COUNT)


def _relate(groups: list[list[Atom]], rights: list[Atom], relation: tuple[str, int], notes: list[str]) -> None:
    """Join the last atom of ``groups`` with the atoms after an operator into co-occurrence atoms.

    The left atom is replaced in its OR group (``A OR B SENT C`` is ``A OR (B
    SENT C)``); after another co-occurrence (``A SENT B SENT C``) the pair is
    its own group, ``B SENT C``.  Counts of the operands (``A$3 SENT B``) stay
    as their own groups.
    """
    name = _operator_name(*relation)
    left_group = groups[-1]
    left = left_group[-1]
    chained = bool(left.relation)
    # The left operand: the last term, or every member of an expanded ~term.
    lefts = [a for a in left_group if a.variant_of == left.variant_of] if left.variant_of and not chained else [left]
    bases = [Atom("text", left.partner)] if chained else [replace(a, min_count=1) for a in lefts]
    related, more = [], []
    for right in rights:
        if right.field != "text" or right.relation:
            notes.append(f"{right.describe()} after {name} is not a phrase; ANDed instead")
            more.append([right])
            continue
        if right.negated:
            notes.append(f"NOT inside {name} ignored")
        related += [replace(b, relation=relation[0], distance=relation[1], partner=right.value) for b in bases]
        if right.min_count > 1:
            more.append([replace(right, negated=False)])
    if related and chained:
        groups.append(related)
    elif related:
        left_group[len(left_group) - len(lefts) :] = related
        more[:0] = [[a] for a in lefts if a.min_count > 1]
    groups.extend(more)


def _expanded(atom: Atom, variants: Variants, notes: list[str] | None) -> list[Atom]:
    """The atom's phrase and its variants, each an atom marked with the phrase typed."""
    members = variants.expand(atom.value)
    if len(members) == 1:
        if notes is not None:
            notes.append(f"~{atom.value}: no variants in the dictionary")
        return [atom]
    return [replace(atom, value=m, variant_of=atom.value) for m in members]


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
    if field_name == "issuer":
        return Atom("issuer", value, negated)
    if field_name == "type":
        kind = canonical_doc_type(value)
        if kind not in DOC_TYPES:
            notes.append(f"type:{value} is not a document type ({'、'.join(DOC_TYPES)}): it matches nothing")
        return Atom("type", kind or value, negated)
    if field_name == "docno":
        return Atom("docno", normalize_query(canonical_doc_number(raw) or raw), negated)
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


def parse_interval(text: str, years_only: bool = False, today: date | None = None) -> tuple[date, date] | None:
    """``2020``, ``2020-07``, ``2020年7月``, ``2020/7/1``, ``A..B``, ``A..``, ``..B``, or a relative range
    (近一年, 近3个月, 今年, 去年, 本月, 上月) -> (first day, last day), or None."""
    text = text.strip().replace("～", "..").replace("~", "..").replace("至", "..")
    if not years_only:
        whole = relative_range(text, today)
        if whole:
            return whole
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
        relative = None if years_only else relative_range(part, today)
        if relative:
            return relative[1] if end else relative[0]
        parsed = typed_date(part)
        if parsed is None:
            return None
        return parsed.end() if end else parsed.start()

    start, end = bound(left, False), bound(right, True)
    if start is None or end is None or start > end:
        return None
    return start, end


# -- request and results ------------------------------------------------------
