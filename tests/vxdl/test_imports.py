"""backend.vxdl's modules import one another in one direction (function-level imports and the compiled walk
included), and none of them imports the package itself (its __init__ only re-exports)."""

import ast
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[2] / "backend" / "vxdl"
PREFIX = "backend.vxdl"


def imported(path: Path) -> set[str]:
    """Every backend.vxdl module a file imports, anywhere in it."""
    if path.suffix == ".pyx":
        names = set(re.findall(r"^\s*(?:from|import)\s+([\w.]+)", path.read_text(), re.MULTILINE))
    else:
        names = set()
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.Import):
                names |= {alias.name for alias in node.names}
            elif isinstance(node, ast.ImportFrom) and node.module:
                names.add(node.module)
    return {n for n in names if n == PREFIX or n.startswith(PREFIX + ".")}


def graph() -> dict[str, set[str]]:
    return {f"{PREFIX}.{p.stem}": imported(p) for p in sorted(PACKAGE.glob("*.py*")) if p.stem != "__init__"}


def test_no_module_imports_the_package_itself():
    assert {name: deps for name, deps in graph().items() if PREFIX in deps} == {}


def test_no_circle_between_the_modules():
    edges = graph()
    circles = []

    def visit(node: str, path: list[str]) -> None:
        for dep in sorted(edges.get(node, ())):
            if dep in path:
                circles.append(path[path.index(dep):] + [dep])
            elif dep not in done:
                visit(dep, [*path, dep])
        done.add(node)

    done: set[str] = set()
    for start in sorted(edges):
        visit(start, [start])
    assert circles == []
    assert f"{PREFIX}.writer" in edges[f"{PREFIX}.builder"]  # the builder writes a kept duplicate, never back
