"""Indexing into OpenSearch holds the per-file time limit too, with ``--procs 1`` as with more: files
are read in worker processes, and one past the limit is killed and its file skipped naming it
(issue 27, what was left: item 5; on a real node)."""

from __future__ import annotations

import os
import time

import pytest

from search.engines.opensearch.engine import OpenSearchEngine
from search.engines.opensearch.ingest import index_paths
from search.extract.limits import current_limits
from tests.opensearch_fixtures import opensearch, start_cluster

CLUSTER = f"pytest-limits-{os.getpid()}"
GOOD = "二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n"


@pytest.fixture(scope="module")
def node():
    (url,) = start_cluster(CLUSTER, nodes=1)
    yield url
    opensearch("wipe", "--cluster", CLUSTER)


@pytest.fixture(autouse=True)
def fresh_limits():
    current_limits.cache_clear()
    yield
    current_limits.cache_clear()


@pytest.mark.parametrize("procs", [1, 2])
def test_a_slow_file_is_skipped_naming_the_time_limit(node, tmp_path, monkeypatch, procs):
    from search.engines.opensearch import ingest

    folder = tmp_path / "docs"
    folder.mkdir()
    for name in ("a.txt", "slow.txt", "c.txt"):
        (folder / name).write_text(GOOD.replace("二七区", name[0] * 3), encoding="utf-8")
    real = ingest.read_documents

    def slow_on_one(source, data, taxonomy, *args):
        if source.source == "slow.txt":
            time.sleep(60)
        return real(source, data, taxonomy, *args)

    monkeypatch.setattr(ingest, "read_documents", slow_on_one)  # the forked workers inherit it
    monkeypatch.setenv("SEARCH_LIMIT_FILE_SECONDS", "1")
    warnings = []
    started = time.monotonic()
    report = index_paths([folder], OpenSearchEngine(f"{node}/limits-{procs}"), procs=procs, warn=warnings.append)
    assert time.monotonic() - started < 40
    assert warnings == ["slow.txt: skipped, took longer than 1 s to read (limit SEARCH_LIMIT_FILE_SECONDS)"]
    assert (sorted(report.added), report.total_documents) == (["a.txt", "c.txt"], 2)
