"""Keyness and emerging terms counted exactly: against a naive oracle over the source texts.

The oracle (``tests/keyness_oracle.py``) enumerates substrings of letter runs with ``Counter`` and
computes LL (Rayson), log ratio (Hardie, 0.5 for a zero), Gries' DP and the burst z from their
formulas; the code under test counts with numpy levels and prunes.  Random small texts (hypothesis),
and a sample of the 118 reports read from their files (not through the engine) against the index.
"""

from __future__ import annotations

import json
import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.analysis.emerging import count_periods
from search.analysis.keyness import keyness, log_likelihood, log_ratio
from search.analysis.phrases import count_phrases
from search.analysis.sides import even_sample, period_quotas
from search.analysis.trend import Point, Series, Trend, smoothed
from search.cli.main import main
from search.engines import open_engine
from search.query import SearchRequest
from tests import keyness_oracle as oracle

ALPHABET = "改革开放发展改革稳就业 ，。\n1a〇Ｂ"
texts = st.lists(st.text(ALPHABET, max_size=40), min_size=1, max_size=4)


def table_of(result) -> dict[str, dict]:
    return {p.phrase: p for p in result.rows(range(len(result.table)))}


def assert_equal_to_oracle(result, expected: dict[str, dict]) -> None:
    got = table_of(result)
    assert sorted(got) == sorted(expected)
    for phrase, want in expected.items():
        p = got[phrase]
        assert (p.a.freq, p.b.freq) == want["freq"], phrase
        assert (p.a.docs, p.b.docs) == want["docs"], phrase
        assert math.isclose(p.ll, want["ll"], abs_tol=1e-5), phrase
        assert math.isclose(p.log_ratio, want["log_ratio"], abs_tol=1e-5), phrase
        for got_dp, want_dp in zip((p.a.dp, p.b.dp), want["dp"]):
            assert (got_dp is None) == (want_dp is None) and (
                want_dp is None or math.isclose(got_dp, want_dp, abs_tol=1e-4)
            )
        assert p.concentrated == want["concentrated"], phrase


@settings(max_examples=300, deadline=None)
@given(texts, texts, st.integers(1, 3))
def test_keyness_equals_the_naive_count_of_random_texts(side_a, side_b, min_freq):
    assert_equal_to_oracle(keyness(side_a, side_b, min_freq), oracle.keyness(side_a, side_b, min_freq))


LONG_WORDS = ["二十大和二十届二中全会精神", "高质量发展", "中国式现代化全面推进强国建设", "改革", "，", "\n"]
long_texts = st.lists(st.lists(st.sampled_from(LONG_WORDS), max_size=12).map("".join), min_size=1, max_size=3)


@settings(max_examples=150, deadline=None)
@given(long_texts, long_texts, st.integers(1, 3))
def test_keyness_of_texts_of_long_repeated_phrases_equals_the_naive_count(side_a, side_b, min_freq):
    assert_equal_to_oracle(keyness(side_a, side_b, min_freq), oracle.keyness(side_a, side_b, min_freq))


def test_of_the_8_character_windows_of_a_longer_repeated_phrase_only_the_first_is_listed():
    result = keyness(["二十大和二十届二中全会精神。" * 3], ["对照文本内容。"], 2)
    assert sorted(table_of(result)) == ["二十", "二十大和二十届二"]  # 二十 also twice a copy on its own


@settings(max_examples=200, deadline=None)
@given(
    st.lists(
        st.tuples(st.text(ALPHABET, max_size=40), st.sampled_from(["2019", "2020", "2021"])), min_size=1, max_size=6
    ),
    st.integers(1, 3),
    st.sampled_from(["2020", "2021"]),
)
def test_emerging_terms_equal_the_naive_count_of_random_texts(docs, min_freq, period):
    texts, periods = [t for t, _ in docs], [p for _, p in docs]
    if period not in periods:
        return
    counts = count_periods(texts, periods, [str(i) for i in range(len(texts))], "year", min_freq)
    got = {t.phrase: t for t in counts.terms(period).terms}
    want = oracle.emerging(texts, periods, period, min_freq)
    assert sorted(got) == sorted(want)
    for phrase, w in want.items():
        t = got[phrase]
        assert (t.freq, t.prior_freq, t.clusters, t.first_period) == (
            w["freq"],
            w["prior_freq"],
            w["clusters"],
            w["first_period"],
        )
        assert math.isclose(t.z, w["z"], abs_tol=1e-3) and math.isclose(t.log_ratio, w["log_ratio"], abs_tol=1e-3)


def test_a_phrase_never_crosses_punctuation_a_space_a_digit_or_a_line_and_counts_every_position():
    counts = count_phrases(["哈哈哈，改革 开放1发展\n稳就"], 1)
    found = {
        text: int(level.total[i])
        for level in counts.levels
        for i, text in enumerate(counts.text(level, range(len(level.total))))
    }
    assert found == {"哈哈": 2, "哈哈哈": 1, "改革": 1, "开放": 1, "发展": 1, "稳就": 1}
    assert counts.sizes.tolist() == [11]  # letters only: 哈哈哈 改革 开放 发展 稳就


def test_a_fragment_always_inside_a_longer_phrase_is_left_out():
    result = keyness(["十四五规划。十四五规划。十四五规划"], ["规划纲要。规划纲要"], 2)
    assert sorted(table_of(result)) == ["十四五规划", "规划", "规划纲要"]  # 十四五, 四五规 … absorbed; 规划 is not


def test_log_likelihood_and_log_ratio_match_rayson_and_hardie_on_known_values():
    # a=10, b=30 in corpora of 10,000 and 100,000: E1 = 3.6364, E2 = 36.3636,
    # LL = 2 (10 ln(10/3.6364) + 30 ln(30/36.3636)) = 2 (10.1160 - 5.7711) = 8.69
    assert round(log_likelihood(10, 30, 10_000, 100_000), 2) == 8.69
    assert log_ratio(10, 30, 10_000, 100_000) == math.log2(10 / 10_000 / (30 / 100_000))
    assert log_ratio(4, 0, 100, 100) == math.log2(4 / 0.5)  # a zero counts 0.5
    assert log_likelihood(0, 5, 100, 100) == pytest.approx(2 * 5 * math.log(5 / 2.5))


def test_one_document_of_many_cannot_make_a_phrase_key_but_the_one_long_report_of_a_side_can():
    stories = ["新闻一则内容平常。"] * 9 + ["独家专题独家专题独家专题独家专题"]
    result = keyness(stories, ["对照文本内容平常。"] * 5, 2)
    phrase = table_of(result)["独家专题"]
    assert phrase.concentrated and phrase.a.docs == 1
    assert "独家专题" not in [p.phrase for p in result.rows(result.select("a", min_ll=0))]
    assert "独家专题" in [p.phrase for p in result.rows(result.select("a", min_ll=0, with_concentrated=True))]
    report = ["长篇报告" + "改革开放深化改革开放。" * 40, "决议短文。"]
    long_side = table_of(keyness(report, ["对照文本。" * 20], 2))["改革开放"]
    assert not long_side.concentrated and long_side.a.dp < 0.1


def test_selection_sides_sorts_and_bad_arguments():
    result = keyness(["甲乙甲乙甲乙丙丁", "甲乙丙丁"], ["丙丁丙丁丙丁戊己", "戊己戊己"], 1)
    a_rows = result.rows(result.select("a", "ll", 0))
    assert all(p.log_ratio > 0 for p in a_rows) and [p.ll for p in a_rows] == sorted(
        (p.ll for p in a_rows), reverse=True
    )
    b_rows = result.rows(result.select("b", "ratio", 0))
    assert all(p.log_ratio <= 0 for p in b_rows)
    assert [p.log_ratio for p in b_rows] == sorted(p.log_ratio for p in b_rows)
    by_freq = result.rows(result.select("all", "freq", 0))
    assert [p.a.freq + p.b.freq for p in by_freq] == sorted((p.a.freq + p.b.freq for p in by_freq), reverse=True)
    with pytest.raises(ValueError, match="side must be"):
        result.select("c")
    with pytest.raises(ValueError, match="sort must be"):
        result.select("a", "size")
    with pytest.raises(ValueError, match="min_freq"):
        keyness(["甲乙"], ["丙丁"], 0)


def test_an_even_sample_is_the_same_ids_whatever_their_order_and_quotas_share_the_cap():
    ids = [f"{i:04d}" for i in range(100)]
    assert even_sample(list(reversed(ids)), 10) == ids[::10]
    assert even_sample(ids[:5], 10) == ids[:5]
    assert period_quotas({"2019": 3, "2020": 500, "2021": 1000}, 300) == {"2019": 3, "2020": 148, "2021": 149}


def test_smoothing_averages_each_point_with_its_neighbours_as_the_ngram_viewer_does():
    points = tuple(Point(str(2000 + i), d, 2 * d, float(d)) for i, d in enumerate([0, 3, 6, 0, 9]))
    series = Series("x", None, 18, 36, 1, 2, "2001", points)
    trend = Trend(SearchRequest(), ("x",), "year", "documents", None, tuple(p.period for p in points), (series,))
    one = smoothed(trend, 1)
    assert [p.documents for p in one.series[0].points] == [1.5, 3.0, 3.0, 5.0, 4.5]
    assert [p.occurrences for p in one.series[0].points] == [3.0, 6.0, 6.0, 10.0, 9.0]
    assert one.series[0].total_documents == 18 and one.series[0].undated_documents == 1
    assert one.to_json()["smooth"] == 1 and "smooth" not in trend.to_json()
    assert [p.documents for p in smoothed(trend, 3).series[0].points] == [2.25, 3.6, 3.6, 3.6, 4.5]  # 9/4 … 18/4
    assert smoothed(trend, 0) is trend
    with pytest.raises(ValueError, match="smooth must be 0 to 3"):
        smoothed(trend, 4)


# -- the reports: the engine's comparison against the source files ------------------------------


def test_keyness_on_a_sample_of_the_reports_equals_the_oracle_over_their_files(report_sample_index):
    snapshot, documents = report_sample_index
    engine = open_engine(snapshot.index_dir)
    side_a = [text for year, text in documents if year >= "2000"]
    side_b = [text for year, text in documents if year < "2000"]
    assert side_a and side_b
    result = engine.compare(SearchRequest(date_from="2000"), SearchRequest(date_to="1999"), min_freq=10)
    assert (result.a.documents, result.b.documents) == (len(side_a), len(side_b))
    assert (result.a.characters, result.b.characters) == (sum(map(oracle.size, side_a)), sum(map(oracle.size, side_b)))
    expected = oracle.keyness(side_a, side_b, 10)
    assert len(expected) > 1000
    assert_equal_to_oracle(result, expected)
    # B left out: the rest of the archive, the same numbers as B given as its complement here.
    rest = engine.compare(SearchRequest(date_from="2000"), SearchRequest(), min_freq=10)
    assert rest.b.documents == len(side_b) and len(rest.table) == len(result.table)


# -- the CLI ----------------------------------------------------------------------------------------


def test_search_compare_prints_a_table_json_csv_and_names_bad_sides(report_sample_index, runner, tmp_path):
    snapshot, _ = report_sample_index
    index = str(snapshot.index_dir)
    result = runner.invoke(main, ["compare", "--index", index, "--a", "from=2000", "--b", "to=1999", "--limit", "5"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("A: 全部文档 · 2000年至… · 9 documents")
    assert "\nB: 全部文档 · …至1999年 · 6 documents" in result.output
    data = json.loads(
        runner.invoke(main, ["compare", "--index", index, "--a", "from=2000", "--json", "--limit", "3"]).output
    )
    assert len(data["phrases"]) == 3 and data["side"] == "a" and data["total"] > 3
    assert [p["ll"] for p in data["phrases"]] == sorted((p["ll"] for p in data["phrases"]), reverse=True)
    rows = runner.invoke(main, ["compare", "--index", index, "--a", "from=2000", "--csv"]).output.splitlines()
    assert rows[0].startswith("序号,短语,多用于,对数似然") and len(rows) == data["total"] + 1
    out = tmp_path / "k.xlsx"
    assert runner.invoke(main, ["compare", "--index", index, "--a", "from=2000", "--xlsx", str(out)]).exit_code == 0
    assert out.stat().st_size > 1000
    bad = runner.invoke(main, ["compare", "--index", index, "--a", "year=20x4"])
    assert bad.exit_code != 0 and "--a: year must be four digits" in bad.output
    bad = runner.invoke(main, ["compare", "--index", index, "--a", "colour=red"])
    assert bad.exit_code != 0 and "unknown parameter 'colour'" in bad.output


def test_search_emerging_and_trend_smooth(runner, seeds_index):
    out = runner.invoke(main, ["emerging", "--index", str(seeds_index), "--min-freq", "2"])
    assert out.exit_code == 0, out.output
    bad = runner.invoke(main, ["emerging", "--index", str(seeds_index), "--period", "1800"])
    assert bad.exit_code != 0 and "no counted document is of the period '1800'" in bad.output
    plain = json.loads(runner.invoke(main, ["trend", "就业", "--index", str(seeds_index), "--json"]).output)
    smooth = json.loads(
        runner.invoke(main, ["trend", "就业", "--index", str(seeds_index), "--json", "--smooth", "1"]).output
    )
    values = [p["documents"] for p in plain["series"][0]["points"]]
    expected = [
        round(sum(values[max(0, i - 1) : i + 2]) / len(values[max(0, i - 1) : i + 2]), 2) for i in range(len(values))
    ]
    assert [p["documents"] for p in smooth["series"][0]["points"]] == expected and smooth["smooth"] == 1
    text = runner.invoke(main, ["trend", "就业", "--index", str(seeds_index), "--smooth", "2"]).output
    assert "smoothed over 5 periods" in text


def test_counting_pairs_by_sorting_gives_what_counting_them_densely_gives(monkeypatch):
    from search.analysis import phrases

    sample = ["改革开放发展改革稳就业，改革开放。" * 3, "高质量发展稳就业\n改革开放"]
    dense = keyness(sample[:1], sample[1:], 1)
    monkeypatch.setattr(phrases, "DENSE_PAIRS", 0)  # more characters than the dense table takes: sorted
    assert [p.to_json() for p in table_of(keyness(sample[:1], sample[1:], 1)).values()] == [
        p.to_json() for p in table_of(dense).values()
    ]


def test_a_server_reads_the_ids_in_the_background_and_a_new_generation_is_counted(writable_seeds):
    import time

    from search.engines.embedded.engine import EmbeddedEngine

    folder, index_dir = writable_seeds
    engine = EmbeddedEngine(index_dir)
    engine.warm_up(background=True)
    first = engine.snapshot()
    deadline = time.monotonic() + 20
    while "keyness ids" not in first._derived and time.monotonic() < deadline:
        time.sleep(0.05)
    assert "keyness ids" in first._derived
    before = engine.compare(SearchRequest(), SearchRequest(q="稳就业"), min_freq=1)
    (folder / "new.txt").write_text("新增文件\n\n独一无二的新短语出现两次，独一无二的新短语。\n", encoding="utf-8")
    assert engine.index([folder]).warnings == []
    while engine.snapshot() is first and time.monotonic() < deadline:
        time.sleep(0.05)
    after = engine.compare(SearchRequest(), SearchRequest(q="稳就业"), min_freq=1)
    assert after.a.documents + after.b.documents == before.a.documents + before.b.documents + 1
    assert "独一无二的新短语" in table_of(after) and "独一无二的新短语" not in table_of(before)
