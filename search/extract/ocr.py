"""Text recognised in a page image (OCR), and a cache of it keyed by the page's content.

The engine is RapidOCR (PaddleOCR's models run by onnxruntime; the models ship in the wheel, so
nothing is downloaded at run time).  Measured on 200-dpi scans of Chinese reports
(``bench/ocr.py``): about 99% of characters right on a clean page and 98% on a noisy one, about
4 s a page on 2 cores, where tesseract's chi_sim gave 97% and 74%.

The model is loaded once a process (a worker that reads several scans pays ~0.5 s once).  A page
recognised once is never recognised again: its text is kept in a small file named by a hash of
the page's content (``page_key``), under the index's ``ocr-cache/``, so a re-index, a rebuild or
a moved archive reads it back.  Files are written to a temporary name and renamed, so worker
processes writing the same page at once each leave a whole file.

Indexing counts the pages recognised (``start_counting``: a counter in shared memory that forked
workers inherit) to show progress while the workers read.
"""

from __future__ import annotations

import hashlib
import io
import multiprocessing
import os
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path

ENGINE = "rapidocr-onnxruntime 1.4.4"
RENDER_DPI = 200  # the resolution the accuracy above was measured at
# Part of every cache key: another engine or resolution recognises a page anew.
KEY_PREFIX = f"{ENGINE}|{RENDER_DPI}dpi|".encode()
# Boxes on one line overlap vertically by at least this share of the lower box's height.
SAME_LINE_OVERLAP = 0.5
MIN_SCORE = 0.5  # below this rapidocr's recognition is mostly noise (specks read as 一 or 、)

_engine = None  # RapidOCR, loaded once a process
_threads: int | None = None  # onnxruntime's threads a model (None: one a core), see share_cores
_pages_done = None  # a multiprocessing.Value while an indexing run counts pages (start_counting)


def recognise(image) -> str:
    """The text of a page image (a numpy array, BGR or grey), line by line in reading order."""
    global _engine
    if _engine is None:
        from rapidocr_onnxruntime import RapidOCR

        _engine = RapidOCR(**({"intra_op_num_threads": _threads} if _threads else {}))
    found, _ = _engine(image)
    return "\n".join(reading_order([(box, text) for box, text, score in found or () if float(score) >= MIN_SCORE]))


def reading_order(boxes: Sequence[tuple[Sequence[Sequence[float]], str]]) -> list[str]:
    """Recognised boxes (four corner points, text) -> lines: top to bottom, and left to right
    within a line; boxes that overlap vertically are one line."""
    spans = sorted(
        (
            (min(p[1] for p in box), max(p[1] for p in box), min(p[0] for p in box), text)
            for box, text in boxes
            if text.strip()
        ),
        key=lambda span: (span[0] + span[1]) / 2,
    )
    lines: list[list[tuple[float, float, float, str]]] = []
    for span in spans:
        top, bottom = span[0], span[1]
        if lines:
            line_top = min(s[0] for s in lines[-1])
            line_bottom = max(s[1] for s in lines[-1])
            overlap = min(bottom, line_bottom) - max(top, line_top)
            if overlap >= SAME_LINE_OVERLAP * min(bottom - top, line_bottom - line_top):
                lines[-1].append(span)
                continue
        lines.append([span])
    return [_joined(text for *_, text in sorted(line, key=lambda s: s[2])) for line in lines]


def _joined(texts) -> str:
    """Boxes of one line as one string: Chinese runs straight on, two Latin words keep a space."""
    out = ""
    for text in texts:
        text = text.strip()
        if out and out[-1].isascii() and out[-1].isalnum() and text[0].isascii() and text[0].isalnum():
            out += " "
        out += text
    return out


def page_key(*parts: bytes) -> str:
    """The cache key of a page from what it is made of (its images' streams, or its rendering)."""
    digest = hashlib.sha1(KEY_PREFIX)
    for part in parts:
        digest.update(len(part).to_bytes(8, "little"))
        digest.update(part)
    return digest.hexdigest()


def cached(cache: str | os.PathLike | None, key: str) -> str | None:
    """The text recognised before in the page of ``key`` ("" for a page without any), or None."""
    if cache is None:
        return None
    try:
        return _cache_file(cache, key).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):  # not recognised yet (or a damaged entry: recognised again)
        return None


def store(cache: str | os.PathLike | None, key: str, text: str) -> None:
    """Keep ``text`` as the page of ``key``'s; written whole or not at all (a temporary file, renamed)."""
    if cache is None:
        return
    path = _cache_file(cache, key)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        handle, temporary = tempfile.mkstemp(prefix=".tmp-", dir=path.parent)
        try:
            with os.fdopen(handle, "w", encoding="utf-8") as out:
                out.write(text)
            os.replace(temporary, path)
        except BaseException:
            os.unlink(temporary)
            raise
    except OSError:  # a read-only or full disk costs a later run the OCR, not this run its file
        pass


def page_text(cache: str | os.PathLike | None, key: str, render: Callable[[], object]) -> str:
    """The text of the page of ``key``: from the cache, or recognised in ``render()``'s image and kept."""
    text = cached(cache, key)
    if text is None:
        text = recognise(render())
        store(cache, key, text)
        if _pages_done is not None:
            with _pages_done.get_lock():
                _pages_done.value += 1
    return text


def image_text(cache: str | os.PathLike | None, data: bytes) -> str:
    """The text of an image file's bytes (PNG, JPEG …: a picture inside an OFD or Word file), cached
    like a page; "" for an image that cannot be decoded."""

    def decoded():
        import numpy
        from PIL import Image

        with Image.open(io.BytesIO(data)) as image:
            return numpy.asarray(image.convert("RGB"))[:, :, ::-1].copy()  # RGB -> BGR, as cv2 reads

    try:
        # The key of the first page of an image file (search.extract.images): one picture, one entry.
        return page_text(cache, page_key(b"image", data, b"0"), decoded)
    except (OSError, ValueError, SyntaxError):  # Pillow's errors for a damaged or unknown image
        return ""


def _cache_file(cache: str | os.PathLike, key: str) -> Path:
    return Path(cache) / key[:2] / f"{key}.txt"  # 256 folders: no folder of a million files


def share_cores(processes: int) -> None:
    """Give this process's model its share of the cores when ``processes`` recognise at once.

    onnxruntime runs a model on a thread a core; two workers on 2 cores then run four threads
    that wait on each other: measured on a 12-line page, one thread a model took 5.2 CPU-s against
    7.5 with two, for the same text.
    """
    global _threads
    _threads = max(1, (os.cpu_count() or 1) // max(1, processes))


def start_counting():
    """A counter of pages recognised, in shared memory: processes forked after this add to it."""
    global _pages_done
    _pages_done = multiprocessing.get_context("fork").Value("q", 0)
    return _pages_done


def stop_counting() -> None:
    """Stop counting recognised pages (the indexing run is over)."""
    global _pages_done
    _pages_done = None
