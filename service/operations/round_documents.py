"""The documents that close a round: the agency's consolidated tờ trình, the award decision
with its prize money, the printable certificates, and the Excel exports.

They are rendered from ``rounds.decision_snapshot`` (plain values) and the prize rules of
``service.awards.prize``; nothing here changes the database.
"""
from __future__ import annotations

from typing import Any

from flask import current_app

from ..awards import builders as award_builders
from ..awards import excel
from ..awards.prize import PrizeError, apply_prizes
from ..documents.builders import DocumentDataError
from ..errors import Conflict, ValidationFailed
from ..models import CampaignRound
from . import rounds as round_ops
from .salaries import salary_table
from .templates import template_for

ROUND_DOCUMENT_KINDS = award_builders.CAMPAIGN_DOCUMENT_KINDS
ROUND_DOCUMENT_TITLES = award_builders.CAMPAIGN_DOCUMENT_TITLES
DOCX_NAMES = {"to_trinh_tong_hop": "to_trinh_tong_hop", "quyet_dinh": "quyet_dinh", "certificates": "giay_khen"}


def _lower_first(text: str) -> str:
    return text[:1].lower() + text[1:]


def award_snapshot(round_: CampaignRound) -> dict[str, Any]:
    """The round's decision in the shape the award documents expect, with prize money applied.

    Prize money is multiplier × the base salary in force on the decision date
    (Luật Thi đua, khen thưởng 2022, art. 97; Nghị định 152/2025/NĐ-CP): before the
    decision is signed, the proposal date stands in so the draft shows the amounts.
    """
    snapshot = round_ops.decision_snapshot(round_)
    campaign = round_.campaign
    authority = campaign.authority
    day = snapshot["decision"]["date"] or snapshot["proposal"]["date"]
    awardees = [{
        "kind": a["kind"], "full_name": a["full_name"], "gender": a["gender"], "position": a["position"] or "",
        "workplace": a["workplace"] or "", "unit_name": a["unit_name"],
        "award_form": {"code": a["award_form"]["code"], "name": a["award_form"]["name"]},
        "achievement": a["achievement"] or "", "rank": a["rank"],
    } for a in snapshot["awardees"]]
    if day is not None and awardees:
        # The definition may date its multipliers; give the prize rules the one in force.
        forms = []
        for form in campaign.award_forms:
            multiplier = round_ops.multiplier_on(form, day)
            forms.append({k: v for k, v in form.items() if k not in ("multiplier", "multipliers")}
                         | ({"multiplier": multiplier} if multiplier is not None else {}))
        try:
            awardees = apply_prizes(awardees, day, forms, salaries=salary_table(),
                                    rounding=current_app.config["PRIZE_ROUNDING"])
        except PrizeError as error:
            raise ValidationFailed(f"Chưa tính được tiền thưởng: {error}", code="prize_unavailable") from None
    return {
        "campaign": {**snapshot["campaign"], "legal_bases": list(snapshot["campaign"]["legal_bases"] or [])},
        "round": {"name": snapshot["round"]["title"]},
        "proposal": {"number": snapshot["proposal"]["serial"], "date": snapshot["proposal"]["date"]},
        "decision": {
            "number": snapshot["decision"]["serial"], "date": snapshot["decision"]["date"] or day,
            "signer_title": authority.signature_title, "signer_name": authority.signer_name,
            "signer_authority": "" if authority.signature_authority.startswith("TM.") else
            authority.signature_authority,
            "funding_source": f"nguồn kinh phí thi đua, khen thưởng của {authority.name}",
        },
        "awardees": awardees,
    }


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
        content = award_builders.render_campaign_document(kind, snapshot,
                                                          template=uploaded[1] if uploaded else None)
    except DocumentDataError as error:
        raise ValidationFailed(f"Chưa tạo được {_lower_first(ROUND_DOCUMENT_TITLES[kind])}: {error}",
                               code="document_data_incomplete") from None
    return content, f"{DOCX_NAMES[kind]}_dot{round_.id}.docx"


def ranking_workbook(round_: CampaignRound) -> tuple[bytes, str]:
    """The round's ranking as an .xlsx: every nominee, its rank, selection and reason."""
    listing = round_ops.round_ranking(round_)
    metrics = round_ops.metric_columns(round_.campaign)
    rows = [{
        "rank": r["rank"], "kind": r["kind"], "full_name": r["full_name"], "unit_name": r["unit"].name,
        "metrics": r["values"], "note": "Được chọn" if r["is_selected"] else (r["reason"] or "Không được chọn"),
    } for r in listing["nominees"]]
    return excel.export_ranking(rows, metrics), f"xep_hang_dot{round_.id}.xlsx"


def awardees_workbook(round_: CampaignRound, snapshot: dict[str, Any] | None = None) -> tuple[bytes, str]:
    """The awardees with their prize money as an .xlsx."""
    snapshot = snapshot if snapshot is not None else award_snapshot(round_)
    return excel.export_awardees(snapshot["awardees"]), f"khen_thuong_dot{round_.id}.xlsx"
