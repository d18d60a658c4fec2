"""The indexing run: plan, prepare and write in one writer, then one atomic commit."""

from __future__ import annotations

import contextlib
import errno
import os
import shutil
from collections.abc import Callable, Iterable, Sequence
from pathlib import Path

from whoosh.index import LockError
from whoosh.writing import SegmentWriter

from search import dedup
from search.engines.embedded import plan as planning
from search.engines.embedded.archive import ROOTS_FILE as ROOTS_NAME
from search.engines.embedded.archive import latest_generation, open_index, read_roots, write_roots, write_schema_version
from search.engines.embedded.builder import GramSegmentBuilder
from search.engines.embedded.column_file import write_missing
from search.engines.embedded.entered import Entries, carried_entries
from search.engines.embedded.gramstore import segment_file
from search.engines.embedded.merge import clean_if_unlocked, clean_leftovers, merge_policy
from search.engines.embedded.prepare import PACKED_STORED, prepared_files
from search.engines.embedded.schema import STORED_ONLY, ArchiveCodec
from search.engines.embedded.whoosh_private import add_packed_document, new_segment_id, next_docnum
from search.errors import SearchError
from search.extract import ExtractOptions
from search.ingest import ocr_progress
from search.ingest.discover import SourceFile, discover
from search.ingest.limit_skips import SKIPPED_FILE, SkippedFiles
from search.ingest.report import IndexReport
from search.ingest.skipped import SKIPPED_NAME, SkippedFile, from_warnings, read_skipped, write_skipped
from search.meta import Taxonomy

WRITER_MEMORY_MB = 1024
OCR_CACHE = "ocr-cache"  # the index folder's cache of text recognised in page images (search.extract.ocr)


def index_paths(
    roots: Sequence[Path | str],
    index_dir: Path | str,
    *,
    rebuild: bool = False,
    procs: int = 1,
    progress: Callable[[Iterable], Iterable] | None = None,
    warn: Callable[[str], None] | None = None,
    follow_links: bool = False,
    ocr: bool = True,
    status: Callable[[str], None] | None = None,
) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with the files under ``roots``.

    ``ocr``: recognise PDF pages without a text layer (cached in the index's ``ocr-cache/``);
    ``status`` is given OCR's progress lines.

    A full disk ends the run with one line (the folder, the space free and about how much the run
    needs) after its temporary files are removed; the committed generation stays as it was, and
    the next run works once there is room.
    """
    index_dir = Path(index_dir)
    options = ExtractOptions(ocr=ocr, ocr_cache=str(index_dir / OCR_CACHE))
    todo_bytes: list[int] = [0]
    try:
        return _index_paths(roots, index_dir, rebuild, procs, progress, warn, follow_links, todo_bytes, options, status)
    except OSError as exc:
        if exc.errno not in (errno.ENOSPC, errno.EDQUOT):
            raise
        raise _disk_full(index_dir, todo_bytes[0]) from exc


def _disk_full(index_dir: Path, todo_bytes: int) -> SearchError:
    """The run's error for a full disk, once the run's temporary files are gone."""
    with contextlib.suppress(Exception):
        if latest_generation(index_dir) >= 0:
            clean_if_unlocked(index_dir)
        for name in (f"{ROOTS_NAME}.tmp", f"{SKIPPED_FILE}.tmp", f"{SKIPPED_NAME}.tmp"):
            (index_dir / name).unlink(missing_ok=True)
    try:
        free = shutil.disk_usage(index_dir if index_dir.exists() else index_dir.parent).free
    except OSError:
        free = 0
    # An index takes about twice its files' text (search text + grams + stored fields; measured 2.0x).
    needed = max(2 * todo_bytes, 1 << 20)
    return SearchError(
        f"no space left on the device of {index_dir} ({_size(free)} free; this run needs about {_size(needed)}); "
        "nothing was changed",
        hint="free some space (or index into a folder on another disk), then run `search index` again",
    )


def _size(count: int) -> str:
    return f"{count / (1 << 20):.1f} MB" if count >= 1 << 20 else f"{count // 1024} KB"


def _index_paths(
    roots, index_dir: Path, rebuild, procs, progress, warn, follow_links, todo_bytes, options: ExtractOptions, status
) -> IndexReport:
    report = IndexReport()
    warnings = report.warnings

    def note(message: str) -> None:
        warnings.append(message)
        if warn:
            warn(message)

    roots = [Path(r).resolve() for r in roots]
    unreadable: list[Path] = []
    left_out: dict[str, str] = {}
    sources = discover(
        roots,
        note,
        unreadable,
        follow_links=follow_links,
        exclude=index_dir,
        indexed_roots=read_roots(index_dir),
        left_out=left_out,
    )
    taxonomy = Taxonomy.load()

    skipped = SkippedFiles.load(index_dir)

    def compared() -> planning.Plan:
        plan = _unread_skips(
            planning.compare(index_dir, sources, roots, unreadable, taxonomy, rebuild, note), skipped, note, rebuild
        )
        _repeat_member_skips(index_dir, plan, sources, note)
        return plan

    plan = compared()
    if plan.nothing_to_do:
        skipped.save()
        report = _nothing_to_do(index_dir, roots, report, plan)
        _record_skipped(index_dir, roots, sources, left_out, report)
        return report
    writer = _locked_writer(plan)
    if plan.generation != latest_generation(index_dir):
        # Another run committed between our comparison and our lock: compare again,
        # now that no one else can commit, or the files it added would be added twice.
        for message in plan.notes:
            warnings.remove(message)
        plan = compared()
        if plan.nothing_to_do:
            writer.cancel()
            report = _nothing_to_do(index_dir, roots, report, plan)
            _record_skipped(index_dir, roots, sources, left_out, report)
            return report
    todo_bytes[0] = sum(_size_of(source.file) for source in plan.todo)
    report.added, report.changed, report.removed, report.unchanged = (
        plan.added,
        plan.changed,
        plan.removed,
        plan.unchanged,
    )
    todo = plan.todo
    _write(
        writer,
        plan,
        index_dir,
        rebuild,
        report,
        skipped,
        note,
        progress,
        lambda: ocr_progress.tracked(prepared_files(todo, taxonomy, procs, options), todo, options, status),
    )
    if rebuild:
        write_schema_version(index_dir)
    for key in report.removed:
        skipped.forget(key)
    skipped.save()
    write_roots(index_dir, planning.recorded_folders(index_dir, roots))
    write_missing(index_dir, open_index(index_dir))  # what the first reader would otherwise build
    dedup.after_commit(index_dir)  # the generation's reprint clusters (search.dedup), from the last ones
    report.total_documents = _live_count(index_dir)
    _record_skipped(index_dir, roots, sources, left_out, report)
    return report


def _locked_writer(plan: planning.Plan):
    """A writer of the plan's index, holding its write lock; SearchError when another run holds it."""
    try:
        # compound=False: a compound segment would swallow the grams file into
        # its own; the pool never spills (nothing is posted).
        return plan.ix.writer(limitmb=WRITER_MEMORY_MB, codec=ArchiveCodec(), compound=False)
    except LockError as exc:
        raise SearchError(
            "another indexing run is in progress (the index is locked)",
            hint="wait for it to finish, then run `search index` again",
        ) from exc


def _write(
    writer,
    plan: planning.Plan,
    index_dir: Path,
    rebuild,
    report: IndexReport,
    skipped: SkippedFiles,
    note,
    progress,
    prepare: Callable[[], Iterable],
) -> None:
    """Delete what the plan removes, add the documents of the files ``prepare`` prepares and their grams,
    and commit; on any failure the writer is cancelled (its lock given back) and the error raised."""
    # Under the write lock, the commit below makes the next generation (Whoosh numbers them so).
    entries = Entries(latest_generation(index_dir) + 1, carried_entries(plan.ix) if rebuild and plan.exists else None)
    grams = GramSegmentBuilder()
    last_part = segment_file(index_dir, new_segment_id(writer))
    try:
        report.cleaned = clean_leftovers(index_dir, plan.ix, keep=[new_segment_id(writer)])
        for key in report.removed:
            _delete_documents(writer, plan.old_documents.get(key, ()))
        prepared = prepare()
        for item in progress(prepared) if progress else prepared:
            _write_item(writer, plan, item, entries, grams, last_part, report, skipped, note)
        writer.commit(mergetype=merge_policy(index_dir, grams, clear=rebuild and plan.exists))
    except BaseException:
        with contextlib.suppress(Exception):
            grams.wait()  # a part still being written: left for clean_leftovers, not half-written
        try:
            writer.cancel()
        except OSError:  # on a full disk cancelling writes too: the lock must still be given back
            with contextlib.suppress(Exception):
                writer.writelock.release()
        raise


def _write_item(
    writer,
    plan: planning.Plan,
    item,
    entries: Entries,
    grams: GramSegmentBuilder,
    last_part,
    report: IndexReport,
    skipped: SkippedFiles,
    note,
) -> None:
    """One prepared file: its documents replace its indexed ones; a file that could not be read is skipped."""
    source = item.source
    if item.skipped:
        # An unreadable new version must not cost the indexed old one.
        note(f"{source.source}: skipped, {item.skipped}")
        _uncount(report, source.source)
        skipped.remember(source.key, source.file, item.skipped)
        return
    skipped.forget(source.key)
    if source.key in plan.indexed:
        _delete_documents(writer, plan.old_documents.get(source.key, ()))
    for message in item.warnings:  # a container's members that were skipped, each named
        note(message)
    for fields, counted, text in item.documents:
        fields["entered"] = entries.of(fields)
        packed = fields.pop(PACKED_STORED)
        for name in STORED_ONLY:  # in the packed bytes already
            del fields[name]
        grams.add(next_docnum(writer), counted, text)
        add_packed_document(writer, fields, packed)
        report.documents_written += 1
        if grams.full:  # a rebuild's memory stays bounded: the texts so far become a part
            grams.flush(last_part)


def _repeat_member_skips(
    index_dir: Path, plan: planning.Plan, sources: Sequence[SourceFile], note: Callable[[str], None]
) -> None:
    """Name again the skipped members of containers left unchanged (a zip's .dwg, a mail's broken
    attachment): they are not read this time, and must not drop out of the warnings or the record."""
    earlier: dict[tuple[str, str], list[SkippedFile]] = {}
    for entry in read_skipped(index_dir):
        container = entry.source.split("/")
        for cut in range(1, len(container)):
            earlier.setdefault((entry.root, "/".join(container[:cut])), []).append(entry)
    if not earlier:
        return
    todo = {source.key for source in plan.todo}
    for source in sources:
        if source.key in todo or source.key not in plan.indexed:
            continue
        for entry in earlier.get((source.root, source.source), ()):
            message = f"{entry.source}: skipped, {entry.reason}"
            plan.notes.append(message)
            note(message)


def _record_skipped(
    index_dir: Path, roots: Sequence[Path], sources: Sequence[SourceFile], left_out: dict[str, str], report: IndexReport
) -> None:
    """Keep the names and reasons of this run's skipped files beside the index (stats, the admin page)."""
    folders = {str(root if root.is_dir() else root.parent) for root in roots}
    fallback = next(iter(folders)) if len(folders) == 1 else ""
    root_of = {**left_out, **{source.source: source.root for source in sources}}

    def container_root(name: str) -> str:  # a member (材料.zip/x.dwg) lies where its container does
        parts = name.split("/")
        for cut in range(len(parts) - 1, 0, -1):
            if "/".join(parts[:cut]) in root_of:
                return root_of["/".join(parts[:cut])]
        return fallback

    skipped = [
        entry if entry.root else SkippedFile(entry.source, entry.reason, container_root(entry.source))
        for entry in from_warnings(report.warnings, root_of)
    ]
    try:
        write_skipped(index_dir, skipped, roots)
    except OSError as exc:  # the index itself is committed; only the record is missing
        report.warnings.append(f"{index_dir}: cannot record the skipped files ({exc.strerror or exc})")


def _unread_skips(
    plan: planning.Plan, skipped: SkippedFiles, note: Callable[[str], None], rebuild: bool
) -> planning.Plan:
    """The plan without the files skipped for a limit before and unchanged since (warned about again, not read)."""
    kept = []
    for source in plan.todo:
        reason = skipped.reason_to_skip(source.key, source.file)
        if reason is None:
            kept.append(source)
            continue
        message = f"{source.source}: skipped, {reason}"
        plan.notes.append(message)
        note(message)
        for bucket in (plan.added, plan.changed):
            if source.source in bucket:
                bucket.remove(source.source)
    plan.todo = kept
    plan.nothing_to_do = not (plan.todo or plan.removed or rebuild or not plan.exists)
    return plan


def _size_of(path: str) -> int:
    try:
        return os.stat(path).st_size
    except OSError:
        return 0


def _delete_documents(writer: SegmentWriter, docnums: Iterable[int]) -> None:
    """Delete a file's old documents (their numbers in the generation the writer started from)."""
    for docnum in docnums:
        writer.delete_document(docnum)


def _nothing_to_do(index_dir: Path, roots: Sequence[Path], report: IndexReport, plan: planning.Plan) -> IndexReport:
    """A run with nothing to index: no writer, no new generation for readers to reload.

    The folders are recorded all the same: a moved archive is unchanged, but
    its original files are now found in the new place.
    """
    write_roots(index_dir, planning.recorded_folders(index_dir, roots))
    if not dedup.table_present(index_dir):  # a run killed after its commit, or an index from before
        dedup.after_commit(index_dir)
    report.unchanged = plan.unchanged
    report.cleaned = clean_if_unlocked(index_dir)
    report.total_documents = _live_count(index_dir)
    return report


def _live_count(index_dir: Path) -> int:
    with open_index(index_dir).searcher() as searcher:
        return searcher.doc_count()


def _uncount(report: IndexReport, source: str) -> None:
    """A skipped file was neither added nor changed."""
    for bucket in (report.added, report.changed):
        if source in bucket:
            bucket.remove(source)
