"""The new metadata in Chromium: the 文种 facet narrows the hits in place, a hit shows its 文种,
issuer and 文号, and the document page notes where its date and place came from."""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from waitress import create_server

from search.engines.embedded.archive import Archive
from search.engines.embedded.run import search
from search.query import SearchRequest
from tests.browser_fixtures import args_of, hit_titles, shot
from tests.web_fixtures import make_app


@pytest.fixture(scope="module")
def office_server(office, tmp_path_factory):
    _, index_dir = office
    app = make_app(index_dir, tmp_path_factory.mktemp("browser-meta") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=2)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}", index_dir
    wsgi.close()


def test_type_facet_narrows_hits_and_the_document_page_notes_the_evidence(tab, office_server):
    url, index_dir = office_server
    expected = search(Archive(index_dir).snapshot(), SearchRequest(doc_types=("通知",)))
    page = tab.page
    page.goto(url + "/search?q=")
    page.evaluate("window.stillTheSamePage = true")
    page.locator(".facet-type a.facet-value", has_text="通知").click()
    expect(page.locator("#total")).to_have_text(str(expected.total))
    expect(page.locator(".chip")).to_have_text(["文种：通知×"])
    assert args_of(page.url) == [("type", "通知")]
    assert hit_titles(page) == [h.title for h in expected.hits]
    assert page.evaluate("window.stillTheSamePage") is True
    notice = page.locator(".hit", has_text="防汛")
    expect(notice.locator(".hit-meta .issuer")).to_have_text("郑州市人民政府办公厅")
    expect(notice.locator(".hit-meta .doc-number")).to_have_text("郑政办文〔2022〕12号")
    notice.locator(".hit-title a").click()
    meta = page.locator(".doc-meta")
    expect(meta.locator("div", has_text="日期")).to_have_text("日期2022年5月10日 据落款")
    expect(meta.locator("div", has_text="文号")).to_have_text("文号郑政办文〔2022〕12号")
    shot(page, "document-evidence.png")
    assert tab.errors == []
