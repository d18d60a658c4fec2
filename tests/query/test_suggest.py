"""Suggestions as you type: phrases of the archive with their exact document counts."""

from __future__ import annotations

import pytest

from search.engines.embedded.run import matching_ids
from search.engines.embedded.suggest import LIMIT, Suggester, Suggestion, candidates, suggest, suggester
from search.query import SearchRequest
from tests.conftest import oracle


@pytest.mark.parametrize("typed", ["老旧", "放管", "就业", "中原", "稳", "郑东新区", "科技"])
def test_every_suggestion_occurs_with_its_exact_document_count(seeds_snapshot, seed_documents, typed):
    found = suggest(seeds_snapshot, typed)
    assert 0 < len(found) <= LIMIT
    for s in found:
        assert typed in s.phrase and s.phrase != typed
        assert (
            s.count
            == len(oracle(seed_documents, s.phrase))
            == len(matching_ids(seeds_snapshot, SearchRequest(q=f'"{s.phrase}"')))
        )
    starting = [s for s in found if s.phrase.startswith(typed)]
    assert found[: len(starting)] == starting  # phrases starting with it come first
    assert [s.count for s in starting] == sorted((s.count for s in starting), reverse=True)


def test_suggestions_come_from_the_dictionary_the_topics_titles_and_title_words(seeds_snapshot):
    sources = candidates(seeds_snapshot)
    assert sources["简政放权"] == "dictionary"
    assert sources["高校毕业生"] == "topic"  # a trigger of 就业 (not in the dictionary)
    assert "word" in sources.values() and "title" in sources.values()
    offered = {s.phrase: s.source for s in suggest(seeds_snapshot, "放管")}
    assert offered["放管服"] == "dictionary"
    assert "简政放权" not in {s.phrase for s in suggester(seeds_snapshot).entries}  # in no seed


def test_phrases_no_document_holds_are_not_suggested(seeds_snapshot, seed_documents):
    for s in suggester(seeds_snapshot).entries:
        assert s.count > 0


def test_traditional_and_full_width_input_suggest_the_same(seeds_snapshot):
    assert suggest(seeds_snapshot, "老舊") == suggest(seeds_snapshot, "老旧")
    assert suggest(seeds_snapshot, "  ") == []


def test_the_structure_is_built_once_per_generation(seeds_snapshot):
    assert suggester(seeds_snapshot) is suggester(seeds_snapshot)


def test_lookup_orders_by_count_then_length_and_fills_with_phrases_containing_the_input():
    structure = Suggester(
        [
            Suggestion(p, c, "word")
            for p, c in [("改革", 9), ("改革开放", 5), ("改造", 7), ("深化改革", 30), ("改", 40), ("老旧小区改造", 2)]
        ]
    )
    assert [s.phrase for s in structure.suggest("改")] == ["改革", "改造", "改革开放", "深化改革", "老旧小区改造"]
    assert [s.phrase for s in structure.suggest("改革", limit=2)] == ["改革开放", "深化改革"]
    assert structure.suggest("无") == []


def test_suggest_json(client, seeds_snapshot):
    payload = client.get("/suggest?q=老旧").get_json()
    assert payload == {
        "query": "老旧",
        "suggestions": [s.to_json() for s in suggest(seeds_snapshot, "老旧")],
    }
    assert payload["suggestions"][0].keys() == {"phrase", "count", "source"}
    assert client.get("/suggest").get_json() == {"query": "", "suggestions": []}
    long = client.get("/suggest?q=" + "老" * 5000)
    assert long.status_code == 200 and long.get_json()["suggestions"] == []
