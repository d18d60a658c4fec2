"""Dates typed in filters (python-dateutil for the forms our own expressions do not read) and
relative ranges (近一年, 近3个月, 今年, 去年, 本月, 上月; the CLI's --since)."""

from __future__ import annotations

import json
from datetime import date

import pytest

from search.cli.main import main
from search.meta import PartialDate
from search.meta.typed import relative_range, typed_date
from search.query import parse_interval, parse_query

TODAY = date(2026, 11, 29)


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("2020/7/1", PartialDate(2020, 7, 1)),
        ("2020.07.01", PartialDate(2020, 7, 1)),
        ("20200701", PartialDate(2020, 7, 1)),
        ("2020-7", PartialDate(2020, 7)),
        ("2020年7月", PartialDate(2020, 7)),
        ("Jul 2020", PartialDate(2020, 7)),
        ("July 1, 2020", PartialDate(2020, 7, 1)),
        ("2020-07-01T10:00", PartialDate(2020, 7, 1)),
        ("7/1", None),  # no year: never guessed
        ("昨天下午", None),
        ("2020-13-45", None),
    ],
)
def test_typed_dates_keep_the_precision_typed(typed, expected):
    assert typed_date(typed) == expected


@pytest.mark.parametrize(
    "typed, expected",
    [
        ("今年", (date(2026, 1, 1), date(2026, 12, 31))),
        ("去年", (date(2025, 1, 1), date(2025, 12, 31))),
        ("本月", (date(2026, 11, 1), date(2026, 11, 30))),
        ("上月", (date(2026, 10, 1), date(2026, 10, 31))),
        ("近一年", (date(2025, 11, 30), date(2026, 11, 29))),
        ("近3个月", (date(2026, 8, 30), date(2026, 11, 29))),
        ("近两周", (date(2026, 11, 16), date(2026, 11, 29))),
        ("近90天", (date(2026, 9, 1), date(2026, 11, 29))),
        ("前年", None),
    ],
)
def test_relative_ranges_end_today(typed, expected):
    assert relative_range(typed, TODAY) == expected


def test_relative_range_as_one_end_of_an_interval():
    assert parse_interval("近3个月..", today=TODAY) == (date(2026, 8, 30), date.max)
    assert parse_interval("2020/7/1..2020/8/31") == (date(2020, 7, 1), date(2020, 8, 31))


def test_unreadable_date_is_said_in_the_notes():
    parsed = parse_query("date:前天以后")
    assert parsed.groups == ()
    assert parsed.notes == ("date:前天以后 is not a valid date or range; ignored",)


def test_since_keeps_recent_documents_and_stays_relative(seeds_index, runner):
    everything = runner.invoke(main, ["query", "", "--index", str(seeds_index), "--since", "100y", "--json"])
    recent = runner.invoke(main, ["query", "", "--index", str(seeds_index), "--since", "1d", "--json"])
    assert json.loads(everything.output)["read_as"] == "date:近100年.."
    assert json.loads(everything.output)["total"] == 8  # every seed document is dated
    assert json.loads(recent.output)["total"] == 0


def test_since_that_cannot_be_read_is_a_clear_error(seeds_index, runner):
    result = runner.invoke(main, ["query", "", "--index", str(seeds_index), "--since", "soon"])
    assert result.exit_code == 1
    assert result.output.startswith("error: --since must look like 90d, 12w, 6m or 1y")


@pytest.mark.parametrize(
    "args, total",
    [({"from": "2020/7/1", "to": "2020/8/31"}, 6), ({"from": "20200801"}, 3), ({"from": "近100年"}, 8)],
)
def test_web_date_range_reads_typed_and_relative_dates(client, args, total):
    response = client.get("/search.json", query_string=args)
    assert response.status_code == 200
    assert response.get_json()["total"] == total


def test_web_date_range_that_cannot_be_read_is_a_clear_400(client):
    response = client.get("/search", query_string={"from": "前天以后"})
    assert response.status_code == 400
    assert "from（起始日期）无效" in response.get_data(as_text=True)
