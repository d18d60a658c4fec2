"""Saved web pages (.mhtml, .mht: a MIME multipart of the page and its pictures) -> the page's text.

The first text/html part is read by the HTML reader, decoded by its own Content-Type charset (the
page's <meta charset> may name what it was before the browser saved it); its Content-Location
(the page's address) is a property, ``location``, as evidence of where it was published.
"""

from __future__ import annotations

import email
from email import policy

from search.extract.extracted import Extracted, ExtractOptions, Unreadable
from search.extract.html_page import extract_html, extract_markup
from search.extract.mail import decode_labelled, header_text, part_bytes


def extract_mhtml(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An MHTML file's page: its main text and title, with its address as the ``location`` property."""
    message = email.message_from_bytes(data, policy=policy.default)
    page = next((part for part in message.walk() if part.get_content_type() == "text/html"), None)
    if page is None:
        if b"<html" in data[:4096].lower():  # an .mht that is a plain page saved under that name
            return extract_html(data, options)
        raise Unreadable("MHTML file has no HTML page in it")
    payload = part_bytes(page)
    charset = page.get_content_charset()
    if charset:
        read = extract_markup(decode_labelled(payload, charset), charset)
    else:
        read = extract_html(payload, options)
    location = header_text(page, "Content-Location") or header_text(message, "Snapshot-Content-Location")
    properties = read.properties
    if location:
        properties += (("location", location), ("location_tag", "MHTML Content-Location"))
    return Extracted(read.text, f"mhtml:{read.encoding.removeprefix('html:')}", read.title, properties)
