"""The 去重 switch on the results page: the summary line, each hit's 另有 N 篇转载 link, the copies chip."""

from __future__ import annotations

from dataclasses import dataclass, replace

from search.query import SearchRequest, SearchResults


@dataclass(frozen=True)
class DedupLine:
    """What the summary says about reprints, and the link that turns the switch the other way."""

    text: str
    switch_label: str
    switch_url: str


def copies_url(request: SearchRequest, doc_id: str, url_of) -> str:
    """The search listing the copies of ``doc_id`` among the same query's matches (the switch off)."""
    return url_of(replace(request, dedup=False, copies=doc_id, page=1))


def dedup_line(request: SearchRequest, results: SearchResults, url_of) -> DedupLine | None:
    """With 去重: how many copies were folded; without: how many reprints the result holds (when any)."""
    if request.dedup:
        text = f"已去重：{results.total} 组，隐去 {results.reprints} 篇转载" if results.reprints else "已去重：没有转载"
        return DedupLine(text, "显示全部", url_of(replace(request, dedup=False, page=1)))
    if results.reprints and not request.copies:
        return DedupLine(
            f"其中 {results.reprints} 篇是转载或改写稿", "去重", url_of(replace(request, dedup=True, page=1))
        )
    return None


def copies_chip(request: SearchRequest, url_of):
    """The chip of a copies listing (同一稿件的各转载), with the URL that removes it; None without one."""
    if not request.copies:
        return None
    return "同一稿件的转载", url_of(replace(request, copies="", page=1))
