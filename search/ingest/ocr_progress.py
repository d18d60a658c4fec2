"""OCR's progress during an indexing run: pages done of pages to do, and the time left.

OCR is the slow part of a run that has scans in it (~4 s a page, where a text file takes
milliseconds), and it happens in the worker processes.  Before they start, a pre-pass counts the
pages they will recognise: pdfium counts each PDF page's characters without laying them out
(milliseconds a page; a text PDF costs the pre-pass a fraction of what pdfminer then spends on it)
and the cache is asked about each page without text.  A per-file report as each scan is finished
would say nothing during a long scan and could give no estimate before the last file; the count
gives both from the start.  The workers add each page they recognise to a counter in shared
memory (``search.extract.ocr.start_counting``), which a thread here reads.
"""

from __future__ import annotations

import contextlib
import threading
import time
from collections.abc import Callable, Iterator, Sequence

from search.extract import ExtractOptions, suffix_of
from search.extract.images import IMAGE_SUFFIXES
from search.ingest.discover import SourceFile

SECONDS_PER_PAGE = 4.0  # measured on 2 cores (bench/ocr.py): the estimate before the first page is done
REPORT_EVERY = 10.0  # seconds between progress lines


def pages_to_recognise(todo: Sequence[SourceFile], options: ExtractOptions) -> int:
    """How many pages of the files to index need OCR (not in the cache): 0 when OCR is off."""
    if not options.ocr:
        return 0
    from search.extract.images import pages_to_recognise as image_pages
    from search.extract.pdf import pages_to_recognise as pdf_pages
    from search.ingest.prepare import read_file

    counters = {".pdf": pdf_pages, **dict.fromkeys(IMAGE_SUFFIXES, image_pages)}
    total = 0
    for source in todo:
        count = counters.get(suffix_of(source.file))
        if count is None:
            continue
        try:
            total += count(read_file(source.file)[0], options.ocr_cache)
        except (OSError, ValueError):  # reported when the worker reads it
            continue
    return total


@contextlib.contextmanager
def ocr_progress(
    todo: Sequence[SourceFile], options: ExtractOptions, status: Callable[[str], None] | None
) -> Iterator[None]:
    """While the block runs, a line on ``status`` every few seconds: ``ocr: 3/12 pages, about 36 s left``."""
    total = pages_to_recognise(todo, options) if status else 0
    if status is None or not total:
        yield
        return
    from search.extract import ocr

    counter = ocr.start_counting()
    status(
        f"ocr: {total} {'page' if total == 1 else 'pages'} without a text layer to recognise "
        f"(about {_duration(total * SECONDS_PER_PAGE)})"
    )
    started, stop = time.monotonic(), threading.Event()

    def report() -> None:
        nonlocal total
        while not stop.wait(REPORT_EVERY):
            done = counter.value
            total = max(total, done)  # pages the count could not foresee (text that proved garbage)
            status(f"ocr: {done}/{total} pages, about {_duration(_left(done, total, time.monotonic() - started))} left")

    reporter = threading.Thread(target=report, name="ocr-progress", daemon=True)
    reporter.start()
    try:
        yield
    finally:
        stop.set()
        reporter.join()
        ocr.stop_counting()
        done = counter.value
        elapsed = time.monotonic() - started
        status(f"ocr: {done} {'page' if done == 1 else 'pages'} recognised in {_duration(elapsed)}")


def _left(done: int, total: int, elapsed: float) -> float:
    """Seconds left: at the pace so far, or at the measured pace before the first page."""
    if done:
        return (total - done) * elapsed / done
    return max(total * SECONDS_PER_PAGE - elapsed, (total - 0.5) * SECONDS_PER_PAGE)  # the first page is under way


def _duration(seconds: float) -> str:
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    minutes, seconds = divmod(seconds, 60)
    if minutes < 60:
        return f"{minutes} min {seconds:02d} s"
    hours, minutes = divmod(minutes, 60)
    return f"{hours} h {minutes:02d} min"


def tracked(
    prepared: Iterator, todo: Sequence[SourceFile], options: ExtractOptions, status: Callable[[str], None] | None
) -> Iterator:
    """``prepared`` (the workers' results), with OCR's progress shown while it is read."""
    with ocr_progress(todo, options, status):
        yield from prepared
