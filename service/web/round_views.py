"""Plain values for the round page, built from database objects: templates never see a model.

Labels come from workflows/round.yaml, service.ranking and the round operations,
so the page says exactly what the API, the Excel exports and the documents say.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

from flask import url_for

import workflows

from .. import access, audit, ranking, vocabulary
from ..campaigns.schema import ROUND_KIND_LABELS
from ..db import db
from ..models import CampaignRound, Dossier, User
from ..operations import round_documents
from ..operations import rounds as round_ops
from ..operations import web_support
from . import diagram, views
from .format import date_vn, days_left_text, number_vn

# The override form's choices: the value posted, what the operation takes, and the words shown.
OVERRIDE_CHOICES = {
    "chon": (True, "Chọn khen thưởng (điều chỉnh so với xếp hạng)"),
    "khong-chon": (False, "Không chọn khen thưởng"),
    "tu-dong": (None, "Bỏ điều chỉnh, theo xếp hạng tự động"),
}
# Which dossier states the counts show first.
DOSSIER_STATE_ORDER = [s.name for s in workflows.WORKFLOW.states]


def _figure(value: Any) -> str:
    return "—" if value is None else number_vn(value)


def round_deadline(round_: CampaignRound, today: dt.date) -> dict[str, Any]:
    days = web_support.days_left(round_.deadline, today)
    text = days_left_text(days)
    if days < 0:
        text += "; vẫn nhận hồ sơ nộp muộn" if round_.accepts_late else "; không nhận hồ sơ nộp muộn"
    collecting = workflows.ROUND_WORKFLOW.state(round_.state).shows_deadline
    tone = ("danger" if days < 0 else "warning" if days <= 3 else "neutral") if collecting else "neutral"
    return {"date": date_vn(round_.deadline), "text": text if collecting else "", "tone": tone,
            "accepts_late": round_.accepts_late}


def _count_rows(counts: dict[str, int]) -> list[dict[str, Any]]:
    """Dossiers by state; those not sent yet are one line, as on the campaign page (their content is the unit's)."""
    preparing = sum(counts.get(state, 0) for state in views.PREPARING_STATES)
    line = next(p for p in workflows.WORKFLOW.progress if p.name == views.PREPARING)
    rows = [{"state": line.name, "label": line.label, "tone": line.tone, "count": preparing}] if preparing else []
    rows += [{"state": state, "label": views.state_label(state), "tone": views.STATE_TONES.get(state, "neutral"),
              "count": counts[state]} for state in DOSSIER_STATE_ORDER
             if counts.get(state) and state not in views.PREPARING_STATES]
    return rows


def dossier_counts_view(round_: CampaignRound) -> dict[str, Any]:
    counts = round_ops.dossier_counts(round_)
    return {"rows": _count_rows(counts), "total": sum(counts.values())}


# --- the ranking ----------------------------------------------------------------------

def _quota_usage(rule: ranking.RankingRule, rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Each quota of the round with the places the list uses: in the round, or per unit (the fullest)."""
    usage = []
    for quota in rule.quotas:
        counts: dict[str, int] = {}
        for row in rows:
            entry = SimpleNamespace(kind=row["kind"], unit_code=row["unit"].code, unit_kind=row["unit"].kind)
            if row["is_selected"] and quota.applies_to(entry):
                key = row["unit"].short_name if quota.per_unit else ""
                counts[key] = counts.get(key, 0) + 1
        if quota.per_unit:
            fullest = max(counts.values(), default=0)
            full_units = sorted(name for name, count in counts.items() if count >= quota.limit)
            text = f"nhiều nhất {fullest}/{quota.limit} ở một đơn vị"
            if full_units:
                text += f"; đã dùng hết: {', '.join(full_units)}"
            usage.append({"label": quota.describe(), "used": fullest, "limit": quota.limit, "text": text,
                          "is_full": fullest >= quota.limit, "per_unit": True})
        else:
            used = counts.get("", 0)
            usage.append({"label": quota.describe(), "used": used, "limit": quota.limit,
                          "text": f"đã dùng {used}/{quota.limit}", "is_full": used >= quota.limit,
                          "per_unit": False})
    return usage


def _override_choices(row: dict[str, Any]) -> list[dict[str, str]]:
    """What the reviewer may do with one nominee: force in, leave out, or withdraw an override."""
    codes = []
    if not row["is_selected"] and (row["reason_code"] in ranking.FORCEABLE_REASONS or row["is_override"]):
        codes.append("chon")
    if row["is_selected"]:
        codes.append("khong-chon")
    if row["is_override"]:
        codes.append("tu-dong")
    return [{"value": code, "label": OVERRIDE_CHOICES[code][1]} for code in codes]


def _main_metrics(rule: ranking.RankingRule) -> dict[str, ranking.MetricKey]:
    """The first metric each ranking group orders by: what the group's chart draws."""
    return {group.name: group.order[0] for group in rule.groups if group.order}


def ranking_view(user: User, round_: CampaignRound) -> dict[str, Any]:
    """The round's list as groups of rows (with a chart each), the columns worth showing, and the quotas."""
    listing = round_ops.round_ranking(round_)
    rows = listing["nominees"]
    columns = [m for m in listing["metrics"] if any(r["values"].get(m["code"]) is not None for r in rows)]
    labels = {m["code"]: m for m in listing["metrics"]}
    can_override = (access.can_override_selection(user, round_.campaign)
                    and round_.state in round_ops.ADJUSTABLE_STATES)
    rule = round_ops.ranking_rule(round_.campaign, round_)
    main = _main_metrics(rule)
    groups: dict[str, dict[str, Any]] = {}
    for row in rows:
        name = row["group"] or "Không thuộc nhóm xét chọn nào"
        group = groups.setdefault(name, {"name": name, "rows": []})
        dossier = db.session.get(Dossier, row["dossier_id"])
        visible = dossier is not None and access.can_view_dossier(user, dossier)
        choices = _override_choices(row) if can_override else []
        group["rows"].append({
            "nominee_id": row["nominee_id"], "dossier_id": row["dossier_id"],
            "dossier_url": url_for("web.dossier_page", dossier_id=row["dossier_id"]) if visible else "",
            "rank": row["rank"], "unit_name": row["unit"].short_name, "full_name": row["full_name"],
            "position": row["position"] or "", "kind": row["kind"], "kind_label": views.KIND_LABELS[row["kind"]],
            "award_form": row["award_form"]["name"], "values": row["values"],
            "figures": [_figure(row["values"].get(m["code"])) for m in columns],
            "is_selected": row["is_selected"], "is_override": row["is_override"],
            "is_tied_at_cut": row["is_tied_at_cut"], "is_awarded": row["is_awarded"],
            "reason_code": row["reason_code"] or "", "reason_label": row["reason_label"],
            "reason": row["reason"] or "", "choices": choices,
        })
    for group in groups.values():
        group["chart"] = _group_chart(group, main.get(group["name"]), columns, labels)
        group["selected"] = sum(1 for r in group["rows"] if r["is_selected"])
    return {
        "groups": list(groups.values()),
        "columns": [{"code": m["code"], "label": m["label"], "unit": m["unit"], "is_derived": m["is_derived"]}
                    for m in columns],
        "total": len(rows), "selected": listing["selected_count"], "is_frozen": listing["is_frozen"],
        "breaches": listing["quota_breaches"], "quotas": _quota_usage(rule, rows),
        "can_override": can_override,
    }


def _group_chart(group: dict[str, Any], metric: ranking.MetricKey | None, columns: list[dict[str, Any]],
                 labels: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The chart of one group's main metric; a group ordered by nothing draws its first metric with figures."""
    rows = group["rows"]
    if metric is not None and metric.code in labels:
        code = metric.code
    else:
        code = next((m["code"] for m in columns if any(r["values"].get(m["code"]) is not None for r in rows)), None)
    if code is None:
        return None
    info = labels[code]
    unit = info["unit"]
    bars = [{
        "name": r["full_name"], "unit_name": r["unit_name"], "rank": r["rank"], "is_selected": r["is_selected"],
        "value": r["values"].get(code),
        "value_text": (_figure(r["values"].get(code)) + (f" {unit}" if unit and unit != "%" else unit or ""))
        if r["values"].get(code) is not None else "chưa có số liệu",
    } for r in rows]
    chart = diagram.ranking_chart(bars)
    chart.update({"metric_label": info["label"], "metric_phrase": info["label"][:1].lower() + info["label"][1:],
                  "metric_unit": unit, "higher_is_better": info["higher_is_better"]})
    return chart


# --- the workflow ----------------------------------------------------------------------

def round_actions(user: User, round_: CampaignRound, today: dt.date) -> dict[str, Any]:
    """The round's steps leaving its state: yours now, yours but blocked, and other people's."""
    workflow = workflows.ROUND_WORKFLOW
    acts = access.can_fire_round_transitions(user, round_.campaign)
    available, blocked, waiting = [], [], []
    for item in round_ops.available_round_transitions(user, round_, today=today):
        transition = workflow.transition(item["trigger"])
        entry = {
            "trigger": item["trigger"], "label": item["label"], "to_state_label": item["to_state_label"],
            "needs_comment": item["needs_comment"], "reasons": item["reasons"],
            "needs_proposal": "proposal_number" in item["required_fields"],
            "needs_decision": "decision_number" in item["required_fields"],
            "confirm": transition.confirm, "goes_back": transition.goes_back,
            "roles": ", ".join(views.ROLE_LABELS.get(r, workflow.role_label(r)) for r in transition.roles),
        }
        if acts and user.role in transition.roles:
            (available if item["allowed"] else blocked).append(entry)
        elif not entry["goes_back"]:
            waiting.append(entry)
    return {"available": available, "blocked": blocked, "waiting": waiting,
            "is_final": round_.state in workflow.final_states}


def _event_notes(event) -> list[str]:
    details = event.details or {}
    notes = []
    if event.trigger == "override":
        what = {True: "Chọn", False: "Không chọn", None: "Bỏ điều chỉnh"}[details.get("selected")]
        notes.append(f"{what}: {details.get('nominee_name', '')}")
    if isinstance(details.get("dossiers"), dict) and details["dossiers"]:
        parts = [f"{row['count']} {row['label'][:1].lower()}{row['label'][1:]}"
                 for row in _count_rows(details["dossiers"])]
        notes.append("Hồ sơ khi chuyển tổng hợp: " + ", ".join(parts))
    if details.get("proposal_number"):
        day = dt.date.fromisoformat(details["proposal_date"]) if details.get("proposal_date") else None
        notes.append(f"Tờ trình số {details['proposal_number']}" + (f" ngày {date_vn(day)}" if day else "")
                     + f"; {len(details.get('selected') or [])} tập thể, cá nhân được chọn")
    if details.get("decision_number"):
        day = dt.date.fromisoformat(details["decision_date"]) if details.get("decision_date") else None
        notes.append(f"Quyết định số {details['decision_number']}" + (f" ngày {date_vn(day)}" if day else "")
                     + f"; {details.get('awarded', 0)} tập thể, cá nhân được khen thưởng; "
                     f"{len(details.get('approved_dossiers') or [])} hồ sơ được phê duyệt")
    withdrawn = details.get("withdrawn_proposal") or {}
    if withdrawn.get("number"):
        notes.append(f"Rút lại tờ trình số {withdrawn['number']}")
    return notes


def round_history_view(round_: CampaignRound) -> list[dict[str, Any]]:
    items = []
    for event in round_ops.round_history(round_):
        items.append({
            "created_at": event.created_at, "actor_name": event.actor.full_name,
            "actor_role": views.ROLE_LABELS.get(event.actor_role, event.actor_role),
            "action": round_ops.event_label(event.trigger),
            "from_state_label": views.round_state_label(event.from_state) if event.from_state != event.to_state
            else "",
            "to_state_label": views.round_state_label(event.to_state),
            "to_state_tone": views.ROUND_STATE_TONES.get(event.to_state, "neutral"),
            "comment": event.comment, "notes": _event_notes(event),
            "sentence": audit.override_sentence(event.actor.full_name, (event.details or {}).get("nominee_name", ""),
                                                (event.details or {}).get("selected"), "")
            if event.trigger == "override" else "",
        })
    return audit.timeline(items, views.change_items(audit.round_changes(round_)))


# --- documents --------------------------------------------------------------------------

def documents_view(round_: CampaignRound) -> dict[str, Any]:
    """The consolidated documents, offered only in the states the API serves them in."""
    frozen = round_.state in round_ops.FROZEN_STATES
    documents = [{
        "kind": kind, "title": vocabulary.document_title(kind),
        "url": url_for("web.download_round_document", round_id=round_.id, kind=kind),
        "is_draft": kind != "to_trinh_tong_hop" and round_.decision_number is None,
    } for kind in round_documents.ROUND_DOCUMENT_KINDS] if frozen else []
    return {
        "is_available": frozen, "documents": documents,
        "ranking_url": url_for("web.download_round_ranking", round_id=round_.id),
        "awardees_url": url_for("web.download_round_awardees", round_id=round_.id) if frozen else "",
    }


# --- the page -----------------------------------------------------------------------------

TRANSITION_DEFAULTS = ("comment", "proposal_number", "proposal_date", "decision_number", "decision_date")


def round_page(user: User, round_: CampaignRound, today: dt.date) -> dict[str, Any]:
    """Everything the round page shows, as plain values."""
    campaign = round_.campaign
    listing = ranking_view(user, round_)
    actions = round_actions(user, round_, today)
    forms: dict[str, dict[str, Any]] = {}
    for entry in actions["available"]:
        values = {name: "" for name in TRANSITION_DEFAULTS}
        values["proposal_date"] = values["decision_date"] = today.isoformat()
        forms[f"transition-{entry['trigger']}"] = views.empty_form(values)
    for group in listing["groups"]:
        for row in group["rows"]:
            if row["choices"]:
                forms[f"override-{row['nominee_id']}"] = views.empty_form(
                    {"selected": row["choices"][0]["value"], "reason": ""})
    return {
        "id": round_.id, "title": round_.title, "kind_label": ROUND_KIND_LABELS.get(round_.kind, round_.kind),
        "state": round_.state, "state_label": views.round_state_label(round_.state),
        "state_tone": views.ROUND_STATE_TONES.get(round_.state, "neutral"), "version": round_.version,
        "campaign": views.campaign_view(campaign, today),
        "campaign_url": url_for("web.campaign_page", campaign_id=campaign.id)
        if web_support.can_follow_campaign(user, campaign) else "",
        "period": f"{date_vn(round_.period_start)} – {date_vn(round_.period_end)}",
        "deadline": round_deadline(round_, today),
        "proposal": {"number": round_.proposal_number or "", "date": date_vn(round_.proposal_date)},
        "decision": {"number": round_.decision_number or "", "date": date_vn(round_.decision_date)},
        "counts": dossier_counts_view(round_), "ranking": listing, "actions": actions, "forms": forms,
        "history": round_history_view(round_), "documents": documents_view(round_),
        "url": url_for("web.round_page", round_id=round_.id),
    }
