"""Input and output schemas of units (with their former names) and of accounts."""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..models import ROLES, UNIT_KINDS
from ..vocabulary import ROLE_LABELS
from .base import DATE_RANGE, SMALL_POSITIVE, BaseSchema, StrictBoolean, Text


class UnitIn(BaseSchema):
    code = fields.String(required=True, validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9-]{0,63}$", error="Mã đơn vị gồm chữ thường không dấu, chữ số và gạch ngang."))
    parent_id = fields.Integer(allow_none=True, validate=SMALL_POSITIVE,
                               metadata={"description": "Đơn vị cấp trên; không thể là chính nó hay cấp dưới."})
    kind = fields.String(required=True, validate=validate.OneOf(UNIT_KINDS, error="Loại đơn vị không có trong danh sách."))
    name = Text(required=True, allow_blank=False)
    short_name = Text(required=True, allow_blank=False)
    managing_body = Text()
    issuing_body = Text(required=True, allow_blank=False)
    place_name = Text(required=True, allow_blank=False, max_length=128)
    abbreviation = Text(required=True, allow_blank=False, max_length=32,
                        metadata={"description": "Chữ viết tắt trong số văn bản (Nghị định 30/2020, Phụ lục I)."})
    council_name = Text(required=True, allow_blank=False)
    council_abbreviation = Text(allow_blank=False, max_length=32)
    signature_authority = Text(max_length=128)
    signature_title = Text(required=True, allow_blank=False, max_length=128)
    signer_name = Text(required=True, allow_blank=False, max_length=128)
    is_active = StrictBoolean(metadata={"description": "false: đơn vị ngừng hoạt động (không bao giờ bị xóa)."})


class UnitUpdateIn(UnitIn):
    code = fields.String(validate=validate.Regexp(
        r"^[a-z0-9][a-z0-9-]{0,63}$", error="Mã đơn vị gồm chữ thường không dấu, chữ số và gạch ngang."))
    kind = fields.String(validate=validate.OneOf(UNIT_KINDS, error="Loại đơn vị không có trong danh sách."))
    name = Text(allow_blank=False)
    short_name = Text(allow_blank=False)
    issuing_body = Text(allow_blank=False)
    place_name = Text(allow_blank=False, max_length=128)
    abbreviation = Text(allow_blank=False, max_length=32)
    council_name = Text(allow_blank=False)
    signature_title = Text(allow_blank=False, max_length=128)
    signer_name = Text(allow_blank=False, max_length=128)


class UnitDetailOut(Schema):
    id = fields.Integer()
    code = fields.String()
    parent_id = fields.Integer(allow_none=True)
    kind = fields.String()
    name = fields.String()
    short_name = fields.String()
    managing_body = fields.String()
    issuing_body = fields.String()
    place_name = fields.String()
    abbreviation = fields.String()
    council_name = fields.String()
    council_abbreviation = fields.String()
    signature_authority = fields.String()
    signature_title = fields.String()
    signer_name = fields.String()
    is_active = fields.Boolean()


class UnitNameIn(BaseSchema):
    name = Text(required=True, allow_blank=False)
    short_name = Text(allow_blank=False)
    valid_until = fields.Date(required=True, validate=DATE_RANGE,
                              metadata={"description": "Ngày đơn vị thôi mang tên này (văn bản trước ngày này "
                                                       "in tên cũ)."})


class UnitNameOut(Schema):
    id = fields.Integer()
    name = fields.String()
    short_name = fields.String()
    valid_until = fields.Date()


class AccountIn(BaseSchema):
    username = fields.String(required=True, metadata={"description": "Chữ thường không dấu, số, . _ -"})
    full_name = Text(required=True, allow_blank=False, max_length=128)
    role = fields.String(required=True, validate=validate.OneOf(ROLES, error="Vai trò không có trong danh sách vai trò."))
    unit_id = fields.Integer(required=True, validate=SMALL_POSITIVE)


class AccountListQuery(BaseSchema):
    q = Text(max_length=64)
    page = fields.Integer(validate=SMALL_POSITIVE)


class AccountOut(Schema):
    id = fields.Integer()
    username = fields.String()
    full_name = fields.String()
    role = fields.String()
    role_label = fields.Function(lambda u: ROLE_LABELS[u.role])
    unit_id = fields.Integer()
    is_active = fields.Boolean()
    must_change_password = fields.Boolean()


class AccountPageOut(Schema):
    items = fields.List(fields.Nested(AccountOut))
    total = fields.Integer()
    page = fields.Integer()
    page_size = fields.Integer()


class TemporaryPasswordOut(Schema):
    account = fields.Nested(AccountOut)
    temporary_password = fields.String(metadata={"description": "Chỉ hiện một lần; phải đổi khi đăng nhập."})


class PasswordChangeIn(BaseSchema):
    current_password = fields.String(required=True)
    new_password = fields.String(required=True)
