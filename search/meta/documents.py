"""Files -> documents: normalize the text, split a page of news items, and give each document its
title, date, place, issuer, 文号, 文种 and topics, each with the evidence it came from.

The rules read the narrow form of the paragraphs (``，`` as ``,``: their patterns are written for
half-width punctuation); a record's title and paragraphs are the file's as written, found back by
position (``search.text.narrow.AsWritten``). Values read from the text (issuer, 文号) are in the narrow form.

A manifest row overrides everything; without one, every value comes from what the file states
(see ``published.py`` for dates). A value the file does not state stays None, never invented.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date

from search.meta.corrections import CLEARED
from search.meta.dates import PartialDate
from search.meta.evidence import Evidence, FileFacts
from search.meta.issuers import doc_number, is_news, issuer_candidates, names_national_body, type_of_title
from search.meta.items import (
    Item,
    fallback_title,
    is_long_title_line,
    is_title_like,
    join_wrapped_title,
    official_title,
    split_items,
)
from search.meta.manifests import Sidecar
from search.meta.organs import organ_place
from search.meta.places import NATIONAL, canonical_district, clear_winner, dominant_place, line_naming, mentions
from search.meta.published import choose, dateline, file_evidence, item_date, meta_date, signature, text_date
from search.meta.topics import Taxonomy, merge_topics
from search.text.narrow import AsWritten, narrow
from search.text.normalize import fold, normalize_paragraphs, search_text

FIELDS = ("published", "district", "issuer", "doc_number", "doc_type")


@dataclass(frozen=True)
class DocumentRecord:
    """One searchable document: a whole file, or one news item of a page holding several."""

    item: int  # 0-based position in its file
    title: str
    paragraphs: tuple[str, ...]  # body in display form, without the title
    district: str | None
    published: PartialDate | None
    topics: tuple[str, ...]
    issuer: str | None = None
    doc_number: str | None = None
    doc_type: str | None = None
    evidence: tuple[tuple[str, Evidence], ...] = ()  # (field, evidence) for each value found
    # (field, value as written, source, why) for each statement read and refused (``search inspect``)
    refused: tuple[tuple[str, str, str, str], ...] = ()
    # fold(title + paragraphs): computed once, for its topics, and handed to the grams (not compared)
    search_text: str = field(default="", compare=False, repr=False)

    def evidence_for(self, field: str) -> Evidence | None:
        """The evidence of one field (``published``, ``district``, ...), or None."""
        return dict(self.evidence).get(field)

    @property
    def date_source(self) -> str | None:
        """Where the publication date came from (``manifest``, ``meta``, ``signature``, ...), or None."""
        found = self.evidence_for("published")
        return found.source if found else None

    @property
    def district_source(self) -> str | None:
        """Where the district came from, or None."""
        found = self.evidence_for("district")
        return found.source if found else None


def extract_documents(
    raw: str,
    sidecar: Mapping[str, str] | None = None,
    taxonomy: Taxonomy | None = None,
    *,
    facts: FileFacts | None = None,
    today: date | None = None,
) -> list[DocumentRecord]:
    """Normalize a file's text, split a page of news items into items, and fill their metadata.

    ``facts`` are the file's path (relative to its indexed folder) and its format's properties.
    Returns [] when nothing is left after normalization.
    """
    shown, paragraphs = normalize_paragraphs(raw)
    if not paragraphs:
        return []
    written = AsWritten(paragraphs, shown)
    today = today or date.today()  # once: each choice below would ask the clock
    taxonomy = taxonomy or Taxonomy.load()
    side = Sidecar.from_row(sidecar)
    facts = facts or FileFacts()
    items = split_items(paragraphs)
    if items is None:
        return [_single_record(paragraphs, written, side, facts, taxonomy, today)]
    page = choose([_manifest_date(side), *file_evidence(facts, paragraphs)], today=today)
    return [_item_record(n, item, written, side, page, taxonomy, today) for n, item in enumerate(items)]


def _manifest_date(side: Sidecar) -> Evidence[PartialDate] | None:
    return Evidence(side.published, "manifest", f"manifest: {side.published}") if side.published else None


def _single_record(
    paragraphs: Sequence[str],
    written: AsWritten,
    side: Sidecar,
    facts: FileFacts,
    taxonomy: Taxonomy,
    today: date | None,
) -> DocumentRecord:
    """A file that is one document (``paragraphs`` narrowed): the sidecar's facts win over the file's."""
    joined = join_wrapped_title(paragraphs)  # a 通知 whose title wraps over two lines
    if len(joined) < len(paragraphs):
        at = next(n for n, (a, b) in enumerate(zip(joined, paragraphs, strict=False)) if a != b)
        paragraphs, written = joined, written.joined(at)
    title, headings, body = _title_and_body(paragraphs, side)
    signed, organ = signature(body)
    published = _published(side, facts, body, headings, signed, today)

    number = Evidence(side.doc_number, "manifest", side.doc_number) if side.doc_number else doc_number(body)
    kind = _doc_type(side, title, body)
    news = kind is not None and kind.value == "新闻"
    issuers, refused = issuer_candidates(
        title, body, number, organ, facts.get("issuer"), news=news, place=side.district or _title_place(title)
    )
    if side.issuer:
        issuers.insert(0, Evidence(side.issuer, "manifest", side.issuer))
    district = _news_district(side, title, body, issuers) if news else _district(side, title, body, issuers)
    found = {
        "published": published,
        "district": district,
        "issuer": issuers[0] if issuers else None,
        "doc_number": number,
        "doc_type": kind,
    }
    why = tuple(("issuer", value, source, reason) for value, source, reason in refused)
    shown_title = side.title or (written.paragraph(title) if headings else written.piece(title))
    return _record(0, title, body, found, side, taxonomy, shown_title, written.paragraphs(body), why)


def _title_and_body(paragraphs: Sequence[str], side: Sidecar) -> tuple[str, tuple[str, ...], tuple[str, ...]]:
    """The title (the sidecar's, the 公文 title, or a title-like first line), its headings and the body."""
    first, rest = paragraphs[0], tuple(paragraphs[1:])
    headings: tuple[str, ...]
    official = official_title(paragraphs)
    if side.title:
        title, headings = narrow(side.title), (narrow(side.title),)
        body = rest if fold(first) == fold(side.title) else tuple(paragraphs)
    elif official is not None:
        title, headings = paragraphs[official], (paragraphs[official],)
        body = tuple(paragraphs[:official]) + tuple(paragraphs[official + 1 :])
    elif is_title_like(first) or is_long_title_line(first):
        title, headings, body = first, (first,), rest
    else:
        title, headings, body = fallback_title(first), (), tuple(paragraphs)
    return title, headings, body


def _published(
    side: Sidecar,
    facts: FileFacts,
    body: tuple[str, ...],
    headings: tuple[str, ...],
    signed: Evidence | None,
    today: date | None,
) -> Evidence | None:
    """The publication date: the strongest evidence (manifest, file, signature) sets the year the
    weaker (dateline, text) are read in; the file's creation date only refines."""
    strong = [_manifest_date(side), *file_evidence(facts, body), signed]
    strong.sort(key=lambda e: _STRENGTH[e.source] if e else len(_STRENGTH))
    context = choose(strong, today=today)
    year = context.value.year if context else None
    candidates = [*strong, dateline(body, year), text_date(headings, body, year)]
    candidates.sort(key=lambda e: _STRENGTH[e.source] if e else len(_STRENGTH))
    created = meta_date(facts.get("created"))
    refine = (
        [Evidence(created, "meta", f"{facts.get('created_tag') or 'created'}: {facts.get('created')}")]
        if created
        else []
    )
    return choose(candidates, refine_only=refine, today=today)


_STRENGTH = {"manifest": 0, "meta": 1, "signature": 2, "dateline": 3, "filename": 4, "title": 5, "text": 6}


def _item_record(
    number: int,
    item: Item,
    written: AsWritten,
    side: Sidecar,
    page: Evidence | None,
    taxonomy: Taxonomy,
    today: date | None,
) -> DocumentRecord:
    """One news item of a page: its own headline and date; the page's date is the sidecar's or the file's."""
    title = " ".join(item.headings) if item.headings else fallback_title(item.body[0] if item.body else "")
    # Headings before body: a page's header paragraphs come before the first headline, but
    # AsWritten looks each paragraph up from where the last was found, round the file.
    shown_title = " ".join(map(written.paragraph, item.headings)) if item.headings else written.piece(title)
    district = _news_district(side, title, item.body, [])
    kind = Evidence("新闻", "text", item.body[0][:20]) if item.body else None
    found = {
        "published": item_date(item.headings, item.body, page, today),
        "district": district,
        "issuer": None,
        "doc_number": None,
        "doc_type": kind,
    }
    return _record(number, title, item.body, found, side, taxonomy, shown_title, written.paragraphs(item.body))


def _record(
    number: int,
    title: str,
    body: tuple[str, ...],
    found: dict,
    side: Sidecar,
    taxonomy: Taxonomy,
    shown_title: str,
    shown_body: tuple[str, ...],
    refused: tuple[tuple[str, str, str, str], ...] = (),
) -> DocumentRecord:
    """The record: values found in the narrow ``title`` and ``body``, shown as written."""
    text = search_text(title, body)  # the folded text of the narrow form is the search text of the shown one
    topics = merge_topics(taxonomy.topics_in(text), side.topics, taxonomy)
    cleared = [name for name in FIELDS if found.get(name) is not None and found[name].value == CLEARED]
    for name in cleared:  # a correction's "-": the value found was wrong and nothing right replaces it
        found = {**found, name: None}
    refused = (*refused, *((name, CLEARED, "manifest", "cleared by a correction") for name in cleared))
    evidence = tuple((name, found[name]) for name in FIELDS if found.get(name) is not None)
    value = {name: (found[name].value if found.get(name) else None) for name in FIELDS}
    return DocumentRecord(
        number,
        shown_title,
        shown_body,
        value["district"],
        value["published"],
        topics,
        issuer=value["issuer"],
        doc_number=value["doc_number"],
        doc_type=value["doc_type"],
        evidence=evidence,
        refused=refused,
        search_text=text,
    )


def _district(side: Sidecar, title: str, body: Sequence[str], issuers: Sequence[Evidence]) -> Evidence | None:
    """The place: the manifest's; else the issuing organ's (全国 for a national body, 淳安县 for
    中共淳安县委组织部) or the title's; then the speaker's organ ("我代表国务院"); only then the
    place the body is about."""
    if side.district:
        return Evidence(side.district, "manifest", f"manifest: {side.district}")
    stated = [e for e in issuers if e.source != "text"]
    for organ in stated:
        place = organ_place(str(organ.value))
        if place:
            return Evidence(place, organ.source, organ.line)
    place = _title_place(title)
    if place:
        return Evidence(place, "title", title)
    for organ in issuers:
        place = organ_place(str(organ.value)) if organ.source == "text" else None
        if place:
            return Evidence(place, "text", organ.line)
    if len(mentions(title)) > 1:  # the title names places none of which wins: the body does not decide
        return None
    place = dominant_place("\n".join(body))
    return Evidence(place, "text", line_naming(body, place)) if place else None


# A news dateline naming its place: 新华社北京3月5日电, 本报郑州讯, 中新社香港7月1日电.
_DATELINE_PLACE = re.compile(
    r"^(?:新华社|中新社|本报|人民网|央视网)([\u4e00-\u9fff]{2,4}?)(?:\d{1,2}月\d{1,2}日)?(?:电|讯)"
)


# 美国国务院, 越南共产党中央委员会 is not: a country's own body (a headline naming one is about abroad).
_FOREIGN_BODY = re.compile(r"(?:(?!中)[\u4e00-\u9fff])国国务院")


def _news_district(side: Sidecar, title: str, body: Sequence[str], issuers: Sequence[Evidence]) -> Evidence | None:
    """A news item's place: the manifest's; its explicit issuer's; its dateline's; else the place
    its headline names when one clearly wins (河南 and 郑州 -> 郑州市; 河南 and 江苏 -> none), and
    the body's only when the headline names no place."""
    if side.district:
        return Evidence(side.district, "manifest", f"manifest: {side.district}")
    for organ in issuers:
        place = organ_place(str(organ.value))
        if place:
            return Evidence(place, organ.source, organ.line)
    for paragraph in body[:2]:
        dated = _DATELINE_PLACE.match(paragraph)
        place = canonical_district(dated.group(1)) if dated else None
        if place and dated:
            return Evidence(place, "dateline", paragraph[: dated.end()])
    named = mentions(title)
    if named:
        place = clear_winner(named)
        return Evidence(place, "title", title) if place else None
    if names_national_body(title) and not _FOREIGN_BODY.search(title):
        return Evidence(NATIONAL, "title", title)
    place = dominant_place("\n".join(body))
    return Evidence(place, "text", line_naming(body, place)) if place else None


def _title_place(title: str) -> str | None:
    """The place a title names when one clearly wins, else 全国 when it names a national body."""
    named = mentions(title)
    if named:
        return clear_winner(named)
    return NATIONAL if names_national_body(title) else None


def _doc_type(side: Sidecar, title: str, body: Sequence[str]) -> Evidence | None:
    if side.doc_type:
        return Evidence(side.doc_type, "manifest", side.doc_type)
    if is_news(body):
        return Evidence("新闻", "text", body[0][:30])
    kind = type_of_title(title)
    return Evidence(kind, "title", title) if kind else None
