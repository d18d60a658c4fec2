"""What an indexing run did (any engine)."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class IndexReport:
    """What an indexing run did; ``summary`` is the one line shown to users (``+12 ~3 -1``)."""

    added: list[str] = field(default_factory=list)
    changed: list[str] = field(default_factory=list)
    removed: list[str] = field(default_factory=list)
    unchanged: int = 0
    documents_written: int = 0
    warnings: list[str] = field(default_factory=list)
    total_documents: int = 0
    cleaned: list[str] = field(default_factory=list)  # leftovers of interrupted runs, deleted

    @property
    def summary(self) -> str:
        return (
            f"+{len(self.added)} ~{len(self.changed)} -{len(self.removed)} files "
            f"({self.unchanged} unchanged, {self.documents_written} documents written, "
            f"{len(self.warnings)} skipped); {self.total_documents} documents in the index"
        )
