"""A zip of chosen documents' original files, with a listing (清单.csv) of what each entry is.

A file that holds several documents (a news page of several items) goes in once; each of its
documents has its own line in the listing, naming the same entry.  A document whose original is not
on this machine (moved, deleted, an OpenSearch index without the files) has a line that says so.
"""

from __future__ import annotations

import csv
import io
import zipfile
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from search.engines.base import DocumentRecord
from search.export.columns import defused

LISTING_NAME = "清单.csv"
LISTING_COLUMNS = (
    "序号",
    "压缩包内文件",
    "标题",
    "发文机关",
    "文号",
    "文种",
    "日期",
    "区域",
    "来源文件",
    "链接",
    "说明",
)
MISSING = "原始文件不在已索引的文件夹中"


@dataclass(frozen=True)
class ChosenOriginal:
    record: DocumentRecord
    path: Path | None  # None: the original is not on this machine
    link: str


def entry_name(number: int, path: Path, safe_name: Callable[[Path], str]) -> str:
    """``003_郑政〔2021〕5号.docx``: numbered, so two files of one name never collide."""
    return f"{number:03d}_{safe_name(path)}"


def write_originals(
    out: BinaryIO, chosen: Iterable[ChosenOriginal], safe_name: Callable[[Path], str]
) -> tuple[int, int]:
    """Write the zip to ``out``: each original once, then ``清单.csv``; (files written, documents listed)."""
    entries: dict[Path, str] = {}
    listing = io.StringIO()
    writer = csv.writer(listing, lineterminator="\r\n")
    writer.writerow(LISTING_COLUMNS)
    documents = 0
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for item in chosen:
            documents += 1
            record, note, name = item.record, "", ""
            if item.path is not None and item.path in entries:
                name, note = entries[item.path], "与上一项同一文件"
            elif item.path is not None:
                name = entry_name(len(entries) + 1, item.path, safe_name)
                try:
                    archive.write(item.path, name)
                    entries[item.path] = name
                except OSError:
                    name, note = "", MISSING
            else:
                note = MISSING
            writer.writerow(
                defused(
                    (
                        documents,
                        name,
                        record.title,
                        record.issuer or "",
                        record.doc_number or "",
                        record.doc_type or "",
                        record.published or "",
                        record.district or "",
                        record.source,
                        item.link,
                        note,
                    )
                )
            )
        archive.writestr(LISTING_NAME, "\ufeff" + listing.getvalue())  # a BOM: Excel reads it as UTF-8
    return len(entries), documents
