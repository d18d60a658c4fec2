"""What containers (zip and tar archives, mail) share: reading a member as a document of its own,
how deep they may nest, and finding a member's bytes again by its path (for a download).

A member is read by :func:`search.extract.extract` on its own name and bytes, one level deeper;
whatever it raises becomes the reason its :class:`Part` is skipped, so one bad member never costs
the others.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import replace

from search.extract.extracted import ExtractOptions, Part, Unreadable

# Containers inside containers: the file itself is depth 0, a zip's member depth 1 …; a container
# at this depth is not opened ("nested too deep").
MAX_DEPTH = 3
NESTED_TOO_DEEP = "nested too deep"
# One member's bytes at most, as for a file on disk (search.ingest.prepare.MAX_FILE_BYTES).
MAX_MEMBER_BYTES = 50 * 1024 * 1024


def check_depth(options: ExtractOptions | None) -> None:
    """Refuse to open a container nested ``MAX_DEPTH`` deep (a zip in a zip in a zip …)."""
    if options is not None and options.depth >= MAX_DEPTH:
        raise Unreadable(NESTED_TOO_DEEP)


def read_member(name: str, data: bytes, options: ExtractOptions | None) -> Part:
    """A container's member read as a file of its own, one level deeper; its failure is its reason."""
    from search.extract import extract

    deeper = replace(options or ExtractOptions(), depth=(options.depth if options else 0) + 1)
    try:
        return Part(name, extracted=extract(name, data, deeper))
    except Unreadable as exc:
        return Part(name, skipped=str(exc))
    except RecursionError:
        return Part(name, skipped="damaged (nested too deeply to read)")
    except Exception as exc:  # noqa: BLE001 - a reader's bug on one member must not cost the rest of the container
        return Part(name, skipped=f"damaged ({type(exc).__name__})")


def member_bytes(container: str, data: bytes, member: str, depth: int = 0) -> bytes | None:
    """The bytes of ``member`` (``sub/a.docx``, ``inner.zip/b.txt``) of the container file named
    ``container``, found as extraction names it, with the same limits; None if it is not there."""
    if depth >= MAX_DEPTH:
        return None
    members = _member_lister(container)
    if members is None:
        return None
    try:
        for name, content in members(data):
            if content is None:
                continue
            if name == member:
                return content
            if member.startswith(name + "/"):
                found = member_bytes(name, content, member[len(name) + 1 :], depth + 1)
                if found is not None:
                    return found
    except (Unreadable, OSError, EOFError):
        return None
    return None


def _member_lister(container: str) -> Callable[[bytes], Iterator[tuple[str, bytes | None]]] | None:
    from search.extract import suffix_of

    suffix = suffix_of(container)
    if suffix in (".zip", ".tar", ".tgz", ".gz"):
        from search.extract.archives import archive_members

        return lambda data: archive_members(container, data)
    if suffix in (".eml", ".msg"):
        from search.extract.mail import mail_members

        return lambda data: mail_members(suffix, data)
    if suffix == ".ofd":
        from search.extract.ofd import ofd_members

        return ofd_members
    return None
