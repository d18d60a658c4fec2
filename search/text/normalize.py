"""Text normalization: raw extracted report text -> display paragraphs, and the folded search form.

Display text is the file's characters as written (``央视网消息（新闻联播）：…提出，``; staff paste it
into documents of their own): only whitespace is collapsed to single ASCII spaces, invisible
characters are dropped and combining sequences composed (``search/text/narrow.py``).  It is repaired for
the layout noise of text extracted from newspaper pages:

- lines broken mid-word by the layout are joined back into their paragraph (never the first
  line: it is the title); across a blank line only on stronger evidence, and never after a
  numbered heading (``（一）…``, ``一、…``, ``五是…``);
- tails of paragraphs that the extraction moved to the end of the page (column overflow) are
  put back after the paragraphs they continue;
- stray spaces inside words of long running text (where the original layout wrapped) are removed;
- vertical headings (one character per line) are put back on one line;
- bylines (``记者 马燕 通讯员 李盼 文/图``) become paragraphs of their own.

Every one of those decisions is taken on the narrow form of the line (:func:`search.text.narrow.narrow`:
``，`` is ``,``, ``Ａ`` is ``A``), which has the length of the line as written: each line is carried
as the pair (shown, narrow), and a cut or a join made in one is made at the same place in the other.

Searching runs over :func:`fold` of the display text: the narrow form, lower case, and traditional
characters as simplified ones (``search/data/t2s.txt``, one character to one, generated from
OpenCC's data by ``scripts/make_t2s.py``), so 國民經濟, 国民经济 and ``，`` / ``,`` match each other.
``fold`` is length-preserving, so an offset in the folded text is the same offset in the display
text (highlighting relies on it, and marks the characters as written).

The repairs are in ``search/text/layout.py``.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path

from search.text.layout import Line, is_byline, repair
from search.text.narrow import compose, narrow

__all__ = [
    "fold",
    "is_byline",
    "normalize_line",
    "normalize_paragraphs",
    "normalize_query",
    "normalize_text",
    "search_text",
]

# Invisible characters, and the control characters XML 1.0 forbids (common in text from PDF and
# Word): a feed or page carrying them is not well-formed.  The whitespace controls (\t \n \v \f \r
# \x1c-\x1f) are not dropped here: they break or space lines, and are collapsed later.
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\x00-\x08\x0e-\x1b\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")


def normalize_line(text: str) -> str:
    """One line of display text as written: no invisible characters, single spaces, stripped."""
    return " ".join(compose(_INVISIBLE.sub("", text)).split())


def normalize_text(raw: str) -> list[str]:
    """Raw extracted text -> display paragraphs as written (no empty ones, none containing a newline)."""
    return normalize_paragraphs(raw)[0]


def normalize_paragraphs(raw: str) -> tuple[list[str], list[str]]:
    """Raw extracted text -> (display paragraphs as written, the same paragraphs narrowed).

    ``narrowed[i] == narrow(shown[i])``: metadata rules (written for half-width punctuation) read
    the narrow ones, and a position in one is a position in the other.
    """
    shown_text = compose(_INVISIBLE.sub("", raw))
    narrow_text = narrow(shown_text)  # the same length, and the same lines (narrow keeps line breaks)
    shown_lines = shown_text.splitlines()
    # (narrow returns its argument when nothing changes: then the lines are split once.)
    narrow_lines = shown_lines if narrow_text is shown_text else narrow_text.splitlines()
    units: list[Line] = []
    blank = False
    for shown, text in zip(shown_lines, narrow_lines, strict=True):
        # str.split() splits at the characters ``\s`` matches (both ask Py_UNICODE_ISSPACE), and
        # narrow keeps whitespace whitespace: both forms split at the same places.
        collapsed = " ".join(shown.split())
        if shown is text:
            text = collapsed
        elif collapsed != shown:  # (most lines have no whitespace to collapse: then neither has the narrow one)
            text = " ".join(text.split())
        shown = collapsed
        if shown:
            units.append(Line(shown, text, blank))
        blank = not shown
    paragraphs = repair(units)
    return [p.shown for p in paragraphs], [p.text for p in paragraphs]


def fold(text: str) -> str:
    """The search form of ``text``: narrowed (``，`` -> ``,``), each char lowercased when that gives
    one char, traditional characters simplified; same length."""
    text = narrow(text)
    # Fast path: str.lower() only differs from the per-char rule where a char lowercases to several
    # chars (then the length changes) or for the context-dependent final sigma.
    lowered = None
    if "\u03a3" not in text:
        lowered = text.lower()
        if len(lowered) != len(text):
            lowered = None
    if lowered is None:
        lowered = "".join(_fold_char(c) for c in text)
    # Most texts hold no traditional character: one scan of a character set (a bitmap over the
    # BMP, ~2x faster than lower()) decides, and only the characters found are replaced.
    if _TRADITIONAL.search(lowered) is None:
        return lowered
    return _TRADITIONAL.sub(_simplified, lowered)


def normalize_query(text: str) -> str:
    """What a typed query term goes through so it matches :func:`search_text`: the display rule
    (invisible characters dropped, combining sequences composed), then :func:`fold`, single spaces."""
    return _SPACES.sub(" ", fold(compose(_INVISIBLE.sub("", text)))).strip()


def search_text(title: str, paragraphs: Sequence[str]) -> str:
    """The exact string a document's Ctrl-F search runs over: ``fold(title + "\n" + paragraphs)``.

    The rule the engine is built on, stated once: the fold keeps the length,
    so an offset in the search text is an offset in the displayed title and
    paragraphs (snippets mark by it); the grams files hold this string for
    each document under the number Whoosh gives the document in its segment
    (grams local number == Whoosh's segment-local docnum), so a snapshot's
    document ``n`` has the stored fields and the search text of one document.
    """
    return fold("\n".join([title, *paragraphs]))


def _load_simplified(path: Path) -> dict[str, str]:
    """The fold table: traditional character -> simplified character (both in the BMP)."""
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split()
            table[traditional] = simplified
    return table


_SIMPLIFIED = _load_simplified(Path(__file__).parent.parent / "data" / "t2s.txt")
_TRADITIONAL = re.compile("[" + "".join(sorted(_SIMPLIFIED)) + "]")


def _simplified(match: re.Match) -> str:
    return _SIMPLIFIED[match.group()]


def _fold_char(c: str) -> str:
    lowered = c.lower()
    return lowered if len(lowered) == 1 else c
