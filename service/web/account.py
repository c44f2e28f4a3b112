"""Signing in and out of the pages."""
from __future__ import annotations

import logging

from flask import flash, redirect, render_template, request, url_for

from ..auth import authenticate_throttled
from ..errors import TooManyAttempts, ValidationFailed
from ..operations import accounts as account_ops
from .blueprint import bp
from .session import current_user, login_required, safe_next, sign_in, sign_out, signed_in_user

log = logging.getLogger(__name__)


@bp.route("/dang-nhap", methods=["GET", "POST"])
def login():
    next_url = safe_next(request.values.get("next"))
    if request.method == "GET":
        if signed_in_user() is not None:
            return redirect(next_url or url_for("web.home"))
        return render_template("login.html", username="", error="", next_url=next_url or "")
    username = request.form.get("username", "").strip()
    try:
        user = authenticate_throttled(username, request.form.get("password", ""), request.remote_addr or "")
    except TooManyAttempts as error:
        return render_template("login.html", username=username, next_url=next_url or "",
                               error=error.message), 429, {"Retry-After": str(error.retry_after)}
    if user is None:
        log.info("page sign-in refused for %s", username)
        return render_template("login.html", username=username, next_url=next_url or "",
                               error="Tên đăng nhập hoặc mật khẩu không đúng."), 401
    sign_in(user)
    log.info("page sign-in: %s", user.username)
    flash(f"Xin chào {user.full_name}.", "success")
    return redirect(next_url or url_for("web.home"))


@bp.route("/dang-xuat", methods=["POST"])
def logout():
    sign_out()
    flash("Bạn đã đăng xuất.", "info")
    return redirect(url_for("web.login"))


@bp.route("/doi-mat-khau", methods=["GET", "POST"])
@login_required
def change_password():
    """Every user changes their own password; one holding a temporary password is sent here first."""
    user = current_user()
    if request.method == "GET":
        return render_template("change_password.html", errors={}, must_change=user.must_change_password)
    try:
        account_ops.change_own_password(user, {"current_password": request.form.get("current_password", ""),
                                               "new_password": request.form.get("new_password", "")})
    except ValidationFailed as error:
        return render_template("change_password.html", errors=error.fields, message=error.message,
                               must_change=user.must_change_password), 422
    # The change ended every session of the account; this one goes on under the new password.
    sign_in(user)
    flash("Đã đổi mật khẩu.", "success")
    return redirect(url_for("web.home"))
