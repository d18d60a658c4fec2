"""The query parser (a tokenizer and a reader, ``search.query.tokens`` and ``parser``) against a
frozen copy of the one-function parser it replaced (commit 2b83328, ``parse_query`` radon F 72):
the same ``ParsedQuery`` (groups and notes, in order) on random queries built from the syntax's
pieces; and every note the parser writes, word for word.

The frozen copy below is the oracle: do not edit it to make a test pass.
"""

from __future__ import annotations

import random
import re
from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.meta import Taxonomy
from search.query import parse_query
from search.query.atoms import COUNT_SUFFIX, NEAR_OPERATOR, Atom, ParsedQuery
from search.query.fields import FIELDS, atom_for
from search.query.variants import Variants, current_variants

# ---- the oracle: search/query/parser.py at 2b83328, verbatim but for the function's name --------

MAX_QUERY_LENGTH = 1000
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


def old_parse_query(
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


# ---- the property: the new parser reads every query as the old one did ----------------------------

TAXONOMY = Taxonomy.load()

# The syntax's pieces: operators (well placed, misplaced, clamped), fields (ours, unknown, upper
# case, with good and bad values), quotes (escaped, unclosed, empty), ~, $n, |, -, and text.
PIECES = [
    "OR",
    "|",
    "AND",
    "NOT",
    "SENT",
    "PARA",
    "NEAR",
    "NEAR/3",
    "NEAR/0",
    "NEAR/5000",
    "NEAR/x",
    "$3",
    "$0",
    "$99999999",
    "$",
    "-",
    "--",
    "- ",
    "~",
    "~~",
    "|",
    "||",
    "a|",
    "|a",
    "a||b",
    '"',
    '""',
    '"\\"',
    '\\"',
    '"稳 就业"',
    '"OR"',
    '"~放管服"',
    '"a$3"',
    "\\",
    *(f"{field}:" for field in FIELDS),
    "text:",
    "DISTRICT:",
    "Title:",
    "foo:",
    "时间:",
    ":",
    "::",
    "year:2020",
    "title:改革",
    "district:二七",
    "-topic:就业",
    "二七",
    "火星",
    "淳安县",
    "就业",
    "2020",
    "2019..2021",
    "2021..2019",
    "2020-07",
    "2020-13",
    "2020-13-45",
    "近3个月",
    "..",
    "通知",
    "公告",
    "文件",
    "郑政〔2021〕5号",
    "郑政",
    "稳就业",
    "保就业",
    "改革",
    "国企",
    "放管服",
    "双减",
    "发展",
    "六稳",
    "ＣＢＤ",
    "，",
    "。",
    "~放管服",
    "~国企",
    "~发展",
    "~双减",
    "稳就业$2",
    "改革$0",
    "~国企$2",
    "a$3",
    "$3a",
    "\x00",
    "\t",
    "\n",
    "\x7f",
    "\ud800",
    "\u3000",
    "\u200b",
    "title:\u200b",
    " ",
    "  ",
]

# Terms with what may stand before and after them, so that operators meet operands often.
PREFIXES = ["", "", "-", "NOT ", "~", "-~", "NOT ~"]
OPERATORS = ["", "", "OR", "|", "AND", "NOT", "SENT", "PARA", "NEAR/3", "NEAR/5000", "$3", "$0", "-"]
TERMS = [p for p in PIECES if p.strip() and p not in OPERATORS]


def _sentence(parts: list[tuple[str, str, str]]) -> str:
    return " ".join(f"{prefix}{term} {operator}" for prefix, term, operator in parts)


sentences = st.lists(
    st.tuples(st.sampled_from(PREFIXES), st.sampled_from(TERMS), st.sampled_from(OPERATORS)), max_size=6
).map(_sentence)

queries = st.one_of(
    sentences,
    st.lists(st.sampled_from(PIECES), max_size=14).map(" ".join),
    st.lists(st.sampled_from(PIECES), max_size=14).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=4)), max_size=14).map(
        lambda parts: "".join(p + (" " if i % 2 else "") for i, p in enumerate(parts))
    ),
    st.text(max_size=60),
    st.builds(lambda piece, n: piece * n, st.sampled_from(PIECES), st.integers(1, 1200)),
)


@settings(max_examples=3000, derandomize=True, deadline=None)
@given(queries, st.booleans())
def test_the_parser_reads_every_query_as_the_one_function_parser_did(text, expand_all):
    expected = old_parse_query(text, TAXONOMY, expand_all=expand_all)
    assert parse_query(text, TAXONOMY, expand_all=expand_all) == expected


# What each kind of note the old parser writes looks like (atom_for's own notes included).
NOTE_KINDS = {
    "cut": r"query cut to its first 1000 characters",
    "quote": r"closing quote added at the end",
    "empty alternative": r"an empty alternative around \| ignored",
    "lone -": r"a lone - ignored",
    "OR first": r"(OR|\|) without a term before it ignored",
    "at the end": r"(OR|NOT|SENT|PARA|NEAR/\d+) at the end ignored",
    "operator first": r"(SENT|PARA|NEAR(/\d+)?) without a phrase before it ignored",
    "count first": r"\$\d+ without a phrase before it ignored",
    "near clamped": r"NEAR/\d+ read as NEAR/1000",
    "count clamped": r"\$\d+ read as \$\d+",
    "not a phrase": r".+ after (SENT|PARA|NEAR/\d+) is not a phrase; ANDed instead",
    "NOT inside": r"NOT inside (SENT|PARA|NEAR/\d+) ignored",
    "no variants": r"~.+: no variants in the dictionary",
    "empty quotes": r'empty quotes "" ignored',
    "no value": r"[a-z]+: without a value ignored",
    "unsearchable": r".+ has no searchable characters; ignored",
    "no match": r"no (district|topic) matches .+",
    "bad date": r"(date|year):.* is not a valid (date|year) or range; ignored",
    "bad month": r"month:.* is not a month like 2020-07; ignored",
    "bad type": r"type:.* is not a document type .+",
}


def test_queries_built_from_the_pieces_reach_every_note_and_read_alike():
    """The pieces are not vacuous: 3,000 queries built from them the way the strategies do earn every
    kind of note the old parser writes; and the new parser reads each of them as the old one."""
    rng = random.Random(25)
    seen = set()
    for n in range(3000):
        parts = [rng.choice(PIECES) for _ in range(rng.randrange(15))]
        text = ("".join if n % 3 == 0 else " ".join)(parts) if n % 50 else rng.choice(PIECES) * rng.randrange(1, 1200)
        if n % 2:
            text = _sentence([(rng.choice(PREFIXES), rng.choice(TERMS), rng.choice(OPERATORS)) for _ in range(6)])
        expected = old_parse_query(text, TAXONOMY)
        assert parse_query(text, TAXONOMY) == expected, text
        seen.update(
            kind for note in expected.notes for kind, pattern in NOTE_KINDS.items() if re.fullmatch(pattern, note)
        )
    assert sorted(set(NOTE_KINDS) - seen) == []


# ---- every note, word for word ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, groups, notes",
    [
        ("就" * 1001, "就" * 1000, ("query cut to its first 1000 characters",)),
        ('"老旧小区 改造', '"老旧小区 改造"', ("closing quote added at the end",)),
        ("稳就业||保就业", "稳就业 OR 保就业", ("an empty alternative around | ignored",)),
        ("就业 -", "就业", ("a lone - ignored",)),
        ("title:- 就业", "就业", ("a lone - ignored",)),
        ("OR 就业", "就业", ("OR without a term before it ignored",)),
        ("| 就业", "就业", ("| without a term before it ignored",)),
        ("就业 OR OR 改革", "就业 OR 改革", ("OR without a term before it ignored",)),
        ("就业 OR", "就业", ("OR at the end ignored",)),
        ("就业 NOT", "就业", ("NOT at the end ignored",)),
        ("就业 SENT", "就业", ("SENT at the end ignored",)),
        ("就业 NEAR/5", "就业", ("NEAR/5 at the end ignored",)),
        ("就业 SENT OR", "就业", ("OR at the end ignored", "SENT at the end ignored")),
        ("SENT 就业", "就业", ("SENT without a phrase before it ignored",)),
        ("year:2020 PARA 就业", "year:2020 AND 就业", ("PARA without a phrase before it ignored",)),
        ("稳就业 OR NEAR 就业", "稳就业 OR 就业", ("NEAR without a phrase before it ignored",)),
        ("就业 NEAR/5000 改革", "就业 NEAR/1000 改革", ("NEAR/5000 read as NEAR/1000",)),
        ("NEAR/5000 改革", "改革", ("NEAR/5000 read as NEAR/1000", "NEAR/5000 without a phrase before it ignored")),
        ("$3", "(all documents)", ("$3 without a phrase before it ignored",)),
        ("就业 SENT 改革 $3", "就业 SENT 改革", ("$3 without a phrase before it ignored",)),
        ("就业 $0", "就业", ("$0 read as $1",)),
        ("就业$200000", "就业$100000", ("$200000 read as $100000",)),
        ("就业 SENT year:2020", "就业 AND year:2020", ("year:2020 after SENT is not a phrase; ANDed instead",)),
        ("就业 SENT -改革", "就业 SENT 改革", ("NOT inside SENT ignored",)),
        ("~发展", "发展", ("~发展: no variants in the dictionary",)),
        ('"" 就业', "就业", ('empty quotes "" ignored',)),
        ("title:\u200b 就业", "就业", ("'\\u200b' has no searchable characters; ignored",)),
        ('title:"" 就业', "就业", ("title: without a value ignored",)),
        ("district:火星", "district:火星", ("no district matches '火星': district:火星 matches nothing",)),
        ("date:2020-13-45", "(all documents)", ("date:2020-13-45 is not a valid date or range; ignored",)),
        ("year:2021..2019", "(all documents)", ("year:2021..2019 is not a valid year or range; ignored",)),
        ("month:2020-13", "(all documents)", ("month:2020-13 is not a month like 2020-07; ignored",)),
        (
            "type:公函",
            "type:公函",
            (
                (
                    "type:公函 is not a document type (通知、通告、意见、决定、决议、报告、请示、批复、方案、"
                    "办法、规定、规划、函、公告、公报、通报、纪要、工作报告、讲话、新闻): it matches nothing"
                ),
            ),
        ),
    ],
)
def test_each_note_is_written_word_for_word(text, groups, notes):
    parsed = parse_query(text, TAXONOMY)
    assert (parsed.describe(), parsed.notes) == (groups, notes)
    assert parsed == old_parse_query(text, TAXONOMY)
