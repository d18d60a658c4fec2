"""File bytes -> text: decoding of plain-text files and text extraction from Word, PDF and HTML.

Extraction is pure (bytes in, :class:`Extracted` out, no file system, no global state), so it can
run in worker processes. The text it returns keeps its line breaks; joining lines the layout broke
is :func:`search.normalize.normalize_text`'s job, as for any other file.

A file that gives no usable text raises :class:`Unreadable`, a ``ValueError`` whose message is the
short reason shown to users (``a.pdf: skipped, PDF has no text layer (scanned?)``).

Modules, one concern each: ``extracted`` (the result and the error), ``decoding`` (bytes of a text
file -> text), ``markdown``, ``word``, ``pdf``, ``html_page``. This module picks one by suffix.
"""

from __future__ import annotations

from pathlib import PurePath

from .decoding import decode_text
from .extracted import Extracted, Unreadable
from .html_page import extract_html
from .markdown import markdown_text
from .pdf import extract_pdf
from .word import extract_docx

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", *HTML_SUFFIXES)

__all__ = [
    "HTML_SUFFIXES", "SUPPORTED_SUFFIXES", "TEXT_SUFFIXES", "Extracted", "Unreadable", "decode_text", "extract",
    "extract_docx", "extract_html", "extract_pdf", "markdown_text",
]


def extract(suffix_or_path: str | PurePath, data: bytes) -> Extracted:
    """The text of a file from its bytes; the suffix (``.pdf``) or file name says which format."""
    suffix = _suffix(suffix_or_path)
    if not data.strip():
        raise Unreadable("empty file")
    if suffix in TEXT_SUFFIXES:
        text, encoding = decode_text(data)
        if not text.strip():  # a BOM and nothing else
            raise Unreadable("empty file")
        return Extracted(markdown_text(text) if suffix == ".md" else text, encoding)
    if suffix == ".docx":
        return extract_docx(data)
    if suffix == ".pdf":
        return extract_pdf(data)
    if suffix in HTML_SUFFIXES:
        return extract_html(data)
    raise Unreadable(f"unsupported file type {suffix or '(no suffix)'}")


def _suffix(suffix_or_path: str | PurePath) -> str:
    name = str(suffix_or_path)
    if "/" not in name and "\\" not in name and name.count(".") <= 1 and not PurePath(name).suffix:
        name = "x." + name.lstrip(".")  # a bare suffix: "pdf" or ".pdf"
    # PurePath(name).suffix without building a path (an indexing run asks once a file)
    last = name.rpartition("/")[2]
    if last in ("", "."):  # PurePath drops such a last part
        return PurePath(name).suffix.lower()
    dot = last.rfind(".")
    return last[dot:].lower() if 0 < dot < len(last) - 1 else ""
