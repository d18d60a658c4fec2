"""/compare, /emerging and the trend's smoothing in a real Chromium, over the 2016-2024 reports.

The harness (Chromium, console errors collected, screenshots in tests/artifacts/) is test_browser's;
the server is waitress over the reports of tests/keyness_fixtures.
"""

from __future__ import annotations

import re
import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from playwright.sync_api import expect
from waitress import create_server

from tests.browser_fixtures import shot
from tests.web.test_accessibility import serious_violations
from tests.web_fixtures import make_app


@pytest.fixture(scope="module")
def reports_server(year_reports, tmp_path_factory):
    index_dir, _ = year_reports
    app = make_app(index_dir, tmp_path_factory.mktemp("browser-compare") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=4)
    thread = threading.Thread(target=wsgi.run, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


def test_comparing_2024_with_2023_in_the_form_fills_the_table_in_place(tab, reports_server):
    page = tab.page
    page.goto(reports_server + "/compare")
    page.evaluate("window.stillTheSamePage = true")
    page.fill("input[name='a.year']", "2024")
    page.fill("input[name='b.year']", "2023")
    page.locator("#compare-form button.go").click()
    rows = page.locator("table.keyness-table tbody tr")
    expect(rows.first).to_be_visible()
    expect(page).to_have_url(re.compile(r"/compare\?"))
    assert ("a.year", "2024") in parse_qsl(urlsplit(page.url).query)
    assert page.evaluate("window.stillTheSamePage") is True  # htmx swapped the result in, no reload
    data = page.request.get(reports_server + "/compare.json?a.year=2024&b.year=2023").json()
    assert rows.locator("th.phrase").all_text_contents() == [p["phrase"] for p in data["phrases"]]
    assert "全部文档 · 2024年" in page.locator(".compare-summary").inner_text()
    shot(page, "compare-2024-2023.png")
    page.locator("table.keyness-table tbody tr").first.locator("a.kwic-a").click()
    expect(page.locator("tr.kwic-line").first).to_be_visible()
    phrase = data["phrases"][0]["phrase"]
    expect(page.locator("tr.kwic-line td.match").first).to_have_text(phrase)
    assert tab.errors == []


def test_a_bad_year_is_said_in_place_and_the_form_keeps_what_was_typed(tab, reports_server):
    page = tab.page
    page.goto(reports_server + "/compare")
    page.fill("input[name='a.year']", "20x4")
    page.fill("input[name='a.q']", "发展")
    page.locator("#compare-form button.go").click()
    expect(page.locator("#compare-result section.error")).to_contain_text("A 侧：year（年份）必须是四位数字")
    assert page.input_value("input[name='a.q']") == "发展"
    page.fill("input[name='a.year']", "2024")
    page.locator("#compare-form button.go").click()
    expect(page.locator("table.keyness-table tbody tr").first).to_be_visible()
    shot(page, "compare-query-2024.png")
    # The 400 is an answer, not a failure of the page; nothing else went wrong.
    assert [e for e in tab.errors if "400" not in e] == []


def test_the_b_side_and_the_sort_links_and_the_method_notes(tab, reports_server):
    page = tab.page
    page.goto(reports_server + "/compare?a.year=2024&b.year=2023")
    page.get_by_role("link", name="B 侧多用").click()
    expect(page.locator("nav.sorts strong").first).to_have_text("B 侧多用")
    page.get_by_role("link", name="对数比").click()
    ratios = [float(t) for t in page.locator("table.keyness-table tbody tr td:nth-child(4)").all_text_contents()]
    assert ratios == sorted(ratios) and all(r <= 0 for r in ratios)
    page.locator("details.method summary").click()
    expect(page.locator("details.method")).to_contain_text("Dunning G²")
    assert tab.errors == []


def test_emerging_terms_and_a_smoothed_trend(tab, reports_server):
    page = tab.page
    page.goto(reports_server + "/emerging?period=2024&min_freq=3")
    expect(page.locator("table.emerging-table tbody tr").first).to_be_visible()
    shot(page, "emerging-reports-2024.png")
    page.goto(reports_server + "/trend?q=%E6%94%B9%E9%9D%A9")  # 改革
    page.select_option("select[name='smooth']", "2")
    page.locator("form.analysis-form button.go").click()
    expect(page.locator("p.smoothed")).to_contain_text("前后各 2 期")
    shot(page, "trend-smoothed.png")
    assert tab.errors == []


@pytest.mark.parametrize(
    "path",
    [
        "/compare",
        "/compare?a.year=2024&b.year=2023",
        "/emerging?period=2024&min_freq=3",
        "/trend?q=%E6%94%B9%E9%9D%A9&smooth=1",
    ],
)
def test_the_pages_have_no_serious_or_critical_accessibility_violations(axe_page, reports_server, path):
    axe_page.goto(reports_server + path)
    assert serious_violations(axe_page) == []
