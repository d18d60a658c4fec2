"""Dates as people type them in filters: ``2020/7/1``, ``2020.07.01``, ``20200701``, ``2020-7``,
``Jul 2020``, and relative ranges (近一年, 近3个月, 今年, 去年, 本月, 上月; the CLI's ``--since 90d`` is 近90天).

Chinese and numeric forms are read by :meth:`PartialDate.parse` (our own expressions);
python-dateutil reads the rest, keeping the precision the text gives. What cannot be read gives
None, never a guess.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import date, datetime, timedelta

from dateutil import parser as dateutil_parser
from dateutil.relativedelta import relativedelta

from search.meta.dates import PartialDate

# Two defaults that differ in every field: a field dateutil fills from the default was not typed.
_DEFAULTS = (datetime(1904, 1, 1), datetime(1908, 2, 2))
_RECENT = re.compile(r"(?:近|最近|过去)([\d一二两三四五六七八九十]+)个?(年|月|周|星期|天|日)")
_UNITS = {"年": "years", "月": "months", "周": "weeks", "星期": "weeks", "天": "days", "日": "days"}


def typed_date(text: str) -> PartialDate | None:
    """A date typed in a filter, with the precision typed (``2020-7`` is July 2020); None if unreadable."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    found = PartialDate.parse(value)
    if found is not None or re.search(r"[\u4e00-\u9fff]", value):
        return found
    try:
        first, second = (dateutil_parser.parse(value, default=d) for d in _DEFAULTS)
    except (ValueError, OverflowError):
        return None
    if first.year != second.year:
        return None  # no year typed: "7/1" is not guessed
    month = first.month if first.month == second.month else None
    day = first.day if month is not None and first.day == second.day else None
    try:
        return PartialDate(first.year, month, day)
    except ValueError:
        return None


def relative_range(text: str, today: date | None = None) -> tuple[date, date] | None:
    """(first day, last day) of 今年, 去年, 本月, 上月, 近一年, 近3个月, 近30天 …; None for anything else."""
    today = today or date.today()
    value = unicodedata.normalize("NFKC", text or "").strip()
    if value in ("今年", "本年"):
        return date(today.year, 1, 1), date(today.year, 12, 31)
    if value == "去年":
        return date(today.year - 1, 1, 1), date(today.year - 1, 12, 31)
    if value in ("本月", "这个月"):
        return PartialDate(today.year, today.month).start(), PartialDate(today.year, today.month).end()
    if value == "上月":
        last = today.replace(day=1) - timedelta(days=1)
        return PartialDate(last.year, last.month).start(), PartialDate(last.year, last.month).end()
    match = _RECENT.fullmatch(value)
    if match:
        count = match.group(1)
        amount = int(count) if count.isdigit() else _small_number(count)
        if amount:
            return since(amount, _UNITS[match.group(2)], today), today
    return None


def _small_number(text: str) -> int | None:
    """一 … 九十九 (两 for 二) without cn2an, whose import costs a web request ~0.5 s."""
    digits = {c: i for i, c in enumerate("零一二三四五六七八九")} | {"两": 2}
    if "十" not in text:
        return digits.get(text) if len(text) == 1 else None
    tens, _, ones = text.partition("十")
    if (tens and tens not in digits) or (ones and ones not in digits):
        return None
    return (digits[tens] if tens else 1) * 10 + (digits[ones] if ones else 0)


def since(amount: int, unit: str, today: date) -> date:
    """The first day of the last ``amount`` ``unit`` up to and including today."""
    return today - relativedelta(**{unit: amount}) + timedelta(days=1)
