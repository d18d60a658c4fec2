"""Which documents of a snapshot an actor may see (the rules are ``search.access.documents``)."""

from __future__ import annotations

import threading
import weakref

from search.access.actor import Actor
from search.engines.embedded.docsets import DocSet, doc_list, docset

# visible documents per snapshot and actor, kept while the snapshot lives
_cache: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()
_lock = threading.Lock()


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
