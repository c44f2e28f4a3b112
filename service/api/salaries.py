"""The base salary table (mức lương cơ sở): everyone signed in may read it, the admin replaces it."""
from __future__ import annotations

import datetime as dt

from flask.views import MethodView
from marshmallow import Schema, fields, validate

from ..operations import salaries as salary_ops
from .handlers import authenticate_request, current_user
from .parsing import Blueprint
from .schemas import BaseSchema, Text

blp = Blueprint("salaries", __name__, url_prefix="/api/v1", description="Mức lương cơ sở")
blp.before_request(authenticate_request)


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


def _present(table) -> dict:
    return {"rows": [{"valid_from": r.valid_from, "amount": r.amount, "source": r.source,
                      "needs_check": r.needs_check} for r in table.rows]}


@blp.route("/base-salaries")
@blp.response(200, SalaryTableOut)
@blp.documented_errors(401)
def get_base_salaries():
    """Bảng mức lương cơ sở theo ngày hiệu lực, dùng để tính tiền thưởng."""
    current_user()
    return _present(salary_ops.salary_table())


@blp.route("/admin/base-salaries")
class BaseSalaryAdmin(MethodView):
    @blp.arguments(SalaryTableIn)
    @blp.response(200, SalaryTableOut)
    @blp.documented_errors(401, 403, 422)
    def put(self, data):
        """Thay cả bảng mức lương cơ sở (quản trị hệ thống)."""
        return _present(salary_ops.replace_salary_table(current_user(), data["rows"]))
