"""File bytes -> text: decoding of plain-text files and text extraction from Word, PDF and HTML.

Extraction is pure (bytes in, :class:`Extracted` out, no file system, no global state), so it can
run in worker processes. The text it returns keeps its line breaks; joining lines the layout broke
is :func:`search.normalize.normalize_text`'s job, as for any other file.

A file that gives no usable text raises :class:`Unreadable`, a ``ValueError`` whose message is the
short reason shown to users (``a.pdf: skipped, PDF has no text layer (scanned?)``).
"""

from __future__ import annotations

import codecs
import io
import logging
import re
import zipfile
from dataclasses import dataclass
from pathlib import PurePath

from .file_properties import html_properties, pdf_creation_date

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm")
SUPPORTED_SUFFIXES = (*TEXT_SUFFIXES, ".docx", ".pdf", *HTML_SUFFIXES)

# A NUL byte in the first block of a file without a UTF-16 BOM means binary (or BOM-less UTF-16).
BINARY_PROBE_BYTES = 8192
# Share of a decoded text's characters that must be ordinary Chinese-document characters (CJK
# ideographs and punctuation, ASCII) for a guess without a BOM (GB18030, BOM-less UTF-16) to be
# taken. Big5 read as GB18030 gives kana, Greek and Cyrillic (its lead bytes A4-A7 are those rows
# of GB2312): about 1 char in 4 in a sample, so it falls well below.
MIN_PLAUSIBLE_SHARE = 0.9
# charset-normalizer's "chaos" (mess ratio) above which its guess is not trusted.
MAX_DETECTION_CHAOS = 0.2
# Its guesses that are taken (Python codec names): the other CJK encodings. Its single-byte guesses
# are unreliable on short files ("café" in Latin-1 comes back as cp1250 "cafč", 0xFF bytes as
# cp1006), and GB18030 and UTF-16 are tried before it.
DETECTED_ENCODINGS = frozenset(
    [
        "big5", "big5hkscs", "cp950", "shift_jis", "cp932", "shift_jis_2004", "euc_jp", "euc_jis_2004",
        "euc_kr", "cp949", "johab", "iso2022_jp", "iso2022_kr", "hz",
    ]
)
# PDF readers look for the end-of-file marker in the last 1024 bytes; allow some trailing junk.
PDF_EOF_WINDOW = 4096
# The part of an HTML file in which a <meta charset> is looked for (the HTML spec says 1024 bytes;
# pages with long <head> scripts put it later).
META_CHARSET_WINDOW = 4096

# pdfminer logs its recoveries from malformed files as warnings; with no handler configured they
# would reach stderr as extra lines next to our one-line warnings.
logging.getLogger("pdfminer").setLevel(logging.ERROR)


class Unreadable(ValueError):
    """A file gives no usable text; the message is the reason shown to users."""


@dataclass(frozen=True)
class Extracted:
    """A file's text, how it was read (``utf-8``, ``gb18030``, ``docx``, ``html:utf-8`` …), its own
    title, and the properties its format carries (``published``, ``created``, ``issuer`` …, each
    with a ``…_tag`` naming where it was read, for the evidence shown to users)."""

    text: str
    encoding: str
    title: str | None = None
    properties: tuple[tuple[str, str], ...] = ()


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
    return PurePath(name).suffix.lower()


# -- plain text -------------------------------------------------------------------------------------

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes of a text file -> (text, encoding name).

    A BOM decides (``utf-8-sig``, ``utf-16``, ``utf-32``); a NUL byte means BOM-less UTF-16 or
    binary; then UTF-8, the fast path; then GB18030 and Big5 when they decode to plausible Chinese
    text (tried before any statistical guess: charset-normalizer calls short GBK files Big5 or
    CP949, and Big5 ones Shift-JIS); then charset-normalizer's guess among the other East Asian
    encodings; last, GB18030 if it decodes at all.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = _decode(data, encoding)
            if text is None:
                raise Unreadable(f"not valid {encoding.upper()} text despite its byte order mark")
            return text, encoding
    if b"\x00" in data[:BINARY_PROBE_BYTES]:
        return _bomless_utf16(data)
    text = _decode(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    chinese = _decode(data, "gb18030")
    if chinese is not None and _plausible(chinese):
        return chinese, "gb18030"
    traditional = _decode(data, "big5")
    if traditional is not None and _plausible(traditional):
        return traditional, "big5"
    guess = _detect(data)
    if guess is not None:
        return guess
    if chinese is not None:
        return chinese, "gb18030"
    raise Unreadable("not text in a known encoding (UTF-8, UTF-16, GB18030, Big5, …)")


def _decode(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly, tolerating one multi-byte character cut off at the very end; None if it fails."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        # A file cut short (a download, `head -c`) may end inside a character: drop that one.
        if exc.end == len(data) and len(data) - exc.start < 4 and exc.start > 0:
            try:
                return data[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None


def _bomless_utf16(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-16-le", "utf-16-be"):
        text = _decode(data, encoding) if len(data) % 2 == 0 else None
        if text is not None and _plausible(text, every_char=True):
            return text, encoding
    raise Unreadable("binary file")


def _detect(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > MAX_DETECTION_CHAOS:
        return None
    encoding = codecs.lookup(best.encoding).name
    text = str(best)
    if encoding not in DETECTED_ENCODINGS or not _plausible(text, _EAST_ASIAN):
        return None
    return text, encoding


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters of Chinese documents beyond ASCII: CJK ideographs (URO and compatibility), CJK
# punctuation, full-width forms (not half-width katakana), general punctuation (“”…—), number forms
# and enclosed numbers (Ⅰ ①), arrows, math and box drawing, shapes (■ ●), middle dot, ×, ÷, °, §.
_CHINESE_CHARS = (
    "\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60\uffe0-\uffe6\ufe30-\ufe4f\u2000-\u206f"
    "\u2100-\u25ff\u2600-\u27bf\u3200-\u33ff\u00b7\u00d7\u00f7\u00b0\u00a7"
)
_CHINESE = re.compile(f"[{_CHINESE_CHARS}]")
# … and of Japanese and Korean ones, for encodings found by detection: kana, hangul.
_EAST_ASIAN = re.compile(f"[{_CHINESE_CHARS}\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")


def _plausible(text: str, letters: re.Pattern = _CHINESE, every_char: bool = False) -> bool:
    """Whether ``text`` reads as a document in ``letters``: no control characters, and its
    non-ASCII characters (with ``every_char``, all of them) mostly ``letters``."""
    if _CONTROL.search(text):
        return False
    if every_char:
        pool = len(text)
        ordinary = sum(1 for c in text if c.isascii() and (c.isprintable() or c in "\t\n\r\f"))
        ordinary += len(letters.findall(text))
    else:
        pool = sum(1 for c in text if not c.isascii())
        ordinary = len(letters.findall(text))
    return pool == 0 or ordinary >= MIN_PLAUSIBLE_SHARE * pool


# Markdown syntax that would sit inside phrases (**稳就业**) or in front of headings (# 标题).
_MD_FENCE = re.compile(r"^\s*(```|~~~).*$", re.MULTILINE)
_MD_HEADING = re.compile(r"^ {0,3}#{1,6}[ \t]+(.*?)(?:[ \t]+#+)?[ \t]*$", re.MULTILINE)
_MD_QUOTE = re.compile(r"^ {0,3}(?:> ?)+", re.MULTILINE)
_MD_BULLET = re.compile(r"^([ \t]*)[-*+][ \t]+", re.MULTILINE)
_MD_RULE = re.compile(r"^ {0,3}([-*_])(?:[ \t]*\1){2,}[ \t]*$", re.MULTILINE)
_MD_IMAGE_OR_LINK = re.compile(r"!?\[([^\]\n]*)\]\([^)\n]*\)")
_MD_EMPHASIS = re.compile(r"(\*\*|__|\*|~~)(?=\S)(.+?)(?<=\S)\1")


def markdown_text(text: str) -> str:
    """Markdown -> its text: heading marks, emphasis, links, quotes, bullets and fences removed."""
    text = _MD_FENCE.sub("", text)
    text = _MD_RULE.sub("", text)
    text = _MD_HEADING.sub(r"\1", text)
    text = _MD_QUOTE.sub("", text)
    text = _MD_BULLET.sub(r"\1", text)
    text = _MD_IMAGE_OR_LINK.sub(r"\1", text)
    return _MD_EMPHASIS.sub(r"\2", text)


# -- Word ---------------------------------------------------------------------------------------------


def extract_docx(data: bytes) -> Extracted:
    """A .docx file's paragraphs and table cells in document order, one per line; title from its properties."""
    import docx
    from docx.table import Table

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Unreadable("not a readable .docx file (damaged or truncated?)")
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        # A merged cell repeats in every row and column it spans. The elements are kept, not only
        # their ids: lxml makes a new proxy object (maybe with a reused id) for a node it dropped.
        seen_cells: dict[int, object] = {}

        def walk(container) -> None:
            for block in container.iter_inner_content():
                if isinstance(block, Table):
                    for row in block.rows:
                        for cell in row.cells:
                            if id(cell._tc) not in seen_cells:
                                seen_cells[id(cell._tc)] = cell._tc
                                walk(cell)
                else:
                    lines.append(block.text)

        walk(document)
        title = (document.core_properties.title or "").strip() or None
        created = document.core_properties.created
        properties = (("created", created.isoformat()), ("created_tag", "docx created")) if created else ()
    except Exception as exc:  # a damaged file fails anywhere in python-docx or lxml: one reason for users
        raise Unreadable("not a readable .docx file (damaged or truncated?)") from exc
    text = "\n".join(lines)
    if not text.strip():
        raise Unreadable("Word document has no text")
    return Extracted(text, "docx", title, properties)


# -- PDF ----------------------------------------------------------------------------------------------

# A page number alone on the first or last line of a page: "3", "- 3 -", "— 3 —", "第3页", "第 3 页 共 9 页".
_PAGE_NUMBER = re.compile(r"\s*(?:[-—–]\s*\d+\s*[-—–]|\d+|第\s*\d+\s*页(?:\s*[,,/]?\s*共\s*\d+\s*页)?|\d+\s*/\s*\d+)\s*")


def extract_pdf(data: bytes) -> Extracted:
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


# -- HTML ---------------------------------------------------------------------------------------------

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Page furniture, never the page's text.
_DROPPED_TAGS = (
    "script", "style", "noscript", "template", "nav", "header", "footer", "aside", "form",
    "iframe", "svg", "button", "select", "textarea", "object", "embed", "canvas", "head",
)
_DROPPED_ROLES = ("navigation", "banner", "contentinfo", "search", "menu", "menubar", "complementary")
# class/id of the blocks government sites use for menus, breadcrumbs, share bars and footers.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])"
    r"(?:nav|navbar|menu|footer|foot|breadcrumbs?|crumbs?|sidebar|share|copyright|topbar|toolbar|skip)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    [
        "address", "article", "blockquote", "body", "caption", "center", "dd", "details", "dialog", "div",
        "dl", "dt", "fieldset", "figcaption", "figure", "h1", "h2", "h3", "h4", "h5", "h6", "hr", "li",
        "main", "ol", "p", "pre", "section", "summary", "table", "tbody", "td", "tfoot", "th", "thead", "tr",
        "ul",
    ]
)
# Blocks that are one paragraph: their text counts for the block around them.
_PARAGRAPH_TAGS = frozenset(
    ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "pre", "blockquote", "figcaption", "caption"]
)
_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TITLE_PARTS = re.compile(r"\s*[_|｜]\s*|\s+[-—–]+\s+")
# Whitespace with a line break between two CJK characters vanishes (CSS Text 3 segment-break
# transformation): "稳\n就业" in the source is "稳就业" on the page. Other whitespace is one space.
_CJK_BREAK = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])[ \t\r\f]*\n[ \t\r\f\n]*"
    r"(?=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
_WHITESPACE = re.compile(r"[^\S\x00]+")


def extract_html(data: bytes) -> Extracted:
    """An HTML page's main text (no navigation, scripts or footers), one block per line, and its title."""
    from bs4 import BeautifulSoup

    markup, charset = _decode_html(data)
    soup = BeautifulSoup(markup, "html.parser")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    properties = html_properties(soup)
    for tag in soup.find_all(_is_furniture):
        if not tag.decomposed:  # not inside furniture removed already
            tag.decompose()
    main = _main_element(soup)
    heading = main.find("h1") or soup.find("h1")
    title = _clean(heading.get_text(" ", strip=True)) if heading else ""
    title = title or _site_name_dropped(_clean(page_title))
    text = _block_text(main)
    if not text.strip():
        raise Unreadable("HTML page has no text")
    return Extracted(text, f"html:{charset}", title or None, properties)


def _decode_html(data: bytes) -> tuple[str, str]:
    """The page's text and charset: a BOM, else a <meta charset> that decodes, else as a text file."""
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        declared = _META_CHARSET.search(data[:META_CHARSET_WINDOW])
        if declared:
            try:
                encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            except LookupError:
                encoding = None
            # Pages labelled GB2312 use GBK characters; GB18030 reads both (and is a superset).
            if encoding in ("gb2312", "gbk", "euc_cn", "hz"):
                encoding = "gb18030"
            text = _decode(data, encoding) if encoding else None
            if text is not None:
                return text, encoding
    return decode_text(data)


def _is_furniture(tag) -> bool:
    if tag.name in _DROPPED_TAGS:
        return True
    attrs = tag.attrs or {}
    if attrs.get("role") in _DROPPED_ROLES or "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    names = " ".join([*(attrs.get("class") or ()), attrs.get("id") or ""])
    return bool(names) and _FURNITURE.search(names) is not None and tag.name not in ("body", "html", "main", "article")


def _main_element(soup):
    """<article> (the one with most CJK text), else <main>, else the block holding most paragraph text.

    The last is readability's rule: each paragraph's CJK characters (outside links) count for the
    block around it, half for the block around that; a block with text right inside it (lines
    split by <br>, as older government sites have it) counts that text for itself.
    """
    from bs4 import NavigableString
    from bs4.element import PreformattedString

    articles = soup.find_all("article")
    if articles:
        return max(articles, key=_cjk_outside_links)
    main = soup.find("main")
    if main is not None:
        return main
    root = soup.body or soup
    scores: dict[int, list] = {}  # id(tag) -> [tag, score]

    def credit(tag, amount: float) -> None:
        if tag is not None:
            scores.setdefault(id(tag), [tag, 0.0])[1] += amount

    for string in root.find_all(string=True):
        if isinstance(string, PreformattedString) or not isinstance(string, NavigableString):
            continue
        count = len(_CJK_CHAR.findall(string))
        if not count or string.find_parent("a") is not None:
            continue
        block = string.find_parent(_BLOCK_TAGS) or root
        if block.name in _PARAGRAPH_TAGS and block is not root:
            credit(block.parent, count)
            credit(block.parent.parent if block.parent is not root else None, count / 2)
        else:
            credit(block, count)
    if not scores:
        return root
    return max(scores.values(), key=lambda entry: entry[1])[0]


def _cjk_outside_links(tag) -> int:
    """CJK characters of a tag's text outside links (menus and link lists are mostly links)."""
    in_links = sum(len(_CJK_CHAR.findall(a.get_text())) for a in tag.find_all("a"))
    return len(_CJK_CHAR.findall(tag.get_text())) - in_links


_BREAK = "\x00"  # stands for a block's line break until source whitespace is collapsed


def _block_text(root) -> str:
    """The text of ``root`` with a line break around each block element and at <br>."""
    from bs4 import NavigableString, Tag
    from bs4.element import PreformattedString

    pieces: list[str] = []
    # Line breaks inside <pre> are the text's own (some sites put a whole report in one).
    preformatted = {id(s) for pre in root.find_all("pre") for s in pre.find_all(string=True)}
    if root.name == "pre":
        preformatted.update(id(s) for s in root.find_all(string=True))
    stack = [root]  # iterative: deeply nested pages must not hit the recursion limit
    while stack:
        node = stack.pop()
        if type(node) is str:  # a block's closing line break, pushed below
            pieces.append(node)
        elif isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctype, CDATA
                text = str(node).replace(_BREAK, "")
                pieces.append(text.replace("\n", _BREAK) if id(node) in preformatted else text)
        elif isinstance(node, Tag):
            if node.name == "br":
                pieces.append(_BREAK)
                continue
            if node.name in _BLOCK_TAGS:
                pieces.append(_BREAK)
                stack.append(_BREAK)
            stack.extend(reversed(node.contents))
    text = _WHITESPACE.sub(" ", _CJK_BREAK.sub("", "".join(pieces)))
    lines = (line.strip() for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line)


def _clean(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _site_name_dropped(title: str) -> str:
    """``标题_郑州市人民政府`` -> ``标题``: the longest part of a <title> joined with a site name."""
    parts = [p for p in _TITLE_PARTS.split(title) if p]
    return max(parts, key=len) if len(parts) > 1 else title
