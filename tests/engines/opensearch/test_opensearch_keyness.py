"""/compare and emerging terms on the OpenSearch engine give the embedded engine's numbers.

The 2016-2024 reports (tests/keyness_fixtures) indexed by each engine from the same files, on a real
node (the session's, engine_fixtures); the tables are compared whole, a capped (sampled) side too:
the sample is by id order, the same documents on both.
"""

from __future__ import annotations

import numpy as np
import pytest

from search.analysis.sides import compare
from search.engines import open_engine
from search.query import SearchRequest


@pytest.fixture(scope="module")
def both(year_reports, engine_node):
    index_dir, _ = year_reports
    embedded = open_engine(index_dir)
    remote = open_engine(f"{engine_node}/keyness-reports")
    assert remote.index([index_dir.parent / "reports"], rebuild=True).warnings == []
    assert remote.matching_ids(SearchRequest()) == embedded.matching_ids(SearchRequest())
    return embedded, remote


def rows(result) -> list:
    return [p.to_json() for p in result.rows(range(len(result.table)))]


@pytest.mark.parametrize(
    "a, b",
    [
        (SearchRequest(years=(2024,)), SearchRequest(years=(2023,))),
        (SearchRequest(years=(2020,)), SearchRequest()),
        (SearchRequest(q="高质量发展", date_from="2018"), SearchRequest(date_to="2019")),
    ],
)
def test_compare_gives_the_same_table_on_both_engines(both, a, b):
    embedded, remote = both
    here, there = embedded.compare(a, b, min_freq=3), remote.compare(a, b, min_freq=3)
    assert (here.a, here.b) == (there.a, there.b)
    assert len(here.table) > 100 and rows(here) == rows(there)
    assert np.array_equal(here.select("all", "ratio", 0), there.select("all", "ratio", 0))


def test_a_capped_side_is_the_same_sample_on_both_engines(both):
    embedded, remote = both
    here = compare(embedded, SearchRequest(date_from="2016"), SearchRequest(), min_freq=3, cap=4)
    there = compare(remote, SearchRequest(date_from="2016"), SearchRequest(), min_freq=3, cap=4)
    assert here.a.counted == 4 and here.a.documents > 4 and here.notes == there.notes
    assert rows(here) == rows(there)


def test_emerging_terms_are_the_same_on_both_engines(both):
    embedded, remote = both
    here, there = embedded.emerging(SearchRequest(), min_freq=3), remote.emerging(SearchRequest(), min_freq=3)
    assert here.period_names == there.period_names
    for period in ("2022", "2024"):  # (2020 has one report: no phrase is in two clusters of it)
        mine, theirs = here.terms(period), there.terms(period)
        assert mine.terms and [t.to_json() for t in mine.terms] == [t.to_json() for t in theirs.terms]
