"""Snippets with whole phrases marked.

Offsets are found in the folded search text and applied to the display text:
``fold`` is length-preserving, so the two line up character for character.
Occurrences that overlap or touch are merged into one ``<mark>``, so a phrase
is never cut in two, and every snippet window is widened to hold each phrase
it touches whole.  A co-occurring pair (``A SENT B``) gets one window holding
both; when they lie far apart, the text between them is elided.  Everything
outside our own ``<mark>`` is HTML-escaped.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from html import escape

ELLIPSIS = "…"


def find_spans(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Every occurrence of every phrase in ``text`` as merged, sorted (start, end) spans."""
    spans = []
    for phrase in {p for p in phrases if p}:
        start = text.find(phrase)
        while start != -1:
            spans.append((start, start + len(phrase)))
            start = text.find(phrase, start + 1)
    return merge_spans(spans)


def merge_spans(spans: Iterable[tuple[int, int]]) -> list[tuple[int, int]]:
    """The spans sorted, those that overlap or touch merged into one."""
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and start <= merged[-1][1]:
            merged[-1] = (merged[-1][0], max(merged[-1][1], end))
        else:
            merged.append((start, end))
    return merged


def mark(text: str, spans: Sequence[tuple[int, int]], offset: int = 0, current: int | None = None) -> str:
    """``text`` escaped, with the spans (in coordinates shifted by ``offset``) wrapped in <mark>.

    The span holding position ``current`` (in the spans' coordinates) is ``<mark id="at" class="at">``.
    """
    out, pos = [], 0
    for span_start, span_end in spans:
        start, end = max(span_start - offset, 0), min(span_end - offset, len(text))
        if end <= pos or start >= len(text):
            continue
        start = max(start, pos)
        out.append(escape(text[pos:start], quote=False))
        tag = '<mark id="at" class="at">' if current is not None and span_start <= current < span_end else "<mark>"
        out.append(f"{tag}{escape(text[start:end], quote=False)}</mark>")
        pos = end
    out.append(escape(text[pos:], quote=False))
    return "".join(out)


def _line_bounds(text: str, pos: int) -> tuple[int, int]:
    start = text.rfind("\n", 0, pos) + 1
    end = text.find("\n", pos)
    return start, len(text) if end == -1 else end


def snippets(
    display: str,
    folded: str,
    phrases: Sequence[str],
    *,
    pairs: Sequence[tuple[int, int]] = (),
    limit: int = 3,
    width: int = 90,
) -> list[str]:
    """Up to ``limit`` HTML snippets of ``display`` around the phrases (found in ``folded``).

    ``display`` and ``folded`` are the same text (title, "\\n", paragraphs)
    before and after folding.  The title line is used only when the body has
    no occurrence.  With no occurrence at all, the opening of the body is
    returned unmarked.  ``pairs`` are spans (in ``folded``) that each get one
    window first: the co-occurring pairs of the query's operators.
    """
    spans = find_spans(folded, phrases)
    body_start = folded.find("\n") + 1 if "\n" in folded else 0
    body_spans = [s for s in spans if s[0] >= body_start]
    candidates = body_spans or spans
    if not candidates:
        return _opening(display, body_start, width)
    tried = [*pairs, *_pick(candidates, folded, phrases, body_start if body_spans else 0)]
    windows, paired = _windows(folded, tried, len(pairs), limit, width)
    # The pairs' windows first (they answer the query), then the others in text order.
    ordered = [*paired, *sorted(w for w in windows if w not in paired)]
    return [_snippet(display, folded, w_start, w_end, spans, width) for w_start, w_end in ordered]


def _opening(display: str, body_start: int, width: int) -> list[str]:
    """The opening of the body, unmarked (no phrase occurs): one snippet, none when the body is empty."""
    line_start, line_end = _line_bounds(display, body_start)
    end = min(line_end, line_start + width)
    tail = ELLIPSIS if end < line_end else ""
    return [escape(display[line_start:end], quote=False) + tail] if line_end > line_start else []


def _windows(
    folded: str, tried: Sequence[tuple[int, int]], pairs: int, limit: int, width: int
) -> tuple[list[tuple[int, int]], list[tuple[int, int]]]:
    """Up to ``limit`` windows of ``width`` around the spans ``tried`` (the first ``pairs`` of them the
    co-occurring pairs), skipping a span whose window overlaps one taken; and the pairs' windows."""
    windows: list[tuple[int, int]] = []
    paired: list[tuple[int, int]] = []
    for number, (start, end) in enumerate(tried):
        if len(windows) == limit:
            break
        line_start, line_end = _line_bounds(folded, start)
        room = max(width - (end - start), 0)
        w_start = max(line_start, start - room // 2)
        w_end = min(line_end, end + room - (start - w_start))
        w_start = max(line_start, w_end - width) if w_end - w_start < width else w_start
        if any(w_start < b and a < w_end for a, b in windows):
            continue
        windows.append((w_start, w_end))
        if number < pairs:
            paired.append((w_start, w_end))
    return windows, paired


def _snippet(display: str, folded: str, w_start: int, w_end: int, spans: Sequence[tuple[int, int]], width: int) -> str:
    """One window as HTML: widened so that no marked phrase is cut at its edge, tidied to a clause
    break, "…" where it cuts its line, and elided when a far pair made it long."""
    for a, b in spans:
        if a < w_start < b:
            w_start = a
        if a < w_end < b:
            w_end = b
    line_start, line_end = _line_bounds(folded, w_start)
    w_start, w_end = _tidy(folded, w_start, w_end, line_start, line_end, spans)
    inside = [s for s in spans if s[0] >= w_start and s[1] <= w_end]
    head = ELLIPSIS if w_start > line_start else ""
    tail = ELLIPSIS if w_end < line_end else ""
    if w_end - w_start > 2 * width and inside:
        return head + _elided(display, w_start, w_end, inside, width // 3) + tail
    return head + mark(display[w_start:w_end], inside, offset=w_start) + tail


def _elided(display: str, start: int, end: int, spans: Sequence[tuple[int, int]], context: int) -> str:
    """The window ``start:end`` reduced to ``context`` characters around each marked span, gaps as "…"."""
    pieces: list[tuple[int, int]] = merge_spans((max(start, a - context), min(end, b + context)) for a, b in spans)
    parts = [mark(display[a:b], spans, offset=a) for a, b in pieces]
    head = "" if pieces[0][0] == start else ELLIPSIS
    tail = "" if pieces[-1][1] == end else ELLIPSIS
    return head + ELLIPSIS.join(parts) + tail


_BREAKS = frozenset("。!?;,、:")
TIDY_REACH = 12


def _tidy(
    text: str, start: int, end: int, line_start: int, line_end: int, spans: Sequence[tuple[int, int]]
) -> tuple[int, int]:
    """Move a cut window edge to a nearby clause break, so a snippet neither starts with "。会议"
    nor stops mid-word when a comma is close; never past a marked phrase."""
    first_mark = min((a for a, b in spans if a >= start and b <= end), default=end)
    last_mark = max((b for a, b in spans if a >= start and b <= end), default=start)
    if start > line_start:
        for pos in range(start, min(start + TIDY_REACH, first_mark)):
            if text[pos] in _BREAKS:
                start = pos + 1
                break
    if end < line_end:
        for pos in range(end - 1, max(end - TIDY_REACH, last_mark) - 1, -1):
            if text[pos] in _BREAKS:
                end = pos + 1
                break
    return start, end


def _pick(spans: Sequence[tuple[int, int]], folded: str, phrases: Sequence[str], start: int) -> list[tuple[int, int]]:
    """Spans in the order windows are tried: each phrase's first occurrence, then the rest in text order."""
    chosen: dict[tuple[int, int], None] = {}
    for phrase in phrases:
        pos = folded.find(phrase, start) if phrase else -1
        for span in spans:
            if span[0] <= pos < span[1]:
                chosen.setdefault(span)
                break
    chosen.update(dict.fromkeys(spans))
    return list(chosen)
