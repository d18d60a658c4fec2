"""Hostile files through indexing: per file the time, the peak memory and the outcome; then the
whole folder through `search index`, which must finish in under 60 s with under 1 GB peak.

    python bench/hostile.py                 # builds the files in a temporary folder
    python bench/hostile.py --keep /tmp/h   # ... in /tmp/h, kept for a look

The files are the probe's kinds (issue 27): a 916 KB .docx of 300 MB of XML, one whose headers
understate its sizes, one of 30,000 members, a 300 KB PDF whose content stream inflates to
100 MB, a .txt of 600,000 lines, an .html of 100,000 nested <div>s (1 MB: flattened past
SEARCH_LIMIT_HTML_DEPTH and read), an .html of 100,001 tags (past SEARCH_LIMIT_HTML_TAGS), a .zip
bomb, and, as the baseline in the same run, a normal .txt and a normal .docx.
Each file is prepared alone (``search.engines.embedded.prepare.prepare``) in a forked child: wall time, the
child's peak RSS (``wait4``), and what became of it.  A child past the per-file limits
(``SEARCH_LIMIT_FILE_SECONDS``, ``SEARCH_LIMIT_FILE_MEMORY_MB``) is killed as the indexing
worker pool would kill it.  Then `search index --procs 2` runs over the folder, its process
tree's summed RSS sampled every 0.1 s, and `search index --procs 1` again into a new index (the
files are read in one worker there too, within the same limits).  Prints a table and one JSON line.
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import resource
import signal
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.extract.limits import current_limits
from search.ingest.discover import SourceFile
from search.meta import Taxonomy
from tests.hostile_files import (
    deeply_nested_html,
    docx_of_much_xml,
    html_of_many_tags,
    pdf_of_a_large_stream,
    text_of_many_lines,
    zip_lying_about_sizes,
    zip_of_many_members,
)

GOOD = "二七区报告\n\n二七区部署稳就业工作,推进老旧小区改造。\n" * 200


def _zip_bomb(path: Path) -> Path:
    """A .zip holding one 400 MB file of zeros (about 400 KB)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("zeros.txt", "w") as handle:
        block = b"0" * (1 << 20)
        for _ in range(400):
            handle.write(block)
    return path


def build(folder: Path) -> dict[str, str]:
    """The files, by name, with what each is."""
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "good.txt").write_text(GOOD, encoding="utf-8")
    docx_of_much_xml(folder / "good.docx", mb=1)
    made = {
        "good.txt": "baseline: a normal text file",
        "good.docx": "baseline: a 1 MB-of-XML .docx",
        "bomb.docx": "300 MB of XML in 916 KB",
    }
    docx_of_much_xml(folder / "bomb.docx")
    zip_lying_about_sizes(folder / "liar.docx")
    made["liar.docx"] = "headers say 1 KB, inflates to 300 MB"
    zip_of_many_members(folder / "members.docx")
    made["members.docx"] = "30,000 members"
    pdf_of_a_large_stream(folder / "stream.pdf")
    made["stream.pdf"] = "content stream inflating to 100 MB"
    text_of_many_lines(folder / "lines.txt")
    made["lines.txt"] = "600,000 lines"
    deeply_nested_html(folder / "nested.html")
    made["nested.html"] = "100,000 nested <div>s (1 MB)"
    html_of_many_tags(folder / "tags.html")
    made["tags.html"] = "100,001 <b> tags (1.3 MB)"
    _zip_bomb(folder / "bomb.zip")
    made["bomb.zip"] = "400 MB of zeros zipped"
    return made


def prepare_alone(path: Path, taxonomy: Taxonomy) -> dict:
    """Prepare one file in a forked child, killed past the per-file limits: seconds, peak MB, outcome."""
    from search.engines.embedded.prepare import prepare

    limits = current_limits()
    reader, writer = os.pipe()
    started = time.monotonic()
    pid = os.fork()
    if pid == 0:
        os.close(reader)
        try:
            prepared = prepare(SourceFile(str(path), path.name, (), str(path.parent)), taxonomy)
            outcome = (
                f"skipped: {prepared.skipped}" if prepared.skipped else f"indexed: {len(prepared.documents)} documents"
            )
        except BaseException as exc:  # noqa: BLE001 - reported, as a crash of the worker would be
            outcome = f"crashed: {type(exc).__name__}: {exc}"
        os.write(writer, pickle.dumps(outcome))
        os._exit(0)
    os.close(writer)
    killed = None
    while True:
        done, status, usage = os.wait4(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() - started > limits.file_seconds:
            killed = f"killed: longer than {limits.file_seconds:g} s"
            os.kill(pid, signal.SIGKILL)
        elif _rss_mb(pid) > limits.file_memory_mb:
            killed = f"killed: more than {limits.file_memory_mb} MB"
            os.kill(pid, signal.SIGKILL)
        time.sleep(0.02)
    seconds = time.monotonic() - started
    with os.fdopen(reader, "rb") as handle:
        data = handle.read()
    outcome = killed or (pickle.loads(data) if data else f"died: status {status}")
    return {
        "file": path.name,
        "seconds": round(seconds, 3),
        "peak_mb": round(usage.ru_maxrss / 1024, 1),
        "outcome": outcome,
    }


def _rss_mb(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/statm", "rb") as handle:
            return int(handle.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / (1 << 20)
    except (OSError, ValueError, IndexError):
        return 0.0


def _tree_rss_mb(root: int) -> float:
    """The summed RSS of ``root`` and its descendants."""
    children: dict[int, list[int]] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", "rb") as handle:
                    parent = int(handle.read().rsplit(b")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
            children.setdefault(parent, []).append(int(entry))
    total, todo = 0.0, [root]
    while todo:
        pid = todo.pop()
        total += _rss_mb(pid)
        todo.extend(children.get(pid, ()))
    return total


def index_folder(folder: Path, index_dir: Path, procs: int = 2) -> dict:
    """`search index --procs N` over the folder: seconds, the tree's peak summed RSS, exit status, warnings."""
    command = [
        sys.executable,
        "-m",
        "search.cli.main",
        "index",
        str(folder),
        "--index",
        str(index_dir),
        "--procs",
        str(procs),
        "-q",
    ]
    started = time.monotonic()
    process = subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    peak = 0.0
    while process.poll() is None:
        peak = max(peak, _tree_rss_mb(process.pid))
        time.sleep(0.1)
    out, err = process.communicate()
    seconds = time.monotonic() - started
    largest = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "seconds": round(seconds, 2),
        "tree_peak_mb": round(peak, 1),
        "largest_process_mb": round(largest, 1),
        "exit": process.returncode,
        "summary": out.strip(),
        "warnings": err.strip().splitlines(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--keep", type=Path, help="build the files here and keep them")
    args = parser.parse_args()
    work = args.keep or Path(tempfile.mkdtemp(prefix="hostile-"))
    folder = work / "files"
    made = build(folder)
    taxonomy = Taxonomy.load()
    rows = [prepare_alone(folder / name, taxonomy) for name in made]
    baseline = next(r for r in rows if r["file"] == "good.docx")
    print(f"{'file':<14} {'size':>9} {'seconds':>8} {'× good.docx':>11} {'peak MB':>8}  outcome")
    for row in rows:
        size = (folder / row["file"]).stat().st_size
        ratio = row["seconds"] / baseline["seconds"] if baseline["seconds"] else 0
        print(
            f"{row['file']:<14} {size / 1024:>7.0f}KB {row['seconds']:>8.2f} {ratio:>11.1f} {row['peak_mb']:>8.0f}  "
            f"{row['outcome']}  ({made[row['file']]})"
        )
    whole = index_folder(folder, work / "ix")
    single = index_folder(folder, work / "ix1", procs=1)
    met = all(run["seconds"] < 60 and run["tree_peak_mb"] < 1024 for run in (whole, single))
    for procs, run in ((2, whole), (1, single)):
        print(
            f"\nsearch index --procs {procs} over the folder: {run['seconds']:.1f} s, peak {run['tree_peak_mb']:.0f} MB "
            f"(all its processes; the largest process of the bench so far {run['largest_process_mb']:.0f} MB), "
            f"exit {run['exit']}"
        )
        print(run["summary"])
        for line in run["warnings"]:
            print("  " + line)
    print(f"\ntarget (each run < 60 s, < 1024 MB): {'met' if met else 'NOT met'}")
    print(
        json.dumps(
            {
                "files": rows,
                "index": whole,
                "index_procs_1": single,
                "target_met": met,
                "limits": current_limits().__dict__,
            },
            ensure_ascii=False,
        )
    )


if __name__ == "__main__":
    main()
