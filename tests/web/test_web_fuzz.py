"""Hostile input: random and malformed query strings never raise and never give a 500.

Invalid parameters get a 400 with a message; a query the parser can read
leniently gets a 200.  The app runs with exceptions propagated, so any
exception fails the test outright rather than hiding behind an error page.
The number of requests made is written to tests/artifacts/fuzz-requests.txt.
"""

from __future__ import annotations

import json

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from werkzeug.datastructures import MultiDict

from search.query import MAX_QUERY_LENGTH
from tests.web_fixtures import ROOT, make_app, soup

EXAMPLES = 250
REQUESTS = {"count": 0}

TRICKY = [
    '"',
    '\\"',
    '""',
    "OR",
    "or",
    "NOT",
    "AND",
    "-",
    "--",
    "|",
    "||",
    "(",
    ")",
    ":",
    "：",
    "district:",
    "topic:",
    "title:",
    "year:",
    "date:",
    "month:",
    "text:",
    "foo:",
    "district:<b>",
    "year:abcd",
    "year:2019..2021",
    "year:..",
    "date:2020-13-45",
    "date:..2020-06",
    "date:2020年7月",
    "date:2021..2020",
    "month:2020-00",
    "topic:放管服",
    "district:郑东",
    "<img src=x onerror=alert(1)>",
    "<script>alert(1)</script>",
    "&amp;",
    "&#0;",
    "%00",
    "%",
    ".*",
    "+?",
    "[a-z]",
    "(?i)",
    "^$",
    "\\",
    "{1,2}",
    "\x00",
    "\x1b[31m",
    "\t",
    "\r\n",
    "\u202e",
    "\ufeff",
    "\u3000",
    "老旧小区",
    "稳就业",
    "放管服",
    "中原科技城",
    "ＯＲ",
    "😀",
    "𠀀",
    " ",
]
BAD_VALUES = [
    "",
    "0",
    "-1",
    "1.5",
    "1e3",
    "abc",
    "99999999999999999999",
    "２",
    "٣",
    " 7",
    "10001",
    "2020-13",
    "2020-13-45",
    "2020-02-30",
    "1899",
    "20200",
    "..",
    "2020..2021",
    "~",
    "至",
    "<b>",
    "\x00",
    "NaN",
]
PARAMETERS = ["q", "mode", "sort", "page", "per_page", "year", "month", "district", "topic", "from", "to", "unknown"]

tricky_text = st.lists(st.sampled_from(TRICKY), max_size=12).map(" ".join)
random_text = st.text(max_size=80)
mixed_text = st.lists(st.one_of(st.sampled_from(TRICKY), st.text(max_size=6)), max_size=15).map("".join)
query_text = st.one_of(tricky_text, random_text, mixed_text)
value_text = st.one_of(st.sampled_from(BAD_VALUES), st.sampled_from(TRICKY), st.text(max_size=12))
pairs = st.lists(st.tuples(st.sampled_from(PARAMETERS), value_text), max_size=8)


@pytest.fixture(scope="module")
def fuzz_client(seeds_index, tmp_path_factory):
    app = make_app(seeds_index, tmp_path_factory.mktemp("fuzz") / "saved.sqlite3", PROPAGATE_EXCEPTIONS=True)
    yield app.test_client()
    artifacts = ROOT / "tests" / "artifacts"
    artifacts.mkdir(parents=True, exist_ok=True)
    (artifacts / "fuzz-requests.txt").write_text(f"{REQUESTS['count']}\n")


def get(client, path: str, args: MultiDict):
    REQUESTS["count"] += 1
    return client.get(path, query_string=args)


def assert_answered(response, json_twin: bool) -> None:
    """A page (200) or a 400 that says what was wrong; never anything else."""
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 400:
        if json_twin:
            assert json.loads(response.data)["error"]
        else:
            assert soup(response).select_one(".error .message").get_text().strip()


# Derandomized: the same examples in every run, so CI is reproducible.
FUZZ = settings(
    max_examples=EXAMPLES, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


@FUZZ
@given(q=query_text)
def test_any_query_text_gets_a_page_that_says_how_it_was_read(fuzz_client, q):
    for path in ("/search", "/search.json"):
        response = get(fuzz_client, path, MultiDict([("q", q)]))
        assert response.status_code == 200
    html = get(fuzz_client, "/search", MultiDict([("q", q), ("mode", "words")])).get_data(as_text=True)
    assert "<img src=x" not in html and "<script>alert" not in html


@FUZZ
@given(args=pairs, q=query_text)
def test_any_parameters_get_a_page_or_a_400_with_a_message(fuzz_client, args, q):
    query = MultiDict([("q", q), *args])
    assert_answered(get(fuzz_client, "/search", query), json_twin=False)
    assert_answered(get(fuzz_client, "/search.json", query), json_twin=True)
    fragment = fuzz_client.get("/search", query_string=query, headers={"HX-Request": "true"})
    REQUESTS["count"] += 1
    assert fragment.status_code in (200, 400)


@FUZZ
@given(args=pairs, doc_id=st.one_of(st.text(max_size=30), st.sampled_from(["..", "../..", "%2e%2e", "x" * 200])))
def test_document_and_export_routes_never_fail(fuzz_client, args, doc_id):
    response = get(
        fuzz_client, "/doc/" + doc_id.replace("/", "%2F").replace("?", "%3F").replace("#", "%23"), MultiDict(args)
    )
    # An id with a slash makes "//" in the path, which Werkzeug answers with a redirect to the merged path.
    assert response.status_code in (400, 404) or (response.status_code == 308 and "/" in doc_id)
    assert_answered(get(fuzz_client, "/search.csv", MultiDict(args)), json_twin=False)


@settings(max_examples=40, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(size=st.integers(MAX_QUERY_LENGTH + 1, 10_000), char=st.sampled_from(["老", "a", '"', "-", " ", "<"]))
def test_an_over_long_query_is_refused_with_a_message(fuzz_client, size, char):
    for path, twin in (("/search", False), ("/search.json", True)):
        response = get(fuzz_client, path, MultiDict([("q", char * size)]))
        assert response.status_code == 400
        message = (
            json.loads(response.data)["error"] if twin else soup(response).select_one(".error .message").get_text()
        )
        assert message.startswith(f"查询过长：最多 {MAX_QUERY_LENGTH} 个字符，收到 {size} 个")


@settings(max_examples=500, deadline=None, derandomize=True)
@given(st.lists(st.tuples(st.text(), st.text()), max_size=6))
def test_the_pages_query_strings_are_exactly_urlencodes(pairs):
    from urllib.parse import urlencode

    from web.pages import _query_string

    assert _query_string(pairs) == urlencode(pairs)


def test_a_results_pages_facet_links_keep_the_query_and_toggle_one_value(fuzz_client):
    from search.query import SearchRequest
    from web.pages import search_url

    with fuzz_client.application.test_request_context("/search?q=x"):
        request = SearchRequest(q="稳就业 & A+B", districts=("中原区",))
        assert search_url(request.toggle("district", "二七区")) == (
            "/search?q=%E7%A8%B3%E5%B0%B1%E4%B8%9A+%26+A%2BB&district=%E4%B8%AD%E5%8E%9F%E5%8C%BA"
            "&district=%E4%BA%8C%E4%B8%83%E5%8C%BA"
        )
        assert search_url(request.toggle("district", "中原区")) == "/search?q=%E7%A8%B3%E5%B0%B1%E4%B8%9A+%26+A%2BB"
        assert search_url(request, "web.document", doc_id="abc-1").startswith("/doc/abc-1?q=")


_VALUES = st.text(alphabet="中原区二七&+= %a1", min_size=1, max_size=4)
_REQUESTS = st.builds(
    lambda q, mode, districts, topics, years, months, sort, page, per_page, variants, date_from: __import__(
        "search.query", fromlist=["SearchRequest"]
    ).SearchRequest(
        q=q,
        mode=mode,
        districts=districts,
        topics=topics,
        years=years,
        months=months,
        sort=sort,
        page=page,
        per_page=per_page,
        variants=variants,
        date_from=date_from,
    ),
    st.text(max_size=5),
    st.sampled_from(["exact", "words"]),
    st.lists(_VALUES, max_size=3).map(tuple),
    st.lists(_VALUES, max_size=2).map(tuple),
    st.lists(st.integers(1990, 2030), max_size=3).map(tuple),
    st.lists(st.sampled_from(["2020-01", "2021-12"]), max_size=2).map(tuple),
    st.sampled_from(["relevance", "newest"]),
    st.integers(1, 3),
    st.sampled_from([10, 20]),
    st.booleans(),
    st.none() | st.just("2020-07"),
)


@settings(
    max_examples=300, deadline=None, derandomize=True, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(
    request=_REQUESTS,
    facet=st.sampled_from(["district", "topic", "year", "month", "type"]),
    values=st.lists(_VALUES | st.sampled_from(["2020", "1999", "2020-01", "2021-12"]), max_size=5),
)
def test_facet_urls_equal_each_toggled_requests_url(fuzz_client, request, facet, values):
    """The facet links built once per facet are exactly the URLs of the toggled requests."""
    from web.pages import facet_urls, search_url

    if facet == "year":
        values = [v for v in values if v.isdigit() and len(v) == 4]
    if facet == "month":
        values = [v for v in values if v in ("2020-01", "2021-12")]
    with fuzz_client.application.test_request_context("/search?q=x"):
        assert facet_urls(request, facet, values) == [search_url(request.toggle(facet, v)) for v in values]
