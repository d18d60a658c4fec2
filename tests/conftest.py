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

# Markers (pyproject.toml lists them; `make test-fast` leaves the three out):
#   browser     a real Chromium (Playwright)
#   opensearch  a real OpenSearch node
#   slow        a module of more than a few seconds without either (OCR, corpora, killed runs, argon2
#               hashing, fuzzing): measured with --durations, so that `make test-fast` stays under a minute
BROWSER_FIXTURES = frozenset({"browser", "tab", "tab_without_js"})
OPENSEARCH_FIXTURES = frozenset({"engine_node", "opensearch_seeds", "cluster", "node_url"})
SLOW_MODULES = frozenset(
    {
        "test_accounts",
        "test_alerts",
        "test_analysis",
        "test_bad_files",
        "test_compare_web",
        "test_concordance",
        "test_concurrency",
        "test_crash",
        "test_display_fidelity",
        "test_docs",
        "test_extract",
        "test_extract_containers_ingest",
        "test_extract_office_index",
        "test_facets_trust_web",
        "test_fast_paths",
        "test_gramstore",
        "test_hostile_clients",
        "test_hostile_files",
        "test_hostile_index",
        "test_house_rules",
        "test_ingest",
        "test_keyness",
        "test_metadata",
        "test_ocr",
        "test_ocr_images",
        "test_print",
        "test_probe_holes",
        "test_query_parser_oracle",
        "test_request_log",
        "test_saved_new_since",
        "test_search_seeds",
        "test_serve_workers",
        "test_sessions",
        "test_suggest_archive",
        "test_trend",
        "test_web",
        "test_web_fuzz",
    }
)


def pytest_collection_modifyitems(config, items) -> None:
    for item in items:
        names = set(getattr(item, "fixturenames", ()))
        params = getattr(getattr(item, "callspec", None), "params", {})
        if names & BROWSER_FIXTURES:
            item.add_marker(pytest.mark.browser)
        if (
            names & OPENSEARCH_FIXTURES
            or params.get("engine_name") == "opensearch"
            or item.module.__name__.rsplit(".", 1)[-1].startswith("test_opensearch")
        ):
            item.add_marker(pytest.mark.opensearch)
        if item.module.__name__.rsplit(".", 1)[-1] in SLOW_MODULES:
            item.add_marker(pytest.mark.slow)


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


@pytest.fixture
def runner() -> CliRunner:
    return CliRunner()


@pytest.fixture(scope="session")
def seed_documents() -> list[tuple[str, int, str]]:
    """(file name, item, search text) of every seed document, straight from extraction: the oracle's corpus."""
    sidecar = read_sidecar(SEEDS)
    documents = []
    for path in sorted(SEEDS.glob("*.txt")):
        raw = path.read_text(encoding="utf-8")
        documents.extend(
            (path.name, record.item, search_text(record.title, record.paragraphs))
            for record in extract_documents(raw, sidecar.get(path.name))
        )
    return documents


def oracle(seed_documents, phrase: str) -> set[tuple[str, int]]:
    """The documents whose normalized title or text contains ``phrase``: Ctrl-F over the archive."""
    return {(name, item) for name, item, text in seed_documents if phrase in text}


# The fixtures every test module may name (pytest finds them here, so no test module imports one):
# the engine as a parameter (embedded, opensearch), the web app and its clients, the texts read
# straight from the source files (the oracles), and the real browser over the production server.
# /compare and /emerging: the 2016-2024 reports, the restricted index of the access sweep, axe.
from tests.access.test_access_sweep import clients, restricted  # noqa: E402,F401
from tests.browser_fixtures import browser, server, tab, tab_without_js  # noqa: E402,F401
from tests.engine_fixtures import engine_name, engine_node, opensearch_seeds, seeds_location  # noqa: E402,F401
from tests.keyness_fixtures import year_reports  # noqa: E402,F401

# Two module fixtures that other modules use too: a folder as an office keeps it, the 118 reports.
from tests.meta.test_meta_fields import office  # noqa: E402,F401
from tests.query.test_suggest_archive import reports  # noqa: E402,F401
from tests.source_texts import report_sample_index, seed_documents_by_year  # noqa: E402,F401
from tests.web.test_accessibility import axe_page  # noqa: E402,F401
from tests.web_fixtures import client, hostile_client, hostile_index, web_app, writable_seeds  # noqa: E402,F401
