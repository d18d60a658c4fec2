"""Accounts in a real Chromium: log in, search, save, share, open the share as a colleague, log out.

The production server (waitress) runs with ``--auth local`` over the seeds index.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from waitress import create_server

from search.access.users import UserStore
from search.engines.embedded.run import search
from search.query import SearchRequest
from tests.browser_fixtures import Tab, shot
from tests.web.test_accessibility import serious_violations
from tests.web_fixtures import make_app

PASSWORD = "correct horse battery"


@pytest.fixture(scope="module")
def auth_server(seeds_index, tmp_path_factory):
    folder = tmp_path_factory.mktemp("auth-browser")
    users = UserStore(folder / "users.sqlite3")
    users.add("reader_a", PASSWORD)
    users.add("reader_b", PASSWORD)
    app = make_app(
        seeds_index,
        folder / "saved.sqlite3",
        TESTING=False,
        AUTH_MODE="local",
        USERS_DB=str(folder / "users.sqlite3"),
        AUDIT_LOG=str(folder / "audit.jsonl"),
    )
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=wsgi.run, daemon=True).start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


def new_tab(browser, **options) -> Tab:
    return Tab(browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, **options))


def log_in(page, server, name):
    page.goto(server + "/")
    expect(page).to_have_url(server + "/login?next=/")
    page.fill("#login-name", name)
    page.fill("#login-password", PASSWORD)
    page.click(".login-form button")
    expect(page.locator(".account .who")).to_have_text(name)


def test_log_in_save_share_and_a_colleague_only_reads_and_copies(browser, auth_server, seeds_snapshot):
    server = auth_server
    a, b = new_tab(browser), new_tab(browser)
    try:
        log_in(a.page, server, "reader_a")
        shot(a.page, "auth-after-login.png")
        a.page.locator("#q").press_sequentially("老旧小区", delay=30)
        total = search(seeds_snapshot, SearchRequest(q="老旧小区")).total
        expect(a.page.locator("#total")).to_have_text(str(total))
        a.page.fill("form.save-form input[name=name]", "甲的旧改")
        a.page.click("form.save-form button")
        expect(a.page.locator(".saved-table a.saved-link")).to_have_text(["甲的旧改"])
        share = a.page.locator("a.share").get_attribute("href")
        shot(a.page, "auth-saved-list.png")

        log_in(b.page, server, "reader_b")
        b.page.goto(server + "/saved")
        expect(b.page.locator(".empty")).to_contain_text("还没有保存的查询")  # not A's private query
        b.page.goto(server + share)
        expect(b.page.locator(".saved-banner.shared .saved-name")).to_have_text("甲的旧改")
        expect(b.page.locator("#total")).to_have_text(str(total))
        expect(b.page.locator("form.rename")).to_have_count(0)
        expect(b.page.locator("a.delete")).to_have_count(0)
        shot(b.page, "auth-shared-read-only.png")
        # Neither the owner's delete nor rename works for B, even sent by hand with B's own token.
        slug = a.page.locator("a.saved-link").get_attribute("href").rsplit("/", 1)[1]
        token = b.page.locator("form.copy-form input[name=csrf_token]").get_attribute("value")
        deleted = b.page.request.post(f"{server}/saved/{slug}/delete", form={"csrf_token": token})
        renamed = b.page.request.post(f"{server}/saved/{slug}/rename", form={"csrf_token": token, "name": "乙改的"})
        assert (deleted.status, renamed.status) == (404, 404)
        b.page.click("form.copy-form button")
        expect(b.page.locator(".saved-table a.saved-link")).to_have_text(["甲的旧改"])
        a.page.reload()
        expect(a.page.locator(".saved-table a.saved-link")).to_have_text(["甲的旧改"])  # A's own, unchanged

        b.page.click(".account form.logout button")
        expect(b.page).to_have_url(server + "/login")
        b.page.goto(server + "/saved")
        expect(b.page).to_have_url(server + "/login?next=/saved")
        assert a.errors == [] and b.errors == []
    finally:
        a.context.close()
        b.context.close()


def test_login_and_signed_in_pages_have_no_serious_accessibility_violations(browser, auth_server):
    tab = new_tab(browser, bypass_csp=True)
    try:
        page = tab.page
        page.goto(auth_server + "/login")
        assert serious_violations(page) == []
        shot(page, "auth-login.png")
        page.fill("#login-name", "reader_a")
        page.fill("#login-password", "wrong password")
        page.click(".login-form button")
        expect(page.locator(".login-error")).to_have_text("用户名或密码错误。")
        assert serious_violations(page) == []
        page.fill("#login-password", PASSWORD)
        page.click(".login-form button")
        for path in ("/search?q=老旧小区", "/saved"):
            page.goto(auth_server + path)
            assert serious_violations(page) == [], path
    finally:
        tab.context.close()
