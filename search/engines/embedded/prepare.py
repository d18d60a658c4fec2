"""Files prepared for the embedded engine in worker processes: the documents read (``search.ingest.prepare``),
their Whoosh stored fields packed, their grams counted."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

from search.engines.embedded.gramstore import gram_counts
from search.engines.embedded.schema import make_schema
from search.engines.embedded.whoosh_private import pack_stored
from search.extract import ExtractOptions
from search.extract.limits import current_limits
from search.ingest.discover import SourceFile
from search.ingest.pipeline import JobLimits, ordered_map
from search.ingest.prepare import (
    die_with_parent,
    file_signature,
    file_state,
    index_fields,
    read_ahead,
    read_documents,
    read_file,
)
from search.meta import Taxonomy
from search.text.normalize import search_text

CHUNK = 8  # files a worker takes at a time


WINDOW_CHUNKS = 32  # chunks per worker prepared ahead of the writer at most


# A document's stored fields, pickled and compressed here as Whoosh's stored column would (the name
# starts with "_": Whoosh's add_document skips such names), in field-name order as Whoosh builds them.
PACKED_STORED = "_packed_stored"


STORED_FIELDS = tuple(sorted(name for name, field in make_schema().items() if field.stored))


@dataclass
class PreparedFile:
    """One file, read and analysed (in a worker process when indexing in parallel)."""

    source: SourceFile
    skipped: str | None = None
    # (Whoosh fields with the packed stored ones, gram keys and their counts, search text) per document
    documents: list[tuple[dict, tuple, str]] = field(default_factory=list)
    # a line for each member of a container that was skipped ("a.zip/b.xyz: skipped, REASON")
    warnings: list[str] = field(default_factory=list)


_WORKER_TAXONOMY: Taxonomy | None = None


_WORKER_OPTIONS: ExtractOptions | None = None


def prepare(
    source: SourceFile, taxonomy: Taxonomy | None = None, options: ExtractOptions | None = None
) -> PreparedFile:
    """Everything about one file that does not touch the index: read, decode, split, normalize, grams.

    The file is read again here (not passed from the comparing pass, which
    would hold every changed file in memory at once); its signature is taken
    from the bytes read here, so it always describes what was indexed.
    """
    taxonomy = taxonomy or _WORKER_TAXONOMY or Taxonomy.load()
    options = options or _WORKER_OPTIONS
    try:
        data, info = read_file(source.file)
        state = file_state(file_signature(data, source, taxonomy), info)
        warnings: list[str] = []
        records, encoding = read_documents(source, data, taxonomy, options, warnings)
    except OSError as exc:
        return PreparedFile(source, skipped=f"cannot read ({exc.strerror or exc})")
    except ValueError as exc:
        return PreparedFile(source, skipped=str(exc))
    prepared = PreparedFile(source, warnings=warnings)
    for record in records:
        text = record.search_text or search_text(record.title, record.paragraphs)
        fields = index_fields(source, record, state, encoding)
        fields[PACKED_STORED] = pack_stored({name: fields[name] for name in STORED_FIELDS if fields[name] is not None})
        prepared.documents.append((fields, gram_counts(text), text))
    return prepared


def _init_worker(taxonomy: Taxonomy, options: ExtractOptions | None = None, procs: int = 1) -> None:
    global _WORKER_TAXONOMY, _WORKER_OPTIONS
    _WORKER_TAXONOMY, _WORKER_OPTIONS = taxonomy, options
    from search.extract import ocr

    ocr.share_cores(procs)  # the workers OCR at once: no more model threads than cores
    die_with_parent()


def prepared_files(
    jobs: list, taxonomy: Taxonomy, procs: int, options: ExtractOptions | None = None
) -> Iterator[PreparedFile]:
    """``prepare`` over the jobs, in order, in ``procs`` worker processes (one at least).

    Even with ``procs`` 1 the files are read in a worker, not in the run's own process: only a
    worker can be killed for a file's wall time or memory limit (``SEARCH_LIMIT_FILE_SECONDS``,
    ``SEARCH_LIMIT_FILE_MEMORY_MB``) while the run goes on.
    """
    if not jobs:
        return
    # At most a window of chunks prepared and not yet written per worker: when writing is the slower
    # side (a part being sorted), results would otherwise pile up in the writer's memory.
    limits = current_limits()
    yield from ordered_map(
        prepare,
        jobs,
        max(1, procs),
        chunk=CHUNK,
        window=WINDOW_CHUNKS,
        initializer=_init_worker,
        initargs=(taxonomy, options, procs),
        prefetch=read_ahead,
        limits=JobLimits(limits.file_seconds, limits.file_memory_mb),
        on_limit=_over_limit,
    )


def _over_limit(source: SourceFile, reason: str) -> PreparedFile:
    """A file whose worker was killed for a limit: skipped, the reason naming the limit."""
    return PreparedFile(source, skipped=reason)
