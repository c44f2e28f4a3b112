"""The dossier workflow bound to the database: its facts, who acts, its history rows and its effects.

``DOSSIER_FLOW`` (a ``record_flow.RecordFlow``) is the only code that writes
``Dossier.state``; it writes the history row in the same flush, so the two
cannot disagree. ``fire_transition`` and ``available_transitions`` are the verbs
the handlers call.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

import workflows
from workflows.facts import DossierFacts, MeetingFacts, NomineeFacts
from workflows.rules import form_vote_rule

from .. import access
from ..clock import today_local
from ..db import db, utcnow
from ..models import Dossier, HistoryEvent, User
from .campaigns import ensure_round_open
from .documents import current_documents
from .nominee_fields import missing_nominee_fields
from .record_flow import Firing, RecordFlow, fire_or_refuse  # noqa: F401 - fire_or_refuse re-exported


def dossier_facts(dossier: Dossier, *, today: dt.date | None = None, comment: str | None = None,
                  decision_number: str | None = None, decision_date: dt.date | None = None,
                  by_round_decision: bool = False) -> DossierFacts:
    """The plain facts the workflow's guards judge, read from the database."""
    campaign = dossier.campaign
    meeting = dossier.meeting
    votes = {vote.nominee_id: vote.votes_in_favour for vote in meeting.votes} if meeting else {}
    nominees = []
    for nominee in dossier.nominees:
        nominees.append(NomineeFacts(
            id=nominee.id,
            name=nominee.full_name,
            missing_fields=missing_nominee_fields(campaign, nominee),
            vote_rule=form_vote_rule(campaign.award_form(nominee.award_form)),
            votes_in_favour=votes.get(nominee.id),
        ))
    return DossierFacts(
        state=dossier.state,
        nominees=tuple(nominees),
        meeting=MeetingFacts(
            total_members=meeting.total_members, present_members=meeting.present_members,
            matches_nominees=meeting.nominees_revision == (dossier.nominees_revision or 0),
            returned_since=_returned_since(dossier, meeting.recorded_at),
        ) if meeting else None,
        documents_current=current_documents(dossier) is not None,
        today=today or today_local(),
        # Each round has its own deadline and late policy (an annual round,
        # a mid-term review, a final review of the same plan).
        deadline=dossier.round.deadline,
        accepts_late=dossier.round.accepts_late,
        comment=comment,
        decision_number=decision_number,
        decision_date=decision_date,
        decided_by_round=campaign.is_decided_by_round,
        by_round_decision=by_round_decision,
    )


def scope_facts(dossier: Dossier, *, today: dt.date | None = None) -> DossierFacts:
    """The facts the scope guards read (the campaign's settings), without reading the dossier's content."""
    return DossierFacts(state=dossier.state, nominees=(), documents_current=True, today=today or today_local(),
                        decided_by_round=dossier.campaign.is_decided_by_round)


def is_offered(dossier: Dossier, trigger: str, *, today: dt.date | None = None) -> bool:
    """Whether ``trigger`` applies to ``dossier`` at all (no scope guard of it refuses); cheap for lists."""
    guards = set(workflows.WORKFLOW.transition(trigger).guards) & workflows.SCOPE_GUARDS
    if not guards:
        return True
    facts = scope_facts(dossier, today=today)
    return all(workflows.GUARDS[name](facts) is None for name in guards)


def _returned_since(dossier: Dossier, moment: dt.datetime) -> bool:
    """Whether the reviewer returned the dossier for revision after ``moment`` (from its history)."""
    return db.session.scalar(sa.select(sa.exists().where(
        HistoryEvent.dossier_id == dossier.id, HistoryEvent.trigger == "return_for_revision",
        HistoryEvent.created_at > moment))) or False


def _facts(dossier: Dossier, *, today: dt.date | None, trigger: str | None = None, **request: Any) -> DossierFacts:
    return dossier_facts(dossier, today=today, **request)


DOSSIER_FLOW = RecordFlow(
    workflows.WORKFLOW,
    facts=_facts,
    may_act=access.can_fire_transitions,
    outsider_message="Bạn không thuộc đơn vị hoặc cơ quan xử lý hồ sơ này.",
    history_row=lambda dossier, **values: HistoryEvent(dossier_id=dossier.id, **values),
    # Guards that look at what the request brings rather than at the dossier.
    request_guards=frozenset({"comment_given", "decision_given", "decision_not_ahead"}),
    scope_guards=workflows.SCOPE_GUARDS,
    stale_message="Hồ sơ đã được người khác chuyển sang trạng thái “{current}” trong lúc bạn thao tác "
                  "(bạn thấy: “{expected}”). Hãy tải lại hồ sơ.",
    conflict_message="Hồ sơ vừa được người khác thay đổi. Hãy tải lại hồ sơ rồi thực hiện lại.",
)
REQUEST_GUARDS = DOSSIER_FLOW.request_guards


@DOSSIER_FLOW.check("submit")
def _round_still_open(firing: Firing) -> None:
    # Once the agency has proposed the round's list, nothing new joins it.
    ensure_round_open(firing.record.round, "nộp hồ sơ")


@DOSSIER_FLOW.effect("submit")
def _freeze_documents(firing: Firing) -> dict[str, Any]:
    """Submitting freezes the current documents and notes whether the dossier came in late."""
    dossier = firing.record
    documents = current_documents(dossier)
    frozen_at = utcnow()
    for document in documents.values():
        document.is_frozen = True
        document.frozen_at = frozen_at
    dossier.submitted_at = frozen_at
    dossier.is_late = firing.today > dossier.round.deadline
    return {"documents": {kind: {"version": d.version, "sha256": d.sha256} for kind, d in sorted(documents.items())},
            "is_late": dossier.is_late}


@DOSSIER_FLOW.effect("approve")
def _record_decision(firing: Firing) -> dict[str, Any]:
    dossier = firing.record
    decision_number, decision_date = firing.fields.get("decision_number"), firing.fields.get("decision_date")
    dossier.decision_number = decision_number
    dossier.decision_date = decision_date
    details = {"decision_number": decision_number,
               "decision_date": decision_date.isoformat() if decision_date else None}
    if firing.fields.get("by_round_decision"):
        # Which decision approved the dossier: the round's (its list says who was chosen), or its own.
        details["round_id"] = dossier.round_id
    return details


def available_transitions(actor: User, dossier: Dossier, *, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each trigger leaving the dossier's state: may this user fire it now, and if not, why."""
    return DOSSIER_FLOW.available(actor, dossier, today=today)


def fire_transition(actor: User, dossier: Dossier, trigger: str, *, expected_state: str,
                    comment: str | None = None, decision_number: str | None = None,
                    decision_date: dt.date | None = None, today: dt.date | None = None,
                    by_round_decision: bool = False) -> HistoryEvent:
    """Move ``dossier`` along ``trigger`` and record who did it, when, from where to where and why.

    ``by_round_decision`` is set only by the round's decision approving its dossiers
    (service.operations.rounds), never from a request.
    """
    extra = {"by_round_decision": True} if by_round_decision else {}
    return DOSSIER_FLOW.fire(actor, dossier, trigger, expected_state=expected_state, comment=comment, today=today,
                             decision_number=decision_number, decision_date=decision_date, **extra)
