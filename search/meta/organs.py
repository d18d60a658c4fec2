"""The organ grammar: whether a name is an issuing organ's (发文机关), and the place it stands for.

An organ's name opens with who it belongs to, a place (郑州市, 中共淳安县委, 河南省郑州市) or a
national head (国务院, 中共中央, 国家, 第十四届全国人民代表大会, a ministry), and ends with an
organ word (人民政府, 办公厅, 委员会, 局, 部, 县委, 组织部 …). It holds ideographs only: a headline
("李克强签署国务院令 公布《国务院…") holds a verb, a space or a book-title mark and is refused, and
so is a bare 省人民政府 that names no province. ``refusal`` says why a name is refused, for
``search inspect``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from search.meta.literals import literal_alternation
from search.meta.places import NATIONAL, leading_place_name, place_in_name

ISSUERS_FILE = Path(__file__).resolve().parent.parent / "data" / "issuers.toml"
MAX_ORGAN_CHARS = 40
# Several organs issuing one document (联合发文) are written one after another, separated so.
JOINT_SEPARATORS = re.compile(r"[\s、,，]+")
# How several organs are joined in the one stored value (the facet counts each).
JOINED = "、"

ORGAN_END = (
    r"(?:人民政府(?:办公室|办公厅)?|政府|办公室|办公厅|委员会|常务委员会|常委会|党委|党组|党工委|工委|管委会|"
    r"人民代表大会|代表大会|会议|局|厅|部|委|院|署|办|中心|总局|总署|银行|法院|检察院|研究室|小组)"
)
_ENDS_AS_ORGAN = re.compile(ORGAN_END + "$")
# A place as an organ writes it when the gazetteer does not know it: 淳安县, 杭州市, 延边朝鲜族自治州.
_WRITTEN_PLACE = re.compile(
    r"[\u4e00-\u9fff]{1,7}?(?:自治区|自治州|自治县|特别行政区|省|市|县|区|州|盟|旗)(?![市县区州])"
)
# Organs whose names end with no organ word, and the ones a joint issuer is written run together
# with (中共中央国务院关于… is 中共中央 and 国务院).
WHOLE_ORGANS = ("中共中央", "党中央", "中国共产党", "中央军委", "国务院", "全国人大常委会", "全国政协")
_SESSION = re.compile(r"第?[一二三四五六七八九十]{1,3}届")
# "我代表十三届中央委员会" names the 第十三届 one: stored with its 第, as the other reports write it.
_SESSION_WITHOUT_DI = re.compile(r"^(中国共产党|中共|)([一二三四五六七八九十]{1,3}届)")
# A name that opens with an administrative level and no place: 省人民政府, 市委, 自治区人民政府.
_BARE = re.compile(r"^(?:省|市|县|区|州|自治区|自治州|本|我|该|全省|全市|全县|全区)")
_IDEOGRAPHS = re.compile(r"[\u4e00-\u9fff()]+")


@lru_cache(maxsize=1)
def organ_lists() -> dict:
    """issuers.toml: national prefixes, parts and organs, verbs, 文号 prefixes."""
    with ISSUERS_FILE.open("rb") as handle:
        return tomllib.load(handle)


@lru_cache(maxsize=1)
def _verbs() -> re.Pattern:
    return re.compile(literal_alternation(sorted(organ_lists()["verbs"], key=len, reverse=True)))


@lru_cache(maxsize=1)
def _national_heads() -> tuple[str, ...]:
    lists = organ_lists()
    return tuple(sorted({*lists["national_prefixes"], *lists["national_organs"]}, key=len, reverse=True))


@dataclass(frozen=True)
class Organ:
    """An organ's name that the grammar accepts, and the place it stands for (全国 for a national body)."""

    name: str
    place: str | None


def clean(name: str) -> str:
    """A name as the grammar reads it: NFKC (full-width brackets narrowed), no spaces."""
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", name or ""))


def refusal(name: str) -> str | None:
    """Why ``name`` is not one organ's name (one line), or None when the grammar accepts it."""
    name = clean(name)
    if not name:
        return "empty"
    if len(name) > MAX_ORGAN_CHARS:
        return f"longer than {MAX_ORGAN_CHARS} characters"
    if "《" in name or "》" in name:
        return "holds a book title mark 《》"
    if not _IDEOGRAPHS.fullmatch(name):
        return "holds punctuation or other characters than ideographs"
    verb = _verbs().search(name)
    if verb:
        return f"holds a verb ({verb.group(0)})"
    if not _ENDS_AS_ORGAN.search(name) and name not in WHOLE_ORGANS:
        return "does not end with an organ word (人民政府, 办公厅, 委员会, 局, 部 …)"
    if _BARE.match(name):
        return "names no place (a bare 省/市/县… organ)"
    if _head(name) is None:
        return "opens with neither a place nor a national body (国务院, 中共中央, a ministry …)"
    return None


def _head(name: str) -> str | None:
    """The place (or 全国) that ``name`` opens with, else None."""
    body = name.removeprefix("中共").removeprefix("中国共产党")
    if (body != name and body.startswith("中央")) or name.startswith(_national_heads()) or _SESSION.match(body):
        return NATIONAL
    lead = _leading_places(body)
    if lead:
        return place_in_name(lead)
    written = _WRITTEN_PLACE.match(body)
    if written and len(body) > len(written.group(0)):
        return written.group(0)
    return None


def _leading_places(body: str) -> str:
    """The run of gazetteer names an organ opens with (河南省郑州市二七区人民政府 -> 河南省郑州市二七区)."""
    at = 0
    while found := leading_place_name(body[at:]):
        at += len(found)
    return body[:at]


def parse_organ(name: str) -> Organ | None:
    """The organ ``name`` names, with its place, or None when the grammar refuses it."""
    name = clean(name)
    if refusal(name):
        return None
    return Organ(name, _head(name))


def split_joint(text: str) -> list[str] | None:
    """The organs of a joint issuer (中共中央 国务院 -> [中共中央, 国务院]), or None unless every part is one."""
    parts = [p for p in JOINT_SEPARATORS.split(unicodedata.normalize("NFKC", text or "").strip()) if p]
    if not parts or any(refusal(p) for p in parts):
        return None
    return [_SESSION_WITHOUT_DI.sub(r"\1第\2", organ) for part in parts for organ in _run_together(clean(part))]


def _run_together(name: str) -> list[str]:
    """中共中央国务院 -> [中共中央, 国务院]: a whole organ followed by another organ; else [name]."""
    for first in WHOLE_ORGANS:
        rest = name[len(first) :]
        if name.startswith(first) and rest.startswith(WHOLE_ORGANS) and refusal(rest) is None:
            return [first, *_run_together(rest)]
    return [name]


def joint_refusal(text: str) -> str | None:
    """Why ``text`` is not an organ or several (the first part refused, and why)."""
    parts = [p for p in JOINT_SEPARATORS.split(unicodedata.normalize("NFKC", text or "").strip()) if p]
    if not parts:
        return "empty"
    for part in parts:
        why = refusal(part)
        if why:
            return f"{part}: {why}" if len(parts) > 1 else why
    return None


def organ_place(issuer: str) -> str | None:
    """The place an issuer stands for: the place its first organ opens with, 全国 for a national body.

    Joint organs of different places stand for none of them; a national one with a local one
    (国务院、河南省人民政府) is the local one's.
    """
    places = []
    for name in issuer_organs(issuer):
        organ = parse_organ(name)
        if organ is None or organ.place is None:
            return None
        places.append(organ.place)
    local = {p for p in places if p != NATIONAL}
    if len(local) > 1:
        return None
    return local.pop() if local else (NATIONAL if places else None)


def issuer_organs(issuer: str | None) -> list[str]:
    """The organs a stored issuer names, each a facet value (中共中央、国务院 -> [中共中央, 国务院])."""
    return [p for p in (issuer or "").split(JOINED) if p]
