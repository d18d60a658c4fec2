"""The web UI through Flask's test client: pages, fragments, links, exports, safety."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import shutil
import subprocess
import sys
import urllib.request
import xml.etree.ElementTree as ET
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest

from search.engines.embedded.archive import Archive
from search.engines.embedded.run import search
from search.query import SearchRequest, parse_query
from search.query.facet_values import rolled_up
from search.text.normalize import fold
from tests.conftest import S004
from tests.web_fixtures import (
    ROOT,
    csrf_token,
    facet_counts,
    facet_link,
    hit_ids,
    make_app,
    place_counts,
    soup,
    total_shown,
)
from web.exports import csv_cell


@pytest.fixture
def web_app(seeds_location, tmp_path):  # the engine as a parameter: these tests run on both
    """The app over the (read-only) seeds index of each engine; saved queries in a fresh file per test."""
    return make_app(seeds_location, tmp_path / "saved.sqlite3")


HX = {"HX-Request": "true"}
HX_RESTORE = {"HX-Request": "true", "HX-History-Restore-Request": "true"}


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query, keep_blank_values=True)


# -- full page, fragment, history restore --------------------------------------------


def test_home_is_the_empty_search_over_every_document(client, seeds_snapshot):
    page = soup(client.get("/"))
    assert total_shown(page) == len(seeds_snapshot.live)
    assert page.select_one("#q")["value"] == ""
    assert page.html["lang"] == "zh-CN"


def test_full_page_fragment_and_history_restore_are_told_apart(client):
    full = client.get("/search?q=老旧小区")
    fragment = client.get("/search?q=老旧小区", headers=HX)
    restore = client.get("/search?q=老旧小区", headers=HX_RESTORE)
    for response in (full, fragment, restore):
        assert response.status_code == 200
        assert "HX-Request" in response.headers["Vary"]
    assert soup(full).select_one("form#search-form") is not None
    assert soup(restore).select_one("form#search-form") is not None
    assert "<html" in restore.get_data(as_text=True)
    fragment_html = fragment.get_data(as_text=True)
    assert "<html" not in fragment_html and 'id="search-form"' not in fragment_html
    assert soup(fragment).select_one("#total").get_text() == soup(full).select_one("#total").get_text()
    # The fragment refreshes the mode switch out of band and never swaps the search box.
    assert soup(fragment).select_one("#mode-switch")["hx-swap-oob"] == "true"
    assert soup(fragment).select_one("#q") is None


def test_fragment_pushes_the_canonical_url(client):
    response = client.get("/search?q=老旧小区&mode=exact&from=&to=&sort=relevance&district=", headers=HX)
    assert response.headers["HX-Push-Url"] == "/search?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA"
    assert "HX-Push-Url" not in client.get("/search?q=老旧小区").headers


def test_search_box_keeps_state_in_hidden_fields_for_the_next_keystroke(client):
    page = soup(client.get("/search?q=老旧小区&district=中原区&year=2020&sort=newest&page=2"))
    hidden = [(i["name"], i["value"]) for i in page.select('.state input[type=hidden][form="search-form"]')]
    assert hidden == [("district", "中原区"), ("year", "2020"), ("sort", "newest")]
    search_box = page.select_one("#q")
    assert search_box["hx-trigger"] == "input changed delay:300ms, search"
    assert search_box["hx-include"] == "#search-form"
    assert search_box["hx-push-url"] == "true"
    assert page.select_one("form#search-form")["method"] == "get"


# -- facets, chips, sort, pager ---------------------------------------------------------


def test_facet_link_toggles_district_and_resets_page(client, seeds_snapshot):
    page = soup(client.get("/search?q=老旧小区&per_page=1&page=2"))
    link = facet_link(page, "district", "中原区")
    assert args_of(link) == [("q", "老旧小区"), ("district", "中原区"), ("per_page", "1")]
    narrowed = soup(client.get(link))
    expected = search(seeds_snapshot, SearchRequest(q="老旧小区", districts=("中原区",)))
    assert total_shown(narrowed) == expected.total
    assert [c.get_text(strip=True) for c in narrowed.select(".chip")] == ["区域：中原区×"]
    # The selected value's link removes it again.
    assert args_of(facet_link(narrowed, "district", "中原区")) == [("q", "老旧小区"), ("per_page", "1")]
    assert args_of(narrowed.select_one(".chip")["href"]) == [("q", "老旧小区"), ("per_page", "1")]


def test_facet_counts_are_the_library_counts_and_follow_the_query(client, seeds_snapshot):
    for q in ("", "老旧小区", "稳就业"):
        page = soup(client.get("/search", query_string={"q": q}))
        results = search(seeds_snapshot, SearchRequest(q=q))
        # 区域 is a hierarchy: each place counts the places below it (郑州市 its districts).
        assert place_counts(page) == rolled_up(results.facets["district"])
        assert facet_counts(page, "topic") == {f.value: f.count for f in results.facets["topic"]}
        assert facet_counts(page, "year") == {f"{f.value}年": f.count for f in results.facets["year"]}


def test_values_of_one_facet_are_ored_and_facets_are_anded(client, seeds_snapshot):
    page = soup(client.get("/search?district=中原区&district=二七区&year=2020"))
    expected = search(seeds_snapshot, SearchRequest(districts=("中原区", "二七区"), years=(2020,)))
    assert total_shown(page) == expected.total
    assert set(hit_ids(page)) == {h.id for h in expected.hits}
    # Other values of a facet with a selection are counted as if it had none (what adding them gives).
    without = search(seeds_snapshot, SearchRequest(years=(2020,)))
    assert place_counts(page) == rolled_up(without.facets["district"])


def test_selected_year_shows_its_months_with_toggle_links(client, seeds_snapshot):
    page = soup(client.get("/search?year=2020"))
    months = page.select(".facet-year .months a.facet-value")
    expected = search(seeds_snapshot, SearchRequest(years=(2020,))).facets["month"]
    assert [m.select_one(".label").get_text() for m in months] == [f"{int(f.value[5:])}月" for f in expected]
    assert args_of(months[0]["href"]) == [("year", "2020"), ("month", expected[0].value)]


def test_sort_links_keep_the_query_and_mark_the_active_sort(client):
    page = soup(client.get("/search?q=老旧小区&sort=oldest&page=2&per_page=1"))
    assert page.select_one(".sort.active").get_text() == "最早"
    links = {a.get_text(): args_of(a["href"]) for a in page.select("a.sort")}
    assert links == {
        "相关度": [("q", "老旧小区"), ("per_page", "1")],
        "最新": [("q", "老旧小区"), ("sort", "newest"), ("per_page", "1")],
    }


def test_pagination_links_cover_every_page(client, seeds_snapshot):
    total = search(seeds_snapshot, SearchRequest(q="老旧小区")).total
    assert total >= 3, "the seeds must give several pages for this test"
    first = soup(client.get("/search?q=老旧小区&per_page=1"))
    assert first.select_one(".pager .prev.disabled") is not None
    assert args_of(first.select_one(".pager a.next")["href"]) == [("q", "老旧小区"), ("page", "2"), ("per_page", "1")]
    numbers = [e.get_text() for e in first.select(".pager a, .pager strong")]
    assert numbers[0] == "1" and numbers[-2] == str(total) and numbers[-1] == "下一页"
    last = soup(client.get(f"/search?q=老旧小区&per_page=1&page={total}"))
    assert last.select_one(".pager .next.disabled") is not None
    assert args_of(last.select_one(".pager a.prev")["href"]) == [
        ("q", "老旧小区"),
        ("page", str(total - 1)),
        ("per_page", "1"),
    ]
    # The pages together show every hit once.
    seen = [hit_ids(soup(client.get(f"/search?q=老旧小区&per_page=1&page={n}")))[0] for n in range(1, total + 1)]
    assert len(set(seen)) == total


def test_hit_links_to_its_document_with_the_search_and_marks_snippets(client, seeds_snapshot):
    page = soup(client.get("/search?q=老旧小区&district=中原区"))
    expected = search(seeds_snapshot, SearchRequest(q="老旧小区", districts=("中原区",)))
    links = [a["href"] for a in page.select(".hit-title a")]
    assert links == [
        f"/doc/{h.id}?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA&district=%E4%B8%AD%E5%8E%9F%E5%8C%BA"
        for h in expected.hits
    ]
    marks = {m.get_text() for m in page.select(".snippet mark")}
    assert marks == {"老旧小区"}
    assert [s.select_one(".district").get_text() for s in page.select(".hit-meta")] == [
        h.district for h in expected.hits
    ]


# -- zero results, malformed queries ------------------------------------------------------


def test_zero_results_offer_words_mode_and_filter_removal_with_counts(client, seeds_snapshot):
    exact = search(seeds_snapshot, SearchRequest(q="小区老旧", districts=("中原区",)))
    words = search(seeds_snapshot, SearchRequest(q="小区老旧", mode="words", districts=("中原区",)))
    unfiltered = search(seeds_snapshot, SearchRequest(q="小区老旧"))
    assert exact.total == 0 and words.total > 0
    page = soup(client.get("/search?q=小区老旧&district=中原区"))
    assert "没有找到包含“小区老旧”的文档" in page.select_one(".empty-title").get_text()
    offers = [
        (a.get_text(), args_of(a["href"]), li.get_text())
        for li in page.select(".suggestions li")
        for a in li.select("a")
    ]
    expected = [
        (
            "改用分词匹配",
            [("q", "小区老旧"), ("mode", "words"), ("district", "中原区")],
            f"改用分词匹配：{words.total} 篇",
        )
    ]
    if unfiltered.total:
        expected.append(("去掉“区域：中原区”", [("q", "小区老旧")], f"去掉“区域：中原区”：{unfiltered.total} 篇"))
    assert offers == expected


def test_malformed_query_shows_how_it_was_read(client):
    response = client.get("/search", query_string={"q": '"老旧小区 OR'})
    assert response.status_code == 200
    page = soup(response)
    assert page.select_one(".read-as code").get_text() == parse_query('"老旧小区 OR').describe() == '"老旧小区 or"'
    assert [li.get_text() for li in page.select(".notes li")] == ["缺少右引号，已在末尾补上"]
    lone = soup(client.get("/search", query_string={"q": "OR - NOT"}))
    assert [li.get_text() for li in lone.select(".notes li")] == [
        "OR 前面没有词，已忽略",
        "单独的 - 已忽略",
        "末尾的 NOT 已忽略",
    ]


@pytest.mark.parametrize(
    "query, message",
    [
        ("page=abc", "page（页码）必须是 1 到 10000 之间的整数"),
        ("page=0", "page（页码）必须是 1 到 10000 之间的整数"),
        ("per_page=101", "per_page（每页条数）必须是 1 到 100 之间的整数"),
        ("year=20x0", "year（年份）必须是四位数字"),
        ("month=2020-13", "month（月份）必须形如 2020-07"),
        ("from=2020-13-45", "from（起始日期）无效"),
        ("to=yesterday", "to（截止日期）无效"),
        ("from=2021&to=2020", "起始日期 2021 晚于截止日期 2020"),
        ("mode=fuzzy", "mode 只能是 exact（精确匹配）或 words（分词匹配）"),
        ("sort=random", "sort 只能是 relevance（相关度）、newest（最新）或 oldest（最早）"),
        ("q=" + "长" * 1001, "查询过长：最多 1000 个字符，收到 1001 个"),
    ],
)
def test_bad_parameter_is_a_400_with_a_message(client, query, message):
    page = client.get("/search?" + query)
    assert page.status_code == 400
    assert message in soup(page).select_one(".error .message").get_text()
    twin = client.get("/search.json?" + query)
    assert twin.status_code == 400
    assert message in twin.get_json()["error"]


def test_bad_parameter_in_an_htmx_request_is_a_fragment(client):
    response = client.get("/search?page=x", headers=HX)
    assert response.status_code == 400
    assert "<html" not in response.get_data(as_text=True)
    assert "页码" in soup(response).select_one(".error .message").get_text()


# -- JSON and CSV ---------------------------------------------------------------------------


def test_json_twin_has_the_cli_schema(client, seeds_snapshot, engine_name):
    response = client.get("/search.json?q=老旧小区&district=中原区&per_page=2")
    assert response.mimetype == "application/json"
    data = response.get_json()
    expected = search(seeds_snapshot, SearchRequest(q="老旧小区", districts=("中原区",), per_page=2)).to_json()
    data.pop("took_ms"), expected.pop("took_ms")
    if engine_name == "opensearch":  # its BM25 scores are its own; everything else is the library's
        for hit in (*data["hits"], *expected["hits"]):
            assert hit.pop("score") > 0
    assert data == json.loads(json.dumps(expected))


def test_csv_exports_every_hit_as_text(client, seeds_snapshot):
    response = client.get("/search.csv?q=老旧小区&per_page=1&page=2")
    assert response.mimetype == "text/csv"
    assert response.headers["Content-Disposition"].startswith("attachment;")
    rows = list(csv.reader(io.StringIO(response.get_data(as_text=True).lstrip("\ufeff"))))
    expected = search(seeds_snapshot, SearchRequest(q="老旧小区", per_page=100))
    assert rows[0] == [
        "序号",
        "标题",
        "发文机关",
        "文号",
        "文种",
        "日期",
        "区域",
        "主题",
        "摘要",
        "链接",
        "来源文件",
        "编号",
    ]
    assert [r[1] for r in rows[1:]] == [h.title for h in expected.hits]
    assert [r[10] for r in rows[1:]] == [h.source for h in expected.hits]
    assert all("老旧小区" in r[8] and "<mark>" not in r[8] for r in rows[1:])
    assert [r[9] for r in rows[1:]] == [
        f"http://localhost/doc/{h.id}?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA" for h in expected.hits
    ]  # absolute: Excel opens them


@pytest.mark.parametrize(
    "cell, written",
    [
        ("=1+2", "'=1+2"),
        ("+cmd", "'+cmd"),
        ("-2", "'-2"),
        ("@SUM(A1)", "'@SUM(A1)"),
        ("\tx", "'\tx"),
        ("\rx", "'\rx"),
        ("老旧小区", "老旧小区"),
        ("", ""),
    ],
)
def test_csv_cell_guards_formula_injection(cell, written):
    assert csv_cell(cell) == written


# -- the document page -------------------------------------------------------------------------


def test_document_page_marks_every_occurrence_and_returns_to_the_results(client, seeds_snapshot):
    result = search(seeds_snapshot, SearchRequest(q="老旧小区"))
    hit = result.hits[0]
    response = client.get(f"/doc/{hit.id}?q=老旧小区&sort=newest")
    assert response.status_code == 200
    page = soup(response)
    docnum = next(n for n in seeds_snapshot.live if seeds_snapshot.document(n).id == hit.id)
    occurrences = fold(seeds_snapshot.document(docnum).title).count("老旧小区") + sum(
        fold(p).count("老旧小区") for p in seeds_snapshot.document(docnum).paragraphs
    )
    assert len(page.select(".document mark")) == occurrences
    assert {m.get_text() for m in page.select(".document mark")} == {"老旧小区"}
    assert page.select_one("#mark-position").get_text() == f"共 {occurrences} 处"
    assert [b.get_text() for b in page.select(".mark-nav button")] == ["上一处", "下一处"]
    assert page.select_one("a.back")["href"] == "/search?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA&sort=newest"
    assert page.select_one(".doc-meta").get_text(" ", strip=True).startswith(f"区域 {hit.district}")
    assert len(page.select(".doc-text p")) == len(seeds_snapshot.document(docnum).paragraphs)
    assert page.find("script", src="/static/doc.js") is not None


def test_document_page_of_a_split_page_lists_its_sibling_items(client, seeds_snapshot):
    items = sorted(
        (seeds_snapshot.document(n) for n in seeds_snapshot.live if seeds_snapshot.document(n).source == S004),
        key=lambda d: d.item,
    )
    assert len(items) > 1
    page = soup(client.get(f"/doc/{items[1].id}"))
    listed = page.select(".siblings li")
    assert [li.get_text(strip=True) for li in listed] == [d.title for d in items]
    assert listed[1].select_one("strong") is not None  # the current item, not a link
    assert [a["href"] for a in page.select(".siblings a")] == [f"/doc/{d.id}" for d in items if d.id != items[1].id]


def test_document_without_query_has_no_marks_and_one_file_download(client, seeds_snapshot):
    doc = seeds_snapshot.document(min(seeds_snapshot.live))
    page = soup(client.get(f"/doc/{doc.id}"))
    assert page.select(".document mark") == []
    download = page.select_one("a.download")
    assert download["href"] == f"/doc/{doc.id}/original"
    original = client.get(download["href"])
    assert original.status_code == 200
    assert original.data == (ROOT / "seeds" / doc.source).read_bytes()
    assert "attachment" in original.headers["Content-Disposition"]


@pytest.mark.parametrize(
    "path",
    [
        "/doc/nothing-0",
        "/doc/../../etc/passwd",
        "/doc/..%2f..%2fetc%2fpasswd",
        "/doc/..%2F..%2Fetc%2Fpasswd/original",
        "/doc/%2e%2e/original",
        "/static/../pyproject.toml",
        "/static/..%2fpyproject.toml",
        "/static/%2e%2e/%2e%2e/etc/passwd",
        "/saved/..%2fsaved.sqlite3",
        "/saved/nothing",
        "/saved/nothing.atom",
        "/index/SCHEMA_VERSION",
    ],
)
def test_path_traversal_and_unknown_paths_are_404(client, path):
    response = client.get(path)
    assert response.status_code == 404
    assert "找不到页面" in response.get_data(as_text=True)


def test_original_file_moved_outside_its_folder_is_not_served(writable_seeds, tmp_path):
    folder, index_dir = writable_seeds
    app = make_app(index_dir, tmp_path / "saved.sqlite3")
    snapshot = Archive(index_dir).snapshot()
    doc = snapshot.document(min(snapshot.live))
    target = folder / doc.source
    outside = tmp_path / "secret.txt"
    outside.write_text("secret", encoding="utf-8")
    target.unlink()
    os.symlink(outside, target)  # the indexed path now leads outside the indexed folder
    client = app.test_client()
    assert client.get(f"/doc/{doc.id}/original").status_code == 404
    assert soup(client.get(f"/doc/{doc.id}")).select_one("a.download") is None


# -- escaping of hostile documents and queries ---------------------------------------------------


def test_document_with_script_renders_inert_in_results_document_feed_and_csv(hostile_client, hostile_index):
    results = hostile_client.get("/search?q=老旧小区").get_data(as_text=True)
    assert "<script>alert" not in results and "<img src=x" not in results and "<b>" not in results
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;老旧小区改造通知" in results  # the title, escaped
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>老旧小区</mark>" in results  # a snippet: only <mark> is markup
    snapshot = Archive(hostile_index).snapshot()
    doc = next(snapshot.document(n) for n in snapshot.live if snapshot.document(n).title.startswith("<script>"))
    page = hostile_client.get(f"/doc/{doc.id}?q=老旧小区").get_data(as_text=True)
    assert "<script>alert" not in page and "<img src=x" not in page and "<b>粗体" not in page
    assert "&lt;b&gt;粗体&lt;/b&gt;" in page
    # Atom: the summary is HTML escaped once more inside the XML; parsed, it is escaped HTML with marks.
    token = csrf_token(hostile_client)
    hostile_client.post("/saved", data={"csrf_token": token, "name": "改造", "args": "q=老旧小区"})
    slug = re.search(r'href="/saved/([a-z0-9-]+)"', hostile_client.get("/saved").get_data(as_text=True)).group(1)
    feed = ET.fromstring(hostile_client.get(f"/saved/{slug}.atom").data)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    titles = [e.findtext("a:title", namespaces=ns) for e in feed.findall("a:entry", ns)]
    assert '<script>alert("x")</script>老旧小区改造通知' in titles  # plain text in XML: inert
    summaries = " ".join(e.findtext("a:summary", namespaces=ns) for e in feed.findall("a:entry", ns))
    assert "&lt;img src=x onerror=alert(1)&gt;<mark>老旧小区</mark>" in summaries
    assert "<img" not in summaries
    # CSV: text, with formula cells defused.
    rows = list(
        csv.reader(io.StringIO(hostile_client.get("/search.csv?q=老旧小区").get_data(as_text=True).lstrip("\ufeff")))
    )
    cells = [cell for row in rows[1:] for cell in row]
    assert "'=1+2 老旧小区公告" in cells
    assert not any(cell.startswith(("=", "+", "-", "@")) for cell in cells)


def test_query_with_html_is_escaped_everywhere(client):
    attack = '<img src=x onerror=alert(1)>"老旧小区'
    for path in ("/search", f"/doc/{hit_ids(soup(client.get('/search?q=老旧小区')))[0]}"):
        html = client.get(path, query_string={"q": attack}).get_data(as_text=True)
        assert "<img src=x" not in html
        assert "&lt;img src=x onerror=alert(1)&gt;" in html
    fragment = client.get("/search", query_string={"q": attack}, headers=HX).get_data(as_text=True)
    assert "<img src=x" not in fragment


def test_pages_forbid_inline_script_by_policy(client):
    policy = client.get("/").headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "'unsafe-inline'" not in policy
    assert client.get("/").headers["X-Content-Type-Options"] == "nosniff"


# -- CSRF and methods --------------------------------------------------------------------------------


def test_post_without_or_with_a_wrong_csrf_token_is_rejected(client):
    for data in ({"name": "x", "args": "q=老旧小区"}, {"name": "x", "args": "q=老旧小区", "csrf_token": "forged"}):
        response = client.post("/saved", data=data)
        assert response.status_code == 400
        assert "CSRF" in soup(response).select_one(".error .message").get_text()
    assert "还没有保存的查询" in client.get("/saved").get_data(as_text=True)
    token = csrf_token(client)
    assert client.post("/saved", data={"name": "x", "args": "q=老旧小区", "csrf_token": token}).status_code == 303


def test_csrf_token_of_another_session_is_rejected(web_app):
    first, second = web_app.test_client(), web_app.test_client()
    token = csrf_token(first)
    csrf_token(second)
    assert second.post("/saved", data={"name": "x", "args": "", "csrf_token": token}).status_code == 400


def test_wrong_method_is_a_405_page(client):
    response = client.delete("/search")
    assert response.status_code == 405
    assert "此地址不支持这种请求方式" in response.get_data(as_text=True)
    assert client.post("/search", data={"csrf_token": csrf_token(client)}).status_code == 405


def test_unexpected_error_is_a_friendly_500_without_details(seeds_index, tmp_path):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", TESTING=False, PROPAGATE_EXCEPTIONS=False)

    def broken():
        raise RuntimeError("secret detail")

    app.add_url_rule("/broken", "broken", broken)
    response = app.test_client().get("/broken")
    assert response.status_code == 500
    html = response.get_data(as_text=True)
    assert "服务器出错了" in html and "secret detail" not in html and "Traceback" not in html


# -- app set-up -----------------------------------------------------------------------------------------


def test_htmx_is_vendored_and_pinned_to_2_0_11(client):
    script = (ROOT / "web" / "static" / "htmx.min.js").read_text(encoding="utf-8")
    assert re.search(r'version:"([0-9.]+)"', script).group(1) == "2.0.11"
    assert soup(client.get("/")).find("script", src="/static/htmx.min.js") is not None
    assert client.get("/static/htmx.min.js").status_code == 200


def test_secret_key_is_kept_beside_the_index_across_restarts(writable_seeds, tmp_path):
    _, index_dir = writable_seeds
    first = make_app(index_dir, tmp_path / "saved.sqlite3", SECRET_KEY=None)
    second = make_app(index_dir, tmp_path / "saved.sqlite3", SECRET_KEY=None)
    assert first.config["SECRET_KEY"] == second.config["SECRET_KEY"]
    assert len(first.config["SECRET_KEY"]) == 64
    key_file = Path(index_dir) / "web-secret.key"
    assert key_file.read_text().strip() == first.config["SECRET_KEY"]
    assert oct(key_file.stat().st_mode & 0o777) == "0o600"
    assert not key_file.name.startswith(("MAIN_", "_MAIN_"))


def test_saved_queries_default_to_a_file_beside_the_index(writable_seeds):
    from web import create_app

    _, index_dir = writable_seeds
    app = create_app({"INDEX_DIR": str(index_dir), "SECRET_KEY": "x", "TESTING": True})
    assert app.config["SAVED_DB"] == str(Path(index_dir) / "saved.sqlite3")
    assert (Path(index_dir) / "saved.sqlite3").is_file()


def test_a_new_index_generation_is_served_without_restart(writable_seeds, tmp_path):
    from search.engines.embedded.commit import index_paths

    folder, index_dir = writable_seeds
    client = make_app(index_dir, tmp_path / "saved.sqlite3").test_client()
    before = total_shown(soup(client.get("/search?q=老旧小区")))
    (folder / "new.txt").write_text("新的报告\n\n老旧小区改造又有新进展。\n", encoding="utf-8")
    index_paths([folder], index_dir)
    assert total_shown(soup(client.get("/search?q=老旧小区"))) == before + 1


def test_search_serve_runs_waitress_on_localhost_and_prints_the_url(seeds_index, tmp_path):
    saved_copy = tmp_path / "index"
    shutil.copytree(seeds_index, saved_copy)  # serve writes its secret and saved queries beside the index
    process = subprocess.Popen(
        [sys.executable, "-m", "search.cli.main", "serve", "--index", str(saved_copy), "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(
            rf"serving {re.escape(str(saved_copy.resolve()))} at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n", line
        )
        assert match, line
        with urllib.request.urlopen(match.group(1) + "search?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA") as response:
            assert response.status == 200
            assert response.headers["Server"] == "waitress"
            assert 'id="total"' in response.read().decode("utf-8")
        assert (saved_copy / "web-secret.key").is_file() and (saved_copy / "saved.sqlite3").is_file()
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_search_serve_without_an_index_says_what_to_do(runner, tmp_path):
    from search.cli.main import main

    result = runner.invoke(main, ["serve", "--index", str(tmp_path / "nowhere")])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: no index in {tmp_path / 'nowhere'}",
        "hint: build it with `search index` (default: the seeds/ folder into index/)",
    ]
