"""What every format's extraction returns (:class:`Extracted`) or raises (:class:`Unreadable`).

Its own module so the format modules and the dispatcher in ``__init__`` share it without importing
each other.
"""

from __future__ import annotations

from dataclasses import dataclass


class Unreadable(ValueError):
    """A file gives no usable text; the message is the reason shown to users."""


class Unsupported(Unreadable):
    """A file of a type no reader handles (its message names the type)."""


@dataclass(frozen=True)
class Part:
    """One member of a container (a zip's file, a mail's attachment): a document of its own.

    ``name`` is its path inside the container (``sub/a.doc``, GBK names decoded); shown as
    ``archive.zip/sub/a.doc``.  Exactly one of ``extracted`` and ``skipped`` (the reason it gives
    no text, worded as for a file) is set.
    """

    name: str
    extracted: Extracted | None = None
    skipped: str | None = None


@dataclass(frozen=True)
class ExtractOptions:
    """How to read: OCR for pages without a text layer (and where its page cache lives), and how
    deep containers may nest.  The default reads everything it can."""

    ocr: bool = True
    ocr_cache: str | None = None  # a folder (the index's ``ocr-cache/``); None: no cache
    depth: int = 0  # how many containers this file sits in


@dataclass(frozen=True)
class Extracted:
    """A file's text, how it was read (``utf-8``, ``gb18030``, ``docx``, ``html:utf-8`` …), its own
    title, and the properties its format carries (``published``, ``created``, ``issuer`` …, each
    with a ``…_tag`` naming where it was read, for the evidence shown to users).

    A container (zip, mail) also has ``parts``: each a document of its own; its own ``text`` may
    be empty (a zip) or its body (a mail).  ``text_source`` is ``ocr`` where the text was
    recognised from images, else ``text``.
    """

    text: str
    encoding: str
    title: str | None = None
    properties: tuple[tuple[str, str], ...] = ()
    parts: tuple[Part, ...] = ()
    text_source: str = "text"
