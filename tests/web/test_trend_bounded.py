"""/trend.json is bounded (issue 27, Low; what was left: item 3): a district's series lists only the
periods it has documents in, the axis is given once (``periods``), and per district the series
come 20 a page (``district_page``).  The oracle is the manifest the corpus was written from."""

from __future__ import annotations

import json
import tomllib
from collections import Counter

import pytest

from search.engines.embedded.commit import index_paths
from tests.web_fixtures import ROOT, make_app

PHRASE = "老旧小区"
PLACES = [
    name
    for name, place in tomllib.loads((ROOT / "search/data/gazetteer.toml").read_text("utf-8")).items()
    if place.get("level") == "district"
][:25]
# 25 districts, each with documents in a few of the years 2001-2024; a gap of years in most.
CORPUS = {
    f"d{n:02d}-{k}.txt": (place, f"{2001 + (n * 7 + k * 5) % 24}-0{1 + k}-01")
    for n, place in enumerate(PLACES)
    for k in range(1 + n % 3)
}


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    root = tmp_path_factory.mktemp("trend")
    folder = root / "docs"
    folder.mkdir()
    rows = ["filename\tdistrict\tdate"]
    for name, (place, date) in CORPUS.items():
        (folder / name).write_text(f"{place}工作报告\n\n推进{PHRASE}改造。\n", encoding="utf-8")
        rows.append(f"{name}\t{place}\t{date}")
    (folder / "manifest.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    assert index_paths([folder], root / "ix").total_documents == len(CORPUS)
    return make_app(root / "ix", root / "saved.sqlite3").test_client()


def _expected(by_district: bool) -> dict:
    counts: dict = {}
    for place, date in CORPUS.values():
        counts.setdefault(place if by_district else None, Counter())[date[:4]] += 1
    return counts


def _get(client, query: str) -> dict:
    response = client.get(f"/trend.json?q={PHRASE}{query}")
    assert response.status_code == 200, response.data
    return json.loads(response.data)


def test_the_axis_is_given_once_and_a_query_series_is_dense(client):
    data = _get(client, "")
    years = sorted({date[:4] for _, date in CORPUS.values()})
    axis = [str(y) for y in range(int(years[0]), int(years[-1]) + 1)]
    assert data["periods"] == axis
    (series,) = data["series"]
    assert [p["period"] for p in series["points"]] == axis  # zeros included: the chart's line
    assert {p["period"]: p["documents"] for p in series["points"] if p["documents"]} == _expected(False)[None]
    assert "district_page" not in data and "districts" not in series


def test_a_districts_series_lists_only_its_periods_with_documents_twenty_a_page(client):
    first, second = _get(client, "&per=district"), _get(client, "&per=district&district_page=2")
    assert [(d["district_page"], d["district_pages"], d["districts_per_page"]) for d in (first, second)] == [
        (1, 2, 20),
        (2, 2, 20),
    ]
    assert [d["series"][0]["districts_total"] for d in (first, second)] == [25, 25]
    districts = first["series"][0]["districts"] + second["series"][0]["districts"]
    assert [len(first["series"][0]["districts"]), len(second["series"][0]["districts"])] == [20, 5]
    expected = _expected(True)
    assert {d["district"]: {p["period"]: p["documents"] for p in d["points"]} for d in districts} == expected
    assert all(p["documents"] > 0 for d in districts for p in d["points"])
    assert [d["total_documents"] for d in districts] == [sum(expected[d["district"]].values()) for d in districts]


def test_the_district_pages_keep_the_order_of_first_appearance(client):
    whole = [
        d for page in (1, 2) for d in _get(client, f"&per=district&district_page={page}")["series"][0]["districts"]
    ]
    firsts = [d["first_appearance"] for d in whole]
    assert firsts == sorted(firsts)


def test_a_page_past_the_last_is_empty_and_a_bad_page_is_a_400(client):
    past = _get(client, "&per=district&district_page=3")
    assert (past["series"][0]["districts"], past["series"][0]["districts_total"]) == ([], 25)
    bad = client.get(f"/trend.json?q={PHRASE}&per=district&district_page=0")
    assert (bad.status_code, bad.get_json()["error"]) == (
        400,
        "district_page（区域页码）必须是 1 到 1000 之间的整数；收到 '0'。",
    )


def test_a_month_axis_per_district_stays_small(client):
    # Dense, each of a page's 20 districts carried every month from the first to the last.
    data = _get(client, "&per=district&by=month")
    months = sorted({date[:7] for _, date in CORPUS.values()})
    (first_year, first_month), (last_year, last_month) = (map(int, m.split("-")) for m in (months[0], months[-1]))
    assert len(data["periods"]) == (last_year - first_year) * 12 + last_month - first_month + 1
    shown = data["series"][0]["districts"]
    assert {(d["district"], p["period"]) for d in shown for p in d["points"]} == {
        (place, date[:7]) for place, date in CORPUS.values() if place in {d["district"] for d in shown}
    }
