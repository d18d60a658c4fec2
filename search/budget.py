"""A time budget for one request: long work stops itself instead of holding a server thread.

The web sets a deadline per request (``time_budget``); the query engine calls
``check_budget`` between units of work (an atom evaluated, a hit's snippets
made).  Without a budget set (the CLI, tests of the library) the check does
nothing.  A context variable, so each server thread has its own.
"""

from __future__ import annotations

import time
from contextlib import contextmanager
from contextvars import ContextVar

from search.errors import SearchError

_deadline: ContextVar[float | None] = ContextVar("search_deadline", default=None)


class QueryTooComplex(SearchError):
    """The request ran out of its time budget."""

    def __init__(self):
        super().__init__("查询过于复杂", hint="请减少检索词或筛选条件后再试")


@contextmanager
def time_budget(seconds: float | None):
    """Within this block, ``check_budget`` raises QueryTooComplex once ``seconds`` have passed."""
    token = _deadline.set(None if seconds is None else time.monotonic() + seconds)
    try:
        yield
    finally:
        _deadline.reset(token)


def set_deadline(seconds: float | None) -> None:
    """Start a budget in the current context until ``set_deadline(None)`` (for before/after-request hooks)."""
    _deadline.set(None if seconds is None else time.monotonic() + seconds)


def check_budget() -> None:
    """Raise QueryTooComplex when the current budget is spent."""
    deadline = _deadline.get()
    if deadline is not None and time.monotonic() > deadline:
        raise QueryTooComplex()
