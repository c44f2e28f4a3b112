"""Award statistics across years, within the caller's scope (GET /api/v1/awards/statistics)."""
from __future__ import annotations

from .. import access
from ..errors import Forbidden
from ..operations import statistics as statistics_ops
from ..schemas.statistics import StatisticsArgs, StatisticsOut
from .handlers import authenticate_request, current_user
from .parsing import Blueprint

blp = Blueprint("award_statistics", __name__, url_prefix="/api/v1", description="Thống kê khen thưởng")
blp.before_request(authenticate_request)

NOT_ALLOWED = "Tài khoản của bạn không được xem thống kê khen thưởng."


@blp.route("/awards/statistics")
@blp.arguments(StatisticsArgs, location="query")
@blp.response(200, StatisticsOut)
@blp.documented_errors(401, 403, 422)
def award_statistics(filters):
    """Số lượt khen thưởng (không tính khen thưởng đã thu hồi) theo năm, đơn vị, hình thức, tập thể/cá nhân
    và giới tính, trong phạm vi người gọi được xem; lọc theo khoảng năm, đơn vị, hình thức."""
    user = current_user()
    if not access.can_view_award_statistics(user):
        raise Forbidden(NOT_ALLOWED)
    return statistics_ops.award_statistics(user, filters)
