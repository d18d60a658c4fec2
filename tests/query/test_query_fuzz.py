"""Fuzzing the query language: whatever is typed, parsing and searching never raise and results stay
within bounds. Runs are reproducible (derandomize) with a fixed number of examples."""

from __future__ import annotations

import json

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cli.main import main
from search.engines.embedded.run import search
from search.query import FIELDS, MAX_QUERY_LENGTH, MODES, SORTS, ParsedQuery, SearchRequest, parse_query

PARSER_EXAMPLES = 500
SEARCH_EXAMPLES = 200
SEED_DOCUMENTS = 8

# Pieces of queries people (and scripts, and attackers) type: operators without operands, fields
# with garbage, impossible dates, quotes, HTML, regex metacharacters, control characters.
PIECES = [
    '"',
    '\\"',
    "\\",
    "OR",
    "AND",
    "NOT",
    "-",
    "|",
    "||",
    "--",
    "- ",
    "(",
    ")",
    ":",
    "::",
    *(f"{field}:" for field in FIELDS),
    "DISTRICT:",
    "Title:",
    "foo:",
    "district:郑东",
    "topic:就业",
    "title:老旧小区",
    "year:2020",
    "year:2019..2021",
    "year:..",
    "year:2021..2019",
    "year:99999",
    "month:2020-13",
    "month:2020-07",
    "month:0000-00",
    "date:2020-13-45",
    "date:2020-02-30",
    "date:2020年13月",
    "date:..2020-06",
    "date:2020-07..",
    "date:..",
    "date:~",
    "date:至",
    "2020-13-45",
    "..",
    "~",
    "至",
    "<script>alert(1)</script>",
    "<mark>",
    "&lt;",
    "&amp;",
    ".*",
    "[",
    "]",
    "^",
    "$",
    "(?i)",
    "\\d+",
    "+",
    "?",
    "*",
    "{",
    "}",
    "稳就业",
    "二七区",
    "放管服",
    "中原科技城",
    "郑东新区",
    "本报讯",
    "5G",
    "Ａ",
    "，",
    "　",
    "\x00",
    "\x01",
    "\x1b[31m",
    "\t",
    "\n",
    "\r",
    "\x7f",
    "\u200b",
    "\ufeff",
    "\u2028",
    "\ud800",
    "\udcff",
    " ",
    "  ",
]

queries = st.one_of(
    st.text(max_size=200),
    st.lists(st.sampled_from(PIECES), max_size=30).map("".join),
    st.lists(st.one_of(st.sampled_from(PIECES), st.text(max_size=5)), max_size=30).map(" ".join),
    st.builds(lambda piece, n: piece * n, st.sampled_from([*PIECES, "稳", "a"]), st.integers(1, 10_000)),
)


@settings(max_examples=PARSER_EXAMPLES, derandomize=True, deadline=None)
@given(queries)
def test_parse_query_never_raises_and_reads_every_query_into_valid_atoms(text):
    parsed = parse_query(text)
    assert isinstance(parsed, ParsedQuery)
    assert all(isinstance(note, str) and note for note in parsed.notes)
    for group in parsed.groups:
        assert group  # no empty OR group
        for atom in group:
            assert atom.field in (
                "text",
                "title",
                "district",
                "topic",
                "year",
                "month",
                "date",
                "issuer",
                "type",
                "docno",
            )
            assert atom.value  # an atom always has something to look for
            if atom.field in ("year", "date"):
                start, end = atom.interval
                assert start <= end
    assert isinstance(parsed.describe(), str)
    if len(text) > MAX_QUERY_LENGTH:
        assert f"query cut to its first {MAX_QUERY_LENGTH} characters" in parsed.notes


@settings(
    max_examples=SEARCH_EXAMPLES,
    derandomize=True,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    q=queries,
    mode=st.sampled_from(MODES),
    sort=st.sampled_from(SORTS),
    page=st.integers(1, 4),
    per_page=st.integers(1, 5),
)
def test_search_never_raises_and_its_results_stay_within_bounds(seeds_snapshot, q, mode, sort, page, per_page):
    request = SearchRequest(q=q, mode=mode, sort=sort, page=page, per_page=per_page)
    results = search(seeds_snapshot, request)
    assert 0 <= results.total <= SEED_DOCUMENTS
    expected_hits = max(0, min(per_page, results.total - (page - 1) * per_page))
    assert len(results.hits) == expected_hits
    assert len({hit.id for hit in results.hits}) == len(results.hits)
    for values in results.facets.values():
        assert all(1 <= facet.count <= results.total for facet in values)
    if results.total:
        assert sum(facet.count for facet in results.facets["district"]) <= results.total
    for hit in results.hits:
        for snippet in hit.snippets:
            # Only our own <mark> is unescaped: typed HTML never reaches a page as markup.
            assert "<" not in snippet.replace("<mark>", "").replace("</mark>", "")
    json.dumps(results.to_json(), ensure_ascii=False)


def test_query_of_10000_characters_is_searched_for_its_first_1000_with_a_note(seeds_snapshot):
    results = search(seeds_snapshot, SearchRequest(q="稳就业 " + "x" * 9_996))
    assert len(results.request.q) == 10_000
    assert results.notes == (f"query cut to its first {MAX_QUERY_LENGTH} characters",)
    assert results.read_as == "稳就业 AND " + "x" * (MAX_QUERY_LENGTH - 4)
    assert results.total == 0


def test_cli_query_of_10000_characters_is_refused_with_one_line_and_a_hint(seeds_index, runner):
    result = runner.invoke(main, ["query", "稳" * 10_000, "--index", str(seeds_index)])
    assert result.exit_code == 1
    assert result.output.splitlines() == [
        f"error: the query is 10000 characters long; the limit is {MAX_QUERY_LENGTH}",
        "hint: shorten it, or split it into several searches",
    ]


def test_library_reads_an_over_long_query_cut_with_a_note(seeds_snapshot):
    results = search(seeds_snapshot, SearchRequest(q="稳" * 5000))
    assert results.notes == (f"query cut to its first {MAX_QUERY_LENGTH} characters",)
    assert results.read_as == "稳" * MAX_QUERY_LENGTH


def test_cli_query_with_control_characters_html_and_an_open_quote_answers_in_one_json_object(seeds_index, runner):
    result = runner.invoke(main, ["query", '稳就业\x1b[31m <script> OR "未闭合', "--index", str(seeds_index), "--json"])
    assert result.exit_code == 0
    answer = json.loads(result.output)
    assert (answer["read_as"], answer["notes"], answer["total"]) == (
        "稳就业 AND [31m AND (<script> OR 未闭合)",
        ["closing quote added at the end"],
        0,
    )


def test_lone_surrogate_in_a_words_mode_query_is_read_as_a_space(seeds_snapshot):
    # Found by the fuzz test above: jieba could not encode it (UnicodeEncodeError).
    results = search(seeds_snapshot, SearchRequest(q="\ud800稳就业\udcff", mode="words"))
    assert (results.read_as, results.notes) == ("稳就业", ())
    assert results.total == search(seeds_snapshot, SearchRequest(q="稳就业", mode="words")).total > 0
