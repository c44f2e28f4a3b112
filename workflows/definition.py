"""Reading and validating the workflow YAML.

Everything here runs once, at import or start-up.  The point is to refuse a
broken definition loudly *before* the first request: ``transitions`` itself
checks state names lazily (a typo in ``dest`` only explodes when that
transition fires, and an unknown ``initial`` is silently added as a new
state), so the checks cannot be left to it.

Errors here are for developers and operators, so they are in English and name
the file, the entry and the offending value.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Optional

import yaml

from .facts import DOSSIER_FIELDS

__all__ = ["STATE_FLAGS", "TONES", "TRANSITION_FLAGS", "ProgressCategory", "StateDef", "TransitionDef", "WorkflowSpec",
           "WorkflowDefinitionError", "parse_workflow_text"]

_NAME = re.compile(r"^[a-z][a-z0-9_]*$")
_TOP_REQUIRED = {"version", "initial", "roles", "states", "transitions"}
_TOP_KEYS = _TOP_REQUIRED | {"progress"}
#: Yes/no flags a state may carry; each defaults to false.
STATE_FLAGS = (
    "final",
    # dossier: the unit may still change what its documents say
    "editable",
    # dossier: the standing agency and the authority see its content
    "visible_to_agency",
    # dossier: sent in and waiting for the reviewer
    "awaiting_review",
    # dossier: counts as accepted when the agency proposes the round's list
    "counts_as_accepted",
    # dossier: the unit's clerk may add, change and remove nominees
    "nominees_editable",
    # dossier: the council's secretary may record the meeting and its votes
    "meeting_editable",
    # round: units may still send dossiers
    "open",
    # round: the deadline is counted down on the round's page
    "shows_deadline",
    # round: the list is ranked live and the agency may adjust it
    "adjustable",
    # round: the list is frozen (proposed, then decided)
    "frozen",
)
_STATE_KEYS = {"name", "label", "tone", "progress", *STATE_FLAGS}
#: Colours a page may give a state's badge (the badge says the state in words; the colour only helps).
TONES = ("neutral", "info", "progress", "warning", "success", "danger")
_PROGRESS_KEYS = {"name", "label", "tone"}
_TRANSITION_REQUIRED = {"trigger", "label", "source", "dest", "roles"}
#: Yes/no flags a transition may carry; each defaults to false.
TRANSITION_FLAGS = (
    "needs_comment",
    # returns the record to an earlier state: never "the next step" in a list
    "goes_back",
    # offered apart from the next task, as an option (only where the state has another way out)
    "optional",
)
_TRANSITION_KEYS = _TRANSITION_REQUIRED | {"guards", "required_fields", "confirm", *TRANSITION_FLAGS}
#: The guard that enforces a transition's needs_comment flag.
COMMENT_GUARD = "comment_given"


class WorkflowDefinitionError(ValueError):
    """The workflow YAML is malformed or refers to something that does not exist."""


@dataclass(frozen=True)
class StateDef:
    """One state: API name, Vietnamese label, whether the record's life ends there, and what pages and
    rules read from it (see ``STATE_FLAGS``; ``tone`` colours its badge, ``progress`` names the line of a
    campaign's progress chart it counts in)."""

    name: str
    label: str
    final: bool = False
    editable: bool = False
    visible_to_agency: bool = False
    awaiting_review: bool = False
    counts_as_accepted: bool = False
    nominees_editable: bool = False
    meeting_editable: bool = False
    open: bool = False
    shows_deadline: bool = False
    adjustable: bool = False
    frozen: bool = False
    tone: str = "neutral"
    progress: Optional[str] = None


@dataclass(frozen=True)
class ProgressCategory:
    """One line of a campaign's progress chart: several states may count in the same line."""

    name: str
    label: str
    tone: str


@dataclass(frozen=True)
class TransitionDef:
    """One transition as declared in the YAML."""

    trigger: str
    label: str
    source: str
    dest: str
    roles: tuple[str, ...]
    guards: tuple[str, ...] = ()
    needs_comment: bool = False
    required_fields: tuple[str, ...] = ()
    goes_back: bool = False
    optional: bool = False
    #: The question a page asks before firing ("" when it fires straight away).
    confirm: str = ""


@dataclass(frozen=True)
class WorkflowSpec:
    """A validated workflow definition (data only, no behaviour)."""

    initial: str
    roles: tuple[tuple[str, str], ...]  # (name, label), in file order
    states: tuple[StateDef, ...]
    transitions: tuple[TransitionDef, ...]
    progress: tuple[ProgressCategory, ...] = ()


class _StrictLoader(yaml.SafeLoader):
    """SafeLoader that rejects duplicate mapping keys.

    Plain PyYAML keeps the last duplicate silently, so a copy-pasted
    ``guards:`` line would drop guards without anyone noticing.
    """


def _construct_mapping(loader: _StrictLoader, node: yaml.MappingNode, deep: bool = False) -> dict:
    loader.flatten_mapping(node)
    seen: set = set()
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        if key in seen:
            raise WorkflowDefinitionError(f"duplicate key {key!r} at line {key_node.start_mark.line + 1}")
        seen.add(key)
    return loader.construct_mapping(node, deep=deep)


_StrictLoader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _construct_mapping)


def _fail(origin: str, msg: str) -> WorkflowDefinitionError:
    return WorkflowDefinitionError(f"{origin}: {msg}")


def _name(origin: str, where: str, value: Any) -> str:
    # YAML 1.1 turns bare `no`/`on` into booleans; requiring a lowercase
    # identifier catches that and keeps names safe in Mermaid and URLs.
    if not isinstance(value, str) or not _NAME.match(value):
        raise _fail(origin, f"{where}: {value!r} is not a valid name (lowercase letters, digits, underscores)")
    return value


def _label(origin: str, where: str, value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise _fail(origin, f"{where}: label must be a non-empty string")
    if not unicodedata.is_normalized("NFC", value):
        # Decomposed Vietnamese looks identical but breaks search and equality.
        raise _fail(origin, f"{where}: label {value!r} is not in Unicode NFC form")
    return value


def _flag(origin: str, where: str, flag: str, entry: Mapping) -> bool:
    value = entry.get(flag, False)
    if not isinstance(value, bool):
        raise _fail(origin, f"{where}: {flag} must be true or false")
    return value


def _tone(origin: str, where: str, value: Any) -> str:
    if value not in TONES:
        raise _fail(origin, f"{where}: tone {value!r} is not one of {', '.join(TONES)}")
    return value


def _str_list(origin: str, where: str, value: Any) -> list:
    if value is None:
        return []
    if not isinstance(value, list):
        raise _fail(origin, f"{where} must be a list")
    return value


def _check_keys(origin: str, where: str, entry: Any, allowed: set, required: set) -> Mapping:
    if not isinstance(entry, Mapping):
        raise _fail(origin, f"{where} must be a mapping")
    unknown = sorted(set(map(str, entry)) - allowed)
    if unknown:
        raise _fail(origin, f"{where}: unknown key(s) {', '.join(unknown)}; allowed: {', '.join(sorted(allowed))}")
    missing = sorted(required - set(entry))
    if missing:
        raise _fail(origin, f"{where}: missing key(s) {', '.join(missing)}")
    return entry


def parse_workflow_text(text: str, known_guards: Mapping[str, Any], origin: str = "<string>", *,
                        fact_fields: frozenset[str] = DOSSIER_FIELDS, facts_name: str = "DossierFacts") -> WorkflowSpec:
    """Parse and validate workflow YAML.

    ``fact_fields`` are the names a transition's ``required_fields`` may use
    (the fields of the facts class the workflow's guards read, named
    ``facts_name`` in messages); they default to the dossier's.

    Raises WorkflowDefinitionError naming ``origin`` when the text is not
    valid YAML, has unknown or missing keys, duplicates a name, names an
    unknown state, role or guard (``known_guards`` is the registry), or
    describes an impossible graph (transition out of a final state, state
    unreachable from ``initial``, non-final state with no way out).
    """
    try:
        data = yaml.load(text, Loader=_StrictLoader)  # noqa: S506 - _StrictLoader is a SafeLoader
    except WorkflowDefinitionError as exc:
        raise _fail(origin, str(exc)) from None
    except yaml.YAMLError as exc:
        raise _fail(origin, f"invalid YAML: {exc}") from None
    _check_keys(origin, "top level", data, _TOP_KEYS, _TOP_REQUIRED)
    if data["version"] != 1:
        raise _fail(origin, f"unsupported version {data['version']!r}; this code reads version 1")

    # Roles.
    if not isinstance(data["roles"], Mapping) or not data["roles"]:
        raise _fail(origin, "roles must be a non-empty mapping of name: label")
    roles = tuple(
        (_name(origin, f"role {r!r}", r), _label(origin, f"role {r!r}", lbl)) for r, lbl in data["roles"].items()
    )
    role_names = {r for r, _ in roles}

    # Progress categories (the lines of a campaign's progress chart), in chart order.
    progress: list[ProgressCategory] = []
    for i, entry in enumerate(_str_list(origin, "progress", data.get("progress"))):
        e = _check_keys(origin, f"progress[{i}]", entry, _PROGRESS_KEYS, _PROGRESS_KEYS)
        name = _name(origin, f"progress[{i}].name", e["name"])
        if any(p.name == name for p in progress):
            raise _fail(origin, f"progress category {name!r} is defined twice")
        progress.append(ProgressCategory(name, _label(origin, f"progress {name!r}", e["label"]),
                                         _tone(origin, f"progress {name!r}", e["tone"])))
    progress_names = {p.name for p in progress}

    # States.
    states: list[StateDef] = []
    for i, entry in enumerate(_str_list(origin, "states", data["states"])):
        e = _check_keys(origin, f"states[{i}]", entry, _STATE_KEYS, {"name", "label"})
        name = _name(origin, f"states[{i}].name", e["name"])
        if any(s.name == name for s in states):
            raise _fail(origin, f"state {name!r} is defined twice")
        flags = {flag: _flag(origin, f"state {name!r}", flag, e) for flag in STATE_FLAGS}
        category = e.get("progress")
        if category is not None and category not in progress_names:
            raise _fail(origin, f"state {name!r}: progress {category!r} is not a declared progress category")
        if progress and category is None:
            raise _fail(origin, f"state {name!r}: every state needs a progress category when the file declares them")
        if flags["frozen"] and (flags["open"] or flags["adjustable"]):
            raise _fail(origin, f"state {name!r} cannot be frozen and open or adjustable at once")
        states.append(StateDef(name, _label(origin, f"state {name!r}", e["label"]), **flags,
                               tone=_tone(origin, f"state {name!r}", e.get("tone", "neutral")), progress=category))
    if not states:
        raise _fail(origin, "states must not be empty")
    state_names = {s.name for s in states}
    final_names = {s.name for s in states if s.final}

    initial = data["initial"]
    if not isinstance(initial, str) or initial not in state_names:
        raise _fail(origin, f"initial state {initial!r} is not a defined state")

    # Transitions.
    transitions: list[TransitionDef] = []
    for i, entry in enumerate(_str_list(origin, "transitions", data["transitions"])):
        e = _check_keys(origin, f"transitions[{i}]", entry, _TRANSITION_KEYS, _TRANSITION_REQUIRED)
        trig = _name(origin, f"transitions[{i}].trigger", e["trigger"])
        where = f"transition {trig!r}"
        if trig == "state":
            # transitions reserves the model attribute name.
            raise _fail(origin, f"{where}: 'state' cannot be a trigger name")
        if any(t.trigger == trig for t in transitions):
            # One trigger = one edge keeps "unknown trigger" and "wrong state"
            # unambiguous for the API and lets roles/guards be per trigger.
            raise _fail(origin, f"{where} is defined twice; each trigger must have exactly one source")
        for key in ("source", "dest"):
            if not isinstance(e[key], str) or e[key] not in state_names:
                raise _fail(origin, f"{where}: {key} {e[key]!r} is not a defined state")
        if e["source"] in final_names:
            raise _fail(origin, f"{where}: source {e['source']!r} is a final state")
        tr_roles = _str_list(origin, f"{where}.roles", e["roles"])
        if not tr_roles:
            raise _fail(origin, f"{where}: roles must not be empty")
        for r in tr_roles:
            if not isinstance(r, str) or r not in role_names:
                raise _fail(origin, f"{where}: unknown role {r!r}; known roles: {', '.join(sorted(role_names))}")
        guards = _str_list(origin, f"{where}.guards", e.get("guards"))
        for g in guards:
            if not isinstance(g, str) or g not in known_guards:
                raise _fail(origin, f"{where}: unknown guard {g!r}; known guards: {', '.join(sorted(known_guards))}")
        if len(set(guards)) != len(guards) or len(set(tr_roles)) != len(tr_roles):
            raise _fail(origin, f"{where}: roles and guards must not repeat")
        flags = {flag: _flag(origin, where, flag, e) for flag in TRANSITION_FLAGS}
        needs_comment = flags["needs_comment"]
        confirm = e.get("confirm", "")
        if confirm != "":
            confirm = _label(origin, f"{where}.confirm", confirm)
        if needs_comment != (COMMENT_GUARD in guards):
            # The flag tells clients to show a comment box; the guard enforces
            # it.  One without the other would be a promise nobody keeps.
            raise _fail(origin, f"{where}: needs_comment must be true exactly when guard {COMMENT_GUARD!r} is listed")
        fields = _str_list(origin, f"{where}.required_fields", e.get("required_fields"))
        for f in fields:
            if not isinstance(f, str) or f not in fact_fields:
                raise _fail(origin, f"{where}: required field {f!r} is not a {facts_name} field")
        transitions.append(
            TransitionDef(
                trigger=trig,
                label=_label(origin, where, e["label"]),
                source=e["source"],
                dest=e["dest"],
                roles=tuple(tr_roles),
                guards=tuple(guards),
                required_fields=tuple(fields),
                confirm=confirm,
                **flags,
            )
        )

    # Graph sanity: a state nobody can reach or leave is almost always a typo.
    reachable = {initial}
    frontier = [initial]
    while frontier:
        here = frontier.pop()
        for t in transitions:
            if t.source == here and t.dest not in reachable:
                reachable.add(t.dest)
                frontier.append(t.dest)
    unreachable = [s.name for s in states if s.name not in reachable]
    if unreachable:
        raise _fail(origin, f"state(s) unreachable from {initial!r}: {', '.join(unreachable)}")
    for t in transitions:
        if t.optional and not any(o.source == t.source and not o.optional for o in transitions):
            # An option sits beside the next task; with no other way out it *is* the next task.
            raise _fail(origin, f"transition {t.trigger!r} is optional but {t.source!r} has no other way out")
    stuck = [s.name for s in states if not s.final and not any(t.source == s.name for t in transitions)]
    if stuck:
        raise _fail(origin, f"non-final state(s) with no outgoing transition: {', '.join(stuck)}")

    return WorkflowSpec(initial=initial, roles=roles, states=tuple(states), transitions=tuple(transitions),
                        progress=tuple(progress))
