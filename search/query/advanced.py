"""高级检索: the fields of an advanced-search form -> one query string of our syntax.

The form is the one gov.cn and 北大法宝 users know (标题, 全文, 包含全部/任意/不含
的词, 发文机关, 发文字号, 文种, 区域, 日期范围); what it builds is an ordinary query,
shown to the user, so that the syntax is learnt by using the form.  Each field
maps to one documented construct (``FIELD_SYNTAX``) and nothing else: the
built query finds exactly what typing it finds.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, fields

from search.meta import DOC_TYPES

# Words the parser reads as operators, and characters that start or end a construct: a term holding
# one is quoted, so that the form's words are always phrases.
_OPERATORS = {"OR", "NOT", "SENT", "PARA", "NEAR", "AND"}
_SAFE = re.compile(r"[^\s\"':|$~\-][^\s\"':|$]*")
_NEAR = re.compile(r"NEAR(/\d+)?", re.IGNORECASE)


@dataclass(frozen=True)
class AdvancedForm:
    """What the advanced-search form holds (each field optional; words separated by spaces)."""

    title: str = ""  # 标题中包含的词语
    phrase: str = ""  # 全文中包含的完整词语
    all_words: str = ""  # 包含以下全部词语
    any_words: str = ""  # 包含以下任意词语
    none_words: str = ""  # 不包含以下词语
    issuer: str = ""  # 发文机关
    docno: str = ""  # 发文字号
    doc_type: str = ""  # 文种
    district: str = ""  # 区域
    date_from: str = ""  # 成文/发布日期，起
    date_to: str = ""  # 成文/发布日期，止

    @classmethod
    def from_args(cls, args: Mapping) -> AdvancedForm:
        """The form from request arguments (unknown ones ignored; each value stripped, at most 200 characters)."""
        return cls(**{f.name: " ".join(str(args.get(f.name, "") or "").split())[:200] for f in fields(cls)})

    def to_query(self) -> str:
        """The query string of our syntax that these fields mean."""
        parts = []
        if self.title:
            parts.append("title:" + quoted(self.title))
        if self.phrase:
            parts.append(quoted(self.phrase))
        parts += [quoted(w) for w in self.all_words.split()]
        alternatives = [quoted(w) for w in self.any_words.split()]
        if alternatives:
            parts.append(" OR ".join(alternatives))
        parts += ["-" + quoted(w) for w in self.none_words.split()]
        for name, value in (("issuer", self.issuer), ("docno", self.docno), ("district", self.district)):
            if value:
                parts.append(f"{name}:{quoted(value)}")
        if self.doc_type:
            parts.append("type:" + quoted(self.doc_type))
        if self.date_from or self.date_to:
            parts.append(
                "date:"
                + quoted(f"{self.date_from}..{self.date_to}" if self.date_from != self.date_to else self.date_from)
            )
        return " ".join(parts)

    @property
    def is_empty(self) -> bool:
        """Whether no field of the form is filled in."""
        return not any(getattr(self, f.name) for f in fields(self))


def quoted(text: str) -> str:
    """``text`` as one term: bare when the parser reads it as itself, else in quotes (``\\"`` inside)."""
    if _SAFE.fullmatch(text) and text.upper() not in _OPERATORS and not _NEAR.fullmatch(text):
        return text
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


DOC_TYPE_CHOICES = DOC_TYPES

# The construct each field builds (the help page and the tests read the same table).
FIELD_SYNTAX = (
    ("title", "标题", "老旧小区", "title:老旧小区"),
    ("phrase", "全文（完整词语）", "突出重点 担当作为", '"突出重点 担当作为"'),
    ("all_words", "包含全部词语", "稳就业 保市场主体", "稳就业 保市场主体"),
    ("any_words", "包含任意词语", "稳就业 保就业", "稳就业 OR 保就业"),
    ("none_words", "不包含词语", "疫情", "-疫情"),
    ("issuer", "发文机关", "郑州市人民政府", "issuer:郑州市人民政府"),
    ("docno", "发文字号", "郑政〔2021〕5号", "docno:郑政〔2021〕5号"),
    ("doc_type", "文种", "通知", "type:通知"),
    ("district", "区域", "二七区", "district:二七区"),
    ("date_from", "日期起", "2020-01", "date:2020-01.."),
    ("date_to", "日期止", "2020-06", "date:..2020-06"),
)
