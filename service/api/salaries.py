"""The base salary table (mức lương cơ sở): everyone signed in may read it, the admin replaces it."""
from __future__ import annotations

from flask.views import MethodView

from .. import access
from ..lookup import requires
from ..operations import salaries as salary_ops
from ..schemas.salaries import SalaryTableIn, SalaryTableOut
from .handlers import authenticate_request, current_user
from .parsing import Blueprint

blp = Blueprint("salaries", __name__, url_prefix="/api/v1", description="Mức lương cơ sở")
blp.before_request(authenticate_request)

ADMIN_ONLY = "Chỉ quản trị hệ thống mới được sửa bảng mức lương cơ sở."


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
    @blp.response(200, SalaryTableOut)
    @blp.documented_errors(401, 403, 422)
    # Above the arguments: a non-administrator gets 403 before the body is read (never 415 or 422).
    @requires(access.can_administer, ADMIN_ONLY)
    @blp.arguments(SalaryTableIn)
    def put(self, data, user):
        """Thay cả bảng mức lương cơ sở (quản trị hệ thống)."""
        return _present(salary_ops.replace_salary_table(user, data["rows"]))
