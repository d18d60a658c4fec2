"""Markdown -> its text, without the syntax around phrases and headings.

Not a decoder but a rewrite of text already decoded (``.md`` files are read as text files first),
so it sits apart from both the decoding and the binary formats.
"""

from __future__ import annotations

import re

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
