"""Merging the grams files along with Whoosh's segments, and cleaning up after interrupted runs."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Iterable
from pathlib import Path

from whoosh.reading import SegmentReader
from whoosh.util import fib

from ..archive import INDEX_NAME, open_index
from ..gramstore import GramSegment, GramSegmentBuilder, segment_file


_SEGMENT_FILE = re.compile(rf"({INDEX_NAME}_[0-9a-z]+)[.][A-Za-z0-9_.]+")
_TOC_FILE = re.compile(rf"_{INDEX_NAME}_([0-9]+)[.]toc")


def clean_leftovers(index_dir: Path, ix, keep: Iterable[str] = ()) -> list[str]:
    """Delete what interrupted runs left behind; call only while holding the write lock.

    A killed run can leave segment files (Whoosh's and our grams files) that no
    TOC lists, temporary TOCs (``_MAIN_<gen>.toc.<time>``) and temporary grams
    or version files.  The committed generation never refers to any of them;
    ``keep`` names segments being written right now (the caller's own writer).
    """
    toc = ix._read_toc()
    current = {segment.segment_id() for segment in toc.segments} | set(keep)
    removed = []
    for name in sorted(os.listdir(index_dir)):
        segment, toc_file = _SEGMENT_FILE.fullmatch(name), _TOC_FILE.fullmatch(name)
        if (
            (segment and segment.group(1) not in current)
            or (toc_file and int(toc_file.group(1)) != toc.generation)
            or name.endswith(".tmp")
            or (name.startswith(f"_{INDEX_NAME}_") and ".toc." in name)
        ) and not os.path.isdir(os.path.join(index_dir, name)):  # MAIN.tmp/ is the live writer's pool
            with contextlib.suppress(FileNotFoundError):
                os.remove(os.path.join(index_dir, name))
                removed.append(name)
    return removed


def _clean_if_unlocked(index_dir: Path) -> list[str]:
    """Clean leftovers when no other run holds the lock (a run with nothing else to do)."""
    ix = open_index(index_dir)
    lock = ix.lock("WRITELOCK")
    if not lock.acquire(False):
        return []
    try:
        return clean_leftovers(index_dir, ix)
    finally:
        lock.release()


def _merge_policy(index_dir: Path, grams: GramSegmentBuilder, clear: bool):
    """A Whoosh merge policy that merges the grams files along with the segments.

    Small segments are merged into the new one as Whoosh's MERGE_SMALL would
    (``clear``: the old segments are dropped instead, for a rebuild); then the
    new segment's grams file is written, before Whoosh writes the TOC that
    makes the segment visible.
    """

    def policy(writer, segments):
        kept, merging = ([], []) if clear else _small_segments(segments)
        for segment in merging:
            live = [n for n in range(segment.doc_count_all()) if not segment.is_deleted(n)]
            old = GramSegment(segment_file(index_dir, segment.segment_id()))
            try:
                grams.extend(old, live)
            finally:
                old.close()
            reader = SegmentReader(writer.storage, writer.schema, segment)
            try:
                writer.add_reader(reader)
            finally:
                reader.close()
        if grams.doc_count or merging:
            grams.write(segment_file(index_dir, writer.newsegment.segment_id()))
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


