"""Build the office test files in tests/fixtures/office/ (committed; run again only to change them).

Sources are written here (python-docx, openpyxl, a flat OpenDocument presentation) and LibreOffice
converts them to the binary and other formats: Word 97 .doc, RTF, .odt, EPUB, .xls, .ods, .ppt, .pptx,
.odp. Kingsoft's own names are copies of the formats they are underneath (WPS writes a .wps as a Word 97
file, an .et as BIFF8, a .dps as a PowerPoint 97 file).

    python scripts/make_office_fixtures.py [OUT_DIR]
"""

from __future__ import annotations

import io
import shutil
import subprocess
import sys
import tempfile
from datetime import datetime
from pathlib import Path

GONGWEN_TITLE = "关于做好2024年高校毕业生就业工作的通知"
GONGWEN = [
    "河南省人民政府办公厅文件",
    "豫政办〔2024〕12号",
    GONGWEN_TITLE,
    "各市、县人民政府，省人民政府各部门：",
    "为深入贯彻落实党中央、国务院关于稳就业的决策部署，现就做好2024年高校毕业生就业工作通知如下。",
    "一、拓宽就业渠道",
    "鼓励中小微企业吸纳高校毕业生就业，按规定给予社会保险补贴。",
]
GONGWEN_TABLE = [["项目", "目标"], ["城镇新增就业", "110万人"]]
GONGWEN_END = ["河南省人民政府办公厅", "2024年3月15日"]

SHEETS = {
    "就业统计": [["地区", "新增就业（万人）", "备注"], ["郑州市", 21.5, "超额完成"], [], ["洛阳市", 8, ""]],
    "说明": [["数据来源：河南省人力资源和社会保障厅"]],
}

SLIDES = [
    ("2024年政府工作报告解读", ["稳就业 保民生", "主讲：省政府研究室"], "开场白：感谢各位参加。"),
    ("主要目标", ["城镇新增就业110万人以上", "居民消费价格涨幅3%左右"], ""),
]


def gongwen_docx(title: str | None = GONGWEN_TITLE) -> bytes:
    """The 公文 as a .docx: 红头, 文号, title, body, a table, the signature and date."""
    import docx

    document = docx.Document()
    if title:
        document.core_properties.title = title
    document.core_properties.author = "省政府办公厅"
    document.core_properties.created = datetime(2024, 3, 15, 9, 30)
    for line in GONGWEN:
        document.add_paragraph(line)
    table = document.add_table(rows=len(GONGWEN_TABLE), cols=2)
    for r, row in enumerate(GONGWEN_TABLE):
        for c, text in enumerate(row):
            table.cell(r, c).text = text
    for line in GONGWEN_END:
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


NUMBERED = [
    ("总体要求", 0),
    ("指导思想", 1),
    ("基本原则", 1),
    ("坚持稳中求进", 2),
    ("主要任务", 0),
    ("扩大就业", 1),
    ("不编号的段落", None),
]


def numbered_docx() -> bytes:
    """A .docx whose paragraphs Word numbers itself: 一、 / （一） / 1. (WordprocessingML written by hand)."""
    import zipfile

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    rel = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    levels = [("chineseCounting", "%1、"), ("chineseCounting", "（%2）"), ("decimal", "%3.")]
    lvls = "".join(
        f'<w:lvl w:ilvl="{i}"><w:start w:val="1"/><w:numFmt w:val="{fmt}"/><w:lvlText w:val="{text}"/>'
        f'<w:suff w:val="nothing"/></w:lvl>'
        for i, (fmt, text) in enumerate(levels)
    )

    def number(level: int | None) -> str:
        return "" if level is None else f'<w:numPr><w:ilvl w:val="{level}"/><w:numId w:val="1"/></w:numPr>'

    body = "".join(f"<w:p><w:pPr>{number(level)}</w:pPr><w:r><w:t>{text}</w:t></w:r></w:p>" for text, level in NUMBERED)
    parts = {
        "[Content_Types].xml": '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/word/document.xml" '
        'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/><Override '
        'PartName="/word/numbering.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.'
        'numbering+xml"/></Types>',
        "_rels/.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
        f'<Relationship Id="rId1" Type="{rel}/officeDocument" Target="word/document.xml"/></Relationships>',
        "word/_rels/document.xml.rels": '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'relationships"><Relationship Id="rId2" Type="{rel}/numbering" Target="numbering.xml"/></Relationships>',
        "word/document.xml": f"<w:document {w}><w:body>{body}</w:body></w:document>",
        "word/numbering.xml": f'<w:numbering {w}><w:abstractNum w:abstractNumId="0">{lvls}</w:abstractNum>'
        '<w:num w:numId="1"><w:abstractNumId w:val="0"/></w:num></w:numbering>',
    }
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, xml in parts.items():
            archive.writestr(name, xml)
    return buffer.getvalue()


def heading_numbered_docx() -> bytes:
    """A .docx whose 标题 1/标题 2 styles carry the numbering (一、 / （一）), as report templates do."""
    import docx
    from docx.oxml import parse_xml

    w = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
    document = docx.Document()
    document.core_properties.created = datetime(2024, 3, 15, 9, 30)
    numbering = document.part.numbering_part.element
    numbering.insert(
        0,
        parse_xml(
            f'<w:abstractNum {w} w:abstractNumId="90"><w:multiLevelType w:val="multilevel"/><w:lvl w:ilvl="0">'
            '<w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="%1、"/><w:suff w:val="nothing"/>'
            '</w:lvl><w:lvl w:ilvl="1"><w:start w:val="1"/><w:numFmt w:val="chineseCounting"/><w:lvlText w:val="（%2）"/>'
            '<w:suff w:val="nothing"/></w:lvl></w:abstractNum>'
        ),
    )
    numbering.append(parse_xml(f'<w:num {w} w:numId="90"><w:abstractNumId w:val="90"/></w:num>'))
    for style, level in (("Heading 1", 0), ("Heading 2", 1)):
        document.styles[style].element.get_or_add_pPr().append(
            parse_xml(f'<w:numPr {w}><w:ilvl w:val="{level}"/><w:numId w:val="90"/></w:numPr>')
        )
    for text, style in HEADINGS:
        document.add_paragraph(text, style=style)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


HEADINGS = [
    ("总体要求", "Heading 1"),
    ("指导思想", "Heading 2"),
    ("正文段落。", "Normal"),
    ("主要任务", "Heading 1"),
    ("扩大就业", "Heading 2"),
]


def workbook_xlsx() -> bytes:
    """Two sheets of Chinese cells, one row left empty."""
    import openpyxl

    book = openpyxl.Workbook()
    book.remove(book.active)
    book.properties.created = datetime(2024, 3, 15, 9, 30)
    book.properties.title = "2024年一季度就业统计"
    for name, rows in SHEETS.items():
        sheet = book.create_sheet(name)
        for r, row in enumerate(rows, start=1):
            for c, value in enumerate(row, start=1):
                if value != "":
                    sheet.cell(r, c, value)
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def presentation_fodp() -> bytes:
    """A flat OpenDocument presentation: each slide a title and a text box, the first with speaker notes."""
    from xml.sax.saxutils import escape

    pages = []
    for n, (title, lines, notes) in enumerate(SLIDES, start=1):
        body = "".join(f"<text:p>{escape(line)}</text:p>" for line in lines)
        notes_xml = (
            f'<presentation:notes><draw:frame presentation:class="notes" svg:x="2cm" svg:y="14cm" svg:width="17cm"'
            f' svg:height="10cm"><draw:text-box><text:p>{escape(notes)}</text:p></draw:text-box></draw:frame>'
            f"</presentation:notes>"
            if notes
            else ""
        )
        pages.append(
            f'<draw:page draw:name="page{n}">'
            f'<draw:frame presentation:class="title" svg:x="2cm" svg:y="1cm" svg:width="24cm" svg:height="3cm">'
            f"<draw:text-box><text:p>{escape(title)}</text:p></draw:text-box></draw:frame>"
            f'<draw:frame svg:x="2cm" svg:y="5cm" svg:width="24cm" svg:height="10cm">'
            f"<draw:text-box>{body}</draw:text-box></draw:frame>{notes_xml}</draw:page>"
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?>'
        '<office:document xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0"'
        ' xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0"'
        ' xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0"'
        ' xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0"'
        ' xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"'
        ' office:version="1.2" office:mimetype="application/vnd.oasis.opendocument.presentation">'
        f"<office:body><office:presentation>{''.join(pages)}</office:presentation></office:body>"
        "</office:document>"
    ).encode()


def soffice_convert(sources: list[Path], target: str, out: Path) -> None:
    """LibreOffice converts the files to ``target`` in ``out`` (its own profile, so a desktop session is safe)."""
    with tempfile.TemporaryDirectory() as profile:
        subprocess.run(
            [
                "soffice",
                f"-env:UserInstallation={Path(profile).as_uri()}",
                "--headless",
                "--norestore",
                "--convert-to",
                target,
                "--outdir",
                str(out),
                *map(str, sources),
            ],
            check=True,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            timeout=300,
        )


def build(out: Path) -> list[Path]:
    """Write every fixture into ``out``; the paths written."""
    if shutil.which("soffice") is None:
        raise SystemExit("LibreOffice (soffice) is needed: apt-get install libreoffice-writer-nogui")
    out.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory() as work:
        src = Path(work)
        (src / "gongwen.docx").write_bytes(gongwen_docx())
        (src / "liebiao.docx").write_bytes(numbered_docx())
        (src / "biaoti.docx").write_bytes(heading_numbered_docx())
        (src / "jiuye.xlsx").write_bytes(workbook_xlsx())
        (src / "jiedu.fodp").write_bytes(presentation_fodp())
        soffice_convert([src / "gongwen.docx", src / "liebiao.docx", src / "biaoti.docx"], "doc:MS Word 97", out)
        shutil.copy(src / "biaoti.docx", out / "biaoti.docx")
        soffice_convert([src / "gongwen.docx"], "rtf", out)
        soffice_convert([src / "gongwen.docx", src / "liebiao.docx", src / "biaoti.docx"], "odt", out)
        soffice_convert([src / "gongwen.docx"], "epub", out)
        soffice_convert([src / "jiuye.xlsx"], "xls:MS Excel 97", out)
        soffice_convert([src / "jiuye.xlsx"], "ods", out)
        soffice_convert([src / "jiedu.fodp"], "ppt:MS PowerPoint 97", out)
        soffice_convert([src / "jiedu.fodp"], "pptx:Impress MS PowerPoint 2007 XML", out)
        soffice_convert([src / "jiedu.fodp"], "odp", out)
        shutil.copy(src / "gongwen.docx", out / "gongwen.docx")
        shutil.copy(src / "jiuye.xlsx", out / "jiuye.xlsx")
    shutil.copy(out / "gongwen.doc", out / "gongwen.wps")
    shutil.copy(out / "jiuye.xls", out / "jiuye.et")
    return sorted(p for p in out.iterdir() if p.is_file() and p.suffix != ".md")


if __name__ == "__main__":
    target = (
        Path(sys.argv[1]) if len(sys.argv) > 1 else Path(__file__).resolve().parent.parent / "tests/fixtures/office"
    )
    for path in build(target):
        print(f"{path.stat().st_size:8d}  {path}")
