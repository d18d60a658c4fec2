"""Shared fixtures: a seeds index built once per session, a CLI runner, an oracle."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from hypothesis import settings

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.meta import extract_documents, read_sidecar
from search.text.normalize import search_text

# Every property test runs the same examples on every run (CI must not find a new example by
# chance: a failure is reproduced by running again), with no per-example deadline (CI's machine is
# slow and shared). A test's own @settings still changes the number of examples.
settings.register_profile("project", derandomize=True, deadline=None)
settings.load_profile("project")

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"
# The five seed reports
S000, S001, S002, S003, S004 = (
    "000_754c89f9d7615ac7.txt",
    "001_f03c825dd93f2a3d.txt",
    "002_e4afcd0e96c35912.txt",
    "003_5b08f66ed03d030d.txt",
    "004_e713b7ff9e0ddada.txt",
)


@pytest.fixture(scope="session")
def seeds_index(tmp_path_factory) -> Path:
    """An index of a copy of seeds/ (built once; tests must not write to it)."""
    folder = tmp_path_factory.mktemp("seeds-copy") / "seeds"
    shutil.copytree(SEEDS, folder)
    index_dir = tmp_path_factory.mktemp("seeds-index")
    report = index_paths([folder], index_dir)
    assert report.warnings == []
    return index_dir


@pytest.fixture(scope="session")
def seeds_snapshot(seeds_index):
    return Archive(seeds_index).snapshot()


@pytest.fixture()
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def seed_documents() -> list[tuple[str, int, str]]:
    """(file name, item, search text) of every seed document, straight from extraction: the oracle's corpus."""
    sidecar = read_sidecar(SEEDS)
    documents = []
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        for record in extract_documents(raw, sidecar.get(path.name)):
            documents.append((path.name, record.item, search_text(record.title, record.paragraphs)))
    return documents


def oracle(seed_documents, phrase: str) -> set[tuple[str, int]]:
    """The documents whose normalized title or text contains ``phrase``: Ctrl-F over the archive."""
    return {(name, item) for name, item, text in seed_documents if phrase in text}


# The engine as a fixture parameter (embedded, opensearch): seeds_location, engine_name, engine_node.
from tests.engine_fixtures import engine_name, engine_node, opensearch_seeds, seeds_location  # noqa: E402,F401
