"""Outlook .msg -> the message as a document, each attachment a document of its own (as an .eml is).

A .msg is an OLE compound file (read with olefile). Each property of the message is a stream
``__substg1.0_TTTTYYYY`` (TTTT the property tag, YYYY its type: 001F UTF-16LE, 001E 8-bit in the
message's code page, 0102 binary) or, if fixed-size (dates, flags, code pages), a 16-byte entry of
the ``__properties_version1.0`` stream. Attachments are the storages ``__attach_version1.0_#N``;
an attached message is a storage in them, read here as a message of its own (MS-OXMSG).

Old (non-Unicode) files often name no code page, or a wrong one (Big5 mail saying nothing): their
strings are read in the declared one if it is a multi-byte code page that decodes them, else as
:func:`decode_text` reads them (GB18030, Big5, …), else in the declared single-byte one.
"""

from __future__ import annotations

import codecs
import email
import mimetypes
import struct
from collections.abc import Iterator
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from email import policy
from typing import TYPE_CHECKING

from search.extract.decoding import decode_or_none, decode_text
from search.extract.extracted import Extracted, ExtractOptions, Part, Unreadable
from search.extract.members import MAX_MEMBER_BYTES, check_depth, read_member
from search.extract.msg_rtf import decompress_rtf

if TYPE_CHECKING:
    import olefile

SUBJECT, BODY, HTML_BODY, RTF_BODY = 0x0037, 0x1000, 0x1013, 0x1009
SENDER_NAME, SENT_REPRESENTING_NAME = 0x0C1A, 0x0042
SENDER_ADDRESS, SENDER_SMTP_ADDRESS = 0x0C1F, 0x5D01
DISPLAY_TO = 0x0E04
CLIENT_SUBMIT_TIME, MESSAGE_DELIVERY_TIME = 0x0039, 0x0E06
MESSAGE_CODEPAGE, MESSAGE_LOCALE_ID, INTERNET_CPID = 0x3FFD, 0x3FF1, 0x3FDE
TRANSPORT_MESSAGE_HEADERS = 0x007D
RECIPIENT_TYPE, EMAIL_ADDRESS, SMTP_ADDRESS, MAPI_TO = 0x0C15, 0x3003, 0x39FE, 1
ATTACH_DATA, ATTACH_METHOD, ATTACH_LONG_FILENAME, ATTACH_FILENAME = 0x3701, 0x3705, 0x3707, 0x3704
DISPLAY_NAME, ATTACH_MIME_TAG, ATTACH_CONTENT_ID, ATTACHMENT_HIDDEN = 0x3001, 0x370E, 0x3712, 0x7FFE
ATTACH_EMBEDDED_MSG = 5
PT_UNICODE, PT_STRING8, PT_BINARY, PT_OBJECT = 0x001F, 0x001E, 0x0102, 0x000D
# The ``__properties_version1.0`` stream's header before its 16-byte entries (MS-OXMSG 2.4).
HEADER_TOP, HEADER_EMBEDDED, HEADER_ATTACHMENT = 32, 24, 8
# Code pages Python names otherwise, or whose wider codec holds what senders put under them.
_CODEPAGES = {
    65001: "utf-8",
    936: "gb18030",
    20936: "gb18030",
    54936: "gb18030",
    950: "cp950",
    1200: "utf-16-le",
    20127: "ascii",
    28591: "latin-1",
    52936: "hz",
    10008: "gb18030",
    10002: "cp950",
}
_MULTI_BYTE = frozenset(
    [
        "utf-8",
        "gb18030",
        "cp950",
        "big5",
        "big5hkscs",
        "cp932",
        "shift_jis",
        "cp949",
        "euc_kr",
        "euc_jp",
        "hz",
        "utf-16-le",
    ]
)
# A locale's ANSI code page, for files that name only their locale (PR_MESSAGE_LOCALE_ID): by
# primary language, Chinese by the whole LCID (Taiwan, Hong Kong and Macau write Big5).
_LCID_CODEPAGES = {0x0404: 950, 0x0C04: 950, 0x1404: 950, 0x0804: 936, 0x1004: 936}
_LANGUAGE_CODEPAGES = {
    0x11: 932,
    0x12: 949,
    0x1E: 874,
    0x2A: 1258,
    0x08: 1253,
    0x1F: 1254,
    0x0D: 1255,
    0x01: 1256,
    **dict.fromkeys([0x19, 0x22, 0x23, 0x02, 0x2F, 0x44, 0x3F], 1251),
    **dict.fromkeys([0x05, 0x0E, 0x15, 0x18, 0x1B, 0x24, 0x1A, 0x1C], 1250),
    **dict.fromkeys([0x25, 0x26, 0x27], 1257),
}
# An attachment's bytes at most, as for a zip's member.
MAX_ATTACHMENT_BYTES = MAX_MEMBER_BYTES
_FILETIME_EPOCH = datetime(1601, 1, 1, tzinfo=UTC)


@dataclass(frozen=True)
class _Node:
    """One message (the file, or an attached message inside it): an olefile and a storage path."""

    ole: olefile.OleFileIO
    path: tuple[str, ...]
    header: int

    def stream(self, name: str, limit: int = MAX_MEMBER_BYTES) -> bytes | None:
        entry = [*self.path, name]
        if self.ole.exists("/".join(entry)) and self.ole.get_type(entry) == 2:  # olefile.STGTY_STREAM
            if self.ole.get_size(entry) > limit:
                raise _TooBig
            return self.ole.openstream(entry).read()
        return None

    def is_storage(self, name: str) -> bool:
        entry = [*self.path, name]
        return self.ole.exists("/".join(entry)) and self.ole.get_type(entry) == 1  # olefile.STGTY_STORAGE

    def children(self, prefix: str) -> list[str]:
        depth = len(self.path)
        names = {
            entry[depth]
            for entry in self.ole.listdir(streams=True, storages=True)
            if len(entry) > depth and tuple(entry[:depth]) == self.path and entry[depth].startswith(prefix)
        }
        return sorted(names)

    def fixed(self) -> dict[int, bytes]:
        """Property id -> its 8 value bytes, from the ``__properties_version1.0`` entries."""
        raw = self.stream("__properties_version1.0") or b""
        values = {}
        for offset in range(self.header, len(raw) - 15, 16):
            tag, _flags, value = struct.unpack_from("<II8s", raw, offset)
            values[tag >> 16] = value
        return values


class _TooBig(Exception):
    pass


def extract_msg(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An Outlook .msg message: body as text, subject as title, date and sender as properties,
    attachments (attached messages too) as parts."""
    check_depth(options)
    ole = _open(data)
    try:
        return _read_message(_Node(ole, (), HEADER_TOP), options)
    except Unreadable:
        raise
    except _TooBig:
        raise Unreadable("an Outlook .msg property over 50 MB") from None
    except Exception as exc:  # olefile raises many kinds on a damaged directory or FAT
        raise Unreadable("not a readable Outlook .msg file (damaged or truncated?)") from exc
    finally:
        ole.close()


def msg_members(data: bytes) -> Iterator[tuple[str, bytes | None]]:
    """(name, bytes) of each attachment, named as extraction names them; an attached message or a
    linked file has no bytes of its own (None)."""
    ole = _open(data)
    try:
        node = _Node(ole, (), HEADER_TOP)
        strings = _Strings(node)
        found = [(name, content) for name, content, _, _ in _attachments(node, strings)]
    except Exception:  # noqa: BLE001 - a damaged file has no members to download
        found = []
    finally:
        ole.close()
    yield from found


def _open(data: bytes) -> olefile.OleFileIO:
    import olefile

    if not data.startswith(olefile.MAGIC):
        raise Unreadable("not an Outlook .msg file (no OLE header)")
    try:
        return olefile.OleFileIO(data)
    except Exception as exc:
        raise Unreadable("not a readable Outlook .msg file (damaged or truncated?)") from exc


def _read_message(node: _Node, options: ExtractOptions | None) -> Extracted:
    from search.extract.mail import compose_message

    strings = _Strings(node)
    subject = strings.text(SUBJECT)
    text, encoding = strings.text(BODY), "msg"
    if not text.strip():
        text, encoding = _html_or_rtf(node, strings)
    sender, to = _sender_and_to(strings)
    parts = []
    for name, content, inner, skipped in _attachments(node, strings):
        if inner is not None:
            parts.append(_inner_part(name, inner, options))
        elif content is None:
            parts.append(Part(name, skipped=skipped))
        else:
            parts.append(read_member(name, content, options))
    return compose_message(subject, text, encoding, _date(node.fixed()), sender, to, tuple(parts))


def _sender_and_to(strings: _Strings) -> tuple[str, str]:
    """From and To as the mail's own headers wrote them, when it kept them (a received mail);
    else the sender's display name (its SMTP address if it has none) and the To recipients."""
    from search.extract.mail import header_text

    headers = strings.text(TRANSPORT_MESSAGE_HEADERS)
    parsed = email.message_from_string(headers, policy=policy.default) if headers else None
    sender = header_text(parsed, "From") if parsed is not None else ""
    to = header_text(parsed, "To") if parsed is not None else ""
    address = _mail_address(strings.text(SENDER_SMTP_ADDRESS) or strings.text(SENDER_ADDRESS))
    return (
        sender or strings.text(SENDER_NAME) or strings.text(SENT_REPRESENTING_NAME) or address,
        to or _recipients(strings) or strings.text(DISPLAY_TO),
    )


def _mail_address(address: str) -> str:
    """The address if it is a mail address, not an Exchange directory name (/O=…/CN=…)."""
    return address if "@" in address and not address.startswith("/") else ""


def _recipients(strings: _Strings) -> str:
    """The To recipients from the recipient table, ``Name <address>; …`` (as a header lists them)."""
    node = strings.node
    listed = []
    for storage in node.children("__recip_version1.0_#"):
        if not node.is_storage(storage):
            continue
        recipient = _Strings(_Node(node.ole, (*node.path, storage), HEADER_ATTACHMENT), strings.codec)
        fixed = recipient.node.fixed()
        if RECIPIENT_TYPE in fixed and struct.unpack_from("<I", fixed[RECIPIENT_TYPE])[0] & 0xF != MAPI_TO:
            continue  # Cc, Bcc
        name = recipient.text(DISPLAY_NAME)
        address = _mail_address(recipient.text(SMTP_ADDRESS) or recipient.text(EMAIL_ADDRESS))
        listed.append(f"{name} <{address}>" if name and address and address != name else name or address)
    return "; ".join(entry for entry in listed if entry)


def _html_or_rtf(node: _Node, strings: _Strings) -> tuple[str, str]:
    """The body of a mail with no plain-text one: its HTML, else its compressed RTF."""
    from search.extract.mail import html_text

    binary = node.stream(f"__substg1.0_{HTML_BODY:04X}{PT_BINARY:04X}")
    charset = _declared_codec(node.fixed(), INTERNET_CPID) or strings.codec
    html = html_text(binary, charset) if binary else html_text(strings.text(HTML_BODY))
    if html.strip():
        return html, "msg:html"
    compressed = node.stream(f"__substg1.0_{RTF_BODY:04X}{PT_BINARY:04X}")
    if compressed:
        from search.extract.rtf import extract_rtf

        try:
            return extract_rtf(decompress_rtf(compressed)).text, "msg:rtf"
        except Unreadable:
            pass
    return "", "msg"


class _Strings:
    """A message's string properties, the 8-bit ones in the code page they are in."""

    def __init__(self, node: _Node, codec: str | None = None):
        self.node = node
        self.codec = codec or _codec(node)

    def text(self, tag: int) -> str:
        raw = self.node.stream(f"__substg1.0_{tag:04X}{PT_UNICODE:04X}")
        if raw is not None:
            return raw.decode("utf-16-le", "replace").replace("\x00", "").strip()
        raw = self.node.stream(f"__substg1.0_{tag:04X}{PT_STRING8:04X}")
        if raw is None:
            return ""
        return raw.decode(self.codec, "replace").replace("\x00", "").strip()


def _codec(node: _Node) -> str:
    """The code page of the message's 8-bit strings: the declared one (PR_MESSAGE_CODEPAGE, else
    the locale's; PR_INTERNET_CPID is the HTML body's) if multi-byte and it decodes them, else what
    their bytes read as (Big5 under no label or under cp1252), else the declared one."""
    from search.extract.decoding import plausible_chinese

    fixed = node.fixed()
    declared = _declared_codec(fixed, MESSAGE_CODEPAGE)
    if declared is None and MESSAGE_LOCALE_ID in fixed:
        lcid = struct.unpack_from("<I", fixed[MESSAGE_LOCALE_ID])[0] & 0xFFFF
        declared = _python_codec(_LCID_CODEPAGES.get(lcid) or _LANGUAGE_CODEPAGES.get(lcid & 0x3FF, 1252))
    declared = declared or _declared_codec(fixed, INTERNET_CPID)
    raw = b"".join(
        node.stream(f"__substg1.0_{tag:04X}{PT_STRING8:04X}") or b"" for tag in (SUBJECT, BODY, SENDER_NAME)
    ).replace(b"\x00", b"")
    if declared in _MULTI_BYTE and decode_or_none(raw, declared) is not None:
        return declared
    if not raw.isascii():
        try:
            text, found = decode_text(raw)
        except Unreadable:
            return declared or "cp1252"
        # decode_text's last resort (GB18030 that decodes but is no plausible Chinese) does not
        # overrule a declared code page: German "öäü" under cp1252 is not Chinese.
        if declared is None or found != "gb18030" or plausible_chinese(text):
            return {"big5": "cp950", "utf-8-sig": "utf-8"}.get(found, found)
    return declared or "cp1252"


def _declared_codec(fixed: dict[int, bytes], tag: int) -> str | None:
    return _python_codec(struct.unpack_from("<I", fixed[tag])[0]) if tag in fixed else None


def _python_codec(codepage: int) -> str | None:
    name = _CODEPAGES.get(codepage, f"cp{codepage}")
    try:
        return codecs.lookup(name).name
    except LookupError:
        return None


def _date(fixed: dict[int, bytes]) -> str | None:
    """The time it was sent (else delivered), from a FILETIME (100 ns since 1601, UTC)."""
    for tag in (CLIENT_SUBMIT_TIME, MESSAGE_DELIVERY_TIME):
        if tag in fixed:
            ticks = struct.unpack_from("<Q", fixed[tag])[0]
            if 0 < ticks < 0x7FFF_FFFF_FFFF_FFFF:
                try:
                    return (_FILETIME_EPOCH + timedelta(microseconds=(ticks + 5) // 10)).isoformat()
                except OverflowError:
                    return None
    return None


def _attachments(node: _Node, strings: _Strings) -> Iterator[tuple[str, bytes | None, _Node | None, str | None]]:
    """(unique name, bytes, the attached message, why it has neither) of each attachment that is
    not a picture of the body."""
    from search.extract.mail import unique_name

    names: set[str] = set()
    for number, storage in enumerate(node.children("__attach_version1.0_#"), start=1):
        if not node.is_storage(storage):
            continue
        attachment = _Node(node.ole, (*node.path, storage), HEADER_ATTACHMENT)
        fixed = attachment.fixed()
        own = _Strings(attachment, strings.codec)  # an attachment's strings are in its message's code page
        if _flag(fixed, ATTACHMENT_HIDDEN) or (
            own.text(ATTACH_CONTENT_ID) and own.text(ATTACH_MIME_TAG).lower().startswith("image/")
        ):
            continue  # a picture the HTML body shows (cid:…), not an attachment
        name = (
            own.text(ATTACH_LONG_FILENAME)
            or own.text(ATTACH_FILENAME)
            or own.text(DISPLAY_NAME)
            or _unnamed(number, own.text(ATTACH_MIME_TAG))
        )
        method = struct.unpack_from("<I", fixed[ATTACH_METHOD])[0] if ATTACH_METHOD in fixed else 1
        object_storage = f"__substg1.0_{ATTACH_DATA:04X}{PT_OBJECT:04X}"
        inner = content = None
        skipped = "a link to a file, not an attached file"
        if method == ATTACH_EMBEDDED_MSG and attachment.is_storage(object_storage):
            inner = _Node(node.ole, (*attachment.path, object_storage), HEADER_EMBEDDED)
            name = (_Strings(inner).text(SUBJECT).replace("/", "_") or name) + ".msg"
        elif attachment.is_storage(object_storage):
            skipped = "an embedded OLE object, not a file"
        else:
            try:
                content = attachment.stream(f"__substg1.0_{ATTACH_DATA:04X}{PT_BINARY:04X}", MAX_ATTACHMENT_BYTES)
            except _TooBig:
                skipped = "over 50 MB"
        name = name.replace("\\", "/").rsplit("/", 1)[-1]
        yield unique_name(name, names), content, inner, skipped


def _unnamed(number: int, mime: str) -> str:
    """A name for an attachment that has none: a signed mail's signature is ``smime.p7s`` (as
    mail clients name it), another ``附件N`` with its type's suffix."""
    if mime.lower() == "multipart/signed":
        return "smime.p7s"
    return f"附件{number}{mimetypes.guess_extension(mime.lower()) or ''}"


def _flag(fixed: dict[int, bytes], tag: int) -> bool:
    return tag in fixed and struct.unpack_from("<H", fixed[tag])[0] != 0


def _inner_part(name: str, inner: _Node, options: ExtractOptions | None) -> Part:
    """An attached message read as a message of its own, one level deeper (as ``read_member``)."""
    deeper = replace(options or ExtractOptions(), depth=(options.depth if options else 0) + 1)
    try:
        check_depth(deeper)
        return Part(name, extracted=_read_message(inner, deeper))
    except Unreadable as exc:
        return Part(name, skipped=str(exc))
    except _TooBig:
        return Part(name, skipped="an Outlook .msg property over 50 MB")
    except RecursionError:
        return Part(name, skipped="damaged (nested too deeply to read)")


# -- compressed RTF (MS-OXRTFCP) --------------------------------------------------------------------
