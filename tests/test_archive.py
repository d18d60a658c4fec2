"""Snapshot internals: cache bounds and date keys."""

from datetime import date

from search.archive import _LRU, _date_rank, _date_span


def test_cache_is_bounded_by_total_weight():
    cache = _LRU(100, max_weight=5, weight=len)
    for key in ("a", "b", "c"):
        cache.get(key, lambda k: frozenset(range(2)))
    assert list(cache._data) == ["b", "c"]
    assert cache._total == 4


def test_cache_keeps_a_single_entry_heavier_than_the_bound():
    cache = _LRU(100, max_weight=1, weight=len)
    assert cache.get("big", lambda k: frozenset(range(3))) == frozenset(range(3))
    assert list(cache._data) == ["big"]


def test_date_rank_sorts_less_precise_dates_before_those_they_contain():
    assert sorted(["2020-07-18", "2020", "2019-12-31", "2020-07"], key=_date_rank) == [
        "2019-12-31", "2020", "2020-07", "2020-07-18"]
    assert _date_rank(None) == -1


def test_date_span_covers_the_precision():
    assert _date_span("2020-02") == (date(2020, 2, 1).toordinal(), date(2020, 2, 29).toordinal())
    assert _date_span("2020") == (date(2020, 1, 1).toordinal(), date(2020, 12, 31).toordinal())
    assert _date_span(None) is None
