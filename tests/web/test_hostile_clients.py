"""Slow clients cannot hold the server (issue 27, item 2): four clients reading a 20 MB CSV export at
100 B/s beside a normal search, through waitress with the 4 threads `search serve` gives it."""

from __future__ import annotations

import json
import socket
import threading
import time
import urllib.request

import pytest
from waitress import create_server

from search.engines.embedded.commit import index_paths
from web import create_app
from web.server import listen
from web.spooled import spooled_response

ROW = "第{n}行,各地坚持稳就业优先，推动高质量充分就业，扩大就业容量，提升就业质量。\r\n"
ROWS = 200_000  # about 22 MB: more than waitress buffers for one client before its thread waits


@pytest.fixture
def served(tmp_path):
    folder = tmp_path / "docs"
    folder.mkdir()
    (folder / "a.txt").write_text("二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n", encoding="utf-8")
    (folder / "b.txt").write_text("金水区报告\n\n金水区持续深化放管服改革。\n", encoding="utf-8")
    index_paths([folder], tmp_path / "ix")
    app = create_app({"INDEX_DIR": str(tmp_path / "ix")})

    @app.get("/large.csv")
    def large_csv():  # an export as large as the probe's, made cheaply: the sending is what is tested
        return spooled_response((ROW.format(n=n) for n in range(ROWS)), mimetype="text/csv")

    sock = listen("127.0.0.1", 0)
    server = create_server(app, sockets=[sock], threads=4)
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    try:
        yield app, f"http://127.0.0.1:{sock.getsockname()[1]}"
    finally:
        server.close()


def _slow_reader(base: str, path: str, got_headers: threading.Event, stop: threading.Event, received: list):
    port = int(base.rsplit(":", 1)[1])
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)  # the kernel buffers little for it
    sock.connect(("127.0.0.1", port))
    sock.sendall(f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n\r\n".encode())
    try:
        while not stop.is_set():
            data = sock.recv(100)  # 100 bytes a second
            if not data:
                break
            received.append(data)
            if b"\r\n\r\n" in b"".join(received[:50]):
                got_headers.set()
            time.sleep(1)
    finally:
        sock.close()


def test_four_slow_csv_readers_do_not_starve_a_normal_search(served):
    _, base = served
    stop = threading.Event()
    readers = []
    try:
        for _ in range(4):
            headers, received = threading.Event(), []
            thread = threading.Thread(
                target=_slow_reader, daemon=True, args=(base, "/large.csv", headers, stop, received)
            )
            thread.start()
            readers.append((thread, headers, received))
        for _, headers, _ in readers:
            assert headers.wait(120), "an export never started"
        time.sleep(2)  # the slow readers are reading their bodies, 100 bytes a second
        started = time.monotonic()
        with urllib.request.urlopen(base + "/search.json?q=%E6%94%BE%E7%AE%A1%E6%9C%8D", timeout=30) as response:
            answer = json.loads(response.read())
        assert [hit["source"] for hit in answer["hits"]] == ["b.txt"]
        assert time.monotonic() - started < 5
        head = b"".join(readers[0][2]).split(b"\r\n\r\n")[0].decode()
        length = next(
            line.split(":")[1].strip() for line in head.split("\r\n") if line.lower().startswith("content-length")
        )
        assert int(length) == sum(len(ROW.format(n=n).encode()) for n in range(ROWS))
    finally:
        stop.set()
        for thread, _, _ in readers:
            thread.join(5)


@pytest.mark.parametrize(
    "path", ["/search.csv?q=%E5%B0%B1%E4%B8%9A", "/kwic.csv?q=%E5%B0%B1%E4%B8%9A", "/trend.csv?q=%E5%B0%B1%E4%B8%9A"]
)
def test_exports_are_spooled_whole_with_their_length(served, path):
    """Every CSV export is written out before it is sent: a declared length, the whole body, a BOM first."""
    app, _ = served
    response = app.test_client().get(path)
    assert response.status_code == 200
    assert response.headers["Content-Length"] == str(len(response.data))
    assert response.data.startswith("\ufeff".encode())
    assert response.mimetype == "text/csv"
