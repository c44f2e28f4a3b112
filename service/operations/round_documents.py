"""The documents that close a round: the agency's consolidated tờ trình, the award decision
with its prize money, the printable certificates, and the Excel exports.

The way from a round to its documents: ``decision_snapshot`` reads the round from the
database once into plain values; ``award_snapshot`` turns them into the documents'
snapshot (``service.documents.builders.round.snapshot_from_decision``) and adds the
prize money (``service.awards.prize``); the builders make each document's context from
it. Nothing here changes the database.
"""
from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from typing import Any

import sqlalchemy as sa
from flask import current_app

from ..awards import excel
from ..awards.families import form_family
from ..awards.prize import PrizeError, apply_prizes, multiplier_on
from ..documents.builders import DocumentDataError
from ..documents.builders import round as round_builders
from ..errors import Conflict, NotFound, ValidationFailed
from ..db import db
from ..models import Campaign, CampaignRound, UnitName, names_on
from . import officials
from .rounds import FROZEN_STATES, document_serial, metric_columns, round_decisions, round_ranking
from .salaries import salary_table
from .certificate_layouts import certificate_layout
from .templates import template_for

ROUND_DOCUMENT_KINDS = round_builders.CAMPAIGN_DOCUMENT_KINDS
ROUND_DOCUMENT_TITLES = round_builders.CAMPAIGN_DOCUMENT_TITLES
# One of these per deciding authority when a round's forms are decided by several.
PER_AUTHORITY_KINDS = ("quyet_dinh", "certificates")
DOCX_NAMES = {"to_trinh_tong_hop": "to_trinh_tong_hop", "quyet_dinh": "quyet_dinh", "certificates": "giay_khen"}
CERTIFICATE_MODES = round_builders.CERTIFICATE_MODES
CERTIFICATE_MODE_TITLES = round_builders.CERTIFICATE_MODE_TITLES
_MODE_NAMES = {"full": "giay_khen", "blank": "giay_khen_in_phoi", "calibration": "trang_can_chinh_phoi"}



def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def round_legal_bases(round_: CampaignRound) -> list[str]:
    """The laws and decrees this round's decision cites (the round's own, else the campaign's)."""
    for item in (round_.campaign.definition or {}).get("rounds") or []:
        if item.get("code") == round_.code and item.get("legal_bases") is not None:
            return list(item["legal_bases"])
    return list(round_.campaign.legal_bases or [])


def decision_snapshot(round_: CampaignRound, *, dossier_id: int | None = None) -> dict[str, Any]:
    """The round's decision as plain values, for the quyết định, the certificates and the prize money.

    Awardees come in final order (collectives first, each group by rank),
    each with its unit, award form (and the multiplier in force on the
    decision date) and its typed and derived figures; those left out come
    with their reason. Available once the list is proposed; the decision
    fields are None until it is decided. This is the one read of the
    database on the way to the round's documents. With ``dossier_id`` only
    that dossier's people are listed (a unit's own certificates).
    """
    if round_.state not in FROZEN_STATES:
        raise Conflict("Đợt khen thưởng chưa có danh sách trình cấp có thẩm quyền.", code="no_decision_yet")
    rows = round_ranking(round_)["nominees"]
    if dossier_id is not None:
        rows = [r for r in rows if r["dossier_id"] == dossier_id]
    return decision_values(
        round_, rows, proposal={"number": round_.proposal_number, "date": round_.proposal_date},
        decision={"number": round_.decision_number, "date": round_.decision_date})


def decision_values(round_: CampaignRound, rows: list[dict[str, Any]], *, proposal: dict[str, Any],
                    decision: dict[str, Any]) -> dict[str, Any]:
    """A decision as plain values from list rows (those of ``round_ranking``: ``unit``, ``award_form``,
    ``values``, ``is_selected``, ``reason_code``…), whoever decided: the round, or one dossier."""
    campaign = round_.campaign
    day = decision["date"] or proposal["date"]

    # The list's rows carry every field of a person: no second read of the nominees.
    def form_of(code: str) -> dict[str, Any]:
        form = campaign.award_form(code) or {"code": code, "name": code}
        return {"code": form["code"], "name": form["name"], "title": form.get("title") or campaign.award_name,
                "issuer": form.get("issuer"), "category": form.get("category"), "family": form_family(form),
                "multiplier": multiplier_on(form, day)}

    def person(row: dict[str, Any]) -> dict[str, Any]:
        unit = row["unit"]
        # Names as they were on the decision's date (a ward renamed since keeps its old name there).
        unit_name, unit_short_name = names_on(unit.name, unit.short_name, former_names.get(unit.id, ()), day)
        return {
            "nominee_id": row["nominee_id"], "dossier_id": row["dossier_id"], "kind": row["kind"],
            "full_name": row["full_name"], "gender": row["gender"], "position": row["position"],
            "workplace": row["workplace"] or (unit_name if row["kind"] == "collective" else ""),
            "is_leader": row["is_leader"],
            "unit": {"code": unit.code, "name": unit_name, "short_name": unit_short_name, "kind": unit.kind},
            "unit_name": unit_name, "award_form": forms[row["award_form"]["code"]],
            "group": row["group"], "rank": row["rank"], "order": row["list_order"],
            "metrics": dict(row["values"]), "achievement": row["achievement_summary"],
        }

    # The former names of every unit in the list, in one query (the rows' units are plain values).
    former_names: dict[int, list[Any]] = {}
    for former in db.session.execute(sa.select(UnitName.unit_id, UnitName.name, UnitName.short_name,
                                               UnitName.valid_until).where(
            UnitName.unit_id.in_({r["unit"].id for r in rows}))):
        former_names.setdefault(former.unit_id, []).append(former)

    # One form dict per award form, shared by the people holding it (the multiplier is looked up once).
    forms = _FormTable(form_of)
    awardees = [person(r) for r in rows if r["is_selected"]]
    left_out = [{**person(r), "reason_code": r["reason_code"], "reason": r["reason"]}
                for r in rows if not r["is_selected"]]
    # The campaign authority's decision is the one given (the round's, or a dossier's own).
    decisions = [{**d, "number": decision["number"], "serial": document_serial(decision["number"]),
                  "date": decision["date"]} if d["is_campaign_authority"] else d
                 for d in round_decisions(round_, awardees)]
    return {
        "decisions": decisions,
        "round": {"id": round_.id, "code": round_.code, "kind": round_.kind, "name": round_.title,
                  "title": round_.title, "period_start": round_.period_start, "period_end": round_.period_end,
                  "deadline": round_.deadline, "state": round_.state},
        "campaign": {
            "id": campaign.id, "code": campaign.code, "title": campaign.title, "plan_type": campaign.plan_type,
            "plan_number": campaign.plan_number, "plan_date": campaign.plan_date,
            "issuer_name": campaign.issuer.name, "award_name": campaign.award_name,
            "legal_bases": round_legal_bases(round_), "metrics": metric_columns(campaign),
            "award_forms": [form_of(f["code"]) for f in campaign.award_forms],
            "authority": campaign.authority.as_document_dict(day),
            "standing_agency": campaign.standing_agency.as_document_dict(day),
        },
        "authority": {"code": campaign.authority.code, **campaign.authority.as_document_dict(day)},
        "standing_agency": {"code": campaign.standing_agency.code, **campaign.standing_agency.as_document_dict(day)},
        "proposal": {"number": proposal["number"], "serial": document_serial(proposal["number"]),
                     "date": proposal["date"]},
        "decision": {"number": decision["number"], "serial": document_serial(decision["number"]),
                     "date": decision["date"]},
        # Who signs the tờ trình and the decision: the officials chosen for the round, else each unit's head.
        "proposal_signer": officials.round_signer(round_, "proposal").block,
        "decision_signer": officials.round_signer(round_, "decision").block,
        "awardees": awardees,
        "counts": dict(Counter(a["kind"] for a in awardees)),
        "not_selected": left_out,
    }


class _FormTable(dict):
    def __init__(self, make) -> None:
        super().__init__()
        self._make = make

    def __missing__(self, code: str) -> dict[str, Any]:
        self[code] = form = self._make(code)
        return form


def award_snapshot(round_: CampaignRound, decision: dict[str, Any] | None = None) -> dict[str, Any]:
    """The round's decision (or ``decision``, values from ``decision_values``) in the shape the award
    documents expect, with prize money applied.

    Prize money is multiplier × the base salary in force on the decision date
    (Luật Thi đua, khen thưởng 2022, art. 97; Nghị định 152/2025/NĐ-CP): before the
    decision is signed, the proposal date stands in so the draft shows the amounts.
    """
    decision = decision if decision is not None else decision_snapshot(round_)
    snapshot = round_builders.snapshot_from_decision(decision)
    rounding = current_app.config["PRIZE_ROUNDING"]
    priced = {}
    for part in snapshot["decisions"]:
        # Each authority's decision is priced on its own date (the proposal's until it is signed).
        day = part["decision"]["prize_date"]
        people = [(i, a) for i, a in enumerate(snapshot["awardees"]) if a["authority"] == part["code"]]
        if day is None or not people:
            continue
        try:
            done = apply_prizes([a for _, a in people], day, decision["campaign"]["award_forms"],
                                salaries=salary_table(), rounding=rounding)
        except PrizeError as error:
            raise ValidationFailed(f"Chưa tính được tiền thưởng: {error}", code="prize_unavailable") from None
        priced.update({i: a for (i, _), a in zip(people, done)})
    snapshot["awardees"] = [priced.get(i, a) for i, a in enumerate(snapshot["awardees"])]
    return snapshot


def certificate_mode(mode: str | None, kind: str = "certificates") -> str:
    """The certificates' printing mode asked for (``full`` when none); refused with the choices otherwise."""
    if mode is None or mode == "":
        return "full"
    choices = ", ".join(f"{code} ({CERTIFICATE_MODE_TITLES[code].lower()})" for code in CERTIFICATE_MODES)
    if mode not in CERTIFICATE_MODES:
        raise ValidationFailed(f"Không có cách in “{mode}”. Chọn một trong: {choices}.",
                               fields={"mode": [f"Chọn một trong: {choices}."]}, code="invalid_mode")
    if kind != "certificates" and mode != "full":
        raise ValidationFailed(f"Chỉ giấy khen mới in được theo cách “{CERTIFICATE_MODE_TITLES[mode].lower()}”.",
                               fields={"mode": ["Văn bản này chỉ có một bản in."]}, code="invalid_mode")
    return mode


def calibration_document(campaign: Campaign) -> tuple[bytes, str]:
    """The calibration page of the campaign's blank (its saved layout, else the default) as a .docx."""
    content = round_builders.render_campaign_document("certificates_calibration", None,
                                                      layout=certificate_layout(campaign))
    return content, f"{_MODE_NAMES['calibration']}_{campaign.code}.docx"


def render_round_document(round_: CampaignRound, kind: str, snapshot: dict[str, Any] | None = None,
                          *, mode: str = "full", authority: str | None = None) -> tuple[bytes, str]:
    """One award document of the round as a .docx, and the file name to give it.

    ``snapshot`` is award_snapshot(round_), for a caller drawing several documents of one round.
    ``mode`` says how the certificates print: ``full`` (the whole certificate on plain paper, from
    the campaign's uploaded template if any), ``blank`` (only the variable text, at the campaign's
    layout, on pre-printed blanks) or ``calibration`` (the layout's boxes, to hold against a blank).
    The decision and the certificates are those of ``authority`` (a unit's code) when the round's
    forms are decided by several authorities; the campaign's own by default.
    """
    if kind not in ROUND_DOCUMENT_KINDS:
        raise ValidationFailed(f"Không có loại văn bản “{kind}”.", code="unknown_document")
    mode = certificate_mode(mode, kind)
    if mode == "calibration":
        content, _ = calibration_document(round_.campaign)
        return content, f"{_MODE_NAMES['calibration']}_dot{round_.id}.docx"
    snapshot = snapshot if snapshot is not None else award_snapshot(round_)
    if not snapshot["awardees"]:
        raise Conflict("Quyết định không có tập thể, cá nhân nào được khen thưởng.", code="no_awardees")
    name = f"{DOCX_NAMES[kind]}_dot{round_.id}"
    if kind in PER_AUTHORITY_KINDS:
        parts = round_builders.decision_snapshots(snapshot)
        chosen = next((p for p in parts if p["code"] == authority), None) if authority else parts[0]
        if chosen is None:
            raise NotFound(f"Đợt khen thưởng không có quyết định của đơn vị “{authority}”.")
        snapshot = chosen["snapshot"]
        if len(parts) > 1:
            name += f"_{chosen['code']}"
    elif authority:
        raise ValidationFailed("Chỉ quyết định và giấy khen mới được tạo riêng cho từng cấp quyết định.",
                               code="not_per_authority")
    try:
        if mode == "blank":
            content = round_builders.render_campaign_document("certificates_blank", snapshot,
                                                              layout=certificate_layout(round_.campaign))
        else:
            uploaded = template_for(round_.campaign, kind)
            content = round_builders.render_campaign_document(kind, snapshot,
                                                              template=uploaded[1] if uploaded else None)
    except DocumentDataError as error:
        raise ValidationFailed(f"Chưa tạo được {_lower_first(ROUND_DOCUMENT_TITLES[kind])}: {error}",
                               code="document_data_incomplete") from None
    if kind == "certificates":
        name = name.replace(DOCX_NAMES[kind], _MODE_NAMES[mode], 1)
    return content, f"{name}.docx"


def ranking_workbook(round_: CampaignRound) -> tuple[Iterator[bytes], str]:
    """The round's ranking as an .xlsx in chunks: every nominee, its rank, selection and reason.

    The rows are read before this returns (a refusal comes before any byte);
    the chunks only format them, so a response can stream them.
    """
    listing = round_ranking(round_)
    metrics = metric_columns(round_.campaign)
    rows = [{
        "rank": r["rank"], "kind": r["kind"], "full_name": r["full_name"], "unit_name": r["unit"].name,
        "metrics": r["values"], "note": "Được chọn" if r["is_selected"] else (r["reason"] or "Không được chọn"),
    } for r in listing["nominees"]]
    return excel.stream_ranking(rows, metrics), f"xep_hang_dot{round_.id}.xlsx"


def awardees_workbook(round_: CampaignRound,
                      snapshot: dict[str, Any] | None = None) -> tuple[Iterator[bytes], str]:
    """The awardees with their prize money as an .xlsx, in chunks (read first, as :func:`ranking_workbook`)."""
    snapshot = snapshot if snapshot is not None else award_snapshot(round_)
    return excel.stream_awardees(snapshot["awardees"]), f"khen_thuong_dot{round_.id}.xlsx"
