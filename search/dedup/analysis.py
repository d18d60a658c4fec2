"""The 去重 switch in the analyses: a query's matches (``analysis.matches.Matches``) one per cluster.

A trend counts one document per cluster and period (per district too, when
counted per district): a point is the number of distinct clusters among the
period's matching documents, and the per-mille base is counted the same way.
A concordance lists the occurrences of one copy per cluster (its
representative, ``counting.representatives``), so a passage reprinted five
times is one line.
"""

from __future__ import annotations

from dataclasses import replace

import numpy as np

from search.dedup.counting import distinct_clusters, representatives
from search.engines.embedded.docsets import EMPTY, docset


def once(snapshot, matches, *columns):
    """``matches`` with one document per cluster (and per value of each of ``columns``), its
    occurrences those of that document; the base likewise."""
    by = _combined(snapshot, columns)
    chosen, _ = representatives(snapshot, matches.docs, by)
    position = {d: i for i, d in enumerate(matches.docs)}
    picked = [position[d] for d in chosen.tolist()]
    base, _ = representatives(snapshot, matches.base, by)
    return replace(
        matches,
        docs=tuple(chosen.tolist()),
        occurrences=tuple(matches.occurrences[i] for i in picked),
        base=docset(base) if len(base) else EMPTY,
    )


def _combined(snapshot, columns) -> np.ndarray | None:
    """One code per document for the values of ``columns`` together (None: no column)."""
    if not columns:
        return None
    code = np.zeros(snapshot.size, dtype=np.int64)
    for column in columns:
        code = code * (len(column.values) + 1) + column.codes.astype(np.int64)
    return code


def cluster_total(snapshot, matches) -> int:
    """The distinct clusters among a query's matching documents (a trend series' total with 去重)."""
    return distinct_clusters(snapshot, matches.docs)
