"""Merging the grams files along with Whoosh's segments, and cleaning up after interrupted runs."""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Callable, Iterable
from pathlib import Path

from whoosh.index import Index
from whoosh.util import fib

from search.engines.embedded.archive import INDEX_NAME, open_index
from search.engines.embedded.builder import GramSegmentBuilder
from search.engines.embedded.gramstore import open_segment, segment_file
from search.engines.embedded.whoosh_private import (
    committed_segments,
    new_segment_id,
    segment_file_pattern,
    segment_reader,
    toc_file_pattern,
)

_SEGMENT_FILE = segment_file_pattern(INDEX_NAME)
_TOC_FILE = toc_file_pattern(INDEX_NAME)


def clean_leftovers(index_dir: Path, ix: Index, keep: Iterable[str] = (), writer_live: bool = True) -> list[str]:
    """Delete what interrupted runs left behind; call only while holding the write lock.

    A killed run can leave segment files (Whoosh's and our grams files) that no
    TOC lists, temporary TOCs (``_MAIN_<gen>.toc.<time>``) and temporary grams
    or version files.  The committed generation never refers to any of them;
    ``keep`` names segments being written right now (the caller's own writer).
    Whoosh's writer pools postings in the folder ``MAIN.tmp/``: a run killed after
    its commit but before the writer removed it leaves it behind; it is deleted
    only when no writer is live (``writer_live=False``), since a live one uses it.
    """
    generation, current = committed_segments(ix)
    current |= set(keep)
    removed = []
    for name in sorted(os.listdir(index_dir)):
        segment, toc_file = _SEGMENT_FILE.fullmatch(name), _TOC_FILE.fullmatch(name)
        if (
            (segment and segment.group(1) not in current)
            or (toc_file and int(toc_file.group(1)) != generation)
            or name.endswith(".tmp")
            or (name.startswith(f"_{INDEX_NAME}_") and ".toc." in name)
        ) and not os.path.isdir(os.path.join(index_dir, name)):  # MAIN.tmp/ is the live writer's pool
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(index_dir, name))
                removed.append(name)
    pool = os.path.join(index_dir, f"{INDEX_NAME}.tmp")
    if not writer_live and os.path.isdir(pool):
        shutil.rmtree(pool, ignore_errors=True)
        removed.append(f"{INDEX_NAME}.tmp/")
    return removed


def clean_if_unlocked(index_dir: Path) -> list[str]:
    """Clean leftovers when no other run holds the lock (a run with nothing else to do)."""
    ix = open_index(index_dir)
    lock = ix.lock("WRITELOCK")
    if not lock.acquire(False):
        return []
    try:
        return clean_leftovers(index_dir, ix, writer_live=False)
    finally:
        lock.release()


def merge_policy(index_dir: Path, grams: GramSegmentBuilder, clear: bool) -> Callable:
    """A Whoosh merge policy that merges the grams files along with the segments.

    Small segments are merged into the new one as Whoosh's MERGE_SMALL would
    (``clear``: the old segments are dropped instead, for a rebuild); then the
    new segment's grams file is written, before Whoosh writes the TOC that
    makes the segment visible.
    """

    def policy(writer, segments):
        kept, merging = ([], []) if clear else _small_segments(segments)
        last = segment_file(index_dir, new_segment_id(writer))
        for segment in merging:
            # Deleted documents are dropped here: a merge is where they stop costing.
            parts = open_segment(segment_file(index_dir, segment.segment_id()), segment.doc_count_all())
            try:
                for part in parts:
                    part.verify()  # a damaged part must not be carried into the new segment
                    first = part.base
                    grams.extend(part, [n for n in range(first, first + part.doc_count) if not segment.is_deleted(n)])
                    if grams.full:
                        grams.flush(last)
            finally:
                for part in parts:
                    part.close()
            reader = segment_reader(writer, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        if grams.doc_count or merging:
            grams.write(last)
        return kept

    return policy


def _small_segments(segments: list) -> tuple[list, list]:
    """(segments kept, segments to merge): Whoosh's MERGE_SMALL heuristic (fibonacci sizes)."""
    ordered = sorted(segments, key=lambda s: s.doc_count_all())
    total = 0
    for i, segment in enumerate(ordered):
        total += segment.doc_count_all()
        if i > 3 and total < fib(i + 5):
            return ordered[i + 1 :], ordered[: i + 1]
    return list(segments), []
