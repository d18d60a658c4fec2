"""Keyness (/compare) and emerging terms: exact on the 118 reports, timed there and on the news corpus.

    python bench/keyness.py                         # the reports (exactness + speed) and the news (speed)
    python bench/keyness.py --data DIR              # the corpora unpacked elsewhere (default bench/data)
    python bench/keyness.py --news-index DIR        # an index of news + reports already built
    python bench/keyness.py --no-news               # the reports only
    python bench/keyness.py --screenshots           # also PNGs of /compare and /emerging in bench/out/

Exactness: the 118 reports indexed with their manifests; for each comparison (2024 against 2023,
2020 against the 2010s, 2025 against the rest) the engine's table of phrases must equal the oracle's,
which reads the report files (``extract_documents`` + ``search_text``, dated by the manifest rows, not
the engine) and counts every 2..8-letter substring with ``Counter`` (tests/keyness_oracle.py): the
same phrases, frequencies, document counts, LL, log ratio, DP and concentration.

Speed: each comparison run ``--runs`` times through ``Engine.compare`` with the kept results forgotten
(p50, p95), against the oracle's naive count of the same texts in the same run (the ratio).  On the
news corpus (75,448 stories + the reports): a year against the rest (each side capped at
``MAX_SIDE_DOCUMENTS``), cold (the first after opening: the ids are read) and warm; emerging terms for
2020 (all periods counted once, capped at ``MAX_EMERGING_DOCUMENTS``).
"""

from __future__ import annotations

import argparse
import csv
import json
import math
import statistics
import sys
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import DATA, NEWS_FOLDER, OUT, REPORT_FOLDERS

from search.analysis.sides import MAX_EMERGING_DOCUMENTS, MAX_SIDE_DOCUMENTS
from search.engines import open_engine
from search.engines.embedded.archive import read_schema_version
from search.engines.embedded.commit import index_paths
from search.ingest.identity import SCHEMA_VERSION
from search.meta import extract_documents, read_sidecar
from search.query import SearchRequest
from search.text.normalize import search_text
from tests import keyness_oracle as oracle

MIN_FREQ = 5
CASES = (
    (
        "2024 vs 2023",
        SearchRequest(years=(2024,)),
        SearchRequest(years=(2023,)),
        lambda y: y == "2024",
        lambda y: y == "2023",
    ),
    (
        "2020 vs 2010s",
        SearchRequest(years=(2020,)),
        SearchRequest(date_from="2010", date_to="2019"),
        lambda y: y == "2020",
        lambda y: "2010" <= y <= "2019",
    ),
    ("2025 vs the rest", SearchRequest(years=(2025,)), SearchRequest(), lambda y: y == "2025", lambda y: y != "2025"),
)


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(p / 100 * len(ordered)) - 1))]


def source_texts(data: Path) -> list[tuple[str, str]]:
    """(manifest year, search text) of every report, read from its file."""
    documents = []
    for name in REPORT_FOLDERS:
        folder = data / name
        sidecar = read_sidecar(folder)
        with open(folder / "manifest.tsv", encoding="utf-8", newline="") as handle:
            years = {row["filename"]: row["date_or_year"][:4] for row in csv.DictReader(handle, delimiter="\t")}
        for filename, year in sorted(years.items()):
            for record in extract_documents((folder / filename).read_text(encoding="utf-8"), sidecar.get(filename)):
                documents.append((year, search_text(record.title, record.paragraphs)))
    return documents


def forget(engine) -> None:
    snapshot = engine.snapshot()
    if "keyness recent" in snapshot._derived:
        snapshot._derived["keyness recent"].entries.clear()


def differences(result, expected: dict) -> list[str]:
    got = {p.phrase: p for p in result.rows(range(len(result.table)))}
    wrong = sorted(set(got) ^ set(expected))
    for phrase in set(got) & set(expected):
        p, want = got[phrase], expected[phrase]
        same = (
            (p.a.freq, p.b.freq) == want["freq"]
            and (p.a.docs, p.b.docs) == want["docs"]
            and abs(p.ll - want["ll"]) < 1e-5
            and abs(p.log_ratio - want["log_ratio"]) < 1e-5
            and p.concentrated == want["concentrated"]
            and all(
                (g is None) == (w is None) and (w is None or abs(g - w) < 1e-4)
                for g, w in zip((p.a.dp, p.b.dp), want["dp"])
            )
        )
        if not same:
            wrong.append(phrase)
    return wrong


def reports(data: Path, runs: int) -> list[dict]:
    index_dir = OUT / "keyness-reports"
    if read_schema_version(index_dir) != SCHEMA_VERSION:
        index_paths([data / f for f in REPORT_FOLDERS], index_dir, rebuild=True, procs=1)
    engine = open_engine(index_dir)
    documents = source_texts(data)
    rows = []
    for name, request_a, request_b, in_a, in_b in CASES:
        side_a = [t for y, t in documents if in_a(y)]
        side_b = [t for y, t in documents if in_b(y)]
        timings = []
        for _ in range(runs):
            forget(engine)
            started = time.perf_counter()
            result = engine.compare(request_a, request_b, min_freq=MIN_FREQ)
            timings.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        expected = oracle.keyness(side_a, side_b, MIN_FREQ)
        oracle_ms = (time.perf_counter() - started) * 1000
        wrong = differences(result, expected)
        rows.append(
            {
                "case": name,
                "docs_a": result.a.documents,
                "docs_b": result.b.documents,
                "chars": result.a.characters + result.b.characters,
                "phrases": len(result.table),
                "oracle_phrases": len(expected),
                "mismatches": len(wrong),
                "first_mismatches": wrong[:3],
                "p50_ms": round(statistics.median(timings), 1),
                "p95_ms": round(percentile(timings, 95), 1),
                "oracle_ms": round(oracle_ms, 1),
                "ratio_to_oracle": round(statistics.median(timings) / oracle_ms, 3),
                "top_a": [p.phrase for p in result.rows(result.select("a")[:5])],
            }
        )
    return rows


def news(index_dir: Path, runs: int) -> dict:
    engine = open_engine(index_dir)
    started = time.perf_counter()
    result = engine.compare(SearchRequest(years=(2020,)), SearchRequest(), min_freq=MIN_FREQ)
    cold_ms = (time.perf_counter() - started) * 1000
    warm = []
    for year in (2020, 2016, 2023)[: max(1, runs)]:
        forget(engine)
        started = time.perf_counter()
        engine.compare(SearchRequest(years=(year,)), SearchRequest(), min_freq=MIN_FREQ)
        warm.append((time.perf_counter() - started) * 1000)
    forget(engine)
    started = time.perf_counter()
    counts = engine.emerging(SearchRequest(), min_freq=MIN_FREQ)
    emerging_ms = (time.perf_counter() - started) * 1000
    started = time.perf_counter()
    terms = counts.terms("2020")
    terms_ms = (time.perf_counter() - started) * 1000
    return {
        "documents": len(engine.corpus(SearchRequest())),
        "cold_ms": round(cold_ms, 1),
        "warm_p50_ms": round(statistics.median(warm), 1),
        "warm_max_ms": round(max(warm), 1),
        "counted": [result.a.counted, result.b.counted],
        "cap": MAX_SIDE_DOCUMENTS,
        "emerging_count_ms": round(emerging_ms, 1),
        "emerging_2020_ms": round(terms_ms, 1),
        "emerging_cap": MAX_EMERGING_DOCUMENTS,
        "emerging_2020_top": [t.phrase for t in terms.sorted()[:8]],
        "compare_2020_top": [p.phrase for p in result.rows(result.select("a")[:8])],
    }


def screenshots(reports_index: Path, news_index: Path | None) -> list[str]:
    import threading

    from playwright.sync_api import sync_playwright
    from waitress import create_server

    from web import create_app

    taken = []
    pages = [(reports_index, "/compare?a.year=2024&b.year=2023", "keyness-compare-2024-2023.png")]
    if news_index:
        pages.append((news_index, "/emerging?period=2020", "keyness-emerging-news-2020.png"))
        pages.append((news_index, "/compare?a.year=2020", "keyness-compare-news-2020-rest.png"))
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        for index_dir, path, name in pages:
            app = create_app(
                {"INDEX_DIR": str(index_dir), "STATE_DIR": str(OUT / "keyness-state"), "SECRET_KEY": "bench"}
            )
            server = create_server(app, host="127.0.0.1", port=0, threads=2)
            threading.Thread(target=server.run, daemon=True).start()
            page = browser.new_page(locale="zh-CN", viewport={"width": 1280, "height": 900})
            page.goto(f"http://127.0.0.1:{server.effective_port}{path}", timeout=120_000)
            page.screenshot(path=str(OUT / name), full_page=True)
            taken.append(str(OUT / name))
            page.close()
            server.close()
        browser.close()
    return taken


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", type=Path, default=DATA, help="where the corpora are unpacked")
    parser.add_argument("--news-index", type=Path, help="an index of the news and the reports (built if left out)")
    parser.add_argument("--no-news", action="store_true")
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--screenshots", action="store_true")
    args = parser.parse_args()
    OUT.mkdir(parents=True, exist_ok=True)
    rows = reports(args.data, args.runs)
    print(
        f"{'case':<18} {'docs A':>6} {'docs B':>6} {'chars':>9} {'phrases':>8} {'wrong':>5} {'p50 ms':>8} "
        f"{'p95 ms':>8} {'oracle ms':>9} {'ratio':>6}"
    )
    for r in rows:
        print(
            f"{r['case']:<18} {r['docs_a']:>6} {r['docs_b']:>6} {r['chars']:>9,} {r['phrases']:>8} "
            f"{r['mismatches']:>5} {r['p50_ms']:>8} {r['p95_ms']:>8} {r['oracle_ms']:>9} {r['ratio_to_oracle']:>6}"
        )
    summary = {"bench": "keyness", "min_freq": MIN_FREQ, "reports": rows}
    news_index = None
    if not args.no_news:
        news_index = args.news_index
        if news_index is None:
            news_index = OUT / "keyness-full"
            if read_schema_version(news_index) != SCHEMA_VERSION:
                index_paths(
                    [args.data / NEWS_FOLDER, *(args.data / f for f in REPORT_FOLDERS)],
                    news_index,
                    rebuild=True,
                    procs=2,
                )
        summary["news"] = news(news_index, args.runs)
        n = summary["news"]
        print(
            f"news: {n['documents']:,} documents; 2020 against the rest: cold {n['cold_ms']:.0f} ms, warm p50 "
            f"{n['warm_p50_ms']:.0f} ms (max {n['warm_max_ms']:.0f}), sides capped at {n['cap']:,} documents; "
            f"emerging: count {n['emerging_count_ms']:.0f} ms + 2020 {n['emerging_2020_ms']:.0f} ms"
        )
    if args.screenshots:
        summary["screenshots"] = screenshots(OUT / "keyness-reports", news_index)
    print(json.dumps(summary, ensure_ascii=False))


if __name__ == "__main__":
    main()
