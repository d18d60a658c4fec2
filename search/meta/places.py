"""Places: the gazetteer (``search/data/gazetteer.toml``), names and aliases, and the place a text is about."""

from __future__ import annotations

import re
import tomllib
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search.meta.literals import literal_alternation
from search.text.normalize import normalize_line, normalize_query

GAZETTEER_FILE = Path(__file__).resolve().parent.parent / "data" / "gazetteer.toml"
NATIONAL = "全国"
# A place the body names wins only with more than this share of the body's mentions at its level:
# a report that names 香港 and 台湾 once each among its own province's many mentions is not about them.
DOMINANT_SHARE = 0.5

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
    parent: str | None = None  # the place it lies in (二七区 -> 郑州市); None for 全国

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
                parent=entry.get("parent"),
            )
        )
    known = {place.name for place in places}
    for place in places:
        if place.parent is not None and place.parent not in known:
            raise ValueError(f"{path.name}: place {place.name!r} lies in {place.parent!r}, which is no place of it")
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
    literal_alternation(
        sorted(_TEXT_NAME, key=len, reverse=True), suffix=lambda name: "(?!域)" if name.endswith("区") else ""
    )
)


_CHILDREN: dict[str, list[str]] = {}
for _place in PLACES:
    if _place.parent:
        _CHILDREN.setdefault(_place.parent, []).append(_place.name)


def place_path(name: str | None) -> tuple[str, ...]:
    """The path of a place from the top (二七区 -> 全国, 河南省, 郑州市, 二七区); a place the gazetteer
    does not know (淳安县, as an organ writes it) is its own path; None -> ()."""
    if not name:
        return ()
    path = [name]
    while (place := _PLACE_BY_NAME.get(path[-1])) is not None and place.parent:
        path.append(place.parent)
    return tuple(reversed(path))


def children(name: str) -> tuple[str, ...]:
    """The places lying directly in ``name``, in the gazetteer's order."""
    return tuple(_CHILDREN.get(name, ()))


def within(name: str) -> tuple[str, ...]:
    """``name`` and every place below it (郑州市 -> 郑州市, 中原区, 二七区 …)."""
    found = [name]
    for place in found:
        found.extend(_CHILDREN.get(place, ()))
    return tuple(found)


def clear_winner(names: Iterable[str | None]) -> str | None:
    """The one place among ``names`` that all the others contain (河南 and 郑州 -> 郑州市), else None
    (a visit to 河南 and 江苏 names neither). 全国 never competes with a place."""
    named = {n for n in names if n and n != NATIONAL}
    if not named:
        return NATIONAL if NATIONAL in set(names) else None
    deepest = [n for n in named if not any(other != n and n in place_path(other) for other in named)]
    return deepest[0] if len(deepest) == 1 else None


def canonical_district(name: str) -> str | None:
    """The canonical name of a place given by its name or an alias (``管城区`` -> ``管城回族区``)."""
    return _CANONICAL.get(normalize_query(name)) if isinstance(name, str) else None


_WRITTEN_PLACE = re.compile(r"[\u4e00-\u9fff]{1,8}(?:自治区|自治州|自治县|省|市|县|区|州|盟|旗)")


def match_districts(value: str) -> tuple[str, ...]:
    """Places a filter value means: the one it names exactly and every place below it (郑州市 ->
    郑州市, 中原区 …; 全国 is the national documents only), else those whose names contain it."""
    raw = value or ""
    value = normalize_query(value)
    if not value:
        return ()
    exact = _CANONICAL.get(value)
    if exact:
        return within(exact) if exact != NATIONAL else (exact,)
    found = tuple(
        place.name
        for place in PLACES
        if any(value in normalize_query(n) for n in (place.name, *place.aliases, *place.query_aliases))
    )
    # A place the gazetteer does not know is stored as its organ writes it (淳安县): matched as written.
    written = unicodedata.normalize("NFKC", raw).strip()
    return found or ((written,) if _WRITTEN_PLACE.fullmatch(written) else ())


@lru_cache(maxsize=1024)  # a manifest names a few places over and over
def sidecar_district(value: str) -> str | None:
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


def mentions(text: str) -> dict[str, int]:
    """Canonical place -> number of mentions in ``text``."""
    counts: dict[str, int] = {}
    for match in _PLACE_MENTION.finditer(text):
        name = _TEXT_NAME[match.group(0)]
        counts[name] = counts.get(name, 0) + 1
    return counts


def most_specific(counts: Mapping[str, int]) -> str | None:
    """The most mentioned place of the most specific level; ties go to the gazetteer's order."""
    if not counts:
        return None
    return min(counts, key=lambda n: (_PLACE_BY_NAME[n].rank, -counts[n], _GAZETTEER_ORDER[n]))


# Every name of a place, in-text or not, for reading organ names ("新县人民政府", "郑州市中原区人民政府").
_ANY_NAME = {n: place.name for place in PLACES for n in (place.name, *place.aliases)}
_NAME_IN_ORGAN = re.compile(literal_alternation(sorted(_ANY_NAME, key=len, reverse=True)))


def place_in_name(name: str) -> str | None:
    """The most specific place an organ's name names (``郑州市二七区人民政府`` -> 二七区), else None."""
    found = {_ANY_NAME[m.group(0)] for m in _NAME_IN_ORGAN.finditer(name or "")}
    return min(found, key=lambda n: (_PLACE_BY_NAME[n].rank, _GAZETTEER_ORDER[n])) if found else None


def leading_place_name(text: str) -> str | None:
    """The gazetteer name (any, aliases included) ``text`` opens with, longest first, else None."""
    found = _NAME_IN_ORGAN.match(text or "")
    return found.group(0) if found else None


def dominant_place(text: str) -> str | None:
    """The place ``text`` is about: the most mentioned of the most specific level mentioned, if it
    holds more than ``DOMINANT_SHARE`` of that level's mentions; None when no place dominates."""
    counts = mentions(text)
    best = most_specific(counts)
    if best is None:
        return None
    level = _PLACE_BY_NAME[best].level
    total = sum(n for name, n in counts.items() if _PLACE_BY_NAME[name].level == level)
    return best if counts[best] > DOMINANT_SHARE * total else None


def line_naming(paragraphs: Iterable[str], place: str) -> str:
    """Some context around the first mention of ``place`` in ``paragraphs`` (the evidence line)."""
    names = _PLACE_BY_NAME[place].text_names()
    for paragraph in paragraphs:
        for name in names:
            at = paragraph.find(name)
            if at >= 0:
                return paragraph[max(0, at - 20) : at + len(name) + 20]
    return ""
