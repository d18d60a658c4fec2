"""LibreOffice headless as the last resort for binary office files our own readers cannot parse.

``soffice --convert-to`` reads every .doc/.wps/.ppt/.rtf tried, but costs 1-2 s a call (a process start),
so readers use it only where their pure-Python parse fails. Each process gets its own profile folder
(``-env:UserInstallation``): two soffice runs sharing a profile block each other or fail.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
from pathlib import Path

from search.extract.extracted import Unreadable

TIMEOUT_SECONDS = 60


def soffice_path() -> str | None:
    """The soffice program, or None where LibreOffice is not installed."""
    return shutil.which("soffice") or shutil.which("libreoffice")


def convert(data: bytes, suffix: str, target: str) -> bytes:
    """A file's bytes converted by LibreOffice to ``target`` (``txt:Text (encoded):UTF8``, ``odp``, ...).

    Raises Unreadable when LibreOffice is missing, times out or produces nothing (it exits 0 on files it
    cannot read, writing no output).
    """
    program = soffice_path()
    if program is None:
        raise Unreadable(f"not readable without LibreOffice (install libreoffice-writer-nogui for {suffix})")
    profile = Path(tempfile.gettempdir()) / f"govsearch-soffice-{os.getuid()}-{os.getpid()}"
    with tempfile.TemporaryDirectory(prefix="govsearch-convert-") as work:
        source = Path(work) / f"in{suffix}"
        source.write_bytes(data)
        out = Path(work) / "out"
        command = [
            program,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--nologo",
            "--convert-to",
            target,
            "--outdir",
            str(out),
            str(source),
        ]
        try:
            subprocess.run(
                command,
                stdin=subprocess.DEVNULL,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
                timeout=TIMEOUT_SECONDS,
                check=False,
            )
        except subprocess.TimeoutExpired as exc:
            raise Unreadable(f"not readable: LibreOffice took over {TIMEOUT_SECONDS} s") from exc
        except OSError as exc:
            raise Unreadable(f"not readable: LibreOffice failed to start ({exc.strerror})") from exc
        produced = sorted(out.glob("in.*")) if out.is_dir() else []
        if not produced:
            raise Unreadable(f"not a readable {suffix} file (damaged or truncated?)")
        return produced[0].read_bytes()
