"""Fixtures and helpers for the real-browser tests: the production server (waitress) on a free port over
each engine's seeds index, Debian's Chromium through Playwright, tabs that fail on a console error.
Screenshots go to tests/artifacts/ (git-ignored)."""

from __future__ import annotations

import threading
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import sync_playwright
from waitress import create_server

from tests.web_fixtures import ROOT, make_app

CHROMIUM = Path("/usr/bin/chromium")
ARTIFACTS = ROOT / "tests" / "artifacts"
PHRASE = "老旧小区"


@pytest.fixture(scope="module")
def server(seeds_location, tmp_path_factory):
    """The app over each engine's seeds index (the engine is a parameter: these tests run on both)."""
    app = make_app(seeds_location, tmp_path_factory.mktemp("browser") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


@pytest.fixture(scope="module")
def browser():
    if not CHROMIUM.exists():
        pytest.fail(
            f"Chromium is missing ({CHROMIUM}): the browser tests need Debian's chromium and fonts-noto-cjk; "
            "install them with `make system-deps` (or run the README's `make test`, which does)",
            pytrace=False,
        )
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=str(CHROMIUM))
        yield launched
        launched.close()


class Tab:
    """A page plus the console errors and page errors it produced."""

    def __init__(self, context):
        self.context = context
        self.page = context.new_page()
        self.errors: list[str] = []
        self.page.on(
            "console", lambda m: self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
        )
        self.page.on("pageerror", lambda e: self.errors.append(f"page error: {e}"))


@pytest.fixture
def tab(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
    yield Tab(context)
    context.close()


@pytest.fixture
def tab_without_js(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, java_script_enabled=False)
    yield Tab(context)
    context.close()


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def shot(page, name: str, full_page: bool = True) -> None:
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    # caret="initial": hiding the caret would inject a <style>, which our CSP reports as an error.
    page.screenshot(path=str(ARTIFACTS / name), full_page=full_page, caret="initial")


def hit_titles(page) -> list[str]:
    return page.locator(".hit-title a").all_text_contents()
