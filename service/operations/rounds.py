"""The standing agency's work on a round: consolidate, rank, propose, record the decision.

``ROUND_FLOW`` (a ``record_flow.RecordFlow``, the mechanism dossiers use too)
is the only code that writes ``CampaignRound.state``; it writes the round's
history row in the same flush. The effects of the round's triggers are
registered here. On ``decide`` every accepted dossier of the round moves on
through the dossier workflow, so each dossier gets its own history row signed
by the approver.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

import sqlalchemy as sa
from sqlalchemy.orm import selectinload

import workflows
from workflows.rules import describe_vote_rule, form_vote_rule, vote_passes

from .. import access, audit, ranking
from ..campaigns.metrics import nominee_values
from ..clock import today_local
from ..db import db, utcnow
from ..documents import collation
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import (
    Campaign, CampaignRound, CouncilMeeting, Dossier, HistoryEvent, Nominee, RoundEvent, RoundOverride,
    RoundResult, User,
)
from ..text import clean_text
from ..vocabulary import nominee_kind_word, round_event_label, round_state_label
from .campaigns import (  # noqa: F401 - round_for_new_dossier and ensure_round_open re-exported
    FROZEN_STATES, OPEN_STATES, ensure_round_open, round_for_new_dossier,
)
from .record_flow import Firing, RecordFlow
from .workflow import DOSSIER_FLOW, fire_transition

ROUND_WORKFLOW = workflows.ROUND_WORKFLOW

# Dossier states that count as "sent in, waiting for the reviewer", and as accepted.
PENDING_REVIEW = workflows.WORKFLOW.states_where(awaiting_review=True)
ACCEPTED = workflows.WORKFLOW.states_where(counts_as_accepted=True)
#: Rounds whose list is ranked live and may be adjusted by the agency.
ADJUSTABLE_STATES = ROUND_WORKFLOW.states_where(adjustable=True)
# Dossiers the agency sees: a draft stays inside its unit (service.access).
CONSIDERED = access.STATES_VISIBLE_TO_AGENCY

UNIT_KIND_LABELS = {
    "city": "cấp huyện, thành phố", "department": "phòng, ban, sở, ngành", "ward": "phường", "commune": "xã",
    "province": "cấp tỉnh", "branch": "bảo hiểm xã hội tỉnh, huyện", "agency": "đơn vị trực thuộc",
    "other": "đơn vị khác",
}

# The words for a round's states and history rows (kept under these names for the API).
state_label = round_state_label


# --- counting and ranking -------------------------------------------------------------

def dossier_counts(round_: CampaignRound) -> dict[str, int]:
    rows = db.session.execute(sa.select(Dossier.state, sa.func.count()).where(Dossier.round_id == round_.id)
                              .group_by(Dossier.state)).all()
    return {state: count for state, count in rows}


def _metric_keys(codes: Iterable[str], info: dict[str, dict[str, Any]]) -> tuple[ranking.MetricKey, ...]:
    return tuple(ranking.MetricKey(code, info[code]["label"], info[code].get("unit") or "",
                                   info[code].get("higher_is_better", True)) for code in codes if code in info)


def _requirements(items: Iterable[dict[str, Any]], info: dict[str, dict[str, Any]]) -> tuple:
    return tuple(ranking.Requirement(
        code=item["metric"], label=info.get(item["metric"], {}).get("label", item["metric"]),
        unit=info.get(item["metric"], {}).get("unit") or "", minimum=item.get("min"), maximum=item.get("max"),
        nominee_kind=item.get("nominee_kind")) for item in items)


def _quota_label(limit: dict[str, Any], kind: str) -> str:
    if limit.get("label"):
        return limit["label"]
    where = ", ".join([UNIT_KIND_LABELS.get(k, k) for k in limit.get("unit_kinds") or []]
                      + list(limit.get("unit_codes") or []))
    text = f"tối đa {limit[kind]} {nominee_kind_word(kind)} mỗi đơn vị"
    return f"{text} ({where})" if where else text


def ranking_rule(campaign: Campaign, round_: CampaignRound) -> ranking.RankingRule:
    """The campaign's ranking rule with this round's quotas and targets, as ``service.ranking`` wants it."""
    info = {m["code"]: m for m in list(campaign.metrics or []) + list(campaign.derived_metrics or [])}
    stored = campaign.ranking or {}
    groups = stored.get("groups") or [
        # A campaign without ranking rules: one group per kind, ordered by name.
        {"name": "Tập thể", "nominee_kind": "collective"}, {"name": "Cá nhân", "nominee_kind": "individual"}]
    rule_groups = tuple(ranking.Group(
        name=g["name"], nominee_kind=g["nominee_kind"], order=_metric_keys(g.get("order") or [], info),
        tie_break=_metric_keys(g.get("tie_break") or [], info),
        requirements=_requirements(g.get("requirements") or [], info),
        unit_kinds=frozenset(g.get("unit_kinds") or []), unit_codes=frozenset(g.get("unit_codes") or []),
    ) for g in groups)
    quotas: list[ranking.QuotaLimit] = []
    total = (round_.quotas or {}).get("total") or {}
    for kind in ("collective", "individual"):
        if total.get(kind) is not None:
            quotas.append(ranking.QuotaLimit(kind, total[kind], label=f"tối đa {total[kind]} {nominee_kind_word(kind)} "
                                                                     f"trong {round_.title.lower()}"))
    for limit in (round_.quotas or {}).get("per_unit") or []:
        for kind in ("collective", "individual"):
            if limit.get(kind) is not None:
                quotas.append(ranking.QuotaLimit(
                    kind, limit[kind], per_unit=True, unit_kinds=frozenset(limit.get("unit_kinds") or []),
                    unit_codes=frozenset(limit.get("unit_codes") or []), label=_quota_label(limit, kind)))
    return ranking.RankingRule(
        groups=rule_groups, quotas=tuple(quotas), requirements=_requirements(round_.requirements or [], info),
        individuals_need_selected_collective=bool(
            (stored.get("rules") or {}).get("individuals_need_selected_collective")))


def _vote(campaign: Campaign, nominee: Nominee, meeting: CouncilMeeting | None,
          votes: dict[int, int]) -> tuple[bool, str]:
    if meeting is None or nominee.id not in votes:
        return False, "chưa có kết quả biểu quyết"
    form = campaign.award_form(nominee.award_form) or {}
    rule = form_vote_rule(form)
    count = votes[nominee.id]
    passed = vote_passes(rule, count, meeting.total_members, meeting.present_members)
    return passed, f"{count}/{meeting.total_members} phiếu, cần {describe_vote_rule(rule)}"


def _round_dossiers(round_: CampaignRound) -> list[Dossier]:
    return list(db.session.scalars(
        sa.select(Dossier).where(Dossier.round_id == round_.id, Dossier.state.in_(CONSIDERED))
        .options(selectinload(Dossier.nominees), selectinload(Dossier.unit),
                 selectinload(Dossier.meeting).selectinload(CouncilMeeting.votes))
        .order_by(Dossier.id)))


def _rejection_notes(dossiers: list[Dossier]) -> dict[int, str]:
    rejected = [d.id for d in dossiers if d.state == "rejected"]
    if not rejected:
        return {}
    rows = db.session.execute(sa.select(HistoryEvent.dossier_id, HistoryEvent.comment)
                              .where(HistoryEvent.dossier_id.in_(rejected), HistoryEvent.trigger == "reject")
                              .order_by(HistoryEvent.id)).all()
    return {dossier_id: comment for dossier_id, comment in rows}


def round_entries(round_: CampaignRound) -> tuple[list[ranking.Entry], dict[int, tuple[Dossier, Nominee]]]:
    """The ranking's view of every nominee in the round's dossiers, and where each comes from."""
    campaign = round_.campaign
    dossiers = _round_dossiers(round_)
    notes = _rejection_notes(dossiers)
    entries, origin = [], {}
    for dossier in dossiers:
        meeting = dossier.meeting
        votes = {vote.nominee_id: vote.votes_in_favour for vote in meeting.votes} if meeting else {}
        for nominee in dossier.nominees:
            passed, vote_note = _vote(campaign, nominee, meeting, votes)
            entries.append(ranking.Entry(
                nominee_id=nominee.id, kind=nominee.kind, unit_code=dossier.unit.code, unit_kind=dossier.unit.kind,
                values=nominee_values(campaign, nominee, dossier.unit.code), dossier_state=dossier.state,
                vote_passed=passed, vote_note=vote_note, review_note=notes.get(dossier.id, ""),
                stable_key=collation.nominee_sort_key({"kind": nominee.kind, "full_name": nominee.full_name}),
            ))
            origin[nominee.id] = (dossier, nominee)
    return entries, origin


def _overrides(round_: CampaignRound) -> list[ranking.Override]:
    rows = db.session.scalars(sa.select(RoundOverride).where(RoundOverride.round_id == round_.id)
                              .order_by(RoundOverride.id))
    latest: dict[int, RoundOverride] = {}
    for row in rows:
        latest[row.nominee_id] = row
    return [ranking.Override(row.nominee_id, row.is_selected, row.reason) for row in latest.values()
            if row.is_selected is not None]


def live_ranking(round_: CampaignRound) -> tuple[ranking.RankingResult, dict[int, tuple[Dossier, Nominee]]]:
    """Rank the round's nominees now, with the reviewer's overrides."""
    entries, origin = round_entries(round_)
    result = ranking.rank(entries, ranking_rule(round_.campaign, round_), _overrides(round_))
    return result, origin


def _row(outcome_or_result: Any, dossier: Dossier, nominee: Nominee, campaign: Campaign) -> dict[str, Any]:
    form = campaign.award_form(nominee.award_form) or {"code": nominee.award_form, "name": nominee.award_form}
    if isinstance(outcome_or_result, RoundResult):
        r = outcome_or_result
        fields = dict(group=r.group_name, rank=r.rank, list_order=r.list_order, is_selected=r.is_selected,
                      reason_code=r.reason_code, reason=r.reason, is_override=r.is_override,
                      is_tied_at_cut=r.is_tied_at_cut, values=dict(r.values or {}), is_awarded=r.is_awarded)
    else:
        o = outcome_or_result
        fields = dict(group=o.group, rank=o.rank, list_order=o.order, is_selected=o.is_selected,
                      reason_code=o.reason_code, reason=o.reason, is_override=o.is_override,
                      is_tied_at_cut=o.tied_at_cut, values=dict(o.entry.values), is_awarded=False)
    return {
        "nominee_id": nominee.id, "dossier_id": dossier.id, "unit": dossier.unit, "kind": nominee.kind,
        "full_name": nominee.full_name, "gender": nominee.gender, "position": nominee.position,
        "workplace": nominee.workplace, "award_form": {"code": form["code"], "name": form["name"]},
        "dossier_state": dossier.state, **fields,
        "reason_label": ranking.REASONS.get(fields["reason_code"] or "", ""),
    }


def round_ranking(round_: CampaignRound) -> dict[str, Any]:
    """The round's list: live while consolidating, the frozen proposal (then decision) afterwards."""
    campaign = round_.campaign
    if round_.state in FROZEN_STATES:
        results = db.session.scalars(
            sa.select(RoundResult).where(RoundResult.round_id == round_.id)
            .options(selectinload(RoundResult.nominee).selectinload(Nominee.dossier).selectinload(Dossier.unit))
            .order_by(RoundResult.list_order.is_(None), RoundResult.list_order, RoundResult.id)).all()
        rows = [_row(r, r.nominee.dossier, r.nominee, campaign) for r in results]
        breaches: list[str] = []
    else:
        result, origin = live_ranking(round_)
        rows = [_row(o, *origin[o.nominee_id], campaign) for o in result.outcomes]
        breaches = result.breaches
    return {"round_id": round_.id, "state": round_.state, "is_frozen": round_.state in FROZEN_STATES,
            "metrics": metric_columns(campaign), "nominees": rows, "quota_breaches": breaches,
            "selected_count": sum(1 for r in rows if r["is_selected"])}


def metric_columns(campaign: Campaign) -> list[dict[str, Any]]:
    """Typed then derived metrics: code, label, unit, whether it is computed and which way is better."""
    columns = [{"code": m["code"], "label": m["label"], "unit": m.get("unit") or "", "is_derived": False,
                "higher_is_better": m.get("higher_is_better", True)} for m in campaign.metrics or []]
    columns += [{"code": m["code"], "label": m["label"], "unit": m.get("unit") or "", "is_derived": True,
                 "higher_is_better": m.get("higher_is_better", True)} for m in campaign.derived_metrics or []]
    return columns


# --- the workflow ----------------------------------------------------------------------

def round_facts(round_: CampaignRound, *, today: dt.date | None = None, comment: str | None = None,
                proposal_number: str | None = None, proposal_date: dt.date | None = None,
                decision_number: str | None = None, decision_date: dt.date | None = None,
                with_ranking: bool = True) -> workflows.RoundFacts:
    counts = dossier_counts(round_)
    selected, breaches = 0, ()
    if with_ranking and round_.state in ADJUSTABLE_STATES:
        result, _ = live_ranking(round_)
        selected, breaches = len(result.selected), tuple(result.breaches)
    elif round_.state in FROZEN_STATES:
        selected = db.session.scalar(sa.select(sa.func.count()).select_from(RoundResult).where(
            RoundResult.round_id == round_.id, RoundResult.is_selected)) or 0
    return workflows.RoundFacts(
        state=round_.state, today=today or today_local(), deadline=round_.deadline,
        pending_reviews=sum(counts.get(s, 0) for s in PENDING_REVIEW),
        accepted_dossiers=sum(counts.get(s, 0) for s in ACCEPTED),
        selected_count=selected, quota_breaches=breaches, comment=comment,
        proposal_number=proposal_number, proposal_date=proposal_date or round_.proposal_date,
        decision_number=decision_number, decision_date=decision_date,
    )


def _facts(round_: CampaignRound, *, today: dt.date | None, trigger: str | None = None,
           **request: Any) -> workflows.RoundFacts:
    # Ranking the whole round is only worth it where a guard reads the result: listing and proposing.
    return round_facts(round_, today=today, with_ranking=trigger in (None, "propose"), **request)


ROUND_FLOW = RecordFlow(
    ROUND_WORKFLOW,
    facts=_facts,
    may_act=lambda actor, round_: access.can_fire_round_transitions(actor, round_.campaign),
    outsider_message="Bạn không thuộc cơ quan thường trực hoặc cấp có thẩm quyền của phong trào này.",
    history_row=lambda round_, **values: RoundEvent(round_id=round_.id, **values),
    request_guards=frozenset({"comment_given", "decision_given", "decision_not_ahead", "proposal_given",
                              "proposal_not_ahead", "decision_after_proposal"}),
    stale_message="Đợt khen thưởng đã được chuyển sang trạng thái “{current}” trong lúc bạn thao tác "
                  "(bạn thấy: “{expected}”). Hãy tải lại.",
    conflict_message="Đợt khen thưởng vừa được người khác thay đổi. Hãy tải lại rồi thực hiện lại.",
)
REQUEST_GUARDS = ROUND_FLOW.request_guards


def available_round_transitions(actor: User, round_: CampaignRound,
                                today: dt.date | None = None) -> list[dict[str, Any]]:
    """Each trigger leaving the round's state: may this user fire it now, and if not, why."""
    return ROUND_FLOW.available(actor, round_, today=today)


def fire_round_transition(actor: User, round_: CampaignRound, trigger: str, *, expected_state: str,
                          comment: str | None = None, proposal_number: str | None = None,
                          proposal_date: dt.date | None = None, decision_number: str | None = None,
                          decision_date: dt.date | None = None, today: dt.date | None = None) -> RoundEvent:
    """Move ``round_`` along ``trigger`` and record who, when, from where to where and why."""
    return ROUND_FLOW.fire(actor, round_, trigger, expected_state=expected_state, comment=comment, today=today,
                           proposal_number=proposal_number, proposal_date=proposal_date,
                           decision_number=decision_number, decision_date=decision_date)


@ROUND_FLOW.effect("close_collection")
@ROUND_FLOW.effect("consolidate_early")
def _count_dossiers(firing: Firing) -> dict[str, Any]:
    round_ = firing.record
    return {"deadline": round_.deadline.isoformat(), "dossiers": dossier_counts(round_)}


@ROUND_FLOW.effect("propose")
def _freeze_proposal(firing: Firing) -> dict[str, Any]:
    round_ = firing.record
    proposal_number, proposal_date = firing.fields["proposal_number"], firing.fields["proposal_date"]
    selected = _freeze_results(round_)
    round_.proposal_number, round_.proposal_date = proposal_number, proposal_date
    return {"proposal_number": proposal_number, "proposal_date": proposal_date.isoformat(), "selected": selected}


@ROUND_FLOW.effect("send_back")
def _withdraw_proposal(firing: Firing) -> dict[str, Any]:
    round_ = firing.record
    details = {"withdrawn_proposal": {"number": round_.proposal_number,
                                      "date": round_.proposal_date.isoformat() if round_.proposal_date else None}}
    db.session.execute(sa.delete(RoundResult).where(RoundResult.round_id == round_.id))
    round_.proposal_number = round_.proposal_date = None
    return details


@ROUND_FLOW.effect("decide")
def _record_decision(firing: Firing) -> dict[str, Any]:
    round_ = firing.record
    decision_number, decision_date = firing.fields["decision_number"], firing.fields["decision_date"]
    round_.decision_number, round_.decision_date = decision_number, decision_date
    awarded = db.session.execute(
        sa.update(RoundResult).where(RoundResult.round_id == round_.id, RoundResult.is_selected)
        .values(is_awarded=True)).rowcount
    approved = _approve_accepted_dossiers(firing.actor, round_, decision_number, decision_date, firing.today)
    return {"decision_number": decision_number, "decision_date": decision_date.isoformat(),
            "awarded": awarded, "approved_dossiers": approved}


def _freeze_results(round_: CampaignRound) -> list[int]:
    """Write the list as it stands into round_results; return the selected nominees in final order."""
    db.session.execute(sa.delete(RoundResult).where(RoundResult.round_id == round_.id))
    result, origin = live_ranking(round_)
    for outcome in result.outcomes:
        dossier, _ = origin[outcome.nominee_id]
        db.session.add(RoundResult(
            round_id=round_.id, nominee_id=outcome.nominee_id, dossier_id=dossier.id, group_name=outcome.group,
            rank=outcome.rank, list_order=outcome.order, is_selected=outcome.is_selected,
            is_override=outcome.is_override, is_tied_at_cut=outcome.tied_at_cut,
            reason_code=outcome.reason_code, reason=outcome.reason, values=dict(outcome.entry.values)))
    db.session.flush()
    return [o.nominee_id for o in result.selected]


def _approve_accepted_dossiers(actor: User, round_: CampaignRound, decision_number: str | None,
                               decision_date: dt.date | None, today: dt.date) -> list[int]:
    """Fire the dossier workflow's "approve" on every dossier of the round waiting for the decision."""
    source = DOSSIER_FLOW.workflow.transition("approve").source
    approved = []
    dossiers = db.session.scalars(sa.select(Dossier).where(Dossier.round_id == round_.id,
                                                           Dossier.state == source).order_by(Dossier.id))
    for dossier in dossiers:
        fire_transition(actor, dossier, "approve", expected_state=source, decision_number=decision_number,
                        decision_date=decision_date, today=today,
                        comment=f"Theo quyết định khen thưởng của {round_.title.lower()}.")
        approved.append(dossier.id)
    return approved


# --- overrides ---------------------------------------------------------------------------

def override_selection(actor: User, round_: CampaignRound, nominee_id: int, selected: bool | None,
                       reason: str) -> RoundEvent:
    """Select (or leave out) one nominee against the rule, with a reason; ``selected=None`` withdraws.

    Only while consolidating, only by the standing agency's reviewer, never
    for someone the council did not pass or whose dossier was not accepted,
    and never so that forced selections alone exceed a quota.
    """
    if not access.can_override_selection(actor, round_.campaign):
        raise Forbidden("Chỉ cán bộ thẩm định của cơ quan thường trực mới được điều chỉnh danh sách.")
    if round_.state not in ADJUSTABLE_STATES:
        where = "”, “".join(state_label(s) for s in ADJUSTABLE_STATES)
        raise Conflict(f"Chỉ điều chỉnh danh sách khi đợt đang ở trạng thái “{where}” "
                       f"(hiện tại: “{state_label(round_.state)}”).", code="wrong_state")
    reason = clean_text(reason, field="reason", label="Lý do", multiline=True, max_length=2000)
    if not reason:
        raise ValidationFailed("Cần ghi lý do điều chỉnh.", fields={"reason": ["Không được để trống."]})
    before, origin = live_ranking(round_)
    outcome = before.by_nominee().get(nominee_id)
    if outcome is None:
        raise ValidationFailed(f"Người được đề nghị số {nominee_id} không có trong các hồ sơ đã nộp của đợt này.",
                               fields={"nominee_id": ["Không thuộc đợt khen thưởng này."]})
    if selected:
        base = _base_reason(outcome, round_)
        if base is not None:
            raise ValidationFailed(
                f"Không thể chọn “{origin[nominee_id][1].full_name}”: {base}",
                fields={"selected": [base]}, code="not_forceable")
    override = RoundOverride(round_id=round_.id, nominee_id=nominee_id, is_selected=selected, reason=reason,
                             actor_id=actor.id)
    db.session.add(override)
    db.session.flush()
    after, _ = live_ranking(round_)
    if after.breaches:
        raise ValidationFailed("Các lựa chọn điều chỉnh vượt số lượng khen thưởng: " + "; ".join(after.breaches)
                               + ".", fields={"selected": after.breaches}, code="quota_exceeded")
    now = after.by_nominee()[nominee_id]
    # Touching the round bumps its version, so a proposal made from an older
    # view of the list is refused rather than silently different.
    round_.updated_at = utcnow()
    details = {"nominee_id": nominee_id, "nominee_name": origin[nominee_id][1].full_name, "selected": selected,
               "before": {"is_selected": outcome.is_selected, "reason_code": outcome.reason_code},
               "after": {"is_selected": now.is_selected, "reason_code": now.reason_code}}
    audit.record(actor, "round.override", override, dossier=origin[nominee_id][0], always=True,
                 subject=origin[nominee_id][1].full_name, comment=reason, changes={
                     "override": {"old": outcome.is_selected if outcome.is_override else None, "new": selected},
                     **audit.diff({"is_selected": outcome.is_selected}, {"is_selected": now.is_selected})})
    return ROUND_FLOW.write(actor, round_, "override", round_.state, reason, details)


def _base_reason(outcome: ranking.Outcome, round_: CampaignRound) -> str | None:
    """Why the nominee cannot be forced in, or None when the rule's reason may be set aside."""
    code, reason = ranking.base_reason(outcome.entry, ranking_rule(round_.campaign, round_))
    return None if code is None or code in ranking.FORCEABLE_REASONS else reason


def round_history(round_: CampaignRound) -> list[RoundEvent]:
    return list(db.session.scalars(sa.select(RoundEvent).where(RoundEvent.round_id == round_.id)
                                   .order_by(RoundEvent.created_at, RoundEvent.id)))


event_label = round_event_label
