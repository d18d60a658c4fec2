"""The engine as a fixture parameter: the CLI contract tests and the web tests run against the
embedded engine (an index folder) and the OpenSearch engine (an index URL on a real node).

One node for the whole session (scripts/opensearch.sh, cluster ``pytest-engines-<pid>``), one index of
the seeds built through `search index --index URL`, read-only like the embedded seeds index.
Skipped, loudly, only where Java is missing (``opensearch_fixtures.opensearch``).
"""

from __future__ import annotations

import os
import shutil

import pytest
from click.testing import CliRunner

ENGINES = ("embedded", "opensearch")
# One cluster per test session: two sessions in one checkout must not wipe each other's node.
CLUSTER = f"pytest-engines-{os.getpid()}"


@pytest.fixture(scope="session")
def engine_node():
    """One OpenSearch node for the engine-parametrized tests: its URL (stopped and deleted at the end)."""
    from tests.opensearch_fixtures import opensearch, start_cluster

    (url,) = start_cluster(CLUSTER, nodes=1)
    yield url
    opensearch("wipe", "--cluster", CLUSTER)


@pytest.fixture(scope="session")
def opensearch_seeds(engine_node, tmp_path_factory) -> str:
    """The URL of an OpenSearch index of a copy of seeds/, built by the CLI (tests must not write to it)."""
    from search.cli.main import main
    from tests.conftest import SEEDS

    folder = tmp_path_factory.mktemp("os-seeds-copy") / "seeds"
    shutil.copytree(SEEDS, folder)
    url = f"{engine_node}/seeds"
    result = CliRunner().invoke(main, ["index", str(folder), "--index", url, "--rebuild", "--procs", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.startswith("+5 ~0 -0 files (0 unchanged, 8 documents written, 0 skipped)"), result.output
    return url


@pytest.fixture(scope="session", params=ENGINES)
def engine_name(request) -> str:
    return request.param


@pytest.fixture(scope="session")
def seeds_location(engine_name, request):
    """What `--index` names for the seeds index of each engine: a folder, or a URL."""
    if engine_name == "embedded":
        return request.getfixturevalue("seeds_index")
    return request.getfixturevalue("opensearch_seeds")
