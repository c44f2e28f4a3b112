"""Plain values for the round page, built from database objects: templates never see a model.

Labels come from workflows/round.yaml, service.ranking and the round operations,
so the page says exactly what the API, the Excel exports and the documents say.
"""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace
from typing import Any

import sqlalchemy as sa
from flask import url_for

import workflows

from .. import access, audit, ranking, vocabulary
from ..campaigns.schema import ROUND_KIND_LABELS
from ..db import db
from ..models import CampaignRound, Dossier, User
from ..operations import round_documents
from ..operations import rounds as round_ops
from ..errors import DomainError
from ..operations import officials as official_ops
from ..operations import web_support
from . import diagram, forms, views
from .format import date_vn, days_left_text, number_vn

# The override form's choices: the value posted, what the operation takes, and the words shown.
OVERRIDE_CHOICES = {
    "chon": (True, "Chọn khen thưởng (điều chỉnh so với xếp hạng)"),
    "khong-chon": (False, "Không chọn khen thưởng"),
    "tu-dong": (None, "Bỏ điều chỉnh, theo xếp hạng tự động"),
}
# The page stays small whatever the round's size: rows per group and page, bars per chart.
GROUP_PAGE_SIZE = 50
CHART_ROWS = 20
FULL_UNITS_SHOWN = 20
MAX_GROUPS_PAGED = 50
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
            if not row["is_selected"]:
                continue
            entry = SimpleNamespace(kind=row["kind"], unit_code=row["unit"].code, unit_kind=row["unit"].kind)
            if quota.applies_to(entry):
                key = row["unit"].short_name if quota.per_unit else ""
                counts[key] = counts.get(key, 0) + 1
        if quota.per_unit:
            fullest = max(counts.values(), default=0)
            full_units = sorted(name for name, count in counts.items() if count >= quota.limit)
            text = f"nhiều nhất {fullest}/{quota.limit} ở một đơn vị"
            if full_units:
                shown = full_units[:FULL_UNITS_SHOWN]
                more = len(full_units) - len(shown)
                text += f"; đã dùng hết: {', '.join(shown)}" + (f" và {more} đơn vị khác" if more else "")
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


def _memo(listing: round_ops.RoundListing, name: str, compute):
    """What a page derives from the whole list, computed once per listing (that is, per data version)."""
    if name not in listing.memo:
        listing.memo[name] = compute()
    return listing.memo[name]


def _visible_dossiers(user: User, round_: CampaignRound, dossier_ids: set[int]) -> set[int]:
    """The dossiers among ``dossier_ids`` that ``user`` may open, in one read."""
    if not dossier_ids:
        return set()
    campaign = round_.campaign
    rows = db.session.execute(sa.select(Dossier.id, Dossier.unit_id, Dossier.state)
                              .where(Dossier.id.in_(sorted(dossier_ids))))
    return {row.id for row in rows if access.may_view(
        user, unit_id=row.unit_id, state=row.state, standing_agency_id=campaign.standing_agency_id,
        authority_id=campaign.authority_id)}


def ranking_view(user: User, round_: CampaignRound, pages: dict[int, int] | None = None) -> dict[str, Any]:
    """The round's list as groups, each with one page of rows (``pages``: group index → page, else the
    first), a chart of its top rows, the columns worth showing, and the quotas.

    The page shows at most ``GROUP_PAGE_SIZE`` rows a group and ``CHART_ROWS`` bars a chart, whatever
    the size of the round; the rest is a link away (the next page of the group, the API, the workbook).
    """
    listing = round_ops.round_listing(round_)
    rows = listing.rows
    columns = _memo(listing, "columns", lambda: [
        m for m in listing.metrics if any(r["values"].get(m["code"]) is not None for r in rows)])
    labels = {m["code"]: m for m in listing.metrics}
    can_override = (access.can_override_selection(user, round_.campaign)
                    and round_.state in round_ops.ADJUSTABLE_STATES)
    rule = round_ops.ranking_rule(round_.campaign, round_)
    main = _main_metrics(rule)
    pages = pages or {}
    shown: list[tuple[dict[str, Any], list[dict[str, Any]], list[dict[str, Any]]]] = []
    for index, (name, positions) in enumerate(listing.groups.items(), start=1):
        pages_in_group = max(1, -(-len(positions) // GROUP_PAGE_SIZE))
        page = min(max(pages.get(index, 1), 1), pages_in_group)
        group_rows = [rows[p] for p in positions]
        group = {"name": name or "Không thuộc nhóm xét chọn nào", "index": index, "anchor": f"nhom-{index}",
                 "total": len(positions), "page": page, "pages": pages_in_group,
                 "first": (page - 1) * GROUP_PAGE_SIZE + 1,
                 "selected": _memo(listing, f"selected-{name}", lambda: sum(1 for r in group_rows
                                                                             if r["is_selected"])),
                 "rows": []}
        group["page_links"] = _page_links(round_, index, page, pages_in_group, pages)
        shown.append((group, group_rows[(page - 1) * GROUP_PAGE_SIZE: page * GROUP_PAGE_SIZE],
                      group_rows[:CHART_ROWS]))
    visible = _visible_dossiers(user, round_, {r["dossier_id"] for _, page_rows, _ in shown for r in page_rows})
    groups = []
    for group, page_rows, top in shown:
        for row in page_rows:
            group["rows"].append(_row_view(row, columns, can_override, row["dossier_id"] in visible))
        group["chart"] = _group_chart([_row_view(r, columns, False, False) for r in top],
                                      main.get(group["name"]), columns, labels)
        if group["chart"] is not None:
            group["chart"].update({"selected": group["selected"], "total": group["total"],
                                   "shown": len(top), "more_url": group["page_links"]["first_url"]
                                   if group["total"] > len(top) else ""})
        groups.append(group)
    return {
        "groups": groups,
        "columns": [{"code": m["code"], "label": m["label"], "unit": m["unit"], "is_derived": m["is_derived"]}
                    for m in columns],
        "total": len(rows), "selected": listing.selected_count, "is_frozen": listing.is_frozen,
        "breaches": listing.breaches, "duplicates": round_ops.duplicate_people(listing), "quotas": _memo(listing, "quotas", lambda: _quota_usage(rule, rows)),
        "can_override": can_override, "page_size": GROUP_PAGE_SIZE,
        "ranking_api_url": f"/api/v1/rounds/{round_.id}/ranking",
    }


def _row_view(row: dict[str, Any], columns: list[dict[str, Any]], can_override: bool,
              is_visible: bool) -> dict[str, Any]:
    return {
        "nominee_id": row["nominee_id"], "dossier_id": row["dossier_id"],
        "dossier_url": url_for("web.dossier_page", dossier_id=row["dossier_id"]) if is_visible else "",
        "rank": row["rank"], "unit_name": row["unit"].short_name, "full_name": row["full_name"],
        "position": row["position"] or "", "kind": row["kind"], "kind_label": views.KIND_LABELS[row["kind"]],
        "award_form": row["award_form"]["name"], "values": row["values"],
        "figures": [_figure(row["values"].get(m["code"])) for m in columns],
        "is_selected": row["is_selected"], "is_override": row["is_override"],
        "is_tied_at_cut": row["is_tied_at_cut"], "is_awarded": row["is_awarded"],
        "reason_code": row["reason_code"] or "", "reason_label": row["reason_label"],
        "reason": row["reason"] or "", "choices": _override_choices(row) if can_override else [],
    }


def _page_links(round_: CampaignRound, index: int, page: int, pages: int,
                current: dict[int, int]) -> dict[str, Any]:
    """Links to the previous and next page of one group, keeping the other groups where they are."""
    def url(number: int) -> str:
        wanted = {**current, index: number}
        args = {"trang": [f"{group}-{n}" for group, n in sorted(wanted.items()) if n > 1]}
        return url_for("web.round_page", round_id=round_.id, **args) + f"#nhom-{index}"

    return {"previous_url": url(page - 1) if page > 1 else "", "next_url": url(page + 1) if page < pages else "",
            "first_url": url(1)}


def parse_group_pages(values: list[str]) -> dict[int, int]:
    """``trang=2-3`` (group 2 at its page 3), repeated: what the page links carry; nonsense is ignored."""
    pages: dict[int, int] = {}
    for value in values[:MAX_GROUPS_PAGED]:
        group, _, page = value.partition("-")
        if group.isdigit() and page.isdigit() and len(group) < 6 and len(page) < 7:
            pages[int(group)] = int(page)
    return pages


def _group_chart(rows: list[dict[str, Any]], metric: ranking.MetricKey | None, columns: list[dict[str, Any]],
                 labels: dict[str, dict[str, Any]]) -> dict[str, Any] | None:
    """The chart of the top of one group by its main metric; a group ordered by nothing draws its first
    metric with figures."""
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

def signers_view(user: User, round_: CampaignRound) -> list[dict[str, Any]]:
    """Who signs the tờ trình and the decision, and, for those who may change it, the officials to choose from."""
    parts = []
    for part, spec in official_ops.ROUND_PARTS.items():
        unit = getattr(round_.campaign, spec["unit"])
        try:
            current = official_ops.round_signer(round_, part)
        except DomainError:
            current = None
        options = official_ops.signer_options(unit, for_decision=spec["for_decision"])
        official = current.official if current is not None else None
        parts.append({
            "part": part, "title": spec["title"], "unit_name": unit.short_name,
            "current": current.describe() if current is not None else "",
            "can_choose": access.can_choose_round_signer(user, round_.campaign, part) and bool(options["officials"]),
            "officials": options["officials"],
            "authorities": [{"value": a["code"] or forms.SIGN_DIRECTLY, "label": a["label"]}
                            for a in options["authorities"]],
            "official_id": official.id if official is not None else None,
            "authority": "" if current is None or current.authority is None
            else (current.authority or forms.SIGN_DIRECTLY),
            "url": url_for("web.choose_round_signer", round_id=round_.id, part=part),
        })
    return parts


def documents_view(user: User, round_: CampaignRound) -> dict[str, Any]:
    """The consolidated documents, offered only in the states the API serves them in, and who signs them."""
    frozen = round_.state in round_ops.FROZEN_STATES
    documents = []
    # A decision and its certificates per deciding authority when the round's forms have several.
    decisions = round_ops.round_decisions(round_) if frozen else []

    def modes(kind: str, **args: str) -> list[dict]:
        # The certificates print in full on plain paper, or their text alone on pre-printed blanks.
        if kind != "certificates":
            return []
        return [{"mode": mode, "label": round_documents.CERTIFICATE_MODE_TITLES[mode],
                 "url": url_for("web.download_round_document", round_id=round_.id, kind=kind, mode=mode, **args)}
                for mode in round_documents.CERTIFICATE_MODES]

    for kind in round_documents.ROUND_DOCUMENT_KINDS if frozen else ():
        title = vocabulary.document_title(kind)
        if kind in round_documents.PER_AUTHORITY_KINDS and len(decisions) > 1:
            documents += [{
                "kind": kind, "title": f"{title} — {d['authority']['name']}",
                "url": url_for("web.download_round_document", round_id=round_.id, kind=kind,
                               authority=d["authority"]["code"]),
                "is_draft": d["number"] is None,
                "modes": modes(kind, authority=d["authority"]["code"]),
            } for d in decisions]
        else:
            documents.append({
                "kind": kind, "title": title,
                "url": url_for("web.download_round_document", round_id=round_.id, kind=kind),
                "is_draft": kind != "to_trinh_tong_hop" and round_.decision_number is None,
                "modes": modes(kind),
            })
    # Further authorities' decisions are recorded here; the campaign's own by the "decide" step.
    further = [{
        "code": d["authority"]["code"], "name": d["authority"]["name"], "number": d["number"] or "",
        "date": date_vn(d["date"]), "awardee_count": d["awardee_count"],
        "url": url_for("web.record_round_decision", round_id=round_.id, authority_code=d["authority"]["code"]),
    } for d in decisions if not d["is_campaign_authority"]]
    return {
        "is_available": frozen, "documents": documents, "further_decisions": further,
        "ranking_url": url_for("web.download_round_ranking", round_id=round_.id),
        "awardees_url": url_for("web.download_round_awardees", round_id=round_.id) if frozen else "",
        "signers": signers_view(user, round_) if frozen else [],
    }


# --- the page -----------------------------------------------------------------------------

TRANSITION_DEFAULTS = ("comment", "proposal_number", "proposal_date", "decision_number", "decision_date")


def round_page(user: User, round_: CampaignRound, today: dt.date,
               pages: dict[int, int] | None = None) -> dict[str, Any]:
    """Everything the round page shows, as plain values (``pages``: which page of each ranking group)."""
    campaign = round_.campaign
    listing = ranking_view(user, round_, pages)
    actions = round_actions(user, round_, today)
    forms: dict[str, dict[str, Any]] = {}
    for entry in actions["available"]:
        values = {name: "" for name in TRANSITION_DEFAULTS}
        values["proposal_date"] = values["decision_date"] = today.isoformat()
        forms[f"transition-{entry['trigger']}"] = views.empty_form(values)
    documents = documents_view(user, round_)
    for signer in documents["signers"]:
        forms[f"signer-{signer['part']}"] = views.empty_form({"signer_official_id": signer["official_id"] or "",
                                                             "signer_authority": signer["authority"]})
    for group in listing["groups"]:
        for row in group["rows"]:
            if row["choices"]:
                forms[f"override-{row['nominee_id']}"] = views.empty_form(
                    {"selected": row["choices"][0]["value"], "reason": ""})
    documents["can_record"] = access.can_fire_round_transitions(user, campaign)
    for decision in documents["further_decisions"]:
        forms[f"decision-{decision['code']}"] = views.empty_form({"number": "", "decision_date": today.isoformat()})
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
        "history": round_history_view(round_), "documents": documents,
        "url": url_for("web.round_page", round_id=round_.id),
    }
