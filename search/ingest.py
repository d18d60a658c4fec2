"""Files -> documents -> index, incrementally.

A run compares every file under the given folders with what the index holds
(a signature of the file's bytes and its sidecar row, kept per document in the
``file_sig`` column) and then, in one writer and one commit, deletes the
documents of changed and removed files and adds those of new and changed
files.  Whoosh commits atomically (a new TOC generation), so an interrupted run
leaves the previous generation readable.
"""

from __future__ import annotations

import contextlib
import errno
import hashlib
import multiprocessing
import os
import re
import stat
from array import array
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from whoosh import index as whoosh_index
from whoosh.index import LockError
from whoosh.reading import SegmentReader
from whoosh.util import fib

from .archive import (
    INDEX_NAME,
    Snapshot,
    create_index,
    latest_generation,
    open_index,
    write_schema_version,
)
from .errors import SearchError
from .extract import SUPPORTED_SUFFIXES, decode_text, extract
from .gramstore import GramSegment, GramSegmentBuilder, gram_keys, segment_file
from .meta import (
    DocumentRecord,
    FileFacts,
    SidecarError,
    Taxonomy,
    extract_documents,
    read_sidecar,
)
from .normalize import search_text
from .access.documents import access_value, parse_groups
from .schema import METADATA_COLUMNS, SCHEMA_VERSION, ArchiveCodec, make_schema

SIDECAR_NAMES = ("manifest.tsv", "manifest.csv")
MAX_FILE_BYTES = 50 * 1024 * 1024
WRITER_MEMORY_MB = 1024


@dataclass(frozen=True)
class SourceFile:
    """A file to index: where it is, what it is called relative to its indexed folder, its sidecar row."""

    path: Path
    source: str
    sidecar: tuple[tuple[str, str], ...]

    @property
    def key(self) -> str:
        return str(self.path)


@dataclass
class IndexReport:
    """What an indexing run did; ``summary`` is the one line shown to users (``+12 ~3 -1``)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    documents_written: int = 0
    warnings: list[str] = field(default_factory=list)
    total_documents: int = 0
    cleaned: list[str] = field(default_factory=list)  # leftovers of interrupted runs, deleted

    @property
    def summary(self) -> str:
        return (
            f"+{len(self.added)} ~{len(self.changed)} -{len(self.removed)} files "
            f"({self.unchanged} unchanged, {self.documents_written} documents written, "
            f"{len(self.warnings)} skipped); {self.total_documents} documents in the index"
        )


def discover(
    roots: Sequence[Path],
    warn: Callable[[str], None],
    unreadable: list[Path] | None = None,
    *,
    follow_links: bool = False,
    exclude: Path | None = None,
) -> list[SourceFile]:
    """Every supported file under ``roots`` (files or folders), with its sidecar row, in a stable order.

    Symbolic links to folders are not followed (no loops, no file found twice); a link to a file
    is indexed under its own name, unless the file it points to is indexed too.  A link whose
    target lies outside its indexed folder is skipped unless ``follow_links`` (a link in a shared
    folder must not publish ``/etc/passwd`` or the server's own secret); nothing under
    ``exclude`` (the index folder) is ever indexed.  Whatever is left out gets one warning.
    """
    excluded = os.path.realpath(exclude) if exclude is not None else None
    found: dict[str, SourceFile] = {}
    sidecars: dict[str, dict[str, dict[str, str]]] = {}

    def sidecar_for(folder: str) -> dict[str, dict[str, str]]:
        if folder not in sidecars:
            try:
                sidecars[folder] = read_sidecar(folder)
            except SidecarError as exc:
                warn(str(exc))
                sidecars[folder] = {}
            except OSError as exc:  # its files are indexed without the sidecar's facts
                warn(f"{exc.filename}: skipped, cannot read ({exc.strerror or exc})")
                sidecars[folder] = {}
        return sidecars[folder]

    links: set[str] = set()
    for root in roots:
        root = Path(root).resolve()
        if root.is_file():
            files = [str(root)]
            base = str(root.parent)
        elif root.is_dir():
            # Strings, not Paths, on this path: a run over an archive looks at every file.
            files = sorted(_walk(root, warn, unreadable))
            base = str(root)
        else:
            raise SearchError(f"{root}: no such file or folder")
        for path in files:
            if os.path.splitext(path)[1].lower() not in SUPPORTED_SUFFIXES:
                continue
            if not _utf8(os.path.basename(path)):
                warn(f"{os.fsencode(path)!r}: skipped, the file name is not valid UTF-8 (rename it)")
                continue
            name = _relative(path, base)
            if os.path.islink(path):
                problem = _link_problem(Path(path)) or (
                    None if follow_links else _outside_problem(path, base)
                )
                if problem:
                    warn(f"{name}: skipped, {problem}")
                    continue
                links.add(path)
            if excluded and _inside(os.path.realpath(path), excluded):
                warn(f"{name}: skipped, it lies in the index folder")
                continue
            row = _sidecar_row(path, base, sidecar_for)
            found[path] = SourceFile(Path(path), name, tuple(sorted(row.items())))
    return _without_duplicate_links(list(found.values()), links, warn)


def _relative(path: str, folder: str) -> str:
    """``path`` relative to ``folder`` (which contains it), with forward slashes."""
    relative = path[len(folder) :].lstrip(os.sep) if path.startswith(folder) else os.path.relpath(path, folder)
    return relative.replace(os.sep, "/")


def _walk(
    root: Path, warn: Callable[[str], None] = lambda message: None, unreadable: list[Path] | None = None
) -> Iterable[str]:
    """The files under ``root`` but hidden ones and sidecars; folders it cannot enter are warned about
    (and added to ``unreadable``)."""

    def cannot_read(exc: OSError) -> None:
        warn(f"{_shown(exc.filename, root)}/: skipped, cannot read the folder ({exc.strerror or exc})")
        if unreadable is not None:
            unreadable.append(Path(exc.filename))

    for folder, dirnames, filenames in os.walk(root, onerror=cannot_read, followlinks=False):
        kept = []
        for name in sorted(dirnames):
            path = os.path.join(folder, name)
            if name.startswith("."):
                continue
            if not _utf8(name):
                warn(f"{os.fsencode(path)!r}: skipped, the folder name is not valid UTF-8 (rename it)")
            elif os.path.islink(path):
                warn(f"{_shown(path, root)}/: skipped, symbolic link to a folder (not followed)")
            else:
                kept.append(name)
        dirnames[:] = kept
        for name in filenames:
            if not name.startswith(".") and name not in SIDECAR_NAMES:
                yield os.path.join(folder, name)


def _utf8(name: str) -> bool:
    """Whether a file name decoded from the file system is valid UTF-8 (no surrogate escapes)."""
    try:
        name.encode("utf-8")
    except UnicodeEncodeError:
        return False
    return True


def _shown(path: str, root: Path) -> str:
    """A path as warnings show it: relative to the indexed folder, or whole for the folder itself."""
    relative = os.path.relpath(path, root)
    return str(path) if relative == "." else Path(relative).as_posix()


def _link_problem(path: Path) -> str | None:
    """Why a symbolic link to a file cannot be indexed (a loop, a missing target); None if it can, or is no link."""
    if not path.is_symlink():
        return None
    try:
        path.stat()
    except OSError as exc:
        if exc.errno == errno.ELOOP:
            return "symbolic link loop"
        if exc.errno == errno.ENOENT:
            return "broken symbolic link (its target does not exist)"
        return f"cannot follow the symbolic link ({exc.strerror or exc})"
    return None


def _inside(path: str, folder: str) -> bool:
    return path == folder or path.startswith(folder.rstrip(os.sep) + os.sep)


def _outside_problem(link: str, root: str) -> str | None:
    """Why a link must not be followed by default: its resolved target lies outside the indexed folder."""
    target = os.path.realpath(link)
    if _inside(target, os.path.realpath(root)):
        return None
    return "symbolic link to a file outside the indexed folder (--follow-links indexes it)"


def _without_duplicate_links(
    sources: list[SourceFile], links: set[str], warn: Callable[[str], None]
) -> list[SourceFile]:
    """The sources but links to a file that is indexed already (the file itself, or an earlier link, wins)."""
    # Roots are resolved and folder links not followed, so only a link's path differs from its file's.
    targets = {source.key: source for source in sources if source.key not in links}
    kept = []
    for source in sources:
        if source.key in links:
            target = os.path.realpath(source.path)
            first = targets.setdefault(target, source)
            if first is not source:
                warn(f"{source.source}: skipped, symbolic link to {first.source}, which is indexed")
                continue
        kept.append(source)
    return kept


def _sidecar_row(path: str, base: str, sidecar_for) -> dict[str, str]:
    """The nearest sidecar row naming ``path``, looking from its folder up to the indexed folder.

    A file without an ``access`` value of its own takes the one of the nearest
    manifest's ``*`` row (a folder's default groups).
    """
    folder = os.path.dirname(path)
    found: dict[str, str] | None = None
    default_access: str | None = None
    while True:
        rows = sidecar_for(folder)
        if found is None:
            found = rows.get(_relative(path, folder))
        if default_access is None:
            default_access = rows.get("*", {}).get("access")
        parent = os.path.dirname(folder)
        if (found is not None and (found.get("access") or default_access)) or folder == base or parent == folder:
            break
        folder = parent
    row = dict(found or {})
    if not row.get("access") and default_access:
        row["access"] = default_access
    return row


def decode(data: bytes) -> tuple[str, str]:
    """Bytes of a text file -> (text, encoding), as before search.extract: UTF-8 with a BOM is "utf-8".

    Kept for older callers; :func:`search.extract.decode_text` says "utf-8-sig" for it.
    """
    text, encoding = decode_text(data)
    return text, "utf-8" if encoding == "utf-8-sig" else encoding


def file_signature(data: bytes, source: SourceFile, taxonomy: Taxonomy) -> str:
    """What a file's documents depend on: its bytes, its sidecar row, the schema and the taxonomy."""
    digest = hashlib.sha1(data)
    digest.update(repr((SCHEMA_VERSION, source.sidecar, taxonomy.digest)).encode("utf-8"))
    return digest.hexdigest()


def document_id(path: Path, item: int) -> str:
    """A stable, URL-safe id: a hash of the file's path and the item's place in it."""
    return f"{hashlib.sha1(str(path).encode('utf-8')).hexdigest()[:12]}-{item}"


def read_documents(source: SourceFile, data: bytes, taxonomy: Taxonomy) -> tuple[list[DocumentRecord], str]:
    """Extract the text of one file and its documents; ValueError says why a file is skipped."""
    extracted = extract(source.path, data)
    sidecar = dict(source.sidecar)
    if extracted.title and "title" not in sidecar:
        # The format's own title (HTML <title>, Word properties) counts like a sidecar's.
        sidecar["title"] = extracted.title
    facts = FileFacts(source.source, extracted.properties)
    records = extract_documents(extracted.text, sidecar or None, taxonomy=taxonomy, facts=facts)
    if not any(r.paragraphs or r.title for r in records):
        raise ValueError("no text after normalization")
    return records, extracted.encoding


def index_fields(source: SourceFile, record: DocumentRecord, signature: str, encoding: str) -> dict:
    """The Whoosh fields of one document (the grams file holds its search text)."""
    return {
        "id": document_id(source.path, record.item),
        "path": source.key,
        "source": source.source,
        "encoding": encoding,
        "item": record.item,
        "title": record.title,
        "text": "\n".join(record.paragraphs),
        "district": (record.district or "").encode("utf-8"),
        "published": (record.published.iso() if record.published else "").encode("utf-8"),
        "topics": "|".join(record.topics).encode("utf-8"),
        "file_sig": f"{source.key}\t{signature}".encode(),
        **{name: (getattr(record, name) or "").encode("utf-8") for name in METADATA_COLUMNS},
        "access": access_value(parse_groups(dict(source.sidecar).get("access"))).encode("utf-8"),
    }


@dataclass
class PreparedFile:
    """One file, read and analysed (in a worker process when indexing in parallel)."""

    source: SourceFile
    skipped: str | None = None
    # (Whoosh fields, bigram keys, search text) per document
    documents: list[tuple[dict, array, str]] = field(default_factory=list)


_WORKER_TAXONOMY: Taxonomy | None = None


def prepare(source: SourceFile, taxonomy: Taxonomy | None = None) -> PreparedFile:
    """Everything about one file that does not touch the index: read, decode, split, normalize, grams.

    The file is read again here (not passed from the comparing pass, which
    would hold every changed file in memory at once); its signature is taken
    from the bytes read here, so it always describes what was indexed.
    """
    taxonomy = taxonomy or _WORKER_TAXONOMY
    try:
        data = _read_bytes(source.path)
        signature = file_signature(data, source, taxonomy)
        records, encoding = read_documents(source, data, taxonomy)
    except OSError as exc:
        return PreparedFile(source, skipped=f"cannot read ({exc.strerror or exc})")
    except ValueError as exc:
        return PreparedFile(source, skipped=str(exc))
    prepared = PreparedFile(source)
    for record in records:
        text = search_text(record.title, record.paragraphs)
        prepared.documents.append((index_fields(source, record, signature, encoding), gram_keys(text), text))
    return prepared


def _init_worker(taxonomy: Taxonomy) -> None:
    global _WORKER_TAXONOMY
    _WORKER_TAXONOMY = taxonomy


def _prepared(jobs: list, taxonomy: Taxonomy, procs: int) -> Iterator[PreparedFile]:
    """``prepare`` over the jobs, in order; in ``procs`` worker processes when procs > 1."""
    if procs <= 1 or len(jobs) < 2:
        for job in jobs:
            yield prepare(job, taxonomy)
        return
    context = multiprocessing.get_context("fork")
    with context.Pool(procs, initializer=_init_worker, initargs=(taxonomy,)) as pool:
        yield from pool.imap(prepare, jobs, chunksize=8)


def _indexed_files(snapshot: Snapshot | None) -> dict[str, str]:
    """path -> signature of every file the index holds."""
    if snapshot is None:
        return {}
    files = {}
    for docnum in snapshot.live:
        path, _, signature = (snapshot.file_sig[docnum] or "").partition("\t")
        files[path] = signature
    return files


def _under(path: str, roots: Sequence[Path]) -> bool:
    return any(path == str(r) or path.startswith(str(r) + os.sep) for r in roots)


def index_paths(
    roots: Sequence[Path | str],
    index_dir: Path | str,
    *,
    rebuild: bool = False,
    procs: int = 1,
    progress: Callable[[Iterable], Iterable] | None = None,
    warn: Callable[[str], None] | None = None,
    follow_links: bool = False,
) -> IndexReport:
    """Bring the index in ``index_dir`` up to date with the files under ``roots``."""
    index_dir = Path(index_dir)
    report = IndexReport()
    warnings = report.warnings

    def note(message: str) -> None:
        warnings.append(message)
        if warn:
            warn(message)

    roots = [Path(r).resolve() for r in roots]
    unreadable: list[Path] = []
    sources = discover(roots, note, unreadable, follow_links=follow_links, exclude=index_dir)
    taxonomy = Taxonomy.load()

    plan = _plan(index_dir, sources, roots, unreadable, taxonomy, rebuild, note)
    if plan.nothing_to_do:
        return _nothing_to_do(index_dir, report, plan)
    try:
        # compound=False: a compound segment would swallow the grams file into
        # its own; the small pool never spills (only id and path are posted).
        writer = plan.ix.writer(limitmb=WRITER_MEMORY_MB, codec=ArchiveCodec(), compound=False)
    except LockError as exc:
        raise SearchError(
            "another indexing run is in progress (the index is locked)",
            hint="wait for it to finish, then run `search index` again",
        ) from exc
    if plan.generation != latest_generation(index_dir):
        # Another run committed between our comparison and our lock: compare again,
        # now that no one else can commit, or the files it added would be added twice.
        for message in plan.notes:
            warnings.remove(message)
        plan = _plan(index_dir, sources, roots, unreadable, taxonomy, rebuild, note)
        if plan.nothing_to_do:
            writer.cancel()
            return _nothing_to_do(index_dir, report, plan)
    ix, todo, indexed, exists = plan.ix, plan.todo, plan.indexed, plan.exists
    report.added, report.changed, report.removed, report.unchanged = (
        plan.added, plan.changed, plan.removed, plan.unchanged
    )
    grams = GramSegmentBuilder()
    try:
        report.cleaned = clean_leftovers(index_dir, ix, keep=[writer.newsegment.segment_id()])
        for path in report.removed:
            writer.delete_by_term("path", path)
        prepared = _prepared(todo, taxonomy, procs)
        for item in progress(prepared) if progress else prepared:
            source = item.source
            if item.skipped:
                # An unreadable new version must not cost the indexed old one.
                note(f"{source.source}: skipped, {item.skipped}")
                _uncount(report, source.source)
                continue
            if source.key in indexed:
                writer.delete_by_term("path", source.key)
            for fields, keys, text in item.documents:
                grams.add(writer.docnum, keys, text)
                writer.add_document(**fields)
                report.documents_written += 1
        writer.commit(mergetype=_merge_policy(index_dir, grams, clear=rebuild and exists))
    except BaseException:
        writer.cancel()
        raise
    if rebuild:
        write_schema_version(index_dir)
    report.total_documents = _live_count(index_dir)
    return report


@dataclass
class _Plan:
    """What a run will do, decided against one committed generation."""

    ix: object
    exists: bool
    generation: int
    indexed: dict[str, str]
    todo: list[SourceFile] = field(default_factory=list)
    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    notes: list[str] = field(default_factory=list)
    nothing_to_do: bool = False


def _plan(index_dir, sources, roots, unreadable, taxonomy, rebuild, note) -> _Plan:
    """Compare every file with what the index holds: new, changed, unchanged and removed files."""
    exists = _index_exists(index_dir)
    if rebuild and exists:
        # The old generation stays readable until the new one commits (CLEAR
        # drops the old segments in that same commit): a rebuild that is
        # interrupted, or refused because another run holds the lock, loses nothing.
        plan = _Plan(_open_for_rebuild(index_dir), exists, latest_generation(index_dir), {})
    elif not exists:
        plan = _Plan(create_index(index_dir), exists, latest_generation(index_dir), {})
    else:
        ix = open_index(index_dir)
        snapshot = Snapshot(ix, index_dir)
        plan = _Plan(ix, exists, snapshot.generation, _indexed_files(snapshot))
        snapshot.close()

    def warn(message: str) -> None:
        plan.notes.append(message)
        note(message)

    seen: set[str] = set()
    for source in sources:
        seen.add(source.key)
        try:
            signature = file_signature(_read_bytes(source.path), source, taxonomy)
        except OSError as exc:
            warn(f"{source.source}: skipped, cannot read ({exc.strerror or exc})")
            continue
        except ValueError as exc:
            warn(f"{source.source}: skipped, {exc}")
            continue
        previous = plan.indexed.get(source.key)
        if previous == signature:
            plan.unchanged += 1
            continue
        (plan.changed if previous is not None else plan.added).append(source.source)
        plan.todo.append(source)
    # A file under a folder that could not be read is not known to be gone: it stays.
    plan.removed = sorted(
        p for p in plan.indexed if p not in seen and _under(p, roots) and not _under(p, unreadable)
    )
    plan.nothing_to_do = not (plan.todo or plan.removed or rebuild or not exists)
    return plan


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


def _nothing_to_do(index_dir: Path, report: IndexReport, plan: _Plan) -> IndexReport:
    """A run with nothing to index: no writer, no new generation for readers to reload."""
    report.unchanged = plan.unchanged
    report.cleaned = _clean_if_unlocked(index_dir)
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


def _read_bytes(path: Path) -> bytes:
    """A regular file's bytes; ValueError for a pipe, a device or a file too large, OSError when unreadable."""
    # O_NONBLOCK: opening a named pipe must not wait for a writer (it does nothing to regular files).
    fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    with open(fd, "rb") as handle:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise ValueError("not a regular file")  # a named pipe, a device
        if info.st_size > MAX_FILE_BYTES:
            raise ValueError(f"larger than {MAX_FILE_BYTES // (1024 * 1024)} MB, the limit for one file")
        return handle.read()


def _index_exists(index_dir: Path) -> bool:
    return index_dir.is_dir() and latest_generation(index_dir) >= 0


def _open_for_rebuild(index_dir: Path):
    """The existing index, whatever its schema version (it is about to be replaced), or a new one."""
    try:
        return whoosh_index.open_dir(str(index_dir), indexname=INDEX_NAME, schema=make_schema())
    except Exception:  # unreadable: nothing worth keeping
        return create_index(index_dir)
