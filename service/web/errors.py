"""Error pages for people: every error outside /api/ becomes a Vietnamese page, never a traceback.

service.api.errors builds every error response in one function; this module
gives it a renderer for page requests (registered on the app), so the JSON
shape of the API stays exactly as it is.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, g, render_template, request
from flask_wtf.csrf import CSRFError

from ..db import db
from .session import safe_next

log = logging.getLogger(__name__)

TITLES = {
    400: "Yêu cầu không hợp lệ",
    401: "Cần đăng nhập",
    403: "Bạn không có quyền xem trang này",
    404: "Không tìm thấy trang",
    405: "Thao tác không được hỗ trợ",
    409: "Hồ sơ vừa được người khác thay đổi",
    413: "Dữ liệu gửi lên quá lớn",
    422: "Thông tin chưa hợp lệ",
    429: "Quá nhiều yêu cầu",
    500: "Đã xảy ra lỗi",
    503: "Hệ thống đang bận",
}
HINTS = {
    403: "Nếu bạn cần làm việc này, hãy liên hệ quản trị hệ thống của đơn vị.",
    404: "Địa chỉ có thể đã gõ sai, hoặc hồ sơ này không thuộc phạm vi bạn được xem.",
    409: "Hãy tải lại để xem nội dung mới nhất rồi thực hiện lại.",
    500: "Dữ liệu của bạn không bị thay đổi. Hãy thử lại; nếu vẫn lỗi, báo quản trị hệ thống kèm mã yêu cầu bên dưới.",
    503: "Hãy thử lại sau ít phút.",
}
STALE_CODES = ("stale_state", "stale_version", "conflict")


def _reload_url() -> str:
    """Where "tải lại" leads: the page the user came from when it is on this site, else the home page."""
    referrer = request.referrer or ""
    host = request.host_url.rstrip("/")
    if referrer.startswith(host):
        path = safe_next(referrer[len(host):])
        if path:
            return path
    return request.path if request.method == "GET" else "/"


def render_error_page(status: int, code: str, message: str, fields: dict[str, Any] | None = None,
                      details: dict[str, Any] | None = None) -> Response:
    """The page for an error response; falls back to plain text if even the page cannot be drawn."""
    is_stale = status == 409 and code in STALE_CODES
    try:
        html = render_template(
            "error.html", status=status, title=TITLES.get(status, "Đã xảy ra lỗi"), message=message,
            hint=HINTS.get(status, ""), is_stale=is_stale, reload_url=_reload_url(),
            request_id=getattr(g, "request_id", ""), viewer=getattr(g, "viewer", None))
    except Exception:  # the page itself failed (database down while drawing the header, say)
        log.exception("error page for %s could not be rendered", status)
        db.session.rollback()
        html = f"{TITLES.get(status, 'Đã xảy ra lỗi')}. {message}"
        return Response(html, status=status, mimetype="text/plain")
    return Response(html, status=status, mimetype="text/html")


def handle_csrf_error(error: CSRFError) -> Response:
    """Only page forms are checked for CSRF (see service.web.init_app), so this is always a page."""
    db.session.rollback()
    return render_error_page(
        400, "csrf_failed",
        "Biểu mẫu đã hết hạn hoặc không hợp lệ (mã bảo vệ CSRF không khớp). Hãy tải lại trang rồi gửi lại.")


def init_app(app) -> None:
    app.extensions["page_error_renderer"] = render_error_page
    app.register_error_handler(CSRFError, handle_csrf_error)
