"""The pages and the JSON API are siblings over one shared layer, and their handlers have one shape.

Neither side imports the other; both load what a URL names through the
decorators of service.lookup, so "may this user see it" (404) and "may this user
do it" (403) are decided in one place for both.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

SERVICE = Path(__file__).resolve().parent.parent / "service"
# The one read that does not load the dossier: it answers from a cached body after a single small query.
LOADS_ON_ITS_OWN = {"api.DossierItem.get"}
LOADED_IDS = ("dossier_id", "nominee_id", "round_id", "campaign_id", "job_id")


def _imported_modules(path: Path) -> set[str]:
    """Absolute names of the service modules ``path`` imports."""
    package = ["service", *path.relative_to(SERVICE).parent.parts]
    names: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *(node.module.split(".") if node.module else [])])
            names.add(module)
            names.update(f"{module}.{alias.name}" for alias in node.names)
        elif isinstance(node, ast.Import):
            names.update(alias.name for alias in node.names)
    return names


@pytest.mark.parametrize(("side", "other"), [("web", "api"), ("api", "web")])
def test_one_side_imports_nothing_from_the_other(side, other):
    forbidden = re.compile(rf"^service\.{other}(\.|$)")
    offending = {f"{path.relative_to(SERVICE)}: {name}" for path in (SERVICE / side).rglob("*.py")
                 for name in _imported_modules(path) if forbidden.match(name)}
    assert not offending, sorted(offending)


def _is_loading_handler(function) -> bool:
    """Whether service.lookup's decorator is somewhere in ``function``'s chain of wrappers."""
    while function is not None:
        code = getattr(function, "__code__", None)
        if code is not None and code.co_name == "handler" and code.co_filename.endswith("lookup.py"):
            return True
        function = getattr(function, "__wrapped__", None)
    return False


def _handlers(app):
    """(name, rule, function) of every handler of the pages and the API, one per method of a class view."""
    for rule in app.url_map.iter_rules():
        view = app.view_functions[rule.endpoint]
        view_class = getattr(view, "view_class", None)
        if view_class is None:
            yield rule.endpoint, rule.rule, view
            continue
        for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
            name = f"{rule.endpoint.split('.')[0]}.{view_class.__name__}.{method.lower()}"
            yield name, rule.rule, getattr(view_class, method.lower())


def test_every_handler_of_an_object_in_the_url_loads_it_through_lookup(app):
    unloaded = [f"{name} {rule}" for name, rule, function in _handlers(app)
                if name.split(".")[0] in ("web", "api", "rounds", "files", "jobs")
                and any(f":{name}>" in rule for name in LOADED_IDS)
                and name not in LOADS_ON_ITS_OWN and not _is_loading_handler(function)]
    assert not unloaded, unloaded


def test_the_loading_decorators_answer_404_before_403(client, world, as_user):
    """A campaign that does not exist is not found even for someone who may not open the admin pages."""
    clerk = as_user("clerk")
    assert clerk.get("/api/v1/campaigns/999999/rounds").status_code == 404
    assert clerk.put("/api/v1/admin/campaigns/999999/templates/to_trinh").status_code == 404
    assert clerk.get("/api/v1/rounds/999999").status_code == 404
    assert clerk.get("/api/v1/jobs/999999").status_code == 404
