"""The new pages of issue 23 in Chromium: the 汇编 selection (/compile) and the saved-queries page with
its alert form, at a desktop and a phone width; axe-core at 0 serious/critical on them and on /login.
Screenshots go to tests/artifacts/ (compile-*.png, saved-*.png)."""

from __future__ import annotations

import io
import zipfile

import pytest
from playwright.sync_api import expect

from tests.browser_fixtures import shot
from tests.web.test_accessibility import serious_violations

WIDTHS = {"desktop": (1366, 900), "phone": (390, 844)}


@pytest.fixture(params=list(WIDTHS))
def page_at(browser, request):
    width, height = WIDTHS[request.param]
    context = browser.new_context(
        locale="zh-CN", viewport={"width": width, "height": height}, bypass_csp=True, accept_downloads=True
    )
    yield request.param, context.new_page()
    context.close()


def test_compile_page_ticks_documents_and_downloads_a_zip_of_them(page_at, server):
    name, page = page_at
    page.goto(server + "/search?q=老旧小区")
    page.click("a.compile-link")
    expect(page.locator("h1.page-title")).to_have_text("汇编与原文打包")
    boxes = page.locator("input[type=checkbox][name=id]")
    assert boxes.count() == 3
    boxes.nth(0).check()
    boxes.nth(2).check()
    assert serious_violations(page) == []
    shot(page, f"compile-{name}.png")
    ticked = [boxes.nth(i).get_attribute("value") for i in (0, 2)]
    with page.expect_download() as download:
        page.click("button[formaction$='compile.zip']")
    archive = zipfile.ZipFile(io.BytesIO(download.value.path().read_bytes()))
    assert download.value.suggested_filename.endswith(".zip") and download.value.suggested_filename.startswith(
        "老旧小区-原文-"
    )
    assert len(archive.namelist()) == 3  # two originals and 清单.csv
    assert [line.split(",")[0] for line in archive.read("清单.csv").decode("utf-8-sig").splitlines()[1:]] == ["1", "2"]
    assert len(set(ticked)) == 2


def test_saved_page_shows_queries_in_words_and_the_alert_form(page_at, server):
    name, page = page_at
    page.goto(server + "/search?q=老旧小区改造&district=中原区&year=2020")
    page.fill("form.save-form input[name=name]", f"中原区旧改-{name}")
    page.click("form.save-form button")
    expect(page.locator(".saved-table")).to_be_visible()
    page.fill("#alert-address", "chu@example.gov.cn")
    page.click("form.alert-form button[type=submit] >> nth=0")
    expect(page.locator(".alert-address")).to_have_text("chu@example.gov.cn")
    row = page.locator("tr", has=page.locator(f"a.saved-link:text-is('中原区旧改-{name}')"))
    expect(row.locator(".saved-query")).to_have_text("老旧小区改造 · 中原区 · 2020年")
    expect(row.locator(".viewed")).to_contain_text("保存，尚未打开")
    assert serious_violations(page) == []
    shot(page, f"saved-{name}.png")


def test_login_page_has_no_serious_violations(browser, tmp_path):
    import threading

    from waitress import create_server

    from search.access.users import UserStore
    from search.engines.embedded.commit import index_paths
    from tests.web_fixtures import SEEDS, make_app

    index_dir = tmp_path / "index"
    index_paths([SEEDS], index_dir)
    UserStore(tmp_path / "users.sqlite3").add("chu", "correct horse battery")
    app = make_app(index_dir, tmp_path / "saved.sqlite3", AUTH_MODE="local", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=wsgi.run, daemon=True).start()
    try:
        context = browser.new_context(locale="zh-CN", bypass_csp=True)
        page = context.new_page()
        page.goto(f"http://127.0.0.1:{wsgi.effective_port}/login")
        assert serious_violations(page) == []
        assert "search users" not in page.inner_text("main")
        shot(page, "login.png")
        context.close()
    finally:
        wsgi.close()
