"""HTML pages -> their main text (no menus, scripts or footers), one block a line, and their title.

The largest format: finding a page's main block (readability's rule) and turning markup into lines
the way a browser shows them. BeautifulSoup is imported only when a page is read.
"""

from __future__ import annotations

import codecs
import re
import warnings

from search.extract.decoding import decode_or_none, decode_text
from search.extract.extracted import Extracted, ExtractOptions, Unreadable
from search.extract.html_bounds import bounded_markup
from search.text.file_properties import html_properties

# An .xhtml page is XML, and BeautifulSoup says so on stderr for each one; read as HTML it gives the
# page's text all the same, and the warning would stand between our one-line warnings.
warnings.filterwarnings("ignore", message=".*looks like you're using an HTML parser to parse an XML document")

# The part of an HTML file in which a <meta charset> is looked for: the HTML spec says 1024 bytes;
# pages with long <head> scripts put it later, so the whole <head> (up to this many bytes) is read.
META_CHARSET_WINDOW = 4096
HEAD_WINDOW = 256 * 1024
_HEAD_END = re.compile(rb"</head\s*>|<body[\s>]", re.IGNORECASE)
_LOOSE_END_TAG = re.compile(r"</(script|style)\b[^>]*>", re.IGNORECASE)

_META_CHARSET = re.compile(rb"""<meta[^>]+?charset\s*=\s*["']?\s*([A-Za-z0-9_.:-]+)""", re.IGNORECASE)
# Page furniture, never the page's text.
_DROPPED_TAGS = (
    "script",
    "style",
    "noscript",
    "template",
    "nav",
    "header",
    "footer",
    "aside",
    "form",
    "iframe",
    "svg",
    "button",
    "select",
    "textarea",
    "object",
    "embed",
    "canvas",
    "head",
)
_DROPPED_ROLES = ("navigation", "banner", "contentinfo", "search", "menu", "menubar", "complementary")
# class/id of the blocks government sites use for menus, breadcrumbs, share bars and footers.
_FURNITURE = re.compile(
    r"(?:^|[\s_-])"
    r"(?:nav|navbar|menu|footer|foot|breadcrumbs?|crumbs?|sidebar|share|copyright|topbar|toolbar|skip)"
    r"(?:$|[\s_-])",
    re.IGNORECASE,
)
_BLOCK_TAGS = frozenset(
    [
        "address",
        "article",
        "blockquote",
        "body",
        "caption",
        "center",
        "dd",
        "details",
        "dialog",
        "div",
        "dl",
        "dt",
        "fieldset",
        "figcaption",
        "figure",
        "h1",
        "h2",
        "h3",
        "h4",
        "h5",
        "h6",
        "hr",
        "li",
        "main",
        "ol",
        "p",
        "pre",
        "section",
        "summary",
        "table",
        "tbody",
        "td",
        "tfoot",
        "th",
        "thead",
        "tr",
        "ul",
    ]
)
# Blocks that are one paragraph: their text counts for the block around them.
_PARAGRAPH_TAGS = frozenset(
    ["p", "h1", "h2", "h3", "h4", "h5", "h6", "li", "dd", "dt", "pre", "blockquote", "figcaption", "caption"]
)
_CJK_CHAR = re.compile("[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]")
_TITLE_PARTS = re.compile(r"\s*[_|｜]\s*|\s+[-—–]+\s+")
# Whitespace with a line break between two CJK characters vanishes (CSS Text 3 segment-break
# transformation): "稳\n就业" in the source is "稳就业" on the page. Other whitespace is one space.
_CJK_BREAK = re.compile(
    r"(?<=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])[ \t\r\f]*\n[ \t\r\f\n]*"
    r"(?=[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef])"
)
_WHITESPACE = re.compile(r"[^\S\x00]+")


def extract_html(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An HTML page's main text (no navigation, scripts or footers), one block per line, and its title."""
    markup, charset = _decode_html(data)
    return extract_markup(markup, charset)


def extract_markup(markup: str, charset: str) -> Extracted:
    """``extract_html`` for markup decoded already (an MHTML or mail part, whose charset is its header's)."""
    from bs4 import BeautifulSoup

    # lxml (libxml2's HTML parser) places broken markup as browsers do: measured on ten kinds of it,
    # it read all ten, html.parser six (eight with the rewrite below): a page without </head> was
    # all <head> to it, "<!-->" text. html.parser reads a script or style to an end tag of exactly
    # "</script>": "</script language>" (browsers end the script there) made the rest of the page
    # script; the rewrite keeps that right whatever the parser.
    markup = bounded_markup(markup)  # nested too deep: flattened; too many tags: refused
    soup = BeautifulSoup(_LOOSE_END_TAG.sub(r"</\1>", markup), "lxml")
    page_title = soup.title.get_text(" ", strip=True) if soup.title else ""
    properties = html_properties(soup)
    # Read before the furniture goes: the table is often in a block the rules below drop.
    table = index_table(soup)
    properties += tuple(
        pair
        for name, value in table.items()
        if not any(n == name for n, _ in properties)
        for pair in ((name, value), (f"{name}_tag", _TABLE_TAGS[name]))
    )
    for tag in soup.find_all(_is_furniture):
        if not tag.decomposed:  # not inside furniture removed already
            tag.decompose()
    main = _main_element(soup)
    heading = main.find("h1") or soup.find("h1")
    title = _clean(heading.get_text(" ", strip=True)) if heading else ""
    title = title or table.get("title") or _site_name_dropped(_clean(page_title))
    text = _block_text(main)
    if not text.strip():
        raise Unreadable("HTML page has no text")
    return Extracted(text, f"html:{charset}", title or None, properties)


def _decode_html(data: bytes) -> tuple[str, str]:
    """The page's text and charset: a BOM, else a <meta charset> that decodes, else as a text file."""
    if not data.startswith((codecs.BOM_UTF8, codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        head_end = _HEAD_END.search(data, 0, HEAD_WINDOW)
        window = max(META_CHARSET_WINDOW, head_end.end() if head_end else HEAD_WINDOW)
        declared = _META_CHARSET.search(data[:window])
        if declared:
            try:
                encoding = codecs.lookup(declared.group(1).decode("ascii")).name
            except LookupError:
                encoding = None
            # Pages labelled GB2312 use GBK characters; GB18030 reads both (and is a superset).
            if encoding in ("gb2312", "gbk", "euc_cn", "hz"):
                encoding = "gb18030"
            text = decode_or_none(data, encoding) if encoding else None
            if text is not None and encoding is not None:
                return text, encoding
    return decode_text(data)


def _is_furniture(tag) -> bool:
    if tag.name in _DROPPED_TAGS:
        return True
    attrs = tag.attrs or {}
    if attrs.get("role") in _DROPPED_ROLES or "hidden" in attrs or attrs.get("aria-hidden") == "true":
        return True
    names = " ".join([*(attrs.get("class") or ()), attrs.get("id") or ""])
    return bool(names) and _FURNITURE.search(names) is not None and tag.name not in ("body", "html", "main", "article")


def _main_element(soup):
    """<article> (the one with most CJK text), else <main>, else the block holding most paragraph text.

    The last is readability's rule: each paragraph's CJK characters (outside links) count for the
    block around it, half for the block around that; a block with text right inside it (lines
    split by <br>, as older government sites have it) counts that text for itself.
    """
    from bs4.element import NavigableString, PreformattedString

    articles = soup.find_all("article")
    if articles:
        return max(articles, key=_cjk_outside_links)
    main = soup.find("main")
    if main is not None:
        return main
    root = soup.body or soup
    scores: dict[int, list] = {}  # id(tag) -> [tag, score]

    def credit(tag, amount: float) -> None:
        if tag is not None:
            scores.setdefault(id(tag), [tag, 0.0])[1] += amount

    for string in root.find_all(string=True):
        if isinstance(string, PreformattedString) or not isinstance(string, NavigableString):
            continue
        count = len(_CJK_CHAR.findall(string))
        if not count or _parent_named(string, _LINK) is not None:
            continue
        block = _parent_named(string, _BLOCK_TAGS) or root
        if block.name in _PARAGRAPH_TAGS and block is not root:
            credit(block.parent, count)
            credit(block.parent.parent if block.parent is not root else None, count / 2)
        else:
            credit(block, count)
    if not scores:
        return root
    return max(scores.values(), key=lambda entry: entry[1])[0]


_LINK = frozenset(["a"])


def _parent_named(node, names: frozenset):
    """The nearest ancestor whose tag is in ``names``: bs4's find_parent builds a filter each call,
    which made a page of 20,000 paragraphs take 10 s."""
    parent = node.parent
    while parent is not None:
        if parent.name in names:
            return parent
        parent = parent.parent
    return None


def _cjk_outside_links(tag) -> int:
    """CJK characters of a tag's text outside links (menus and link lists are mostly links)."""
    in_links = sum(len(_CJK_CHAR.findall(a.get_text())) for a in tag.find_all("a"))
    return len(_CJK_CHAR.findall(tag.get_text())) - in_links


_BREAK = "\x00"  # stands for a block's line break until source whitespace is collapsed


def _block_text(root) -> str:
    """The text of ``root`` with a line break around each block element and at <br>."""
    from bs4.element import NavigableString, PreformattedString, Tag

    pieces: list[str] = []
    # Line breaks inside <pre> are the text's own (some sites put a whole report in one).
    preformatted = {id(s) for pre in root.find_all("pre") for s in pre.find_all(string=True)}
    if root.name == "pre":
        preformatted.update(id(s) for s in root.find_all(string=True))
    stack = [root]  # iterative: deeply nested pages must not hit the recursion limit
    while stack:
        node = stack.pop()
        if type(node) is str:  # a block's closing line break, pushed below
            pieces.append(node)
        elif isinstance(node, NavigableString):
            if not isinstance(node, PreformattedString):  # comments, doctype, CDATA
                text = str(node).replace(_BREAK, "")
                pieces.append(text.replace("\n", _BREAK) if id(node) in preformatted else text)
        elif isinstance(node, Tag):
            if node.name == "br":
                pieces.append(_BREAK)
                continue
            if node.name in _BLOCK_TAGS:
                pieces.append(_BREAK)
                stack.append(_BREAK)
            stack.extend(reversed(node.contents))
    text = _WHITESPACE.sub(" ", _CJK_BREAK.sub("", "".join(pieces)))
    lines = (line.strip() for line in text.split(_BREAK))
    return "\n".join(line for line in lines if line)


def _clean(text: str) -> str:
    return _WHITESPACE.sub(" ", text).strip()


def _site_name_dropped(title: str) -> str:
    """``标题_郑州市人民政府`` -> ``标题``: the longest part of a <title> joined with a site name."""
    parts = [p for p in _TITLE_PARTS.split(title) if p]
    return max(parts, key=len) if len(parts) > 1 else title


# -- the gov.cn 索引号 table ----------------------------------------------------------------------------

# Its labels (spaces inside them vary: "索 引 号", "标　　题") -> our property names.
_TABLE_LABELS = {
    "索引号": "index_number",
    "主题分类": "subject",
    "发文机关": "issuer",
    "成文日期": "created",
    "标题": "title",
    "发文字号": "doc_number",
    "发布日期": "published",
    "主题词": "keywords",
}
_TABLE_TAGS = {name: f"索引号表 {label}" for label, name in _TABLE_LABELS.items()}
# A cell that is a label ("发文机关", "发文机关：") or a label, a colon and its value; "标题党" is none.
_LABEL = re.compile(r"^(" + "|".join(_TABLE_LABELS) + r")(?:[:：](.*))?$", re.DOTALL)
_LABEL_HOLDERS = ("td", "th", "dt", "li", "span", "b", "strong", "label", "p", "em")
MAX_TABLE_CELL = 200  # characters: a label's cell, never a paragraph of the text


def index_table(soup) -> dict[str, str]:
    """The gov.cn 索引号 table (索引号, 主题分类, 发文机关, 成文日期, 标题, 发文字号, 发布日期) as
    {property name: value}; a label's value is the rest of its cell ("发文机关：国务院") or the
    next cell. Empty unless two labels are found (one "发布日期：" alone may be in the text)."""
    found: dict[str, str] = {}
    for string in soup.find_all(string=_SPACED_LABEL):
        holder = _parent_named(string, _HOLDER_NAMES)
        if holder is None:
            continue
        text = holder.get_text(" ", strip=True)
        match = _label(text) if len(text) <= MAX_TABLE_CELL else None
        if match is None or _TABLE_LABELS[match.group(1)] in found:
            continue
        value = ""
        if match.group(2):
            colon = re.search("[:：]", text)
            value = _clean(text[colon.end() :]) if colon else match.group(2)
        else:
            after = holder.find_next_sibling(_VALUE_HOLDERS)
            if after is None and holder.parent is not None and holder.parent.name in _HOLDER_NAMES:
                after = holder.parent.find_next_sibling(_VALUE_HOLDERS)
            cell = _clean(after.get_text(" ", strip=True)) if after is not None else ""
            next_label = _label(cell)
            if len(cell) <= MAX_TABLE_CELL and not (next_label and not next_label.group(2)):
                value = cell  # (not the next label's cell: this label's value is empty)
        if value:
            found[_TABLE_LABELS[match.group(1)]] = value
    return found if len(found) >= 2 else {}


_HOLDER_NAMES = frozenset(_LABEL_HOLDERS)
# A label as written in a page: spaces of any kind between its characters ("索 引 号", "标　　题").
_SPACED_LABEL = re.compile("|".join("[\\s\u3000\xa0]*".join(label) for label in _TABLE_LABELS))
_VALUE_HOLDERS = ("td", "th", "dd", "span", "div", "em")


def _label(text: str):
    """A match of a label and what follows it in a cell's text (spaces inside the label dropped)."""
    return _LABEL.match(re.sub(r"[\s\u3000\xa0]+", "", text))


extract_page = extract_html  # the name the reader table uses for .html, .htm, .shtml, .xhtml
