"""Every state name the code writes down exists in the workflow YAML, and the database allows exactly those.

The scanner reads the Python sources of service/ and workflows/ (with ``ast``)
and the Jinja pages (with Jinja's own parser) and collects each string literal
used as a state name:

* compared with a state (``dossier.state == "x"``, ``state in ("x", "y")``,
  ``{% if page.state == "x" %}``), where a state is a name or attribute called
  ``state``, ``from_state``, ``to_state``, ``expected_state``, ``current_state``,
  ``dossier_state`` or ``round_state``;
* assigned to one (``round_.state = "x"``) or passed as one (``state="x"``,
  ``expected_state="x"``);
* given to ``<state>.in_(...)``, to a function whose name says ``state`` (a
  tuple or list of them: ``ensure_state(d, ("x",), ...)``; a single one for
  ``*state_label(...)``);
* a key of a literal dict bound to a ``STATE_*`` name (``STATE_TONES = {"x": ...}``)
  and a literal key read from one (``STATE_TONES["x"]``); an element of a
  literal tuple, list or set bound to a ``*STATES`` name (``OPEN_STATES = ("x",)``).

Job states (a separate machine, ``models.JOB_STATES``) are allowed where the
file or the expression is about jobs.
"""
from __future__ import annotations

import ast
import re
from pathlib import Path
from typing import Iterator, NamedTuple

import jinja2
import pytest
import sqlalchemy as sa
from jinja2 import nodes as jn

from service.db import db
from service.models import JOB_STATES, CampaignRound, Dossier
from workflows import ROUND_WORKFLOW, WORKFLOW

ROOT = Path(__file__).resolve().parents[1]
STATE_FIELDS = frozenset({"state", "from_state", "to_state", "expected_state", "current_state", "dossier_state",
                          "round_state"})
# "" is a history row's state before the record existed.
WORKFLOW_STATES = frozenset(WORKFLOW.state_names) | frozenset(ROUND_WORKFLOW.state_names) | {""}
# Constants that list states (OPEN_STATES) or map them to something (STATE_TONES, ROUND_STATE_TONES).
_STATE_SET = re.compile(r"(^|_)STATES$")
_STATE_MAP = re.compile(r"(^|_)STATE_[A-Z_]+$")


class Use(NamedTuple):
    where: str
    line: int
    value: str
    is_job: bool


def _terminal(node: ast.AST) -> str:
    if isinstance(node, ast.Name):
        return node.id
    if isinstance(node, ast.Attribute):
        return node.attr
    return ""


def _is_state(node: ast.AST) -> bool:
    return _terminal(node) in STATE_FIELDS


def _strings(node: ast.AST) -> list[tuple[int, str]]:
    """The string literal ``node`` is, or those of a literal tuple, list, set or frozenset(...) of them."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [(node.lineno, node.value)]
    if isinstance(node, (ast.Tuple, ast.List, ast.Set)):
        return [item for element in node.elts for item in _strings(element)]
    if isinstance(node, ast.Call) and _terminal(node.func) in ("frozenset", "set", "tuple") and node.args:
        return _strings(node.args[0])
    return []


def _mentions_job(node: ast.AST) -> bool:
    return "job" in ast.unparse(node).lower()


def python_state_literals(source: str, where: str) -> list[Use]:
    """Every string literal ``source`` uses as a state name (see the module docstring)."""
    tree = ast.parse(source)
    about_jobs = "job" in where.lower()
    uses: list[Use] = []

    def add(literals: list[tuple[int, str]], context: ast.AST) -> None:
        is_job = about_jobs or _mentions_job(context)
        uses.extend(Use(where, line, value, is_job) for line, value in literals)

    for node in ast.walk(tree):
        if isinstance(node, ast.Compare):
            operands = [node.left, *node.comparators]
            state_side = next((o for o in operands if _is_state(o)), None)
            if state_side is not None:
                for operand in operands:
                    if operand is not state_side:
                        add(_strings(operand), state_side)
        elif isinstance(node, (ast.Assign, ast.AnnAssign)):
            targets = node.targets if isinstance(node, ast.Assign) else [node.target]
            value = node.value
            if value is None:
                continue
            for target in targets:
                name = _terminal(target)
                if name in STATE_FIELDS:
                    add(_strings(value), target)
                elif _STATE_MAP.search(name) and isinstance(value, ast.Dict):
                    add([item for key in value.keys if key is not None for item in _strings(key)], target)
                elif _STATE_SET.search(name):
                    add(_strings(value), target)
        elif isinstance(node, ast.Call):
            function = _terminal(node.func)
            for keyword in node.keywords:
                if keyword.arg in STATE_FIELDS:
                    add(_strings(keyword.value), node)
            if function == "in_" and isinstance(node.func, ast.Attribute) and _is_state(node.func.value):
                for argument in node.args:
                    add(_strings(argument), node.func.value)
            elif function.endswith("state_label"):
                for argument in node.args:
                    add(_strings(argument), node)
            elif "state" in function.lower():
                for argument in node.args:
                    if isinstance(argument, (ast.Tuple, ast.List, ast.Set)):
                        add(_strings(argument), node)
        elif isinstance(node, ast.Subscript):
            if _STATE_MAP.search(_terminal(node.value)):
                add(_strings(node.slice), node.value)
    return uses


def _jinja_terminal(node: jn.Node) -> str:
    if isinstance(node, jn.Name):
        return node.name
    if isinstance(node, jn.Getattr):
        return node.attr
    if isinstance(node, jn.Getitem) and isinstance(node.arg, jn.Const):
        return str(node.arg.value)
    return ""


def _jinja_strings(node: jn.Node) -> list[tuple[int, str]]:
    if isinstance(node, jn.Const) and isinstance(node.value, str):
        return [(node.lineno, node.value)]
    if isinstance(node, (jn.Tuple, jn.List)):
        return [item for element in node.items for item in _jinja_strings(element)]
    return []


def jinja_state_literals(source: str, where: str) -> list[Use]:
    """Every string literal a Jinja page compares with a state (``x.state == "a"``, ``x.state in ("a", "b")``)."""
    tree = jinja2.Environment().parse(source)
    about_jobs = "job" in where.lower()
    uses: list[Use] = []
    for compare in tree.find_all(jn.Compare):
        operands = [compare.expr, *(operand.expr for operand in compare.ops)]
        state_side = next((o for o in operands if _jinja_terminal(o) in STATE_FIELDS), None)
        if state_side is None:
            continue
        is_job = about_jobs or "job" in repr(state_side).lower()
        for operand in operands:
            if operand is not state_side:
                uses.extend(Use(where, line, value, is_job) for line, value in _jinja_strings(operand))
    return uses


def unknown_states(uses: list[Use]) -> list[str]:
    allowed_for_jobs = WORKFLOW_STATES | frozenset(JOB_STATES)
    return [f"{u.where}:{u.line}: {u.value!r}" for u in uses
            if u.value not in (allowed_for_jobs if u.is_job else WORKFLOW_STATES)]


def _sources() -> Iterator[Path]:
    for folder in ("service", "workflows"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            # Migrations are history: they keep the names a revision was written with.
            if "migrations" not in path.parts:
                yield path


def _templates() -> Iterator[Path]:
    yield from sorted((ROOT / "service").rglob("templates/**/*.html"))


def test_every_state_name_in_the_code_is_a_workflow_state():
    uses: list[Use] = []
    for path in _sources():
        uses += python_state_literals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    for path in _templates():
        uses += jinja_state_literals(path.read_text(encoding="utf-8"), str(path.relative_to(ROOT)))
    # The scanner must actually be looking at something: the code does name states.
    assert len(uses) >= 10
    assert unknown_states(uses) == []


BAD_PYTHON = '''
if dossier.state == "drafing": pass
if round_.state in ("collecting", "colecting"): pass
query.where(Dossier.state.in_(["acepted"]))
dossier.state = "aproved"
fire(actor, dossier, "submit", expected_state="reddy")
Dossier(state="drafted")
ensure_state(dossier, ("council",), "thêm người được đề nghị")
state_label("submited")
STATE_TONES = {"draftin": "neutral"}
OPEN_STATES = ("open",)
tone = STATE_TONES["reviewing"]
if job.state == "finish": pass
'''
BAD_JINJA = '''{% if page.state == "drafing" %}x{% endif %}
{% if row.state in ("submitted", "sent") %}y{% endif %}
{% if job.state == "runing" %}z{% endif %}'''


def test_the_scanner_catches_misspelt_states():
    found = unknown_states(python_state_literals(BAD_PYTHON, "snippet.py"))
    assert sorted(f.split(": ", 1)[1] for f in found) == sorted([
        "'drafing'", "'colecting'", "'acepted'", "'aproved'", "'reddy'", "'drafted'", "'council'",
        "'submited'", "'draftin'", "'open'", "'reviewing'", "'finish'"])
    assert sorted(f.split(": ", 1)[1] for f in unknown_states(jinja_state_literals(BAD_JINJA, "page.html"))) == \
        ["'drafing'", "'runing'", "'sent'"]


def test_the_scanner_leaves_other_strings_alone():
    good = '''
if dossier.state == "drafting" and job.state == "queued": pass
ensure_state(dossier, NOMINEE_STATES, "thêm người được đề nghị")
label = "preparing"
if user.role == "reviewer": pass
'''
    assert unknown_states(python_state_literals(good, "snippet.py")) == []


# --- the database allows exactly the YAML's states ------------------------------------------

def _listed(sql: str) -> set[str]:
    return set(re.findall(r"'([a-z_]+)'", sql))


def _model_states(model) -> set[str]:
    [check] = [c for c in model.__table__.constraints
               if isinstance(c, sa.CheckConstraint) and (c.name or "").endswith("state")]
    return _listed(str(check.sqltext))


@pytest.mark.parametrize("model, workflow", [(Dossier, WORKFLOW), (CampaignRound, ROUND_WORKFLOW)],
                         ids=["dossiers", "rounds"])
def test_model_check_constraints_list_the_workflow_states(model, workflow):
    assert _model_states(model) == set(workflow.state_names)


@pytest.mark.parametrize("table, workflow", [("dossiers", WORKFLOW), ("campaign_rounds", ROUND_WORKFLOW)])
def test_migrated_database_allows_exactly_the_workflow_states(app, table, workflow):
    checks = sa.inspect(db.engine).get_check_constraints(table)
    state_checks = [c for c in checks if "state" in (c.get("name") or "") or "state" in c["sqltext"]]
    assert len(state_checks) == 1, checks
    assert _listed(state_checks[0]["sqltext"]) == set(workflow.state_names)
