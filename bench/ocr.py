"""OCR of scanned PDF pages: character accuracy against the text drawn, and seconds a page.

    python bench/ocr.py                 # 3 pages clean + the same 3 noisy, from 3 of the 118 reports
    python bench/ocr.py --pages 5

Each page is a real report's paragraphs (bench/data/government_report_rag, else seeds/) drawn with
Noto Sans CJK at 12 pt into a 200-dpi A4 image, the image alone saved as a PDF (JPEG inside, as
scanners write), then read by ``search.extract.extract`` as indexing reads it: pdfminer finds no
text layer, pdfium renders the page at 200 dpi, RapidOCR recognises it.  "Noisy" is the same page
rotated by ±1°, blurred (Gaussian, radius 1) and with Gaussian pixel noise (σ 25 of 255).

Accuracy is 1 − (edit distance / characters drawn) over the page's characters with spaces removed and
both sides NFKC-folded (full-width and half-width punctuation count alike).  Time is wall seconds
of the whole ``extract`` call a page (render + OCR; no cache), with the model loaded before the
clock.  Also timed: the indexing pre-pass that counts the pages to recognise (pdfium, per page) on
a text-layer PDF, against pdfminer's extraction of the same PDF, so its cost on ordinary PDFs is known.
The machine is shared: times vary with its load (shown).
"""

from __future__ import annotations

import argparse
import io
import json
import os
import random
import sys
import time
import unicodedata
from pathlib import Path

import numpy as np
from PIL import Image, ImageDraw, ImageFilter, ImageFont

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from search.extract import ExtractOptions, extract, ocr
from search.extract.pdf import pages_to_recognise

FONT = "/usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc"
DPI = 200
PAGE = (1654, 2339)  # A4 at 200 dpi
MARGIN = 180
FONT_PX = round(12 * DPI / 72)  # 12 pt
LINE_PX = round(FONT_PX * 1.6)


def report_texts(count: int) -> list[tuple[str, str]]:
    """(name, text) of ``count`` reports: the RAG corpus's, else the seeds."""
    folder = ROOT / "bench" / "data" / "government_report_rag"
    if not folder.is_dir():
        folder = Path("/work/main/bench/data/government_report_rag")
    if not folder.is_dir():
        folder = ROOT / "seeds"
    files = sorted(folder.glob("*.txt"))
    random.Random(21).shuffle(files)
    return [(f.name, f.read_text(encoding="utf-8")) for f in files[:count]]


def page_lines(text: str, font: ImageFont.FreeTypeFont) -> list[str]:
    """The lines of one A4 page of ``text``'s paragraphs, wrapped at the page's width."""
    width = PAGE[0] - 2 * MARGIN
    lines: list[str] = []
    for paragraph in (p.strip() for p in text.splitlines()):
        line = ""
        for c in paragraph:
            if font.getlength(line + c) > width:
                lines.append(line)
                line = ""
            line += c
        if line:
            lines.append(line)
        if len(lines) >= (PAGE[1] - 2 * MARGIN) // LINE_PX:
            break
    return lines[: (PAGE[1] - 2 * MARGIN) // LINE_PX]


def drawn(lines: list[str], font) -> Image.Image:
    image = Image.new("L", PAGE, 255)
    draw = ImageDraw.Draw(image)
    for number, line in enumerate(lines):
        draw.text((MARGIN, MARGIN + number * LINE_PX), line, font=font, fill=0)
    return image


def noisy(image: Image.Image, seed: int) -> Image.Image:
    """The page as a poor scan: turned by up to 1°, blurred, speckled."""
    rng = np.random.default_rng(seed)
    turned = image.rotate(rng.uniform(-1, 1), resample=Image.BICUBIC, fillcolor=255)
    blurred = np.asarray(turned.filter(ImageFilter.GaussianBlur(1)), dtype=np.float32)
    speckled = np.clip(blurred + rng.normal(0, 25, blurred.shape), 0, 255).astype(np.uint8)
    return Image.fromarray(speckled)


def as_pdf(image: Image.Image) -> bytes:
    out = io.BytesIO()
    image.save(out, format="PDF", resolution=DPI)
    return out.getvalue()


def folded(text: str) -> str:
    return "".join(unicodedata.normalize("NFKC", text).split())


def edit_distance(a: str, b: str) -> int:
    previous = list(range(len(b) + 1))
    for i, ca in enumerate(a, 1):
        current = [i]
        for j, cb in enumerate(b, 1):
            current.append(min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (ca != cb)))
        previous = current
    return previous[-1]


def accuracy(recognised: str, truth: str) -> float:
    truth, recognised = folded(truth), folded(recognised)
    return max(0.0, 1 - edit_distance(recognised, truth) / len(truth))


def text_layer_pdf(lines_per_page: list[list[str]]) -> bytes:
    """The same pages with a text layer (reportlab's built-in CID font): the pre-pass's ordinary case."""
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    out = io.BytesIO()
    pdf = canvas.Canvas(out)
    for lines in lines_per_page:
        pdf.setFont("STSong-Light", 12)
        for number, line in enumerate(lines):
            pdf.drawString(60, 780 - number * 19, line)
        pdf.showPage()
    pdf.save()
    return out.getvalue()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--pages", type=int, default=3, help="pages of each kind (one report each)")
    args = parser.parse_args()
    font = ImageFont.truetype(FONT, FONT_PX)
    ocr.recognise(np.full((64, 64, 3), 255, np.uint8))  # the model's load is outside the clock
    rows = []
    pages = []
    for number, (name, text) in enumerate(report_texts(args.pages)):
        lines = page_lines(text, font)
        pages.append(lines)
        truth = "\n".join(lines)
        clean = drawn(lines, font)
        for kind, image in (("clean", clean), ("noisy", noisy(clean, number))):
            data = as_pdf(image)
            started, cpu = time.perf_counter(), time.process_time()
            extracted = extract(".pdf", data, ExtractOptions(ocr_cache=None))
            seconds, cpu = time.perf_counter() - started, time.process_time() - cpu
            assert extracted.text_source == "ocr"
            rows.append(
                {
                    "report": name,
                    "kind": kind,
                    "chars": len(folded(truth)),
                    "accuracy": accuracy(extracted.text, truth),
                    "seconds": seconds,
                    "cpu": cpu,
                }
            )
    print(f"{'report':<28}{'kind':<7}{'chars':>7}{'accuracy':>10}{'s/page':>8}{'cpu s':>7}")
    for row in rows:
        print(
            f"{row['report']:<28}{row['kind']:<7}{row['chars']:>7}{row['accuracy']:>10.1%}{row['seconds']:>8.1f}"
            f"{row['cpu']:>7.1f}"
        )
    summary = {}
    for kind in ("clean", "noisy"):
        chosen = [r for r in rows if r["kind"] == kind]
        summary[kind] = {
            "pages": len(chosen),
            "accuracy": round(sum(r["accuracy"] * r["chars"] for r in chosen) / sum(r["chars"] for r in chosen), 4),
            "seconds_per_page": round(sum(r["seconds"] for r in chosen) / len(chosen), 2),
            "cpu_seconds_per_page": round(sum(r["cpu"] for r in chosen) / len(chosen), 2),
        }
        print(
            f"{'all':<28}{kind:<7}{sum(r['chars'] for r in chosen):>7}"
            f"{summary[kind]['accuracy']:>10.1%}{summary[kind]['seconds_per_page']:>8.1f}"
            f"{summary[kind]['cpu_seconds_per_page']:>7.1f}"
        )
    # The pre-pass on an ordinary PDF (no image: the bytes say so) and on a scan, against pdfminer.
    layered = text_layer_pdf(pages)
    scan = as_pdf(drawn(pages[0], font))
    started = time.perf_counter()
    assert pages_to_recognise(scan, None) == 1
    prepass_scan = time.perf_counter() - started
    started = time.perf_counter()
    assert pages_to_recognise(layered, None) == 0
    prepass = (time.perf_counter() - started) / len(pages)
    started = time.perf_counter()
    extract(".pdf", layered)
    pdfminer = (time.perf_counter() - started) / len(pages)
    print(
        f"\ntext-layer PDF: pre-pass {prepass * 1000:.1f} ms a page, extraction (pdfminer) {pdfminer * 1000:.1f} ms a page;"
        f" pre-pass on a scanned page {prepass_scan * 1000:.1f} ms"
    )
    print(
        json.dumps(
            {
                "bench": "ocr",
                "engine": ocr.ENGINE,
                "dpi": DPI,
                **summary,
                "prepass_ms_per_text_page": round(prepass * 1000, 2),
                "extract_ms_per_text_page": round(pdfminer * 1000, 2),
                "prepass_ms_per_scanned_page": round(prepass_scan * 1000, 2),
                "cpus": os.cpu_count(),
                "load": round(os.getloadavg()[0], 2),
            }
        )
    )


if __name__ == "__main__":
    main()
