"""The seam (search/engines): both engines give the same JSON for the same request, and an OpenSearch
index that cannot answer says why in one line, with no traceback."""

from __future__ import annotations

import json
import socket

import pytest

from search.cli.main import main
from tests.conftest import SEEDS
from tests.web_fixtures import make_app

REQUESTS = [
    ("中原科技城", "newest"),
    ("老旧小区", "newest"),
    ("发展", "oldest"),
    ("放管服 OR 5G", "newest"),
    ("建设 -二七", "newest"),
    ("month:2020-07", "oldest"),
    ("title:防汛", "newest"),
    ("", "newest"),
    ("老旧小区综合改造 --mode words", "newest"),
    ("建设 --district 中原区", "oldest"),
    ("建设 --year 2024", "newest"),
    ("建设 --district 中原区 --district 二七区 --topic 就业", "newest"),
    ("老旧小区 NEAR/5 改造", "newest"),
    (" --type 新闻", "oldest"),
    ("会议 --issuer 郑州", "newest"),
    ('"中原科技城 OR', "newest"),
    ("本报讯 --from 2020年7月20日 --to 2020-07-31", "oldest"),
]


def payload(runner, index, query: str, sort: str) -> dict:
    words = query.split(" --")
    options = [part for option in words[1:] for part in ("--" + option).split(" ", 1)]
    result = runner.invoke(
        main, ["query", words[0], "--index", str(index), "--json", "--limit", "100", "--sort", sort, *options]
    )
    assert result.exit_code == 0, result.output
    data = json.loads(result.output)
    data.pop("took_ms")
    return data


def comparable(data: dict) -> dict:
    """A payload without what may differ between engines: scores (OpenSearch's BM25 is not ours)."""
    return {**data, "hits": [{k: v for k, v in h.items() if k != "score"} for h in data["hits"]]}


@pytest.fixture(scope="module")
def both(seeds_index, opensearch_seeds):
    return seeds_index, opensearch_seeds


@pytest.mark.parametrize("query, sort", REQUESTS, ids=[q for q, _ in REQUESTS])
def test_both_engines_answer_a_date_sorted_query_with_the_same_json(runner, both, query, sort):
    embedded, remote = (payload(runner, index, query, sort) for index in both)
    assert embedded["total"] == len(embedded["hits"])  # every hit on the page: the whole result compared
    assert comparable(remote) == comparable(embedded)


def test_both_engines_find_the_same_documents_by_relevance(runner, both):
    embedded, remote = (payload(runner, index, "中原科技城", "relevance") for index in both)
    assert sorted(h["id"] for h in remote["hits"]) == sorted(h["id"] for h in embedded["hits"])
    assert remote["hits"][0]["id"] == embedded["hits"][0]["id"]  # the title hit first in both


# -- one clear line -------------------------------------------------------------------------------


def closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]  # closed again when the block ends: nothing listens there


def one_line_error(result) -> tuple[int, str, str]:
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    lines = result.output.splitlines()
    assert len(lines) == 2 and lines[1].startswith("hint: "), result.output
    return result.exit_code, lines[0], lines[1]


@pytest.mark.parametrize(
    "command",
    [
        ["query", "建设"],
        ["stats"],
        ["trend", "建设"],
        ["kwic", "建设"],
        ["saved", "list"],
        ["serve"],
        ["index", str(SEEDS)],
    ],
)
def test_an_unreachable_cluster_is_one_line(runner, command):
    url = f"http://127.0.0.1:{closed_port()}/seeds"
    code, error, hint = one_line_error(runner.invoke(main, [*command, "--index", url]))
    assert (code, error) == (1, f"error: cannot reach OpenSearch at http://127.0.0.1:{url.split(':')[2].split('/')[0]}")
    assert "scripts/opensearch.sh start" in hint


def test_a_missing_index_is_one_line(runner, engine_node):
    code, error, hint = one_line_error(runner.invoke(main, ["query", "建设", "--index", f"{engine_node}/nothere"]))
    assert (code, error) == (1, f"error: no index nothere on {engine_node}")
    assert hint == f"hint: build it with `search index --index {engine_node}/nothere`"


def test_an_index_of_another_mapping_version_is_one_line(runner, engine_node):
    from search.engines.opensearch.engine import MAPPING_VERSION, OpenSearchEngine

    engine = OpenSearchEngine(f"{engine_node}/oldmapping")
    engine.drop()
    engine.client.indices.create(index="oldmapping", body={"mappings": {"_meta": {"govsearch_mapping_version": 0}}})
    code, error, hint = one_line_error(runner.invoke(main, ["stats", "--index", engine.url]))
    assert (code, error) == (
        1,
        f"error: index oldmapping on {engine_node} has mapping version 0, this govsearch needs {MAPPING_VERSION}",
    )
    assert hint == f"hint: rebuild it with `search index --rebuild --index {engine.url}`"


def test_what_opensearch_cannot_do_yet_is_one_line(runner, opensearch_seeds):
    code, error, hint = one_line_error(
        runner.invoke(main, ["index", str(SEEDS), "--index", opensearch_seeds, "--follow-links"])
    )
    assert (code, error, hint) == (
        1,
        "error: --follow-links is not available on the OpenSearch engine yet",
        "hint: use an index folder (the embedded engine) for it",
    )


def test_a_url_that_names_no_index_is_one_line(runner):
    code, error, hint = one_line_error(runner.invoke(main, ["query", "建设", "--index", "http://127.0.0.1:9200/"]))
    assert (code, error, hint) == (
        1,
        "error: http://127.0.0.1:9200/ is not an index URL",
        "hint: write it like http://127.0.0.1:9200/govsearch",
    )


def test_a_cluster_gone_after_the_app_started_is_a_503_page_and_json(opensearch_seeds, tmp_path):
    from search.engines.opensearch.engine import OpenSearchEngine

    app = make_app(opensearch_seeds, tmp_path / "saved.sqlite3")
    gone = OpenSearchEngine(f"http://127.0.0.1:{closed_port()}/seeds")
    gone._checked = True  # checked when the app started; the node stopped since
    app.extensions["engine"].cluster = gone
    client = app.test_client()
    page = client.get("/search?q=建设")
    assert page.status_code == 503 and "搜索服务暂时不可用" in page.get_data(as_text=True)
    data = client.get("/search.json?q=建设")
    assert data.status_code == 503
    assert data.get_json()["error"] == f"搜索服务暂时不可用：cannot reach OpenSearch at {gone.base}"


def test_index_through_the_cli_is_incremental_on_both_engines(runner, engine_node, tmp_path):
    """`search index` with a folder and with a URL: the same + ~ - lines for the same changes."""
    import shutil

    folder = tmp_path / "seeds"
    shutil.copytree(SEEDS, folder)
    indexes = [str(tmp_path / "ix"), f"{engine_node}/incremental"]

    def run(*extra) -> list[str]:
        lines = []
        for index in indexes:
            result = runner.invoke(main, ["index", str(folder), "--index", index, "--procs", "1", *extra])
            assert result.exit_code == 0, result.output
            lines.append(result.output)
        assert lines[0] == lines[1], lines
        return lines[0].splitlines()

    assert (
        run("--rebuild")[0] == "+5 ~0 -0 files (0 unchanged, 8 documents written, 0 skipped); 8 documents in the index"
    )
    assert run()[0] == "+0 ~0 -0 files (5 unchanged, 0 documents written, 0 skipped); 8 documents in the index"
    changed = min(folder.glob("00[0-3]_*.txt"))
    changed.write_text(changed.read_text(encoding="utf-8") + "\n新增一段：智慧城市。\n", encoding="utf-8")
    removed = sorted(folder.glob("00[0-3]_*.txt"))[1]
    removed.unlink()
    # and its manifest row, which would otherwise be a warning (a row naming no file: issue 27)
    manifest = folder / "manifest.tsv"
    manifest.write_text(
        "".join(
            line
            for line in manifest.read_text(encoding="utf-8").splitlines(keepends=True)
            if not line.startswith(removed.name)
        ),
        encoding="utf-8",
    )
    assert run() == [
        "+0 ~1 -1 files (3 unchanged, 1 documents written, 0 skipped); 7 documents in the index",
        f"  removed: {removed.name}",
    ]
    found = [json.loads(runner.invoke(main, ["query", "新增一段", "--index", i, "--json"]).output) for i in indexes]
    assert [[h["source"] for h in f["hits"]] for f in found] == [[changed.name]] * 2


@pytest.mark.parametrize("query", ["老旧小区", "建设", "就业 OR 发展"])
def test_both_engines_give_the_same_concordance_sample_and_collocates(both, query):
    from search.engines import open_engine
    from search.query import SearchRequest

    embedded, remote = (open_engine(index) for index in both)
    request = SearchRequest(q=query, per_page=20)
    results = [engine.concordance(request, "date", 30, sample_size=200) for engine in (embedded, remote)]
    assert [len(r.sample) for r in results] == [min(200, results[0].total_occurrences)] * 2
    words = [engine.collocates(r.sample) for engine, r in zip((embedded, remote), results)]
    assert words[0] == words[1] and len(words[0]) == 20


def test_search_serve_over_a_url_keeps_its_state_in_the_state_folder(opensearch_seeds, tmp_path):
    import os
    import re
    import subprocess
    import sys
    import urllib.request

    state = tmp_path / "state"
    process = subprocess.Popen(
        [sys.executable, "-m", "search.cli.main", "serve", "--index", opensearch_seeds, "--port", "0"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env={**os.environ, "SEARCH_STATE": str(state)},
    )
    try:
        line = process.stdout.readline()
        match = re.fullmatch(
            rf"serving {re.escape(opensearch_seeds)} at (http://127\.0\.0\.1:\d+/) \(Ctrl-C to stop\)\n", line
        )
        assert match, line or process.stderr.read()
        with urllib.request.urlopen(match.group(1) + "search?q=%E8%80%81%E6%97%A7%E5%B0%8F%E5%8C%BA") as response:
            assert response.status == 200 and response.headers["Server"] == "waitress"
            assert 'id="total"' in response.read().decode("utf-8")
        assert {"saved.sqlite3", "web-secret.key"} <= {p.name for p in state.iterdir()}  # none beside the index
    finally:
        process.terminate()
        process.wait(timeout=10)
