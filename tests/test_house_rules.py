"""House rules that no single feature test would notice breaking: file size and what the CLI loads."""

from __future__ import annotations

import ast
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


# -- complexity and docstrings (issue 25, item 3) -------------------------------------------------
# "No function below radon C": what `radon cc -n D search web` would list, through radon's API.
COMPLEX = "D"  # radon ranks: A 1-5, B 6-10, C 11-20, D 21-30, E 31-40, F 41 and over
# The public API whose every public function and method says what it does.
DOCUMENTED = ("search/engines/base.py", "search/query/*.py")


def _radon_offenders(text: str, path: str = "") -> dict[str, int]:
    from radon.complexity import cc_rank, cc_visit

    return {f"{path}:{block.lineno} {block.fullname}": block.complexity
            for block in cc_visit(text) if cc_rank(block.complexity) >= COMPLEX}


def test_no_function_of_search_or_web_ranks_below_radon_c():
    files = sorted(p for folder in ("search", "web") for p in (ROOT / folder).rglob("*.py"))
    assert len(files) > 50
    offenders: dict[str, int] = {}
    for path in files:
        offenders.update(_radon_offenders(path.read_text(encoding="utf-8"), path.relative_to(ROOT).as_posix()))
    assert offenders == {}, f"radon rank D or worse (split the function): {offenders}"


def test_the_complexity_check_sees_a_rank_d_function_and_a_method():
    # 19 branches make 20, the top of C; one more makes 21, rank D.
    branches = "".join(f"    if x == {n}:\n        return {n}\n" for n in range(19))
    assert _radon_offenders(f"def f(x):\n{branches}    return -1\n") == {}
    assert _radon_offenders(f"def f(x):\n    if x:\n        pass\n{branches}") == {":1 f": 21}
    method = "".join(f"    {line}\n" for line in f"def g(self, x):\n    if x:\n        pass\n{branches}".splitlines())
    assert _radon_offenders(f"class K:\n{method}") == {":1 K": 22, ":2 K.g": 21}  # the class too, as the CLI


def _undocumented(text: str) -> list[str]:
    """The public functions and methods (of public classes) without a docstring, by qualified name."""
    missing: list[str] = []

    def visit(body: list[ast.stmt], prefix: str) -> None:
        for node in body:
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                if not node.name.startswith("_") and ast.get_docstring(node) is None:
                    missing.append(prefix + node.name)
            elif isinstance(node, ast.ClassDef) and not node.name.startswith("_"):
                visit(node.body, f"{prefix}{node.name}.")

    visit(ast.parse(text).body, "")
    return missing


def test_every_public_function_of_the_engine_interface_and_the_query_layer_has_a_docstring():
    files = sorted(p for pattern in DOCUMENTED for p in ROOT.glob(pattern))
    assert ROOT / "search/engines/base.py" in files and ROOT / "search/query/parser.py" in files
    missing = {p.relative_to(ROOT).as_posix(): names for p in files
               if (names := _undocumented(p.read_text(encoding="utf-8")))}
    assert missing == {}, f"public functions without a docstring (one line: what it does): {missing}"


def test_the_docstring_check_sees_functions_and_methods_and_leaves_private_ones_alone():
    text = ('def a():\n    """Doc."""\n\ndef b():\n    pass\n\ndef _c():\n    pass\n\n'
            'class K:\n    def m(self):\n        pass\n\n    def _n(self):\n        pass\n\n'
            'class _P:\n    def m(self):\n        pass\n')
    assert _undocumented(text) == ["b", "K.m"]
