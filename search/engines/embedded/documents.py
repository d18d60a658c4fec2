"""Documents by id, their sibling items, and the original file (the web's document page)."""

from __future__ import annotations

from search.engines.embedded.archive import Snapshot, StoredDocument
from search.engines.embedded.docsets import DocSet, docset


def find_document(snapshot: Snapshot, doc_id: str, *, visible: DocSet | None = None) -> int | None:
    """The docnum of the live document with this id (that the asker may see), or None."""
    if not doc_id or len(doc_id) > 64:
        return None
    found = snapshot.docs_with_id(doc_id) & (snapshot.live if visible is None else visible)
    return min(found) if found else None


def sibling_documents(snapshot: Snapshot, docnum: int, *, visible: DocSet | None = None) -> list[StoredDocument]:
    """The documents that came from the same file as ``docnum`` (items of a split page), in file order."""
    key = snapshot.document(docnum).source  # the index knows a file by it (``file_sig``'s key)
    scope = snapshot.live if visible is None else visible
    docs = snapshot.docs_of_file(key) & scope if key else docset([docnum])
    return sorted((snapshot.document(n) for n in docs), key=lambda d: d.item)


def original_file(document: StoredDocument):
    """The file a document was read from, when it is still a file inside the folder it was indexed from.

    The indexed folder is the stored path minus the stored relative ``source``;
    a path that resolves outside it (a symlink, a tampered index) gives None.
    Returns a ``pathlib.Path``.
    """
    from pathlib import Path  # only this function touches files

    path, source = document.path or "", document.source or ""
    if not path or not source or not path.endswith(source):
        return None
    root = Path(path[: len(path) - len(source)] or ".").resolve()
    try:
        resolved = Path(path).resolve(strict=True)
    except (OSError, RuntimeError):
        return None
    if not resolved.is_file() or not resolved.is_relative_to(root):
        return None
    return resolved
