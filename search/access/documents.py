"""Restricted documents: which documents an actor may see.

A document's ``access`` column holds the groups allowed to see it (sorted,
comma-separated; empty: everyone).  ``visible_documents`` is the one question
every output asks: totals, facets, hits, document pages, downloads, exports,
feeds, saved-query counts and suggestions all run over its answer, so nothing
(no count, no title, no id) tells a restricted document from a missing one.
"""

from __future__ import annotations

import re
import threading
import unicodedata
import weakref

from search.engines.embedded.docsets import DocSet, doc_list, docset
from search.access.actor import Actor

# The group of a document whose restriction could not be determined (its manifest unreadable, a
# row that almost names it): no user may be given it (``users`` refuses it), so only admins see it.
ADMINS_ONLY = "(admins)"
_SEPARATORS = re.compile(r"[,，、;；\s]+")
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


def parse_groups(text: str | None) -> frozenset[str]:
    """``"财务, 人事"`` -> {"财务", "人事"}: comma (full-width too), 、 or ; separated; case kept."""
    if not text:
        return frozenset()
    text = unicodedata.normalize("NFKC", text)
    return frozenset(g for g in _SEPARATORS.split(text) if g)


def access_value(groups: frozenset[str]) -> str:
    """The stored form of a group set (stable, so the same groups index the same way)."""
    return ",".join(sorted(groups))


def visible_documents(snapshot, actor: Actor) -> DocSet | None:
    """The live documents ``actor`` may see; None when that is all of them (no filtering needed).

    Admins see everything; others see unrestricted documents and those
    restricted to a group they share.  Cached per snapshot and group set.
    """
    if actor.is_admin:
        return None
    access = snapshot.access
    key = frozenset(actor.groups)
    with _lock:
        per_snapshot = _cache.setdefault(snapshot, {})
        if "restricted" not in per_snapshot:
            per_snapshot["restricted"] = any(access[n] for n in doc_list(snapshot.live))
        if not per_snapshot["restricted"]:
            return None
        if key in per_snapshot:
            return per_snapshot[key]
    allowed: dict[str, bool] = {}
    visible = docset([n for n in doc_list(snapshot.live) if _may_see(access[n], key, allowed)])
    with _lock:
        per_snapshot[key] = visible
    return visible


def _may_see(value: str | None, groups: frozenset[str], memo: dict) -> bool:
    if not value:
        return True
    if value not in memo:
        memo[value] = not groups.isdisjoint(value.split(","))
    return memo[value]
