"""Exports (issue 23): .xlsx and CSV with Chinese headers and absolute links, the Word 汇编, the zip of
originals, download names.  The oracle is the JSON twin of the same search (every hit on one page)."""

from __future__ import annotations

import csv
import io
import json
import re
import zipfile
from datetime import UTC, datetime, timedelta
from urllib.parse import quote, unquote

import pytest
from docx import Document
from docx.oxml.ns import qn
from openpyxl import load_workbook
from python_calamine import CalamineWorkbook

from search.export import HIT_COLUMNS, KWIC_COLUMNS, describe_request, download_filename
from search.export.columns import content_disposition, snippet_text
from search.query import SearchRequest
from tests.web_fixtures import SEEDS, make_app, soup

PHRASE = "老旧小区"
BASE = "http://localhost"


def sheets(data: bytes) -> dict[str, list[list]]:
    book = CalamineWorkbook.from_filelike(io.BytesIO(data))
    return {name: book.get_sheet_by_name(name).to_python() for name in book.sheet_names}


def every_hit(client, query: str = PHRASE) -> list[dict]:
    return json.loads(client.get("/search.json", query_string={"q": query, "per_page": 100}).data)["hits"]


def expected_row(number: int, hit: dict) -> list:
    link = f"{BASE}/doc/{hit['id']}?q={quote(PHRASE)}"
    return [
        float(number),
        hit["title"],
        hit["issuer"] or "",
        hit["doc_number"] or "",
        hit["doc_type"] or "",
        hit["date"] or "",
        hit["district"] or "",
        "、".join(hit["topics"]),
        snippet_text(hit["snippets"][0]),
        link,
        hit["source"],
        hit["id"],
    ]


def shanghai_today() -> str:
    return (datetime.now(UTC) + timedelta(hours=8)).strftime("%Y%m%d")


def test_xlsx_of_results_read_back_equals_the_json_results(client):
    response = client.get(f"/search.xlsx?q={PHRASE}")
    assert response.status_code == 200
    assert response.mimetype == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    book = sheets(response.data)
    assert list(book) == ["检索结果", "检索条件"]
    hits = every_hit(client)
    assert len(hits) == 3
    assert book["检索结果"] == [list(HIT_COLUMNS)] + [expected_row(n, h) for n, h in enumerate(hits, 1)]
    about = {row[0]: row[1] for row in book["检索条件"]}
    assert (about["检索词"], about["理解为"], about["筛选条件"], about["结果数"], about["导出条数"]) == (
        PHRASE,
        PHRASE,
        "（无）",
        3.0,
        3.0,
    )
    assert re.fullmatch(r"\d{4}-\d\d-\d\d \d\d:\d\d \(Asia/Shanghai\)", about["检索时间"])
    assert about["检索链接"] == f"{BASE}/search?q={quote(PHRASE)}"


def test_xlsx_links_are_clickable_and_formula_text_stays_text(hostile_client):
    book = load_workbook(io.BytesIO(hostile_client.get(f"/search.xlsx?q={PHRASE}").data))
    rows = list(book["检索结果"].iter_rows(min_row=2))
    titles = {row[1].value: row[1].data_type for row in rows}
    assert titles["=1+2 老旧小区公告"] == "s"  # the document's words, not a formula Excel would run
    assert all(row[9].hyperlink.target == row[9].value and row[9].value.startswith(f"{BASE}/doc/") for row in rows)


def test_csv_has_the_same_columns_and_links_as_the_xlsx(client):
    text = client.get(f"/search.csv?q={PHRASE}").get_data(as_text=True)
    assert text.startswith("\ufeff")
    rows = list(csv.reader(io.StringIO(text[1:])))
    book = sheets(client.get(f"/search.xlsx?q={PHRASE}").data)["检索结果"]
    assert rows == [[str(int(c)) if isinstance(c, float) else c for c in row] for row in book]


def test_kwic_xlsx_holds_every_line_with_a_link_to_its_occurrence(client):
    lines = client.get(f"/kwic.json?q={PHRASE}&per_page=100").get_json()["lines"]
    book = sheets(client.get(f"/kwic.xlsx?q={PHRASE}").data)
    assert list(book) == ["上下文", "检索条件"]
    assert book["上下文"][0] == list(KWIC_COLUMNS)
    assert [[*row[1:8], row[9]] for row in book["上下文"][1:]] == [
        [
            li["title"],
            li["date"] or "",
            li["district"] or "",
            li["left"],
            li["match"],
            li["right"],
            float(li["offset"]),
            li["id"],
        ]
        for li in lines
    ]
    assert [row[8] for row in book["上下文"][1:]] == [
        f"{BASE}/doc/{li['id']}?q={quote(PHRASE)}&at={li['offset']}#at" for li in lines
    ]


def test_links_point_at_the_public_url_when_one_is_set(seeds_index, tmp_path):
    public = make_app(
        seeds_index, tmp_path / "saved.sqlite3", PUBLIC_URL="https://search.example.gov.cn/"
    ).test_client()
    rows = sheets(public.get(f"/search.xlsx?q={PHRASE}").data)["检索结果"][1:]
    assert [row[9].split("?")[0] for row in rows] == [f"https://search.example.gov.cn/doc/{row[11]}" for row in rows]
    kwic = list(csv.reader(io.StringIO(public.get(f"/kwic.csv?q={PHRASE}").get_data(as_text=True)[1:])))
    assert all(row[8].startswith("https://search.example.gov.cn/doc/") for row in kwic[1:])


@pytest.mark.parametrize(
    "path, suffix",
    [
        ("/search.xlsx", "xlsx"),
        ("/search.csv", "csv"),
        ("/kwic.csv", "上下文-{day}.csv"),
        ("/compile.docx", "汇编-{day}.docx"),
        ("/compile.zip", "原文-{day}.zip"),
    ],
)
def test_download_names_carry_the_query_and_the_date_in_shanghai(client, path, suffix):
    disposition = client.get(path, query_string={"q": "稳就业"}).headers["Content-Disposition"]
    day = shanghai_today()
    wanted = f"稳就业-{suffix.format(day=day)}" if "{" in suffix else f"稳就业-{day}.{suffix}"
    fallback, star = re.fullmatch(r'attachment; filename="([^"]+)"; filename\*=UTF-8\'\'(\S+)', disposition).groups()
    assert unquote(star) == wanted
    assert fallback.isascii() and fallback.startswith("export-")


def test_download_names_are_safe_and_plain_ascii_names_need_no_rfc5987():
    when = datetime(2026, 12, 4)
    assert download_filename(SearchRequest(q='"老旧/小区" ../x'), "xlsx", when) == "老旧_小区_x-20261204.xlsx"
    assert download_filename(SearchRequest(), "csv", when) == "全部文档-20261204.csv"
    assert content_disposition("5G-20261204.csv") == 'attachment; filename="5G-20261204.csv"'


@pytest.mark.parametrize(
    "request_, words",
    [
        (SearchRequest(q="老旧小区改造", districts=("中原区",), years=(2020,)), "老旧小区改造 · 中原区 · 2020年"),
        (SearchRequest(), "全部文档"),
        (
            SearchRequest(q="稳就业", issuers=("郑州市人民政府",), doc_types=("通知",), months=("2020-07",)),
            "稳就业 · 2020年7月 · 发文机关：郑州市人民政府 · 文种：通知",
        ),
        (
            SearchRequest(q="就业", date_from="2020-01", date_to="2020-06-30", mode="words"),
            "就业 · 2020年1月至2020年6月30日 · 分词匹配",
        ),
        (SearchRequest(q="就业", date_from="近一年"), "就业 · 近一年"),
    ],
)
def test_a_search_in_words(request_, words):
    assert describe_request(request_) == words


def docx_text(data: bytes) -> list[str]:
    document = Document(io.BytesIO(data))
    texts = [p.text for p in document.paragraphs]
    for table in document.tables:
        texts += [cell.text for row in table.rows for cell in row.cells]
    return texts


def document_paragraphs(client, doc_id: str) -> list[str]:
    page = soup(client.get(f"/doc/{doc_id}"))
    return [p.get_text() for p in page.select(".doc-text p")]


def test_word_compilation_holds_each_ticked_documents_metadata_and_full_text(client, web_app):
    hits = every_hit(client)
    chosen = [hits[2]["id"], hits[0]["id"]]
    response = client.get("/compile.docx", query_string=[("q", PHRASE), ("id", chosen[0]), ("id", chosen[1])])
    assert response.status_code == 200
    texts = docx_text(response.data)
    headings = [t for t in texts if re.match(r"\d+\. ", t)]
    assert headings == [f"1. {hits[2]['title']}", f"2. {hits[0]['title']}"] * 2  # the plain contents, then each
    # Each paragraph of the document's text as the index holds it (the document page shows the same).
    engine = web_app.extensions["engine"]
    for doc_id in chosen:
        paragraphs = [p for p in engine.document(doc_id).paragraphs if p.strip()]
        assert len(paragraphs) > 10 and [p for p in paragraphs if p not in texts] == [], doc_id
    assert f"检索汇编：{PHRASE}" in texts
    assert any(t.startswith("结果数：3 篇（本汇编收录 2 篇）") for t in texts)
    assert f"{BASE}/doc/{chosen[0]}?q={PHRASE}" in texts  # the metadata block's absolute link, readable


def test_word_compilation_has_a_toc_field_and_fangsong_heiti_east_asian_fonts(client):
    document = Document(io.BytesIO(client.get(f"/compile.docx?q={PHRASE}").data))
    body = document.element.body
    assert [t.text for t in body.iter(qn("w:instrText"))] == ['TOC \\o "1-1" \\h \\z \\u']
    fonts = {
        name: document.styles[name].element.rPr.find(qn("w:rFonts")).get(qn("w:eastAsia"))
        for name in ("Normal", "Heading 1")
    }
    assert fonts == {"Normal": "仿宋", "Heading 1": "黑体"}
    assert document.settings.element.find(qn("w:updateFields")).get(qn("w:val")) == "true"


def test_without_ticks_the_compilation_takes_the_first_n_hits(client):
    hits = every_hit(client)
    texts = docx_text(client.get(f"/compile.docx?q={PHRASE}&first=2").data)
    assert [t for t in texts if re.match(r"\d+\. ", t)] == [f"1. {hits[0]['title']}", f"2. {hits[1]['title']}"] * 2


@pytest.mark.parametrize("first", ["0", "101", "x"])
def test_first_n_out_of_range_is_a_clear_400(client, first):
    response = client.get(f"/compile.docx?q={PHRASE}&first={first}")
    assert response.status_code == 400
    assert "1 到 100" in response.get_data(as_text=True)


def listing(data: bytes) -> tuple[list[str], list[list[str]]]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    text = archive.read("清单.csv").decode("utf-8")
    assert text.startswith("\ufeff")
    return archive.namelist(), list(csv.reader(io.StringIO(text[1:])))


def test_zip_holds_every_chosen_original_byte_for_byte_and_lists_it(client):
    hits = every_hit(client)
    response = client.get("/compile.zip", query_string=[("q", PHRASE)] + [("id", h["id"]) for h in hits])
    names, rows = listing(response.data)
    assert names == [f"{n:03d}_{h['source']}" for n, h in enumerate(hits, 1)] + ["清单.csv"]
    archive = zipfile.ZipFile(io.BytesIO(response.data))
    assert all(archive.read(name) == (SEEDS / h["source"]).read_bytes() for name, h in zip(names, hits))
    assert rows[0] == [
        "序号",
        "压缩包内文件",
        "标题",
        "发文机关",
        "文号",
        "文种",
        "日期",
        "区域",
        "来源文件",
        "链接",
        "说明",
    ]
    assert [(r[1], r[2], r[8], r[10]) for r in rows[1:]] == [
        (n, h["title"], h["source"], "") for n, h in zip(names, hits)
    ]


def test_zip_holds_a_file_of_several_chosen_documents_once(client):
    items = [h for h in every_hit(client, "") if h["source"].startswith("004_")]
    assert len(items) >= 2  # the seeds' news page: several items, one file
    response = client.get("/compile.zip", query_string=[("id", h["id"]) for h in items[:2]])
    names, rows = listing(response.data)
    assert names == [f"001_{items[0]['source']}", "清单.csv"]
    assert [(r[1], r[10]) for r in rows[1:]] == [(names[0], ""), (names[0], "与上一项同一文件")]


def test_an_unknown_id_is_left_out_of_the_zip_and_the_compilation(client):
    hits = every_hit(client)
    ids = [("id", "000000000000-0"), ("id", hits[0]["id"])]
    names, rows = listing(client.get("/compile.zip", query_string=ids).data)
    assert len(rows) == 2 and names == [f"001_{hits[0]['source']}", "清单.csv"]
    assert [t for t in docx_text(client.get("/compile.docx", query_string=ids).data) if re.match(r"\d+\. ", t)] == [
        f"1. {hits[0]['title']}"
    ] * 2


def test_compile_page_offers_each_hit_with_a_box_and_both_downloads(client):
    page = soup(client.get(f"/compile?q={PHRASE}&district=中原区"))
    boxes = page.select("form.compile-form input[type=checkbox][name=id]")
    assert [b["value"] for b in boxes] == [
        h["id"] for h in json.loads(client.get(f"/search.json?q={PHRASE}&district=中原区").data)["hits"]
    ]
    assert all(page.select_one(f"label[for={b['id']}]") for b in boxes)
    hidden = {(i["name"], i["value"]) for i in page.select("form.compile-form input[type=hidden]")}
    assert hidden == {("q", PHRASE), ("district", "中原区")}
    assert page.select_one("form.compile-form")["action"] == "/compile.docx"
    assert page.select_one("button[formaction]")["formaction"] == "/compile.zip"
    assert "老旧小区 · 中原区" in page.select_one(".compile-search").get_text()


def test_the_results_and_kwic_pages_link_the_new_exports(client):
    exports = soup(client.get(f"/search?q={PHRASE}")).select_one(".exports")
    links = {a.get_text(): a["href"] for a in exports.select("a")}
    assert links["Excel"] == f"/search.xlsx?q={quote(PHRASE)}"
    assert links["Word 汇编 / 原文打包"] == f"/compile?q={quote(PHRASE)}"
    kwic = {a.get_text(): a["href"] for a in soup(client.get(f"/kwic?q={PHRASE}")).select(".exports a")}
    assert kwic["Excel"].startswith("/kwic.xlsx?q=")


def test_cli_query_csv_and_xlsx_hold_every_hit_with_public_links(runner, seeds_index, tmp_path, client):
    from search.cli.main import main

    hits = every_hit(client)
    out = tmp_path / "稳就业.xlsx"
    args = ["query", PHRASE, "--index", str(seeds_index), "--public-url", "https://s.example.gov.cn"]
    result = runner.invoke(main, [*args, "--xlsx", str(out)])
    assert result.exit_code == 0, result.output
    assert result.output == f"wrote 3 rows to {out}\n"
    rows = sheets(out.read_bytes())["检索结果"]
    assert [r[11] for r in rows[1:]] == [h["id"] for h in hits]
    assert rows[1][9] == f"https://s.example.gov.cn/doc/{hits[0]['id']}?q={quote(PHRASE)}"
    printed = list(csv.reader(io.StringIO(runner.invoke(main, [*args, "--csv"]).output)))
    assert printed == [[str(int(c)) if isinstance(c, float) else c for c in row] for row in rows]


def test_file_exports_get_the_export_time_budget_not_a_pages(seeds_index, tmp_path):
    hurried = make_app(seeds_index, tmp_path / "saved.sqlite3", REQUEST_TIME_BUDGET=1e-9).test_client()
    assert hurried.get(f"/search?q={PHRASE}").status_code == 400  # a page's budget is spent at once
    for path in ("/search.xlsx", "/kwic.xlsx", "/compile.docx", "/compile.zip", "/search.csv"):
        assert hurried.get(path, query_string={"q": PHRASE}).status_code == 200, path


def test_links_past_excels_hyperlink_limit_are_text(monkeypatch):
    from search.export import sheets
    from search.export.sheets import QuerySheet, write_workbook

    monkeypatch.setattr(sheets, "MAX_HYPERLINKS", 2)
    out = io.BytesIO()
    rows = [(n, f"=标题{n}", f"{BASE}/doc/{n}") for n in range(1, 4)]
    assert (
        write_workbook(
            out,
            "检索结果",
            ("序号", "标题", "链接"),
            rows,
            lambda n: QuerySheet("q", "q", "", 3, "t", f"{BASE}/search", n),
        )
        == 3
    )
    sheet = load_workbook(io.BytesIO(out.getvalue()))["检索结果"]
    links = [
        (row[2].value, row[2].hyperlink.target if row[2].hyperlink else None) for row in sheet.iter_rows(min_row=2)
    ]
    assert links == [(f"{BASE}/doc/1", f"{BASE}/doc/1"), (f"{BASE}/doc/2", f"{BASE}/doc/2"), (f"{BASE}/doc/3", None)]
    assert [(row[1].value, row[1].data_type) for row in sheet.iter_rows(min_row=2)] == [
        ("=标题1", "s"),
        ("=标题2", "s"),
        ("=标题3", "s"),
    ]
