"""Accessibility: axe-core (vendored from npm) run inside Chromium on every kind of page.

The bar is zero serious or critical violations.  The context bypasses our CSP
only so that the test can inject axe; the pages themselves are as served.
"""

from __future__ import annotations

import hashlib
import re

import pytest
from playwright.sync_api import expect

from search.engines.embedded.run import search
from search.query import SearchRequest
from tests.browser_fixtures import shot
from tests.web_fixtures import ROOT

AXE = ROOT / "tests" / "vendor" / "axe.min.js"
AXE_SHA256 = "29348999450cdf2849a8e70b7912fc2da85a849da39c0d0d5394f51d4a9ed95c"
RUN_AXE = """async () => {
  const result = await axe.run(document, {resultTypes: ["violations"]});
  return result.violations.map(v => ({id: v.id, impact: v.impact, nodes: v.nodes.map(n => n.target.join(" "))}));
}"""


def serious_violations(page) -> list[dict]:
    """Serious and critical violations, and the missing <h1> the probe reported (axe rates it moderate)."""
    page.add_script_tag(path=str(AXE))
    return [
        v for v in page.evaluate(RUN_AXE) if v["impact"] in ("serious", "critical") or v["id"] == "page-has-heading-one"
    ]


@pytest.fixture
def axe_page(browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900}, bypass_csp=True)
    yield context.new_page()
    context.close()


def test_axe_core_is_vendored_and_pinned_to_4_14_1():
    script = AXE.read_bytes()
    assert script.startswith(b"/*! axe v4.14.1\n")
    assert hashlib.sha256(script).hexdigest() == AXE_SHA256


@pytest.mark.parametrize(
    "path",
    [
        "/",
        "/search?q=老旧小区",
        "/search?q=老旧小区&district=中原区&year=2020",
        "/search?q=不存在的词语组合",
        "/search?q=老旧小区&district=中原区&year=1999",
        "/saved",
        "/doc/nothing-0",
        "/search?page=x",
        "/trend",
        "/trend?q=老旧小区&q=稳就业&per=district",
        "/trend?q=老旧小区&by=month&measure=per_mille",
        "/kwic?q=老旧小区",
        "/kwic?q=老旧小区&order=left",
        "/search?q=老旧小区改选",
        "/advanced",
        "/advanced?any_words=稳就业+保就业&none_words=疫情&preview=1",
        "/advanced?go=1",
        "/help",
    ],
)
def test_page_has_no_serious_or_critical_violations(axe_page, server, path):
    axe_page.goto(server + path)
    assert serious_violations(axe_page) == []


def test_document_page_and_saved_list_have_no_serious_or_critical_violations(axe_page, server):
    axe_page.goto(server + "/search?q=老旧小区")
    axe_page.click(".hit-title a >> nth=0")
    expect(axe_page.locator("h1.doc-title")).to_be_visible()
    assert serious_violations(axe_page) == []
    axe_page.goto(server + "/search?q=稳就业")
    axe_page.fill("form.save-form input[name=name]", "稳就业-无障碍")
    axe_page.click("form.save-form button")
    expect(axe_page.locator(".saved-table")).to_be_visible()
    assert serious_violations(axe_page) == []
    shot(axe_page, "a11y-saved.png")


def test_results_that_change_as_you_type_are_announced(axe_page, server, seeds_snapshot):
    axe_page.goto(server + "/")
    live = axe_page.locator("[aria-live=polite]#announce")
    expect(live).to_have_count(1)
    axe_page.locator("#q").press_sequentially("老旧小区", delay=40)
    total = search(seeds_snapshot, SearchRequest(q="老旧小区")).total
    expect(live).to_have_text(re.compile(f"共 {total} 篇"))


@pytest.mark.parametrize("path", ["/search?q=老旧小区", "/advanced", "/help", "/kwic?q=老旧小区", "/saved"])
def test_a_phone_sized_page_has_no_serious_or_critical_violations(browser, server, path):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844}, bypass_csp=True)
    page = context.new_page()
    page.goto(server + path)
    assert serious_violations(page) == []
    context.close()
