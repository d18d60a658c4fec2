"""The server's request log (issue 25, item 6): one line per request through ``logging`` (method,
target, status, milliseconds, user), and ``search serve`` logging its start-up facts at
``--log-level info``, nothing of either at ``warning``."""

from __future__ import annotations

import logging
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request

import pytest

from search.engines import open_engine
from tests.web_fixtures import ROOT, make_app
from web.request_log import request_line

SEARCH = [sys.executable, "-c", "import sys; from search.cli.main import run; sys.argv[0] = 'search'; run()"]
JIUYE = "%E5%B0%B1%E4%B8%9A"  # 就业


def _lines(caplog) -> list[str]:
    return [r.getMessage() for r in caplog.records if r.name == "web.requests"]


@pytest.fixture
def logged(caplog):
    caplog.set_level(logging.INFO, logger="web.requests")
    return caplog


def test_a_search_logs_method_target_status_milliseconds_and_nobody(seeds_index, tmp_path, logged):
    client = make_app(seeds_index, tmp_path / "saved.sqlite3").test_client()
    assert client.get(f"/search?q={JIUYE}&page=1").status_code == 200
    (line,) = _lines(logged)
    assert re.fullmatch(rf"GET /search\?q={JIUYE}&page=1 200 \d+ms -", line), line


def test_errors_are_logged_with_their_status(seeds_index, tmp_path, logged):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", TESTING=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("a bug")

    client = app.test_client()
    assert [client.get(p).status_code for p in ("/nowhere", "/boom", "/search?page=x")] == [404, 500, 400]
    shapes = [re.sub(r" \d+ms ", " Nms ", line) for line in _lines(logged)]
    assert shapes == ["GET /nowhere 404 Nms -", "GET /boom 500 Nms -", "GET /search?page=x 400 Nms -"]


def test_the_signed_in_user_ends_the_line(seeds_index, tmp_path, logged):
    app = make_app(seeds_index, tmp_path / "saved.sqlite3", AUTH_MODE="header", TRUSTED_PROXIES=["127.0.0.1"])
    client = app.test_client()
    assert client.get("/search.json?q=x", headers={"X-Remote-User": "张 三"}).status_code == 200
    assert client.get("/search.json?q=x").status_code == 401
    assert [re.sub(r" \d+ms ", " Nms ", line) for line in _lines(logged)] == [
        "GET /search.json?q=x 200 Nms 张 三",
        "GET /search.json?q=x 401 Nms -",
    ]


def test_a_line_holds_no_space_or_control_character_before_the_user():
    # A path decoded by the server and a raw query with a space, a line break and bytes not ASCII.
    line = request_line("GET", "/a b\n%/文", b"q=\xe5\xb0\xb1 x\r\n&y=%41", 200, 12.4, "eve\nGET / 200 1ms admin")
    assert line == r"GET /a%20b%0A%25/%E6%96%87?q=%E5%B0%B1%20x%0D%0A&y=%41 200 12ms eve\nGET / 200 1ms admin"


def test_the_log_is_off_below_info(seeds_index, tmp_path, caplog):
    caplog.set_level(logging.WARNING, logger="web.requests")
    client = make_app(seeds_index, tmp_path / "saved.sqlite3").test_client()
    assert client.get("/search?q=x").status_code == 200
    assert _lines(caplog) == []


def _serve(index_dir, *options):
    server = subprocess.Popen(
        [*SEARCH, "serve", "--index", str(index_dir), "--port", "0", *options],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    line = server.stdout.readline()
    assert line.startswith("serving "), line or server.stderr.read()
    return server, line.split(" at ", 1)[1].split(" ", 1)[0]


def _get(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=30) as response:
            response.read()
            return response.status
    except urllib.error.HTTPError as error:
        return error.code


def _stop(server) -> str:
    server.send_signal(signal.SIGTERM)
    server.wait(30)
    return server.stderr.read()


STAMP = r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3}"


def test_search_serve_logs_its_start_and_each_request_to_standard_error(writable_seeds):
    _, index_dir = writable_seeds
    stats = open_engine(str(index_dir)).stats()
    server, url = _serve(index_dir)
    try:
        assert [_get(f"{url}search?q={JIUYE}"), _get(f"{url}nowhere")] == [200, 404]
    finally:
        err = _stop(server)
    lines = [line for line in err.splitlines() if " web." in line]
    port = url.rsplit(":", 1)[1].rstrip("/")
    assert len(lines) == 3, err
    assert re.fullmatch(
        rf"{STAMP} INFO web\.server: serving index={re.escape(str(index_dir.resolve()))} "
        rf"generation={stats['generation']} documents={stats['documents']} auth=none "
        rf"url=http://127\.0\.0\.1:{port}/ workers=1 threads=4",
        lines[0],
    ), lines[0]
    assert re.fullmatch(rf"{STAMP} INFO web\.requests: GET /search\?q={JIUYE} 200 \d+ms -", lines[1]), lines[1]
    assert re.fullmatch(rf"{STAMP} INFO web\.requests: GET /nowhere 404 \d+ms -", lines[2]), lines[2]


def test_search_serve_at_log_level_warning_logs_no_request(writable_seeds):
    _, index_dir = writable_seeds
    server, url = _serve(index_dir, "--log-level", "warning")
    try:
        assert _get(f"{url}search?q={JIUYE}") == 200
    finally:
        err = _stop(server)
    assert " web." not in err, err
