"""Request amplification: normal searches while a bounded flood of the worst requests runs.

    python bench/amplification.py                  # seeds index, 200 flood requests, 8 at a time
    python bench/amplification.py --flood 120 --concurrency 4

Loopback only, bounded: starts `search serve` (waitress, 4 threads, as shipped)
on a free port of 127.0.0.1 over an index of seeds/ built into a temporary
folder, then

1. baseline: a second client sends the normal queries one after another, alone;
2. flood: at most ``--flood`` (<= 200) of the probe's worst requests, ``--concurrency``
   (<= 8) at a time, while the same client sends the same normal queries again.

The worst requests are the probe's (333 OR'ed terms, 80 filter values on a no-hit
query) and the heaviest still allowed (32 OR'ed terms, 20 filter values on a
no-hit query, a CSV of every document, words mode over the whole archive).
Prints a table (each worst request's status, size and time; the normal queries'
p50/p95 alone and under the flood, and their ratio) and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
MAX_FLOOD = 200
MAX_CONCURRENCY = 8

NORMAL = ["老旧小区", "稳就业", "放管服", "中原科技城", "营商环境", "乡村振兴", "疫情防控", "高质量发展"]
COMMON = "的一是在不了有和人这中大为上个国我以要他时来用们生到作地于出就分对成会可也你"


def worst_requests() -> dict[str, list[tuple[str, str]]]:
    no_hit = [("q", "不存在的词语组合")]
    return {
        "333 OR'ed terms (probe)": [("q", "|".join(chr(0x4E00 + i) + chr(0x4E00 + 333 + i) for i in range(333)))],
        "80 filter values, no hit (probe)": no_hit
        + [
            (f, v)
            for f, values in (
                ("district", [f"区{i}" for i in range(20)]),
                ("topic", [f"主题{i}" for i in range(20)]),
                ("year", [str(1950 + i) for i in range(20)]),
                ("month", [f"19{60 + i}-01" for i in range(20)]),
            )
            for v in values
        ],
        "32 OR'ed common characters": [("q", "|".join(COMMON[:32]))],
        "20 filter values, no hit": no_hit
        + [("district", f"区{i}") for i in range(10)]
        + [("year", str(1990 + i)) for i in range(10)],
        "words mode, whole archive": [("q", "发展 建设 推进 工作 加快"), ("mode", "words"), ("per_page", "100")],
        "CSV of every document": [("q", "")],
    }


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def fetch(url: str) -> tuple[int, int, float]:
    """(status, bytes, seconds) of one GET."""
    started = time.perf_counter()
    try:
        with urllib.request.urlopen(url, timeout=60) as response:
            size = len(response.read())
            status = response.status
    except urllib.error.HTTPError as error:
        size = len(error.read())
        status = error.code
    return status, size, time.perf_counter() - started


def url_of(base: str, name: str, args: list[tuple[str, str]]) -> str:
    path = "/search.csv" if name.startswith("CSV") else "/search"
    return f"{base}{path}?{urllib.parse.urlencode(args)}"


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))]


def normal_latencies(base: str, rounds: int) -> list[float]:
    times = []
    for _ in range(rounds):
        for phrase in NORMAL:
            status, _, seconds = fetch(f"{base}/search?{urllib.parse.urlencode({'q': phrase})}")
            assert status == 200, (phrase, status)
            times.append(seconds)
    return times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--flood", type=int, default=MAX_FLOOD, help=f"flood requests (at most {MAX_FLOOD})")
    parser.add_argument(
        "--concurrency", type=int, default=MAX_CONCURRENCY, help=f"at a time (at most {MAX_CONCURRENCY})"
    )
    parser.add_argument("--rounds", type=int, default=5, help="rounds of the normal queries in each phase")
    args = parser.parse_args()
    flood_size = min(args.flood, MAX_FLOOD)
    concurrency = min(args.concurrency, MAX_CONCURRENCY)

    work = Path(tempfile.mkdtemp(prefix="amplification-"))
    server = None
    try:
        shutil.copytree(ROOT / "seeds", work / "seeds")
        search = [sys.executable, "-m", "search.cli.main"]
        subprocess.run(
            [*search, "index", str(work / "seeds"), "--index", str(work / "index"), "-q"],
            check=True,
            capture_output=True,
        )
        port = free_port()
        server = subprocess.Popen(
            [
                *search,
                "serve",
                "--index",
                str(work / "index"),
                "--host",
                "127.0.0.1",
                "--port",
                str(port),
                "--log-level",
                "warning",
            ],  # stderr is read only on failure
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
        )
        base = f"http://127.0.0.1:{port}"
        for _ in range(200):
            try:
                fetch(base + "/static/style.css")
                break
            except OSError:
                time.sleep(0.05)

        worst = worst_requests()
        alone = {name: fetch(url_of(base, name, a)) for name, a in worst.items()}
        normal_times = normal_latencies(base, args.rounds)

        plan = [url_of(base, name, worst[name]) for name in list(worst) * (flood_size // len(worst) + 1)][:flood_size]
        statuses: dict[int, int] = {}
        flood_done = threading.Event()

        def flood() -> None:
            with ThreadPoolExecutor(concurrency) as pool:
                for status, _, _ in pool.map(fetch, plan):
                    statuses[status] = statuses.get(status, 0) + 1
            flood_done.set()

        started = time.perf_counter()
        flooder = threading.Thread(target=flood)
        flooder.start()
        flooded_times = []
        while not flood_done.is_set() or not flooded_times:
            flooded_times += normal_latencies(base, 1)
        flooder.join()
        flood_seconds = time.perf_counter() - started
    finally:
        if server is not None:
            server.terminate()
            server.wait(timeout=10)
        shutil.rmtree(work, ignore_errors=True)

    print(f"{'worst request (alone)':<36} {'status':>6} {'bytes':>9} {'ms':>8}")
    for name, (status, size, seconds) in alone.items():
        print(f"{name:<36} {status:>6} {size:>9} {seconds * 1000:>8.1f}")
    base_p50, base_p95 = percentile(normal_times, 50), percentile(normal_times, 95)
    flood_p50, flood_p95 = percentile(flooded_times, 50), percentile(flooded_times, 95)
    print()
    print(f"{'normal queries':<36} {'n':>6} {'p50 ms':>9} {'p95 ms':>8}")
    print(f"{'alone (baseline)':<36} {len(normal_times):>6} {base_p50 * 1000:>9.1f} {base_p95 * 1000:>8.1f}")
    print(f"{'under the flood':<36} {len(flooded_times):>6} {flood_p50 * 1000:>9.1f} {flood_p95 * 1000:>8.1f}")
    print(f"{'ratio (flood / alone)':<36} {'':>6} {flood_p50 / base_p50:>9.2f} {flood_p95 / base_p95:>8.2f}")
    print(
        f"flood: {len(plan)} requests, {concurrency} at a time, {flood_seconds:.1f} s; statuses {dict(sorted(statuses.items()))}"
    )
    print(
        json.dumps(
            {
                "bench": "amplification",
                "flood_requests": len(plan),
                "concurrency": concurrency,
                "flood_seconds": round(flood_seconds, 2),
                "flood_statuses": {str(k): v for k, v in sorted(statuses.items())},
                "worst_alone": {
                    name: {"status": s, "bytes": b, "ms": round(t * 1000, 1)} for name, (s, b, t) in alone.items()
                },
                "normal_alone_ms": {
                    "n": len(normal_times),
                    "p50": round(base_p50 * 1000, 1),
                    "p95": round(base_p95 * 1000, 1),
                },
                "normal_flooded_ms": {
                    "n": len(flooded_times),
                    "p50": round(flood_p50 * 1000, 1),
                    "p95": round(flood_p95 * 1000, 1),
                },
                "p95_ratio": round(flood_p95 / base_p95, 2),
                "p95_under_300ms": flood_p95 <= 0.3,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
