"""Outlook .msg, read with our own OLE property reader (search.extract.msg) on Apache POI's test files.

Each test pins what a real file gives: subject, body, date, sender and attachments; the .msg
variants (Unicode, 8-bit in a named or unnamed code page, HTML-only, RTF-only, an attached message).
"""

from __future__ import annotations

import io
import struct
from pathlib import Path

import olefile
import pytest

from search.extract import ExtractOptions, extract, msg
from search.extract.members import member_bytes

MAIL = Path(__file__).resolve().parents[1] / "fixtures" / "mail"


def read(name: str, options: ExtractOptions | None = None):
    return extract("a.msg", (MAIL / name).read_bytes(), options)


def without_streams(name: str, prefixes: tuple[str, ...]) -> bytes:
    """The fixture with the named top-level property streams blanked (NULs, same size): a real file
    that lacks those bodies."""
    buffer = io.BytesIO((MAIL / name).read_bytes())
    ole = olefile.OleFileIO(buffer, write_mode=True)
    for entry in ole.listdir():
        if len(entry) == 1 and entry[0].startswith(prefixes):
            ole.write_stream(entry[0], b"\x00" * ole.get_size(entry[0]))
    ole.close()
    return buffer.getvalue()


def test_unicode_msg_gives_subject_body_date_sender_and_attachments():
    mail = read("attachment_test_msg.msg")
    assert (mail.title, mail.text, mail.encoding) == ("test pièce jointe 1", "contenu", "msg")
    assert mail.properties == (
        ("published", "2009-04-22T14:36:33.734375+00:00"),
        ("published_tag", "mail Date"),
        ("from", "Nicolas1 23456"),
        ("from_tag", "mail From"),
        ("to", "'nicolas1.23456@free.fr' <nicolas1.23456@free.fr>"),
        ("to_tag", "mail To"),
    )
    assert [p.name for p in mail.parts] == ["test-unicode.doc", "pj1.txt"]
    assert mail.parts[0].extracted.text.startswith("école (00E9)\n")
    assert mail.parts[1].extracted.text == (
        "école (00E9)\r\n \r\neuro : € (20AC)\r\nchinois : 줥 (C925)\r\ncopyright : © (00A9)\r\n \r\n\r\n\r\n"
    )


def test_attachment_bytes_are_found_again_for_a_download():
    data = (MAIL / "attachment_test_msg.msg").read_bytes()
    assert member_bytes("m.msg", data, "pj1.txt").startswith("école (00E9)\r\n".encode())
    assert member_bytes("m.msg", data, "nothing.txt") is None


def test_big5_msg_that_names_no_code_page_is_read_as_its_bytes_read():
    mail = read("chinese-traditional.msg")
    assert mail.title == "Alfresco MSG format testing ( MSG 格式測試 )"
    assert mail.text.startswith(
        "Alfresco MSG format testing ( MSG 格式測試 ) 中文測試\r\nSearch word testing by Lydia\r\n"
    )
    assert "恭喜 HQ 保全課 陳奎良 高票當選雲林縣總工會 100 年度模範勞工代表" in mail.text
    assert dict(mail.properties)["from"] == "Tests Chang@FT (張毓倫)"
    assert dict(mail.properties)["to"] == "Tests Chang@FT (張毓倫) <tests.chang@fengttt.com>"  # its recipient table
    assert dict(mail.properties)["published"] == "2011-03-29T08:52:48.725260+00:00"


def test_8bit_msg_is_read_in_its_locales_code_page():
    # No PR_MESSAGE_CODEPAGE; locale 1049 (Russian) means cp1251, not cp1252's "àâòîìàòè÷åñêè".
    mail = read("ASCII_CP1251_LCID1049.msg")
    assert (mail.title, mail.text) == ("Subject автоматически Subject", "Body автоматически Body")


def test_binary_html_body_is_read_in_the_internet_code_page_and_strings_in_the_locales():
    # PR_INTERNET_CPID 1251 is the HTML's (its <meta> says utf-8, wrongly); locale 1031 makes the
    # subject cp1252 (POI's Test7BitCodepage expects the same).
    mail = read("HTMLBodyBinary_CP1251.msg")
    assert (mail.title, mail.text, mail.encoding) == ("Subject öäü Subject", "HTML автоматически", "msg:html")


def test_msg_with_only_a_compressed_rtf_body_is_read_from_the_rtf():
    data = without_streams("chinese-traditional.msg", ("__substg1.0_1000", "__substg1.0_1013"))
    mail = extract("a.msg", data)
    assert mail.encoding == "msg:rtf"
    assert mail.text.startswith(
        "Alfresco MSG format testing ( MSG 格式測試 ) 中文測試\nSearch word testing by Lydia\n"
        "---------------------------------------------------------------------------------------\n"
        "恭喜 HQ 保全課 陳奎良 高票當選雲林縣總工會 100 年度模範勞工代表"
    )


def test_rtf_html_encapsulated_body_gives_its_text():
    mail = extract("a.msg", without_streams("attachment_test_msg.msg", ("__substg1.0_1000",)))
    assert (mail.text, mail.encoding) == ("contenu", "msg:rtf")


def test_compressed_rtf_decompresses_to_the_rtf():
    ole = olefile.OleFileIO((MAIL / "attachment_test_msg.msg").read_bytes())
    rtf = msg.decompress_rtf(ole.openstream("__substg1.0_10090102").read())
    assert rtf.startswith(b"{\\rtf1\\ansi\\ansicpg1252\\fromhtml1 \\deff0{\\fonttbl\r\n{\\f0\\fswiss Arial;}")
    assert rtf.rstrip(b"\x00\r\n").endswith(b"}")


def test_uncompressed_rtf_kind_is_returned_as_is():
    body = b"{\\rtf1 plain}"
    header = struct.pack("<II4sI", len(body) + 12, len(body), b"MELA", 0)
    assert msg.decompress_rtf(header + body) == body


def test_attached_message_is_a_part_read_as_a_message():
    mail = read("58214_with_attachment.msg")
    assert mail.title == "Master mail"
    assert mail.text.startswith("Vestibulum orci purus, malesuada vitae interdum eu, viverra placerat urna.")
    assert dict(mail.properties)["from"] == '"Bertrand Beyssac" <bertrand.beyssac@c6.eu>'
    assert dict(mail.properties)["published"] == "2015-08-05T12:02:22+00:00"
    assert [p.name for p in mail.parts] == ["Test mail attachment.msg"]
    inner = mail.parts[0].extracted
    assert inner.title == "Test mail attachment"
    assert inner.text.startswith("Lorem ipsum dolor sit amet, consectetur adipiscing elit. Nunc et ornare tortor.")
    assert dict(inner.properties)["published"] == "2015-08-05T12:01:48+00:00"


def test_attached_message_nested_too_deep_is_skipped_with_the_reason():
    mail = read("58214_with_attachment.msg", ExtractOptions(depth=2))
    assert [(p.name, p.skipped) for p in mail.parts] == [("Test mail attachment.msg", "nested too deep")]


def test_attachment_over_the_size_cap_is_skipped_not_read(monkeypatch):
    monkeypatch.setattr(msg, "MAX_ATTACHMENT_BYTES", 50)
    mail = read("attachment_test_msg.msg")
    assert [(p.name, p.skipped) for p in mail.parts] == [("test-unicode.doc", "over 50 MB"), ("pj1.txt", "over 50 MB")]


def test_a_file_that_is_no_ole_file_is_named_unreadable():
    with pytest.raises(ValueError, match="no OLE header") as raised:
        extract("a.msg", b"From: x\r\n\r\nnot an Outlook file")
    assert str(raised.value) == "not an Outlook .msg file (no OLE header)"
