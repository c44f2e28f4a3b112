"""Loading campaign definitions (campaigns/*.yaml) into the database, who takes part, and which round is open.

``load_campaign`` is the one verb that turns a definition file into a
``Campaign``, its rounds and any units it declares; the CLI command and the
admin API both call it. Like every operation it flushes and never commits.
``participating_units`` / ``takes_part`` are the one rule of who competes
(the home page's list and ``create_dossier``'s refusal both read it), and
``ensure_round_open`` the one rule of whether a round still takes dossiers.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa

from workflows import ROUND_WORKFLOW

from .. import access, audit
from ..campaigns.definition import Definition, DefinitionError, describe, format_path, parse_definition, to_json
from ..db import db
from ..documents.collation import sort_key_text
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import Campaign, CampaignRound, Unit, User
from ..vocabulary import file_field_label

log = logging.getLogger(__name__)

# The round a campaign made without a definition gets (migration 0002 does the same).
DEFAULT_ROUND_CODE = "chinh"
DEFAULT_ROUND_TITLE = "Đợt khen thưởng"

#: Rounds in which units may still send dossiers (late ones too, when the round accepts them).
OPEN_STATES = ROUND_WORKFLOW.states_where(open=True)
#: Rounds whose list is frozen (the proposal, then the decision).
FROZEN_STATES = ROUND_WORKFLOW.states_where(frozen=True)
# Kinds of unit that compete in a campaign whose plan names none, when its authority has no units under it.
TAKING_PART_KINDS = ("ward", "commune", "department")
# Lists show wards and communes first, then departments, each in Vietnamese alphabetical order.
KIND_ORDER = {"ward": 0, "commune": 1, "department": 2}


@dataclass
class LoadResult:
    campaign: Campaign
    created_units: list[str] = field(default_factory=list)
    existing_units: list[str] = field(default_factory=list)
    #: The same units by their short names, for people (the lists above hold codes, for programs).
    created_unit_names: list[str] = field(default_factory=list)
    existing_unit_names: list[str] = field(default_factory=list)


def definition_failed(error: DefinitionError) -> ValidationFailed:
    """The one shape of a refused definition: a message, each field with its line, and the list.

    People read the field as the file's parts are called in Vietnamese ("Đợt khen thưởng thứ 1 › Hạn nộp
    hồ sơ"): it keys ``fields`` and is each error's ``field``; ``path`` (``rounds[0].deadline``) is there
    for programs.
    """
    fields: dict[str, list[str]] = {}
    for problem in error.problems:
        where = f"Dòng {problem.line}: " if problem.line else ""
        fields.setdefault(file_field_label(problem.path) or "Tệp định nghĩa", []).append(where + problem.message)
    count = error.total
    first = describe(error.problems[0]) if error.problems else ""
    return ValidationFailed(
        f"Tệp định nghĩa phong trào có {count} lỗi. Lỗi đầu tiên: {first}",
        fields=fields, code="invalid_definition",
        details={"errors": [{"field": file_field_label(p.path), "path": format_path(p.path), "line": p.line,
                             "message": p.message, "text": describe(p)} for p in error.problems]},
    )


def _known_units() -> dict[str, str]:
    return dict(db.session.execute(sa.select(Unit.code, Unit.kind)).all())


def check_definition(text: str) -> Definition:
    """Parse ``text`` against the units in the database; ValidationFailed (field + line) when it is wrong."""
    try:
        return parse_definition(text, _known_units())
    except DefinitionError as error:
        raise definition_failed(error) from None


def load_campaign(actor: User | None, text: str, *, origin: str = "") -> LoadResult:
    """Create the campaign a definition describes, with its rounds and the units it declares.

    ``actor`` is None for the command line (run by the operator). Units that
    already exist are used as they are, never changed. A campaign whose code
    exists already is refused (409).
    """
    if actor is not None and not access.can_manage_campaigns(actor):
        raise Forbidden("Chỉ quản trị hệ thống mới được nạp định nghĩa phong trào.")
    definition = check_definition(text)
    data = definition.data
    existing = db.session.scalar(sa.select(Campaign).where(Campaign.code == data["code"]))
    if existing is not None:
        raise Conflict(f"Đã có phong trào mã “{data['code']}” (số {existing.id}); đổi mã trong tệp để nạp "
                       "phong trào mới.", code="campaign_exists", details={"campaign_id": existing.id})
    result = LoadResult(campaign=None)  # type: ignore[arg-type]
    units = _ensure_units(data["units"], result)
    units.update({u.code: u for u in db.session.scalars(
        sa.select(Unit).where(Unit.code.in_(_referenced_units(data)))).all()})
    plan = data["plan"]
    first_round = data["rounds"][0]
    campaign = Campaign(
        code=data["code"], title=plan["title"], plan_number=plan["number"], plan_date=plan["date"],
        issuer=units[plan["issuer"]], period_start=data["period"]["start"], period_end=data["period"]["end"],
        # Each round has its own deadline; the campaign keeps the first one for
        # code that still reads a single deadline.
        submission_deadline=first_round["deadline"], accepts_late=data["late_policy"] == "accept",
        standing_agency=units[data["standing_agency"]], authority=units[data["authority"]],
        award_name=data["award_name"], award_forms=to_json(data["award_forms"]), metrics=data["metrics"],
        legal_bases=data["legal_bases"], plan_type=plan["type"], plan_signer=plan["signer"] or {},
        participants=data["participants"], derived_metrics=data["derived"],
        ranking={"groups": data["ranking"], "rules": data["rules"]},
        required_documents=data["required_documents"], definition=to_json(data),
        definition_sha256=definition.sha256,
    )
    db.session.add(campaign)
    for item in data["rounds"]:
        db.session.add(CampaignRound(
            campaign=campaign, code=item["code"], kind=item["kind"], title=item["title"],
            position=item["position"], period_start=item["period"]["start"], period_end=item["period"]["end"],
            deadline=item["deadline"], accepts_late=item["accepts_late"], quotas=item["quotas"],
            requirements=item["requirements"], state=ROUND_WORKFLOW.initial,
        ))
    db.session.flush()
    result.campaign = campaign
    audit.record(actor, "campaign.load", campaign, campaign=campaign,
                 subject=f"“{campaign.title}” (mã {campaign.code})", changes=audit.created({
                     "code": campaign.code, "title": campaign.title, "origin": origin,
                     "definition_sha256": campaign.definition_sha256,
                     "rounds": [item["title"] for item in data["rounds"]], "created_units": result.created_units}))
    log.info("campaign %s loaded from %s by %s: %s rounds, units created %s", campaign.code, origin or "text",
             actor.username if actor else "command line", len(data["rounds"]), result.created_units)
    return result


def _referenced_units(data: dict[str, Any]) -> set[str]:
    codes = {data["plan"]["issuer"], data["standing_agency"], data["authority"]}
    codes.update(form["issuer"] for form in data["award_forms"])
    return codes


def _ensure_units(declared: list[dict[str, Any]], result: LoadResult) -> dict[str, Unit]:
    codes = [u["code"] for u in declared]
    units = {u.code: u for u in db.session.scalars(sa.select(Unit).where(Unit.code.in_(codes))).all()}
    result.existing_units = sorted(units)
    result.existing_unit_names = [units[code].short_name for code in result.existing_units]
    created = []
    for values in declared:
        if values["code"] in units:
            continue
        unit = Unit(**{k: v for k, v in values.items() if k != "parent"})
        db.session.add(unit)
        units[unit.code] = unit
        created.append(values)
    db.session.flush()
    for values in created:
        if values["parent"]:
            parent = units.get(values["parent"]) or db.session.scalar(
                sa.select(Unit).where(Unit.code == values["parent"]))
            units[values["code"]].parent = parent
    result.created_units = [v["code"] for v in created]
    result.created_unit_names = [v["short_name"] for v in created]
    db.session.flush()
    return units


def ensure_rounds(campaign: Campaign) -> list[CampaignRound]:
    """The campaign's rounds; a campaign made in code without any gets its single round now."""
    if campaign.rounds:
        return list(campaign.rounds)
    db.session.add(CampaignRound(
        campaign=campaign, code=DEFAULT_ROUND_CODE, kind="single", title=DEFAULT_ROUND_TITLE, position=1,
        period_start=campaign.period_start, period_end=campaign.period_end,
        deadline=campaign.submission_deadline, accepts_late=campaign.accepts_late,
        quotas={"total": {}, "per_unit": []}, requirements=[], state=ROUND_WORKFLOW.initial,
    ))
    db.session.flush()
    db.session.refresh(campaign, ["rounds"])
    return list(campaign.rounds)


def _declared_participants(campaign: Campaign) -> tuple[list[str], list[str]]:
    participants = campaign.participants or {}
    return participants.get("unit_kinds") or [], participants.get("unit_codes") or []


def _guessed_participants(campaign: Campaign) -> list[Unit]:
    # A plan that names nobody: the units directly under its authority; when it has none, every ward,
    # commune and department.
    children = list(db.session.scalars(sa.select(Unit).where(Unit.parent_id == campaign.authority_id)))
    if not children:
        children = list(db.session.scalars(
            sa.select(Unit).where(Unit.kind.in_(TAKING_PART_KINDS), Unit.id != campaign.authority_id)))
    return children


def unit_sort_key(unit: Unit) -> tuple[int, bytes]:
    return KIND_ORDER.get(unit.kind, len(KIND_ORDER)), sort_key_text(unit.short_name)


def participating_units(campaign: Campaign) -> list[Unit]:
    """The units expected to send a dossier for ``campaign``, wards and communes first, then by name.

    Those the plan names (by kind or code, ``campaign.participants``); when it names none, the units
    directly under the campaign's authority, or, when it has none, every ward, commune and department.
    """
    kinds, codes = _declared_participants(campaign)
    if kinds or codes:
        units = list(db.session.scalars(sa.select(Unit).where(sa.or_(Unit.kind.in_(kinds), Unit.code.in_(codes)))))
    else:
        units = _guessed_participants(campaign)
    return sorted(units, key=unit_sort_key)


def takes_part(campaign: Campaign, unit: Unit) -> bool:
    """Whether ``unit`` is among ``participating_units(campaign)`` (without loading them when the plan names them)."""
    kinds, codes = _declared_participants(campaign)
    if kinds or codes:
        return unit.kind in kinds or unit.code in codes
    return any(candidate.id == unit.id for candidate in _guessed_participants(campaign))


# --- which round a dossier goes into ----------------------------------------------------

def ensure_round_open(round_: CampaignRound, action: str) -> None:
    """Refuse work that would change a round's list once the agency has proposed it."""
    if round_.state not in OPEN_STATES:
        raise Conflict(
            f"Không thể {action}: {round_.title} đang ở trạng thái “{ROUND_WORKFLOW.state_label(round_.state)}”, "
            "không còn nhận hồ sơ.", code="round_closed", details={"round_state": round_.state})


def round_for_new_dossier(campaign: Campaign, unit: Unit, round_id: int | None) -> CampaignRound:
    """The round a unit's new dossier goes into: the one named, or the only one open."""
    if not takes_part(campaign, unit):
        raise Forbidden(f"{unit.name} không thuộc đối tượng tham gia phong trào này.", code="not_participant")
    rounds = ensure_rounds(campaign)
    if round_id is not None:
        chosen = next((r for r in rounds if r.id == round_id), None)
        if chosen is None:
            raise ValidationFailed(f"Phong trào không có đợt khen thưởng số {round_id}.",
                                   fields={"round_id": ["Không có đợt này trong phong trào."]})
    else:
        open_rounds = [r for r in rounds if r.state in OPEN_STATES]
        if len(open_rounds) > 1:
            names = "; ".join(f"{r.id}: {r.title}" for r in open_rounds)
            raise ValidationFailed(
                f"Phong trào có {len(open_rounds)} đợt đang nhận hồ sơ; hãy chọn đợt (round_id): {names}.",
                fields={"round_id": ["Cần chọn đợt khen thưởng."]}, code="round_required")
        chosen = open_rounds[0] if open_rounds else rounds[-1]
    ensure_round_open(chosen, "lập hồ sơ")
    return chosen
