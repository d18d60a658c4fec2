"""RTF files -> their text (striprtf), Chinese right.

striprtf decodes ``\\'xx`` escapes in the code page the file names (``\\ansicpg936``, or a font's
``\\fcharset134`` GBK / ``136`` Big5) and ``\\uN`` escapes as Unicode (checked on both; unrtf, by contrast,
turns GBK escapes into question marks). Before it runs, embedded pictures and objects (hex dumps that
are most of a big RTF's bytes) are cut out, and table cells become tabs and rows lines.
"""

from __future__ import annotations

import re
from collections.abc import Callable

from search.extract.extracted import Extracted, ExtractOptions, Unreadable

# Groups that hold binary data as hex, never text: pictures, OLE objects, fonts embedded.
_BINARY_GROUPS = re.compile(
    r"\{\\(?:\*\\)?(?:pict|objdata|bin|datastore|themedata|colorschememapping|fontemb|blipuid)\b"
)
# "\\*" marks a destination only right after "{"; elsewhere (some writers put one mid-group) it would hide
# the rest of the group's text from striprtf.
_STRAY_STAR = re.compile(r"(?<!\{)\\\*")
_CELL = re.compile(r"\\(?:nest)?cell(?![a-z])")
_ROW = re.compile(r"\\(?:nest)?row(?![a-z])")
# {\title ...} in the {\info} group; the last one wins (LibreOffice writes a \upr ANSI copy, then a \ud Unicode one).
_TITLE = re.compile(r"\{\\title\s?((?:[^{}\\]|\\.)*)\}")
_CREATED = re.compile(r"\\creatim\\yr(\d{4})\\mo(\d{1,2})\\dy(\d{1,2})(?:\\hr(\d{1,2}))?(?:\\min(\d{1,2}))?")


def extract_rtf(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """An RTF file's text, one paragraph a line, table cells tab-separated."""
    from striprtf.striprtf import rtf_to_text

    head = data[:64].lstrip()
    if not head.startswith(b"{\\rtf"):
        raise Unreadable("not an RTF file")
    # RTF is 7-bit; Latin-1 keeps any stray 8-bit byte as one character so nothing fails to decode.
    source = _without_binary(data.decode("latin-1"))
    source = _ROW.sub(r"\\par ", _CELL.sub(r"\\tab ", _STRAY_STAR.sub("", source)))
    try:
        text = rtf_to_text(source, errors="replace")
    except (ValueError, IndexError, LookupError, RecursionError) as exc:
        raise Unreadable("not a readable RTF file (damaged?)") from exc
    # \uN escapes of characters past U+FFFF come as two surrogates: joined into the character.
    text = text.encode("utf-16-le", "surrogatepass").decode("utf-16-le", "replace")
    lines = [line.rstrip("\t ") for line in text.replace("\r\n", "\n").split("\n")]
    text = "\n".join(lines).strip("\n")
    if not text.strip():
        raise Unreadable("RTF file has no text")
    title, properties = _info(source, rtf_to_text)
    return Extracted(text, "rtf", title, properties)


def _info(source: str, rtf_to_text: Callable[..., str]) -> tuple[str | None, tuple[tuple[str, str], ...]]:
    """The {\\info} group's title and creation time."""
    from search.extract.office_properties import is_placeholder_title

    title = None
    for match in _TITLE.finditer(source[:200_000]):
        try:
            candidate = rtf_to_text("{\\rtf1\\ansi " + match.group(1) + "}", errors="replace").strip()
        except (ValueError, IndexError, LookupError):
            continue
        if candidate and "?" not in candidate and not is_placeholder_title(candidate):
            title = candidate
    properties: tuple[tuple[str, str], ...] = ()
    if created := _CREATED.search(source[:200_000]):
        year, month, day, hour, minute = (int(g or 0) for g in created.groups())
        if 1980 < year < 2200 and 1 <= month <= 12 and 1 <= day <= 31:
            stamp = f"{year:04d}-{month:02d}-{day:02d}T{hour:02d}:{minute:02d}:00"
            properties = (("created", stamp), ("created_tag", "RTF creatim"))
    return title, properties


def _without_binary(source: str) -> str:
    """The RTF with its picture/object groups cut out (brace-matched, escaped braces skipped)."""
    out = []
    at = 0
    for match in _BINARY_GROUPS.finditer(source):
        if match.start() < at:  # inside a group already cut
            continue
        out.append(source[at : match.start()])
        depth, i = 0, match.start()
        while i < len(source):
            ch = source[i]
            if ch == "\\":
                i += 2
                continue
            if ch == "{":
                depth += 1
            elif ch == "}":
                depth -= 1
                if depth == 0:
                    break
            i += 1
        at = i + 1
    out.append(source[at:])
    return "".join(out)
