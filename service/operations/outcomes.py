"""The outcome going back to the unit: what the authority decided for each of its nominees.

A dossier is settled one of two ways (the campaign's ``decisions`` setting):
by the round's decision, whose frozen list (``RoundResult``) says who was
awarded and why the others were not; or by a decision recorded for the
dossier alone, which awards those the unit's council passed. A dossier the
reviewer rejected is settled with the reviewer's comment. Nothing here
changes the database.
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa
from flask import current_app

import workflows
from workflows.rules import describe_vote_rule, form_vote_rule, vote_passes

from ..awards.prize import PrizeError, apply_prizes
from ..campaigns.metrics import nominee_values
from ..db import db
from ..documents import collation
from ..errors import Conflict
from ..models import Dossier, HistoryEvent, Nominee, RoundResult, Unit
from ..ranking import REASONS
from . import round_documents
from .salaries import salary_table

RESULT_LABELS = {"awarded": "Được khen thưởng", "not_chosen": "Không được khen thưởng",
                 "pending": "Chưa có kết quả"}
# The round states in which its decision is signed (after "decide").
ROUND_DECIDED_STATES = frozenset({workflows.ROUND_WORKFLOW.transition("decide").dest,
                                  workflows.ROUND_WORKFLOW.transition("close").dest})
SCOPE_LABELS = {"round": "Quyết định khen thưởng của đợt", "dossier": "Quyết định khen thưởng riêng cho hồ sơ"}


def _round_decided(dossier: Dossier) -> bool:
    round_ = dossier.round
    return round_.state in ROUND_DECIDED_STATES and bool(round_.decision_number)


def decision_scope(dossier: Dossier) -> str | None:
    """Which decision settled the dossier: "round", "dossier", or None (none yet, or rejected without one).

    A dossier approved with the round's decision number and date was approved by the round's decision;
    one approved with a number of its own was decided on its own.
    """
    round_ = dossier.round
    if dossier.state == "approved":
        if _round_decided(dossier) and (dossier.decision_number, dossier.decision_date) == (
                round_.decision_number, round_.decision_date):
            return "round"
        return "dossier"
    if _round_decided(dossier) and db.session.scalar(sa.select(sa.exists().where(
            RoundResult.round_id == round_.id, RoundResult.dossier_id == dossier.id))):
        return "round"
    return None


def _reject_comment(dossier: Dossier) -> str:
    return db.session.scalar(sa.select(HistoryEvent.comment).where(
        HistoryEvent.dossier_id == dossier.id, HistoryEvent.trigger == "reject")
        .order_by(HistoryEvent.id.desc()).limit(1)) or ""


def _vote_verdicts(dossier: Dossier, nominees: list[Nominee]) -> dict[int, tuple[bool, str]]:
    """Whether each nominee passed the unit council's vote, and the note that says so."""
    campaign, meeting = dossier.campaign, dossier.meeting
    if meeting is None:
        return {}
    by_id = {n.id: n for n in nominees}
    verdicts = {}
    for vote in meeting.votes:
        nominee = by_id.get(vote.nominee_id)
        if nominee is None:
            continue
        rule = form_vote_rule(campaign.award_form(nominee.award_form) or {})
        passed = vote_passes(rule, vote.votes_in_favour, meeting.total_members, meeting.present_members)
        verdicts[vote.nominee_id] = (passed, f"{vote.votes_in_favour}/{meeting.total_members} phiếu, "
                                             f"cần {describe_vote_rule(rule)}")
    return verdicts


def _rows(dossier: Dossier, scope: str | None) -> list[dict[str, Any]]:
    """Each nominee with its result: ``is_selected`` (awarded), ``reason_code`` and ``reason`` otherwise."""
    campaign, unit = dossier.campaign, dossier.unit
    nominees = list(db.session.scalars(sa.select(Nominee).where(Nominee.dossier_id == dossier.id)
                                       .order_by(Nominee.position_in_list, Nominee.id)))
    results: dict[int, RoundResult] = {}
    if scope == "round":
        results = {r.nominee_id: r for r in db.session.scalars(sa.select(RoundResult).where(
            RoundResult.round_id == dossier.round_id, RoundResult.dossier_id == dossier.id))}
    verdicts = _vote_verdicts(dossier, nominees) if scope == "dossier" else {}
    comment = _reject_comment(dossier) if dossier.state == "rejected" else ""
    rows = []
    for position, nominee in enumerate(nominees, start=1):
        form = campaign.award_form(nominee.award_form) or {"code": nominee.award_form, "name": nominee.award_form}
        row = {"nominee_id": nominee.id, "dossier_id": dossier.id, "kind": nominee.kind,
               "full_name": nominee.full_name, "gender": nominee.gender, "position": nominee.position,
               "workplace": nominee.workplace, "is_leader": nominee.is_leader, "unit": unit,
               "award_form": {"code": form["code"], "name": form["name"]}, "group": None, "rank": None,
               "list_order": position, "values": nominee_values(campaign, nominee, unit.code),
               "achievement_summary": nominee.achievement_summary, "result": "pending",
               "is_selected": False, "reason_code": None, "reason": "", "comment": ""}
        if scope == "round":
            result = results.get(nominee.id)
            if result is not None and result.is_awarded:
                row.update(result="awarded", is_selected=True, group=result.group_name, rank=result.rank)
            elif result is not None:
                row.update(result="not_chosen", reason_code=result.reason_code, reason=result.reason)
            else:
                row.update(result="not_chosen", reason_code="not_accepted",
                           reason="Không có trong danh sách cơ quan thường trực trình cấp có thẩm quyền.")
        elif scope == "dossier":
            passed, note = verdicts.get(nominee.id, (False, "chưa có kết quả biểu quyết"))
            if passed:
                row.update(result="awarded", is_selected=True)
            else:
                row.update(result="not_chosen", reason_code="failed_vote",
                           reason=f"Không đạt tỷ lệ phiếu đồng ý của Hội đồng Thi đua - Khen thưởng đơn vị ({note}).")
        elif dossier.state == "rejected":
            row.update(result="not_chosen", reason_code="rejected_in_review",
                       reason="Hồ sơ của đơn vị không được chấp thuận khi thẩm định.", comment=comment)
        rows.append(row)
    return rows


def _decision_values(dossier: Dossier, scope: str, rows: list[dict[str, Any]]) -> dict[str, Any]:
    round_ = dossier.round
    if scope == "round":
        proposal = {"number": round_.proposal_number, "date": round_.proposal_date}
        decision = {"number": round_.decision_number, "date": round_.decision_date}
    else:
        # A decision for one dossier answers the unit's own tờ trình.
        proposal = {"number": str(dossier.to_trinh_number) if dossier.to_trinh_number else None,
                    "date": dossier.to_trinh_date}
        decision = {"number": dossier.decision_number, "date": dossier.decision_date}
    ordered = sorted(rows, key=lambda r: (r["kind"] != "collective", r["rank"] or 0,
                                          collation.nominee_sort_key(r)))
    return round_documents.decision_values(round_, ordered, proposal=proposal, decision=decision)


def _prizes(dossier: Dossier, rows: list[dict[str, Any]], day: dt.date | None) -> tuple[dict[int, dict], str]:
    """Prize money of each awardee (by nominee), or why it cannot be reckoned."""
    awarded = [r for r in rows if r["result"] == "awarded"]
    if not awarded or day is None:
        return {}, ""
    try:
        priced = apply_prizes(awarded, day, dossier.campaign.award_forms, salaries=salary_table(),
                              rounding=current_app.config["PRIZE_ROUNDING"])
    except PrizeError as error:
        return {}, f"Chưa tính được tiền thưởng: {error}"
    return {p["nominee_id"]: {"multiplier": p["multiplier"], "amount": p["prize_rounded"],
                              "raw_amount": p["prize_raw"]} for p in priced}, ""


def dossier_outcome(dossier: Dossier) -> dict[str, Any]:
    """What the unit learns of the decision on its dossier, as plain values.

    ``decision`` (None until there is one): its scope ("round" or "dossier"), number, date and what it is;
    ``nominees``: each with ``result`` ("awarded", "not_chosen", "pending"), its award form, the prize
    money when awarded, and otherwise the reason (``reason_code``, ``reason``, the reviewer's ``comment``);
    ``can_download``: which files the unit may download (the decision, and its own certificates).
    """
    scope = decision_scope(dossier)
    rows = _rows(dossier, scope)
    decision = None
    if scope == "round":
        round_ = dossier.round
        decision = {"scope": scope, "scope_label": SCOPE_LABELS[scope], "number": round_.decision_number,
                    "date": round_.decision_date, "round_title": round_.title}
    elif scope == "dossier":
        decision = {"scope": scope, "scope_label": SCOPE_LABELS[scope], "number": dossier.decision_number,
                    "date": dossier.decision_date, "round_title": dossier.round.title}
    prizes, prize_problem = _prizes(dossier, rows, decision["date"] if decision else None)
    nominees = [{
        "nominee_id": r["nominee_id"], "kind": r["kind"], "full_name": r["full_name"],
        "award_form": r["award_form"], "result": r["result"], "result_label": RESULT_LABELS[r["result"]],
        "prize": prizes.get(r["nominee_id"]), "reason_code": r["reason_code"],
        "reason_label": REASONS.get(r["reason_code"] or "", ""), "reason": r["reason"], "comment": r["comment"],
    } for r in rows]
    awarded = sum(1 for n in nominees if n["result"] == "awarded")
    return {
        "dossier_id": dossier.id, "state": dossier.state, "is_settled": scope is not None or dossier.state == "rejected",
        "decision": decision, "nominees": nominees, "awarded_count": awarded,
        "not_chosen_count": sum(1 for n in nominees if n["result"] == "not_chosen"),
        "total_prize": sum((p["amount"] or 0) for p in prizes.values()), "prize_problem": prize_problem,
        "can_download": {"decision": decision is not None and (scope == "round" or awarded > 0),
                         "certificates": decision is not None and awarded > 0},
    }


def decision_document(dossier: Dossier) -> tuple[bytes, str]:
    """The decision that settled the dossier, as a .docx: the round's whole decision, or the dossier's own."""
    scope = decision_scope(dossier)
    if scope is None:
        raise Conflict("Hồ sơ chưa có quyết định khen thưởng.", code="no_decision_yet")
    if scope == "round":
        return round_documents.render_round_document(dossier.round, "quyet_dinh")
    snapshot = round_documents.award_snapshot(dossier.round, _decision_values(dossier, scope, _rows(dossier, scope)))
    content, _ = round_documents.render_round_document(dossier.round, "quyet_dinh", snapshot)
    return content, f"quyet_dinh_hoso{dossier.id}.docx"


def unit_certificates(dossier: Dossier) -> tuple[bytes, str]:
    """The certificates of this dossier's awardees only, as a .docx: never another unit's people.

    For a round's decision the round's list is filtered to the dossier before anything is drawn.
    """
    scope = decision_scope(dossier)
    if scope is None:
        raise Conflict("Hồ sơ chưa có quyết định khen thưởng.", code="no_decision_yet")
    if scope == "round":
        values = round_documents.decision_snapshot(dossier.round, dossier_id=dossier.id)
        values["awardees"] = [a for a in values["awardees"] if a["dossier_id"] == dossier.id]
    else:
        values = _decision_values(dossier, scope, _rows(dossier, scope))
    if not values["awardees"]:
        raise Conflict("Đơn vị không có tập thể, cá nhân nào được khen thưởng theo quyết định này.",
                       code="no_awardees")
    snapshot = round_documents.award_snapshot(dossier.round, values)
    content, _ = round_documents.render_round_document(dossier.round, "certificates", snapshot)
    return content, f"giay_khen_hoso{dossier.id}.docx"


def unit_results(unit: Unit, *, limit: int = 20) -> list[dict[str, Any]]:
    """The unit's settled dossiers, newest decision first, each with its counts, for the unit's home page."""
    dossiers = list(db.session.scalars(
        sa.select(Dossier).where(Dossier.unit_id == unit.id, Dossier.state.in_(("approved", "rejected")))
        .order_by(Dossier.updated_at.desc(), Dossier.id.desc()).limit(limit * 2)))
    results = []
    for dossier in dossiers:
        outcome = dossier_outcome(dossier)
        results.append({"dossier_id": dossier.id, "campaign_title": dossier.campaign.title,
                        "round_title": dossier.round.title, **outcome})
        if len(results) == limit:
            break
    return results

