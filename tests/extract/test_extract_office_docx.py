"""The .docx reader: text boxes (once, where anchored), footnotes and endnotes, ruby, altChunk parts, content
controls, list numbers, encrypted files and generator-default titles; and the limits every zip-based reader
shares (XXE, billion laughs, zip bombs). WordprocessingML is written here by hand; the Tika files are Apache
Tika's test documents (Apache-2.0, see tests/fixtures/office/SOURCES.md).
"""

from __future__ import annotations

import io
import zipfile
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from search.extract import Unreadable, extract, zipped

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "office"


def fixture(name: str) -> bytes:
    return (FIXTURES / name).read_bytes()


# -- .docx: what python-docx left out -------------------------------------------------------------------

_NS = (
    'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
    'xmlns:mc="http://schemas.openxmlformats.org/markup-compatibility/2006" '
    'xmlns:wps="http://schemas.microsoft.com/office/word/2010/wordprocessingShape" '
    'xmlns:v="urn:schemas-microsoft-com:vml"'
)


def _p(text: str) -> str:
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def make_docx_xml(
    body: str, parts: dict[str, bytes] | None = None, rels: str = "", title: str | None = None, prolog: str = ""
) -> bytes:
    """A .docx written by hand: ``body`` inside w:body, extra parts and document relationships as given."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "[Content_Types].xml",
            (
                '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
                '<Default Extension="xml" ContentType="application/xml"/><Default Extension="html" ContentType="text/html"/>'
                '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.'
                'wordprocessingml.document.main+xml"/></Types>'
            ),
        )
        archive.writestr(
            "_rels/.rels",
            (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
                'officeDocument" Target="word/document.xml"/></Relationships>'
            ),
        )
        archive.writestr(
            "word/_rels/document.xml.rels",
            (
                '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
                f"{rels}</Relationships>"
            ),
        )
        archive.writestr("word/document.xml", f"{prolog}<w:document {_NS}><w:body>{body}</w:body></w:document>")
        if title is not None:
            archive.writestr(
                "docProps/core.xml",
                (
                    '<cp:coreProperties xmlns:cp="http://schemas.openxmlformats.org/package/2006/metadata/core-properties" '
                    f'xmlns:dc="http://purl.org/dc/elements/1.1/"><dc:title>{title}</dc:title></cp:coreProperties>'
                ),
            )
        for name, data in (parts or {}).items():
            archive.writestr(name, data)
    return buffer.getvalue()


def _text_box(lines: list[str]) -> str:
    content = "".join(_p(line) for line in lines)
    return (
        '<w:r><mc:AlternateContent><mc:Choice Requires="wps"><w:drawing><wps:wsp><wps:txbx>'
        f"<w:txbxContent>{content}</w:txbxContent></wps:txbx></wps:wsp></w:drawing></mc:Choice>"
        f"<mc:Fallback><w:pict><v:shape><v:textbox><w:txbxContent>{content}</w:txbxContent></v:textbox>"
        "</v:shape></w:pict></mc:Fallback></mc:AlternateContent></w:r>"
    )


def test_docx_text_box_with_red_header_and_number_comes_out_once_where_anchored():
    body = f"<w:p>{_text_box(['河南省人民政府文件', '豫政〔2024〕3号'])}</w:p>" + _p("关于印发2024年工作要点的通知")
    assert (
        extract("a.docx", make_docx_xml(body)).text
        == "河南省人民政府文件\n豫政〔2024〕3号\n\n关于印发2024年工作要点的通知"
    )


def test_docx_vml_only_text_box_is_read():
    body = (
        "<w:p><w:r><w:pict><v:shape><v:textbox><w:txbxContent>"
        + _p("豫政〔2024〕3号")
        + "</w:txbxContent></v:textbox></v:shape></w:pict></w:r></w:p>"
    )
    assert extract("a.docx", make_docx_xml(body)).text == "豫政〔2024〕3号\n"


def test_docx_footnotes_and_endnotes_follow_the_body():
    notes = lambda kind: (  # noqa: E731
        f'<w:{kind}s {_NS}><w:{kind} w:type="separator" w:id="-1">{_p("———")}</w:{kind}>'
        f'<w:{kind} w:id="1">{_p(f"{kind}的文字。")}</w:{kind}></w:{kind}s>'
    ).encode()
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}s" '
        f'Target="{kind}s.xml"/>'
        for i, kind in ((7, "footnote"), (8, "endnote"))
    )
    body = '<w:p><w:r><w:t>正文。</w:t></w:r><w:r><w:footnoteReference w:id="1"/></w:r></w:p>'
    data = make_docx_xml(body, {"word/footnotes.xml": notes("footnote"), "word/endnotes.xml": notes("endnote")}, rels)
    assert extract("a.docx", data).text == "正文。\nfootnote的文字。\nendnote的文字。"


def test_docx_ruby_keeps_the_base_text_and_drops_the_annotation():
    body = (
        "<w:p><w:r><w:t>推进</w:t></w:r><w:r><w:ruby><w:rt><w:r><w:t>xiāngcūn</w:t></w:r></w:rt>"
        "<w:rubyBase><w:r><w:t>乡村</w:t></w:r></w:rubyBase></w:ruby></w:r><w:r><w:t>振兴</w:t></w:r></w:p>"
    )
    assert extract("a.docx", make_docx_xml(body)).text == "推进乡村振兴"


def test_docx_deleted_revisions_and_field_codes_are_left_out():
    body = (
        "<w:p><w:r><w:t>稳</w:t></w:r><w:del><w:r><w:delText>删去的</w:delText></w:r></w:del>"
        "<w:r><w:instrText> PAGE </w:instrText></w:r><w:r><w:t>就业</w:t></w:r></w:p>"
    )
    assert extract("a.docx", make_docx_xml(body)).text == "稳就业"


def test_docx_alt_chunk_html_part_is_read_in_place():
    html = "<html><body><p>嵌入网页的段落。</p></body></html>".encode()
    rels = (
        '<Relationship Id="rIdChunk" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        'aFChunk" Target="chunk.html"/>'
    )
    body = _p("前文。") + '<w:altChunk r:id="rIdChunk"/>' + _p("后文。")
    assert (
        extract("a.docx", make_docx_xml(body, {"word/chunk.html": html}, rels)).text
        == "前文。\n嵌入网页的段落。\n后文。"
    )


def test_tika_alt_chunk_html_docx_is_read():
    assert extract("a.docx", fixture("testAltChunkHTML.docx")).text.startswith(
        "Simple paragraph with a emphasized word."
    )


def test_tika_alt_chunk_mht_docx_is_read_by_the_mhtml_reader():
    pytest.importorskip("search.extract.mhtml", reason="the .mhtml reader is another branch's (issue 21)")
    text = extract("a.docx", fixture("testAltChunkMHT.docx")).text
    assert text.startswith("Simple paragraph with a emphasized word.")
    assert "Red PNG dot; ROW 2" in text


def test_encrypted_docx_is_named_encrypted_not_damaged():
    with pytest.raises(Unreadable, match=r"^Word document is encrypted \(password-protected\)$"):
        extract("a.docx", fixture("testWORD_protected_passtika.docx"))


@pytest.mark.parametrize("title", ["Word Document", "Microsoft Word 文档", "  "])
def test_docx_generator_default_title_is_no_title(title):
    assert extract("a.docx", make_docx_xml(_p("正文。"), title=title)).title is None


def test_docx_own_title_is_kept():
    assert extract("a.docx", make_docx_xml(_p("正文。"), title="二七区稳就业工作方案")).title == "二七区稳就业工作方案"


# -- hostile zips and XML ----------------------------------------------------------------------------


def test_docx_with_an_external_entity_is_refused():
    prolog = '<?xml version="1.0"?><!DOCTYPE w:document [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>'
    data = make_docx_xml("<w:p><w:r><w:t>&xxe;</w:t></w:r></w:p>", prolog=prolog)
    with pytest.raises(Unreadable, match=r"^\.docx file refused: XML with a DTD or entities$"):
        extract("a.docx", data)


def test_docx_billion_laughs_is_refused():
    entities = '<!ENTITY a "哈哈哈哈哈哈哈哈哈哈">' + "".join(
        f'<!ENTITY {chr(98 + i)} "{("&" + chr(97 + i) + ";") * 10}">' for i in range(8)
    )
    data = make_docx_xml("<w:p><w:r><w:t>&i;</w:t></w:r></w:p>", prolog=f"<!DOCTYPE w:document [{entities}]>")
    with pytest.raises(Unreadable, match=r"^\.docx file refused: XML with a DTD or entities$"):
        extract("a.docx", data)


def test_zip_bomb_member_is_refused_by_its_ratio(monkeypatch):
    monkeypatch.setattr(zipped, "RATIO_EXEMPT", 1024)
    body = _p("稳就业。") + "<!--" + " " * 3_000_000 + "-->"
    with pytest.raises(Unreadable, match=r"^\.docx file refused: decompression limit \(zip bomb\?\)$"):
        extract("a.docx", make_docx_xml(body))


def test_zip_members_past_the_total_cap_are_refused(monkeypatch):
    monkeypatch.setattr(zipped, "TOTAL_LIMIT", 10_000)
    with pytest.raises(Unreadable, match=r"^spreadsheet refused: decompression limit \(zip bomb\?\)$"):
        extract("a.xlsx", fixture("jiuye.xlsx"))


# -- .docx list numbers --------------------------------------------------------------------------------


def _numbered_docx(
    paragraphs: list[tuple[str, int | None, str]], levels: list[tuple[str, str, str]], start_override: int | None = None
) -> bytes:
    """Paragraphs (text, ilvl or None, style) numbered by one list whose levels are (numFmt, lvlText, suff)."""
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:suff w:val="{suff}"/></w:lvl>'
        for i, (fmt, text, suff) in enumerate(levels)
    )
    override = (
        f'<w:lvlOverride w:ilvl="0"><w:startOverride w:val="{start_override}"/></w:lvlOverride>'
        if start_override
        else ""
    )
    numbering = (
        f'<w:numbering {_NS}><w:abstractNum w:abstractNumId="3">{lvls}</w:abstractNum>'
        f'<w:num w:numId="7"><w:abstractNumId w:val="3"/>{override}</w:num></w:numbering>'
    ).encode()
    styles = (
        f'<w:styles {_NS}><w:style w:type="paragraph" w:styleId="Heading1"><w:pPr><w:numPr><w:numId w:val="7"/>'
        '</w:numPr></w:pPr></w:style><w:style w:type="paragraph" w:styleId="MyHeading"><w:basedOn w:val="Heading1"/>'
        "</w:style></w:styles>"
    ).encode()
    rels = "".join(
        f'<Relationship Id="rId{i}" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/{kind}" '
        f'Target="{kind}.xml"/>'
        for i, kind in ((20, "numbering"), (21, "styles"))
    )
    body = ""
    for text, ilvl, style in paragraphs:
        props = f'<w:pStyle w:val="{style}"/>' if style else ""
        if ilvl is not None:
            props += f'<w:numPr><w:ilvl w:val="{ilvl}"/><w:numId w:val="7"/></w:numPr>'
        body += f"<w:p><w:pPr>{props}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>"
    return make_docx_xml(body, {"word/numbering.xml": numbering, "word/styles.xml": styles}, rels)


def test_docx_chinese_list_numbers_are_shown_as_word_shows_them():
    levels = [
        ("chineseCounting", "%1、", "nothing"),
        ("chineseCounting", "（%2）", "nothing"),
        ("decimal", "%3.", "tab"),
        ("bullet", "\uf0b7", "tab"),
    ]
    paragraphs = [
        ("总体要求", 0, ""),
        ("指导思想", 1, ""),
        ("基本原则", 1, ""),
        ("坚持稳中求进", 2, ""),
        ("要点", 3, ""),
        ("主要任务", 0, ""),
        ("扩大就业", 1, ""),
        ("不编号的段落", None, ""),
    ]
    text = extract("a.docx", _numbered_docx(paragraphs, levels)).text
    assert (
        text
        == "一、总体要求\n（一）指导思想\n（二）基本原则\n1. 坚持稳中求进\n要点\n二、主要任务\n（一）扩大就业\n不编号的段落"
    )


def test_docx_numbers_come_from_a_paragraphs_style_and_the_style_it_is_based_on():
    paragraphs = [(f"第{i}段", None, style) for i, style in enumerate(["Heading1", "MyHeading", "Heading1"] * 4)]
    text = extract("a.docx", _numbered_docx(paragraphs, [("chineseCounting", "第%1章", "space")])).text
    assert text.split("\n")[-3:] == ["第十章第9段", "第十一章第10段", "第十二章第11段"]


def test_docx_heading_styles_numbered_by_a_template_show_their_numbers():
    text = extract("a.docx", fixture("biaoti.docx")).text
    assert text == "一、总体要求\n（一）指导思想\n正文段落。\n二、主要任务\n（一）扩大就业"


def test_docx_list_restarted_by_a_start_override_counts_from_it():
    text = extract("a.docx", _numbered_docx([("甲", 0, ""), ("乙", 0, "")], [("decimal", "%1.", "tab")], 5)).text
    assert text == "5. 甲\n6. 乙"


@pytest.mark.parametrize(
    "n, fmt, shown",
    [
        (1, "chineseCounting", "一"),
        (10, "chineseCounting", "十"),
        (21, "chineseCounting", "二十一"),
        (105, "chineseCountingThousand", "一百〇五"),
        (3, "ideographTraditional", "丙"),
        (12, "decimalEnclosedCircle", "⑫"),
        (11, "taiwaneseCountingThousand", "十一"),
        (10, "ideographDigital", "一〇"),
        (3, "ideographLegalTraditional", "參"),
        (4, "upperRoman", "IV"),
        (28, "lowerLetter", "bb"),
        (7, "decimalFullWidth", "７"),
        (2, "chineseLegalSimplified", "贰"),
    ],
)
def test_list_number_formats(n, fmt, shown):
    from search.extract.word_numbering import format_number

    assert format_number(n, fmt) == shown


# -- property test against the source text ------------------------------------------------------------

# Text as written in a report: CJK, full-width punctuation, digits and Latin letters; no XML specials.
_written = st.text(
    st.sampled_from("稳就业保民生推进乡村振兴，。、；：“”（）《》〔〕0123456789ABCxyz% "), min_size=1, max_size=30
)
_paragraphs = st.lists(_written.map(str.strip).filter(bool), min_size=1, max_size=6)


@settings(max_examples=60, deadline=None)
@given(_paragraphs)
def test_docx_text_is_its_paragraphs_as_written(paragraphs):
    from xml.sax.saxutils import escape

    body = "".join(f'<w:p><w:r><w:t xml:space="preserve">{escape(p)}</w:t></w:r></w:p>' for p in paragraphs)
    assert extract("a.docx", make_docx_xml(body)).text == "\n".join(paragraphs)


def _with_object(target: str, data: bytes, prog_id: str) -> bytes:
    rels = (
        '<Relationship Id="rIdOle" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
        f'package" Target="{target}"/>'
    )
    body = (
        _p("附表如下：") + '<w:p><w:r><w:object><o:OLEObject xmlns:o="urn:schemas-microsoft-com:office:office" '
        f'Type="Embed" ProgID="{prog_id}" r:id="rIdOle"/></w:object></w:r></w:p>' + _p("以上为附表。")
    )
    return make_docx_xml(body, {f"word/{target}": data}, rels)


EMBEDDED_SHEET = "就业统计\n地区\t新增就业（万人）\t备注\n郑州市\t21.5\t超额完成\n洛阳市\t8\n\n说明\n数据来源：河南省人力资源和社会保障厅"


def test_docx_embedded_excel_workbook_is_read_in_place():
    data = _with_object("embeddings/Microsoft_Excel_Worksheet.xlsx", fixture("jiuye.xlsx"), "Excel.Sheet.12")
    assert extract("a.docx", data).text == f"附表如下：\n{EMBEDDED_SHEET}\n\n以上为附表。"


def test_docx_embedded_excel_97_object_is_read_in_place():
    data = _with_object("embeddings/oleObject1.bin", fixture("jiuye.xls"), "Excel.Sheet.8")
    assert extract("a.docx", data).text == f"附表如下：\n{EMBEDDED_SHEET}\n\n以上为附表。"
