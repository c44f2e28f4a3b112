"""The awards package stays pure: no web framework, no database, no machine paths."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted((ROOT / "service" / "awards").glob("*.py")) + sorted((ROOT / "service" / "awards").glob("*.yaml"))
FORBIDDEN = ("flask", "sqlalchemy", "flask_sqlalchemy", "flask_smorest")


@pytest.mark.parametrize("path", [p for p in FILES if p.suffix == ".py"], ids=lambda p: p.name)
def test_no_web_or_database_imports(path):
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [node.module]
        for name in names:
            assert name.split(".")[0].lower() not in FORBIDDEN, f"{path.name} imports {name}"


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.name)
def test_no_absolute_machine_paths(path):
    text = path.read_text(encoding="utf-8")
    for fragment in ("/work/", "/tmp/", "/home/", "shared/DOMAIN"):
        assert fragment not in text
