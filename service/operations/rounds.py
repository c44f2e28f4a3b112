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
import threading
import re
import unicodedata
from collections import Counter, OrderedDict
from dataclasses import dataclass, field
from typing import Any, Iterable

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.orm import Session, selectinload

import workflows
from workflows.rules import describe_vote_rule, form_vote_rule, vote_passes

from .. import access, audit, ranking
from ..campaigns.metrics import nominee_values
from ..clock import today_local
from ..db import db, utcnow
from ..documents import collation
from ..errors import Conflict, Forbidden, NotFound, ValidationFailed
from ..models import (
    Campaign, CampaignRound, CouncilMeeting, Dossier, HistoryEvent, Nominee, RoundDecision, RoundEvent,
    RoundOverride, RoundResult, Unit, User, Vote,
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


class _Votes:
    """Whether each nominee passed its council's vote, and the note that says so.

    A round has a few award forms and a few council sizes: the rule and its
    wording are worked out once per form, the verdict once per (form, votes,
    members, present), not once per nominee.
    """

    def __init__(self, campaign: Campaign) -> None:
        self.campaign = campaign
        self._rules: dict[str, tuple[Any, str]] = {}
        self._verdicts: dict[tuple, tuple[bool, str]] = {}

    def __call__(self, nominee: Any, meeting: Any, votes: dict[int, int]) -> tuple[bool, str]:
        if meeting is None or nominee.id not in votes:
            return False, "chưa có kết quả biểu quyết"
        key = (nominee.award_form, votes[nominee.id], meeting.total_members, meeting.present_members)
        verdict = self._verdicts.get(key)
        if verdict is None:
            if nominee.award_form not in self._rules:
                rule = form_vote_rule(self.campaign.award_form(nominee.award_form) or {})
                self._rules[nominee.award_form] = (rule, describe_vote_rule(rule))
            rule, wording = self._rules[nominee.award_form]
            count = votes[nominee.id]
            verdict = self._verdicts[key] = (
                vote_passes(rule, count, meeting.total_members, meeting.present_members),
                f"{count}/{meeting.total_members} phiếu, cần {wording}")
        return verdict


# --- the round's list, computed once per version of its data ----------------------------

@dataclass(frozen=True, slots=True)
class UnitBrief:
    """A unit as the list shows it: plain values, safe to keep between requests."""

    id: int
    code: str
    kind: str
    name: str
    short_name: str
    parent_id: int | None
    managing_body: str
    issuing_body: str
    place_name: str
    abbreviation: str


_UNIT_COLUMNS = [getattr(Unit, name) for name in UnitBrief.__slots__]


@dataclass
class RoundListing:
    """The round's whole list as plain rows in display order, read and ranked once per data version.

    ``rows`` are the dicts ``round_ranking`` lists (``unit`` is a ``UnitBrief``);
    they are shared by every reader, so nobody may change them. ``result``
    and ``entries`` are the ranking itself while the list is live (None once
    frozen). ``memo`` keeps what pages derive from the whole list (quota use,
    columns with figures), keyed by the deriving function.
    """

    version: tuple
    round_id: int
    state: str
    is_frozen: bool
    metrics: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    breaches: list[str]
    result: ranking.RankingResult | None = None
    entries: list[ranking.Entry] = field(default_factory=list)
    memo: dict[str, Any] = field(default_factory=dict)
    groups: dict[str | None, list[int]] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.selected_count = sum(1 for row in self.rows if row["is_selected"])
        self.index = {row["nominee_id"]: position for position, row in enumerate(self.rows)}
        for position, row in enumerate(self.rows):
            self.groups.setdefault(row["group"], []).append(position)

    def group_rows(self, group: str | None) -> list[dict[str, Any]]:
        return [self.rows[position] for position in self.groups.get(group, [])]


class _ListingCache:
    """The latest listing of each round, per application (one per worker process), by data version."""

    SIZE = 8

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._items: OrderedDict[int, RoundListing] = OrderedDict()

    def get(self, round_id: int, version: tuple) -> RoundListing | None:
        with self._lock:
            listing = self._items.get(round_id)
            if listing is None or listing.version != version:
                return None
            self._items.move_to_end(round_id)
            return listing

    def latest(self, round_id: int) -> RoundListing | None:
        with self._lock:
            return self._items.get(round_id)

    def put(self, listing: RoundListing) -> None:
        with self._lock:
            self._items[listing.round_id] = listing
            self._items.move_to_end(listing.round_id)
            while len(self._items) > self.SIZE:
                self._items.popitem(last=False)


def _cache() -> _ListingCache:
    return current_app.extensions.setdefault("round_listings", _ListingCache())


def data_version(round_: CampaignRound) -> tuple:
    """What the round's list depends on, in one statement: its dossiers (every nominee, vote and
    review change bumps its dossier's version), the overrides, the round (quotas, state) and the
    campaign's definition (the rule)."""
    def one(column, *where):
        return sa.select(column).where(*where).scalar_subquery()

    in_round = Dossier.round_id == round_.id
    row = db.session.execute(sa.select(
        one(sa.func.count(Dossier.id), in_round), one(sa.func.coalesce(sa.func.sum(Dossier.version), 0), in_round),
        one(sa.func.coalesce(sa.func.sum(Dossier.id), 0), in_round),
        one(sa.func.count(RoundOverride.id), RoundOverride.round_id == round_.id),
        one(sa.func.coalesce(sa.func.max(RoundOverride.id), 0), RoundOverride.round_id == round_.id),
        one(sa.func.count(RoundResult.id), RoundResult.round_id == round_.id),
        CampaignRound.version, CampaignRound.state, Campaign.definition_sha256, Campaign.id,
    ).join(Campaign, Campaign.id == CampaignRound.campaign_id).where(CampaignRound.id == round_.id)).one()
    return tuple(row)


def round_listing(round_: CampaignRound) -> RoundListing:
    """The round's list: live while consolidating, the frozen proposal (then decision) afterwards.

    Computed at most once per version of the round's data (``data_version``)
    and then read by the page, the API and the exports alike.
    """
    version = data_version(round_)
    cache = _cache()
    listing = cache.get(round_.id, version)
    if listing is None:
        previous = cache.latest(round_.id)
        if (previous is not None and previous.result is not None and round_.state not in FROZEN_STATES
                and _same_entries(previous.version, version)):
            # Only overrides or quotas changed (another process's override, say): rank the same entries again.
            listing = _reranked(round_, previous, version)
        else:
            listing = _read_listing(round_, version)
        cache.put(listing)
    return listing


def _same_entries(old: tuple, new: tuple) -> bool:
    """Whether two data versions have the same nominees, figures, votes and reviews (see data_version):
    the same dossiers, frozen results, state and campaign; the overrides and the round may differ."""
    return old[:3] == new[:3] and old[5:6] == new[5:6] and old[7:] == new[7:]


def _reranked(round_: CampaignRound, previous: RoundListing, version: tuple) -> RoundListing:
    result = ranking.rank(previous.entries, ranking_rule(round_.campaign, round_), _overrides(round_))
    people = {row["nominee_id"]: row for row in previous.rows}
    return RoundListing(version, round_.id, round_.state, False, previous.metrics, _outcome_rows(result, people),
                        list(result.breaches), result, previous.entries)


def _keep_after_commit(listing: RoundListing, read_from: tuple) -> None:
    """Keep ``listing`` (made in this transaction from the list read at ``read_from``) once the
    transaction commits, if nothing but this transaction's overrides changed in between."""
    # The entries must be those the list was read from; the overrides and the round's version are
    # this transaction's own.
    if _same_entries(listing.version, read_from):
        db.session.info.setdefault("round_listings", []).append((_cache(), listing))


@sa.event.listens_for(Session, "after_commit")
def _store_committed_listings(session: Session) -> None:
    for cache, listing in session.info.pop("round_listings", []):
        cache.put(listing)


@sa.event.listens_for(Session, "after_soft_rollback")
def _forget_rolled_back_listings(session: Session, previous_transaction) -> None:
    session.info.pop("round_listings", None)


def _units(round_: CampaignRound) -> dict[int, UnitBrief]:
    rows = db.session.execute(sa.select(*_UNIT_COLUMNS).where(
        Unit.id.in_(sa.select(Dossier.unit_id).where(Dossier.round_id == round_.id))))
    return {row.id: UnitBrief(*row) for row in rows}


_NOMINEE_COLUMNS = (Nominee.id, Nominee.kind, Nominee.full_name, Nominee.gender, Nominee.position,
                    Nominee.workplace, Nominee.is_leader, Nominee.award_form, Nominee.metric_values,
                    Nominee.achievement_summary, Dossier.id.label("dossier_id"), Dossier.state.label("dossier_state"),
                    Dossier.unit_id)


class _Forms(dict):
    """The campaign's award forms as ``{code, name}`` by code, each looked up once."""

    def __init__(self, campaign: Campaign) -> None:
        super().__init__()
        self.campaign = campaign

    def __missing__(self, code: str) -> dict[str, str]:
        form = self.campaign.award_form(code) or {"code": code, "name": code}
        self[code] = brief = {"code": form["code"], "name": form["name"]}
        return brief


def _person(forms: _Forms, nominee: Any, unit: UnitBrief) -> dict[str, Any]:
    return {
        "nominee_id": nominee.id, "dossier_id": nominee.dossier_id, "unit": unit, "kind": nominee.kind,
        "full_name": nominee.full_name, "gender": nominee.gender, "position": nominee.position,
        "workplace": nominee.workplace, "award_form": forms[nominee.award_form],
        "dossier_state": nominee.dossier_state, "is_leader": nominee.is_leader,
        "achievement_summary": nominee.achievement_summary,
    }


def _with_outcome(person: dict[str, Any], **fields: Any) -> dict[str, Any]:
    person.update(fields)
    person["reason_label"] = ranking.REASONS.get(fields["reason_code"] or "", "")
    return person


def _read_listing(round_: CampaignRound, version: tuple) -> RoundListing:
    campaign = round_.campaign
    units = _units(round_)
    frozen = round_.state in FROZEN_STATES
    if frozen:
        results = db.session.execute(
            sa.select(RoundResult.group_name, RoundResult.rank, RoundResult.list_order, RoundResult.is_selected,
                      RoundResult.reason_code, RoundResult.reason, RoundResult.is_override,
                      RoundResult.is_tied_at_cut, RoundResult.values, RoundResult.is_awarded, *_NOMINEE_COLUMNS)
            .join(Nominee, Nominee.id == RoundResult.nominee_id).join(Dossier, Dossier.id == Nominee.dossier_id)
            .where(RoundResult.round_id == round_.id)
            .order_by(RoundResult.list_order.is_(None), RoundResult.list_order, RoundResult.id))
        forms = _Forms(campaign)
        rows = [_with_outcome(
            _person(forms, r, units[r.unit_id]), group=r.group_name, rank=r.rank, list_order=r.list_order,
            is_selected=r.is_selected, reason_code=r.reason_code, reason=r.reason, is_override=r.is_override,
            is_tied_at_cut=r.is_tied_at_cut, values=dict(r.values or {}), is_awarded=r.is_awarded) for r in results]
        return RoundListing(version, round_.id, round_.state, True, metric_columns(campaign), rows, [])
    entries, people = _entries(round_, units)
    result = ranking.rank(entries, ranking_rule(campaign, round_), _overrides(round_))
    return RoundListing(version, round_.id, round_.state, False, metric_columns(campaign),
                        _outcome_rows(result, people), list(result.breaches), result, entries)


def _outcome_rows(result: ranking.RankingResult, people: dict[int, dict[str, Any]]) -> list[dict[str, Any]]:
    return [_with_outcome(
        dict(people[o.nominee_id]), group=o.group, rank=o.rank, list_order=o.order, is_selected=o.is_selected,
        reason_code=o.reason_code, reason=o.reason, is_override=o.is_override, is_tied_at_cut=o.tied_at_cut,
        values=o.entry.values, is_awarded=False) for o in result.outcomes]


def _entries(round_: CampaignRound, units: dict[int, UnitBrief]
             ) -> tuple[list[ranking.Entry], dict[int, dict[str, Any]]]:
    """The ranking's view of every nominee in the round's considered dossiers, and each one's plain row.

    A fixed number of statements whatever the size of the round: nominees with
    their dossiers, council meetings, votes and rejection notes, each in one read.
    """
    campaign = round_.campaign
    considered = sa.and_(Dossier.round_id == round_.id, Dossier.state.in_(CONSIDERED))
    nominees = db.session.execute(sa.select(*_NOMINEE_COLUMNS).join(Dossier, Dossier.id == Nominee.dossier_id)
                                  .where(considered).order_by(Dossier.id, Nominee.position_in_list, Nominee.id))
    meetings = {row.dossier_id: row for row in db.session.execute(
        sa.select(CouncilMeeting.dossier_id, CouncilMeeting.total_members, CouncilMeeting.present_members)
        .join(Dossier, Dossier.id == CouncilMeeting.dossier_id).where(considered))}
    votes = dict(db.session.execute(
        sa.select(Vote.nominee_id, Vote.votes_in_favour).join(CouncilMeeting, CouncilMeeting.id == Vote.meeting_id)
        .join(Dossier, Dossier.id == CouncilMeeting.dossier_id).where(considered)).all())
    notes = dict(db.session.execute(
        sa.select(HistoryEvent.dossier_id, HistoryEvent.comment).join(Dossier, Dossier.id == HistoryEvent.dossier_id)
        .where(considered, Dossier.state == "rejected", HistoryEvent.trigger == "reject")
        .order_by(HistoryEvent.id)).all())
    notes.update({row.id: f"quyết định số {row.decision_number} ngày {row.decision_date:%d/%m/%Y}"
                  if row.decision_date else f"quyết định số {row.decision_number}"
                  for row in db.session.execute(sa.select(Dossier.id, Dossier.decision_number, Dossier.decision_date)
                                                .where(considered, Dossier.state == "approved"))})
    entries, people = [], {}
    vote, forms = _Votes(campaign), _Forms(campaign)
    for nominee in nominees:
        unit = units[nominee.unit_id]
        passed, vote_note = vote(nominee, meetings.get(nominee.dossier_id), votes)
        entries.append(ranking.Entry(
            nominee_id=nominee.id, kind=nominee.kind, unit_code=unit.code, unit_kind=unit.kind,
            values=nominee_values(campaign, nominee, unit.code), dossier_state=nominee.dossier_state,
            vote_passed=passed, vote_note=vote_note, review_note=notes.get(nominee.dossier_id) or "",
            stable_key=collation.nominee_sort_key({"kind": nominee.kind, "full_name": nominee.full_name}),
        ))
        people[nominee.id] = _person(forms, nominee, unit)
    return entries, people


def _overrides(round_: CampaignRound) -> list[ranking.Override]:
    rows = db.session.execute(sa.select(RoundOverride.nominee_id, RoundOverride.is_selected, RoundOverride.reason)
                              .where(RoundOverride.round_id == round_.id).order_by(RoundOverride.id))
    latest = {row.nominee_id: row for row in rows}
    return [ranking.Override(row.nominee_id, row.is_selected, row.reason) for row in latest.values()
            if row.is_selected is not None]


def person_key(row: dict[str, Any]) -> tuple[str, str, str] | None:
    """Who an individual is, for "never twice in one round": the full name and the workplace (the
    nominating unit's name when none is written), compared in NFC, case-insensitively, with spaces
    collapsed; and the gender. None for a collective.

    The nominee form holds no date of birth or ID number (Decree 13/2023/NĐ-CP: collect only what the
    form needs), so two namesakes in one workplace would be taken for one person: the agency then keeps
    one and says why (an override), which is the safe side of the mistake.
    """
    if row["kind"] != "individual":
        return None
    workplace = row["workplace"] or row["unit"].name
    return (_fold(row["full_name"]), _fold(workplace), row["gender"] or "")


def _fold(text: str) -> str:
    return " ".join(unicodedata.normalize("NFC", text or "").casefold().split())


def duplicate_people(listing: RoundListing) -> list[str]:
    """One sentence per person the list selects more than once (see ``person_key``), in list order."""
    if "duplicates" not in listing.memo:
        seen: dict[tuple, list[dict[str, Any]]] = {}
        for row in listing.rows:
            key = person_key(row) if row["is_selected"] else None
            if key is not None:
                seen.setdefault(key, []).append(row)
        listing.memo["duplicates"] = [
            f"cùng một người ({rows[0]['workplace'] or rows[0]['unit'].name}) được chọn {len(rows)} lần: "
            + " và ".join(f"“{row['full_name']}” trong hồ sơ số {row['dossier_id']} của {row['unit'].short_name}"
                          for row in rows)
            for rows in seen.values() if len(rows) > 1]
    return listing.memo["duplicates"]


def live_ranking(round_: CampaignRound) -> ranking.RankingResult:
    """The round's live ranking with the reviewer's overrides (from the listing of its current data)."""
    listing = round_listing(round_)
    if listing.result is None:
        raise Conflict("Danh sách của đợt đã khóa theo tờ trình đề nghị khen thưởng.", code="wrong_state")
    return listing.result


def round_ranking(round_: CampaignRound, *, group: str | None = None, page: int | None = None,
                  per_page: int | None = None) -> dict[str, Any]:
    """The round's list, or one page of it (optionally of one group), with its summary.

    Without ``page`` every row is listed (the exports); ``selected_count`` and
    ``quota_breaches`` are the whole round's either way.
    """
    listing = round_listing(round_)
    rows = listing.rows if group is None else listing.group_rows(group)
    total = len(rows)
    if page is not None:
        per_page = per_page or total or 1
        rows = rows[(page - 1) * per_page: page * per_page]
    return {"round_id": round_.id, "state": listing.state, "is_frozen": listing.is_frozen,
            "metrics": listing.metrics, "nominees": rows, "quota_breaches": listing.breaches,
            "duplicate_people": duplicate_people(listing),
            "selected_count": listing.selected_count, "total": total, "page": page or 1,
            "per_page": per_page or total, "pages": max(1, -(-total // per_page)) if per_page else 1,
            "groups": [{"name": name, "total": len(positions),
                        "selected_count": sum(1 for p in positions if listing.rows[p]["is_selected"])}
                       for name, positions in listing.groups.items()]}


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
    selected, breaches, duplicates = 0, (), ()
    if with_ranking and round_.state in ADJUSTABLE_STATES:
        listing = round_listing(round_)
        selected, breaches = listing.selected_count, tuple(listing.breaches)
        duplicates = tuple(duplicate_people(listing))
    elif round_.state in FROZEN_STATES:
        selected = db.session.scalar(sa.select(sa.func.count()).select_from(RoundResult).where(
            RoundResult.round_id == round_.id, RoundResult.is_selected)) or 0
    return workflows.RoundFacts(
        state=round_.state, today=today or today_local(), deadline=round_.deadline,
        pending_reviews=sum(counts.get(s, 0) for s in PENDING_REVIEW),
        accepted_dossiers=sum(counts.get(s, 0) for s in ACCEPTED),
        selected_count=selected, quota_breaches=breaches, duplicate_people=duplicates, comment=comment,
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


@ROUND_FLOW.check("decide")
def _no_dossier_decided_twice(firing: Firing) -> None:
    """A dossier the authority already decided on its own is never chosen again by the round's decision."""
    rows = db.session.execute(
        sa.select(Dossier.id, Dossier.decision_number, Unit.short_name)
        .join(RoundResult, RoundResult.dossier_id == Dossier.id).join(Unit, Unit.id == Dossier.unit_id)
        .where(RoundResult.round_id == firing.record.id, RoundResult.is_selected, Dossier.state == "approved")
        .distinct().order_by(Dossier.id).limit(5)).all()
    if rows:
        which = "; ".join(f"hồ sơ số {row.id} của {row.short_name} (quyết định số {row.decision_number})"
                          for row in rows)
        raise Conflict(f"Danh sách trình có người thuộc hồ sơ đã có quyết định khen thưởng riêng: {which}. "
                       "Một hồ sơ không được khen thưởng lại theo quyết định của đợt; hãy trả lại danh sách "
                       "để tổng hợp lại.", code="already_decided")


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
    listing = round_listing(round_)
    result = listing.result
    db.session.execute(sa.delete(RoundResult).where(RoundResult.round_id == round_.id))
    # One multi-row INSERT rather than 20,000 ORM objects.
    rows = [{"round_id": round_.id, "nominee_id": outcome.nominee_id,
             "dossier_id": listing.rows[listing.index[outcome.nominee_id]]["dossier_id"],
             "group_name": outcome.group, "rank": outcome.rank, "list_order": outcome.order,
             "is_selected": outcome.is_selected, "is_override": outcome.is_override,
             "is_tied_at_cut": outcome.tied_at_cut, "reason_code": outcome.reason_code, "reason": outcome.reason,
             "values": dict(outcome.entry.values), "is_awarded": False} for outcome in result.outcomes]
    if rows:
        db.session.execute(sa.insert(RoundResult), rows)
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
                        decision_date=decision_date, today=today, by_round_decision=True,
                        comment=f"Theo quyết định khen thưởng của {round_.title.lower()}.")
        approved.append(dossier.id)
    return approved


# --- one decision per deciding authority -------------------------------------------------

_SERIAL = re.compile(r"^\s*(\d+)")


def document_serial(number: str | None) -> int | None:
    """The leading serial of a document number: 1234 of "1234/QĐ-UBND"."""
    match = _SERIAL.match(number or "")
    return int(match.group(1)) if match else None


def round_decisions(round_: CampaignRound, awardees: list[dict[str, Any]] | None = None) -> list[dict[str, Any]]:
    """One decision per authority issuing the award forms of the round's awardees.

    Forms of one round may be decided by different authorities (a department's Giấy khen, the
    province's Bằng khen or title), each in a decision of its own. The campaign's authority
    comes first and records its decision with the round's "decide" step; each further
    authority's number and date come from ``round_decisions``. A form naming no issuer, or one
    that is not a unit, is decided by the campaign's authority. ``awardees`` are the
    decision_snapshot's (their ``award_form`` carries the ``issuer``); by default the round's
    selected nominees.
    """
    campaign = round_.campaign
    main = campaign.authority
    if awardees is None:
        forms = {f["code"]: f for f in campaign.award_forms}
        issuers = [(forms.get(r["award_form"]["code"]) or {}).get("issuer")
                   for r in round_ranking(round_)["nominees"] if r["is_selected"]]
    else:
        issuers = [a["award_form"].get("issuer") for a in awardees]
    named = {code for code in issuers if code and code != main.code}
    units = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(named)))}
    units[main.code] = main
    counts = Counter(code if code in units else main.code for code in issuers)
    # The campaign's authority first, then the others in the order of the list.
    codes = sorted(counts, key=lambda code: code != main.code) or [main.code]
    recorded = {d.authority_id: d for d in db.session.scalars(
        sa.select(RoundDecision).where(RoundDecision.round_id == round_.id))}
    decisions = []
    for code in codes:
        unit = units[code]
        if unit.id == main.id:
            number, day = round_.decision_number, round_.decision_date
        else:
            record = recorded.get(unit.id)
            number, day = (record.number, record.decision_date) if record else (None, None)
        decisions.append({"authority": {"code": unit.code, **unit.as_document_dict()},
                          "is_campaign_authority": unit.id == main.id, "number": number, "serial": document_serial(number),
                          "date": day, "awardee_count": counts[code]})
    return decisions


def record_round_decision(actor: User, round_: CampaignRound, authority_code: str, number: str,
                          decision_date: dt.date) -> dict[str, Any]:
    """Record (or correct) the number and date of the decision a further authority of the round signed.

    The campaign's own authority records its decision with the round's "decide" step; an
    authority deciding only some of the round's forms (a title beside a commendation) signs a
    decision of its own, recorded here by the standing agency or the campaign's authority once
    the list is proposed. Returns the decision as ``round_decisions`` lists it.
    """
    if not access.can_fire_round_transitions(actor, round_.campaign):
        raise Forbidden("Bạn không thuộc cơ quan thường trực hoặc cấp có thẩm quyền của phong trào này.")
    if round_.state not in FROZEN_STATES:
        raise Conflict("Chỉ ghi quyết định khi đợt đã có danh sách trình cấp có thẩm quyền.", code="no_decision_yet")
    decisions = round_decisions(round_)
    found = next((d for d in decisions if d["authority"]["code"] == authority_code), None)
    if found is None:
        raise NotFound(f"Đợt khen thưởng không có hình thức khen thưởng nào do đơn vị “{authority_code}” quyết định.")
    if found["is_campaign_authority"]:
        raise ValidationFailed(f"Quyết định của {found['authority']['name']} được ghi ở bước “Quyết định khen "
                               "thưởng” của đợt.", code="use_decide")
    number = clean_text(number, field="number", label="Số quyết định", max_length=64)
    if not number:
        raise ValidationFailed("Cần ghi số quyết định.", fields={"number": ["Không được để trống."]})
    if round_.proposal_date and decision_date < round_.proposal_date:
        raise ValidationFailed("Ngày ký quyết định không được trước ngày tờ trình.",
                               fields={"decision_date": ["Không được trước ngày tờ trình."]})
    authority = db.session.scalar(sa.select(Unit).where(Unit.code == authority_code))
    record = db.session.scalar(sa.select(RoundDecision).where(
        RoundDecision.round_id == round_.id, RoundDecision.authority_id == authority.id))
    before = {"decision_number": record.number, "decision_date": record.decision_date} if record else {}
    if record is None:
        record = RoundDecision(round_id=round_.id, authority_id=authority.id, number=number,
                               decision_date=decision_date, actor_id=actor.id)
        db.session.add(record)
    else:
        record.number, record.decision_date, record.actor_id = number, decision_date, actor.id
    db.session.flush()
    audit.record(actor, "round.decision", record, round_=round_, subject=authority.name,
                 changes=audit.diff(before, {"decision_number": number, "decision_date": decision_date}))
    return {**found, "number": number, "date": decision_date}


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
    listing = round_listing(round_)
    before = listing.result
    position = listing.index.get(nominee_id)
    outcome = before.outcomes[_outcome_index(before, nominee_id)] if position is not None else None
    if outcome is None:
        raise ValidationFailed(f"Người được đề nghị số {nominee_id} không có trong các hồ sơ đã nộp của đợt này.",
                               fields={"nominee_id": ["Không thuộc đợt khen thưởng này."]})
    if selected:
        base = _base_reason(outcome, round_)
        if base is not None:
            raise ValidationFailed(
                f"Không thể chọn “{listing.rows[position]['full_name']}”: {base}",
                fields={"selected": [base]}, code="not_forceable")
    override = RoundOverride(round_id=round_.id, nominee_id=nominee_id, is_selected=selected, reason=reason,
                             actor_id=actor.id)
    db.session.add(override)
    db.session.flush()
    # The entries have not changed, only the overrides: rank them again without reading the round.
    after = ranking.rank(listing.entries, ranking_rule(round_.campaign, round_), _overrides(round_))
    if after.breaches:
        raise ValidationFailed("Các lựa chọn điều chỉnh vượt số lượng khen thưởng: " + "; ".join(after.breaches)
                               + ".", fields={"selected": after.breaches}, code="quota_exceeded")
    now = after.outcomes[_outcome_index(after, nominee_id)]
    row = listing.rows[position]
    # Touching the round bumps its version, so a proposal made from an older
    # view of the list is refused rather than silently different.
    round_.updated_at = utcnow()
    details = {"nominee_id": nominee_id, "nominee_name": row["full_name"], "selected": selected,
               "before": {"is_selected": outcome.is_selected, "reason_code": outcome.reason_code},
               "after": {"is_selected": now.is_selected, "reason_code": now.reason_code}}
    audit.record(actor, "round.override", override, dossier=db.session.get(Dossier, row["dossier_id"]),
                 always=True, subject=row["full_name"], comment=reason, changes={
                     "override": {"old": outcome.is_selected if outcome.is_override else None, "new": selected},
                     **audit.diff({"is_selected": outcome.is_selected}, {"is_selected": now.is_selected})})
    event = ROUND_FLOW.write(actor, round_, "override", round_.state, reason, details)
    db.session.flush()
    # The next reader finds the list as this override left it, without ranking the round again.
    people = {row["nominee_id"]: row for row in listing.rows}
    _keep_after_commit(RoundListing(data_version(round_), round_.id, round_.state, False, listing.metrics,
                                    _outcome_rows(after, people), list(after.breaches), after, listing.entries),
                       listing.version)
    return event


def _outcome_index(result: ranking.RankingResult, nominee_id: int) -> int:
    return next(i for i, o in enumerate(result.outcomes) if o.nominee_id == nominee_id)


def _base_reason(outcome: ranking.Outcome, round_: CampaignRound) -> str | None:
    """Why the nominee cannot be forced in, or None when the rule's reason may be set aside."""
    code, reason = ranking.base_reason(outcome.entry, ranking_rule(round_.campaign, round_))
    return None if code is None or code in ranking.FORCEABLE_REASONS else reason


def round_history(round_: CampaignRound) -> list[RoundEvent]:
    return list(db.session.scalars(sa.select(RoundEvent).where(RoundEvent.round_id == round_.id)
                                   .options(selectinload(RoundEvent.actor))
                                   .order_by(RoundEvent.created_at, RoundEvent.id)))


event_label = round_event_label
