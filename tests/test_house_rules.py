"""The house rules (issue 25), as tests: what loads Whoosh, private names, file sizes, import circles."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("search", "web")
MAX_LINES = 400


def _modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*.py")):
            parts = list(path.relative_to(ROOT).with_suffix("").parts)
            if parts[-1] == "__init__":
                parts = parts[:-1]
            found[".".join(parts)] = path
    return found


MODULES = _modules()


def _loaded_after_import(module: str) -> set[str]:
    code = f"import sys, {module}; print('\\n'.join(sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    return {name.split(".")[0] for name in out.split()}


@pytest.mark.parametrize("module", ["search.query", "search.analysis", "search.analysis.trend",
                                    "search.analysis.concordance", "search.engines.opensearch.engine",
                                    "search.engines.opensearch.ingest", "search.ingest", "web"])
def test_the_neutral_layer_and_the_opensearch_engine_do_not_load_whoosh(module):
    assert "whoosh" not in _loaded_after_import(module)


@pytest.mark.parametrize("module", ["search.engines.embedded.engine", "search.query", "web"])
def test_the_embedded_path_does_not_load_opensearch_py(module):
    assert "opensearchpy" not in _loaded_after_import(module)


def _imports(path: Path):
    """(imported module, names, inside a function?) of every import statement of a file, made absolute."""
    tree = ast.parse(path.read_text("utf-8"))
    parents = {}
    for node in ast.walk(tree):
        for child in ast.iter_child_nodes(node):
            parents[child] = node
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.module, [a.name for a in node.names], node
        elif isinstance(node, ast.Import):
            for alias in node.names:
                yield alias.name, [], node


def test_no_module_imports_a_private_name_of_another_module():
    offences = []
    for name, path in MODULES.items():
        for module, names, node in _imports(path):
            if module.split(".")[0] not in PACKAGES or module == name:
                continue
            offences += [f"{path.relative_to(ROOT)}:{node.lineno} imports {module}.{n}"
                         for n in names if n.startswith("_") and not n.startswith("__")]
    assert offences == []


def test_every_imported_module_is_real_and_relative_imports_are_not_used():
    offences = []
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text("utf-8"))
        offences += [f"{path.relative_to(ROOT)}:{n.lineno}" for n in ast.walk(tree)
                     if isinstance(n, ast.ImportFrom) and n.level]
    assert offences == []


def test_no_file_is_over_400_lines():
    long = {str(p.relative_to(ROOT)): n for p in MODULES.values() if (n := len(p.read_text("utf-8").splitlines())) > MAX_LINES}
    assert long == {}


def _top_level_graph() -> dict[str, set[str]]:
    """Module -> the project modules it imports when it is imported (module level, not in functions or
    under TYPE_CHECKING)."""
    graph: dict[str, set[str]] = {}
    for name, path in MODULES.items():
        tree = ast.parse(path.read_text("utf-8"))
        edges = set()
        for node in tree.body:
            targets = []
            if isinstance(node, ast.ImportFrom) and node.module:
                targets = [node.module] + [f"{node.module}.{a.name}" for a in node.names]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            for target in targets:
                if target in MODULES and target != name:
                    edges.add(target)
        graph[name] = edges
    return graph


def _cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan)."""
    index, low, on, stack, out = {}, {}, set(), [], []
    counter = [0]

    def visit(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in graph.get(v, ()):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            component = []
            while True:
                w = stack.pop()
                on.discard(w)
                component.append(w)
                if w == v:
                    break
            if len(component) > 1:
                out.append(sorted(component))

    sys.setrecursionlimit(10_000)
    for v in graph:
        if v not in index:
            visit(v)
    return out


def test_no_import_circle_between_files():
    graph = _top_level_graph()
    # A package's __init__ that only re-exports its own modules is not a circle with them.
    for name in graph:
        graph[name] = {t for t in graph[name] if not (MODULES[t].name == "__init__.py" and name.startswith(t + "."))}
    assert _cycles(graph) == []
