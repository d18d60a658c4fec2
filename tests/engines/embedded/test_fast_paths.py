"""The indexing workers' fast paths give what the plain rule gives: each is checked against the
plain regex, ``str.count`` or ``unicodedata.normalize`` it stands in for, over generated text made
of the pieces those rules look for (so matches are common, not luck)."""

from __future__ import annotations

import re
import unicodedata
from itertools import pairwise

from hypothesis import given, settings
from hypothesis import strategies as st

from search.meta import Taxonomy, Topic
from search.meta.issuers import DOC_NUMBER, doc_number, find_doc_number
from search.meta.items import official_title
from search.meta.literals import literal_alternation
from search.meta.manifests import Sidecar
from search.meta.published import _SIGNATURE, _may_end_with_date, signature
from search.meta.triggers import Triggers
from search.text.layout import (
    _SPACE_NEXT_TO_CJK,
    _TRAILING_BYLINE,
    MIN_WRAP_SPACES,
    MIN_WRAP_WIDTH,
    _is_column_wrapped,
    _trailing_byline,
)
from search.text.narrow import compose, narrow, narrow_table
from search.text.normalize import _INVISIBLE, _SPACES, normalize_line, normalize_text, search_text


def pieces(*tokens: str, max_size: int = 12) -> st.SearchStrategy[str]:
    return st.lists(st.sampled_from(tokens), max_size=max_size).map("".join)


def one_of(*choices: str) -> st.SearchStrategy[str]:
    return st.sampled_from(choices)


def joined(*parts: st.SearchStrategy[str]) -> st.SearchStrategy[str]:
    return st.tuples(*parts).map("".join)


def same_match(a: re.Match | None, b: re.Match | None) -> bool:
    return (a is None and b is None) or (
        a is not None and b is not None and (a.span(), a.groups()) == (b.span(), b.groups())
    )


# -- trigger phrases and topics -------------------------------------------------------------------

SHORT = pieces("稳", "就", "业", "a", "b", "ab", "稳就业", max_size=4).filter(bool)


@settings(max_examples=300)
@given(st.lists(pieces("a", "b", max_size=3).filter(bool), max_size=6), pieces("a", "b", "c", max_size=12))
def test_triggers_found_are_exactly_the_phrases_in_the_text(phrases, text):
    assert Triggers(phrases).present(text) == {p for p in phrases if p in text}


@settings(max_examples=300)
@given(st.lists(pieces("a", "b", max_size=4).filter(bool), max_size=6), pieces("a", "b", "c", "aa", "aba", max_size=12))
def test_trigger_counts_are_str_count_of_each_phrase_that_occurs(phrases, text):
    assert Triggers(phrases).counts(text) == {p: text.count(p) for p in phrases if p in text}


def test_triggers_overlapping_and_nested_phrases_are_all_found():
    triggers = Triggers(["稳就业", "就业", "稳就", "业务", "就"])
    assert triggers.present("稳就业务") == {"稳就业", "就业", "稳就", "业务", "就"}
    assert triggers.present("稳定就业") == {"就业", "就"}
    assert Triggers([]).present("稳就业") == set()
    # 哈哈 overlaps itself: three starts in 哈哈哈哈, two non-overlapping occurrences.
    assert Triggers(["哈哈", "哈", "就业"]).counts("哈哈哈哈就业就业") == {"哈哈": 2, "哈": 4, "就业": 2}


@given(
    st.lists(st.lists(SHORT, min_size=1, max_size=4), min_size=1, max_size=4),
    pieces("稳就业", "就业", "稳", "ab", "A", "B", "。", max_size=12),
    st.lists(pieces("稳就业", "就业", "稳", "ab", "A", "。", "\n", max_size=30), max_size=3),
)
def test_topics_are_those_whose_triggers_meet_the_density_rule(trigger_lists, title, paragraphs):
    topics = tuple(Topic(f"t{i}", tuple(dict.fromkeys(triggers))) for i, triggers in enumerate(trigger_lists))
    text = search_text(title, paragraphs)
    needed = 1 + len(text) // 5000
    expected = tuple(t.name for t in topics if sum(text.count(p) for p in t.triggers) >= needed)
    taxonomy = Taxonomy(topics)
    assert taxonomy.topics_for(title, paragraphs) == expected
    assert taxonomy.topics_in(text) == expected


def test_topics_need_one_mention_per_5000_characters():
    taxonomy = Taxonomy((Topic("就业", ("就业", "稳就业")), Topic("其他", ("审批",))))
    # 稳就业 holds 就业: both count, as str.count counts each trigger on its own.
    assert taxonomy.topics_for("稳就业", ["x" * 9990]) == ("就业",)
    assert taxonomy.topics_for("就业", ["x" * 9990]) == ()
    assert taxonomy.topics_for("就业", ["审批"]) == ("就业", "其他")


@settings(max_examples=300)
@given(
    st.lists(pieces("a", "b", "区", max_size=3).filter(bool), min_size=1, max_size=6),
    pieces("a", "b", "区", "域", max_size=14),
)
def test_literals_grouped_by_first_character_match_as_the_plain_alternation(literals, text):
    def suffix(literal: str) -> str:
        return "(?!域)" if literal.endswith("区") else ""

    plain = re.compile("|".join(re.escape(lit) + suffix(lit) for lit in literals))
    grouped = re.compile(literal_alternation(literals, suffix))
    assert [m.span() for m in grouped.finditer(text)] == [m.span() for m in plain.finditer(text)]


# -- 文号 ----------------------------------------------------------------------------------------

DOC_NUMBER_TEXT = pieces(
    "郑政",
    "办",
    "文",
    "〔",
    "[",
    "(",
    "【",
    "［",
    "〕",
    "]",
    ")",
    "】",
    "］",
    "2021",
    "1999",
    "20",
    "5",
    "12",
    "号",
    " ",
    "《",
    "签发人:张三",
    "。",
)


SPACE = one_of("", "", " ")
# Near-文号 between other text: mostly every part right, sometimes one of them wrong.
DOC_NUMBER_LIKE = joined(
    DOC_NUMBER_TEXT,
    one_of("郑政", "办", "", "1"),
    SPACE,
    one_of("〔", "[", "(", "【", "［", "x"),
    SPACE,
    one_of("2021", "1999", "3021"),
    SPACE,
    one_of("〕", "]", ")", "】", "］", "〔"),
    SPACE,
    one_of("5", "12", "123456", ""),
    SPACE,
    one_of("号", "号", "x"),
    DOC_NUMBER_TEXT,
)


@settings(max_examples=300)
@given(DOC_NUMBER_LIKE)
def test_find_doc_number_matches_as_the_doc_number_regex_does(text):
    assert same_match(find_doc_number(text), DOC_NUMBER.search(text))


def test_doc_number_and_official_title_read_a_header():
    paragraphs = [
        "郑州市人民政府办公厅",
        "郑政办文 [2022] 12号",
        "郑州市人民政府办公厅关于做好防汛工作的通知",
        "各县(市、区)人民政府:",
    ]
    assert doc_number(paragraphs).value == "郑政办文〔2022〕12号"
    assert official_title(paragraphs) == 2
    assert doc_number(["今年的号召", "(2022)"]) is None


# -- bylines, spaces, NFKC ------------------------------------------------------------------------

BYLINE_TEXT = pieces(
    "记者",
    "本报",
    "见习",
    "特约",
    "通讯员",
    "实习生",
    "马燕",
    "李",
    "盼",
    "·",
    " ",
    "文/图",
    "摄",
    "。",
    ")",
    "出席",
    "者",
)
BYLINE_LIKE = joined(
    pieces("出席会议", "。", " ", "记者 马燕", max_size=3),
    one_of("", "本报", "见习"),
    one_of("记者", "通讯员", "实习生", "记"),
    SPACE,
    one_of("马燕", "李", "欧阳小明", "马 燕"),
    one_of("", " 李盼", " 文/图", "摄", "。"),
)


@settings(max_examples=300)
@given(st.one_of(BYLINE_TEXT, BYLINE_LIKE))
def test_trailing_byline_matches_as_the_byline_regex_does(unit):
    assert same_match(_trailing_byline(unit), _TRAILING_BYLINE.search(unit))


def test_trailing_bylines_become_paragraphs():
    assert normalize_text("标题\n市长出席会议。记者 马燕 通讯员 李盼 文/图") == [
        "标题",
        "市长出席会议。",
        "记者 马燕 通讯员 李盼 文/图",
    ]


WRAPPED_TEXT = pieces("建", "成", "投用", " ", "  ", "a", "。", "国家级开发区", max_size=30)


@given(WRAPPED_TEXT)
def test_column_wrap_test_is_the_median_gap_of_spaces_next_to_cjk(text):
    positions = [m.start() for m in _SPACE_NEXT_TO_CJK.finditer(text)]
    gaps = sorted(b - a for a, b in pairwise(positions))
    expected = len(positions) >= MIN_WRAP_SPACES and gaps[len(gaps) // 2] >= MIN_WRAP_WIDTH
    assert _is_column_wrapped(text) == expected


COMPATIBILITY_TEXT = pieces(
    "，",
    "：",
    "（",
    "）",
    "；",
    "？",
    "！",
    "％",
    "\u3000",
    "Ａ",
    "ｂ",
    "１",
    "＠",
    "…",
    "Ⅱ",
    "①",
    "⑵",
    "ⓐ",
    "℃",
    "ﬁ",
    "¼",
    "\u0301",
    "\u0327",
    "e",
    "A",
    "(",
    "한",
    "\u1100",
    "\u1161",
    "\uf900",
    "国",
    "\ufeff",
    "\u200b",
    "\xa0",
    "\u2028",
    "\x85",
    "\x1c",
    "\t",
    " ",
    max_size=16,
)


LIST_MARKERS = ((0x2160, 0x2188), (0x2460, 0x24FF), (0x3200, 0x32FF), (0x1F100, 0x1F1FF))


def _narrow_oracle(text: str) -> str:
    """Per char: NFKC where that is one char, list markers kept."""

    def one(c):
        nfkc = unicodedata.normalize("NFKC", c)
        return nfkc if len(nfkc) == 1 and not any(a <= ord(c) <= b for a, b in LIST_MARKERS) else c

    return "".join(map(one, text))


@given(st.one_of(COMPATIBILITY_TEXT, st.text(max_size=20)))
def test_narrow_fast_path_equals_nfkc_char_by_char(text):
    assert narrow(text) == _narrow_oracle(text)


@given(st.one_of(COMPATIBILITY_TEXT, st.text(max_size=20)))
def test_normalize_line_collapses_whitespace_as_the_spaces_regex_does(text):
    assert normalize_line(text) == _SPACES.sub(" ", compose(_INVISIBLE.sub("", text))).strip()


COMBINING_TEXT = pieces(
    "e", "a", "A", "n", "u", "\u0301", "\u0300", "\u0308", "\u0327", "\u0303", "\u20d7", " ", "国", max_size=16
)


@given(COMBINING_TEXT)
def test_compose_is_nfc_on_latin_letters_and_combining_marks(text):
    assert compose(text) == unicodedata.normalize("NFC", text)


def test_compose_keeps_cjk_compatibility_ideographs_that_nfc_would_replace():
    assert compose("\uf900e\u0301") == "\uf900é"


def test_narrow_table_holds_the_one_char_nfkc_forms_and_no_list_marker():
    table = narrow_table()
    assert {"，": ",", "\u3000": " ", "Ａ": "A", "\uf900": "\u8c48", "\u2f00": "一", "ｶ": "カ"}.items() <= table.items()
    assert not {"①", "⑩", "⑵", "㈠", "Ⅰ", "Ⅱ", "…", "℃", "ﬁ"} & table.keys()


def test_narrow_table_pages_hold_every_narrowable_character():
    assert narrow_table(range(0x110000)) == narrow_table()


# -- signature block and sidecar ------------------------------------------------------------------

SIGNATURE_TEXT = pieces(
    "郑州市人民政府",
    "2021",
    "二〇二一",
    "年",
    "3",
    "十二",
    "月",
    "1",
    "日",
    "号",
    "(",
    ")",
    " ",
    "\n",
    "。",
    max_size=10,
)


SIGNATURE_LIKE = joined(
    one_of("", "郑州市人民政府", "会议纪要", "("),
    one_of("2021", "二〇二一", "21"),
    one_of("年", "."),
    one_of("3", "十二"),
    one_of("月", "-"),
    one_of("1", "三十"),
    one_of("日", "号", ""),
    one_of("", "", ")", "。", " "),
    one_of("", "", "\n", "\n\n"),
)


@settings(max_examples=300)
@given(st.one_of(SIGNATURE_TEXT, SIGNATURE_LIKE))
def test_signature_prefilter_never_skips_a_line_the_regex_matches(line):
    if _SIGNATURE.match(line):
        assert _may_end_with_date(line)


def test_signature_reads_organ_and_date():
    date, organ = signature(["正文。", "郑州市人民政府", "2021年3月1日"])
    assert (str(date.value), organ.value) == ("2021-03-01", "郑州市人民政府")
    date, organ = signature(["正文。", "(2021年3月1日)"])
    assert (str(date.value), organ) == ("2021-03-01", None)


def test_a_missing_sidecar_row_gives_the_empty_sidecar():
    assert Sidecar.from_row(None) == Sidecar.from_row({}) == Sidecar.from_row({"title": " "}) == Sidecar()
