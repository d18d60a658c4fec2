"""PDF files -> their text layer, without the page numbers that would split paragraphs running on.

One format a module (``extract`` picks by suffix); pdfminer is imported only when a PDF is read, and
its logging is quietened here, where it is used.
"""

from __future__ import annotations

import io
import logging
import re

from ..file_properties import pdf_creation_date
from .extracted import ExtractOptions, Extracted, Unreadable

# PDF readers look for the end-of-file marker in the last 1024 bytes; allow some trailing junk.
PDF_EOF_WINDOW = 4096

# pdfminer logs its recoveries from malformed files as warnings; with no handler configured they
# would reach stderr as extra lines next to our one-line warnings.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# A page number alone on the first or last line of a page: "3", "- 3 -", "— 3 —", "第3页", "第 3 页 共 9 页".
_PAGE_NUMBER = re.compile(r"\s*(?:[-—–]\s*\d+\s*[-—–]|\d+|第\s*\d+\s*页(?:\s*[,,/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*")


def extract_pdf(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A PDF's text layer, line by line, without page-number lines; a PDF without one is reported as scanned."""
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    if b"%PDF-" not in data[:1024]:
        raise Unreadable("not a PDF file")
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise Unreadable("truncated PDF (no end-of-file marker)")
    try:
        raw = extract_text(io.BytesIO(data), laparams=LAParams())
    except (PDFEncryptionError, PDFPasswordIncorrect) as exc:
        raise Unreadable("PDF is encrypted") from exc
    except Exception as exc:  # pdfminer raises many types on damaged files: one reason for users
        raise Unreadable("not a readable PDF (damaged or truncated?)") from exc
    pages = [_without_page_numbers(page.splitlines()) for page in raw.split("\f")]
    text = "\n".join(line for page in pages for line in page)
    if not text.strip():
        raise Unreadable("PDF has no text layer (scanned?)")
    created = pdf_creation_date(data)
    return Extracted(text, "pdf", None, (("created", created), ("created_tag", "PDF CreationDate")) if created else ())


def _without_page_numbers(lines: list[str]) -> list[str]:
    """A page's lines without a page number at its top or bottom (it would split a paragraph running on)."""
    lines = [line for line in lines if line.strip()]
    if lines and _PAGE_NUMBER.fullmatch(lines[-1]):
        lines.pop()
    if lines and _PAGE_NUMBER.fullmatch(lines[0]):
        lines.pop(0)
    return lines
