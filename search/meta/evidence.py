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
        return {"value": str(self.value), "source": self.source, "line": self.line}


@dataclass(frozen=True)
class FileFacts:
    """What the file itself says besides its text: its path (relative to the indexed folder) and
    the properties its format carries (``published``, ``created``, ``issuer``, ``title``, ``column``)."""

    path: str | None = None
    properties: tuple[tuple[str, str], ...] = ()

    def get(self, name: str) -> str | None:
        return dict(self.properties).get(name)
