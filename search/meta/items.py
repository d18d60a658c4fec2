"""Items and titles: a newspaper page of several 本报讯 items becomes one document per item, and
each document gets its title (its headline, the title below an official document's header, or
its first sentence)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from search.meta.issuers import HEADER_PARAGRAPHS, find_doc_number, type_of_title
from search.text.normalize import is_byline

# A heading that can be a title: the longest in the seeds is 48 chars; first paragraphs of running
# text are longer or end a sentence.
TITLE_MAX = 60
# A file's first line is its title even when longer, up to this, if it holds no full stop: 1% of the
# news titles in bench/data/xwlb run past 60 chars (up to 147: "十三届全国人大一次会议举行… 习近平…出席 …").
FIRST_LINE_TITLE_MAX = 150
# A title made from the first sentence of the text is cut to this many chars (plus "…").
FALLBACK_TITLE_CHARS = 30
# A news item's headline is at most this many paragraphs (headline and subtitle) before "本报讯".
MAX_ITEM_HEADINGS = 2

ITEM_START = "本报讯"
_SENTENCE_END = re.compile("[。!?]")
_TITLE_SENTENCE_END = re.compile("[。!?;]")


@dataclass(frozen=True)
class Item:
    """A stretch of a file's paragraphs that is one document."""

    headings: tuple[str, ...]  # the headline paragraphs; () when there is none
    body: tuple[str, ...]


def split_items(paragraphs: Sequence[str]) -> list[Item] | None:
    """The news items of a page with at least two paragraphs starting "本报讯"; None for one document.

    An item is its headline (up to two short paragraphs right before its "本报讯") and its body up
    to the next item's headline, so a closing byline stays with its item. Paragraphs before the
    first headline (a page header) go to the front of the first item's body.
    """
    starts = [i for i, p in enumerate(paragraphs) if p.startswith(ITEM_START)]
    if len(starts) < 2:
        return None
    heads = []
    floor = 0
    for start in starts:
        head = start
        while head > floor and start - head < MAX_ITEM_HEADINGS and is_title_like(paragraphs[head - 1]):
            head -= 1
        heads.append(head)
        floor = start + 1
    ends = [*heads[1:], len(paragraphs)]
    begins = [0, *heads[1:]]
    return [
        Item(tuple(paragraphs[head:start]), tuple(paragraphs[begin:head]) + tuple(paragraphs[start:end]))
        for begin, head, start, end in zip(begins, heads, starts, ends, strict=True)
    ]


def official_title(paragraphs: Sequence[str]) -> int | None:
    """The index of an official document's title below its header (organ line, 文号), else None.

    郑州市人民政府办公厅 / 郑政办文〔2022〕12号 / 郑州市人民政府办公厅关于…的通知: the title is the
    first heading after a 文号 line that names its type.
    """
    for i, paragraph in enumerate(paragraphs[:HEADER_PARAGRAPHS]):
        if len(paragraph) <= 40 and find_doc_number(paragraph):
            for j in range(i + 1, min(i + 3, len(paragraphs))):
                if is_title_like(paragraphs[j]) and type_of_title(paragraphs[j]):
                    return j
            return None
    return None


# The second line of a wrapped title is short: the rest of "…关于做好2022年防汛" + "工作的通知".
WRAPPED_TAIL_MAX = 30


def join_wrapped_title(paragraphs: Sequence[str]) -> list[str]:
    """The paragraphs with an official title that wraps over two lines joined into one.

    ``…关于做好2022年防汛`` + ``工作的通知``: a header line holding 关于 and naming no type, then a
    short line (no 关于, no full stop) after which the two together end with a 文种.
    """
    paragraphs = list(paragraphs)
    for i in range(min(len(paragraphs) - 1, HEADER_PARAGRAPHS + 1)):
        first, second = paragraphs[i], paragraphs[i + 1]
        if (
            "关于" in first
            and "关于" not in second
            and len(second) <= WRAPPED_TAIL_MAX
            and is_title_like(first)
            and is_title_like(second)
            and not type_of_title(first)
            and not first.endswith(("。", ",", "，", ":", "：", ";", "；"))
            and type_of_title(first + second)
        ):
            return [*paragraphs[:i], first.rstrip() + second.lstrip(), *paragraphs[i + 2 :]]
    return paragraphs


def is_long_title_line(paragraph: str) -> bool:
    """A first line too long for a heading that still is the title: no full stop in it."""
    return (
        len(paragraph) <= FIRST_LINE_TITLE_MAX and _SENTENCE_END.search(paragraph) is None and not is_byline(paragraph)
    )


def is_title_like(paragraph: str) -> bool:
    """A short paragraph that does not end a sentence and is no byline: a headline."""
    return (
        len(paragraph) <= TITLE_MAX
        and not paragraph.endswith(("。", "!", "?"))
        and not paragraph.startswith(ITEM_START)
        and not is_byline(paragraph)
    )


def fallback_title(paragraph: str) -> str:
    """A title for a document without a headline: its first sentence, cut to 30 chars + "…"."""
    text = paragraph.removeprefix(ITEM_START).strip()
    end = _TITLE_SENTENCE_END.search(text)
    sentence = text[: end.start()] if end else text
    return sentence if len(sentence) <= FALLBACK_TITLE_CHARS else sentence[:FALLBACK_TITLE_CHARS] + "…"
