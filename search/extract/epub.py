"""EPUB books -> their chapters' text in reading order, titled from the package's metadata.

A zip: META-INF/container.xml names the OPF package; its spine lists the chapters in reading order
(the manifest's order, or the names', is not it), each an XHTML page read by the HTML reader.
"""

from __future__ import annotations

import posixpath
from typing import TYPE_CHECKING
from urllib.parse import unquote

from search.extract.extracted import Extracted, ExtractOptions, Unreadable

if TYPE_CHECKING:
    from search.extract.zipped import ZipReader

_CONTAINER = "{urn:oasis:names:tc:opendocument:xmlns:container}"
_OPF = "{http://www.idpf.org/2007/opf}"
_DC = "{http://purl.org/dc/elements/1.1/}"
_ENC = "{http://www.w3.org/2001/04/xmlenc#}"
_PAGE_TYPES = ("application/xhtml+xml", "text/html", "application/x-dtbook+xml")


def extract_epub(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An EPUB's chapters in spine order, each chapter's blocks a line; title and date from the OPF."""
    from search.extract.zipped import ZipReader

    reader = ZipReader(data, "EPUB file")
    if not reader.has("META-INF/container.xml"):
        raise Unreadable("not a readable EPUB file (no META-INF/container.xml)")
    rootfile = reader.xml("META-INF/container.xml").find(f".//{_CONTAINER}rootfile")
    opf_path = unquote(rootfile.get("full-path", "")) if rootfile is not None else ""
    if not reader.has(opf_path):
        raise Unreadable("not a readable EPUB file (its package file is missing)")
    opf = reader.xml(opf_path)
    folder = posixpath.dirname(opf_path)
    manifest = {
        item.get("id"): (
            posixpath.normpath(posixpath.join(folder, unquote(item.get("href", "")))),
            item.get("media-type"),
        )
        for item in opf.iter(f"{_OPF}item")
    }
    encrypted = _encrypted_parts(reader)
    chapters = []
    for itemref in opf.iter(f"{_OPF}itemref"):
        path, media_type = manifest.get(itemref.get("idref"), (None, None))
        if path is None or media_type not in _PAGE_TYPES or not reader.has(path):
            continue
        if path in encrypted:
            raise Unreadable("EPUB is DRM-protected (its chapters are encrypted)")
        try:
            chapter = _page_text(reader.read(path))
        except Unreadable as exc:
            if "decompression limit" in str(exc):
                raise
            continue  # a cover page or an empty chapter
        if chapter.strip():
            chapters.append(chapter)
    text = "\n\n".join(chapters)
    if not text.strip():
        raise Unreadable("EPUB has no text")
    return Extracted(text, "epub", *_metadata(opf))


def _page_text(page: bytes) -> str:
    """An XHTML chapter's text as the HTML reader gives it."""
    from search.extract import html_page

    read = getattr(html_page, "extract_page", None) or html_page.extract_html
    return read(page).text


def _encrypted_parts(reader: ZipReader) -> set[str]:
    """Parts META-INF/encryption.xml lists (DRM; fonts obfuscated by the IDPF rule are harmless)."""
    if not reader.has("META-INF/encryption.xml"):
        return set()
    parts = set()
    for reference in reader.xml("META-INF/encryption.xml").iter(f"{_ENC}CipherReference"):
        parts.add(posixpath.normpath(unquote(reference.get("URI", ""))))
    return parts


def _metadata(opf) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The OPF's dc:title, dc:creator and dc:date."""
    from search.extract.office_properties import is_placeholder_title

    def first(tag: str) -> str:
        node = opf.find(f".//{_DC}{tag}")
        return (node.text or "").strip() if node is not None else ""

    title = first("title")
    properties: list[tuple[str, str]] = []
    if creator := first("creator"):
        properties.append(("author", creator))
    if date := first("date"):
        properties += [("created", date), ("created_tag", "EPUB dc:date")]
    return (None if is_placeholder_title(title) else title), tuple(properties)
