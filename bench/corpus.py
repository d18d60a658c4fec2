"""The benchmark corpora: unpacked from ../shared/corpus into the git-ignored bench/data/."""

from __future__ import annotations

import tarfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
DATA = BENCH / "data"
OUT = BENCH / "out"


def _shared_corpus() -> Path:
    """``../shared/corpus`` seen from the checkout; from a worktree nested deeper, the nearest one above."""
    for folder in BENCH.parents:
        candidate = folder / "shared" / "corpus"
        if candidate.is_dir():
            return candidate
    return BENCH.parent.parent / "shared" / "corpus"


SHARED = _shared_corpus()

REPORT_FOLDERS = ("chinese-political-corpora", "government_report_rag")
NEWS_FOLDER = "xwlb"


def ensure_unpacked(archive: str) -> None:
    """Unpack ``archive`` (reports.tar.xz or xwlb.tar.xz) into bench/data once."""
    marker = DATA / f".{archive}.unpacked"
    if marker.exists():
        return
    source = SHARED / archive
    if not source.exists():
        raise SystemExit(f"error: {source} not found (the corpora live in ../shared/corpus/)")
    DATA.mkdir(parents=True, exist_ok=True)
    with tarfile.open(source) as tar:
        tar.extractall(DATA, filter="data")
    marker.touch()


def report_folders() -> list[Path]:
    ensure_unpacked("reports.tar.xz")
    return [DATA / name for name in REPORT_FOLDERS]


def news_folder() -> Path:
    ensure_unpacked("xwlb.tar.xz")
    return DATA / NEWS_FOLDER
