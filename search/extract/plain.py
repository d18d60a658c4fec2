"""Plain text (.txt) and Markdown (.md) files -> their text, in whatever common encoding they use."""

from __future__ import annotations

from search.extract.decoding import decode_text
from search.extract.extracted import Extracted, ExtractOptions, Unreadable
from search.extract.markdown import markdown_text


def extract_plain(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A text file's text (Markdown's syntax removed) and the encoding it was read in."""
    text, encoding = decode_text(data)
    if not text.strip():  # a BOM and nothing else
        raise Unreadable("empty file")
    return Extracted(text, encoding)


def extract_markdown(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A Markdown file's text without its syntax."""
    extracted = extract_plain(data, options)
    return Extracted(markdown_text(extracted.text), extracted.encoding)
