"""Reports of 2016-2024 (the State Council's work reports and the NPC resolutions on them), indexed once
per session, with their texts read straight from the files: the fixture of /compare's tests.

Read from bench/data when unpacked there, else from ../shared/corpus/reports.tar.xz (skipped where
neither is beside the project).
"""

from __future__ import annotations

import csv
import tarfile
from pathlib import Path

import pytest

from search.engines.embedded.commit import index_paths
from search.meta import extract_documents, read_sidecar
from search.text.normalize import search_text
from tests.source_texts import ROOT, reports_archive

FOLDER = "chinese-political-corpora"
YEARS = range(2016, 2025)


def _reports_folder(work: Path) -> Path | None:
    unpacked = ROOT / "bench" / "data" / FOLDER
    if (unpacked / "manifest.tsv").is_file():
        return unpacked
    archive = reports_archive()
    if archive is None:
        return None
    with tarfile.open(archive) as tar:
        tar.extractall(work / "all", filter="data")
    return work / "all" / FOLDER


@pytest.fixture(scope="session")
def year_reports(tmp_path_factory):
    """(index folder, [(year, search text)]): the reports of 2016-2024, dated by their manifest rows."""
    work = tmp_path_factory.mktemp("year-reports")
    source = _reports_folder(work)
    if source is None:
        pytest.skip("the reports corpus (../shared/corpus/reports.tar.xz) is not beside the project")
    with open(source / "manifest.tsv", encoding="utf-8", newline="") as handle:
        rows = list(csv.reader(handle, delimiter="\t"))
    header, body = rows[0], [r for r in rows[1:] if r[3][:4].isdigit() and int(r[3][:4]) in YEARS]
    folder = work / "reports"
    folder.mkdir()
    for row in body:
        (folder / row[0]).write_bytes((source / row[0]).read_bytes())
    with open(folder / "manifest.tsv", "w", encoding="utf-8", newline="") as handle:
        csv.writer(handle, delimiter="\t", lineterminator="\n").writerows([header, *body])
    index_dir = work / "index"
    assert index_paths([folder], index_dir, procs=1).warnings == []
    sidecar = read_sidecar(folder)
    documents = []
    for row in sorted(body):
        for record in extract_documents((folder / row[0]).read_text(encoding="utf-8"), sidecar.get(row[0])):
            documents.append((row[3][:4], search_text(record.title, record.paragraphs)))
    return index_dir, documents
