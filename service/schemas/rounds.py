"""Input and output schemas of campaign definitions and rounds.

Same conventions as ``dossiers``: inputs end in ``In`` and refuse unknown
fields, outputs end in ``Out``, every message is Vietnamese.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

import workflows

from .base import DATE_RANGE, BaseSchema, NullableBoolean, Text
from .dossiers import CampaignOut, HistoryEventOut, UnitOut

# --- campaign definitions -------------------------------------------------------

# A definition is a page or two of YAML; anything much larger is a mistake.
MAX_DEFINITION_BYTES = 512 * 1024


class DefinitionProblemOut(Schema):
    field = fields.String()
    line = fields.Integer(allow_none=True)
    message = fields.String()


class CampaignLoadOut(Schema):
    campaign = fields.Nested(CampaignOut)
    created_units = fields.List(fields.String())
    existing_units = fields.List(fields.String())
    definition_sha256 = fields.String()


# --- rounds ----------------------------------------------------------------------

class RoundBriefOut(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    title = fields.String()
    position = fields.Integer()
    period_start = fields.Date()
    period_end = fields.Date()
    deadline = fields.Date()
    accepts_late = fields.Boolean()
    state = fields.String()
    state_label = fields.Function(lambda r: workflows.ROUND_WORKFLOW.state_label(
        r["state"] if isinstance(r, dict) else r.state))
    version = fields.Integer()


class DossierCountOut(Schema):
    state = fields.String()
    state_label = fields.String()
    count = fields.Integer()


class AvailableRoundTransitionOut(Schema):
    trigger = fields.String()
    label = fields.String()
    to_state = fields.String()
    to_state_label = fields.String()
    allowed = fields.Boolean()
    reasons = fields.List(fields.String())
    needs_comment = fields.Boolean()
    required_fields = fields.List(fields.String())


class RoundOut(RoundBriefOut):
    kind_label = fields.String()
    campaign_title = fields.String()
    quotas = fields.Dict()
    requirements = fields.List(fields.Dict())
    proposal_number = fields.String(allow_none=True)
    proposal_date = fields.Date(allow_none=True)
    decision_number = fields.String(allow_none=True)
    decision_date = fields.Date(allow_none=True)
    dossier_counts = fields.List(fields.Nested(DossierCountOut))
    dossier_total = fields.Integer()
    transitions = fields.List(fields.Nested(AvailableRoundTransitionOut))


class MetricColumnOut(Schema):
    code = fields.String()
    label = fields.String()
    unit = fields.String()
    is_derived = fields.Boolean()
    higher_is_better = fields.Boolean()


class AwardFormBriefOut(Schema):
    code = fields.String()
    name = fields.String()


class RankedNomineeOut(Schema):
    nominee_id = fields.Integer()
    dossier_id = fields.Integer()
    dossier_state = fields.String()
    unit = fields.Nested(UnitOut)
    kind = fields.String()
    full_name = fields.String()
    gender = fields.String(allow_none=True)
    position = fields.String()
    workplace = fields.String()
    award_form = fields.Nested(AwardFormBriefOut)
    group = fields.String(allow_none=True)
    rank = fields.Integer(allow_none=True)
    list_order = fields.Integer(allow_none=True)
    is_selected = fields.Boolean()
    is_override = fields.Boolean()
    is_tied_at_cut = fields.Boolean()
    is_awarded = fields.Boolean()
    reason_code = fields.String(allow_none=True)
    reason_label = fields.String()
    reason = fields.String()
    values = fields.Dict()


#: Rows of the ranking per page unless ``per_page`` says otherwise, and at most.
RANKING_PAGE_SIZE = 100
RANKING_MAX_PAGE_SIZE = 1000


class RankingArgs(BaseSchema):
    page = fields.Integer(load_default=1, validate=validate.Range(
        min=1, max=1_000_000, error="Số trang từ 1 đến 1 000 000."), metadata={"description": "Trang, từ 1."})
    per_page = fields.Integer(load_default=RANKING_PAGE_SIZE, validate=validate.Range(
        min=1, max=RANKING_MAX_PAGE_SIZE, error=f"Mỗi trang từ 1 đến {RANKING_MAX_PAGE_SIZE} dòng."),
        metadata={"description": f"Số dòng mỗi trang (mặc định {RANKING_PAGE_SIZE}, "
                                 f"tối đa {RANKING_MAX_PAGE_SIZE})."})
    group = Text(max_length=255, metadata={"description": "Chỉ lấy một nhóm xét chọn (tên nhóm, như trong “groups”)."})


class RankingGroupOut(Schema):
    name = fields.String(allow_none=True)
    total = fields.Integer()
    selected_count = fields.Integer()


class RankingOut(Schema):
    """One page of the round's list; the counts and breaches are the whole round's."""

    round_id = fields.Integer()
    state = fields.String()
    is_frozen = fields.Boolean()
    selected_count = fields.Integer()
    quota_breaches = fields.List(fields.String())
    duplicate_people = fields.List(fields.String(), metadata={
        "description": "Mỗi người được chọn hơn một lần trong đợt (cùng họ tên, đơn vị công tác, giới tính)."})
    metrics = fields.List(fields.Nested(MetricColumnOut))
    nominees = fields.List(fields.Nested(RankedNomineeOut))
    total = fields.Integer(metadata={"description": "Số dòng của danh sách (của nhóm, nếu lọc theo nhóm)."})
    page = fields.Integer()
    per_page = fields.Integer()
    pages = fields.Integer()
    groups = fields.List(fields.Nested(RankingGroupOut), metadata={"description": "Các nhóm xét chọn của đợt."})


class RoundTransitionIn(BaseSchema):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=64,
                                                                    error="Tên thao tác dài từ 1 đến 64 ký tự."))
    expected_state = fields.String(required=True, validate=validate.Length(
        min=1, max=32, error="Trạng thái dài từ 1 đến 32 ký tự."))
    comment = Text(allow_none=True, multiline=True, max_length=5000)
    proposal_number = Text(allow_none=True, max_length=64)
    proposal_date = fields.Date(allow_none=True, validate=DATE_RANGE)
    decision_number = Text(allow_none=True, max_length=64)
    decision_date = fields.Date(allow_none=True, validate=DATE_RANGE)


class RoundDecisionIn(BaseSchema):
    number = Text(required=True, max_length=64, allow_blank=False,
                  metadata={"description": "Số quyết định, ví dụ 56/QĐ-UBND."})
    decision_date = fields.Date(required=True, validate=DATE_RANGE)


class RoundDecisionOut(Schema):
    """One deciding authority of a round: the campaign's own (recorded by "decide") or a further one."""

    authority_code = fields.String()
    authority_name = fields.String()
    is_campaign_authority = fields.Boolean()
    number = fields.String(allow_none=True)
    decision_date = fields.Date(allow_none=True)
    awardee_count = fields.Integer(metadata={"description": "Số tập thể, cá nhân có hình thức do cấp này quyết định."})


class RoundDocumentArgs(BaseSchema):
    authority = fields.String(load_default=None, validate=validate.Length(max=64, error="Mã đơn vị quá dài."),
                              metadata={"description": "Mã đơn vị quyết định (khi các hình thức của đợt do "
                                                       "nhiều cấp quyết định)."})
    # Which modes exist, and for which document, is the operation's rule: it names the choices when refusing.
    mode = Text(max_length=32, metadata={"description": "Chỉ với giấy khen (certificates): full (bản in đầy đủ, "
                                                        "mặc định), blank (in trên phôi) hoặc calibration "
                                                        "(trang căn chỉnh vị trí in trên phôi)."})


class OverrideIn(BaseSchema):
    nominee_id = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=2**63 - 1, error="Phải là một mã số dương."))
    selected = NullableBoolean(required=True, allow_none=True)
    reason = Text(required=True, multiline=True, max_length=2000, allow_blank=False)


class RoundEventOut(HistoryEventOut):
    """A step of a round: the same record as a dossier's history event, naming its round."""

    round_id = fields.Integer(allow_none=True)


__all__ = [
    "MAX_DEFINITION_BYTES", "AvailableRoundTransitionOut", "CampaignLoadOut", "DefinitionProblemOut", "OverrideIn",
    "RoundDecisionIn", "RoundDecisionOut", "RoundDocumentArgs",
    "RankingArgs", "RankingOut", "RoundBriefOut", "RoundEventOut", "RoundOut", "RoundTransitionIn",
]
