"""E-mail alerts: each saved query's new documents, mailed once to its owner's address.

Beside the saved queries, in the same SQLite file (``saved.sqlite3``), three tables:

- ``alert_address``: the address each owner set (one a user; "" is the machine's owner);
- ``alert_sent``: the log, one row a (saved query, document): ``baseline`` for what matched when
  alerts began for the query (never mailed), ``sent`` for what a mail carried.  A document is
  mailed only when it matches and has no row, so never twice, whatever the index does;
- ``alert_lease``: which process runs the check now, so several server workers (and a cron
  ``search alerts run``) never mail the same documents at once.

A query's baseline is taken when its owner sets an address, when a query is saved by an owner who has
one, and at the first check that finds none: what matched before alerts began is not news.

A mail that the SMTP server does not take (``Mailer`` retries with backoff, and logs) leaves its
documents without a row, so the next check tries them again.  The check runs in its own thread inside
``search serve`` (``AlertTimer``) and never in a request.
"""

from __future__ import annotations

import logging
import os
import re
import socket
import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from typing import TYPE_CHECKING

from search.access import Actor
from search.errors import SearchError
from search.export.columns import describe_request, document_link, snippet_text
from search.saved.mail import MailedDocument, Mailer, alert_message
from search.sqlite_file import SQLiteFile

if TYPE_CHECKING:
    from search.engines import Engine
    from search.query import Hit, SearchRequest
    from search.saved.store import SavedQueries, SavedQuery

log = logging.getLogger("search.saved.alerts")

MAX_PER_MAIL = 30  # documents listed in one mail; more are counted and linked
ADDRESS_PATTERN = r"[^@\s<>\"',;]{1,64}@[A-Za-z0-9.-]{1,190}\.[A-Za-z]{2,24}|[^@\s<>\"',;]{1,64}@localhost"
LEASE_SECONDS = 600.0
SCAN_LIMIT = 2000  # hits read from the newest end to find a mail's new documents with their snippets

_SCHEMA = (
    "CREATE TABLE IF NOT EXISTS alert_address (owner TEXT PRIMARY KEY, address TEXT NOT NULL, set_at TEXT NOT NULL,"
    " last_sent TEXT, last_error TEXT)",
    "CREATE TABLE IF NOT EXISTS alert_sent (slug TEXT NOT NULL, doc_id TEXT NOT NULL, state TEXT NOT NULL,"
    " at TEXT NOT NULL, PRIMARY KEY (slug, doc_id)) WITHOUT ROWID",
    "CREATE TABLE IF NOT EXISTS alert_baseline (slug TEXT PRIMARY KEY, at TEXT NOT NULL)",
    "CREATE TABLE IF NOT EXISTS alert_lease (name TEXT PRIMARY KEY, holder TEXT NOT NULL, until REAL NOT NULL)",
)


class AlertAddressError(ValueError):
    """An address that cannot be an e-mail address."""


def clean_address(address: str) -> str:
    """The address stripped; AlertAddressError (in Chinese) unless it looks like an e-mail address."""
    address = address.strip()
    if not re.fullmatch(ADDRESS_PATTERN, address):
        raise AlertAddressError(f"“{address[:80]}”不是有效的电子邮件地址")
    return address


@dataclass(frozen=True)
class Subscription:
    owner: str
    address: str
    set_at: str
    last_sent: str | None = None
    last_error: str | None = None


@dataclass
class CheckReport:
    """What one check did: mails sent, documents in them, queries baselined, mails that failed."""

    mails: int = 0
    documents: int = 0
    baselined: int = 0
    failed: int = 0
    skipped: bool = False  # another process held the lease
    lines: list[str] = field(default_factory=list)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class AlertStore(SQLiteFile):
    """The alert tables of one saved-query file."""

    def __init__(self, path):
        super().__init__(path)
        with self._transaction() as db:
            for statement in _SCHEMA:
                db.execute(statement)

    # -- addresses
    def set_address(self, owner: str, address: str) -> Subscription:
        """Set (or replace) where ``owner``'s alerts go, clearing the last error; the subscription."""
        address = clean_address(address)
        rows = self._run(
            "INSERT INTO alert_address (owner, address, set_at) VALUES (?, ?, ?) ON CONFLICT (owner) "
            "DO UPDATE SET address = excluded.address, set_at = excluded.set_at, last_error = NULL "
            "RETURNING *",
            (owner, address, _now()),
        )
        return Subscription(**dict(rows[0]))

    def clear_address(self, owner: str) -> bool:
        """Stop ``owner``'s alerts; whether there was an address."""
        return bool(self._run("DELETE FROM alert_address WHERE owner = ? RETURNING owner", (owner,)))

    def subscription(self, owner: str) -> Subscription | None:
        """``owner``'s address and its state, or None."""
        rows = self._run("SELECT * FROM alert_address WHERE owner = ?", (owner,))
        return Subscription(**dict(rows[0])) if rows else None

    def subscriptions(self) -> list[Subscription]:
        """Every subscription, by owner."""
        return [Subscription(**dict(r)) for r in self._run("SELECT * FROM alert_address ORDER BY owner")]

    def note(self, owner: str, error: str | None) -> None:
        """After a mail: its time, or the error that stopped it (shown on the saved-queries page)."""
        if error is None:
            self._run("UPDATE alert_address SET last_sent = ?, last_error = NULL WHERE owner = ?", (_now(), owner))
        else:
            self._run("UPDATE alert_address SET last_error = ? WHERE owner = ?", (error, owner))

    # -- the sent-log
    def has_baseline(self, slug: str) -> bool:
        """Whether what matched ``slug`` at the start is logged already."""
        return bool(self._run("SELECT 1 FROM alert_baseline WHERE slug = ?", (slug,)))

    def baseline(self, slug: str, ids: Iterable[str]) -> None:
        """What matches now is not news for ``slug``: logged as ``baseline``, never mailed."""
        at = _now()
        with self._transaction() as db:
            db.execute("INSERT OR IGNORE INTO alert_baseline (slug, at) VALUES (?, ?)", (slug, at))
            db.executemany(
                "INSERT OR IGNORE INTO alert_sent (slug, doc_id, state, at) VALUES (?, ?, 'baseline', ?)",
                ((slug, doc_id, at) for doc_id in ids),
            )

    def logged(self, slug: str) -> set[str]:
        """Every document logged for ``slug``, baseline and sent."""
        return {r[0] for r in self._run("SELECT doc_id FROM alert_sent WHERE slug = ?", (slug,))}

    def sent(self, slug: str) -> list[str]:
        """The documents mailed for ``slug`` (not the baseline)."""
        return [
            r[0]
            for r in self._run(
                "SELECT doc_id FROM alert_sent WHERE slug = ? AND state = 'sent' ORDER BY at, doc_id", (slug,)
            )
        ]

    def record_sent(self, slug: str, ids: Iterable[str]) -> None:
        """Log the documents as mailed for ``slug`` (each once)."""
        at = _now()
        with self._transaction() as db:
            db.executemany(
                "INSERT OR IGNORE INTO alert_sent (slug, doc_id, state, at) VALUES (?, ?, 'sent', ?)",
                ((slug, doc_id, at) for doc_id in ids),
            )

    def forget(self, slug: str) -> None:
        """A deleted saved query's log goes with it."""
        with self._transaction() as db:
            db.execute("DELETE FROM alert_sent WHERE slug = ?", (slug,))
            db.execute("DELETE FROM alert_baseline WHERE slug = ?", (slug,))

    # -- one check at a time, across processes
    def acquire(self, holder: str, seconds: float = LEASE_SECONDS) -> bool:
        """Take (or renew) the check's lease for ``seconds``; False while another holder's lease runs."""
        now = time.time()
        with self._transaction() as db:
            db.execute("BEGIN IMMEDIATE")
            row = db.execute("SELECT holder, until FROM alert_lease WHERE name = 'check'").fetchone()
            if row is not None and row["holder"] != holder and row["until"] > now:
                return False
            db.execute(
                "INSERT INTO alert_lease (name, holder, until) VALUES ('check', ?, ?) ON CONFLICT (name) "
                "DO UPDATE SET holder = excluded.holder, until = excluded.until",
                (holder, now + seconds),
            )
            return True

    def release(self, holder: str) -> None:
        """Give the check's lease back, when ``holder`` has it."""
        self._run("DELETE FROM alert_lease WHERE name = 'check' AND holder = ?", (holder,))


def start_alerts(
    engine: Engine,
    saved_store: SavedQueries,
    alerts: AlertStore,
    owner: str,
    visible: object = None,
    saved: SavedQuery | None = None,
) -> int:
    """Take the baseline of ``owner``'s saved queries (or of ``saved`` alone) that have none; how many."""
    queries = [saved] if saved is not None else saved_store.all(owner)
    taken = 0
    for query in queries:
        if not alerts.has_baseline(query.slug):
            alerts.baseline(query.slug, engine.matching_ids(query.request, visible=visible))
            taken += 1
    return taken


def _holder() -> str:
    return f"{socket.gethostname()}:{os.getpid()}:{threading.get_ident()}"


def _new_hits(engine: Engine, request: SearchRequest, new: set[str], visible: object) -> tuple[list, int]:
    """Up to ``MAX_PER_MAIL`` of the new documents as hits (newest first, with snippets), and how many more.

    New documents are mostly the newest, so the result list is read from its newest end, for at most
    ``SCAN_LIMIT`` hits (each costs its snippet); one not met by then is listed from its record, without
    a snippet.
    """
    wanted = min(len(new), MAX_PER_MAIL)
    found = []
    if new:
        for n, hit in enumerate(engine.all_hits(replace(request, sort="newest", page=1), visible=visible)):
            if hit.id in new:
                found.append(hit)
            if len(found) == wanted or n + 1 >= SCAN_LIMIT:
                break
    seen = {hit.id for hit in found}
    for doc_id in sorted(new - seen):
        if len(found) == wanted:
            break
        record = engine.document(doc_id, visible=visible)
        if record is not None:
            found.append(
                _RecordHit(record.id, record.title, record.issuer, record.doc_number, record.published, record.district)
            )
    return found, len(new) - len(found)


@dataclass(frozen=True)
class _RecordHit:
    """A new document met past ``SCAN_LIMIT``: what its record says, as a hit without a snippet."""

    id: str
    title: str
    issuer: str | None
    doc_number: str | None
    date: str | None
    district: str | None
    snippets: tuple[str, ...] = ()


def check_alerts(
    engine: Engine,
    saved_store: SavedQueries,
    alerts: AlertStore,
    mailer: Mailer | None,
    base_url: str,
    actor_of: Callable[[str], Actor | None],
) -> CheckReport:
    """Mail each subscribed owner's saved queries' new documents (one mail a query), once each.

    ``actor_of(owner)`` is who the owner is now (None: the account is gone, nothing is mailed): a
    mail holds only what its owner may see.  Without a ``mailer`` (no SMTP configured) only baselines
    are taken.
    """
    report = CheckReport()
    holder = _holder()
    if not alerts.acquire(holder):
        report.skipped = True
        return report
    try:
        for subscription in alerts.subscriptions():
            who = actor_of(subscription.owner)
            if who is None:
                continue
            visible = engine.visible_to(who)
            for saved in saved_store.all(subscription.owner):
                try:
                    matching = engine.matching_ids(saved.request, visible=visible)
                except (ValueError, SearchError) as exc:  # a query an older version saved, an engine gone
                    log.warning("alert check: saved query %r of %r skipped: %s", saved.name, subscription.owner, exc)
                    report.lines.append(f"{subscription.address}: {saved.name}: skipped ({exc})")
                    continue
                if not alerts.has_baseline(saved.slug):
                    alerts.baseline(saved.slug, matching)
                    report.baselined += 1
                    continue
                new = set(matching) - alerts.logged(saved.slug)
                if not new or mailer is None:
                    continue
                hits, more = _new_hits(engine, saved.request, new, visible)
                message = alert_message(
                    mailer.settings.sender,
                    subscription.address,
                    saved.name,
                    describe_request(saved.request),
                    [_mailed(hit, base_url, saved.request) for hit in hits],
                    more,
                    f"{base_url.rstrip('/')}/saved/{saved.slug}",
                    f"{base_url.rstrip('/')}/saved",
                )
                if mailer.send(message):
                    alerts.record_sent(saved.slug, new)
                    alerts.note(subscription.owner, None)
                    report.mails += 1
                    report.documents += len(new)
                    report.lines.append(f"{subscription.address}: {saved.name}: {len(new)} new")
                else:
                    alerts.note(subscription.owner, "邮件服务器暂时无法连接，将在下次检查时重试")
                    report.failed += 1
                    report.lines.append(
                        f"{subscription.address}: {saved.name}: not sent (SMTP failed; retried next time)"
                    )
    finally:
        alerts.release(holder)
    return report


def _mailed(hit: Hit, base_url: str, request: SearchRequest) -> MailedDocument:
    meta = " · ".join(x for x in (hit.issuer, hit.doc_number, hit.date, hit.district) if x)
    snippet = snippet_text(hit.snippets[0]) if hit.snippets else ""
    return MailedDocument(hit.title or "（无标题）", meta, snippet, document_link(base_url, hit.id, request))


class AlertTimer(threading.Thread):
    """Runs ``check()`` every ``every`` seconds in its own (daemon) thread, until ``stop()``; a failing
    check is logged and the next one runs on time."""

    def __init__(self, check: Callable[[], CheckReport], every: float, first_after: float = 5.0):
        super().__init__(name="alert-timer", daemon=True)
        # The first check soon after the start (the server warms up first), never later than the interval.
        self.check, self.every, self.first_after = check, every, min(first_after, every)
        self.stopped = threading.Event()

    def run(self) -> None:
        """Run the check every ``every`` seconds (the first after ``first_after``) until stopped; log what it mailed or why it failed."""
        wait = self.first_after
        while not self.stopped.wait(wait):
            started = time.monotonic()
            try:
                report = self.check()
                if report.mails or report.failed:
                    log.info(
                        "alert check: %d mails, %d documents, %d failed", report.mails, report.documents, report.failed
                    )
            except Exception:  # a check that breaks must not end the timer
                log.exception("alert check failed; the next runs in %g s", self.every)
            wait = max(1.0, self.every - (time.monotonic() - started))

    def stop(self) -> None:
        """End the timer after the check that is running, if any."""
        self.stopped.set()
