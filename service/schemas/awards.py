"""Schemas of the award register's look-up."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .base import SMALL_POSITIVE, BaseSchema, Text

AWARD_PAGE_SIZE_MAX = 200


class AwardSearchArgs(BaseSchema):
    name = Text(load_default="", max_length=255,
                metadata={"description": "Một phần họ tên, có dấu hoặc không dấu: “nguyen van an”."})
    unit_id = fields.Integer(strict=False, validate=SMALL_POSITIVE)
    year = fields.Integer(strict=False, validate=validate.Range(min=1945, max=2200, error="Phải từ {min} đến {max}."))
    form_code = Text(load_default="", max_length=64, metadata={"description": "Mã hình thức khen thưởng."})
    decision_number = Text(load_default="", max_length=64, metadata={"description": "Số quyết định."})
    page = fields.Integer(strict=False, load_default=1, validate=SMALL_POSITIVE,
                          metadata={"description": "Trang cần lấy, bắt đầu từ 1."})
    page_size = fields.Integer(strict=False, load_default=50,
                               validate=validate.Range(min=1, max=AWARD_PAGE_SIZE_MAX, error="Phải từ {min} đến {max}."))


class AwardOut(Schema):
    id = fields.Integer()
    person_id = fields.Integer()
    recipient_kind = fields.String()
    recipient_name = fields.String()
    position = fields.String()
    unit_id = fields.Integer(allow_none=True)
    workplace = fields.String()
    form_code = fields.String()
    form_name = fields.String()
    family = fields.String()
    year = fields.Integer()
    achievement = fields.String()
    decision_number = fields.String()
    decision_date = fields.Date()
    authority_name = fields.String()
    prize_amount = fields.Integer(allow_none=True)
    campaign_id = fields.Integer(allow_none=True)
    round_id = fields.Integer(allow_none=True)
    source = fields.String()
    is_revoked = fields.Function(lambda record: record.revoked_at is not None)
    revocation_number = fields.String(allow_none=True)
    revocation_date = fields.Date(allow_none=True)
    revocation_reason = fields.String(allow_none=True)


class AwardPageOut(Schema):
    items = fields.List(fields.Nested(AwardOut))
    page = fields.Integer()
    has_next = fields.Boolean()
