"""Corrections: ``corrections.tsv`` (a document's id or its path, a field, a value) overrides any
value extraction or a manifest gives, as a manifest row does.

It lies at the top of an indexed folder; every indexing run reads it again and merges its rows into
the files' sidecar rows, so a correction survives re-indexing (and a changed correction re-indexes
the files it names: a sidecar row is part of a file's signature). ``search inspect`` finds the
nearest one above a file.

    id or path                      field      value
    2023/20231217_03.txt            issuer     -
    5f0c3a9d2b1e-0                  district   二七区
    notices/chunan.docx             发文机关    中共淳安县委组织部

Fields: district/区域, issuer/发文机关, doc_number/文号, doc_type/文种, date/日期, title/标题,
topics/主题. The value ``-`` clears a district, issuer or 文种 (a wrong value, with nothing right to
put instead). An id names its file: the value applies to every document of that file.
"""

from __future__ import annotations

import csv
import hashlib
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from search.meta.manifests import SidecarError

CORRECTIONS_FILE = "corrections.tsv"
CLEARED = "-"
FIELD_NAMES = {
    "district": "district",
    "区域": "district",
    "region": "district",
    "issuer": "issuer",
    "发文机关": "issuer",
    "doc_number": "doc_number",
    "docno": "doc_number",
    "文号": "doc_number",
    "doc_type": "doc_type",
    "type": "doc_type",
    "文种": "doc_type",
    "date": "date",
    "published": "date",
    "日期": "date",
    "title": "title",
    "标题": "title",
    "topics": "topics",
    "topic": "topics",
    "主题": "topics",
}
_DOCUMENT_ID = re.compile(r"([0-9a-f]{12})-\d+")
_HEADER_FIRST = ("id", "path", "id or path", "filename", "文件", "路径")


def file_hash(key: str) -> str:
    """The first half of a document id (``search.engines.embedded.schema.file_hash``, which loads Whoosh: not here)."""
    return hashlib.sha1(key.encode("utf-8")).hexdigest()[:12]


@dataclass(frozen=True)
class Corrections:
    """The rows of one corrections file: fields by file path, and by the hash an id starts with."""

    by_path: Mapping[str, Mapping[str, str]] = field(default_factory=dict)
    by_hash: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def __bool__(self) -> bool:
        return bool(self.by_path or self.by_hash)

    def for_file(self, key: str) -> dict[str, str]:
        """The corrected fields of the file known as ``key`` (its path relative to the folder)."""
        if not self:
            return {}
        return {**self.by_hash.get(file_hash(key), {}), **self.by_path.get(key, {})}

    def apply(self, key: str, row: Mapping[str, str]) -> dict[str, str]:
        """A file's sidecar row with its corrections over it."""
        return {**row, **self.for_file(key)}


NO_CORRECTIONS = Corrections()


def read_corrections(folder: Path | str) -> Corrections:
    """``folder``'s corrections.tsv (empty without one); SidecarError naming the line of a bad row."""
    path = Path(folder) / CORRECTIONS_FILE
    if not path.is_file():
        return NO_CORRECTIONS
    by_path: dict[str, dict[str, str]] = {}
    by_hash: dict[str, dict[str, str]] = {}
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for number, cells in enumerate(csv.reader(handle, delimiter="\t", quoting=csv.QUOTE_NONE), 1):
                cells = [c.strip() for c in cells]
                if not any(cells) or cells[0].startswith("#"):
                    continue
                if number == 1 and cells[0].lower() in _HEADER_FIRST:
                    continue
                if len(cells) != 3 or not cells[0]:
                    raise SidecarError(f"{path}: line {number} needs 3 tab-separated cells (id or path, field, value)")
                target, name, value = cells
                key = FIELD_NAMES.get(name.lower())
                if key is None:
                    known = ", ".join(sorted(set(FIELD_NAMES.values())))
                    raise SidecarError(f"{path}: line {number}: unknown field {name!r} (one of {known})")
                found = _DOCUMENT_ID.fullmatch(target)
                table = by_hash.setdefault(found.group(1), {}) if found else by_path.setdefault(target.lstrip("./"), {})
                table[key] = value
    except UnicodeDecodeError as exc:
        raise SidecarError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    return Corrections(by_path, by_hash)


def nearest_corrections(path: Path) -> tuple[dict[str, str], Path | None]:
    """The corrected fields of ``path`` from the nearest corrections.tsv above it, and that file."""
    path = Path(path).resolve()
    for folder in path.parents:
        if (folder / CORRECTIONS_FILE).is_file():
            fields = read_corrections(folder).for_file(path.relative_to(folder).as_posix())
            return fields, folder / CORRECTIONS_FILE
    return {}, None
