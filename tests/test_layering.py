"""The layers hold: no import circle, no upward import, no Qt in the backend, no hidden call upwards.

The module graph is built from the source with `ast`, so that function-level imports count as much as
top-level ones. Floors, bottom to top: backend (its own floors below), then widgets, then designer.
"""

from __future__ import annotations

import ast
import json
import os
import re
import subprocess
import sys
from dataclasses import dataclass
from functools import cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("backend", "widgets", "designer")  # bottom to top
QT = ("PySide6", "pyqtgraph", "qasync", "shiboken6", "PyQt5", "PyQt6")

# Floors inside the backend, bottom to top: a module may import its own floor and the floors below.
# Each backend module belongs to the floor of the longest prefix that names it (a prefix names a module
# and its submodules; `backend` names only the root package's own __init__). A new package needs a line.
BACKEND_FLOORS: list[tuple[str, tuple[str, ...]]] = [
    ("model", ("backend", "backend.extras", "backend.files", "backend.heap", "backend.lazy", "backend.model",
               "backend.resources")),
    ("formats", ("backend.vxdl", "backend.convert")),
    ("embedding", ("backend.embedding",)),
    ("deploy", ("backend.deploy", "backend.guest", "backend.lab")),
    ("monitor", ("backend.monitor",)),
    ("experiments", ("backend.experiments",)),
    ("cli", ("backend.cli",)),
]

# Exceptions the layers tolerate: none. A circle or an upward import found here is a defect to fix, not to list.
KNOWN_CIRCLES: list[set[str]] = []
KNOWN_UPWARD: set[tuple[str, str]] = set()


@dataclass(frozen=True)
class Edge:
    """One import: `source` imports `target` at `where` (file:line)."""

    source: str
    target: str
    where: str


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


@cache
def modules() -> dict[str, Path]:
    """Every module of the three packages (Python and Cython sources) by dotted name."""
    found: dict[str, Path] = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).rglob("*")):
            if path.suffix in (".py", ".pyx") and "__pycache__" not in path.parts:
                found[_module_name(path)] = path
    return found


def _resolve(name: str, imported: str | None = None) -> str | None:
    """The project module that `import name` or `from name import imported` runs, or None (a library)."""
    known = modules()
    if imported is not None and f"{name}.{imported}" in known:
        return f"{name}.{imported}"
    while name and name not in known:
        name = name.rpartition(".")[0]
    return name or None


def _is_type_checking(node: ast.If) -> bool:
    test = node.test
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING")


def _walk(tree: ast.AST):
    """Every node, except inside `if TYPE_CHECKING:` (annotations only, never run)."""
    for node in ast.iter_child_nodes(tree):
        if isinstance(node, ast.If) and _is_type_checking(node):
            for other in node.orelse:
                yield other
                yield from _walk(other)
            continue
        yield node
        yield from _walk(node)


_CYTHON_IMPORT = re.compile(r"^[ \t]*(?:from[ \t]+([\w.]+)[ \t]+import[ \t]+(\([^)]*\)|[^\n]+)|import[ \t]+([^\n]+))",
                            re.M)


def _cython_imports(text: str) -> list[tuple[str, str | None, int]]:
    """Python imports of a Cython file (its `cimport`s are C declarations, not modules it runs)."""
    found = []
    for match in _CYTHON_IMPORT.finditer(text):
        line = text.count("\n", 0, match.start()) + 1
        names = (match.group(2) or match.group(3)).split("#")[0].strip("() \n")
        for part in (n.split()[0] for n in names.replace("\n", " ").split(",") if n.strip()):
            found.append((match.group(1), part, line) if match.group(1) else (part, None, line))
    return found


def _imports_of(module: str, path: Path) -> list[tuple[str, str | None, int]]:
    """(name, imported name or None, line) of each import in a module; Cython files by pattern."""
    text = path.read_text()
    if path.suffix == ".pyx":
        return _cython_imports(text)
    found = []
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    for node in _walk(ast.parse(text, str(path))):
        if isinstance(node, ast.Import):
            found += [(alias.name, None, node.lineno) for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, *([base] if base else [])])
            found += [(base, alias.name, node.lineno) for alias in node.names]
        elif isinstance(node, ast.Call) and _called_name(node) in ("importlib.import_module", "import_module",
                                                                     "__import__") and node.args:
            found += [(name, None, node.lineno) for name in _loaded_names(node.args[0], module)]
    return found


def _loaded_names(arg: ast.expr, module: str) -> list[str]:
    """Modules a call such as import_module(arg) may load: a constant name, or for an f-string that starts
    with a package's name (`f"{__name__}.{x}"`, `f"widgets.{x}"`) every module of that package."""
    if isinstance(arg, ast.Constant) and isinstance(arg.value, str):
        return [arg.value]
    if not isinstance(arg, ast.JoinedStr):
        return []
    prefix = ""
    for part in arg.values:
        if isinstance(part, ast.Constant) and isinstance(part.value, str):
            prefix += part.value
        elif isinstance(part, ast.FormattedValue) and isinstance(part.value, ast.Name) and \
                part.value.id == "__name__" and not prefix:
            prefix += module
        else:
            break
    package = prefix[:-1] if prefix.endswith(".") else None
    return [m for m in modules() if package and m.startswith(prefix) and "." not in m[len(prefix):]]


@cache
def graph() -> list[Edge]:
    """Every import between project modules, function-level and `importlib` ones included."""
    edges = []
    for module, path in modules().items():
        for name, imported, line in _imports_of(module, path):
            target = _resolve(name, imported)
            edge = Edge(module, target, f"{path.relative_to(ROOT)}:{line}")
            if target is not None and target != module and edge not in edges:
                edges.append(edge)
    return edges


def library_imports(module: str) -> list[tuple[str, str]]:
    """(top-level library name, file:line) of each import of a module that is not a project module."""
    path = modules()[module]
    return [(name.partition(".")[0], f"{path.relative_to(ROOT)}:{line}")
            for name, imported, line in _imports_of(module, path) if _resolve(name, imported) is None]


def circles(edges: list[Edge]) -> list[list[str]]:
    """Strongly connected groups of two or more modules (Tarjan), each sorted."""
    succ: dict[str, set[str]] = {}
    for edge in edges:
        succ.setdefault(edge.source, set()).add(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    groups: list[list[str]] = []

    def visit(start: str) -> None:  # iterative, so that deep graphs need no recursion
        work = [(start, iter(sorted(succ.get(start, ()))))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(succ.get(child, ())))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                group = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    group.append(member)
                    if member == node:
                        break
                if len(group) > 1:
                    groups.append(sorted(group))

    for node in sorted(succ):
        if node not in index:
            visit(node)
    return groups


def _shortest_loop(start: str, by_source: dict[str, list[Edge]]) -> list[Edge] | None:
    paths: dict[str, list[Edge]] = {start: []}
    queue = [start]
    while queue:
        node = queue.pop(0)
        for edge in by_source.get(node, []):
            if edge.target == start:
                return [*paths[node], edge]
            if edge.target not in paths:
                paths[edge.target] = [*paths[node], edge]
                queue.append(edge.target)
    return None


def describe_circle(group: list[str], edges: list[Edge]) -> str:
    """The shortest path around the circle with the import lines that make it, then the other imports
    inside the group (each of which may close a circle of its own)."""
    members = set(group)
    inner = [e for e in edges if e.source in members and e.target in members]
    by_source: dict[str, list[Edge]] = {}
    for edge in inner:
        by_source.setdefault(edge.source, []).append(edge)
    loops = [loop for loop in (_shortest_loop(m, by_source) for m in group) if loop]
    loop = min(loops, key=len) if loops else []
    lines = [f"circle of {len(group)} modules: {', '.join(group)}"]
    lines += [f"  {e.source} -> {e.target}  ({e.where})" for e in loop]
    others = [e for e in inner if e not in loop]
    if others:
        lines.append("  other imports inside it:")
        lines += [f"    {e.source} -> {e.target}  ({e.where})" for e in others]
    return "\n".join(lines)


def floor_of(module: str) -> tuple[int, str] | None:
    """(rank, name) of a module's floor: backend floors first, then widgets, then designer."""
    top = module.partition(".")[0]
    if top == "widgets":
        return (len(BACKEND_FLOORS), "widgets")
    if top == "designer":
        return (len(BACKEND_FLOORS) + 1, "designer")
    best: tuple[int, int, str] | None = None
    for rank, (name, prefixes) in enumerate(BACKEND_FLOORS):
        for prefix in prefixes:
            names = module == prefix or (prefix != "backend" and module.startswith(prefix + "."))
            if names and (best is None or len(prefix) > best[0]):
                best = (len(prefix), rank, name)
    return None if best is None else (best[1], best[2])


def upward(edges: list[Edge]) -> list[Edge]:
    """Imports from a floor into a floor above it."""
    return [e for e in edges if floor_of(e.source) and floor_of(e.target)
            and floor_of(e.target)[0] > floor_of(e.source)[0]]


def _called_name(call: ast.Call) -> str:
    func, parts = call.func, []
    while isinstance(func, ast.Attribute):
        parts.append(func.attr)
        func = func.value
    if isinstance(func, ast.Name):
        parts.append(func.id)
    return ".".join(reversed(parts))


_LAUNCHERS = re.compile(r"(^|\.)(subprocess\.\w+|Popen|run|call|check_call|check_output|popen|system|"
                        r"exec\w*|spawn\w*|create_subprocess_\w+|import_module|__import__|run_module|run_path)$")
_UPPER = re.compile(r"(?<![\w-])(widgets|designer)(\.[A-Za-z_]\w*)*(?![\w-])")


def hidden_upward_calls() -> list[str]:
    """Backend calls that start a process or load a module and name widgets or designer, and string
    constants of the backend that are exactly a module of widgets or designer."""
    upper = {m for m in modules() if m.partition(".")[0] in ("widgets", "designer")}
    upper |= {str(p.relative_to(ROOT)) for m, p in modules().items() if m in upper}
    found = []
    for module, path in modules().items():
        if not module.startswith("backend") or path.suffix != ".py":
            continue
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            where = f"{path.relative_to(ROOT)}:{getattr(node, 'lineno', '?')}"
            if isinstance(node, ast.Call) and _LAUNCHERS.search(_called_name(node)):
                for arg in [*node.args, *(k.value for k in node.keywords)]:
                    for leaf in ast.walk(arg):
                        if isinstance(leaf, ast.Constant) and isinstance(leaf.value, str) and \
                                _UPPER.search(leaf.value):
                            found.append(f"{where}: {_called_name(node)}(...) names {leaf.value!r}")
            elif isinstance(node, ast.Constant) and isinstance(node.value, str) and node.value.strip() in upper:
                found.append(f"{where}: the string {node.value!r} names a module above the backend")
    return sorted(set(found))


# ----- the tests -----

def test_no_import_circle():
    edges = graph()
    found = [g for g in circles(edges) if set(g) not in KNOWN_CIRCLES]
    assert not found, "import circles:\n" + "\n".join(describe_circle(g, edges) for g in found)


def test_known_circles_are_still_there():
    """The allow-list holds only circles that exist (a fixed one must leave the list)."""
    present = [set(g) for g in circles(graph())]
    gone = [sorted(k) for k in KNOWN_CIRCLES if k not in present]
    assert not gone, f"these known circles are gone; remove them from KNOWN_CIRCLES: {gone}"


def test_every_backend_module_has_a_floor():
    missing = [m for m in modules() if m.startswith("backend") and floor_of(m) is None]
    assert not missing, f"backend modules on no floor (add them to BACKEND_FLOORS): {missing}"


def test_no_upward_import():
    found = [e for e in upward(graph()) if (e.source, e.target) not in KNOWN_UPWARD]
    assert not found, "imports into a floor above:\n" + "\n".join(
        f"  {e.source} ({floor_of(e.source)[1]}) imports {e.target} ({floor_of(e.target)[1]})  ({e.where})"
        for e in found)


def test_backend_names_no_qt_import():
    found = [f"{module} imports {lib} ({where})" for module in modules() if module.startswith("backend")
             for lib, where in library_imports(module) if lib in QT]
    assert not found, "Qt in the backend:\n" + "\n".join(found)


_RUNTIME_PROBE = """
import importlib, json, sys
QT = {qt!r}
report = {{}}
for name in {names!r}:
    importlib.import_module(name)
    loaded = sorted({{m.split(".")[0] for m in sys.modules}} & set(QT))
    if loaded:
        report[name] = loaded
        break
print(json.dumps(report))
"""


def test_importing_every_backend_module_loads_no_qt():
    names = sorted(m for m, p in modules().items() if m.startswith("backend") and p.suffix == ".py"
                   and not m.endswith("__main__"))
    done = subprocess.run([sys.executable, "-c", _RUNTIME_PROBE.format(qt=QT, names=names)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == {}, f"importing {next(iter(report))} loaded Qt: {report}"


LIBVIRT = ("libvirt", "libvirtaio", "libvirt_qemu", "libvirtmod", "libvirtmod_qemu")


def test_importing_every_module_loads_no_libvirt():
    """libvirt-python is an optional extra: no module imports it at its top, so that everything but the libvirt
    backends works without it (tests/cli/test_without_libvirt.py runs the commands with it blocked)."""
    names = sorted(m for m, p in modules().items() if p.suffix == ".py" and not m.endswith("__main__"))
    done = subprocess.run([sys.executable, "-c", _RUNTIME_PROBE.format(qt=LIBVIRT, names=names)], cwd=ROOT,
                          capture_output=True, text=True, timeout=120,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})
    assert done.returncode == 0, done.stderr
    report = json.loads(done.stdout)
    assert report == {}, f"importing {next(iter(report))} loaded libvirt: {report}"


def test_backend_starts_no_process_and_loads_no_module_of_widgets_or_designer():
    found = hidden_upward_calls()
    assert not found, "the backend reaches upwards without an import:\n" + "\n".join(found)


# ----- the checker checks itself on made-up graphs -----

def test_checker_finds_a_circle_and_names_its_imports():
    edges = [Edge("backend.model.a", "backend.model.b", "a.py:3"), Edge("backend.model.b", "backend.model.c", "b.py:9"),
             Edge("backend.model.c", "backend.model.a", "c.py:1"), Edge("backend.model.c", "backend.model.d", "c.py:2")]
    (group,) = circles(edges)
    assert group == ["backend.model.a", "backend.model.b", "backend.model.c"]
    text = describe_circle(group, edges)
    assert "backend.model.c -> backend.model.a  (c.py:1)" in text and "backend.model.d" not in text


def test_checker_finds_an_upward_import():
    edges = [Edge("backend.model.timing", "backend.deploy.base", "timing.py:5"),
             Edge("backend.deploy.base", "backend.model.timing", "base.py:5"),
             Edge("widgets.plot", "designer.app", "plot.py:1")]
    assert [(e.source, e.target) for e in upward(edges)] == [("backend.model.timing", "backend.deploy.base"),
                                                            ("widgets.plot", "designer.app")]


def test_function_level_and_from_package_imports_are_edges(tmp_path, monkeypatch):
    """`from pkg import name` is an edge to pkg.name when that is a module, else to pkg's __init__."""
    source = tmp_path / "backend" / "model" / "probe_module.py"
    source.parent.mkdir(parents=True)
    source.write_text("def late():\n    from backend.model import units, Quantity\n"
                      "    from backend.deploy import base\n"
                      "if TYPE_CHECKING:\n    from backend.cli import main\n")
    imports = _imports_of("backend.model.probe_module", source)
    targets = {_resolve(name, imported) for name, imported, _ in imports}
    assert targets == {"backend.model.units", "backend.model", "backend.deploy.base"}


def test_a_new_backend_package_has_no_floor_until_it_is_given_one():
    assert floor_of("backend") == (0, "model") and floor_of("backend.model.units") == (0, "model")
    assert floor_of("backend.experiments.plots")[1] == "experiments"
    assert floor_of("backend.newpackage.module") is None


def test_cython_imports_are_read_and_cimports_left_out():
    text = ("from libc.string cimport strcmp\nfrom backend.model import Link, Node\n"
            "from backend.model import units as U\nfrom backend.vxdl.schema import (EXT_NS,\n    VXDL_NS)\n"
            "import backend.model.timing\n")
    assert {(_resolve(n, i), line) for n, i, line in _cython_imports(text)} == {
        ("backend.model", 2), ("backend.model.units", 3), ("backend.vxdl.schema", 4), ("backend.model.timing", 6)}
