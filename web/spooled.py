"""Large downloads written to a temporary file first, then sent by the server's own I/O thread.

Streamed from a generator, an export holds its request thread for as long as the client takes
to read it: four clients reading a 22.8 MB CSV at 100 B/s held all four of waitress's threads,
and every search waited.  Here the thread writes the whole body to an unlinked temporary file
(the work, within the export's time budget) and returns it wrapped in the server's
``wsgi.file_wrapper``: waitress then sends the file from its I/O thread, however slowly the
client reads, and the request thread is free at once.  A budget spent while writing is an
error page, never a download cut short.
"""

from __future__ import annotations

import tempfile
from collections.abc import Iterable

from flask import Response, request
from werkzeug.wsgi import FileWrapper

BLOCK_BYTES = 1 << 16


def spooled_response(chunks: Iterable[str | bytes], *, mimetype: str, headers: dict | None = None) -> Response:
    """A response whose body is ``chunks`` (text is UTF-8), written to a temporary file now and
    sent by the server without holding this thread."""
    body = tempfile.TemporaryFile(prefix="search-export-")  # noqa: SIM115 - the response closes it; unlinked: gone when closed, even after a crash
    try:
        for chunk in chunks:
            body.write(chunk.encode("utf-8") if isinstance(chunk, str) else chunk)
        size = body.tell()
        body.seek(0)
    except BaseException:
        body.close()
        raise
    wrapper = _closing(request.environ.get("wsgi.file_wrapper") or FileWrapper)(body, BLOCK_BYTES)
    response = Response(wrapper, mimetype=mimetype, headers=headers, direct_passthrough=True)
    response.content_length = size
    wrapper.response = response
    return response


def _closing(wrapper_class: type) -> type:
    """``wrapper_class`` (still one, so that waitress recognises it) whose ``close`` also runs the
    response's close callbacks: a passed-through body is closed by the server, not by the
    response, and the request's hold on its snapshot is one of those callbacks."""

    class Closing(wrapper_class):
        response = None
        _closed = False

        def close(self):
            if self._closed:
                return
            self._closed = True
            try:
                super().close()
            finally:
                for callback in list(getattr(self.response, "_on_close", ())):
                    callback()

    return Closing
