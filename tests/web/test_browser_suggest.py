"""Suggestions under the search box in Chromium, with the keyboard only (an ARIA combobox)."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from search.engines.embedded.run import search
from search.engines.embedded.suggest import suggest
from search.query import SearchRequest
from tests.browser_fixtures import shot


@pytest.fixture(scope="module")
def seeds_location(seeds_index):
    """The embedded engine only: the OpenSearch engine suggests nothing yet (search/engines/opensearch/cluster.py)."""
    return seeds_index


def test_suggestions_with_the_keyboard_only(tab, server, seeds_snapshot):
    page = tab.page
    page.goto(server + "/")
    box = page.locator("#q")
    expect(box).to_be_focused()
    expect(box).to_have_attribute("role", "combobox")
    expect(box).to_have_attribute("aria-expanded", "false")
    listbox = page.locator("#suggestions")
    expect(listbox).to_have_attribute("role", "listbox")

    page.keyboard.type("老旧", delay=60)
    expected = suggest(seeds_snapshot, "老旧")
    options = listbox.locator("[role=option]")
    expect(listbox).to_be_visible()
    expect(box).to_have_attribute("aria-expanded", "true")
    expect(options).to_have_count(len(expected))
    assert options.locator(".phrase").all_text_contents() == [s.phrase for s in expected]
    assert options.locator(".count").all_text_contents() == [f"{s.count} 篇" for s in expected]

    page.keyboard.press("ArrowDown")
    page.keyboard.press("ArrowDown")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-1")
    expect(options.nth(1)).to_have_attribute("aria-selected", "true")
    page.keyboard.press("ArrowUp")
    expect(box).to_have_attribute("aria-activedescendant", "suggestion-0")
    expect(options.nth(0)).to_have_attribute("aria-selected", "true")
    expect(options.nth(1)).to_have_attribute("aria-selected", "false")
    shot(page, "suggestions.png", full_page=False)

    page.keyboard.press("Enter")
    chosen = expected[0].phrase
    expect(listbox).to_be_hidden()
    expect(box).to_have_value(chosen)
    expect(box).to_be_focused()
    expect(page.locator("#total")).to_have_text(str(search(seeds_snapshot, SearchRequest(q=chosen)).total))
    expect(page).to_have_url(re.compile(r"/search\?q="))
    assert dict(re.findall(r"([^?&=]+)=([^&]*)", page.url)).get("q")

    page.keyboard.type(" 就", delay=60)
    expect(listbox).to_be_visible()
    page.keyboard.press("Escape")
    expect(listbox).to_be_hidden()
    expect(box).to_have_attribute("aria-expanded", "false")
    expect(box).to_have_value(chosen + " 就")
    assert tab.errors == []
