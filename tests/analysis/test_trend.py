"""Trend: documents, occurrences and per-mille per period, checked against counting over the source texts."""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cli.main import main
from search.engines.embedded.trend import trend
from search.query import SearchRequest
from tests.source_texts import phrases_from


def per_year(trend_series) -> dict[str, tuple[int, int]]:
    return {p.period: (p.documents, p.occurrences) for p in trend_series.points}


def test_documents_and_occurrences_per_year_of_two_phrases(seeds_snapshot):
    result = trend(seeds_snapshot, ["老旧小区", "稳就业"])
    assert result.periods == ("2020", "2021", "2022", "2023", "2024")
    old_housing, employment = result.series
    assert per_year(old_housing) == {"2020": (2, 7), "2021": (0, 0), "2022": (0, 0), "2023": (0, 0), "2024": (1, 1)}
    assert (old_housing.total_documents, old_housing.total_occurrences, old_housing.undated_documents) == (3, 8, 0)
    assert per_year(employment) == {"2020": (1, 1), "2021": (0, 0), "2022": (0, 0), "2023": (0, 0), "2024": (0, 0)}


def test_periods_without_a_match_are_zero_not_missing(seeds_snapshot):
    (series,) = trend(seeds_snapshot, ["老旧小区"]).series
    assert [p.period for p in series.points] == ["2020", "2021", "2022", "2023", "2024"]
    assert [p.documents for p in series.points] == [2, 0, 0, 0, 1]


def test_per_mille_divides_by_the_documents_of_the_period(seeds_snapshot):
    archive_2020 = sum(1 for n in seeds_snapshot.live if seeds_snapshot.year[n] == "2020")
    (series,) = trend(seeds_snapshot, ["老旧小区"]).series
    assert archive_2020 == 7
    assert series.points[0].per_mille == round(1000 * 2 / 7, 2)
    assert series.points[-1].per_mille == 1000.0  # the one 2024 document


def test_per_mille_under_a_district_filter_divides_by_that_districts_documents(seeds_snapshot):
    filtered = SearchRequest(districts=("中原区",))
    (series,) = trend(seeds_snapshot, ["老旧小区"], filtered).series
    zhongyuan_2020 = sum(
        1 for n in seeds_snapshot.live if seeds_snapshot.year[n] == "2020" and seeds_snapshot.district[n] == "中原区"
    )
    assert per_year(series)["2020"] == (1, 4)
    assert series.points[0].per_mille == round(1000 / zhongyuan_2020, 2)


def test_by_month_counts_documents_dated_only_by_year_apart(seeds_snapshot):
    (series,) = trend(seeds_snapshot, ["老旧小区"], by="month").series
    assert [p.period for p in series.points] == ["2020-08"]
    assert (series.points[0].documents, series.points[0].occurrences) == (1, 3)
    assert (series.undated_documents, series.undated_occurrences) == (2, 5)
    assert series.total_occurrences == 8


def test_per_district_orders_districts_by_first_appearance(seeds_snapshot):
    (series,) = trend(seeds_snapshot, ["老旧小区"], per="district").series
    assert [(d.district, d.first_appearance, d.total_documents) for d in series.districts] == [
        ("中原区", "2020", 2),
        ("郑东新区", "2020-08-08", 1),
    ]
    assert sum(d.total_occurrences for d in series.districts) == series.total_occurrences


def test_more_than_six_queries_or_a_bad_period_is_refused(seeds_snapshot):
    with pytest.raises(ValueError, match="1 to 6 queries"):
        trend(seeds_snapshot, list("一二三四五六七"))
    with pytest.raises(ValueError, match="by must be one of year, month"):
        trend(seeds_snapshot, ["稳就业"], by="week")
    with pytest.raises(ValueError, match="1 to 6 queries"):
        trend(seeds_snapshot, ["  "])


def test_json_follows_the_contract(runner, seeds_location):
    result = runner.invoke(main, ["trend", "稳就业", "保就业", "--index", str(seeds_location), "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["by"], data["measure"]) == ("year", "documents")
    assert [s["query"] for s in data["series"]] == ["稳就业", "保就业"]
    first = data["series"][0]
    assert {"query", "total_documents", "total_occurrences", "undated_documents", "points"} <= set(first)
    assert first["points"][0] == {"period": "2020", "documents": 1, "occurrences": 1, "per_mille": 142.86}
    assert "per" not in data


def test_json_per_district_puts_district_series_under_each_query(runner, seeds_location):
    result = runner.invoke(main, ["trend", "老旧小区", "--per", "district", "--index", str(seeds_location), "--json"])
    data = json.loads(result.output)
    assert data["per"] == "district"
    districts = data["series"][0]["districts"]
    assert [(d["district"], d["first_appearance"]) for d in districts] == [
        ("中原区", "2020"),
        ("郑东新区", "2020-08-08"),
    ]


def test_terminal_table_draws_bars_scaled_to_the_largest_value(runner, seeds_location):
    result = runner.invoke(main, ["trend", "老旧小区", "--measure", "occurrences", "--index", str(seeds_location)])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "老旧小区 · per year · occurrences"
    assert lines[3].split() == ["2020", "7", "█"]
    assert lines[7].split() == ["2024", "1", "▂"]  # 1/7 of the top: the second glyph


def test_csv_lists_each_period_and_the_undated_count(runner, seeds_location):
    result = runner.invoke(main, ["trend", "老旧小区", "--by", "month", "--csv", "--index", str(seeds_location)])
    assert result.output.splitlines() == [
        "query,district,period,documents,occurrences,per_mille",
        "老旧小区,,2020-08,1,3,500.0",
        "老旧小区,,undated,2,5,",
    ]


def test_cli_refuses_seven_queries_with_one_line(runner, seeds_location):
    result = runner.invoke(main, ["trend", *"一二三四五六七", "--index", str(seeds_location)])
    assert result.exit_code == 1
    assert "at most 6" in result.output


# -- against counting over the source texts ---------------------------------------------


def oracle_per_year(documents, phrase: str) -> dict[str, tuple[int, int]]:
    """(documents, occurrences) per year, by substring counting over each document's text."""
    counts: dict[str, tuple[int, int]] = {}
    for year, text in documents:
        n = text.count(phrase)
        if n:
            docs, occ = counts.get(year, (0, 0))
            counts[year] = (docs + 1, occ + n)
    return counts


def assert_trend_equals_oracle(snapshot, documents, phrase):
    (series,) = trend(snapshot, [f'"{phrase}"']).series
    expected = oracle_per_year(documents, phrase)
    dated = {p.period: (p.documents, p.occurrences) for p in series.points if p.documents}
    assert dated == {y: c for y, c in expected.items() if y}
    assert series.total_occurrences == sum(o for _, o in expected.values())


@given(data=st.data())
@settings(max_examples=150, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_seed_counts_per_year_equal_substring_counting(seeds_snapshot, seed_documents_by_year, data):
    phrase = data.draw(phrases_from(seed_documents_by_year))
    assert_trend_equals_oracle(seeds_snapshot, seed_documents_by_year, phrase)


@given(data=st.data())
@settings(max_examples=60, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_report_counts_per_year_equal_substring_counting_over_the_source_files(report_sample_index, data):
    snapshot, documents = report_sample_index
    phrase = data.draw(phrases_from(documents))
    assert_trend_equals_oracle(snapshot, documents, phrase)
