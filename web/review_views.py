"""The metadata review page (admins): the most common values of each field with their counts, so
a wrong value is seen at a glance, each linked to the documents that have it (fix one with a row
of ``corrections.tsv``: ``search.meta.corrections``)."""

from __future__ import annotations

from typing import Any

from flask import abort, render_template, request

from search.query import SearchRequest
from search.query.facet_values import REVIEWED, UNKNOWN, most_common
from web.auth import actor
from web.blueprint import bp, engine
from web.pages import search_url

FILTER_OF = {
    "district": "districts",
    "issuer": "issuers",
    "docno": "doc_numbers",
    "type": "doc_types",
    "topic": "topics",
    "year": "years",
}


@bp.get("/admin/metadata")
def metadata_review():
    """The most common values per field (``?top=N``, default 20), over every document: admins only."""
    who = actor()
    if who is None or not who.is_admin:
        abort(403, "只有管理员可以查看元数据统计。")
    asked = request.args.get("top", "20")
    top = int(asked) if asked.isdigit() and 0 < int(asked) <= 500 else 20
    results = engine().search(SearchRequest(per_page=1, sort="newest"))
    summary = most_common(results.facets, results.total, top)
    tables = []
    for name, title in REVIEWED:
        rows: list[tuple[str, int, str | None]] = []  # (value, documents, its search's URL)
        for value, count in summary[name]:
            if value == UNKNOWN:
                rows.append((value, count, None))
                continue
            chosen = (int(value),) if name == "year" else (value,)
            selection: dict[str, Any] = {FILTER_OF[name]: chosen}  # the field is named at run time
            rows.append((value, count, search_url(SearchRequest(**selection))))
        tables.append((name, title, rows))
    return render_template("review.html", tables=tables, total=results.total, top=top)
