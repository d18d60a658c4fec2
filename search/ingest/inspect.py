"""What indexing would extract from a file, and the evidence behind each value, without indexing it."""

from __future__ import annotations

import unicodedata
from dataclasses import dataclass
from pathlib import Path

from search.extract import extract
from search.meta import FIELDS, DocumentRecord, FileFacts, SidecarError, Taxonomy, extract_documents, read_sidecar
from search.meta.corrections import nearest_corrections
from search.meta.evidence import with_text_source
from search.meta.places import place_path

# Longer files are not read (as indexing skips them).
MAX_FILE_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class Inspection:
    """A file's documents as indexing would make them, or why it would be skipped."""

    path: str
    documents: tuple[DocumentRecord, ...] = ()
    manifest: str | None = None  # the manifest whose row was applied
    problem: str | None = None
    corrections: str | None = None  # the corrections.tsv whose rows were applied
    skipped: tuple[str, ...] = ()  # a container's members that give no text: "a.zip/x.dwg: skipped, …"

    def to_json(self) -> dict:
        """The inspection as a JSON object (``search inspect --json``): the file's documents, or its error."""
        if self.problem:
            return {"file": self.path, "error": self.problem}
        return {
            "file": self.path,
            "manifest": self.manifest,
            "corrections": self.corrections,
            "documents": [_document_json(d) for d in self.documents],
            "skipped": list(self.skipped),
        }


def _document_json(record: DocumentRecord) -> dict:
    return {
        "item": record.item,
        "source": getattr(record, "shown", "") or None,  # a container's member: zip/member
        "title": record.title,
        "date": record.published.iso() if record.published else None,
        "date_source": record.date_source,
        "district": record.district,
        "district_source": record.district_source,
        "issuer": record.issuer,
        "doc_number": record.doc_number,
        "doc_type": record.doc_type,
        "topics": list(record.topics),
        "district_path": list(place_path(record.district)),
        "evidence": {name: evidence.as_json() for name, evidence in record.evidence},
        "refused": [{"field": f, "value": v, "source": src, "why": why} for f, v, src, why in record.refused],
    }


def inspect_file(path: Path, use_manifest: bool = True, taxonomy: Taxonomy | None = None) -> Inspection:
    """The documents of ``path``; its folder's manifest row applies unless ``use_manifest`` is False."""
    shown = str(path)
    try:
        if not path.is_file():
            return Inspection(shown, problem="not a file")
        if path.stat().st_size > MAX_FILE_BYTES:
            return Inspection(shown, problem="larger than 50 MB")
        extracted = extract(path, path.read_bytes())
        row, manifest = _manifest_row(path) if use_manifest else ({}, None)
        corrected, corrections = nearest_corrections(path) if use_manifest else ({}, None)
    except OSError as exc:
        return Inspection(shown, problem=f"cannot read ({exc.strerror or exc})")
    except (ValueError, SidecarError) as exc:
        return Inspection(shown, problem=str(exc))
    sidecar = {**row, **corrected}
    if extracted.parts:  # a zip, a mail: its members as indexing makes them, each shown as zip/member
        from search.ingest.discover import SourceFile
        from search.ingest.prepare import read_documents

        skipped: list[str] = []
        source = SourceFile(str(path), shown, tuple(sorted(sidecar.items())), str(path.parent))
        try:
            records, _ = read_documents(source, path.read_bytes(), taxonomy or Taxonomy.load(), None, skipped)
        except (OSError, ValueError) as exc:
            return Inspection(shown, problem=str(exc))
        return Inspection(
            shown, tuple(records), manifest, corrections=str(corrections) if corrected else None, skipped=tuple(skipped)
        )
    if extracted.title and "title" not in sidecar:
        sidecar["title"] = extracted.title
    facts = FileFacts(shown, extracted.properties)
    records = with_text_source(
        extract_documents(extracted.text, sidecar or None, taxonomy, facts=facts), extracted.text_source
    )
    return Inspection(shown, tuple(records), manifest, corrections=str(corrections) if corrected else None)


def _manifest_row(path: Path) -> tuple[dict[str, str], str | None]:
    """The row naming ``path`` in the manifest of its folder, and that manifest's path."""
    rows = read_sidecar(path.parent)
    row = rows.get(path.name)
    if row is None:
        return {}, None
    manifest = next(p for p in (path.parent / "manifest.tsv", path.parent / "manifest.csv") if p.is_file())
    return row, str(manifest)


def describe(inspection: Inspection) -> list[str]:
    """The lines ``search inspect`` prints for one file."""
    if inspection.problem:
        return [f"{inspection.path}: skipped, {inspection.problem}"]
    lines = [
        inspection.path
        + (f"  (row of {inspection.manifest} applied)" if inspection.manifest else "")
        + (f"  (corrections of {inspection.corrections} applied)" if inspection.corrections else "")
    ]
    many = len(inspection.documents) > 1
    for record in inspection.documents:
        lines.append(f"  {'item ' + str(record.item + 1) + ': ' if many else ''}{record.title}")
        if shown := getattr(record, "shown", ""):  # a member of a container (a ContainedRecord)
            lines.append(f"    {'member':<11}{shown}")
        evidence = dict(record.evidence)
        for name in FIELDS:
            found = evidence.get(name)
            label = _LABELS[name]
            if found is None:
                lines.append(f"    {label:<11}-")
                continue
            line = found.line.replace("\n", " ")
            line = line if len(line) <= 60 else line[:60] + "…"
            lines.append(f"    {label:<11}{_padded(str(found.value), 16)}[{found.source}] {line}")
        if len(place_path(record.district)) > 1:
            lines.append(f"    {'place path':<11}{' / '.join(place_path(record.district))}")
        for name, value, source, why in record.refused:  # statements read and not taken, and why
            lines.append(
                f"    {_LABELS[name]:<11}{_padded(value if len(value) <= 30 else value[:30] + '…', 16)}"
                f"[{source}] refused: {why}"
            )
        lines.append(f"    {'topics':<11}{', '.join(record.topics) or '-'}")
    lines += [f"  {line}" for line in inspection.skipped]
    return lines


def _padded(text: str, width: int) -> str:
    """``text`` padded with spaces to ``width`` terminal columns (a Chinese character takes two)."""
    columns = sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)
    return text + " " * max(1, width - columns)


_LABELS = {
    "published": "date",
    "district": "district",
    "issuer": "issuer",
    "doc_number": "doc_number",
    "doc_type": "doc_type",
}
