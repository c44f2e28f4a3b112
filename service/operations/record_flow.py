"""One mechanism that moves a record (a dossier, a round) through its workflow.

A ``RecordFlow`` binds a workflow from ``workflows`` to the database: how to
read the facts its guards judge, who acts on a record at all, which history row
a move writes, and what each trigger does besides changing the state (its
effects, registered by the module that owns them with ``@FLOW.effect("submit")``).
It answers two questions, the same way for every kind of record:

* ``available``: each trigger leaving the record's state, whether this user may
  fire it now, and if not, why;
* ``fire``: refuse a stale request (409), an outsider (403), a trigger the
  workflow refuses (403/409/422), else run the effects and write the new state
  with its history row in one flush.

``write`` is the only code that changes a record's ``state``; it always adds the
history row beside it, so the two cannot disagree.
"""
from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

import workflows

from ..clock import today_local
from ..db import db
from ..errors import Conflict, DomainError, Forbidden, GuardsFailed, ValidationFailed
from ..models import User
from ..text import clean_text

log = logging.getLogger(__name__)

#: What a request may bring beside the trigger, as cleaned text: field -> (label, multiline, max length).
TEXT_FIELDS = {
    "comment": ("Ý kiến", True, 5000),
    "proposal_number": ("Số tờ trình", False, 64),
    "decision_number": ("Số quyết định", False, 64),
}


@dataclass(frozen=True)
class Firing:
    """One trigger being fired: who, on what, when, and what the request brought (cleaned)."""

    actor: User
    record: Any
    trigger: str
    today: dt.date
    comment: str
    fields: Mapping[str, Any] = field(default_factory=dict)


Check = Callable[[Firing], None]
Effect = Callable[[Firing], "dict[str, Any] | None"]


def fire_or_refuse(workflow: workflows.Workflow, state: str, trigger: str, role: str, facts: Any) -> str:
    """Fire ``trigger`` on ``workflow`` and turn each refusal into the domain error users see:
    unknown trigger 422, not from this state 409, role not allowed 403, failed guards 422 (all listed)."""
    try:
        return workflow.fire(state, trigger, role, facts)
    except workflows.UnknownTrigger as error:
        raise ValidationFailed(error.message, fields={"trigger": [error.message]}, code="unknown_trigger")
    except workflows.TriggerNotAllowedFromState as error:
        raise Conflict(error.message, code="trigger_not_allowed", details={"current_state": state})
    except workflows.RoleNotAllowed as error:
        raise Forbidden(error.message, code="role_not_allowed")
    except workflows.GuardsFailed as error:
        raise GuardsFailed(
            "Chưa đủ điều kiện: " + " ".join(f.message for f in error.failures),
            fields={f.name: [f.message] for f in error.failures},
            details={"failed_guards": [{"guard": f.name, "message": f.message} for f in error.failures]},
        )


class RecordFlow:
    """A workflow bound to one kind of record; see the module docstring.

    ``facts(record, today=..., trigger=..., **fields)`` builds the workflow's
    facts (``trigger`` is None when listing what is available);
    ``may_act(actor, record)`` says whether the actor acts on the record at
    all, ``outsider_message`` why not; ``history_row(record, **values)`` makes
    the history row; ``request_guards`` are guards that judge what the request
    brings and so cannot fail before it is made; ``scope_guards`` say whether a
    trigger applies to the record at all: one that fails hides the trigger from
    ``available`` (firing it anyway is refused with the guard's reason); ``stale_message`` (with
    ``{current}`` and ``{expected}`` state labels) refuses a request made on an
    outdated view, ``conflict_message`` one that lost a race while writing.
    """

    def __init__(self, workflow: workflows.Workflow, *, facts: Callable[..., Any],
                 may_act: Callable[[User, Any], bool], outsider_message: str,
                 history_row: Callable[..., Any], request_guards: frozenset[str], stale_message: str,
                 conflict_message: str, scope_guards: frozenset[str] = frozenset()) -> None:
        self.workflow = workflow
        self._facts = facts
        self._may_act = may_act
        self.outsider_message = outsider_message
        self._history_row = history_row
        self.request_guards = request_guards
        self.scope_guards = scope_guards
        self.stale_message = stale_message
        self.conflict_message = conflict_message
        self._checks: dict[str, list[Check]] = {}
        self._effects: dict[str, Effect] = {}

    # -- registering what triggers do ----------------------------------------------

    def _known(self, trigger: str) -> None:
        # A misspelt trigger would register an effect nothing ever runs.
        self.workflow.transition(trigger)

    def check(self, trigger: str) -> Callable[[Check], Check]:
        """Register a precondition of ``trigger`` that is not the workflow's (e.g. the round still open).

        It runs after the stale and access checks and before the workflow's guards, and raises a domain error.
        It judges the record, not what the request brings, and changes nothing: ``available`` runs it too,
        so that a trigger it would refuse is never offered.
        """
        self._known(trigger)

        def register(function: Check) -> Check:
            self._checks.setdefault(trigger, []).append(function)
            return function
        return register

    def effect(self, trigger: str) -> Callable[[Effect], Effect]:
        """Register what ``trigger`` does besides changing the state; it returns the history row's details."""
        self._known(trigger)

        def register(function: Effect) -> Effect:
            if trigger in self._effects:
                raise ValueError(f"{self.workflow.name} trigger {trigger!r} already has an effect")
            self._effects[trigger] = function
            return function
        return register

    # -- questions -------------------------------------------------------------------

    def state_label(self, state: str) -> str:
        """The state's Vietnamese label; the name itself for a state the workflow does not know."""
        try:
            return self.workflow.state_label(state)
        except KeyError:
            return state

    def available(self, actor: User, record: Any, *, today: dt.date | None = None) -> list[dict[str, Any]]:
        """Each trigger leaving the record's state: may this user fire it now, and if not, why."""
        today = today or today_local()
        facts = self._facts(record, today=today, trigger=None)
        acts = self._may_act(actor, record)
        result = []
        for evaluation in self.workflow.available(record.state, actor.role, facts):
            transition = self.workflow.transition(evaluation.trigger)
            if self._out_of_scope(transition, facts):
                continue
            # Guards that judge the request itself (comment, decision) cannot fail before it is made.
            failures = [f.message for f in evaluation.failures if f.name not in self.request_guards]
            if acts and evaluation.problem in (None, "guards_failed"):
                # The same registered checks as ``fire``: one rule for what is offered and what is done.
                failures = self._refusals(Firing(actor=actor, record=record, trigger=evaluation.trigger,
                                                 today=today, comment="")) + failures
            allowed = acts and evaluation.problem in (None, "guards_failed") and not failures
            if not acts:
                reasons = [self.outsider_message]
            elif evaluation.problem == "role_not_allowed":
                reasons = [evaluation.message]
            else:
                reasons = failures
            result.append({
                "trigger": transition.trigger, "label": transition.label, "to_state": transition.dest,
                "to_state_label": self.workflow.state_label(transition.dest), "allowed": allowed,
                "reasons": [] if allowed else reasons, "needs_comment": transition.needs_comment,
                "required_fields": list(transition.required_fields),
            })
        return result

    def _out_of_scope(self, transition: Any, facts: Any) -> bool:
        return any(self.workflow.check_guard(name, facts) is not None
                   for name in transition.guards if name in self.scope_guards)

    def _refusals(self, firing: Firing) -> list[str]:
        """The messages of the registered checks of ``firing.trigger`` that refuse it."""
        messages = []
        for check in self._checks.get(firing.trigger, ()):
            try:
                check(firing)
            except DomainError as error:
                messages.append(error.message)
        return messages

    # -- changes ---------------------------------------------------------------------

    def fire(self, actor: User, record: Any, trigger: str, *, expected_state: str, comment: str | None = None,
             today: dt.date | None = None, **fields: Any) -> Any:
        """Move ``record`` along ``trigger`` and record who did it, when, from where to where and why.

        ``fields`` are what the request brings beside the comment (decision number and date, ...);
        text among them is cleaned first. Returns the history row.
        """
        if comment is not None:
            comment = _clean("comment", comment)
        fields = {name: _clean(name, value) if name in TEXT_FIELDS and value is not None else value
                  for name, value in fields.items()}
        if record.state != expected_state:
            raise Conflict(
                self.stale_message.format(current=self.workflow.state_label(record.state),
                                          expected=self.state_label(expected_state)),
                code="stale_state", details={"current_state": record.state})
        if not self._may_act(actor, record):
            raise Forbidden(self.outsider_message)
        firing = Firing(actor=actor, record=record, trigger=trigger, today=today or today_local(),
                        comment=comment or "", fields=fields)
        for check in self._checks.get(trigger, ()):
            check(firing)
        facts = self._facts(record, today=firing.today, trigger=trigger, comment=comment, **fields)
        new_state = fire_or_refuse(self.workflow, record.state, trigger, actor.role, facts)
        effect = self._effects.get(trigger)
        details = (effect(firing) if effect is not None else None) or {}
        return self.write(actor, record, trigger, new_state, firing.comment, details)

    def write(self, actor: User, record: Any, trigger: str, new_state: str, comment: str = "",
              details: dict[str, Any] | None = None) -> Any:
        """Set the record's state and add its history row, in one flush (the only writer of ``state``).

        Also used for audited changes that keep the state (a reviewer's override of the list).
        """
        old_state = record.state
        record.state = new_state
        event = self._history_row(record, actor_id=actor.id, actor_role=actor.role, trigger=trigger,
                                  from_state=old_state, to_state=new_state, comment=comment,
                                  details=details or {})
        db.session.add(event)
        try:
            db.session.flush()
        except StaleDataError:
            raise Conflict(self.conflict_message, code="stale_state") from None
        log.info("%s %s: %s %s -> %s by %s", self.workflow.name, record.id, trigger, old_state, new_state,
                 actor.username)
        return event

    def record_created(self, actor: User, record: Any) -> Any:
        """Add a new record in the workflow's initial state with its first history row ("create")."""
        record.state = self.workflow.initial
        db.session.add(record)
        db.session.flush()
        event = self._history_row(record, actor_id=actor.id, actor_role=actor.role, trigger="create",
                                  from_state="", to_state=record.state, comment="", details={})
        db.session.add(event)
        db.session.flush()
        return event


def _clean(name: str, value: str) -> str:
    label, multiline, limit = TEXT_FIELDS[name]
    return clean_text(value, field=name, label=label, multiline=multiline, max_length=limit)
