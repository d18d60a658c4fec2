"""Facets you can trust (issue 22): issuers the organ grammar accepts, whole 文号, the place that
follows the issuing organ, and news that names no issuer from its headline. Realistic files."""

from __future__ import annotations

import pytest

from search.meta.issuers import canonical_doc_number, doc_number_series, is_doc_number
from search.meta.items import join_wrapped_title
from search.meta.organs import organ_place, parse_organ, refusal, split_joint
from search.meta.places import clear_winner, match_districts, place_path
from tests.meta.test_meta_evidence import documents, values

# -- the organ grammar --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "headline, why",
    [
        ("李克强签署国务院令 公布《国务院", "holds a book title mark 《》"),
        ("两名美国埃博拉患者康复出院", "holds a verb (康复)"),
        ("中共中央政治局召开会议研究部署", "holds a verb (召开)"),
        ("中共中央 国务院转发《中央宣传部、司法部", "holds a book title mark 《》"),
        ("省人民政府", "names no place (a bare 省/市/县… organ)"),
        ("江泽民同志治丧委员会", "opens with neither a place nor a national body (国务院, 中共中央, a ministry …)"),
        ("国务院关于印发通知", "holds a verb (印发)"),
    ],
)
def test_organ_grammar_refuses_headlines_and_bare_organs(headline, why):
    assert refusal(headline) == why


@pytest.mark.parametrize(
    "name, place",
    [
        ("国务院", "全国"),
        ("国务院办公厅", "全国"),
        ("教育部办公厅", "全国"),
        ("国家发展和改革委员会", "全国"),
        ("第十四届全国人民代表大会第三次会议", "全国"),
        ("中共郑州市委", "郑州市"),
        ("郑州市人民政府办公厅", "郑州市"),
        ("河南省郑州市二七区人民政府", "二七区"),
        ("中共淳安县委组织部", "淳安县"),
        ("杭州市人民政府办公厅", "杭州市"),
    ],
)
def test_organ_grammar_accepts_organs_and_gives_their_place(name, place):
    assert refusal(name) is None
    assert parse_organ(name).place == place


def test_a_joint_issuer_is_several_organs_however_it_is_written():
    assert split_joint("中共中央 国务院") == ["中共中央", "国务院"]
    assert split_joint("中共中央、国务院") == ["中共中央", "国务院"]
    assert split_joint("中共中央国务院") == ["中共中央", "国务院"]
    assert split_joint("中共中央国家机关工作委员会") == ["中共中央国家机关工作委员会"]
    assert split_joint("中共中央 李克强签署") is None
    assert organ_place("中共中央、国务院") == "全国"
    assert organ_place("国务院、河南省人民政府") == "河南省"
    assert organ_place("河南省人民政府、江苏省人民政府") is None


# -- 文号 ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written, number",
    [
        ("国发〔2020〕23号", "国发〔2020〕23号"),
        ("国办发明电〔2018〕15号", "国办发明电〔2018〕15号"),
        ("郑政办文 [2022] 12号", "郑政办文〔2022〕12号"),
        ("郑政办文（2022）012号", "郑政办文〔2022〕12号"),
        ("国令 第707号", "国令第707号"),
        ("事项仍按照税委会公告〔2020〕3号执行", None),
        ("〔2020〕3号", None),
    ],
)
def test_a_doc_number_is_a_whole_wenhao_with_a_short_code(written, number):
    assert canonical_doc_number(written) == number
    assert number is None or is_doc_number(number)


def test_the_doc_number_facet_groups_by_code_and_year():
    assert doc_number_series("郑政〔2021〕5号") == "郑政〔2021〕"
    assert doc_number_series("国令第707号") == "国令"
    assert not is_doc_number("事项仍按照税委会公告〔")


# -- realistic files ----------------------------------------------------------------------------

# A 新闻联播 item about a State Council decree (its headline holds 国务院 and a 《》).
DECREE_NEWS = """李强签署国务院令 公布《非银行支付机构监督管理条例》

央视网消息（新闻联播）：国务院总理李强日前签署国务院令，公布《非银行支付机构监督管理条例》，自2024年5月1日起施行。

《条例》重点规定，一是明确非银行支付机构的定义和设立许可。规定设立非银行支付机构应当经中国人民银行批准。二是完善支付业务规则。三是保护用户合法权益。四是明确监管职责和法律责任。
"""


def test_national_news_about_a_state_council_decree_has_no_issuer():
    [record] = documents("2023/20231217_03.txt", DECREE_NEWS)
    assert (record.doc_type, record.issuer, record.doc_number) == ("新闻", None, None)
    assert record.district == "全国"  # its headline's subject is the State Council


# A joint document of 中共中央 and 国务院 (联合发文), as a government site publishes it.
JOINT = """中共中央 国务院关于全面推进乡村振兴加快农业农村现代化的意见

（2021年1月4日）

党的十九届五中全会审议通过的《中共中央关于制定国民经济和社会发展第十四个五年规划和二〇三五年远景目标的建议》，对新发展阶段优先发展农业农村、全面推进乡村振兴作出总体部署。

一、总体要求

（一）指导思想。坚持把解决好“三农”问题作为全党工作重中之重。
"""


def test_a_joint_document_has_both_organs_as_issuers_and_the_national_place():
    [record] = documents("zhengce/2021-02/21/content_5588098.txt", JOINT)
    assert (record.issuer, record.doc_type, record.district) == ("中共中央、国务院", "意见", "全国")


# A county's organization department's 通知 (淳安县 is in no gazetteer of ours: the organ names it).
COUNTY_NOTICE = """中共淳安县委组织部关于开展2023年度村级后备干部选拔培养工作的通知

各乡镇党委，县委各部委，县级机关各部门党组织：

为进一步加强村级后备干部队伍建设，根据省委组织部、杭州市委组织部有关工作要求，经研究，决定在全县开展2023年度村级后备干部选拔培养工作。现将有关事项通知如下。

一、选拔对象

各行政村35周岁以下、具有高中（中专）以上学历的优秀青年。

中共淳安县委组织部

2023年3月15日
"""


def test_a_county_organization_department_notice_is_filed_under_its_county():
    [record] = documents("notices/chunan.txt", COUNTY_NOTICE)
    assert values(record) | {"refused": record.refused} == {
        "published": "2023-03-15",
        "date_source": "signature",
        "district": "淳安县",
        "district_source": "signature",
        "issuer": "中共淳安县委组织部",
        "doc_number": None,
        "doc_type": "通知",
        "refused": (),
    }
    assert place_path("淳安县") == ("淳安县",)


# A national work report that names 香港, 澳门 and 台湾 among its many subjects.
NATIONAL_REPORT = """政府工作报告

——2024年3月5日在第十四届全国人民代表大会第二次会议上

国务院总理 李强

各位代表：

现在，我代表国务院，向大会报告政府工作，请予审议，并请全国政协委员提出意见。

我们要全面准确、坚定不移贯彻“一国两制”、“港人治港”、“澳人治澳”、高度自治的方针，支持香港、澳门发展经济、改善民生，保持香港、澳门长期繁荣稳定。

我们要坚持一个中国原则和“九二共识”，推动两岸关系和平发展，坚决反对“台独”分裂和外部势力干涉，促进台湾同胞福祉。
"""


def test_a_national_report_naming_hong_kong_and_taiwan_is_national():
    [record] = documents("reports/2024_gwr.txt", NATIONAL_REPORT)
    assert (record.issuer, record.district, record.doc_type) == ("国务院", "全国", "工作报告")


# A 新闻联播 item on a visit to two provinces.
TWO_PROVINCES = """丁薛祥在河南和江苏调研

央视网消息（新闻联播）：中共中央政治局常委、国务院副总理丁薛祥近日在河南和江苏调研。他先后来到郑州、南京等地，深入企业、科研院所考察。在江苏，他强调要推动科技创新和产业创新深度融合。在江苏期间，他还主持召开座谈会。
"""


def test_a_visit_to_two_provinces_names_neither():
    [record] = documents("2023/20230601_02.txt", TWO_PROVINCES)
    assert (record.district, record.issuer) == (None, None)


def test_a_headline_naming_a_province_and_its_city_names_the_city():
    assert clear_winner(["河南省", "郑州市"]) == "郑州市"
    assert clear_winner(["河南省", "江苏省"]) is None


def test_news_issuer_comes_only_from_explicit_evidence():
    page = (
        '<html><head><meta name="ContentSource" content="河南省人民政府办公厅"></head><body>'
        "<h1>河南省人民政府办公厅关于做好防汛工作的通知</h1><p>本报讯 省政府办公厅日前印发通知，要求做好防汛工作。</p></body></html>"
    )
    [record] = documents("news/fx.html", page)
    assert (record.doc_type, record.issuer, record.district) == ("新闻", "河南省人民政府办公厅", "河南省")


def test_a_bare_provincial_government_is_completed_with_the_province_its_title_names():
    text = "2025年河南省政府工作报告\n\n各位代表：\n\n现在，我代表省人民政府，向大会报告工作，请予审议。\n"
    [record] = documents("reports/2025_henan_gwr.txt", text)
    assert (record.issuer, record.district) == ("河南省人民政府", "河南省")


# -- a title that wraps over two lines ----------------------------------------------------------

WRAPPED = """郑州市人民政府办公厅
郑政办文〔2022〕12号
郑州市人民政府办公厅关于做好2022年防汛
工作的通知
各县（市、区）人民政府，市人民政府各部门：
为做好今年防汛工作，现将有关事项通知如下。
郑州市人民政府办公厅
2022年5月10日
"""


def test_a_notice_whose_title_wraps_gets_its_type_and_the_title_joined():
    [record] = documents("oa/防汛.txt", WRAPPED)
    assert (record.title, record.doc_type, record.doc_number, record.issuer) == (
        "郑州市人民政府办公厅关于做好2022年防汛工作的通知",
        "通知",
        "郑政办文〔2022〕12号",
        "郑州市人民政府办公厅",
    )


def test_join_wrapped_title_leaves_a_title_on_one_line_and_running_text_alone():
    one = ["郑州市人民政府关于加强城市更新工作的意见", "各区县人民政府："]
    assert join_wrapped_title(one) == one
    text = ["关于这件事，", "我们的通知"]
    assert join_wrapped_title(text) == text


def test_district_filter_on_a_city_matches_its_districts():
    assert match_districts("郑州市")[:3] == ("郑州市", "中原区", "二七区")
    assert "郑东新区" in match_districts("郑州")
    assert match_districts("全国") == ("全国",)


def test_news_about_another_countrys_state_department_is_not_national():
    text = (
        "美国国务院宣布对华新制裁\n\n央视网消息（新闻联播）：美国国务院日前宣布所谓制裁措施，外交部发言人予以回应。\n"
    )
    [record] = documents("2023/20230301_09.txt", text)
    assert (record.doc_type, record.district, record.issuer) == ("新闻", None, None)
