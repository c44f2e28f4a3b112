"""Units and accounts kept by the administrator, and every user's own password."""
from __future__ import annotations

from flask.views import MethodView

from .. import access
from ..errors import Forbidden
from ..lookup import with_unit
from ..operations import accounts as account_ops
from ..operations import units as unit_ops
from ..schemas.accounts import (AccountIn, AccountListQuery, AccountOut, AccountPageOut, PasswordChangeIn,
                                TemporaryPasswordOut, UnitDetailOut, UnitIn, UnitNameIn, UnitNameOut, UnitUpdateIn)
from .handlers import authenticate_request, current_user
from .parsing import Blueprint

blp = Blueprint("accounts", __name__, url_prefix="/api/v1", description="Đơn vị và tài khoản")
blp.before_request(authenticate_request)


def _admin_of_units():
    user = current_user()
    if not access.can_manage_units(user):
        raise Forbidden(unit_ops.ADMIN_ONLY)
    return user


def _admin_of_accounts():
    user = current_user()
    if not access.can_manage_accounts(user):
        raise Forbidden(account_ops.ADMIN_ONLY)
    return user


# --- units --------------------------------------------------------------------------------------

@blp.route("/units", methods=["POST"])
@blp.response(201, UnitDetailOut)
@blp.documented_errors(401, 403, 422)
@blp.arguments(UnitIn)
def create_unit(data):
    """Thêm đơn vị: cấp trên, loại, tên, tên ngắn, chữ viết tắt dùng trong số văn bản."""
    return unit_ops.create_unit(_admin_of_units(), data)


@blp.route("/units/<int:unit_id>")
class UnitItem(MethodView):
    @blp.response(200, UnitDetailOut)
    @blp.documented_errors(401, 404)
    @with_unit()
    def get(self, user, unit):
        """Một đơn vị, đủ các trường in trên văn bản."""
        return unit

    @blp.response(200, UnitDetailOut)
    @blp.documented_errors(401, 403, 404, 422)
    @with_unit(access.can_manage_units, unit_ops.ADMIN_ONLY)
    @blp.arguments(UnitUpdateIn)
    def patch(self, data, user, unit):
        """Sửa đơn vị; is_active = false: ngừng hoạt động (đơn vị không bao giờ bị xóa)."""
        return unit_ops.update_unit(user, unit, data)


@blp.route("/units/<int:unit_id>/names")
class UnitNames(MethodView):
    @blp.response(200, UnitNameOut(many=True))
    @blp.documented_errors(401, 404)
    @with_unit()
    def get(self, user, unit):
        """Các tên cũ của đơn vị, mỗi tên đến ngày nó thôi được dùng."""
        return unit.former_names

    @blp.response(201, UnitNameOut)
    @blp.documented_errors(401, 403, 404, 422)
    @with_unit(access.can_manage_units, unit_ops.ADMIN_ONLY)
    @blp.arguments(UnitNameIn)
    def post(self, data, user, unit):
        """Ghi một tên cũ: văn bản ghi ngày trước valid_until in tên này."""
        return unit_ops.add_former_name(user, unit, data)


# --- accounts -----------------------------------------------------------------------------------

@blp.route("/accounts")
class AccountCollection(MethodView):
    @blp.response(200, AccountPageOut)
    @blp.documented_errors(401, 403, 422)
    @blp.arguments(AccountListQuery, location="query")
    def get(self, query):
        """Danh sách tài khoản, tìm theo tên đăng nhập hoặc họ tên, mỗi trang 50."""
        return account_ops.list_accounts(_admin_of_accounts(), search=query.get("q", ""),
                                         page=query.get("page", 1))

    @blp.response(201, TemporaryPasswordOut)
    @blp.documented_errors(401, 403, 422)
    @blp.arguments(AccountIn)
    def post(self, data):
        """Tạo tài khoản; mật khẩu tạm chỉ hiện một lần và phải đổi ở lần đăng nhập đầu."""
        account, password = account_ops.create_account(_admin_of_accounts(), data)
        return {"account": account, "temporary_password": password}


@blp.route("/accounts/<int:account_id>")
@blp.response(200, AccountOut)
@blp.documented_errors(401, 403, 404)
def get_account(account_id):
    """Một tài khoản."""
    _admin_of_accounts()
    return account_ops.load_account(account_id)


@blp.route("/accounts/<int:account_id>/reset", methods=["POST"])
@blp.response(200, TemporaryPasswordOut)
@blp.documented_errors(401, 403, 404)
def reset_account(account_id):
    """Đặt lại mật khẩu tạm (hiện một lần); mọi phiên và mã truy cập của tài khoản chấm dứt."""
    actor = _admin_of_accounts()
    account = account_ops.load_account(account_id)
    return {"account": account, "temporary_password": account_ops.reset_account_password(actor, account)}


@blp.route("/accounts/<int:account_id>/deactivate", methods=["POST"])
@blp.response(200, AccountOut)
@blp.documented_errors(401, 403, 404, 422)
def deactivate_account(account_id):
    """Khóa tài khoản; mọi phiên và mã truy cập của tài khoản chấm dứt."""
    actor = _admin_of_accounts()
    return account_ops.deactivate_account(actor, account_ops.load_account(account_id))


@blp.route("/me/password", methods=["POST"])
@blp.response(204)
@blp.documented_errors(401, 422)
@blp.arguments(PasswordChangeIn)
def change_my_password(data):
    """Đổi mật khẩu của chính mình; các phiên và mã truy cập khác chấm dứt, hãy đăng nhập lại."""
    account_ops.change_own_password(current_user(), data)
