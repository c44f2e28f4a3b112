"""Accounts kept by the administrator, and every user's own password.

An account created or reset by someone else gets a temporary password, shown
once to whoever made it, and must replace it before anything else (pages send
the user to the password page, the API refuses with 403). A reset or a
deactivation ends every page session and API token of the account.

Every function that changes data takes the acting user first, checks its
preconditions, flushes and audits; the request layer commits.
"""
from __future__ import annotations

import re
import secrets
from typing import Any

import sqlalchemy as sa

from .. import access, audit, auth
from ..db import db
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import ROLES, Unit, User

USERNAME_PATTERN = re.compile(r"[a-z0-9._-]{3,64}")
# Without look-alike characters (0/O, 1/l/I), so that it can be read aloud or copied by hand.
_TEMPORARY_ALPHABET = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"
TEMPORARY_PASSWORD_LENGTH = 12
PAGE_SIZE = 50
ADMIN_ONLY = "Chỉ quản trị hệ thống mới được quản lý tài khoản."


def temporary_password() -> str:
    return "".join(secrets.choice(_TEMPORARY_ALPHABET) for _ in range(TEMPORARY_PASSWORD_LENGTH))


def _check(actor: User) -> None:
    if not access.can_manage_accounts(actor):
        raise Forbidden(ADMIN_ONLY)


def load_account(account_id: int) -> User:
    account = db.session.get(User, account_id)
    if account is None:
        raise NotFound(f"Không tìm thấy tài khoản số {account_id}.")
    return account


def list_accounts(actor: User, *, search: str = "", page: int = 1) -> dict[str, Any]:
    """One page of accounts, by username; ``search`` matches the username or the full name."""
    _check(actor)
    query = sa.select(User)
    if search.strip():
        pattern = f"%{search.strip().lower()}%"
        query = query.where(sa.or_(User.username.like(pattern), sa.func.lower(User.full_name).like(pattern)))
    total = db.session.scalar(sa.select(sa.func.count()).select_from(query.subquery()))
    items = db.session.scalars(query.order_by(User.username).limit(PAGE_SIZE)
                               .offset((max(page, 1) - 1) * PAGE_SIZE)).all()
    return {"items": items, "total": total, "page": max(page, 1), "page_size": PAGE_SIZE}


def create_account(actor: User, data: dict[str, Any]) -> tuple[User, str]:
    """A new account with a temporary password, returned once beside it."""
    _check(actor)
    username = (data.get("username") or "").strip()
    errors: dict[str, list[str]] = {}
    if not USERNAME_PATTERN.fullmatch(username):
        errors["username"] = ["Tên đăng nhập gồm 3–64 ký tự: chữ thường không dấu, chữ số, dấu chấm, "
                              "gạch dưới hoặc gạch ngang."]
    if data.get("role") not in ROLES:
        errors["role"] = ["Vai trò không có trong danh sách vai trò."]
    unit = db.session.get(Unit, data.get("unit_id") or 0)
    if unit is None:
        errors["unit_id"] = ["Không có đơn vị này."]
    elif not unit.is_active:
        errors["unit_id"] = ["Đơn vị này đã ngừng hoạt động."]
    if errors:
        raise ValidationFailed("Thông tin tài khoản chưa đúng.", fields=errors)
    password = temporary_password()
    user = auth.create_user(actor, username=username, full_name=data.get("full_name") or "", role=data["role"],
                            unit=unit, password=password)
    user.must_change_password = True
    db.session.flush()
    return user, password


def reset_account_password(actor: User, account: User) -> str:
    """A new temporary password for ``account``, returned once; its sessions and tokens end."""
    _check(actor)
    password = temporary_password()
    auth.reset_password(actor, account, password)
    account.must_change_password = True
    db.session.flush()
    return password


def deactivate_account(actor: User, account: User) -> User:
    _check(actor)
    if account.id == actor.id:
        raise ValidationFailed("Không thể tự khóa tài khoản của chính mình.", fields={"account": ["Của chính bạn."]})
    auth.deactivate_user(actor, account)
    db.session.flush()
    return account


def change_own_password(user: User, data: dict[str, Any]) -> None:
    """The user replaces their own password, knowing the current one; other sessions and tokens end."""
    current, new = data.get("current_password") or "", data.get("new_password") or ""
    if auth.authenticate(user.username, current) is None:
        raise ValidationFailed("Mật khẩu hiện tại không đúng.", fields={"current_password": ["Không đúng."]})
    if new == current:
        raise ValidationFailed("Mật khẩu mới phải khác mật khẩu hiện tại.",
                               fields={"new_password": ["Trùng mật khẩu hiện tại."]})
    auth.reset_password(user, user, new)
    user.must_change_password = False
    db.session.flush()
