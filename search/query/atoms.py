"""The parsed query: ``Atom`` (one term or filter) and ``ParsedQuery`` (an AND of ORs of atoms).

Apart from the parser because everything downstream (evaluate, rank, suggest, run) works on these
values and never on the syntax; ``describe`` prints them back in the syntax (``read_as``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from functools import cached_property

# Words and tokens the parser reads as operators: a phrase spelled like one is quoted in read_as.
OPERATOR_WORDS = ("OR", "AND", "NOT", "SENT", "PARA")
NEAR_OPERATOR = re.compile(r"NEAR(?:/(\d+))?")
COUNT_SUFFIX = re.compile(r"(.*?)\$(\d+)", re.DOTALL)


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
        """Whether the atom is a phrase (``text`` or ``title``) rather than a filter."""
        return self.field in ("text", "title")

    def describe(self) -> str:
        """The atom written back in the query syntax (a part of ``read_as``)."""
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


def _quote(text: str) -> str:
    if (
        re.fullmatch(r'[^\s"|:()~-][^\s"|:]*', text)
        and text not in OPERATOR_WORDS
        and not NEAR_OPERATOR.fullmatch(text)
        and not COUNT_SUFFIX.fullmatch(text)
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
        """The query written back in the syntax, groups ANDed and alternatives ORed (``read_as``); "(all documents)" when empty."""
        parts = []
        for group in self.groups:
            text = " OR ".join(a.describe() for a in group)
            parts.append(f"({text})" if len(group) > 1 and len(self.groups) > 1 else text)
        return " AND ".join(parts) if parts else "(all documents)"
