"""The analyses' oracle: source texts with their years, and phrases drawn from them.

The seeds (dated by their extraction), and a sample of the 118 reports
(../shared/corpus/reports.tar.xz) with their manifest, indexed once per session
and dated by their manifest rows (skipped where the corpus is not beside the
project).  Counts are checked against substring counting over these texts.
"""

from __future__ import annotations

import csv
import tarfile
from pathlib import Path

import pytest
from hypothesis import strategies as st

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.meta import extract_documents, read_sidecar
from search.text.normalize import search_text
from tests.conftest import SEEDS

ROOT = Path(__file__).resolve().parent.parent
FOLDERS = ("chinese-political-corpora", "government_report_rag")
EVERY = 8  # one report in eight: 15 of 118, from the 1950s to 2025


def reports_archive() -> Path | None:
    for parent in ROOT.parents:
        candidate = parent / "shared" / "corpus" / "reports.tar.xz"
        if candidate.is_file():
            return candidate
    return None


def _unpack(destination: Path) -> bool:
    """The reports into ``destination`` (from bench/data when unpacked there, else the archive)."""
    unpacked = ROOT / "bench" / "data"
    if all((unpacked / f / "manifest.tsv").is_file() for f in FOLDERS):
        source = unpacked
    else:
        archive = reports_archive()
        if archive is None:
            return False
        with tarfile.open(archive) as tar:
            tar.extractall(destination / "all", filter="data")
        source = destination / "all"
    for folder in FOLDERS:
        with open(source / folder / "manifest.tsv", encoding="utf-8", newline="") as handle:
            rows = list(csv.reader(handle, delimiter="\t"))
        header, body = rows[0], sorted(rows[1:])
        kept = body[::EVERY]
        target = destination / "sample" / folder
        target.mkdir(parents=True)
        for row in kept:
            (target / row[0]).write_bytes((source / folder / row[0]).read_bytes())
        with open(target / "manifest.tsv", "w", encoding="utf-8", newline="") as handle:
            csv.writer(handle, delimiter="\t", lineterminator="\n").writerows([header, *kept])
    return True


@pytest.fixture(scope="session")
def report_sample_index(tmp_path_factory):
    """(snapshot, [(manifest year, search text)]) of the sample, the texts read straight from the files."""
    work = tmp_path_factory.mktemp("reports")
    if not _unpack(work):
        pytest.skip("the reports corpus (../shared/corpus/reports.tar.xz) is not beside the project")
    folders = [work / "sample" / f for f in FOLDERS]
    index_dir = work / "index"
    report = index_paths(folders, index_dir, procs=1)
    assert report.warnings == []
    documents = SourceTexts()
    for folder in folders:
        sidecar = read_sidecar(folder)
        with open(folder / "manifest.tsv", encoding="utf-8", newline="") as handle:
            years = {row["filename"]: row["date_or_year"][:4] for row in csv.DictReader(handle, delimiter="\t")}
        for name, year in sorted(years.items()):
            raw = (folder / name).read_text(encoding="utf-8")
            for record in extract_documents(raw, sidecar.get(name)):
                documents.append((year, search_text(record.title, record.paragraphs)))
    return Archive(index_dir).snapshot(), documents


class SourceTexts(list):
    """[(year, search text)]; a short repr, for hypothesis' reports."""

    def __repr__(self) -> str:
        return f"<{len(self)} source texts>"


@pytest.fixture(scope="session")
def seed_documents_by_year(seed_documents):
    sidecar = read_sidecar(SEEDS)
    years = {}
    for name, item, _ in seed_documents:
        records = extract_documents((SEEDS / name).read_text(encoding="utf-8"), sidecar.get(name))
        published = records[item].published
        years[(name, item)] = str(published.year) if published else None
    return SourceTexts((years[(name, item)], text) for name, item, text in seed_documents)


def phrases_from(documents):
    """Substrings of the source texts (so most occur), and a few arbitrary strings (most do not)."""
    texts = [t for _, t in documents]
    taken = st.tuples(st.integers(0, len(texts) - 1), st.integers(0, 10**9), st.integers(1, 6)).map(
        lambda t: texts[t[0]][t[1] % max(1, len(texts[t[0]]) - t[2]) :][: t[2]]
    )
    return st.one_of(taken, st.text("就业稳保改造小区老旧发展", min_size=1, max_size=4)).filter(
        lambda p: (
            p.strip() and "\n" not in p and p == p.strip() and '"' not in p and "\\" not in p and not p.startswith("-")
        )
    )
