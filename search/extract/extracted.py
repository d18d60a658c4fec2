"""What every format's extraction returns (:class:`Extracted`) or raises (:class:`Unreadable`).

Its own module so the format modules and the dispatcher in ``__init__`` share it without importing
each other.
"""

from __future__ import annotations

from dataclasses import dataclass


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
