"""The facet sidebar a person can use (issue 22): 区域 as a hierarchy with the home area first and
open, at most ten values a facet with the rest behind 更多 and a filter box, the last ten years, and
on a phone the results first. Every count shown is what clicking it gives."""

from __future__ import annotations

import threading
from urllib.parse import parse_qsl, urlsplit

import pytest
from click.testing import CliRunner
from playwright.sync_api import expect, sync_playwright
from waitress import create_server

from search.cli.main import main
from search.engines.embedded.commit import index_paths
from search.meta.places import children
from tests.web_fixtures import make_app, soup
from web.facet_lists import SHOWN

ZHENGZHOU = children("郑州市")  # 16 districts, counties and zones
# Each of Zhengzhou's places gets documents, 二七区 the fewest (so it sits behind 更多); a few
# documents elsewhere; years 2010-2025 (sixteen, six of them folded).
FEW = {"二七区": 1}


def corpus_rows() -> list[tuple[str, str, str]]:
    rows = []
    for n, place in enumerate(ZHENGZHOU):
        rows.extend(
            (place, f"{2010 + (n + k) % 16}-03-01", f"{place}关于老旧小区改造的通知")
            for k in range(FEW.get(place, 2 + n % 3))
        )
    rows += [
        ("郑州市", "2024-05-01", "郑州市老旧小区改造方案"),
        ("北京市", "2023-01-02", "北京市老旧小区改造"),
        ("全国", "2022-02-02", "国务院办公厅关于老旧小区改造的意见"),
        ("洛阳市", "2021-06-01", "洛阳市老旧小区改造"),
    ]
    return rows


@pytest.fixture(scope="module")
def places_index(tmp_path_factory):
    folder = tmp_path_factory.mktemp("places") / "docs"
    folder.mkdir()
    lines = ["filename\ttitle\tdistrict\tdate"]
    for i, (place, day, title) in enumerate(corpus_rows()):
        (folder / f"{i:03d}.txt").write_text(
            f"{title}\n\n为推进老旧小区改造，现就有关事项通知如下。\n", encoding="utf-8"
        )
        lines.append(f"{i:03d}.txt\t{title}\t{place}\t{day}")
    (folder / "manifest.tsv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    index_dir = tmp_path_factory.mktemp("places-index")
    index_paths([folder], index_dir)
    return index_dir


@pytest.fixture
def places_client(places_index, tmp_path):
    return make_app(places_index, tmp_path / "saved.sqlite3").test_client()


def truth(place: str) -> int:
    """How many documents of the corpus lie in ``place`` or below it."""
    from search.meta.places import within

    inside = set(within(place))
    return sum(1 for p, _, _ in corpus_rows() if p in inside)


def labels(nodes) -> list[str]:
    return [a.select_one(".label").get_text(strip=True) for a in nodes]


def counts(nodes) -> dict[str, int]:
    return {a.select_one(".label").get_text(strip=True): int(a.select_one(".n").get_text()) for a in nodes}


def total(page) -> int:
    return int(page.select_one("#total").get_text())


def test_home_area_is_listed_first_and_open_with_its_places(places_client):
    page = soup(places_client.get("/search"))
    section = page.select_one("section.facet-district")
    first = section.select_one("ul > li")
    assert "home" in first["class"]
    assert labels(first.select(":scope > a.facet-value")) == ["郑州市"]
    assert counts(first.select(":scope > a.facet-value")) == {"郑州市": truth("郑州市")}
    places = first.select(":scope > ul.places a.facet-value")
    assert len(places) == 6
    assert all(counts(places)[p] == truth(p) for p in labels(places))
    # Ten values at most in the facet: the home area, its six places, three others; the rest behind 更多.
    assert len(section.select(":scope > ul > li > a.facet-value")) + len(places) == SHOWN
    behind = labels(first.select("details.more a.facet-value"))
    assert "二七区" in behind and len(behind) == len(ZHENGZHOU) - 6
    assert section.select_one("details.more input.facet-filter")["aria-label"] == "在郑州市中查找"


def test_every_count_shown_is_what_its_click_gives(places_client):
    for url in ("/search", "/search?district=郑州市", "/search?district=河南省"):
        page = soup(places_client.get(url))
        for link in page.select("section.facet-district a.facet-value:not(.selected)"):
            clicked = soup(places_client.get(link["href"]))
            assert total(clicked) == int(link.select_one(".n").get_text()), link["href"]


def test_a_city_opens_one_level_down_with_a_trail_back_up(places_client):
    page = soup(places_client.get("/search?district=郑州市"))
    assert total(page) == truth("郑州市")
    trail = page.select(".facet-district .place-trail a, .facet-district .place-trail strong")
    assert [t.get_text() for t in trail] == ["全部区域", "河南省", "郑州市"]
    assert [dict(parse_qsl(urlsplit(a["href"]).query)).get("district") for a in trail[:2]] == [None, "河南省"]
    shown = page.select(".facet-district > ul > li > a.facet-value")
    hidden = page.select(".facet-district > details.more a.facet-value")
    assert len(shown) == SHOWN and set(labels(shown + hidden)) == set(ZHENGZHOU)
    # Going down replaces the place above it: 郑州市 -> 中原区, not 郑州市 OR 中原区.
    link = next(a for a in shown + hidden if a.select_one(".label").get_text() == "中原区")
    assert parse_qsl(urlsplit(link["href"]).query) == [("district", "中原区")]


def test_a_district_without_places_below_shows_its_siblings_selected(places_client):
    page = soup(places_client.get("/search?district=二七区"))
    assert total(page) == 1
    selected = page.select(".facet-district a.facet-value.selected")
    assert labels(selected) == ["二七区"]
    assert parse_qsl(urlsplit(selected[0]["href"]).query) == []  # its link removes it


def test_the_year_facet_shows_the_last_ten_years_and_folds_the_rest(places_client):
    page = soup(places_client.get("/search"))
    shown = labels(page.select(".facet-year > ul > li > a.facet-value"))
    assert shown == [f"{y}年" for y in range(2025, 2015, -1)]
    assert labels(page.select(".facet-year details.more a.facet-value")) == [f"{y}年" for y in range(2015, 2009, -1)]


def test_the_home_area_comes_from_the_servers_configuration(places_index, tmp_path):
    client = make_app(places_index, tmp_path / "saved.sqlite3", HOME_AREA="河南省").test_client()
    first = soup(client.get("/search")).select_one("section.facet-district > ul > li")
    assert labels(first.select(":scope > a.facet-value")) == ["河南省"]
    assert labels(first.select(":scope > ul.places a.facet-value")) == ["郑州市", "洛阳市"]


def test_serve_refuses_a_home_area_the_gazetteer_does_not_know(places_index):
    result = CliRunner().invoke(main, ["serve", "--index", str(places_index), "--home", "火星"])
    assert result.exit_code == 1
    assert result.output.splitlines()[0] == "error: --home '火星' is no place of the gazetteer"


# -- in Chromium ----------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def places_server(places_index, tmp_path_factory):
    app = make_app(places_index, tmp_path_factory.mktemp("places-web") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=wsgi.run, daemon=True).start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


@pytest.fixture(scope="module")
def chromium():
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        yield browser
        browser.close()


def test_typing_in_the_more_list_narrows_it(chromium, places_server):
    page = chromium.new_page(viewport={"width": 1366, "height": 900})
    page.goto(places_server + "/search")
    more = page.locator(".facet-district li.home details.more")
    more.locator("summary").click()
    more.locator("input.facet-filter").fill("二七")
    expect(more.locator("li:visible .label")).to_have_text(["二七区"])
    more.locator("input.facet-filter").fill("")
    expect(more.locator("li:visible")).to_have_count(len(ZHENGZHOU) - 6)
    page.close()


def test_a_phone_shows_the_results_first_and_the_facets_behind_filters(chromium, places_server):
    page = chromium.new_page(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True)
    page.goto(places_server + "/search")
    expect(page.locator(".sidebar")).to_be_hidden()
    first_hit = page.locator("ol.hits > li").first
    assert first_hit.bounding_box()["y"] < 844  # the first result is on the first screen
    page.locator(".filters-button").click()
    expect(page.locator(".sidebar")).to_be_visible()
    page.close()
