"""The one exception users see: a clear message and, where there is one, what to do."""

from __future__ import annotations


class SearchError(Exception):
    """An error meant for the user: one line of message, one of hint."""

    def __init__(self, message: str, hint: str | None = None):
        super().__init__(message)
        self.message = message
        self.hint = hint

    def __str__(self) -> str:
        return f"{self.message} ({self.hint})" if self.hint else self.message


class Unsupported(SearchError):
    """Something this engine cannot do (yet): the user's request is fine, another engine does it."""


class IndexDamaged(SearchError):
    """An index file is damaged: the answer would be wrong, so there is none; the hint says rebuild."""
