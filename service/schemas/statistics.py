"""Filters and figures of the award statistics (GET /api/v1/awards/statistics)."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from .base import BaseSchema, Text

# The years an award record may carry (the check constraint of award_records).
FIRST_YEAR = 1945
LAST_YEAR = 2200
YEAR_RANGE = validate.Range(min=FIRST_YEAR, max=LAST_YEAR,
                            error=f"Năm phải từ {FIRST_YEAR} đến {LAST_YEAR}.")


class StatisticsArgs(BaseSchema):
    year_from = fields.Integer(validate=YEAR_RANGE, metadata={"description": "Từ năm (khen thưởng năm)."})
    year_to = fields.Integer(validate=YEAR_RANGE, metadata={"description": "Đến năm."})
    unit_id = fields.Integer(validate=validate.Range(min=1, error="Mã đơn vị không hợp lệ."),
                             metadata={"description": "Chỉ tính một đơn vị."})
    form = Text(max_length=64, metadata={"description": "Chỉ tính một hình thức khen thưởng (mã hình thức)."})


class _Row(Schema):
    count = fields.Integer()
    prize_total = fields.Integer()


class YearRowOut(_Row):
    year = fields.Integer()
    women = fields.Integer()


class UnitRowOut(_Row):
    unit_id = fields.Integer(allow_none=True)
    unit_name = fields.String()


class FormRowOut(_Row):
    form = fields.String()
    form_name = fields.String()


class KindRowOut(_Row):
    kind = fields.String()
    label = fields.String()


class GenderRowOut(_Row):
    gender = fields.String(allow_none=True)
    label = fields.String()


class StatisticsOut(Schema):
    filters = fields.Dict()
    total = fields.Integer()
    prize_total = fields.Integer()
    individuals = fields.Integer()
    women = fields.Integer()
    women_share = fields.Float(allow_none=True, metadata={
        "description": "Tỉ lệ nữ (%) trong số lượt khen cá nhân đã ghi giới tính; null khi chưa có."})
    revoked_excluded = fields.Boolean()
    by_year = fields.List(fields.Nested(YearRowOut))
    by_unit = fields.List(fields.Nested(UnitRowOut))
    by_form = fields.List(fields.Nested(FormRowOut))
    by_kind = fields.List(fields.Nested(KindRowOut))
    by_gender = fields.List(fields.Nested(GenderRowOut))
