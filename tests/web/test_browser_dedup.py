"""The 去重 switch in a real Chromium: ticking it collapses the result list in place (htmx), the URL
says dedup=1, 另有 N 篇转载 opens the copies, and the document page lists its similar documents.
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import threading
from pathlib import Path

import pytest
from playwright.sync_api import expect, sync_playwright
from waitress import create_server

from search.engines.embedded.commit import index_paths
from tests.dedup_corpus import make_corpus
from tests.web_fixtures import ROOT, make_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    folder = make_corpus(tmp_path_factory.mktemp("dedup-browser") / "docs")
    index_dir = tmp_path_factory.mktemp("dedup-browser-index")
    index_paths([folder], index_dir)
    app = make_app(index_dir, tmp_path_factory.mktemp("dedup-browser-state") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(f"Chromium is missing ({CHROMIUM}): install it with `make system-deps`", pytrace=False)
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


@pytest.fixture
def page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    tab = context.new_page()
    errors: list[str] = []
    tab.on("console", lambda m: errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None)
    tab.on("pageerror", lambda e: errors.append(f"page error: {e}"))
    yield tab
    context.close()
    assert errors == []


def shot(page, name: str) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / name), full_page=True, caret="initial")


def test_ticking_dedup_collapses_the_results_and_opens_the_copies(page, server):
    page.goto(server + "/search?q=发展")
    expect(page.locator("#total")).to_have_text("8")
    expect(page.locator(".dedup-line")).to_contain_text("其中 4 篇是转载或改写稿")
    page.evaluate("window.stillTheSamePage = true")
    page.locator("input[name=dedup]").check()
    expect(page.locator("#total")).to_have_text("4")
    assert "dedup=1" in page.url
    assert page.evaluate("window.stillTheSamePage") is True  # swapped in place, not reloaded
    expect(page.locator(".dedup-line")).to_contain_text("已去重：4 组，隐去 4 篇转载")
    reprints = page.locator("a.reprints")
    expect(reprints).to_have_count(2)
    expect(reprints.first).to_have_text("另有 2 篇转载")
    shot(page, "dedup-results.png")
    reprints.first.click()
    expect(page.locator("#total")).to_have_text("3")
    expect(page.locator(".chip")).to_contain_text("同一稿件的转载")
    assert "copies=" in page.url and "dedup=1" not in page.url
    # Back: the collapsed result again.
    page.go_back()
    expect(page.locator("#total")).to_have_text("4")


def test_document_page_shows_similar_documents(page, server):
    page.goto(server + "/search?q=郑东新区党工委&dedup=1")
    page.locator(".hit-title a").first.click()
    similar = page.locator("aside.similar li")
    expect(similar).to_have_count(2)
    expect(page.locator("aside.similar h2")).to_have_text("相似文档（2 篇）")
    expect(similar.first).to_contain_text("相似度 100%")
    shot(page, "dedup-similar.png")


def test_kwic_and_trend_pages_carry_the_switch(page, server):
    page.goto(server + "/kwic?q=郑东新区党工委")
    expect(page.locator(".kwic-summary, .summary, main").first).to_be_visible()
    page.locator("input[name=dedup]").check()
    page.locator("button.go").click()
    assert "dedup=1" in page.url
    expect(page.locator("input[name=dedup]")).to_be_checked()
    shot(page, "dedup-kwic.png")
    page.goto(server + "/trend?q=郑东新区党工委&dedup=1")
    expect(page.locator("input[name=dedup]")).to_be_checked()
    shot(page, "dedup-trend.png")
