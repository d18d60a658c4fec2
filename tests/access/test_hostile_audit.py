"""The audit log prints safely (issue 27, item 7): a query or login name holding a newline or a
terminal escape sequence prints as one escaped line of `search audit`, never as a line of its own."""

from __future__ import annotations

import json

from search.access.audit import AuditLog, printable
from search.cli.main import main

FAKE = "就业\n2026-12-01T08:00:00  boss  10.0.0.1  login"


def test_a_newline_in_a_query_or_name_prints_as_one_escaped_line(runner, tmp_path):
    log = AuditLog(tmp_path / "audit.jsonl")
    log.record("search", user="li", address="10.0.0.9", path="/search", query=FAKE)
    log.record("login_failed", user="x\x1b[2J\x1b[31mboss\u202e", address="10.0.0.9", path="/login")
    result = runner.invoke(main, ["audit", "--index", str(tmp_path)])
    lines = result.output.splitlines()
    assert len(lines) == 2
    assert lines[0].endswith("  li  10.0.0.9  search  /search  query=就业\\n2026-12-01T08:00:00  boss  10.0.0.1  login")
    assert lines[1].endswith("  x\\x1b[2J\\x1b[31mboss\\u202e  10.0.0.9  login_failed  /login")
    assert "\x1b" not in result.output and "\u202e" not in result.output


def test_the_json_output_keeps_the_values_as_they_were(runner, tmp_path):
    AuditLog(tmp_path / "audit.jsonl").record("search", user="li", address=None, query=FAKE)
    entry = json.loads(runner.invoke(main, ["audit", "--index", str(tmp_path), "--json"]).output)
    assert entry["query"] == FAKE


def test_printable_escapes_backslashes_so_escapes_cannot_be_faked():
    assert printable("a\\nb") == "a\\\\nb"
    assert printable("稳就业 2026") == "稳就业 2026"
    assert printable("\u2028\x7f\x85") == "\\u2028\\x7f\\x85"


def test_an_html_original_is_served_with_its_codec_as_charset():
    from pathlib import Path

    from web.downloads import media_type

    assert media_type(Path("a.html"), "html:utf-8") == "text/html; charset=utf-8"
    assert media_type(Path("a.html"), "html:gb18030") == "text/html; charset=gb18030"
    assert media_type(Path("a.txt"), "utf-8-sig") == "text/plain; charset=utf-8"
