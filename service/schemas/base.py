"""What every schema of the service builds on: Vietnamese messages, strict field types, common ranges.

Input schemas derive from :class:`BaseSchema` (unknown fields are refused with a
Vietnamese message); free text goes through :class:`Text` (NFC, no control
character or noncharacter, a length limit), the one text field of the service.
"""
from __future__ import annotations

import datetime as dt

from marshmallow import Schema, ValidationError, fields, validate

from ..text import Text  # noqa: F401 - the schemas take the one text field from here, beside the others

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


def one_of(choices, labels: str) -> validate.OneOf:
    return validate.OneOf(choices, error=f"Phải là một trong: {labels}.")


SMALL_POSITIVE = validate.Range(min=1, max=1_000_000, error="Phải từ {min} đến {max}.")
DATE_RANGE = validate.Range(min=dt.date(1945, 9, 2),
                            max=dt.date(2100, 12, 31),
                            error="Ngày phải nằm trong khoảng {min} đến {max}.")
# Also keeps times clear of the calendar's ends, where converting to UTC would overflow.
TIME_RANGE = validate.Range(min=dt.datetime(1945, 9, 2, tzinfo=dt.timezone.utc),
                            max=dt.datetime(2100, 12, 31, tzinfo=dt.timezone.utc),
                            error="Thời gian phải trong khoảng {min} đến {max}.")


class NullableBoolean(fields.Field):
    """true, false or null (null withdraws an override); nothing else."""

    def _deserialize(self, value, attr, data, **kwargs):
        if value is not None and not isinstance(value, bool):
            raise ValidationError("Phải là true, false hoặc null.")
        return value
