"""/compare and /emerging on the web: pages, paging, sorting, exports, links, bad parameters, access.

The numbers are the library's (tests/test_keyness.py proves them against the oracle); here the 2024
against the 2023 reports, read from their files, pin what the pages show, and every link is followed.
"""

from __future__ import annotations

import csv
import html
import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from bs4 import BeautifulSoup
from openpyxl import load_workbook

from tests import keyness_oracle as oracle
from tests.web_fixtures import make_app

YEARS = "/compare?a.year=2024&b.year=2023"
ALL = YEARS + "&min_ll=0"  # every phrase A uses more: pages of them


@pytest.fixture(scope="module")
def reports_client(year_reports, tmp_path_factory):
    index_dir, _ = year_reports
    return make_app(index_dir, tmp_path_factory.mktemp("compare-web") / "saved.sqlite3").test_client()


def soup(page) -> BeautifulSoup:
    """A page (its text, bytes or response) parsed."""
    if hasattr(page, "get_data"):
        page = page.get_data(as_text=True)
    return BeautifulSoup(page.decode("utf-8") if isinstance(page, bytes) else page, "html.parser")


def page_rows(html) -> list[dict]:
    rows = []
    for tr in soup(html).select("table.keyness-table tbody tr"):
        cells = [td.get_text(strip=True) for td in tr.find_all(["td", "th"])]
        links = {a["class"][0]: a["href"] for a in tr.select("td.links a")}
        rows.append(
            {
                "number": int(cells[0]),
                "phrase": cells[1].replace("单篇集中", ""),
                "ll": float(cells[2]),
                "log_ratio": float(cells[3]),
                "a_freq": int(cells[4]),
                "b_freq": int(cells[8]),
                "links": links,
            }
        )
    return rows


def as_json(client, url: str) -> dict:
    response = client.get(url.replace("/compare?", "/compare.json?", 1))
    assert response.status_code == 200, response.data[:300]
    return response.get_json()


def test_the_page_of_2024_against_2023_shows_the_oracles_numbers(reports_client, year_reports):
    _, documents = year_reports
    response = reports_client.get(YEARS)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    page = soup(html)
    summary = page.select_one(".compare-summary").get_text(" ", strip=True)
    side_a = [t for y, t in documents if y == "2024"]
    side_b = [t for y, t in documents if y == "2023"]
    assert f"A 侧 ：全部文档 · 2024年 · {len(side_a)} 篇 · {sum(map(oracle.size, side_a)):,} 字" in summary
    assert f"B 侧 ：全部文档 · 2023年（不含 A 侧文档） · {len(side_b)} 篇" in summary
    expected = oracle.keyness(side_a, side_b, 5)
    listed = sorted(
        ((p, v) for p, v in expected.items() if v["log_ratio"] > 0 and v["ll"] >= 3.84 and not v["concentrated"]),
        key=lambda pv: (-pv[1]["ll"], pv[0]),
    )
    rows = page_rows(html)
    assert len(rows) == min(50, len(listed)) and len(listed) > 30
    assert [r["phrase"] for r in rows] == [p for p, _ in listed[:50]]
    assert [r["a_freq"] for r in rows] == [v["freq"][0] for _, v in listed[:50]]
    assert all(abs(r["ll"] - round(v["ll"], 2)) < 0.006 for r, (_, v) in zip(rows, listed))
    assert f"导出全部 {len(listed):,} 个短语" in html
    assert page.select_one("details.method summary").get_text() == "怎么算的"


def test_paging_continues_the_numbering_and_the_json_page_is_the_same(reports_client):
    first = page_rows(reports_client.get(ALL).get_data(as_text=True))
    second = page_rows(reports_client.get(ALL + "&page=2").get_data(as_text=True))
    assert [r["number"] for r in second] == list(range(51, 51 + len(second)))
    assert not {r["phrase"] for r in first} & {r["phrase"] for r in second}
    data = as_json(reports_client, ALL + "&page=2")
    assert [p["phrase"] for p in data["phrases"]] == [r["phrase"] for r in second]
    assert data["page"] == 2 and data["per_page"] == 50
    pager = soup(reports_client.get(ALL).data).select_one("nav.pager a.next")["href"]
    assert dict(parse_qsl(urlsplit(pager).query)) == {"a.year": "2024", "b.year": "2023", "min_ll": "0", "page": "2"}


@pytest.mark.parametrize(
    "sort, key", [("ratio", lambda p: -p["log_ratio"]), ("freq", lambda p: -p["a"]["freq"]), ("ll", lambda p: -p["ll"])]
)
def test_sorting_orders_by_the_chosen_measure(reports_client, sort, key):
    data = as_json(reports_client, ALL + f"&sort={sort}&per_page=200")
    assert len(data["phrases"]) == 200
    assert [key(p) for p in data["phrases"]] == sorted(key(p) for p in data["phrases"])
    b_side = as_json(reports_client, ALL + "&side=b&per_page=200")["phrases"]
    assert b_side and all(p["more_in"] == "b" and p["log_ratio"] <= 0 for p in b_side)


def test_csv_xlsx_and_json_exports_hold_every_listed_phrase(reports_client):
    total = as_json(reports_client, ALL)["total"]
    every = as_json(reports_client, ALL + "&per_page=200")
    response = reports_client.get(ALL.replace("/compare?", "/compare.csv?"))
    text = response.get_data(as_text=True)
    assert text.startswith("\ufeff序号,短语,多用于,对数似然,对数比,A频次")
    rows = list(csv.reader(io.StringIO(text.lstrip("\ufeff"))))
    assert len(rows) == total + 1
    assert [r[1] for r in rows[1:201]] == [p["phrase"] for p in every["phrases"]]
    assert rows[1][2] == "A" and float(rows[1][3]) == every["phrases"][0]["ll"]
    assert rows[1][14].startswith("http://localhost/trend?q=")
    xlsx = reports_client.get(ALL.replace("/compare?", "/compare.xlsx?"))
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    book = load_workbook(io.BytesIO(xlsx.data), read_only=True)
    assert book.sheetnames == ["关键短语", "检索条件"]
    sheet_rows = list(book["关键短语"].values)
    assert len(sheet_rows) == total + 1 and [r[1] for r in sheet_rows[1:4]] == [r[1] for r in rows[1:4]]


def test_each_phrase_links_to_its_trend_and_to_its_occurrences_on_each_side(reports_client):
    rows = page_rows(reports_client.get(YEARS + "&side=all").get_data(as_text=True))[:6]
    data = {p["phrase"]: p for p in as_json(reports_client, YEARS + "&side=all")["phrases"]}
    for row in rows:
        phrase = row["phrase"]
        trend = reports_client.get(row["links"]["trend-link"].replace("/trend?", "/trend.json?"))
        assert trend.status_code == 200
        series = trend.get_json()["series"][0]
        assert series["query"] == f'"{phrase}"'
        for side, link in (("a", row["links"]["kwic-a"]), ("b", row["links"]["kwic-b"])):
            kwic = reports_client.get(link.replace("/kwic?", "/kwic.json?"))
            assert kwic.status_code == 200
            # The concordance counts non-overlapping occurrences; these phrases do not overlap themselves.
            assert kwic.get_json()["total_occurrences"] == data[phrase][side]["freq"], (phrase, side, link)


def test_side_b_left_empty_is_the_rest_and_its_links_exclude_side_a(reports_client, year_reports):
    _, documents = year_reports
    data = as_json(reports_client, "/compare?a.year=2024&per_page=3")
    assert data["b"]["documents"] == sum(1 for y, _ in documents if y != "2024")
    page = reports_client.get("/compare?a.year=2024").get_data(as_text=True)
    link = page_rows(page)[0]["links"]["kwic-b"]
    assert dict(parse_qsl(urlsplit(link).query))["q"].endswith(" -year:2024")
    phrase = page_rows(page)[0]["phrase"]
    kwic = reports_client.get(link.replace("/kwic?", "/kwic.json?")).get_json()
    assert (
        kwic["total_occurrences"]
        == as_json(reports_client, "/compare?a.year=2024&per_page=1")["phrases"][0]["b"]["freq"]
    )
    assert phrase


@pytest.mark.parametrize(
    "query, message",
    [
        ("a.year=20x4", "A 侧：year（年份）必须是四位数字"),
        ("a.year=2024&b.colour=red", "B 侧不认识参数 'b.colour'"),
        ("a.year=2024&min_ll=7", "min_ll（最低对数似然）只能是 0、3.84、6.63、10.83、15.13"),
        ("a.year=2024&side=c", "side 只能是 a（A 侧多用）、b（B 侧多用）或 all（两侧都列）"),
        ("a.year=2024&sort=size", "sort 只能是 ll（对数似然）"),
        ("a.year=2024&min_freq=0", "min_freq（最低频次）必须是 1 到 1000 之间的整数"),
        ("a.year=2024&page=0", "page（页码）必须是 1 到 100000 之间的整数"),
        ("a.from=2025&a.to=2020", "A 侧：起始日期 2025 晚于截止日期 2020"),
    ],
)
def test_bad_parameters_get_a_400_that_says_what_is_wrong(reports_client, query, message):
    for path in ("/compare?", "/compare.json?", "/compare.csv?", "/compare.xlsx?"):
        response = reports_client.get(path + query)
        assert response.status_code == 400, (path, query)
        text = (
            response.get_json()["error"] if path == "/compare.json?" else html.unescape(response.get_data(as_text=True))
        )
        assert message in text, (path, text[:500])


@pytest.mark.parametrize(
    "query, message",
    [
        ("period=20x0", "period（时期）必须形如 2020"),
        ("by=week", "by 只能是 year（按年）或 month（按月）"),
        ("period=1990", "1990 没有可计数的文档；可选的时期从 2016 到 2024"),
        ("sort=size", "sort 只能是 z（突发度）"),
        ("colour=red", "不认识参数 'colour'"),
    ],
)
def test_emerging_bad_parameters_get_a_400(reports_client, query, message):
    for path in ("/emerging?", "/emerging.json?", "/emerging.csv?"):
        response = reports_client.get(path + query)
        assert response.status_code == 400
        assert message in (
            response.get_json()["error"] if ".json" in path else html.unescape(response.get_data(as_text=True))
        )


def test_the_form_in_place_gets_the_results_alone_and_an_error_in_their_place(reports_client):
    fragment = reports_client.get(YEARS, headers={"HX-Request": "true"})
    assert fragment.status_code == 200 and "HX-Request" in fragment.headers["Vary"]
    page = soup(fragment)
    assert page.select_one("form") is None and page.select_one("table.keyness-table") is not None
    error = reports_client.get("/compare?a.year=20x4", headers={"HX-Request": "true"})
    assert error.status_code == 400 and soup(error).select_one("section.error[role=alert]") is not None
    assert soup(error).select_one("form") is None
    restored = reports_client.get(YEARS, headers={"HX-Request": "true", "HX-History-Restore-Request": "true"})
    assert soup(restored).select_one("form#compare-form") is not None


def test_the_compare_form_without_sides_explains_and_the_nav_links_it(reports_client):
    page = soup(reports_client.get("/compare").data)
    assert page.select_one("input[name='a.q']") is not None and page.select_one("input[name='b.year']") is not None
    assert "在 A 侧填入条件" in page.get_text()
    assert page.select_one("a.nav-compare")["href"] == "/compare"
    assert page.select_one("a.nav-emerging")["href"] == "/emerging"


def test_emerging_page_defaults_to_the_latest_year_and_its_exports(reports_client, year_reports):
    _, documents = year_reports
    page = soup(reports_client.get("/emerging?min_freq=3").data)
    assert page.select_one("input[name='period']")["value"] == "2024"
    assert [o["value"] for o in page.select("datalist#periods option")] == [str(y) for y in range(2017, 2025)]
    assert "在转载聚类完成之前，每篇文档自成一簇" in page.get_text()
    data = reports_client.get("/emerging.json?min_freq=3&period=2024").get_json()
    texts, periods = [t for _, t in documents], [y for y, _ in documents]
    expected = oracle.emerging(texts, periods, "2024", 3)
    assert sorted(t["phrase"] for t in data["terms"][:50]) == sorted(
        sorted(expected, key=lambda p: (-round(expected[p]["z"], 4), p))[:50]
    )
    assert data["total"] == len(expected)
    rows = list(
        csv.reader(
            io.StringIO(
                reports_client.get("/emerging.csv?min_freq=3&period=2024").get_data(as_text=True).lstrip("\ufeff")
            )
        )
    )
    assert rows[0][:3] == ["序号", "短语", "突发度z"] and len(rows) == len(expected) + 1
    xlsx = reports_client.get("/emerging.xlsx?min_freq=3&period=2024")
    assert load_workbook(io.BytesIO(xlsx.data), read_only=True).sheetnames == ["新词", "检索条件"]


def test_trend_smoothing_is_a_control_and_the_page_json_and_csv_follow_it(reports_client):
    page = soup(reports_client.get("/trend?q=改革&smooth=1").data)
    assert page.select_one("select[name='smooth'] option[selected]")["value"] == "1"
    assert "曲线与下表已平滑：每个点是该年及前后各 1 期（共 3 期" in page.get_text()
    plain = reports_client.get("/trend.json?q=改革").get_json()["series"][0]["points"]
    smooth = reports_client.get("/trend.json?q=改革&smooth=1").get_json()
    values = [p["documents"] for p in plain]
    want = [
        round(sum(values[max(0, i - 1) : i + 2]) / len(values[max(0, i - 1) : i + 2]), 2) for i in range(len(values))
    ]
    assert [p["documents"] for p in smooth["series"][0]["points"]] == want and smooth["smooth"] == 1
    rows = list(
        csv.reader(
            io.StringIO(reports_client.get("/trend.csv?q=改革&smooth=1").get_data(as_text=True).lstrip("\ufeff"))
        )
    )
    assert [float(r[3]) for r in rows[1:-1]] == want
    assert "smooth=1" in page.select_one("p.exports a")["href"]
    assert reports_client.get("/trend?q=改革&smooth=4").status_code == 400


def test_how_each_side_was_read_is_said(reports_client):
    page = soup(reports_client.get("/compare?a.year=2024&b.q=改革 OR"))
    notes = [p.get_text() for p in page.select(".compare-summary p.notes")]
    assert notes and notes[0].startswith("B 侧：") and "OR" in notes[0]
    data = as_json(reports_client, "/compare?a.year=2024&b.q=改革 OR")
    assert data["side_notes"] == [{"side": "B", "note": "OR at the end ignored"}]
