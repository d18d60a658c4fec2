"""Mail (.eml; Outlook .msg in :mod:`.msg`) -> the message as a document, each attachment a document of its own.

The message's text is its body (text/plain, else text/html through the HTML reader); its title
the subject; its properties the date (``published``, tag ``mail Date``) and the sender (``from``).
Each attachment is a :class:`Part` read on its own name and bytes (a .docx attached to a mail is
searchable); an attached message is a part too (``<subject>.eml``). Inline images (a Content-ID
in a multipart/related, a hidden .msg attachment) are the body's pictures, not parts.

Chinese mail is read right when mislabelled: a ``gb2312`` label is read as GB18030 (senders put
GBK characters under it), ``big5`` as cp950 (Microsoft's Big5), and a body or header whose label
is missing, single-byte or wrong goes through :func:`decode_text`.
"""

from __future__ import annotations

import email
import email.errors
import email.header
import re
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime
from urllib.parse import unquote_to_bytes

from search.extract.decoding import decode_or_none, decode_text
from search.extract.extracted import Extracted, ExtractOptions, Part, Unreadable
from search.extract.members import check_depth, read_member

# Labels whose bytes are read with a wider codec that contains them.
_WIDER = {
    "gb2312": "gb18030",
    "gbk": "gb18030",
    "euc_cn": "gb18030",
    "x-gbk": "gb18030",
    "hz-gb-2312": "hz",
    "big5": "cp950",
    "x-big5": "cp950",
    "big5hkscs": "big5hkscs",
    "cp936": "gb18030",
    "windows-936": "gb18030",
}
# Labels that any byte string "decodes" under: a Chinese body labelled so is mislabelled.
_SINGLE_BYTE = frozenset(["us-ascii", "ascii", "iso-8859-1", "latin-1", "latin1", "windows-1252", "cp1252"])


def extract_eml(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An .eml message: body as text, subject as title, date and sender as properties, attachments as parts."""
    check_depth(options)
    message = email.message_from_bytes(data, policy=policy.default)
    if not message.keys():
        raise Unreadable("not a mail message (no headers)")
    subject = header_text(message, "Subject")
    text, encoding = _body(message)
    parts = tuple(read_member(name, content, options) for name, content in _eml_attachments(message))
    return compose_message(
        subject,
        text,
        f"eml:{encoding}",
        _date(message),
        header_text(message, "From"),
        header_text(message, "To"),
        parts,
    )


def mail_members(suffix: str, data: bytes) -> Iterator[tuple[str, bytes | None]]:
    """(name, bytes) of each attachment, named as extraction names them (for a download)."""
    if suffix == ".msg":
        from search.extract.msg import msg_members

        yield from msg_members(data)
    else:
        yield from _eml_attachments(email.message_from_bytes(data, policy=policy.default))


def compose_message(
    subject: str, text: str, encoding: str, date: str | None, sender: str, to: str, parts: tuple[Part, ...]
) -> Extracted:
    """A read message (.eml or .msg) as a document: date, sender and recipients as properties."""
    properties: list[tuple[str, str]] = []
    if date:
        properties += [("published", date), ("published_tag", "mail Date")]
    if sender:
        properties += [("from", sender), ("from_tag", "mail From")]
    if to:
        properties += [("to", to), ("to_tag", "mail To")]
    if not text.strip() and subject:
        text = subject  # a mail that is only its attachments is still a document: its subject
    if not text.strip() and not parts:
        raise Unreadable("mail has no text and no attachments")
    return Extracted(text, encoding, subject or None, tuple(properties), parts)


# -- .eml --------------------------------------------------------------------------------------------


def header_text(message: Message, name: str) -> str:
    """A header as its sender meant it: RFC 2047 words decoded with the widened codecs, raw 8-bit
    bytes (GBK headers sent without encoding) through ``decode_text``."""
    raw = next((value for key, value in message.raw_items() if key.lower() == name.lower()), None)
    if raw is None:
        return ""
    return " ".join(_decoded_header(str(raw)).split())


def _decoded_header(raw: str) -> str:
    try:
        pieces = email.header.decode_header(raw)
    except (ValueError, email.errors.HeaderParseError):
        pieces = [(raw, None)]
    out = []
    for piece, charset in pieces:
        if isinstance(piece, str):  # no encoded words in it
            out.append(_unescaped(piece))
        else:
            out.append(decode_labelled(piece, charset))
    return "".join(out)


def _unescaped(text: str) -> str:
    """8-bit header bytes, which the parser kept as surrogate escapes, decoded as a text file."""
    try:
        text.encode("utf-8")
        return text
    except UnicodeEncodeError:
        raw = text.encode("ascii", "surrogateescape")
        try:
            return decode_text(raw)[0]
        except Unreadable:
            return raw.decode("gb18030", "replace")


def decode_labelled(data: bytes, charset: str | None) -> str:
    """Bytes under a charset label: the label (widened) if it decodes and is no single-byte guess
    over non-ASCII bytes, else as a text file."""
    label = (charset or "").strip().lower()
    if (label and label not in _SINGLE_BYTE) or data.isascii():
        codec = _WIDER.get(label, label or "ascii")
        try:
            text = decode_or_none(data, codec)
        except (LookupError, UnicodeError, ValueError, TypeError):  # a label naming no text codec
            text = None
        if text is not None:
            return text
    try:
        return decode_text(data)[0]
    except Unreadable:
        return data.decode("gb18030", "replace")


def _body(message: EmailMessage) -> tuple[str, str]:
    """The text/plain body, else the text/html one read as a page; (text, how it was read)."""
    plain = html = None
    for part in _walk(message):
        if _is_attachment(part) or part.get_content_maintype() != "text":
            continue
        subtype = part.get_content_subtype()
        if subtype == "plain" and plain is None:
            plain = part
        elif subtype == "html" and html is None:
            html = part
    if plain is not None:
        payload = part_bytes(plain)
        text = decode_labelled(payload, plain.get_content_charset())
        if text.strip():
            return text, plain.get_content_charset() or "text"
    if html is not None:
        return html_text(part_bytes(html), html.get_content_charset()), "html"
    return "", "text"


def html_text(payload: bytes | str, charset: str | None = None) -> str:
    """An HTML body's text (bytes under ``charset``, or already text); empty if it has none."""
    from search.extract.html_page import extract_markup

    markup = payload if isinstance(payload, str) else decode_labelled(payload, charset)
    try:
        return extract_markup(markup, "mail").text
    except Unreadable:
        return ""


def part_bytes(part: Message) -> bytes:
    """A leaf part's content, its transfer encoding undone (b"" if it has none)."""
    payload = part.get_payload(decode=True)
    return payload if isinstance(payload, bytes) else b""


def _walk(message: Message) -> Iterator[Message]:
    """Every leaf part, not descending into attached messages (those are attachments)."""
    if message.is_multipart() and message.get_content_type() != "message/rfc822":
        for sub in message.get_payload():
            if isinstance(sub, Message):  # a multipart's payload is its parts
                yield from _walk(sub)
    else:
        yield message


def _is_attachment(part: Message) -> bool:
    disposition = part.get_content_disposition()
    if part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_maintype() == "image" and (disposition == "inline" or part["Content-ID"]):
        return False  # a picture in the body
    return (
        disposition == "attachment"
        or (disposition != "inline" and part.get_param("name") is not None)
        or (disposition == "inline" and _filename(part) is not None and part.get_content_maintype() != "text")
    )


def _eml_attachments(message: EmailMessage) -> Iterator[tuple[str, bytes]]:
    names: set[str] = set()
    for number, part in enumerate((p for p in _walk(message) if _is_attachment(p)), start=1):
        if part.get_content_type() == "message/rfc822":
            inner = part.get_payload()
            inner = inner[0] if isinstance(inner, list) else inner
            content = inner.as_bytes(policy=policy.default) if isinstance(inner, Message) else b""
            name = (header_text(inner, "Subject") if isinstance(inner, Message) else "") or f"附件{number}"
            name = name.replace("/", "_") + ".eml"
        else:
            content = part_bytes(part)
            name = _filename(part) or f"附件{number}"
        yield unique_name(name, names), content


def _filename(part: Message) -> str | None:
    """The attachment's file name, from the raw header: RFC 2231 (continuations too), RFC 2047, or
    raw GBK bytes, with Chinese charsets widened (the parser's own decoding reads GBK under a
    gb2312 label as U+FFFD)."""
    for header, param in (("content-disposition", "filename"), ("content-type", "name")):
        raw = next((str(v) for k, v in part.raw_items() if k.lower() == header), None)
        text = _param_text(raw, param) if raw is not None else None
        if text:
            name = " ".join(text.replace("\\", "/").rsplit("/", 1)[-1].split())
            if name:
                return name
    return None


_PARAM = re.compile(r'(?:^|;)\s*([A-Za-z-]+)(?:\*(\d+))?(\*)?\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;\s]*))')


def _param_text(header: str, param: str) -> str | None:
    """A header parameter's text: ``name*0*=gb2312''%D6%EC; name*1*=%E9%D5`` joined and decoded,
    ``name="=?gb2312?B?…?="`` decoded, ``name="报告.doc"`` in raw 8-bit bytes decoded."""
    segments: list[tuple[int, bool, str]] = []
    for match in _PARAM.finditer(header):
        if match.group(1).lower() != param:
            continue
        value = match.group(4) if match.group(4) is not None else match.group(5)
        segments.append((int(match.group(2) or 0), bool(match.group(3)), value.replace('\\"', '"')))
    if not segments:
        return None
    segments.sort(key=lambda s: s[0])
    if not any(encoded for _, encoded, _ in segments):
        return _decoded_header("".join(value for _, _, value in segments))
    charset, data = None, bytearray()
    for number, encoded, value in segments:
        if encoded and number == segments[0][0] and value.count("'") >= 2:
            charset, _, value = value.split("'", 2)
        data += unquote_to_bytes(value) if encoded else value.encode("ascii", "surrogateescape")
    return decode_labelled(bytes(data), charset)


def unique_name(name: str, taken: set[str]) -> str:
    """Two attachments of one name: the second is ``name (2).docx``, so each can be found again."""
    candidate, count = name, 1
    while candidate in taken:
        count += 1
        stem, dot, suffix = name.rpartition(".")
        candidate = f"{stem} ({count}).{suffix}" if dot and stem else f"{name} ({count})"
    taken.add(candidate)
    return candidate


def _date(message: Message) -> str | None:
    raw = header_text(message, "Date")
    try:
        return parsedate_to_datetime(raw).isoformat() if raw else None
    except (TypeError, ValueError, IndexError):
        return None
