"""The new metadata fields end to end: stored, filtered (issuer:, type:, docno:, --issuer, --type),
counted as facets, in the JSON, on the document page; and `search inspect`."""

from __future__ import annotations

import json

import pytest

from search.cli.main import main
from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import search
from search.query import SearchRequest
from tests.conftest import S000, S004, SEEDS
from tests.extract.test_extract import make_docx, make_pdf
from tests.meta.test_meta_evidence import GOV_PAGE, NOTICE_BLOCKS

PDF_LINES = [
    "二七区人民政府关于印发二七区城市更新实施方案的通知",
    "二七政〔2021〕3号",
    "各街道办事处,区政府各部门:现将实施方案印发给你们。",
    "二七区人民政府",
    "二〇二一年三月一日",
]


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    """A folder as staff export it from the OA system and the website: no manifest."""
    folder = tmp_path_factory.mktemp("office")
    (folder / "web").mkdir()
    (folder / "web" / "content_123.html").write_text(GOV_PAGE, encoding="utf-8")
    (folder / "oa").mkdir()
    (folder / "oa" / "防汛通知.docx").write_bytes(make_docx(NOTICE_BLOCKS))
    (folder / "oa" / "城市更新.pdf").write_bytes(make_pdf([PDF_LINES]))
    index_dir = tmp_path_factory.mktemp("office-index")
    report = index_paths([folder], index_dir)
    assert report.warnings == []
    return folder, index_dir


def hits(index_dir, **request):
    results = search(Archive(index_dir).snapshot(), SearchRequest(**request))
    return sorted(h.source for h in results.hits), results


def test_issuer_filter_matches_a_part_of_the_organ_name(office):
    _, index_dir = office
    assert hits(index_dir, q="issuer:郑州市人民政府")[0] == ["oa/防汛通知.docx", "web/content_123.html"]
    assert hits(index_dir, q="issuer:办公厅")[0] == ["oa/防汛通知.docx"]
    assert hits(index_dir, issuers=("二七区",))[0] == ["oa/城市更新.pdf"]


def test_type_filter_and_its_notes(office):
    _, index_dir = office
    assert hits(index_dir, q="type:通知")[0] == ["oa/城市更新.pdf", "oa/防汛通知.docx"]
    assert hits(index_dir, doc_types=("意见",))[0] == ["web/content_123.html"]
    found, results = hits(index_dir, q="type:文件")
    assert found == []
    assert results.notes[0].startswith("type:文件 is not a document type")


@pytest.mark.parametrize(
    "written", ["docno:郑政办文〔2022〕12号", "docno:郑政办文[2022]12号", "docno:郑政办文（2022）12号", "docno:郑政办"]
)
def test_document_number_filter_in_any_bracket_or_by_prefix(office, written):
    _, index_dir = office
    assert hits(index_dir, q=written)[0] == ["oa/防汛通知.docx"]


def test_facets_count_issuers_and_types(office):
    _, index_dir = office
    _, results = hits(index_dir)
    assert {f.value: f.count for f in results.facets["type"]} == {"通知": 2, "意见": 1}
    # An organ counts what its filter gives: issuer:郑州市人民政府 matches 郑州市人民政府办公厅 too.
    assert {f.value: f.count for f in results.facets["issuer"]} == {
        "郑州市人民政府": 2,
        "郑州市人民政府办公厅": 1,
        "二七区人民政府": 1,
    }
    assert len(hits(index_dir, issuers=("郑州市人民政府",))[0]) == 2


def test_json_hit_carries_the_fields_and_their_sources(office, runner):
    _, index_dir = office
    result = runner.invoke(main, ["query", "防汛", "--index", str(index_dir), "--json"])
    [hit] = json.loads(result.output)["hits"]
    assert {
        k: hit[k] for k in ("district", "date", "issuer", "doc_number", "doc_type", "date_source", "district_source")
    } == {
        "district": "郑州市",
        "date": "2022-05-10",
        "issuer": "郑州市人民政府办公厅",
        "doc_number": "郑政办文〔2022〕12号",
        "doc_type": "通知",
        "date_source": "signature",
        "district_source": "signature",
    }


def test_cli_issuer_and_type_options(office, runner):
    _, index_dir = office
    result = runner.invoke(main, ["query", "", "--index", str(index_dir), "--issuer", "二七区", "--type", "通知"])
    assert result.exit_code == 0
    assert result.output.splitlines()[0].startswith("1–1 of 1 documents")
    assert "二七区 · 2021-03-01 · 通知 · 二七区人民政府 · 二七政〔2021〕3号" in result.output


def test_inspect_prints_each_value_with_its_evidence_line(office, runner):
    folder, _ = office
    result = runner.invoke(main, ["inspect", str(folder / "oa" / "城市更新.pdf")])
    assert result.exit_code == 0
    lines = result.output.splitlines()
    assert lines[1] == "  二七区人民政府关于印发二七区城市更新实施方案的通知"
    assert lines[2] == "    date       2021-03-01      [signature] 二七区人民政府 / 二〇二一年三月一日"
    assert lines[3] == "    district   二七区          [signature] 二七区人民政府 / 二〇二一年三月一日"
    assert lines[5] == "    doc_number 二七政〔2021〕3号 [title] 二七政〔2021〕3号"
    assert lines[7] == "    place path 全国 / 河南省 / 郑州市 / 二七区"


def test_inspect_json_lists_every_news_item_of_a_page(runner):
    result = runner.invoke(main, ["inspect", str(SEEDS / S004), str(SEEDS / S000), "--no-manifest", "--json"])
    files = json.loads(result.output)
    assert [len(f["documents"]) for f in files] == [4, 1]
    assert [d["doc_type"] for d in files[0]["documents"]] == ["新闻"] * 4
    assert files[1]["documents"][0]["evidence"]["published"] == {
        "value": "2020-08-08",
        "source": "text",
        "line": "8月8日,郑东新区党工委召开2020年半年工作会",
    }
    assert files[1]["manifest"] is None


def test_inspect_says_why_a_file_is_skipped(tmp_path, runner):
    (tmp_path / "empty.txt").write_bytes(b"")
    result = runner.invoke(main, ["inspect", str(tmp_path / "empty.txt"), "--json"])
    assert result.exit_code == 3
    assert json.loads(result.output) == [{"file": str(tmp_path / "empty.txt"), "error": "empty file"}]


def test_document_page_shows_issuer_number_type_and_a_quiet_evidence_note(office, tmp_path):
    from tests.web_fixtures import make_app, soup

    _, index_dir = office
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    page = soup(client.get("/search?q=防汛"))
    link = page.select_one(".hit-title a")["href"]
    assert [s.get_text() for s in page.select(".hit-meta .doc-type, .hit-meta .issuer, .hit-meta .doc-number")] == [
        "通知",
        "郑州市人民政府办公厅",
        "郑政办文〔2022〕12号",
    ]
    document = soup(client.get(link))
    meta = {div.dt.get_text(): div.dd.get_text(" ", strip=True) for div in document.select(".doc-meta > div")}
    assert meta["日期"] == "2022年5月10日 据落款"
    assert meta["区域"] == "郑州市 据落款"
    assert (meta["发文机关"], meta["文号"], meta["文种"]) == ("郑州市人民政府办公厅", "郑政办文〔2022〕12号", "通知")
    facets = {
        s["class"][1]: [a.get_text(" ", strip=True) for a in s.select("a.facet-value")]
        for s in page.select("section.facet")
    }
    assert facets["facet-type"] == ["☐ 通知 1"]


@pytest.mark.parametrize(
    "query, clause",
    [
        ("type:通知", {"term": {"doc_type": "通知"}}),
        ("issuer:郑州市人民政府", {"wildcard": {"issuer_folded": {"value": "*郑州市人民政府*"}}}),
        ("docno:郑政〔2021〕5号", {"wildcard": {"doc_number_folded": {"value": "*郑政〔2021〕5号*"}}}),
    ],
)
def test_opensearch_engine_matches_a_part_of_issuer_and_docno_and_the_whole_type(query, clause):
    """The same filters on OpenSearch (tests/engines/opensearch/test_opensearch_parity.py compares the answers)."""
    from search.engines.opensearch.query import QueryBuilder
    from search.query import parse_query

    [[atom]] = parse_query(query).groups
    assert QueryBuilder("exact").atom(atom) == clause


def test_document_number_facet_counts_series_and_its_value_selects_exactly_that_series(office):
    _, index_dir = office
    _, results = hits(index_dir)
    # A series is the code and the year (issue 22).
    assert {f.value: f.count for f in results.facets["docno"]} == {"郑政办文〔2022〕": 1, "二七政〔2021〕": 1}
    assert hits(index_dir, doc_numbers=("二七政〔2021〕",))[0] == ["oa/城市更新.pdf"]
    assert hits(index_dir, doc_numbers=("郑政〔2022〕",))[0] == []  # 郑政办文〔2022〕 is another series
    request = SearchRequest(doc_numbers=("二七政〔2021〕",))
    assert SearchRequest.from_args(dict(request.to_args())) == request
    assert request.toggle("docno", "二七政〔2021〕") == SearchRequest()
