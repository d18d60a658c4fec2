"""Manifests (sidecars): a ``manifest.tsv``/``manifest.csv`` row per file overrides what extraction finds."""

from __future__ import annotations

import csv
import os
import re
import unicodedata
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path, PurePosixPath

from search.meta.dates import PartialDate
from search.meta.issuers import canonical_doc_number, canonical_doc_type
from search.meta.places import sidecar_district
from search.text.normalize import normalize_line


class SidecarError(ValueError):
    """A manifest that cannot be read; the one-line message names the file."""


MANIFEST_NAMES = ("manifest.tsv", "manifest.csv")
# Sidecar key <- manifest columns, first non-empty wins.
_SIDECAR_COLUMNS = {
    "title": ("title",),
    "district": ("district", "region"),
    "date": ("date", "date_or_year", "year", "published"),
    "topics": ("topics",),
    "issuer": ("issuer", "发文机关"),
    "doc_number": ("doc_number", "文号", "发文字号"),
    "access": ("access",),  # read by ingest (restricted documents), not by extraction
    "doc_type": ("doc_type", "文种"),
}
_TOPIC_SEPARATORS = re.compile("[;,、]")


def read_sidecar(folder: str | Path) -> dict[str, dict[str, str]]:
    """The rows of ``folder``'s manifest, keyed by file path relative to the folder; {} without one."""
    for name in MANIFEST_NAMES:
        path = Path(folder) / name
        if path.is_file():
            return _read_manifest(path)
    return {}


def manifest_path(folder: Path | str) -> Path | None:
    """The manifest file of ``folder`` (tsv before csv), or None."""
    for name in MANIFEST_NAMES:
        path = Path(folder) / name
        if path.is_file():
            return path
    return None


ROWS_WARNED = 20  # rows naming no file warned about one by one, per manifest


def check_rows(
    folder: str, rows: dict[str, dict[str, str]], warn: Callable[[str], None], restricted: str
) -> dict[str, dict[str, str]]:
    """``rows`` after warning about each row that names no existing file.

    A typo must not leave a document public without a word: a row whose name matches no file
    is a warning, and when a file's name differs from it only by spaces, that file is indexed as
    ``restricted`` (admins only) if the row restricts it, since what the row meant for it is a
    guess.  ``*`` (the folder's default) names no file.
    """
    missing = [key for key in rows if key != "*" and not os.path.lexists(os.path.join(folder, key))]
    if not missing:
        return rows
    manifest = manifest_path(folder) or Path(folder) / MANIFEST_NAMES[0]
    checked = dict(rows)
    by_squeezed: dict[str, list[str]] | None = None
    shown = 0

    def warn_few(message: str) -> None:  # a manifest of a folder copied in part: a few lines, then a count
        nonlocal shown
        shown += 1
        if shown <= ROWS_WARNED:
            warn(message)

    for key in missing:
        if by_squeezed is None:
            by_squeezed = _names_without_spaces(folder)
        near = [name for name in by_squeezed.get(_squeezed(key), []) if name not in rows]
        if len(near) == 1:
            row = rows[key]
            if row.get("access"):
                checked[near[0]] = {"access": restricted}
                warn_few(
                    f"{manifest}: the row for {key!r} names no file; {near[0]!r} differs from it only by spaces "
                    "and is restricted to admins until the row is fixed"
                )
            else:
                warn_few(f"{manifest}: the row for {key!r} names no file ({near[0]!r} differs from it only by spaces)")
        else:
            warn_few(f"{manifest}: the row for {key!r} names no file")
    if shown > ROWS_WARNED:
        warn(f"{manifest}: {shown - ROWS_WARNED} more rows name no file")
    return checked


def _squeezed(name: str) -> str:
    return "".join(name.split())


def _names_without_spaces(folder: str) -> dict[str, list[str]]:
    """Every file under ``folder`` (relative, forward slashes) by its name with the spaces taken out."""
    names: dict[str, list[str]] = {}
    for current, folders, files in os.walk(folder):
        folders[:] = [f for f in folders if not f.startswith(".")]
        relative = os.path.relpath(current, folder)
        for name in files:
            key = name if relative == "." else f"{relative}/{name}".replace(os.sep, "/")
            names.setdefault(_squeezed(key), []).append(key)
    return names


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    tsv = path.suffix == ".tsv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            # Tab-separated manifests are not quote-escaped: a title may start with '"'.
            reader = csv.DictReader(
                handle, delimiter="\t" if tsv else ",", quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL
            )
            header = [(column or "").strip().lower() for column in reader.fieldnames or ()]
            if "filename" not in header:
                found = ", ".join(c for c in header if c) or "no header row"
                raise SidecarError(f"{path}: no 'filename' column (found: {found})")
            reader.fieldnames = header
            return {key: row for key, row in map(_sidecar_row, reader) if key}
    except UnicodeDecodeError as exc:
        raise SidecarError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise SidecarError(f"{path}: malformed line {reader.line_num} ({exc})") from exc


def _sidecar_row(row: Mapping[str, str | None]) -> tuple[str, dict[str, str]]:
    """(file key, normalized row) of one manifest row."""
    raw_name = (row.get("filename") or "").strip().replace("\\", "/")
    if "//" in raw_name or "/." in raw_name or raw_name.startswith(".") or raw_name.endswith("/"):
        key = PurePosixPath(raw_name).as_posix()
    else:  # already what PurePosixPath would make of it (a manifest of 75,000 rows is read per run)
        key = raw_name
    return key, normalize_sidecar(row)


def normalize_sidecar(row: Mapping[str, str | None]) -> dict[str, str]:
    """A manifest row reduced to the keys title, district, date, topics, issuer, doc_number, doc_type;
    empty cells omitted."""
    result = {}
    for key, columns in _SIDECAR_COLUMNS.items():
        for column in columns:
            value = row.get(column)
            if isinstance(value, str) and value.strip():
                result[key] = value.strip()
                break
    return result


@dataclass(frozen=True)
class Sidecar:
    """The facts a sidecar row gives, parsed."""

    title: str | None = None
    district: str | None = None
    published: PartialDate | None = None
    topics: tuple[str, ...] = ()
    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None

    @classmethod
    def from_row(cls, row: Mapping[str, str] | None) -> Sidecar:
        """The sidecar of a manifest row (normalized; no row, no sidecar)."""
        values = normalize_sidecar(row or {})
        if not values and cls is Sidecar:
            return _NO_SIDECAR  # most files have no sidecar row
        listed = _TOPIC_SEPARATORS.split(unicodedata.normalize("NFKC", values.get("topics", "")))
        topics = (normalize_line(t) for t in listed)
        return cls(
            title=normalize_line(values.get("title", "")) or None,
            district=sidecar_district(values["district"]) if "district" in values else None,
            published=_parse_date(values["date"]) if "date" in values else None,
            topics=tuple(t for t in topics if t),
            issuer=normalize_line(values.get("issuer", "")) or None,
            doc_number=canonical_doc_number(values["doc_number"]) if "doc_number" in values else None,
            doc_type=canonical_doc_type(values["doc_type"]) if "doc_type" in values else None,
        )


_NO_SIDECAR = Sidecar()
# A manifest of news states each day for every item of the day (PartialDate is immutable).
_parse_date = lru_cache(maxsize=1024)(PartialDate.parse)
