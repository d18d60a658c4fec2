"""Hostile query strings on /compare and /emerging: never an exception, never a 500; a 400 says why.

The app propagates exceptions, so any exception fails the test rather than hiding behind an error page.
"""

from __future__ import annotations

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from tests.web.test_web_fuzz import BAD_VALUES, TRICKY
from tests.web_fixtures import make_app

NAMES = [
    "a.q",
    "a.year",
    "a.from",
    "a.to",
    "a.district",
    "a.mode",
    "a.month",
    "b.q",
    "b.year",
    "b.type",
    "b.x",
    "min_freq",
    "side",
    "sort",
    "min_ll",
    "conc",
    "page",
    "per_page",
    "period",
    "by",
    "a.",
    "b",
    "x",
]
GOOD = [
    "2020",
    "2021",
    "a",
    "b",
    "all",
    "ll",
    "ratio",
    "freq",
    "z",
    "1",
    "3.84",
    "0",
    "year",
    "month",
    "exact",
    "words",
    "二七区",
    "老旧小区",
    "2020-07",
]
values = st.one_of(st.sampled_from(TRICKY + BAD_VALUES + GOOD), st.text(max_size=30))


@pytest.fixture(scope="module")
def fuzz_client(seeds_index, tmp_path_factory):
    app = make_app(seeds_index, tmp_path_factory.mktemp("compare-fuzz") / "saved.sqlite3", PROPAGATE_EXCEPTIONS=True)
    return app.test_client()


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    st.sampled_from(["/compare", "/compare.json", "/compare.csv", "/emerging", "/emerging.json", "/emerging.csv"]),
    st.lists(st.tuples(st.sampled_from(NAMES), values), max_size=8),
)
def test_any_query_string_gets_a_page_or_a_400(fuzz_client, path, pairs):
    response = fuzz_client.get(path, query_string=MultiDict(pairs))
    assert response.status_code in (200, 400), (path, pairs, response.status_code)
    if response.status_code == 400:
        text = response.get_json()["error"] if path.endswith(".json") else response.get_data(as_text=True)
        assert text.strip()
