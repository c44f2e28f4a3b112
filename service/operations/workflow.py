"""Firing workflow triggers on dossiers.

``fire_transition`` is the only code that writes ``Dossier.state``; it writes
the history row in the same transaction, so the two cannot disagree.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

from sqlalchemy.orm.exc import StaleDataError

import workflows
from workflows.facts import DossierFacts, MeetingFacts, NomineeFacts
from workflows.rules import vote_rule_from_dict

from .. import access
from ..clock import today_local
from ..db import db, utcnow
from ..errors import Conflict, Forbidden, GuardsFailed, ValidationFailed
from ..models import Dossier, HistoryEvent, User
from ..text import clean_text
from .dossiers import missing_nominee_fields
from .documents import current_documents

log = logging.getLogger(__name__)


def dossier_facts(dossier: Dossier, *, today: dt.date | None = None, comment: str | None = None,
                  decision_number: str | None = None, decision_date: dt.date | None = None) -> DossierFacts:
    """The plain facts the workflow's guards judge, read from the database."""
    campaign = dossier.campaign
    meeting = dossier.meeting
    votes = {vote.nominee_id: vote.votes_in_favour for vote in meeting.votes} if meeting else {}
    nominees = []
    for nominee in dossier.nominees:
        form = campaign.award_form(nominee.award_form) or {}
        nominees.append(NomineeFacts(
            id=nominee.id,
            name=nominee.full_name,
            missing_fields=missing_nominee_fields(campaign, nominee),
            vote_rule=vote_rule_from_dict(form.get("vote_rule") or {"kind": "majority"}),
            votes_in_favour=votes.get(nominee.id),
        ))
    return DossierFacts(
        state=dossier.state,
        nominees=tuple(nominees),
        meeting=MeetingFacts(total_members=meeting.total_members, present_members=meeting.present_members)
        if meeting else None,
        documents_current=current_documents(dossier) is not None,
        today=today or today_local(),
        # Each round has its own deadline and late policy (an annual round,
        # a mid-term review, a final review of the same plan).
        deadline=dossier.round.deadline,
        accepts_late=dossier.round.accepts_late,
        comment=comment,
        decision_number=decision_number,
        decision_date=decision_date,
    )


def available_transitions(actor: User, dossier: Dossier, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each trigger leaving the dossier's state: may this user fire it now, and if not, why."""
    facts = dossier_facts(dossier, today=today)
    acts_on_dossier = access.can_fire_transitions(actor, dossier)
    result = []
    for evaluation in workflows.available(dossier.state, actor.role, facts):
        transition = workflows.WORKFLOW.transition(evaluation.trigger)
        # Guards that judge the request itself (comment, decision) cannot fail before it is made.
        failures = [f for f in evaluation.failures if f.name not in REQUEST_GUARDS]
        allowed = acts_on_dossier and evaluation.problem in (None, "guards_failed") and not failures
        if not acts_on_dossier:
            reasons = ["Bạn không thuộc đơn vị hoặc cơ quan xử lý hồ sơ này."]
        elif evaluation.problem == "role_not_allowed":
            reasons = [evaluation.message]
        else:
            reasons = [f.message for f in failures]
        result.append({
            "trigger": transition.trigger,
            "label": transition.label,
            "to_state": transition.dest,
            "to_state_label": workflows.WORKFLOW.state_label(transition.dest),
            "allowed": allowed,
            "reasons": [] if allowed else reasons,
            "needs_comment": transition.needs_comment,
            "required_fields": list(transition.required_fields),
        })
    return result


def _state_label(state: str) -> str:
    try:
        return workflows.WORKFLOW.state_label(state)
    except KeyError:
        return state


# Guards that look at what the request brings rather than at the dossier.
REQUEST_GUARDS = frozenset({"comment_given", "decision_given"})


def fire_transition(actor: User, dossier: Dossier, trigger: str, *, expected_state: str,
                    comment: str | None = None, decision_number: str | None = None,
                    decision_date: dt.date | None = None, today: dt.date | None = None) -> HistoryEvent:
    """Move ``dossier`` along ``trigger`` and record who did it, when, from where to where and why."""
    if comment is not None:
        comment = clean_text(comment, field="comment", label="Ý kiến", multiline=True, max_length=5000)
    if decision_number is not None:
        decision_number = clean_text(decision_number, field="decision_number", label="Số quyết định",
                                     max_length=64)
    if dossier.state != expected_state:
        raise Conflict(
            "Hồ sơ đã được người khác chuyển sang trạng thái "
            f"“{workflows.WORKFLOW.state_label(dossier.state)}” trong lúc bạn thao tác "
            f"(bạn thấy: “{_state_label(expected_state)}”). "
            "Hãy tải lại hồ sơ.",
            code="stale_state", details={"current_state": dossier.state},
        )
    if not access.can_fire_transitions(actor, dossier):
        raise Forbidden("Bạn không thuộc đơn vị hoặc cơ quan xử lý hồ sơ này.")
    if trigger == "submit":
        # Once the agency has proposed the round's list, nothing new joins it.
        from .rounds import ensure_round_open

        ensure_round_open(dossier.round, "nộp hồ sơ")

    today = today or today_local()
    facts = dossier_facts(dossier, today=today, comment=comment, decision_number=decision_number,
                          decision_date=decision_date)
    new_state = fire_or_refuse(workflows.WORKFLOW, dossier.state, trigger, actor.role, facts)

    details = _apply_effects(actor, dossier, trigger, today=today, decision_number=decision_number,
                             decision_date=decision_date)
    return _write_state(actor, dossier, trigger, new_state, comment or "", details)


def fire_or_refuse(workflow: workflows.Workflow, state: str, trigger: str, role: str, facts) -> str:
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


def _apply_effects(actor: User, dossier: Dossier, trigger: str, *, today: dt.date,
                   decision_number: str | None, decision_date: dt.date | None) -> dict[str, Any]:
    """What a trigger does besides changing the state; returned for the history row."""
    details: dict[str, Any] = {}
    if trigger == "submit":
        documents = current_documents(dossier)
        frozen_at = utcnow()
        for document in documents.values():
            document.is_frozen = True
            document.frozen_at = frozen_at
        dossier.submitted_at = frozen_at
        dossier.is_late = today > dossier.round.deadline
        details["documents"] = {kind: {"version": d.version, "sha256": d.sha256}
                                for kind, d in sorted(documents.items())}
        details["is_late"] = dossier.is_late
    elif trigger == "approve":
        dossier.decision_number = decision_number
        dossier.decision_date = decision_date
        details["decision_number"] = decision_number
        details["decision_date"] = decision_date.isoformat() if decision_date else None
    return details


def _write_state(actor: User, dossier: Dossier, trigger: str, new_state: str, comment: str,
                 details: dict[str, Any]) -> HistoryEvent:
    old_state = dossier.state
    dossier.state = new_state
    event = HistoryEvent(
        dossier_id=dossier.id, actor_id=actor.id, actor_role=actor.role, trigger=trigger,
        from_state=old_state, to_state=new_state, comment=comment, details=details,
    )
    db.session.add(event)
    try:
        db.session.flush()
    except StaleDataError:
        raise Conflict("Hồ sơ vừa được người khác thay đổi. Hãy tải lại hồ sơ rồi thực hiện lại.",
                       code="stale_state") from None
    log.info("dossier %s: %s %s -> %s by %s", dossier.id, trigger, old_state, new_state, actor.username)
    return event

