"""The operations and the workflow package import each other in layers: no circle, and no import hidden in a function.

An import placed inside a function to dodge a circle keeps the circle (the
modules still need each other) and hides it from the reader; here the graph of
module-level imports must have no cycle, and a function may only import
outside packages.
"""
from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("service/operations", "workflows")
# Imports still inside a function, each with the reason it is allowed for now.
KNOWN_LAZY = {
    # nominee_values is moving out of rounds.py into service/campaigns/metrics.py.
    ("service.operations.documents", "service.operations.rounds"),
}


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _resolve(module: str, node: ast.ImportFrom | ast.Import, is_package: bool) -> list[str]:
    if isinstance(node, ast.Import):
        return [alias.name for alias in node.names]
    base = module.split(".") if is_package else module.split(".")[:-1]
    if node.level:
        base = base[:len(base) - node.level + 1]
        target = ".".join(base + ([node.module] if node.module else []))
    else:
        target = node.module or ""
    # `from . import x` imports the module x.
    return [f"{target}.{alias.name}" for alias in node.names] + [target]


def _imports() -> dict[str, tuple[set[str], set[str]]]:
    """Each module of PACKAGES: (modules it imports at module level, modules it imports inside functions)."""
    modules = {}
    for package in PACKAGES:
        for path in sorted((ROOT / package).glob("*.py")):
            name = _module_name(path)
            tree = ast.parse(path.read_text(encoding="utf-8"))
            inside = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
                      for n in ast.walk(f)}
            top, lazy = set(), set()
            for node in ast.walk(tree):
                if isinstance(node, (ast.Import, ast.ImportFrom)):
                    targets = _resolve(name, node, path.name == "__init__.py")
                    (lazy if id(node) in inside else top).update(targets)
            modules[name] = (top, lazy)
    return modules


def _ours(modules: dict, name: str) -> str | None:
    while name:
        if name in modules:
            return name
        name = name.rpartition(".")[0]
    return None


def test_no_import_of_our_own_modules_inside_a_function():
    modules = _imports()
    lazy = {(name, _ours(modules, target)) for name, (_, inner) in modules.items() for target in inner
            if _ours(modules, target) and _ours(modules, target) != name}
    assert lazy - KNOWN_LAZY == set()


def test_module_level_imports_have_no_circle():
    modules = _imports()
    graph = {name: {_ours(modules, t) for t in top} - {None, name} for name, (top, _) in modules.items()}
    # A package's __init__ re-exports its modules; the modules reaching back to it is not a circle of logic.
    for name in graph:
        graph[name] -= {p for p in ("workflows",) if name.startswith(p + ".")}
    seen: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        seen[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if seen.get(nxt) == 1:
                raise AssertionError("import circle: " + " -> ".join(path[path.index(nxt):] + [nxt]))
            if nxt not in seen:
                visit(nxt)
        path.pop()
        seen[node] = 2

    for name in sorted(graph):
        if name not in seen:
            visit(name)
