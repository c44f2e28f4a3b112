"""A unit's officials, the people who may sign its documents: its own people read the list, the
administrator and the unit's head keep it."""
from __future__ import annotations

from flask.views import MethodView

from .. import access
from ..lookup import with_official, with_unit
from ..operations import officials as official_ops
from ..schemas.officials import OfficialIn, OfficialOut, OfficialUpdateIn
from .handlers import authenticate_request
from .parsing import Blueprint

blp = Blueprint("officials", __name__, url_prefix="/api/v1", description="Người ký văn bản của đơn vị")
blp.before_request(authenticate_request)

NOT_YOURS = "Chỉ người của đơn vị và quản trị hệ thống mới xem được danh sách người ký của đơn vị."
MANAGERS_ONLY = "Chỉ quản trị hệ thống và thủ trưởng đơn vị mới được sửa danh sách người ký của đơn vị."


@blp.route("/units/<int:unit_id>/officials")
class OfficialCollection(MethodView):
    @blp.response(200, OfficialOut(many=True))
    @blp.documented_errors(401, 403, 404)
    @with_unit(access.can_view_officials, NOT_YOURS)
    def get(self, user, unit):
        """Người ký văn bản của đơn vị (cả người đã thôi), người đứng đầu trước."""
        return official_ops.unit_officials(unit, active_only=False)

    @blp.response(201, OfficialOut)
    @blp.documented_errors(401, 403, 404, 422)
    # Above the arguments: someone who may not change the list gets 403 before the body is read.
    @with_unit(access.can_manage_officials, MANAGERS_ONLY)
    @blp.arguments(OfficialIn)
    def post(self, data, user, unit):
        """Thêm người ký: họ tên, chức vụ, tài khoản (nếu có), có phải người đứng đầu."""
        return official_ops.add_official(user, unit, data)


@blp.route("/units/<int:unit_id>/officials/<int:official_id>")
class OfficialItem(MethodView):
    @blp.response(200, OfficialOut)
    @blp.documented_errors(401, 403, 404, 422)
    @with_official(access.can_manage_officials, MANAGERS_ONLY)
    @blp.arguments(OfficialUpdateIn)
    def patch(self, data, user, unit, official):
        """Sửa người ký; is_active = false: người này thôi, không còn được chọn ký."""
        return official_ops.update_official(user, official, data)
