"""/trend and /kwic over the seeds: the chart, the table and the JSON agree; links lead where they say."""

from __future__ import annotations

import csv
import io
import json
from urllib.parse import parse_qsl, urlsplit

import pytest

from search.engines.embedded.run import search
from search.engines.embedded.trend import trend
from search.query import SearchRequest
from tests.web_fixtures import make_app, soup, total_shown


@pytest.fixture
def web_app(seeds_location, tmp_path):
    """The app over the (read-only) seeds index of each engine: these tests run on both."""
    return make_app(seeds_location, tmp_path / "saved.sqlite3")


def args_of(url: str) -> list[tuple[str, str]]:
    return parse_qsl(urlsplit(url).query)


def test_trend_page_draws_one_series_per_query_and_the_table_equals_the_json(client):
    page = soup(client.get("/trend?q=老旧小区&q=稳就业"))
    data = client.get("/trend.json?q=老旧小区&q=稳就业").get_json()
    series = page.select("svg.trend-chart g.series")
    assert [g["data-query"] for g in series] == ["老旧小区", "稳就业"]
    assert [len(g.select("circle")) for g in series] == [5, 5]
    assert [[float(a["data-value"]) for a in g.select("a.point")] for g in series] == [
        [p["documents"] for p in s["points"]] for s in data["series"]
    ]
    rows = [[td.get_text(strip=True) for td in tr.select("td")] for tr in page.select(".trend-table tbody tr")]
    assert rows == [[str(s["points"][i]["documents"]) for s in data["series"]] for i in range(5)]
    assert [th.get_text(strip=True) for th in page.select(".trend-table tbody th")] == [
        "2020年",
        "2021年",
        "2022年",
        "2023年",
        "2024年",
    ]
    assert page.select_one("svg.trend-chart title").get_text().startswith("老旧小区、稳就业")
    assert page.select("g.series circle title")[0].get_text() == "老旧小区 · 2020年：2 篇（2 篇，7 次）"


def test_a_point_links_to_the_search_narrowed_to_its_period(client):
    page = soup(client.get("/trend?q=老旧小区&district=中原区"))
    first_point = page.select("g.series a.point")[0]["href"]
    assert args_of(first_point) == [("q", "老旧小区"), ("district", "中原区"), ("year", "2020")]
    results = soup(client.get(first_point))
    assert total_shown(results) == 1


def test_trend_by_month_measures_occurrences_and_counts_undated_apart(client):
    page = soup(client.get("/trend?q=老旧小区&by=month&measure=occurrences"))
    assert [th.get_text(strip=True) for th in page.select(".trend-table tbody th")] == ["2020年8月"]
    assert page.select_one(".trend-table tbody td").get_text(strip=True) == "3"
    assert page.select_one(".trend-table tr.undated td").get_text(strip=True) == "2 篇"
    point = page.select_one("g.series a.point")["href"]
    assert ("month", "2020-08") in args_of(point)


def test_per_district_table_has_first_appearance_and_shaded_cells(client):
    page = soup(client.get("/trend?q=老旧小区&per=district"))
    rows = page.select(".heat tbody tr")
    assert [(r.th.get_text(strip=True), r.select_one("td.first").get_text(strip=True)) for r in rows] == [
        ("中原区", "2020年"),
        ("郑东新区", "2020年8月8日"),
    ]
    first_cells = rows[0].select("td.num")[1:]
    assert [c["class"][1] for c in first_cells] == ["shade-5", "shade-0", "shade-0", "shade-0", "shade-5"]
    link = first_cells[0].a["href"]
    assert ("district", "中原区") in args_of(link) and ("year", "2020") in args_of(link)


def test_trend_csv_has_every_period_and_the_undated_row(client):
    response = client.get("/trend.csv?q=老旧小区&by=month")
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff")
    assert list(csv.reader(io.StringIO(text[1:]))) == [
        ["query", "district", "period", "documents", "occurrences", "per_mille"],
        ["老旧小区", "", "2020-08", "1", "3", "500.0"],
        ["老旧小区", "", "undated", "2", "5", ""],
    ]


def test_trend_bad_parameters_get_a_400_in_chinese(client):
    assert "by 只能是" in client.get("/trend?q=稳就业&by=week").get_data(as_text=True)
    assert client.get("/trend.json").status_code == 400
    assert "最多比较 6 个查询" in client.get("/trend?" + "&".join(f"q={c}" for c in "一二三四五六七")).get_data(
        as_text=True
    )
    assert client.get("/trend?q=稳就业&measure=x").status_code == 400


def test_trend_page_without_a_query_shows_the_form(client):
    page = soup(client.get("/trend"))
    assert len(page.select("input[name=q]")) == 6
    assert page.select_one("svg.trend-chart") is None


def test_kwic_page_lists_every_occurrence_and_its_total_equals_the_trends(client, seeds_snapshot):
    page = soup(client.get("/kwic?q=老旧小区"))
    (series,) = trend(seeds_snapshot, ["老旧小区"]).series
    assert page.select_one("#total-occurrences").get_text() == str(series.total_occurrences) == "8"
    lines = page.select("tr.kwic-line")
    assert len(lines) == 8
    assert {line.select_one("td.match").get_text() for line in lines} == {"老旧小区"}
    assert lines[0].select_one("td.left").get_text().endswith("加快实施")


def test_a_concordance_line_opens_the_document_at_that_occurrence(client):
    data = client.get("/kwic.json?q=老旧小区&per_page=3").get_json()
    line = data["lines"][1]
    link = soup(client.get("/kwic?q=老旧小区")).select("tr.kwic-line td.match a")[1]["href"]
    assert link == f"/doc/{line['id']}?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA&at={line['offset']}#at"
    document = soup(client.get(link.split("#")[0]))
    at = document.select_one("mark#at")
    assert at.get_text() == "老旧小区"
    before = at.find_previous(string=True)
    assert line["left"].endswith(before[-5:])
    every = client.get("/kwic.json?q=老旧小区").get_json()["lines"]
    in_document = [other["offset"] for other in every if other["id"] == line["id"]]
    assert len(document.select("mark")) == len(in_document) == 4  # every occurrence still marked
    assert document.select("mark").index(at) == in_document.index(line["offset"]) == 1


def test_document_refuses_a_malformed_offset(client):
    data = client.get("/kwic.json?q=老旧小区&per_page=1").get_json()
    assert client.get(f"/doc/{data['lines'][0]['id']}?q=老旧小区&at=abc").status_code == 400


def test_kwic_orders_by_left_context_read_right_to_left(client):
    data = client.get("/kwic.json?q=老旧小区&order=left&width=10").get_json()
    keys = [line["left"][::-1] for line in data["lines"]]
    assert keys == sorted(keys)
    assert data["order"] == "left" and data["width"] == 10 and data["total_occurrences"] == 8


def test_kwic_pages_and_the_csv_holds_every_line(client):
    first = client.get("/kwic.json?q=老旧小区&per_page=3").get_json()
    third = client.get("/kwic.json?q=老旧小区&per_page=3&page=3").get_json()
    assert (len(first["lines"]), len(third["lines"])) == (3, 2)
    rows = list(csv.reader(io.StringIO(client.get("/kwic.csv?q=老旧小区").get_data(as_text=True)[1:])))
    assert rows[0] == ["序号", "标题", "日期", "区域", "左侧上下文", "检索词", "右侧上下文", "位置", "链接", "编号"]
    assert len(rows) == 1 + 8
    assert [r[7] for r in rows[1:4]] == [str(line["offset"]) for line in first["lines"]]
    assert rows[1][8].startswith(f"http://localhost/doc/{first['lines'][0]['id']}?q=") and rows[1][8].endswith("#at")


def test_collocates_link_adds_the_word_to_the_query(client):
    page = soup(client.get("/kwic?q=老旧小区"))
    words = {a.get_text(): a["href"] for a in page.select(".collocates a")}
    assert "改造" in words
    assert ("q", "老旧小区 改造") in args_of(words["改造"])


def test_kwic_escapes_document_text(hostile_client):
    body = hostile_client.get("/kwic?q=老旧小区").get_data(as_text=True)
    assert "<script>alert" not in body and "&lt;script&gt;" in body


def test_search_page_links_to_trend_and_concordance_with_its_filters(client, seeds_snapshot):
    page = soup(client.get("/search?q=老旧小区&district=中原区&sort=newest"))
    assert args_of(page.select_one("a.trend-link")["href"]) == [("q", "老旧小区"), ("district", "中原区")]
    assert urlsplit(page.select_one("a.trend-link")["href"]).path == "/trend"
    assert urlsplit(page.select_one("a.kwic-link")["href"]).path == "/kwic"
    everything = soup(client.get("/search?q=老旧小区"))
    years = search(seeds_snapshot, SearchRequest(q="老旧小区")).facets["year"]
    assert [(f.value, f.count) for f in years] == [("2024", 1), ("2020", 2)]
    assert (
        everything.select_one("svg.sparkline title").get_text()
        == "2020年 2 篇、2021年 0 篇、2022年 0 篇、2023年 0 篇、2024年 1 篇"
    )


def test_kwic_and_trend_totals_agree_for_several_queries(client):
    for query in ("老旧小区", "稳就业 OR 保就业", "发展 district:中原区", "改造 -疫情", "就业"):
        kwic = client.get("/kwic.json", query_string={"q": query}).get_json()
        trend_json = client.get("/trend.json", query_string={"q": query}).get_json()
        assert kwic["total_occurrences"] == trend_json["series"][0]["total_occurrences"], query
        lines = client.get("/kwic.csv", query_string={"q": query}).get_data(as_text=True).count("\r\n") - 1
        assert lines == kwic["total_occurrences"], query  # every line found anew, not the cached count
        assert json.dumps(kwic["lines"][:1], ensure_ascii=False) != "[]", query
