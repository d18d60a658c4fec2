"""The layout in a real Chromium at an office screen (1366×900) and a phone (390×844), issue 23.

No button label wraps (each button's text is one line box); no page is wider than
the screen; on a phone the hits start within the first screen, the concordance
keeps its columns (the lines scroll sideways, 常见搭配 below them) and the saved
list's 删除 is on screen.  The keyboard: a skip link to the hits, j/k between
hits.  Screenshots of each page at each size go to tests/artifacts/.
"""

from __future__ import annotations

import threading

import pytest
from playwright.sync_api import expect
from waitress import create_server

from search.query import SearchRequest
from tests.browser_fixtures import shot
from tests.web_fixtures import make_app

SIZES = {"desktop": (1366, 900), "phone": (390, 844)}
PAGES = {
    "home": "/",
    "results": "/search?q=老旧小区",
    "zero": "/search?q=老旧小区改选",
    "advanced": "/advanced?any_words=稳就业+保就业&preview=1",
    "help": "/help",
    "trend": "/trend?q=老旧小区&q=稳就业&per=district",
    "kwic": "/kwic?q=发展",
    "saved": "/saved",
}
# Each button-like control: the number of line boxes its label takes.
LABEL_LINES = """() => Array.from(document.querySelectorAll("button, .go, label.mode, label.variants-switch, .pager a, .chip"))
  .filter(el => el.offsetParent !== null)
  .map(el => {
    const tops = new Set();
    const walker = document.createTreeWalker(el, NodeFilter.SHOW_TEXT);
    for (let node = walker.nextNode(); node; node = walker.nextNode()) {
      if (!node.textContent.trim()) { continue; }
      const range = document.createRange();
      range.selectNodeContents(node);
      for (const r of range.getClientRects()) { if (r.width > 0) { tops.add(Math.round(r.top)); } }
    }
    return {label: el.textContent.trim(), lines: tops.size};
  })"""


@pytest.fixture(scope="module")
def layout_server(seeds_index, tmp_path_factory):
    """The app over the seeds (embedded engine), with one saved query of a long name."""
    app = make_app(seeds_index, tmp_path_factory.mktemp("layout") / "saved.sqlite3", TESTING=False)
    app.extensions["saved_queries"].add(
        "老旧小区改造·中原区·二〇二〇年以来的全部文件", SearchRequest(q="老旧小区改造", districts=("中原区",))
    )
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=wsgi.run, daemon=True).start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


@pytest.fixture(params=list(SIZES))
def sized(browser, request):
    width, height = SIZES[request.param]
    context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))
    yield request.param, page, errors
    assert errors == []
    context.close()


@pytest.mark.parametrize("name", list(PAGES))
def test_no_button_label_wraps_and_no_page_is_wider_than_the_screen(layout_server, sized, name):
    size, page, _ = sized
    page.goto(layout_server + PAGES[name])
    wrapped = [b for b in page.evaluate(LABEL_LINES) if b["lines"] > 1]
    assert wrapped == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shot(page, f"layout-{name}-{size}.png")


def test_the_document_page_has_no_wrapped_button_and_fits(layout_server, sized):
    size, page, _ = sized
    page.goto(layout_server + "/search?q=老旧小区")
    page.click(".hit-title a >> nth=0")
    expect(page.locator("#next-mark")).to_be_visible()
    assert [b for b in page.evaluate(LABEL_LINES) if b["lines"] > 1] == []
    assert page.evaluate("document.documentElement.scrollWidth") <= page.viewport_size["width"]
    shot(page, f"layout-doc-{size}.png", full_page=False)


def test_on_a_phone_the_hits_start_within_the_first_screen(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(layout_server + "/search?q=老旧小区")
    first = page.locator("ol.hits .hit").first.bounding_box()
    assert first["y"] + 60 < 844  # its title and meta line at least
    context.close()


def test_on_a_phone_the_concordance_keeps_its_columns_and_collocates_come_below(layout_server, browser):
    widths = {}
    for size, (width, height) in SIZES.items():
        context = browser.new_context(locale="zh-CN", viewport={"width": width, "height": height})
        page = context.new_page()
        page.goto(layout_server + "/kwic?q=发展")
        widths[size] = {
            c: page.locator(f".kwic th.{c}").bounding_box()["width"] for c in ("left", "match", "right", "source")
        }
        table = page.locator("table.kwic").bounding_box()
        collocates = page.locator(".collocates").bounding_box()
        overlap = not (
            collocates["y"] >= table["y"] + table["height"]
            or collocates["x"] >= table["x"] + table["width"]
            or collocates["x"] + collocates["width"] <= table["x"]
        )
        assert not overlap, size
        if size == "phone":
            assert collocates["y"] >= table["y"] + table["height"]
            scroller = page.locator(".kwic-column")
            assert scroller.evaluate("el => el.scrollWidth > el.clientWidth")  # the line scrolls sideways
        context.close()
    assert widths["phone"]["match"] == pytest.approx(widths["desktop"]["match"], abs=1)
    assert widths["phone"]["source"] == pytest.approx(widths["desktop"]["source"], abs=1)
    assert min(widths["phone"]["left"], widths["phone"]["right"]) >= 180  # about a dozen characters a side


def test_on_a_phone_the_saved_list_shows_every_action_delete_included(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(layout_server + "/saved")
    delete = page.locator("a.delete").first
    expect(delete).to_be_visible()
    box = delete.bounding_box()
    assert box["x"] >= 0 and box["x"] + box["width"] <= 390
    assert page.evaluate("document.documentElement.scrollWidth") <= 390
    delete.scroll_into_view_if_needed()
    shot(page, "layout-saved-phone-delete.png", full_page=False)
    context.close()


def test_the_first_tab_stop_is_a_skip_link_to_the_hits(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(layout_server + "/search?q=老旧小区")
    first = page.evaluate("""() => Array.from(document.querySelectorAll("a[href], button, input, select, textarea"))
        .find(el => el.tabIndex >= 0).textContent""")
    assert first == "跳到检索结果"
    page.focus("a.skip-link >> nth=0")
    expect(page.locator("a.skip-link").first).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.hit-title') !== null")
    context.close()


def test_from_the_search_box_the_first_hit_is_a_few_tab_presses_away(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(layout_server + "/search?q=老旧小区")
    page.focus("#q")
    presses = 0
    while page.evaluate("document.activeElement.textContent") != "跳到检索结果":
        page.keyboard.press("Tab")
        presses += 1
        assert presses < 10
    expect(page.locator("a.skip-inline")).to_be_in_viewport()
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    assert page.evaluate("document.activeElement.closest('.hit-title') !== null")
    assert presses + 2 <= 9  # was 79 (issue 23)
    context.close()


def test_j_and_k_and_the_arrows_move_between_hits(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(layout_server + "/search?q=发展")
    titles = page.locator("ol.hits .hit-title a").all_text_contents()
    assert len(titles) >= 3
    page.locator("h1").first.evaluate("el => document.activeElement.blur()")
    page.keyboard.press("j")
    assert page.evaluate("document.activeElement.textContent") == titles[0]
    page.keyboard.press("j")
    page.keyboard.press("ArrowDown")
    assert page.evaluate("document.activeElement.textContent") == titles[2]
    page.keyboard.press("k")
    assert page.evaluate("document.activeElement.textContent") == titles[1]
    page.keyboard.press("ArrowUp")
    assert page.evaluate("document.activeElement.textContent") == titles[0]
    page.locator("#q").focus()
    page.keyboard.press("End")
    page.keyboard.press("j")  # typed into the box, not a jump
    assert page.locator("#q").input_value() == "发展j"
    context.close()


def test_j_and_n_step_to_the_next_occurrence_on_the_document_page(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(layout_server + "/search?q=老旧小区")
    page.click(".hit-title a >> nth=0")
    expect(page.locator("#mark-position")).to_contain_text("第 1 /")
    page.keyboard.press("j")
    expect(page.locator("#mark-position")).to_contain_text("第 2 /")
    page.keyboard.press("k")
    expect(page.locator("#mark-position")).to_contain_text("第 1 /")
    context.close()


def test_the_advanced_form_previews_its_query_while_it_is_filled_in(layout_server, browser):
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(layout_server + "/advanced")
    page.fill("#adv-any", "稳就业 保就业")
    page.fill("#adv-none", "疫情")
    expect(page.locator("#built-query")).to_have_text("稳就业 OR 保就业 -疫情")
    expect(page.locator("#built-read-as")).to_have_text("理解为 (稳就业 OR 保就业) AND NOT 疫情")
    page.click("button.go")
    expect(page.locator("#q")).to_have_value("稳就业 OR 保就业 -疫情")
    shot(page, "advanced-submitted.png")
    context.close()


def test_initials_typed_in_the_box_offer_the_phrase_and_choosing_it_searches_it(layout_server, browser, seeds_snapshot):
    from search.engines.embedded.suggest import suggest

    context = browser.new_context(locale="zh-CN", viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.goto(layout_server + "/")
    for _ in range(50):  # the server builds its suggestions in the background
        if page.request.get(layout_server + "/suggest?q=fgf").json()["suggestions"]:
            break
        page.wait_for_timeout(200)
    page.locator("#q").focus()
    page.keyboard.type("fgf", delay=60)
    options = page.locator("#suggestions [role=option]")
    expected = suggest(seeds_snapshot, "fgf")
    phrases = [e.phrase for e in expected]
    assert "放管服" in phrases and "复工复产" in phrases  # fgf: both read f-g-f
    expect(options).to_have_count(len(expected))
    assert options.locator(".phrase").all_text_contents() == phrases
    assert options.locator(".count").all_text_contents() == [f"{e.count} 篇" for e in expected]
    shot(page, "suggest-initials-phone.png", full_page=False)
    for _ in range(phrases.index("放管服") + 1):
        page.keyboard.press("ArrowDown")
    page.keyboard.press("Enter")
    expect(page.locator("#q")).to_have_value("放管服")
    expect(page.locator("#total")).to_have_text(str(expected[phrases.index("放管服")].count))
    context.close()
