"""User accounts for ``--auth local``: SQLite beside the index, argon2 password hashes.

Failed logins are counted per name and client address together (known names or not, so that
the answer never tells whether an account exists): after a few, each further attempt from that
address must wait a little longer; after many, the name is locked there for a while.  Anyone can
fail logins, so a lock must not keep the account's owner out: the right password from an address
that has not failed is accepted.  An address that fails for many names is slowed down as a whole.
An attempt is counted before its password is checked, so simultaneous attempts each see the ones
before them.  Changing a password, a role or groups, or removing an account ends its sessions.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import cache
from pathlib import Path

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError

from search.access.actor import ROLES, Actor
from search.access.documents import ADMINS_ONLY, access_value, parse_groups
from search.access.sessions import SessionStore
from search.sqlite_file import SQLiteFile

STORE_NAME = "users.sqlite3"
NAME_PATTERN = re.compile(r"[A-Za-z0-9_.@\-\u4e00-\u9fff]{1,64}")
MIN_PASSWORD_LENGTH = 8
FREE_FAILURES = 3  # attempts before each further one must wait
SLOW_DOWN_SECONDS = 2  # the wait after the free failures, doubling with each further failure
LOCK_AFTER = 10  # failures in a row that lock the name
LOCK_MINUTES = 15

_SCHEMA = """
CREATE TABLE IF NOT EXISTS user (
    name TEXT PRIMARY KEY,
    role TEXT NOT NULL,
    groups TEXT NOT NULL DEFAULT '',
    password_hash TEXT NOT NULL,
    created TEXT NOT NULL
);
CREATE TABLE IF NOT EXISTS login_failure (
    name TEXT NOT NULL,
    address TEXT NOT NULL DEFAULT '',
    failures INTEGER NOT NULL,
    last_failure TEXT NOT NULL,
    PRIMARY KEY (name, address)
);
"""
ADDRESS_LOCK_AFTER = 30  # failures from one address, whatever the names, that lock the address

_hasher = PasswordHasher()


@cache
def _dummy_hash() -> str:
    """Verified against when the name is unknown, so that a wrong name costs as long as a wrong password.

    Made on first use: hashing costs about 0.1 s and 64 MB, which every ``search`` command paid on import.
    """
    return _hasher.hash("not a password of anyone")


class UserError(ValueError):
    """A user-management request that cannot be done (bad name, unknown user, weak password)."""


@dataclass(frozen=True)
class User:
    name: str
    role: str
    groups: frozenset[str]
    created: str

    @property
    def actor(self) -> Actor:
        """The user as an ``Actor`` (name, role, groups)."""
        return Actor(self.name, self.role, self.groups)


@dataclass(frozen=True)
class LoginResult:
    """The outcome of a login attempt: the user, or why not (and how long to wait)."""

    user: User | None
    wait_seconds: int = 0
    locked: bool = False


def store_path(index_dir: Path | str) -> Path:
    """The accounts database's file in an index folder."""
    return Path(index_dir) / STORE_NAME


class UserStore(SQLiteFile):
    """The accounts of one index."""

    def __init__(self, path: Path | str):
        super().__init__(path)
        with self._transaction() as db:
            columns = [row[1] for row in db.execute("PRAGMA table_info(login_failure)")]
            if columns and "address" not in columns:  # counted per name only: transient, started afresh
                db.execute("DROP TABLE login_failure")
            db.executescript(_SCHEMA)
        self.sessions = SessionStore(path)

    def add(self, name: str, password: str, role: str = "reader", groups: str = "") -> User:
        """Create an account (role reader or admin); UserError for a bad name, role or password, or a name taken."""
        name = _checked_name(name)
        if role not in ROLES:
            raise UserError(f"unknown role {role!r} (reader or admin)")
        _check_password(password)
        if self.get(name):
            raise UserError(f"user {name!r} exists already")
        self._run(
            "INSERT INTO user (name, role, groups, password_hash, created) VALUES (?, ?, ?, ?, ?)",
            (
                name,
                role,
                access_value(_checked_groups(groups)),
                _hasher.hash(password),
                _now().isoformat(timespec="seconds"),
            ),
        )
        return self._existing(name)

    def set_password(self, name: str, password: str) -> None:
        """Change a user's password, clearing failed logins and ending their sessions; UserError for an unknown user."""
        _check_password(password)
        if not self._run(
            "UPDATE user SET password_hash = ? WHERE name = ? RETURNING name", (_hasher.hash(password), name)
        ):
            raise UserError(f"no user {name!r}")
        self._run("DELETE FROM login_failure WHERE name = ?", (name,))
        self.sessions.end_all(name)

    def update(self, name: str, role: str | None = None, groups: str | None = None) -> User:
        """Change a user's role or groups (ending their sessions when either changed); UserError for an unknown user or role."""
        user = self.get(name)
        if user is None:
            raise UserError(f"no user {name!r}")
        if role is not None and role not in ROLES:
            raise UserError(f"unknown role {role!r} (reader or admin)")
        self._run(
            "UPDATE user SET role = ?, groups = ? WHERE name = ?",
            (
                role or user.role,
                access_value(_checked_groups(groups)) if groups is not None else access_value(user.groups),
                name,
            ),
        )
        updated = self._existing(name)
        if (updated.role, updated.groups) != (user.role, user.groups):
            self.sessions.end_all(name)  # what a signed-in browser may see changed: sign in again
        return updated

    def remove(self, name: str) -> None:
        """Delete an account and end its sessions; UserError for an unknown user."""
        if not self._run("DELETE FROM user WHERE name = ? RETURNING name", (name,)):
            raise UserError(f"no user {name!r}")
        self.sessions.end_all(name)

    def get(self, name: str) -> User | None:
        """The user of this name, or None."""
        rows = self._run("SELECT * FROM user WHERE name = ?", (name,))
        return _user(rows[0]) if rows else None

    def _existing(self, name: str) -> User:
        """``get``, for a user just written: UserError if removed meanwhile."""
        user = self.get(name)
        if user is None:
            raise UserError(f"no user {name!r}")
        return user

    def all(self) -> list[User]:
        """Every user, by name."""
        return [_user(row) for row in self._run("SELECT * FROM user ORDER BY name")]

    def login(self, name: str, password: str, now: datetime | None = None, address: str = "") -> LoginResult:
        """Check a password from ``address``, minding the failures so far there; the attempt is counted
        as a failure before the check (simultaneous attempts see each other) and cleared by a success."""
        now = now or _now()
        name, address = name[:64], address[:64]
        with self._transaction() as db:
            db.execute("BEGIN IMMEDIATE")  # read and count in one step: no two attempts slip through
            failures, last = _failures(db, "name = ? AND address = ?", (name, address))
            wait = _wait(failures, last, now)
            locked = failures >= LOCK_AFTER
            if address and not wait:
                spread, spread_last = _failures(
                    db,
                    "address = ? AND last_failure > ?",
                    (address, (now - timedelta(minutes=LOCK_MINUTES)).isoformat()),
                )
                if spread >= ADDRESS_LOCK_AFTER:
                    wait, locked = _wait(LOCK_AFTER, spread_last, now), True
            if wait:
                return LoginResult(None, wait_seconds=wait, locked=locked)
            db.execute(
                "INSERT INTO login_failure (name, address, failures, last_failure) VALUES (?, ?, 1, ?) "
                "ON CONFLICT(name, address) DO UPDATE SET failures = failures + 1, last_failure = excluded.last_failure",
                (name, address, now.isoformat()),
            )
            rows = db.execute("SELECT * FROM user WHERE name = ?", (name,)).fetchall()
        try:
            _hasher.verify(rows[0]["password_hash"] if rows else _dummy_hash(), password)
            ok = bool(rows)
        except (VerifyMismatchError, VerificationError, InvalidHashError):
            ok = False
        if not ok:
            failures += 1
            return LoginResult(None, wait_seconds=_wait(failures, now, now), locked=failures >= LOCK_AFTER)
        self._run("DELETE FROM login_failure WHERE name = ? AND address = ?", (name, address))
        return LoginResult(_user(rows[0]))


def _failures(db: sqlite3.Connection, where: str, params: tuple) -> tuple[int, datetime | None]:
    """The failures counted in the rows ``where`` selects, and the last one's time."""
    row = db.execute(f"SELECT SUM(failures), MAX(last_failure) FROM login_failure WHERE {where}", params).fetchone()
    if not row or not row[0]:
        return 0, None
    return int(row[0]), datetime.fromisoformat(row[1])


def _wait(failures: int, last: datetime | None, now: datetime) -> int:
    """Seconds before the next attempt may be checked (0: now)."""
    if last is None or failures < FREE_FAILURES:
        return 0
    if failures >= LOCK_AFTER:
        delay = timedelta(minutes=LOCK_MINUTES)
    else:
        delay = timedelta(seconds=SLOW_DOWN_SECONDS * 2 ** (failures - FREE_FAILURES))
    remaining = (last + delay - now).total_seconds()
    return max(0, int(remaining + 0.999))


def _checked_name(name: str) -> str:
    name = name.strip()
    if not NAME_PATTERN.fullmatch(name):
        raise UserError("a user name is 1-64 letters, digits, Chinese characters or _ . @ -")
    return name


def _checked_groups(groups: str) -> frozenset[str]:
    parsed = parse_groups(groups)
    if ADMINS_ONLY in parsed:
        raise UserError(f"{ADMINS_ONLY} is not a group a user may have (it marks documents only admins see)")
    return parsed


def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise UserError(f"the password must have at least {MIN_PASSWORD_LENGTH} characters")


def _user(row: sqlite3.Row) -> User:
    return User(row["name"], row["role"], parse_groups(row["groups"]), row["created"])


def _now() -> datetime:
    return datetime.now(UTC)
