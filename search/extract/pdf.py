"""PDF files -> their text, page by page: the text layer, or OCR for a page that has none.

pdfminer reads the text layer (its layout analysis gives the best line order).  Where a page's
text is missing or garbled (a font without a ToUnicode map gives ``(cid:68)(cid:114)…``),
pdfium's text of that page is read too and the better kept; a page with no usable text either
way is rendered at 200 dpi and recognised (``ocr``), unless OCR is off.  A mixed PDF has only its
image pages recognised.  Page numbers alone on a page's first or last line are dropped, so a
paragraph running on to the next page stays whole.

pdfminer and pdfium are imported only when a PDF is read; pdfminer's logging is quietened here.
"""

from __future__ import annotations

import functools
import io
import logging
import re
from typing import Any

from search.extract import ocr
from search.extract.extracted import Extracted, ExtractOptions, Unreadable
from search.text.file_properties import pdf_creation_date

# PDF readers look for the end-of-file marker in the last 1024 bytes; allow some trailing junk.
PDF_EOF_WINDOW = 4096

# pdfminer logs its recoveries from malformed files as warnings; with no handler configured they
# would reach stderr as extra lines next to our one-line warnings.
logging.getLogger("pdfminer").setLevel(logging.ERROR)

# A page number alone on the first or last line of a page: "3", "- 3 -", "— 3 —", "第3页", "第 3 页 共 9 页".
_PAGE_NUMBER = re.compile(
    r"\s*(?:[-—–]\s*\d+\s*[-—–]|\d+|第\s*\d+\s*页(?:\s*[,,/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*"
)
_CID = re.compile(r"\(cid:\d+\)")
_IMAGE = re.compile(rb"/Subtype\s*/Image\b")
# A page's text is garbled when fewer than this share of its characters are plausible (a real
# page: over 99%; glyph numbers read as characters: about a third).
MIN_PLAUSIBLE = 0.8

NO_TEXT_LAYER = "PDF has no text layer (scanned?)"
OCR_OFF = NO_TEXT_LAYER + "; OCR is off (--no-ocr)"
NOTHING_RECOGNISED = "no text even after OCR"


def extract_pdf(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A PDF's text, line by line, without page-number lines; pages without a text layer are OCR'd
    (``options.ocr``), and ``text_source`` says so ("ocr", or "mixed" with text-layer pages)."""
    options = options or ExtractOptions()
    if b"%PDF-" not in data[:1024]:
        raise Unreadable("not a PDF file")
    if b"%%EOF" not in data[-PDF_EOF_WINDOW:]:
        raise Unreadable("truncated PDF (no end-of-file marker)")
    # A page number alone is no text layer (a scan can have one stamped on): judged without it.
    pages = [_stripped(page) for page in _pdfminer_pages(data)]
    sources = ["text"] * len(pages)
    unread = _reread(data, pages, sources, options) if not all(map(readable, pages)) else 0
    lines = [page.splitlines() for page in pages]
    text = "\n".join(line for page in lines for line in page)
    if not text.strip():
        raise Unreadable(OCR_OFF if unread else NOTHING_RECOGNISED if "ocr" in sources else NO_TEXT_LAYER)
    read = {source for source, page in zip(sources, lines, strict=True) if page}
    text_source = "ocr" if read == {"ocr"} else "mixed" if "ocr" in read else "text"
    return Extracted(text, "pdf", None, _properties(data, text_source), text_source=text_source)


def _reread(data: bytes, pages: list[str], sources: list[str], options: ExtractOptions) -> int:
    """Replace each unreadable page by pdfium's text of it or, failing that, what OCR recognises on it
    (``sources`` says "ocr" where OCR's text was kept); the number of pages left unread as OCR is off."""
    unread = 0
    with _Pdfium(data) as document:
        for number, page in enumerate(pages):
            if readable(page) or document is None or number >= len(document):
                continue
            drawn = document[number]
            best = better_text(page, _stripped(_pdfium_text(drawn)))  # pdfium may map a font pdfminer cannot
            if readable(best) or _blank(drawn):
                pages[number] = best
            elif options.ocr:
                pages[number] = better_text(best, recognised := _stripped(_recognised(drawn, options.ocr_cache)))
                sources[number] = "ocr" if pages[number] is recognised else "text"
            else:
                pages[number], unread = better_text(best, ""), unread + 1
    return unread


def _properties(data: bytes, text_source: str) -> tuple[tuple[str, str], ...]:
    """The file's properties: its creation date (PDF CreationDate), and the text's source unless the text layer."""
    properties: tuple[tuple[str, str], ...] = ()
    created = pdf_creation_date(data)
    if created:
        properties += (("created", created), ("created_tag", "PDF CreationDate"))
    if text_source != "text":
        properties += (("text_source", text_source),)
    return properties


def _pdfminer_pages(data: bytes) -> list[str]:
    """The text layer of each page, as pdfminer lays it out; ``pdfium`` where pdfminer fails."""
    from pdfminer.high_level import extract_text
    from pdfminer.layout import LAParams
    from pdfminer.pdfdocument import PDFEncryptionError, PDFPasswordIncorrect

    try:
        raw = extract_text(io.BytesIO(data), laparams=LAParams())
    except (PDFEncryptionError, PDFPasswordIncorrect) as exc:
        raise Unreadable("PDF is encrypted") from exc
    except Exception as exc:  # pdfminer raises many types on damaged files: one reason for users
        with _Pdfium(data) as document:
            if document is not None:  # pdfium repairs more than pdfminer does
                return [_pdfium_text(page) for page in document]
        raise Unreadable("not a readable PDF (damaged or truncated?)") from exc
    pages = raw.split("\f")  # pdfminer ends every page with a form feed
    return pages[:-1] if len(pages) > 1 and not pages[-1].strip() else pages


def readable(text: str) -> bool:
    """Whether a page's text is real text: enough of it, and few marks that no Chinese (or Latin)
    text has, such as ``(cid:N)`` tokens, private-use characters, or the random symbols and rare
    characters a font without a Unicode map gives when its glyph numbers are read as characters."""
    plausible, junk = text_quality(text)
    return plausible > 0 and plausible >= MIN_PLAUSIBLE * (plausible + junk)


def better_text(*candidates: str) -> str:
    """The candidate text of a page with the most plausible characters net of junk ("" beats garbage)."""
    return max((*candidates, ""), key=_net_quality)


def _net_quality(text: str) -> int:
    plausible, junk = text_quality(text)
    return plausible - junk


def text_quality(text: str) -> tuple[int, int]:
    """(plausible characters, junk marks) of a page's text; spaces and punctuation count for neither."""
    junk = len(_CID.findall(text))
    plausible = 0
    for c in _CID.sub("", text):
        if c.isspace() or (c.isascii() and not c.isalnum()):
            continue
        if _plausible(c):
            plausible += 1
        else:
            junk += 1
    return plausible, junk


@functools.lru_cache(maxsize=65536)
def _plausible(c: str) -> bool:
    """A character real text has: Latin, Greek, Cyrillic, kana, Hangul, and the characters of
    GB2312 and Big5 (simplified and traditional text: 99.9% of a report's characters)."""
    if ord(c) < 0x250 and c.isprintable():
        return True
    if "\uac00" <= c <= "\ud7a3":
        return True
    for encoding in ("gb2312", "big5"):
        try:
            c.encode(encoding)
            return True
        except UnicodeEncodeError:
            pass
    return False


class _Pdfium:
    """The PDF opened with pdfium (None where pdfium cannot open it), closed on leaving."""

    def __init__(self, data: bytes):
        self.data = data
        self.document: Any = None  # a pypdfium2.PdfDocument (pypdfium2 has no types)

    def __enter__(self):
        import pypdfium2

        try:
            self.document = pypdfium2.PdfDocument(self.data)
        except pypdfium2.PdfiumError:  # pdfminer read it: its text stands, garbled or not
            self.document = None
        return self.document

    def __exit__(self, *exc) -> None:
        if self.document is not None:
            self.document.close()


def _pdfium_text(page) -> str:
    textpage = page.get_textpage()
    try:
        return textpage.get_text_range().replace("\r\n", "\n").replace("\r", "\n")
    finally:
        textpage.close()


def _blank(page) -> bool:
    """A page with nothing drawn on it (an empty page is not a scan to recognise)."""
    return next(iter(page.get_objects(max_depth=0)), None) is None


def _recognised(page, cache) -> str:
    """A page's text by OCR, from the cache when this page was recognised before."""
    return ocr.page_text(cache, page_fingerprint(page), lambda: render(page))


def render(page, dpi: int = ocr.RENDER_DPI):
    """A page as a BGR image (numpy array) at ``dpi``."""
    bitmap = page.render(scale=dpi / 72)
    try:
        return bitmap.to_numpy().copy()
    finally:
        bitmap.close()


def page_fingerprint(page) -> str:
    """The OCR cache key of a page: a hash of its size and of each image drawn on it (raw stream
    and placement), which neither a re-index nor a moved archive changes; a page drawn with
    anything else is hashed by its rendering."""
    import pypdfium2.raw as pdfium_c

    objects = list(page.get_objects(max_depth=0))
    if not objects or any(o.type != pdfium_c.FPDF_PAGEOBJ_IMAGE for o in objects):
        return ocr.page_key(b"rendered", render(page).tobytes())
    parts = [repr((page.get_size(), page.get_rotation())).encode()]
    for image in objects:
        parts.append(repr(image.get_matrix().get()).encode())
        parts.append(bytes(image.get_data(decode_simple=False)))
    return ocr.page_key(b"images", *parts)


def pages_to_recognise(data: bytes, cache) -> int:
    """How many of a PDF's pages indexing will OCR: no text layer, something drawn, not in the cache.

    pdfium counts a page's characters without laying them out, so indexing can show how many pages
    are to be recognised before the workers start.  A PDF without an image XObject (every image's
    stream dictionary is in the file's bytes: a stream is never inside an object stream) is taken
    to have none, unread: that pass cost 45 ms a text page, 40% of pdfminer's extraction.
    """
    import pypdfium2

    if not _IMAGE.search(data):
        return 0
    try:
        document = pypdfium2.PdfDocument(data)
    except pypdfium2.PdfiumError:
        return 0
    try:
        count = 0
        for page in document:
            textpage = page.get_textpage()
            characters = textpage.count_chars()
            textpage.close()
            if not characters and not _blank(page) and ocr.cached(cache, page_fingerprint(page)) is None:
                count += 1
        return count
    finally:
        document.close()


def _stripped(page: str) -> str:
    """A page's text without blank lines and without a page number on its first or last line."""
    return "\n".join(_without_page_numbers(page.splitlines()))


def _without_page_numbers(lines: list[str]) -> list[str]:
    """A page's lines without a page number at its top or bottom (it would split a paragraph running on)."""
    lines = [line for line in lines if line.strip()]
    if lines and _PAGE_NUMBER.fullmatch(lines[-1]):
        lines.pop()
    if lines and _PAGE_NUMBER.fullmatch(lines[0]):
        lines.pop(0)
    return lines
