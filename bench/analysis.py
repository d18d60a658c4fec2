"""Trend and concordance: exactness on the 118 reports, speed on the full corpus, ours against a naive scan.

    python bench/analysis.py                  # exactness (300 phrases), speed (100 trends, 100 pages), CSV stream
    python bench/analysis.py --screenshots    # also PNGs of /trend and /kwic on the full corpus, in bench/out/

Exactness: the 118 reports indexed with their manifests; for random phrases
(half substrings, half jieba words, as staff type them) the trend's documents
and occurrences per year must equal counting the phrase in each source text,
dated by its manifest row; the concordance's total must equal the trend's.

Speed, on the full-corpus index (bench/full_index.py), its texts loaded as a
server holds them: a trend of 3 random phrases by month (documents,
occurrences and per-mille per month, all three series); the first page of a
concordance (50 lines in date order, plus the collocates box); the CSV of
every line of a phrase with about 10,000 occurrences (time to the first 500
rows, and to the end).  The naive baseline does the same from the texts
alone: each phrase counted in every document's text (trend), every
occurrence found and sorted before the first page is cut (concordance).
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import statistics
import sys
import time
from collections import Counter
from dataclasses import replace
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import OUT, report_folders
from counting import match_by_match_counts
from exactness import phrase_from, quoted
from full_index import FULL

from search.analysis.collocates import collocates
from search.engines.embedded.archive import Archive, read_schema_version
from search.engines.embedded.commit import index_paths
from search.engines.embedded.concordance import all_lines, concordance
from search.engines.embedded.matches import RecentMatches
from search.engines.embedded.run import warm_up
from search.engines.embedded.trend import trend
from search.ingest.identity import SCHEMA_VERSION
from search.meta import extract_documents, read_sidecar
from search.query import SearchRequest
from search.text.normalize import search_text

COLLOCATE_SAMPLE = 200  # as web/kwic_page.py


def percentile(values: list[float], p: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(p / 100 * len(ordered) + 0.5) - 1))]


def sample(snapshot, count: int, seed: int) -> list[str]:
    rng = random.Random(seed)
    docs = sorted(snapshot.live)
    phrases: list[str] = []
    while len(phrases) < count:
        kind = "substring" if len(phrases) % 2 == 0 else "words"
        phrase = phrase_from(rng, snapshot.search_text(rng.choice(docs)), kind)
        if phrase is not None:
            phrases.append(phrase)
    return phrases


# -- exactness on the reports ----------------------------------------------------------


def source_texts() -> list[tuple[str | None, str]]:
    """(manifest year, search text) of every report, read from its file."""
    documents = []
    for folder in report_folders():
        sidecar = read_sidecar(folder)
        with open(folder / "manifest.tsv", encoding="utf-8", newline="") as handle:
            years = {row["filename"]: row["date_or_year"][:4] for row in csv.DictReader(handle, delimiter="\t")}
        for name, year in sorted(years.items()):
            records = extract_documents((folder / name).read_text(encoding="utf-8"), sidecar.get(name))
            documents.extend((year or None, search_text(record.title, record.paragraphs)) for record in records)
    return documents


def exactness(phrases_wanted: int, seed: int) -> dict:
    index_dir = OUT / "analysis-reports"
    if read_schema_version(index_dir) != SCHEMA_VERSION:
        index_paths(report_folders(), index_dir, rebuild=True, procs=2)
    snapshot = Archive(index_dir).snapshot()
    documents = source_texts()
    phrases = sample(snapshot, phrases_wanted, seed)
    equal = kwic_equal = 0
    failures = []
    for phrase in phrases:
        expected: dict[str, list[int]] = {}
        for year, text in documents:
            n = text.count(phrase)
            if n:
                cell = expected.setdefault(year, [0, 0])
                cell[0] += 1
                cell[1] += n
        (series,) = trend(snapshot, [quoted(phrase)]).series
        got = {p.period: [p.documents, p.occurrences] for p in series.points if p.documents}
        if series.undated_documents:
            got[None] = [series.undated_documents, series.undated_occurrences]
        if got == expected:
            equal += 1
        else:
            failures.append(phrase)
        lines = sum(1 for _ in all_lines(snapshot, SearchRequest(q=quoted(phrase))))  # each occurrence found anew
        kwic_equal += lines == series.total_occurrences == sum(o for _, o in expected.values())
    return {
        "phrases": len(phrases),
        "per_year_equal": equal,
        "kwic_total_equal": kwic_equal,
        "report_documents": len(documents),
        "failures": failures[:5],
    }


# -- speed on the full corpus ------------------------------------------------------------


class Naive:
    """The same answers from the texts alone: every document's text scanned for every phrase."""

    def __init__(self, snapshot):
        self.snapshot = snapshot
        self.docs = sorted(snapshot.live)
        self.texts = [snapshot.search_text(n) for n in self.docs]

    def trend(self, phrases: list[str]) -> list[Counter]:
        month = self.snapshot.month
        result = []
        for phrase in phrases:
            documents: Counter = Counter()
            occurrences: Counter = Counter()
            for docnum, text in zip(self.docs, self.texts):
                n = text.count(phrase)
                if n:
                    documents[month[docnum]] += 1
                    occurrences[month[docnum]] += n
            result.append(occurrences)
        return result

    def first_page(self, phrase: str, size: int = 50) -> list[tuple]:
        rank = self.snapshot.date_rank
        found = []
        for docnum, text in zip(self.docs, self.texts):
            position = text.find(phrase)
            while position >= 0:
                found.append((rank[docnum] if rank[docnum] >= 0 else 10**9, docnum, position))
                position = text.find(phrase, position + len(phrase))
        found.sort()
        return found[:size]


def timed(call, snapshot=None) -> float:
    """Milliseconds of one call; with ``snapshot``, cold: the analyses' recent results forgotten first."""
    if snapshot is not None:
        snapshot.cached("analysis matches", RecentMatches).clear()
    started = time.perf_counter()
    call()
    return (time.perf_counter() - started) * 1000


def speed(snapshot, trends: int, pages: int, seed: int) -> dict:
    naive = Naive(snapshot)
    phrases = sample(snapshot, 3 * trends + pages, seed)
    trend_ms, naive_trend_ms = [], []
    for i in range(trends):
        three = [quoted(p) for p in phrases[3 * i : 3 * i + 3]]
        trend_ms.append(timed(lambda: trend(snapshot, three, by="month"), snapshot))
        naive_trend_ms.append(timed(lambda: naive.trend(phrases[3 * i : 3 * i + 3])))
    page_ms, second_ms, lines_ms, naive_page_ms, left_ms = [], [], [], [], []
    for phrase in phrases[3 * trends :]:
        request = SearchRequest(q=quoted(phrase), per_page=50)

        def page():
            result = concordance(snapshot, request, "date", 30, sample_size=COLLOCATE_SAMPLE)
            collocates(snapshot, result.sample)

        page_ms.append(timed(page, snapshot))
        second_ms.append(timed(lambda: concordance(snapshot, replace(request, page=2))))  # its result set kept
        lines_ms.append(timed(lambda: concordance(snapshot, request), snapshot))
        left_ms.append(timed(lambda: concordance(snapshot, request, "left"), snapshot))
        naive_page_ms.append(timed(lambda: naive.first_page(phrase)))
    # What the machine gives at this moment: one phrase counted over the whole archive's text match by match
    # (the engine's pass before term frequencies; the machine is shared, so this floor moves with its load).
    scan_ms = [timed(lambda: match_by_match_counts(snapshot, p)) for p in ("中国", "发展", "人民", "的", "会议")]
    slowest = sorted(zip(trend_ms, (phrases[3 * i : 3 * i + 3] for i in range(trends))), reverse=True)[:5]
    return {
        "slowest_trends": [[round(ms), three] for ms, three in slowest],
        "scan_floor_p50_ms": round(statistics.median(scan_ms), 1),
        "trend_p50_ms": round(statistics.median(trend_ms), 1),
        "trend_p95_ms": round(percentile(trend_ms, 95), 1),
        "trend_max_ms": round(max(trend_ms), 1),
        "naive_trend_p50_ms": round(statistics.median(naive_trend_ms), 1),
        "naive_trend_p95_ms": round(percentile(naive_trend_ms, 95), 1),
        "kwic_page_p50_ms": round(statistics.median(page_ms), 1),
        "kwic_page_p95_ms": round(percentile(page_ms, 95), 1),
        "kwic_page_max_ms": round(max(page_ms), 1),
        "kwic_lines_only_p95_ms": round(percentile(lines_ms, 95), 1),
        "kwic_next_page_p95_ms": round(percentile(second_ms, 95), 1),
        "kwic_left_order_p95_ms": round(percentile(left_ms, 95), 1),
        "naive_kwic_page_p50_ms": round(statistics.median(naive_page_ms), 1),
        "naive_kwic_page_p95_ms": round(percentile(naive_page_ms, 95), 1),
    }


def phrase_with_about(snapshot, occurrences: int) -> tuple[str, int]:
    """A phrase whose occurrence count in the archive is closest to ``occurrences`` (from a fixed list)."""
    best = None
    for phrase in (
        "老旧小区",
        "乡村振兴",
        "高质量发展",
        "新冠肺炎",
        "脱贫攻坚",
        "一带一路",
        "改革开放",
        "人民群众",
        "疫情防控",
        "生态环境",
        "习近平总书记",
        "全面建成小康社会",
    ):
        total = trend(snapshot, [phrase]).series[0].total_occurrences
        if best is None or abs(total - occurrences) < abs(best[1] - occurrences):
            best = (phrase, total)
    return best


def csv_stream(snapshot, index_dir: Path) -> dict:
    """The web CSV of every line of a phrase with about 10,000 occurrences: first bytes, first 500 rows, end."""
    from web import create_app

    phrase, total = phrase_with_about(snapshot, 10_000)
    app = create_app({"INDEX_DIR": str(index_dir), "SECRET_KEY": "bench", "SAVED_DB": str(OUT / "analysis-saved.db")})
    app.extensions["engine"].archive._snapshot = snapshot  # the warm snapshot, as a running server holds it
    client = app.test_client()
    started = time.perf_counter()
    response = client.get("/kwic.csv", query_string={"q": phrase}, buffered=False)
    chunks = iter(response.response)
    first = next(chunks)
    first_ms = (time.perf_counter() - started) * 1000
    rows = first.count("\r\n") if isinstance(first, str) else first.count(b"\r\n")
    first_rows_ms = None
    for chunk in chunks:
        rows += chunk.count("\r\n") if isinstance(chunk, str) else chunk.count(b"\r\n")
        if first_rows_ms is None and rows > 500:
            first_rows_ms = (time.perf_counter() - started) * 1000
    total_ms = (time.perf_counter() - started) * 1000
    response.close()
    return {
        "csv_phrase": phrase,
        "csv_occurrences": total,
        "csv_rows": rows - 1,
        "csv_first_chunk_ms": round(first_ms, 1),
        "csv_first_500_rows_ms": round(first_rows_ms or total_ms, 1),
        "csv_total_ms": round(total_ms, 1),
    }


def library_all_lines(snapshot, phrase: str) -> float:
    return timed(lambda: sum(1 for _ in all_lines(snapshot, SearchRequest(q=phrase))))


def screenshots(index_dir: Path) -> list[str]:
    """PNGs of /trend (3 phrases by month, and per district) and /kwic on the full corpus, served by waitress."""
    import threading

    from playwright.sync_api import sync_playwright
    from waitress import create_server

    from web import create_app

    app = create_app({"INDEX_DIR": str(index_dir), "SECRET_KEY": "bench", "SAVED_DB": str(OUT / "analysis-saved.db")})
    warm_up(app.extensions["engine"].archive.snapshot())
    server = create_server(app, host="127.0.0.1", port=0, threads=2)
    threading.Thread(target=server.run, daemon=True).start()
    base = f"http://127.0.0.1:{server.effective_port}"
    pages = {
        "analysis-trend.png": "/trend?q=脱贫攻坚&q=乡村振兴&q=共同富裕&by=month",
        "analysis-trend-year-per-mille.png": "/trend?q=一带一路&q=高质量发展&measure=per_mille",
        "analysis-trend-districts.png": "/trend?q=老旧小区改造&per=district",
        "analysis-kwic.png": "/kwic?q=老旧小区改造",
    }
    saved = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path="/usr/bin/chromium")
        context = browser.new_context(locale="zh-CN", viewport={"width": 1280, "height": 900})
        page = context.new_page()
        for name, path in pages.items():
            page.goto(base + path)
            page.screenshot(path=str(OUT / name), full_page=True, caret="initial")
            saved.append(str(OUT / name))
        browser.close()
    server.close()
    return saved


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--phrases", type=int, default=300, help="exactness phrases (118 reports)")
    parser.add_argument("--trends", type=int, default=100)
    parser.add_argument("--pages", type=int, default=100)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--screenshots", action="store_true")
    parser.add_argument("--index", type=Path, default=None, help="the index to time (default: the full corpus's)")
    args = parser.parse_args()

    exact = exactness(args.phrases, args.seed)
    index_dir = args.index or FULL / "ours"
    if read_schema_version(index_dir) != SCHEMA_VERSION:
        from full_index import ensure_full_indexes

        index_dir = ensure_full_indexes()[0]
    snapshot = Archive(index_dir).snapshot()
    warm_up(snapshot)
    fast = speed(snapshot, args.trends, args.pages, args.seed)
    stream = csv_stream(snapshot, index_dir)
    stream["library_all_lines_ms"] = round(library_all_lines(snapshot, stream["csv_phrase"]), 1)
    shots = screenshots(index_dir) if args.screenshots else []

    rows = [
        (
            "exactness: per-year docs+occurrences = substring count (118 reports)",
            f"{exact['per_year_equal']}/{exact['phrases']}",
            "—",
            "all",
        ),
        (
            "exactness: concordance lines = trend total = substring count",
            f"{exact['kwic_total_equal']}/{exact['phrases']}",
            "—",
            "all",
        ),
        (
            f"trend, 3 phrases by month, p50 / p95 ({args.trends} runs)",
            f"{fast['trend_p50_ms']} / {fast['trend_p95_ms']} ms",
            f"{fast['naive_trend_p50_ms']} / {fast['naive_trend_p95_ms']} ms",
            f"p95 ≤ 300 → ×{fast['naive_trend_p95_ms'] / max(fast['trend_p95_ms'], 0.1):.0f}",
        ),
        (
            f"kwic first page + collocates, p50 / p95 ({args.pages} phrases)",
            f"{fast['kwic_page_p50_ms']} / {fast['kwic_page_p95_ms']} ms",
            f"{fast['naive_kwic_page_p50_ms']} / {fast['naive_kwic_page_p95_ms']} ms",
            f"p95 ≤ 100 → ×{fast['naive_kwic_page_p95_ms'] / max(fast['kwic_page_p95_ms'], 0.1):.0f}",
        ),
        (
            "floor: one phrase counted in every document's text, p50 of 5 common phrases",
            f"{fast['scan_floor_p50_ms']} ms",
            "—",
            "machine load",
        ),
        (
            "kwic first page, lines only / sorted by left context / page 2 after page 1, p95",
            f"{fast['kwic_lines_only_p95_ms']} / {fast['kwic_left_order_p95_ms']} / {fast['kwic_next_page_p95_ms']} ms",
            "—",
            "—",
        ),
        (
            f"CSV of every line of {stream['csv_phrase']} ({stream['csv_occurrences']} occurrences): first chunk / 500 rows / all",
            f"{stream['csv_first_chunk_ms']} / {stream['csv_first_500_rows_ms']} / {stream['csv_total_ms']} ms",
            "—",
            f"{stream['csv_rows']} rows streamed",
        ),
    ]
    width = max(len(r[0]) for r in rows)
    print(f"{'what':<{width}}  {'ours':<28}  {'naive':<24}  target")
    for what, ours, naive, target in rows:
        print(f"{what:<{width}}  {ours:<28}  {naive:<24}  {target}")
    if exact["failures"]:
        print("exactness failures (first 5):", exact["failures"])
    for shot in shots:
        print("screenshot:", shot)
    print(
        json.dumps(
            {"bench": "analysis", "documents": len(snapshot.live), **exact, **fast, **stream, "screenshots": shots},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
