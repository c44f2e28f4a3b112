"""Input and output schemas of a campaign's certificate layout (where the text goes on a blank).

The schema checks the shape and the types; whether every box lies on the paper is
the operation's rule (``service.documents.certificate_layout.layout_problems``), whose
messages name the field, so the API and the page say the same thing.
"""
from __future__ import annotations

from marshmallow import Schema, fields, validate

from ..documents.certificate_layout import (FIELDS, MAX_FONT_SIZE, MIN_FONT_SIZE, ORIENTATIONS, PAPER_SIZES)
from .base import BaseSchema, StrictBoolean, one_of

# Wider than any paper: the operation says, with the field's name, when a box leaves the paper.
_MM = validate.Range(min=0, max=1000, error="Phải từ {min} đến {max} mm.")


class CertificateFieldIn(BaseSchema):
    x = fields.Float(required=True, allow_nan=False, validate=_MM)
    y = fields.Float(required=True, allow_nan=False, validate=_MM)
    width = fields.Float(required=True, allow_nan=False, validate=_MM)
    font_size = fields.Float(required=True, allow_nan=False, validate=validate.Range(
        min=MIN_FONT_SIZE, max=MAX_FONT_SIZE, error="Cỡ chữ phải từ {min} đến {max} pt."))
    is_printed = StrictBoolean(load_default=True)


class CertificateFieldsIn(BaseSchema):
    locals().update({name: fields.Nested(CertificateFieldIn, required=True) for name in FIELDS})


class CertificateLayoutIn(BaseSchema):
    paper = fields.String(required=True, validate=one_of(tuple(PAPER_SIZES), ", ".join(PAPER_SIZES)))
    orientation = fields.String(required=True, validate=one_of(ORIENTATIONS, "landscape (ngang), portrait (dọc)"))
    # "fields" would hide marshmallow's module inside the class body.
    layout_fields = fields.Nested(CertificateFieldsIn, required=True, data_key="fields", attribute="fields")


class CertificateFieldOut(Schema):
    x = fields.Float()
    y = fields.Float()
    width = fields.Float()
    font_size = fields.Float()
    is_printed = fields.Boolean()


class CertificateLayoutOut(Schema):
    paper = fields.String()
    orientation = fields.String()
    layout_fields = fields.Dict(keys=fields.String(), values=fields.Nested(CertificateFieldOut), data_key="fields",
                                attribute="fields")
    is_default = fields.Boolean()
