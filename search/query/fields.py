"""``field:value`` -> an atom: filters resolved against the districts, topics and document types,
dates read as intervals (``2020-07..2020-08``, ``近3个月``).

Apart from the parser: the request's own filters (``--district``, ``?year=``) become atoms through
the same function, and the web form checks dates with ``parse_interval``.
"""

from __future__ import annotations

import re
from datetime import date

from search.meta import DOC_TYPES, Taxonomy, canonical_doc_number, canonical_doc_type, match_districts
from search.meta.typed import relative_range, typed_date
from search.query.atoms import Atom
from search.text.normalize import normalize_query

FIELDS = ("district", "topic", "title", "year", "month", "date", "issuer", "type", "docno")


def atom_for(field_name: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]) -> Atom | None:
    """The atom of one ``field:value`` term (``field_name`` "" for a phrase); None, with a note, if it is ignored."""
    value = normalize_query(raw)
    if not value:
        if raw:
            notes.append(f"{raw!r} has no searchable characters; ignored")
        elif field_name:
            notes.append(f"{field_name}: without a value ignored")
        else:
            notes.append('empty quotes "" ignored')
        return None
    if field_name in ("title", "issuer"):
        return Atom(field_name, value, negated)
    read = _FILTERS.get(field_name)
    if read is None:  # "", "text" (and a field we do not know): a phrase
        return Atom("text", value, negated)
    return read(field_name, value, raw, negated, taxonomy, notes)


def _district(
    field_name: str, value: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]
) -> Atom:
    names = match_districts(value)
    if not names:
        notes.append(f"no district matches {value!r}: district:{value} matches nothing")
    return Atom("district", value, negated, names=names)


def _topic(field_name: str, value: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]) -> Atom:
    names = (taxonomy or Taxonomy.load()).match(value)
    if not names:
        notes.append(f"no topic matches {value!r}: topic:{value} matches nothing")
    return Atom("topic", value, negated, names=names)


def _doc_type(
    field_name: str, value: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]
) -> Atom:
    kind = canonical_doc_type(value)
    if kind not in DOC_TYPES:
        notes.append(f"type:{value} is not a document type ({'、'.join(DOC_TYPES)}): it matches nothing")
    return Atom("type", kind or value, negated)


def _doc_number(
    field_name: str, value: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]
) -> Atom:
    return Atom("docno", normalize_query(canonical_doc_number(raw) or raw), negated)


def _dates(
    field_name: str, value: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]
) -> Atom | None:
    """``year:`` and ``date:``: an interval, or None with a note."""
    interval = parse_interval(value, years_only=field_name == "year")
    if interval is None:
        notes.append(f"{field_name}:{value} is not a valid {field_name} or range; ignored")
        return None
    return Atom(field_name, value, negated, interval=interval)


def _month(
    field_name: str, value: str, raw: str, negated: bool, taxonomy: Taxonomy | None, notes: list[str]
) -> Atom | None:
    found = re.fullmatch(r"(\d{4})[-/.年](\d{1,2})月?", value)
    if not found or not 1 <= int(found.group(2)) <= 12:
        notes.append(f"month:{value} is not a month like 2020-07; ignored")
        return None
    return Atom("month", f"{found.group(1)}-{int(found.group(2)):02d}", negated)


# The filters that resolve their value (the others are phrases: text, title, issuer).
_FILTERS = {
    "district": _district,
    "topic": _topic,
    "type": _doc_type,
    "docno": _doc_number,
    "year": _dates,
    "date": _dates,
    "month": _month,
}


def parse_interval(text: str, years_only: bool = False, today: date | None = None) -> tuple[date, date] | None:
    """``2020``, ``2020-07``, ``2020年7月``, ``2020/7/1``, ``A..B``, ``A..``, ``..B``, or a relative range
    (近一年, 近3个月, 今年, 去年, 本月, 上月) -> (first day, last day), or None."""
    text = text.strip().replace("～", "..").replace("~", "..").replace("至", "..")
    if not years_only:
        whole = relative_range(text, today)
        if whole:
            return whole
    if ".." in text:
        left, _, right = text.partition("..")
    else:
        left = right = text
    if not left.strip() and not right.strip():
        return None

    def bound(part: str, end: bool) -> date | None:
        part = part.strip()
        if not part:
            return date.max if end else date.min
        if years_only and not re.fullmatch(r"\d{4}", part):
            return None
        relative = None if years_only else relative_range(part, today)
        if relative:
            return relative[1] if end else relative[0]
        parsed = typed_date(part)
        if parsed is None:
            return None
        return parsed.end() if end else parsed.start()

    start, end = bound(left, False), bound(right, True)
    if start is None or end is None or start > end:
        return None
    return start, end
