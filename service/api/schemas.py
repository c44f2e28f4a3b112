"""Input and output schemas of the JSON API.

Input schemas end in ``In`` and refuse unknown fields; output schemas end in
``Out``. Every message a user can see is Vietnamese.
"""
from __future__ import annotations

import datetime as dt
import unicodedata

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..models import GENDERS, NOMINEE_KINDS, VOTING_METHODS
from ..text import describe_character, find_control_character

# Marshmallow's own messages are English; these replace them for every field.
_VI_FIELD_MESSAGES = {
    fields.Field: {"required": "Thiếu trường bắt buộc.", "null": "Không được để trống (null).",
                   "validator_failed": "Giá trị không hợp lệ."},
    fields.String: {"invalid": "Phải là một chuỗi ký tự."},
    fields.Integer: {"invalid": "Phải là một số nguyên."},
    fields.Number: {"invalid": "Phải là một số.", "too_large": "Số quá lớn."},
    fields.Float: {"special": "Không chấp nhận NaN hoặc vô cực."},
    fields.Boolean: {"invalid": "Phải là true hoặc false."},
    fields.DateTime: {"invalid": "Phải là ngày giờ dạng ISO 8601 (ví dụ 2024-12-02T08:00:00+07:00).",
                      "invalid_awareness": "Phải ghi rõ múi giờ (ví dụ +07:00).",
                      "format": "Không định dạng được ngày giờ."},
    fields.Date: {"invalid": "Phải là ngày dạng YYYY-MM-DD.", "format": "Không định dạng được ngày."},
    fields.List: {"invalid": "Phải là một danh sách."},
    fields.Nested: {"type": "Phải là một đối tượng."},
    fields.Dict: {"invalid": "Phải là một đối tượng (khóa: giá trị)."},
}
for _field_class, _messages in _VI_FIELD_MESSAGES.items():
    _field_class.default_error_messages = {**_field_class.default_error_messages, **_messages}


class StrictBoolean(fields.Boolean):
    """JSON true or false only; marshmallow would also take 1, "yes" or "on"."""

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid", input=value)
        return value


class BaseSchema(Schema):
    error_messages = {"unknown": "Trường không được hỗ trợ.", "type": "Dữ liệu phải là một đối tượng JSON."}


class Text(fields.String):
    """A string stored in Unicode NFC, with no control characters.

    ``multiline`` keeps line breaks (achievement summaries, opinions).
    """

    def __init__(self, *args, multiline: bool = False, max_length: int = 255, allow_blank: bool = True,
                 **kwargs):
        self.multiline = multiline
        self.max_length = max_length
        self.allow_blank = allow_blank
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        text = super()._deserialize(value, attr, data, **kwargs)
        if self.multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n")
        text = unicodedata.normalize("NFC", text).strip()
        bad = find_control_character(text, multiline=self.multiline)
        if bad is not None:
            raise ValidationError(f"Chứa ký tự điều khiển không được phép ({describe_character(bad)}).")
        if len(text) > self.max_length:
            raise ValidationError(f"Dài quá {self.max_length} ký tự (hiện có {len(text)}).")
        if not self.allow_blank and not text:
            raise ValidationError("Không được để trống.")
        return text


def _one_of(choices, labels: str) -> validate.OneOf:
    return validate.OneOf(choices, error=f"Phải là một trong: {labels}.")


_SMALL_POSITIVE = validate.Range(min=1, max=1_000_000, error="Phải từ {min} đến {max}.")
_DATE_RANGE = validate.Range(min=dt.date(1945, 9, 2),
                             max=dt.date(2100, 12, 31),
                             error="Ngày phải nằm trong khoảng {min} đến {max}.")
# Also keeps times clear of the calendar's ends, where converting to UTC would overflow.
_TIME_RANGE = validate.Range(min=dt.datetime(1945, 9, 2, tzinfo=dt.timezone.utc),
                             max=dt.datetime(2100, 12, 31, tzinfo=dt.timezone.utc),
                             error="Thời gian phải trong khoảng {min} đến {max}.")


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
    campaign_id = fields.Integer(required=True, strict=True, validate=_SMALL_POSITIVE)
    # Needed only when several rounds of the campaign take dossiers at once.
    round_id = fields.Integer(strict=True, validate=_SMALL_POSITIVE)


class DossierUpdateIn(BaseSchema):
    expected_version = fields.Integer(required=True, strict=True, validate=_SMALL_POSITIVE)
    to_trinh_number = fields.Integer(allow_none=True, strict=True, validate=_SMALL_POSITIVE)
    bien_ban_number = fields.Integer(allow_none=True, strict=True, validate=_SMALL_POSITIVE)
    to_trinh_date = fields.Date(allow_none=True, validate=_DATE_RANGE)
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
    kind = fields.String(required=True, validate=_one_of(NOMINEE_KINDS, "collective (tập thể), individual (cá nhân)"))
    full_name = Text(required=True, max_length=255, allow_blank=False)
    gender = fields.String(allow_none=True, validate=_one_of(GENDERS, "male (nam), female (nữ)"))
    position = Text(allow_none=True, max_length=255)
    workplace = Text(allow_none=True, max_length=255)
    is_leader = StrictBoolean()
    award_form = Text(required=True, max_length=64, allow_blank=False)
    metrics = MetricValues(data_key="metrics", attribute="metric_values")
    achievement_summary = Text(allow_none=True, multiline=True, max_length=10_000)


class NomineeUpdateIn(NomineeIn):
    expected_version = fields.Integer(required=True, strict=True, validate=_SMALL_POSITIVE)
    kind = fields.String(validate=_one_of(NOMINEE_KINDS, "collective (tập thể), individual (cá nhân)"))
    full_name = Text(max_length=255, allow_blank=False)
    award_form = Text(max_length=64, allow_blank=False)


class NomineeDeleteArgs(BaseSchema):
    expected_version = fields.Integer(validate=_SMALL_POSITIVE)


class NomineeOut(Schema):
    id = fields.Integer()
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
    nominee_id = fields.Integer(required=True, strict=True, validate=_SMALL_POSITIVE)
    votes_in_favour = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=10_000, error="Số phiếu phải từ {min} đến {max}."))


class MeetingIn(BaseSchema):
    started_at = fields.AwareDateTime(required=True, validate=_TIME_RANGE)
    ended_at = fields.AwareDateTime(allow_none=True, validate=_TIME_RANGE)
    place = Text(required=True, max_length=255, allow_blank=False)
    chair_name = Text(required=True, max_length=128, allow_blank=False)
    chair_gender = fields.String(allow_none=True, validate=_one_of(GENDERS, "male (nam), female (nữ)"))
    chair_position = Text(max_length=255)
    secretary_name = Text(required=True, max_length=128, allow_blank=False)
    secretary_gender = fields.String(allow_none=True, validate=_one_of(GENDERS, "male (nam), female (nữ)"))
    secretary_position = Text(max_length=255)
    total_members = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1000, error="Tổng số thành viên phải từ {min} đến {max}."))
    present_members = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=0, max=1000, error="Số thành viên có mặt phải từ {min} đến {max}."))
    absentees = fields.List(fields.Nested(AbsenteeIn), validate=validate.Length(max=1000))
    voting_method = fields.String(required=True, validate=_one_of(
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


class DossierListArgs(BaseSchema):
    campaign_id = fields.Integer(strict=False, validate=_SMALL_POSITIVE)
    state = fields.String(validate=validate.Length(max=32))


class TransitionIn(BaseSchema):
    trigger = fields.String(required=True, validate=validate.Length(min=1, max=64,
                                                                    error="Tên thao tác dài từ 1 đến 64 ký tự."))
    expected_state = fields.String(required=True, validate=validate.Length(min=1, max=32,
                                                                           error="Trạng thái dài từ 1 đến 32 ký tự."))
    comment = Text(allow_none=True, multiline=True, max_length=5000)
    decision_number = Text(allow_none=True, max_length=64)
    decision_date = fields.Date(allow_none=True, validate=_DATE_RANGE)


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


class DocumentsGenerateIn(BaseSchema):
    kinds = fields.List(fields.String(validate=_one_of(("bien_ban", "to_trinh", "danh_sach"),
                                                        "bien_ban, to_trinh, danh_sach")))


class DocumentDownloadArgs(BaseSchema):
    version = fields.Integer(validate=_SMALL_POSITIVE)


class ErrorBody(Schema):
    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict()
    request_id = fields.String()
    # Last: from here on the class body's ``fields`` is this field, not the module.
    fields = fields.Dict(required=True)


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)
