"""The embedded engine's side of keyness and emerging terms: documents and texts from a snapshot.

The ids of a snapshot's documents are read once per generation (stored fields) and kept, so that a
side is an id list as on OpenSearch (the sample of a capped side is by id order on both engines).
The last few comparisons of a snapshot are kept too: the pages of one comparison count once.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

from search.budget import check_budget
from search.engines.embedded.archive import Snapshot
from search.engines.embedded.docsets import doc_list
from search.engines.embedded.run import matching_documents


def _ids(snapshot: Snapshot) -> tuple[list[str], dict[str, int]]:
    def read():
        ids: list[str | None] = [None] * snapshot.size
        for i, docnum in enumerate(doc_list(snapshot.live)):
            if i % 2000 == 0:
                check_budget()
            ids[docnum] = snapshot.read_uncached(docnum).id  # not through the documents' cache: all of them
        return ids, {doc_id: n for n, doc_id in enumerate(ids) if doc_id is not None}

    return snapshot.cached("keyness ids", read)


def read_ids_in_background(snapshot: Snapshot) -> None:
    """Read the ids in a thread now (a server, at start and for each new generation): the first
    comparison after it does not wait for them."""
    threading.Thread(target=_ids, args=(snapshot,), name="keyness ids", daemon=True).start()


def corpus(snapshot: Snapshot, request, *, visible=None) -> list[tuple[str, str | None]]:
    """(id, date) of the matching documents the reader may see, in id order."""
    ids, _ = _ids(snapshot)
    published = snapshot.published
    docs = doc_list(matching_documents(snapshot, request, visible=visible))
    return sorted((ids[n], published[n]) for n in docs)


def corpus_texts(snapshot: Snapshot, ids: Sequence[str], *, visible=None) -> list[str]:
    """The search texts of ``ids`` (live documents the reader may see; any other id is an error)."""
    _, docnum_of = _ids(snapshot)
    scope = snapshot.live if visible is None else visible
    texts = []
    for i, doc_id in enumerate(ids):
        if i % 2000 == 0:
            check_budget()
        docnum = docnum_of.get(doc_id)
        if docnum is None or docnum not in scope:
            raise ValueError(f"no document {doc_id!r} to count")
        texts.append(snapshot.search_text(docnum))
    return texts


class Recent:
    """The last few results of one snapshot, by key; safe to share between threads."""

    def __init__(self, size: int = 8):
        self.size = size
        self.entries: OrderedDict = OrderedDict()
        self.lock = threading.Lock()


def recent(snapshot: Snapshot, key, compute):
    kept = snapshot.cached("keyness recent", Recent)
    with kept.lock:
        if key in kept.entries:
            kept.entries.move_to_end(key)
            return kept.entries[key]
    value = compute()
    with kept.lock:
        kept.entries[key] = value
        while len(kept.entries) > kept.size:
            kept.entries.popitem(last=False)
    return value


def clusters_of(snapshot: Snapshot, ids: Sequence[str]) -> list[str]:
    """Each document's reprint cluster (its canonical copy's number, ``search.dedup``); an id unknown
    to the snapshot is its own cluster."""
    from search.dedup.counting import cluster_of

    _, number = _ids(snapshot)
    canonical = cluster_of(snapshot)
    found = []
    for doc_id in ids:
        n = number.get(doc_id)
        found.append(f"#{int(canonical[n])}" if n is not None and canonical[n] >= 0 else doc_id)
    return found
