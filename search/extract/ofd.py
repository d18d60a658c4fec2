"""OFD (GB/T 33190, the national fixed-layout format: a zip of XML) -> its pages' text and DocInfo.

``OFD.xml`` -> each ``DocBody``'s ``DocRoot`` (``Doc_0/Document.xml``) -> its ``Pages`` (each
``Page``'s ``BaseLoc``) -> the page's ``Content.xml``: the ``TextObject``/``TextCode`` of its layers
(and of the ``TemplatePage`` the page uses: a letterhead is often a template), in reading order.
Codes on one baseline are one line; a new line where Y jumps. Files are in reading order as
written by most producers; where the lines of a page go up more often than a page's would
(``OUT_OF_ORDER_SHARE``), they are sorted by position. ``DocInfo`` gives the title and the
properties (``created`` from CreationDate, ``author``, ``modified`` …, custom data), each with a
tag (``OFD CreationDate``) for the evidence shown to users. The document's ``Attachments`` (a
公文's 附件 is often one) are parts, each a document of its own, as a zip's members are.

Namespaces vary between producers (``ofd:`` prefix, another URI, none): elements are matched by
local name. The zip is read with the archive reader's limits (no member over 50 MB, no bomb).
"""

from __future__ import annotations

import io
import posixpath
import re
import xml.etree.ElementTree as ET
import zipfile
import zlib
from dataclasses import dataclass
from itertools import pairwise

from search.extract.archives import Budget, MemberRefused, read_limited
from search.extract.extracted import Extracted, ExtractOptions, Unreadable
from search.extract.members import MAX_DEPTH, NESTED_TOO_DEEP, read_member
from search.extract.ofd_xml import (
    child,
    children,
    delta_list,
    element_text,
    local_name,
    normal_path,
    number,
    numbers,
    resolve_path,
)

# A page whose lines go up (Y smaller than the line before) this often is not in reading order.
OUT_OF_ORDER_SHARE = 0.3
# Two codes are on one line when their baselines differ by less than this share of the font size.
SAME_LINE = 0.5
# Custom data names producers use for the fields our metadata reads.
_CUSTOM_NAMES = {
    "发文机关": "issuer",
    "发文单位": "issuer",
    "发文字号": "doc_number",
    "文号": "doc_number",
    "成文日期": "created",
    "发布日期": "published",
    "标题": "title",
}
_DOCINFO = {
    "CreationDate": "created",
    "ModDate": "modified",
    "Author": "author",
    "Abstract": "abstract",
    "Subject": "subject",
    "DocUsage": "usage",
    "Creator": "creator",
}
_XML_DECLARED = re.compile(rb"^\s*<\?xml[^>]*encoding\s*=\s*[\"']([A-Za-z0-9_.:-]+)[\"'][^>]*\?>")
_PRIVATE_USE = re.compile("[\ue000-\uf8ff]")
_CJK = re.compile("[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]")


@dataclass(frozen=True)
class _Code:
    x: float
    y: float
    size: float
    text: str
    end: float  # x where the code's last glyph ends (estimated)


def extract_ofd(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An OFD file's text, page after page, with its DocInfo title and dates as properties."""
    package = _Package(data)
    root = package.xml("OFD.xml")
    if root is None or local_name(root.tag) != "OFD":
        raise Unreadable("not a readable OFD file (no OFD.xml)")
    pages: list[str] = []
    attached: list[tuple[str, bytes]] = []
    title: str | None = None
    properties: list[tuple[str, str]] = []
    for body in children(root, "DocBody"):
        info = child(body, "DocInfo")
        if info is not None and title is None:
            title, properties = _doc_info(info)
        doc_root = element_text(child(body, "DocRoot"))
        if doc_root:
            pages += _document_pages(package, resolve_path("", doc_root))
            attached += ofd_attachments(package, resolve_path("", doc_root))
    text = "\n\n".join(p for p in pages if p.strip())
    if not text.strip() and not attached:
        raise Unreadable("OFD file has no text (scanned pages?)")
    if options is not None and options.depth >= MAX_DEPTH:
        if not text.strip():
            raise Unreadable(NESTED_TOO_DEEP)
        attached = []  # its own text is read; its attachments would be one level too deep
    parts = tuple(read_member(name, content, options) for name, content in attached)
    return Extracted(text, "ofd", title, tuple(properties), parts)


def ofd_members(data: bytes):
    """(name, bytes) of each attachment of an OFD file, named as extraction names them."""
    package = _Package(data)
    root = package.xml("OFD.xml")
    for body in children(root, "DocBody") if root is not None else ():
        doc_root = element_text(child(body, "DocRoot"))
        if doc_root:
            yield from ofd_attachments(package, resolve_path("", doc_root))


def ofd_attachments(package: _Package, document_path: str) -> list[tuple[str, bytes]]:
    """A document's attachments (its ``Attachments`` list: a 公文's 附件 is often one): each
    (file name, bytes), the name from ``Name`` with a suffix from ``Format`` or the file's own."""
    document = package.xml(document_path)
    listed = child(document, "Attachments") if document is not None else None
    if listed is None or not element_text(listed):
        return []
    list_path = resolve_path(posixpath.dirname(document_path), element_text(listed))
    attachments = package.xml(list_path)
    found, taken = [], set()
    for attachment in children(attachments, "Attachment") if attachments is not None else ():
        location = element_text(child(attachment, "FileLoc"))
        if not location:
            continue
        path = resolve_path(posixpath.dirname(list_path), location)
        content = package.raw(path)
        if content is None:
            continue
        name = (attachment.get("Name") or "").strip().replace("/", "_") or posixpath.basename(path)
        if "." not in name:
            suffix = (attachment.get("Format") or "").strip().lower() or posixpath.splitext(path)[1].lstrip(".")
            name = f"{name}.{suffix}" if suffix else name
        while name in taken:
            name = "_" + name
        taken.add(name)
        found.append((name, content))
    return found


class _Package:
    """The OFD zip, each XML member read with the archive limits."""

    def __init__(self, data: bytes) -> None:
        try:
            self.zip = zipfile.ZipFile(io.BytesIO(data))
            self.names = {normal_path(n): n for n in self.zip.namelist()}
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise Unreadable("not a readable OFD file (damaged or truncated?)") from exc
        self.budget = Budget()

    def xml(self, path: str):
        raw = self.raw(path)
        return _parse(raw) if raw is not None else None

    def raw(self, path: str) -> bytes | None:
        """A member's bytes, read with the limits; None when the package has no such member."""
        name = self.names.get(normal_path(path)) or self.names.get(normal_path(path).lower()) or self._folded(path)
        if name is None:
            return None
        info = self.zip.getinfo(name)
        if info.flag_bits & 0x1:
            raise Unreadable("encrypted")
        try:
            with self.zip.open(info) as handle:
                raw = read_limited(handle, info.compress_size, self.budget)
        except MemberRefused as exc:
            raise Unreadable(str(exc)) from exc
        except Unreadable:
            raise  # the budget for the whole package is spent
        except (zipfile.BadZipFile, zlib.error, OSError, EOFError, ValueError, NotImplementedError) as exc:
            raise Unreadable("not a readable OFD file (damaged or truncated?)") from exc
        return raw

    def _folded(self, path: str) -> str | None:
        wanted = normal_path(path).lower()
        return next((name for key, name in self.names.items() if key.lower() == wanted), None)


def _parse(raw: bytes):
    """XML bytes -> element; a GBK declaration (expat lacks it) decoded here. None if malformed."""
    try:
        return ET.fromstring(raw)
    except ET.ParseError:
        declared = _XML_DECLARED.match(raw)
        if not declared:
            return None
        try:
            text = raw.decode(declared.group(1).decode("ascii").replace("gb2312", "gb18030"), "replace")
            return ET.fromstring(text[text.index("?>") + 2 :])
        except (LookupError, ValueError, ET.ParseError):
            return None


def _document_pages(package: _Package, document_path: str) -> list[str]:
    document = package.xml(document_path)
    if document is None:
        return []
    base = posixpath.dirname(document_path)
    templates: dict[str, str] = {}
    units: dict[str, object] = {}
    common = child(document, "CommonData")
    if common is not None:
        for template in children(common, "TemplatePage"):
            if template.get("BaseLoc"):
                templates[template.get("ID", "")] = resolve_path(base, template.get("BaseLoc"))
        for kind in ("PublicRes", "DocumentRes"):
            for res in children(common, kind):
                _composite_units(package, resolve_path(base, element_text(res)), units)
    texts = []
    pages = child(document, "Pages")
    for page in children(pages, "Page") if pages is not None else ():
        location = page.get("BaseLoc")
        if not location:
            continue
        page_path = resolve_path(base, location)
        content = package.xml(page_path)
        if content is None:
            continue
        for res in children(content, "PageRes"):
            _composite_units(package, resolve_path(posixpath.dirname(page_path), element_text(res)), units)
        codes: list[_Code] = []
        for used in children(content, "Template"):
            template_path = templates.get(used.get("TemplateID", ""))
            template = package.xml(template_path) if template_path else None
            if template is not None:
                codes += _codes(template, units)
        codes += _codes(content, units)
        texts.append(page_text(codes))
    return texts


def _composite_units(package: _Package, path: str, units: dict[str, object]) -> None:
    """The CompositeGraphicUnits of a resource file (ID -> the unit): pages draw text through them."""
    res = package.xml(path) if path else None
    if res is None:
        return
    for element in res.iter():
        if local_name(element.tag) == "CompositeGraphicUnit" and element.get("ID"):
            units[element.get("ID")] = element


_IDENTITY = (1.0, 0.0, 0.0, 1.0, 0.0, 0.0)


def _then(inner: tuple, outer: tuple) -> tuple:
    """The affine map ``inner`` followed by ``outer`` (each a b c d e f, as OFD's CTM)."""
    a, b, c, d, e, f = inner
    A, B, C, D, E, F = outer
    return (a * A + b * C, a * B + b * D, c * A + d * C, c * B + d * D, e * A + f * C + E, e * B + f * D + F)


def _placement(element, outer: tuple) -> tuple:
    """An object's map to page space: its CTM, then its Boundary's origin, then the outer map."""
    ctm = numbers(element.get("CTM", ""))
    box = numbers(element.get("Boundary", ""))
    own = tuple(ctm) if len(ctm) == 6 else _IDENTITY
    moved = _then(own, (1.0, 0.0, 0.0, 1.0, box[0], box[1]) if len(box) >= 2 else _IDENTITY)
    return _then(moved, outer)


def _codes(page, units: dict[str, object], outer: tuple = _IDENTITY, depth: int = 0) -> list[_Code]:
    """Every TextCode of a page's layers (and of the composite units it draws), at its position
    on the page, in the file's order."""
    found: list[_Code] = []
    stack = [iter(page)]
    while stack:
        element = next(stack[-1], None)
        if element is None:
            stack.pop()
            continue
        name = local_name(element.tag)
        if name == "TextObject":
            found += _text_object(element, _placement(element, outer))
        elif name == "CompositeObject":
            unit = units.get(element.get("ResourceID", ""))
            if unit is not None and depth < 8:
                found += _codes(unit, units, _placement(element, outer), depth + 1)
        elif name not in ("Annotations", "Actions", "Clips", "ImageObject", "PathObject"):
            stack.append(iter(element))
    return found


def _text_object(text_object, place: tuple) -> list[_Code]:
    a, b, c, d, e, f = place
    scale = max(abs(a * d - b * c), 1e-9) ** 0.5
    size = number(text_object.get("Size"), 3.5) * scale
    found: list[_Code] = []
    x = y = 0.0
    for code in children(text_object, "TextCode"):
        # Private-use code points are glyph numbers of an embedded font without a Unicode map
        # (ofdrw's ano.ofd): no one's text, and no search could match them.
        text = _PRIVATE_USE.sub("", code.text or "")
        x = number(code.get("X"), x)
        y = number(code.get("Y"), y)
        if not text.strip():
            continue
        deltas = delta_list(code.get("DeltaX", ""))
        width = sum(deltas[: len(text) - 1]) * scale + size if deltas else size * len(text)
        left, top = a * x + c * y + e, b * x + d * y + f
        found.append(_Code(left, top, size, text, left + width))
    return found


def page_text(codes: list[_Code]) -> str:
    """Codes -> lines: one baseline is one line (codes ordered by X, a space at a wide gap between
    non-Chinese text); lines in the file's order, or by position when that order is off."""
    lines: list[list[_Code]] = []
    for code in codes:
        line = lines[-1] if lines else None
        if line is not None and abs(code.y - line[0].y) < SAME_LINE * max(code.size, line[0].size, 1.0):
            line.append(code)
        else:
            lines.append([code])
    if len(lines) > 2:
        rises = sum(1 for a, b in pairwise(lines) if b[0].y < a[0].y - SAME_LINE * a[0].size)
        if rises / (len(lines) - 1) > OUT_OF_ORDER_SHARE:
            lines = _by_position(codes)
    return "\n".join(text for text in map(_line_text, lines) if text)


def _by_position(codes: list[_Code]) -> list[list[_Code]]:
    lines: list[list[_Code]] = []
    for code in sorted(codes, key=lambda c: (c.y, c.x)):
        if lines and abs(code.y - lines[-1][0].y) < SAME_LINE * max(code.size, 1.0):
            lines[-1].append(code)
        else:
            lines.append([code])
    return lines


def _line_text(line: list[_Code]) -> str:
    pieces: list[str] = []
    previous: _Code | None = None
    for code in sorted(line, key=lambda c: c.x):
        if (
            previous is not None
            and pieces
            and code.x - previous.end > code.size * 0.8
            and not (_CJK.match(code.text[:1]) and _CJK.match(pieces[-1][-1:]))
        ):
            pieces.append(" ")
        pieces.append(code.text)
        previous = code
    return "".join(pieces).strip()


def _doc_info(info) -> tuple[str | None, list[tuple[str, str]]]:
    title = element_text(child(info, "Title")) or None
    properties: list[tuple[str, str]] = []
    for element, name in _DOCINFO.items():
        value = element_text(child(info, element))
        if value:
            properties += [(name, value), (f"{name}_tag", f"OFD {element}")]
    keywords = child(info, "Keywords")
    if keywords is not None:
        words = [w for w in (element_text(k) for k in children(keywords, "Keyword")) if w]
        if words:
            properties += [("keywords", " ".join(words)), ("keywords_tag", "OFD Keywords")]
    customs = child(info, "CustomDatas")
    for custom in children(customs, "CustomData") if customs is not None else ():
        name, value = (custom.get("Name") or "").strip(), element_text(custom)
        if not name or not value:
            continue
        ours = _CUSTOM_NAMES.get(name)
        if ours == "title":
            title = title or value
        elif ours and not any(n == ours for n, _ in properties):
            properties += [(ours, value), (f"{ours}_tag", f"OFD CustomData {name}")]
        else:
            properties += [(f"custom:{name}", value)]
    return title, properties
