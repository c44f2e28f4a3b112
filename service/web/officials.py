"""The page of a unit's officials, the people who may sign its documents (Decree 30/2020, art. 13).

Its own people see the list; the administrator and the unit's head keep it. Same
shape as the other page handlers: the decorator loads the unit and checks the
rule (403 otherwise), the handler reads the form, calls one operation, then
redirects with a message or shows the page again with the reasons next to the fields.
"""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

from .. import access
from ..db import db
from ..errors import DomainError, Forbidden, NotFound
from ..lookup import with_official, with_unit
from ..models import Unit, UnitOfficial, User
from ..operations import officials as official_ops
from ..schemas.officials import OfficialIn, OfficialUpdateIn
from . import forms
from .blueprint import bp
from .session import login_required
from .views import ROLE_LABELS, empty_form

FIELDS = ("full_name", "position", "user_id", "is_head", "is_active")
NOT_YOURS = "Chỉ người của đơn vị và quản trị hệ thống mới xem được danh sách người ký của đơn vị."
MANAGERS_ONLY = "Chỉ quản trị hệ thống và thủ trưởng đơn vị mới được sửa danh sách người ký của đơn vị."


def officials_url(unit_id: int, anchor: str = "") -> str:
    return url_for("web.unit_officials", unit_id=unit_id) + (f"#{anchor}" if anchor else "")


def _values(official: UnitOfficial | None) -> dict[str, Any]:
    if official is None:
        return {"full_name": "", "position": "", "user_id": "", "is_head": False, "is_active": True}
    return {"full_name": official.full_name, "position": official.position, "user_id": official.user_id or "",
            "is_head": official.is_head, "is_active": official.is_active}


def form_values(form: MultiDict) -> dict[str, Any]:
    return {"full_name": form.get("full_name", ""), "position": form.get("position", ""),
            "user_id": form.get("user_id", ""), "is_head": form.get("is_head") == "1",
            "is_active": form.get("is_active") == "1"}


def parse_official(form: MultiDict, *, new: bool) -> dict[str, Any]:
    """The posted official as add_official / update_official take it, checked by the API's schema."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"full_name": form.get("full_name", ""), "position": form.get("position", ""),
                            "user_id": forms._optional_int(form, "user_id", errors, "tài khoản"),
                            "is_head": form.get("is_head") == "1"}
    if not new:
        data["is_active"] = form.get("is_active") == "1"
    schema = OfficialIn() if new else OfficialUpdateIn()
    return forms._load(schema, data, "Thông tin người ký chưa hợp lệ.", errors)


def officials_page(user: User, unit: Unit) -> dict[str, Any]:
    officials = official_ops.unit_officials(unit, active_only=False)
    accounts = list(db.session.scalars(sa.select(User).where(User.unit_id == unit.id, User.is_active.is_(True))
                                       .order_by(User.full_name)))
    names = {account.id: f"{account.full_name} ({account.username})" for account in accounts}
    page_forms = {"official-new": empty_form(_values(None))}
    for official in officials:
        page_forms[f"official-{official.id}"] = empty_form(_values(official))
    return {
        "unit": {"id": unit.id, "name": unit.name, "short_name": unit.short_name},
        "officials": [{"id": o.id, "full_name": o.full_name, "position": o.position, "is_head": o.is_head,
                       "is_active": o.is_active, "account": names.get(o.user_id, "")} for o in officials],
        "accounts": [{"id": a.id, "label": f"{a.full_name} ({a.username}, {ROLE_LABELS.get(a.role, a.role)})"}
                     for a in accounts],
        "can_manage": access.can_manage_officials(user, unit), "forms": page_forms,
    }


def render_officials(user: User, unit: Unit, *, status: int = 200, target: str | None = None,
                     values: dict[str, Any] | None = None, error: DomainError | None = None):
    page = officials_page(user, unit)
    if target is not None:
        forms.show_refused(page["forms"].setdefault(target, empty_form(_values(None))), values=values, error=error,
                           placed=FIELDS)
    return render_template("officials.html", page=page), status


def refuse(user: User, unit_id: int, error: DomainError, *, target: str, values: dict[str, Any]):
    db.session.rollback()
    if isinstance(error, (Forbidden, NotFound)):
        raise error
    return render_officials(user, db.session.get(Unit, unit_id), status=error.status, target=target, values=values,
                            error=error)


@bp.route("/don-vi/<int:unit_id>/nguoi-ky")
@login_required
@with_unit(access.can_view_officials, NOT_YOURS)
def unit_officials(user: User, unit: Unit):
    return render_officials(user, unit)


@bp.route("/don-vi/<int:unit_id>/nguoi-ky", methods=["POST"])
@login_required
@with_unit(access.can_manage_officials, MANAGERS_ONLY)
def add_official(user: User, unit: Unit):
    values = form_values(request.form)
    try:
        official = official_ops.add_official(user, unit, parse_official(request.form, new=True))
    except DomainError as error:
        return refuse(user, unit.id, error, target="official-new", values=values)
    flash(f"Đã thêm “{official.full_name}” ({official.position}) vào danh sách người ký.", "success")
    return redirect(officials_url(unit.id, f"nguoi-ky-{official.id}"))


@bp.route("/don-vi/<int:unit_id>/nguoi-ky/<int:official_id>", methods=["POST"])
@login_required
@with_official(access.can_manage_officials, MANAGERS_ONLY)
def update_official(user: User, unit: Unit, official: UnitOfficial):
    values = form_values(request.form)
    try:
        official_ops.update_official(user, official, parse_official(request.form, new=False))
    except DomainError as error:
        return refuse(user, unit.id, error, target=f"official-{official.id}", values=values)
    flash(f"Đã lưu thay đổi của “{official.full_name}”.", "success")
    return redirect(officials_url(unit.id, f"nguoi-ky-{official.id}"))
