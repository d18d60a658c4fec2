"""Metadata of the seed reports: item splitting, titles, dates, districts, topics and sidecars."""

from __future__ import annotations

from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from search.meta import (
    KNOWN_DISTRICTS,
    PartialDate,
    SidecarError,
    Taxonomy,
    TaxonomyError,
    canonical_district,
    extract_documents,
    match_districts,
    read_sidecar,
)
from tests.conftest import ROOT, S000, S001, S002, S003, S004, SEEDS

XWLB = ROOT / "bench" / "data" / "xwlb"


def raw(name: str) -> str:
    return (SEEDS / name).read_text(encoding="utf-8")


def records(name: str, with_sidecar: bool = True):
    sidecar = read_sidecar(SEEDS).get(name) if with_sidecar else None
    return extract_documents(raw(name), sidecar)


# -- PartialDate -------------------------------------------------------------------------------------

VALID_DATES = [
    ("2020", PartialDate(2020)),
    ("2020-07", PartialDate(2020, 7)),
    ("2020-7-8", PartialDate(2020, 7, 8)),
    ("2020-07-18", PartialDate(2020, 7, 18)),
    ("2020/7/18", PartialDate(2020, 7, 18)),
    ("2020.07", PartialDate(2020, 7)),
    ("20200718", PartialDate(2020, 7, 18)),
    ("2020年", PartialDate(2020)),
    ("2020年7月", PartialDate(2020, 7)),
    ("2020年7月18日", PartialDate(2020, 7, 18)),
    ("二〇二〇年七月", PartialDate(2020, 7)),
    ("二〇二〇年十二月三十一日", PartialDate(2020, 12, 31)),
    ("２０２０－０７－１８", PartialDate(2020, 7, 18)),
    (" 2024 ", PartialDate(2024)),
    ("2020-02-29", PartialDate(2020, 2, 29)),
]


@pytest.mark.parametrize("text, expected", VALID_DATES, ids=[t for t, _ in VALID_DATES])
def test_partial_date_parses_iso_and_chinese_forms(text, expected):
    assert PartialDate.parse(text) == expected


INVALID_DATES = [
    "2020-13-45",
    "2020-13",
    "2021-02-29",
    "2020年13月",
    "2020-7/18",
    "abc",
    "",
    "1899",
    "2101",
    "20",
    "七月十八日",
]


@pytest.mark.parametrize("text", INVALID_DATES)
def test_partial_date_parse_returns_none_for_invalid_input(text):
    assert PartialDate.parse(text) is None


def test_partial_date_precision_iso_and_bounds():
    day, month, year = PartialDate(2020, 7, 18), PartialDate(2020, 2), PartialDate(2024)
    assert [d.precision for d in (day, month, year)] == ["day", "month", "year"]
    assert [d.iso() for d in (day, month, year)] == ["2020-07-18", "2020-02", "2024"]
    assert (day.start(), day.end()) == (date(2020, 7, 18), date(2020, 7, 18))
    assert (month.start(), month.end()) == (date(2020, 2, 1), date(2020, 2, 29))
    assert (year.start(), year.end()) == (date(2024, 1, 1), date(2024, 12, 31))


def test_partial_date_rejects_impossible_dates_on_construction():
    with pytest.raises(ValueError, match=r"^month must be in 1..12$"):
        PartialDate(2020, 13)
    with pytest.raises(ValueError, match=r"^a day needs a month$"):
        PartialDate(2020, None, 5)


# -- splitting a page of news items -----------------------------------------------------------------


def test_page_of_news_items_is_split_into_one_record_per_item():
    assert [r.item for r in records(S004)] == [0, 1, 2, 3]


def test_each_news_item_has_its_own_headline_as_title():
    assert [r.title for r in records(S004)] == [
        "加快中原科技城核心板块建设 全力推动郑东新区高质量发展",
        "郑东新区 召开“双改”工作推进会",
        "商都路党群服务中心正式揭牌运营 “全方位、零距离”服务辖区群众",
        "郑东新区 召开防汛会商会议",
    ]


def test_news_item_body_starts_at_its_dateline_and_keeps_its_byline():
    items = records(S004)
    starts = ["本报讯 7月18日,", "本报讯 7月20日,", "本报讯 近日,", "本报讯 7月21日,"]
    assert [r.paragraphs[0][: len(s)] for r, s in zip(items, starts)] == starts
    assert [r.paragraphs[-1] for r in items] == [
        "记者 马燕 通讯员 李盼 文/图",
        "记者 王阳 通讯员 戚雨荷",
        "记者 马燕 通讯员 韩聪 文/图",
        "记者 马燕",
    ]


def test_news_item_dates_take_the_year_from_the_page_date():
    assert [r.published for r in records(S004)] == [
        PartialDate(2020, 7, 18),
        PartialDate(2020, 7, 20),
        PartialDate(2020, 7),
        PartialDate(2020, 7, 21),
    ]


def test_news_item_saying_recently_gets_the_page_month():
    assert records(S004)[2].published.iso() == "2020-07"


def test_news_item_dates_are_unknown_without_a_stated_year():
    assert [r.published for r in records(S004, with_sidecar=False)] == [None, None, None, None]


def test_news_item_in_a_january_page_dated_december_is_from_the_year_before():
    page = "标题一\n\n本报讯 12月30日,会议召开。\n\n标题二\n\n本报讯 1月2日,会议召开。"
    assert [r.published for r in extract_documents(page, {"date": "2021-01-03"})] == [
        PartialDate(2020, 12, 30),
        PartialDate(2021, 1, 2),
    ]


@given(st.text(alphabet=st.sampled_from(list("本报讯 7月18日,。标题记者马燕\n近日2020年郑东新区")), max_size=200))
def test_extraction_never_raises_and_numbers_items_in_order(raw):
    records = extract_documents(raw, {"date": "2020-07-18"})
    assert [r.item for r in records] == list(range(len(records)))


@pytest.mark.parametrize("name", [S000, S001, S002, S003])
def test_report_is_one_record(name):
    assert len(records(name)) == 1


# -- titles ------------------------------------------------------------------------------------------


def test_short_first_heading_is_the_title_and_leaves_the_body():
    record = records(S001)[0]
    assert record.title == "二七区十六届政府第二次全体(扩大)会议召开 扎实做好“六稳”“六保” 推动“三个二七”高质量发展"
    assert record.paragraphs[0].startswith("8月6日,")


def test_sidecar_title_wins_and_the_first_paragraph_stays_in_the_body():
    record = records(S002)[0]
    assert record.title == "不断开创高质量发展新局面 推动“四个中原”建设迈出新步伐"
    assert record.paragraphs[0].startswith("今年是全面建成小康社会")


def test_long_first_paragraph_gives_a_title_from_its_first_sentence():
    record = records(S002, with_sidecar=False)[0]
    assert record.title == "今年是全面建成小康社会和“十三五”规划收官之年,也是中原区加…"
    assert record.paragraphs[0].startswith("今年是全面建成小康社会")


def test_long_first_line_without_a_full_stop_is_the_title():
    title = "十三届全国人大一次会议举行第三次全体会议 习近平李克强栗战书汪洋王沪宁赵乐际韩正等出席 表决通过中华人民共和国宪法修正案"
    [record] = extract_documents(f"{title}\n\n央视网消息(新闻联播):会议表决通过了宪法修正案。")
    assert record.title == title
    assert record.paragraphs == ("央视网消息(新闻联播):会议表决通过了宪法修正案。",)


def test_sidecar_title_equal_to_the_first_line_is_not_repeated_in_the_body():
    [record] = extract_documents("政府工作报告\n\n各位代表:现在报告工作。", {"title": "政府工作报告"})
    assert (record.title, record.paragraphs) == ("政府工作报告", ("各位代表:现在报告工作。",))


# -- dates ---------------------------------------------------------------------------------------------

DATES = [
    # name, without sidecar, with sidecar
    (S000, PartialDate(2020, 8, 8), PartialDate(2020, 8, 8)),
    (S001, None, PartialDate(2020, 8, 6)),
    (S002, None, PartialDate(2020)),
    (S003, PartialDate(2024), PartialDate(2024)),
]


@pytest.mark.parametrize("name, expected, _", DATES, ids=[d[0][:3] for d in DATES])
def test_report_date_from_its_text_alone(name, expected, _):
    assert records(name, with_sidecar=False)[0].published == expected


@pytest.mark.parametrize("name, _, expected", DATES, ids=[d[0][:3] for d in DATES])
def test_report_date_with_its_sidecar(name, _, expected):
    assert records(name)[0].published == expected


def test_month_day_without_a_stated_year_is_unknown():
    assert records(S001, with_sidecar=False)[0].published is None


def test_year_in_running_text_does_not_date_a_report():
    # 002 says "2020年,中原区将…" in its 13th paragraph, not in a heading
    assert records(S002, with_sidecar=False)[0].published is None


def test_sidecar_year_is_refined_by_the_month_day_the_text_states():
    [record] = extract_documents("会议召开\n\n8月6日,区政府召开全体会议。", {"date": "2020"})
    assert record.published == PartialDate(2020, 8, 6)


def test_this_years_month_day_takes_the_sidecar_year():
    [record] = extract_documents("会议召开\n\n今年7月1日上午,区政府召开全体会议。", {"date": "2021"})
    assert record.published == PartialDate(2021, 7, 1)


def test_sidecar_date_wins_over_a_conflicting_text_date():
    [record] = extract_documents("会议召开\n\n2019年8月6日,区政府召开全体会议。", {"date": "2020-08-07"})
    assert record.published == PartialDate(2020, 8, 7)


def test_full_date_in_a_heading_dates_the_document():
    text = (
        "2025年安徽省政府工作报告\n\n2025年1月20日在安徽省第十四届人民代表大会第三次会议上\n\n各位代表:现在报告工作。"
    )
    assert extract_documents(text)[0].published == PartialDate(2025, 1, 20)


def test_year_that_is_a_quantity_in_a_heading_is_not_a_date():
    assert extract_documents("2000人新增就业\n\n全区新增就业岗位,成效明显。")[0].published is None


def test_year_inside_a_heading_is_not_the_documents_year():
    text = "商务部:2023年我国服务贸易规模创历史新高\n\n央视网消息(新闻联播):商务部今天(2月1日)公布的数据显示,2023年全年服务贸易增长。"
    assert extract_documents(text)[0].published is None


def test_period_bounds_are_not_the_documents_date():
    text = "小微企业可缓缴所得税\n\n国家税务总局发布公告,从2020年5月1日至12月31日,小微企业可以暂缓缴纳所得税。"
    assert extract_documents(text)[0].published is None


def test_year_far_after_the_month_day_does_not_date_it():
    text = "专访\n\n6月30号,美国国务卿克里在接受本台独家专访时承认,美国2003年发动的伊拉克战争是一个错误。"
    assert extract_documents(text)[0].published is None


# -- districts -------------------------------------------------------------------------------------

DISTRICTS = [(S000, "郑东新区"), (S001, "二七区"), (S002, "中原区"), (S003, "中原区")]


@pytest.mark.parametrize("name, expected", DISTRICTS, ids=[d[0][:3] for d in DISTRICTS])
def test_report_district_from_its_text_alone(name, expected):
    assert records(name, with_sidecar=False)[0].district == expected


def test_every_news_item_of_the_page_is_in_zhengdong_without_sidecar():
    assert [r.district for r in records(S004, with_sidecar=False)] == ["郑东新区"] * 4


def test_region_word_is_not_a_district_mention():
    # "海康威视中原区域总部" in 000 must not count as 中原区
    text = "中原区域总部顺利开工\n\n海康威视中原区域总部顺利开工,郑州市重点项目建设如火如荼。"
    assert extract_documents(text)[0].district == "郑州市"


def test_district_beats_city_beats_province_in_text():
    text = "河南省郑州市金水区召开会议\n\n河南省、河南省、郑州市、郑州市与金水区代表参加会议。"
    assert extract_documents(text)[0].district == "金水区"
    assert extract_documents("河南 郑州 会议\n\n河南、河南、郑州代表参加。")[0].district == "郑州市"


def test_text_without_a_known_place_has_no_district():
    assert extract_documents("会议召开\n\n会议强调,要抓好各项工作。")[0].district is None


@pytest.mark.parametrize(
    "region, expected",
    [
        ("全国/中华人民共和国", "全国"),
        ("安徽省", "安徽省"),
        ("香港", "香港特别行政区"),
        ("香港,澳门", "香港特别行政区"),
        ("河南", "河南省"),
        ("管城区", "管城回族区"),
        ("某某县", "某某县"),
    ],
)
def test_sidecar_region_is_canonicalized(region, expected):
    assert extract_documents("会议召开\n\n郑东新区召开会议。", {"region": region})[0].district == expected


@pytest.mark.parametrize(
    "name, expected",
    [
        ("管城区", "管城回族区"),
        ("高新区", "郑州高新技术产业开发区"),
        ("经开区", "郑州经济技术开发区"),
        ("航空港区", "郑州航空港经济综合实验区"),
        ("香港", "香港特别行政区"),
        ("中华人民共和国", "全国"),
        ("郑东新区", "郑东新区"),
        ("郑东", None),
        ("", None),
    ],
)
def test_canonical_district_resolves_aliases(name, expected):
    assert canonical_district(name) == expected


@pytest.mark.parametrize(
    "value, expected",
    [
        ("郑东", ("郑东新区",)),
        ("管城区", ("管城回族区",)),
        ("二七区", ("二七区",)),
        ("澳门", ("澳门特别行政区",)),
        ("航空港", ("郑州航空港经济综合实验区",)),
        ("开发区", ("郑州高新技术产业开发区", "郑州经济技术开发区")),
        ("自治区", ("内蒙古自治区", "广西壮族自治区", "西藏自治区", "宁夏回族自治区", "新疆维吾尔自治区")),
        ("火星", ()),
        ("", ()),
    ],
)
def test_match_districts_by_name_alias_or_part(value, expected):
    assert match_districts(value) == expected


def test_known_districts_lists_zhengzhou_first():
    assert KNOWN_DISTRICTS[:3] == ("中原区", "二七区", "管城回族区")
    assert {"郑东新区", "郑州市", "河南省", "香港特别行政区", "全国"} <= set(KNOWN_DISTRICTS)


# -- topics ----------------------------------------------------------------------------------------


def test_report_mentioning_fang_guan_fu_and_stable_employment_gets_both_topics():
    topics = records(S001)[0].topics
    assert "就业" in topics
    assert "营商环境" in topics


def test_news_items_each_get_their_own_topics():
    first, _, _, flood = records(S004)
    assert "中原科技城" in first.topics
    assert "中原科技城" not in flood.topics
    assert "防汛应急" in flood.topics


def test_seed_topics_with_the_packaged_taxonomy():
    assert "老旧小区" in records(S002)[0].topics
    assert "疫情防控" in records(S000)[0].topics
    assert "党建" in records(S004)[2].topics


@pytest.fixture
def small_taxonomy(tmp_path) -> Taxonomy:
    path = tmp_path / "topics.toml"
    path.write_text(
        '# test taxonomy\n["就业"]\ntriggers = ["稳就业", "高校毕业生"]\n\n'
        '["营商环境"]\ntriggers = ["放管服", "一网通办"]\n\n["数字经济"]\ntriggers = ["5G", "大数据"]\n',
        encoding="utf-8",
    )
    return Taxonomy.load(path)


def test_topics_are_listed_in_taxonomy_order(small_taxonomy):
    assert small_taxonomy.names == ("就业", "营商环境", "数字经济")
    assert small_taxonomy.topics_for("深化放管服改革", ["突出做好稳就业。"]) == ("就业", "营商环境")


def test_topic_triggers_match_case_insensitively(small_taxonomy):
    assert small_taxonomy.topics_for("", ["5g网络覆盖"]) == ("数字经济",)
    assert small_taxonomy.topics_for("5G网络覆盖", []) == ("数字经济",)


def test_topic_needs_a_trigger_in_title_or_text(small_taxonomy):
    assert small_taxonomy.topics_for("会议召开", ["会议强调要抓好工作。"]) == ()


def test_seed_topics_with_a_custom_taxonomy(small_taxonomy):
    assert [r.topics for r in extract_documents(raw(S004), taxonomy=small_taxonomy)] == [(), (), (), ()]
    assert extract_documents(raw(S001), taxonomy=small_taxonomy)[0].topics == ("就业", "营商环境")


@pytest.mark.parametrize(
    "value, expected",
    [
        ("就业", ("就业",)),
        ("营商", ("营商环境",)),
        ("放管服", ("营商环境",)),
        ("5G", ("数字经济",)),
        ("农业", ()),
        ("", ()),
    ],
)
def test_taxonomy_match_by_name_part_or_trigger(small_taxonomy, value, expected):
    assert small_taxonomy.match(value) == expected


def test_sidecar_topics_are_added_in_taxonomy_order(small_taxonomy):
    [record] = extract_documents("会议\n\n深化放管服改革。", {"topics": "数字经济;自定义"}, taxonomy=small_taxonomy)
    assert record.topics == ("营商环境", "数字经济", "自定义")


def test_packaged_taxonomy_has_the_required_topics():
    required = {
        "就业",
        "老旧小区",
        "中原科技城",
        "营商环境",
        "疫情防控",
        "招商引资",
        "科技创新",
        "生态环保",
        "教育",
        "医疗卫生",
        "城市建设",
        "民生保障",
        "乡村振兴",
        "文化旅游",
        "安全生产",
        "党建",
    }
    assert required <= set(Taxonomy.load().names)


def test_topic_without_triggers_is_a_clear_error(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text('["就业"]\ntriggers = []\n', encoding="utf-8")
    with pytest.raises(TaxonomyError, match="'就业' needs a non-empty list"):
        Taxonomy.load(path)


def test_taxonomy_is_reloaded_when_its_file_changes(tmp_path):
    path = tmp_path / "topics.toml"
    path.write_text('["就业"]\ntriggers = ["就业"]\n', encoding="utf-8")
    assert Taxonomy.load(path).names == ("就业",)
    path.write_text('["教育"]\ntriggers = ["学校"]\n', encoding="utf-8")
    import os

    os.utime(path, ns=(1, 1))
    assert Taxonomy.load(path).names == ("教育",)


# -- sidecars --------------------------------------------------------------------------------------


def test_seed_manifest_holds_the_facts_table():
    assert read_sidecar(SEEDS) == {
        S000: {"district": "郑东新区", "date": "2020-08-08"},
        S001: {"district": "二七区", "date": "2020-08-06"},
        S002: {"title": "不断开创高质量发展新局面 推动“四个中原”建设迈出新步伐", "district": "中原区", "date": "2020"},
        S003: {"district": "中原区", "date": "2024"},
        S004: {"district": "郑东新区", "date": "2020-07-18"},
    }


def test_csv_manifest_columns_are_normalized(tmp_path):
    (tmp_path / "manifest.csv").write_text(
        "\ufeffFilename,Title,region,date_or_year,topics\nsub\\a.txt,标题甲,安徽省,2025,就业;教育\n./b.txt,,,,\n",
        encoding="utf-8",
    )
    assert read_sidecar(tmp_path) == {
        "sub/a.txt": {"title": "标题甲", "district": "安徽省", "date": "2025", "topics": "就业;教育"},
        "b.txt": {},
    }


def test_tsv_manifest_keeps_quotes_in_titles(tmp_path):
    (tmp_path / "manifest.tsv").write_text('filename\ttitle\n"x".txt\t"十四五"开局\n', encoding="utf-8")
    assert read_sidecar(tmp_path) == {'"x".txt': {"title": '"十四五"开局'}}


def test_folder_without_manifest_has_no_sidecar(tmp_path):
    assert read_sidecar(tmp_path) == {}


def test_manifest_without_filename_column_is_a_clear_error(tmp_path):
    (tmp_path / "manifest.tsv").write_text("name\ttitle\na.txt\t标题\n", encoding="utf-8")
    with pytest.raises(SidecarError, match=r"manifest\.tsv: no 'filename' column \(found: name, title\)"):
        read_sidecar(tmp_path)


def test_sidecar_error_is_a_value_error():
    assert issubclass(SidecarError, ValueError)


@pytest.mark.skipif(not (XWLB / "manifest.tsv").is_file(), reason="bench/data/xwlb is not unpacked")
def test_xwlb_manifest_is_read_with_region_and_date():
    sidecar = read_sidecar(XWLB)
    assert len(sidecar) > 70000
    row = sidecar["2012/20120702_01.txt"]
    assert row["date"] == "2012-07-02"
    assert row["district"] == "香港"
    assert "胡锦涛" in row["title"]
    [record] = extract_documents((XWLB / "2012/20120702_01.txt").read_text(encoding="utf-8"), row)
    assert (record.district, record.published) == ("香港特别行政区", PartialDate(2012, 7, 2))
