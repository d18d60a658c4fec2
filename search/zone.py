"""The server's time zone: times shown to people (saved queries, exports, alert mails) are in it.

``Asia/Shanghai`` unless ``SEARCH_TIMEZONE`` (or the web app's ``TIMEZONE``) names another IANA zone.
Stored times stay UTC (ISO 8601 with an offset); only what is shown is converted.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

DEFAULT_ZONE = "Asia/Shanghai"


def server_zone(name: str | None = None) -> tzinfo:
    """The zone ``name`` (else ``$SEARCH_TIMEZONE``, else Asia/Shanghai); ValueError for an unknown name."""
    name = name or os.environ.get("SEARCH_TIMEZONE") or DEFAULT_ZONE
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise ValueError(f"unknown time zone {name!r} (an IANA name such as Asia/Shanghai)") from exc


def now_in(zone: tzinfo) -> datetime:
    """The current time in ``zone``."""
    return datetime.now(UTC).astimezone(zone)


def shown_time(stored: str | None, zone: tzinfo) -> str | None:
    """A stored ISO time as ``2026-12-04 19:31`` in ``zone`` (a naive stored time is taken as UTC)."""
    if not stored:
        return None
    moment = datetime.fromisoformat(stored)
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=UTC)
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M")
