"""Bidirectional and other invisible format controls, neutralised where text is shown.

U+202E (RIGHT-TO-LEFT OVERRIDE) makes ``报告\u202efdp.exe`` show as ``报告exe.pdf``; the embeddings,
overrides, isolates and marks (U+061C, U+200E/F, U+202A–U+202E, U+2066–U+2069) and the deprecated
format controls U+206A–U+206F can likewise reorder or hide what a title, a file name or a snippet
says.  They are removed from what is shown (web pages, feeds, the cells of exports), never from
what is indexed or matched: a document holds its text as written.
"""

from __future__ import annotations

BIDI_CONTROLS = frozenset(
    "\u061c\u200e\u200f" + "".join(map(chr, range(0x202A, 0x202F))) + "".join(map(chr, range(0x2066, 0x2070)))
)
_REMOVED = dict.fromkeys(map(ord, BIDI_CONTROLS))


def without_bidi(text: str) -> str:
    """``text`` without bidirectional and format controls (a ``Markup`` stays ``Markup``)."""
    return text.translate(_REMOVED)


def shown(value):
    """A value as a page shows it: text without bidi controls, anything else as it is (Jinja's finalize)."""
    return value.translate(_REMOVED) if isinstance(value, str) else value
