"""The documents that close a round: the agency's consolidated tờ trình, the award decision
with its prize money, the printable certificates, and the Excel exports.

The way from a round to its documents: ``decision_snapshot`` reads the round from the
database once into plain values; ``award_snapshot`` turns them into the documents'
snapshot (``service.documents.builders.round.snapshot_from_decision``) and adds the
prize money (``service.awards.prize``); the builders make each document's context from
it. Nothing here changes the database.
"""
from __future__ import annotations

import re
from collections import Counter
from typing import Any

from flask import current_app

from ..awards import excel
from ..awards.families import form_family
from ..awards.prize import PrizeError, apply_prizes, multiplier_on
from ..documents.builders import DocumentDataError
from ..documents.builders import round as round_builders
from ..errors import Conflict, ValidationFailed
from ..models import CampaignRound
from . import officials
from .rounds import FROZEN_STATES, metric_columns, round_ranking
from .salaries import salary_table
from .templates import template_for

ROUND_DOCUMENT_KINDS = round_builders.CAMPAIGN_DOCUMENT_KINDS
ROUND_DOCUMENT_TITLES = round_builders.CAMPAIGN_DOCUMENT_TITLES
DOCX_NAMES = {"to_trinh_tong_hop": "to_trinh_tong_hop", "quyet_dinh": "quyet_dinh", "certificates": "giay_khen"}

_SERIAL = re.compile(r"^\s*(\d+)")


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def _serial(number: str | None) -> int | None:
    match = _SERIAL.match(number or "")
    return int(match.group(1)) if match else None


def round_legal_bases(round_: CampaignRound) -> list[str]:
    """The laws and decrees this round's decision cites (the round's own, else the campaign's)."""
    for item in (round_.campaign.definition or {}).get("rounds") or []:
        if item.get("code") == round_.code and item.get("legal_bases") is not None:
            return list(item["legal_bases"])
    return list(round_.campaign.legal_bases or [])


def decision_snapshot(round_: CampaignRound) -> dict[str, Any]:
    """The round's decision as plain values, for the quyết định, the certificates and the prize money.

    Awardees come in final order (collectives first, each group by rank),
    each with its unit, award form (and the multiplier in force on the
    decision date) and its typed and derived figures; those left out come
    with their reason. Available once the list is proposed; the decision
    fields are None until it is decided. This is the one read of the
    database on the way to the round's documents.
    """
    if round_.state not in FROZEN_STATES:
        raise Conflict("Đợt khen thưởng chưa có danh sách trình cấp có thẩm quyền.", code="no_decision_yet")
    campaign = round_.campaign
    listing = round_ranking(round_)
    day = round_.decision_date or round_.proposal_date

    # The list's rows carry every field of a person: no second read of the nominees.
    def form_of(code: str) -> dict[str, Any]:
        form = campaign.award_form(code) or {"code": code, "name": code}
        return {"code": form["code"], "name": form["name"], "title": form.get("title") or campaign.award_name,
                "issuer": form.get("issuer"), "category": form.get("category"), "family": form_family(form),
                "multiplier": multiplier_on(form, day)}

    def person(row: dict[str, Any]) -> dict[str, Any]:
        unit = row["unit"]
        return {
            "nominee_id": row["nominee_id"], "dossier_id": row["dossier_id"], "kind": row["kind"],
            "full_name": row["full_name"], "gender": row["gender"], "position": row["position"],
            "workplace": row["workplace"] or (unit.name if row["kind"] == "collective" else ""),
            "is_leader": row["is_leader"],
            "unit": {"code": unit.code, "name": unit.name, "short_name": unit.short_name, "kind": unit.kind},
            "unit_name": unit.name, "award_form": forms[row["award_form"]["code"]],
            "group": row["group"], "rank": row["rank"], "order": row["list_order"],
            "metrics": dict(row["values"]), "achievement": row["achievement_summary"],
        }

    # One form dict per award form, shared by the people holding it (the multiplier is looked up once).
    forms = _FormTable(form_of)
    awardees = [person(r) for r in listing["nominees"] if r["is_selected"]]
    left_out = [{**person(r), "reason_code": r["reason_code"], "reason": r["reason"]}
                for r in listing["nominees"] if not r["is_selected"]]
    return {
        "round": {"id": round_.id, "code": round_.code, "kind": round_.kind, "name": round_.title,
                  "title": round_.title, "period_start": round_.period_start, "period_end": round_.period_end,
                  "deadline": round_.deadline, "state": round_.state},
        "campaign": {
            "id": campaign.id, "code": campaign.code, "title": campaign.title, "plan_type": campaign.plan_type,
            "plan_number": campaign.plan_number, "plan_date": campaign.plan_date,
            "issuer_name": campaign.issuer.name, "award_name": campaign.award_name,
            "legal_bases": round_legal_bases(round_), "metrics": metric_columns(campaign),
            "award_forms": [form_of(f["code"]) for f in campaign.award_forms],
            "authority": campaign.authority.as_document_dict(),
            "standing_agency": campaign.standing_agency.as_document_dict(),
        },
        "authority": {"code": campaign.authority.code, **campaign.authority.as_document_dict()},
        "standing_agency": {"code": campaign.standing_agency.code, **campaign.standing_agency.as_document_dict()},
        "proposal": {"number": round_.proposal_number, "serial": _serial(round_.proposal_number),
                     "date": round_.proposal_date},
        "decision": {"number": round_.decision_number, "serial": _serial(round_.decision_number),
                     "date": round_.decision_date},
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


def award_snapshot(round_: CampaignRound) -> dict[str, Any]:
    """The round's decision in the shape the award documents expect, with prize money applied.

    Prize money is multiplier × the base salary in force on the decision date
    (Luật Thi đua, khen thưởng 2022, art. 97; Nghị định 152/2025/NĐ-CP): before the
    decision is signed, the proposal date stands in so the draft shows the amounts.
    """
    decision = decision_snapshot(round_)
    snapshot = round_builders.snapshot_from_decision(decision)
    day = snapshot["decision"]["prize_date"]
    if day is not None and snapshot["awardees"]:
        try:
            snapshot["awardees"] = apply_prizes(snapshot["awardees"], day, decision["campaign"]["award_forms"],
                                                salaries=salary_table(),
                                                rounding=current_app.config["PRIZE_ROUNDING"])
        except PrizeError as error:
            raise ValidationFailed(f"Chưa tính được tiền thưởng: {error}", code="prize_unavailable") from None
    return snapshot


def render_round_document(round_: CampaignRound, kind: str, snapshot: dict[str, Any] | None = None
                          ) -> tuple[bytes, str]:
    """One award document of the round as a .docx, and the file name to give it.

    ``snapshot`` is award_snapshot(round_), for a caller drawing several documents of one round.
    """
    if kind not in ROUND_DOCUMENT_KINDS:
        raise ValidationFailed(f"Không có loại văn bản “{kind}”.", code="unknown_document")
    snapshot = snapshot if snapshot is not None else award_snapshot(round_)
    if not snapshot["awardees"]:
        raise Conflict("Đợt khen thưởng không có tập thể, cá nhân nào được chọn.", code="no_awardees")
    try:
        uploaded = template_for(round_.campaign, kind)
        content = round_builders.render_campaign_document(kind, snapshot,
                                                          template=uploaded[1] if uploaded else None)
    except DocumentDataError as error:
        raise ValidationFailed(f"Chưa tạo được {_lower_first(ROUND_DOCUMENT_TITLES[kind])}: {error}",
                               code="document_data_incomplete") from None
    return content, f"{DOCX_NAMES[kind]}_dot{round_.id}.docx"


def ranking_workbook(round_: CampaignRound) -> tuple[bytes, str]:
    """The round's ranking as an .xlsx: every nominee, its rank, selection and reason."""
    listing = round_ranking(round_)
    metrics = metric_columns(round_.campaign)
    rows = [{
        "rank": r["rank"], "kind": r["kind"], "full_name": r["full_name"], "unit_name": r["unit"].name,
        "metrics": r["values"], "note": "Được chọn" if r["is_selected"] else (r["reason"] or "Không được chọn"),
    } for r in listing["nominees"]]
    return excel.export_ranking(rows, metrics), f"xep_hang_dot{round_.id}.xlsx"


def awardees_workbook(round_: CampaignRound, snapshot: dict[str, Any] | None = None) -> tuple[bytes, str]:
    """The awardees with their prize money as an .xlsx."""
    snapshot = snapshot if snapshot is not None else award_snapshot(round_)
    return excel.export_awardees(snapshot["awardees"]), f"khen_thuong_dot{round_.id}.xlsx"
