"""Bidirectional controls never reach a page or an export cell (issue 27, Low; what was left: item 4):
a file named ``报告\u202etxt.exe.txt`` (shown as ``报告exe.txt.txt``) with U+202E and its kin in its
title, text and manifest values.  Pages, fragments, feeds and export cells show the text without
them; the index keeps the text as written, so matching and the JSON API are unchanged."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
from openpyxl import load_workbook

from search.engines.embedded.commit import index_paths
from search.export.columns import csv_cell
from search.text.bidi import BIDI_CONTROLS, without_bidi
from tests.web_fixtures import csrf_token, make_app

NAME = "报告\u202etxt.exe.txt"
TITLE = "二七区\u202e老旧小区\u2066改造\u2069报告"
TEXT = "二七区推进老旧\u200f小区改造\u202a工作\u202c。\n\n=1+1\u202e老旧小区公式\n"
ISSUER = "郑州市\u202e人民政府"
CONTROLS = sorted(BIDI_CONTROLS)


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    root = tmp_path_factory.mktemp("bidi")
    folder = root / "docs"
    folder.mkdir()
    (folder / NAME).write_text(f"{TITLE}\n\n{TEXT}", encoding="utf-8")
    (folder / "plain.txt").write_text("金水区报告\n\n金水区推进老旧小区改造。\n", encoding="utf-8")
    (folder / "manifest.tsv").write_text(f"filename\tissuer\n{NAME}\t{ISSUER}\n", encoding="utf-8")
    report = index_paths([folder], root / "ix")
    assert (report.warnings, report.total_documents) == ([], 2)
    return make_app(root / "ix", root / "saved.sqlite3")


@pytest.fixture
def client(app):
    return app.test_client()


def _hostile_id(client) -> str:
    hits = json.loads(client.get("/search.json?q=二七区").data)["hits"]
    return hits[0]["id"]


def _no_controls(body: str) -> None:
    found = sorted({f"U+{ord(c):04X}" for c in body if c in BIDI_CONTROLS})
    assert found == []


def test_without_bidi_removes_exactly_the_controls():
    assert without_bidi(NAME) == "报告txt.exe.txt"
    assert without_bidi("".join(CONTROLS) + "老旧\u200d小区\u200b") == "老旧\u200d小区\u200b"  # ZWJ, ZWSP kept
    assert [f"U+{ord(c):04X}" for c in CONTROLS] == [
        "U+061C",
        "U+200E",
        "U+200F",
        "U+202A",
        "U+202B",
        "U+202C",
        "U+202D",
        "U+202E",
        "U+2066",
        "U+2067",
        "U+2068",
        "U+2069",
        "U+206A",
        "U+206B",
        "U+206C",
        "U+206D",
        "U+206E",
        "U+206F",
    ]


@pytest.mark.parametrize(
    "path",
    [
        "/search?q=老旧小区",
        "/search?q=二七区",
        "/search?q=老旧小区&issuer=" + ISSUER,
        "/trend?q=老旧小区&per=district",
        "/kwic?q=老旧小区",
        "/compile?q=老旧小区",
        "/advanced",
    ],
)
def test_pages_show_titles_paths_snippets_and_facets_without_the_controls(client, path):
    response = client.get(path)
    assert response.status_code == 200
    _no_controls(response.get_data(as_text=True))


def test_the_document_page_and_its_fragments_show_the_text_without_the_controls(client):
    doc_id = _hostile_id(client)
    page = client.get(f"/doc/{doc_id}?q=老旧小区").get_data(as_text=True)
    _no_controls(page)
    assert "二七区老旧小区改造报告" in page and "报告txt.exe.txt" in page and "郑州市人民政府" in page
    fragment = client.get("/search?q=老旧小区", headers={"HX-Request": "true"}).get_data(as_text=True)
    _no_controls(fragment)
    assert "二七区老旧小区改造报告" in fragment


def test_a_saved_querys_feed_has_no_controls(client):
    token = csrf_token(client)
    assert client.post("/saved", data={"name": "改造", "q": "老旧小区", "csrf_token": token}).status_code in (200, 303)
    saved = client.get("/saved").get_data(as_text=True)
    _no_controls(saved)
    slug = saved.split('href="/saved/', 1)[1].split('"', 1)[0]
    feed = client.get(f"/saved/{slug}.atom")
    assert feed.status_code == 200
    _no_controls(feed.get_data(as_text=True))


def test_matching_and_the_json_api_keep_the_text_as_written(client):
    # The oracle: the documents whose source text holds the query as written (the controls only
    # leave what is shown).
    sources = {"hostile": f"{TITLE}\n\n{TEXT}", "plain": "金水区报告\n\n金水区推进老旧小区改造。\n"}
    for query in ("老旧小区", "老旧\u200f小区", "改造\u202a工作"):
        expected = sum(query in text for text in sources.values())
        assert json.loads(client.get("/search.json", query_string={"q": query}).data)["total"] == expected, query
    hit = next(h for h in json.loads(client.get("/search.json?q=二七区").data)["hits"])
    assert (hit["title"], hit["source"]) == (TITLE, NAME)


def test_csv_cells_have_no_controls_and_a_formula_behind_one_is_defused(client):
    body = client.get("/search.csv?q=老旧小区").get_data(as_text=True)
    _no_controls(body)
    rows = list(csv.reader(io.StringIO(body.lstrip("\ufeff"))))
    assert "二七区老旧小区改造报告" in [cell for row in rows for cell in row]
    assert csv_cell("\u202e=1+1") == "'=1+1"
    kwic = client.get("/kwic.csv?q=老旧小区").get_data(as_text=True)
    _no_controls(kwic)


@pytest.mark.parametrize("path", ["/search.xlsx?q=老旧小区", "/kwic.xlsx?q=老旧小区"])
def test_spreadsheet_cells_have_no_controls(client, path):
    response = client.get(path)
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data), read_only=True)
    cells = [str(v) for sheet in book.worksheets for row in sheet.iter_rows(values_only=True) for v in row if v]
    _no_controls("".join(cells))
    assert any("二七区老旧小区改造报告" in c for c in cells) or path.startswith("/kwic")


def test_a_compilation_has_no_controls(client):
    response = client.get("/compile.docx?q=老旧小区")
    assert response.status_code == 200
    with zipfile.ZipFile(io.BytesIO(response.data)) as docx:
        xml = docx.read("word/document.xml").decode("utf-8")
    _no_controls(xml)
    assert "二七区老旧小区改造报告" in xml


def test_a_browser_shows_the_title_and_file_name_in_their_real_order(app, browser):
    """In Chromium: the hit's title and the document page's file name read as their characters stand
    (with U+202E left in, the name's tail after it would be drawn right to left: 报告exe.txt.txt)."""
    import threading

    from waitress import create_server

    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    page = browser.new_page()
    try:
        base = f"http://127.0.0.1:{server.effective_port}"
        page.goto(f"{base}/search?q=二七区")
        title = page.locator("ol li a").first
        assert title.inner_text() == "二七区老旧小区改造报告"
        page.goto(f"{base}/doc/{_hostile_id(app.test_client())}")
        assert "报告txt.exe.txt" in page.locator("body").inner_text()
        assert not any(c in page.content() for c in BIDI_CONTROLS)
    finally:
        page.close()
        server.close()


def test_an_alert_mail_shows_no_controls():
    from search.saved.mail import MailedDocument, alert_message

    document = MailedDocument(TITLE, f"{ISSUER} · 2020 · 二七区", "推进老旧\u200f小区改造", "http://h/doc/x")
    message = alert_message(
        "a@localhost", "b@localhost", "旧改\u202e", "老旧小区", [document], 0, "http://h/s", "http://h/l"
    )
    bodies = [part.get_content() for part in message.iter_parts()]
    for text in (*bodies, message["Subject"]):
        _no_controls(text)
    assert "二七区老旧小区改造报告" in bodies[0] and "二七区老旧小区改造报告" in bodies[1]
