"""The administrator's accounts page: list and search, create, reset a password, deactivate."""
from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import render_template, request, url_for

from .. import access
from ..db import db
from ..errors import DomainError, Forbidden, NotFound
from ..models import ROLES, Unit, User
from ..operations import accounts as account_ops
from ..lookup import requires
from ..vocabulary import ROLE_LABELS
from .blueprint import bp
from .session import login_required

accounts_admin = requires(access.can_manage_accounts, account_ops.ADMIN_ONLY)


def _page(user: User, *, form: dict[str, Any] | None = None, error: DomainError | None = None,
          issued: dict[str, str] | None = None) -> dict[str, Any]:
    """Plain values for the page; ``issued`` is a temporary password shown this once."""
    search = request.args.get("q", "").strip()
    number = request.args.get("trang", "1")
    listing = account_ops.list_accounts(user, search=search, page=int(number) if number.isdigit() else 1)
    units = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.is_active.is_(True))
                                    .order_by(Unit.name)).all())
    all_units = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(
        Unit.id.in_({a.unit_id for a in listing["items"]}))).all())
    pages = max(1, -(-listing["total"] // listing["page_size"]))

    def page_url(n: int) -> str:
        return url_for("web.admin_accounts", q=search or None, trang=n)

    return {
        "search": search,
        "accounts": [{"id": a.id, "username": a.username, "full_name": a.full_name, "role": ROLE_LABELS[a.role],
                      "unit": all_units.get(a.unit_id, ""), "is_active": a.is_active,
                      "must_change_password": a.must_change_password} for a in listing["items"]],
        "pager": {"page": listing["page"], "pages": pages, "total": listing["total"],
                  "page_size": listing["page_size"],
                  "first": (listing["page"] - 1) * listing["page_size"] + 1,
                  "last": (listing["page"] - 1) * listing["page_size"] + len(listing["items"]),
                  "previous": page_url(listing["page"] - 1) if listing["page"] > 1 else "",
                  "next": page_url(listing["page"] + 1) if listing["page"] < pages else ""},
        "roles": [(role, ROLE_LABELS[role]) for role in ROLES],
        "units": list(units.items()),
        "form": form or {},
        "message": error.message if error is not None else "",
        "errors": error.fields if error is not None else {},
        "issued": issued,
    }


def _refused(error: DomainError) -> None:
    db.session.rollback()
    if isinstance(error, (Forbidden, NotFound)):
        raise error


@bp.route("/quan-tri/tai-khoan")
@login_required
@accounts_admin
def admin_accounts(user: User):
    return render_template("admin/accounts.html", page=_page(user))


@bp.route("/quan-tri/tai-khoan", methods=["POST"])
@login_required
@accounts_admin
def admin_create_account(user: User):
    form = {name: request.form.get(name, "").strip() for name in ("username", "full_name", "role", "unit_id")}
    data = {**form, "unit_id": int(form["unit_id"]) if form["unit_id"].isdigit() else None}
    try:
        account, password = account_ops.create_account(user, data)
    except DomainError as error:
        _refused(error)
        return render_template("admin/accounts.html", page=_page(user, form=form, error=error)), error.status
    return render_template("admin/accounts.html", page=_page(user, issued={
        "username": account.username, "password": password, "verb": "Đã tạo tài khoản"})), 201


@bp.route("/quan-tri/tai-khoan/<int:account_id>/dat-lai-mat-khau", methods=["POST"])
@login_required
@accounts_admin
def admin_reset_account(user: User, account_id: int):
    account = account_ops.load_account(account_id)
    password = account_ops.reset_account_password(user, account)
    return render_template("admin/accounts.html", page=_page(user, issued={
        "username": account.username, "password": password, "verb": "Đã đặt lại mật khẩu của"}))


@bp.route("/quan-tri/tai-khoan/<int:account_id>/khoa", methods=["POST"])
@login_required
@accounts_admin
def admin_deactivate_account(user: User, account_id: int):
    try:
        account_ops.deactivate_account(user, account_ops.load_account(account_id))
    except DomainError as error:
        _refused(error)
        return render_template("admin/accounts.html", page=_page(user, error=error)), error.status
    return render_template("admin/accounts.html", page=_page(user))
