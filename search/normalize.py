"""Text normalization: raw extracted report text -> display paragraphs, and the folded search form.

Display text is NFKC-normalized (full-width ASCII becomes half-width, ``，`` becomes ``,``) and
repaired for the layout noise of text extracted from newspaper pages:

- lines broken mid-word by the layout are joined back into their paragraph (never the first
  line: it is the title);
- tails of paragraphs that the extraction moved to the end of the page (column overflow) are
  put back after the paragraphs they continue;
- stray spaces inside words of long running text (where the original layout wrapped) are removed;
- vertical headings (one character per line) are put back on one line;
- bylines (``记者 马燕 通讯员 李盼 文/图``) become paragraphs of their own.

Searching runs over :func:`fold` of the display text: lower case, and traditional characters as
simplified ones (``search/data/t2s.txt``, one character to one, generated from OpenCC's data by
``scripts/make_t2s.py``), so 國民經濟 and 国民经济 match each other. ``fold`` is length-preserving,
so an offset in the folded text is the same offset in the display text (highlighting relies on it,
and marks the characters as written).

The thresholds below were tuned on the seed reports (see ``seeds/``); the comments say why.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from pathlib import Path

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

# Invisible characters, and the control characters XML 1.0 forbids (common in text from PDF and
# Word): a feed or page carrying them is not well-formed.  The whitespace controls (\t \n \v \f \r
# \x1c-\x1f) are not dropped here: they break or space lines, and are collapsed later.
_INVISIBLE = re.compile("[\ufeff\u200b\u200c\u200d\u2060\x00-\x08\x0e-\x1b\ufffe\uffff\ud800-\udfff]")
_SPACES = re.compile(r"\s+")

# Compatibility characters whose NFKC is their whole compatibility decomposition (full-width forms,
# the ideographic space, ①, ⑵, Ⅱ, …, ℃, no-break spaces): replacing them first leaves NFKC's result
# as it is.  The punctuation of running Chinese text comes first, replaced one by one: after it most
# text is NFKC already, and unicodedata.normalize returns such text at once instead of recomposing it.
_COMPATIBLE_RANGES = ((0xA0, 0xBF), (0x2000, 0x206F), (0x2100, 0x218F), (0x2460, 0x24FF), (0x3000, 0x3000), (0xFF01, 0xFF5E))
_COMPATIBLE = {
    c: unicodedata.normalize("NFKD", c)
    for first, last in _COMPATIBLE_RANGES
    for c in map(chr, range(first, last + 1))
    if c != unicodedata.normalize("NFKD", c) == unicodedata.normalize("NFKC", c)
}
_IN_COMPATIBLE_RANGES = re.compile("[" + "".join(f"{chr(a)}-{chr(b)}" for a, b in _COMPATIBLE_RANGES) + "]")
_WIDE_PUNCTUATION = tuple((wide, _COMPATIBLE[wide]) for wide in "，：（）；？！％\u3000")

# Ideographs, CJK and full-width punctuation, and the curly quotes/dashes Chinese text uses.
_CJK = (
    "\u2e80-\u2fdf\u3000-\u303f\u3040-\u30ff\u3100-\u312f\u3190-\u31ff\u3400-\u4dbf"
    "\u4e00-\u9fff\uf900-\ufaff\ufe30-\ufe4f\uff00-\uffef\u2014\u2018\u2019\u201c\u201d\u2026"
    "\U00020000-\U0003134f"
)
_SPACE_NEXT_TO_CJK = re.compile(f"(?<=[{_CJK}]) (?=\\S)|(?<=\\S) (?=[{_CJK}])")

# Sentence-final punctuation after NFKC ("。" stays, "！？；：…" become "!?;:..."). A colon ends a
# line that introduces a list, which is a deliberate break too.
_FINAL = frozenset("。!?;:.")
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
_TRAILING_BYLINE = re.compile(f"(?:^|(?<=[。!?;:.”\"’)\\] ]))({_BYLINE})$")

_VERTICAL_CELL = re.compile(f"[\u4e00-\u9fff]{{1,{MAX_VERTICAL_CELL}}}")
_SENTENCE_END = re.compile("[。!?]")


def normalize_line(text: str) -> str:
    """One line of display text: NFKC, no invisible characters, single spaces, stripped."""
    return " ".join(_nfkc(text).split())


def normalize_text(raw: str) -> list[str]:
    """Raw extracted text -> display paragraphs (no empty ones, none containing a newline)."""
    # str.split() splits at the characters ``\s`` matches (both ask Py_UNICODE_ISSPACE): single spaces, stripped.
    lines = (" ".join(line.split()) for line in _nfkc(raw).splitlines())
    units = [line for line in lines if line]
    units = _merge_vertical_headings(_split_bylines(units))
    # The first line is the title (corpus files put it there; pages start with a headline), and
    # titles of 24+ chars without a space look like broken lines: it is never joined to the next.
    rest = _join_broken_lines(_repair_column_overflow(units[1:]))
    return [_remove_stray_spaces(p) for p in units[:1] + rest]


def fold(text: str) -> str:
    """The search form of ``text``: each char lowercased when that gives one char, traditional
    characters simplified; same length."""
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
    """What a typed query term goes through so it matches :func:`search_text`."""
    return _SPACES.sub(" ", fold(_nfkc(text))).strip()


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


def is_byline(paragraph: str) -> bool:
    """Whether the paragraph is a reporter byline such as ``记者 马燕 通讯员 李盼 文/图``."""
    return _BYLINE_LINE.fullmatch(paragraph) is not None


def _nfkc(text: str) -> str:
    """NFKC without the invisible characters (BOM, zero-width spaces) extraction leaves behind."""
    text = _INVISIBLE.sub("", text)
    if unicodedata.is_normalized("NFKC", text):  # (a quick check: it stops at the first "，")
        return text
    for wide, narrow in _WIDE_PUNCTUATION:
        if wide in text:
            text = text.replace(wide, narrow)
    if unicodedata.is_normalized("NFKC", text):
        return text
    for char in set(_IN_COMPATIBLE_RANGES.findall(text)):  # (str.translate is slower)
        if char in _COMPATIBLE:
            text = text.replace(char, _COMPATIBLE[char])
    return unicodedata.normalize("NFKC", text)


def _load_simplified(path: Path) -> dict[str, str]:
    """The fold table: traditional character -> simplified character (both in the BMP)."""
    table = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line and not line.startswith("#"):
            traditional, simplified = line.split()
            table[traditional] = simplified
    return table


_SIMPLIFIED = _load_simplified(Path(__file__).parent / "data" / "t2s.txt")
_TRADITIONAL = re.compile("[" + "".join(sorted(_SIMPLIFIED)) + "]")


def _simplified(match: re.Match) -> str:
    return _SIMPLIFIED[match.group()]


def _fold_char(c: str) -> str:
    lowered = c.lower()
    return lowered if len(lowered) == 1 else c


# -- line classification -------------------------------------------------------------------------


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


def _is_open(line: str) -> bool:
    """A line of running text that stops mid-sentence: the layout broke it.

    Running text has clauses: every broken line in the seeds holds a comma or a full stop, while
    long lines without one are headlines ("北京冬奥会张家口赛区定点保障医院测试赛准备工作就绪",
    "北京延庆、湖北神农架国家地质公园晋级世界地质公园" in bench/data/xwlb), which must not be joined
    to their paragraph.
    """
    return _is_body(line) and not _ends_sentence(line) and _CLAUSE_MARK.search(line) is not None


def _continues(line: str) -> bool:
    """Whether the line can be the continuation of an open line before it."""
    return _is_body(line) and _DATELINE.match(line) is None


# -- repairs ----------------------------------------------------------------------------------------


def _split_bylines(units: list[str]) -> list[str]:
    """Give a byline ending a paragraph (``…出席会议。记者 马燕 文/图``) a paragraph of its own."""
    result = []
    for unit in units:
        bylines: list[str] = []
        match = _trailing_byline(unit)
        while match and match.start(1) > 0:  # a head may end with a byline too
            bylines.insert(0, match.group(1))
            unit = unit[: match.start(1)].rstrip()
            match = _trailing_byline(unit)
        result += [unit, *bylines]
    return result


def _trailing_byline(unit: str) -> re.Match | None:
    """``_TRAILING_BYLINE.search(unit)``; each ``_ROLE`` holds 记者, 通讯员 or 实习生, and most lines none."""
    if "记者" not in unit and "通讯员" not in unit and "实习生" not in unit:
        return None
    return _TRAILING_BYLINE.search(unit)


def _merge_vertical_headings(units: list[str]) -> list[str]:
    """Put a heading set vertically (one to three characters per line) back on one line."""
    result: list[str] = []
    run: list[str] = []
    for unit in [*units, ""]:  # the sentinel flushes the last run
        if unit and len(unit) <= MAX_VERTICAL_CELL and _VERTICAL_CELL.fullmatch(unit):
            run.append(unit)
            continue
        single = sum(len(cell) == 1 for cell in run)
        # Most cells of a vertical heading hold one char; a list of names ("张三", "李四") does not.
        if len(run) >= MIN_VERTICAL_RUN and single * 2 >= len(run):
            result.append("".join(run))
        else:
            result += run
        run = []
        if unit:
            result.append(unit)
    return result


def _repair_column_overflow(units: list[str]) -> list[str]:
    """Put back paragraph tails that the extraction moved to the end of a multi-column page.

    Seed 000 shows the shape: each section's body stops mid-sentence right before the next heading,
    and after the last section come rounds of fragments, one per section in section order, where
    only the fragments of the last round end a sentence. When the text has exactly that shape the
    fragments are appended to their sections; otherwise nothing changes.
    """
    end = len(units)
    while end and is_byline(units[end - 1]):
        end -= 1  # a closing byline stays where it is
    headings = [i for i in range(end) if _is_heading(units[i])]
    if not headings or headings[-1] + 2 >= end:
        return units
    last_body = headings[-1] + 1
    if not _is_open(units[last_body]):
        return units
    dangling = [i for i in range(last_body) if _is_open(units[i]) and _is_heading(units[i + 1])]
    dangling.append(last_body)
    tail = units[last_body + 1 : end]
    if not _is_overflow(tail, len(dangling)):
        return units
    repaired = list(units[: last_body + 1])
    for position, index in enumerate(dangling):
        for fragment in tail[position :: len(dangling)]:
            repaired[index] = _glue(repaired[index], fragment)
    return repaired + units[end:]


def _is_overflow(tail: list[str], sections: int) -> bool:
    """Whether ``tail`` is rounds of fragments, one per section, only the last round ending sentences."""
    if sections < 2 or not tail or len(tail) % sections or not all(map(_continues, tail)):
        return False
    last_round = tail[-sections:]
    return all(map(_ends_sentence, last_round)) and not any(map(_ends_sentence, tail[:-sections]))


def _join_broken_lines(units: list[str]) -> list[str]:
    """Join each line the layout broke with the line that continues it."""
    paragraphs: list[str] = []
    for unit in units:
        if paragraphs and _is_open(paragraphs[-1]) and _continues(unit):
            paragraphs[-1] = _glue(paragraphs[-1], unit)
        else:
            paragraphs.append(unit)
    return paragraphs


def _glue(left: str, right: str) -> str:
    """Join two halves of a broken line; only Latin words need a space between them."""
    if left[-1].isascii() and left[-1].isalpha() and right[0].isascii() and right[0].isalpha():
        return f"{left} {right}"
    return left + right


def _remove_stray_spaces(paragraph: str) -> str:
    """Drop spaces the layout left inside words of long running text (``建成投 用`` -> ``建成投用``)."""
    # The space after a leading "本报讯" is the dateline's own.
    prefix = "本报讯 " if paragraph.startswith("本报讯 ") else ""
    text = paragraph[len(prefix) :]
    if len(text) < MIN_RUNNING_TEXT or not _SENTENCE_END.search(text) or not _is_column_wrapped(text):
        return paragraph
    return prefix + _SPACE_NEXT_TO_CJK.sub("", text)


def _is_column_wrapped(text: str) -> bool:
    """Whether the spaces next to CJK chars in ``text`` are regular line wraps of a column."""
    if text.count(" ") < MIN_WRAP_SPACES:  # each position below is a space
        return False
    positions = [match.start() for match in _SPACE_NEXT_TO_CJK.finditer(text)]
    if len(positions) < MIN_WRAP_SPACES:
        return False
    gaps = sorted(b - a for a, b in zip(positions, positions[1:]))
    return gaps[len(gaps) // 2] >= MIN_WRAP_WIDTH
