"""``/saved`` with 20 saved queries of common phrases: counting "new since" by ids (before) and by entry generation (now).

    python bench/saved_queries.py                      # news 2020-2021, then January 2022 added
    python bench/saved_queries.py --years 2019 2020 2021 --repeat 5

Both ways run in this one process over the same index (built once into the
git-ignored bench/out/saved/ from hard links into bench/data/xwlb):

- before: each view stores the ids of every match (``matching_ids``: one stored
  document read per match, then a JSON list written); each ``/saved`` re-runs
  every query, reads every match's stored fields for its id and subtracts the
  stored list (what ``web/saved_views.py`` did);
- now: a view stores the snapshot's generation; ``/saved`` counts each query's
  result set against the ``entered`` column (``SavedQueries.count``).

The queries are viewed at the base generation; then a month of news is
indexed, so every count has new documents.  The counts of both ways must agree
(the script stops otherwise).  "cold" is a fresh snapshot (a CLI's `search
saved list`, a server's first request on a generation, its columns unread);
"warm" is the same snapshot again (a server).  The page row is the whole
``/saved`` page through Flask's test client, with a count of stored-document
reads.  Ends with one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

BENCH = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCH.parent))
sys.path.insert(0, str(BENCH))

from corpus import OUT, news_folder

from search.engines.embedded.archive import Archive, Snapshot, read_schema_version
from search.engines.embedded.commit import index_paths
from search.engines.embedded.run import matching_ids
from search.ingest.identity import SCHEMA_VERSION
from search.query import SearchRequest
from search.saved.store import SavedQueries

PHRASES = (
    "发展",
    "中国",
    "会议",
    "经济",
    "合作",
    "人民",
    "国家",
    "建设",
    "工作",
    "记者",
    "总书记",
    "全国",
    "改革",
    "创新",
    "企业",
    "社会",
    "国际",
    "主席",
    "习近平",
    "疫情",
)
WORK = OUT / "saved"


def link_tree(source: Path, target: Path, match: str = "") -> int:
    """Hard links (copies across file systems) of ``source``'s files whose name starts with ``match``."""
    target.mkdir(parents=True, exist_ok=True)
    count = 0
    for path in sorted(source.iterdir()):
        if path.name.startswith(match) and path.suffix == ".txt":
            destination = target / path.name
            if not destination.exists():
                try:
                    os.link(path, destination)
                except OSError:
                    shutil.copy2(path, destination)
            count += 1
    return count


def build(years: list[str], added_month: str) -> tuple[Path, Path, dict]:
    """The base index (built once) and a copy of it with ``added_month`` indexed on top."""
    news = news_folder()
    tag = "-".join(years)
    archive, base = WORK / f"archive-{tag}", WORK / f"index-{tag}"
    built = {}
    if read_schema_version(base) != SCHEMA_VERSION or not (WORK / f"{tag}.complete").exists():
        shutil.rmtree(base, ignore_errors=True)
        for year in years:
            link_tree(news / year, archive / year)
        started = time.perf_counter()
        report = index_paths([archive], base, rebuild=True, procs=2)
        built["base_seconds"] = round(time.perf_counter() - started, 1)
        (WORK / f"{tag}.complete").touch()
        print(f"built {base}: {report.summary}", file=sys.stderr)
    later = WORK / f"index-{tag}+{added_month}"
    shutil.rmtree(later, ignore_errors=True)
    shutil.copytree(base, later)
    return archive, later, built


def median_ms(runs: list[float]) -> float:
    return round(statistics.median(runs) * 1000, 1)


def fresh_snapshot(index_dir: Path) -> Snapshot:
    return Archive(index_dir).snapshot()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--years", nargs="+", default=["2020", "2021"])
    parser.add_argument("--added", default="202201", help="the month of news indexed after the views (YYYYMM)")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    load = os.getloadavg()[0]
    archive, index_dir, built = build(args.years, args.added)
    requests = [SearchRequest(q=phrase) for phrase in PHRASES]

    # -- views at the base generation ----------------------------------------------------------
    with tempfile.TemporaryDirectory() as tmp:
        store = SavedQueries(Path(tmp) / "saved.sqlite3")
        saved = [store.add(phrase, request) for phrase, request in zip(PHRASES, requests)]
        base = fresh_snapshot(index_dir)
        seen: dict[str, set[str]] = {}
        view_before, view_now = [], []
        for _ in range(args.repeat):
            snapshot = fresh_snapshot(index_dir)
            started = time.perf_counter()
            for s in saved:  # the old view: every match's id, stored as JSON
                seen[s.slug] = matching_ids(snapshot, s.request)
                store._run(
                    "UPDATE saved_query SET seen_ids = ? WHERE slug = ?", (json.dumps(sorted(seen[s.slug])), s.slug)
                )
            view_before.append(time.perf_counter() - started)
            snapshot.close()
            started = time.perf_counter()
            for s in saved:
                store.mark_viewed(s.slug, base.generation)
            view_now.append(time.perf_counter() - started)
        stored_bytes = sum(len(json.dumps(sorted(ids))) for ids in seen.values())
        saved = [store.get(s.slug) for s in saved]

        added = link_tree(news_folder() / args.added[:4], archive / f"{args.added[:4]}-new", match=args.added)
        index_paths([archive], index_dir, procs=2)

        # -- /saved counts after the new month ------------------------------------------------------
        timings: dict[str, list[float]] = {"before_cold": [], "now_cold": [], "before_warm": [], "now_warm": []}
        counts_before = counts_now = None
        for _ in range(args.repeat):
            for way in ("before", "now"):
                snapshot = fresh_snapshot(index_dir)
                for temperature in ("cold", "warm"):
                    started = time.perf_counter()
                    if way == "before":
                        counts = []
                        for s in saved:
                            ids = matching_ids(snapshot, s.request)
                            counts.append((len(ids), len(ids - seen[s.slug])))
                        counts_before = counts
                    else:
                        counts_now = [(c.total, c.new) for c in (store.count(snapshot, s) for s in saved)]
                    timings[f"{way}_{temperature}"].append(time.perf_counter() - started)
                snapshot.close()
        if counts_before != counts_now:
            raise SystemExit(f"error: the two ways disagree:\n{counts_before}\n{counts_now}")

        # -- the whole page, now ---------------------------------------------------------------------
        from web import create_app

        app = create_app(
            {
                "INDEX_DIR": str(index_dir),
                "SAVED_DB": str(Path(tmp) / "saved.sqlite3"),
                "TESTING": True,
                "USERS_DB": str(Path(tmp) / "users.sqlite3"),
                "AUDIT_LOG": str(Path(tmp) / "audit.log"),
            }
        )
        client = app.test_client()
        reads = []
        original = Snapshot.document
        Snapshot.document = lambda self, n: reads.append(n) or original(self, n)
        page = []
        for _ in range(args.repeat + 1):
            started = time.perf_counter()
            response = client.get("/saved")
            page.append(time.perf_counter() - started)
            assert response.status_code == 200
        Snapshot.document = original

    documents = len(fresh_snapshot(index_dir).live)
    rows = [
        ("view 20 queries", median_ms(view_before), median_ms(view_now)),
        ("/saved counts, cold snapshot", median_ms(timings["before_cold"]), median_ms(timings["now_cold"])),
        ("/saved counts, warm snapshot", median_ms(timings["before_warm"]), median_ms(timings["now_warm"])),
    ]
    total_matches = sum(t for t, _ in counts_now)
    new_matches = sum(n for _, n in counts_now)
    print(
        f"index: news {' '.join(args.years)} + {args.added} ({added} files): {documents} documents; "
        f"20 queries match {total_matches} in all, {new_matches} new; load {load:.1f}"
    )
    print(f"{'':32} {'before ms':>10} {'now ms':>10} {'now/before':>11}")
    for label, before, now in rows:
        print(f"{label:32} {before:>10.1f} {now:>10.1f} {now / before if before else 0:>11.4f}")
    print(f"{'stored per view (bytes, 20)':32} {stored_bytes:>10} {20 * 8:>10}")
    print(
        f"{'/saved page now (first, median)':32} {'':>10} {page[0] * 1000:>10.1f} "
        f"(median of the rest {median_ms(page[1:])} ms; {len(reads)} stored documents read)"
    )
    print(
        json.dumps(
            {
                "bench": "saved_queries",
                "documents": documents,
                "matches": total_matches,
                "new": new_matches,
                "load": round(load, 1),
                **built,
                **{
                    label.replace(" ", "_").replace("/", "").replace(",", ""): {"before_ms": b, "now_ms": n}
                    for label, b, n in rows
                },
                "stored_bytes": {"before": stored_bytes, "now": 20 * 8},
                "page_ms": {"first": round(page[0] * 1000, 1), "median": median_ms(page[1:])},
                "page_document_reads": len(reads),
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
