"""Input and output schemas of users, units, campaigns and dossiers.

Input schemas end in ``In`` and refuse unknown fields; output schemas end in
``Out``. Every message a user can see is Vietnamese. The JSON API reads and
writes with them; the pages check their forms with the same input schemas.
"""
from __future__ import annotations

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import GENDERS, NOMINEE_KINDS, VOTING_METHODS
from .base import DATE_RANGE, SMALL_POSITIVE, TIME_RANGE, BaseSchema, StrictBoolean, Text, one_of
from .officials import SignerIn, SignerOut

# --- auth ------------------------------------------------------------------------

class TokenIn(BaseSchema):
    username = Text(required=True, max_length=64, allow_blank=False)
    password = fields.String(required=True, validate=validate.Length(min=1, max=256,
                                                                       error="Mật khẩu dài từ 1 đến 256 ký tự."))


class TokenOut(Schema):
    access_token = fields.String()
    token_type = fields.String()
    expires_at = fields.DateTime()


class UnitOut(Schema):
    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    name = fields.String()
    short_name = fields.String()
    parent_id = fields.Integer(allow_none=True)
    managing_body = fields.String()
    issuing_body = fields.String()
    place_name = fields.String()
    abbreviation = fields.String()


class MeOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    role_label = fields.String()
    unit = fields.Nested(UnitOut)


# --- campaigns ---------------------------------------------------------------------

class AwardFormOut(Schema):
    code = fields.String()
    name = fields.String()
    nominee_kinds = fields.List(fields.String())
    vote_rule = fields.Dict()


class MetricOut(Schema):
    code = fields.String()
    label = fields.String()
    unit = fields.String(allow_none=True)
    higher_is_better = fields.Boolean()
    required = fields.Boolean()
    nominee_kinds = fields.List(fields.String())


class CampaignOut(Schema):
    id = fields.Integer()
    code = fields.String()
    title = fields.String()
    plan_number = fields.String()
    plan_date = fields.Date()
    issuer = fields.Nested(UnitOut)
    period_start = fields.Date()
    period_end = fields.Date()
    submission_deadline = fields.Date()
    accepts_late = fields.Boolean()
    standing_agency = fields.Nested(UnitOut)
    authority = fields.Nested(UnitOut)
    award_name = fields.String()
    award_forms = fields.List(fields.Nested(AwardFormOut))
    metrics = fields.List(fields.Nested(MetricOut))
    legal_bases = fields.List(fields.String())
    plan_type = fields.String()
    # Values the service computes from the typed figures (rates, attainment of targets).
    derived_metrics = fields.List(fields.Nested(MetricOut))
    participants = fields.Dict()
    rounds = fields.List(fields.Nested(lambda: CampaignRoundOut()))


class CampaignRoundOut(Schema):
    """What every user may know of a round: which one to send a dossier to, and until when."""

    id = fields.Integer()
    code = fields.String()
    kind = fields.String()
    title = fields.String()
    period_start = fields.Date()
    period_end = fields.Date()
    deadline = fields.Date()
    accepts_late = fields.Boolean()
    state = fields.String()


# --- dossiers -----------------------------------------------------------------------

class DossierCreateIn(BaseSchema):
    campaign_id = fields.Integer(required=True, strict=True, validate=SMALL_POSITIVE)
    # Needed only when several rounds of the campaign take dossiers at once.
    round_id = fields.Integer(strict=True, validate=SMALL_POSITIVE)


class DossierUpdateIn(BaseSchema):
    expected_version = fields.Integer(required=True, strict=True, validate=SMALL_POSITIVE)
    to_trinh_number = fields.Integer(allow_none=True, strict=True, validate=SMALL_POSITIVE)
    bien_ban_number = fields.Integer(allow_none=True, strict=True, validate=SMALL_POSITIVE)
    to_trinh_date = fields.Date(allow_none=True, validate=DATE_RANGE)
    recipients = fields.List(Text(max_length=255), validate=validate.Length(
        min=1, max=20, error="Cần từ {min} đến {max} nơi nhận."))


class FigureValue(fields.Field):
    """A figure as typed: integers stay integers, decimals stay decimals; text and booleans are refused."""

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValidationError("Phải là một số.")
        if value != value or value in (float("inf"), float("-inf")):
            raise ValidationError("Không chấp nhận NaN hoặc vô cực.")
        if abs(value) > 1e12:
            raise ValidationError("Số quá lớn.")
        return value


class MetricValues(fields.Dict):
    """Metric code → number; the campaign decides which codes exist."""

    def __init__(self, **kwargs):
        super().__init__(keys=Text(max_length=64, allow_blank=False), values=FigureValue(), **kwargs)


class NomineeIn(BaseSchema):
    kind = fields.String(required=True, validate=one_of(NOMINEE_KINDS, "collective (tập thể), individual (cá nhân)"))
    full_name = Text(required=True, max_length=255, allow_blank=False)
    gender = fields.String(allow_none=True, validate=one_of(GENDERS, "male (nam), female (nữ)"))
    position = Text(allow_none=True, max_length=255)
    workplace = Text(allow_none=True, max_length=255)
    is_leader = StrictBoolean()
    award_form = Text(required=True, max_length=64, allow_blank=False)
    metrics = MetricValues(data_key="metrics", attribute="metric_values")
    achievement_summary = Text(allow_none=True, multiline=True, max_length=10_000)
    person_id = fields.Integer(allow_none=True, validate=SMALL_POSITIVE, metadata={
        "description": "Người trong sổ cá nhân, tập thể của đơn vị (GET /api/v1/people); bỏ trống: tìm theo tên "
                      "hoặc ghi mới vào sổ."})


class NomineeUpdateIn(NomineeIn):
    expected_version = fields.Integer(required=True, strict=True, validate=SMALL_POSITIVE)
    kind = fields.String(validate=one_of(NOMINEE_KINDS, "collective (tập thể), individual (cá nhân)"))
    full_name = Text(max_length=255, allow_blank=False)
    award_form = Text(max_length=64, allow_blank=False)


class NomineeDeleteArgs(BaseSchema):
    expected_version = fields.Integer(validate=SMALL_POSITIVE)


class NomineeOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer(allow_none=True)
    kind = fields.String()
    full_name = fields.String()
    gender = fields.String(allow_none=True)
    position = fields.String()
    workplace = fields.String()
    is_leader = fields.Boolean()
    award_form = fields.String()
    metrics = fields.Dict(attribute="metric_values")
    achievement_summary = fields.String()
    version = fields.Integer()
    missing_fields = fields.List(fields.String())


class AbsenteeIn(BaseSchema):
    name = Text(required=True, max_length=128, allow_blank=False)
    reason = Text(max_length=500)
    written_opinion = Text(allow_none=True, multiline=True, max_length=2000)


class VoteIn(BaseSchema):
    nominee_id = fields.Integer(required=True, strict=True, validate=SMALL_POSITIVE)
    votes_in_favour = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=10_000, error="Số phiếu phải từ {min} đến {max}."))


class MeetingIn(BaseSchema):
    started_at = fields.AwareDateTime(required=True, validate=TIME_RANGE)
    ended_at = fields.AwareDateTime(allow_none=True, validate=TIME_RANGE)
    place = Text(required=True, max_length=255, allow_blank=False)
    chair_name = Text(required=True, max_length=128, allow_blank=False)
    chair_gender = fields.String(allow_none=True, validate=one_of(GENDERS, "male (nam), female (nữ)"))
    chair_position = Text(max_length=255)
    secretary_name = Text(required=True, max_length=128, allow_blank=False)
    secretary_gender = fields.String(allow_none=True, validate=one_of(GENDERS, "male (nam), female (nữ)"))
    secretary_position = Text(max_length=255)
    total_members = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1000, error="Tổng số thành viên phải từ {min} đến {max}."))
    present_members = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=1000, error="Số thành viên có mặt phải từ {min} đến {max}."))
    absentees = fields.List(fields.Nested(AbsenteeIn), validate=validate.Length(max=1000))
    voting_method = fields.String(required=True, validate=one_of(
        VOTING_METHODS, "show_of_hands (giơ tay), secret_ballot (bỏ phiếu kín)"))
    votes = fields.List(fields.Nested(VoteIn), validate=validate.Length(max=10_000))

    @validates_schema
    def _present_within_total(self, data, **kwargs):
        if data.get("present_members", 0) > data.get("total_members", 10**9):
            raise ValidationError("Số thành viên có mặt không được lớn hơn tổng số thành viên.",
                                  field_name="present_members")


class VoteOut(Schema):
    nominee_id = fields.Integer()
    votes_in_favour = fields.Integer()
    vote_percent = fields.Float(allow_none=True)
    passed = fields.Boolean(allow_none=True)


class MeetingOut(Schema):
    started_at = fields.DateTime()
    ended_at = fields.DateTime(allow_none=True)
    place = fields.String()
    chair_name = fields.String()
    chair_gender = fields.String(allow_none=True)
    chair_position = fields.String()
    secretary_name = fields.String()
    secretary_gender = fields.String(allow_none=True)
    secretary_position = fields.String()
    total_members = fields.Integer()
    present_members = fields.Integer()
    absentees = fields.List(fields.Dict())
    voting_method = fields.String()
    quorum_reached = fields.Boolean()
    votes = fields.List(fields.Nested(VoteOut))


class DossierOut(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    round_id = fields.Integer()
    unit = fields.Nested(UnitOut)
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    content_revision = fields.Integer()
    is_late = fields.Boolean()
    to_trinh_number = fields.Integer(allow_none=True)
    to_trinh_date = fields.Date(allow_none=True)
    bien_ban_number = fields.Integer(allow_none=True)
    recipients = fields.List(fields.String())
    decision_number = fields.String(allow_none=True)
    decision_date = fields.Date(allow_none=True)
    submitted_at = fields.DateTime(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    nominees = fields.List(fields.Nested(NomineeOut))
    meeting = fields.Nested(MeetingOut, allow_none=True)


class DossierSummaryOut(Schema):
    id = fields.Integer()
    campaign_id = fields.Integer()
    round_id = fields.Integer()
    unit = fields.Nested(UnitOut)
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    is_late = fields.Boolean()
    submitted_at = fields.DateTime(allow_none=True)
    updated_at = fields.DateTime()


# A list of dossiers comes a page at a time; the response stays a JSON array (as before paging) and its headers
# say how many there are in all and where the next page is.
DOSSIER_PAGE_SIZE = 100
DOSSIER_PAGE_SIZE_MAX = 500


class DossierListArgs(BaseSchema):
    campaign_id = fields.Integer(strict=False, validate=SMALL_POSITIVE)
    state = fields.String(validate=validate.Length(max=32))
    page = fields.Integer(strict=False, load_default=1, validate=SMALL_POSITIVE,
                          metadata={"description": "Trang cần lấy, bắt đầu từ 1."})
    page_size = fields.Integer(strict=False, load_default=DOSSIER_PAGE_SIZE,
                               validate=validate.Range(min=1, max=DOSSIER_PAGE_SIZE_MAX,
                                                       error="Phải từ {min} đến {max}."),
                               metadata={"description": f"Số hồ sơ mỗi trang (mặc định {DOSSIER_PAGE_SIZE})."})


class TransitionIn(BaseSchema):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=64,
                                                                    error="Tên thao tác dài từ 1 đến 64 ký tự."))
    expected_state = fields.String(required=True, validate=validate.Length(min=1, max=32,
                                                                           error="Trạng thái dài từ 1 đến 32 ký tự."))
    comment = Text(allow_none=True, multiline=True, max_length=5000)
    decision_number = Text(allow_none=True, max_length=64)
    decision_date = fields.Date(allow_none=True, validate=DATE_RANGE)


class AvailableTransitionOut(Schema):
    trigger = fields.String()
    label = fields.String()
    to_state = fields.String()
    to_state_label = fields.String()
    allowed = fields.Boolean()
    reasons = fields.List(fields.String())
    needs_comment = fields.Boolean()
    required_fields = fields.List(fields.String())


class TransitionsOut(Schema):
    state = fields.String()
    state_label = fields.String()
    version = fields.Integer()
    transitions = fields.List(fields.Nested(AvailableTransitionOut))


class ChangedFieldOut(Schema):
    field = fields.String()
    label = fields.String()
    old = fields.String()
    new = fields.String()


class HistoryArgs(BaseSchema):
    include = fields.String(validate=validate.OneOf(["changes"], error="Chỉ nhận include=changes."),
                            metadata={"description": "changes: kèm mọi thay đổi dữ liệu (sổ ghi thay đổi), "
                                                     "xếp chung theo thời gian"})


class HistoryEventOut(Schema):
    """A timeline entry: a workflow step (kind "transition") or, with include=changes, a change of data
    (kind "change": action, subject, changes {field: {old, new}}, changed_fields); both carry a sentence."""

    kind = fields.String()
    sentence = fields.String()
    id = fields.Integer()
    trigger = fields.String()
    trigger_label = fields.String()
    from_state = fields.String()
    to_state = fields.String()
    from_state_label = fields.String()
    to_state_label = fields.String()
    actor_id = fields.Integer(allow_none=True)
    actor_name = fields.String()
    actor_role = fields.String()
    comment = fields.String()
    details = fields.Dict()
    created_at = fields.DateTime()
    action = fields.String()
    action_label = fields.String()
    target_type = fields.String()
    target_id = fields.Integer(allow_none=True)
    dossier_id = fields.Integer(allow_none=True)
    subject = fields.String()
    changes = fields.Dict()
    changed_fields = fields.List(fields.Nested(ChangedFieldOut))


class DocumentOut(Schema):
    kind = fields.String()
    title = fields.String()
    version = fields.Integer()
    content_revision = fields.Integer()
    sha256 = fields.String()
    size = fields.Integer()
    template_name = fields.String()
    is_frozen = fields.Boolean()
    is_current = fields.Boolean()
    created_by = fields.String()
    created_at = fields.DateTime()
    download_url = fields.String()
    signer = fields.Nested(SignerOut, allow_none=True)


class DocumentsGenerateIn(BaseSchema):
    kinds = fields.List(fields.String(validate=one_of(("bien_ban", "to_trinh", "danh_sach"),
                                                       "bien_ban, to_trinh, danh_sach")))
    signer = fields.Nested(SignerIn, metadata={"description": "Người ký tờ trình và danh sách; bỏ trống: người ký "
                                                              "của lần tạo trước, hoặc thủ trưởng đơn vị."})


class DocumentDownloadArgs(BaseSchema):
    version = fields.Integer(validate=SMALL_POSITIVE)



class PrizeOut(Schema):
    multiplier = fields.Float()
    amount = fields.Integer(metadata={"description": "Tiền thưởng (đồng), đã làm tròn"})
    raw_amount = fields.Integer(metadata={"description": "Tiền thưởng trước khi làm tròn (đồng)"})


class OutcomeAwardFormOut(Schema):
    code = fields.String()
    name = fields.String()


class NomineeOutcomeOut(Schema):
    nominee_id = fields.Integer()
    kind = fields.String()
    full_name = fields.String()
    award_form = fields.Nested(OutcomeAwardFormOut)
    result = fields.String(metadata={"description": "awarded, not_chosen hoặc pending"})
    result_label = fields.String()
    prize = fields.Nested(PrizeOut, allow_none=True)
    reason_code = fields.String(allow_none=True)
    reason_label = fields.String()
    reason = fields.String()
    comment = fields.String()


class DecisionOut(Schema):
    scope = fields.String(metadata={"description": "round (quyết định của đợt) hoặc dossier (quyết định riêng)"})
    scope_label = fields.String()
    number = fields.String()
    date = fields.Date()
    round_title = fields.String()


class OutcomeDownloadsOut(Schema):
    decision = fields.Boolean()
    certificates = fields.Boolean()


class DossierOutcomeOut(Schema):
    dossier_id = fields.Integer()
    state = fields.String()
    is_settled = fields.Boolean()
    decision = fields.Nested(DecisionOut, allow_none=True)
    nominees = fields.List(fields.Nested(NomineeOutcomeOut))
    awarded_count = fields.Integer()
    not_chosen_count = fields.Integer()
    total_prize = fields.Integer()
    prize_problem = fields.String()
    can_download = fields.Nested(OutcomeDownloadsOut)
