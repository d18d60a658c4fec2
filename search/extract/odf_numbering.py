"""An OpenDocument list item's number as it is shown ("一、", "（二）", "1.2."), from its list style.

text:list nests text:list-item; the list's text:style-name names a text:list-style (in content.xml's
automatic styles or styles.xml) whose level styles give num-format ("1", "一, 二, 三, ...", "a" …),
prefix, suffix, start value and how many levels the number shows. Each text:list restarts its count
unless it says text:continue-numbering or text:continue-list. Bullets give no text.
"""

from __future__ import annotations

from search.extract.word_numbering import format_number

_TEXT = "{urn:oasis:names:tc:opendocument:xmlns:text:1.0}"
_STYLE = "{urn:oasis:names:tc:opendocument:xmlns:style:1.0}"
_XML = "{http://www.w3.org/XML/1998/namespace}"
# ODF num-format -> word_numbering's format names (its first character decides for the East Asian ones).
_FORMATS = {
    "1": "decimal",
    "a": "lowerLetter",
    "A": "upperLetter",
    "i": "lowerRoman",
    "I": "upperRoman",
    "一": "chineseCounting",
    "壹": "chineseLegalSimplified",
    "甲": "ideographTraditional",
    "子": "ideographZodiac",
    "①": "decimalEnclosedCircle",
    "１": "decimalFullWidth",
    "〇": "ideographDigital",
}


class ListNumbers:
    """The list styles of one document and the running counts of its lists."""

    def __init__(self, *style_roots):
        self.styles: dict[str, dict[int, tuple[str, str, str, int, int]]] = {}
        for root in style_roots:
            if root is None:
                continue
            for list_style in root.iter(f"{_TEXT}list-style"):
                levels = {}
                for level in list_style:
                    number = level.tag == f"{_TEXT}list-level-style-number"
                    fmt = level.get(f"{_STYLE}num-format", "") if number else ""
                    levels[int(level.get(f"{_TEXT}level", "1") or 1)] = (
                        _FORMATS.get(fmt[:1], "decimal") if fmt else "",
                        level.get(f"{_STYLE}num-prefix", ""),
                        level.get(f"{_STYLE}num-suffix", ""),
                        int(level.get(f"{_TEXT}start-value", "1") or 1),
                        int(level.get(f"{_TEXT}display-levels", "1") or 1),
                    )
                self.styles[list_style.get(f"{_STYLE}name", "")] = levels
        self.counts: dict[str, list[int]] = {}  # a list's id (or style) -> counts by level
        self.last_of_style: dict[str, str] = {}

    def start_list(self, node, style: str | None) -> str:
        """A text:list opens: the key its counts run under (a continued list keeps the earlier one's)."""
        style = node.get(f"{_TEXT}style-name") or style or ""
        continued = node.get(f"{_TEXT}continue-list")
        key = node.get(f"{_XML}id") or f"{style}#{id(node)}"
        if continued and continued in self.counts:
            key = continued
        elif node.get(f"{_TEXT}continue-numbering") == "true" and style in self.last_of_style:
            self.counts[key] = self.counts[self.last_of_style[style]]
        self.counts.setdefault(key, [])
        self.last_of_style[style] = key
        return key

    def label(self, key: str, style: str, level: int, start_value: str | None = None) -> str:
        """The number of the next item at ``level`` (1-based) of the list ``key``; "" for bullets."""
        levels = self.styles.get(style, {})
        fmt, prefix, suffix, _start, shown = levels.get(level, ("", "", "", 1, 1))
        counts = self.counts.setdefault(key, [])
        while len(counts) < level:
            counts.append(levels.get(len(counts) + 1, ("", "", "", 1, 1))[3] - 1)
        del counts[level:]
        counts[level - 1] = int(start_value) if start_value and start_value.isdigit() else counts[level - 1] + 1
        if not fmt:
            return ""
        numbers = []
        for depth in range(max(1, level - shown + 1), level + 1):
            depth_fmt = levels.get(depth, ("decimal",))[0] or "decimal"
            numbers.append(format_number(max(counts[depth - 1], 1), depth_fmt))
        return f"{prefix}{'.'.join(numbers)}{suffix}"
