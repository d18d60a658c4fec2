"""A document's similar documents (the document page): its cluster's copies, then the closest others.

The copies are the documents of its reprint cluster, each with the exact
Jaccard of its shingles against this one (转载 at 0.9 or more, 改写稿 from 0.7,
同组 below: joined through another copy).  The closest others are found by
their MinHash signatures' agreement (an estimate of the Jaccard, one pass
over the table) and shown with their exact Jaccard.  Only documents the asker
may see are considered: a hidden copy is neither listed nor counted.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from search.dedup.clusters import EDITED, REPRINT
from search.dedup.fingerprint import jaccard, shingle_set
from search.dedup.store import table_of

CLOSEST = 6
CLOSEST_FROM = 0.15  # an estimated Jaccard below this is no neighbour worth showing
MAX_COPIES = 50


@dataclass(frozen=True)
class Similar:
    id: str
    title: str
    published: str | None
    district: str | None
    similarity: float  # the exact Jaccard of the two documents' shingles
    kind: str  # "reprint" (转载), "edited" (改写稿), "cluster" (同组: through another copy), "close" (相近)
    canonical: bool  # the cluster's canonical copy (原稿)

    def to_json(self) -> dict:
        return {
            "id": self.id,
            "title": self.title,
            "published": self.published,
            "district": self.district,
            "similarity": round(self.similarity, 4),
            "kind": self.kind,
            "canonical": self.canonical,
        }


def kind_of(similarity: float, same_cluster: bool) -> str:
    if not same_cluster:
        return "close"
    return "reprint" if similarity >= REPRINT else "edited" if similarity >= EDITED else "cluster"


def similar_documents(snapshot, docnum: int, visible=None, closest: int = CLOSEST) -> list[Similar]:
    """The copies of ``docnum``'s cluster (most similar first), then up to ``closest`` other near documents."""
    table = table_of(snapshot)
    scope = snapshot.live if visible is None else visible
    mine = shingle_set(snapshot.search_text(docnum))
    members = [m for m in table.members(docnum).tolist() if m != docnum and m in scope][:MAX_COPIES]
    found = [(m, jaccard(mine, shingle_set(snapshot.search_text(m))), True) for m in members]
    if table.fingerprinted[docnum]:
        agree = (np.asarray(table.signatures) == table.signatures[docnum]).mean(axis=1)
        agree[~table.fingerprinted] = 0
        agree[table.canonical == table.canonical[docnum]] = 0
        agree[docnum] = 0
        order = np.argsort(-agree, kind="stable")
        picked = []
        for n in order[: closest * 20].tolist():
            if agree[n] < CLOSEST_FROM or len(picked) >= closest * 3:
                break
            if n in scope:
                picked.append(n)
        near = [(n, jaccard(mine, shingle_set(snapshot.search_text(n))), False) for n in picked]
        near.sort(key=lambda item: -item[1])
        found += [item for item in near if item[1] > 0][:closest]
    found.sort(key=lambda item: (not item[2], -item[1]))
    return [_similar(snapshot, table, n, similarity, same) for n, similarity, same in found]


def _similar(snapshot, table, docnum: int, similarity: float, same: bool) -> Similar:
    doc = snapshot.document(docnum)
    return Similar(
        doc.id,
        doc.title,
        snapshot.published[docnum],
        snapshot.district[docnum],
        similarity,
        kind_of(similarity, same),
        bool(table.canonical[docnum] == docnum),
    )
