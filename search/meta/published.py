"""A document's publication date, from the best evidence the file holds, with that evidence.

Strongest first: the manifest; the document's own metadata (HTML meta tags, a page's 发布日期
field); the signature block (落款); a news dateline (本报讯 7月18日); the file name and its
folders; a date stated where a publication date stands (a heading, the opening sentence). The
strongest evidence gives the date; weaker evidence only makes it more precise, and only when it
falls within it (a 2020/ folder and "8月8日,…召开2020年半年工作会议" give 2020-08-08). A year named
as a target, a plan period or a reviewed year is never read (到2035年, 2021—2025年, 十四五时期,
"2019年,全区…" in running text), and nothing after the day of indexing is a publication date.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from datetime import date, timedelta

from search.meta.dates import CN_DIGITS, NUMBER, YEAR_NUMBER, PartialDate, build_date, filename_date, precision_rank
from search.meta.evidence import Evidence, FileFacts
from search.meta.issuers import ORGAN, labelled
from search.meta.items import is_title_like

# A document's date ("8月8日,…") is within this many chars of the start of its first paragraph of
# text: after "本报讯 " or a broadcaster's "央视网消息(新闻联播):" prefix.
DATE_WINDOW = 40
# The leading heading paragraphs (subtitles, decks) looked at for a stated year.
MAX_LEADING_HEADINGS = 6
# A stated year dates a 月日 only if it follows within this many chars in the same sentence
# ("8月8日,郑东新区党工委召开2020年半年工作会议" but not "6月30号,…美国2003年发动的伊拉克战争").
MAX_YEAR_DISTANCE = 20
# An item dated more than this after its page's date belongs to the year before (a January page
# reporting "12月30日").
MAX_ITEM_AFTER_PAGE = timedelta(days=183)
# The signature block (落款) is among a document's last paragraphs (after it: 抄送, 此件公开发布).
SIGNATURE_PARAGRAPHS = 6

# The date of an event is followed by a comma, a time of day or a place ("8月8日,", "7月1日上午",
# "2025年1月20日在…"), unlike a period's bounds ("从2020年5月1日至…", "5月1日起施行") or an aside
# ("今天(2月1日)公布").
_EVENT_END = r"(?=[,\s上下早晚凌中午在])"
_FULL_DATE_IN_TEXT = re.compile(rf"({YEAR_NUMBER})年({NUMBER})月({NUMBER})[日号]{_EVENT_END}")
# Not the tail of a full date whose year is out of range ("1850年7月1日,"); "今年7月1日," is fine.
_MONTH_DAY_IN_TEXT = re.compile(
    rf"(?<![\d〇零一二三四五六七八九]年)(?<![\d{CN_DIGITS}])({NUMBER})月({NUMBER})[日号]{_EVENT_END}"
)
# "2023年度" names a period reviewed or awarded ("获得2023年度友谊奖"), not the year of the event.
_YEAR_IN_SENTENCE = re.compile(r"(?<!\d)((?:19|20)\d\d)年(?!度)")
# A full date right after these is a reference point, not an event (截至2009年12月31日, 到2035年).
_REFERENCE_BEFORE = ("截至", "截止", "截止到", "到", "至", "于")
# A heading whose year is a target or a reviewed period: "2020年我国将普及高中阶段教育",
# "2022年北京冬奥会倒计时一周年", "2023年末外汇储备", "2018年度全国社会捐赠".
_HEADING_NOT_ITS_YEAR = re.compile(r"^\d{4}年(?:度|末|底|全年)|将|倒计时|目标|远景|展望")
# An opening that says 今天/今日 after a full date is about another day (an anniversary, the day
# a speech was given before it was published).
_TODAY = re.compile("今天|今日")
# A heading that opens with a year is about that year ("2024"九个持续抓好"", "2025年安徽省政府工作报告");
# a year later in a heading is often another year's data ("商务部:2023年服务贸易创新高", published 2024).
_YEAR_IN_HEADING = re.compile(r"(19\d\d|20\d\d|2100)(?=年|[\"“”'\s]|$)")
_SENTENCE_END = re.compile("[。!?]")


_SIGNATURE = re.compile(rf"^(.{{0,60}}?)[((]?({YEAR_NUMBER})年({NUMBER})月({NUMBER})日[))]?$")
# A dateline: a news lead, maybe a place and a reporter, then the day ("本报讯(记者 张三) 7月18日,",
# "新华社北京7月18日电").
_DATELINE = re.compile(
    rf"^(?:本报讯|本台消息|本报[\u4e00-\u9fff]{{0,6}}电|新华社[\u4e00-\u9fff]{{0,8}}|人民网[\u4e00-\u9fff]{{0,8}})"
    rf"[^。,,]{{0,20}}?(?<![\d{CN_DIGITS}])({NUMBER})月({NUMBER})日(?:电|讯|[,\s])"
)
_META_DATE = re.compile(r"((?:19|20)\d\d)[-/.年](\d{1,2})(?:[-/.月](\d{1,2}))?")


def signature(paragraphs: Sequence[str]) -> tuple[Evidence[PartialDate] | None, Evidence[str] | None]:
    """(date, organ) of the signature block: a last paragraph that is a full date, with the organ
    before it on its line or on the line above (郑州市人民政府 / 2021年3月1日, 二〇二一年三月一日)."""
    start = max(0, len(paragraphs) - SIGNATURE_PARAGRAPHS)
    for i in range(len(paragraphs) - 1, start - 1, -1):
        line = paragraphs[i].replace(" ", "")
        match = _SIGNATURE.match(line) if _may_end_with_date(line) else None
        if not match:
            continue
        found = build_date(*match.groups()[1:])
        before = match.group(1)
        if found is None or (before and not ORGAN.fullmatch(before)):
            continue
        organ_line = paragraphs[i - 1].replace(" ", "") if i > 0 else ""
        organ = before or (organ_line if ORGAN.fullmatch(organ_line) else "")
        lines = paragraphs[i] if before or not organ else f"{paragraphs[i - 1]} / {paragraphs[i]}"
        return Evidence(found, "signature", lines), Evidence(organ, "signature", lines) if organ else None
    return None, None


def _may_end_with_date(line: str) -> bool:
    """Whether ``line`` ends as ``_SIGNATURE`` needs: 日, maybe a closing bracket (``$`` also allows
    a final newline).  Most last paragraphs do not, and the match would try 61 starts in each."""
    return line.removesuffix("\n").endswith(("日", "日)"))


def meta_date(text: str | None) -> PartialDate | None:
    """A date as meta tags write it: ``2021-03-01``, ``2021-03-01T08:00:00+08:00``, ``2021/3/1``, ``2021年3月1日``."""
    match = _META_DATE.search(text or "")
    return build_date(*(g for g in match.groups() if g)) if match else None


def file_evidence(facts: FileFacts, paragraphs: Sequence[str]) -> list[Evidence[PartialDate]]:
    """The file's own dates, strongest first: meta tags or a 发布日期 field, then the file name."""
    found = []
    published = meta_date(facts.get("published"))
    if published:
        found.append(
            Evidence(published, "meta", f"{facts.get('published_tag') or 'PubDate'}: {facts.get('published')}")
        )
    field = labelled(paragraphs, "发布日期", "成文日期", "发文日期")
    if field and (dated := meta_date(field[0])):
        found.append(Evidence(dated, "meta", field[1]))
    named = filename_date(facts.path)
    if named:
        found.append(Evidence(named[0], "filename", facts.path or named[1]))
    return found


def choose(
    candidates: Sequence[Evidence[PartialDate] | None],
    refine_only: Sequence[Evidence[PartialDate]] = (),
    today: date | None = None,
) -> Evidence[PartialDate] | None:
    """The strongest candidate, made more precise by weaker ones that fall within it.

    ``refine_only`` candidates (a Word or PDF file's creation date: a template's is no publication
    date) never date a document alone. Candidates after ``today`` are dropped.
    """
    today = today or date.today()
    best: Evidence[PartialDate] | None = None
    for candidate in candidates:
        if candidate is None or candidate.value.start() > today:
            continue
        if best is None or (
            best.value.covers(candidate.value) and precision_rank(candidate.value) > precision_rank(best.value)
        ):
            best = candidate
    for candidate in refine_only:
        if (
            best is not None
            and candidate.value.start() <= today
            and best.value.covers(candidate.value)
            and (precision_rank(candidate.value) > precision_rank(best.value))
        ):
            best = candidate
    return best


def dateline(body: Sequence[str], year: int | None) -> Evidence[PartialDate] | None:
    """A news dateline's day ("本报讯 7月18日", "新华社北京7月18日电") with ``year`` (the page's)."""
    for paragraph in body[:3]:
        match = _DATELINE.match(paragraph)
        if match:
            found = build_date(str(year), *match.groups()) if year else None
            return Evidence(found, "dateline", paragraph[: match.end()]) if found else None
    return None


def text_date(headings: Sequence[str], body: Sequence[str], fallback_year: int | None) -> Evidence[PartialDate] | None:
    """The date a document's opening states, or None.

    1. A full date (2025年1月20日) in a heading or at the start of the first paragraph of text.
    2. A 月日 at the start of the first paragraph of text ("8月8日,", "本报讯 7月18日,"), with the
       year from: the stronger evidence (``fallback_year``), else a "YYYY年" shortly after it in the
       same sentence ("8月8日,郑东新区党工委召开2020年半年工作会议"), else a year in a heading. No
       year: None, never a guess.
    3. No 月日: a year a heading opens with (title, subtitles: "2024"九个持续抓好"") gives the year.
       Years in running text are not used: "2019年,全区…" in a 2020 report reviews the year before.
    """
    leading = list(headings)
    text = ""
    for paragraph in body:
        if is_title_like(paragraph) and len(leading) < MAX_LEADING_HEADINGS:
            leading.append(paragraph)
            continue
        text = paragraph
        break
    window = text[:DATE_WINDOW]
    for candidate in (*leading, window):
        match = _FULL_DATE_IN_TEXT.search(candidate)
        full = build_date(*match.groups()) if match else None
        if full and match and candidate is window and _not_its_day(text, match):
            continue
        if full:
            return Evidence(full, "text" if candidate is window else "title", candidate)
    heading = _heading_year(leading)
    match = _MONTH_DAY_IN_TEXT.search(window)
    if match:
        year = fallback_year or _year_after(text, match.end()) or (heading[0] if heading else None)
        found = build_date(str(year), *match.groups()) if year else None
        return Evidence(found, "text", text[: min(len(text), match.end() + MAX_YEAR_DISTANCE)]) if found else None
    return Evidence(PartialDate(heading[0]), "title", heading[1]) if heading else None


def item_date(
    headings: Sequence[str], body: Sequence[str], page: Evidence[PartialDate] | None, today: date | None = None
) -> Evidence[PartialDate] | None:
    """A news item's date: its own 月日 with the page's year, else the page's month.

    An item saying only "近日" (recently) happened shortly before the page's date, so the page date
    is kept at month precision rather than claiming a day it does not state.
    """
    year = page.value.year if page else None
    found = dateline(body, year) or text_date(headings, body, year)
    if found is not None and found.value.start() <= (today or date.today()):
        return Evidence(_year_before_if_after(found.value, page.value if page else None), found.source, found.line)
    if page is None:
        return None
    value = page.value
    return Evidence(
        PartialDate(value.year, value.month) if value.month else PartialDate(value.year), page.source, page.line
    )


def _year_before_if_after(found: PartialDate, page: PartialDate | None) -> PartialDate:
    """An item dated half a year after its page's date is from the year before (Jan page, 12月 item)."""
    if page is None or found.year != page.year or found.start() - page.end() <= MAX_ITEM_AFTER_PAGE:
        return found
    try:
        return PartialDate(found.year - 1, found.month, found.day)
    except ValueError:  # 29 February
        return found


def _not_its_day(text: str, match: re.Match) -> bool:
    """A full date in the opening that is a reference point or another day than the story's."""
    return text[: match.start()].endswith(_REFERENCE_BEFORE) or _TODAY.search(text, match.end()) is not None


def _year_after(text: str, start: int) -> int | None:
    """A year stated shortly after ``start`` in the same sentence."""
    end = _SENTENCE_END.search(text, start)
    stop = min(end.start() if end else len(text), start + MAX_YEAR_DISTANCE)
    match = _YEAR_IN_SENTENCE.search(text, start, stop + 1)  # +1: the 年 may sit right at the limit
    return int(match.group(1)) if match else None


def _heading_year(headings: Sequence[str]) -> tuple[int, str] | None:
    """(year, heading) of the first heading that opens with a year."""
    for heading in headings:
        match = _YEAR_IN_HEADING.match(heading)
        if match and not _HEADING_NOT_ITS_YEAR.search(heading):
            return int(match.group(1)), heading
    return None
