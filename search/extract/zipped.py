"""Zip-based formats (.docx parts, .xlsx, .pptx, OpenDocument, EPUB): members read within limits, XML parsed
without entities.

A hostile file must not cost more than a real one: a member is read by streaming it and counting the bytes
that come out (a declared size is the file's word, not a fact), against a cap per member, a cap for the
whole file and a ratio of output to compressed size. An XML part with a DTD (the carrier of XXE and
"billion laughs" entity bombs) is refused; no office format needs one.
"""

from __future__ import annotations

import io
import posixpath
import re
import zipfile

from search.extract.extracted import Unreadable

# What a real office file comes near: a 300-page report's document.xml is ~5 MB; a big sheet ~100 MB.
MEMBER_LIMIT = 200 * 1024 * 1024
TOTAL_LIMIT = 200 * 1024 * 1024
# Deflate gives ~5-20x on XML; a bomb gives 1000x. Small members are exempt (a 1 KB run of spaces is fine).
RATIO_LIMIT = 100
RATIO_EXEMPT = 1024 * 1024
_CHUNK = 1 << 16
_DTD = re.compile(rb"<!DOCTYPE|<!ENTITY", re.IGNORECASE)
_ELEMENT_START = re.compile(rb"<[A-Za-z_]")


class ZipReader:
    """A zip archive whose members are read within the limits above; ``budget`` is shared by all reads."""

    def __init__(self, data: bytes, kind: str):
        self.kind = kind  # "a .docx file": named in the reasons users see
        try:
            self.archive = zipfile.ZipFile(io.BytesIO(data))
            self.infos = {info.filename: info for info in self.archive.infolist()}
        except (zipfile.BadZipFile, ValueError, OSError, EOFError) as exc:
            raise Unreadable(f"not a readable {kind} (damaged or truncated?)") from exc
        self.budget = TOTAL_LIMIT

    def check_declared(self) -> None:
        """Refuse by the members' declared sizes, for a library that reads the zip itself (calamine).

        A declared size can lie small, but the readers behind this stop at it (zip libraries read
        a member as at most its declared length), so the declared total bounds what they inflate.
        """
        total = 0
        for info in self.infos.values():
            total += info.file_size
            ratio_hit = info.file_size > RATIO_EXEMPT and info.file_size > RATIO_LIMIT * max(info.compress_size, 1)
            if total > TOTAL_LIMIT or info.file_size > MEMBER_LIMIT or ratio_hit:
                raise Unreadable(f"{self.kind} refused: decompression limit (zip bomb?)")

    def names(self) -> list[str]:
        """The members' names, in the archive's order."""
        return list(self.infos)

    def has(self, name: str) -> bool:
        """Whether the archive holds this member."""
        return name in self.infos

    def read(self, name: str) -> bytes:
        """A member's bytes, refused past the limits ("decompression limit") or when damaged."""
        info = self.infos.get(name)
        if info is None:
            raise Unreadable(f"not a readable {self.kind} (part {name} missing)")
        if info.flag_bits & 0x1:
            raise Unreadable(f"{self.kind} is encrypted (password-protected)")
        limit = min(MEMBER_LIMIT, self.budget)
        out = bytearray()
        try:
            with self.archive.open(info) as stream:
                while chunk := stream.read(_CHUNK):
                    out += chunk
                    if len(out) > limit or (
                        len(out) > RATIO_EXEMPT and len(out) > RATIO_LIMIT * max(info.compress_size, 1)
                    ):
                        raise Unreadable(f"{self.kind} refused: decompression limit (zip bomb?)")
        except Unreadable:
            raise
        except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError, RuntimeError) as exc:
            raise Unreadable(f"not a readable {self.kind} (damaged or truncated?)") from exc
        self.budget -= len(out)
        return bytes(out)

    def xml(self, name: str):
        """A member parsed as XML (an lxml root element), with DTDs and entities refused."""
        return parse_xml(self.read(name), self.kind)


def parse_xml(data: bytes, kind: str):
    """XML bytes -> an lxml root element; a DTD (entities: XXE, billion laughs) or bad XML is Unreadable."""
    from lxml import etree

    # A DTD is refused before parsing: lxml reports an entity bomb as a syntax error, not as what it is.
    first_element = _ELEMENT_START.search(data)
    if _DTD.search(data, 0, first_element.start() if first_element else len(data)):
        raise Unreadable(f"{kind} refused: XML with a DTD or entities")
    parser = etree.XMLParser(
        resolve_entities=False,
        load_dtd=False,
        no_network=True,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
    try:
        root = etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Unreadable(f"not a readable {kind} (damaged XML)") from exc
    docinfo = root.getroottree().docinfo
    if docinfo.internalDTD is not None or docinfo.doctype:
        raise Unreadable(f"{kind} refused: XML with a DTD or entities")
    return root


_REL = "{http://schemas.openxmlformats.org/package/2006/relationships}"


def relationships(reader: ZipReader, part: str) -> dict[str, tuple[str, str]]:
    """An OOXML part's relationships (its ``_rels/NAME.rels``): id -> (target part, type); external
    targets (links to the web) left out."""
    folder, name = posixpath.split(part)
    rels = posixpath.join(folder, "_rels", name + ".rels")
    if not reader.has(rels):
        return {}
    found = {}
    for rel in reader.xml(rels).iter(f"{_REL}Relationship"):
        if rel.get("TargetMode") != "External":
            target = posixpath.normpath(posixpath.join(folder, rel.get("Target", ""))).lstrip("/")
            found[rel.get("Id")] = (target, rel.get("Type", ""))
    return found
