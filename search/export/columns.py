"""What an exported row holds (results and concordance lines), a search in words, links and file names."""

from __future__ import annotations

import html
import re
import unicodedata
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote, urlencode

from search.query import Hit, SearchRequest
from search.text.bidi import without_bidi

HIT_COLUMNS = ("序号", "标题", "发文机关", "文号", "文种", "日期", "区域", "主题", "摘要", "链接", "来源文件", "编号")
KWIC_COLUMNS = ("序号", "标题", "日期", "区域", "左侧上下文", "检索词", "右侧上下文", "位置", "链接", "编号")
QUERY_NAME_LENGTH = 40  # characters of the query in a download's name
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def csv_cell(value: str) -> str:
    """A cell a spreadsheet will not run: text starting with = + - @ or a tab/CR gets a leading apostrophe
    (after bidi controls are removed, so that none hides where the text starts)."""
    value = without_bidi(value)
    return "'" + value if value.startswith(_FORMULA_START) else value


def defused(row) -> list:
    """A CSV row with its text cells defused (``csv_cell``)."""
    return [csv_cell(cell) if isinstance(cell, str) else cell for cell in row]


def snippet_text(snippet_html: str) -> str:
    """A snippet as plain text: our <mark> tags dropped, entities decoded."""
    return html.unescape(re.sub(r"</?mark>", "", snippet_html))


def document_link(base_url: str, doc_id: str, request: SearchRequest | None = None, at: int | None = None) -> str:
    """The absolute URL of a document's page, with the query marked (and scrolled to ``at``) when given."""
    pairs = []
    if request is not None and request.q:
        pairs += [("q", request.q)] + ([("mode", request.mode)] if request.mode != "exact" else [])
    if at is not None:
        pairs.append(("at", str(at)))
    url = f"{base_url.rstrip('/')}/doc/{quote(doc_id, safe='')}"
    return url + ("?" + urlencode(pairs) if pairs else "") + ("#at" if at is not None else "")


def search_link(base_url: str, request: SearchRequest) -> str:
    """The absolute URL of the search's first results page."""
    pairs = replace(request, page=1).to_args()
    return f"{base_url.rstrip('/')}/search" + ("?" + urlencode(pairs) if pairs else "")


def hit_row(number: int, hit: Hit, base_url: str, request: SearchRequest) -> tuple:
    """One result as a row of ``HIT_COLUMNS``."""
    return (
        number,
        hit.title,
        hit.issuer or "",
        hit.doc_number or "",
        hit.doc_type or "",
        hit.date or "",
        hit.district or "",
        "、".join(hit.topics),
        snippet_text(hit.snippets[0]) if hit.snippets else "",
        document_link(base_url, hit.id, request),
        hit.source,
        hit.id,
    )


def kwic_row(number: int, line, base_url: str, request: SearchRequest) -> tuple:
    """One concordance line as a row of ``KWIC_COLUMNS``; its link opens the document at the occurrence."""
    marks = SearchRequest(q=request.q, mode=request.mode)
    return (
        number,
        line.title,
        line.date or "",
        line.district or "",
        line.left,
        line.match,
        line.right,
        line.offset,
        document_link(base_url, line.id, marks, at=line.offset),
        line.id,
    )


def _date_words(value: str) -> str:
    parts = value.split("-")
    if all(p.isdigit() for p in parts) and 1 <= len(parts) <= 3:
        return "".join(f"{int(n)}{unit}" for n, unit in zip(parts, "年月日", strict=False))
    return value  # 近一年, 今年 …: as typed


def filter_words(request: SearchRequest) -> list[str]:
    """The filters of a request, each in words: 中原区, 2020年, 发文机关：郑州市人民政府 …"""
    words = []
    words += list(request.districts)
    words += [f"{y}年" for y in request.years]
    words += [_date_words(m) for m in request.months]
    if request.date_from or request.date_to:
        start = _date_words(request.date_from) if request.date_from else "…"
        end = _date_words(request.date_to) if request.date_to else "…"
        words.append(
            start if request.date_from and not request.date_to and not re.match(r"\d", start) else f"{start}至{end}"
        )
    words += [f"主题：{t}" for t in request.topics]
    words += [f"发文机关：{i}" for i in request.issuers]
    words += [f"文种：{t}" for t in request.doc_types]
    words += [f"文号：{d}" for d in request.doc_numbers]
    if request.mode == "words":
        words.append("分词匹配")
    if request.variants:
        words.append("含同义词")
    if request.sort == "newest":
        words.append("最新在前")
    elif request.sort == "oldest":
        words.append("最早在前")
    return words


def describe_request(request: SearchRequest) -> str:
    """A search in words, as a person would say it: ``老旧小区改造 · 中原区 · 2020年``."""
    q = " ".join(request.q.split())
    return " · ".join([q or "全部文档", *filter_words(request)])


def download_filename(request: SearchRequest, suffix: str, when: datetime, label: str = "") -> str:
    """``稳就业-20261204.xlsx``: the query (made safe for a file name, cut short), the label (``上下文``,
    ``汇编``) when given, then the date."""
    stem = "".join(c if unicodedata.category(c)[0] not in "CZ" else " " for c in request.q)
    stem = re.sub(r'[\\/:*?"<>|;,\'`#%&]+', " ", stem)
    stem = "_".join(w for w in stem.split() if w.strip("."))[:QUERY_NAME_LENGTH].strip("._-") or "全部文档"
    return f"{stem}-{label + '-' if label else ''}{when.strftime('%Y%m%d')}.{suffix}"


def content_disposition(filename: str) -> str:
    """``attachment`` with an ASCII fallback name and the real one in RFC 5987 ``filename*`` (Chinese names)."""
    ascii_name = re.sub(r"[^A-Za-z0-9._-]+", "", filename).lstrip("._-")
    if ascii_name == filename:
        return f'attachment; filename="{filename}"'
    fallback = "export-" + ascii_name if ascii_name and not ascii_name.startswith(".") else "export"
    return f"attachment; filename=\"{fallback}\"; filename*=UTF-8''{quote(filename, safe='')}"
