"""Serving the app with waitress: in one process, or in several worker processes sharing one socket.

A Python process runs one thread at a time, so one process uses one core however many threads
it has.  With ``workers`` > 1 the parent binds the socket and forks the workers; each worker
builds its own app (opens the index, warms it, starts its threads), so no map, database
connection or thread crosses a fork.  Whichever worker is free accepts the next connection.
What the workers share lives in files (accounts and login failures, saved queries, the audit
log, the session secret), so a login lockout counts the failures seen by every worker.

The parent only watches: a worker that dies is replaced (one that dies within seconds of
starting, three times running, ends the server with an error); Ctrl-C or SIGTERM stops them all.
"""

from __future__ import annotations

import os
import signal
import socket
import sys
import time
import traceback
from collections.abc import Callable

from flask import Flask

# A worker that ends sooner than this after starting counts as failing to start.
QUICK_DEATH_S = 5.0
QUICK_DEATHS_ALLOWED = 3


class ServerError(Exception):
    """The server could not start or keep its workers (a one-line message)."""


def listen(host: str, port: int) -> socket.socket:
    """A listening TCP socket on ``host``:``port`` (0: any free port); OSError when it cannot be had."""
    family, kind, proto, _, address = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE)[
        0
    ]
    sock = socket.socket(family, kind, proto)
    try:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(address)
        sock.listen(1024)
    except OSError:
        sock.close()
        raise
    return sock


def run(
    make_app: Callable[[], Flask], sock: socket.socket, threads: int, workers: int, say: Callable[[str], None]
) -> None:
    """Serve until Ctrl-C or SIGTERM.  ``make_app`` builds a warmed app (in each worker when several)."""
    if workers == 1:
        _serve(make_app(), sock, threads)
        return
    _supervise(make_app, sock, threads, workers, say)


def _serve(app: Flask, sock: socket.socket, threads: int) -> None:
    from waitress.server import create_server

    server = create_server(app, sockets=[sock], threads=threads)
    try:
        server.run()
    finally:
        server.close()


def _worker(make_app: Callable[[], Flask], sock: socket.socket, threads: int) -> None:
    """A forked worker's life: it never returns (``os._exit``), so the parent's code never runs twice."""
    code = 0
    try:
        signal.signal(signal.SIGTERM, signal.SIG_DFL)
        signal.signal(signal.SIGINT, signal.default_int_handler)
        _serve(make_app(), sock, threads)
    except KeyboardInterrupt:
        pass
    except BaseException:  # noqa: BLE001 - a worker reports its own end, then exits
        traceback.print_exc(file=sys.stderr)
        code = 1
    finally:
        sys.stderr.flush()
        os._exit(code)


def _supervise(
    make_app: Callable[[], Flask], sock: socket.socket, threads: int, workers: int, say: Callable[[str], None]
) -> None:
    started: dict[int, float] = {}

    def spawn() -> None:
        pid = os.fork()
        if pid == 0:
            _worker(make_app, sock, threads)
        started[pid] = time.monotonic()

    def terminate(signum, frame):
        raise KeyboardInterrupt

    previous = signal.signal(signal.SIGTERM, terminate)
    quick_deaths = 0
    try:
        for _ in range(workers):
            spawn()
        while True:
            pid, status = os.wait()
            if pid not in started:
                continue
            lived = time.monotonic() - started.pop(pid)
            quick_deaths = quick_deaths + 1 if lived < QUICK_DEATH_S else 0
            if quick_deaths >= QUICK_DEATHS_ALLOWED:
                raise ServerError(f"workers end as soon as they start (the last: {_ending(status)})")
            say(f"worker {pid} ended ({_ending(status)}); starting another")
            spawn()
    finally:
        signal.signal(signal.SIGTERM, previous)
        for pid in started:
            try:
                os.kill(pid, signal.SIGTERM)
            except ProcessLookupError:
                pass
        for pid in started:
            try:
                os.waitpid(pid, 0)
            except ChildProcessError:
                pass


def _ending(status: int) -> str:
    if os.WIFSIGNALED(status):
        return f"signal {signal.Signals(os.WTERMSIG(status)).name}"
    return f"exit code {os.waitstatus_to_exitcode(status)}"
