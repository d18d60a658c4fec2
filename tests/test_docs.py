"""The documentation: the site builds without a warning, no relative link or anchor is broken, every
command and option of `search` is documented in docs/usage.md, and the README stays short.

In the manner of sqlite-utils' tests/test_docs.py: the command tree is walked from the click group
itself, so a new command or option without documentation fails here, by name.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import click
import pytest
from pymdownx.slugs import slugify

from search.cli.main import main
from tests.conftest import ROOT

DOCS = ROOT / "docs"
USAGE = DOCS / "usage.md"
README_LIMIT = 15_000
# Markdown files whose links are checked: the README, every page of the site, and the two files
# beside them that the README links to.
LINKED_FILES = sorted([ROOT / "README.md", ROOT / "CHANGELOG.md", ROOT / "bench" / "RESULTS.md", *DOCS.rglob("*.md")])

# The same slugs as mkdocs.yml's toc extension (pymdownx.slugs.slugify, lower case).
_slug = slugify(case="lower")
_FENCE = re.compile(r"^(```|~~~).*?^\1[ \t]*$", re.DOTALL | re.MULTILINE)
_CODE_SPAN = re.compile(r"`[^`\n]*`")
_LINK = re.compile(r"!?\[(?:[^\]\n]|\][^(\n])*?\]\(([^)\s]+)(?:\s+\"[^\"]*\")?\)")
_HEADING = re.compile(r"^(#{1,6})\s+(.*?)\s*#*\s*$", re.MULTILINE)
_SNIPPET = re.compile(r'^--8<--\s+"([^"]+)"\s*$', re.MULTILINE)


# ---- links and anchors ------------------------------------------------------------------------


def _source(path: Path) -> str:
    """The Markdown of ``path`` as the site sees it: pymdownx.snippets' includes put in place."""
    text = path.read_text(encoding="utf-8")
    return _SNIPPET.sub(lambda m: (ROOT / m.group(1)).read_text(encoding="utf-8"), text)


def _without_code(text: str) -> str:
    return _CODE_SPAN.sub("", _FENCE.sub("", text))


def _heading_text(raw: str) -> str:
    """A heading's text as the page shows it (code spans, links and emphasis reduced to their text)."""
    text = re.sub(r"`([^`]*)`", r"\1", raw)
    text = re.sub(r"\[([^\]]*)\]\([^)]*\)", r"\1", text)
    text = re.sub(r"<[^>]+>", "", text)
    return text.replace("**", "").replace("__", "")


def anchors(path: Path) -> set[str]:
    """The ids of the headings of ``path`` (a repeated heading gets _1, _2 … as Python-Markdown's toc does)."""
    seen: set[str] = set()
    for _, raw in _HEADING.findall(_FENCE.sub("", _source(path))):
        slug = _slug(_heading_text(raw), "-")
        unique, n = slug, 0
        while unique in seen:
            n += 1
            unique = f"{slug}_{n}"
        seen.add(unique)
    return seen


def broken_links(path: Path) -> list[str]:
    """Each relative link of ``path`` whose file or anchor does not exist, as 'target: why'."""
    problems = []
    for target in _LINK.findall(_without_code(_source(path))):
        if re.match(r"^[a-z][a-z0-9+.-]*:", target, re.IGNORECASE):  # http:, https:, mailto: …
            continue
        file_part, _, anchor = target.partition("#")
        resolved = (path.parent / file_part).resolve() if file_part else path
        if not resolved.exists():
            problems.append(f"{target}: no such file")
        elif anchor and resolved.suffix == ".md" and anchor not in anchors(resolved):
            problems.append(f"{target}: no heading #{anchor} in {resolved.relative_to(ROOT)}")
    return problems


def test_the_link_checker_names_each_broken_link(tmp_path, monkeypatch):
    tmp_path = tmp_path.resolve()
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    page = tmp_path / "page.md"
    (tmp_path / "other.md").write_text("# Other\n\n## Two words\n\n## Two words\n", encoding="utf-8")
    page.write_text(
        "# Page\n\n## `search saved add`\n\n"
        "[ok](other.md#two-words) [ok](other.md#two-words_1) [ok](#search-saved-add) [ok](https://x.org/y)\n"
        "[gone](missing.md) [bad](other.md#three) ![img](pic.png) `[in code](nowhere.md)`\n"
        "```\n[fenced](nowhere.md)\n```\n",
        encoding="utf-8",
    )
    assert broken_links(page) == [
        "missing.md: no such file",
        "other.md#three: no heading #three in other.md",
        "pic.png: no such file",
    ]


@pytest.mark.parametrize("path", LINKED_FILES, ids=lambda p: p.relative_to(ROOT).as_posix())
def test_no_relative_link_or_anchor_is_broken(path):
    assert broken_links(path) == []


def test_every_page_of_docs_is_checked():
    names = {p.relative_to(ROOT).as_posix() for p in LINKED_FILES}
    assert {"README.md", "docs/usage.md", "docs/zh/index.md", "docs/results.md", "bench/RESULTS.md"} <= names


# ---- the site -----------------------------------------------------------------------------------


def test_the_site_builds_in_strict_mode_without_a_warning(tmp_path):
    site = tmp_path / "site"
    env = dict(os.environ, NO_MKDOCS_2_WARNING="1")
    done = subprocess.run(
        [
            sys.executable,
            "-m",
            "mkdocs",
            "build",
            "--strict",
            "--config-file",
            str(ROOT / "mkdocs.yml"),
            "--site-dir",
            str(site),
        ],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    log = done.stdout + done.stderr
    assert done.returncode == 0, log
    assert "WARNING" not in log, log
    # Every page of the nav was written, the Chinese manual's too, and RESULTS.md was included.
    for page in ("index.html", "usage/index.html", "design/index.html", "zh/index.html", "zh/deploy/index.html"):
        assert (site / page).is_file(), page
    results = (site / "results" / "index.html").read_text(encoding="utf-8")
    assert "Hostile files" in results and "--8&lt;--" not in results and "--8<--" not in results


# ---- every command and option in docs/usage.md --------------------------------------------------


def _commands(group: click.Command, path: tuple[str, ...] = ("search",)):
    yield path, group
    if isinstance(group, click.Group):
        for name, command in sorted(group.commands.items()):
            yield from _commands(command, (*path, name))


COMMANDS = list(_commands(main))
OPTIONS = [
    (" ".join(path), opt)
    for path, command in COMMANDS
    for param in command.params
    if isinstance(param, click.Option)
    for opt in (*param.opts, *param.secondary_opts)
]


def _documented_commands(text: str) -> set[str]:
    """The command lines docs/usage.md names in a heading or a code span (`search saved add …`)."""
    names = {_heading_text(raw).strip() for _, raw in _HEADING.findall(_FENCE.sub("", text))}
    names |= {span.strip("`") for span in _CODE_SPAN.findall(_FENCE.sub("", text))}
    return names


def test_the_command_tree_is_walked():
    paths = {" ".join(path) for path, _ in COMMANDS}
    assert {"search index", "search query", "search saved add", "search users passwd", "search alerts run"} <= paths
    assert len(OPTIONS) > 100


@pytest.mark.parametrize("path", [" ".join(p) for p, _ in COMMANDS[1:]])
def test_every_command_has_a_heading_or_code_span_in_usage(path):
    names = _documented_commands(USAGE.read_text(encoding="utf-8"))
    assert any(name == path or name.startswith(path + " ") for name in names), f"{path} is not in docs/usage.md"


@pytest.mark.parametrize(("path", "option"), OPTIONS, ids=[f"{p}:{o}" for p, o in OPTIONS])
def test_every_option_appears_in_usage(path, option):
    text = USAGE.read_text(encoding="utf-8")
    assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", text), f"{path} {option} is not in docs/usage.md"


def test_commands_are_read_from_headings_and_code_spans_only():
    text = (
        "## `search saved add`\n\nRun `search kwic QUERY --width N`; search trend is prose.\n\n```\nsearch stats\n```\n"
    )
    assert _documented_commands(text) == {"search saved add", "search kwic QUERY --width N"}


# ---- the README ---------------------------------------------------------------------------------


def test_the_readme_is_at_most_15000_bytes():
    size = len((ROOT / "README.md").read_bytes())
    assert size <= README_LIMIT, f"README.md is {size} bytes; move material into docs/"
