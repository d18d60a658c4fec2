"""Metadata from realistic files without a manifest: each source of evidence, and each trap."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest

from search.ingest import SourceFile
from search.ingest.prepare import read_documents
from search.meta import PartialDate, Taxonomy, canonical_doc_number, extract_documents, filename_date
from search.meta.issuers import type_of_title
from tests.conftest import S000, S001, S002, S003, S004, SEEDS
from tests.extract.test_extract import make_docx, make_pdf

TODAY = date(2026, 11, 29)


def documents(name: str, data: bytes | str, sidecar: dict | None = None):
    """The documents indexing would make of a file called ``name`` (a path relative to its folder)."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    source = SourceFile(Path("/archive") / name, name, tuple((sidecar or {}).items()))
    records, _ = read_documents(source, data, Taxonomy.load())
    return records


def values(record) -> dict:
    return {
        "published": record.published.iso() if record.published else None,
        "date_source": record.date_source,
        "district": record.district,
        "district_source": record.district_source,
        "issuer": record.issuer,
        "doc_number": record.doc_number,
        "doc_type": record.doc_type,
    }


# -- HTML with government meta tags ---------------------------------------------------------------

GOV_PAGE = """<!DOCTYPE html><html><head><meta charset="utf-8">
<meta name="SiteName" content="郑州市人民政府">
<meta name="ColumnName" content="政策文件">
<meta name="ArticleTitle" content="郑州市人民政府关于加强城市更新工作的意见">
<meta name="PubDate" content="2021-03-05 10:30">
<meta name="ContentSource" content="郑州市人民政府">
<title>郑州市人民政府关于加强城市更新工作的意见_郑州市人民政府</title></head>
<body><nav>首页 政务公开</nav><div class="content">
<h1>郑州市人民政府关于加强城市更新工作的意见</h1>
<p>各区县(市)人民政府,市人民政府各部门:</p>
<p>为推进城市更新,到2035年全面建成宜居城市,借鉴香港、上海等地经验,提出如下意见。</p>
</div><footer>版权所有</footer></body></html>"""


def test_html_meta_tags_give_date_issuer_and_place():
    [record] = documents("pages/content_123.html", GOV_PAGE)
    assert values(record) == {
        "published": "2021-03-05",
        "date_source": "meta",
        "district": "郑州市",
        "district_source": "meta",
        "issuer": "郑州市人民政府",
        "doc_number": None,
        "doc_type": "意见",
    }
    assert record.evidence_for("published").line == "PubDate: 2021-03-05 10:30"


def test_html_time_element_dates_a_page_without_meta_tags():
    page = '<html><body><article><h1>二七区召开会议</h1><time datetime="2022-06-01T09:00:00+08:00">6月1日</time><p>会议部署了防汛工作。</p></article></body></html>'
    [record] = documents("news/a.html", page)
    assert (record.published, record.date_source) == (PartialDate(2022, 6, 1), "meta")


# -- a Word 通知 with 文号, title and 落款 -------------------------------------------------------------

NOTICE_BLOCKS = [
    ("p", "郑州市人民政府办公厅"),
    ("p", "郑政办文〔2022〕12号"),
    ("heading", "郑州市人民政府办公厅关于做好2022年防汛工作的通知"),
    ("p", "各区县(市)人民政府,市人民政府各部门:"),
    (
        "p",
        "为做好今年防汛工作,根据《国务院关于加强防汛工作的通知》(国发〔2020〕23号),到2035年建成韧性城市,现将有关事项通知如下。",
    ),
    ("p", "郑州市人民政府办公厅"),
    ("p", "2022年5月10日"),
    ("p", "(此件公开发布)"),
]


def make_notice(created_year: int | None = None) -> bytes:
    data = make_docx(NOTICE_BLOCKS)
    if created_year is None:
        return data
    import io
    from datetime import datetime

    import docx

    document = docx.Document(io.BytesIO(data))
    document.core_properties.created = datetime(created_year, 1, 4, 9, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def test_word_notice_gives_title_number_type_issuer_and_signature_date():
    [record] = documents("oa/防汛通知.docx", make_notice())
    assert record.title == "郑州市人民政府办公厅关于做好2022年防汛工作的通知"
    assert values(record) == {
        "published": "2022-05-10",
        "date_source": "signature",
        "district": "郑州市",
        "district_source": "signature",
        "issuer": "郑州市人民政府办公厅",
        "doc_number": "郑政办文〔2022〕12号",
        "doc_type": "通知",
    }
    assert record.evidence_for("published").line == "郑州市人民政府办公厅 / 2022年5月10日"


def test_cited_document_number_is_not_the_documents_own():
    blocks = [
        ("heading", "关于做好防汛工作的通知"),
        ("p", "根据《国务院关于加强防汛工作的通知》(国发〔2020〕23号)要求,现通知如下。"),
    ]
    [record] = documents("oa/a.docx", make_docx(blocks))
    assert record.doc_number is None


def test_word_creation_date_of_an_old_template_is_not_a_publication_date():
    blocks = [("heading", "关于做好防汛工作的通知"), ("p", "各单位要做好防汛工作。")]
    [record] = documents("oa/a.docx", make_docx(blocks))  # python-docx's template: created 2013
    assert record.published is None


def test_word_creation_date_refines_a_year_the_file_name_gives():
    blocks = [("heading", "关于做好防汛工作的通知"), ("p", "各单位要做好防汛工作。")]
    import io
    from datetime import datetime

    import docx

    document = docx.Document(io.BytesIO(make_docx(blocks)))
    document.core_properties.created = datetime(2022, 5, 9, 9, 0)
    buffer = io.BytesIO()
    document.save(buffer)
    [record] = documents("2022/防汛通知.docx", buffer.getvalue())
    assert (record.published, record.date_source) == (PartialDate(2022, 5, 9), "meta")


# -- a PDF with a signature block ------------------------------------------------------------------


def test_pdf_signature_block_with_chinese_numerals_dates_the_document():
    lines = [
        "二七区人民政府关于印发二七区城市更新实施方案的通知",
        "各街道办事处,区政府各部门:",
        "现将《二七区城市更新实施方案》印发给你们,请认真贯彻执行。",
        "二七区人民政府",
        "二〇二一年三月一日",
    ]
    [record] = documents("files/scan-0042.pdf", make_pdf([lines]))
    assert values(record) == {
        "published": "2021-03-01",
        "date_source": "signature",
        "district": "二七区",
        "district_source": "signature",
        "issuer": "二七区人民政府",
        "doc_number": None,
        "doc_type": "通知",
    }


# -- a newspaper page with several items -------------------------------------------------------------

PAGE = """中原科技城建设提速

本报讯 7月18日,郑东新区召开中原科技城建设推进会,部署下一阶段工作。

龙湖金融岛招商引资

本报讯(记者 马燕) 7月17日,郑东新区龙湖金融岛举行集中签约活动,10个项目落户郑东新区。

防汛值班

本报讯 近日,郑东新区部署汛期值班工作,要求值班人员坚守岗位。
"""


def test_page_of_items_takes_the_year_from_its_file_name_and_each_day_from_its_dateline():
    records = documents("2020/07/20200718_02.txt", PAGE)
    assert [(r.title, r.published.iso(), r.date_source) for r in records] == [
        ("中原科技城建设提速", "2020-07-18", "dateline"),
        ("龙湖金融岛招商引资", "2020-07-17", "dateline"),
        ("防汛值班", "2020-07", "filename"),
    ]
    assert [r.district for r in records] == ["郑东新区"] * 3
    assert [r.doc_type for r in records] == ["新闻"] * 3


# -- files named by date -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "path, expected",
    [
        ("2020/20200720_05.txt", PartialDate(2020, 7, 20)),
        ("2020-07-20 区长办公会纪要.txt", PartialDate(2020, 7, 20)),
        ("2020_07_20.txt", PartialDate(2020, 7, 20)),
        ("2020年7月20日会议.txt", PartialDate(2020, 7, 20)),
        ("2020/07/会议.txt", PartialDate(2020, 7)),
        ("2020/会议.txt", PartialDate(2020)),
        ("000_754c89f9d7615ac7.txt", None),
        ("a2020b/x.txt", None),
    ],
)
def test_file_and_folder_names_give_dates(path, expected):
    found = filename_date(path)
    assert (found[0] if found else None) == expected


def test_file_name_date_wins_over_an_event_date_in_the_text():
    text = "全国防汛工作会议召开\n\n央视网消息(新闻联播):7月19日,国家防总召开会议,部署防汛工作。"
    [record] = documents("2020/20200720_05.txt", text)
    assert (record.published, record.date_source) == (PartialDate(2020, 7, 20), "filename")


def test_folder_year_dates_a_month_day_the_text_states_without_its_year():
    [record] = documents("2020/二七区全会.txt", (SEEDS / S001).read_text(encoding="utf-8"))
    assert (record.published, record.date_source) == (PartialDate(2020, 8, 6), "text")


# -- traps: target years, reviewed years, mentioned places -------------------------------------------

NATIONAL_REPORT = """政府工作报告

各位代表:

现在,我代表国务院,向大会报告政府工作,请予审议。

一、过去一年工作回顾

截至2020年底,脱贫攻坚目标任务如期完成。2020年,国内生产总值增长2.3%。

二、到2035年基本实现社会主义现代化远景目标

展望2035年,我国经济实力将大幅跃升。支持香港、澳门发展,促进香港长期繁荣稳定。推进台湾地区与大陆交流。
"""


def test_report_mentioning_2035_and_hong_kong_is_national_and_not_dated_by_them():
    [record] = documents("reports/report.txt", NATIONAL_REPORT)
    assert (record.published, record.district, record.district_source) == (None, "全国", "text")
    assert record.doc_type == "工作报告"


def test_target_year_heading_is_never_a_publication_date():
    text = "2035年远景目标纲要\n\n到2035年,基本实现社会主义现代化。"
    assert extract_documents(text, today=TODAY)[0].published is None


def test_year_a_january_item_reviews_is_not_its_date():
    text = "2025年经济运行稳中有进\n\n央视网消息(新闻联播):国家统计局今天发布数据,2025年国内生产总值增长5%。"
    [record] = documents("2026/20260117_03.txt", text)
    assert (record.published, record.date_source) == (PartialDate(2026, 1, 17), "filename")


def test_plan_period_is_not_a_date():
    text = "郑州市“十四五”规划(2021—2025年)\n\n十四五时期,全市经济持续发展。"
    assert extract_documents(text, today=TODAY)[0].published is None


def test_place_mentioned_as_a_partner_does_not_win_over_the_issuer():
    text = "中原区人民政府关于深化对外合作的意见\n\n学习上海、上海、深圳经验,与香港、香港、香港企业合作。"
    [record] = extract_documents(text, today=TODAY)
    assert (record.district, record.district_source, record.issuer) == ("中原区", "title", "中原区人民政府")


def test_places_named_evenly_in_the_body_leave_the_place_unknown():
    text = "合作交流会召开\n\n会上,香港、台湾企业代表发言。"
    assert extract_documents(text, today=TODAY)[0].district is None


# -- 文号 and 文种 ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "written",
    ["郑政〔2021〕5号", "郑政[2021]5号", "郑政(2021)5号", "郑政（2021）5号", "郑政【2021】5号", "郑政 〔2021〕 5 号"],
)
def test_document_number_in_every_bracket_variant(written):
    assert canonical_doc_number(written) == "郑政〔2021〕5号"


def test_document_number_prefix_names_the_issuer():
    text = "国发〔2020〕23号\n\n关于加强防汛工作的通知\n\n各省、自治区、直辖市人民政府:现将有关事项通知如下。"
    [record] = extract_documents(text, today=TODAY)
    assert (record.doc_number, record.issuer, record.district) == ("国发〔2020〕23号", "国务院", "全国")


@pytest.mark.parametrize(
    "title, expected",
    [
        ("郑州市人民政府关于印发郑州市城市更新管理办法的通知", "通知"),
        ("关于促进民营经济发展的若干意见", "意见"),
        ("郑州市城市更新管理办法(试行)", "办法"),
        ("二七区城市更新实施方案", "方案"),
        ("2025年安徽省政府工作报告", "工作报告"),
        ("在全市经济工作会议上的讲话", "讲话"),
        ("关于同意设立郑州航空港区的批复", "批复"),
        ("关于商请支持中原科技城建设的函", "函"),
        ("区长办公会议纪要", "纪要"),
        ("砥砺前行交出半年合格答卷", None),
    ],
)
def test_document_type_from_the_title(title, expected):
    assert type_of_title(title) == expected


# -- the seeds -----------------------------------------------------------------------------------------

SEED_TRUTH = {
    S000: ("郑东新区", "2020-08-08"),
    S001: ("二七区", "2020-08-06"),
    S002: ("中原区", "2020"),
    S003: ("中原区", "2024"),
    S004: ("郑东新区", "2020-07-18"),
}


def seed_records(name: str, with_manifest: bool):
    from search.meta import read_sidecar

    sidecar = read_sidecar(SEEDS).get(name) if with_manifest else None
    return documents(name, (SEEDS / name).read_bytes(), sidecar)


def test_seeds_without_manifest_every_district_is_right():
    for name, (district, _) in SEED_TRUTH.items():
        assert {r.district for r in seed_records(name, with_manifest=False)} == {district}, name


def test_seed_000_without_manifest_is_dated_2020_08_08():
    assert [r.published.iso() for r in seed_records(S000, with_manifest=False)] == ["2020-08-08"]


def test_seeds_without_manifest_are_never_dated_in_another_year():
    for name, (_, truth) in SEED_TRUTH.items():
        for record in seed_records(name, with_manifest=False):
            assert record.published is None or record.published.year == int(truth[:4]), name


def test_seeds_with_manifest_keep_their_values():
    dates = {name: [r.published.iso() for r in seed_records(name, with_manifest=True)] for name in SEED_TRUTH}
    assert dates == {
        S000: ["2020-08-08"],
        S001: ["2020-08-06"],
        S002: ["2020"],
        S003: ["2024"],
        S004: ["2020-07-18", "2020-07-20", "2020-07", "2020-07-21"],
    }
    for name, (district, _) in SEED_TRUTH.items():
        assert {(r.district, r.district_source) for r in seed_records(name, with_manifest=True)} == {
            (district, "manifest")
        }


@pytest.mark.parametrize(
    "text",
    [
        # a reference date
        "土地调查数据发布\n\n央视网消息(新闻联播):截至2009年12月31日,我国耕地总面积为20.3亿亩,比上年增加。",
        # an anniversary: the story happens 今天
        "各地纪念抗战胜利\n\n央视网消息(新闻联播):1945年8月15日,日本宣布无条件投降。今天,各地举行活动。",
        # a target year in the headline
        "2020年我国将普及高中阶段教育\n\n央视网消息(新闻联播):日前,教育部等四部门印发攻坚计划。",
        # a reviewed year in the headline
        "2023年末我国外汇储备规模为32380亿美元\n\n国家外汇管理局最新数据显示,外汇储备规模稳中有升。",
    ],
    ids=["reference-date", "anniversary", "target-headline", "reviewed-headline"],
)
def test_text_states_no_publication_date(text):
    assert extract_documents(text, today=TODAY)[0].published is None


def test_award_year_after_a_month_day_does_not_give_its_year():
    text = (
        "李强同外国专家座谈\n\n央视网消息(新闻联播):国务院总理李强2月4日下午会见获得2023年度中国政府友谊奖的外国专家。"
    )
    assert extract_documents(text, today=TODAY)[0].published is None
