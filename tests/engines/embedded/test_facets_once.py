"""Selected facets from one evaluation: the hits and the "as if unselected" counts equal a query run per facet."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

from hypothesis import given, settings
from hypothesis import strategies as st

from search.engines.embedded.run import search
from search.query import SearchRequest

PHRASES = ("", "会议", "发展", "防汛", "经济", "项目")


def _facet_values(snapshot, name):
    column = {"district": snapshot.district, "year": snapshot.year, "month": snapshot.month}[name]
    return sorted({column[n] for n in snapshot.live} - {None})


def _oracle_counts(snapshot, docs, name):
    """Counted document by document from the columns: the facet's values over ``docs``."""
    column = {"district": snapshot.district, "year": snapshot.year, "month": snapshot.month}[name]
    return Counter(column[n] for n in docs if column[n] is not None)


def _ids(snapshot, request):
    """The ids of a request's hits (all of them: the seeds are few)."""
    return {h.id for h in search(snapshot, replace(request, per_page=100, page=1)).hits}


@settings(max_examples=40)
@given(data=st.data())
def test_selected_facets_counts_equal_one_search_per_facet_without_it(seeds_snapshot, data):
    snapshot = seeds_snapshot
    q = data.draw(st.sampled_from(PHRASES))
    districts = tuple(
        data.draw(st.lists(st.sampled_from(_facet_values(snapshot, "district")), max_size=2, unique=True))
    )
    years = tuple(
        int(y) for y in data.draw(st.lists(st.sampled_from(_facet_values(snapshot, "year")), max_size=2, unique=True))
    )
    months = tuple(data.draw(st.lists(st.sampled_from(_facet_values(snapshot, "month")), max_size=1, unique=True)))
    request = SearchRequest(q=q, districts=districts, years=years, months=months, per_page=100)
    results = search(snapshot, request)
    by_id = {snapshot.document(n).id: n for n in snapshot.live}
    plain = _ids(snapshot, replace(request, districts=(), years=(), months=()))

    def keeps(n, without=None):
        return (
            (without == "district" or not districts or snapshot.district[n] in districts)
            and (without == "year" or not years or (snapshot.year[n] or "") in {str(y) for y in years})
            and (without == "month" or not months or snapshot.month[n] in months)
        )

    expected = {i for i in plain if keeps(by_id[i])}
    assert {h.id for h in results.hits} == expected and results.total == len(expected)
    for name, chosen in (("district", districts), ("year", years), ("month", months)):
        if chosen:
            others = [by_id[i] for i in plain if keeps(by_id[i], without=name)]
            assert {f.value: f.count for f in results.facets[name]} == _oracle_counts(snapshot, others, name)


def test_facets_counted_by_value_bitmaps_equal_those_counted_by_codes(seeds_snapshot, monkeypatch):
    from search.engines.embedded import facets
    from search.engines.embedded.facets import count_facets

    for q in PHRASES:
        ids = {h.id for h in search(seeds_snapshot, SearchRequest(q=q, per_page=100)).hits}
        docs = [n for n in seeds_snapshot.live if seeds_snapshot.document(n).id in ids]
        monkeypatch.setattr(facets, "BITMAPS_FROM", 10**9)
        by_codes = count_facets(seeds_snapshot, docs)
        monkeypatch.setattr(facets, "BITMAPS_FROM", 0)
        by_bitmaps = count_facets(seeds_snapshot, docs)
        assert by_bitmaps == by_codes
        assert sum(v.count for v in by_codes["year"]) == sum(1 for n in docs if seeds_snapshot.year[n])
        assert {v.value: v.count for v in by_codes["topic"]} == Counter(
            t for n in docs for t in seeds_snapshot.topics[n]
        )
