"""Discovery: the files under the indexed folders, each with its name relative to its folder and its sidecar row."""

from __future__ import annotations

import errno
import os
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from search.access.documents import ADMINS_ONLY
from search.errors import SearchError
from search.extract import SUPPORTED_SUFFIXES
from search.meta import SidecarError, read_sidecar
from search.meta.corrections import NO_CORRECTIONS, Corrections, read_corrections
from search.meta.manifests import check_rows

SIDECAR_NAMES = ("manifest.tsv", "manifest.csv")


@dataclass(frozen=True)
class SourceFile:
    """A file to index: where it is, what it is called relative to its indexed folder, its sidecar row."""

    file: str  # its absolute path (a string: an archive's discovery makes hundreds of thousands)
    source: str
    sidecar: tuple[tuple[str, str], ...]
    root: str = ""  # the indexed folder ``source`` is relative to (for a file given alone, its folder)

    @property
    def path(self) -> Path:
        """The file's absolute path as a Path."""
        return Path(self.file)

    @property
    def key(self) -> str:
        """What the index knows the file by: its path relative to the indexed folder.

        Not the absolute path: an archive moved or mounted elsewhere keeps its
        documents, their ids, links and saved-query state.
        """
        return self.source


def discover(
    roots: Sequence[Path],
    warn: Callable[[str], None],
    unreadable: list[Path] | None = None,
    *,
    follow_links: bool = False,
    exclude: Path | None = None,
    indexed_roots: Sequence[Path] = (),
    left_out: dict[str, str] | None = None,
) -> list[SourceFile]:
    """Every supported file under ``roots`` (files or folders), with its sidecar row, in a stable order.

    Every other file but hidden ones (``.name``) and manifests is named in a warning
    (``a.xyz: skipped, unsupported file type .xyz``), so no file is ever left out unseen.

    Symbolic links to folders are not followed (no loops, no file found twice); a link to a file
    is indexed under its own name, unless the file it points to is indexed too.  A link whose
    target lies outside its indexed folder is skipped unless ``follow_links`` (a link in a shared
    folder must not publish ``/etc/passwd`` or the server's own secret); nothing under
    ``exclude`` (the index folder) is ever indexed.  Whatever is left out gets one warning;
    ``left_out`` gets the indexed folder of each unsupported file (name -> folder).
    A folder inside one of ``indexed_roots`` (the index's folders) keeps its files' names relative
    to that root, so that indexing a subfolder keeps their ids and their parent's manifest rows.
    """
    excluded = os.path.realpath(exclude) if exclude is not None else None
    found: dict[str, SourceFile] = {}
    sidecars: dict[str, dict[str, dict[str, str]]] = {}

    def sidecar_for(folder: str) -> dict[str, dict[str, str]]:
        if folder not in sidecars:
            sidecars[folder] = _sidecar_rows(folder, warn)
        return sidecars[folder]

    corrections: dict[str, Corrections] = {}

    def corrections_for(base: str) -> Corrections:
        """The indexed folder's corrections.tsv, read once a run: it overrides any sidecar row."""
        if base not in corrections:
            try:
                corrections[base] = read_corrections(base)
            except SidecarError as exc:
                warn(f"{exc}; no correction applied")
                corrections[base] = NO_CORRECTIONS
            except OSError as exc:
                warn(f"{exc.filename}: no correction applied, cannot read ({exc.strerror or exc})")
                corrections[base] = NO_CORRECTIONS
        return corrections[base]

    links: set[str] = set()
    chains: dict[str, list] = {}
    for root in roots:
        root = Path(root).resolve()
        if root.is_file():
            files = [(str(root), root.is_symlink())]
            base = _indexed_base(root.parent, indexed_roots)
        elif root.is_dir():
            # Strings, not Paths, on this path: a run over an archive looks at every file.
            files = sorted(_walk(root, warn, unreadable))
            base = _indexed_base(root, indexed_roots)
        else:
            raise SearchError(f"{root}: no such file or folder")
        for path, link in files:
            if not _utf8(os.path.basename(path)):
                warn(f"{os.fsencode(path)!r}: skipped, the file name is not valid UTF-8 (rename it)")
                continue
            name = _relative(path, base)
            suffix = os.path.splitext(path)[1].lower()
            if suffix not in SUPPORTED_SUFFIXES:
                # Named, never silently left out: a folder of .doc files must not index as "0 documents".
                if left_out is not None:
                    left_out[name] = base
                warn(f"{name}: skipped, unsupported file type {suffix or '(no suffix)'}")
                continue
            if link:
                problem = _link_problem(Path(path)) or (None if follow_links else _outside_problem(path, base))
                if problem:
                    warn(f"{name}: skipped, {problem}")
                    continue
                links.add(path)
            # The root is resolved and links to folders are not followed: only a link's real path differs.
            if excluded and _inside(os.path.realpath(path) if link else path, excluded):
                warn(f"{name}: skipped, it lies in the index folder")
                continue
            row = corrections_for(base).apply(name, _sidecar_row(path, base, sidecar_for, chains))
            found[path] = SourceFile(path, name, tuple(sorted(row.items())), base)
    return _one_file_per_name(_without_duplicate_links(list(found.values()), links, warn), warn)


def _one_file_per_name(sources: list[SourceFile], warn: Callable[[str], None]) -> list[SourceFile]:
    """The sources but those whose relative name an earlier folder's file has (the index knows files by it)."""
    first: dict[str, SourceFile] = {}
    kept = []
    for source in sources:
        if first.setdefault(source.key, source) is not source:
            warn(
                f"{source.root}/{source.source}: skipped, {first[source.key].root} has a file of the same name "
                "(an index holds one file per name relative to its folder)"
            )
            continue
        kept.append(source)
    return kept


def _relative(path: str, folder: str) -> str:
    """``path`` relative to ``folder`` (which contains it), with forward slashes."""
    relative = path[len(folder) :].lstrip(os.sep) if path.startswith(folder) else os.path.relpath(path, folder)
    return relative.replace(os.sep, "/")


def _walk(
    root: Path, warn: Callable[[str], None] = lambda message: None, unreadable: list[Path] | None = None
) -> Iterable[tuple[str, bool]]:
    """(path, whether it is a symbolic link) of the files under ``root`` but hidden ones and sidecars;
    folders it cannot enter are warned about (and added to ``unreadable``).  Folders are visited
    top-down, subfolders in name order; a link to a folder is not followed.  The directory entries
    say which files are links, so no file is looked at twice."""
    folders = [str(root)]
    while folders:
        folder = folders.pop()
        try:
            with os.scandir(folder) as listing:
                entries = list(listing)
        except OSError as exc:
            warn(f"{_shown(exc.filename or folder, root)}/: skipped, cannot read the folder ({exc.strerror or exc})")
            if unreadable is not None:
                unreadable.append(Path(exc.filename or folder))
            continue
        subfolders = []
        for entry in entries:
            try:
                is_folder = entry.is_dir()  # a link to a folder counts as one, as in os.walk
            except OSError:
                is_folder = False
            if is_folder:
                subfolders.append(entry)
            elif not entry.name.startswith(".") and entry.name not in SIDECAR_NAMES:
                yield entry.path, entry.is_symlink()
        kept = []
        for entry in sorted(subfolders, key=lambda e: e.name):
            if entry.name.startswith("."):
                continue
            if not _utf8(entry.name):
                warn(f"{os.fsencode(entry.path)!r}: skipped, the folder name is not valid UTF-8 (rename it)")
            elif entry.is_symlink():
                warn(f"{_shown(entry.path, root)}/: skipped, symbolic link to a folder (not followed)")
            else:
                kept.append(entry.path)
        folders.extend(reversed(kept))  # popped in name order


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
    if not links:
        return sources
    # Roots are resolved and folder links not followed, so only a link's path differs from its file's.
    targets = {source.file: source for source in sources if source.file not in links}
    kept = []
    for source in sources:
        if source.file in links:
            target = os.path.realpath(source.file)
            first = targets.setdefault(target, source)
            if first is not source:
                warn(f"{source.source}: skipped, symbolic link to {first.source}, which is indexed")
                continue
        kept.append(source)
    return kept


def _indexed_base(folder: Path, indexed_roots: Sequence[Path]) -> str:
    """The folder files under ``folder`` are named relative to: the outermost of the index's
    folders that contains it (a subfolder of an indexed root keeps its keys), else itself."""
    containing = [Path(r) for r in indexed_roots if Path(r) != folder and folder.is_relative_to(r)]
    return str(min(containing, key=lambda r: len(r.parts))) if containing else str(folder)


def _sidecar_rows(folder: str, warn: Callable[[str], None]) -> dict[str, dict[str, str]]:
    """A folder's manifest rows (checked against its files); a manifest that cannot be read makes
    its files restricted to admins (``*``), never public: what it said about them is unknown."""
    try:
        return check_rows(folder, read_sidecar(folder), warn, ADMINS_ONLY)
    except SidecarError as exc:
        warn(f"{exc}; the files it covers are restricted to admins until it is fixed")
    except OSError as exc:
        warn(
            f"{exc.filename}: skipped, cannot read ({exc.strerror or exc}); "
            "the files it covers are restricted to admins until it can be read"
        )
    return {"*": {"access": ADMINS_ONLY}}


def _sidecar_row(
    path: str, base: str, sidecar_for: Callable[[str], dict[str, dict[str, str]]], chains: dict | None = None
) -> dict[str, str]:
    """The nearest sidecar row naming ``path``, looking from its folder up to the indexed folder and
    on up to the file system's root (a manifest above a subfolder indexed alone still restricts it).

    A file without an ``access`` value of its own takes the one of the nearest
    manifest's ``*`` row (a folder's default groups).  ``chains`` caches, per
    folder, the manifests from it up with the file names' prefix relative to
    each (an archive has many files per folder).
    """
    folder, name = os.path.split(path)
    chain = None if chains is None else chains.get(folder)
    if chain is None:
        chain = _sidecar_chain(folder, base, sidecar_for)
        if chains is not None:
            chains[folder] = chain
    found: dict[str, str] | None = None
    default_access: str | None = None
    for prefix, rows in chain:
        if found is None:
            found = rows.get(prefix + name)
        if default_access is None:
            default_access = rows.get("*", {}).get("access")
        if found is not None and (found.get("access") or default_access):
            break
    row = dict(found or {})
    if not row.get("access") and default_access:
        row["access"] = default_access
    return row


def _sidecar_chain(
    folder: str, base: str, sidecar_for: Callable[[str], dict[str, dict[str, str]]]
) -> list[tuple[str, dict[str, dict[str, str]]]]:
    """(a file's name prefix relative to each folder, that folder's manifest rows) from ``folder`` up.

    Up to ``base`` every folder counts; above it (the folders the run was not asked to index) only
    the manifests found, read for their rows naming files below and their ``*`` defaults.
    """
    chain = []
    current = folder
    while True:
        relative = _relative(folder, current) if current != folder else ""
        rows = sidecar_for(current)
        if rows or _inside(current, base):
            chain.append((relative + "/" if relative else "", rows))
        parent = os.path.dirname(current)
        if parent == current:
            return chain
        current = parent


def in_unreadable(key: str, roots: Sequence[Path | str], unreadable: Sequence[Path]) -> bool:
    """Whether a file's key lies under a folder that could not be read (so it is not known to be gone)."""
    for root in roots:
        for folder in unreadable:
            if folder.is_relative_to(root) and (key + "/").startswith(folder.relative_to(root).as_posix() + "/"):
                return True
    return False
