"""Reprints found and counted once: fingerprints, clusters per generation, and counting by cluster.

- ``fingerprint``: shingles, MinHash signatures, LSH bands, Jaccard;
- ``clusters``: the table of one generation (``build``, incremental from the previous one);
- ``store``: tables on disk, one folder per generation (``write_table``, ``table_of``);
- ``counting``: the 去重 switch's arithmetic (one per cluster: totals, facets, hits, trend, KWIC).
"""

from __future__ import annotations

import time
from pathlib import Path

ENABLED = True  # bench/dedup.py indexes with and without, in one run
LAST_SECONDS = [0.0]  # how long the last indexing run's table took (bench/dedup.py)


def after_commit(index_dir: Path) -> None:
    """Write the newly committed generation's cluster table (the indexing run, after its commit)."""
    if not ENABLED:
        return
    from search.dedup.store import prune, write_table
    from search.engines.embedded.archive import open_index
    from search.engines.embedded.snapshot import Snapshot

    started = time.perf_counter()
    snapshot = Snapshot(open_index(index_dir), Path(index_dir))
    try:
        write_table(Path(index_dir), snapshot)
    except OSError:  # the generation is committed: a reader builds its table (search.dedup.store.table_of)
        prune(Path(index_dir))
    finally:
        snapshot.close()
    LAST_SECONDS[0] = time.perf_counter() - started


def table_present(index_dir: Path) -> bool:
    """Whether the newest generation has its table (and the partial tables of killed runs are gone)."""
    from search.dedup.store import prune, table_folder
    from search.engines.embedded.archive import latest_generation

    present = table_folder(Path(index_dir), latest_generation(Path(index_dir))).is_dir()
    if present:
        prune(Path(index_dir))
    return present
