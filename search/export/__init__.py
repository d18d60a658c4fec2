"""Exports of a search: rows with Chinese headers and absolute links (CSV, .xlsx), a Word 汇编 of chosen
documents, and a zip of their original files with a listing.

Engine-neutral and free of Flask: the web and the CLI pass the engine, the request, what the reader may
see (``visible``) and the public base URL; every document an export holds comes through the engine with
that ``visible``, so a restricted document never reaches a reader who may not see it.
"""

from search.export.columns import (
    HIT_COLUMNS,
    KWIC_COLUMNS,
    describe_request,
    document_link,
    download_filename,
    hit_row,
    kwic_row,
    search_link,
)

__all__ = [
    "HIT_COLUMNS",
    "KWIC_COLUMNS",
    "describe_request",
    "document_link",
    "download_filename",
    "hit_row",
    "kwic_row",
    "search_link",
]
