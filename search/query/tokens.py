"""The query syntax's tokens: a query string -> ``Token``s (terms and operators), for ``parser``.

A token is read by one regular expression (``-``, ``field:``, then a quoted phrase or a bare
word) and then classified: ``OR``/``|``, ``AND``, ``NOT``, a co-occurrence operator (``NEAR/n``,
``SENT``, ``PARA``), a count (``$n``), a lone ``-`` (skipped), or a term.  Operators are operators
only when bare (no ``-``, no field): ``-OR`` and ``title:OR`` are terms.  The notes a token earns on
its own (an unclosed quote, an empty ``|`` alternative, ``NEAR/5000`` clamped) travel with it, so
the parser writes them in query order.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from search.query.atoms import NEAR_OPERATOR
from search.query.fields import FIELDS

DEFAULT_NEAR = 10
MAX_NEAR = 1000

_TOKEN = re.compile(
    r"""(?P<neg>-(?=\S))?
        (?:(?P<field>[A-Za-z]+):(?=\S))?
        (?:"(?P<quoted>(?:\\.|[^"\\])*)(?P<close>"|$)|(?P<bare>\S+))""",
    re.VERBOSE | re.DOTALL,
)
_COUNT = re.compile(r"\$(\d+)")

# The kinds of token: a term, and the operators the parser gives meaning to ("skip" has none).
TERM, OR, AND, NOT, RELATION, COUNT, SKIP = "term", "or", "and", "not", "relation", "count", "skip"


@dataclass(frozen=True)
class Token:
    """One token: its kind, the text typed, and what the kind needs (a term's field and alternatives)."""

    kind: str
    text: str
    negated: bool = False
    field: str = ""  # lower case; "" for a phrase (and for an unknown prefix, kept in the text)
    quoted: bool = False
    alternatives: tuple[str, ...] = ()  # a term's values: one, or the parts of ``a|b``
    relation: tuple[str, int] | None = None  # ("near", n), ("sent", 0), ("para", 0)
    notes: tuple[str, ...] = ()


def tokenize(text: str) -> Iterator[Token]:
    """The tokens of ``text`` (already cut and cleaned by the parser), left to right."""
    pos = 0
    while True:
        while pos < len(text) and text[pos].isspace():
            pos += 1
        if pos >= len(text):
            return
        match = _TOKEN.match(text, pos)
        pos = match.end()
        yield _token(match)


def _token(match: re.Match) -> Token:
    """The token one match of ``_TOKEN`` is."""
    negated = bool(match.group("neg"))
    field = match.group("field")
    quoted = match.group("quoted")
    if quoted is not None:
        notes = () if match.group("close") else ("closing quote added at the end",)
        value = re.sub(r"\\(.)", r"\1", quoted)
        return Token(TERM, quoted, negated, (field or "").lower(), True, (value,), notes=notes)
    bare = match.group("bare")
    if field and field.lower() not in FIELDS:
        # Not one of our fields: the colon is part of the text (时间:2020).
        return _term(f"{field}:{bare}", negated, "")
    if field is None and not negated:
        operator = _operator(bare)
        if operator is not None:
            return operator
    if bare == "-" and not negated:
        return Token(SKIP, bare, notes=("a lone - ignored",))
    return _term(bare, negated, (field or "").lower())


def _term(bare: str, negated: bool, field: str) -> Token:
    """A bare term; ``a|b`` gives two alternatives (empty ones dropped with a note)."""
    alternatives = bare.split("|")
    notes: tuple[str, ...] = ()
    if "" in alternatives:
        notes = ("an empty alternative around | ignored",)
        alternatives = [a for a in alternatives if a]
    return Token(TERM, bare, negated, field, False, tuple(alternatives), notes=notes)


def _operator(bare: str) -> Token | None:
    """The operator a bare word is, or None for a term."""
    if bare in ("OR", "|"):
        return Token(OR, bare)
    if bare in ("AND", "NOT"):
        return Token(bare.lower(), bare)
    relation = relation_of(bare)
    if relation is not None:
        return Token(RELATION, bare, relation=relation[0], notes=relation[1])
    count = _COUNT.fullmatch(bare)
    if count:
        return Token(COUNT, bare)
    return None


def relation_of(word: str) -> tuple[tuple[str, int], tuple[str, ...]] | None:
    """``NEAR/5`` -> ("near", 5), ``SENT`` -> ("sent", 0), ``PARA`` -> ("para", 0), with any note; None for other words."""
    if word in ("SENT", "PARA"):
        return (word.lower(), 0), ()
    near = NEAR_OPERATOR.fullmatch(word)
    if near is None:
        return None
    distance = int(near.group(1)) if near.group(1) else DEFAULT_NEAR
    if distance > MAX_NEAR:
        return ("near", MAX_NEAR), (f"NEAR/{near.group(1)} read as NEAR/{MAX_NEAR}",)
    return ("near", distance), ()
