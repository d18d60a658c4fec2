"""Word (.docx) files -> their paragraphs and table cells, with the title and creation date they carry.

One format a module (``extract`` picks by suffix); python-docx is imported only when a Word file is read.
"""

from __future__ import annotations

import io
import zipfile

from .extracted import ExtractOptions, Extracted, Unreadable


def extract_docx(data: bytes, options: ExtractOptions | None = None) -> Extracted:
    """A .docx file's paragraphs and table cells in document order, one per line; title from its properties."""
    import docx
    from docx.table import Table

    if not zipfile.is_zipfile(io.BytesIO(data)):
        raise Unreadable("not a readable .docx file (damaged or truncated?)")
    try:
        document = docx.Document(io.BytesIO(data))
        lines: list[str] = []
        # A merged cell repeats in every row and column it spans. The elements are kept, not only
        # their ids: lxml makes a new proxy object (maybe with a reused id) for a node it dropped.
        seen_cells: dict[int, object] = {}

        def walk(container) -> None:
            for block in container.iter_inner_content():
                if isinstance(block, Table):
                    for row in block.rows:
                        for cell in row.cells:
                            if id(cell._tc) not in seen_cells:
                                seen_cells[id(cell._tc)] = cell._tc
                                walk(cell)
                else:
                    lines.append(block.text)

        walk(document)
        title = (document.core_properties.title or "").strip() or None
        created = document.core_properties.created
        properties = (("created", created.isoformat()), ("created_tag", "docx created")) if created else ()
    except Exception as exc:  # a damaged file fails anywhere in python-docx or lxml: one reason for users
        raise Unreadable("not a readable .docx file (damaged or truncated?)") from exc
    text = "\n".join(lines)
    if not text.strip():
        raise Unreadable("Word document has no text")
    return Extracted(text, "docx", title, properties)
