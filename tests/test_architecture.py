"""The shape of the code: no import circles, no imports hidden in functions, pages and API as siblings.

The imports are read from the source (nothing is executed), so the test sees every import a module
makes, including those under ``if TYPE_CHECKING:``. Lazy imports are allowed only where the design
wants them: the app factory (``service/__init__.py``), ``init_app`` hooks and the command line
(``service/cli.py``).
"""
from __future__ import annotations

import ast
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("service", "workflows")
#: Modules whose functions may import our own modules lazily, and function names allowed anywhere.
LAZY_MODULES = frozenset({"service", "service.cli"})
LAZY_FUNCTIONS = frozenset({"init_app"})


@dataclass(frozen=True)
class Import:
    source: str
    target: str
    line: int
    function: str | None  # the enclosing function, None at module level


def module_name(root: Path, path: Path) -> str:
    parts = list(path.relative_to(root).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def collect_modules(root: Path, packages=PACKAGES) -> dict[str, Path]:
    modules = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            if "migrations" in path.relative_to(root).parts:
                continue  # Alembic loads revisions by path; they import nothing of ours but models' names
            modules[module_name(root, path)] = path
    return modules


def _resolve(source: str, is_package: bool, node: ast.ImportFrom | ast.Import, modules: dict[str, Path]) -> list[str]:
    def ours(name: str) -> str | None:
        # The longest prefix of ``name`` that is one of our modules.
        parts = name.split(".")
        while parts:
            candidate = ".".join(parts)
            if candidate in modules:
                return candidate
            parts.pop()
        return None

    targets = []
    if isinstance(node, ast.Import):
        for alias in node.names:
            if alias.name.split(".")[0] in PACKAGES:
                found = ours(alias.name)
                if found:
                    targets.append(found)
        return targets
    if node.level:
        base = source.split(".") if is_package else source.split(".")[:-1]
        base = base[: len(base) - (node.level - 1)]
        prefix = ".".join(base + ([node.module] if node.module else []))
    else:
        prefix = node.module or ""
        if prefix.split(".")[0] not in PACKAGES:
            return []
    for alias in node.names:
        submodule = f"{prefix}.{alias.name}"
        found = submodule if submodule in modules else ours(prefix)
        if found:
            targets.append(found)
    return targets


def collect_imports(modules: dict[str, Path]) -> list[Import]:
    imports = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        is_package = path.name == "__init__.py"

        def visit(node: ast.AST, function: str | None) -> None:
            for child in ast.iter_child_nodes(node):
                if isinstance(child, (ast.Import, ast.ImportFrom)):
                    for target in _resolve(name, is_package, child, modules):
                        if target != name:
                            imports.append(Import(name, target, child.lineno, function))
                elif isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    visit(child, function or child.name)
                else:
                    visit(child, function)

        visit(tree, None)
    return imports


def lazy_import_allowed(item: Import) -> bool:
    return item.source in LAZY_MODULES or item.function in LAZY_FUNCTIONS


def find_circles(edges: dict[str, set[str]]) -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    circles: list[list[str]] = []
    counter = 0

    def connect(node: str) -> None:
        nonlocal counter
        index[node] = low[node] = counter
        counter += 1
        stack.append(node)
        on_stack.add(node)
        for target in sorted(edges.get(node, ())):
            if target not in index:
                connect(target)
                low[node] = min(low[node], low[target])
            elif target in on_stack:
                low[node] = min(low[node], index[target])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                circles.append(sorted(component))

    for node in sorted(edges):
        if node not in index:
            connect(node)
    return sorted(circles)


def import_graph(imports: list[Import]) -> dict[str, set[str]]:
    """Module-level imports, and lazy ones outside the allowed places (those count as real edges)."""
    edges: dict[str, set[str]] = {}
    for item in imports:
        if item.function is None or not lazy_import_allowed(item):
            edges.setdefault(item.source, set()).add(item.target)
    return edges


def circle_report(circles: list[list[str]], imports: list[Import]) -> str:
    lines = []
    for members in circles:
        inside = set(members)
        lines.append("circle: " + ", ".join(members))
        lines += [f"  {i.source}:{i.line} imports {i.target}" for i in imports
                  if i.source in inside and i.target in inside]
    return "\n".join(lines)


@pytest.fixture(scope="module")
def project_imports():
    modules = collect_modules(ROOT)
    assert "service.operations.workflow" in modules and "workflows.engine" in modules, "sources not found"
    return collect_imports(modules)


def test_no_import_circle(project_imports):
    circles = find_circles(import_graph(project_imports))
    assert not circles, "Import circles:\n" + circle_report(circles, project_imports)


def test_no_import_hidden_in_a_function(project_imports):
    hidden = [f"{i.source}:{i.line} ({i.function}) imports {i.target}"
              for i in project_imports if i.function is not None and not lazy_import_allowed(i)]
    assert not hidden, "Imports of our own modules inside functions:\n" + "\n".join(hidden)


@pytest.mark.parametrize("source, forbidden", [("service.web", "service.api"), ("service.api", "service.web")])
def test_pages_and_api_are_siblings(project_imports, source, forbidden):
    crossing = [f"{i.source}:{i.line} imports {i.target}" for i in project_imports
                if (i.source == source or i.source.startswith(source + "."))
                and (i.target == forbidden or i.target.startswith(forbidden + "."))]
    assert not crossing, f"{source} must not import {forbidden}:\n" + "\n".join(crossing)


def test_lower_layers_do_not_import_upper_ones(project_imports):
    # The workflow definitions know nothing of the service; operations know nothing of pages or API.
    rules = [("workflows", ("service",)), ("service.operations", ("service.web", "service.api")),
             ("service.documents", ("service.web", "service.api", "service.operations"))]
    crossing = []
    for source, forbidden in rules:
        crossing += [f"{i.source}:{i.line} imports {i.target}" for i in project_imports
                     if (i.source == source or i.source.startswith(source + "."))
                     and any(i.target == f or i.target.startswith(f + ".") for f in forbidden)]
    assert not crossing, "\n".join(crossing)


# --- the checker checks: a planted circle and a hidden import are caught ---------------------------

def _tree(tmp_path: Path, files: dict[str, str]) -> list[Import]:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return collect_imports(collect_modules(tmp_path))


def test_checker_finds_a_planted_circle(tmp_path):
    imports = _tree(tmp_path, {
        "service/__init__.py": "",
        "service/operations/__init__.py": "",
        "service/operations/a.py": "from .b import f\n",
        "service/operations/b.py": "from . import c\n",
        "service/operations/c.py": "import service.operations.a\n",
        "service/operations/d.py": "from .a import f\n",
        "workflows/__init__.py": "",
    })
    assert find_circles(import_graph(imports)) == [
        ["service.operations.a", "service.operations.b", "service.operations.c"]]


def test_checker_counts_a_hidden_import_as_an_edge(tmp_path):
    imports = _tree(tmp_path, {
        "service/__init__.py": "def create_app():\n    from .web import views\n",
        "service/web/__init__.py": "def init_app(app):\n    from . import views\n",
        "service/web/views.py": "from ..operations import rounds\n",
        "service/operations/__init__.py": "",
        "service/operations/rounds.py": "def f():\n    from ..web import views\n",
        "workflows/__init__.py": "",
    })
    hidden = [i for i in imports if i.function is not None and not lazy_import_allowed(i)]
    assert [(i.source, i.target, i.function) for i in hidden] == [
        ("service.operations.rounds", "service.web.views", "f")]
    assert find_circles(import_graph(imports)) == [["service.operations.rounds", "service.web.views"]]
