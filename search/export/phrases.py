"""Keyness and emerging terms as rows (CSV, .xlsx, the CLI) and the links of each phrase.

A phrase links to its trend over the whole archive and to its concordance on each side: the side's
filters (and its query, whose matches the concordance then marks too) with the phrase.  Side B
without conditions of its own is "the rest": its link excludes side A where the query language can
say so (A given by one kind of condition: ``-year:2020 -year:2021``, ``-district:二七区``, ``-稳就业``);
otherwise it covers the whole archive.
"""

from __future__ import annotations

from dataclasses import replace
from urllib.parse import urlencode

from search.query import SearchRequest, parse_query

COMPARE_COLUMNS = (
    "序号",
    "短语",
    "多用于",
    "对数似然",
    "对数比",
    "A频次",
    "A每万字",
    "A文档数",
    "A离散度DP",
    "B频次",
    "B每万字",
    "B文档数",
    "B离散度DP",
    "单篇集中",
    "趋势链接",
    "A侧上下文",
    "B侧上下文",
)
EMERGING_COLUMNS = (
    "序号",
    "短语",
    "突发度z",
    "对数比",
    "本期频次",
    "本期每万字",
    "本期文档簇数",
    "此前频次",
    "此前每万字",
    "期望频次",
    "首次出现",
    "趋势链接",
    "本期上下文",
)
FIELD_OF = (
    ("years", "year"),
    ("districts", "district"),
    ("topics", "topic"),
    ("issuers", "issuer"),
    ("doc_types", "type"),
    ("doc_numbers", "docno"),
    ("months", "date"),
)


def quoted(phrase: str) -> str:
    return '"' + phrase.replace("\\", "\\\\").replace('"', '\\"') + '"'


def has_conditions(request: SearchRequest) -> bool:
    """Whether the request narrows the archive at all (a query or a filter)."""
    return bool(
        request.q.strip() or any(getattr(request, name) for name, _ in FIELD_OF) or request.date_from or request.date_to
    )


def exclusion(request: SearchRequest) -> str | None:
    """Query terms that exclude ``request``'s documents, when the query language can say it; else None."""
    kinds = [name for name, _ in FIELD_OF if getattr(request, name)]
    has_dates = bool(request.date_from or request.date_to)
    if request.q.strip():
        return None if kinds or has_dates else _query_exclusion(request.q)
    if has_dates:
        return None if kinds else f"-date:{request.date_from or ''}..{request.date_to or ''}"
    if len(kinds) != 1:
        return None
    field = dict(FIELD_OF)[kinds[0]]
    return " ".join(f"-{field}:{quoted(str(v)) if ' ' in str(v) else v}" for v in getattr(request, kinds[0]))


def _query_exclusion(q: str) -> str | None:
    """``-"phrase"`` for a query of one plain phrase; None for anything else."""
    parsed = parse_query(q)
    atoms = [a for g in parsed.groups for a in g]
    if len(parsed.groups) != 1 or len(atoms) != 1:
        return None
    atom = atoms[0]
    return None if not atom.is_phrase or atom.negated or atom.relation else "-" + quoted(atom.value)


def trend_path(phrase: str) -> str:
    return "/trend?" + urlencode([("q", quoted(phrase))])


def kwic_path(phrase: str, side: SearchRequest, exclude: str | None = None) -> str:
    """The concordance of ``phrase`` among ``side``'s documents (without those ``exclude`` names)."""
    q = " ".join(part for part in (quoted(phrase), side.q.strip(), exclude or "") if part)
    request = replace(side, q=q, page=1, per_page=10, sort="relevance")
    return "/kwic?" + urlencode(request.to_args())


def side_paths(request_a: SearchRequest, request_b: SearchRequest):
    """(A's side, B's side, what B's links exclude): what ``kwic_path`` needs for each side."""
    exclude = exclusion(request_a) if not has_conditions(request_b) else None
    return request_a, request_b, exclude


def compare_rows(result, rows, request_a: SearchRequest, request_b: SearchRequest, base_url: str = ""):
    """The rows after ``COMPARE_COLUMNS`` of the key phrases at ``rows`` (of ``result.select``)."""
    a, b, exclude = side_paths(request_a, request_b)
    for n, p in enumerate(result.rows(rows), 1):
        yield (
            n,
            p.phrase,
            "A" if p.side == "a" else "B",
            p.ll,
            p.log_ratio,
            p.a.freq,
            p.a.per_10k,
            p.a.docs,
            "" if p.a.dp is None else p.a.dp,
            p.b.freq,
            p.b.per_10k,
            p.b.docs,
            "" if p.b.dp is None else p.b.dp,
            "是" if p.concentrated else "",
            base_url + trend_path(p.phrase),
            base_url + kwic_path(p.phrase, a),
            base_url + kwic_path(p.phrase, b, exclude),
        )


def emerging_rows(terms, request: SearchRequest, by: str, period: str, base_url: str = ""):
    """The rows after ``EMERGING_COLUMNS`` of ``terms`` (one period's, in order)."""
    side = period_side(request, by, period)
    for n, t in enumerate(terms, 1):
        yield (
            n,
            t.phrase,
            t.z,
            t.log_ratio,
            t.freq,
            t.per_10k,
            t.clusters,
            t.prior_freq,
            t.prior_per_10k,
            t.expected,
            t.first_period,
            base_url + trend_path(t.phrase),
            base_url + kwic_path(t.phrase, side),
        )


def period_side(request: SearchRequest, by: str, period: str) -> SearchRequest:
    """The request narrowed to one period (a year or a month)."""
    if by == "year":
        return replace(request, years=(int(period),), months=())
    return replace(request, months=(period,), years=())
