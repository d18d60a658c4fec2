"""Makers of the probe's hostile files (shared by the tests and ``bench/hostile.py``): each writes
one file and returns its path.  Built here, never committed: a few hundred KB on disk, hundreds of
MB once inflated."""

from __future__ import annotations

import io
import zipfile
import zlib
from pathlib import Path

MB = 1024 * 1024
_CONTENT_TYPES = (
    '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="xml" ContentType="application/xml"/><Override PartName="/word/document.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>'
)

_RELS = (
    '<?xml version="1.0"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="word/document.xml"/></Relationships>'
)


def docx_of_much_xml(path: Path, mb: int = 300, phrase: str = "就业") -> Path:
    """A .docx whose document.xml is ``mb`` MB of one-phrase paragraphs (300 MB: a 916 KB file)."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _RELS)
        with archive.open("word/document.xml", "w") as handle:
            handle.write(
                b'<?xml version="1.0"?><w:document xmlns:w="http://schemas.openxmlformats.org/'
                b'wordprocessingml/2006/main"><w:body>'
            )
            paragraphs = f"<w:p><w:r><w:t>{phrase}</w:t></w:r></w:p>".encode() * 1000
            for _ in range(mb * MB // len(paragraphs)):
                handle.write(paragraphs)
            handle.write(b"</w:body></w:document>")
    return path


def zip_lying_about_sizes(path: Path, mb: int = 300) -> Path:
    """A .docx whose central directory says its XML is 1 KB while it inflates to ``mb`` MB."""
    docx_of_much_xml(path, mb)
    data = bytearray(path.read_bytes())
    central = data.rfind(b"PK\x01\x02")
    while central >= 0:
        name_length = int.from_bytes(data[central + 28 : central + 30], "little")
        if data[central + 46 : central + 46 + name_length] == b"word/document.xml":
            data[central + 24 : central + 28] = (1024).to_bytes(4, "little")  # uncompressed size
            offset = int.from_bytes(data[central + 42 : central + 46], "little")
            data[offset + 22 : offset + 26] = (1024).to_bytes(4, "little")  # and in the local header
        central = data.rfind(b"PK\x01\x02", 0, central)
    path.write_bytes(bytes(data))
    return path


def zip_of_many_members(path: Path, members: int = 30_000) -> Path:
    """A .zip of ``members`` empty files."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_STORED) as archive:
        for number in range(members):
            archive.writestr(f"m{number}.txt", b"")
    return path


def pdf_of_a_large_stream(path: Path, mb: int = 100) -> Path:
    """A one-page PDF whose content stream inflates to ``mb`` MB of text operators."""
    line = b"BT /F1 12 Tf 72 712 Td (jiuye) Tj ET\n"
    stream = zlib.compress(line * (mb * MB // len(line)), 9)
    objects = [
        b"<< /Type /Catalog /Pages 2 0 R >>",
        b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
        b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R "
        b"/Resources << /Font << /F1 5 0 R >> >> >>",
        b"<< /Length %d /Filter /FlateDecode >>\nstream\n" % len(stream) + stream + b"\nendstream",
        b"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
    ]
    out = io.BytesIO()
    out.write(b"%PDF-1.4\n")
    offsets = []
    for number, body in enumerate(objects, 1):
        offsets.append(out.tell())
        out.write(b"%d 0 obj\n" % number + body + b"\nendobj\n")
    xref = out.tell()
    out.write(b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1))
    for offset in offsets:
        out.write(b"%010d 00000 n \n" % offset)
    out.write(b"trailer << /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n" % (len(objects) + 1, xref))
    path.write_bytes(out.getvalue())
    return path


def text_of_many_lines(path: Path, lines: int = 600_000, phrase: str = "就业") -> Path:
    """A .txt of ``lines`` one-phrase lines."""
    path.write_text(f"{phrase}\n" * lines, encoding="utf-8")
    return path


def html_of_many_tags(path: Path, tags: int = 100_001) -> Path:
    """An .html page of ``tags`` sibling <b> elements (a 1.3 MB page past SEARCH_LIMIT_HTML_TAGS)."""
    path.write_text("<html><body>" + "<b>就业</b>" * tags + "</body></html>", encoding="utf-8")
    return path


def deeply_nested_html(path: Path, depth: int = 100_000) -> Path:
    """An .html page of ``depth`` nested <div>s around one phrase."""
    path.write_text("<html><body>" + "<div>" * depth + "就业" + "</div>" * depth + "</body></html>", encoding="utf-8")
    return path
