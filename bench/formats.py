"""Every format an office keeps, through the real indexing command: what is indexed with good text, what is
skipped (and whether the reason is right), what is silently ignored, and how long reading takes.

    python bench/formats.py                 # 4 files a format, built into bench/out/formats/
    python bench/formats.py --per-format 8 --real /tmp/tika   # plus a folder of real files (reference: LibreOffice)

The folder is built here from the government reports in bench/data/government_report_rag (each file a
different excerpt; a fixed text where the corpus is missing): .txt/.md/.html/.shtml/.xhtml/.mhtml, .docx
(python-docx) and, converted by LibreOffice, .doc/.dot/.wps/.rtf/.odt/.epub, .xlsx/.xls/.et/.ods,
.pptx/.ppt/.dps/.odp; .pdf with a text layer and scanned (its page rendered to an image), .ofd (zip of
XML), .eml (GBK body, a .docx attachment), .zip (a GBK member name); and broken kinds each with the
reason expected (encrypted, truncated, empty, zip bomb, unsupported). Then ``search index FOLDER --index
TMP`` runs once over it; its ``warning:`` lines and the index's stored documents are compared with what
the script put in. Good text: >= 95% of the reference's characters (a multiset, NFKC, whitespace left
out). Silently ignored: a file neither indexed nor named in a warning (must be 0). Read s/file: the
median time of the format's reader in this process (the indexing run's own time is per run, in the
summary). OCR: character accuracy (1 - edit distance / length) of the scanned PDFs' documents whose
text_source is ocr, and the scanned PDF's read seconds (one page each). One JSON line at the end.
"""

from __future__ import annotations

import argparse
import collections
import json
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
import unicodedata
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from bench.format_corpus import REPORTS, build
from scripts.make_office_fixtures import soffice_convert

GOOD = 0.95


# -- measuring ---------------------------------------------------------------------------------------


def fold(text: str) -> collections.Counter:
    return collections.Counter(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())


def coverage(reference: str, text: str) -> float:
    want = fold(reference)
    return sum((want & fold(text)).values()) / max(1, sum(want.values()))


def char_accuracy(reference: str, text: str) -> float:
    """1 - Levenshtein distance / reference length, on whitespace-free NFKC text."""
    a = "".join(c for c in unicodedata.normalize("NFKC", reference) if not c.isspace())
    b = "".join(c for c in unicodedata.normalize("NFKC", text) if not c.isspace())
    row = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        previous, row[0] = row[0], i
        for j, cb in enumerate(b, 1):
            previous, row[j] = row[j], min(row[j] + 1, row[j - 1] + 1, previous + (ca != cb))
    return max(0.0, 1 - row[len(b)] / max(1, len(a)))


def run_index(folder: Path, index: Path) -> tuple[list[str], float, str]:
    """``search index FOLDER --index INDEX``: its warning lines, wall seconds and summary line."""
    started = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "search.cli.main", "index", str(folder), "--index", str(index), "-q", "--procs", "2"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    seconds = time.perf_counter() - started
    warnings = [line[len("warning: ") :] for line in done.stderr.splitlines() if line.startswith("warning: ")]
    if done.returncode not in (0, 3):
        raise SystemExit(f"search index failed ({done.returncode}): {done.stderr[-2000:]}")
    return warnings, seconds, done.stdout.strip().splitlines()[0] if done.stdout.strip() else ""


def indexed_documents(index: Path) -> dict[str, list[dict]]:
    """The index's stored documents, by the file they came from (an archive's members under the archive)."""
    from search.engines.embedded.archive import open_index

    found: dict[str, list[dict]] = collections.defaultdict(list)
    with open_index(index).searcher() as searcher:
        for fields in searcher.all_stored_fields():
            source = fields.get("source") or fields.get("path") or ""
            found[source].append(fields)
    return found


def read_seconds(folder: Path, manifest) -> dict[str, list[float]]:
    """Each file's reader time in this process, by format."""
    from search.extract import Unreadable, extract

    times: dict[str, list[float]] = collections.defaultdict(list)
    for name, (label, _, _) in manifest.items():
        data = (folder / name).read_bytes()
        started = time.perf_counter()
        try:
            extract(name, data)
        except Unreadable:
            pass
        times[label].append(time.perf_counter() - started)
    return times


def measure(folder: Path, manifest, index: Path) -> dict:
    warnings, index_seconds, summary = run_index(folder, index)
    documents = indexed_documents(index)
    warned = {}
    for line in warnings:
        name, _, reason = line.partition(": skipped, ")
        warned[name.split(": ")[0]] = reason or line
    times = read_seconds(folder, manifest)
    rows: dict[str, dict] = {}
    ocr = {"pages": 0, "accuracy": []}
    for name, (label, reference, expected) in sorted(manifest.items()):
        row = rows.setdefault(
            label,
            {
                "files": 0,
                "good": 0,
                "partial": 0,
                "skipped_right": 0,
                "skipped_wrong": 0,
                "silent": 0,
                "reasons": collections.Counter(),
            },
        )
        row["files"] += 1
        docs = [d for source, ds in documents.items() if source == name or source.startswith(name + "/") for d in ds]
        # The indexer takes a title line out of the body: it is still the file's text.
        text = "\n".join(f"{d.get('title') or ''}\n{d.get('text', '')}" for d in docs)
        if docs and reference is not None:
            share = coverage(reference, text)
            row["good" if share >= GOOD else "partial"] += 1
            # A scan's text can only be OCR's; the stored text_source (or an "ocr" encoding) says so for the rest.
            if label == "pdf (scanned)" or any(
                d.get("text_source") == "ocr" or "ocr" in (d.get("encoding") or "") for d in docs
            ):
                ocr["accuracy"].append(char_accuracy(reference, text))
                ocr["pages"] += 1
        elif docs:  # a broken file that was indexed anyway
            row["skipped_wrong"] += 1
        elif name in warned:
            right = expected is not None and expected in warned[name]
            row["skipped_right" if right else "skipped_wrong"] += 1
            row["reasons"][warned[name][:60]] += 1
        else:
            row["silent"] += 1
    for label, row in rows.items():
        # The median: a format's first file also pays for importing its reader (lxml, calamine, ...).
        row["read_s_per_file"] = statistics.median(times[label]) if times[label] else 0.0
        row["reasons"] = dict(row["reasons"])
    return {"rows": rows, "index_seconds": index_seconds, "summary": summary, "warnings": len(warnings), "ocr": ocr}


def real_files(folder: Path, out: Path, manifest) -> None:
    """Add a folder of real files, each referenced by LibreOffice's text of it (files LibreOffice can't read: no reference)."""
    from search.extract import READERS

    picked = [p for p in sorted(folder.iterdir()) if p.is_file() and p.suffix.lower() in READERS]
    target = out / "real"
    target.mkdir(exist_ok=True)
    for path in picked:
        shutil.copy(path, target / path.name)
    references = out.parent / "formats-real-txt"
    shutil.rmtree(references, ignore_errors=True)
    soffice_convert([target / p.name for p in picked], "txt:Text (encoded):UTF8", references)
    for path in picked:
        txt = references / (path.stem + ".txt")
        text = txt.read_text("utf-8-sig", errors="replace") if txt.exists() else ""
        if text.strip():  # a file LibreOffice cannot read either has no reference to judge by
            manifest[f"real/{path.name}"] = (f"real {path.suffix.lower()}", text, None)
        else:
            (target / path.name).unlink()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--per-format", type=int, default=4, help="generated files a format")
    parser.add_argument("--out", type=Path, default=BENCH / "out" / "formats")
    parser.add_argument("--reports", type=Path, default=REPORTS, help="the government reports the texts come from")
    parser.add_argument("--real", type=Path, help="a folder of real office files to add (reference: LibreOffice)")
    args = parser.parse_args()
    started = time.perf_counter()
    manifest = build(args.out, args.per_format, args.reports)
    if args.real:
        real_files(args.real, args.out, manifest)
    build_seconds = time.perf_counter() - started
    with tempfile.TemporaryDirectory(prefix="formats-index-") as index:
        result = measure(args.out, manifest, Path(index) / "idx")
    rows = result["rows"]
    print(
        f"{len(manifest)} files built in {build_seconds:.1f} s; `search index` took {result['index_seconds']:.1f} s "
        f"({result['index_seconds'] / max(1, len(manifest)):.3f} s/file); {result['summary']}"
    )
    print(
        f"{'format':16} {'files':>5} {'good':>5} {'partial':>7} {'skip ok':>7} {'skip bad':>8} {'silent':>6} {'read s/file':>11}"
    )
    for label, row in sorted(rows.items()):
        print(
            f"{label:16} {row['files']:5} {row['good']:5} {row['partial']:7} {row['skipped_right']:7} "
            f"{row['skipped_wrong']:8} {row['silent']:6} {row['read_s_per_file']:11.4f}"
        )
    for label, row in sorted(rows.items()):
        for reason, count in row["reasons"].items():
            print(f"  {label}: {count} x {reason}")
    ocr = result["ocr"]
    accuracy = sum(ocr["accuracy"]) / len(ocr["accuracy"]) if ocr["accuracy"] else None
    scanned = rows.get("pdf (scanned)", {}).get("read_s_per_file")
    print(
        "OCR: "
        + (
            f"{accuracy:.1%} character accuracy over {ocr['pages']} scanned PDFs; {scanned:.1f} s a file"
            if accuracy is not None
            else "no OCR'd document in the index (no text_source=ocr)"
        )
    )
    silent = sum(row["silent"] for row in rows.values())
    print(
        json.dumps(
            {
                "bench": "formats",
                "files": len(manifest),
                "silent": silent,
                "good": sum(r["good"] for r in rows.values()),
                "partial": sum(r["partial"] for r in rows.values()),
                "skipped_right": sum(r["skipped_right"] for r in rows.values()),
                "skipped_wrong": sum(r["skipped_wrong"] for r in rows.values()),
                "index_seconds": round(result["index_seconds"], 2),
                "ocr_accuracy": accuracy,
                "ocr_s_per_file": scanned,
                "formats": {
                    label: {k: (round(v, 4) if isinstance(v, float) else v) for k, v in row.items() if k != "reasons"}
                    for label, row in sorted(rows.items())
                },
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
