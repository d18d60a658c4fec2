"""The web app under load: `search serve` over the full corpus, 4 concurrent clients for 30 s.

    python bench/web_load.py                       # 4 clients, 30 s, loopback only
    python bench/web_load.py --clients 8 --seconds 60
    python bench/web_load.py --workers 1            # one server process (the default is 2, one per core)

Starts `search serve` on a free port of 127.0.0.1 (the full-corpus index of
bench/full_index.py), waits until it answers and its suggestions are built, then each client requests result
pages (`/search?q=...`, the full HTML page, as a browser's first visit) from the
query set of bench/query_speed.py, one after another, until the time is up.
Prints requests/s, latency percentiles and the error count (any status other
than 200, or a failed connection).  The server is stopped at the end.
"""

from __future__ import annotations

import argparse
import json
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from full_index import ensure_full_indexes
from query_speed import percentile, quoted, sample_queries

from search.engines.embedded.archive import Archive


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def page_url(base: str, query: dict) -> str:
    args = [("q", quoted(query["phrase"]))]
    if query["district"]:
        args.append(("district", query["district"]))
    if query["year"]:
        args.append(("year", query["year"]))
    if query["sort"] != "relevance":
        args.append(("sort", query["sort"]))
    return f"{base}/search?{urllib.parse.urlencode(args)}"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--seconds", type=float, default=30.0)
    parser.add_argument("--queries", type=int, default=300)
    parser.add_argument("--seed", type=int, default=20261122)
    parser.add_argument(
        "--workers",
        type=int,
        default=2,
        help="search serve --workers (processes sharing the port; 2: one per core here)",
    )
    args = parser.parse_args()

    ours, _, _ = ensure_full_indexes(naive=False)  # the naive index is not served here
    snapshot = Archive(ours).snapshot()
    queries = sample_queries(snapshot, args.queries, args.seed)
    snapshot.close()

    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = subprocess.Popen(
        [
            str(Path(sys.executable).with_name("search")),
            "serve",
            "--index",
            str(ours),
            "--port",
            str(port),
            "--workers",
            str(args.workers),
            "--log-level",
            "warning",
        ],  # a line per request would fill the unread stderr pipe
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 180
        while True:
            try:
                urllib.request.urlopen(f"{base}/search?q=x", timeout=5).read()
                break
            except (urllib.error.URLError, ConnectionError, TimeoutError):  # still opening and warming up
                if time.monotonic() > deadline or server.poll() is not None:
                    raise SystemExit("error: the server did not start") from None
                time.sleep(0.2)
        # Measured once warm: each worker builds its suggestions in the background after it starts
        # (about 13 s of CPU on the full corpus), which a server does once per index generation.
        ready = 0
        while ready < 4 * args.workers:
            with urllib.request.urlopen(f"{base}/suggest?q=%E5%8F%91", timeout=30) as response:
                ready = ready + 1 if json.loads(response.read())["suggestions"] else 0
            if time.monotonic() > deadline:
                raise SystemExit("error: the server's suggestions were not built in time")

        latencies: list[float] = []
        errors: list[str] = []
        lock = threading.Lock()
        stop_at = time.monotonic() + args.seconds

        def client(offset: int) -> None:
            i = offset
            while time.monotonic() < stop_at:
                url = page_url(base, queries[i % len(queries)])
                i += args.clients
                started = time.perf_counter()
                try:
                    with urllib.request.urlopen(url, timeout=60) as response:
                        response.read()
                        ok = response.status == 200
                except (urllib.error.URLError, ConnectionError, TimeoutError) as exc:
                    ok, url = False, f"{url}: {exc}"
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    if not ok:
                        errors.append(url)

        started = time.monotonic()
        threads = [threading.Thread(target=client, args=(n,)) for n in range(args.clients)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        wall = time.monotonic() - started
    finally:
        server.terminate()
        server.wait(timeout=30)

    result = {
        "clients": args.clients,
        "workers": args.workers,
        "seconds": round(wall, 1),
        "requests": len(latencies),
        "requests_per_s": round(len(latencies) / wall, 1),
        "p50_ms": round(percentile(latencies, 0.50), 1),
        "p95_ms": round(percentile(latencies, 0.95), 1),
        "p99_ms": round(percentile(latencies, 0.99), 1),
        "max_ms": round(max(latencies), 1),
        "errors": len(errors),
        "first_errors": errors[:5],
    }
    print(
        f"{args.clients} clients for {result['seconds']} s against search serve --workers {args.workers}: {result['requests']} requests, "
        f"{result['requests_per_s']} req/s, p50 {result['p50_ms']} ms, p95 {result['p95_ms']} ms, "
        f"errors {result['errors']}"
    )
    print(json.dumps(result, ensure_ascii=False))


if __name__ == "__main__":
    main()
