"""Evidence: an extracted value with where it came from and the line it was read from."""

from __future__ import annotations

from dataclasses import dataclass

# Where a value came from, strongest first.
SOURCES = ("manifest", "meta", "signature", "dateline", "filename", "title", "text")


@dataclass(frozen=True)
class Evidence:
    """A value (a date, a place, an organ …), its source (one of ``SOURCES``) and the line behind it."""

    value: object
    source: str
    line: str = ""

    def __post_init__(self) -> None:
        if self.source not in SOURCES:
            raise ValueError(f"unknown evidence source {self.source!r}")

    def as_json(self) -> dict:
        """The evidence as a JSON object (its value as text)."""
        return {"value": str(self.value), "source": self.source, "line": self.line}


@dataclass(frozen=True)
class FileFacts:
    """What the file itself says besides its text: its path (relative to the indexed folder) and
    the properties its format carries (``published``, ``created``, ``issuer``, ``title``, ``column``)."""

    path: str | None = None
    properties: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        """A property of the file (``created``, ``issuer``, ...), or None."""
        return dict(self.properties).get(name)


def with_text_source(records: list, text_source: str) -> list:
    """A file's documents, each marked as read from ``text_source`` ("ocr", "mixed") where that is not
    its text layer: the evidence read from their text says so (``… (OCR 识别)``)."""
    if text_source == "text":
        return records
    from dataclasses import replace

    def marked(found: Evidence) -> Evidence:
        return found if found.source in _NOT_TEXT else Evidence(found.value, found.source, f"{found.line} {note}")

    note = "(OCR 识别)" if text_source == "ocr" else "(部分页面 OCR 识别)"

    source = Evidence(text_source, "meta", f"text_source: {text_source}")
    return [replace(r, evidence=(*((n, marked(e)) for n, e in r.evidence), ("text_source", source))) for r in records]


_NOT_TEXT = ("manifest", "meta", "filename")  # sources not read from the text itself


def text_source_of(record) -> str:
    """How a document's text was read: "text" (its text layer), "ocr" or "mixed" (``with_text_source``)."""
    found = dict(record.evidence).get("text_source")
    return str(found.value) if found else "text"
