"""Concurrency: the web app answers while `search index` writes, and a second writer is refused."""

from __future__ import annotations

import json
import subprocess
import sys
import threading
import time
import urllib.request
from pathlib import Path

from waitress.server import create_server

from search.engines.embedded.archive import open_index
from search.engines.embedded.commit import index_paths
from web import create_app

ROOT = Path(__file__).resolve().parents[3]
RUNS = 4
FILES_PER_RUN = 25


def write_batch(folder: Path, batch: int, count: int) -> None:
    for i in range(count):
        body = "".join(f"第{k}段,批次{batch}文件{i},部署稳就业工作。" for k in range(30))
        (folder / f"b{batch}_{i:02d}.txt").write_text(f"批次{batch}文件{i}\n{body}\n", encoding="utf-8")


def index_command(folder: Path, index_dir: Path) -> list[str]:
    return [sys.executable, "-m", "search.cli.main", "index", str(folder), "--index", str(index_dir), "-q"]


def test_the_web_app_answers_while_the_index_changes_and_picks_up_each_generation(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    write_batch(folder, 0, FILES_PER_RUN)
    index_paths([folder], index_dir)
    app = create_app(
        {
            "INDEX_DIR": str(index_dir),
            "SAVED_DB": str(tmp_path / "saved.sqlite3"),
            "SECRET_KEY": "test",
            "TESTING": True,
        }
    )
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    url = f"http://127.0.0.1:{server.effective_port}/search.json?q=%E7%A8%B3%E5%B0%B1%E4%B8%9A"  # 稳就业
    serving = threading.Thread(target=server.run, daemon=True)
    serving.start()

    totals: list[int] = []  # every answer, in the order they arrived
    seen_by: list[list[int]] = [[], [], []]  # each client's answers, in its own order
    failures: list[str] = []
    stop = threading.Event()

    def client(mine: list[int]) -> None:
        while not stop.is_set():
            try:
                with urllib.request.urlopen(url, timeout=30) as response:
                    total = json.load(response)["total"]
                    mine.append(total)
                    totals.append(total)
            except Exception as exc:  # noqa: BLE001 - any failure counts: an HTTP error, a refused connection
                failures.append(repr(exc))

    clients = [threading.Thread(target=client, args=(mine,)) for mine in seen_by]
    for thread in clients:
        thread.start()
    try:
        for batch in range(1, RUNS + 1):
            write_batch(folder, batch, FILES_PER_RUN)
            started = len(totals)
            result = subprocess.run(index_command(folder, index_dir), capture_output=True, text=True, cwd=ROOT)
            assert result.returncode == 0, result.stderr
            # Requests go on being answered after the commit; the new generation shows without a restart.
            deadline = time.monotonic() + 30
            while time.monotonic() < deadline and (len(totals) <= started or totals[-1] != FILES_PER_RUN * (batch + 1)):
                time.sleep(0.05)
            assert totals[-1] == FILES_PER_RUN * (batch + 1)
    finally:
        stop.set()
        for thread in clients:
            thread.join()
        server.close()
    print(f"concurrent read/write: {len(totals)} requests answered, {len(failures)} failed, {RUNS} commits")
    assert failures == []
    # Every answer is one committed generation's: a whole number of batches, never a partial commit.
    assert set(totals) <= {FILES_PER_RUN * (batch + 1) for batch in range(RUNS + 1)}
    # A client never goes back to an older generation (answers of different clients may
    # interleave: a request begun on the old generation can finish after one on the new).
    assert all(mine == sorted(mine) for mine in seen_by)
    assert len(totals) >= 50, len(totals)


def test_a_second_writer_exits_at_once_with_a_clear_message_and_the_index_is_intact(tmp_path):
    folder = tmp_path / "reports"
    folder.mkdir()
    index_dir = tmp_path / "ix"
    write_batch(folder, 0, 5)
    index_paths([folder], index_dir)
    write_batch(folder, 1, 5)
    lock = open_index(index_dir).lock("WRITELOCK")
    assert lock.acquire(False)  # the first writer, in the middle of its run
    try:
        started = time.monotonic()
        result = subprocess.run(index_command(folder, index_dir), capture_output=True, text=True, cwd=ROOT)
        waited = time.monotonic() - started
    finally:
        lock.release()
    assert result.returncode == 1
    assert result.stderr.splitlines() == [
        "error: another indexing run is in progress (the index is locked)",
        "hint: wait for it to finish, then run `search index` again",
    ]
    assert waited < 30
    # Once the first writer is done, the second run goes through and nothing was damaged.
    assert index_paths([folder], index_dir).total_documents == 10
