"""What /doc/<id> shows: one document with the query's phrases marked, its metadata's sources, and its links.

Beside ``trend_page`` and ``kwic_page``: a page of its own; the results page and the helpers the
pages share stay in ``pages``.
"""

from __future__ import annotations

from dataclasses import dataclass

from flask import url_for
from markupsafe import Markup

from search.engines import Engine
from search.query import SearchRequest
from search.query.compose import request_query, terms_to_mark
from search.text.highlight import find_spans, mark
from search.text.normalize import fold
from web.downloads import member_file, part_label
from web.pages import Link, date_label, document_url, search_url

# How the page names where a value came from (the evidence sources of search.meta).
SOURCE_LABELS = {
    "manifest": "清单",
    "meta": "网页/文件属性",
    "signature": "落款",
    "dateline": "电头",
    "filename": "文件名",
    "title": "标题",
    "text": "正文",
}


@dataclass(frozen=True)
class DocumentPage:
    id: str
    title: Markup
    district: str | None
    date: str
    topics: tuple[str, ...]
    source: str
    paragraphs: tuple[Markup, ...]
    issuer: str | None
    doc_number: str | None
    doc_type: str | None
    date_source: str | None  # as SOURCE_LABELS names it: 文件名, 落款 …
    district_source: str | None
    text_source: str  # "ocr" or "mixed": recognised from page images (a badge says so)
    marks: int
    back_url: str
    original_url: str | None
    part_of: str | None  # a member's container: 附件，所属邮件：… / 压缩包 x.zip 中的文件
    siblings: tuple[Link, ...]
    siblings_heading: str  # 同一版面的稿件 (a split page's items), 同一文件中的文档 (a mail and its attachments)
    request: SearchRequest
    similar: tuple[SimilarView, ...] = ()  # its reprints and edited copies, then the closest documents


SIMILAR_KINDS = {"reprint": "转载", "edited": "改写稿", "cluster": "同组", "close": "相近"}


@dataclass(frozen=True)
class SimilarView:
    label: str
    url: str
    date: str
    district: str | None
    percent: str  # 相似度 as a percentage of shared shingles (Jaccard)
    kind: str
    kind_label: str
    canonical: bool


def document_page(
    engine: Engine, doc_id: str, request: SearchRequest, at: int | None = None, visible: object = None
) -> DocumentPage | None:
    """A document with every occurrence of the query's phrases marked; None when there is no such
    document, or it is not ``visible`` (the two answer alike).

    ``at``: an occurrence's offset in the document's text (title, "\n", paragraphs, as the
    concordance gives it); its mark gets ``id="at"``, so ``#at`` scrolls to it.
    """
    doc = engine.document(doc_id, visible=visible)
    if doc is None:
        return None
    phrases = terms_to_mark(request_query(request), request.mode) if request.q.strip() else ()
    base = 0

    def marked(text: str) -> Markup:
        nonlocal base
        current = at - base if at is not None and base <= at < base + len(text) else None
        base += len(text) + 1
        return Markup(mark(text, find_spans(fold(text), phrases), current=current))

    title = marked(doc.title)
    paragraphs = tuple(marked(p) for p in doc.paragraphs)
    siblings = engine.siblings(doc_id, visible=visible)
    return DocumentPage(
        id=doc.id,
        title=title,
        district=doc.district,
        date=date_label(doc.published),
        topics=doc.topics,
        source=doc.source,
        paragraphs=paragraphs,
        issuer=doc.issuer,
        doc_number=doc.doc_number,
        doc_type=doc.doc_type,
        date_source=SOURCE_LABELS.get(doc.date_source or ""),
        district_source=SOURCE_LABELS.get(doc.district_source or ""),
        text_source=doc.text_source,
        marks=sum(str(p).count("<mark") for p in (title, *paragraphs)),
        back_url=search_url(request),
        original_url=url_for("web.original", doc_id=doc.id)
        if engine.original_file(doc) or member_file(engine, doc)
        else None,
        part_of=part_label(engine, doc, visible),
        siblings=tuple(
            Link(s.title or f"第 {s.item + 1} 篇", document_url(s.id, request), s.id == doc.id) for s in siblings
        )
        if len(siblings) > 1
        else (),
        siblings_heading="同一文件中的文档" if len({s.source for s in siblings}) > 1 else "同一版面的稿件",
        request=request,
        similar=tuple(
            SimilarView(
                s.title or "（无标题）",
                document_url(s.id, request),
                date_label(s.published),
                s.district,
                f"{s.similarity:.0%}",
                s.kind,
                SIMILAR_KINDS[s.kind],
                s.canonical,
            )
            for s in engine.similar(doc_id, visible=visible)
        ),
    )
