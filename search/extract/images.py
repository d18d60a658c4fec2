"""Scanned pages saved as images (.jpg, .png, .tif with several pages, .bmp) -> their text by OCR.

Offices scan to PDF, but also to JPEG and TIFF; such a file is read like a PDF page without a text
layer (``search.extract.ocr``: RapidOCR, its text cached by the page's content, so a re-index
never recognises it again).  An image too small to be a page (an icon, a logo, a web page's
button: under ``MIN_PAGE_SIDE`` pixels a side) is skipped with that reason instead of costing a
recognition; with OCR off (``--no-ocr``) an image is skipped saying so.
"""

from __future__ import annotations

import io
import os
from functools import partial

from search.extract import ocr
from search.extract.extracted import Extracted, ExtractOptions, Unreadable

MIN_PAGE_SIDE = 300  # pixels: a scanned A4 page at 75 dpi is 620 x 877; a logo or an icon is less
MAX_PAGES = 200  # frames of a multi-page TIFF read at most
MAX_PIXELS = 60_000_000  # a 600-dpi A3 scan is ~70 MP; beyond this an "image" is a decompression bomb
OCR_OFF = "image file (a scan?); OCR is off (--no-ocr)"
IMAGE_SUFFIXES = (".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp")


def extract_image(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """The text of every page (frame) of a scanned image, recognised in reading order."""
    options = options or ExtractOptions()
    from PIL import Image, ImageSequence, UnidentifiedImageError

    Image.MAX_IMAGE_PIXELS = MAX_PIXELS
    try:
        picture = Image.open(io.BytesIO(data))
        picture.size  # noqa: B018 - the header is read here: a damaged file fails now, not later
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError, ValueError) as exc:
        raise Unreadable("not a readable image (damaged or truncated?)") from exc
    if max(picture.size) < MIN_PAGE_SIDE:
        raise Unreadable(f"image of {picture.size[0]}x{picture.size[1]} pixels, too small to be a scanned page")
    if not options.ocr:
        raise Unreadable(OCR_OFF)
    pages: list[str] = []
    try:
        for number, frame in enumerate(ImageSequence.Iterator(picture)):
            if number >= MAX_PAGES:
                break
            key = ocr.page_key(b"image", data, str(number).encode())
            pages.append(ocr.page_text(options.ocr_cache, key, partial(_grey, frame)))
    except (OSError, ValueError, Image.DecompressionBombError) as exc:
        raise Unreadable("not a readable image (damaged or truncated?)") from exc
    text = "\n".join(page for page in pages if page.strip())
    if not text.strip():
        raise Unreadable("no text even after OCR")
    return Extracted(text, "image", None, (("text_source", "ocr"),), text_source="ocr")


def pages_to_recognise(data: bytes, cache: str | os.PathLike | None) -> int:
    """How many pages of an image indexing will OCR (its frames not in the cache); 0 for an icon."""
    from PIL import Image, UnidentifiedImageError

    try:
        picture = Image.open(io.BytesIO(data))
        if max(picture.size) < MIN_PAGE_SIDE:
            return 0
        frames = min(getattr(picture, "n_frames", 1), MAX_PAGES)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        return 0
    return sum(ocr.cached(cache, ocr.page_key(b"image", data, str(n).encode())) is None for n in range(frames))


def _grey(frame):
    """A frame as the grey numpy array OCR reads (any mode: palette, CMYK, 1-bit fax TIFF)."""
    import numpy as np

    return np.asarray(frame.convert("L"))
