"""Snapshot internals: cache bounds and date keys."""

from datetime import date

from cachetools import LRUCache

from search.engines.embedded.archive import Archive
from search.engines.embedded.dates import date_rank as _date_rank
from search.engines.embedded.dates import date_span as _date_span


def test_postings_cache_is_bounded_by_the_ids_it_holds_and_skips_a_set_larger_than_itself(seeds_index):
    snapshot = Archive(seeds_index).snapshot()
    snapshot._postings = LRUCache(maxsize=3, getsizeof=len)
    everywhere = snapshot.docs_with_char("。")
    assert len(everywhere) == len(snapshot.live)  # 8 ids: more than the cache holds, answered all the same
    assert list(snapshot._postings) == []
    rare = snapshot.docs_with_gram("防汛")
    assert len(rare) == 2
    assert list(snapshot._postings) == [("gram", "防汛")]
    assert snapshot.docs_with_gram("防汛") is rare


def test_date_rank_sorts_less_precise_dates_before_those_they_contain():
    assert sorted(["2020-07-18", "2020", "2019-12-31", "2020-07"], key=_date_rank) == [
        "2019-12-31",
        "2020",
        "2020-07",
        "2020-07-18",
    ]
    assert _date_rank(None) == -1


def test_date_span_covers_the_precision():
    assert _date_span("2020-02") == (date(2020, 2, 1).toordinal(), date(2020, 2, 29).toordinal())
    assert _date_span("2020") == (date(2020, 1, 1).toordinal(), date(2020, 12, 31).toordinal())
    assert _date_span(None) is None
