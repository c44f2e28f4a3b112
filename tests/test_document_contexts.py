"""Every Word document is fed plain data: snapshots read from the database and the contexts built from
them hold only dicts, lists, strings, numbers, booleans, None and dates (never a database object), and
the documents layer imports neither the models nor the operations that read them."""
from __future__ import annotations

import ast
import datetime as dt
from pathlib import Path
from typing import Any

import pytest

from service.db import db
from service.documents import builders
from test_jobs import proposed_round

ROOT = Path(__file__).resolve().parents[1]
PLAIN = (str, int, float, bool, type(None), dt.date)


def impure_values(value: Any, path: str = "") -> list[str]:
    """Where ``value`` holds something other than plain data, as paths like ``awardees[0].unit``."""
    if isinstance(value, dict):
        found = [f"{path}: key {key!r}" for key in value if not isinstance(key, str)]
        for key, item in value.items():
            found += impure_values(item, f"{path}.{key}" if path else str(key))
        return found
    if isinstance(value, list):
        return [problem for index, item in enumerate(value) for problem in impure_values(item, f"{path}[{index}]")]
    if type(value) in PLAIN or isinstance(value, dt.date):
        return []
    return [f"{path}: {type(value).__name__}"]


def test_the_walk_finds_what_is_not_plain():
    assert impure_values({"a": [1, "x", None, dt.date(2024, 1, 1)], "b": {"c": 1.5, "d": True}}) == []
    assert impure_values({"a": [object()], "b": {"c": (1,)}, 3: "x"}) == [": key 3", "a[0]: object", "b.c: tuple"]


def _snapshot_for(kind: str) -> dict[str, Any]:
    if kind in builders.DOCUMENT_KINDS:
        return builders.sample_snapshot()
    return builders.sample_campaign_snapshot()


@pytest.mark.parametrize("kind", builders.ALL_DOCUMENT_KINDS)
def test_every_kind_has_one_builder_whose_context_is_plain_data(kind):
    snapshot = _snapshot_for(kind)
    assert impure_values(snapshot) == []
    context = builders.CONTEXT_BUILDERS[kind](snapshot)
    assert isinstance(context, dict) and context
    assert impure_values(context) == []


def test_the_variants_of_a_builder_are_plain_data_too():
    without_meeting = {**builders.sample_snapshot(), "meeting": None}
    assert impure_values(builders.build_context("bien_ban", without_meeting)) == []
    ranked = builders.build_campaign_context("to_trinh_tong_hop", builders.sample_campaign_snapshot(),
                                             annex_order="ranked")
    assert impure_values(ranked) == []


def test_the_registry_covers_every_template():
    assert set(builders.CONTEXT_BUILDERS) == set(builders.ALL_DOCUMENT_KINDS)
    for kind in builders.ALL_DOCUMENT_KINDS:
        assert builders.builtin_template_path(kind).is_file(), kind
        assert builders.sample_path(kind).is_file(), kind


def test_snapshots_read_from_the_database_are_plain_data(app, as_user, world):
    from service.models import CampaignRound, Dossier
    from service.operations import round_documents
    from service.operations.documents import dossier_snapshot

    round_id, dossier_ids = proposed_round(as_user, world)
    dossier = db.session.get(Dossier, dossier_ids[0])
    dossier_snap = dossier_snapshot(dossier)
    assert impure_values(dossier_snap) == []
    for kind in builders.DOCUMENT_KINDS:
        assert impure_values(builders.build_context(kind, dossier_snap)) == []

    round_ = db.session.get(CampaignRound, round_id)
    decision = round_documents.decision_snapshot(round_)
    assert impure_values(decision) == [] and decision["awardees"]
    award = round_documents.award_snapshot(round_)
    assert impure_values(award) == []
    assert all(a["prize_rounded"] > 0 for a in award["awardees"])
    for kind in builders.CAMPAIGN_DOCUMENT_KINDS:
        assert impure_values(builders.build_campaign_context(kind, award)) == []


# --- layers ------------------------------------------------------------------------------------------

def _absolute_imports(path: Path) -> list[str]:
    """Modules ``path`` imports, relative imports resolved against its package."""
    package = list(path.relative_to(ROOT).with_suffix("").parts[:-1])
    names = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names += [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = package[:len(package) - node.level + 1] if node.level else []
            module = ".".join([*base, *([node.module] if node.module else [])])
            names += [module] if node.module else [f"{module}.{alias.name}" for alias in node.names]
    return names


PURE_FILES = sorted((ROOT / "service" / "documents").rglob("*.py")) + [ROOT / "service" / "office_package.py"]


@pytest.mark.parametrize("path", PURE_FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_documents_import_neither_models_nor_operations(path):
    forbidden = ("flask", "sqlalchemy", "service.models", "service.db", "service.operations", "service.api",
                 "service.web")
    for name in _absolute_imports(path):
        assert not any(name == f or name.startswith(f + ".") for f in forbidden), f"{path.name} imports {name}"
