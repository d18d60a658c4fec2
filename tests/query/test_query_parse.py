"""The query language is read leniently and says how it was read."""

from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.query import SearchRequest, parse_interval, parse_query


def described(text):
    return parse_query(text).describe()


def test_terms_separated_by_spaces_are_anded():
    assert described("中原科技城 建设") == "中原科技城 AND 建设"


def test_or_binds_terms_into_one_group():
    assert described("稳就业 OR 保就业 二七区") == "(稳就业 OR 保就业) AND 二七区"
    assert described("稳就业|保就业") == "稳就业 OR 保就业"


def test_minus_and_not_exclude():
    assert described("就业 -疫情 NOT 防控") == "就业 AND NOT 疫情 AND NOT 防控"


def test_quoted_phrase_keeps_its_space_and_punctuation():
    parsed = parse_query('"突出重点 担当作为" "“东强”"')
    assert parsed.phrases == ("突出重点 担当作为", "“东强”")


def test_escaped_quote_inside_a_phrase_is_literal():
    assert parse_query(r'"2024\"九个"').phrases == ('2024"九个',)


def test_unclosed_quote_runs_to_the_end_with_a_note():
    parsed = parse_query('"老旧小区 改造')
    assert parsed.phrases == ("老旧小区 改造",)
    assert parsed.notes == ("closing quote added at the end",)


def test_lone_operators_are_ignored_with_notes():
    parsed = parse_query("OR 就业 OR")
    assert parsed.describe() == "就业"
    assert parsed.notes == ("OR without a term before it ignored", "OR at the end ignored")
    assert parse_query("就业 NOT").notes == ("NOT at the end ignored",)
    assert parse_query("就业 -").notes == ("a lone - ignored",)


def test_unknown_field_prefix_is_part_of_the_text():
    assert parse_query("时间:2020").phrases == ("时间:2020",)
    assert parse_query("foo:bar").phrases == ("foo:bar",)


def test_field_filters_are_read():
    parsed = parse_query("district:二七 topic:就业 year:2020 title:老旧小区")
    assert parsed.describe() == "district:二七区 AND topic:就业 AND year:2020 AND title:老旧小区"


def test_invalid_date_filter_is_ignored_with_a_note():
    parsed = parse_query("就业 date:2020-13-45")
    assert parsed.describe() == "就业"
    assert parsed.notes == ("date:2020-13-45 is not a valid date or range; ignored",)


def test_unknown_district_matches_nothing_and_says_so():
    parsed = parse_query("district:火星")
    assert parsed.notes == ("no district matches '火星': district:火星 matches nothing",)


def test_a_place_the_gazetteer_lacks_matches_as_written():
    # An organ's own place is stored as written (中共淳安县委组织部 -> 淳安县): its facet value must select it.
    parsed = parse_query("district:淳安县")
    assert (parsed.notes, parsed.groups[0][0].names) == ((), ("淳安县",))


def test_full_width_and_case_fold_in_queries():
    assert parse_query("ＣＢＤ区域").phrases == ("cbd区域",)


def test_over_long_query_is_cut_with_a_note():
    parsed = parse_query("就" * 5000)
    assert parsed.notes == ("query cut to its first 1000 characters",)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("2020", (date(2020, 1, 1), date(2020, 12, 31))),
        ("2020-07..2020-08", (date(2020, 7, 1), date(2020, 8, 31))),
        ("2020年7月", (date(2020, 7, 1), date(2020, 7, 31))),
        ("2020-07-18", (date(2020, 7, 18), date(2020, 7, 18))),
        ("..2020-06", (date.min, date(2020, 6, 30))),
        ("2021..2020", None),
        ("2020-13-45", None),
        ("..", None),
    ],
)
def test_date_intervals(text, expected):
    assert parse_interval(text) == expected


def test_request_round_trips_through_url_args():
    request = SearchRequest(q="稳就业", mode="words", districts=("二七区",), years=(2020,), sort="newest", page=2)
    from werkzeug.datastructures import MultiDict

    assert SearchRequest.from_args(MultiDict(request.to_args())) == request


def test_request_toggle_adds_and_removes_a_facet_value():
    request = SearchRequest(q="就业", page=3)
    assert request.toggle("district", "二七区").districts == ("二七区",)
    assert request.toggle("district", "二七区").page == 1
    assert request.toggle("district", "二七区").toggle("district", "二七区").districts == ()


def test_bad_request_values_raise_value_error():
    with pytest.raises(ValueError):
        SearchRequest(per_page=0)
    with pytest.raises(ValueError):
        SearchRequest(mode="fuzzy")


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=200))
def test_parser_never_raises_on_any_input(text):
    parsed = parse_query(text)
    assert isinstance(parsed.describe(), str)
