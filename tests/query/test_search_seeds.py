"""Exact phrase search over the seed reports, end to end through the `search` command."""

from __future__ import annotations

import json
from typing import ClassVar

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.cli.main import main
from search.engines.embedded.run import matching_ids, search
from search.query import SearchRequest
from search.text.normalize import normalize_query
from tests.conftest import S000, S001, S002, S003, S004, oracle


def run_query(runner, index_dir, *args) -> dict:
    result = runner.invoke(main, ["query", "--index", str(index_dir), "--json", "--limit", "1000", *args])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def found(payload) -> set[tuple[str, int]]:
    return {(h["source"], int(h["id"].rsplit("-", 1)[1])) for h in payload["hits"]}


def quoted(phrase: str) -> str:
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


GOLDEN_JOINED = [
    ("核心板块建设进度", {(S004, 0)}),
    ("设置党员四必访", {(S004, 2)}),
    ("辐射周边3个城市社区", {(S004, 2)}),
    ("西流湖公园综合整治拆迁", {(S002, 0)}),
    ("持续开展大检查", {(S002, 0)}),
    ("食品安全示范区创建", {(S002, 0)}),
    ("中原区公共卫生服务中心建设", {(S002, 0)}),
    ("复工复产的重要载体", {(S002, 0)}),
    ("养老产业园等重点项目", {(S001, 0)}),
    ("确保3所建成投用", {(S003, 0)}),
    ("西流湖第三幼儿园", {(S003, 0)}),
    ("家门口", {(S003, 0)}),
    ("抓好高校毕业生", {(S003, 0)}),
    ("服务设施建设工程", {(S003, 0)}),
]


@pytest.mark.parametrize("phrase, expected", GOLDEN_JOINED, ids=[p for p, _ in GOLDEN_JOINED])
def test_phrase_broken_by_extraction_is_found_in_its_seed(runner, seeds_location, phrase, expected):
    assert found(run_query(runner, seeds_location, phrase)) == expected


APART = ["下半年重点抓好", "持续抓好项目建设积极争取", "会商会议本报讯", "突出重点担当作为"]


@pytest.mark.parametrize("phrase", APART)
def test_no_false_phrase_across_a_heading_or_byline(runner, seeds_location, phrase):
    payload = run_query(runner, seeds_location, phrase)
    assert payload["total"] == 0
    assert payload["hits"] == []


def test_heading_keeps_its_space_so_the_quoted_phrase_with_space_is_found(runner, seeds_location):
    assert found(run_query(runner, seeds_location, '"突出重点 担当作为"')) == {(S003, 0)}


POLICY_PHRASES = {
    "中原科技城": {(S000, 0), (S004, 0)},
    "老旧小区": {(S000, 0), (S002, 0), (S003, 0)},
    "就业": {(S001, 0), (S002, 0), (S003, 0)},
    "放管服": {(S001, 0), (S002, 0)},
    "建设进度": {(S002, 0), (S004, 0)},
    "5G": {(S000, 0)},
}


@pytest.mark.parametrize("phrase", sorted(POLICY_PHRASES))
def test_policy_phrase_returns_exactly_the_documents_containing_it(runner, seeds_location, seed_documents, phrase):
    payload = run_query(runner, seeds_location, phrase)
    expected = oracle(seed_documents, normalize_query(phrase))
    assert expected == POLICY_PHRASES[phrase]
    assert found(payload) == expected
    assert payload["total"] == len(expected)


@pytest.mark.parametrize("phrase", sorted(POLICY_PHRASES))
def test_facet_counts_equal_the_counts_of_the_hits(runner, seeds_location, phrase):
    payload = run_query(runner, seeds_location, phrase)
    for facet, key in (("district", "district"), ("topic", "topics")):
        counts = {}
        for hit in payload["hits"]:
            values = hit[key] if isinstance(hit[key], list) else [hit[key]]
            for value in values:
                if value:
                    counts[value] = counts.get(value, 0) + 1
        assert {f["value"]: f["count"] for f in payload["facets"][facet]} == counts
    years = {}
    for hit in payload["hits"]:
        if hit["date"]:
            years[hit["date"][:4]] = years.get(hit["date"][:4], 0) + 1
    assert {f["value"]: f["count"] for f in payload["facets"]["year"]} == years


def test_json_has_the_contract_shape(runner, seeds_location):
    payload = run_query(runner, seeds_location, "中原科技城")
    assert set(payload) >= {"query", "mode", "total", "page", "took_ms", "hits", "facets"}
    assert payload["query"] == "中原科技城" and payload["mode"] == "exact" and payload["page"] == 1
    hit = payload["hits"][0]
    assert set(hit) == {
        "id",
        "title",
        "district",
        "date",
        "topics",
        "source",
        "score",
        "snippets",
        "variants",
        "issuer",
        "doc_number",
        "doc_type",
        "date_source",
        "district_source",
        "text_source",
    }
    assert set(payload["facets"]) >= {"district", "year", "topic", "issuer", "type"}


def test_every_snippet_marks_the_whole_phrase(runner, seeds_location):
    payload = run_query(runner, seeds_location, "中原科技城")
    for hit in payload["hits"]:
        assert 1 <= len(hit["snippets"]) <= 3
        for snippet in hit["snippets"]:
            assert "<mark>中原科技城</mark>" in snippet


def test_news_page_items_have_their_own_dates(runner, seeds_location):
    payload = run_query(runner, seeds_location, "本报讯", "--sort", "oldest")
    assert [(h["source"], h["date"]) for h in payload["hits"]] == [
        (S004, "2020-07"),
        (S004, "2020-07-18"),
        (S004, "2020-07-20"),
        (S004, "2020-07-21"),
    ]


def test_title_match_ranks_first(runner, seeds_location):
    payload = run_query(runner, seeds_location, "中原科技城")
    assert found({"hits": payload["hits"][:1]}) == {(S004, 0)}


def test_or_and_not_combine(runner, seeds_location):
    assert found(run_query(runner, seeds_location, "放管服 OR 5G")) == {(S000, 0), (S001, 0), (S002, 0)}
    assert found(run_query(runner, seeds_location, "放管服 -二七")) == {(S002, 0)}


def test_district_filter_option_and_syntax_agree(runner, seeds_location):
    a = found(run_query(runner, seeds_location, "建设", "--district", "中原区"))
    b = found(run_query(runner, seeds_location, "建设 district:中原区"))
    assert a == b == {(S002, 0), (S003, 0)}


def test_year_and_date_filters(runner, seeds_location):
    assert found(run_query(runner, seeds_location, "建设", "--year", "2024")) == {(S003, 0)}
    assert found(run_query(runner, seeds_location, "date:2020-08")) == {(S000, 0), (S001, 0)}
    assert found(run_query(runner, seeds_location, "", "--from", "2020年7月20日", "--to", "2020-07-31")) == {
        (S004, 1),
        (S004, 3),
    }


def test_month_filter_and_syntax_keep_documents_of_that_month(runner, seeds_location):
    assert found(run_query(runner, seeds_location, "month:2020-08")) == {(S000, 0), (S001, 0)}
    # 近日 on the 2020-07-18 page is dated to the month, so it is in July too.
    assert found(run_query(runner, seeds_location, "month:2020年7月")) == {(S004, 0), (S004, 1), (S004, 2), (S004, 3)}
    assert found(run_query(runner, seeds_location, "month:2020-08 OR month:2024-01")) == {(S000, 0), (S001, 0)}


def test_month_option_of_the_cli_and_of_saved_add(runner, seeds_location):
    assert found(run_query(runner, seeds_location, "", "--month", "2020-08")) == {(S000, 0), (S001, 0)}
    bad = runner.invoke(main, ["query", "", "--month", "2020-8", "--index", str(seeds_location)])
    assert (bad.exit_code, bad.output) == (1, "error: month must look like 2020-07, not '2020-8'\n")


def test_month_request_round_trips_and_toggles():
    request = SearchRequest.from_args({"q": "建设", "month": "2020-07"})
    assert request.months == ("2020-07",)
    assert request.to_args() == [("q", "建设"), ("month", "2020-07")]
    assert request.toggle("month", "2020-07").months == ()
    assert request.toggle("month", "2020-08").months == ("2020-07", "2020-08")
    with pytest.raises(ValueError, match="month must look like 2020-07"):
        SearchRequest.from_args({"month": "2020-13"})


def test_month_filter_through_the_request(seeds_snapshot):
    results = search(seeds_snapshot, SearchRequest(months=("2020-08",)))
    assert results.total == 2
    # The selected facet counts as if unselected (what the page offers beside it).
    assert results.facets["month"] == search(seeds_snapshot, SearchRequest()).facets["month"]
    assert ("2020-08", 2) in [(f.value, f.count) for f in results.facets["month"]]


def test_title_filter_matches_titles_only(runner, seeds_location):
    assert found(run_query(runner, seeds_location, "title:防汛")) == {(S004, 3)}


def test_words_mode_finds_words_anywhere(runner, seeds_location):
    exact = run_query(runner, seeds_location, "老旧小区综合改造")
    words = run_query(runner, seeds_location, "老旧小区综合改造", "--mode", "words")
    assert found(exact) == {(S002, 0)}
    assert found(words) >= found(exact)
    assert words["total"] > exact["total"]


def test_pagination_is_consistent_with_total(runner, seeds_location):
    all_hits = run_query(runner, seeds_location, "发展")
    page2 = run_query(runner, seeds_location, "发展", "--limit", "2", "--page", "2")
    assert page2["total"] == all_hits["total"]
    assert [h["id"] for h in page2["hits"]] == [h["id"] for h in all_hits["hits"][2:4]]


def test_malformed_query_is_read_leniently(runner, seeds_location):
    payload = run_query(runner, seeds_location, '"中原科技城 OR')
    assert payload["total"] == 0
    assert payload["notes"] == ["closing quote added at the end"]


def _phrases(seed_documents):
    texts = [text for _, _, text in seed_documents]

    @st.composite
    def phrase(draw):
        text = draw(st.sampled_from(texts))
        line = draw(st.sampled_from([part for part in text.split("\n") if part.strip()]))
        length = draw(st.integers(1, min(10, len(line))))
        start = draw(st.integers(0, len(line) - length))
        return line[start : start + length]

    return phrase()


@pytest.fixture(scope="module")
def phrase_strategy(seed_documents):
    return _phrases(seed_documents)


def test_exact_mode_equals_the_substring_oracle(seeds_snapshot, seed_documents, phrase_strategy):
    """For random substrings of the seeds (1-10 characters: CJK, digits, Latin, punctuation), exact results == oracle."""
    id_of = {}
    for n in seeds_snapshot.live:
        doc = seeds_snapshot.document(n)
        id_of[doc.id] = (doc.source, doc.item)

    @settings(max_examples=400, deadline=None, suppress_health_check=list(HealthCheck))
    @given(phrase_strategy)
    def check(phrase):
        # The query form of a phrase sampled from normalized text is the phrase itself,
        # but for spaces at its edges, which a query strips.
        assert normalize_query(phrase) == phrase.strip()
        got = {id_of[i] for i in matching_ids(seeds_snapshot, SearchRequest(q=quoted(phrase)))}
        assert got == oracle(seed_documents, phrase.strip())

    check()


def test_search_results_total_matches_matching_ids(seeds_snapshot):
    request = SearchRequest(q="建设")
    assert search(seeds_snapshot, request).total == len(matching_ids(seeds_snapshot, request))


QUERY_PIECES = st.sampled_from(
    [
        '"',
        "OR",
        "|",
        "-",
        "NOT",
        "AND",
        "district:",
        "topic:",
        "title:",
        "year:",
        "date:",
        "..",
        "2020-13-45",
        "中原科技城",
        "就业",
        "二七",
        "<img onerror=alert(1)>",
        "(",
        ")",
        "\\",
        ":",
        "*",
        "?",
        "[",
        "年",
        "7月",
        " ",
    ]
)


@settings(max_examples=300, deadline=None, suppress_health_check=list(HealthCheck))
@given(st.lists(st.one_of(QUERY_PIECES, st.text(max_size=5)), max_size=12).map("".join))
def test_search_never_raises_on_any_query(seeds_snapshot, query):
    results = search(seeds_snapshot, SearchRequest(q=query, per_page=3))
    assert results.total >= len(results.hits)
    for hit in results.hits:
        for snippet in hit.snippets:
            assert "<img" not in snippet and "<script" not in snippet


def test_more_occurrences_rank_higher_when_no_title_matches(runner, seeds_location):
    # 老旧小区: four times in 002, three in 000, once in 003; in no title
    payload = run_query(runner, seeds_location, "老旧小区")
    assert [h["source"] for h in payload["hits"]] == [S002, S000, S003]
    scores = [h["score"] for h in payload["hits"]]
    assert scores == sorted(scores, reverse=True) and len(set(scores)) == 3


def test_combined_exact_queries_equal_the_set_algebra_of_the_oracle(seeds_snapshot, seed_documents, phrase_strategy):
    """AND of phrases, some negated, some ORed: the engine's sets equal the oracle's set algebra."""
    id_of = {
        seeds_snapshot.document(n).id: (seeds_snapshot.document(n).source, seeds_snapshot.document(n).item)
        for n in seeds_snapshot.live
    }
    everything = {(name, item) for name, item, _ in seed_documents}

    @settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.lists(st.tuples(phrase_strategy, st.booleans(), st.booleans()), min_size=1, max_size=4))
    def check(parts):
        parts = [(p.strip(), neg, alt) for p, neg, alt in parts if p.strip()]
        if not parts:
            return
        query, expected, group = [], None, None
        for i, (phrase, negated, or_next) in enumerate(parts):
            docs = oracle(seed_documents, phrase)
            docs = everything - docs if negated else docs
            query.append(("-" if negated else "") + quoted(phrase))
            group = docs if group is None else group | docs
            if or_next and i + 1 < len(parts):
                query.append("OR")
                continue
            expected = group if expected is None else expected & group
            group = None
        got = {id_of[i] for i in matching_ids(seeds_snapshot, SearchRequest(q=" ".join(query)))}
        assert got == expected, " ".join(query)

    check()


def _ranking(snapshot, q: str, per_page: int, prune_from: int, sort: str = "relevance") -> list[tuple[str, float]]:
    from search.engines.embedded.rank import Scorer

    saved, Scorer.PRUNE_FROM = Scorer.PRUNE_FROM, prune_from
    try:
        return [(h.id, h.score) for h in search(snapshot, SearchRequest(q=q, per_page=per_page, sort=sort)).hits]
    finally:
        Scorer.PRUNE_FROM = saved


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(data=st.data())
def test_pruned_and_cut_off_rankings_equal_the_full_ranking(seeds_snapshot, seed_documents, data):
    """Top-k pruning by title bounds and the sort cutoff change no page: every short page is the
    prefix of the full, unpruned ordering, scores included."""
    titles = [text.split("\n", 1)[0] for _, _, text in seed_documents]
    phrases = []
    for _ in range(data.draw(st.integers(1, 3))):  # several phrases: title parts of unequal weight
        source = data.draw(st.sampled_from(titles + [text for _, _, text in seed_documents]))
        start = data.draw(st.integers(0, max(0, len(source) - 1)))
        phrase = source[start : start + data.draw(st.integers(1, 6))].strip()
        if phrase and '"' not in phrase and "\\" not in phrase:
            phrases.append('"' + phrase + '"')
    if not phrases:
        return
    q = data.draw(st.sampled_from([" ", " OR "])).join(phrases)
    sort = data.draw(st.sampled_from(["relevance", "newest", "oldest"]))
    full = _ranking(seeds_snapshot, q, 100, prune_from=10**9, sort=sort)
    for per_page in (1, 2, 3):
        assert _ranking(seeds_snapshot, q, per_page, prune_from=0, sort=sort) == full[:per_page]


def test_prune_keeps_exactly_the_documents_whose_best_possible_score_reaches_the_kth_title_floor():
    import numpy as np

    from search.engines.embedded.rank import Scorer

    class Titles:  # the one snapshot method prune reads
        hits: ClassVar[dict[str, set[int]]] = {"A": {1, 2}, "B": {1, 3}}

        def docs_with_phrase_in_title(self, phrase):
            return self.hits[phrase]

    class Unverified:  # no phrase was verified by a find: titles are scanned
        def in_title(self, phrase, at):
            return None

    scorer = Scorer.__new__(Scorer)
    scorer.snapshot, scorer.matcher = Titles(), Unverified()
    scorer.phrases, scorer.idf = ("A", "B"), {"A": 3.0, "B": 1.0}
    scorer._titles = {}
    scorer.PRUNE_FROM = 0
    docs = np.array([1, 2, 3, 4])
    # Title floors (TITLE_BONUS 3 × idf): 1 → 12, 2 → 9, 3 → 3, 4 → 0; frequencies add less than
    # (K1 + 1) × (3 + 1) = 8.8.
    assert scorer.prune(docs, 1).tolist() == [1, 2]  # 12 - 8.8 = 3.2: document 2 (9 + up to 8.8) may still win
    assert scorer.prune(docs, 2).tolist() == [1, 2, 3]  # 9 - 8.8 = 0.2: only 4 (no title hit) is out
    assert scorer.prune(docs, 3).tolist() == [1, 2, 3, 4]  # the third floor (3) is below the slack: no pruning
    assert scorer.prune(np.array([2, 3, 4]), 1).tolist() == [2, 3]  # 9 - 8.8 = 0.2: 3 (3 + up to 8.8) may still win


def test_warm_up_computes_what_every_query_shares(seeds_index):
    from search.engines.embedded.archive import Archive
    from search.engines.embedded.documents import find_document
    from search.engines.embedded.run import warm_up

    snapshot = Archive(seeds_index).snapshot()
    warm_up(snapshot)
    assert sorted(snapshot._derived) == [
        "average length",
        "date ranks",
        "dedup clusters",
        "doc number series",
        "facet counts",
        "file hashes",
        "length norms",
        "titles",
    ]  # dedup clusters: every page says how many reprints it holds (search.dedup)
    assert {"district", "published", "topics", "live", "year", "month"} <= set(vars(snapshot))
    assert len(snapshot._derived["length norms"]) == snapshot.size
    # a document page after the warm-up computes nothing: its id and its file are looked up in what is there
    snapshot._file_hashes = None
    some = snapshot.document(snapshot.size - 1)
    assert find_document(snapshot, some.id) == snapshot.size - 1
    assert snapshot.size - 1 in snapshot.docs_of_file(some.source)


def test_opening_a_snapshot_reads_no_column_and_decodes_no_text(seeds_index):
    from search.engines.embedded.archive import Archive

    snapshot = Archive(seeds_index).snapshot()
    assert {"district", "published", "topics", "file_sig", "live"} & set(vars(snapshot)) == set()
    assert snapshot._derived == {}
    assert snapshot.containing([0, 1, 2, 3], "会议") == [n for n in range(4) if "会议" in snapshot.search_text(n)]
    assert "district" not in vars(snapshot)


def test_bm25_scores_of_a_tiny_corpus_are_exact(tmp_path):
    """Three documents, one phrase: each score from BM25's definition, with numbers read off the texts."""
    import math

    from search.engines.embedded.archive import Archive
    from search.engines.embedded.commit import index_paths

    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("稳就业\n\n会议部署稳就业和稳就业工作。\n", encoding="utf-8")
    (folder / "b.txt").write_text("甲文\n\n会议强调稳就业。\n", encoding="utf-8")
    (folder / "c.txt").write_text("乙文\n\n会议部署老旧小区改造工作。\n", encoding="utf-8")
    index_paths([folder], tmp_path / "ix")
    results = search(Archive(tmp_path / "ix").snapshot(), SearchRequest(q="稳就业"))
    # Search texts: "稳就业\n会议部署稳就业和稳就业工作。" (18 characters, tf 3, title hit),
    # "甲文\n会议强调稳就业。" (11, tf 1), "乙文\n会议部署老旧小区改造工作。" (16, tf 0).
    n, df, avglen, k1, b = 3, 2, (18 + 11 + 16) / 3, 1.2, 0.75
    idf = math.log(1 + (n - df + 0.5) / (df + 0.5))

    def bm25(tf, length, title):
        return idf * (tf * (k1 + 1) / (tf + k1 * (1 - b + b * length / avglen)) + 3.0 * title)

    assert [(h.source, h.score) for h in results.hits] == [
        ("a.txt", round(bm25(3, 18, 1), 4)),
        ("b.txt", round(bm25(1, 11, 0), 4)),
    ]
    assert [h.score for h in results.hits] == [2.1182, 0.5276]
