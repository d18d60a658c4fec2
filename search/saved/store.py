"""Saved queries: named searches kept in SQLite beside the index.

A saved query is a name, a stable slug (its link) and the search as URL
query-string pairs (``SearchRequest.to_args``, page left out).  To tell how
many matching documents are new since it was last viewed, it keeps the index
generation it was viewed at (``seen_generation``): the matches that entered the
index after it (``search.engines.embedded.entered``) are new, whatever their date.  Counting
reads the result set and the ``entered`` column, never a stored field.

A store from before that kept the ids that matched at the last view
(``seen_ids``); such a query is counted by those ids until it is viewed again
(or until none of its matches is new), and then holds a generation instead.

Each saved query belongs to a user (``owner``; "" without accounts) and is
private to them.  Its ``share_token`` makes a read-only link others can open
and copy; its ``feed_token`` is the secret in its Atom URL (feed readers cannot
log in), which the owner can renew to revoke old subscriptions.

The file is ``saved.sqlite3`` in the index folder: Whoosh names its own files
``MAIN_*`` and ``_MAIN_*`` there, so the two never clash.  One connection per
operation, so that the web server's threads need no shared handle.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
import sqlite3
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlencode

from search.query import SearchRequest
from search.sqlite_file import SQLiteFile

STORE_NAME = "saved.sqlite3"
MAX_NAME_LENGTH = 100
MAX_PER_OWNER = 200  # each is counted on every visit to the list
SLUG_PATTERN = r"[a-z0-9][a-z0-9-]{0,79}"
TOKEN_PATTERN = r"[A-Za-z0-9_-]{20,64}"

_SCHEMA = """
CREATE TABLE IF NOT EXISTS saved_query (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    slug TEXT NOT NULL UNIQUE,
    owner TEXT NOT NULL DEFAULT '',
    name TEXT NOT NULL,
    args TEXT NOT NULL,
    created TEXT NOT NULL,
    last_viewed TEXT,
    seen_ids TEXT NOT NULL DEFAULT '[]',
    seen_generation INTEGER,
    share_token TEXT NOT NULL UNIQUE,
    feed_token TEXT NOT NULL UNIQUE,
    UNIQUE (owner, name)
)
"""


@dataclass(frozen=True)
class SavedCount:
    """A saved query's matches now (``total``) and how many entered the index since its last view (``new``)."""

    total: int
    new: int


class SavedQueryError(ValueError):
    """A saved-query operation the user asked for cannot be done (bad name, unknown name)."""


@dataclass(frozen=True)
class SavedQuery:
    """A named search, as stored."""

    slug: str
    name: str
    args: tuple[tuple[str, str], ...]
    created: str
    last_viewed: str | None
    seen_ids: frozenset[str] = frozenset()  # only a query last viewed before generations were kept
    owner: str = ""
    share_token: str = ""
    feed_token: str = ""
    seen_generation: int | None = None

    @property
    def request(self) -> SearchRequest:
        """The search it names, on its first page."""
        return replace(SearchRequest.from_args(_Pairs(self.args)), page=1)

    @property
    def query_string(self) -> str:
        """The saved search as a URL query string."""
        return urlencode(self.args)

    @property
    def counted_by_ids(self) -> bool:
        """Last viewed before generations were kept: its new matches are those not among ``seen_ids``."""
        return self.last_viewed is not None and self.seen_generation is None


def store_path(index_dir: Path | str) -> Path:
    """Where the saved queries of the index in ``index_dir`` are kept."""
    return Path(index_dir) / STORE_NAME


def make_slug(name: str, taken: Sequence[str] = (), salt: str = "") -> str:
    """A URL-safe slug: the name's ASCII words, then a short hash of the whole name (Chinese names too)."""
    words = re.findall(r"[a-z0-9]+", name.lower())
    stem = "-".join(words)[:40].strip("-")
    digest = hashlib.sha1((salt + "\0" + name if salt else name).encode("utf-8")).hexdigest()
    for size in range(8, len(digest) + 1, 4):
        slug = f"{stem}-{digest[:size]}" if stem else digest[:size]
        if slug not in taken:
            return slug
    raise SavedQueryError("no free slug for this name")  # 2**160 names later


def clean_name(name: str) -> str:
    """The name as stored (spaces trimmed and collapsed); SavedQueryError when empty or too long."""
    name = " ".join("".join(c if c.isprintable() else " " for c in name).split())
    if not name:
        raise SavedQueryError("名称不能为空")
    if len(name) > MAX_NAME_LENGTH:
        raise SavedQueryError(f"名称过长：最多 {MAX_NAME_LENGTH} 个字")
    return name


def request_args(request: SearchRequest) -> tuple[tuple[str, str], ...]:
    """What is saved of a request: its URL pairs without the page."""
    return tuple((k, v) for k, v in replace(request, page=1).to_args())


class SavedQueries(SQLiteFile):
    """The saved queries of one index."""

    def __init__(self, path: Path | str):
        super().__init__(path)
        with self._transaction() as db:
            columns = [row[1] for row in db.execute("PRAGMA table_info(saved_query)")]
            if columns and "owner" not in columns:
                _add_owners(db)
            elif columns and "seen_generation" not in columns:
                # Its queries keep their seen_ids, counted by them until next viewed.
                db.execute("ALTER TABLE saved_query ADD COLUMN seen_generation INTEGER")
            else:
                db.execute(_SCHEMA)

    def all(self, owner: str | None = None) -> list[SavedQuery]:
        """Every saved query (of ``owner``, when given), by name."""
        if owner is None:
            return [_saved(row) for row in self._run("SELECT * FROM saved_query ORDER BY name, owner")]
        return [_saved(row) for row in self._run("SELECT * FROM saved_query WHERE owner = ? ORDER BY name", (owner,))]

    def shared(self, share_token: str) -> SavedQuery | None:
        """The saved query a share link names, or None."""
        rows = self._run("SELECT * FROM saved_query WHERE share_token = ?", (share_token,))
        return _saved(rows[0]) if rows else None

    def renew_feed_token(self, slug: str) -> SavedQuery:
        """A new secret for the feed URL: readers subscribed with the old one get nothing any more."""
        self._run("UPDATE saved_query SET feed_token = ? WHERE slug = ?", (_token(), slug))
        return self._existing(slug)

    def get(self, slug: str) -> SavedQuery | None:
        """The saved query of this slug, or None."""
        rows = self._run("SELECT * FROM saved_query WHERE slug = ?", (slug,))
        return _saved(rows[0]) if rows else None

    def _existing(self, slug: str) -> SavedQuery:
        """``get``, for a slug just written: SavedQueryError if it was deleted meanwhile."""
        found = self.get(slug)
        if found is None:
            raise SavedQueryError("没有这个保存查询")
        return found

    def find(self, name_or_slug: str, owner: str | None = None) -> SavedQuery:
        """By name, else by slug (of ``owner``, when given); SavedQueryError when neither matches."""
        rows = self._run(
            "SELECT * FROM saved_query WHERE (name = ? OR slug = ?) AND (? IS NULL OR owner = ?) "
            "ORDER BY name = ? DESC",
            (name_or_slug.strip(), name_or_slug, owner, owner, name_or_slug.strip()),
        )
        if not rows:
            raise SavedQueryError(f"没有名为“{name_or_slug}”的保存查询")
        return _saved(rows[0])

    def add(self, name: str, request: SearchRequest, owner: str = "") -> SavedQuery:
        """Save ``request`` under ``name`` for ``owner``; SavedQueryError when the name is empty or
        taken, or the owner has ``MAX_PER_OWNER`` already."""
        name = clean_name(name)
        args = json.dumps(request_args(request), ensure_ascii=False)
        with self._transaction() as db:
            if db.execute("SELECT 1 FROM saved_query WHERE owner = ? AND name = ?", (owner, name)).fetchone():
                raise SavedQueryError(f"已有名为“{name}”的保存查询")
            if db.execute("SELECT count(*) FROM saved_query WHERE owner = ?", (owner,)).fetchone()[0] >= MAX_PER_OWNER:
                raise SavedQueryError(f"每人最多保存 {MAX_PER_OWNER} 个查询，请先删除不用的")
            taken = [r[0] for r in db.execute("SELECT slug FROM saved_query")]
            # The owner is part of the hashed name: two users' queries of one name get different links.
            slug = make_slug(name, taken, salt=owner)
            db.execute(
                "INSERT INTO saved_query (slug, owner, name, args, created, share_token, feed_token) "
                "VALUES (?, ?, ?, ?, ?, ?, ?)",
                (slug, owner, name, args, _now(), _token(), _token()),
            )
        return self._existing(slug)

    def rename(self, slug: str, new_name: str) -> SavedQuery:
        """A new name; the slug (the link) stays."""
        new_name = clean_name(new_name)
        with self._transaction() as db:
            other = db.execute(
                "SELECT slug FROM saved_query WHERE name = ? AND owner = (SELECT owner FROM saved_query WHERE slug = ?)",
                (new_name, slug),
            ).fetchone()
            if other and other[0] != slug:
                raise SavedQueryError(f"已有名为“{new_name}”的保存查询")
            if db.execute("UPDATE saved_query SET name = ? WHERE slug = ?", (new_name, slug)).rowcount == 0:
                raise SavedQueryError("没有这个保存查询")
        return self._existing(slug)

    def delete(self, slug: str) -> bool:
        """Remove it; False when there was none."""
        with self._transaction() as db:
            return db.execute("DELETE FROM saved_query WHERE slug = ?", (slug,)).rowcount > 0

    def mark_viewed(self, slug: str, generation: int) -> None:
        """Record a view of the index's ``generation`` now: what entered up to it is no longer new.

        The generation never goes back: a view from a process still on an older
        generation does not make what a newer one showed new again.
        """
        self._run(
            "UPDATE saved_query SET last_viewed = ?, seen_ids = '[]', "
            "seen_generation = max(coalesce(seen_generation, -1), ?) WHERE slug = ?",
            (_now(), generation, slug),
        )

    def mark_viewed_ids(self, slug: str, ids: Iterable[str]) -> None:
        """Record a view by the ids it showed: an index without generations (OpenSearch) counts
        what is new by them (``counted_by_ids``)."""
        self._run(
            "UPDATE saved_query SET last_viewed = ?, seen_ids = ?, seen_generation = NULL WHERE slug = ?",
            (_now(), json.dumps(sorted(ids), ensure_ascii=False), slug),
        )

    def settle(self, slug: str, generation: int) -> None:
        """A query counted by ids with nothing new holds ``generation`` instead (the same count, now and later)."""
        self._run(
            "UPDATE saved_query SET seen_ids = '[]', seen_generation = ? "
            "WHERE slug = ? AND seen_generation IS NULL AND last_viewed IS NOT NULL",
            (generation, slug),
        )


def _saved(row: sqlite3.Row) -> SavedQuery:
    return SavedQuery(
        slug=row["slug"],
        name=row["name"],
        args=tuple((k, v) for k, v in json.loads(row["args"])),
        created=row["created"],
        last_viewed=row["last_viewed"],
        seen_ids=frozenset(json.loads(row["seen_ids"])),
        owner=row["owner"],
        share_token=row["share_token"],
        feed_token=row["feed_token"],
        seen_generation=row["seen_generation"],
    )


def _token() -> str:
    return secrets.token_urlsafe(24)


def _add_owners(db: sqlite3.Connection) -> None:
    """Bring a store from before accounts up to date: its queries belong to "" (the local owner)."""
    db.execute("ALTER TABLE saved_query RENAME TO saved_query_old")
    db.execute(_SCHEMA)
    for row in db.execute("SELECT * FROM saved_query_old").fetchall():
        db.execute(
            "INSERT INTO saved_query (id, slug, owner, name, args, created, last_viewed, seen_ids, share_token, feed_token) "
            "VALUES (?, ?, '', ?, ?, ?, ?, ?, ?, ?)",
            (
                row["id"],
                row["slug"],
                row["name"],
                row["args"],
                row["created"],
                row["last_viewed"],
                row["seen_ids"],
                _token(),
                _token(),
            ),
        )
    db.execute("DROP TABLE saved_query_old")


class _Pairs(dict):
    """URL pairs as the mapping ``SearchRequest.from_args`` reads (it asks ``getlist``)."""

    def __init__(self, pairs: Iterable[tuple[str, str]]):
        self.pairs = list(pairs)
        super().__init__(reversed(self.pairs))  # the first value of a key wins, as in a URL

    def getlist(self, key: str) -> list[str]:
        return [v for k, v in self.pairs if k == key]


def parse_query_string(text: str) -> tuple[tuple[str, str], ...]:
    """``q=…&district=…`` -> pairs (blank values kept, so ``from_args`` sees them)."""
    return tuple(parse_qsl(text, keep_blank_values=True))


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")
