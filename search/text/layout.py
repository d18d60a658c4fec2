"""Layout repairs of extracted text, decided on the narrow form of each line and applied to the
line as written at the same places (see ``search/text/normalize.py``).

The thresholds below were tuned on the seed reports (see ``seeds/``) and the report corpora in
``bench/data``; the comments say why.
"""

from __future__ import annotations

import re
from itertools import pairwise

# A line at least this long that stops mid-sentence was broken by the layout. Shorter unterminated
# lines are headings: the longest unspaced heading in the seeds is 22 chars ("郑东新区勇扛“东强”重任,
# 高质量发展再启征程"), the shortest broken line 27 ("切实做好要素保障。把“三送一强”活动作为企业复工复产的").
MIN_BROKEN_LINE = 24

# Headlines made of two parts separated by a space ("统筹卫生城市复审和文明城市创建 城市软实力持续提升")
# run up to 48 chars in the seeds, so a spaced line up to this length with no "。" is a heading, never
# a broken line, even though it is longer than MIN_BROKEN_LINE.
MAX_SPACED_HEADLINE = 60

# Spaces inside words are only removed from running text at least this long that contains a full stop:
# the wrapped paragraph in seed 003 is 299 chars; headings, titles and decks ("…建设…… 不断开创高质量发展
# 新局面 推动…", 64 chars, no "。") keep their meaningful spaces.
MIN_RUNNING_TEXT = 60
# ...and only when the spaces show the wrap of a newspaper column: at least this many of them...
MIN_WRAP_SPACES = 3
# ...at least this far apart (median). Seed 003 wraps every 15-21 chars. Clean text has the odd
# meaningful space instead: slogans ("“传承友谊薪火 共创美好未来”"), speaker labels, name lists
# ("张三 李四 王五", 2-4 chars apart).
MIN_WRAP_WIDTH = 8

# Vertical headings come out as runs of one-to-three-character lines ("九", "介", "续", "抓", "好", "突出").
MAX_VERTICAL_CELL = 3
MIN_VERTICAL_RUN = 4

# Ideographs, CJK and full-width punctuation, and the curly quotes/dashes Chinese text uses.
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
    "\U00020000-\U0003134f"
)
_SPACE_NEXT_TO_CJK = re.compile(f"(?<=[{_CJK}]) (?=\\S)|(?<=\\S) (?=[{_CJK}])")

# Sentence-final punctuation in the narrow form ("。" stays, "！？；：" are "!?;:"; "…" is kept, and
# "..." is an ellipsis typed as three dots). A colon ends a line that introduces a list, which is a
# deliberate break too.
_FINAL = frozenset("。!?;:.…")
_CLOSERS = "”\"’'」』)]】》〉"
_CLAUSE_MARK = re.compile("[,;。!?]")

# A dateline starts a news item ("本报讯 7月18日,…", "央视网消息(新闻联播):…"): never the tail of a line.
_DATELINE = re.compile(r"^(?:本报讯|央视网消息|中国网络电视台消息|本台消息|新华社[^\s,,。]{0,8}电)")

_ROLE = r"(?:本报)?(?:见习记者|特约记者|记者|通讯员|实习生)"
_NAME = r"[\u4e00-\u9fff·]{2,4}"
_CREDIT = r"(?: ?(?:文/图|图/文|/图|/文|摄影|摄|文|图))?"
_BYLINE = f"{_ROLE} ?{_NAME}(?: {_NAME})*(?: ?{_ROLE} ?{_NAME}(?: {_NAME})*)*{_CREDIT}"
_BYLINE_LINE = re.compile(_BYLINE)
# A byline ends its paragraph and follows the end of a sentence, a caption (after a space) or nothing.
_TRAILING_BYLINE = re.compile(f'(?:^|(?<=[。!?;:.…”"’)\\] ]))({_BYLINE})$')

_VERTICAL_CELL = re.compile(f"[\u4e00-\u9fff]{{1,{MAX_VERTICAL_CELL}}}")
_SENTENCE_END = re.compile("[。!?]")

# A numbered heading of a report: "（一）…" / "(一)…", "一、…", "五是…", "第三,…", "2、…", "3. …"
# (in the narrow form). 2025_gansu_gwr.txt: "五是积极融入新发展格局，进一步全面深化改革扩大开放" is 25
# chars with a comma, so it looked like a line the layout broke and was glued to the paragraph after
# it. With the rule below on blank lines, the reports in bench/data (government_report_rag and
# chinese-political-corpora) go from 220 joins, nearly all of a heading to its paragraph, to 29.
_NUMBERED = re.compile(
    r"(?:\([一二三四五六七八九十百零〇\d]{1,4}\)|[一二三四五六七八九十百]{1,3}、"
    r"|[一二三四五六七八九十]{1,3}是|第[一二三四五六七八九十百]{1,3}[,、:]|\d{1,2}[、.](?!\d))"
)
# ...and the longest such heading in the corpora is 41 chars ("（五）充分依靠和发挥群众的积极性和创造性，
# 完成和超额完成一九五八年度的国民经济计划"); a numbered line holding a full stop is running text.
MAX_NUMBERED_HEADING = 60
_INNER_STOP = re.compile("[。!?;]")

# Joining across a blank line needs stronger evidence than within a block of lines: the report
# corpora separate paragraphs with blank lines, and there an unfinished line before a blank one is a
# heading ("这几年取得的巨大成就,是坚决执行自力更生方针的结果", 1964_gwr.txt, 25 chars). The seeds put
# a blank line after every line, broken ones too; each of their broken lines holds a full stop, is
# at least this long (the shortest without one is 52 chars: "会议强调,要按照全市“东强”功能布局,…
# 核心板块建设进"), or stops right after a comma (",辐" + "射周边", seed 004), where no heading stops.
MIN_BROKEN_ACROSS_BLANK = 50
MAX_BROKEN_STUB = 3
_LAST_CLAUSE = re.compile("[,、;:][^,、;:]*$")


class Line:
    """One line (or joined paragraph) as written and in the narrow form: the same length, so a
    place in one is the same place in the other."""

    __slots__ = ("after_blank", "shown", "text")

    def __init__(self, shown: str, text: str, after_blank: bool = False):
        self.shown = shown
        self.text = text  # narrow(shown): every decision below reads this one
        self.after_blank = after_blank  # a blank line came before it in the file

    def head(self, end: int) -> Line:
        """The line up to ``end``, stripped at its end."""
        end = len(self.text[:end].rstrip())
        return Line(self.shown[:end], self.text[:end], self.after_blank)

    def part(self, start: int, end: int) -> Line:
        """The characters ``start:end`` of the line, in both forms."""
        return Line(self.shown[start:end], self.text[start:end])

    def without(self, positions: list[int]) -> Line:
        """The line without the characters at ``positions`` (ascending)."""
        bounds = list(zip([-1, *positions], [*positions, len(self.text)], strict=True))
        return Line(
            "".join(self.shown[a + 1 : b] for a, b in bounds),
            "".join(self.text[a + 1 : b] for a, b in bounds),
            self.after_blank,
        )


def is_byline(paragraph: str) -> bool:
    """Whether the (narrow) paragraph is a reporter byline such as ``记者 马燕 通讯员 李盼 文/图``."""
    return _BYLINE_LINE.fullmatch(paragraph) is not None


def repair(units: list[Line]) -> list[Line]:
    """A file's non-empty lines (the first one its title) -> its paragraphs."""
    units = _merge_vertical_headings(_split_bylines(units))
    # The first line is the title (corpus files put it there; pages start with a headline), and
    # titles of 24+ chars without a space look like broken lines: it is never joined to the next.
    rest = _join_broken_lines(_repair_column_overflow(units[1:]))
    return [_remove_stray_spaces(p) for p in units[:1] + rest]


# -- line classification (each on the narrow form) ----------------------------------------------


def _ends_sentence(line: str) -> bool:
    """Whether the line ends with sentence-final punctuation (closing quotes/brackets looked through)."""
    stripped = line.rstrip(_CLOSERS)
    return bool(stripped) and stripped[-1] in _FINAL


def _is_spaced_headline(line: str) -> bool:
    """A short line whose parts are separated by spaces, as two-part headlines are."""
    if len(line) > MAX_SPACED_HEADLINE or "。" in line:
        return False
    return _SPACE_NEXT_TO_CJK.search(line) is not None


def _is_body(line: str) -> bool:
    """A line of running text (as opposed to a heading or byline)."""
    if _is_spaced_headline(line) or is_byline(line):
        return False
    return len(line) >= MIN_BROKEN_LINE or _ends_sentence(line)


def _is_heading(line: str) -> bool:
    """A short line that is neither running text nor a byline."""
    return not _is_body(line) and not is_byline(line)


def _is_numbered_heading(line: str) -> bool:
    """A numbered heading of a report ("（一）…", "一、…", "五是…") without a full stop in it."""
    return len(line) <= MAX_NUMBERED_HEADING and _NUMBERED.match(line) is not None and _INNER_STOP.search(line) is None


def _is_open(line: str) -> bool:
    """A line of running text that stops mid-sentence: the layout broke it.

    Running text has clauses: every broken line in the seeds holds a comma or a full stop, while
    long lines without one are headlines ("北京冬奥会张家口赛区定点保障医院测试赛准备工作就绪",
    "北京延庆、湖北神农架国家地质公园晋级世界地质公园" in bench/data/xwlb), which must not be joined
    to their paragraph; a numbered heading has clauses and still is one.
    """
    return (
        _is_body(line)
        and not _ends_sentence(line)
        and _CLAUSE_MARK.search(line) is not None
        and not _is_numbered_heading(line)
    )


def _broken_across_blank(line: str) -> bool:
    """Whether an open line followed by a blank line is still a broken one (see MIN_BROKEN_ACROSS_BLANK)."""
    if len(line) >= MIN_BROKEN_ACROSS_BLANK or _INNER_STOP.search(line):
        return True
    last = _LAST_CLAUSE.search(line)
    return last is not None and len(last.group()) - 1 <= MAX_BROKEN_STUB


def _continues(line: str) -> bool:
    """Whether the line can be the continuation of an open line before it: running text that starts
    neither a news item nor a numbered item."""
    return _is_body(line) and _DATELINE.match(line) is None and _NUMBERED.match(line) is None


# -- repairs ----------------------------------------------------------------------------------------


def _split_bylines(units: list[Line]) -> list[Line]:
    """Give a byline ending a paragraph (``…出席会议。记者 马燕 文/图``) a paragraph of its own."""
    result = []
    for unit in units:
        bylines: list[Line] = []
        match = _trailing_byline(unit.text)
        while match and match.start(1) > 0:  # a head may end with a byline too
            bylines.insert(0, unit.part(match.start(1), match.end(1)))
            unit = unit.head(match.start(1))
            match = _trailing_byline(unit.text)
        result += [unit, *bylines]
    return result


def _trailing_byline(unit: str) -> re.Match | None:
    """``_TRAILING_BYLINE.search(unit)``; each ``_ROLE`` holds 记者, 通讯员 or 实习生, and most lines none."""
    if "记者" not in unit and "通讯员" not in unit and "实习生" not in unit:
        return None
    return _TRAILING_BYLINE.search(unit)


def _merge_vertical_headings(units: list[Line]) -> list[Line]:
    """Put a heading set vertically (one to three characters per line) back on one line."""
    result: list[Line] = []
    run: list[Line] = []
    for unit in [*units, None]:  # the sentinel flushes the last run
        if unit and len(unit.text) <= MAX_VERTICAL_CELL and _VERTICAL_CELL.fullmatch(unit.text):
            run.append(unit)
            continue
        single = sum(len(cell.text) == 1 for cell in run)
        # Most cells of a vertical heading hold one char; a list of names ("张三", "李四") does not.
        if len(run) >= MIN_VERTICAL_RUN and single * 2 >= len(run):
            result.append(Line("".join(c.shown for c in run), "".join(c.text for c in run), run[0].after_blank))
        else:
            result += run
        run = []
        if unit:
            result.append(unit)
    return result


def _repair_column_overflow(units: list[Line]) -> list[Line]:
    """Put back paragraph tails that the extraction moved to the end of a multi-column page.

    Seed 000 shows the shape: each section's body stops mid-sentence right before the next heading,
    and after the last section come rounds of fragments, one per section in section order, where
    only the fragments of the last round end a sentence. When the text has exactly that shape the
    fragments are appended to their sections; otherwise nothing changes.
    """
    texts = [unit.text for unit in units]
    end = len(texts)
    while end and is_byline(texts[end - 1]):
        end -= 1  # a closing byline stays where it is
    headings = [i for i in range(end) if _is_heading(texts[i])]
    if not headings or headings[-1] + 2 >= end:
        return units
    last_body = headings[-1] + 1
    if not _is_open(texts[last_body]):
        return units
    dangling = [i for i in range(last_body) if _is_open(texts[i]) and _is_heading(texts[i + 1])]
    dangling.append(last_body)
    tail = texts[last_body + 1 : end]
    if not _is_overflow(tail, len(dangling)):
        return units
    repaired = list(units[: last_body + 1])
    for position, index in enumerate(dangling):
        for fragment in units[last_body + 1 : end][position :: len(dangling)]:
            repaired[index] = _glue(repaired[index], fragment)
    return repaired + units[end:]


def _is_overflow(tail: list[str], sections: int) -> bool:
    """Whether ``tail`` is rounds of fragments, one per section, only the last round ending sentences."""
    if sections < 2 or not tail or len(tail) % sections or not all(map(_continues, tail)):
        return False
    last_round = tail[-sections:]
    return all(map(_ends_sentence, last_round)) and not any(map(_ends_sentence, tail[:-sections]))


def _join_broken_lines(units: list[Line]) -> list[Line]:
    """Join each line the layout broke with the line that continues it."""
    paragraphs: list[Line] = []
    for unit in units:
        last = paragraphs[-1].text if paragraphs else ""
        if last and _is_open(last) and _continues(unit.text) and (not unit.after_blank or _broken_across_blank(last)):
            paragraphs[-1] = _glue(paragraphs[-1], unit)
        else:
            paragraphs.append(unit)
    return paragraphs


def _glue(left: Line, right: Line) -> Line:
    """Join two halves of a broken line; only Latin words need a space between them."""
    a, b = left.text[-1], right.text[0]
    space = " " if a.isascii() and a.isalpha() and b.isascii() and b.isalpha() else ""
    return Line(left.shown + space + right.shown, left.text + space + right.text, left.after_blank)


def _remove_stray_spaces(paragraph: Line) -> Line:
    """Drop spaces the layout left inside words of long running text (``建成投 用`` -> ``建成投用``)."""
    # The space after a leading "本报讯" is the dateline's own.
    start = len("本报讯 ") if paragraph.text.startswith("本报讯 ") else 0
    text = paragraph.text[start:]
    if len(text) < MIN_RUNNING_TEXT or not _SENTENCE_END.search(text) or not _is_column_wrapped(text):
        return paragraph
    return paragraph.without([start + match.start() for match in _SPACE_NEXT_TO_CJK.finditer(text)])


def _is_column_wrapped(text: str) -> bool:
    """Whether the spaces next to CJK chars in ``text`` are regular line wraps of a column."""
    if text.count(" ") < MIN_WRAP_SPACES:  # each position below is a space
        return False
    positions = [match.start() for match in _SPACE_NEXT_TO_CJK.finditer(text)]
    if len(positions) < MIN_WRAP_SPACES:
        return False
    gaps = sorted(b - a for a, b in pairwise(positions))
    return gaps[len(gaps) // 2] >= MIN_WRAP_WIDTH
