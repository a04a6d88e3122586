"""The shape of the code, checked from the source: imports go one way (no cycle in harness/ or python_impl/), no
module of the harness is over 250 lines, the reference stands apart from the harness, and nothing points at notes
outside the repository."""
from __future__ import annotations

import ast
import subprocess
from pathlib import Path

import pytest

from harness.runners.base import REPO

PACKAGES = ("harness", "python_impl")
MAX_LINES = 250


def module_name(path: Path) -> str:
    parts = list(path.relative_to(REPO).with_suffix("").parts)
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def imports(path: Path) -> set[str]:
    """The project modules a module imports when it is loaded (imports under `if TYPE_CHECKING:` are for type
    checkers only and left out; imports inside functions count: they run when the function does)."""
    tree = ast.parse(path.read_text())
    skip = {id(node) for n in ast.walk(tree) if isinstance(n, ast.If) and "TYPE_CHECKING" in ast.unparse(n.test)
            for node in ast.walk(n)}
    me = module_name(path)
    package = me if path.name == "__init__.py" else me.rpartition(".")[0]
    found = set()
    for node in ast.walk(tree):
        if id(node) in skip:
            continue
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names}
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                parts = parts[:len(parts) - node.level + 1]
                base = ".".join(parts + ([base] if base else []))
            found.add(base)
            found |= {f"{base}.{alias.name}" for alias in node.names}
    return {m for m in found if m.split(".")[0] in PACKAGES and m != me}


def graph() -> dict[str, set[str]]:
    files = [p for pkg in PACKAGES for p in (REPO / pkg).rglob("*.py")]
    modules = {module_name(p): p for p in files}
    return {name: {m for m in imports(path) if m in modules} for name, path in modules.items()}


def find_cycle(edges: dict[str, set[str]]) -> list[str] | None:
    state: dict[str, int] = {}
    stack: list[str] = []

    def visit(node: str) -> list[str] | None:
        state[node] = 1
        stack.append(node)
        for nxt in sorted(edges.get(node, ())):
            if state.get(nxt) == 1:
                return stack[stack.index(nxt):] + [nxt]
            if nxt not in state and (cycle := visit(nxt)):
                return cycle
        state[node] = 2
        stack.pop()
        return None
    for node in sorted(edges):
        if node not in state and (cycle := visit(node)):
            return cycle
    return None


def test_the_cycle_finder_finds_a_cycle():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None


def test_no_import_cycle_in_the_harness_or_the_reference():
    edges = graph()
    assert "harness.report" in edges and "harness.plots" in edges["harness.report"]  # the graph is really read
    assert find_cycle(edges) is None, " -> ".join(find_cycle(edges))


def test_the_reference_does_not_import_the_harness():
    edges = graph()
    offenders = {m: sorted(d for d in deps if d.startswith("harness")) for m, deps in edges.items()
                 if m.startswith("python_impl")}
    assert not {m: d for m, d in offenders.items() if d}


@pytest.mark.parametrize("path", sorted((REPO / "harness").rglob("*.py")), ids=lambda p: str(p.relative_to(REPO)))
def test_no_harness_module_is_over_250_lines(path):
    assert len(path.read_text().splitlines()) <= MAX_LINES


def test_nothing_cites_notes_outside_the_repository():
    tracked = subprocess.run(["git", "ls-files"], cwd=REPO, capture_output=True, text=True, check=True).stdout.split()
    cited = [f for f in tracked if not f.startswith("docs/") and f != "tests/test_structure.py"
             and (REPO / f).is_file() and "DESIGN.md" in (REPO / f).read_text(errors="replace")]
    assert cited == []
