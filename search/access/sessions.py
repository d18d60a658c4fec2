"""Server-side sessions: a row per signed-in browser, in ``users.sqlite3`` beside the accounts.

The signed cookie holds only a random token; the session is the row its hash names.  Logging
out deletes the row, and a password change, a role or group change and removing the account
delete every row of that user (``end_all``), so a cookie copied before any of them stops
working at once instead of for the rest of its 8 hours.  Only a hash of each token is stored:
a copy of the file does not sign anyone in.
"""

from __future__ import annotations

import hashlib
import secrets
import time
from pathlib import Path

from search.sqlite_file import SQLiteFile

_SCHEMA = """
CREATE TABLE IF NOT EXISTS session (
    token_hash TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    created REAL NOT NULL
);
CREATE INDEX IF NOT EXISTS session_by_name ON session (name);
"""


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


class SessionStore(SQLiteFile):
    """The sessions of one index's accounts (the same file as ``UserStore``)."""

    def __init__(self, path: Path | str):
        super().__init__(path)
        with self._transaction() as db:
            db.executescript(_SCHEMA)

    def start(self, name: str, now: float | None = None) -> str:
        """A new session for ``name``; the token goes in the cookie."""
        token = secrets.token_urlsafe(32)
        self._run(
            "INSERT INTO session (token_hash, name, created) VALUES (?, ?, ?)",
            (_hash(token), name, time.time() if now is None else now),
        )
        return token

    def user_of(self, token: str, max_age_seconds: float, now: float | None = None) -> str | None:
        """The name signed in with ``token``, or None (unknown, ended, or older than ``max_age_seconds``)."""
        if not token:
            return None
        now = time.time() if now is None else now
        rows = self._run("SELECT name, created FROM session WHERE token_hash = ?", (_hash(token),))
        if not rows:
            return None
        if now - rows[0]["created"] > max_age_seconds:
            self.end(token)
            return None
        return rows[0]["name"]

    def end(self, token: str) -> None:
        """End one session (logout)."""
        if token:
            self._run("DELETE FROM session WHERE token_hash = ?", (_hash(token),))

    def end_all(self, name: str) -> int:
        """End every session of ``name`` (a new password, a new role or groups, a removed account)."""
        return len(self._run("DELETE FROM session WHERE name = ? RETURNING name", (name,)))

    def forget_older_than(self, max_age_seconds: float, now: float | None = None) -> None:
        """Drop the rows of sessions that expired (they sign no one in anyway)."""
        now = time.time() if now is None else now
        self._run("DELETE FROM session WHERE created < ?", (now - max_age_seconds,))
