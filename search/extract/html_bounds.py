"""What an HTML page may cost before BeautifulSoup builds it: nesting depth and the number of tags.

BeautifulSoup spends about 25 us an element (measured on 2 loaded cores: a 1 MB page of 100,000
``<div>``s took 2.5-4.3 s, nested or not), so a page's cost is its count of tags, and a page of
tags nested 100,000 deep is also a tree no reader can use.  Two bounds, both settings of
``search.extract.limits``:

- ``SEARCH_LIMIT_HTML_DEPTH`` (256, libxml2's own depth for a tree): elements nested deeper are
  dropped and their text kept, where it was (a block's start or end tag becomes a ``<br>``, so its
  lines stay lines).  Browsers cap the depth too (Blink at 512).
- ``SEARCH_LIMIT_HTML_TAGS`` (100,000): a page with more start tags after that is skipped, naming
  the limit (about 2.5-4 s of reading on this machine).

Depth is counted on the markup, before parsing, by a scan of its tags: void elements (``<br>``,
``<img>``) and those whose end tag is optional and often left out (``<p>``, ``<li>``, ``<td>``, …)
are not counted, so an old page of unclosed paragraphs does not look deep.  The scan is not a
parser (a tag written inside a script or a comment counts too), so only a page nested past the
limit by this count is changed at all; one with fewer tags than the limit is not even scanned.
"""

from __future__ import annotations

import re

from search.extract.limits import LIMIT_MARK, LimitExceeded, Limits, current_limits

_TAG = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9:-]*)(?:\s[^<>]*)?>")
_NOT_NESTING = frozenset(
    (
        # void elements
        "area",
        "base",
        "br",
        "col",
        "embed",
        "hr",
        "img",
        "input",
        "link",
        "meta",
        "param",
        "source",
        "track",
        "wbr",
        "keygen",
        "frame",
        "basefont",
        "isindex",
        # end tag optional (HTML's omission rules), or left out by old pages
        "p",
        "li",
        "dt",
        "dd",
        "tr",
        "td",
        "th",
        "option",
        "optgroup",
        "thead",
        "tbody",
        "tfoot",
        "colgroup",
        "caption",
        "rb",
        "rt",
        "rp",
        "rtc",
        "html",
        "head",
        "body",
    )
)
_BLOCKS = frozenset(
    (
        "address",
        "article",
        "aside",
        "blockquote",
        "center",
        "details",
        "dialog",
        "div",
        "dl",
        "fieldset",
        "figcaption",
        "figure",
        "footer",
        "form",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "header",
        "main",
        "nav",
        "ol",
        "pre",
        "section",
        "summary",
        "table",
        "ul",
    )
)
_CLOSING = re.compile(r"<(/?)[A-Za-z]")
# A page with this many times the tag limit's start tags is refused without the depth scan.
_REFUSED_UNREAD = 4
# A close tag is matched against this many open elements at most (a run of stray end tags over a
# deep stack must not cost depth x tags).
_MATCH_WINDOW = 64


def bounded_markup(markup: str, limits: Limits | None = None) -> str:
    """``markup`` with elements nested past the depth limit dropped (their text kept); LimitExceeded
    when more elements than the tag limit are left."""
    limits = limits or current_limits()
    if markup.count("<") <= limits.html_depth:
        return markup  # too few tags to be nested too deep, or to be too many
    opening = sum(1 for closing in _CLOSING.findall(markup) if not closing)
    if opening > _REFUSED_UNREAD * limits.html_tags:  # not worth a scan
        raise _too_many(limits)
    if opening > limits.html_depth:
        markup, opening = _flattened(markup, limits.html_depth)
    if opening > limits.html_tags:
        raise _too_many(limits)
    return markup


def _too_many(limits: Limits) -> LimitExceeded:
    return LimitExceeded(f"HTML page has more than {limits.html_tags} tags {LIMIT_MARK}HTML_TAGS)")


def _flattened(markup: str, depth: int) -> tuple[str, int]:
    """The markup with elements nested deeper than ``depth`` dropped, and how many start tags it keeps."""
    pieces: list[str] = []
    stack: list[tuple[str, bool]] = []  # (name, dropped) of each open element that nests
    last = kept = 0
    for match in _TAG.finditer(markup):
        closing, name = match.group(1), match.group(2).lower()
        if name in _NOT_NESTING or match.group(0).endswith("/>"):
            kept += not closing
            continue
        dropped = False
        if not closing:
            dropped = len(stack) >= depth
            stack.append((name, dropped))
            kept += not dropped
        else:
            for place in range(len(stack) - 1, max(-1, len(stack) - 1 - _MATCH_WINDOW), -1):
                if stack[place][0] == name:
                    dropped = stack[place][1]
                    del stack[place:]
                    break
        if dropped:
            between = markup[last : match.start()]
            if between.strip():
                pieces.append(between)
            if name in _BLOCKS and pieces and pieces[-1] != "<br>":
                pieces.append("<br>")  # one line break for a run of dropped blocks
            last = match.end()
    if not last:
        return markup, kept
    pieces.append(markup[last:])
    return "".join(pieces), kept
