"""Files -> our own extraction, normalization and metadata -> bulk requests, incrementally.

The same comparison as the embedded engine (``search.ingest``): a file is new,
changed or unchanged by its signature (bytes, sidecar row, schema, taxonomy),
removed when it is gone from an indexed folder.  Every document carries its
file's path, signature and item count, so what the index holds is read back
with one composite aggregation.

OpenSearch has no multi-document commit: a run writes a file's new documents
first and then deletes that file's documents of other signatures, so a
document is never missing while its file still exists.  A run killed midway
leaves some files done and others not; a file caught half-written has fewer
documents than its item count says and is redone by the next run.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.generations import next_generation, promote
from search.engines.opensearch.mapping import document_source
from search.extract import ExtractOptions
from search.extract.limits import current_limits
from search.ingest import SourceFile, discover
from search.ingest.discover import in_unreadable
from search.ingest.pipeline import JobLimits, ordered_map
from search.ingest.prepare import die_with_parent, file_signature, index_fields, read_documents, read_file
from search.ingest.report import IndexReport
from search.meta import Taxonomy

BATCH_FILES = 200
CHUNK, WINDOW_CHUNKS = 8, 32  # files a worker takes at a time, chunks ahead of the writer (as the embedded run)


def prepare_sources(
    source: SourceFile, taxonomy: Taxonomy, options: ExtractOptions | None = None
) -> tuple[SourceFile, list[dict] | str, list[str]]:
    """One file -> the documents to send (or why it is skipped) and the lines of its skipped members
    (a zip's, a mail's); no grams, OpenSearch makes its own."""
    warnings: list[str] = []
    try:
        data, _ = read_file(source.path)
        signature = file_signature(data, source, taxonomy)
        records, encoding = read_documents(source, data, taxonomy, options, warnings)
    except OSError as exc:
        return source, f"cannot read ({exc.strerror or exc})", warnings
    except ValueError as exc:
        return source, str(exc), warnings
    fields = [index_fields(source, record, signature, encoding) for record in records]
    return source, [document_source(f, items=len(fields)) for f in fields], warnings


_WORKER_TAXONOMY: Taxonomy | None = None
_WORKER_OPTIONS: ExtractOptions | None = None


def _init_worker(taxonomy: Taxonomy, options: ExtractOptions | None = None) -> None:
    global _WORKER_TAXONOMY, _WORKER_OPTIONS
    _WORKER_TAXONOMY, _WORKER_OPTIONS = taxonomy, options
    die_with_parent()  # a killed run leaves no worker behind


def _prepare_in_worker(source: SourceFile):
    return prepare_sources(source, _WORKER_TAXONOMY or Taxonomy.load(), _WORKER_OPTIONS)


def _prepared(
    todo: list[SourceFile], taxonomy: Taxonomy, procs: int, options: ExtractOptions | None = None
) -> Iterator:
    """``prepare_sources`` over the files, in order, in worker processes (one at least, as the embedded
    engine's run does): a worker past a file's time or memory limit is killed and that file skipped."""
    if not todo:
        return
    limits = current_limits()
    yield from ordered_map(
        _prepare_in_worker,
        todo,
        max(1, procs),
        chunk=CHUNK,
        window=WINDOW_CHUNKS,
        initializer=_init_worker,
        initargs=(taxonomy, options),
        limits=JobLimits(limits.file_seconds, limits.file_memory_mb),
        on_limit=_over_limit,
    )


def _over_limit(source: SourceFile, reason: str):
    return source, reason, []


def indexed_files(engine: OpenSearchEngine) -> dict[str, str | None]:
    """path -> signature of every file the index holds completely (None: held only in part)."""
    sources = [
        {"path": {"terms": {"field": "path"}}},
        {"sig": {"terms": {"field": "file_sig"}}},
        {"items": {"terms": {"field": "items"}}},
    ]
    files: dict[str, str | None] = {}
    after = None
    while True:
        composite = {"size": 10_000, "sources": sources, **({"after": after} if after else {})}
        answer = engine.raw_search({"size": 0, "aggs": {"files": {"composite": composite}}})
        buckets = answer["aggregations"]["files"]["buckets"]
        for bucket in buckets:
            key = bucket["key"]
            whole = bucket["doc_count"] == key["items"] and key["path"] not in files
            files[key["path"]] = key["sig"] if whole else None
        after = answer["aggregations"]["files"].get("after_key")
        if not buckets or not after:
            return files


def index_paths(
    roots: Sequence[Path | str],
    engine: OpenSearchEngine,
    *,
    rebuild: bool = False,
    procs: int = 1,
    shards: int = 1,
    replicas: int = 0,
    warn: Callable[[str], None] | None = None,
    options: ExtractOptions | None = None,
    state_dir: Path | None = None,
) -> IndexReport:
    """Bring the OpenSearch index up to date with the files under ``roots`` (+ new ~ changed - removed).

    ``rebuild`` (or no index yet) writes every file into a new generation and
    then moves the alias to it in one request (``opensearch_generations``).
    """
    report = IndexReport()

    def note(message: str) -> None:
        report.warnings.append(message)
        if warn:
            warn(message)

    folders = [Path(r).resolve() for r in roots]
    unreadable: list[Path] = []
    sources = discover(folders, note, unreadable)
    taxonomy = Taxonomy.load()
    if rebuild or not engine.exists():
        # A new generation, written while the alias serves the old one (opensearch_generations).
        target, indexed = next_generation(engine, shards, replicas), {}
    else:
        engine.check()
        target, indexed = engine, indexed_files(engine)

    todo, seen = _compared(sources, indexed, taxonomy, report, note)
    # Files are known by their path relative to the indexed folder (``SourceFile.key``).
    removed = sorted(p for p in indexed if p not in seen and not in_unreadable(p, roots, unreadable))
    report.removed = removed
    _write_prepared(target, todo, taxonomy, procs, options, report, note)
    if removed:
        target.delete(paths=removed)
    target.refresh()
    if state_dir is not None:  # the reprint clusters (search.dedup), from the table kept in the state folder
        from search.engines.opensearch.dedup import update_clusters

        update_clusters(target, state_dir, engine.name)
    if target is not engine:
        promote(engine, target)
    report.total_documents = engine.stats()["documents"]
    return report


def _compared(
    sources, indexed: dict, taxonomy: Taxonomy, report: IndexReport, note
) -> tuple[list[SourceFile], set[str]]:
    """The files to write (new or changed signature; counted in ``report``) and the keys of all found."""
    todo: list[SourceFile] = []
    seen: set[str] = set()
    for source in sources:
        seen.add(source.key)
        try:
            signature = file_signature(read_file(source.path)[0], source, taxonomy)
        except (OSError, ValueError) as exc:
            note(f"{source.source}: skipped, {getattr(exc, 'strerror', None) or exc}")
            continue
        if source.key in indexed and indexed[source.key] == signature:
            report.unchanged += 1
            continue
        (report.changed if source.key in indexed else report.added).append(source.source)
        todo.append(source)
    return todo, seen


def _write_prepared(
    target: OpenSearchEngine,
    todo: list[SourceFile],
    taxonomy: Taxonomy,
    procs: int,
    options: ExtractOptions | None,
    report: IndexReport,
    note,
) -> None:
    """Prepare the files and write their documents in batches of BATCH_FILES files; a file that could
    not be read is skipped with a note (and no longer counted as added or changed)."""
    batch: list[dict] = []
    stale: dict[str, str] = {}
    for source, documents, member_warnings in _prepared(todo, taxonomy, procs, options):
        for line in member_warnings:
            note(line)
        if isinstance(documents, str):
            note(f"{source.source}: skipped, {documents}")
            for group in (report.added, report.changed):
                if source.source in group:
                    group.remove(source.source)
            continue
        batch.extend(documents)
        stale[source.key] = documents[0]["file_sig"]
        if len(stale) >= BATCH_FILES:
            report.documents_written += _flush(target, batch, stale)
            batch, stale = [], {}
    report.documents_written += _flush(target, batch, stale)


def _flush(engine: OpenSearchEngine, batch: list[dict], stale: dict[str, str]) -> int:
    """Write a batch of files' documents, then drop those files' documents of other signatures."""
    if not batch:
        return 0
    written = engine.index_documents(batch)
    # Visible first: a rewritten document keeps its id, and the stale search must see its new signature.
    engine.refresh()
    engine.delete(stale_of=stale)
    return written
