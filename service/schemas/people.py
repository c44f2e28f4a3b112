"""Input and output schemas of the register of people (individuals and collectives)."""
from __future__ import annotations

import datetime as dt
import re

from marshmallow import Schema, ValidationError, fields, validate, validates_schema

from ..clock import today_local
from ..models import GENDERS, NOMINEE_KINDS
from .base import DATE_RANGE, SMALL_POSITIVE, BaseSchema, StrictBoolean, Text, one_of

# Số CCCD has 12 digits, an old CMND 9 (Law 26/2023/QH15 on identification; Decree 05/1999/NĐ-CP).
ID_NUMBER = re.compile(r"^(\d{9}|\d{12})$")
PEOPLE_PAGE_SIZE = 50
BIRTH_RANGE = validate.Range(min=dt.date(1900, 1, 1), error="Ngày sinh phải từ {min} trở về sau.")
PEOPLE_PAGE_SIZE_MAX = 200


def _not_in_future(value):
    if value > today_local():
        raise ValidationError("Ngày sinh không được sau hôm nay.")


def _id_number(value):
    if value and not ID_NUMBER.match(value):
        raise ValidationError("Số định danh phải gồm 12 chữ số (CCCD) hoặc 9 chữ số (CMND).")


class PersonFields(BaseSchema):
    full_name = Text(allow_blank=False, max_length=255)
    gender = fields.String(allow_none=True, validate=one_of(GENDERS, "male (nam), female (nữ)"))
    birth_date = fields.Date(allow_none=True, validate=[BIRTH_RANGE, _not_in_future])
    position = Text(max_length=255)
    id_number = fields.String(allow_none=True, validate=[validate.Length(max=32), _id_number])
    is_whole_unit = StrictBoolean()


class PersonIn(PersonFields):
    kind = fields.String(required=True, validate=one_of(NOMINEE_KINDS, "individual (cá nhân), collective (tập thể)"))
    full_name = Text(required=True, allow_blank=False, max_length=255)
    unit_id = fields.Integer(validate=SMALL_POSITIVE, metadata={
        "description": "Đơn vị của người này; bỏ trống: đơn vị của người dùng."})

    @validates_schema
    def _collective_has_no_personal_data(self, data, **kwargs):
        if data.get("kind") == "collective":
            wrong = {name: ["Tập thể không có trường này."] for name in ("gender", "birth_date", "id_number")
                     if data.get(name) is not None}
            if wrong:
                raise ValidationError(wrong)


class PersonUpdateIn(PersonFields):
    is_active = StrictBoolean(metadata={"description": "false: không còn chọn được khi đề nghị."})


class TransferIn(BaseSchema):
    unit_id = fields.Integer(required=True, validate=SMALL_POSITIVE, metadata={"description": "Đơn vị mới."})
    position = Text(max_length=255)
    started_on = fields.Date(validate=DATE_RANGE, metadata={"description": "Ngày chuyển; bỏ trống: hôm nay."})


class PeopleListArgs(BaseSchema):
    q = Text(max_length=255, metadata={"description": "Tên, có hoặc không dấu."})
    kind = fields.String(validate=one_of(NOMINEE_KINDS, "individual (cá nhân), collective (tập thể)"))
    page = fields.Integer(strict=False, load_default=1, validate=SMALL_POSITIVE)
    page_size = fields.Integer(strict=False, load_default=PEOPLE_PAGE_SIZE,
                               validate=validate.Range(min=1, max=PEOPLE_PAGE_SIZE_MAX,
                                                       error="Phải từ {min} đến {max}."))


class PlacementOut(Schema):
    unit_id = fields.Integer()
    unit_name = fields.String()
    position = fields.String()
    started_on = fields.Date()
    ended_on = fields.Date(allow_none=True)


class PersonOut(Schema):
    id = fields.Integer()
    kind = fields.String()
    full_name = fields.String()
    gender = fields.String(allow_none=True)
    position = fields.String()
    unit_id = fields.Integer()
    unit_name = fields.String()
    is_whole_unit = fields.Boolean()
    is_active = fields.Boolean()
    # Present only for whom access.can_read_personal_data allows (Decree 13/2023/NĐ-CP).
    birth_date = fields.Date(allow_none=True)
    id_number = fields.String(allow_none=True)
    placements = fields.List(fields.Nested(PlacementOut))
