"""The folder bench/formats.py measures: every format an office keeps, built from real report text, plus
broken kinds, each file with the text put in it (the reference) or the reason it must be skipped.

Texts are excerpts of bench/data/government_report_rag (a fixed text where it is missing). python-docx,
openpyxl and reportlab write the sources; LibreOffice converts them (one batch a target format) to
.doc/.rtf/.odt/.epub, .xls/.ods and .ppt/.pptx/.odp; Kingsoft's names (.wps/.dot, .et, .dps) are copies
of the formats they are underneath. OFD, .eml, .mhtml and .zip are written here; a scanned PDF is a text
PDF's page rendered at 200 dpi and put back as an image.
"""

from __future__ import annotations

import email.message
import io
import shutil
import sys
import zipfile
from pathlib import Path

BENCH = Path(__file__).resolve().parent
ROOT = BENCH.parent
sys.path.insert(0, str(ROOT))

from scripts.make_office_fixtures import soffice_convert

REPORTS = BENCH / "data" / "government_report_rag"
FIXTURES = ROOT / "tests" / "fixtures" / "office"
FALLBACK = (
    "关于做好2024年高校毕业生就业工作的通知\n为深入贯彻落实党中央、国务院关于稳就业的决策部署，现就做好高校毕业生"
    "就业工作通知如下。\n鼓励中小微企业吸纳高校毕业生就业，按规定给予社会保险补贴。"
)


def excerpts(count: int, reports: Path, length: int = 900) -> list[str]:
    """``count`` different excerpts of the government reports (a few paragraphs each, as written)."""
    texts = [p.read_text("utf-8") for p in sorted(reports.glob("*.txt"))] if reports.is_dir() else []
    if not texts:
        return [f"第{i}号。{FALLBACK}" for i in range(count)]
    found = []
    for i in range(count):
        text = texts[i % len(texts)]
        paragraphs = [p.strip() for p in text.split("\n") if len(p.strip()) > 20]
        start = (i // len(texts) * 7) % max(1, len(paragraphs) - 5)
        chosen, size = [], 0
        for paragraph in paragraphs[start:]:
            chosen.append(paragraph)
            size += len(paragraph)
            if size >= length:
                break
        found.append("\n".join(chosen))
    return found


def build(out: Path, per_format: int, reports: Path = REPORTS) -> dict[str, tuple[str, str | None, str | None]]:
    """Write the corpus; relative path -> (format label, reference text or None, expected skip reason or None)."""
    import openpyxl

    shutil.rmtree(out, ignore_errors=True)
    out.mkdir(parents=True)
    stage = out.parent / (out.name + "-stage")
    shutil.rmtree(stage, ignore_errors=True)
    stage.mkdir()
    texts = iter(excerpts(per_format * 30, reports))
    manifest: dict[str, tuple[str, str | None, str | None]] = {}

    def put(name: str, data: bytes | str, label: str, reference: str | None, reason: str | None = None) -> None:
        path = out / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data.encode("utf-8") if isinstance(data, str) else data)
        manifest[name] = (label, reference, reason)

    def html(text: str, charset: str = "utf-8") -> str:
        body = "".join(f"<p>{line}</p>" for line in text.split("\n"))
        return f'<!DOCTYPE html><html><head><meta charset="{charset}"><title>{text[:10]}</title></head><body>{body}</body></html>'

    for n in range(per_format):
        text = next(texts)
        put(f"txt/r{n}.txt", text.encode("gb18030" if n % 2 else "utf-8"), "txt", text)
        put(f"md/r{n}.md", "# " + text.replace("\n", "\n\n"), "md", text)
        for suffix in (".html", ".shtml", ".xhtml"):
            text = next(texts)
            put(f"{suffix[1:]}/r{n}{suffix}", html(text), suffix[1:], text)
        text = next(texts)
        put(f"mhtml/r{n}.mhtml", _mhtml(html(text, "gb2312"), text), "mhtml", text)
        text = next(texts)
        put(f"pdf/r{n}.pdf", _pdf(text), "pdf", text)
        text = next(texts)
        put(f"ofd/r{n}.ofd", _ofd(text), "ofd", text)
        text, attached = next(texts), next(texts)
        put(f"eml/r{n}.eml", _eml(text, _docx(attached)), "eml", text + "\n" + attached)
        text, member = next(texts), next(texts)
        put(
            f"zip/r{n}.zip",
            _zip({"正文.txt": text.encode("gbk"), "附件/说明.docx": _docx(member)}),
            "zip",
            text + "\n" + member,
        )
        text = next(texts)
        (stage / f"w{n}.docx").write_bytes(_docx(text))
        put(f"docx/r{n}.docx", _docx(text), "docx", text)
        manifest[f"@w{n}"] = ("", text, None)
        text = next(texts)
        book = openpyxl.Workbook()
        for r, line in enumerate(text.split("\n"), start=1):
            book.active.cell(r, 1, line)
        buffer = io.BytesIO()
        book.save(buffer)
        (stage / f"s{n}.xlsx").write_bytes(buffer.getvalue())
        put(f"xlsx/r{n}.xlsx", buffer.getvalue(), "xlsx", text)
        manifest[f"@s{n}"] = ("", text, None)
        text = next(texts)
        (stage / f"p{n}.fodp").write_bytes(_fodp(text))
        manifest[f"@p{n}"] = ("", text, None)
    _convert_all(stage, out, manifest, per_format)
    if per_format:
        text = next(texts)
        put("pdf-scanned/scan0.pdf", _scanned_pdf(text), "pdf (scanned)", text)
    _broken(out, put)
    shutil.rmtree(stage, ignore_errors=True)
    return {k: v for k, v in manifest.items() if not k.startswith("@")}


def _convert_all(stage: Path, out: Path, manifest, per_format: int) -> None:
    """LibreOffice, one batch a target: .doc/.rtf/.odt/.epub, .xls/.ods, .ppt/.pptx/.odp; Kingsoft names copied."""
    words = sorted(stage.glob("w*.docx"))
    sheets = sorted(stage.glob("s*.xlsx"))
    slides = sorted(stage.glob("p*.fodp"))
    plan = [
        (words, "doc:MS Word 97", "doc"),
        (words, "rtf", "rtf"),
        (words, "odt", "odt"),
        (words, "epub", "epub"),
        (sheets, "xls:MS Excel 97", "xls"),
        (sheets, "ods", "ods"),
        (slides, "ppt:MS PowerPoint 97", "ppt"),
        (slides, "pptx:Impress MS PowerPoint 2007 XML", "pptx"),
        (slides, "odp", "odp"),
    ]
    copies = {"doc": ("dot", "wps"), "xls": ("et",), "ppt": ("dps",)}
    for sources, target, suffix in plan:
        folder = stage / suffix
        soffice_convert(sources, target, folder)
        for produced in sorted(folder.glob(f"*.{suffix}")):
            reference = manifest[f"@{produced.stem}"][1]
            for label in (suffix, *copies.get(suffix, ())):
                name = f"{label}/r{produced.stem[1:]}.{label}"
                (out / label).mkdir(exist_ok=True)
                shutil.copy(produced, out / name)
                manifest[name] = (label, reference, None)


def _broken(out: Path, put) -> None:
    """Files that must be skipped, each with the word its reason must contain."""
    for name, label in (
        ("testWORD_protected_passtika.doc", "doc"),
        ("testWORD_protected_passtika.docx", "docx"),
        ("testEXCEL_protected_passtika.xls", "xls"),
        ("testPPT_protected_passtika.ppt", "ppt"),
    ):
        if (FIXTURES / name).exists():
            put(f"broken/encrypted.{label}", (FIXTURES / name).read_bytes(), label, None, "encrypted")
    put("broken/truncated.doc", (FIXTURES / "gongwen.doc").read_bytes()[:4096], "doc", None, "damaged")
    put("broken/truncated.docx", _docx(FALLBACK)[:3000], "docx", None, "damaged")
    put("broken/empty.xlsx", b"", "xlsx", None, "empty")
    put("broken/truncated.pdf", _pdf(FALLBACK)[:1500], "pdf", None, "truncated")
    bomb = io.BytesIO()
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", b"<w:document>" + b" " * 50_000_000 + b"</w:document>")
    put("broken/bomb.docx", bomb.getvalue(), "docx", None, "(limit SEARCH_LIMIT_")  # search.extract.limits
    put("broken/drawing.vsdx", b"PK\x03\x04 not read", "(unsupported)", None, "unsupported")
    put("broken/notes", "无扩展名的文件", "(unsupported)", None, "unsupported")


def _docx(text: str) -> bytes:
    import docx

    document = docx.Document()
    for line in text.split("\n"):
        document.add_paragraph(line)
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def _fodp(text: str) -> bytes:
    from xml.sax.saxutils import escape

    lines = text.split("\n")
    pages = "".join(
        f'<draw:page draw:name="p{i}"><draw:frame svg:x="1cm" svg:y="1cm" svg:width="25cm" svg:height="15cm">'
        f"<draw:text-box><text:p>{escape(line)}</text:p></draw:text-box></draw:frame></draw:page>"
        for i, line in enumerate(lines)
    )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><office:document '
        'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" '
        'xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" '
        'xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" '
        'xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" office:version="1.2" '
        'office:mimetype="application/vnd.oasis.opendocument.presentation">'
        f"<office:body><office:presentation>{pages}</office:presentation></office:body></office:document>"
    ).encode()


def _pdf(text: str) -> bytes:
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfbase.cidfonts import UnicodeCIDFont
    from reportlab.pdfgen import canvas

    pdfmetrics.registerFont(UnicodeCIDFont("STSong-Light"))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    y = 800
    for paragraph in text.split("\n"):
        for start in range(0, len(paragraph), 38):
            if y < 60:
                pdf.showPage()
                y = 800
            pdf.setFont("STSong-Light", 13)
            pdf.drawString(50, y, paragraph[start : start + 38])
            y -= 20
    pdf.save()
    return buffer.getvalue()


def _scanned_pdf(text: str) -> bytes:
    """The text PDF's pages rendered at 200 dpi, each put back as an image: a scan with no text layer."""
    import pypdfium2
    from reportlab.lib.utils import ImageReader
    from reportlab.pdfgen import canvas

    rendered = pypdfium2.PdfDocument(_pdf(text))
    buffer = io.BytesIO()
    pdf = canvas.Canvas(buffer)
    for page in rendered:
        image = page.render(scale=200 / 72).to_pil().convert("L")
        pdf.drawImage(ImageReader(image), 0, 0, width=595.27, height=841.89)
        pdf.showPage()
    pdf.save()
    return buffer.getvalue()


def _ofd(text: str) -> bytes:
    """A one-page OFD (GB/T 33190): OFD.xml -> Doc_0/Document.xml -> the page's TextObject/TextCode lines."""
    from xml.sax.saxutils import escape

    ns = 'xmlns:ofd="http://www.ofdspec.org/2016"'
    objects = "".join(
        f'<ofd:TextObject ID="{i + 10}" Boundary="20 {20 + 8 * i} 170 8" Font="1" Size="4">'
        f'<ofd:TextCode X="0" Y="6">{escape(line)}</ofd:TextCode></ofd:TextObject>'
        for i, line in enumerate(text.split("\n"))
    )
    parts = {
        "OFD.xml": f'<ofd:OFD {ns} Version="1.0" DocType="OFD"><ofd:DocBody><ofd:DocInfo><ofd:Title>{escape(text[:12])}'
        "</ofd:Title><ofd:CreationDate>2024-03-15</ofd:CreationDate></ofd:DocInfo>"
        "<ofd:DocRoot>Doc_0/Document.xml</ofd:DocRoot></ofd:DocBody></ofd:OFD>",
        "Doc_0/Document.xml": f"<ofd:Document {ns}><ofd:CommonData><ofd:MaxUnitID>99</ofd:MaxUnitID></ofd:CommonData>"
        '<ofd:Pages><ofd:Page ID="1" BaseLoc="Pages/Page_0/Content.xml"/></ofd:Pages></ofd:Document>',
        "Doc_0/Pages/Page_0/Content.xml": f'<ofd:Page {ns}><ofd:Content><ofd:Layer ID="2">{objects}</ofd:Layer>'
        "</ofd:Content></ofd:Page>",
    }
    return _zip({name: body.encode("utf-8") for name, body in parts.items()})


def _eml(text: str, attachment: bytes) -> bytes:
    message = email.message.EmailMessage()
    message["Subject"] = "关于报送就业数据的通知"
    message["From"] = "办公室 <office@example.gov.cn>"
    message["Date"] = "Fri, 15 Mar 2024 09:30:00 +0800"
    message.set_content(text, charset="gb18030")
    message.add_attachment(attachment, maintype="application", subtype="octet-stream", filename="附件.docx")
    return message.as_bytes()


def _mhtml(page: str, text: str) -> bytes:
    from email.mime.multipart import MIMEMultipart
    from email.mime.text import MIMEText

    message = MIMEMultipart("related")
    part = MIMEText(page.replace('charset="utf-8"', 'charset="gb2312"'), "html", "gb18030")
    part["Content-Location"] = "http://www.gov.cn/zhengce/content.htm"
    message.attach(part)
    return message.as_bytes()


def _zip(members: dict[str, bytes]) -> bytes:
    """A zip whose member names are written in GBK without the UTF-8 flag, as Windows zip tools do."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            info = zipfile.ZipInfo(name.encode("gbk").decode("cp437"))
            info.compress_type = zipfile.ZIP_DEFLATED
            archive.writestr(info, data)
    return buffer.getvalue()
