"""A Word 97 paragraph's list number as Word shows it ("一、", "（二）", "1."), from the binary's list tables.

As for .docx (word_numbering.py), a 公文's auto-numbered headings otherwise read without their numbers.
MS-DOC: a paragraph's properties (its PAPX, found through PlcBtePapx and the 512-byte FKP pages by the
file position of its paragraph mark) name a list (sprmPIlfo, 1-based into PlfLfo, whose LFO names a
list id in PlfLst) and a level (sprmPIlvl); each level's LVL gives its start, number format (nfc, the
order of OOXML's ST_NumberFormat) and the number text (xst), whose level placeholders sit at the
positions rgbxchNums lists. A paragraph without its own sprmPIlfo/sprmPIlvl takes its style's (the STSH's
paragraph styles, through istdBase): Word numbers headings by their style.
"""

from __future__ import annotations

import bisect
import re
import struct

from search.extract.word_numbering import format_number

_STSHF, _BTE_PAPX, _PLF_LST, _PLF_LFO = 1, 13, 73, 74  # indexes into FibRgFcLcb97
_ISTD_NIL = 0x0FFF
_SPRM_P_ILVL, _SPRM_P_ILFO = 0x260A, 0x460B
_CJK_END = re.compile(r"[\u3000-\u303f\uff00-\uffef\u4e00-\u9fff]$")
# MS-DOC nfc values are the positions of OOXML's ST_NumberFormat names.
_NFC = (
    "decimal upperRoman lowerRoman upperLetter lowerLetter ordinal cardinalText ordinalText hex chicago "
    "ideographDigital japaneseCounting aiueo iroha decimalFullWidth decimalHalfWidth japaneseLegal "
    "japaneseDigitalTenThousand decimalEnclosedCircle decimalFullWidth2 aiueoFullWidth irohaFullWidth decimalZero "
    "bullet ganada chosung decimalEnclosedFullstop decimalEnclosedParen decimalEnclosedCircleChinese "
    "ideographEnclosedCircle ideographTraditional ideographZodiac ideographZodiacTraditional taiwaneseCounting "
    "ideographLegalTraditional taiwaneseCountingThousand taiwaneseDigital chineseCounting chineseLegalSimplified "
    "chineseCountingThousand"
).split()


class Lists:
    """A .doc's lists; ``label(fc)`` counts and returns the number text of the paragraph whose mark is at ``fc``."""

    def __init__(self, word: bytes, table: bytes, fc_lcb: int):
        self.word = word
        fc_bte, lcb_bte = struct.unpack_from("<II", word, fc_lcb + 8 * _BTE_PAPX)
        n = (lcb_bte - 4) // 8
        self.bte_fcs = list(struct.unpack_from(f"<{n + 1}I", table, fc_bte))
        self.bte_pns = [pn & 0x3FFFFF for pn in struct.unpack_from(f"<{n}I", table, fc_bte + 4 * (n + 1))]
        self.levels = _read_lists(table, *struct.unpack_from("<II", word, fc_lcb + 8 * _PLF_LST))
        self.lfo_lists = _read_lfos(table, *struct.unpack_from("<II", word, fc_lcb + 8 * _PLF_LFO))
        try:
            self.styles = _read_styles(table, *struct.unpack_from("<II", word, fc_lcb + 8 * _STSHF))
        except (struct.error, IndexError):
            self.styles = {}  # numbers from the paragraphs' own properties only
        self.counters: dict[int, dict[int, int]] = {}

    def style_list(self, istd: int, ilfo: int | None = None, ilvl: int | None = None) -> tuple[int, int]:
        """(ilfo, ilvl): a paragraph's own where set, else its style's, else the styles it is based on."""
        seen = set()
        while (ilfo is None or ilvl is None) and istd in self.styles and istd not in seen:
            seen.add(istd)
            style_ilfo, style_ilvl, istd = self.styles[istd]
            ilfo = style_ilfo if ilfo is None else ilfo
            ilvl = style_ilvl if ilvl is None else ilvl
        return (ilfo or 0), min(ilvl or 0, 8)

    def label(self, fc: int) -> str:
        """The number text for the paragraph whose mark is at file position ``fc`` ("" when it is no list item)."""
        ilfo, ilvl = self._list_of(fc)
        if not ilfo or ilfo > len(self.lfo_lists):
            return ""
        lsid = self.lfo_lists[ilfo - 1]
        levels = self.levels.get(lsid)
        if not levels or ilvl >= len(levels):
            return ""
        counters = self.counters.setdefault(lsid, {})
        start, nfc, text, positions, follow = levels[ilvl]
        counters[ilvl] = counters.get(ilvl, start - 1) + 1
        for deeper in [level for level in counters if level > ilvl]:
            del counters[deeper]
        fmt = _NFC[nfc] if nfc < len(_NFC) else "none"
        if fmt == "bullet" or nfc == 0xFF or not text:
            return ""
        chars = list(text)
        for position in positions:
            if 0 < position <= len(chars) and ord(chars[position - 1]) < 9:
                level = ord(chars[position - 1])
                level_start, level_nfc = (levels[level][0], levels[level][1]) if level < len(levels) else (1, 0)
                chars[position - 1] = format_number(
                    counters.get(level, level_start), _NFC[level_nfc] if level_nfc < len(_NFC) else "decimal"
                )
        shown = "".join(chars)
        return shown if follow == 2 or _CJK_END.search(shown) else shown + " "

    def _list_of(self, fc: int) -> tuple[int, int]:
        """(ilfo, ilvl) from the PAPX of the FKP run holding ``fc``; (0, 0) where none is found."""
        i = bisect.bisect_right(self.bte_fcs, fc) - 1
        if i < 0 or i >= len(self.bte_pns):
            return 0, 0
        page_at = self.bte_pns[i] * 512
        page = self.word[page_at : page_at + 512]
        if len(page) < 512:
            return 0, 0
        crun = page[511]
        fcs = struct.unpack_from(f"<{crun + 1}I", page, 0)
        run = bisect.bisect_right(fcs, fc) - 1
        if run < 0 or run >= crun:
            return 0, 0
        offset = page[4 * (crun + 1) + 13 * run] * 2
        if offset == 0:
            return 0, 0
        cb = page[offset]
        if cb == 0:
            grpprl = page[offset + 2 : offset + 2 + 2 * page[offset + 1]]
        else:
            grpprl = page[offset + 1 : offset + 1 + 2 * cb - 1]
        if len(grpprl) < 2:
            return 0, 0
        ilfo, ilvl = _sprm_list(grpprl[2:])  # after the istd
        return self.style_list(struct.unpack_from("<H", grpprl, 0)[0], ilfo, ilvl)


def _sprm_list(grpprl: bytes) -> tuple[int | None, int | None]:
    """sprmPIlfo and sprmPIlvl's operands in a grpprl, None where absent (stops at a sprm of untold size)."""
    ilfo = ilvl = None
    at = 0
    while at + 2 <= len(grpprl):
        sprm = struct.unpack_from("<H", grpprl, at)[0]
        at += 2
        spra = sprm >> 13
        if spra in (0, 1):
            size = 1
        elif spra in (2, 4, 5):
            size = 2
        elif spra == 3:
            size = 4
        elif spra == 7:
            size = 3
        elif sprm in (0xD608, 0xD606):  # table definitions: a 2-byte size
            break
        else:
            if at >= len(grpprl):
                break
            size = grpprl[at] + 1
        if at + size > len(grpprl):
            break
        if sprm == _SPRM_P_ILFO:
            ilfo = struct.unpack_from("<h", grpprl, at)[0]
        elif sprm == _SPRM_P_ILVL:
            ilvl = grpprl[at]
        at += size
    return (None if ilfo is None else max(ilfo, 0)), ilvl


def _read_styles(table: bytes, fc: int, lcb: int) -> dict[int, tuple[int | None, int | None, int]]:
    """The STSH's paragraph styles: istd -> (sprmPIlfo, sprmPIlvl of its UpxPapx, istdBase)."""
    if lcb < 4:
        return {}
    cb_stshi = struct.unpack_from("<H", table, fc)[0]
    count, cb_base = struct.unpack_from("<HH", table, fc + 2)
    at, end = fc + 2 + cb_stshi, fc + lcb
    styles = {}
    for istd in range(count):
        if at + 2 > end:
            break
        cb = struct.unpack_from("<H", table, at)[0]
        std = table[at + 2 : at + 2 + cb]
        at += 2 + cb
        if cb < cb_base + 2:
            continue
        kind_base, upx_count = struct.unpack_from("<HH", std, 2)
        if kind_base & 0x0F != 1 or upx_count & 0x0F < 1:  # not a paragraph style
            continue
        name_at = cb_base
        upx = name_at + 2 + 2 * struct.unpack_from("<H", std, name_at)[0] + 2  # xstzName and its null
        upx += upx % 2
        cb_upx = struct.unpack_from("<H", std, upx)[0]
        ilfo, ilvl = _sprm_list(std[upx + 4 : upx + 2 + cb_upx])  # after cbUpx and the istd
        styles[istd] = (ilfo, ilvl, kind_base >> 4)
    return {istd: (ilfo, ilvl, base if base != _ISTD_NIL else -1) for istd, (ilfo, ilvl, base) in styles.items()}


def _read_lists(table: bytes, fc: int, lcb: int) -> dict[int, list[tuple[int, int, str, bytes, int]]]:
    """PlfLst and the LVLs after it: list id -> its levels' (start, nfc, number text, placeholder positions, follow)."""
    if lcb < 2:
        return {}
    count = struct.unpack_from("<h", table, fc)[0]
    lists = []
    for i in range(max(0, count)):
        at = fc + 2 + 28 * i
        lsid = struct.unpack_from("<i", table, at)[0]
        simple = table[at + 26] & 0x01
        lists.append((lsid, 1 if simple else 9))
    at = fc + lcb
    found = {}
    for lsid, level_count in lists:
        levels = []
        for _ in range(level_count):
            start = struct.unpack_from("<i", table, at)[0]
            nfc, positions, follow = table[at + 4], table[at + 6 : at + 15], table[at + 15]
            cb_chpx, cb_papx = table[at + 24], table[at + 25]
            at += 28 + cb_papx + cb_chpx
            cch = struct.unpack_from("<H", table, at)[0]
            text = table[at + 2 : at + 2 + 2 * cch].decode("utf-16-le", "replace")
            at += 2 + 2 * cch
            levels.append((start, nfc, text, positions, follow))
        found[lsid] = levels
    return found


def _read_lfos(table: bytes, fc: int, lcb: int) -> list[int]:
    """PlfLfo: each LFO's list id, in order (sprmPIlfo is 1-based into it)."""
    if lcb < 4:
        return []
    count = struct.unpack_from("<i", table, fc)[0]
    return [struct.unpack_from("<i", table, fc + 4 + 16 * i)[0] for i in range(max(0, min(count, 2047)))]
