"""Checking an index's grams files once per generation on a command line, not on every query.

A server checks every generation's grams checksums as it warms it (``Snapshot.verify``: about
0.8 s for the news).  A command line opens the index for one query: checking there every time
would cost more than the query, and not checking gave a silently wrong answer when a postings
list was damaged (a hit for a document without the phrase, a real hit gone).  So the first
command after a commit checks, and notes the files it found whole (name, size, modification
time) in ``VERIFIED.json``; later commands skip the check while the files are the same.  A file
changed by anything that writes changes its time, and is checked again.
"""

from __future__ import annotations

import contextlib
import json
import os
from typing import TYPE_CHECKING

from search.errors import IndexDamaged

if TYPE_CHECKING:
    from search.engines.embedded.snapshot import Snapshot

VERIFIED_FILE = "VERIFIED.json"


def verify_once(snapshot: Snapshot) -> None:
    """``snapshot.verify()`` unless its grams files were verified as they are now; SearchError if damaged."""
    state = [[part.path.name, *_file_state(part.path)] for part in snapshot._parts]
    marker = snapshot.index_dir / VERIFIED_FILE
    try:
        if json.loads(marker.read_text(encoding="utf-8")) == state:
            return
    except (OSError, ValueError):
        pass
    verify_snapshot(snapshot)
    with contextlib.suppress(OSError):  # a read-only index is checked each time
        tmp = marker.with_name(VERIFIED_FILE + ".tmp")
        tmp.write_text(json.dumps(state), encoding="utf-8")
        os.replace(tmp, marker)


def _file_state(path: str | os.PathLike[str]) -> tuple[int, int]:
    info = os.stat(path)
    return info.st_size, info.st_mtime_ns


def verify_snapshot(snapshot) -> None:
    """Check every grams part's postings and texts against its checksum (reads them all: about
    0.8 s for the news, so a server does it while warming a generation, not a CLI on open)."""
    for part in snapshot.parts:
        try:
            part.verify()
        except ValueError as exc:
            raise IndexDamaged(
                f"the index in {snapshot.index_dir} is damaged: {exc}", hint="rebuild it with `search index --rebuild`"
            ) from exc
