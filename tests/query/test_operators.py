"""NEAR/n, SENT, PARA and $n against a direct implementation over the normalized text.

The oracle (``operator_oracle``) is written from the definitions, independently of
``search.query.positions``: every start by ``startswith`` at every offset,
every pair of starts compared, sentences and paragraphs cut character by
character.  Two corpora: the seed reports (pairs drawn from one sentence or
paragraph, so most are positives) and a dense synthetic corpus over five
characters and the sentence ends (repeated phrases, overlaps, a phrase that
spans a sentence end, A == B).
"""

from __future__ import annotations

import random
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids, search
from search.meta import extract_documents
from search.query import SearchRequest, parse_query
from search.text.normalize import search_text
from tests.operator_oracle import operator_pairs, oracle, query_for, quoted

SETTINGS = settings(max_examples=250, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))


def engine(snapshot, ids: dict, query: str, mode: str = "exact") -> set:
    return {ids[i] for i in matching_ids(snapshot, SearchRequest(q=query, mode=mode))}


def ids_of(snapshot) -> dict:
    return {snapshot.document(n).id: (snapshot.document(n).source, snapshot.document(n).item) for n in snapshot.live}


# -- the seed reports ---------------------------------------------------------


@pytest.fixture(scope="module")
def seed_texts(seed_documents) -> dict:
    return {(name, item): text for name, item, text in seed_documents}


def _seed_pairs(texts: dict):
    """Two phrases cut from one sentence (or one paragraph, or anywhere), an operator and n."""
    return operator_pairs(list(texts.values()), longest=6)


def test_operators_on_the_seeds_equal_the_oracle(seeds_snapshot, seed_texts):
    ids = ids_of(seeds_snapshot)

    @settings(SETTINGS, max_examples=120)
    @given(_seed_pairs(seed_texts))
    def check(case):
        operator, a, b, n = case
        if not a or not b:
            return
        query = query_for(operator, a, b, n)
        assert engine(seeds_snapshot, ids, query) == oracle(seed_texts, operator, a, b, n), query

    check()


def test_operators_mean_the_same_in_words_mode(seeds_snapshot, seed_texts):
    """Their operands are phrases in both modes."""
    ids = ids_of(seeds_snapshot)
    for operator, a, b, n in [
        ("SENT", "老旧小区", "改造", 0),
        ("NEAR", "就业", "创业", 3),
        ("COUNT", "建设", "", 20),
        ("PARA", "疫情", "复工", 0),
    ]:
        query = query_for(operator, a, b, n)
        expected = oracle(seed_texts, operator, a, b, n)
        assert expected  # each example has documents
        assert engine(seeds_snapshot, ids, query, "words") == expected == engine(seeds_snapshot, ids, query)


# -- a dense synthetic corpus -------------------------------------------------

ALPHABET = "甲乙丙丁戊"
ENDS = "。!?;,"


@pytest.fixture(scope="module")
def dense(tmp_path_factory):
    """(snapshot, ids, oracle texts) of 60 documents of short random lines over a small alphabet."""
    folder = tmp_path_factory.mktemp("dense")
    rng = random.Random(13)
    texts = {}
    for number in range(60):
        lines = ["标题" + str(number)]
        lines.extend(
            "".join(rng.choice(ALPHABET + ENDS[rng.randint(0, 4)]) for _ in range(rng.randint(3, 30)))
            for _ in range(rng.randint(1, 5))
        )
        raw = "\n".join(lines) + "\n"
        name = f"d{number:02}.txt"
        (folder / name).write_text(raw, encoding="utf-8")
        for record in extract_documents(raw):
            texts[(name, record.item)] = search_text(record.title, record.paragraphs)
    index_dir = tmp_path_factory.mktemp("dense-index")
    index_paths([folder], index_dir)
    snapshot = Archive(index_dir).snapshot()
    return snapshot, ids_of(snapshot), texts


PHRASE = st.text(alphabet=ALPHABET + "。!", min_size=1, max_size=3)


@SETTINGS
@given(st.sampled_from(["NEAR", "SENT", "PARA", "COUNT"]), PHRASE, PHRASE, st.integers(0, 8), st.booleans())
def test_operators_on_dense_text_equal_the_oracle(dense, operator, a, b, n, same):
    snapshot, ids, texts = dense
    b = a if same else b
    n = max(n, 1) if operator == "COUNT" else n
    query = query_for(operator, a, b, n)
    assert engine(snapshot, ids, query) == oracle(texts, operator, a, b, n), query


@SETTINGS
@given(PHRASE, PHRASE, PHRASE, st.booleans())
def test_operators_combine_with_and_or_not_as_sets(dense, a, b, c, negate):
    snapshot, ids, texts = dense
    everything = set(texts)
    pair = oracle(texts, "SENT", a, b, 0)
    other = {k for k, t in texts.items() if c in t}
    got_or = engine(snapshot, ids, f"{quoted(c)} OR {quoted(a)} SENT {quoted(b)}")
    assert got_or == other | pair
    query = f"{quoted(c)} {'-' if negate else ''}{quoted(a)} SENT {quoted(b)}"
    assert engine(snapshot, ids, query) == other & ((everything - pair) if negate else pair)


# -- reading and snippets -----------------------------------------------------


def test_read_as_shows_the_operators():
    assert parse_query("老旧小区 SENT 加装电梯").describe() == "老旧小区 SENT 加装电梯"
    assert parse_query("老旧小区 NEAR 加装电梯").describe() == "老旧小区 NEAR/10 加装电梯"
    assert parse_query("放管服$3 就业 PARA 创业").describe() == "放管服$3 AND 就业 PARA 创业"
    assert parse_query('"老旧 小区"$2').describe() == '"老旧 小区"$2'
    assert parse_query("-疫情 SENT 复工").describe() == "NOT (疫情 SENT 复工)"
    assert parse_query("稳就业 OR 保就业 NEAR/5 岗位").describe() == "稳就业 OR 保就业 NEAR/5 岗位"
    assert parse_query("a SENT b SENT c").describe() == "a SENT b AND b SENT c"


def test_operator_words_as_text_are_quoted_in_read_as():
    parsed = parse_query('"SENT" "NEAR/3" "a$3"')
    assert parsed.describe() == 'sent AND near/3 AND "a$3"'  # folded to lower case: no longer operators
    assert [a.min_count for g in parsed.groups for a in g] == [1, 1, 1]


def test_misplaced_operators_are_ignored_with_notes():
    assert parse_query("SENT 就业").notes == ("SENT without a phrase before it ignored",)
    assert parse_query("就业 PARA").notes == ("PARA at the end ignored",)
    assert parse_query("$3").notes == ("$3 without a phrase before it ignored",)
    assert parse_query("就业 NEAR/5000 创业").describe() == "就业 NEAR/1000 创业"
    assert parse_query("就业$0").describe() == "就业"
    parsed = parse_query("就业 SENT district:二七区")
    assert parsed.describe() == "就业 AND district:二七区"
    assert parsed.notes == ("district:二七区 after SENT is not a phrase; ANDed instead",)


def test_counts_of_operands_stay_their_own_groups():
    assert parse_query("就业$3 SENT 创业$2").describe() == "就业 SENT 创业 AND 就业$3 AND 创业$2"


def test_snippet_puts_the_sentence_pair_in_one_window(seeds_snapshot):
    results = search(seeds_snapshot, SearchRequest(q="老旧小区 SENT 改造", per_page=1))
    first = results.hits[0].snippets[0]
    sentence = re.sub(r"</?mark>", "", first)
    assert "<mark>老旧小区</mark>" in first and "<mark>改造</mark>" in first
    assert re.search("老旧小区[^。]*改造|改造[^。]*老旧小区", sentence)


def test_a_far_apart_pair_shares_one_snippet_with_the_middle_elided():
    from search.text.highlight import snippets

    text = "标题\n" + "甲" + "乙" * 400 + "丙。"
    got = snippets(text, text, ["甲", "丙"], pairs=[(3, 405)])
    assert got[0].startswith("<mark>甲</mark>" + "乙" * 30 + "…")
    assert got[0].endswith("…" + "乙" * 30 + "<mark>丙</mark>…")


def test_the_document_page_marks_both_operands(seeds_index, seeds_snapshot, tmp_path):
    from tests.web_fixtures import make_app

    hit = search(seeds_snapshot, SearchRequest(q="就业 NEAR/3 创业", per_page=1)).hits[0]
    client = make_app(seeds_index, tmp_path / "saved.sqlite3").test_client()
    page = client.get(f"/doc/{hit.id}", query_string={"q": "就业 NEAR/3 创业"}).get_data(as_text=True)
    marked = re.findall(r"<mark>([^<]*)</mark>", page)
    assert set(marked) <= {"就业", "创业", "创业就业", "就业创业"}
    docnum = next(n for n in seeds_snapshot.live if seeds_snapshot.document(n).id == hit.id)
    text = seeds_snapshot.search_text(docnum)
    # every occurrence of either operand is marked (touching ones in one mark)
    assert sum(m.count("就业") for m in marked) == text.count("就业")
    assert sum(m.count("创业") for m in marked) == text.count("创业")
