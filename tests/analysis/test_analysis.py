"""Our tokenizers: character grams for exactness, jieba words (via rjieba, proven identical)."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from search.text.analyzer import Segmenter, char_grams, query_grams, segmenter
from tests.conftest import SEEDS


def test_char_grams_are_adjacent_pairs_within_lines_plus_each_line_end():
    assert char_grams("郑东新区\n5G") == {"郑东", "东新", "新区", "区\n", "5G", "G\n"}


def test_no_gram_spans_a_paragraph_break():
    assert "会本" not in set(char_grams("会商会议\n本报讯"))


def test_query_grams_are_the_distinct_bigrams_in_order():
    assert query_grams("哈哈哈") == ["哈哈"]
    assert query_grams("中原科技城") == ["中原", "原科", "科技", "技城"]


def test_user_dictionary_keeps_place_and_policy_terms_whole():
    assert segmenter().cut("郑东新区加快中原科技城建设,稳就业") == ["郑东新区", "加快", "中原科技城", "建设", "稳就业"]


def test_digits_are_kept():
    assert segmenter().cut("8月8日") == ["8", "月", "8", "日"]


SEED_TEXT = "\n".join(p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt")))


def test_rjieba_cuts_the_seeds_exactly_like_jieba():
    seg = segmenter()
    assert seg.fast is not None, "rjieba is a pinned dependency"
    for line in SEED_TEXT.splitlines():
        assert seg.fast.cut(line, hmm=True) == seg.reference.lcut(line, HMM=True), line


@settings(max_examples=300, deadline=None)
@given(st.integers(0, 2**32 - 1), st.integers(1, 60))
def test_rjieba_cuts_random_text_exactly_like_jieba(seed, length):
    """Random strings over the seeds' own characters (CJK, digits, Latin, punctuation)."""
    rng = random.Random(seed)
    alphabet = sorted(set(SEED_TEXT) - {"\n"})
    text = "".join(rng.choice(alphabet) for _ in range(length))
    seg = segmenter()
    assert seg.fast.cut(text, hmm=True) == seg.reference.lcut(text, HMM=True)


def test_jieba_only_engine_gives_the_same_words():
    plain = Segmenter(engine="jieba")
    assert plain.fast is None
    assert plain.cut("郑东新区召开防汛会商会议") == segmenter().cut("郑东新区召开防汛会商会议")


def test_jieba_cache_lives_in_our_folder():
    seg = Segmenter(engine="jieba")
    tokenizer = seg.reference
    assert tokenizer.cache_file == "jieba.cache"
    assert "govsearch" in tokenizer.tmp_dir or tokenizer.tmp_dir.endswith("_cache")
