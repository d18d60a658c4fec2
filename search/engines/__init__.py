"""The engines behind one seam (``base.Engine``): embedded (an index folder) and OpenSearch (an index URL)."""

from __future__ import annotations

from pathlib import Path

from search.engines.base import DocumentRecord, Engine, unsupported
from search.engines.opensearch.cluster import is_index_url


def open_engine(index: str | Path, *, state: str | Path | None = None) -> Engine:
    """The engine of ``--index``: OpenSearch when it is a URL (``http://127.0.0.1:9200/govsearch``),
    else the embedded engine over that folder.  Nothing is opened until first used.

    ``state``: with a URL, the folder of its saved queries and accounts (see ``remote.state_dir``).
    """
    if is_index_url(index):
        from search.engines.opensearch.cluster import RemoteEngine

        return RemoteEngine(str(index), state=state)
    from search.engines.embedded.engine import EmbeddedEngine

    return EmbeddedEngine(Path(index))


__all__ = ["DocumentRecord", "Engine", "is_index_url", "open_engine", "unsupported"]
