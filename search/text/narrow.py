"""The narrow form: each character as NFKC writes it when that is one character, so the form has the
length of the text as written and an offset in one is an offset in the other.

Display text is the file's characters (``央视网消息（新闻联播）：…提出，2020年``); matching and the layout
and metadata rules work on the narrow form (``央视网消息(新闻联播):…提出,2020年``), where full-width
ASCII and punctuation (``，：（）；？！％Ａ１``), the ideographic and no-break spaces, half-width katakana,
CJK compatibility ideographs (``豈`` U+F900 -> ``豈`` U+8C48) and Kangxi radicals are their ordinary
characters.  A character whose NFKC is several characters keeps its own form (``…`` stays ``…``,
not ``...``; ``℃``, ``㎡``, ``ﬁ``, ``½``): both the text and a typed query keep it, so ``……`` matches
``……``, while a typed ``...`` no longer matches ``…`` (it did when the display text was NFKC).

List markers are kept as written too, although NFKC makes some of them one character: ``①`` would
become ``1`` but ``⑩`` becomes ``10``, so narrowing them would make ① match any ``1`` and ⑩ match no
``10``, and a ``①`` heading would read as a number to the layout rules.  Kept: the enclosed and
parenthesized numbers and letters (U+2460-U+24FF, U+3200-U+32FF, U+1F100-U+1F1FF) and the Roman
numerals (U+2160-U+2188): ``①`` matches ``①`` only.

Combining sequences are composed (NFC) before anything else, in the display text too: a decomposed
``é`` (e + U+0301) is shown the same either way, and composed it matches a typed ``é``.  That is the
only place the text as written changes length, and it happens before any offset is taken.  (A
half-width ``ｶﾞ`` narrows to ``カ`` + U+3099, which NFKC would compose to ``ガ``; not done, as such
text does not occur in these reports.)
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

_KEPT_AS_WRITTEN = ((0x2160, 0x2188), (0x2460, 0x24FF), (0x3200, 0x32FF), (0x1F100, 0x1F1FF))
# The 4,096-character planes' pages that hold a character NFKC makes one other character (a full
# scan of Unicode takes 0.6 s an import; tests/text/test_display_fidelity.py checks the pages are all).
NARROWABLE_PAGES = (0x0, 0x1, 0x2, 0x3, 0xA, 0xF, 0x10, 0x1D, 0x1E, 0x1F, 0x2F)


def narrow_table(codes: Iterable[int] | None = None) -> dict[str, str]:
    """Character -> its NFKC where that is one other character (of ``codes``, by default the
    :data:`NARROWABLE_PAGES`); whitespace stays whitespace and nothing becomes a line break (both
    hold for every such character: checked here, once)."""
    if codes is None:
        codes = (code for page in NARROWABLE_PAGES for code in range(page << 12, (page + 1) << 12))
    table = {}
    for code in codes:
        if 0xD800 <= code <= 0xDFFF or any(first <= code <= last for first, last in _KEPT_AS_WRITTEN):
            continue
        char = chr(code)
        form = unicodedata.normalize("NFKC", char)
        if form != char and len(form) == 1:
            assert char.isspace() == form.isspace() and len(f"a{form}a".splitlines()) == len(f"a{char}a".splitlines())
            table[char] = form
    return table


_NARROW = narrow_table()
# One character class over the BMP (re compiles it to a bitmap: one lookup a character); the
# narrowable characters above it (mathematical letters, CJK compatibility supplement) are looked for
# only in text that holds an astral character at all, which its UTF-16 length tells (a copy for
# text without one, 8x faster than a regex over the astral range); a class holding them too would
# be a list of ranges tried one by one at every character (0.4 s over a 50 KB report).
_NARROWABLE = re.compile("[" + "".join(re.escape(c) for c in sorted(_NARROW) if c <= "\uffff") + "]")
_ASTRAL = re.compile("[\U00010000-\U0010ffff]")
# The punctuation of running Chinese text, replaced first one by one (str.replace is the fastest
# way): after it most text holds nothing else to narrow, which one scan of the set above tells.
_WIDE_PUNCTUATION = tuple((wide, _NARROW[wide]) for wide in "，：（）；？！％\u3000")

_COMBINING = "\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f\u3099\u309a"
_COMBINING_MARK = re.compile(f"[{_COMBINING}]")  # one class: a bitmap scan (the run below tries each position)
_COMBINING_RUN = re.compile(f"[^{_COMBINING}]?[{_COMBINING}]+")


def narrow(text: str) -> str:
    """``text`` with each character replaced by its NFKC form where that is one character; same length."""
    if text.isascii():
        return text
    if _NARROWABLE.search(text) is not None:  # (text narrowed already: this one scan)
        for wide, narrowed in _WIDE_PUNCTUATION:
            if wide in text:
                text = text.replace(wide, narrowed)
        if _NARROWABLE.search(text) is not None:
            for char in set(_NARROWABLE.findall(text)):  # (str.translate is slower)
                text = text.replace(char, _NARROW[char])
    if len(text.encode("utf-16-le", "surrogatepass")) != 2 * len(text):
        for char in set(_ASTRAL.findall(text)) & _NARROW.keys():
            text = text.replace(char, _NARROW[char])
    return text


def compose(text: str) -> str:
    """Combining sequences composed (NFC) where they compose; every other character untouched."""
    if _COMBINING_MARK.search(text) is None:
        return text
    # Only the runs: NFC of the whole text would also replace CJK compatibility ideographs.
    return _COMBINING_RUN.sub(lambda m: unicodedata.normalize("NFC", m.group()), text)


class AsWritten:
    """The way back from narrow paragraphs (what metadata rules read) to the paragraphs as written.

    ``narrowed[i]`` is ``narrow(shown[i])``, so a piece of a narrow paragraph is at the same place
    in the shown one.  Paragraphs are looked up in order from where the last one was found, so
    two paragraphs that read the same once narrowed (``一、`` and ``一,``) each get their own.
    """

    def __init__(self, narrowed: Sequence[str], shown: Sequence[str]):
        self._narrowed = tuple(narrowed)
        self._shown = tuple(shown)
        self._next = 0
        self._same = self._narrowed == self._shown  # nothing was narrowed: every piece is as written

    def joined(self, at: int) -> AsWritten:
        """The same paragraphs with ``at`` and the next one joined into one (a title wrapped over two lines)."""

        def join(paragraphs: tuple[str, ...]) -> list[str]:
            return [*paragraphs[:at], paragraphs[at] + paragraphs[at + 1], *paragraphs[at + 2 :]]

        return AsWritten(join(self._narrowed), join(self._shown))

    def paragraphs(self, narrowed: Sequence[str]) -> tuple[str, ...]:
        """Narrow paragraphs (each one of the file's, in file order) as written."""
        return tuple(map(self.paragraph, narrowed))

    def paragraph(self, narrowed: str) -> str:
        """One narrow paragraph as written; a piece of one, or the text itself when it is neither."""
        if self._same:
            return narrowed
        count = len(self._narrowed)
        for step in range(count):
            at = (self._next + step) % count
            if self._narrowed[at] == narrowed:
                self._next = at + 1
                return self._shown[at]
        return self.piece(narrowed)

    def piece(self, narrowed: str) -> str:
        """A piece of one narrow paragraph (a title cut from it, ``…`` added) as written."""
        if self._same:
            return narrowed
        added = "…" if narrowed.endswith("…") else ""
        body = narrowed[: len(narrowed) - len(added)]
        for paragraph, shown in zip(self._narrowed, self._shown, strict=True):
            at = paragraph.find(narrowed)
            if at >= 0:
                return shown[at : at + len(narrowed)]
            at = paragraph.find(body) if added and body else -1
            if at >= 0:
                return shown[at : at + len(body)] + added
        return narrowed
