"""Plain dicts of users, nominees, meetings, dossiers, history events and documents.

The API dumps them with its output schemas; the pages build on the same dicts,
so a page says exactly what the API says (labels, missing fields, vote results).
"""
from __future__ import annotations

from typing import Any

from flask import url_for

import workflows
from workflows.rules import form_vote_rule, quorum_reached, vote_passes, vote_percent

from . import access, vocabulary
from .documents import builders
from .models import CouncilMeeting, Dossier, GeneratedDocument, HistoryEvent, Nominee, Person, User
from .operations.dossiers import missing_nominee_fields

ROLE_LABELS = vocabulary.ROLE_LABELS


def user(u: User) -> dict[str, Any]:
    return {"id": u.id, "username": u.username, "full_name": u.full_name, "role": u.role,
            "role_label": ROLE_LABELS[u.role], "unit": u.unit}


def nominee(n: Nominee) -> dict[str, Any]:
    return {
        "id": n.id, "kind": n.kind, "full_name": n.full_name, "gender": n.gender, "position": n.position,
        "workplace": n.workplace, "is_leader": n.is_leader, "award_form": n.award_form,
        "metric_values": n.metric_values or {}, "achievement_summary": n.achievement_summary,
        "person_id": n.person_id, "version": n.version, "missing_fields": list(missing_nominee_fields(n.dossier.campaign, n)),
    }


def meeting(d: Dossier, m: CouncilMeeting) -> dict[str, Any]:
    rules = {n.id: form_vote_rule(d.campaign.award_form(n.award_form)) for n in d.nominees}
    votes = []
    for vote in m.votes:
        rule = rules.get(vote.nominee_id)
        votes.append({
            "nominee_id": vote.nominee_id, "votes_in_favour": vote.votes_in_favour,
            "vote_percent": round(vote_percent(vote.votes_in_favour, m.total_members), 2),
            "passed": vote_passes(rule, vote.votes_in_favour, m.total_members, m.present_members) if rule else None,
        })
    return {
        "started_at": m.started_at, "ended_at": m.ended_at, "place": m.place, "chair_name": m.chair_name,
        "chair_gender": m.chair_gender, "chair_position": m.chair_position, "secretary_name": m.secretary_name,
        "secretary_gender": m.secretary_gender,
        "secretary_position": m.secretary_position, "total_members": m.total_members,
        "present_members": m.present_members, "absentees": m.absentees or [], "voting_method": m.voting_method,
        "quorum_reached": quorum_reached(m.present_members, m.total_members), "votes": votes,
    }


def dossier_summary(d: Dossier) -> dict[str, Any]:
    return {"id": d.id, "campaign_id": d.campaign_id, "round_id": d.round_id, "unit": d.unit, "state": d.state,
            "state_label": workflows.WORKFLOW.state_label(d.state), "version": d.version, "is_late": d.is_late,
            "submitted_at": d.submitted_at, "updated_at": d.updated_at}


def dossier(d: Dossier) -> dict[str, Any]:
    data = dossier_summary(d)
    data.update({
        "content_revision": d.content_revision, "to_trinh_number": d.to_trinh_number,
        "to_trinh_date": d.to_trinh_date, "bien_ban_number": d.bien_ban_number,
        "recipients": d.recipients or [], "decision_number": d.decision_number,
        "decision_date": d.decision_date, "created_at": d.created_at,
        "nominees": [nominee(n) for n in d.nominees],
        "meeting": meeting(d, d.meeting) if d.meeting else None,
    })
    return data


def history_event(e: HistoryEvent) -> dict[str, Any]:
    label = workflows.WORKFLOW.state_label
    return {
        "id": e.id, "trigger": e.trigger,
        "trigger_label": vocabulary.dossier_event_label(e.trigger),
        "from_state": e.from_state, "to_state": e.to_state,
        "from_state_label": label(e.from_state) if e.from_state else "",
        "to_state_label": label(e.to_state), "actor_id": e.actor_id, "actor_name": e.actor.full_name,
        "actor_role": e.actor_role, "comment": e.comment, "details": e.details or {}, "created_at": e.created_at,
    }


def document(d: Dossier, doc: GeneratedDocument) -> dict[str, Any]:
    return {
        "kind": doc.kind, "title": builders.DOCUMENT_TITLES.get(doc.kind, doc.kind), "version": doc.version,
        "content_revision": doc.content_revision, "sha256": doc.sha256, "size": doc.size,
        "template_name": doc.template_name, "is_frozen": doc.is_frozen,
        "is_current": doc.content_revision == d.content_revision,
        "created_by": doc.created_by.full_name, "created_at": doc.created_at,
        "download_url": url_for("api.download_document", dossier_id=d.id, kind=doc.kind, version=doc.version),
        "signer": None if doc.signer_name is None else {
            "official_id": doc.signer_official_id, "authority": doc.signer_authority, "full_name": doc.signer_name,
            "position": doc.signer_position},
    }


def person(p: Person, viewer: User) -> dict[str, Any]:
    """A register entry as ``viewer`` may see it: birth date and ID number only for whom
    access.can_read_personal_data allows (Decree 13/2023/NĐ-CP); others get neither key."""
    shown = {"id": p.id, "kind": p.kind, "full_name": p.full_name, "gender": p.gender, "position": p.position,
             "unit_id": p.unit_id, "unit_name": p.unit.name, "is_whole_unit": p.is_whole_unit,
             "is_active": p.is_active,
             "placements": [{"unit_id": pl.unit_id, "unit_name": pl.unit.name, "position": pl.position,
                             "started_on": pl.started_on, "ended_on": pl.ended_on} for pl in p.placements]}
    if access.can_read_personal_data(viewer, p):
        shown.update(birth_date=p.birth_date, id_number=p.id_number)
    return shown
