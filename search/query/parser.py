"""The query language: syntax -> ``ParsedQuery`` (groups of atoms), ``read_as`` and notes.

The words of a query are read into tokens in ``tokens``; the atoms themselves are in ``atoms``;
a ``field:value`` term becomes one in ``fields``.

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

from dataclasses import replace

from search.meta import Taxonomy
from search.query.atoms import COUNT_SUFFIX, Atom, ParsedQuery
from search.query.fields import atom_for
from search.query.tokens import AND, COUNT, NOT, OR, RELATION, SKIP, TERM, Token, tokenize
from search.query.variants import Variants, current_variants

MODES = ("exact", "words")
SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_LENGTH = 1000
MAX_PER_PAGE = 100_000
MAX_COUNT = 100_000


def parse_query(
    text: str, taxonomy: Taxonomy | None = None, variants: Variants | None = None, expand_all: bool = False
) -> ParsedQuery:
    """Read a query string leniently into groups of atoms; never raises.

    ``~term`` stands for every member of the term's groups in ``variants``
    (the shipped dictionary by default); ``expand_all`` expands every phrase
    that is a member of some group (the 含同义词 switch).
    """
    notes: list[str] = []
    reader = _Reader(taxonomy, variants, expand_all, notes)
    for token in tokenize(_cleaned(text, notes)):
        reader.read(token)
    return reader.finish()


def _cleaned(text: str, notes: list[str]) -> str:
    """The query cut to MAX_QUERY_LENGTH (with a note), control characters and lone surrogates as spaces."""
    if len(text) > MAX_QUERY_LENGTH:
        notes.append(f"query cut to its first {MAX_QUERY_LENGTH} characters")
        text = text[:MAX_QUERY_LENGTH]
    return "".join(" " if (ord(c) < 32 or ord(c) == 127 or "\ud800" <= c <= "\udfff") else c for c in text)


class _Reader:
    """Reads tokens, left to right, into an AND of OR groups of atoms.

    The syntax is flat (no parentheses), so there is nothing to descend into: an operator waits
    for the term after it (``pending_*``).  OR joins the next term to the last group; NOT negates
    the next term; a co-occurrence operator joins the last phrase and the next term, tighter than
    OR (``_relate``); ``$n`` applies to the phrase before it.  An operator with no operand is
    ignored with a note.
    """

    def __init__(self, taxonomy: Taxonomy | None, variants: Variants | None, expand_all: bool, notes: list[str]):
        self.taxonomy = taxonomy
        self.variants = variants
        self.expand_all = expand_all
        self.notes = notes
        self.groups: list[list[Atom]] = []
        self.pending_or = False
        self.pending_not = False
        self.pending_relation: tuple[str, int] | None = None
        self._readers = {
            TERM: self._term,
            OR: self._or,
            AND: self._skip,
            NOT: self._not,
            RELATION: self._relation,
            COUNT: self._count,
            SKIP: self._skip,
        }

    def read(self, token: Token) -> None:
        """Take one token: its own notes, then its meaning."""
        self.notes.extend(token.notes)
        self._readers[token.kind](token)

    def finish(self) -> ParsedQuery:
        """The query read, with a note for each operator left without its operand at the end."""
        if self.pending_or:
            self.notes.append("OR at the end ignored")
        if self.pending_not:
            self.notes.append("NOT at the end ignored")
        if self.pending_relation:
            self.notes.append(f"{_operator_name(*self.pending_relation)} at the end ignored")
        return ParsedQuery(tuple(tuple(g) for g in self.groups), tuple(self.notes))

    def _skip(self, token: Token) -> None:
        """AND (the default between terms) and a lone ``-``: nothing to do."""

    def _not(self, token: Token) -> None:
        self.pending_not = True

    def _or(self, token: Token) -> None:
        if not self.groups or self.pending_or:
            self.notes.append(f"{token.text} without a term before it ignored")
        else:
            self.pending_or = True

    def _relation(self, token: Token) -> None:
        if self.pending_or or self.pending_relation or not self.groups or self.groups[-1][-1].field != "text":
            self.notes.append(f"{token.text} without a phrase before it ignored")
        else:
            self.pending_relation = token.relation

    def _count(self, token: Token) -> None:
        last = self.groups[-1][-1] if self.groups else None
        if self.pending_or or self.pending_relation or last is None or last.field != "text" or last.relation:
            self.notes.append(f"{token.text} without a phrase before it ignored")
        else:
            self.groups[-1][-1] = replace(last, min_count=_count(token.text[1:], self.notes))

    def _term(self, token: Token) -> None:
        negated = token.negated or self.pending_not
        self.pending_not = False
        atoms = [atom for value in token.alternatives for atom in self._atoms(token, value, negated)]
        if not atoms:
            self.pending_or = False
        elif negated and len(atoms) > 1 and atoms[0].variant_of:
            # NOT ~term excludes every member: an AND of NOTs, not an OR.
            self.groups += [[a] for a in atoms]
            self.pending_or, self.pending_relation = False, None
        elif self.pending_relation:
            _relate(self.groups, atoms, self.pending_relation, self.notes)
            self.pending_or, self.pending_relation = False, None
        elif self.pending_or and self.groups:
            self.groups[-1].extend(atoms)
            self.pending_or = False
        else:
            self.groups.append(atoms)
            self.pending_or = False

    def _atoms(self, token: Token, value: str, negated: bool) -> list[Atom]:
        """The atoms of one alternative of a term: ``~term`` expanded, ``term$n`` counted."""
        textual = not token.quoted and token.field in ("", "text")
        tilde = textual and value.startswith("~") and len(value) > 1
        value = value[1:] if tilde else value
        count = COUNT_SUFFIX.fullmatch(value) if textual else None
        if count and count.group(1):
            value = count.group(1)
        atom = atom_for(token.field, value, negated, self.taxonomy, self.notes)
        if atom is None:
            return []
        if count and count.group(1):
            atom = replace(atom, min_count=_count(count.group(2), self.notes))
        if tilde or (self.expand_all and atom.field == "text"):
            if self.variants is None:
                self.variants = current_variants()
            return _expanded(atom, self.variants, self.notes if tilde else None)
        return [atom]


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
