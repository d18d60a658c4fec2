"""The query language: syntax -> ``ParsedQuery`` (groups of atoms), ``read_as`` and notes.

The atoms themselves are in ``atoms``; a ``field:value`` term becomes one in ``fields``.

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
from dataclasses import replace

from search.meta import Taxonomy
from search.query.atoms import COUNT_SUFFIX, NEAR_OPERATOR, Atom, ParsedQuery
from search.query.fields import FIELDS, atom_for
from search.query.variants import Variants, current_variants

MODES = ("exact", "words")
SORTS = ("relevance", "newest", "oldest")
MAX_QUERY_LENGTH = 1000
MAX_PER_PAGE = 100_000
FACETS = ("district", "year", "month", "topic", "issuer", "type")
DEFAULT_NEAR = 10
MAX_NEAR = 1000
MAX_COUNT = 100_000

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
            count = COUNT_SUFFIX.fullmatch(value) if textual else None
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
    near = NEAR_OPERATOR.fullmatch(token)
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
