"""Issuing organs (发文机关), document numbers (文号) and document types (文种).

An official document states its issuer in its header (郑州市人民政府文件), its title
(郑州市人民政府关于…的通知), its 文号 (郑政〔2021〕5号) and its signature block (落款); a work
report in its opening ("我代表国务院，向大会报告"). The functions here read each of them.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from functools import lru_cache

from search.meta.evidence import Evidence
from search.meta.organs import JOINED, clean, joint_refusal, organ_lists, split_joint
from search.meta.places import NATIONAL

# The formal types of official documents (党政机关公文处理工作条例, plus the common 方案, 办法,
# 规定, 规划), then 工作报告, 讲话 and 新闻.
DOC_TYPES = (
    "通知",
    "通告",
    "意见",
    "决定",
    "决议",
    "报告",
    "请示",
    "批复",
    "方案",
    "办法",
    "规定",
    "规划",
    "函",
    "公告",
    "公报",
    "通报",
    "纪要",
    "工作报告",
    "讲话",
    "新闻",
)
# Where a document states its own 文号, labels and the like: its first paragraphs.
HEADER_PARAGRAPHS = 6
# A page's metadata block (发文机关: … 发文字号: … 成文日期: …) sits above the text.
LABEL_PARAGRAPHS = 15
# "我代表X向大会报告" names the speaker's organ in a report's opening paragraphs.
OPENING_PARAGRAPHS = 20
MAX_ORGAN_CHARS = 40

_BRACKETS = "〔\\[(【［（"
_CLOSERS = "〕\\])】］）"
# A whole 文号: an organ code of at most 6 ideographs that starts the word (not the tail of a
# sentence: "事项仍按照税委会公告〔…"), a bracketed year, a number and 号 (国发〔2020〕23号,
# 国办发明电〔2018〕15号); or a decree's 国令第707号.
MAX_CODE_CHARS = 6
DOC_NUMBER = re.compile(
    rf"(?<![\u4e00-\u9fff])([\u4e00-\u9fff]{{1,{MAX_CODE_CHARS}}})\s*[{_BRACKETS}]\s*((?:19|20)\d\d)\s*[{_CLOSERS}]\s*"
    r"(?!0+\s*号)(\d{1,5})\s*号"
)
DECREE_NUMBER = re.compile(r"(?<![\u4e00-\u9fff])((?:国|[\u4e00-\u9fff]{1,4}?)令)\s*第\s*(\d{1,5})\s*号")
_ORGAN_END = (
    r"(?:人民政府(?:办公室|办公厅)?|政府|办公室|办公厅|委员会|常务委员会|常委会|党委|党工委|管委会|"
    r"人民代表大会|代表大会|会议|局|厅|部|委|院|署|办|中心|总局|总署|银行|法院|检察院)"
)
# Every 文号 holds this tail (a bracketed year, a number, 号).  A search for it skips from bracket to
# bracket, where DOC_NUMBER, which starts with a run of ideographs, is tried at every ideograph.
_DOC_NUMBER_TAIL = re.compile(rf"[{_BRACKETS}]\s*(?:19|20)\d\d\s*[{_CLOSERS}]\s*\d{{1,5}}\s*号")
ORGAN = re.compile(rf"[\u4e00-\u9fff()]{{2,{MAX_ORGAN_CHARS}}}?{_ORGAN_END}")
_TITLE_ISSUER = re.compile(rf"^(.{{2,{MAX_ORGAN_CHARS}}}?{_ORGAN_END})\s*关于")
_HEADERORGAN = re.compile(rf"^({ORGAN.pattern})(?:\s*文件)?$")
_LABEL = re.compile(r"^(发文机关|发布机构|来源|发文字号|文号|成文日期|发布日期|发文日期)\s*[:：]\s*(.+)$")
_SPEAKER = re.compile(
    rf"我代表([\u4e00-\u9fff()（）]{{2,{MAX_ORGAN_CHARS}}}?{_ORGAN_END}|党中央|中共中央)[,，]?\s*(?:向|作)"
)
_TITLE_TAIL = re.compile(r"\s*[(（](?:试行|暂行|草案|征求意见稿|修订|修订稿|送审稿)[)）]\s*$")
_SPEECH_END = re.compile(r"(?:讲话|致辞)$")
_LETTER_END = re.compile(r"(?:的|复)函$")
# The types a title's last words name, longest first (通报 before 报 …); the others are read above.
_TITLE_TYPES = tuple(k for k in sorted(DOC_TYPES, key=len, reverse=True) if k not in ("函", "新闻", "讲话", "工作报告"))
_NEWS_LEAD = re.compile(
    r"^(?:本报讯|本台消息|本报[\u4e00-\u9fff]{0,6}电|央视网消息|中国网络电视台消息|"
    r"新华社[\u4e00-\u9fff]{0,8}电|人民网[\u4e00-\u9fff]{0,8}电|[\u4e00-\u9fff]{2,8}(?:日报|晚报|电视台|网)讯)"
)


_organs = organ_lists  # issuers.toml, read once


@lru_cache(maxsize=1)
def _national_names() -> tuple[tuple[str, ...], tuple[str, ...]]:
    organs = _organs()
    return tuple(organs["national_prefixes"]), tuple(organs["national_parts"])


def names_national_body(text: str) -> bool:
    """Whether ``text`` starts with or holds the name of a national body (国务院, 第十九届中央委员会)."""
    prefixes, parts = _national_names()
    return text.startswith(prefixes) or any(p in text for p in parts)


def find_doc_number(text: str) -> re.Match | None:
    """``DOC_NUMBER.search(text)``, quick for the many paragraphs that hold no 文号."""
    if "号" not in text or _DOC_NUMBER_TAIL.search(text) is None:
        return None
    return DOC_NUMBER.search(text)


def canonical_doc_number(text: str) -> str | None:
    """``郑政 [2021] 5号`` -> ``郑政〔2021〕5号`` (any bracket: 〔〕 [] () （） 【】), ``国令 第707号`` ->
    ``国令第707号``; None when ``text`` holds no whole 文号."""
    text = unicodedata.normalize("NFKC", text or "")
    match = DOC_NUMBER.search(text)
    if match:
        return f"{match.group(1)}〔{match.group(2)}〕{int(match.group(3))}号"
    decree = DECREE_NUMBER.search(text)
    return f"{decree.group(1)}第{int(decree.group(2))}号" if decree else None


WHOLE_DOC_NUMBER = re.compile(
    r"[\u4e00-\u9fff]{1,6}〔(?:19|20)\d\d〕[1-9]\d{0,4}号|[\u4e00-\u9fff]{1,5}令第[1-9]\d{0,4}号"
)


def is_doc_number(value: str) -> bool:
    """Whether a stored value is one whole 文号 in canonical form (the 文号 grammar)."""
    return bool(value) and WHOLE_DOC_NUMBER.fullmatch(value) is not None


def doc_number_series(value: str | None) -> str | None:
    """The series a 文号 belongs to, its code and year: 郑政〔2021〕5号 -> 郑政〔2021〕; 国令第707号 -> 国令."""
    if not value:
        return None
    if "〕" in value:
        return value[: value.index("〕") + 1]
    return value.split("第")[0] if "令第" in value else None


@lru_cache(maxsize=256)  # a manifest names a few types over and over ("新闻联播")
def canonical_doc_type(text: str) -> str | None:
    """A type as written anywhere (a manifest's 省级政府工作报告, 新闻联播) -> one of DOC_TYPES, else as written."""
    value = unicodedata.normalize("NFKC", text or "").strip()
    if not value:
        return None
    if value.startswith("新闻"):
        return "新闻"
    return type_of_title(value) or value


def type_of_title(title: str) -> str | None:
    """The 文种 a title ends with: ``…关于…的通知`` -> 通知, ``2025年政府工作报告`` -> 工作报告."""
    title = _TITLE_TAIL.sub("", unicodedata.normalize("NFKC", title or "").strip())
    if title.endswith("工作报告"):
        return "工作报告"
    if _SPEECH_END.search(title):
        return "讲话"
    if _LETTER_END.search(title):
        return "函"
    for kind in _TITLE_TYPES:
        if title.endswith(kind):
            return kind
    return None


def is_news(paragraphs: Sequence[str]) -> bool:
    """A news story: its text opens with a news lead (本报讯, 新华社…电, 央视网消息 …)."""
    return any(_NEWS_LEAD.match(p) for p in paragraphs[:3])


def doc_number(paragraphs: Sequence[str]) -> Evidence | None:
    """The document's own 文号: a header paragraph that is one, or a labelled 发文字号 field."""
    for paragraph in paragraphs[:LABEL_PARAGRAPHS]:
        label = _LABEL.match(paragraph)
        if label and label.group(1) in ("发文字号", "文号"):
            number = canonical_doc_number(label.group(2))
            if number:
                return Evidence(number, "meta", paragraph)
    for paragraph in paragraphs[:HEADER_PARAGRAPHS]:
        match = find_doc_number(paragraph) or (DECREE_NUMBER.search(paragraph) if "令" in paragraph else None)
        # Its own 文号 stands alone on its line (with at most a signer: "签发人：张三"); a 文号 inside
        # a sentence cites another document.
        if match and len(paragraph) - len(match.group(0)) <= 12 and "《" not in paragraph:
            return Evidence(canonical_doc_number(match.group(0)), "title", paragraph)
    return None


def labelled(paragraphs: Sequence[str], *names: str) -> tuple[str, str] | None:
    """(value, line) of the first ``名称：值`` field among the first paragraphs with one of ``names``."""
    for paragraph in paragraphs[:LABEL_PARAGRAPHS]:
        label = _LABEL.match(paragraph)
        if label and label.group(1) in names:
            return label.group(2).strip(), paragraph
    return None


def issuer_candidates(
    title: str,
    paragraphs: Sequence[str],
    number: Evidence | None,
    signature_organ: Evidence | None,
    meta_issuer: str | None,
    *,
    news: bool = False,
    place: str | None = None,
) -> tuple[list[Evidence], list[tuple[str, str, str]]]:
    """Every statement of the issuer that the organ grammar accepts, strongest first (meta,
    signature, header/title/文号, opening), and those it refuses as (written, source, why).

    A news item's issuer comes only from explicit evidence (its ContentSource, a 发文机关 field, a
    落款), never from its headline. Several organs (联合发文) are one value joined by 、. A bare
    省人民政府 is completed with ``place`` (the province the title names) when that is its level.
    """
    stated: list[tuple[str, str, str]] = []
    if meta_issuer:
        stated.append((meta_issuer, "meta", f"ContentSource: {meta_issuer}"))
    field = labelled(paragraphs, "发文机关", "发布机构")
    if field:
        stated.append((field[0], "meta", field[1]))
    if signature_organ:
        stated.append((str(signature_organ.value), "signature", signature_organ.line))
    if not news:
        stated.extend(_written_issuers(title, paragraphs, number))
    found, refused = [], []
    for written, source, line in stated:
        organs = split_joint(qualified(written, place))
        if organs:
            found.append(Evidence(JOINED.join(organs), source, line))
        else:
            refused.append((written, source, joint_refusal(written) or "refused"))
    return found, refused


def _written_issuers(title: str, paragraphs: Sequence[str], number: Evidence | None) -> list[tuple[str, str, str]]:
    """An official document's issuer as its title, header, 文号 prefix and opening state it."""
    stated = []
    match = _TITLE_ISSUER.match(title)
    if match:
        stated.append((match.group(1).strip(), "title", title))
    for paragraph in paragraphs[:3]:
        header = _HEADERORGAN.match(paragraph.replace(" ", ""))
        if header and paragraph != title:
            stated.append((header.group(1), "title", paragraph))
            break
    if number:
        prefixes = _organs()["doc_number_prefixes"]
        prefix = str(number.value).split("〔")[0]
        if prefix in prefixes:
            stated.append((prefixes[prefix], "title", number.line))
    for paragraph in paragraphs[:OPENING_PARAGRAPHS]:
        speaker = _SPEAKER.search(paragraph)
        if speaker:
            stated.append((speaker.group(1), "text", paragraph[: speaker.end() + 10]))
            break
    return stated


_LEVEL_WORDS = ("自治区", "自治州", "省", "市", "县", "区")


def qualified(written: str, place: str | None) -> str:
    """A bare organ completed with its place when the place is of that level (省人民政府 + 河南省 ->
    河南省人民政府); any other name unchanged."""
    name = clean(written)
    if not place or place == NATIONAL:
        return written
    for word in _LEVEL_WORDS:
        if name.startswith(word) and place.endswith(word) and len(name) > len(word):
            return place + name[len(word) :]
    return written
