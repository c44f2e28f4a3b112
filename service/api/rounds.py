"""JSON handlers for campaign definitions (admin) and the standing agency's rounds.

Same shape as ``handlers``: load, check access, call one operation, dump.
A round is shown only to the standing agency's reviewers, the authority's
approvers and administrators; anyone else is told it does not exist (404).
"""
from __future__ import annotations

from flask import request

import workflows

from .. import access, audit
from ..campaigns.schema import ROUND_KIND_LABELS
from ..errors import NotFound, ValidationFailed
from ..lookup import requires, with_campaign, with_round
from ..models import CampaignRound, RoundEvent, User
from ..operations import campaigns as campaign_ops
from ..operations import officials as official_ops
from ..operations import rounds as round_ops
from ..schemas.dossiers import HistoryArgs
from ..schemas.officials import RoundSignerOut, SignerIn
from ..schemas.rounds import (
    MAX_DEFINITION_BYTES, CampaignLoadOut, OverrideIn, RankingArgs, RankingOut, RoundBriefOut, RoundDecisionIn,
    RoundDecisionOut, RoundEventOut, RoundOut, RoundTransitionIn,
)
from .handlers import authenticate_request
from .parsing import Blueprint

blp = Blueprint("rounds", __name__, url_prefix="/api/v1",
                description="Phong trào theo tệp định nghĩa; đợt khen thưởng tại cơ quan thường trực")

YAML_TYPES = ("application/yaml", "application/x-yaml", "text/yaml", "text/x-yaml", "text/plain")

# As for the other handlers: the token is checked before the body is read.
blp.before_request(authenticate_request)


# --- campaign definitions ------------------------------------------------------------

def _definition_text() -> tuple[str, str]:
    """The YAML of the request: an uploaded file (field "file") or the body itself."""
    upload = request.files.get("file")
    if upload is not None:
        raw, origin = upload.read(MAX_DEFINITION_BYTES + 1), upload.filename or "tệp tải lên"
    elif request.mimetype in YAML_TYPES:
        raw, origin = request.get_data(cache=False), "nội dung yêu cầu"
    else:
        raise ValidationFailed(
            "Gửi tệp định nghĩa YAML trong nội dung yêu cầu (Content-Type: application/yaml) hoặc tải lên "
            "trong trường “file” (multipart/form-data).", fields={"file": ["Thiếu tệp định nghĩa."]},
            code="definition_missing")
    if len(raw) > MAX_DEFINITION_BYTES:
        raise ValidationFailed(f"Tệp định nghĩa lớn quá {MAX_DEFINITION_BYTES // 1024} KB.",
                               fields={"file": ["Tệp quá lớn."]}, code="definition_too_large")
    try:
        return raw.decode("utf-8-sig"), origin
    except UnicodeDecodeError:
        raise ValidationFailed("Tệp định nghĩa phải được mã hóa UTF-8.", fields={"file": ["Không phải UTF-8."]},
                               code="definition_encoding") from None


@blp.route("/admin/campaigns", methods=["POST"])
@blp.doc(requestBody={
    "description": "Tệp định nghĩa phong trào (YAML), gửi thẳng hoặc tải lên trong trường “file”.",
    "required": True,
    "content": {
        "application/yaml": {"schema": {"type": "string"}},
        "multipart/form-data": {"schema": {"type": "object", "properties": {
            "file": {"type": "string", "format": "binary"}}}},
    },
})
@blp.response(201, CampaignLoadOut)
@blp.documented_errors(401, 403, 409, 413, 422)
@requires(access.can_manage_campaigns, "Chỉ quản trị hệ thống mới được nạp định nghĩa phong trào.")
def load_campaign(user):
    """Nạp phong trào từ tệp định nghĩa YAML (chỉ quản trị hệ thống); lỗi nêu tên trường và số dòng."""
    text, origin = _definition_text()
    result = campaign_ops.load_campaign(user, text, origin=origin)
    return {"campaign": result.campaign, "created_units": result.created_units,
            "existing_units": result.existing_units, "definition_sha256": result.campaign.definition_sha256}


# --- rounds -------------------------------------------------------------------------

@blp.route("/campaigns/<int:campaign_id>/rounds")
@blp.response(200, RoundBriefOut(many=True))
@blp.documented_errors(401, 404)
@with_campaign(visible=access.can_view_round)
def list_rounds(user, campaign):
    """Các đợt khen thưởng của một phong trào (cơ quan thường trực, cấp có thẩm quyền)."""
    return list(campaign.rounds)


def _round_detail(user: User, round_: CampaignRound) -> dict:
    counts = round_ops.dossier_counts(round_)
    return {
        **{column: getattr(round_, column) for column in (
            "id", "campaign_id", "code", "kind", "title", "position", "period_start", "period_end", "deadline",
            "accepts_late", "state", "version", "quotas", "requirements", "proposal_number", "proposal_date",
            "decision_number", "decision_date")},
        "kind_label": ROUND_KIND_LABELS[round_.kind], "campaign_title": round_.campaign.title,
        "dossier_counts": [{"state": s.name, "state_label": s.label, "count": counts.get(s.name, 0)}
                           for s in workflows.WORKFLOW.states if counts.get(s.name)],
        "dossier_total": sum(counts.values()),
        "transitions": round_ops.available_round_transitions(user, round_),
    }


@blp.route("/rounds/<int:round_id>")
@blp.response(200, RoundOut)
@blp.documented_errors(401, 404)
@with_round()
def get_round(user, round_):
    """Một đợt khen thưởng: trạng thái, hạn nộp, số hồ sơ theo trạng thái, thao tác được làm."""
    return _round_detail(user, round_)


@blp.route("/rounds/<int:round_id>/ranking")
@blp.arguments(RankingArgs, location="query")
@blp.response(200, RankingOut)
@blp.documented_errors(401, 404, 422)
@with_round()
def get_ranking(args, user, round_):
    """Bảng xếp hạng của đợt, theo trang (page, per_page; lọc một nhóm bằng group): ai được chọn, thứ tự,
    ai không được chọn và vì sao. Danh sách được tính một lần cho mỗi lần dữ liệu của đợt thay đổi."""
    return round_ops.round_ranking(round_, group=args.get("group"), page=args["page"], per_page=args["per_page"])


def _event(event: RoundEvent) -> dict:
    label = round_ops.state_label
    return {
        "id": event.id, "round_id": event.round_id, "trigger": event.trigger,
        "trigger_label": round_ops.event_label(event.trigger), "from_state": event.from_state,
        "to_state": event.to_state, "from_state_label": label(event.from_state),
        "to_state_label": label(event.to_state), "actor_id": event.actor_id, "actor_name": event.actor.full_name,
        "actor_role": event.actor_role, "comment": event.comment, "details": event.details or {},
        "created_at": event.created_at,
    }


@blp.route("/rounds/<int:round_id>/transitions", methods=["POST"])
@blp.arguments(RoundTransitionIn)
@blp.response(201, RoundEventOut)
@blp.documented_errors(401, 403, 404, 409, 422)
@with_round()
def fire_round_transition(data, user, round_):
    """Chuyển trạng thái đợt (tổng hợp, trình, trả lại, quyết định, kết thúc); gửi kèm expected_state."""
    event = round_ops.fire_round_transition(
        user, round_, data["trigger"], expected_state=data["expected_state"], comment=data.get("comment"),
        proposal_number=data.get("proposal_number"), proposal_date=data.get("proposal_date"),
        decision_number=data.get("decision_number"), decision_date=data.get("decision_date"))
    return _event(event)


def _decision(decision: dict) -> dict:
    return {"authority_code": decision["authority"]["code"], "authority_name": decision["authority"]["name"],
            "is_campaign_authority": decision["is_campaign_authority"], "number": decision["number"],
            "decision_date": decision["date"], "awardee_count": decision["awardee_count"]}


@blp.route("/rounds/<int:round_id>/decisions")
@blp.response(200, RoundDecisionOut(many=True))
@blp.documented_errors(401, 404)
@with_round()
def list_round_decisions(user, round_):
    """Các quyết định của đợt, mỗi cấp quyết định một quyết định: cấp của phong trào (ghi ở bước “Quyết định
    khen thưởng”) và các cấp khác quyết định một số hình thức của đợt (ghi riêng)."""
    return [_decision(d) for d in round_ops.round_decisions(round_)]


@blp.route("/rounds/<int:round_id>/decisions/<string:authority_code>", methods=["PUT"])
@blp.arguments(RoundDecisionIn)
@blp.response(200, RoundDecisionOut)
@blp.documented_errors(401, 403, 404, 409, 422)
@with_round()
def record_round_decision(data, user, round_, authority_code):
    """Ghi số và ngày ký quyết định của một cấp khác cấp của phong trào (khi các hình thức của đợt do nhiều
    cấp quyết định)."""
    return _decision(round_ops.record_round_decision(user, round_, authority_code, data["number"],
                                                     data["decision_date"]))


@blp.route("/rounds/<int:round_id>/overrides", methods=["POST"])
@blp.arguments(OverrideIn)
@blp.response(201, RoundEventOut)
@blp.documented_errors(401, 403, 404, 409, 422)
@with_round()
def override_selection(data, user, round_):
    """Điều chỉnh việc chọn một tập thể, cá nhân (kèm lý do); selected = null để bỏ điều chỉnh."""
    event = round_ops.override_selection(user, round_, data["nominee_id"], data["selected"], data["reason"])
    return _event(event)


@blp.route("/rounds/<int:round_id>/history")
@blp.arguments(HistoryArgs, location="query")
@blp.response(200, RoundEventOut(many=True))
@blp.documented_errors(401, 404, 422)
@with_round()
def round_history(args, user, round_):
    """Lịch sử đợt: chuyển trạng thái và điều chỉnh danh sách, ai làm, lúc nào, vì sao; với include=changes,
    kèm các thay đổi dữ liệu của đợt và của phong trào (mẫu văn bản, tệp định nghĩa)."""
    return audit.timeline([_event(e) for e in round_ops.round_history(round_)],
                          audit.round_changes(round_) if args.get("include") == "changes" else [])


# --- who signs the round's documents ----------------------------------------------------------------

def _signer(part: str, signer: official_ops.Signer) -> dict:
    return {"document": part, "title": official_ops.ROUND_PARTS[part]["title"],
            "official_id": signer.official.id if signer.official is not None else None,
            "authority": signer.authority, "full_name": signer.block["signer_name"],
            "lines": signer.describe().split(" / ")}


@blp.route("/rounds/<int:round_id>/signers")
@blp.response(200, RoundSignerOut(many=True))
@blp.documented_errors(401, 404, 422)
@with_round()
def round_signers(user, round_):
    """Người ký tờ trình tổng hợp (cơ quan thường trực) và quyết định, giấy khen (cấp có thẩm quyền)."""
    return [_signer(part, official_ops.round_signer(round_, part)) for part in official_ops.ROUND_PARTS]


@blp.route("/rounds/<int:round_id>/signers/<string:part>", methods=["PUT"])
@blp.arguments(SignerIn)
@blp.response(200, RoundSignerOut)
@blp.documented_errors(401, 403, 404, 422)
@with_round()
def choose_round_signer(data, user, round_, part):
    """Chọn người ký (part: proposal hoặc decision) trong danh sách người ký của đơn vị ban hành, với thẩm quyền
    ký (TM., KT., Q., TL., TUQ.); người của đơn vị khác bị từ chối."""
    if part not in official_ops.ROUND_PARTS:
        raise NotFound("Không có văn bản này của đợt khen thưởng (proposal hoặc decision).")
    return _signer(part, official_ops.choose_round_signer(user, round_, part, data))
