"""Containers and pages: zip/tar archives, mail (.eml, .msg), OFD, MHTML, and the HTML reader's fixes.

Fixtures are built here (tests/container_builders.py) or are small real files with their source in
tests/fixtures/*/SOURCES.md.
"""

from __future__ import annotations

import base64
import gzip
import io
import tarfile
import zipfile
from pathlib import Path

import pytest

from search.extract import Unreadable, extract
from search.extract.archives import MAX_RATIO
from search.extract.members import member_bytes
from tests.container_builders import encoded_word, make_docx, make_eml, make_mhtml, make_ofd, make_zip, text_object

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
REPORT = "郑东新区政府工作报告\n\n2020年，郑东新区坚持稳中求进，推进老旧小区改造。"


def parts_of(extracted) -> list[tuple[str, str | None, str | None]]:
    return [(p.name, p.skipped, p.extracted.text if p.extracted else None) for p in extracted.parts]


# -- zip -------------------------------------------------------------------------------------------


def test_zip_member_names_written_in_gbk_without_the_utf8_flag_are_decoded():
    data = make_zip({"通知/工作报告.txt": REPORT.encode("gb18030")})
    assert zipfile.ZipFile(io.BytesIO(data)).namelist() == ["═¿╓¬/╣ñ╫≈▒¿╕µ.txt"]  # what zipfile alone shows
    assert parts_of(extract("材料.zip", data)) == [("通知/工作报告.txt", None, REPORT)]


def test_zip_members_with_the_utf8_flag_keep_their_names():
    data = make_zip({"方案.docx": make_docx(["二七区稳就业工作方案正文。"], title="稳就业方案")}, gbk_names=False)
    [part] = extract("a.zip", data).parts
    assert (part.name, part.extracted.title, part.extracted.text) == (
        "方案.docx",
        "稳就业方案",
        "二七区稳就业工作方案正文。",
    )


def test_zip_leaves_out_folders_hidden_files_and_macos_forks_and_names_unsupported_members():
    data = make_zip(
        {
            "报告/": b"",
            "报告/a.txt": "正文一".encode("gb18030"),
            "__MACOSX/报告/._a.txt": b"\x00\x05\x16\x07",
            ".DS_Store": b"\x00\x00\x00\x01Bud1",
            "~$方案.docx": b"lock",
            "图纸.dwg": b"AC1015",
        }
    )
    assert parts_of(extract("a.zip", data)) == [
        ("报告/a.txt", None, "正文一"),
        ("图纸.dwg", "unsupported file type .dwg", None),
    ]


def test_nested_zips_are_read_to_the_depth_limit_and_no_deeper():
    level3 = make_zip({"最深.txt": "第三层的正文".encode("gb18030")})
    level2 = make_zip({"二层.txt": "第二层的正文".encode("gb18030"), "c.zip": level3})
    level1 = make_zip({"b.zip": level2})
    outer = extract("a.zip", make_zip({"一层.txt": "第一层的正文".encode("gb18030"), "l1.zip": level1}))
    [first, l1] = outer.parts
    assert (first.name, first.extracted.text) == ("一层.txt", "第一层的正文")
    [b] = l1.extracted.parts
    assert parts_of(b.extracted) == [("二层.txt", None, "第二层的正文"), ("c.zip", "nested too deep", None)]


def test_encrypted_zip_member_is_named_encrypted():
    data = bytearray(
        make_zip({"secret.txt": b"x" * 100, "open.txt": "公开".encode("gb18030")}, compression=zipfile.ZIP_STORED)
    )
    # set the "encrypted" bit of the first member in its local header and central directory entry
    data[6] |= 1
    central = data.index(b"PK\x01\x02")
    data[central + 8] |= 1
    assert parts_of(extract("a.zip", bytes(data))) == [("secret.txt", "encrypted", None), ("open.txt", None, "公开")]


def test_highly_compressed_member_is_refused_as_a_zip_bomb_while_others_are_read():
    data = make_zip({"bomb.txt": b"0" * (20 * 1024 * 1024), "ok.txt": "正常的文件".encode("gb18030")})
    assert zipfile.ZipFile(io.BytesIO(data)).getinfo("bomb.txt").compress_size * MAX_RATIO < 20 * 1024 * 1024
    assert parts_of(extract("a.zip", data)) == [
        ("bomb.txt", f"zip bomb refused: compressed more than {MAX_RATIO}:1", None),
        ("ok.txt", None, "正常的文件"),
    ]


def test_a_member_whose_declared_size_lies_is_named_damaged_not_read_past_it():
    data = bytearray(make_zip({"bomb.txt": b"0" * (5 * 1024 * 1024)}))
    central = data.index(b"PK\x01\x02")
    data[central + 24 : central + 28] = (10).to_bytes(4, "little")  # declared uncompressed size: 10 bytes
    [part] = extract("a.zip", bytes(data)).parts
    assert (part.skipped, part.extracted) == ("damaged member (bad checksum or truncated)", None)


def test_archive_past_the_total_uncompressed_limit_is_refused_whole(monkeypatch):
    from search.extract import archives

    monkeypatch.setattr(archives, "MAX_TOTAL_BYTES", 3 * 1024 * 1024)
    data = make_zip({f"{n}.txt": bytes(range(256)) * 4096 * 2 for n in range(3)}, compression=zipfile.ZIP_STORED)
    with pytest.raises(Unreadable, match=r"^zip bomb refused: more than 3 MB uncompressed$"):
        extract("a.zip", data)


def test_damaged_zip_and_empty_zip_give_reasons():
    with pytest.raises(Unreadable, match=r"^not a readable zip archive \(damaged or truncated\?\)$"):
        extract("a.zip", b"PK\x03\x04 this is not really a zip")
    with pytest.raises(Unreadable, match=r"^archive holds no files \(only folders or hidden files\)$"):
        extract("a.zip", make_zip({"empty/": b"", ".hidden": b"x"}))


def test_member_bytes_finds_a_member_of_a_nested_archive_again():
    inner = make_zip({"内层.txt": "内层".encode("gb18030")})
    data = make_zip({"sub/inner.zip": inner, "a.txt": b"a"})
    assert member_bytes("x.zip", data, "sub/inner.zip/内层.txt") == "内层".encode("gb18030")
    assert member_bytes("x.zip", data, "a.txt") == b"a"
    assert member_bytes("x.zip", data, "missing.txt") is None


# -- tar -------------------------------------------------------------------------------------------


def make_tar(members: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode=mode, format=tarfile.GNU_FORMAT, encoding="gb18030") as archive:
        for name, content in members.items():
            info = tarfile.TarInfo(name)
            info.size = len(content)
            archive.addfile(info, io.BytesIO(content))
    return buffer.getvalue()


def test_tar_gz_members_are_parts_and_gbk_names_are_decoded():
    data = make_tar({"报告/工作报告.txt": REPORT.encode("utf-8"), "x.bin": b"\x00\x01"})
    assert parts_of(extract("材料.tar.gz", data)) == [
        ("报告/工作报告.txt", None, REPORT),
        ("x.bin", "unsupported file type .bin", None),
    ]
    assert parts_of(extract("材料.tar", make_tar({"a.txt": "正文".encode()}, mode="w"))) == [("a.txt", None, "正文")]


def test_a_lone_gzipped_file_is_that_file_by_the_name_gzip_recorded():
    buffer = io.BytesIO()
    # as gzip(1) writes it on Linux: the name's UTF-8 bytes (Python's gzip writes only Latin-1 names)
    with gzip.GzipFile(filename="工作报告.txt".encode(), mode="wb", fileobj=buffer) as handle:
        handle.write(REPORT.encode("utf-8"))
    assert parts_of(extract("工作报告.txt.gz", buffer.getvalue())) == [("工作报告.txt", None, REPORT)]


# -- .eml ------------------------------------------------------------------------------------------

DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def test_eml_in_gbk_under_a_gb2312_label_reads_subject_body_sender_and_date():
    # 镕 is GBK, not GB2312: senders label GBK mail "gb2312" all the same
    data = make_eml(
        encoded_word("关于朱镕基同志讲话精神的学习通知", "gb2312", "gb18030"),
        "各单位：\n请认真学习朱镕基同志讲话精神。\n".encode("gb18030"),
    )
    mail = extract("通知.eml", data)
    assert (mail.title, mail.text) == ("关于朱镕基同志讲话精神的学习通知", "各单位：\n请认真学习朱镕基同志讲话精神。\n")
    assert mail.properties == (
        ("published", "2024-03-05T09:30:00+08:00"),
        ("published_tag", "mail Date"),
        ("from", "办公室 <office@example.gov.cn>"),
        ("from_tag", "mail From"),
        ("to", "staff@example.gov.cn"),
        ("to_tag", "mail To"),
    )


def test_eml_attachment_is_a_part_and_an_inline_picture_is_not():
    data = make_eml(
        encoded_word("转发材料", "gb2312"),
        "见附件。".encode("gb18030"),
        attachments=[
            (
                DOCX_TYPE,
                encoded_word("学习材料.docx", "gb2312", "gb18030"),
                make_docx(["学习材料正文，二七区。"], title="学习材料"),
            )
        ],
        inline_image=True,
    )
    [part] = extract("a.eml", data).parts
    assert (part.name, part.extracted.title, part.extracted.text) == (
        "学习材料.docx",
        "学习材料",
        "学习材料正文，二七区。",
    )


def test_eml_big5_body_with_cp950_characters_and_big5_subject():
    # 裏 and 碁 are in Microsoft's Big5 (cp950), not in Big5 proper
    data = make_eml(
        encoded_word("圍碁比賽通知", "big5", "cp950"),
        "請於裏面填寫報名表。".encode("cp950"),
        body_type='text/plain; charset="big5"',
    )
    mail = extract("a.eml", data)
    assert (mail.title, mail.text) == ("圍碁比賽通知", "請於裏面填寫報名表。")


@pytest.mark.parametrize("body_type", ['text/plain; charset="iso-8859-1"', "text/plain", 'text/plain; charset="utf-8"'])
def test_eml_body_with_a_wrong_or_missing_charset_label_is_read_as_a_text_file(body_type):
    data = make_eml(
        encoded_word("通知", "gb2312"), "二七区召开稳就业工作推进会。".encode("gb18030"), body_type=body_type
    )
    assert extract("a.eml", data).text == "二七区召开稳就业工作推进会。"


def test_eml_raw_8bit_gbk_subject_is_decoded():
    data = make_eml("SUBJECT", "正文".encode("gb18030"))
    data = data.replace(b"Subject: SUBJECT", b"Subject: " + "关于印发方案的通知".encode("gb18030"))
    assert extract("a.eml", data).title == "关于印发方案的通知"


def test_eml_html_only_body_is_read_through_the_html_reader():
    html = "<html><body><div class=nav>首页</div><p>各单位：</p><p>现将方案印发给你们。</p></body></html>"
    data = make_eml(encoded_word("方案", "gb2312"), html.encode("gb18030"), body_type='text/html; charset="gbk"')
    assert extract("a.eml", data).text == "各单位：\n现将方案印发给你们。"


def test_eml_with_only_an_attachment_is_its_subject_and_the_attachment():
    data = make_eml(
        encoded_word("报表", "gb2312"), b"", attachments=[("text/plain", "a.txt", "表内容".encode("gb18030"))]
    )
    mail = extract("a.eml", data)
    assert (mail.text, parts_of(mail)) == ("报表", [("a.txt", None, "表内容")])


def test_two_attachments_of_one_name_are_told_apart():
    data = make_eml("x", b"body", attachments=[("text/plain", "a.txt", b"one"), ("text/plain", "a.txt", b"two")])
    assert parts_of(extract("a.eml", data)) == [("a.txt", None, "one"), ("a (2).txt", None, "two")]
    assert member_bytes("m.eml", data, "a (2).txt") == b"two"


# -- .msg (Apache POI's test files) ----------------------------------------------------------------


def test_msg_in_big5_that_names_no_code_page_is_read_in_big5():
    mail = extract("a.msg", (FIXTURES / "mail" / "chinese-traditional.msg").read_bytes())
    assert mail.title == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert mail.text.startswith("Alfresco MSG format testing ( MSG 格式測試 ) 中文測試\r\n")
    assert dict(mail.properties)["from"] == "Tests Chang@FT (張毓倫)"
    assert dict(mail.properties)["published"] == "2011-03-29T08:52:48.725260+00:00"


def test_msg_attachments_are_parts():
    mail = extract("a.msg", (FIXTURES / "mail" / "attachment_test_msg.msg").read_bytes())
    assert (mail.title, mail.text) == ("test pièce jointe 1", "contenu")
    assert [p.name for p in mail.parts] == ["test-unicode.doc", "pj1.txt"]
    assert mail.parts[1].extracted.text.startswith("école (00E9)")


# -- OFD -------------------------------------------------------------------------------------------


def test_ofd_real_red_header_document_reads_in_order_with_docinfo_dates():
    document = extract("n.ofd", (FIXTURES / "ofd" / "n.ofd").read_bytes())
    lines = document.text.split("\n")
    assert lines[:4] == ["测试符路桥区卫生局文件", "路卫发〔2011〕76号", "关于同意张阿三同志辞职的批复", "区中医院："]
    assert lines[-4:] == [
        "测试符路桥区卫生局办公室",
        "2011年3月10日",
        "测试符路桥区卫生局办公室 2011年3月10日印发",
        "— 2 —",
    ]
    assert "\n— 1 —\n\n测试符路桥区卫生局办公室\n" in document.text  # the two pages, a blank line between
    assert dict(document.properties)["created"] == "2020-01-25"
    assert dict(document.properties)["created_tag"] == "OFD CreationDate"


def test_ofd_real_files_title_and_a_nonstandard_namespace():
    letter = extract("a.ofd", (FIXTURES / "ofd" / "testPathFillOpacity.ofd").read_bytes())
    assert letter.title == "蚌埠市国土资源局"
    assert letter.text.split("\n")[:2] == ["关于加快南货场铁路涵洞下穿建设的函", "蚌山区政府："]
    assert (
        extract("a.ofd", (FIXTURES / "ofd" / "namespace_no_std.ofd").read_bytes()).text == "你好呀，OFD Reader&Writer！"
    )


def test_ofd_codes_on_one_baseline_are_one_line_and_lines_out_of_order_are_sorted_by_position():
    shuffled = (
        text_object(20, 60, "第三行正文")
        + text_object(20, 20, "标题")
        + text_object(60, 40, "第二行后半")
        + text_object(20, 40, "第二行前半")
        + text_object(20, 80, "第四行")
    )
    document = extract("a.ofd", make_ofd([shuffled]))
    assert document.text == "标题\n第二行前半第二行后半\n第三行正文\n第四行"


def test_ofd_file_order_is_kept_when_it_is_reading_order():
    in_order = text_object(20, 20, "标题") + text_object(20, 40, "正文第一行") + text_object(20, 60, "正文第二行")
    assert (
        extract("a.ofd", make_ofd([in_order, text_object(20, 20, "第二页")])).text
        == "标题\n正文第一行\n正文第二行\n\n第二页"
    )


def test_ofd_template_text_is_included_and_docinfo_becomes_tagged_properties():
    info = (
        "<ofd:Title>关于印发方案的通知</ofd:Title><ofd:Author>办公室</ofd:Author>"
        "<ofd:CreationDate>2024-01-05</ofd:CreationDate><ofd:ModDate>2024-01-06</ofd:ModDate>"
        '<ofd:Abstract>方案摘要</ofd:Abstract><ofd:CustomDatas><ofd:CustomData Name="发文机关">郑州市人民政府'
        '</ofd:CustomData><ofd:CustomData Name="密级">公开</ofd:CustomData></ofd:CustomDatas>'
    )
    data = make_ofd(
        [text_object(20, 60, "正文内容")],
        info=info,
        templates={"7": text_object(20, 20, "郑州市人民政府文件")},
        page_templates={0: "7"},
    )
    document = extract("a.ofd", data)
    assert (document.title, document.text) == ("关于印发方案的通知", "郑州市人民政府文件\n正文内容")
    assert document.properties == (
        ("created", "2024-01-05"),
        ("created_tag", "OFD CreationDate"),
        ("modified", "2024-01-06"),
        ("modified_tag", "OFD ModDate"),
        ("author", "办公室"),
        ("author_tag", "OFD Author"),
        ("abstract", "方案摘要"),
        ("abstract_tag", "OFD Abstract"),
        ("issuer", "郑州市人民政府"),
        ("issuer_tag", "OFD CustomData 发文机关"),
        ("custom:密级", "公开"),
    )


def test_ofd_without_a_namespace_prefix_is_read():
    page = text_object(20, 20, "无前缀的文件", prefix="")
    assert extract("a.ofd", make_ofd([page], prefix="")).text == "无前缀的文件"


def test_ofd_without_text_and_a_broken_one_give_reasons():
    with pytest.raises(Unreadable, match=r"^OFD file has no text \(scanned pages\?\)$"):
        extract("a.ofd", make_ofd(['<ofd:ImageObject ID="3" ResourceID="9" Boundary="0 0 210 297"/>']))
    with pytest.raises(Unreadable, match=r"^not a readable OFD file \(no OFD.xml\)$"):
        extract("a.ofd", make_zip({"x.xml": b"<a/>"}))


# -- MHTML -----------------------------------------------------------------------------------------


def test_mhtml_page_is_read_by_its_part_charset_with_its_address_as_evidence():
    html = (
        '<html><head><meta charset="utf-8"><title>通知_中国政府网</title></head><body>'
        "<div class=nav>首页</div><h1>国务院关于某事的通知</h1><p>各省、自治区、直辖市人民政府：</p></body></html>"
    )
    page = extract("a.mhtml", make_mhtml(html))  # saved as GB18030 under a charset=gb2312 header; the meta says utf-8
    assert (page.title, page.text) == ("国务院关于某事的通知", "国务院关于某事的通知\n各省、自治区、直辖市人民政府：")
    assert page.properties[-2:] == (
        ("location", "https://www.gov.cn/zhengce/content/2024-01/10/content_1.htm"),
        ("location_tag", "MHTML Content-Location"),
    )
    assert extract("a.mht", make_mhtml(html)).encoding == "mhtml:gb2312"


# -- HTML fixes ------------------------------------------------------------------------------------


def test_charset_declared_after_a_6kb_script_in_the_head_is_used():
    page = (
        "<html><head><script>var x = '" + "a" * 6000 + "';</script>"
        '<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><title>t</title></head>'
        "<body><p>二七区召开稳就业工作推进会。</p></body></html>"
    ).encode("gb18030")
    extracted = extract("a.html", page)
    assert (extracted.text, extracted.encoding) == ("二七区召开稳就业工作推进会。", "html:gb18030")


def test_script_end_tag_with_an_attribute_does_not_swallow_the_page():
    page = (
        '<html><body><script language="javascript">var a = "<p>不是正文</p>";</script language>'
        "<p>二七区召开稳就业工作推进会。</p><style>p{}</style type=text/css><p>第二段。</p></body></html>"
    )
    assert extract("a.html", page.encode("utf-8")).text == "二七区召开稳就业工作推进会。\n第二段。"


@pytest.mark.parametrize(
    "page",
    [
        "<html><head><title>t</title><p>第一段正文。</p><p>第二段正文。</p></html>",  # no </head>, no <body>
        "<html><body><!--> <p>第一段正文。</p><p>第二段正文。</p></body></html>",  # an empty comment "<!-->"
        "<html><body><div><p>第一段正文。<p>第二段正文。</body></html>",  # unclosed <p> and <div>
    ],
)
def test_broken_markup_that_browsers_show_is_read_as_they_show_it(page):
    # lxml's HTML parser (libxml2) places these as browsers do; html.parser put the first page's
    # text inside <head> (dropped: "HTML page has no text") and showed "<!-->" as text.
    assert extract("a.html", page.encode("utf-8")).text == "第一段正文。\n第二段正文。"


GOV_PAGE = """<html><head><meta charset="utf-8"><title>国务院办公厅关于印发某方案的通知_政府信息公开_中国政府网</title></head>
<body><div class="header">中国政府网 首页</div>
<div class="policyLibraryOverview_header"><table class="bd1">
<tr><td><b>索 引 号：</b></td><td>000014349/2024-00012</td><td><b>主题分类：</b></td><td>综合政务\\其他</td></tr>
<tr><td><b>发文机关：</b></td><td>国务院办公厅</td><td><b>成文日期：</b></td><td>2024年01月05日</td></tr>
<tr><td><b>标　　题：</b></td><td colspan="3">国务院办公厅关于印发某方案的通知</td></tr>
<tr><td><b>发文字号：</b></td><td>国办发〔2024〕1号</td><td><b>发布日期：</b></td><td>2024年01月10日</td></tr>
</table></div>
<div class="pages_content"><p>各省、自治区、直辖市人民政府，国务院各部委、各直属机构：</p>
<p>《某方案》已经国务院同意，现印发给你们，请认真贯彻执行。</p></div>
<div class="footer">版权所有</div></body></html>"""


def test_gov_cn_index_table_becomes_tagged_properties_before_the_furniture_goes():
    page = extract("content_1.shtml", GOV_PAGE.encode("utf-8"))
    assert page.title == "国务院办公厅关于印发某方案的通知"
    assert (
        page.text
        == "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：\n《某方案》已经国务院同意，现印发给你们，请认真贯彻执行。"
    )
    assert dict(page.properties) == {
        "index_number": "000014349/2024-00012",
        "index_number_tag": "索引号表 索引号",
        "subject": "综合政务\\其他",
        "subject_tag": "索引号表 主题分类",
        "issuer": "国务院办公厅",
        "issuer_tag": "索引号表 发文机关",
        "created": "2024年01月05日",
        "created_tag": "索引号表 成文日期",
        "title": "国务院办公厅关于印发某方案的通知",
        "title_tag": "索引号表 标题",
        "doc_number": "国办发〔2024〕1号",
        "doc_number_tag": "索引号表 发文字号",
        "published": "2024年01月10日",
        "published_tag": "索引号表 发布日期",
    }


def test_index_table_labels_with_their_values_in_one_cell_and_meta_tags_first():
    page = (
        '<html><head><meta name="PubDate" content="2024-02-01 10:00"></head><body><ul class="info">'
        "<li>发文机关：郑州市人民政府</li><li>发文字号：郑政〔2024〕3号</li><li>发布日期：2024-02-02</li></ul>"
        "<div><p>正文第一段，二七区。</p></div></body></html>"
    )
    properties = dict(extract("a.html", page.encode("utf-8")).properties)
    assert (properties["issuer"], properties["doc_number"], properties["published"], properties["published_tag"]) == (
        "郑州市人民政府",
        "郑政〔2024〕3号",
        "2024-02-01 10:00",
        "PubDate",
    )


def test_one_published_label_in_the_text_is_no_index_table():
    page = "<html><body><p>发布日期：2024-02-02</p><p>正文第一段，二七区召开会议。</p></body></html>"
    assert extract("a.html", page.encode("utf-8")).properties == ()


@pytest.mark.parametrize("suffix", [".shtml", ".xhtml"])
def test_shtml_and_xhtml_are_read_as_web_pages(suffix):
    page = (
        '<?xml version="1.0" encoding="utf-8"?><html xmlns="http://www.w3.org/1999/xhtml"><head><title>t</title></head>'
        '<body><div class="nav">首页</div><p>二七区召开稳就业工作推进会。</p></body></html>'
    )
    extracted = extract(f"content{suffix}", page.encode("utf-8"))
    assert (extracted.text, extracted.encoding) == ("二七区召开稳就业工作推进会。", "html:utf-8")


# -- property: zip member names ---------------------------------------------------------------------

from hypothesis import given, settings  # noqa: E402
from hypothesis import strategies as st  # noqa: E402

# GB2312's hanzi (the names people type), ASCII name characters and full-width brackets
GB2312_HANZI = [
    bytes([a, b]).decode("gb2312") for a in range(0xB0, 0xF8) for b in range(0xA1, 0xFF) if not (a == 0xD7 and b > 0xF9)
]
NAME_CHARS = st.sampled_from(GB2312_HANZI + list("ABCxyz0123456789_-. （）"))


class _UnflaggedInfo(zipfile.ZipInfo):
    """A member name written in ``codec`` without the UTF-8 flag (GBK: Windows; UTF-8: old Info-ZIP on Linux)."""

    codec = "gb18030"

    def _encodeFilenameFlags(self):
        return self.filename.encode(self.codec), self.flag_bits & ~0x800


@settings(max_examples=150, derandomize=True, deadline=None)
@given(
    names=st.lists(
        st.text(NAME_CHARS, min_size=1, max_size=8).map(lambda n: n.strip(" .") or "名"),
        min_size=1,
        max_size=4,
        unique=True,
    ),
    codec=st.sampled_from(["gb18030", "utf-8"]),
)
def test_unflagged_zip_names_in_gbk_or_utf8_read_back_as_written(names, codec):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name in names:
            info = _UnflaggedInfo(f"{name}.txt")
            info.codec = codec
            archive.writestr(info, "正文".encode())
    assert [p.name for p in extract("a.zip", buffer.getvalue()).parts] == [f"{n}.txt" for n in names]


def test_zip_unicode_path_extra_field_names_the_member():
    import struct
    import zlib

    raw = "旧名.txt".encode("gb18030")
    unicode_name = "工作报告（终稿）.txt".encode()
    field = b"\x01" + struct.pack("<I", zlib.crc32(raw)) + unicode_name
    info = _UnflaggedInfo("旧名.txt")
    info.extra = struct.pack("<HH", 0x7075, len(field)) + field
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr(info, "正文".encode())
    assert [p.name for p in extract("a.zip", buffer.getvalue()).parts] == ["工作报告（终稿）.txt"]


# -- property: damaged containers give a reason, never a crash --------------------------------------

DAMAGEABLE = {
    "n.ofd": (FIXTURES / "ofd" / "n.ofd").read_bytes(),
    "a.msg": (FIXTURES / "mail" / "attachment_test_msg.msg").read_bytes(),
    "a.eml": make_eml(
        encoded_word("转发", "gb2312"), "正文".encode("gb18030"), attachments=[("text/plain", "a.txt", b"x" * 50)]
    ),
    "a.zip": make_zip({"a.txt": "正文".encode("gb18030"), "b.zip": make_zip({"c.txt": b"cc"})}),
    "a.mhtml": make_mhtml("<html><body><p>正文</p></body></html>"),
}


@settings(max_examples=200, derandomize=True, deadline=None)
@given(
    name=st.sampled_from(sorted(DAMAGEABLE)),
    cut=st.floats(0, 1),
    flips=st.lists(st.tuples(st.floats(0, 1, exclude_max=True), st.integers(0, 255)), max_size=12),
)
def test_a_damaged_container_is_read_or_named_unreadable_never_a_crash(name, cut, flips):
    data = bytearray(DAMAGEABLE[name][: max(1, int(len(DAMAGEABLE[name]) * cut))])
    for where, byte in flips:
        data[int(where * len(data))] = byte
    try:
        extract(name, bytes(data))
    except Unreadable as exc:
        assert str(exc) and "\n" not in str(exc)  # noqa: PT017 - reading it is allowed too


def _with_disposition(filename_params: str) -> bytes:
    data = make_eml("x", b"body", attachments=[("application/octet-stream", "PLACEHOLDER", b"content")])
    return data.replace(b'; name="PLACEHOLDER"', b"").replace(
        b'filename="PLACEHOLDER"', filename_params.encode("latin-1")
    )


@pytest.mark.parametrize(
    "params",
    [
        'filename="' + encoded_word("朱镕基讲话.txt", "gb2312", "gb18030") + '"',  # Outlook, Foxmail: 2047 in quotes
        "filename*=gb2312''%D6%EC%E9F%BB%F9%BD%B2%BB%B0.txt",  # RFC 2231
        "filename*0*=gb2312''%D6%EC%E9F; filename*1*=%BB%F9%BD%B2%BB%B0.txt",  # RFC 2231 continued
        'filename="' + "朱镕基讲话.txt".encode("gb18030").decode("latin-1") + '"',  # raw GBK bytes
    ],
)
def test_attachment_names_in_every_way_mail_clients_write_gbk_are_decoded(params):
    [part] = extract("a.eml", _with_disposition(params)).parts
    assert (part.name, part.extracted.text) == ("朱镕基讲话.txt", "content")


def test_words_that_begin_with_a_label_are_no_labels():
    page = (
        "<html><body><ul><li>标题党</li><li>发文机关应当统一</li><li>发布日期：2024-02-02</li></ul>"
        "<div><p>正文第一段，二七区召开会议。</p></div></body></html>"
    )
    assert extract("a.html", page.encode("utf-8")).properties == ()


def test_a_forwarded_mail_is_a_part_with_its_own_attachments():
    inner = make_eml(
        encoded_word("原始通知", "gb2312"),
        "原始通知正文。".encode("gb18030"),
        attachments=[("text/plain", encoded_word("名单.txt", "gb2312"), "张三、李四".encode("gb18030"))],
        boundary="----=_Part_inner",
    )
    outer = make_eml(
        encoded_word("转发：原始通知", "gb2312"),
        "请阅。".encode("gb18030"),
        attachments=[("message/rfc822", "forward.eml", inner)],
    )
    # an attached message is sent as it is, not base64
    outer = outer.replace(b"Content-Transfer-Encoding: base64\r\n\r\n" + base64.encodebytes(inner), b"\r\n" + inner)
    assert inner in outer
    [forwarded] = extract("a.eml", outer).parts
    assert (forwarded.name, forwarded.extracted.title, forwarded.extracted.text) == (
        "原始通知.eml",
        "原始通知",
        "原始通知正文。",
    )
    assert parts_of(forwarded.extracted) == [("名单.txt", None, "张三、李四")]


def test_ofd_attachments_are_parts_found_again_for_a_download():
    attached = make_docx(["附件正文：二七区稳就业工作台账。"], title="工作台账")
    data = make_ofd([text_object(20, 20, "关于报送台账的通知")], attachments={"附件1 台账.docx": attached})
    document = extract("a.ofd", data)
    assert (document.text, parts_of(document)) == (
        "关于报送台账的通知",
        [("附件1 台账.docx", None, "附件正文：二七区稳就业工作台账。")],
    )
    assert member_bytes("通知.ofd", data, "附件1 台账.docx") == attached
    real = extract("a.ofd", (FIXTURES / "ofd" / "n.ofd").read_bytes())
    assert real.parts == ()
