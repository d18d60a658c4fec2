"""Office formats: .doc/.wps, spreadsheets, slides, RTF, OpenDocument, EPUB (the .docx reader's own tests are in
test_extract_office_docx.py).

The Chinese files in tests/fixtures/office/ were built by scripts/make_office_fixtures.py (python-docx,
openpyxl and LibreOffice); the test*.doc/.docx/.xls/.ppt files there are Apache Tika's test documents
(Apache-2.0, see SOURCES.md).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from search.extract import Unreadable, extract

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "office"

GONGWEN_LINES = [
    "河南省人民政府办公厅文件",
    "豫政办〔2024〕12号",
    "关于做好2024年高校毕业生就业工作的通知",
    "各市、县人民政府，省人民政府各部门：",
    "为深入贯彻落实党中央、国务院关于稳就业的决策部署，现就做好2024年高校毕业生就业工作通知如下。",
    "一、拓宽就业渠道",
    "鼓励中小微企业吸纳高校毕业生就业，按规定给予社会保险补贴。",
]
GONGWEN_TAIL = ["河南省人民政府办公厅", "2024年3月15日"]
# A table's row on one line, cells tab-separated (binary and RTF formats) ...
GONGWEN_ROWS = "\n".join([*GONGWEN_LINES, "项目\t目标", "城镇新增就业\t110万人", *GONGWEN_TAIL])
TITLE = "关于做好2024年高校毕业生就业工作的通知"
SHEET_TEXT = "就业统计\n地区\t新增就业（万人）\t备注\n郑州市\t21.5\t超额完成\n洛阳市\t8\n\n说明\n数据来源：河南省人力资源和社会保障厅"
SLIDE_1 = "2024年政府工作报告解读\n稳就业 保民生\n主讲：省政府研究室"
SLIDE_2 = "主要目标\n城镇新增就业110万人以上\n居民消费价格涨幅3%左右"
NOTES_1 = "开场白：感谢各位参加。"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- Word 97 (.doc, .wps) ------------------------------------------------------------------------------


def test_doc_with_utf16_pieces_reads_chinese_exactly_from_the_piece_table():
    extracted = extract("gongwen.doc", fixture("gongwen.doc"))
    assert extracted.text == GONGWEN_ROWS
    assert (extracted.encoding, extracted.title) == ("doc", TITLE)
    assert dict(extracted.properties) == {
        "author": "省政府办公厅",
        "created": "2024-03-15T09:30:00",
        "created_tag": "OLE SummaryInformation created",
    }


def test_wps_file_is_read_as_the_word_97_file_it_is():
    extracted = extract("gongwen.wps", fixture("gongwen.wps"))
    assert (extracted.text, extracted.encoding, extracted.title) == (GONGWEN_ROWS, "doc", TITLE)


def test_wps_saved_file_with_attachments_gives_them_as_parts():
    extracted = extract("a.wps", fixture("testWPSAttachment.doc"))  # saved by WPS Office 11.1 (Tika's test file)
    assert extracted.text == ""
    assert dict(extracted.properties)["author"] == "dsx"  # a code page 1200 string olefile misreads
    assert [(p.name, p.extracted.text if p.extracted else p.skipped) for p in extracted.parts] == [
        ("TXT.txt", "txt_content"),
        ("PDF.pdf", "pdf_content"),
        ("XML.xml", "unsupported file type .xml"),
    ]


def test_doc_with_a_compressed_cp1252_piece_is_read():
    assert extract("a.doc", fixture("testWORD_bold_character_runs.doc")).text == "Foobar"


def test_doc_with_mixed_compressed_and_utf16_pieces_keeps_their_order():
    text = extract("a.doc", fixture("testException2.doc")).text
    assert text.startswith("FORCE ON A CURRENT IN A MAGNETIC FIELD\nPURPOSE: To study the force exerted on an")
    assert text.endswith("Discuss your results relating them to Eq. (2).\n\n\nNotes")
    assert len(text) == 8_805


def test_doc_list_numbers_are_shown_as_word_shows_them():
    text = extract("a.doc", fixture("liebiao.doc")).text
    assert (
        text
        == "一、总体要求\n（一）指导思想\n（二）基本原则\n1.坚持稳中求进\n二、主要任务\n（一）扩大就业\n不编号的段落"
    )


def test_doc_heading_numbers_from_a_numbered_heading_style():
    assert (
        extract("a.doc", fixture("biaoti.doc")).text
        == "一、总体要求\n（一）指导思想\n正文段落。\n二、主要任务\n（一）扩大就业"
    )


def test_doc_paragraph_without_its_own_list_takes_its_heading_styles():
    import olefile

    from search.extract.word97 import _fib_fields
    from search.extract.word97_lists import Lists

    with olefile.OleFileIO(FIXTURES / "biaoti.doc") as ole:
        word, table = ole.openstream("WordDocument").read(), ole.openstream("1Table").read()
    lists = Lists(word, table, _fib_fields(word)[3])
    heading_1, heading_2, normal = 1, 2, 0  # istd of 标题 1, 标题 2 and 正文 in this file's STSH
    assert [lists.style_list(istd) for istd in (heading_1, heading_2, normal)] == [(7, 0), (7, 1), (0, 0)]
    assert lists.style_list(heading_2, ilfo=0) == (0, 1)  # a paragraph's own "no list" wins


def test_encrypted_doc_is_named_encrypted():
    with pytest.raises(Unreadable, match=r"^Word document is encrypted \(password-protected\)$"):
        extract("a.doc", fixture("testWORD_protected_passtika.doc"))


def test_truncated_doc_is_named_damaged():
    data = fixture("gongwen.doc")[:4096]
    with pytest.raises(Unreadable, match=r"^not a readable Word file \(damaged or truncated\?\)"):
        extract("a.doc", data)


def test_rtf_saved_with_a_doc_name_is_read_as_rtf():
    extracted = extract("a.doc", fixture("gongwen.rtf"))
    assert (extracted.text, extracted.encoding) == (GONGWEN_ROWS, "rtf")


def test_field_codes_are_dropped_and_their_results_kept():
    from search.extract.word97 import _clean

    story = '见\x13 HYPERLINK "http://www.gov.cn" \x14中国政府网\x15。\r页码\x13 PAGE \x15\r甲\x07乙\x07\x07'
    assert _clean(story) == "见中国政府网。\n页码\n甲\t乙"


# -- spreadsheets --------------------------------------------------------------------------------------


@pytest.mark.parametrize("name", ["jiuye.xls", "jiuye.xlsx", "jiuye.ods", "jiuye.et"])
def test_each_sheet_is_its_name_then_tab_separated_rows_without_empty_ones(name):
    extracted = extract(name, fixture(name))
    assert (extracted.text, extracted.encoding) == (SHEET_TEXT, "sheets")


def test_xls_and_xlsx_carry_their_title_and_creation_date():
    assert extract("a.xls", fixture("jiuye.xls")).title == "2024年一季度就业统计"
    xlsx = extract("a.xlsx", fixture("jiuye.xlsx"))
    assert (xlsx.title, dict(xlsx.properties)["created"]) == ("2024年一季度就业统计", "2024-03-15T09:30:00")


def test_encrypted_xls_is_named_encrypted():
    with pytest.raises(Unreadable, match=r"^spreadsheet is encrypted \(password-protected\)$"):
        extract("a.xls", fixture("testEXCEL_protected_passtika.xls"))


def test_encrypted_xlsx_is_named_encrypted():
    with pytest.raises(Unreadable, match=r"^spreadsheet is encrypted \(password-protected\)$"):
        extract("a.xlsx", fixture("testEXCEL_protected_passtika.xlsx"))


def test_damaged_spreadsheet_is_named_damaged():
    with pytest.raises(Unreadable, match=r"^not a readable spreadsheet \(damaged or truncated\?\)$"):
        extract("a.xlsx", fixture("jiuye.xlsx")[:2000])


# -- slides --------------------------------------------------------------------------------------------


def test_pptx_slides_come_in_presentation_order_each_followed_by_its_notes():
    extracted = extract("a.pptx", fixture("jiedu.pptx"))
    assert extracted.text == f"{SLIDE_1}\n{NOTES_1}\n\n{SLIDE_2}"


def test_ppt_text_atoms_are_read_without_the_masters_prompts():
    extracted = extract("a.ppt", fixture("jiedu.ppt"))
    assert (extracted.text, extracted.encoding) == (f"{SLIDE_1}\n\n{SLIDE_2}\n\n{NOTES_1}", "ppt")


def test_dps_is_read_as_the_powerpoint_97_file_it_is():
    assert extract("a.dps", fixture("jiedu.ppt")).text == f"{SLIDE_1}\n\n{SLIDE_2}\n\n{NOTES_1}"


def test_encrypted_ppt_is_named_encrypted():
    with pytest.raises(Unreadable, match=r"^presentation is encrypted \(password-protected\)$"):
        extract("a.ppt", fixture("testPPT_protected_passtika.ppt"))


def test_encrypted_pptx_is_named_encrypted():
    with pytest.raises(Unreadable, match=r"^presentation is encrypted \(password-protected\)$"):
        extract("a.pptx", fixture("testPPT_protected_passtika.pptx"))


def test_odp_pages_in_order_with_their_notes():
    assert extract("a.odp", fixture("jiedu.odp")).text == f"{SLIDE_1}\n{NOTES_1}\n\n{SLIDE_2}"


# -- RTF, OpenDocument, EPUB ---------------------------------------------------------------------------


def test_rtf_unicode_escapes_read_with_title_and_creation_time():
    extracted = extract("a.rtf", fixture("gongwen.rtf"))
    assert (extracted.text, extracted.title) == (GONGWEN_ROWS, TITLE)
    assert dict(extracted.properties)["created"] == "2024-03-15T09:30:00"


def test_rtf_gbk_escapes_declared_by_code_page_or_font_charset_decode_right():
    by_code_page = rb"{\rtf1\ansi\ansicpg936{\fonttbl{\f0\fnil SimSun;}}\f0 \'ce\'c8\'be\'cd\'d2\'b5\par}"
    by_font = rb"{\rtf1\ansi{\fonttbl{\f0\fnil\fcharset134 SimSun;}}\f0 \'ce\'c8\'be\'cd\'d2\'b5\par}"
    big5 = rb"{\rtf1\ansi{\fonttbl{\f0\fnil\fcharset136 MingLiU;}}\f0 \'c3\'ad\'b4\'4e\'b7\'7e\par}"
    assert [extract("a.rtf", d).text for d in (by_code_page, by_font, big5)] == ["稳就业", "稳就业", "穩就業"]


def test_rtf_pictures_are_cut_out_before_reading():
    data = rb"{\rtf1\ansi{\pict\pngblip 89504e47" + b"ab" * 5000 + rb"}\uc1\u31283?\u23601?\u19994?\par}"
    assert extract("a.rtf", data).text == "稳就业"


def test_odt_paragraphs_table_rows_and_meta():
    extracted = extract("a.odt", fixture("gongwen.odt"))
    assert (extracted.text, extracted.title) == (GONGWEN_ROWS, TITLE)
    assert dict(extracted.properties)["created_tag"] == "odt meta:creation-date"


def test_encrypted_odt_is_named_encrypted():
    with pytest.raises(Unreadable, match=r"^OpenDocument text file is encrypted \(password-protected\)$"):
        extract("a.odt", fixture("testODTEncrypted.odt"))


def test_odt_list_items_show_their_numbers():
    text = extract("a.odt", fixture("liebiao.odt")).text
    assert (
        text
        == "一、总体要求\n（一）指导思想\n（二）基本原则\n1. 坚持稳中求进\n二、主要任务\n（一）扩大就业\n不编号的段落"
    )


def test_odt_numbered_headings_continue_across_a_paragraph():
    assert (
        extract("a.odt", fixture("biaoti.odt")).text
        == "一、总体要求\n（一）指导思想\n正文段落。\n二、主要任务\n（一）扩大就业"
    )


def test_epub_chapters_in_spine_order_titled_from_the_package():
    extracted = extract("a.epub", fixture("gongwen.epub"))
    assert extracted.text == "\n".join([*GONGWEN_LINES, "项目", "目标", "城镇新增就业", "110万人", *GONGWEN_TAIL])
    assert (extracted.encoding, extracted.title) == ("epub", TITLE)


# -- properties, cells, and property tests against the source text --------------------------------------


def _property_set(properties: list[tuple[int, int, bytes]]) -> bytes:
    """An OLE property set stream (MS-OLEPS) with one section: (id, VT type, value bytes) each."""
    import struct

    values, entries, offset = b"", b"", 8 + 8 * len(properties)
    for prop_id, vtype, value in properties:
        entries += struct.pack("<II", prop_id, offset + len(values))
        chunk = struct.pack("<HH", vtype, 0) + value
        chunk += b"\x00" * (-len(chunk) % 4)
        values += chunk
    section = struct.pack("<II", 8 + len(entries) + len(values), len(properties)) + entries + values
    header = (
        b"\xfe\xff\x00\x00" + b"\x00" * 4 + b"\x00" * 16 + struct.pack("<I", 1) + b"\x00" * 16 + struct.pack("<I", 48)
    )
    return header + section


def test_summary_strings_in_code_page_1200_as_wps_writes_them_end_where_they_end():
    import struct
    from datetime import datetime

    from search.extract.office_properties import read_property_set

    author = "省政府办公厅\x00".encode("utf-16-le")
    ticks = int((datetime(2021, 8, 18, 3, 32, 6) - datetime(1601, 1, 1)).total_seconds() * 10_000_000)
    stream = _property_set(
        [
            (1, 0x02, struct.pack("<h", 1200)),
            (4, 0x1E, struct.pack("<I", len(author)) + author),
            (7, 0x1E, struct.pack("<I", 24) + "Normal.dotm\x00".encode("utf-16-le")),
            (12, 0x40, struct.pack("<Q", ticks)),
        ]
    )
    assert read_property_set(stream) == {
        1: 1200,
        4: "省政府办公厅",
        7: "Normal.dotm",
        12: datetime(2021, 8, 18, 3, 32, 6),
    }


def test_summary_strings_in_gbk_code_page_decode_right():
    import struct

    from search.extract.office_properties import read_property_set

    title = "稳就业工作方案\x00".encode("gbk")
    stream = _property_set([(1, 0x02, struct.pack("<h", 936)), (2, 0x1E, struct.pack("<I", len(title)) + title)])
    assert read_property_set(stream)[2] == "稳就业工作方案"


@pytest.mark.parametrize(
    "title, placeholder",
    [
        ("Word Document", True),
        ("Microsoft Word - 二七区报告.doc", True),
        ("PowerPoint 演示文稿", True),
        ("WPS 文字", True),
        ("", True),
        ("二七区稳就业工作方案", False),
        ("Documentation plan", False),
    ],
)
def test_generator_default_titles_are_recognised(title, placeholder):
    from search.extract.office_properties import is_placeholder_title

    assert is_placeholder_title(title) is placeholder


@pytest.mark.parametrize(
    "value, shown",
    [
        (8.0, "8"),
        (21.5, "21.5"),
        (True, "TRUE"),
        ("  郑州市\n二七区 ", "郑州市 二七区"),
        (None, ""),
    ],
)
def test_cells_are_shown_as_written(value, shown):
    from search.extract.sheets import _cell_text

    assert _cell_text(value) == shown


def test_cell_dates_are_iso_dates():
    from datetime import datetime

    from search.extract.sheets import _cell_text

    assert (_cell_text(datetime(2024, 3, 15)), _cell_text(datetime(2024, 3, 15, 9, 30))) == (
        "2024-03-15",
        "2024-03-15 09:30:00",
    )


from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# Text as written in a report: CJK, full-width punctuation, digits and Latin letters; no XML/RTF specials.
_written = st.text(
    st.sampled_from("稳就业保民生推进乡村振兴，。、；：“”（）《》〔〕0123456789ABCxyz% "), min_size=1, max_size=30
)
_paragraphs = st.lists(_written.map(str.strip).filter(bool), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(_paragraphs, st.sampled_from(["unicode", "gbk"]))
def test_rtf_text_is_its_paragraphs_as_written_in_either_escape(paragraphs, escaping):
    def escaped(text: str) -> str:
        if escaping == "unicode":
            return "".join(
                c if c.isascii() and c not in "\\{}" else f"\\u{ord(c) - 65536 if ord(c) > 32767 else ord(c)}?"
                for c in text
            )
        return "".join(c if c.isascii() else "".join(f"\\'{b:02x}" for b in c.encode("gbk")) for c in text)

    source = (
        "{\\rtf1\\ansi\\ansicpg936{\\fonttbl{\\f0\\fnil\\fcharset134 SimSun;}}\\uc1\\f0 "
        + "".join(escaped(p) + "\\par\n" for p in paragraphs)
        + "}"
    )
    assert extract("a.rtf", source.encode("ascii")).text == "\n".join(paragraphs)


def test_deeply_nested_fields_cost_linear_time():
    from search.extract.word97 import _clean

    story = "\x13" * 200_000 + "代码" + "\x14结果" * 200_000 + "\x15" * 200_000 + "正文"
    assert _clean(story) == "正文"  # only the innermost field reached its result, inside its parents' codes


def _odt(body: str) -> bytes:
    import io
    import zipfile

    ns = (
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
    )
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("mimetype", "application/vnd.oasis.opendocument.text")
        archive.writestr(
            "content.xml",
            f"<office:document-content {ns}><office:body><office:text>{body}"
            "</office:text></office:body></office:document-content>",
        )
    return buffer.getvalue()


def test_odt_text_box_paragraphs_are_lines_of_their_own():
    body = (
        "<text:p><draw:frame><draw:text-box><text:p>河南省人民政府文件</text:p><text:p>豫政〔2024〕3号</text:p>"
        "</draw:text-box></draw:frame>关于印发工作要点的通知</text:p><text:p>各市人民政府：</text:p>"
    )
    assert (
        extract("a.odt", _odt(body)).text
        == "河南省人民政府文件\n豫政〔2024〕3号\n关于印发工作要点的通知\n各市人民政府："
    )


def test_odt_spaces_tabs_line_breaks_and_footnotes():
    body = (
        '<text:p>稳<text:s text:c="2"/>就业<text:tab/>保民生<text:line-break/>第二行'
        "<text:note><text:note-citation>1</text:note-citation><text:note-body><text:p>脚注。</text:p>"
        "</text:note-body></text:note></text:p>"
    )
    assert extract("a.odt", _odt(body)).text == "稳  就业\t保民生\n第二行\n脚注。"


def test_garbled_text_is_told_from_text():
    from search.extract.word97 import _garbled

    assert not _garbled("河南省人民政府办公厅文件\n豫政办〔2024〕12号\t关于做好高校毕业生就业工作的通知")
    assert _garbled("河南省人民政府\ufffd\ufffd办公厅\x03\x04文件豫政办〔2024〕12号关于做好高校毕业生就业")
