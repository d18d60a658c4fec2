"""Concordance: every occurrence once, in context, in the order asked; totals agree with the trend."""

from __future__ import annotations

import json
from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from search.analysis.collocates import collocates
from search.analysis.concordance import PARAGRAPH_MARK
from search.cli.main import main
from search.engines.embedded.concordance import all_lines, concordance
from search.engines.embedded.trend import trend
from search.query import SearchRequest
from search.text.analyzer import segmenter
from search.text.normalize import fold
from tests.source_texts import phrases_from


@given(data=st.data())
@settings(max_examples=120, derandomize=True, deadline=None, suppress_health_check=list(HealthCheck))
def test_lines_are_every_occurrence_with_its_context(seeds_snapshot, seed_documents_by_year, data):
    phrase = data.draw(phrases_from(seed_documents_by_year))
    request = SearchRequest(q=f'"{phrase}"')
    lines = list(all_lines(seeds_snapshot, request, width=12))
    assert len(lines) == sum(text.count(phrase) for _, text in seed_documents_by_year)
    (series,) = trend(seeds_snapshot, [request.q]).series
    assert concordance(seeds_snapshot, request).total_occurrences == series.total_occurrences == len(lines)
    texts = {}
    for line in lines:
        if line.id not in texts:
            texts[line.id] = next(
                seeds_snapshot.search_text(n) for n in seeds_snapshot.live if seeds_snapshot.document(n).id == line.id
            )
        text = texts[line.id]
        assert fold(line.match) == phrase == text[line.offset : line.offset + len(phrase)]
        assert fold(line.left) == text[max(0, line.offset - 12) : line.offset].replace("\n", PARAGRAPH_MARK)
        end = line.offset + len(phrase)
        assert fold(line.right) == text[end : end + 12].replace("\n", PARAGRAPH_MARK)


def test_pages_in_date_order_concatenate_to_all_lines(seeds_snapshot):
    request = SearchRequest(q="发展", per_page=7)
    every = list(all_lines(seeds_snapshot, request))
    pages = []
    page = 1
    while True:
        lines = concordance(seeds_snapshot, replace(request, page=page)).lines
        if not lines:
            break
        pages.extend(lines)
        page += 1
    assert pages == every
    dates = [seeds_snapshot.date_rank[n] for n in seeds_snapshot.live]
    assert len(every) > 50 and len(set(dates)) > 2
    ranks = [_rank(line.date) for line in every]
    assert ranks == sorted(ranks)


def _rank(published):
    if not published:
        return 10**9
    parts = [int(p) for p in published.split("-")] + [0, 0]
    return parts[0] * 10_000 + parts[1] * 100 + parts[2]


def test_right_order_sorts_by_the_text_after_the_match(seeds_snapshot):
    lines = concordance(seeds_snapshot, SearchRequest(q="改造", per_page=100), order="right", width=15).lines
    keys = [fold(line.right.replace(PARAGRAPH_MARK, "\n")) for line in lines]
    assert keys == sorted(keys)


def test_words_mode_lines_show_each_word(seeds_snapshot):
    assert segmenter().cut("加快改造") == ["加快", "改造"]
    result = concordance(seeds_snapshot, SearchRequest(q="加快改造", mode="words", per_page=1000))
    assert {line.match for line in result.lines} == {"加快", "改造"}
    (series,) = trend(seeds_snapshot, ["加快改造"], SearchRequest(mode="words")).series
    assert result.total_occurrences == series.total_occurrences == len(result.lines)


def test_collocates_lie_within_ten_characters_of_a_match(seeds_snapshot):
    result = concordance(seeds_snapshot, SearchRequest(q="老旧小区"), sample_size=300)
    assert len(result.sample) == result.total_occurrences == 8
    words = collocates(seeds_snapshot, result.sample)
    assert words[0].count >= words[-1].count
    for word in words:
        near = 0
        for docnum, offset, phrase in result.sample:
            text = seeds_snapshot.search_text(docnum)
            window = text[max(0, offset - 10) : offset] + "|" + text[offset + len(phrase) : offset + len(phrase) + 10]
            near += window.count(word.word)
        assert near >= word.count, word


def test_cli_kwic_json_follows_the_contract(runner, seeds_location):
    result = runner.invoke(main, ["kwic", "老旧小区", "--index", str(seeds_location), "--json", "--limit", "2"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    assert (data["query"], data["total_occurrences"], data["page"]) == ("老旧小区", 8, 1)
    assert list(data["lines"][0]) == ["id", "title", "date", "district", "left", "match", "right", "offset"]
    # 1258: seed 002's title holds "……", two characters as written (NFKC made them six dots).
    assert data["lines"][0]["match"] == "老旧小区" and data["lines"][0]["offset"] == 1258


def test_cli_kwic_csv_prints_every_line(runner, seeds_location):
    result = runner.invoke(main, ["kwic", "老旧小区", "--index", str(seeds_location), "--csv", "--sort", "left"])
    rows = result.output.splitlines()
    assert rows[0] == "id,title,date,district,left,match,right,offset"
    assert len(rows) == 9


def test_cli_kwic_refuses_a_width_out_of_range(runner, seeds_location):
    result = runner.invoke(main, ["kwic", "老旧小区", "--index", str(seeds_location), "--width", "61"])
    assert result.exit_code == 2
    assert "10<=x<=60" in result.output


def test_paging_reuses_the_result_set_of_the_first_page(seeds_snapshot):
    from search.engines.embedded.matches import find_matches

    first = find_matches(seeds_snapshot, SearchRequest(q="老旧小区", page=1))
    again = find_matches(seeds_snapshot, SearchRequest(q="老旧小区", page=3, per_page=2))
    other_mode = find_matches(seeds_snapshot, SearchRequest(q="老旧小区", mode="words"))
    assert again is first
    assert other_mode is not first
    assert find_matches(seeds_snapshot, SearchRequest(q="老旧小区", districts=("中原区",))).docs != first.docs
