"""Formats and encodings: text files in UTF-8/UTF-16/GB18030/Big5, Markdown, Word, PDF and HTML.

Every fixture is built by the test itself (python-docx writes Word files, reportlab PDFs).
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import docx
import pytest
from click.testing import CliRunner
from hypothesis import given, settings
from hypothesis import strategies as st
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfgen import canvas

from search.cli.main import main
from search.engines.embedded.archive import Archive
from search.extract import (
    SUPPORTED_SUFFIXES,
    Extracted,
    ExtractOptions,
    Unreadable,
    decode_text,
    extract,
    markdown_text,
)
from search.ingest import SourceFile
from search.ingest.prepare import read_documents
from search.meta import Taxonomy
from search.text.normalize import normalize_text

REPORT = "郑东新区政府工作报告\n\n2020年,郑东新区坚持稳中求进,推进老旧小区改造,持续深化放管服改革。\n"
CJK_FONT = "STSong-Light"


# -- fixture builders ---------------------------------------------------------------------------------


def make_docx(blocks, title: str | None = None) -> bytes:
    """A Word file: ("heading", text), ("p", text) and ("table", [[cell, ...], ...]) blocks in order."""
    document = docx.Document()
    if title is not None:
        document.core_properties.title = title
    for kind, value in blocks:
        if kind == "heading":
            document.add_heading(value, level=1)
        elif kind == "p":
            document.add_paragraph(value)
        else:
            table = document.add_table(rows=len(value), cols=len(value[0]))
            for r, row in enumerate(value):
                for c, text in enumerate(row):
                    table.cell(r, c).text = text
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def make_pdf(pages: list[list[str]], encrypt: str | None = None) -> bytes:
    """A PDF with a Chinese text layer (reportlab's built-in CID font): one list of lines per page."""
    pdfmetrics.registerFont(UnicodeCIDFont(CJK_FONT))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer, encrypt=encrypt)
    for lines in pages:
        pdf.setFont(CJK_FONT, 12)
        y = 800
        for line in lines:
            if line == "<page number>":
                pdf.drawString(280, 40, f"- {pdf.getPageNumber()} -")
            else:
                pdf.drawString(40, y, line)
                y -= 20
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def make_scanned_pdf() -> bytes:
    """A PDF whose page holds only a drawing (as a scan holds only an image): no text layer."""
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    pdf.rect(100, 100, 300, 400, fill=1)
    pdf.circle(250, 600, 50, fill=1)
    pdf.showPage()
    pdf.save()
    return buffer.getvalue()


# A paragraph the PDF layout breaks in the middle of 老旧小区 (the line is 47 chars of 12 pt on A4).
BROKEN_LINES = [
    "二七区政府工作报告",
    "今年我们坚持以人民为中心,扎实推进城市更新,全力做好六稳六保工作,推进老旧小",
    "区改造,加快补齐民生短板,城市面貌持续改善。",
]

NEWS_PAGE = """<!DOCTYPE html>
<html><head><meta charset="{charset}"><title>二七区召开稳就业工作推进会_郑州市二七区人民政府</title>
<style>p {{ color: red }} .稳就业样式 {{}}</style>
<script>var 导航脚本 = "稳就业脚本";</script></head>
<body>
<header><a href="/">首页</a> 郑州市二七区人民政府门户网站</header>
<nav><ul><li><a href="/a">政务公开</a></li><li><a href="/b">办事服务</a></li></ul></nav>
<div class="breadcrumb">当前位置:首页 &gt; 新闻中心</div>
<div class="content">
  <h1>二七区召开稳就业工作推进会</h1>
  <p>8月6日,二七区召开稳就业工作推进会,<b>部署</b>下半年<span>重点群体</span>就业工作。</p>
  <p>会议要求,全力抓好高校毕业生、农民工、退役军人等重点群体就
  业,确保就业局势总体稳定。</p>
  <!-- 注释里的文字不是正文 -->
</div>
<aside>相关新闻:金水区召开会议</aside>
<footer>版权所有:郑州市二七区人民政府 豫ICP备12345678号</footer>
</body></html>
"""


# -- plain text ---------------------------------------------------------------------------------------


def test_supported_suffixes_are_every_format_an_office_keeps():
    assert sorted(SUPPORTED_SUFFIXES) == sorted(
        [
            ".txt",
            ".md",
            ".docx",
            ".pdf",
            ".html",
            ".htm",
            ".shtml",
            ".xhtml",
            ".mhtml",
            ".mht",
            ".doc",
            ".wps",
            ".dot",
            ".rtf",
            ".xls",
            ".xlsx",
            ".et",
            ".ods",
            ".ppt",
            ".dps",
            ".pptx",
            ".odt",
            ".odp",
            ".epub",
            ".ofd",
            ".eml",
            ".msg",
            ".zip",
            ".tar",
            ".tgz",
            ".gz",
            ".jpg",
            ".jpeg",
            ".png",
            ".tif",
            ".tiff",
            ".bmp",
            ".docm",
            ".dotx",
            ".dotm",
            ".xlsm",
            ".xltx",
            ".ett",
            ".pptm",
            ".ppsx",
            ".potx",
            ".wpt",
            ".dpt",
        ]
    )


def test_utf8_file_is_read_on_the_fast_path():
    assert decode_text(REPORT.encode("utf-8")) == (REPORT, "utf-8")


def test_utf8_with_bom_is_recorded_as_utf8_sig():
    assert decode_text(b"\xef\xbb\xbf" + REPORT.encode("utf-8")) == (REPORT, "utf-8-sig")


@pytest.mark.parametrize("codec", ["utf-16", "utf-16-le", "utf-16-be"])
def test_utf16_with_a_bom_of_either_byte_order_is_decoded(codec):
    data = ("\ufeff" + REPORT).encode(codec) if codec != "utf-16" else REPORT.encode(codec)
    assert decode_text(data) == (REPORT, "utf-16")


@pytest.mark.parametrize("codec", ["utf-16-le", "utf-16-be"])
def test_utf16_without_a_bom_is_detected_by_its_byte_order(codec):
    assert decode_text(REPORT.encode(codec)) == (REPORT, codec)


def test_gbk_file_is_decoded_and_its_encoding_recorded():
    assert decode_text(REPORT.encode("gbk")) == (REPORT, "gb18030")


@pytest.mark.parametrize("text", ["郑东新区", "二七区", "老旧小区改造", "中原区政府", "放管服改革", "中"])
def test_short_gbk_file_is_not_taken_for_another_codepage(text):
    # charset-normalizer alone calls these Big5 or CP949 (e.g. 老旧小区改造 -> 일앉鬼혐맣芚).
    assert decode_text(text.encode("gbk")) == (text, "gb18030")


def test_gb18030_characters_outside_gbk_are_decoded():
    text = "郑州𠀀社区,€符号与㐀字。"  # a CJK Extension B char, the euro sign, an Extension A char
    assert decode_text(text.encode("gb18030")) == (text, "gb18030")


def test_big5_file_is_detected_as_big5_not_read_as_gbk():
    text = "中原區老舊小區改造工作會議召開"
    assert decode_text(text.encode("big5")) == (text, "big5")


@pytest.mark.parametrize("codec,recorded", [("gbk", "gb18030"), ("utf-8", "utf-8")])
def test_a_character_cut_off_at_the_end_of_the_file_is_dropped(codec, recorded):
    data = "郑东新区稳就业".encode(codec)[:-1]
    assert decode_text(data) == ("郑东新区稳就", recorded)


def test_bytes_that_are_no_text_in_a_known_encoding_are_unreadable():
    with pytest.raises(Unreadable, match=r"^not text in a known encoding \(UTF-8, UTF-16, GB18030, Big5, …\)$"):
        decode_text(b"\x81\x20\x82\x21\xff\xfe\x80")
    with pytest.raises(Unreadable, match=r"^not text in a known encoding"):
        decode_text(b"\xff" * 10)  # charset-normalizer would say cp1006


def test_nul_bytes_that_are_not_utf16_text_make_a_binary_file():
    with pytest.raises(Unreadable, match=r"^binary file$"):
        decode_text(b"\x00\x01\x02binary\x00\x00\x07")


@pytest.mark.parametrize("suffix", SUPPORTED_SUFFIXES)
def test_empty_or_blank_file_of_any_format_is_unreadable_as_empty(suffix):
    for data in (b"", b" \n\t\r\n"):
        with pytest.raises(Unreadable, match=r"^empty file$"):
            extract(suffix, data)


@pytest.mark.parametrize("data", [b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff\x00 \x00\n"])
def test_text_file_holding_only_a_bom_and_blanks_is_unreadable_as_empty(data):
    with pytest.raises(Unreadable, match=r"^empty file$"):
        extract(".txt", data)


def test_unreadable_is_a_value_error_for_the_indexer():
    assert issubclass(Unreadable, ValueError)


def test_extract_takes_a_suffix_with_or_without_dot_or_a_file_name():
    data = REPORT.encode("utf-8")
    expected = Extracted(REPORT, "utf-8", None)
    assert extract(".txt", data) == extract("txt", data) == extract(Path("a/b/报告.TXT"), data) == expected


@settings(max_examples=400, deadline=None)
@given(st.lists(st.text(alphabet="ab.X文 ", max_size=6), min_size=2, max_size=4).map("/".join))
def test_the_suffix_of_a_path_string_is_pathlibs(name):
    """``_suffix`` reads a file name's suffix without building a Path: the same as ``PurePath.suffix``."""
    from pathlib import PurePath

    from search.extract import _suffix

    assert _suffix(name) == PurePath(name).suffix.lower()


def test_unsupported_suffix_is_unreadable():
    with pytest.raises(Unreadable, match=r"^unsupported file type \.xyz$"):
        extract("old.xyz", b"\xd0\xcf\x11\xe0")


def test_markdown_marks_are_removed_so_phrases_read_through():
    source = "# 郑东新区 工作报告\n\n> 要**稳就业**、[保就业](http://x.cn/a)\n\n- 推进__老旧小区__改造\n\n---\n```\n代码\n```\n"
    assert markdown_text(source) == "郑东新区 工作报告\n\n要稳就业、保就业\n\n推进老旧小区改造\n\n\n\n代码\n\n"
    assert extract(".md", source.encode("gbk")).encoding == "gb18030"


# -- Word ---------------------------------------------------------------------------------------------


def test_docx_paragraphs_and_table_cells_come_out_in_document_order():
    data = make_docx(
        [
            ("heading", "中原区年度工作总结"),
            ("p", "一年来,中原区推进老旧小区改造。"),
            ("table", [["指标", "完成"], ["新增就业", "1.2万人"]]),
            ("p", "表后的段落。"),
        ]
    )
    extracted = extract(".docx", data)
    assert (
        extracted.text
        == "中原区年度工作总结\n一年来,中原区推进老旧小区改造。\n指标\n完成\n新增就业\n1.2万人\n表后的段落。"
    )
    assert (extracted.encoding, extracted.title) == ("docx", None)


def test_docx_merged_table_cell_is_read_once():
    document = docx.Document()
    table = document.add_table(rows=2, cols=2)
    table.cell(0, 0).text = "甲"
    table.cell(0, 1).text = "乙"
    table.cell(1, 0).merge(table.cell(1, 1)).text = "合并单元格"
    buffer = io.BytesIO()
    document.save(buffer)
    assert extract(".docx", buffer.getvalue()).text == "甲\n乙\n合并单元格"


def test_docx_core_title_is_the_documents_title():
    data = make_docx([("p", "正文第一段,稳就业。")], title="金水区政府工作报告")
    assert extract(".docx", data).title == "金水区政府工作报告"


def test_truncated_docx_is_unreadable():
    data = make_docx([("p", "正文,稳就业。")])
    with pytest.raises(Unreadable, match=r"^not a readable \.docx file \(damaged or truncated\?\)$"):
        extract(".docx", data[: len(data) // 2])


def test_zip_that_is_no_word_document_is_unreadable():
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("readme.txt", "not word")
    with pytest.raises(Unreadable, match=r"^not a readable \.docx file"):
        extract(".docx", buffer.getvalue())


def test_docx_without_text_is_unreadable():
    with pytest.raises(Unreadable, match=r"^Word document has no text$"):
        extract(".docx", make_docx([("p", "")]))


# -- PDF ----------------------------------------------------------------------------------------------


def test_pdf_chinese_text_layer_is_extracted_line_by_line():
    extracted = extract(".pdf", make_pdf([["郑东新区政府工作报告", "中原科技城建设全面提速。"]]))
    assert extracted.text == "郑东新区政府工作报告\n中原科技城建设全面提速。"
    assert (extracted.encoding, extracted.title) == ("pdf", None)


def test_phrase_broken_across_pdf_lines_is_found_after_normalization():
    text = extract(".pdf", make_pdf([BROKEN_LINES])).text
    assert text == "\n".join(BROKEN_LINES)  # extraction keeps the layout's line breaks …
    paragraphs = normalize_text(text)  # … normalization joins them
    assert paragraphs == [BROKEN_LINES[0], BROKEN_LINES[1] + BROKEN_LINES[2]]
    assert "老旧小区改造" in paragraphs[1]


def test_page_number_between_pages_does_not_split_a_paragraph():
    pages = [[*BROKEN_LINES[:2], "<page number>"], ["<page number>", BROKEN_LINES[2]]]
    text = extract(".pdf", make_pdf(pages)).text
    assert text == "\n".join(BROKEN_LINES)
    assert "老旧小区改造" in normalize_text(text)[1]


def test_pdf_without_text_layer_is_reported_as_scanned_when_ocr_is_off():
    with pytest.raises(Unreadable, match=r"^PDF has no text layer \(scanned\?\); OCR is off \(--no-ocr\)$"):
        extract(".pdf", make_scanned_pdf(), ExtractOptions(ocr=False))


def test_truncated_pdf_is_unreadable():
    data = make_pdf([["郑东新区政府工作报告"]])
    with pytest.raises(Unreadable, match=r"^truncated PDF \(no end-of-file marker\)$"):
        extract(".pdf", data[: len(data) * 2 // 3])


def test_damaged_pdf_is_unreadable():
    with pytest.raises(Unreadable, match=r"^not a readable PDF \(damaged or truncated\?\)$"):
        extract(".pdf", b"%PDF-1.4\n1 0 obj << /Type /Catalog /Pages 9 0 R >> garbage\n%%EOF\n")


def test_file_named_pdf_that_is_no_pdf_is_unreadable():
    with pytest.raises(Unreadable, match=r"^not a PDF file$"):
        extract(".pdf", REPORT.encode("utf-8"))


def test_encrypted_pdf_is_reported_as_encrypted():
    with pytest.raises(Unreadable, match=r"^PDF is encrypted$"):
        extract(".pdf", make_pdf([["保密文件内容"]], encrypt="secret"))


# -- HTML ---------------------------------------------------------------------------------------------


def test_html_main_text_without_navigation_scripts_styles_comments_or_footer():
    extracted = extract(".html", NEWS_PAGE.format(charset="utf-8").encode("utf-8"))
    assert extracted.text == (
        "二七区召开稳就业工作推进会\n"
        "8月6日,二七区召开稳就业工作推进会,部署下半年重点群体就业工作。\n"
        "会议要求,全力抓好高校毕业生、农民工、退役军人等重点群体就业,确保就业局势总体稳定。"
    )
    assert (extracted.encoding, extracted.title) == ("html:utf-8", "二七区召开稳就业工作推进会")


def test_html_meta_charset_gb2312_is_read_as_gb18030():
    page = NEWS_PAGE.format(charset="gb2312")
    extracted = extract(".htm", page.encode("gb18030"))
    assert extracted.encoding == "html:gb18030"
    assert "部署下半年重点群体就业工作" in extracted.text


def test_html_http_equiv_content_type_charset_is_respected():
    page = (
        '<html><head><meta http-equiv="Content-Type" content="text/html; charset=GBK">'
        "<title>上街区报告</title></head><body><p>上街区推进通用航空产业发展。</p></body></html>"
    )
    assert extract(".html", page.encode("gbk")) == Extracted(
        "上街区推进通用航空产业发展。", "html:gb18030", "上街区报告"
    )


def test_html_meta_charset_big5_is_respected():
    page = '<meta charset="big5"><p>登封市發展武術文化旅遊。</p>'
    assert extract(".html", page.encode("big5")) == Extracted("登封市發展武術文化旅遊。", "html:big5", None)


def test_html_meta_charset_that_does_not_decode_falls_back_to_detection():
    page = NEWS_PAGE.format(charset="utf-8")  # says UTF-8, is GBK
    extracted = extract(".html", page.encode("gbk"))
    assert extracted.encoding == "html:gb18030"
    assert extracted.title == "二七区召开稳就业工作推进会"


def test_html_without_meta_charset_is_decoded_like_a_text_file():
    page = "<html><body><p>金水区推进老旧小区改造。</p></body></html>"
    assert extract(".html", page.encode("gbk")) == Extracted("金水区推进老旧小区改造。", "html:gb18030", None)


def test_html_article_is_preferred_to_the_rest_of_the_page():
    page = """<html><head><title>中牟县推进乡村振兴 - 郑州市人民政府</title></head><body>
    <div>热点专题:黄河流域生态保护和高质量发展,郑州都市圈建设,乡村振兴示范区,中原科技城建设。</div>
    <article><p>正文:中牟县推进乡村振兴。</p></article></body></html>"""
    extracted = extract(".html", page.encode("utf-8"))
    assert extracted.text == "正文:中牟县推进乡村振兴。"
    assert extracted.title == "中牟县推进乡村振兴"  # no <h1>: the longest part of <title>


def test_html_title_from_title_tag_without_the_site_name():
    page = (
        "<html><head><title>登封市召开文旅工作会议_郑州市人民政府</title></head><body><p>会议召开。</p></body></html>"
    )
    assert extract(".html", page.encode("utf-8")).title == "登封市召开文旅工作会议"


def test_html_block_with_most_chinese_text_is_the_main_text_when_there_is_no_article():
    page = """<html><body>
    <div class="top"><a href="/">首页</a><a href="/1">政务公开</a><a href="/2">互动交流</a></div>
    <div class="wrap"><div class="text"><p>新郑市召开会议,研究部署稳就业工作。</p>
    <p>会议强调,要抓好重点群体就业。</p></div>
    <div class="links"><a href="/x">上一篇:新郑市推进老旧小区改造</a></div></div>
    <div class="bottom">主办单位:新郑市人民政府办公室</div></body></html>"""
    assert (
        extract(".html", page.encode("utf-8")).text
        == "新郑市召开会议,研究部署稳就业工作。\n会议强调,要抓好重点群体就业。"
    )


def test_html_inline_tags_and_source_line_breaks_do_not_split_a_phrase():
    page = "<p>要稳<b>就业</b>、保\n    就业,<a href='#'>老旧</a>小区改造。</p><p>Open\nData 平台</p>"
    assert extract(".html", page.encode("utf-8")).text == "要稳就业、保就业,老旧小区改造。\nOpen Data 平台"


def test_html_pre_keeps_its_line_breaks():
    page = "<p>前言</p><pre>郑东新区政府工作报告\n\n  一、过去一年的工作\n稳就业成效明显。</pre>"
    assert extract(".html", page.encode()).text == "前言\n郑东新区政府工作报告\n一、过去一年的工作\n稳就业成效明显。"


def test_html_br_breaks_a_line():
    assert extract(".html", "<p>第一行<br>第二行</p>".encode()).text == "第一行\n第二行"


def test_deeply_nested_html_is_read_without_hitting_the_recursion_limit():
    page = "<html><body>" + "<div>" * 5000 + "<p>深层正文,稳就业。</p>" + "</div>" * 5000 + "</body></html>"
    assert extract(".html", page.encode("utf-8")).text == "深层正文,稳就业。"


def test_html_page_with_only_navigation_is_unreadable():
    page = "<html><body><nav><a href='/'>首页</a></nav><script>x()</script></body></html>"
    with pytest.raises(Unreadable, match=r"^HTML page has no text$"):
        extract(".html", page.encode("utf-8"))


# -- read_documents: the seam the indexer calls -----------------------------------------------------


def source_named(name: str, sidecar: dict | None = None) -> SourceFile:
    return SourceFile(Path("/reports") / name, name, tuple(sorted((sidecar or {}).items())))


def test_format_title_is_the_documents_title():
    data = make_docx([("p", "正文第一段,二七区部署稳就业工作。")], title="二七区稳就业工作方案")
    records, encoding = read_documents(source_named("a.docx"), data, Taxonomy.load())
    assert (encoding, [r.title for r in records]) == ("docx", ["二七区稳就业工作方案"])
    assert records[0].paragraphs == ("正文第一段,二七区部署稳就业工作。",)


def test_sidecar_title_wins_over_the_formats_title():
    data = make_docx([("p", "正文第一段,二七区部署稳就业工作。")], title="文档属性里的标题")
    records, _ = read_documents(source_named("a.docx", {"title": "清单里的标题"}), data, Taxonomy.load())
    assert [r.title for r in records] == ["清单里的标题"]


def test_html_headline_is_not_repeated_in_the_body():
    records, encoding = read_documents(
        source_named("news.html"), NEWS_PAGE.format(charset="utf-8").encode("utf-8"), Taxonomy.load()
    )
    assert (encoding, len(records), records[0].title) == ("html:utf-8", 1, "二七区召开稳就业工作推进会")
    assert records[0].paragraphs[0].startswith("8月6日,二七区召开稳就业工作推进会")


def test_read_documents_reports_why_a_file_is_skipped():
    with pytest.raises(ValueError, match=r"^PDF has no text layer \(scanned\?\); OCR is off \(--no-ocr\)$"):
        read_documents(source_named("scan.pdf"), make_scanned_pdf(), Taxonomy.load(), ExtractOptions(ocr=False))


# -- end to end: `search index` then `search query` ---------------------------------------------------

# file name -> (bytes, a phrase only it holds, recorded encoding, expected title)
FORMATS = {
    "utf8.txt": (("上街区报告\n\n上街区推进通用航空产业发展。\n").encode(), "通用航空", "utf-8", "上街区报告"),
    "bom.txt": (
        b"\xef\xbb\xbf" + "惠济区报告\n\n惠济区建设黄河文化公园。\n".encode(),
        "黄河文化公园",
        "utf-8-sig",
        "惠济区报告",
    ),
    "utf16.txt": (
        "管城区报告\n\n管城区推进商都历史文化区建设。\n".encode("utf-16"),
        "商都历史文化区",
        "utf-16",
        "管城区报告",
    ),
    "utf16le.txt": (
        "巩义市报告\n\n巩义市发展铝精深加工。\n".encode("utf-16-le"),
        "铝精深加工",
        "utf-16-le",
        "巩义市报告",
    ),
    "gbk.txt": ("中牟县报告\n\n中牟县推进都市生态农业。\n".encode("gbk"), "都市生态农业", "gb18030", "中牟县报告"),
    "big5.txt": ("登封市報告\n\n登封市發展武術文化旅遊。\n".encode("big5"), "武術文化旅遊", "big5", "登封市報告"),
    "notes.md": ("# 荥阳市报告\n\n荥阳市推进**河阴石榴**产业。\n".encode(), "河阴石榴", "utf-8", "荥阳市报告"),
    "plan.docx": (
        make_docx([("p", "新密市推进耐材产业转型升级。")], title="新密市报告"),
        "耐材产业转型",
        "docx",
        "新密市报告",
    ),
    "scan-ok.pdf": (make_pdf([["新郑市报告", "新郑市建设黄帝故里文化园区。"]]), "黄帝故里", "pdf", "新郑市报告"),
    "news.htm": (
        NEWS_PAGE.format(charset="gbk").encode("gbk"),
        "重点群体就业工作",
        "html:gb18030",
        "二七区召开稳就业工作推进会",
    ),
}


@pytest.fixture(scope="module")
def formats_index(tmp_path_factory):
    """A folder with one file per format and encoding, indexed once with `search index`: (index, output, exit code)."""
    folder = tmp_path_factory.mktemp("formats")
    for name, (data, *_) in FORMATS.items():
        (folder / name).write_bytes(data)
    index_dir = tmp_path_factory.mktemp("formats-index")
    result = CliRunner().invoke(main, ["index", str(folder), "--index", str(index_dir), "-q"])
    return index_dir, result.output, result.exit_code


def test_cli_indexes_every_format_without_warnings(formats_index):
    _, output, exit_code = formats_index
    assert (exit_code, output) == (
        0,
        "+10 ~0 -0 files (0 unchanged, 10 documents written, 0 skipped); 10 documents in the index\n",
    )


@pytest.mark.parametrize("name", sorted(FORMATS))
def test_cli_query_finds_each_format_with_its_title_and_encoding(formats_index, runner, name):
    index_dir, _, _ = formats_index
    _, phrase, encoding, title = FORMATS[name]
    result = runner.invoke(main, ["query", phrase, "--index", str(index_dir), "--json"])
    assert result.exit_code == 0, result.output
    found = json.loads(result.output)
    assert found["total"] == 1
    hit = found["hits"][0]
    assert (hit["source"], hit["title"]) == (name, title)
    # The JSON hit does not carry the encoding; the stored document does.
    snapshot = Archive(index_dir).snapshot()
    stored = {snapshot.document(n).source: snapshot.document(n).encoding for n in snapshot.live}
    assert stored[name] == encoding


# -- whatever the bytes, extraction answers with text or one reason ------------------------------------

EXTRACT_EXAMPLES = 300

damaged = st.tuples(
    st.sampled_from(SUPPORTED_SUFFIXES),
    st.sampled_from([b"", b"%PDF-1.4\n", b"PK\x03\x04", b"<html><meta charset=gbk><p>", b"\xef\xbb\xbf", b"\xff\xfe"]),
    st.binary(max_size=400),
    st.sampled_from([b"", b"\n%%EOF\n", "二七区稳就业".encode("gbk"), b"</p></html>"]),
)


@settings(max_examples=EXTRACT_EXAMPLES, derandomize=True, deadline=None)
@given(damaged)
def test_extract_of_any_bytes_gives_text_or_raises_unreadable_only(case):
    suffix, head, body, tail = case
    try:
        extracted = extract(suffix, head + body + tail)
    except Unreadable as exc:
        assert str(exc) and "\n" not in str(exc)  # noqa: PT017 - either outcome is allowed, each has its check
    else:
        assert isinstance(extracted.text, str) and extracted.text.strip()
