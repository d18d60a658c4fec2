"""Document metadata: split pages into news items, and give each a title, date, district and topics.

Facts come from a sidecar (a ``manifest.tsv``/``manifest.csv`` row) when there is one, else from
the text. The text is only trusted for what it states: a date without a stated year stays unknown
rather than being guessed. The rules, in the order they apply, are documented on the functions.
"""

from __future__ import annotations

import calendar
import csv
import hashlib
import re
import tomllib
import unicodedata
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import cached_property, lru_cache
from pathlib import Path, PurePosixPath

from .normalize import (
    fold,
    is_byline,
    normalize_line,
    normalize_query,
    normalize_text,
    search_text,
)

DATA_DIR = Path(__file__).resolve().parent / "data"
TOPICS_FILE = DATA_DIR / "topics.toml"
GAZETTEER_FILE = DATA_DIR / "gazetteer.toml"

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

_ITEM_START = "本报讯"


# -- dates -----------------------------------------------------------------------------------------

_CN_DIGITS = "〇零一二三四五六七八九十"
_NUMBER = rf"(?:\d{{1,2}}|[{_CN_DIGITS}]{{1,3}})"
_YEAR_NUMBER = r"(?:\d{4}|[〇零一二三四五六七八九]{4})"
_ISO_DATE = re.compile(r"(\d{4})(?:([-/.])(\d{1,2})(?:\2(\d{1,2}))?)?")
_COMPACT_DATE = re.compile(r"(\d{4})(\d{2})(\d{2})")
_CHINESE_DATE = re.compile(rf"({_YEAR_NUMBER})年(?:({_NUMBER})月(?:({_NUMBER})[日号])?)?")
# The date of an event is followed by a comma, a time of day or a place ("8月8日,", "7月1日上午",
# "2025年1月20日在…"), unlike a period's bounds ("从2020年5月1日至…", "5月1日起施行") or an aside
# ("今天(2月1日)公布").
_EVENT_END = r"(?=[,\s上下早晚凌中午在])"
_FULL_DATE_IN_TEXT = re.compile(rf"({_YEAR_NUMBER})年({_NUMBER})月({_NUMBER})[日号]{_EVENT_END}")
# Not the tail of a full date whose year is out of range ("1850年7月1日,"); "今年7月1日," is fine.
_MONTH_DAY_IN_TEXT = re.compile(
    rf"(?<![\d〇零一二三四五六七八九]年)(?<![\d{_CN_DIGITS}])({_NUMBER})月({_NUMBER})[日号]{_EVENT_END}"
)
_YEAR_IN_SENTENCE = re.compile(r"(?<!\d)((?:19|20)\d\d)年")
# A heading that opens with a year is about that year ("2024"九个持续抓好"", "2025年安徽省政府工作报告");
# a year later in a heading is often another year's data ("商务部:2023年服务贸易创新高", published 2024).
_YEAR_IN_HEADING = re.compile(r"(19\d\d|20\d\d|2100)(?=年|[\"“”'\s]|$)")
_SENTENCE_END = re.compile("[。!?]")
_TITLE_SENTENCE_END = re.compile("[。!?;]")


@dataclass(frozen=True)
class PartialDate:
    """A date known to the year, the month or the day; it denotes the interval it leaves open."""

    year: int
    month: int | None = None
    day: int | None = None

    def __post_init__(self) -> None:
        if not 1900 <= self.year <= 2100:
            raise ValueError(f"year {self.year} is outside 1900-2100")
        if self.month is None and self.day is not None:
            raise ValueError("a day needs a month")
        if self.month is not None:
            date(self.year, self.month, self.day or 1)  # raises ValueError for 2020-13 or 2020-02-30

    @property
    def precision(self) -> str:
        """``"year"``, ``"month"`` or ``"day"``."""
        if self.day is not None:
            return "day"
        return "month" if self.month is not None else "year"

    def iso(self) -> str:
        """``2020``, ``2020-07`` or ``2020-07-18``."""
        parts = [f"{self.year:04d}"] + [f"{n:02d}" for n in (self.month, self.day) if n is not None]
        return "-".join(parts)

    def start(self) -> date:
        """The first day of the interval."""
        return date(self.year, self.month or 1, self.day or 1)

    def end(self) -> date:
        """The last day of the interval."""
        if self.month is None:
            return date(self.year, 12, 31)
        return date(self.year, self.month, self.day or calendar.monthrange(self.year, self.month)[1])

    def covers(self, other: PartialDate) -> bool:
        """Whether ``other``'s interval lies within this one."""
        return self.start() <= other.start() and other.end() <= self.end()

    def __str__(self) -> str:
        return self.iso()

    @classmethod
    def parse(cls, text: str) -> PartialDate | None:
        """``2020``, ``2020-07``, ``2020/7/18``, ``2020.07``, ``2020年7月18日``, ``二〇二〇年七月``; else None."""
        if not isinstance(text, str):
            return None
        compact = unicodedata.normalize("NFKC", text).replace(" ", "").strip()
        for pattern in (_ISO_DATE, _COMPACT_DATE, _CHINESE_DATE):
            match = pattern.fullmatch(compact)
            if match:
                groups = match.groups()
                if pattern is _ISO_DATE:
                    groups = (groups[0], groups[2], groups[3])  # drop the separator
                return _build_date(*groups)
        return None


def _build_date(year: str, month: str | None = None, day: str | None = None) -> PartialDate | None:
    """A PartialDate from numeral strings (Arabic or Chinese), or None when they make no date."""
    numbers = [_numeral(part) if part is not None else None for part in (year, month, day)]
    if numbers[0] is None or any(n is None and p is not None for n, p in zip(numbers, (year, month, day))):
        return None
    try:
        return PartialDate(*numbers)
    except ValueError:
        return None


def _numeral(text: str) -> int | None:
    """``"7"``, ``"七"``, ``"十八"``, ``"二〇二〇"`` -> int; None when it is no number."""
    if text.isascii() and text.isdigit():
        return int(text)
    import cn2an  # here, not at module load: importing cn2an takes ~0.2 s and most dates are Arabic

    try:
        value = cn2an.cn2an(text, "normal")
    except (ValueError, KeyError, IndexError):
        return None
    return int(value) if value == int(value) else None


# -- places ----------------------------------------------------------------------------------------

_LEVELS = ("district", "city", "province", "country")
_REGION_SEPARATORS = re.compile("[/,、;|]")


@dataclass(frozen=True)
class Place:
    """A gazetteer entry."""

    name: str
    level: str
    aliases: tuple[str, ...] = ()
    query_aliases: tuple[str, ...] = ()
    in_text: bool = True

    @property
    def rank(self) -> int:
        """0 for the most specific level."""
        return _LEVELS.index(self.level)

    def text_names(self) -> tuple[str, ...]:
        """The names counted when they occur in running text."""
        return ((self.name,) if self.in_text else ()) + self.aliases


def _load_gazetteer(path: Path = GAZETTEER_FILE) -> tuple[Place, ...]:
    """The places of a gazetteer TOML file, in file order."""
    with path.open("rb") as handle:
        table = tomllib.load(handle)
    places = []
    for name, entry in table.items():
        if entry.get("level") not in _LEVELS:
            raise ValueError(f"{path.name}: place {name!r} needs a level among {', '.join(_LEVELS)}")
        places.append(
            Place(
                name=name,
                level=entry["level"],
                aliases=tuple(entry.get("aliases", ())),
                query_aliases=tuple(entry.get("query_aliases", ())),
                in_text=bool(entry.get("in_text", True)),
            )
        )
    return tuple(places)


PLACES = _load_gazetteer()
KNOWN_DISTRICTS: tuple[str, ...] = tuple(place.name for place in PLACES)
_PLACE_BY_NAME = {place.name: place for place in PLACES}
_CANONICAL = {
    normalize_query(alias): place.name
    for place in reversed(PLACES)  # reversed: on a clash the place listed first wins
    for alias in (place.name, *place.aliases, *place.query_aliases)
}
_GAZETTEER_ORDER = {name: i for i, name in enumerate(KNOWN_DISTRICTS)}
_TEXT_NAME = {name: place.name for place in PLACES for name in place.text_names()}
# Longest names first, so "河南省" is one mention of 河南省 rather than "河南" plus "省".
_PLACE_MENTION = re.compile(
    "|".join(
        re.escape(name) + ("(?!域)" if name.endswith("区") else "")
        for name in sorted(_TEXT_NAME, key=len, reverse=True)
    )
)


def canonical_district(name: str) -> str | None:
    """The canonical name of a place given by its name or an alias (``管城区`` -> ``管城回族区``)."""
    return _CANONICAL.get(normalize_query(name)) if isinstance(name, str) else None


def match_districts(value: str) -> tuple[str, ...]:
    """Places a filter value means: the one it names exactly, else those whose names contain it."""
    value = normalize_query(value)
    if not value:
        return ()
    exact = _CANONICAL.get(value)
    if exact:
        return (exact,)
    return tuple(
        place.name
        for place in PLACES
        if any(value in normalize_query(n) for n in (place.name, *place.aliases, *place.query_aliases))
    )


def _sidecar_district(value: str) -> str | None:
    """A sidecar's district or region: ``全国/中华人民共和国`` -> ``全国``, ``香港,澳门`` -> ``香港特别行政区``.

    Of several known places the most specific (then the first) wins; an unknown value is kept as
    written so no information is lost.
    """
    parts = [normalize_line(p) for p in _REGION_SEPARATORS.split(unicodedata.normalize("NFKC", value))]
    parts = [p for p in parts if p]
    known = [_PLACE_BY_NAME[c] for c in map(canonical_district, parts) if c]
    if known:
        return min(known, key=lambda place: place.rank).name
    return parts[0] if parts else None


def _district_from_text(title: str, paragraphs: Sequence[str]) -> str | None:
    """The place a document is about: of the places its title names, else of those its text names,
    the most mentioned of the most specific level (a district beats 郑州市, which beats a province).

    The title decides when it names a place: "2025年河南省政府工作报告" is about 河南省 even though
    its text mentions 航空港区.
    """
    return _most_specific(_mentions(title)) or _most_specific(_mentions("\n".join(paragraphs)))


def _mentions(text: str) -> dict[str, int]:
    """Canonical place -> number of mentions in ``text``."""
    counts: dict[str, int] = {}
    for match in _PLACE_MENTION.finditer(text):
        name = _TEXT_NAME[match.group(0)]
        counts[name] = counts.get(name, 0) + 1
    return counts


def _most_specific(counts: Mapping[str, int]) -> str | None:
    """The most mentioned place of the most specific level; ties go to the gazetteer's order."""
    if not counts:
        return None
    return min(counts, key=lambda n: (_PLACE_BY_NAME[n].rank, -counts[n], _GAZETTEER_ORDER[n]))


# -- topics ----------------------------------------------------------------------------------------


# Topic density: one trigger mention per this many characters (see Taxonomy.topics_for).
CHARS_PER_MENTION = 5000


class TaxonomyError(ValueError):
    """The topics file cannot be used; the message names the file and the problem."""


@dataclass(frozen=True)
class Topic:
    """A topic and the (folded) phrases that tag a document with it."""

    name: str
    triggers: tuple[str, ...]


@dataclass(frozen=True)
class Taxonomy:
    """The editable topic taxonomy (``search/data/topics.toml``)."""

    topics: tuple[Topic, ...]

    @classmethod
    def load(cls, path: Path | None = None) -> Taxonomy:
        """The taxonomy in ``path`` (default: the packaged topics.toml); reloaded when the file changes."""
        path = Path(path or TOPICS_FILE).resolve()
        try:
            stamp = path.stat().st_mtime_ns
        except OSError as exc:
            raise TaxonomyError(f"{path}: cannot read the topics file ({exc.strerror or exc})") from exc
        return _load_taxonomy(path, stamp)

    @property
    def names(self) -> tuple[str, ...]:
        """Topic names in taxonomy order."""
        return tuple(topic.name for topic in self.topics)

    def topics_for(self, title: str, paragraphs: Sequence[str]) -> tuple[str, ...]:
        """The topics a document is about, in taxonomy order.

        A topic applies when its triggers occur at least once per
        ``CHARS_PER_MENTION`` characters of text (and at least once): a news item
        that says 稳就业 once is about jobs; a 50,000-character work report that
        touches every policy area once is not about each of them.
        """
        text = search_text(title, paragraphs)
        needed = 1 + len(text) // CHARS_PER_MENTION
        return tuple(
            topic.name
            for topic in self.topics
            if sum(text.count(t) for t in topic.triggers) >= needed
        )

    @cached_property
    def digest(self) -> str:
        """A fingerprint of the taxonomy: documents are re-tagged when it changes (computed once)."""
        return hashlib.sha1(repr(self.topics).encode("utf-8")).hexdigest()[:12]

    def match(self, value: str) -> tuple[str, ...]:
        """Topics a filter value means: exact name, else names containing it, else topics it triggers."""
        value = normalize_query(value)
        if not value:
            return ()
        folded = {topic.name: normalize_query(topic.name) for topic in self.topics}
        exact = tuple(name for name, f in folded.items() if f == value)
        if exact:
            return exact
        containing = tuple(name for name, f in folded.items() if value in f)
        return containing or tuple(topic.name for topic in self.topics if value in topic.triggers)


@lru_cache(maxsize=8)
def _load_taxonomy(path: Path, stamp: int) -> Taxonomy:
    """Parse a topics file; ``stamp`` (its mtime) is part of the cache key so edits are seen."""
    try:
        with path.open("rb") as handle:
            table = tomllib.load(handle)
    except tomllib.TOMLDecodeError as exc:
        raise TaxonomyError(f"{path}: not valid TOML ({exc})") from exc
    topics = []
    for name, entry in table.items():
        triggers = entry.get("triggers") if isinstance(entry, dict) else None
        if not triggers or not all(isinstance(t, str) and t.strip() for t in triggers):
            raise TaxonomyError(f"{path}: topic {name!r} needs a non-empty list of trigger phrases")
        topics.append(Topic(normalize_line(name), tuple(dict.fromkeys(normalize_query(t) for t in triggers))))
    return Taxonomy(tuple(topics))


# -- sidecars --------------------------------------------------------------------------------------


class SidecarError(ValueError):
    """A manifest that cannot be read; the one-line message names the file."""


MANIFEST_NAMES = ("manifest.tsv", "manifest.csv")
# Sidecar key <- manifest columns, first non-empty wins.
_SIDECAR_COLUMNS = {
    "title": ("title",),
    "district": ("district", "region"),
    "date": ("date", "date_or_year", "year", "published"),
    "topics": ("topics",),
}
_TOPIC_SEPARATORS = re.compile("[;,、]")


def read_sidecar(folder: Path) -> dict[str, dict[str, str]]:
    """The rows of ``folder``'s manifest, keyed by file path relative to the folder; {} without one."""
    for name in MANIFEST_NAMES:
        path = Path(folder) / name
        if path.is_file():
            return _read_manifest(path)
    return {}


def _read_manifest(path: Path) -> dict[str, dict[str, str]]:
    tsv = path.suffix == ".tsv"
    try:
        with path.open(encoding="utf-8-sig", newline="") as handle:
            # Tab-separated manifests are not quote-escaped: a title may start with '"'.
            reader = csv.DictReader(
                handle, delimiter="\t" if tsv else ",", quoting=csv.QUOTE_NONE if tsv else csv.QUOTE_MINIMAL
            )
            header = [(column or "").strip().lower() for column in reader.fieldnames or ()]
            if "filename" not in header:
                found = ", ".join(c for c in header if c) or "no header row"
                raise SidecarError(f"{path}: no 'filename' column (found: {found})")
            reader.fieldnames = header
            return {key: row for key, row in map(_sidecar_row, reader) if key}
    except UnicodeDecodeError as exc:
        raise SidecarError(f"{path}: not UTF-8 text ({exc.reason} at byte {exc.start})") from exc
    except csv.Error as exc:
        raise SidecarError(f"{path}: malformed line {reader.line_num} ({exc})") from exc


def _sidecar_row(row: Mapping[str, str | None]) -> tuple[str, dict[str, str]]:
    """(file key, normalized row) of one manifest row."""
    raw_name = (row.get("filename") or "").strip().replace("\\", "/")
    key = PurePosixPath(raw_name).as_posix() if raw_name else ""
    return key, normalize_sidecar(row)


def normalize_sidecar(row: Mapping[str, str | None]) -> dict[str, str]:
    """A manifest row reduced to the keys title, district, date, topics; empty cells omitted."""
    result = {}
    for key, columns in _SIDECAR_COLUMNS.items():
        for column in columns:
            value = row.get(column)
            if isinstance(value, str) and value.strip():
                result[key] = value.strip()
                break
    return result


@dataclass(frozen=True)
class _Sidecar:
    """The facts a sidecar row gives, parsed."""

    title: str | None = None
    district: str | None = None
    published: PartialDate | None = None
    topics: tuple[str, ...] = ()

    @classmethod
    def from_row(cls, row: Mapping[str, str] | None) -> _Sidecar:
        values = normalize_sidecar(row or {})
        listed = _TOPIC_SEPARATORS.split(unicodedata.normalize("NFKC", values.get("topics", "")))
        topics = (normalize_line(t) for t in listed)
        return cls(
            title=normalize_line(values.get("title", "")) or None,
            district=_sidecar_district(values["district"]) if "district" in values else None,
            published=PartialDate.parse(values["date"]) if "date" in values else None,
            topics=tuple(t for t in topics if t),
        )


# -- documents -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DocumentRecord:
    """One searchable document: a whole file, or one news item of a page holding several."""

    item: int  # 0-based position in its file
    title: str
    paragraphs: tuple[str, ...]  # body in display form, without the title
    district: str | None
    published: PartialDate | None
    topics: tuple[str, ...]


@dataclass(frozen=True)
class _Item:
    """A stretch of a file's paragraphs that is one document."""

    headings: tuple[str, ...]  # the headline paragraphs; () when there is none
    body: tuple[str, ...]


def extract_documents(
    raw: str, sidecar: Mapping[str, str] | None = None, taxonomy: Taxonomy | None = None
) -> list[DocumentRecord]:
    """Normalize a file's text, split a page of news items into items, and fill their metadata.

    Returns [] when nothing is left after normalization.
    """
    paragraphs = normalize_text(raw)
    if not paragraphs:
        return []
    taxonomy = taxonomy or Taxonomy.load()
    side = _Sidecar.from_row(sidecar)
    items = _split_items(paragraphs)
    if items is None:
        return [_single_record(paragraphs, side, taxonomy)]
    return [_item_record(n, item, side, taxonomy) for n, item in enumerate(items)]


def _split_items(paragraphs: Sequence[str]) -> list[_Item] | None:
    """The news items of a page with at least two paragraphs starting "本报讯"; None for one document.

    An item is its headline (up to two short paragraphs right before its "本报讯") and its body up
    to the next item's headline, so a closing byline stays with its item. Paragraphs before the
    first headline (a page header) go to the front of the first item's body.
    """
    starts = [i for i, p in enumerate(paragraphs) if p.startswith(_ITEM_START)]
    if len(starts) < 2:
        return None
    heads = []
    floor = 0
    for start in starts:
        head = start
        while head > floor and start - head < MAX_ITEM_HEADINGS and _is_title_like(paragraphs[head - 1]):
            head -= 1
        heads.append(head)
        floor = start + 1
    ends = [*heads[1:], len(paragraphs)]
    begins = [0, *heads[1:]]
    return [
        _Item(tuple(paragraphs[head:start]), tuple(paragraphs[begin:head]) + tuple(paragraphs[start:end]))
        for begin, head, start, end in zip(begins, heads, starts, ends)
    ]


def _single_record(paragraphs: Sequence[str], side: _Sidecar, taxonomy: Taxonomy) -> DocumentRecord:
    """A file that is one document: the sidecar's facts win over the text's."""
    first, rest = paragraphs[0], tuple(paragraphs[1:])
    if side.title:
        title, headings = side.title, (side.title,)
        body = rest if fold(first) == fold(side.title) else tuple(paragraphs)
    elif _is_title_like(first) or _is_long_title_line(first):
        title, headings, body = first, (first,), rest
    else:
        title, headings, body = _fallback_title(first), (), tuple(paragraphs)
    published = _single_date(headings, body, side.published)
    return _record(0, title, body, side, published, taxonomy)


def _item_record(number: int, item: _Item, side: _Sidecar, taxonomy: Taxonomy) -> DocumentRecord:
    """One news item of a page: its own headline and date; the sidecar's date is the page's."""
    title = " ".join(item.headings) if item.headings else _fallback_title(item.body[0] if item.body else "")
    published = _item_date(item.headings, item.body, side.published)
    return _record(number, title, item.body, side, published, taxonomy)


def _record(
    number: int,
    title: str,
    body: tuple[str, ...],
    side: _Sidecar,
    published: PartialDate | None,
    taxonomy: Taxonomy,
) -> DocumentRecord:
    district = side.district or _district_from_text(title, body)
    topics = _merge_topics(taxonomy.topics_for(title, body), side.topics, taxonomy)
    return DocumentRecord(number, title, body, district, published, topics)


def _is_long_title_line(paragraph: str) -> bool:
    """A first line too long for a heading that still is the title: no full stop in it."""
    return len(paragraph) <= FIRST_LINE_TITLE_MAX and _SENTENCE_END.search(paragraph) is None and not is_byline(paragraph)


def _is_title_like(paragraph: str) -> bool:
    """A short paragraph that does not end a sentence and is no byline: a headline."""
    return (
        len(paragraph) <= TITLE_MAX
        and not paragraph.endswith(("。", "!", "?"))
        and not paragraph.startswith(_ITEM_START)
        and not is_byline(paragraph)
    )


def _fallback_title(paragraph: str) -> str:
    """A title for a document without a headline: its first sentence, cut to 30 chars + "…"."""
    text = paragraph.removeprefix(_ITEM_START).strip()
    end = _TITLE_SENTENCE_END.search(text)
    sentence = text[: end.start()] if end else text
    return sentence if len(sentence) <= FALLBACK_TITLE_CHARS else sentence[:FALLBACK_TITLE_CHARS] + "…"


def _merge_topics(detected: tuple[str, ...], listed: tuple[str, ...], taxonomy: Taxonomy) -> tuple[str, ...]:
    """Detected topics plus a sidecar's, in taxonomy order; sidecar topics unknown to it go last."""
    names = set(detected)
    extra = []
    for topic in listed:
        known = taxonomy.match(topic)
        if len(known) == 1 and normalize_query(known[0]) == normalize_query(topic):
            names.add(known[0])
        elif topic not in extra:
            extra.append(topic)
    return tuple(n for n in taxonomy.names if n in names) + tuple(e for e in extra if e not in names)


# -- document dates ---------------------------------------------------------------------------------


def _single_date(
    headings: Sequence[str], body: Sequence[str], sidecar: PartialDate | None
) -> PartialDate | None:
    """A single document's date: the sidecar's, refined by the text's when that is more precise.

    Without a sidecar, the text's date (see :func:`_text_date`). With one, the sidecar wins unless
    it only gives a year or month and the text's date is more precise and falls within it.
    """
    found = _text_date(headings, body, sidecar.year if sidecar else None)
    if sidecar is None:
        return found
    more_precise = found is not None and _PRECISION_RANK[found.precision] > _PRECISION_RANK[sidecar.precision]
    return found if more_precise and sidecar.covers(found) else sidecar


_PRECISION_RANK = {"year": 0, "month": 1, "day": 2}


def _item_date(headings: Sequence[str], body: Sequence[str], page: PartialDate | None) -> PartialDate | None:
    """A news item's date: its own 月日 with the page's year, else the page's month.

    An item saying only "近日" (recently) happened shortly before the page's date, so the page date
    is kept at month precision rather than claiming a day it does not state.
    """
    found = _text_date(headings, body, page.year if page else None)
    if found is not None:
        return _year_before_if_after(found, page)
    if page is None:
        return None
    return PartialDate(page.year, page.month) if page.month else PartialDate(page.year)


def _year_before_if_after(found: PartialDate, page: PartialDate | None) -> PartialDate:
    """An item dated half a year after its page's date is from the year before (Jan page, 12月 item)."""
    if page is None or found.year != page.year or found.start() - page.end() <= MAX_ITEM_AFTER_PAGE:
        return found
    try:
        return PartialDate(found.year - 1, found.month, found.day)
    except ValueError:  # 29 February
        return found


def _text_date(headings: Sequence[str], body: Sequence[str], fallback_year: int | None) -> PartialDate | None:
    """The date a document's opening states, or None.

    1. A full date (2025年1月20日) in a heading or at the start of the first paragraph of text.
    2. A 月日 at the start of the first paragraph of text ("8月8日,", "本报讯 7月18日,"), with the
       year from: the sidecar (``fallback_year``), else a "YYYY年" shortly after it in the same
       sentence ("8月8日,郑东新区党工委召开2020年半年工作会议"), else a year in a heading. No year:
       None, never a guess.
    3. No 月日: a year a heading opens with (title, subtitles: "2024"九个持续抓好"") gives the year.
       Years in running text are not used: "2019年,全区…" in a 2020 report reviews the year before.
    """
    leading = list(headings)
    text = ""
    for paragraph in body:
        if _is_title_like(paragraph) and len(leading) < MAX_LEADING_HEADINGS:
            leading.append(paragraph)
            continue
        text = paragraph
        break
    window = text[:DATE_WINDOW]
    for candidate in (*leading, window):
        match = _FULL_DATE_IN_TEXT.search(candidate)
        full = _build_date(*match.groups()) if match else None
        if full:
            return full
    heading_year = _heading_year(leading)
    match = _MONTH_DAY_IN_TEXT.search(window)
    if match:
        year = fallback_year or _year_after(text, match.end()) or heading_year
        return _build_date(str(year), *match.groups()) if year else None
    return PartialDate(heading_year) if heading_year else None


def _year_after(text: str, start: int) -> int | None:
    """A year stated shortly after ``start`` in the same sentence."""
    end = _SENTENCE_END.search(text, start)
    stop = min(end.start() if end else len(text), start + MAX_YEAR_DISTANCE)
    match = _YEAR_IN_SENTENCE.search(text, start, stop + 1)  # +1: the 年 may sit right at the limit
    return int(match.group(1)) if match else None


def _heading_year(headings: Sequence[str]) -> int | None:
    """The year a heading opens with."""
    for heading in headings:
        match = _YEAR_IN_HEADING.match(heading)
        if match:
            return int(match.group(1))
    return None
