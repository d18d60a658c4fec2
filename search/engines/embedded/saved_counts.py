"""A saved query's count on a snapshot: its documents, and how many are new since it was last viewed."""

from __future__ import annotations

from search.engines.embedded.entered import count_entered_after
from search.engines.embedded.run import matching_documents
from search.saved.store import SavedCount, SavedQueries, SavedQuery


def saved_count(store: SavedQueries, snapshot, saved: SavedQuery, *, visible: frozenset[int] | None = None) -> SavedCount:
    """How many documents of ``snapshot`` (that ``visible`` allows) match ``saved``, and how many are new."""
    docs = matching_documents(snapshot, saved.request, visible=visible)
    if saved.last_viewed is None:
        return SavedCount(len(docs), len(docs))
    if saved.counted_by_ids:
        new = sum(snapshot.document(n).id not in saved.seen_ids for n in docs)
        if new == 0:
            store.settle(saved.slug, snapshot.generation)
        return SavedCount(len(docs), new)
    return SavedCount(len(docs), count_entered_after(snapshot.entered, docs, saved.seen_generation))
