"""The dates and names a file's format carries besides its text: a web page's meta tags, a PDF's
CreationDate (a Word file's core properties are read with its text). They are evidence for
``search.meta``: each value comes with a ``…_tag`` naming where it was read."""

from __future__ import annotations

import re

# The meta tags Chinese government sites carry (PubDate, ContentSource, ArticleTitle …) and the
# Open Graph and schema.org ones, first found wins.
_META_PROPERTIES = {
    "published": ("pubdate", "publishdate", "article:published_time", "datepublished", "dc.date", "firstpublishedtime"),
    "issuer": ("contentsource",),
    "title": ("articletitle",),
    "column": ("columnname",),
    "site": ("sitename",),
}


def html_properties(soup) -> tuple[tuple[str, str], ...]:
    """(name, value) pairs from a page's meta tags and its first ``<time datetime>``."""
    tags: dict[str, tuple[str, str]] = {}
    for meta in soup.find_all("meta"):
        key = (meta.get("name") or meta.get("property") or meta.get("itemprop") or "").strip().lower()
        value = (meta.get("content") or "").strip()
        if key and value and key not in tags:
            tags[key] = (value, meta.get("name") or meta.get("property") or meta.get("itemprop"))
    found: list[tuple[str, str]] = []
    for name, keys in _META_PROPERTIES.items():
        for key in keys:
            if key in tags:
                found += [(name, tags[key][0]), (f"{name}_tag", tags[key][1])]
                break
    time = soup.find("time", attrs={"datetime": True})
    if time is not None and not any(name == "published" for name, _ in found):
        found += [("published", time["datetime"].strip()), ("published_tag", "<time datetime>")]
    return tuple(found)


_PDF_DATE = re.compile(rb"/CreationDate\s*\(D:(\d{8})")


def pdf_creation_date(data: bytes) -> str | None:
    """The document information's CreationDate (``D:20210301…``) as ``2021-03-01``; None without one."""
    match = _PDF_DATE.search(data)
    if not match:
        return None
    day = match.group(1).decode("ascii")
    return f"{day[:4]}-{day[4:6]}-{day[6:]}"
