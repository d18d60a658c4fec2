"""Normalization of the seed reports: layout repairs, paragraphs, and the folded search form."""

from __future__ import annotations

import unicodedata
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

import search.text.normalize
from search.text.normalize import fold, is_byline, normalize_query, normalize_text, search_text

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SEED_FILES = {
    "000": "000_754c89f9d7615ac7.txt",
    "001": "001_f03c825dd93f2a3d.txt",
    "002": "002_e4afcd0e96c35912.txt",
    "003": "003_5b08f66ed03d030d.txt",
    "004": "004_e713b7ff9e0ddada.txt",
}


def paragraphs_of(seed: str) -> list[str]:
    return normalize_text((SEEDS / SEED_FILES[seed]).read_text(encoding="utf-8"))


def searchable(seed: str) -> str:
    return fold("\n".join(paragraphs_of(seed)))


BROKEN_LINES = [
    ("004", "核心板块建设进度"),
    ("004", "设置党员四必访"),
    ("004", "辐射周边3个城市社区"),
    ("002", "西流湖公园综合整治拆迁"),
    ("002", "持续开展大检查"),
    ("002", "食品安全示范区创建"),
    ("002", "中原区公共卫生服务中心建设"),
    ("002", "复工复产的重要载体"),
    ("001", "养老产业园等重点项目"),
]


@pytest.mark.parametrize("seed, phrase", BROKEN_LINES, ids=[p for _, p in BROKEN_LINES])
def test_phrase_spanning_a_broken_line_is_joined(seed, phrase):
    assert phrase in searchable(seed)


STRAY_SPACES = ["确保3所建成投用", "西流湖第三幼儿园", "家门口", "抓好高校毕业生", "服务设施建设工程"]


@pytest.mark.parametrize("phrase", STRAY_SPACES)
def test_stray_space_inside_a_word_of_running_text_is_removed(phrase):
    assert phrase in searchable("003")


ACROSS_HEADINGS = [
    ("001", "下半年重点抓好"),
    ("003", "持续抓好项目建设积极争取"),
    ("004", "会商会议本报讯"),
]


@pytest.mark.parametrize("seed, phrase", ACROSS_HEADINGS, ids=[p for _, p in ACROSS_HEADINGS])
def test_no_phrase_is_formed_across_a_heading(seed, phrase):
    assert phrase not in searchable(seed)


def test_heading_keeps_its_inner_space():
    text = searchable("003")
    assert "突出重点 担当作为" in text
    assert "突出重点担当作为" not in text


def test_spaced_title_of_a_news_item_keeps_its_space():
    assert "郑东新区 召开“双改”工作推进会" in paragraphs_of("004")


def test_spaced_headline_longer_than_a_broken_line_is_not_joined_to_its_paragraph():
    paragraphs = paragraphs_of("000")
    assert paragraphs[15] == "统筹卫生城市复审和文明城市创建 城市软实力持续提升"
    assert paragraphs[16].startswith("坚持卫生城市复审")


def test_short_unspaced_heading_is_not_joined_to_the_paragraph_after_it():
    paragraphs = paragraphs_of("000")
    assert paragraphs[1] == "郑东新区勇扛“东强”重任,高质量发展再启征程"
    assert paragraphs[2].startswith("8月8日,")


def test_line_followed_by_a_heading_is_not_joined_to_it():
    assert "缴税联聚焦" not in searchable("000")


# bench/data/government_report_rag/2025_gansu_gwr.txt, lines 91-95 (the paragraphs cut after their
# first sentence): a numbered heading of 25 chars with a comma, between blank lines.
GANSU = (
    "深入打好污染防治攻坚战。开展空气质量改善行动，加强工业园区污染治理。\n"
    "\n"
    "五是积极融入新发展格局，进一步全面深化改革扩大开放\n"
    "\n"
    "深化重点领域改革。稳步推进省委确定的339项重点改革任务落地。\n"
)


def test_numbered_heading_before_a_blank_line_stays_its_own_paragraph():
    assert normalize_text("2025年甘肃省政府工作报告\n\n" + GANSU) == [
        "2025年甘肃省政府工作报告",
        "深入打好污染防治攻坚战。开展空气质量改善行动，加强工业园区污染治理。",
        "五是积极融入新发展格局，进一步全面深化改革扩大开放",
        "深化重点领域改革。稳步推进省委确定的339项重点改革任务落地。",
    ]


@pytest.mark.parametrize(
    "heading",
    [
        "（一）筑牢实体根基，产业体系现代化水平进一步提升",  # 2025_fujian_gwr.txt
        "(二)深入落实城市总体规划,纵深推动京津冀协同发展",  # 2025_beijing_gwr.txt, as (一) in ASCII
        "一、牢记殷殷嘱托，在接续奋斗中新福建建设取得新成效",  # 2025_fujian_gwr.txt
        "第四，开展社会主义劳动竞赛，大搞技术革新和技术革命",  # 1978_gwr.txt
    ],
)
def test_numbered_heading_is_not_joined_even_within_a_block_of_lines(heading):
    raw = f"标题\n{heading}\n实施就业优先战略。推进重点领域、重点行业的就业工作。"
    assert normalize_text(raw)[1] == heading


def test_line_is_not_joined_to_a_numbered_line_after_it():
    raw = "标题\n会议强调，要按照全市功能布局，进一步加快核心板块建设，持续加大项目推介力度\n二是补齐短板，加压推进。"
    assert normalize_text(raw)[1:] == [
        "会议强调，要按照全市功能布局，进一步加快核心板块建设，持续加大项目推介力度",
        "二是补齐短板，加压推进。",
    ]


def test_unfinished_summary_line_before_a_blank_line_is_a_heading():
    # 1964_gwr.txt: a 25-char lead line with a comma, then the paragraph it heads.
    raw = (
        "标题\n\n这几年取得的巨大成就,是坚决执行自力更生方针的结果\n\n"
        "周总理着重指出,我们这几年所取得的巨大成就,是坚决执行自力更生方针的结果。"
    )
    assert len(normalize_text(raw)) == 3


def test_unfinished_line_within_a_block_is_joined_to_the_next():
    raw = "标题\n这几年取得的巨大成就,是坚决执行自力更生和艰苦奋斗方针的\n结果,周总理着重指出了这一点。"
    assert (
        normalize_text(raw)[1] == "这几年取得的巨大成就,是坚决执行自力更生和艰苦奋斗方针的结果,周总理着重指出了这一点。"
    )


def test_line_broken_right_after_a_comma_is_joined_across_a_blank_line():
    # seed 004: "…党群服务中心,辐" / "" / "射周边3个城市社区…"
    assert "党群服务中心,辐射周边3个城市社区" in searchable("004")


def test_paragraph_tails_moved_to_the_end_of_the_page_are_put_back():
    text = searchable("000")
    assert "不动产登记、房屋交易和缴税联办业务“全市通办”" in text
    assert "300项公民个人高频事项“一件事”“一次办成”" in text
    assert "确保全面完成全年各项目标任务" in text


def test_page_tails_are_not_glued_to_each_other():
    text = searchable("000")
    assert "力争年底办业务" not in text
    assert "力争年底前完成公共卫生应急中心" in text


def test_repaired_page_ends_with_the_last_section():
    assert paragraphs_of("000")[-1].endswith("全年完成安置房网签10000套以上。")
    assert len(paragraphs_of("000")) == 32


def test_vertical_heading_is_put_on_one_line():
    paragraphs = paragraphs_of("003")
    assert paragraphs[3:5] == ["2024", "九介续抓好突出重点担当"]


def test_list_of_short_names_is_not_taken_for_a_vertical_heading():
    assert normalize_text("张三\n李四\n王五\n赵六") == ["张三", "李四", "王五", "赵六"]


def test_paragraphs_are_kept_as_separate_entries():
    paragraphs = paragraphs_of("001")
    assert len(paragraphs) == 41
    assert paragraphs[21:25] == ["下半年", "重点抓好四个方面工作", paragraphs[23], "1 千方百计 把“保”的底线筑牢"]
    assert paragraphs[23].startswith("下半年,区政府全面贯彻落实")
    assert all(p and "\n" not in p for p in paragraphs)


def test_list_after_a_colon_is_not_joined_to_its_lead_in():
    paragraphs = paragraphs_of("001")
    assert paragraphs[5].endswith("各项事业取得新进展:")
    assert paragraphs[6] == "- 一、疫情防控取得重大成果。"


def test_byline_ending_a_paragraph_becomes_its_own_paragraph():
    paragraphs = paragraphs_of("000")
    assert paragraphs[2].endswith("牛瑞华等出席会议。")
    assert paragraphs[3] == "记者 马燕 通讯员 李盼 文/图"


def test_byline_without_credit_is_split_off():
    paragraphs = paragraphs_of("002")
    assert paragraphs[1].endswith("等7个方面的重点工作。")
    assert paragraphs[2] == "记者 张改华 通讯员 王耀祖 张光明"


def test_byline_after_a_photo_caption_is_split_off():
    assert paragraphs_of("002")[9:11] == ["植物园美景", "记者 马健/图"]


def test_byline_keeps_its_spaces():
    assert paragraphs_of("003")[-1] == "记者 鲁燕"
    assert paragraphs_of("004")[16] == "记者 马燕 通讯员 韩聪 文/图"


def test_byline_is_not_joined_to_the_next_news_item():
    assert "文/图郑东新区" not in searchable("004")


def test_dateline_keeps_its_space():
    assert paragraphs_of("004")[1].startswith("本报讯 7月18日,郑东新区党工委扩大会议召开")


@pytest.mark.parametrize(
    "text, expected",
    [
        ("记者 马燕 通讯员 李盼 文/图", True),
        ("记者 马健/图", True),
        ("记者 鲁燕", True),
        ("接受记者采访时表示", False),
        ("郑东新区 召开防汛会商会议", False),
    ],
)
def test_is_byline_recognises_reporter_credits_only(text, expected):
    assert is_byline(text) is expected


def test_full_width_ascii_is_shown_as_written_and_folded_half_width_lowercase():
    assert normalize_text("ＡＢＣ１２３") == ["ＡＢＣ１２３"]
    assert fold(normalize_text("ＡＢＣ１２３")[0]) == "abc123"


def test_full_width_punctuation_is_shown_as_written_and_folds_to_ascii():
    assert normalize_text("会议提出，全区上下：要抓好（重点）工作！") == ["会议提出，全区上下：要抓好（重点）工作！"]
    assert fold("会议提出，全区上下：要抓好（重点）工作！") == "会议提出,全区上下:要抓好(重点)工作!"


def test_display_form_keeps_latin_case():
    assert normalize_text("推进AI智能和CBD区域建设。") == ["推进AI智能和CBD区域建设。"]


def test_bom_and_ideographic_spaces_are_cleaned():
    assert normalize_text("\ufeff  突出重点\u3000\u3000担当作为  \r\n\r\n") == ["突出重点 担当作为"]


def test_empty_text_has_no_paragraphs():
    assert normalize_text("") == []
    assert normalize_text("\n \n\u3000\n") == []


def test_latin_words_split_across_lines_are_joined_with_a_space():
    broken = "Title\n\nThe layout of this page, as it often does, broke a long sentence right in the\n\nmiddle."
    assert normalize_text(broken) == [
        "Title",
        "The layout of this page, as it often does, broke a long sentence right in the middle.",
    ]


def test_long_headline_without_a_comma_is_not_joined_to_its_paragraph():
    raw = (
        "国内联播快讯\n\n北京冬奥会张家口赛区定点保障医院测试赛准备工作就绪\n\n"
        "北京冬奥会张家口赛区7家定点救治医院的测试赛准备工作目前已经就绪。"
    )
    assert normalize_text(raw)[1] == "北京冬奥会张家口赛区定点保障医院测试赛准备工作就绪"


def test_long_unspaced_title_on_the_first_line_is_not_joined_to_the_text():
    raw = "《求是》杂志发表习近平总书记重要文章《在党史学习教育动员大会上的讲话》\n\n央视网消息(新闻联播):文章强调,要加强学习。"
    assert normalize_text(raw) == [
        "《求是》杂志发表习近平总书记重要文章《在党史学习教育动员大会上的讲话》",
        "央视网消息(新闻联播):文章强调,要加强学习。",
    ]


def test_line_before_a_dateline_is_not_joined_to_it():
    raw = "标题\n\n香港特区政府发言人表示暴徒殴打旅客及记者的暴力行径令人发指\n\n央视网消息(新闻联播):发言人表示,暴力行径令人发指。"
    assert len(normalize_text(raw)) == 3


def test_meaningful_space_in_clean_running_text_is_kept():
    text = "论坛以“传承友谊薪火 共创美好未来”为主题,由中国人民对外友好协会主办,来自二十多个国家的代表参加了开幕式。"
    assert normalize_text(f"标题\n\n{text}") == ["标题", text]


def test_spaced_name_list_in_running_text_is_kept():
    text = "出席会议的有:丁向群 丁兴农 于立军 于吉红 于会文 马伟明 王小川 王大中 王沪宁等同志,会议由主任委员主持召开并讲话。"
    assert normalize_text(f"标题\n\n{text}") == ["标题", text]


def test_latin_spaces_in_running_text_are_kept():
    text = "郑东新区举办Open Source Summit开源峰会,吸引了来自全国各地的众多开发者和企业代表参加,会议围绕人工智能、大数据等议题展开讨论。"
    assert normalize_text(text) == [text]


# Text built from the pieces the layout rules react to, so generated cases exercise them.
NOISY_TEXT = st.lists(
    st.sampled_from(
        [
            "记者 马燕",
            " 通讯员 李盼 文/图",
            "本报讯 ",
            "7月18日,",
            "。",
            ",",
            "、",
            "郑东新区",
            "持续抓好",
            "下",
            "半",
            "年",
            "会议召开",
            "\n",
            "\n\n",
            " ",
            "\u3000",
            "ＡＢ",
            "Σ",
            "\ufeff",
            "“",
            "”",
            ":",
            "2020年",
        ]
    ),
    max_size=80,
).map("".join)


@given(NOISY_TEXT)
def test_paragraphs_are_stripped_non_empty_single_lines(raw):
    assert all(p and p == p.strip() and "\n" not in p for p in normalize_text(raw))


@given(NOISY_TEXT)
def test_normalizing_stored_paragraphs_again_changes_nothing(raw):
    paragraphs = normalize_text(raw)
    assert normalize_text("\n\n".join(paragraphs)) == paragraphs


@given(st.text())
def test_fold_is_length_preserving(text):
    assert len(fold(text)) == len(text)


def _t2s_table() -> dict[str, str]:
    """The shipped traditional -> simplified table, read from its data file (the oracle's source)."""
    lines = (Path(search.text.normalize.__file__).parent.parent / "data" / "t2s.txt").read_text("utf-8").splitlines()
    return dict(line.split(" ") for line in lines if line and not line.startswith("#"))


T2S = _t2s_table()


KEPT_AS_WRITTEN = ((0x2160, 0x2188), (0x2460, 0x24FF), (0x3200, 0x32FF), (0x1F100, 0x1F1FF))  # list markers


def _narrow_char(c: str) -> str:
    """NFKC when it is one char, except list markers (① would be 1, ⑩ is 10): the narrow rule."""
    nfkc = unicodedata.normalize("NFKC", c)
    kept = any(a <= ord(c) <= b for a, b in KEPT_AS_WRITTEN)
    return nfkc if len(nfkc) == 1 and not kept else c


@given(st.text())
def test_fold_narrows_lowercases_char_by_char_then_simplifies(text):
    narrowed = (_narrow_char(c) for c in text)
    lowered = (c.lower() if len(c.lower()) == 1 else c for c in narrowed)
    assert fold(text) == "".join(T2S.get(c, c) for c in lowered)


@given(st.text())
def test_fold_of_folded_text_changes_nothing(text):
    assert fold(fold(text)) == fold(text)


def test_fold_simplifies_a_compatibility_ideograph_as_the_table_says():
    assert fold("\ufa15國") == "\u51de国"


def test_fold_keeps_chars_whose_lowercase_is_longer():
    assert fold("İstanbul") == "İstanbul"  # "İ".lower() is two chars
    assert fold("ΟΔΟΣ") == "οδοσ"  # per char: no final-sigma rule


def test_normalize_query_matches_the_document_form():
    assert normalize_query("  ＣＢＤ　区域 ") == "cbd 区域"
    assert normalize_query("５G") == "5g"


def test_search_text_is_the_folded_title_and_paragraphs_joined_by_newlines():
    assert search_text("CBD区域", ["第一段。", "5G覆盖"]) == "cbd区域\n第一段。\n5g覆盖"
