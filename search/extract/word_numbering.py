"""A .docx paragraph's list number as Word shows it ("一、", "（二）", "3.", "①"), from numbering.xml.

A 公文's headings are often numbered by Word, not typed: without the number, "一、总体要求" reads as
"总体要求" and a phrase search for the heading as written finds nothing. Numbers come from the
paragraph's own w:numPr or its style's (through w:basedOn); counters run per abstract list, a level's
count restarting when a higher level moves on. Bullets give no text.
"""

from __future__ import annotations

import re

_W = "{http://schemas.openxmlformats.org/wordprocessingml/2006/main}"
_DIGITS = "〇一二三四五六七八九"
_LEGAL = "零壹贰叁肆伍陆柒捌玖"
_LEGAL_TRADITIONAL = "零壹貳參肆伍陸柒捌玖"
_STEMS = "甲乙丙丁戊己庚辛壬癸"
_BRANCHES = "子丑寅卯辰巳午未申酉戌亥"
_CIRCLED = "①②③④⑤⑥⑦⑧⑨⑩⑪⑫⑬⑭⑮⑯⑰⑱⑲⑳"
_PLACEHOLDER = re.compile(r"%([1-9])")
_CJK_END = re.compile(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]$")


def _chinese(n: int, digits: str = _DIGITS, units: str = "十百千") -> str:
    """1 -> 一, 10 -> 十, 21 -> 二十一, 105 -> 一百〇五 (counting numbers as written in 公文)."""
    if n <= 0:
        return digits[0]
    if n < 10:
        return digits[n]
    if n < 20 and digits is _DIGITS:
        return units[0] + (digits[n % 10] if n % 10 else "")
    out, zero = "", False
    for power, unit in ((1000, units[2]), (100, units[1]), (10, units[0]), (1, "")):
        d = n // power % 10
        if d:
            out += (digits[0] if zero and out else "") + digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out


def _roman(n: int) -> str:
    out = ""
    for value, numeral in (
        (1000, "M"),
        (900, "CM"),
        (500, "D"),
        (400, "CD"),
        (100, "C"),
        (90, "XC"),
        (50, "L"),
        (40, "XL"),
        (10, "X"),
        (9, "IX"),
        (5, "V"),
        (4, "IV"),
        (1, "I"),
    ):
        while n >= value:
            out, n = out + numeral, n - value
    return out


def _letter(n: int) -> str:
    return chr(ord("A") + (n - 1) % 26) * ((n - 1) // 26 + 1)


def format_number(n: int, fmt: str) -> str:
    """A counter in a w:numFmt (decimal, chineseCounting, ideographTraditional, decimalEnclosedCircle …)."""
    if fmt in (
        "chineseCounting",
        "chineseCountingThousand",
        "japaneseCounting",
        "taiwaneseCounting",
        "taiwaneseCountingThousand",
    ):
        return _chinese(n)
    if fmt in ("ideographDigital", "taiwaneseDigital"):  # digit by digit: 10 is 一〇
        return "".join(_DIGITS[int(d)] for d in str(n))
    if fmt == "chineseLegalSimplified":
        return _chinese(n, _LEGAL, "拾佰仟")
    if fmt == "ideographLegalTraditional":
        return _chinese(n, _LEGAL_TRADITIONAL, "拾佰仟")
    if fmt == "ideographTraditional":
        return _STEMS[(n - 1) % 10]
    if fmt == "ideographZodiac":
        return _BRANCHES[(n - 1) % 12]
    if fmt in ("decimalEnclosedCircle", "decimalEnclosedCircleChinese") and 1 <= n <= 20:
        return _CIRCLED[n - 1]
    if fmt == "decimalFullWidth" or fmt == "decimalFullWidth2":
        return "".join(chr(0xFF10 + int(d)) for d in str(n))
    if fmt == "decimalZero":
        return f"{n:02d}"
    if fmt == "upperRoman":
        return _roman(n)
    if fmt == "lowerRoman":
        return _roman(n).lower()
    if fmt == "upperLetter":
        return _letter(n)
    if fmt == "lowerLetter":
        return _letter(n).lower()
    return str(n)


class Numbering:
    """The lists of one document; ``label(paragraph)`` counts and returns the paragraph's number text."""

    def __init__(self, numbering=None, styles=None):
        self.levels: dict[str, dict[int, tuple[int, str, str, str]]] = {}  # abstract -> ilvl -> start, fmt, text, suff
        self.nums: dict[str, tuple[str, dict[int, int]]] = {}  # numId -> abstract, start overrides
        self.style_numbers: dict[str, tuple[str | None, int | None, str | None]] = {}
        self.counters: dict[str, dict[int, int]] = {}
        self.started: set[str] = set()
        if numbering is not None:
            self._read_numbering(numbering)
        if styles is not None:
            for style in styles.iterchildren(f"{_W}style"):
                num = style.find(f"{_W}pPr/{_W}numPr")
                based = style.find(f"{_W}basedOn")
                num_id = num.find(f"{_W}numId") if num is not None else None
                ilvl = num.find(f"{_W}ilvl") if num is not None else None
                self.style_numbers[style.get(f"{_W}styleId", "")] = (
                    num_id.get(f"{_W}val") if num_id is not None else None,
                    _int(ilvl.get(f"{_W}val")) if ilvl is not None else None,
                    based.get(f"{_W}val") if based is not None else None,
                )

    def _read_numbering(self, root) -> None:
        for abstract in root.iterchildren(f"{_W}abstractNum"):
            levels = {}
            for lvl in abstract.iterchildren(f"{_W}lvl"):
                levels[_int(lvl.get(f"{_W}ilvl"))] = (
                    _int(_val(lvl, "start"), 1),
                    _val(lvl, "numFmt") or "decimal",
                    _val(lvl, "lvlText") or "",
                    _val(lvl, "suff") or "tab",
                )
            self.levels[abstract.get(f"{_W}abstractNumId", "")] = levels
        for num in root.iterchildren(f"{_W}num"):
            overrides = {}
            for override in num.iterchildren(f"{_W}lvlOverride"):
                start = override.find(f"{_W}startOverride")
                if start is not None:
                    overrides[_int(override.get(f"{_W}ilvl"))] = _int(start.get(f"{_W}val"), 1)
            abstract = num.find(f"{_W}abstractNumId")
            if abstract is not None:
                self.nums[num.get(f"{_W}numId", "")] = (abstract.get(f"{_W}val", ""), overrides)

    def label(self, paragraph) -> str:
        """The number text a paragraph shows before its own ("一、"), or "" (no list, a bullet, none)."""
        num_id, ilvl = self._paragraph_number(paragraph)
        if not num_id or num_id == "0" or num_id not in self.nums:
            return ""
        abstract, overrides = self.nums[num_id]
        levels = self.levels.get(abstract, {})
        ilvl = ilvl or 0
        if ilvl not in levels:
            return ""
        counters = self.counters.setdefault(abstract, {})
        if num_id not in self.started and overrides:  # a list restarted at its first paragraph
            self.started.add(num_id)
            for level, start in overrides.items():
                counters[level] = start - 1
        self.started.add(num_id)
        start = levels[ilvl][0]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        _, fmt, text, suffix = levels[ilvl]
        if fmt in ("bullet", "none") or not text:
            return ""

        def number(match: re.Match) -> str:
            level = int(match.group(1)) - 1
            level_start, level_fmt = levels.get(level, (1, "decimal", "", ""))[:2]
            return format_number(counters.get(level, level_start), level_fmt)

        shown = _PLACEHOLDER.sub(number, text)
        # Word separates the number by a tab or space; Chinese numbers ("一、") need none to read as written.
        return shown if suffix == "nothing" or _CJK_END.search(shown) else shown + " "

    def _paragraph_number(self, paragraph) -> tuple[str | None, int | None]:
        properties = paragraph.find(f"{_W}pPr")
        if properties is None:
            return None, None
        num = properties.find(f"{_W}numPr")
        num_id = ilvl = None
        if num is not None:
            node = num.find(f"{_W}numId")
            num_id = node.get(f"{_W}val") if node is not None else None
            node = num.find(f"{_W}ilvl")
            ilvl = _int(node.get(f"{_W}val")) if node is not None else None
        style = properties.find(f"{_W}pStyle")
        style_id = style.get(f"{_W}val") if style is not None else None
        seen = set()
        while (num_id is None or ilvl is None) and style_id and style_id not in seen:
            seen.add(style_id)
            style_num, style_ilvl, based = self.style_numbers.get(style_id, (None, None, None))
            num_id = num_id if num_id is not None else style_num
            ilvl = ilvl if ilvl is not None else style_ilvl
            style_id = based
        return num_id, ilvl


def _val(node, tag: str) -> str | None:
    child = node.find(f"{_W}{tag}")
    return child.get(f"{_W}val") if child is not None else None


def _int(value, default: int = 0) -> int:
    try:
        return int(value)
    except (TypeError, ValueError):
        return default
