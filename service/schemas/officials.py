"""Input and output schemas of a unit's officials and of the choice of who signs a document."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..signing import CODES, CODES_TEXT
from .base import SMALL_POSITIVE, BaseSchema, StrictBoolean, Text


class OfficialIn(BaseSchema):
    full_name = Text(required=True, allow_blank=False, max_length=128)
    position = Text(required=True, allow_blank=False, max_length=128,
                    metadata={"description": "Chức vụ như người ta viết: “Chủ tịch”, “Phó Chủ tịch”."})
    user_id = fields.Integer(allow_none=True, validate=SMALL_POSITIVE,
                             metadata={"description": "Tài khoản của chính người này (nếu có), cùng đơn vị."})
    is_head = StrictBoolean(metadata={"description": "Người đứng đầu đơn vị (mỗi đơn vị một người)."})
    is_active = StrictBoolean(metadata={"description": "false: thôi, không còn được chọn làm người ký."})


class OfficialUpdateIn(OfficialIn):
    full_name = Text(allow_blank=False, max_length=128)
    position = Text(allow_blank=False, max_length=128)


class OfficialOut(Schema):
    id = fields.Integer()
    unit_id = fields.Integer()
    full_name = fields.String()
    position = fields.String()
    user_id = fields.Integer(allow_none=True)
    is_head = fields.Boolean()
    is_active = fields.Boolean()


class SignerIn(BaseSchema):
    """Who signs: one of the issuing unit's officials and the authority word (Decree 30/2020, art. 13)."""

    official_id = fields.Integer(validate=SMALL_POSITIVE,
                                 metadata={"description": "Người ký, trong danh sách người ký của đơn vị."})
    authority = fields.String(validate=validate.OneOf(CODES, error=f"Thẩm quyền ký phải là {CODES_TEXT}."),
                              metadata={"description": "TM., KT., Q., TL., TUQ. hoặc chuỗi rỗng (người đứng đầu "
                                                       "ký trực tiếp); bỏ trống: theo chức vụ người ký."})


class SignerOut(Schema):
    official_id = fields.Integer(allow_none=True)
    authority = fields.String(allow_none=True)
    full_name = fields.String(allow_none=True)
    position = fields.String(allow_none=True)


class RoundSignerOut(Schema):
    document = fields.String(metadata={"description": "proposal: tờ trình tổng hợp; decision: quyết định và "
                                                      "giấy khen."})
    title = fields.String()
    official_id = fields.Integer(allow_none=True)
    authority = fields.String(allow_none=True)
    full_name = fields.String()
    lines = fields.List(fields.String(), metadata={"description": "Khối chữ ký như in: thẩm quyền, chức vụ, "
                                                                 "họ tên."})
