"""File bytes -> text: one reader a format, picked by the file's suffix.

Extraction is pure (bytes in, :class:`Extracted` out, no file system but an OCR cache named in the
options, no global state), so it can run in worker processes. The text it returns keeps its line
breaks; joining lines the layout broke is :func:`search.text.normalize.normalize_text`'s job, as for any
other file.

A file that gives no usable text raises :class:`Unreadable`, a ``ValueError`` whose message is the
short reason shown to users (``a.pdf: skipped, PDF has no text layer (scanned?)``); a type no
reader handles raises :class:`Unsupported` (an ``Unreadable``), so that no file is ever left out
without a word.

Modules, one format each, imported only when a file of theirs is read (``READERS`` below names them).
"""

from __future__ import annotations

import importlib
from pathlib import PurePath

from search.extract.decoding import decode_text
from search.extract.extracted import Extracted, ExtractOptions, Part, Unreadable, Unsupported
from search.extract.limits import check_before_reading
from search.extract.markdown import markdown_text

TEXT_SUFFIXES = (".txt", ".md")
HTML_SUFFIXES = (".html", ".htm", ".shtml", ".xhtml")

# suffix -> "module:function" in this package; the function takes (data, options) -> Extracted.
READERS: dict[str, str] = {
    ".txt": "plain:extract_plain",
    ".md": "plain:extract_markdown",
    ".docx": "word:extract_docx",
    ".pdf": "pdf:extract_pdf",
    **dict.fromkeys(HTML_SUFFIXES, "html_page:extract_page"),
    ".mhtml": "mhtml:extract_mhtml",
    ".mht": "mhtml:extract_mhtml",
    ".doc": "word97:extract_doc",
    ".wps": "word97:extract_doc",
    ".dot": "word97:extract_doc",
    ".rtf": "rtf:extract_rtf",
    ".xls": "sheets:extract_sheets",
    ".xlsx": "sheets:extract_sheets",
    ".et": "sheets:extract_sheets",
    ".ods": "sheets:extract_sheets",
    ".ppt": "slides:extract_ppt",
    ".dps": "slides:extract_ppt",
    ".pptx": "slides:extract_pptx",
    ".odt": "opendocument:extract_odt",
    ".odp": "opendocument:extract_odp",
    ".epub": "epub:extract_epub",
    ".ofd": "ofd:extract_ofd",
    ".eml": "mail:extract_eml",
    ".msg": "msg:extract_msg",
    ".zip": "archives:extract_zip",
    # Templates and macro-enabled files: the same formats under another name (WPS: .wpt .ett .dpt).
    **dict.fromkeys((".docm", ".dotx", ".dotm"), "word:extract_docx"),
    **dict.fromkeys((".xlsm", ".xltx", ".ett"), "sheets:extract_sheets"),
    **dict.fromkeys((".pptm", ".ppsx", ".potx"), "slides:extract_pptx"),
    ".wpt": "word97:extract_doc",
    ".dpt": "slides:extract_ppt",
    **dict.fromkeys((".jpg", ".jpeg", ".png", ".tif", ".tiff", ".bmp"), "images:extract_image"),  # scans
    ".tar": "archives:extract_tar",
    ".tgz": "archives:extract_tar",
    ".gz": "archives:extract_tar",  # suffix_of("a.tar.gz") is ".gz"; a lone gzipped file is read too
}
SUPPORTED_SUFFIXES = tuple(READERS)

__all__ = [
    "HTML_SUFFIXES",
    "READERS",
    "SUPPORTED_SUFFIXES",
    "TEXT_SUFFIXES",
    "ExtractOptions",
    "Extracted",
    "Part",
    "Unreadable",
    "Unsupported",
    "decode_text",
    "extract",
    "markdown_text",
    "suffix_of",
]


def extract(suffix_or_path: str | PurePath, data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """The text of a file from its bytes; the suffix (``.pdf``) or file name says which format."""
    suffix = suffix_of(suffix_or_path)
    reader = READERS.get(suffix)
    if reader is None:
        raise Unsupported(f"unsupported file type {suffix or '(no suffix)'}")
    if not data.strip():
        raise Unreadable("empty file")
    module, function = reader.split(":")
    try:
        read = getattr(importlib.import_module(f".{module}", __name__), function)
    except (ImportError, AttributeError) as exc:  # a reader not installed here: named, never silent
        raise Unsupported(f"no reader for {suffix} files is installed ({exc})") from exc
    check_before_reading(suffix, data)  # a bomb is refused before its reader inflates it
    return read(data, options or ExtractOptions())


def suffix_of(suffix_or_path: str | PurePath) -> str:
    """The lower-case suffix of a file name, or a bare suffix (``pdf``, ``.pdf``) as ``.pdf``."""
    name = str(suffix_or_path)
    if "/" not in name and "\\" not in name and name.count(".") <= 1 and not PurePath(name).suffix:
        name = "x." + name.lstrip(".")  # a bare suffix: "pdf" or ".pdf"
    # PurePath(name).suffix without building a path (an indexing run asks once a file)
    last = name.rpartition("/")[2]
    if last in ("", "."):  # PurePath drops such a last part
        return PurePath(name).suffix.lower()
    dot = last.rfind(".")
    return last[dot:].lower() if 0 < dot < len(last) - 1 else ""


_suffix = suffix_of  # the name tests have used
