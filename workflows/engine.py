"""The workflow engine: may this role fire this trigger now, and if so, where does the record go?

It runs the dossier workflow (``dossier.yaml``, ``DossierFacts``) and the
standing agency's round workflow (``round.yaml``, ``RoundFacts``); each
``Workflow`` is told which facts class its guards read and which words its
messages use for the thing that moves ("hồ sơ", "đợt khen thưởng").

How ``transitions`` is used, and why it is safe under threads
-------------------------------------------------------------
One ``transitions.Machine`` is built per loaded workflow, with
``model=None`` (no model is ever registered), ``auto_transitions=False`` and
``send_event=True``.  To fire, ``fire`` creates a throwaway ``_Token`` whose
only attribute is ``state`` and calls ``machine.events[trigger].trigger(token,
facts=..., role=...)``.  Reading transitions 0.9.3's ``core.py``:

* ``Event.trigger`` builds a fresh ``EventData`` per call and hands it to
  ``Machine._process``; with ``queued=False`` (the default, kept here) that
  only checks that the machine-wide ``_transition_queue`` is empty and calls
  straight through, never appending to it.
* The current state is read with ``getattr(model, 'state')`` and written with
  ``setattr`` on that same model (``set_state(dest, model)``); nothing consults
  ``machine.models``, so ``add_model`` is not needed.
* Conditions receive the ``EventData``; ours only read ``event.kwargs`` and
  call pure guards.  There are no state or transition callbacks.

So concurrent fires on different tokens share only read-only structures.
This relies on three rules that this module keeps: never call ``add_model``
(it would bind methods onto the token and keep every token alive in
``machine.models``, a leak and an unsynchronised list), never enable
``queued=True`` (the queue is shared by all models, so one thread could run
another thread's event and get ``True`` back before its own transition ran),
and never mutate the machine after construction.  ``LockedMachine`` is not
needed: it serialises every trigger behind one lock to protect models shared
between threads, and our models are never shared.

Guards are evaluated twice: once by ``evaluate`` (which runs them all, so the
user sees every problem at once - the machine stops at the first failed
condition) and again as machine conditions, so the machine itself refuses a
transition whose guards fail.  Because facts are frozen and guards are pure,
both runs agree.
"""

from __future__ import annotations

import importlib.resources
from collections.abc import Mapping
from dataclasses import asdict, dataclass, field
from os import PathLike
from pathlib import Path
from types import MappingProxyType
from typing import Any, Callable, ClassVar, Literal, Optional, Union

from transitions import Machine

from . import render
from .definition import STATE_FLAGS, ProgressCategory, StateDef, TransitionDef, WorkflowSpec, parse_workflow_text
from .facts import DossierFacts
from .guards import GUARD_LABELS, GUARDS, Guard

__all__ = [
    "DEFAULT_DEFINITION",
    "Evaluation",
    "GuardFailure",
    "GuardsFailed",
    "Problem",
    "RoleNotAllowed",
    "TriggerNotAllowedFromState",
    "UnknownTrigger",
    "DOSSIER_VOCABULARY",
    "Vocabulary",
    "Workflow",
    "WorkflowError",
    "WORKFLOW",
    "available",
    "evaluate",
    "fire",
    "load_packaged_workflow",
    "load_workflow",
    "load_workflow_text",
    "mermaid_diagram",
    "state_table_markdown",
]

#: File name of the packaged definition, next to this module.
DEFAULT_DEFINITION = "dossier.yaml"

Problem = Literal["unknown_trigger", "not_from_state", "role_not_allowed", "guards_failed"]


@dataclass(frozen=True)
class Vocabulary:
    """The Vietnamese words a workflow's refusals use for what moves through it."""

    #: What is in a state: "khi hồ sơ đang ở trạng thái …".
    subject: str
    #: The process a trigger belongs to: "không có trong quy trình xử lý hồ sơ".
    process: str


DOSSIER_VOCABULARY = Vocabulary(subject="hồ sơ", process="quy trình xử lý hồ sơ")


@dataclass(frozen=True)
class GuardFailure:
    """A guard that did not pass, with its Vietnamese explanation."""

    name: str
    message: str


@dataclass(frozen=True)
class Evaluation:
    """Whether ``role`` may fire ``trigger`` on a dossier in state ``source``, and if not, why.

    ``problem`` is None when ``allowed``; otherwise the first obstacle in the
    order unknown_trigger, not_from_state, role_not_allowed, guards_failed.
    ``failures`` lists every failed guard (only filled for guards_failed).
    ``message`` is a Vietnamese sentence suitable for the user.
    ``label``, ``dest``, ``needs_comment`` and ``required_fields`` describe the
    trigger (``label``/``dest`` are None for an unknown trigger).
    """

    trigger: str
    source: str
    role: str
    allowed: bool
    problem: Optional[Problem]
    message: str
    failures: list[GuardFailure] = field(default_factory=list)
    label: Optional[str] = None
    dest: Optional[str] = None
    needs_comment: bool = False
    required_fields: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready dict of all fields (failures as ``{"name", "message"}`` dicts)."""
        data = asdict(self)
        data["required_fields"] = list(self.required_fields)
        return data


class WorkflowError(Exception):
    """A transition was refused.  ``message`` is Vietnamese; ``problem`` is the machine-readable code."""

    problem: ClassVar[str] = "workflow_error"

    def __init__(self, message: str, evaluation: Optional[Evaluation] = None) -> None:
        super().__init__(message)
        self.message = message
        self.evaluation = evaluation


class UnknownTrigger(WorkflowError):
    """The trigger is not part of the workflow."""

    problem = "unknown_trigger"


class TriggerNotAllowedFromState(WorkflowError):
    """The trigger exists but does not leave the dossier's current state."""

    problem = "not_from_state"


class RoleNotAllowed(WorkflowError):
    """The role may not fire this trigger."""

    problem = "role_not_allowed"


class GuardsFailed(WorkflowError):
    """One or more guards failed; ``failures`` lists all of them."""

    problem = "guards_failed"

    def __init__(
        self,
        failures: list[GuardFailure],
        message: Optional[str] = None,
        evaluation: Optional[Evaluation] = None,
    ) -> None:
        self.failures = list(failures)
        if message is None:
            message = "Chưa đủ điều kiện: " + " ".join(f.message for f in self.failures)
        super().__init__(message, evaluation)


_ERRORS: dict[str, type[WorkflowError]] = {
    cls.problem: cls for cls in (UnknownTrigger, TriggerNotAllowedFromState, RoleNotAllowed)
}


class _Token:
    """Throwaway model handed to the machine for a single fire: it carries only ``state``."""

    __slots__ = ("state",)

    def __init__(self, state: str) -> None:
        self.state = state


def _guard_condition(name: str, guard: Guard) -> Callable[[Any], bool]:
    # transitions compares a condition's result with `== True`, so return a
    # real bool rather than the guard's None/str.
    def condition(event: Any) -> bool:
        return guard(event.kwargs["facts"]) is None

    condition.__name__ = f"guard_{name}"
    return condition


def _role_condition(roles: tuple[str, ...]) -> Callable[[Any], bool]:
    def condition(event: Any) -> bool:
        return event.kwargs["role"] in roles

    condition.__name__ = "role_allowed"
    return condition


class Workflow:
    """A validated workflow plus the state machine that executes it.

    Attributes: ``states`` (tuple of StateDef, file order), ``transitions``
    (tuple of TransitionDef), ``roles`` (read-only name -> label mapping),
    ``initial``, ``final_states`` and ``machine`` (the transitions.Machine;
    treat it as read-only).
    """

    def __init__(self, spec: WorkflowSpec, guards: Mapping[str, Guard], *, facts_type: type = DossierFacts,
                 vocabulary: Vocabulary = DOSSIER_VOCABULARY, name: str = "dossier",
                 guard_labels: Optional[Mapping[str, str]] = None) -> None:
        self.spec = spec
        #: Short Vietnamese description of each guard, for tables and diagrams.
        self.guard_labels: Mapping[str, str] = MappingProxyType(dict(GUARD_LABELS if guard_labels is None
                                                                      else guard_labels))
        self.facts_type = facts_type
        self.vocabulary = vocabulary
        self.name = name
        self.states: tuple[StateDef, ...] = spec.states
        self.transitions: tuple[TransitionDef, ...] = spec.transitions
        self.roles: Mapping[str, str] = MappingProxyType(dict(spec.roles))
        self.initial: str = spec.initial
        self.final_states: frozenset[str] = frozenset(s.name for s in spec.states if s.final)
        #: Every state name, in file order (what the database's check constraint allows).
        self.state_names: tuple[str, ...] = tuple(s.name for s in spec.states)
        #: The lines of a campaign's progress chart, in chart order (empty when the file declares none).
        self.progress: tuple[ProgressCategory, ...] = spec.progress
        self._states = {s.name: s for s in spec.states}
        self._by_trigger = {t.trigger: t for t in spec.transitions}
        # Snapshot the guard functions so later edits to a registry dict
        # cannot change a workflow that was already validated.
        self._guards: dict[str, Guard] = {g: guards[g] for t in spec.transitions for g in t.guards}
        self.machine = Machine(
            model=None,
            states=[{"name": s.name, "final": s.final} for s in spec.states],
            initial=spec.initial,
            transitions=[
                {
                    "trigger": t.trigger,
                    "source": t.source,
                    "dest": t.dest,
                    "conditions": [_role_condition(t.roles)]
                    + [_guard_condition(g, self._guards[g]) for g in t.guards],
                }
                for t in spec.transitions
            ],
            auto_transitions=False,
            send_event=True,
            ignore_invalid_triggers=False,
            name=name,
        )

    # -- labels ---------------------------------------------------------------

    def state_label(self, state: str) -> str:
        """Vietnamese label of ``state``; KeyError if the state is unknown."""
        return self._states[state].label

    def trigger_label(self, trigger: str) -> str:
        """Vietnamese label of ``trigger``; KeyError if the trigger is unknown."""
        return self._by_trigger[trigger].label

    def role_label(self, role: str) -> str:
        """Vietnamese label of ``role``, or the role name itself if unknown."""
        return self.roles.get(role, role)

    def transition(self, trigger: str) -> TransitionDef:
        """Definition of ``trigger``; KeyError if unknown."""
        return self._by_trigger[trigger]

    def check_guard(self, name: str, facts: Any) -> Optional[str]:
        """Run one of this workflow's guards on ``facts``: None when it passes, else its reason."""
        return self._guards[name](facts)

    def state(self, name: str) -> StateDef:
        """Definition of state ``name``; KeyError if unknown."""
        return self._states[name]

    def states_where(self, **flags: bool) -> tuple[str, ...]:
        """Names of the states (file order) whose flags have the given values, e.g. ``states_where(editable=True)``.

        Raises TypeError for a flag the definition does not know, so a typo cannot select nothing silently.
        """
        unknown = sorted(set(flags) - set(STATE_FLAGS))
        if unknown:
            raise TypeError(f"unknown state flag(s) {', '.join(unknown)}; known: {', '.join(STATE_FLAGS)}")
        return tuple(s.name for s in self.states if all(getattr(s, k) == v for k, v in flags.items()))

    def state_tone(self, name: str) -> str:
        """The colour a page gives ``name``'s badge; "neutral" for an unknown state."""
        state = self._states.get(name)
        return state.tone if state is not None else "neutral"

    # -- decisions ------------------------------------------------------------

    def _check_inputs(self, state: str, facts: Any) -> None:
        # These are programming errors (corrupt row, stale snapshot), not user
        # mistakes, so they raise instead of producing an Evaluation.
        if state not in self._states:
            raise ValueError(f"unknown workflow state {state!r}")
        if not isinstance(facts, self.facts_type):
            raise TypeError(f"facts must be {self.facts_type.__name__}, not {type(facts).__name__}")
        if facts.state != state:
            raise ValueError(f"facts were collected in state {facts.state!r} but the {self.name} is in {state!r}")

    def evaluate(self, state: str, trigger: str, role: str, facts: Any) -> Evaluation:
        """Decide, without changing anything, whether ``role`` may fire ``trigger`` from ``state``.

        Runs every guard of the transition so ``failures`` is complete.
        Raises ValueError for an unknown ``state`` or facts taken in another
        state, TypeError if ``facts`` is not of the workflow's facts class.
        """
        self._check_inputs(state, facts)
        here = self.state_label(state)
        t = self._by_trigger.get(trigger)
        if t is None:
            return Evaluation(
                trigger=trigger,
                source=state,
                role=role,
                allowed=False,
                problem="unknown_trigger",
                message=f"Thao tác '{trigger}' không có trong {self.vocabulary.process}.",
            )
        common = dict(
            trigger=trigger,
            source=state,
            role=role,
            label=t.label,
            dest=t.dest,
            needs_comment=t.needs_comment,
            required_fields=t.required_fields,
        )
        if t.source != state:
            return Evaluation(
                **common,
                allowed=False,
                problem="not_from_state",
                message=(
                    f"Không thể thực hiện “{t.label}” khi {self.vocabulary.subject} đang ở trạng thái “{here}”; "
                    f"thao tác này chỉ dùng khi {self.vocabulary.subject} ở trạng thái "
                    f"“{self.state_label(t.source)}”."
                ),
            )
        if role not in t.roles:
            who = ", ".join(self.role_label(r) for r in t.roles)
            return Evaluation(
                **common,
                allowed=False,
                problem="role_not_allowed",
                message=f"Vai trò “{self.role_label(role)}” không được phép thực hiện “{t.label}”; chỉ dành cho: {who}.",
            )
        failures = []
        for g in t.guards:
            reason = self._guards[g](facts)
            if reason is not None:
                failures.append(GuardFailure(g, reason))
        if failures:
            return Evaluation(
                **common,
                allowed=False,
                problem="guards_failed",
                failures=failures,
                message=f"Chưa thể thực hiện “{t.label}”: " + " ".join(f.message for f in failures),
            )
        return Evaluation(**common, allowed=True, problem=None, message=f"Có thể thực hiện “{t.label}”.")

    def fire(self, state: str, trigger: str, role: str, facts: Any) -> str:
        """Fire ``trigger`` and return the record's new state, as computed by the state machine.

        Raises UnknownTrigger, TriggerNotAllowedFromState, RoleNotAllowed or
        GuardsFailed (all WorkflowError, Vietnamese ``message``, with the
        ``evaluation`` attached).  Persisting the new state is the caller's job.
        """
        ev = self.evaluate(state, trigger, role, facts)
        if not ev.allowed:
            if ev.problem == "guards_failed":
                raise GuardsFailed(ev.failures, ev.message, ev)
            raise _ERRORS[ev.problem](ev.message, ev)  # type: ignore[index]
        token = _Token(state)
        moved = self.machine.events[trigger].trigger(token, facts=facts, role=role)
        if not moved:
            # Only reachable if a guard is impure (e.g. reads the clock) and
            # changed its mind between evaluate() and the machine's check.
            raise RuntimeError(f"state machine refused {trigger!r} from {state!r} although evaluate() allowed it")
        return token.state

    def available(self, state: str, role: str, facts: Any) -> list[Evaluation]:
        """Evaluate every trigger leaving ``state`` (file order) for ``role``; empty for final states."""
        self._check_inputs(state, facts)
        return [self.evaluate(state, t.trigger, role, facts) for t in self.transitions if t.source == state]

    # -- documentation --------------------------------------------------------

    def state_table_markdown(self) -> str:
        """Markdown table of all transitions (see ``render.state_table_markdown``)."""
        return render.state_table_markdown(self)

    def mermaid_diagram(self, highlight: Optional[str] = None) -> str:
        """Mermaid stateDiagram-v2 of the workflow (see ``render.mermaid_diagram``)."""
        return render.mermaid_diagram(self, highlight)


def load_workflow_text(text: str, *, guards: Optional[Mapping[str, Guard]] = None, origin: str = "<string>",
                       facts_type: type = DossierFacts, vocabulary: Vocabulary = DOSSIER_VOCABULARY,
                       name: str = "dossier", guard_labels: Optional[Mapping[str, str]] = None) -> Workflow:
    """Build a Workflow from YAML text; ``guards`` defaults to the dossier guard registry.

    ``facts_type`` is the frozen dataclass the guards read (a transition's
    ``required_fields`` must name its fields); ``vocabulary`` and ``name``
    word the refusals.  Raises WorkflowDefinitionError (a ValueError) naming
    ``origin`` when the definition is invalid.
    """
    registry = GUARDS if guards is None else guards
    fields = frozenset(getattr(facts_type, "__dataclass_fields__", {}))
    spec = parse_workflow_text(text, registry, origin, fact_fields=fields, facts_name=facts_type.__name__)
    return Workflow(spec, registry, facts_type=facts_type, vocabulary=vocabulary, name=name,
                    guard_labels=guard_labels)


def load_packaged_workflow(file_name: str, **options: Any) -> Workflow:
    """Load a definition shipped inside this package (``dossier.yaml``, ``round.yaml``).

    ``options`` are those of ``load_workflow_text``.
    """
    # importlib.resources resolves the file relative to this package,
    # so it works from a checkout, an installed wheel or a zip.
    text = importlib.resources.files(__package__).joinpath(file_name).read_text(encoding="utf-8")
    return load_workflow_text(text, origin=file_name, **options)


def load_workflow(
    path: Union[str, "PathLike[str]", None] = None, *, guards: Optional[Mapping[str, Guard]] = None
) -> Workflow:
    """Load a dossier workflow from ``path``, or the packaged ``dossier.yaml`` when ``path`` is None."""
    if path is None:
        return load_packaged_workflow(DEFAULT_DEFINITION, guards=guards)
    p = Path(path)
    return load_workflow_text(p.read_text(encoding="utf-8"), guards=guards, origin=p.name)


#: The workflow every dossier follows.  Built at import so a broken YAML
#: stops the service at start-up rather than at the first request.
WORKFLOW = load_workflow()


def evaluate(state: str, trigger: str, role: str, facts: DossierFacts) -> Evaluation:
    """``WORKFLOW.evaluate``: may ``role`` fire ``trigger`` from ``state`` now, and if not, why."""
    return WORKFLOW.evaluate(state, trigger, role, facts)


def fire(state: str, trigger: str, role: str, facts: DossierFacts) -> str:
    """``WORKFLOW.fire``: the new state, or a WorkflowError explaining the refusal."""
    return WORKFLOW.fire(state, trigger, role, facts)


def available(state: str, role: str, facts: DossierFacts) -> list[Evaluation]:
    """``WORKFLOW.available``: one Evaluation per trigger leaving ``state``."""
    return WORKFLOW.available(state, role, facts)


def state_table_markdown() -> str:
    """Markdown table of the dossier workflow's transitions."""
    return WORKFLOW.state_table_markdown()


def mermaid_diagram(highlight: Optional[str] = None) -> str:
    """Mermaid stateDiagram-v2 of the dossier workflow, optionally highlighting one state."""
    return WORKFLOW.mermaid_diagram(highlight)
