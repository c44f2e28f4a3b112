"""Plain values for the templates, built from database objects: templates never see a model.

Labels come from service.vocabulary (which reads the workflow definition and the
campaign's data), so a page says exactly what the API and the documents say.
"""
from __future__ import annotations

import datetime as dt
from fractions import Fraction
from typing import Any

import sqlalchemy as sa
from flask import request, url_for

import workflows
from workflows.rules import (
    describe_vote_rule, form_vote_rule, quorum_needed, quorum_reached, vote_passes, vote_rule_from_dict,
)

from .. import access, audit, signing, vocabulary
from .. import presenters as present
from ..clock import to_local
from ..db import db
from ..documents.vnformat import format_money
from ..models import DOCUMENT_KINDS, Campaign, CampaignRound, Dossier, HistoryEvent, Nominee, Unit, User
from ..operations import documents as document_ops
from ..operations import outcomes as outcome_ops
from ..operations import officials as official_ops
from ..operations import web_support
from ..operations import workflow as workflow_ops
from . import diagram, forms
from .format import date_vn, days_left_text, percent_vn

ROLE_LABELS = vocabulary.ROLE_LABELS
GENDER_LABELS = vocabulary.GENDER_LABELS
KIND_LABELS = vocabulary.NOMINEE_KIND_LABELS
VOTING_METHOD_LABELS = vocabulary.VOTING_METHOD_LABELS
UNIT_KIND_LABELS = vocabulary.UNIT_KIND_LABELS
# How each state is coloured (workflows/*.yaml, `tone`): a badge says the state in words, the colour only helps.
STATE_TONES = {s.name: s.tone for s in workflows.WORKFLOW.states}
# The campaign progress chart's line for dossiers not sent yet: the standing agency only learns that the unit
# is preparing them.
PREPARING = "preparing"
PREPARING_STATES = tuple(s.name for s in workflows.WORKFLOW.states if s.progress == PREPARING)
# Guards whose failure is about a field of the step's own form.
GUARD_FIELDS = {"comment_given": "comment", "decision_given": "decision_number"}


state_label = vocabulary.dossier_state_label
round_state_label = vocabulary.round_state_label


def viewer(user: User | None) -> dict[str, Any] | None:
    if user is None:
        return None
    return {"id": user.id, "username": user.username, "full_name": user.full_name, "role": user.role,
            "role_label": ROLE_LABELS[user.role], "unit_name": user.unit.name, "unit_id": user.unit_id}


def _deadline_of(campaign: Campaign, dossier: Dossier | None) -> tuple[dt.date, bool]:
    """(last day on time, whether late dossiers are taken): the dossier's round's when it has one."""
    round_ = getattr(dossier, "round", None) if dossier is not None else None
    if round_ is not None:
        return round_.deadline, round_.accepts_late
    return campaign.submission_deadline, campaign.accepts_late


def deadline_view(campaign: Campaign, today: dt.date, dossier: Dossier | None = None) -> dict[str, Any]:
    """The deadline, the days left, and whether lateness still matters for this dossier."""
    deadline, accepts_late = _deadline_of(campaign, dossier)
    days = web_support.days_left(deadline, today)
    sent = dossier is not None and dossier.submitted_at is not None and dossier.state not in PREPARING_STATES
    if sent:
        text = "Đã nộp ngày " + date_vn(to_local(dossier.submitted_at).date())
        text += " (nộp muộn)" if dossier.is_late else " (đúng hạn)"
        tone = "warning" if dossier.is_late else "success"
    else:
        text = days_left_text(days)
        if days < 0:
            text += "; vẫn nhận hồ sơ nộp muộn" if accepts_late else "; không nhận hồ sơ nộp muộn"
        tone = "danger" if days < 0 else ("warning" if days <= 3 else "neutral")
    return {"date": date_vn(deadline), "iso": deadline.isoformat(),
            "days_left": days, "text": text, "tone": tone, "is_past": days < 0, "accepts_late": accepts_late}


def campaign_view(campaign: Campaign, today: dt.date) -> dict[str, Any]:
    return {
        "id": campaign.id, "code": campaign.code, "title": campaign.title, "plan_number": campaign.plan_number,
        "plan_date": date_vn(campaign.plan_date), "issuer": campaign.issuer.name,
        "period": f"{date_vn(campaign.period_start)} – {date_vn(campaign.period_end)}",
        "award_name": campaign.award_name, "standing_agency": campaign.standing_agency.name,
        "authority": campaign.authority.name, "deadline": deadline_view(campaign, today),
    }


def unit_view(unit: Unit) -> dict[str, Any]:
    return {"id": unit.id, "code": unit.code, "name": unit.name, "short_name": unit.short_name,
            "kind": unit.kind, "kind_label": UNIT_KIND_LABELS.get(unit.kind, unit.kind),
            "parent": unit.parent.short_name if unit.parent else ""}


# --- what to do next ------------------------------------------------------------

def actions_view(user: User, dossier: Dossier, today: dt.date | None = None) -> dict[str, Any]:
    """The steps leaving the dossier's state, split into: yours now, yours but blocked, and other people's."""
    workflow = workflows.WORKFLOW
    acts = access.can_fire_transitions(user, dossier)
    available, optional, blocked, waiting = [], [], [], []
    steps = (workflow_ops.available_transitions(user, dossier, today=today) if _needs_facts(user, dossier, acts)
             else _steps_without_facts(user, dossier, acts))
    for item in steps:
        transition = workflow.transition(item["trigger"])
        entry = {
            "trigger": item["trigger"], "label": item["label"], "to_state_label": item["to_state_label"],
            "needs_comment": item["needs_comment"], "reasons": item["reasons"],
            "needs_decision": "decision_number" in item["required_fields"],
            "confirm": transition.confirm,
            "roles": ", ".join(ROLE_LABELS.get(r, workflow.role_label(r)) for r in transition.roles),
        }
        # A step the workflow marks optional (a way back beside the way forward) is offered apart.
        if acts and user.role in transition.roles:
            if item["allowed"]:
                (optional if transition.optional else available).append(entry)
            elif not transition.optional:
                blocked.append(entry)
        elif not transition.optional:
            waiting.append(entry)
    hidden = [t for t in workflow.transitions if t.source == dossier.state
              and not any(item["trigger"] == t.trigger for item in steps)]
    if hidden and dossier.campaign.is_decided_by_round:
        # The campaign decides per round: the dossier waits for the round's decision, not a step of its own.
        waiting.append({"trigger": "", "label": "Ghi nhận quyết định khen thưởng của đợt", "to_state_label": "",
                        "needs_comment": False, "reasons": [], "needs_decision": False, "confirm": "",
                        "roles": ROLE_LABELS.get("approver", "approver")})
    return {"state": dossier.state, "state_label": state_label(dossier.state), "available": available,
            "optional": optional, "blocked": blocked, "waiting": waiting,
            "is_final": dossier.state in workflow.final_states}


def next_step(actions: dict[str, Any]) -> dict[str, Any]:
    """One sentence for lists: what the signed-in user should do with a dossier, or whom it waits for."""
    if actions["available"]:
        return {"mine": True, "text": "Việc của bạn: " + " / ".join(a["label"] for a in actions["available"])}
    if actions["blocked"]:
        first = actions["blocked"][0]
        return {"mine": True, "text": f"Việc của bạn: {first['label']} (chưa đủ điều kiện)"}
    if actions["waiting"]:
        return {"mine": False, "text": "Đang chờ " + "; ".join(f"{a['roles']}: {a['label']}"
                                                              for a in actions["waiting"])}
    if actions["is_final"]:
        return {"mine": False, "text": "Hồ sơ đã kết thúc."}
    return {"mine": False, "text": ""}


def _needs_facts(user: User, dossier: Dossier, acts: bool) -> bool:
    """Whether a step the user may take here has a guard that reads the dossier (nominees, meeting, documents)."""
    return acts and any(
        user.role in t.roles and set(t.guards) - workflow_ops.REQUEST_GUARDS - workflows.SCOPE_GUARDS
        for t in workflows.WORKFLOW.transitions if t.source == dossier.state)


def _steps_without_facts(user: User, dossier: Dossier, acts: bool) -> list[dict[str, Any]]:
    """workflow_ops.available_transitions when no guard of the user's own steps reads the dossier.

    The steps of other roles only show their names, and guards that judge the request (a comment, a decision)
    cannot fail before it is made, so nothing needs the dossier's nominees: a reviewer's page of a dossier of
    15 000 people, or a list of a thousand dossiers, reads none of them.
    """
    workflow = workflows.WORKFLOW
    return [{"trigger": t.trigger, "label": t.label, "to_state": t.dest, "to_state_label": workflow.state_label(t.dest),
             "allowed": acts and user.role in t.roles, "reasons": [], "needs_comment": t.needs_comment,
             "required_fields": list(t.required_fields)}
            for t in workflow.transitions if t.source == dossier.state and workflow_ops.is_offered(dossier, t.trigger)]


def my_states(user: User) -> tuple[str, ...]:
    """The states in which a dossier waits for the user's role (a step of its own leaves them), for the to-do list."""
    return tuple(sorted({t.source for t in workflows.WORKFLOW.transitions
                         if user.role in t.roles and not t.optional}))


def dossier_row(user: User, dossier: Dossier, today: dt.date, nominee_count: int | None = None) -> dict[str, Any]:
    """One dossier as a line of a list on a home page (``nominee_count`` when the list counted them in SQL)."""
    actions = actions_view(user, dossier, today)
    return {
        "id": dossier.id, "url": url_for("web.dossier_page", dossier_id=dossier.id),
        "campaign_title": dossier.campaign.title, "campaign_plan": dossier.campaign.plan_number,
        "unit_name": dossier.unit.short_name, "state": dossier.state, "state_label": state_label(dossier.state),
        "state_tone": STATE_TONES.get(dossier.state, "neutral"), "is_late": dossier.is_late,
        "deadline": deadline_view(dossier.campaign, today, dossier), "next": next_step(actions),
        "nominee_count": len(dossier.nominees) if nominee_count is None else nominee_count,
    }


def requested_page(name: str = "trang") -> int:
    """The page number a list link asks for: the first for anything that is not a small positive number."""
    raw = request.args.get(name, "")
    return int(raw) if raw.isdigit() and len(raw) < 7 and int(raw) > 0 else 1


def pager(page: int, page_size: int, total: int, endpoint: str, param: str = "trang",
          anchor: str = "", **values: Any) -> dict[str, Any]:
    """Links to the previous and next page of a list of ``total`` items shown ``page_size`` at a time."""
    pages = max(1, -(-total // page_size))

    def link(number: int) -> str:
        return url_for(endpoint, **values, **{param: number}) + anchor
    return {"page": page, "pages": pages, "total": total, "page_size": page_size,
            "first": (page - 1) * page_size + 1 if total else 0, "last": min(page * page_size, total),
            "previous": link(page - 1) if page > 1 else "", "next": link(page + 1) if page < pages else ""}


# --- the dossier page --------------------------------------------------------------

def award_forms_view(campaign: Campaign) -> list[dict[str, Any]]:
    forms = []
    for form in campaign.award_forms:
        kinds = form.get("nominee_kinds") or ["collective", "individual"]
        suffix = " / ".join(KIND_LABELS[k].lower() for k in kinds)
        rule = form_vote_rule(form)
        forms.append({"code": form["code"], "name": form["name"], "kinds": " ".join(kinds),
                      "label": f"{form['name']} ({suffix})", "rule_text": describe_vote_rule(rule)})
    return forms


def metrics_view(campaign: Campaign) -> list[dict[str, Any]]:
    return [{"code": m["code"], "label": m["label"], "unit": m.get("unit") or "",
             "kinds": " ".join(m.get("nominee_kinds") or ["collective", "individual"]),
             "required": bool(m.get("required")), "min": m.get("min", 0), "max": m.get("max")}
            for m in campaign.metrics]


def _figure_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return str(value)


def nominee_form_values(nominee: Nominee | None) -> dict[str, Any]:
    """What the nominee form shows before the user types: the stored values, as text."""
    if nominee is None:
        return {"kind": "individual", "full_name": "", "gender": "", "position": "", "workplace": "",
                "is_leader": False, "award_form": "", "metrics": {}, "achievement_summary": ""}
    return {"kind": nominee.kind, "full_name": nominee.full_name, "gender": nominee.gender or "",
            "position": nominee.position or "", "workplace": nominee.workplace or "",
            "is_leader": nominee.is_leader, "award_form": nominee.award_form,
            "metrics": {code: _figure_text(v) for code, v in (nominee.metric_values or {}).items()},
            "achievement_summary": nominee.achievement_summary or "", "version": nominee.version}


def _vote_rule(campaign: Campaign, nominee: Nominee):
    return form_vote_rule(campaign.award_form(nominee.award_form))


def nominees_view(dossier: Dossier, nominees: list[Nominee], offset: int = 0) -> list[dict[str, Any]]:
    """The lines of the dossier's list for ``nominees``, a page of it that starts after ``offset`` others."""
    campaign = dossier.campaign
    meeting = dossier.meeting
    votes = web_support.votes_of(dossier, nominees)
    metric_labels = {m["code"]: (m["label"], m.get("unit") or "") for m in campaign.metrics}
    rows = []
    for position, nominee in enumerate(nominees, start=offset + 1):
        data = present.nominee(nominee)
        count = votes.get(nominee.id)
        vote = None
        if meeting is not None and count is not None:
            passed = None
            if count <= meeting.present_members:
                passed = vote_passes(_vote_rule(campaign, nominee), count, meeting.total_members,
                                     meeting.present_members)
            vote = {"count": count, "total": meeting.total_members,
                    "percent": percent_vn(float(Fraction(count * 100, meeting.total_members))), "passed": passed}
        rows.append({
            "position": position, "id": nominee.id, "version": nominee.version, "kind": nominee.kind,
            "kind_label": KIND_LABELS[nominee.kind], "full_name": nominee.full_name,
            "gender_label": GENDER_LABELS.get(nominee.gender or "", ""), "position_title": nominee.position,
            "workplace": nominee.workplace, "is_leader": nominee.is_leader,
            "award_form": vocabulary.award_form_label(campaign, nominee.award_form),
            "achievement_summary": nominee.achievement_summary,
            "metrics": [{"label": metric_labels.get(code, (code, ""))[0], "unit": metric_labels.get(code, ("", ""))[1],
                         "value": _figure_text(value)} for code, value in (nominee.metric_values or {}).items()],
            "missing_fields": data["missing_fields"], "vote": vote,
        })
    return rows


def meeting_view(dossier: Dossier) -> dict[str, Any] | None:
    meeting = dossier.meeting
    if meeting is None:
        return None
    return {
        "started_at": meeting.started_at, "ended_at": meeting.ended_at, "place": meeting.place,
        "chair": _person(meeting.chair_name, meeting.chair_gender, meeting.chair_position),
        "secretary": _person(meeting.secretary_name, meeting.secretary_gender, meeting.secretary_position),
        "total_members": meeting.total_members, "present_members": meeting.present_members,
        "quorum_reached": quorum_reached(meeting.present_members, meeting.total_members),
        "quorum_needed": quorum_needed(meeting.total_members),
        "absentees": [dict(a) for a in meeting.absentees or []],
        "voting_method": VOTING_METHOD_LABELS.get(meeting.voting_method, meeting.voting_method),
    }


def _person(name: str, gender: str | None, position: str) -> str:
    honorific = {"male": "Ông ", "female": "Bà "}.get(gender or "", "")
    return f"{honorific}{name}" + (f", {position}" if position else "")


def signer_view(user: User, dossier: Dossier) -> dict[str, Any]:
    """The choice of who signs the tờ trình and its list: the unit's officials, the authority words, and the
    signer the next version will have unless the person chooses another (Decree 30/2020, art. 13)."""
    unit = dossier.unit
    options = official_ops.signer_options(unit)
    current = document_ops.current_signer(user, dossier)
    official = current.official if current is not None else None
    authority = ""
    if official is not None and current.authority != signing.default_authority(
            is_head=official.is_head, body=signing.collective_body(unit.signature_authority)):
        authority = current.authority or forms.SIGN_DIRECTLY
    return {
        "officials": options["officials"],
        "authorities": [{"value": a["code"] or forms.SIGN_DIRECTLY, "label": a["label"]}
                        for a in options["authorities"]],
        "official_id": official.id if official is not None else None, "authority": authority,
        "current": current.describe() if current is not None else "",
        "manage_url": url_for("web.unit_officials", unit_id=unit.id) if access.can_manage_officials(user, unit)
        else "",
    }


def documents_view(user: User, dossier: Dossier) -> dict[str, Any]:
    """Each kind of document with its latest version first, and whether the set shows the current content."""
    documents = document_ops.list_documents(dossier)
    by_kind: dict[str, list] = {kind: [] for kind in DOCUMENT_KINDS}
    for document in documents:
        by_kind.setdefault(document.kind, []).append(document)
    kinds = []
    for kind in DOCUMENT_KINDS:
        versions = sorted(by_kind[kind], key=lambda d: d.version, reverse=True)
        kinds.append({
            "kind": kind, "title": vocabulary.document_title(kind),
            "versions": [{
                "version": d.version, "created_at": d.created_at, "created_by": d.created_by.full_name,
                "size": d.size, "is_frozen": d.is_frozen, "is_current": d.content_revision == dossier.content_revision,
                "download_url": url_for("web.download_document", dossier_id=dossier.id, kind=kind, version=d.version),
                "preview_url": url_for("web.preview_document", dossier_id=dossier.id, kind=kind, version=d.version),
                "signer": f"{d.signer_name} ({d.signer_position})" if d.signer_name else "",
            } for d in versions],
        })
    editable = dossier.state in access.EDITABLE_DETAIL_STATES
    can_generate = access.can_generate_documents(user, dossier) and editable
    return {
        "kinds": kinds, "has_any": bool(documents),
        "is_current": document_ops.current_documents(dossier) is not None,
        "can_generate": can_generate,
        "signer": signer_view(user, dossier) if can_generate else None,
        "is_frozen": not editable,
        "generate_url": url_for("web.generate_documents", dossier_id=dossier.id),
        "zip_url": url_for("web.download_documents_zip", dossier_id=dossier.id),
        "kind_titles": [{"kind": kind, "title": vocabulary.document_title(kind)} for kind in DOCUMENT_KINDS],
    }


def history_view(dossier: Dossier) -> list[dict[str, Any]]:
    events = db.session.scalars(sa.select(HistoryEvent).where(HistoryEvent.dossier_id == dossier.id)
                                .order_by(HistoryEvent.created_at, HistoryEvent.id))
    items = []
    for event in events:
        data = present.history_event(event)
        details = data["details"]
        notes = []
        if details.get("decision_number"):
            decision_date = dt.date.fromisoformat(details["decision_date"]) if details.get("decision_date") else None
            notes.append(f"Quyết định số {details['decision_number']}"
                         + (f" ngày {date_vn(decision_date)}" if decision_date else ""))
        if "is_late" in details:
            notes.append("Nộp muộn (sau hạn nộp)" if details["is_late"] else "Nộp đúng hạn")
        if details.get("documents"):
            notes.append("Khóa bộ văn bản: " + ", ".join(
                f"{vocabulary.document_title(kind)} (phiên bản {doc['version']})"
                for kind, doc in details["documents"].items()))
        items.append({
            "created_at": event.created_at, "actor_name": data["actor_name"],
            "actor_role": ROLE_LABELS.get(data["actor_role"], data["actor_role"]),
            "action": data["trigger_label"], "from_state_label": data["from_state_label"],
            "to_state_label": data["to_state_label"], "to_state_tone": STATE_TONES.get(event.to_state, "neutral"),
            "comment": data["comment"], "notes": notes, "sentence": "",
        })
    return audit.timeline(items, change_items(audit.dossier_changes(dossier)))


def change_items(changes: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Audited changes as history items of a page: the sentence tells who changed what, old → new."""
    return [{"kind": "change", "created_at": c["created_at"], "action": c["action_label"],
             "actor_name": c["actor_name"], "actor_role": ROLE_LABELS.get(c["actor_role"], c["actor_role"]),
             "sentence": c["sentence"], "notes": []} for c in changes]


def details_form_values(dossier: Dossier) -> dict[str, Any]:
    return {"to_trinh_number": str(dossier.to_trinh_number or ""),
            "bien_ban_number": str(dossier.bien_ban_number or ""),
            "to_trinh_date": dossier.to_trinh_date.isoformat() if dossier.to_trinh_date else "",
            "recipients": "\n".join(dossier.recipients or []), "version": dossier.version}


def empty_form(values: dict[str, Any]) -> dict[str, Any]:
    return {"values": values, "errors": {}, "message": "", "unplaced": [], "is_open": False}


# How many nominees a page of the dossier shows (each line carries its edit form).
NOMINEE_PAGE_SIZE = 50


def nominee_page_number(dossier: Dossier, nominee_id: int | None) -> int | None:
    """The page of the dossier's list that shows the nominee, None when it is not the dossier's."""
    index = web_support.nominee_index(dossier, nominee_id) if nominee_id else None
    return None if index is None else index // NOMINEE_PAGE_SIZE + 1


def dossier_page(user: User, dossier: Dossier, today: dt.date, number: int = 1) -> dict[str, Any]:
    """Everything the dossier page shows, as plain values, with page ``number`` of its nominees."""
    campaign = dossier.campaign
    actions = actions_view(user, dossier, today)
    offset = (number - 1) * NOMINEE_PAGE_SIZE
    nominees, nominee_total = web_support.dossier_nominees(dossier, offset=offset, limit=NOMINEE_PAGE_SIZE)
    forms = {"nominee-new": empty_form(nominee_form_values(None)), "details": empty_form(details_form_values(dossier))}
    for nominee in nominees:
        forms[f"nominee-{nominee.id}"] = empty_form(nominee_form_values(nominee))
    for entry in actions["available"] + actions["optional"]:
        forms[f"transition-{entry['trigger']}"] = empty_form({"comment": "", "decision_number": "",
                                                              "decision_date": ""})
    state = workflows.WORKFLOW.state(dossier.state)
    return {
        "id": dossier.id, "version": dossier.version, "state": dossier.state, "state_label": state_label(dossier.state),
        "state_tone": STATE_TONES.get(dossier.state, "neutral"), "is_late": dossier.is_late,
        "campaign": campaign_view(campaign, today), "unit": unit_view(dossier.unit),
        "deadline": deadline_view(campaign, today, dossier),
        "submitted_at": dossier.submitted_at, "decision_number": dossier.decision_number,
        "decision_date": date_vn(dossier.decision_date),
        "to_trinh_number": dossier.to_trinh_number, "bien_ban_number": dossier.bien_ban_number,
        "to_trinh_date": date_vn(dossier.to_trinh_date), "recipients": list(dossier.recipients or []),
        "can": {
            "edit_nominees": access.can_edit_nominees(user, dossier) and state.nominees_editable,
            "edit_details": access.can_edit_details(user, dossier) and state.editable,
            "record_meeting": access.can_record_meeting(user, dossier) and state.meeting_editable,
        },
        "nominees": nominees_view(dossier, nominees, offset), "nominee_total": nominee_total,
        "nominee_pager": pager(number, NOMINEE_PAGE_SIZE, nominee_total, "web.dossier_page",
                               anchor="#nguoi-duoc-de-nghi", dossier_id=dossier.id),
        "award_forms": award_forms_view(campaign),
        "metrics": metrics_view(campaign), "meeting": meeting_view(dossier), "actions": actions,
        "documents": documents_view(user, dossier), "history": history_view(dossier),
        "diagram": diagram.workflow_diagram(dossier.state), "forms": forms,
        "url": url_for("web.dossier_page", dossier_id=dossier.id),
    }


# --- the council meeting form ------------------------------------------------------

def _local_input(moment: dt.datetime | None) -> str:
    return to_local(moment).strftime("%Y-%m-%dT%H:%M") if moment else ""


def meeting_form_values(dossier: Dossier, user: User) -> dict[str, Any]:
    """The recorded meeting, or sensible defaults for a first recording."""
    meeting = dossier.meeting
    if meeting is None:
        return {
            "started_at": "", "ended_at": "", "place": f"Hội trường {dossier.unit.short_name}",
            "chair_name": dossier.unit.signer_name, "chair_gender": "", "chair_position": "Chủ tịch Hội đồng",
            "secretary_name": user.full_name, "secretary_gender": "", "secretary_position": "Thư ký Hội đồng",
            "total_members": "", "present_members": "", "voting_method": "show_of_hands", "absentees": [],
            "votes": {},
        }
    return {
        "started_at": _local_input(meeting.started_at), "ended_at": _local_input(meeting.ended_at),
        "place": meeting.place, "chair_name": meeting.chair_name, "chair_gender": meeting.chair_gender or "",
        "chair_position": meeting.chair_position, "secretary_name": meeting.secretary_name,
        "secretary_gender": meeting.secretary_gender or "", "secretary_position": meeting.secretary_position,
        "total_members": str(meeting.total_members), "present_members": str(meeting.present_members),
        "voting_method": meeting.voting_method,
        "absentees": [{"name": a.get("name", ""), "reason": a.get("reason", ""),
                       "written_opinion": a.get("written_opinion") or ""} for a in meeting.absentees or []],
        "votes": {str(v.nominee_id): str(v.votes_in_favour) for v in meeting.votes},
    }


def vote_grid(dossier: Dossier) -> list[dict[str, Any]]:
    """One row per nominee with its award form's vote rule, as numbers the page's script can use."""
    campaign = dossier.campaign
    rows = []
    for nominee in dossier.nominees:
        rule = _vote_rule(campaign, nominee)
        rows.append({
            "id": nominee.id, "full_name": nominee.full_name, "kind_label": KIND_LABELS[nominee.kind],
            "award_form": vocabulary.award_form_label(campaign, nominee.award_form),
            "rule_text": describe_vote_rule(rule),
            "threshold_num": rule.threshold.numerator, "threshold_den": rule.threshold.denominator,
            "strict": "true" if rule.strict else "false", "denominator": rule.denominator,
        })
    return rows


def vote_results(rows: list[dict[str, Any]], values: dict[str, Any]) -> dict[str, dict[str, Any]]:
    """Percent and pass/fail for the numbers in ``values``, as the page shows them before any script runs."""
    try:
        total, present_count = int(values.get("total_members") or ""), int(values.get("present_members") or "")
    except ValueError:
        return {}
    if total <= 0 or not 0 <= present_count <= total:
        return {}
    results = {}
    for row in rows:
        raw = (values.get("votes") or {}).get(str(row["id"]), "")
        try:
            count = int(raw)
        except ValueError:
            continue
        if not 0 <= count <= present_count:
            results[str(row["id"])] = {"percent": "", "text": "Không hợp lệ", "tone": "danger"}
            continue
        rule = vote_rule_from_dict({"kind": "ratio", "threshold": f"{row['threshold_num']}/{row['threshold_den']}",
                                    "strict": row["strict"] == "true", "denominator": row["denominator"]})
        passed = vote_passes(rule, count, total, present_count)
        results[str(row["id"])] = {"percent": percent_vn(float(Fraction(count * 100, total))),
                                   "text": "Đạt" if passed else "Không đạt", "tone": "success" if passed else "danger"}
    return results


# --- campaign overview ----------------------------------------------------------------

# The chart's lines (workflows/dossier.yaml, `progress`): (code, label, tone), in chart order.
PROGRESS_CATEGORIES = [(p.name, p.label, p.tone) for p in workflows.WORKFLOW.progress]
# The line of units that have not opened a dossier yet; the other lines are named by the states' `progress`.
NOT_STARTED = "not_started"
# Lines of dossiers the unit has not sent yet.
NOT_SENT = (NOT_STARTED, PREPARING)


def _category(dossier: Dossier | None) -> str:
    if dossier is None:
        return NOT_STARTED
    return workflows.WORKFLOW.state(dossier.state).progress


# How each round state is coloured (workflows/round.yaml, `tone`; the badge says the state in words).
ROUND_STATE_TONES = {s.name: s.tone for s in workflows.ROUND_WORKFLOW.states}


def round_next_step(user: User, round_: CampaignRound) -> dict[str, Any]:
    """One sentence for lists: the round's next step and whose it is, read from the round workflow."""
    workflow = workflows.ROUND_WORKFLOW
    leaving = [t for t in workflow.transitions if t.source == round_.state and not t.goes_back]
    acts = access.can_fire_round_transitions(user, round_.campaign)
    own = [t.label for t in leaving if acts and user.role in t.roles]
    if own:
        return {"mine": True, "text": "Việc của bạn: " + " / ".join(own)}
    if leaving:
        return {"mine": False, "text": "Đang chờ " + "; ".join(
            f"{', '.join(ROLE_LABELS.get(r, r) for r in t.roles)}: {t.label}" for t in leaving)}
    return {"mine": False, "text": "Đợt khen thưởng đã kết thúc."}


def round_links(user: User, campaign: Campaign) -> list[dict[str, Any]]:
    """The campaign's rounds with a link to each round page, for those who may see rounds."""
    if not access.can_view_round(user, campaign):
        return []
    return [{
        "id": r.id, "title": r.title, "state": r.state, "state_label": round_state_label(r.state),
        "state_tone": ROUND_STATE_TONES.get(r.state, "neutral"), "deadline": date_vn(r.deadline),
        "next": round_next_step(user, r), "url": url_for("web.round_page", round_id=r.id),
    } for r in campaign.rounds]


def campaign_overview(user: User, campaign: Campaign, today: dt.date) -> dict[str, Any]:
    """Where every participating unit stands, for the standing agency, the authority and the admin."""
    deadline = deadline_view(campaign, today)
    labels = {code: (label, tone) for code, label, tone in PROGRESS_CATEGORIES}
    rows, counts = [], {code: 0 for code, _, _ in PROGRESS_CATEGORIES}
    late_count = overdue_count = 0
    for unit, dossier in web_support.campaign_progress(campaign):
        category = _category(dossier)
        counts[category] += 1
        label, tone = labels[category]
        sent = category not in NOT_SENT
        overdue = not sent and deadline["is_past"]
        late = bool(dossier is not None and sent and dossier.is_late)
        late_count += late
        overdue_count += overdue
        visible = dossier is not None and access.can_view_dossier(user, dossier)
        rows.append({
            "unit_name": unit.short_name, "unit_kind": UNIT_KIND_LABELS.get(unit.kind, unit.kind),
            "status": label, "tone": tone, "category": category,
            "submitted_at": dossier.submitted_at if dossier is not None and sent else None,
            "is_late": late, "is_overdue": overdue,
            "url": url_for("web.dossier_page", dossier_id=dossier.id) if visible else "",
        })
    chart_rows = [{"label": label, "count": counts[code], "tone": tone} for code, label, tone in PROGRESS_CATEGORIES]
    sent_total = sum(counts[c] for c in counts if c not in NOT_SENT)
    sent_days = [to_local(row["submitted_at"]).date() for row in rows if row["submitted_at"] is not None]
    timeline = diagram.submission_timeline(campaign.period_start, campaign.submission_deadline, today, sent_days,
                                           len(rows))
    return {
        "campaign": campaign_view(campaign, today), "rows": rows, "chart": diagram.bar_chart(chart_rows),
        "timeline": timeline,
        "total": len(rows), "sent": sent_total, "late": late_count, "overdue": overdue_count,
        "deadline": deadline, "rounds": round_links(user, campaign),
    }


# --- the outcome of a decision, as the unit sees it ---------------------------------------------

# How many people the outcome box lists on a page; the counts cover everyone.
OUTCOME_ROWS = 200


def may_be_settled(dossier: Dossier) -> bool:
    """Whether a decision (or a rejection) may have settled the dossier: worth reading its outcome."""
    return dossier.state in ("approved", "rejected") or dossier.round.state in outcome_ops.ROUND_DECIDED_STATES


def outcome_view(outcome: dict[str, Any], rows: int = OUTCOME_ROWS) -> dict[str, Any] | None:
    """The outcome of ``outcome_ops.dossier_outcome`` with dates and money written out; None when unsettled."""
    if not outcome["is_settled"]:
        return None
    decision = outcome["decision"]
    nominees = []
    for n in outcome["nominees"][:rows]:
        prize = n["prize"]
        nominees.append({**n, "kind_label": KIND_LABELS.get(n["kind"], ""),
                         "prize_text": format_money(prize["amount"]) if prize and prize["amount"] is not None else "",
                         "tone": {"awarded": "success", "not_chosen": "danger"}.get(n["result"], "neutral")})
    dossier_id = outcome["dossier_id"]
    return {
        **outcome, "nominees": nominees, "more": max(0, len(outcome["nominees"]) - rows),
        "decision": {**decision, "date_text": date_vn(decision["date"]) if decision["date"] else ""} if decision else None,
        "total_prize_text": format_money(outcome["total_prize"]) if outcome["total_prize"] else "",
        "decision_url": url_for("web.outcome_decision", dossier_id=dossier_id),
        "certificates_url": url_for("web.outcome_certificates", dossier_id=dossier_id),
        "url": url_for("web.dossier_page", dossier_id=dossier_id) + "#ket-qua",
    }
