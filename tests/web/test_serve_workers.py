"""`search serve --workers N`: several processes share the port; a dead worker is replaced;
SIGTERM stops them all; a bad index is refused once, before any worker starts."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

SEARCH = [sys.executable, "-c", "import sys; from search.cli.main import run; sys.argv[0] = 'search'; run()"]
ROOT = Path(__file__).resolve().parents[2]


def _children(pid: int) -> set[int]:
    found = set()
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                fields = (entry / "stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            if int(fields[1]) == pid and fields[0] != "Z":
                found.add(int(entry.name))
    return found


def _wait_for(condition, seconds: float = 30.0):
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError("timed out")


def _get(url: str) -> int:
    with urllib.request.urlopen(url, timeout=30) as response:
        response.read()
        return response.status


@pytest.fixture
def two_workers(writable_seeds):
    _, index_dir = writable_seeds
    server = subprocess.Popen(
        [*SEARCH, "serve", "--index", str(index_dir), "--port", "0", "--workers", "2"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = server.stdout.readline()
        assert line.startswith(f"serving {index_dir} at http://127.0.0.1:"), line
        assert line.endswith(", 2 worker processes (Ctrl-C to stop)\n")
        url = line.split(" at ", 1)[1].split(",", 1)[0]
        yield server, url
    finally:
        if server.poll() is None:
            server.kill()
        server.wait(30)


def test_two_workers_answer_and_a_killed_worker_is_replaced(two_workers):
    server, url = two_workers
    workers = _wait_for(lambda: _children(server.pid) if len(_children(server.pid)) == 2 else None)
    assert [_get(f"{url}search?q=%E5%8F%91%E5%B1%95") for _ in range(6)] == [200] * 6
    killed = min(workers)
    os.kill(killed, signal.SIGKILL)
    replaced = _wait_for(
        lambda: (lambda now: now if len(now) == 2 and killed not in now else None)(_children(server.pid))
    )
    assert len(replaced & workers) == 1
    assert [_get(f"{url}search?q=%E5%8F%91%E5%B1%95") for _ in range(6)] == [200] * 6
    server.send_signal(signal.SIGTERM)
    assert server.wait(30) == 0
    assert server.stdout.read() == "stopped\n"
    assert f"worker {killed} ended (signal SIGKILL); starting another\n" in server.stderr.read()
    for pid in replaced:  # no worker outlives the server
        assert not Path(f"/proc/{pid}").exists() or "Z" in Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1][:3]


def test_serve_with_workers_refuses_a_missing_index_in_one_line(tmp_path):
    result = subprocess.run(
        [*SEARCH, "serve", "--index", str(tmp_path / "none"), "--port", "0", "--workers", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 1
    assert result.stderr.count("error:") == 1
    assert result.stdout == ""
