"""Mail (.eml, Outlook .msg) -> the message as a document, each attachment a document of its own.

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
from collections.abc import Iterator
from email import policy
from email.message import EmailMessage, Message
from email.utils import parsedate_to_datetime

from .decoding import decode_or_none, decode_text
from .extracted import ExtractOptions, Extracted, Part, Unreadable
from .members import check_depth, read_member

# Labels whose bytes are read with a wider codec that contains them.
_WIDER = {"gb2312": "gb18030", "gbk": "gb18030", "euc_cn": "gb18030", "x-gbk": "gb18030", "hz-gb-2312": "hz",
          "big5": "cp950", "x-big5": "cp950", "big5hkscs": "big5hkscs", "cp936": "gb18030", "windows-936": "gb18030"}
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
    return _message(subject, text, f"eml:{encoding}", _date(message), header_text(message, "From"),
                    header_text(message, "To"), parts)


def extract_msg(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An Outlook .msg message, read as an .eml is (extract-msg reads the OLE file)."""
    check_depth(options)
    message = _open_msg(data)
    try:
        subject = _no_nul(message.subject)
        text = _no_nul(message.body)
        encoding = "msg"
        if not text.strip() and message.htmlBody:
            text, encoding = _html_text(message.htmlBody), "msg:html"
        date = message.date.isoformat() if getattr(message, "date", None) else None
        parts = tuple(read_member(name, content, options) for name, content in _msg_attachments(message))
        return _message(subject, text, encoding, date, _no_nul(message.sender), _no_nul(message.to), parts)
    finally:
        message.close()


def mail_members(suffix: str, data: bytes) -> Iterator[tuple[str, bytes | None]]:
    """(name, bytes) of each attachment, named as extraction names them (for a download)."""
    if suffix == ".msg":
        message = _open_msg(data)
        try:
            yield from list(_msg_attachments(message))
        finally:
            message.close()
    else:
        yield from _eml_attachments(email.message_from_bytes(data, policy=policy.default))


def _message(subject: str, text: str, encoding: str, date: str | None, sender: str, to: str,
             parts: tuple[Part, ...]) -> Extracted:
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
            out.append(_decode_bytes(piece, charset))
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


def _decode_bytes(data: bytes, charset: str | None) -> str:
    """Bytes under a charset label: the label (widened) if it decodes and is no single-byte guess
    over non-ASCII bytes, else as a text file."""
    label = (charset or "").strip().lower()
    if label and label not in _SINGLE_BYTE or data.isascii():
        codec = _WIDER.get(label, label or "ascii")
        try:
            text = decode_or_none(data, codec)
        except LookupError:
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
        payload = plain.get_payload(decode=True) or b""
        text = _decode_bytes(payload, plain.get_content_charset())
        if text.strip():
            return text, plain.get_content_charset() or "text"
    if html is not None:
        payload = html.get_payload(decode=True) or b""
        return _html_text(payload, html.get_content_charset()), "html"
    return "", "text"


def _html_text(payload: bytes | str, charset: str | None = None) -> str:
    from .html_page import extract_markup

    markup = payload if isinstance(payload, str) else _decode_bytes(payload, charset)
    try:
        return extract_markup(markup, "mail").text
    except Unreadable:
        return ""


def _walk(message: Message) -> Iterator[Message]:
    """Every leaf part, not descending into attached messages (those are attachments)."""
    if message.is_multipart():
        for sub in message.get_payload():
            yield from _walk(sub)
    else:
        yield message


def _is_attachment(part: Message) -> bool:
    disposition = part.get_content_disposition()
    if part.get_content_type() == "message/rfc822":
        return True
    if part.get_content_maintype() == "image" and (disposition == "inline" or part["Content-ID"]):
        return False  # a picture in the body
    return disposition == "attachment" or (disposition != "inline" and part.get_param("name") is not None) \
        or (disposition == "inline" and _filename(part) is not None and part.get_content_maintype() != "text")


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
            content = part.get_payload(decode=True) or b""
            name = _filename(part) or f"附件{number}"
        yield _unique(name, names), content


def _filename(part: Message) -> str | None:
    """The attachment's file name: RFC 2231 or 2047, with Chinese charsets widened."""
    raw = part.get_param("filename", header="content-disposition") or part.get_param("name")
    if raw is None:
        return None
    if isinstance(raw, tuple):  # RFC 2231: (charset, language, percent-decoded text as latin-1)
        charset, _, value = raw
        text = _decode_bytes(value.encode("latin-1", "surrogateescape"), charset)
    else:
        text = _decoded_header(str(raw))
    name = " ".join(text.replace("\\", "/").rsplit("/", 1)[-1].split())
    return name or None


def _unique(name: str, taken: set[str]) -> str:
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


def _no_nul(value) -> str:
    """An .msg string without the NULs old files pad with."""
    return (value or "").replace("\x00", "").strip() if isinstance(value, str) else ""


# -- .msg --------------------------------------------------------------------------------------------


def _open_msg(data: bytes):
    """The .msg file opened; an old (non-Unicode) one, whose strings are in a code page it often
    does not name (extract-msg then reads Big5 as Latin-1), is reopened in the code page its
    subject and body bytes read as."""
    import logging

    import extract_msg

    logging.getLogger("extract_msg").setLevel(logging.ERROR)  # its warnings are not the user's
    try:
        message = extract_msg.openMsg(data, delayAttachments=False)
        if message.areStringsUnicode:
            return message
        raw = b"".join((message.getStream(f"__substg1.0_{tag}001E") or b"") for tag in ("0037", "1000", "0C1A"))
        if raw.isascii():
            return message
        try:
            encoding = _WIDER.get(decode_text(raw)[1], decode_text(raw)[1])
        except Unreadable:
            return message
        if encoding in ("utf-8", "utf-16", "utf-8-sig") or encoding == message.stringEncoding:
            return message
        message.close()
        return extract_msg.openMsg(data, delayAttachments=False, overrideEncoding=encoding)
    except Unreadable:
        raise
    except Exception as exc:  # olefile and extract-msg raise many kinds for a damaged file
        raise Unreadable("not a readable Outlook .msg file (damaged or truncated?)") from exc


def _msg_attachments(message) -> Iterator[tuple[str, bytes]]:
    names: set[str] = set()
    for number, attachment in enumerate(getattr(message, "attachments", ()) or (), start=1):
        if getattr(attachment, "hidden", False):
            continue  # an inline picture of the body
        if (getattr(attachment, "contentId", None) or getattr(attachment, "cid", None)) and \
                (getattr(attachment, "mimetype", None) or "").startswith("image/"):
            continue  # a picture the HTML body shows (cid:…), not an attachment
        content = getattr(attachment, "data", None)
        name = (getattr(attachment, "longFilename", None) or getattr(attachment, "shortFilename", None)
                or getattr(attachment, "displayName", None) or f"附件{number}")
        if content is not None and not isinstance(content, bytes):  # an attached message
            inner_subject = (getattr(content, "subject", None) or "").strip()
            name = (inner_subject or name).replace("/", "_") + ".msg"
            try:
                content = content.exportBytes()
            except Exception:
                content = None
        if content is None:
            continue
        yield _unique(name.replace("\\", "/").rsplit("/", 1)[-1], names), content
