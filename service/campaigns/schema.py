"""The schema of a campaign definition file, with Vietnamese messages.

marshmallow checks the shape of each part (types, required fields, allowed
values); ``service.campaigns.definition`` then checks what refers to what
(a ranking that names an unknown metric, an authority that is not a unit)
and attaches the line of the file to every problem.
"""
from __future__ import annotations

import datetime as dt
import math
import re

from marshmallow import RAISE, Schema, ValidationError, fields, validate, validates_schema

from workflows.rules import default_vote_rule_dict, vote_rule_from_dict

from ..models import NOMINEE_KINDS, UNIT_KINDS
from ..text import Text as SharedText
from ..vocabulary import ROUND_KIND_LABELS, allowed_values, field_label, value_from_text, value_label

FORMAT_VERSION = 1

ROUND_KINDS = tuple(ROUND_KIND_LABELS)
PLAN_TYPES = ("Kế hoạch", "Công văn", "Quyết định", "Hướng dẫn", "Thông báo")

_CODE = re.compile(r"^[a-z][a-z0-9_]*$")
_SLUG = re.compile(r"^[a-z0-9][a-z0-9._-]*$")

_COMMON = {
    "required": "Thiếu trường bắt buộc.",
    "null": "Không được để trống.",
    "validator_failed": "Giá trị không hợp lệ.",
}


def _one_of(values: tuple[str, ...]) -> validate.OneOf:
    """One of a list of words that are Vietnamese already (a plan's type)."""
    return validate.OneOf(values, error=f"Phải là một trong: {', '.join(values)}.")


class Text(SharedText):
    """The service's one text field (see :class:`service.text.Text`), required to be non-blank by default."""

    default_error_messages = {**_COMMON, "invalid": "Phải là một chuỗi ký tự.", "blank": "Không được để trống."}

    def __init__(self, *args, allow_blank: bool = False, **kwargs):
        super().__init__(*args, allow_blank=allow_blank, **kwargs)


class Choice(fields.String):
    """One of a closed list of codes (``service.vocabulary.VALUE_LABELS[kind]``), written as the code or
    as its Vietnamese label; the code is what the definition keeps. Refusals list the labels."""

    default_error_messages = {**_COMMON, "invalid": "Phải là một chuỗi ký tự."}

    def __init__(self, kind: str, *args, codes: tuple[str, ...] | None = None, **kwargs):
        self.kind = kind
        self.codes = tuple(codes) if codes is not None else None
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        allowed = allowed_values(self.kind, self.codes)
        if not isinstance(value, str):
            raise ValidationError(f"Phải là một trong: {allowed}.")
        code = value_from_text(self.kind, value, self.codes)
        if code is None:
            raise ValidationError(f"Phải là một trong: {allowed} (tệp đang ghi “{' '.join(value.split())[:60]}”).")
        return code


class Code(fields.String):
    """A machine name: ``rate_bhxh`` (metrics, forms) or ``ubnd-lx`` (units, campaigns, rounds).

    A bare number (YAML reads ``code: 2024`` as an integer) is taken as text.
    """

    default_error_messages = {**_COMMON, "invalid": "Phải là một mã (chữ thường, chữ số)."}

    def __init__(self, *args, slug: bool = False, **kwargs):
        self.slug = slug
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, int) and not isinstance(value, bool) and self.slug:
            value = str(value)
        if not isinstance(value, str):
            raise self.make_error("invalid")
        pattern, example = (_SLUG, "ubnd-lx") if self.slug else (_CODE, "ty_le_bhxh")
        if len(value) > 64 or not pattern.match(value):
            raise ValidationError(
                f"Mã “{value}” không hợp lệ: chỉ dùng chữ thường không dấu, chữ số"
                f"{', dấu gạch ngang' if self.slug else ' và dấu gạch dưới'} (ví dụ “{example}”), tối đa 64 ký tự.")
        return value


class Day(fields.Field):
    """A calendar day: YAML's ``2024-11-15`` or the same text in quotes."""

    default_error_messages = {**_COMMON, "invalid": "Phải là ngày dạng YYYY-MM-DD (ví dụ 2024-11-15)."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, dt.datetime):
            raise ValidationError("Phải là một ngày, không kèm giờ (YYYY-MM-DD).")
        if isinstance(value, dt.date):
            day = value
        elif isinstance(value, str):
            try:
                day = dt.date.fromisoformat(value.strip())
            except ValueError:
                raise self.make_error("invalid") from None
        else:
            raise self.make_error("invalid")
        if not dt.date(1945, 9, 2) <= day <= dt.date(2100, 12, 31):
            raise ValidationError("Ngày phải nằm trong khoảng 02/09/1945 đến 31/12/2100.")
        return day


class Count(fields.Integer):
    default_error_messages = {**_COMMON, "invalid": "Phải là một số nguyên.", "too_large": "Số quá lớn."}

    def __init__(self, *args, **kwargs):
        kwargs.setdefault("strict", True)
        super().__init__(*args, **kwargs)


class Figure(fields.Field):
    """A number as written: integers stay integers; text, booleans, NaN and infinity are refused."""

    default_error_messages = {**_COMMON, "invalid": "Phải là một số."}

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.make_error("invalid")
        if isinstance(value, float) and not math.isfinite(value):
            raise ValidationError("Không chấp nhận NaN hoặc vô cực.")
        if abs(value) > 1e12:
            raise ValidationError("Số quá lớn.")
        return value


class Flag(fields.Field):
    """true or false, and nothing YAML 1.1 might have guessed (``yes``, ``on``) from a string."""

    default_error_messages = {**_COMMON, "invalid": "Phải là true hoặc false."}

    def _deserialize(self, value, attr, data, **kwargs):
        if not isinstance(value, bool):
            raise self.make_error("invalid")
        return value


class Items(fields.List):
    default_error_messages = {**_COMMON, "invalid": "Phải là một danh sách."}


class Part(fields.Nested):
    default_error_messages = {**_COMMON, "type": "Phải là một nhóm khóa: giá trị."}


class Mapping(fields.Dict):
    default_error_messages = {**_COMMON, "invalid": "Phải là một nhóm khóa: giá trị."}


class StrictSchema(Schema):
    class Meta:
        unknown = RAISE

    error_messages = {"unknown": "Trường không được hỗ trợ.", "type": "Phải là một nhóm khóa: giá trị."}


def _kinds(**kwargs) -> Items:
    return Items(Choice("nominee_kind", codes=NOMINEE_KINDS), validate=validate.Length(
        min=1, error="Cần ít nhất một giá trị."), **kwargs)


def _unit_kinds() -> Items:
    return Items(Choice("unit_kind", codes=UNIT_KINDS), load_default=list)


# --- parts ----------------------------------------------------------------------

class SignerSchema(StrictSchema):
    name = Text(required=True, max_length=128)
    title = Text(load_default="", allow_blank=True, max_length=128)
    authority = Text(load_default="", allow_blank=True, max_length=128)


class PlanSchema(StrictSchema):
    type = Text(load_default="Kế hoạch", validate=_one_of(PLAN_TYPES))
    number = Text(required=True, max_length=64)
    date = Day(required=True)
    issuer = Code(slug=True, required=True)
    signer = Part(SignerSchema, load_default=None)
    title = Text(required=True, max_length=2000)
    # What the plan itself cites ("Căn cứ Kế hoạch số 7666/KH-BCĐ …"), kept for reference.
    bases = Items(Text(max_length=1000), load_default=list)


class PeriodSchema(StrictSchema):
    start = Day(required=True)
    end = Day(required=True)

    @validates_schema
    def _ordered(self, data, **kwargs):
        if "start" in data and "end" in data and data["end"] < data["start"]:
            raise ValidationError("Ngày kết thúc phải từ ngày bắt đầu trở đi.", field_name="end")


class ParticipantsSchema(StrictSchema):
    unit_kinds = _unit_kinds()
    unit_codes = Items(Code(slug=True), load_default=list)

    @validates_schema
    def _someone(self, data, **kwargs):
        if not data.get("unit_kinds") and not data.get("unit_codes"):
            raise ValidationError(f"Cần ghi “{field_label('participants', 'unit_kinds')}” hoặc "
                                  f"“{field_label('participants', 'unit_codes')}” tham gia.",
                                  field_name="unit_kinds")


class UnitSchema(StrictSchema):
    code = Code(slug=True, required=True)
    kind = Choice("unit_kind", codes=UNIT_KINDS, required=True)
    parent = Code(slug=True, load_default=None)
    name = Text(required=True)
    short_name = Text(required=True)
    managing_body = Text(load_default="", allow_blank=True)
    issuing_body = Text(required=True)
    place_name = Text(required=True, max_length=128)
    abbreviation = Text(required=True, max_length=32)
    council_name = Text(required=True)
    council_abbreviation = Text(load_default="HĐTĐKT", max_length=32)
    signature_authority = Text(load_default="", allow_blank=True, max_length=128)
    signature_title = Text(required=True, max_length=128)
    signer_name = Text(required=True, max_length=128)


class MultiplierPeriodSchema(StrictSchema):
    # The same award pays differently under Decree 91/2017, 98/2023 and
    # 152/2025; a form can list the multiplier in force from each date.
    start = Day(required=True, data_key="from")
    value = Figure(required=True, validate=validate.Range(min=0, max=100, error="Hệ số phải từ {min} đến {max}."))
    basis = Text(load_default="", allow_blank=True, max_length=500)


class Threshold(fields.Field):
    """The share of votes a ratio rule needs: "4/5", 0.8 or "80%" (kept as written)."""

    default_error_messages = {**_COMMON}

    def _deserialize(self, value, attr, data, **kwargs):
        try:
            vote_rule_from_dict({"kind": "ratio", "threshold": value})
        except (ValueError, TypeError):
            raise ValidationError("Phải là phân số (“4/5”), số thập phân (0.8) hoặc phần trăm (“80%”), lớn hơn 0 "
                                  "và không quá 100%.") from None
        return value


class VoteRuleSchema(StrictSchema):
    """How the council's vote passes a nominee for this form (workflows.rules.vote_rule_from_dict)."""

    kind = Choice("vote_kind", required=True)
    threshold = Threshold()
    strict = Flag()
    denominator = Choice("vote_denominator")

    @validates_schema
    def _complete(self, data, **kwargs):
        if data.get("kind") == "majority":
            extra = [key for key in ("threshold", "strict", "denominator") if key in data]
            if extra:
                raise ValidationError(f"Cách tính “{value_label('vote_kind', 'majority')}” không ghi thêm "
                                      f"“{field_label('vote_rule', extra[0])}”.", field_name=extra[0])
            return
        if data.get("kind") == "ratio" and "threshold" not in data:
            raise ValidationError("Thiếu trường bắt buộc.", field_name="threshold")
        try:
            vote_rule_from_dict(data)
        except ValueError as error:
            raise ValidationError(str(error), field_name="threshold") from None


class AwardFormSchema(StrictSchema):
    code = Code(required=True)
    name = Text(required=True, max_length=128)
    title = Text(load_default=None, max_length=255)
    issuer = Code(slug=True, required=True)
    # The form's row in the prize table (service/awards/prize_multipliers.yaml), e.g. giay_khen.
    category = Code(load_default=None)
    # Title (recognised) or commendation (given): Law 06/2022/QH15, art. 7 and 9. When left out,
    # the category and then the name decide (service.awards.families.form_family).
    family = Choice("family", load_default=None, allow_none=True)
    nominee_kinds = _kinds(required=True)
    multiplier = fields.Raw(load_default=None)
    vote_rule = Part(VoteRuleSchema, load_default=default_vote_rule_dict)

    @validates_schema
    def _multiplier(self, data, **kwargs):
        value = data.get("multiplier")
        if isinstance(value, list):
            periods = []
            errors = {}
            for index, item in enumerate(value):
                try:
                    periods.append(MultiplierPeriodSchema().load(item))
                except ValidationError as error:
                    errors[index] = error.messages
            if errors:
                raise ValidationError({"multiplier": errors})
            if not periods:
                raise ValidationError("Cần ít nhất một mốc hệ số tiền thưởng.", field_name="multiplier")
            data["multiplier"] = sorted(periods, key=lambda p: p["start"])
        elif value is None:
            if not data.get("category"):
                raise ValidationError(f"Cần ghi “{field_label('award_form', 'multiplier')}” hoặc "
                                      f"“{field_label('award_form', 'category')}”.", field_name="multiplier")
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 100:
            raise ValidationError("Hệ số tiền thưởng phải là một số từ 0 đến 100 (ví dụ 0.6) hoặc danh sách mốc, "
                                  "mỗi mốc ghi ngày áp dụng và hệ số.", field_name="multiplier")


class MetricSchema(StrictSchema):
    code = Code(required=True)
    label = Text(required=True, max_length=500)
    unit = Text(load_default="", allow_blank=True, max_length=32)
    type = Choice("metric_type", load_default="integer")
    better = Choice("better", load_default="higher")
    required = Flag(load_default=False)
    nominee_kinds = _kinds(load_default=lambda: list(NOMINEE_KINDS))
    min = Figure(load_default=0, allow_none=True)
    max = Figure(load_default=None, allow_none=True)
    at_most = Code(load_default=None)
    precision = Count(load_default=2, validate=validate.Range(min=0, max=6, error="Từ {min} đến {max} chữ số."))
    target = Figure(load_default=None)
    targets = Mapping(keys=Code(slug=True), values=Figure(), load_default=dict)

    @validates_schema
    def _range(self, data, **kwargs):
        low, high = data.get("min"), data.get("max")
        if low is not None and high is not None and high < low:
            raise ValidationError("Giá trị lớn nhất phải không nhỏ hơn giá trị nhỏ nhất.", field_name="max")


class DerivedSchema(StrictSchema):
    code = Code(required=True)
    label = Text(required=True, max_length=500)
    unit = Text(load_default="", allow_blank=True, max_length=32)
    formula = Choice("formula", required=True)
    better = Choice("better", load_default="higher")
    numerator = Code(load_default=None)
    denominator = Code(load_default=None)
    metric = Code(load_default=None)
    of = Items(Code(), load_default=list)
    precision = Count(load_default=2, validate=validate.Range(min=0, max=6, error="Từ {min} đến {max} chữ số."))
    nominee_kinds = _kinds(load_default=None)

    @validates_schema
    def _operands(self, data, **kwargs):
        formula = data.get("formula")
        needs = {"ratio": ("numerator", "denominator"), "per": ("numerator", "denominator"),
                 "attainment": ("metric",), "mean": ("of",)}.get(formula, ())
        for name in needs:
            if not data.get(name):
                raise ValidationError(f"Công thức “{value_label('formula', formula)}” cần ghi "
                                      f"“{field_label('derived', name)}”.", field_name=name)


class RequirementSchema(StrictSchema):
    metric = Code(required=True)
    min = Figure(load_default=None)
    max = Figure(load_default=None)
    nominee_kind = Choice("nominee_kind", codes=NOMINEE_KINDS, load_default=None)

    @validates_schema
    def _bound(self, data, **kwargs):
        if data.get("min") is None and data.get("max") is None:
            raise ValidationError("Cần ghi mức tối thiểu hoặc mức tối đa.", field_name="min")


class GroupSchema(StrictSchema):
    name = Text(required=True)
    nominee_kind = Choice("nominee_kind", codes=NOMINEE_KINDS, required=True)
    unit_kinds = _unit_kinds()
    unit_codes = Items(Code(slug=True), load_default=list)
    order = Items(Code(), load_default=list)
    tie_break = Items(Code(), load_default=list)
    requirements = Items(Part(RequirementSchema), load_default=list)


class UnitQuotaSchema(StrictSchema):
    label = Text(load_default=None)
    unit_kinds = _unit_kinds()
    unit_codes = Items(Code(slug=True), load_default=list)
    collective = Count(load_default=None, validate=validate.Range(min=0, error="Không được âm."))
    individual = Count(load_default=None, validate=validate.Range(min=0, error="Không được âm."))

    @validates_schema
    def _limit(self, data, **kwargs):
        if data.get("collective") is None and data.get("individual") is None:
            raise ValidationError("Cần ghi số lượng tối đa cho tập thể hoặc cho cá nhân.",
                                  field_name="individual")


class KindCountsSchema(StrictSchema):
    collective = Count(load_default=None, validate=validate.Range(min=0, error="Không được âm."))
    individual = Count(load_default=None, validate=validate.Range(min=0, error="Không được âm."))


class QuotasSchema(StrictSchema):
    total = Part(KindCountsSchema, load_default=dict)
    per_unit = Items(Part(UnitQuotaSchema), load_default=list)


class RoundSchema(StrictSchema):
    code = Code(slug=True, required=True)
    kind = Choice("round_kind", required=True)
    title = Text(required=True)
    period = Part(PeriodSchema, required=True)
    deadline = Day(required=True)
    late_policy = Choice("late_policy", load_default=None)
    quotas = Part(QuotasSchema, load_default=None)
    requirements = Items(Part(RequirementSchema), load_default=list)
    # A round decided after the law changed cites other decrees than the plan's first rounds.
    legal_bases = Items(Text(max_length=1000), load_default=None)


class RulesSchema(StrictSchema):
    # BHXH Việt Nam 4111/BHXH-TĐKT, IV.3: an individual is chosen only from a
    # collective that is itself chosen.
    individuals_need_selected_collective = Flag(load_default=False)


class DocumentSchema(StrictSchema):
    code = Code(required=True)
    name = Text(required=True, max_length=500)


class DefinitionSchema(StrictSchema):
    format = Count(required=True, validate=validate.Equal(
        FORMAT_VERSION, error=f"Phiên bản định dạng phải là {FORMAT_VERSION}."))
    code = Code(slug=True, required=True)
    plan = Part(PlanSchema, required=True)
    participants = Part(ParticipantsSchema, required=True)
    period = Part(PeriodSchema, required=True)
    standing_agency = Code(slug=True, required=True)
    authority = Code(slug=True, required=True)
    units = Items(Part(UnitSchema), load_default=list)
    award_name = Text(load_default=None)
    # The laws and decrees an award decision of this campaign cites.
    legal_bases = Items(Text(max_length=1000), load_default=list)
    award_forms = Items(Part(AwardFormSchema), required=True, validate=validate.Length(
        min=1, error="Cần ít nhất một hình thức khen thưởng."))
    metrics = Items(Part(MetricSchema), load_default=list)
    derived = Items(Part(DerivedSchema), load_default=list)
    ranking = Items(Part(GroupSchema), load_default=list)
    rules = Part(RulesSchema, load_default=dict)
    quotas = Part(QuotasSchema, load_default=None)
    rounds = Items(Part(RoundSchema), required=True, validate=validate.Length(
        min=1, error="Cần ít nhất một đợt khen thưởng."))
    required_documents = Items(Part(DocumentSchema), load_default=list)
    late_policy = Choice("late_policy", load_default="refuse")
    # How the authority records its decisions: one per round, on the list the standing agency
    # consolidated and proposed; or one per unit's dossier.
    decisions = Choice("decision_scope", load_default="round")

