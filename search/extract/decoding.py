"""Bytes of a text file -> text: the encoding from a BOM, UTF-8, or a guess checked for plausible Chinese.

Separate from the formats: plain-text files, HTML pages without a usable ``<meta charset>``, and
the checks of what a guess decoded to all go through it.
"""

from __future__ import annotations

import codecs
import re

from search.extract.extracted import Unreadable

# A NUL byte in the first block of a file without a UTF-16 BOM means binary (or BOM-less UTF-16).
BINARY_PROBE_BYTES = 8192
# Share of a decoded text's characters that must be ordinary Chinese-document characters (CJK
# ideographs and punctuation, ASCII) for a guess without a BOM (GB18030, BOM-less UTF-16) to be
# taken. Big5 read as GB18030 gives kana, Greek and Cyrillic (its lead bytes A4-A7 are those rows
# of GB2312): about 1 char in 4 in a sample, so it falls well below.
MIN_PLAUSIBLE_SHARE = 0.9
# charset-normalizer's "chaos" (mess ratio) above which its guess is not trusted.
MAX_DETECTION_CHAOS = 0.2
# Its guesses that are taken (Python codec names): the other CJK encodings. Its single-byte guesses
# are unreliable on short files ("café" in Latin-1 comes back as cp1250 "cafč", 0xFF bytes as
# cp1006), and GB18030 and UTF-16 are tried before it.
DETECTED_ENCODINGS = frozenset(
    [
        "big5",
        "big5hkscs",
        "cp950",
        "shift_jis",
        "cp932",
        "shift_jis_2004",
        "euc_jp",
        "euc_jis_2004",
        "euc_kr",
        "cp949",
        "johab",
        "iso2022_jp",
        "iso2022_kr",
        "hz",
    ]
)

_BOMS = (
    (codecs.BOM_UTF32_LE, "utf-32"),  # before UTF-16 LE: it starts with the same two bytes
    (codecs.BOM_UTF32_BE, "utf-32"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16"),
    (codecs.BOM_UTF16_BE, "utf-16"),
)


def decode_text(data: bytes) -> tuple[str, str]:
    """Bytes of a text file -> (text, encoding name).

    A BOM decides (``utf-8-sig``, ``utf-16``, ``utf-32``); a NUL byte means BOM-less UTF-16 or
    binary; then UTF-8, the fast path; then GB18030 and Big5 when they decode to plausible Chinese
    text (tried before any statistical guess: charset-normalizer calls short GBK files Big5 or
    CP949, and Big5 ones Shift-JIS); then charset-normalizer's guess among the other East Asian
    encodings; last, GB18030 if it decodes at all.
    """
    for bom, encoding in _BOMS:
        if data.startswith(bom):
            text = decode_or_none(data, encoding)
            if text is None:
                raise Unreadable(f"not valid {encoding.upper()} text despite its byte order mark")
            return text, encoding
    if b"\x00" in data[:BINARY_PROBE_BYTES]:
        return _bomless_utf16(data)
    text = decode_or_none(data, "utf-8")
    if text is not None:
        return text, "utf-8"
    chinese = decode_or_none(data, "gb18030")
    if chinese is not None and plausible_chinese(chinese):
        return chinese, "gb18030"
    traditional = decode_or_none(data, "big5")
    if traditional is not None and plausible_chinese(traditional):
        return traditional, "big5"
    guess = _detect(data)
    if guess is not None:
        return guess
    if chinese is not None:
        return chinese, "gb18030"
    raise Unreadable("not text in a known encoding (UTF-8, UTF-16, GB18030, Big5, …)")


def decode_or_none(data: bytes, encoding: str) -> str | None:
    """``data`` decoded strictly, tolerating one multi-byte character cut off at the very end; None if it fails."""
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        # A file cut short (a download, `head -c`) may end inside a character: drop that one.
        if exc.end == len(data) and len(data) - exc.start < 4 and exc.start > 0:
            try:
                return data[: exc.start].decode(encoding)
            except UnicodeDecodeError:
                return None
        return None


def _bomless_utf16(data: bytes) -> tuple[str, str]:
    for encoding in ("utf-16-le", "utf-16-be"):
        text = decode_or_none(data, encoding) if len(data) % 2 == 0 else None
        if text is not None and plausible_chinese(text, every_char=True):
            return text, encoding
    raise Unreadable("binary file")


def _detect(data: bytes) -> tuple[str, str] | None:
    from charset_normalizer import from_bytes

    best = from_bytes(data).best()
    if best is None or best.chaos > MAX_DETECTION_CHAOS:
        return None
    encoding = codecs.lookup(best.encoding).name
    text = str(best)
    if encoding not in DETECTED_ENCODINGS or not plausible_chinese(text, _EAST_ASIAN):
        return None
    return text, encoding


_CONTROL = re.compile("[\x00-\x08\x0b\x0e-\x1f\x7f]")
# Characters of Chinese documents beyond ASCII: CJK ideographs (URO and compatibility), CJK
# punctuation, full-width forms (not half-width katakana), general punctuation (“”…—), number forms
# and enclosed numbers (Ⅰ ①), arrows, math and box drawing, shapes (■ ●), middle dot, ×, ÷, °, §.
_CHINESE_CHARS = (
    "\u4e00-\u9fff\uf900-\ufaff\u3000-\u303f\uff01-\uff60\uffe0-\uffe6\ufe30-\ufe4f\u2000-\u206f"
    "\u2100-\u25ff\u2600-\u27bf\u3200-\u33ff\u00b7\u00d7\u00f7\u00b0\u00a7"
)
_CHINESE = re.compile(f"[{_CHINESE_CHARS}]")
# … and of Japanese and Korean ones, for encodings found by detection: kana, hangul.
_EAST_ASIAN = re.compile(f"[{_CHINESE_CHARS}\u3040-\u30ff\u31f0-\u31ff\uac00-\ud7af\u1100-\u11ff]")


def plausible_chinese(text: str, letters: re.Pattern = _CHINESE, every_char: bool = False) -> bool:
    """Whether ``text`` reads as a document in ``letters``: no control characters, and its
    non-ASCII characters (with ``every_char``, all of them) mostly ``letters``."""
    if _CONTROL.search(text):
        return False
    if every_char:
        pool = len(text)
        ordinary = sum(1 for c in text if c.isascii() and (c.isprintable() or c in "\t\n\r\f"))
        ordinary += len(letters.findall(text))
    else:
        pool = sum(1 for c in text if not c.isascii())
        ordinary = len(letters.findall(text))
    return pool == 0 or ordinary >= MIN_PLAUSIBLE_SHARE * pool
