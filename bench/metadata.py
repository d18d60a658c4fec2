"""Metadata accuracy: dates and places extracted with and without the corpora's manifests.

    python bench/metadata.py                 # 118 reports + 2,000 news transcripts (seed 9)
    python bench/metadata.py --news 5000 --seed 1

Each corpus is copied (paths kept) into bench/out/metadata/, once with its manifest and once
without, and indexed for real with ``search index``'s code; the stored values are then compared
with the manifests' (the truth):

- date: **exact** (equal at the truth's precision: a report of 2025 dated 2025-01-20 is exact),
  **coarser** but right (2020-07 for 2020-07-18), **missing**, **wrong**; also the share whose
  year is right, whose year is wrong, and the documents dated after their true date's year;
- place: **right**, **missing**, **wrong**; a news transcript's manifest names a region only when
  the story names a province, so news without one is not judged (``unjudged``).

The news files are also indexed renamed (``00000.txt`` …, no manifest): what the text alone gives
(row ``news no-names``; no target).

Precision (issue 22, "facets you can trust"), a second and third table:

- on the full corpus (an index of bench/data given by ``--full-index``; skipped without one): the
  share of documents with an issuer, and of distinct issuer values, that the organ grammar accepts
  (each organ of a joint issuer), and the same for 文号 and the 文号 grammar; the share of
  documents without a place;
- on the 118 reports (indexed without their manifests): issuer and place precision (right / found)
  and recall (right / judged); the truth issuer follows from the manifest (a national 政府工作报告 is
  国务院's, a province's its 人民政府's, a 决议 its session's, a party congress report the outgoing
  中央委员会's);
- on the news (without the manifest): the share of items with a place, and its precision against
  the manifest's region where the manifest names one (a place inside the region is right:
  安阳市 for 河南); and how many items took an issuer from their headline (target 0).

Targets: issuer and 文号 values 100% grammatical; place precision >= 98% on the reports and on the
news the manifest places; no news issuer from a headline.

    python bench/metadata.py --full-index /tmp/full-index    # with the full-corpus table

Prints the tables and one JSON line.
"""

from __future__ import annotations

import argparse
import csv
import json
import random
import shutil
import sys
import time
from collections import Counter
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
sys.path.insert(0, str(Path(__file__).resolve().parent))

from corpus import OUT, news_folder, report_folders
from metadata_precision import full_corpus, full_table, news_issuers, precision_table, report_precision

from search.engines.embedded.archive import Archive
from search.engines.embedded.commit import index_paths
from search.meta import PartialDate, canonical_district
from search.meta.places import place_path

WORK = OUT / "metadata"


def manifest_rows(path: Path) -> list[dict[str, str]]:
    with path.open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE))


def true_place(region: str) -> str | None:
    """The manifest's region as a gazetteer name: ``全国/中华人民共和国`` -> 全国; empty -> None."""
    first = (region or "").split("/")[0].split(",")[0].strip()
    return canonical_district(first) or first or None


def copy_corpus(files: list[tuple[Path, str]], target: Path, rows: list[dict[str, str]] | None) -> None:
    """Copy (source file, relative path) pairs under ``target``; write a manifest of ``rows`` if given."""
    if target.exists():
        shutil.rmtree(target)
    for source, relative in files:
        destination = target / relative
        destination.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(source, destination)
    if rows is not None:
        header = list(rows[0])
        with (target / "manifest.tsv").open("w", encoding="utf-8", newline="") as handle:
            writer = csv.DictWriter(handle, header, delimiter="\t", quoting=csv.QUOTE_NONE, escapechar="\\")
            writer.writeheader()
            writer.writerows(rows)


def reports() -> tuple[list[tuple[Path, str]], dict[str, tuple[PartialDate, str]], list[dict[str, str]]]:
    files, truth, rows = [], {}, []
    for folder in report_folders():
        for row in manifest_rows(folder / "manifest.tsv"):
            relative = f"{folder.name}/{row['filename']}"
            files.append((folder / row["filename"], relative))
            truth[relative] = (PartialDate.parse(row["date_or_year"]), true_place(row["region"]))
            rows.append({**row, "filename": relative})
    return files, truth, rows


def news(
    count: int, seed: int
) -> tuple[list[tuple[Path, str]], dict[str, tuple[PartialDate, str]], list[dict[str, str]]]:
    folder = news_folder()
    every = manifest_rows(folder / "manifest.tsv")
    sample = sorted(random.Random(seed).sample(every, count), key=lambda row: row["filename"])
    files = [(folder / row["filename"], row["filename"]) for row in sample]
    truth = {row["filename"]: (PartialDate.parse(row["date"]), true_place(row["region"])) for row in sample}
    return files, truth, sample


def extracted(index_dir: Path) -> dict[str, list[tuple[str | None, str | None, dict]]]:
    """source path -> [(published, district, other fields)] of its documents, read from the index."""
    snapshot = Archive(index_dir).snapshot()
    found: dict[str, list] = {}
    for n in sorted(snapshot.live):
        document = snapshot.document(n)
        extra = {
            name: getattr(snapshot, name)[n]
            for name in ("date_source", "district_source", "issuer", "doc_number")
            if hasattr(snapshot, name)
        }
        found.setdefault(document.source, []).append((snapshot.published[n], snapshot.district[n], extra))
    snapshot.close()
    return found


def date_class(found: str | None, truth: PartialDate) -> str:
    if not found:
        return "missing"
    value = PartialDate.parse(found)
    if value is None:
        return "wrong"
    if truth.covers(value):
        return "exact"  # as precise as the truth or more, and within it
    if value.covers(truth):
        return "coarser"
    return "wrong"


def score(found: dict, truth: dict) -> dict:
    dates, places = Counter(), Counter()
    year_right = year_wrong = after_year = 0
    documents = 0
    examples: dict[str, list[str]] = {"date": [], "place": []}
    for source, (true_date, true_district) in truth.items():
        for published, district, _extra in found.get(source, [(None, None, {})]):
            documents += 1
            kind = date_class(published, true_date)
            dates[kind] += 1
            value = PartialDate.parse(published) if published else None
            if value is not None:
                if value.year == true_date.year:
                    year_right += 1
                else:
                    year_wrong += 1
                if value.year > true_date.year:
                    after_year += 1
            if kind == "wrong" and len(examples["date"]) < 8:
                examples["date"].append(f"{source}: {published} (true {true_date})")
            if true_district is None:
                place = "unjudged"
            else:
                # A place inside the true one is right (安阳市 for 河南): the manifest names provinces.
                place = "missing" if not district else "right" if true_district in place_path(district) else "wrong"
            places[place] += 1
            if place == "wrong" and len(examples["place"]) < 8:
                examples["place"].append(f"{source}: {district} (true {true_district})")
    share = lambda n: round(n / documents, 4) if documents else 0.0  # noqa: E731
    return {
        "documents": documents,
        "date": {k: dates[k] for k in ("exact", "coarser", "missing", "wrong")},
        "place": {k: places[k] for k in ("right", "missing", "wrong", "unjudged")},
        "exact_share": share(dates["exact"]),
        "year_right_share": share(year_right),
        "year_wrong_share": share(year_wrong),
        "after_true_year": after_year,
        "place_right_share": round(places["right"] / judged, 4) if (judged := documents - places["unjudged"]) else 0.0,
        "examples": examples,
    }


def run(name: str, files, truth, rows, with_manifest: bool, keep: dict | None = None) -> dict:
    label = "with" if with_manifest else "without"
    folder = WORK / f"{name}-{label}" / name
    index_dir = WORK / f"{name}-{label}-index"
    copy_corpus(files, folder, rows if with_manifest else None)
    if index_dir.exists():
        shutil.rmtree(index_dir)
    started = time.perf_counter()
    index_paths([folder], index_dir, procs=2)
    found = extracted(index_dir)
    if keep is not None:
        keep[f"{name}/{label}"] = found
    result = score(found, truth)
    result["index_s"] = round(time.perf_counter() - started, 1)
    return result


def table(results: dict) -> str:
    header = (
        f"{'corpus':<8} {'manifest':<8} {'docs':>5}  {'exact':>6} {'coarser':>7} {'missing':>7} {'wrong':>6}"
        f"  {'year ok':>7} {'yr wrong':>8} {'after':>5}  {'place ok':>8} {'missing':>7} {'wrong':>6} {'unjudged':>8}"
    )
    lines = [header, "-" * len(header)]
    for key, r in results.items():
        corpus, label = key.split("/")  # label: with/without the manifest, or no-names (no manifest, no file names)
        d, p = r["date"], r["place"]
        lines.append(
            f"{corpus:<8} {label:<8} {r['documents']:>5}  {d['exact']:>6} {d['coarser']:>7} {d['missing']:>7} {d['wrong']:>6}"
            f"  {r['year_right_share']:>7.1%} {r['year_wrong_share']:>8.1%} {r['after_true_year']:>5}"
            f"  {r['place_right_share']:>8.1%} {p['missing']:>7} {p['wrong']:>6} {p['unjudged']:>8}"
        )
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--news", type=int, default=2000, help="news transcripts sampled (default 2000)")
    parser.add_argument("--seed", type=int, default=9, help="sampling seed (default 9)")
    parser.add_argument("--examples", action="store_true", help="list a few wrong values per corpus")
    parser.add_argument(
        "--full-index", type=Path, help="an index of the whole of bench/data, for the full-corpus table"
    )
    args = parser.parse_args()
    corpora = {"reports": reports(), "news": news(args.news, args.seed)}
    results = {}
    kept: dict = {}
    for name, (files, truth, rows) in corpora.items():
        for with_manifest in (False, True):
            results[f"{name}/{'with' if with_manifest else 'without'}"] = run(
                name, files, truth, rows, with_manifest, kept
            )
    # What the text alone gives: the same news files renamed 00000.txt … in one folder.
    files, truth, _ = corpora["news"]
    renamed = {relative: f"{n:05d}.txt" for n, (_, relative) in enumerate(files)}
    results["news/no-names"] = run(
        "news-flat",
        [(path, renamed[relative]) for path, relative in files],
        {renamed[k]: v for k, v in truth.items()},
        None,
        with_manifest=False,
    )
    print(table(results))
    precision = report_precision(
        kept["reports/without"], corpora["reports"][2], kept["news/without"], corpora["news"][2]
    )
    precision["news_issuers_from_headlines"] = news_issuers(corpora["news"][0])
    print()
    print(precision_table(precision))
    full = full_corpus(args.full_index) if args.full_index else None
    if full:
        print()
        print(full_table(full))
    if args.examples:
        for line in precision["examples"]:
            print(f"  precision: {line}")
        for key, r in results.items():
            for kind, lines in r["examples"].items():
                for line in lines:
                    print(f"  {key} wrong {kind}: {line}")
    targets = {
        "reports_year_right_without_manifest": results["reports/without"]["year_right_share"] >= 0.97,
        "reports_place_right_without_manifest": results["reports/without"]["place_right_share"] >= 0.95,
        "news_exact_day_without_manifest": results["news/without"]["exact_share"] >= 0.98,
        "news_wrong_year_without_manifest": results["news/without"]["year_wrong_share"] <= 0.01,
        "none_after_true_year": all(r["after_true_year"] == 0 for r in results.values()),
        "reports_place_precision": precision["reports"]["place"]["precision"] >= 0.98,
        "news_place_precision": precision["news"]["place_precision"] >= 0.98,
        "no_news_issuer_from_headline": precision["news_issuers_from_headlines"]["from_headline"] == 0,
        "reports_issuer_values_grammatical": precision["reports"]["issuer"]["grammatical_share"] == 1.0,
        **(
            {
                "issuer_values_grammatical": full["issuer"]["value_share"] == 1.0,
                "doc_number_values_grammatical": full["doc_number"]["value_share"] == 1.0,
            }
            if full
            else {}
        ),
    }
    print("targets: " + ", ".join(f"{k} {'met' if ok else 'MISSED'}" for k, ok in targets.items()))
    summary = {key: {k: v for k, v in r.items() if k != "examples"} for key, r in results.items()}
    print(
        json.dumps(
            {
                "bench": "metadata",
                "news_sample": args.news,
                "seed": args.seed,
                "results": summary,
                "precision": {k: v for k, v in precision.items() if k != "examples"},
                "full_corpus": full,
                "targets": targets,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
