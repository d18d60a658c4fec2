"""Builders for container fixtures: zips with GBK member names, .eml bytes in Chinese encodings,
OFD packages, MHTML files. Each writes the bytes the way the tools that make such files do."""

from __future__ import annotations

import base64
import io
import zipfile

import docx


class GbkNamedInfo(zipfile.ZipInfo):
    """A zip entry named in GBK without the UTF-8 flag, as Windows' own zip and WinRAR write them."""

    def _encodeFilenameFlags(self):  # zipfile's hook for the name bytes and flags
        return self.filename.encode("gb18030"), self.flag_bits & ~0x800


def make_zip(members: dict[str, bytes], gbk_names: bool = True, compression: int = zipfile.ZIP_DEFLATED) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression) as archive:
        for name, content in members.items():
            info = GbkNamedInfo(name) if gbk_names and not name.isascii() else zipfile.ZipInfo(name)
            info.compress_type = compression
            archive.writestr(info, content)
    return buffer.getvalue()


def make_docx(paragraphs: list[str], title: str | None = None) -> bytes:
    document = docx.Document()
    for paragraph in paragraphs:
        document.add_paragraph(paragraph)
    if title:
        document.core_properties.title = title
    buffer = io.BytesIO()
    document.save(buffer)
    return buffer.getvalue()


def encoded_word(text: str, charset: str, codec: str | None = None) -> str:
    """An RFC 2047 B-encoded word: ``text`` written in ``codec`` and labelled ``charset``."""
    return f"=?{charset}?B?{base64.b64encode(text.encode(codec or charset)).decode('ascii')}?="


def make_eml(
    subject_header: str,
    body: bytes,
    body_type: str = 'text/plain; charset="gb2312"',
    attachments: list[tuple[str, str, bytes]] = (),
    inline_image: bool = False,
    date: str = "Tue, 05 Mar 2024 09:30:00 +0800",
    sender: str | None = None,
    boundary: str = "----=_Part_0_12345",
) -> bytes:
    """An .eml message as Chinese mail clients write it: ``attachments`` are (Content-Type,
    filename header value, bytes); ``inline_image`` adds a cid: picture in a multipart/related."""
    sender = sender or f"{encoded_word('办公室', 'gb2312', 'gb18030')} <office@example.gov.cn>"
    lines = [
        f"From: {sender}",
        "To: staff@example.gov.cn",
        f"Subject: {subject_header}",
        f"Date: {date}",
        "MIME-Version: 1.0",
        f'Content-Type: multipart/mixed; boundary="{boundary}"',
        "",
        f"--{boundary}",
        f"Content-Type: {body_type}",
        "Content-Transfer-Encoding: base64",
        "",
        base64.encodebytes(body).decode("ascii"),
    ]
    if inline_image:
        lines += [
            f"--{boundary}",
            "Content-Type: image/png",
            "Content-Disposition: inline",
            "Content-ID: <logo@example>",
            "Content-Transfer-Encoding: base64",
            "",
            base64.encodebytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 32).decode("ascii"),
        ]
    for content_type, filename, content in attachments:
        lines += [
            f"--{boundary}",
            f'Content-Type: {content_type}; name="{filename}"',
            f'Content-Disposition: attachment; filename="{filename}"',
            "Content-Transfer-Encoding: base64",
            "",
            base64.encodebytes(content).decode("ascii"),
        ]
    lines += [f"--{boundary}--", ""]
    return "\r\n".join(lines).encode("ascii")


OFD_NS = 'xmlns:ofd="http://www.ofdspec.org/2016"'


def make_ofd(
    pages: list[str],
    info: str = "",
    templates: dict[str, str] | None = None,
    page_templates: dict[int, str] | None = None,
    prefix: str = "ofd:",
    attachments: dict[str, bytes] | None = None,
) -> bytes:
    """An OFD package: ``pages`` are each page's <Content> inner XML (TextObjects), ``info`` the
    DocInfo's inner XML, ``templates`` ID -> a template page's content XML."""
    p = prefix
    ns = OFD_NS if p else 'xmlns="http://www.ofdspec.org/2016"'
    templates = templates or {}
    page_templates = page_templates or {}
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(
            "OFD.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><{p}OFD {ns} Version="1.1" DocType="OFD">'
            f"<{p}DocBody><{p}DocInfo>{info}</{p}DocInfo><{p}DocRoot>Doc_0/Document.xml</{p}DocRoot>"
            f"</{p}DocBody></{p}OFD>",
        )
        template_refs = "".join(
            f'<{p}TemplatePage ID="{tid}" BaseLoc="Tpls/Tpl_{tid}/Content.xml"/>' for tid in templates
        )
        page_refs = "".join(f'<{p}Page ID="{n + 10}" BaseLoc="Pages/Page_{n}/Content.xml"/>' for n in range(len(pages)))
        attached = f"<{p}Attachments>Attachs/Attachments.xml</{p}Attachments>" if attachments else ""
        archive.writestr(
            "Doc_0/Document.xml",
            f'<?xml version="1.0" encoding="UTF-8"?><{p}Document {ns}>'
            f"<{p}CommonData><{p}PageArea><{p}PhysicalBox>0 0 210 297</{p}PhysicalBox></{p}PageArea>"
            f"{template_refs}</{p}CommonData><{p}Pages>{page_refs}</{p}Pages>{attached}</{p}Document>",
        )
        listed = ""
        for n, (name, content) in enumerate((attachments or {}).items()):
            stem, _, suffix = name.rpartition(".")
            archive.writestr(f"Doc_0/Attachs/file_{n}.{suffix}", content)
            listed += (
                f'<{p}Attachment ID="{n + 100}" Name="{stem}" Format="{suffix}">'
                f"<{p}FileLoc>file_{n}.{suffix}</{p}FileLoc></{p}Attachment>"
            )
        if attachments:
            archive.writestr("Doc_0/Attachs/Attachments.xml", f"<{p}Attachments {ns}>{listed}</{p}Attachments>")
        for tid, content in templates.items():
            archive.writestr(
                f"Doc_0/Tpls/Tpl_{tid}/Content.xml",
                f'<{p}Page {ns}><{p}Content><{p}Layer ID="1">{content}</{p}Layer></{p}Content></{p}Page>',
            )
        for n, content in enumerate(pages):
            used = f'<{p}Template TemplateID="{page_templates[n]}" ZOrder="Background"/>' if n in page_templates else ""
            archive.writestr(
                f"Doc_0/Pages/Page_{n}/Content.xml",
                f'<{p}Page {ns}>{used}<{p}Content><{p}Layer ID="2">{content}</{p}Layer></{p}Content></{p}Page>',
            )
    return buffer.getvalue()


def text_object(x: float, y: float, text: str, size: float = 5.0, prefix: str = "ofd:") -> str:
    """A TextObject at (x, y) mm whose one TextCode is ``text`` (glyphs ``size`` apart)."""
    p = prefix
    deltas = " ".join([str(size)] * (len(text) - 1))
    return (
        f'<{p}TextObject ID="1" Boundary="{x} {y} {size * len(text)} {size * 1.2}" Font="1" Size="{size}">'
        f'<{p}TextCode X="0" Y="{size}" DeltaX="{deltas}">{text}</{p}TextCode></{p}TextObject>'
    )


def make_mhtml(
    html: str,
    charset: str = "gb2312",
    codec: str = "gb18030",
    location: str = "https://www.gov.cn/zhengce/content/2024-01/10/content_1.htm",
) -> bytes:
    """A page saved by a browser as MHTML: the page base64 in ``codec`` under a ``charset`` label, and a picture."""
    boundary = "----MultipartBoundary--abc"
    return "\r\n".join(
        [
            "From: <Saved by Blink>",
            f"Snapshot-Content-Location: {location}",
            "Subject: saved page",
            "MIME-Version: 1.0",
            f'Content-Type: multipart/related; type="text/html"; boundary="{boundary}"',
            "",
            f"--{boundary}",
            f"Content-Type: text/html; charset={charset}",
            "Content-Transfer-Encoding: base64",
            f"Content-Location: {location}",
            "",
            base64.encodebytes(html.encode(codec)).decode("ascii"),
            f"--{boundary}",
            "Content-Type: image/png",
            "Content-Transfer-Encoding: base64",
            "Content-Location: https://www.gov.cn/images/logo.png",
            "",
            base64.encodebytes(b"\x89PNG\r\n\x1a\n").decode("ascii"),
            f"--{boundary}--",
            "",
        ]
    ).encode("ascii")
