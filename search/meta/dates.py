"""Dates with a precision (:class:`PartialDate`), read from ISO, compact and Chinese forms, and from file names."""

from __future__ import annotations

import calendar
import re
import unicodedata
from dataclasses import dataclass
from datetime import date
from itertools import pairwise

CN_DIGITS = "〇零一二三四五六七八九十"
NUMBER = rf"(?:\d{{1,2}}|[{CN_DIGITS}]{{1,3}})"
YEAR_NUMBER = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
_ISO_DATE = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})(?:\2(\d{1,2}))?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CHINESE_DATE = re.compile(rf"({YEAR_NUMBER})年(?:({NUMBER})月(?:({NUMBER})[日号])?)?")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day; it denotes the interval it leaves open."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2100:
            raise ValueError(f"year {self.year} is outside 1900-2100")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None:
            date(self.year, self.month, self.day or 1)  # raises ValueError for 2020-13 or 2020-02-30

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def iso(self) -> str:
        """``2020``, ``2020-07`` or ``2020-07-18``."""
        parts = [f"{self.year:04d}"] + [f"{n:02d}" for n in (self.month, self.day) if n is not None]
        return "-".join(parts)

    def start(self) -> date:
        """The first day of the interval."""
        return date(self.year, self.month or 1, self.day or 1)

    def end(self) -> date:
        """The last day of the interval."""
        if self.month is None:
            return date(self.year, 12, 31)
        return date(self.year, self.month, self.day or calendar.monthrange(self.year, self.month)[1])

    def covers(self, other: PartialDate) -> bool:
        """Whether ``other``'s interval lies within this one."""
        return self.start() <= other.start() and other.end() <= self.end()

    def __str__(self) -> str:
        return self.iso()

    @classmethod
    def parse(cls, text: object) -> PartialDate | None:
        """``2020``, ``2020-07``, ``2020/7/18``, ``2020.07``, ``2020年7月18日``, ``二〇二〇年七月``; else None."""
        if not isinstance(text, str):
            return None
        compact = unicodedata.normalize("NFKC", text).replace(" ", "").strip()
        for pattern in (_ISO_DATE, _COMPACT_DATE, _CHINESE_DATE):
            match = pattern.fullmatch(compact)
            if match:
                groups = match.groups()
                if pattern is _ISO_DATE:
                    groups = (groups[0], groups[2], groups[3])  # drop the separator
                return build_date(*groups)
        return None


def build_date(year: str, month: str | None = None, day: str | None = None) -> PartialDate | None:
    """A PartialDate from numeral strings (Arabic or Chinese), or None when they make no date."""
    numbers = [numeral(part) if part is not None else None for part in (year, month, day)]
    year_number, month_number, day_number = numbers
    if year_number is None or any(
        n is None and p is not None for n, p in zip(numbers, (year, month, day), strict=True)
    ):
        return None
    try:
        return PartialDate(year_number, month_number, day_number)
    except ValueError:
        return None


def numeral(text: str) -> int | None:
    """``"7"``, ``"七"``, ``"十八"``, ``"二〇二〇"`` -> int; None when it is no number."""
    if text.isascii() and text.isdigit():
        return int(text)
    import cn2an  # here, not at module load: importing cn2an takes ~0.2 s and most dates are Arabic

    try:
        value = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if value == int(value) else None


# -- file names ------------------------------------------------------------------------------------

# A date in a file or folder name stands apart from other letters and digits: "20200720_05.txt",
# "2020-07-20 通知.docx", "2020_07_20", "2020年7月20日会议", folders "2020/07/" and "2020/"; never
# the digits of a hash ("a2020b7c").
_APART_BEFORE = r"(?<![0-9A-Za-z])"
_APART_AFTER = r"(?![0-9A-Za-z])"
_NAME_DAY = re.compile(_APART_BEFORE + r"((?:19|20)\d\d)([-_.]?)(0[1-9]|1[0-2])\2(0[1-9]|[12]\d|3[01])" + _APART_AFTER)
_NAME_CHINESE = re.compile(r"((?:19|20)\d\d)年(?:(\d{1,2})月(?:(\d{1,2})日)?)?")
_NAME_MONTH = re.compile(_APART_BEFORE + r"((?:19|20)\d\d)[-_.](0[1-9]|1[0-2])" + _APART_AFTER)
_NAME_YEAR = re.compile(_APART_BEFORE + r"((?:19|20)\d\d)" + _APART_AFTER)
_FOLDER_MONTH = re.compile(r"^(0[1-9]|1[0-2])$")
_SUFFIX = re.compile(r"\.[A-Za-z0-9]{1,5}$")


def filename_date(path: str | None) -> tuple[PartialDate, str] | None:
    """The date a relative file path states, most precise first, and the part it was read from.

    The file's own name is read before its folders; a folder "2020" followed by a folder "07"
    gives 2020-07. None when the path states no date.
    """
    if not path:
        return None
    # (ASCII is NFKC already.)
    parts = [p if p.isascii() else unicodedata.normalize("NFKC", p) for p in path.replace("\\", "/").split("/") if p]
    if not parts:
        return None
    parts[-1] = _SUFFIX.sub("", parts[-1])  # the suffix is no date
    best: tuple[PartialDate, str] | None = None
    for part in reversed(parts):
        found = _date_in_name(part)
        if found and (best is None or _RANK[found.precision] > _RANK[best[0].precision]):
            best = (found, part)
            if found.precision == "day":
                return best  # nothing is more precise, and folders only make a year more precise
    folders = parts[:-1]
    for year_part, month_part in pairwise(folders):
        year = _NAME_YEAR.fullmatch(year_part)
        month = _FOLDER_MONTH.match(month_part)
        if year and month and (best is None or best[0].precision == "year"):
            best = (PartialDate(int(year.group(1)), int(month.group(1))), f"{year_part}/{month_part}")
    return best


_RANK = {"year": 0, "month": 1, "day": 2}


def _date_in_name(name: str) -> PartialDate | None:
    for pattern in (_NAME_DAY, _NAME_CHINESE, _NAME_MONTH, _NAME_YEAR):
        match = pattern.search(name)
        if match:
            groups = [g for g in match.groups() if g is not None and g not in ("-", "_", ".", "")]
            found = build_date(*groups)
            if found:
                return found
    return None


def precision_rank(value: PartialDate) -> int:
    """0 for a year, 1 for a month, 2 for a day."""
    return _RANK[value.precision]
