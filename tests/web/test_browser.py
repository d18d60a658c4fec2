"""The web UI in a real Chromium (Debian's /usr/bin/chromium, driven by Playwright).

The server is the production one (waitress) on a free local port, over an index
built from seeds/ into a temporary folder.  Every test fails on a console error
or an uncaught page error.  Screenshots go to tests/artifacts/ (git-ignored).
"""

from __future__ import annotations

import re

from playwright.sync_api import expect

from search.engines.embedded.run import search
from search.query import SearchRequest
from tests.browser_fixtures import PHRASE, args_of, hit_titles, shot


def test_typing_updates_results_in_place_and_the_url(tab, server, seeds_snapshot):
    page = tab.page
    page.goto(server + "/")
    expect(page.locator("#total")).to_have_text(str(len(seeds_snapshot.live)))
    page.evaluate("window.stillTheSamePage = true")
    fragment_requests = []
    page.on("request", lambda r: fragment_requests.append(r.headers.get("hx-request")) if "/search" in r.url else None)
    page.locator("#q").press_sequentially(PHRASE, delay=40)
    expected = search(seeds_snapshot, SearchRequest(q=PHRASE))
    expect(page.locator("#total")).to_have_text(str(expected.total))
    expect(page).to_have_url(re.compile(r"/search\?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA$"))
    assert hit_titles(page) == [h.title for h in expected.hits]
    assert page.evaluate("window.stillTheSamePage") is True  # no reload
    assert fragment_requests and set(fragment_requests) == {"true"}
    # Focus and caret stay in the search box.
    assert page.evaluate("document.activeElement.id") == "q"
    assert page.evaluate("document.getElementById('q').selectionStart") == len(PHRASE)
    expect(page.locator(".snippet mark").first).to_have_text(PHRASE)
    assert tab.errors == []


def test_district_facet_narrows_hits_and_counts_and_back_restores(tab, server, seeds_snapshot):
    page = tab.page
    page.goto(server + f"/search?q={PHRASE}")
    before = search(seeds_snapshot, SearchRequest(q=PHRASE))
    after = search(seeds_snapshot, SearchRequest(q=PHRASE, districts=("中原区",)))
    assert after.total < before.total
    expect(page.locator("#total")).to_have_text(str(before.total))
    page.evaluate("window.stillTheSamePage = true")
    page.locator(".facet-district a.facet-value", has_text="中原区").click()
    expect(page.locator("#total")).to_have_text(str(after.total))
    expect(page.locator(".chip")).to_have_text(["区域：中原区×"])
    assert args_of(page.url) == [("q", PHRASE), ("district", "中原区")]
    assert hit_titles(page) == [h.title for h in after.hits]
    topic_counts = {
        li.locator(".label").text_content(): int(li.locator(".n").text_content())
        for li in page.locator(".facet-topic a.facet-value").all()
    }
    assert topic_counts == {f.value: f.count for f in after.facets["topic"]}
    assert page.evaluate("window.stillTheSamePage") is True
    shot(page, "search-page.png")

    page.go_back()
    expect(page.locator("#total")).to_have_text(str(before.total))
    expect(page.locator(".chip")).to_have_count(0)
    assert args_of(page.url) == [("q", PHRASE)]
    expect(page.locator("#q")).to_have_value(PHRASE)
    page.go_forward()
    expect(page.locator("#total")).to_have_text(str(after.total))
    expect(page.locator(".chip")).to_have_text(["区域：中原区×"])
    assert tab.errors == []


def test_mode_switch_runs_the_query_in_words_mode(tab, server, seeds_snapshot):
    page = tab.page
    page.goto(server + "/search?q=小区老旧")
    exact = search(seeds_snapshot, SearchRequest(q="小区老旧"))
    words = search(seeds_snapshot, SearchRequest(q="小区老旧", mode="words"))
    assert exact.total == 0 < words.total
    expect(page.locator(".suggestions a").first).to_have_text("改用分词匹配")
    page.get_by_label("分词匹配").check()
    expect(page.locator("#total")).to_have_text(str(words.total))
    assert args_of(page.url) == [("q", "小区老旧"), ("mode", "words")]
    expect(page.get_by_label("分词匹配")).to_be_checked()
    page.go_back()
    expect(page.locator("#total")).to_have_text("0")
    expect(page.get_by_label("精确匹配")).to_be_checked()
    assert tab.errors == []


def test_open_hit_marks_the_phrase_and_next_steps_through_occurrences(tab, server, seeds_snapshot):
    page = tab.page
    results_url = server + f"/search?q={PHRASE}&sort=newest"
    page.goto(results_url)
    expected = search(seeds_snapshot, SearchRequest(q=PHRASE, sort="newest"))
    counts = {}
    for hit in expected.hits:
        doc = next(seeds_snapshot.document(n) for n in seeds_snapshot.live if seeds_snapshot.document(n).id == hit.id)
        counts[hit.title] = sum(p.count(PHRASE) for p in (doc.title, *doc.paragraphs))
    title = max(counts, key=counts.get)  # the hit with the most occurrences
    total = counts[title]
    assert total >= 3
    page.locator(".hit-title a", has_text=title).click()
    expect(page).to_have_url(re.compile(r"/doc/"))
    marks = page.locator(".document mark")
    expect(marks).to_have_count(total)
    expect(page.locator("#mark-position")).to_have_text(f"第 1 / {total} 处")
    expect(marks.nth(0)).to_have_class("current")
    for k in range(2, total + 1):
        page.get_by_role("button", name="下一处").click()
        expect(page.locator("#mark-position")).to_have_text(f"第 {k} / {total} 处")
        expect(marks.nth(k - 1)).to_have_class("current")
        expect(marks.nth(k - 1)).to_be_in_viewport()
    assert page.evaluate("window.scrollY") > 0  # the last occurrences are further down: it scrolled
    shot(page, "document-page.png", full_page=False)  # the viewport: the bar and the current occurrence
    page.get_by_role("button", name="上一处").click()
    expect(page.locator("#mark-position")).to_have_text(f"第 {total - 1} / {total} 处")
    page.get_by_role("link", name="← 返回结果").click()
    assert args_of(page.url) == [("q", PHRASE), ("sort", "newest")]
    assert hit_titles(page) == [h.title for h in expected.hits]
    assert tab.errors == []


def test_saved_query_appears_in_the_list_and_its_link_shows_the_same_hits(tab, server):
    page = tab.page
    page.goto(server + f"/search?q={PHRASE}&district=中原区")
    titles = hit_titles(page)
    assert titles
    page.get_by_label("查询名称").fill("中原区旧改（浏览器）")
    page.get_by_role("button", name="保存查询").click()
    expect(page).to_have_url(re.compile(r"/saved\?added="))
    row = page.locator("tr.added")
    expect(row.locator("a.saved-link")).to_have_text("中原区旧改（浏览器）")
    expect(row.locator(".total")).to_have_text(str(len(titles)))
    row.locator("a.saved-link").click()
    expect(page).to_have_url(re.compile(r"/saved/[a-z0-9-]+$"))
    expect(page.locator(".saved-name")).to_have_text("中原区旧改（浏览器）")
    assert hit_titles(page) == titles
    shot(page, "saved-query.png")
    assert tab.errors == []


def test_the_same_search_works_with_javascript_off(tab_without_js, server, seeds_snapshot):
    page = tab_without_js.page
    page.goto(server + "/")
    page.locator("#q").fill(PHRASE)
    page.locator("#q").press("Enter")
    expected = search(seeds_snapshot, SearchRequest(q=PHRASE))
    expect(page.locator("#total")).to_have_text(str(expected.total))
    assert dict(args_of(page.url))["q"] == PHRASE
    page.locator(".facet-district a.facet-value", has_text="中原区").click()
    narrowed = search(seeds_snapshot, SearchRequest(q=PHRASE, districts=("中原区",)))
    expect(page.locator("#total")).to_have_text(str(narrowed.total))
    expect(page.locator(".chip")).to_have_text(["区域：中原区×"])
    # Typing a new query keeps the filter (the hidden fields belong to the form).
    page.locator("#q").fill("稳就业")
    page.get_by_role("button", name="搜索", exact=True).click()
    both = search(seeds_snapshot, SearchRequest(q="稳就业", districts=("中原区",)))
    expect(page.locator("#total")).to_have_text(str(both.total))
    assert ("district", "中原区") in args_of(page.url)
    page.get_by_label("分词匹配").check()
    page.get_by_role("button", name="搜索", exact=True).click()
    assert ("mode", "words") in args_of(page.url)
    assert tab_without_js.errors == []
