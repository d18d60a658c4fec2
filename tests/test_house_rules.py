"""House rules that no single feature test would notice breaking: file size and what the CLI loads."""

from __future__ import annotations

import subprocess
import sys

from tests.conftest import ROOT

# "None over ~400 lines": the margin lets a file near the line take a small fix without a split.
LINE_LIMIT = 420
# What `search --help` (and every command before it runs) must not load: the web app is only
# `search serve`'s, the format readers only indexing's and `search inspect`'s.
NOT_AT_CLI_STARTUP = ("web", "flask", "werkzeug", "jinja2", "waitress", "bs4", "pdfminer", "docx",
                      "charset_normalizer", "reportlab")


def _line_counts() -> dict[str, int]:
    files = sorted(p for folder in ("search", "web") for p in (ROOT / folder).rglob("*.py"))
    return {p.relative_to(ROOT).as_posix(): len(p.read_text(encoding="utf-8").splitlines()) for p in files}


def test_no_module_exceeds_the_house_line_limit():
    counts = _line_counts()
    assert len(counts) > 50  # the walk found the packages
    offenders = {path: n for path, n in counts.items() if n > LINE_LIMIT}
    assert offenders == {}, f"over {LINE_LIMIT} lines (split by concern): {offenders}"


def test_cli_help_loads_neither_the_web_app_nor_the_format_readers():
    script = (
        "import sys\n"
        "from search.cli.main import main\n"
        "try:\n"
        "    main(['--help'])\n"
        "except SystemExit:\n"
        "    pass\n"
        "print(' '.join(sorted({m.split('.')[0] for m in sys.modules})))\n"
    )
    result = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, cwd=ROOT, check=True)
    assert "Usage:" in result.stdout
    loaded = set(result.stdout.splitlines()[-1].split())  # the last line; the help above it says "web" too
    assert "search" in loaded and "click" in loaded
    assert sorted(loaded.intersection(NOT_AT_CLI_STARTUP)) == []
