"""Exports over real corpora: rows, bytes, seconds and memory of each export, through the web app.

    python bench/exports.py                       # the 118 reports + a year of news (2021)
    python bench/exports.py --news-year 2020 --repeat 3

The index is built once into the git-ignored bench/out/exports/ (the reports and hard links to one
year of bench/data/xwlb).  Each query is exported through Flask's test client, as a browser would ask:
the JSON of one page of 100 hits is the baseline of the run (what a results page costs); then the
CSV and .xlsx of every hit, the KWIC .xlsx, the Word 汇编 of the first 20 and 100 hits, and the zip of
the first 100 originals.  Memory is the growth of the process's peak RSS over the run of each export
(ru_maxrss only grows, so the exports run smallest first).  Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import DATA, NEWS_FOLDER, OUT, REPORT_FOLDERS, news_folder, report_folders
from saved_queries import link_tree

from search.engines.embedded.archive import read_schema_version
from search.engines.embedded.commit import index_paths
from search.ingest.identity import SCHEMA_VERSION

QUERIES = ("老旧小区", "高质量发展", "就业", "发展")
WORK = OUT / "exports"
EXPORTS = (
    ("json 100 (baseline)", "/search.json?per_page=100&q={q}"),
    ("csv, every hit", "/search.csv?q={q}"),
    ("xlsx, every hit", "/search.xlsx?q={q}"),
    ("kwic xlsx", "/kwic.xlsx?q={q}"),
    ("汇编 first 20", "/compile.docx?first=20&q={q}"),
    ("汇编 first 100", "/compile.docx?first=100&q={q}"),
    ("zip first 100", "/compile.zip?first=100&q={q}"),
)


def build(year: str) -> Path:
    archive, index_dir = WORK / f"archive-{year}", WORK / f"index-{year}"
    if read_schema_version(index_dir) != SCHEMA_VERSION or not (WORK / f"{year}.complete").exists():
        # Folders already unpacked (a worktree's bench/data may be a link to the checkout's) are used as they are.
        reports = (
            [DATA / n for n in REPORT_FOLDERS] if all((DATA / n).is_dir() for n in REPORT_FOLDERS) else report_folders()
        )
        news = DATA / NEWS_FOLDER if (DATA / NEWS_FOLDER).is_dir() else news_folder()
        for folder in reports:
            link_tree(folder, archive / folder.name)
        link_tree(news / year, archive / f"xwlb-{year}")
        started = time.perf_counter()
        report = index_paths([archive], index_dir, rebuild=True, procs=2)
        print(f"built {index_dir} in {time.perf_counter() - started:.0f} s: {report.summary}", file=sys.stderr)
        (WORK / f"{year}.complete").touch()
    return index_dir


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--news-year", default="2021")
    parser.add_argument("--repeat", type=int, default=1)
    args = parser.parse_args()
    index_dir = build(args.news_year)

    from tests.web_fixtures import make_app

    client = make_app(index_dir, Path(tempfile.mkdtemp()) / "saved.sqlite3").test_client()
    client.get("/search?q=warm")  # the snapshot's maps, once
    results = []
    for query in QUERIES:
        total = client.get(f"/search.json?per_page=1&q={query}").get_json()["total"]
        row = {"query": query, "documents": total}
        for label, path in EXPORTS:
            runs, size, before = [], 0, peak_mb()
            for _ in range(args.repeat):
                started = time.perf_counter()
                response = client.get(path.format(q=query))
                size = len(response.data)
                runs.append(time.perf_counter() - started)
                assert response.status_code == 200, (path, response.status_code)
            row[label] = {
                "s": round(statistics.median(runs), 3),
                "kb": round(size / 1024),
                "peak_mb+": round(peak_mb() - before),
            }
        base = row["json 100 (baseline)"]["s"]
        row["xlsx/csv"] = round(row["xlsx, every hit"]["s"] / max(row["csv, every hit"]["s"], 1e-6), 2)
        row["csv/json100"] = round(row["csv, every hit"]["s"] / max(base, 1e-6), 1)
        results.append(row)

    print(
        f"index: reports + news {args.news_year} ({index_dir}); seconds (median of {args.repeat}), size, peak RSS growth"
    )
    print("| query | docs | " + " | ".join(label for label, _ in EXPORTS) + " | xlsx/csv |")
    print("|---|---:|" + "---:|" * len(EXPORTS) + "---:|")
    for row in results:
        cells = " | ".join(
            f"{row[label]['s']} s, {row[label]['kb']} KB, +{row[label]['peak_mb+']} MB" for label, _ in EXPORTS
        )
        print(f"| {row['query']} | {row['documents']} | {cells} | {row['xlsx/csv']} |")
    print(
        json.dumps(
            {"bench": "exports", "news_year": args.news_year, "repeat": args.repeat, "rows": results},
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
