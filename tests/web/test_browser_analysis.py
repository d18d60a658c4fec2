"""/trend and /kwic in a real Chromium: the chart, its table and its JSON agree; points and lines lead where they say.

The harness (waitress over the seeds index, Chromium, console errors collected)
is test_browser's.  Screenshots go to tests/artifacts/.
"""

from __future__ import annotations

import re
from urllib.parse import parse_qsl, urlsplit

from playwright.sync_api import expect

from search.engines.embedded.trend import trend
from tests.browser_fixtures import shot

TWO = "/trend?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA&q=%E7%A8%B3%E5%B0%B1%E4%B8%9A"  # 老旧小区, 稳就业


def table_of(page) -> list[list[str]]:
    return [row.locator("td").all_text_contents() for row in page.locator(".trend-table tbody tr").all()]


def check_trend_page(page, server) -> None:
    page.goto(server + TWO)
    series = page.locator("svg.trend-chart g.series")
    expect(series).to_have_count(2)
    assert [g.get_attribute("data-query") for g in series.all()] == ["老旧小区", "稳就业"]
    data = page.request.get(server + TWO.replace("/trend", "/trend.json")).json()
    assert table_of(page) == [[str(s["points"][i]["documents"]) for s in data["series"]] for i in range(5)]
    drawn = [
        [float(v) for v in g.locator("a.point").evaluate_all("els => els.map(e => e.dataset.value)")]
        for g in series.all()
    ]
    assert drawn == [[p["documents"] for p in s["points"]] for s in data["series"]]
    assert series.first.locator("circle title").first.text_content() == "老旧小区 · 2020年：2 篇（2 篇，7 次）"


def test_trend_chart_has_two_series_and_its_table_equals_the_json(tab, server):
    check_trend_page(tab.page, server)
    shot(tab.page, "trend.png")
    assert tab.errors == []


def test_clicking_a_point_lands_on_the_search_for_that_period(tab, server, seeds_snapshot):
    page = tab.page
    page.goto(server + TWO)
    page.locator("svg.trend-chart g.series").first.locator("a.point").first.click()
    expect(page).to_have_url(re.compile(r"/search\?"))
    assert parse_qsl(urlsplit(page.url).query) == [("q", "老旧小区"), ("year", "2020")]
    (series,) = trend(seeds_snapshot, ["老旧小区"]).series
    expect(page.locator("#total")).to_have_text(str(series.points[0].documents))
    assert tab.errors == []


def test_a_concordance_line_opens_the_document_at_that_occurrence(tab, server):
    page = tab.page
    page.goto(server + "/kwic?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA")
    expect(page.locator("tr.kwic-line")).to_have_count(8)
    shot(page, "kwic.png")
    line = page.locator("tr.kwic-line").nth(1)
    left = line.locator("td.left").text_content()
    line.locator("td.match a").click()
    # 1272: the document's title holds "……", two characters as written (NFKC made them six dots).
    expect(page).to_have_url(re.compile(r"/doc/[^?]+\?q=.+&at=1272#at$"))
    current = page.locator("mark.current")
    expect(current).to_have_attribute("id", "at")
    expect(page.locator("#mark-position")).to_have_text("第 2 / 4 处")
    expect(current).to_be_in_viewport()
    before = current.evaluate("m => m.previousSibling ? m.previousSibling.textContent : ''")
    assert left.replace("¶", "").endswith(before[-6:])
    assert tab.errors == []


def test_search_page_links_to_the_trend_with_its_query(tab, server):
    page = tab.page
    page.goto(server + "/search?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA")
    expect(page.locator("svg.sparkline")).to_be_visible()
    page.locator("a.trend-link").click()
    expect(page.locator("svg.trend-chart g.series")).to_have_count(1)
    page.go_back()
    page.locator("a.kwic-link").click()
    expect(page.locator("#total-occurrences")).to_have_text("8")
    assert tab.errors == []


def test_trend_and_concordance_work_without_javascript(tab_without_js, server):
    page = tab_without_js.page
    check_trend_page(page, server)
    page.locator("svg.trend-chart g.series").nth(1).locator("a.point").first.click()
    assert parse_qsl(urlsplit(page.url).query) == [("q", "稳就业"), ("year", "2020")]
    page.goto(server + "/kwic?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA&order=right")
    expect(page.locator("tr.kwic-line")).to_have_count(8)
    page.locator("tr.kwic-line td.match a").nth(5).click()
    expect(page.locator("mark#at")).to_be_in_viewport()
    page.goto(server + "/trend?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA&per=district&by=month")
    expect(page.locator(".heat tbody tr")).to_have_count(2)
    assert tab_without_js.errors == []
