"""Print (issue 23): a results page prints as one A4 page for ten hits, under a header saying which search.

Chromium's own ``page.pdf()`` (print media, print.css) of the 118 reports' first
page of 高质量发展, read back by pdfminer's text extraction: one page, the header
(query, its reading, filters, count, date), each hit's title and its metadata,
and none of the screen's forms, sidebar or buttons.  A document prints as a
clean document with its metadata and without 上一处/下一处.
"""

from __future__ import annotations

import io
import re
import threading
import unicodedata
from datetime import date

import pytest
from pdfminer.high_level import extract_text
from pdfminer.pdfpage import PDFPage
from waitress import create_server

from tests.browser_fixtures import ARTIFACTS
from tests.web_fixtures import make_app


@pytest.fixture(scope="module")
def reports_server(reports, tmp_path_factory):
    snapshot, _ = reports
    app = make_app(snapshot.index_dir, tmp_path_factory.mktemp("print") / "saved.sqlite3", TESTING=False)
    wsgi = create_server(app, host="127.0.0.1", port=0, threads=4)
    threading.Thread(target=wsgi.run, daemon=True).start()
    yield f"http://127.0.0.1:{wsgi.effective_port}"
    wsgi.close()


# The CJK font maps some glyphs to radicals' code points (⾼ for 高, ⻚ for 页): text extraction gives those.
# NFKC folds the Kangxi radicals; the simplified radicals of the supplement have no decomposition.
RADICALS = str.maketrans(
    "⻚⺠⻓⻔⻢⻅⻛⻜⻋⻉⻥⻦⻩⻬⻮⻳⻰⻘⻝⻙⻨⻤⺟⻆⺩⻣", "页民长门马见风飞车贝鱼鸟黄齐齿龟龙青食韦麦鬼母角王骨"
)


def readable(text: str) -> str:
    return re.sub(r"\s+", "", unicodedata.normalize("NFKC", text)).translate(RADICALS).replace("‒", "–")


def printed(browser, url: str, name: str) -> tuple[int, str]:
    """(pages, text) of ``url`` printed to an A4 PDF (kept in tests/artifacts/ as ``name``)."""
    context = browser.new_context(locale="zh-CN", viewport={"width": 1366, "height": 900})
    page = context.new_page()
    page.goto(url)
    pdf = page.pdf(format="A4", print_background=True)
    context.close()
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    (ARTIFACTS / name).write_bytes(pdf)
    pages = sum(1 for _ in PDFPage.get_pages(io.BytesIO(pdf)))
    return pages, readable(extract_text(io.BytesIO(pdf)))


def test_ten_hits_print_on_one_a4_page_under_a_header_saying_which_search(reports_server, browser):
    pages, text = printed(browser, reports_server + "/search?q=高质量发展 -疫情&type=工作报告", "print-results.pdf")
    assert pages == 1
    today = date.today()
    header = readable(
        f"政府报告检索 · 检索结果 查询 高质量发展 -疫情 理解为 高质量发展 AND NOT 疫情 筛选 文种：工作报告 "
        f"结果 共 33 篇，本页第 1–10 篇 打印时间 {today.year}年{today.month}月{today.day}日"
    )
    assert text.startswith(header)
    for absent in ("保存查询", "导出", "精确匹配", "排序", "下一页", "打印", "日期范围", "年份→月份"):
        assert absent not in text[len(header) :], absent


def test_each_printed_hit_has_its_title_metadata_and_snippet(reports_server, browser):
    import json
    from urllib.request import urlopen

    found = json.load(urlopen(reports_server + "/search.json?q=%E9%AB%98%E8%B4%A8%E9%87%8F%E5%8F%91%E5%B1%95"))
    _, text = printed(browser, reports_server + "/search?q=高质量发展", "print-results-plain.pdf")
    assert len(found["hits"]) == 10
    for hit in found["hits"]:
        assert readable(hit["title"])[:12] in text
        if hit.get("issuer"):
            assert hit["issuer"] in text
    assert text.count("高质量发展") >= 10  # a snippet each, the phrase in it


def test_a_document_prints_as_a_clean_document_with_its_metadata(reports_server, browser):
    import json
    from urllib.request import urlopen

    found = json.load(urlopen(reports_server + "/search.json?q=%E9%AB%98%E8%B4%A8%E9%87%8F%E5%8F%91%E5%B1%95"))
    doc = found["hits"][0]
    pages, text = printed(browser, reports_server + f"/doc/{doc['id']}?q=高质量发展", "print-document.pdf")
    assert pages >= 2  # the whole report
    assert text.startswith(readable(doc["title"]))
    assert f"区域{doc['district']}日期" in text[:300]
    for absent in ("上一处", "下一处", "返回结果", "打印", "下载原文件"):
        assert absent not in text, absent
