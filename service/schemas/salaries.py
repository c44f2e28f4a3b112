"""Input and output schemas of the base salary table (mức lương cơ sở)."""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, fields, validate

from .base import BaseSchema, Text


class SalaryLevelIn(BaseSchema):
    valid_from = fields.Date(required=True, validate=validate.Range(
        min=dt.date(1990, 1, 1), max=dt.date(2100, 12, 31), error="Ngày phải trong khoảng {min} đến {max}."))
    amount = fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=1_000_000_000, error="Mức lương cơ sở phải từ {min} đến {max} đồng."))
    source = Text(max_length=255)
    needs_check = fields.Boolean(truthy={True}, falsy={False})


class SalaryTableIn(BaseSchema):
    rows = fields.List(fields.Nested(SalaryLevelIn), required=True, validate=validate.Length(
        min=1, max=200, error="Bảng cần từ {min} đến {max} dòng."))


class SalaryLevelOut(Schema):
    valid_from = fields.Date()
    amount = fields.Integer()
    source = fields.String()
    needs_check = fields.Boolean()


class SalaryTableOut(Schema):
    rows = fields.List(fields.Nested(SalaryLevelOut))
