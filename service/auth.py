"""Passwords, bearer tokens, and the acts that end a user's sessions.

Page sessions carry the user's ``session_generation`` (see ``service.web.session``);
:func:`end_page_sessions` raises it, so every page session of that user ends at
once. A password reset and a deactivation also revoke every API token.
"""
from __future__ import annotations

import datetime as dt
import hashlib
import secrets

import sqlalchemy as sa
from sqlalchemy.orm import joinedload
from werkzeug.security import check_password_hash, generate_password_hash

from . import audit
from .db import db, utcnow
from .errors import TooManyAttempts, ValidationFailed
from .models import ApiToken, LoginFailure, Unit, User
from .text import clean_text

MIN_PASSWORD_LENGTH = 8

# A hash to compare against when the user does not exist, so that a wrong
# username takes as long as a wrong password.
_DUMMY_HASH = generate_password_hash("không-có-người-dùng-này")


def hash_password(password: str) -> str:
    # Werkzeug's default is scrypt, a memory-hard scheme.
    return generate_password_hash(password)


def authenticate(username: str, password: str) -> User | None:
    user = db.session.scalar(sa.select(User).where(User.username == username))
    if user is None or not user.is_active:
        check_password_hash(_DUMMY_HASH, password)
        return None
    if not check_password_hash(user.password_hash, password):
        return None
    return user


# Refused sign-ins are counted over a sliding window: per account (guessing one
# password) and per client address (trying many accounts). Limits are settings.
THROTTLE_WINDOW = dt.timedelta(minutes=15)


def authenticate_throttled(username: str, password: str, client_address: str) -> User | None:
    """``authenticate`` behind login throttling; every entry point that takes a password uses it.

    Raises TooManyAttempts (429) once an account or an address has too many
    recent refusals, before the password is even checked. A refusal is recorded
    in its own transaction, so it counts although the request itself fails.
    """
    from flask import current_app

    username = username.strip()[:64]
    client_address = (client_address or "?")[:64]
    since = utcnow() - THROTTLE_WINDOW
    per_account = db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(
        LoginFailure.username == username, LoginFailure.created_at > since))
    per_address = db.session.scalar(sa.select(sa.func.count()).select_from(LoginFailure).where(
        LoginFailure.client_address == client_address, LoginFailure.created_at > since))
    if (per_account >= current_app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
            or per_address >= current_app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"]):
        minutes = int(THROTTLE_WINDOW.total_seconds() // 60)
        raise TooManyAttempts(
            f"Đăng nhập sai quá nhiều lần. Hãy thử lại sau {minutes} phút hoặc nhờ quản trị viên đặt lại mật khẩu.",
            retry_after=int(THROTTLE_WINDOW.total_seconds()))
    user = authenticate(username, password)
    if user is None:
        with db.engine.begin() as connection:
            connection.execute(sa.insert(LoginFailure).values(
                username=username, client_address=client_address, created_at=utcnow()))
        return None
    db.session.execute(sa.delete(LoginFailure).where(LoginFailure.username == username))
    return user


def _digest(raw_token: str) -> str:
    return hashlib.sha256(raw_token.encode("utf-8")).hexdigest()


def issue_token(user: User, ttl: dt.timedelta) -> tuple[str, ApiToken]:
    """Create a token for ``user``; the raw value is returned once and never stored."""
    raw = secrets.token_urlsafe(32)
    token = ApiToken(user=user, token_hash=_digest(raw), expires_at=utcnow() + ttl)
    db.session.add(token)
    db.session.flush()
    return raw, token


# One query for the token, its user and the user's unit: this runs on every API call. Built once,
# so that SQLAlchemy computes its cache key once instead of on every call.
_TOKEN_WITH_USER = (sa.select(ApiToken).where(ApiToken.token_hash == sa.bindparam("token_hash"))
                    .options(joinedload(ApiToken.user).joinedload(User.unit)))


def user_for_token(raw_token: str) -> User | None:
    token = db.session.scalar(_TOKEN_WITH_USER, {"token_hash": _digest(raw_token)})
    if token is None or token.revoked_at is not None or token.expires_at <= utcnow():
        return None
    if not token.user.is_active:
        return None
    return token.user


def revoke_token(raw_token: str) -> bool:
    token = db.session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == _digest(raw_token)))
    if token is None or token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    return True


# --- accounts -----------------------------------------------------------------------------------------

def _check_password(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise ValidationFailed(f"Mật khẩu phải có ít nhất {MIN_PASSWORD_LENGTH} ký tự.",
                               fields={"password": [f"Ít nhất {MIN_PASSWORD_LENGTH} ký tự."]})


def create_user(actor: User | None, *, username: str, full_name: str, role: str, unit: Unit,
                password: str) -> User:
    """A new account; its username and full name pass the same text gate as everything people type."""
    username = clean_text(username, field="username", label="Tên đăng nhập", max_length=64)
    full_name = clean_text(full_name, field="full_name", label="Họ và tên", max_length=128)
    if not username or not full_name:
        raise ValidationFailed("Tên đăng nhập và họ tên không được để trống.",
                               fields={name: ["Không được để trống."] for name, value in
                                       (("username", username), ("full_name", full_name)) if not value})
    if db.session.scalar(sa.select(User.id).where(User.username == username)) is not None:
        raise ValidationFailed(f"Tên đăng nhập “{username}” đã có.", fields={"username": ["Đã có."]})
    _check_password(password)
    user = User(username=username, full_name=full_name, role=role, unit=unit, password_hash=hash_password(password))
    db.session.add(user)
    db.session.flush()
    audit.record(actor, "user.create", user, subject=username,
                 changes=audit.created({"username": username, "full_name": full_name, "role": role,
                                        "unit": unit.code}))
    return user


def end_page_sessions(user: User) -> None:
    """End every page session of ``user``, in every browser, at the next request each makes."""
    user.session_generation = (user.session_generation or 0) + 1


def revoke_tokens(user: User) -> None:
    db.session.execute(sa.update(ApiToken).where(ApiToken.user_id == user.id, ApiToken.revoked_at.is_(None))
                       .values(revoked_at=utcnow()))


def reset_password(actor: User | None, user: User, password: str) -> None:
    """Set a new password; every page session and API token of ``user`` ends."""
    _check_password(password)
    user.password_hash = hash_password(password)
    end_page_sessions(user)
    revoke_tokens(user)
    audit.record(actor, "user.reset_password", user, subject=user.username, always=True)


def deactivate_user(actor: User | None, user: User) -> None:
    """Close the account: it can no longer sign in, and every page session and API token ends."""
    if user.is_active:
        audit.record(actor, "user.deactivate", user, subject=user.username,
                     changes=audit.diff({"is_active": True}, {"is_active": False}))
    user.is_active = False
    end_page_sessions(user)
    revoke_tokens(user)
