"""The one place where errors become HTTP responses.

API clients always get ``{"error": {"code", "message", "fields"}}`` with a
Vietnamese message; nothing ever answers with a traceback.
"""
from __future__ import annotations

import logging
from typing import Any

from flask import Response, current_app, g, jsonify, request
from marshmallow import Schema, fields
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError
from werkzeug.exceptions import HTTPException

from ..db import db
from ..errors import DomainError

log = logging.getLogger(__name__)

# Vietnamese messages for the HTTP errors that Flask and werkzeug raise themselves.
HTTP_MESSAGES = {
    400: ("bad_request", "Yêu cầu không hợp lệ (dữ liệu gửi lên không đọc được)."),
    401: ("unauthenticated", "Bạn cần đăng nhập (thiếu hoặc sai mã truy cập)."),
    403: ("forbidden", "Bạn không có quyền thực hiện việc này."),
    404: ("not_found", "Không tìm thấy."),
    405: ("method_not_allowed", "Phương thức không được hỗ trợ cho địa chỉ này."),
    409: ("conflict", "Dữ liệu đã bị người khác thay đổi. Hãy tải lại rồi thực hiện lại."),
    413: ("payload_too_large", "Dữ liệu gửi lên quá lớn."),
    415: ("unsupported_media_type", "Dữ liệu phải gửi dưới dạng JSON (Content-Type: application/json)."),
    416: ("range_not_satisfiable", "Không gửi được đoạn tệp đã yêu cầu: tiêu đề Range không hợp lệ "
                                   "hoặc vượt quá kích thước tệp."),
    422: ("validation_failed", "Dữ liệu chưa hợp lệ."),
    429: ("too_many_requests", "Quá nhiều yêu cầu; hãy thử lại sau ít phút."),
    500: ("internal_error", "Lỗi hệ thống. Dữ liệu của bạn không bị thay đổi; hãy thử lại hoặc báo quản trị viên."),
    503: ("unavailable", "Hệ thống đang bận; hãy thử lại sau ít phút."),
}


class ErrorBody(Schema):
    """The one error shape of the API, as the OpenAPI document shows it."""

    code = fields.String(required=True)
    message = fields.String(required=True)
    details = fields.Dict()
    request_id = fields.String()
    # Last: from here on the class body's ``fields`` is this field, not the module.
    fields = fields.Dict(required=True)


class ErrorOut(Schema):
    error = fields.Nested(ErrorBody, required=True)


def error_response(status: int, code: str, message: str, fields: dict[str, Any] | None = None,
                   details: dict[str, Any] | None = None) -> Response:
    # Pages for people (service.web) register a renderer for everything outside /api/.
    render_page = current_app.extensions.get("page_error_renderer")
    if render_page is not None and not request.path.startswith("/api/"):
        return render_page(status, code, message, fields, details)
    body: dict[str, Any] = {"code": code, "message": message, "fields": fields or {}}
    if details:
        body["details"] = details
    request_id = getattr(g, "request_id", None)
    if request_id:
        body["request_id"] = request_id
    response = jsonify({"error": body})
    response.status_code = status
    return response


def _flatten_webargs(messages: Any) -> dict[str, Any]:
    """webargs nests errors by location ({"json": {...}}); clients want field → messages."""
    flat: dict[str, Any] = {}
    if isinstance(messages, dict):
        for location, errors in messages.items():
            if isinstance(errors, dict):
                flat.update(errors)
            else:
                flat[location] = errors
    return flat


def handle_domain_error(error: DomainError) -> Response:
    db.session.rollback()
    response = error_response(error.status, error.code, error.message, error.fields, error.details)
    retry_after = getattr(error, "retry_after", None)
    if retry_after:
        response.headers["Retry-After"] = str(retry_after)
    return response


def handle_http_exception(error: HTTPException) -> Response:
    db.session.rollback()
    status = error.code or 500
    code, message = HTTP_MESSAGES.get(status, ("http_error", error.description or "Lỗi."))
    fields: dict[str, Any] = {}
    data = getattr(error, "data", None) or {}
    if status == 422 and "messages" in data:
        fields = _flatten_webargs(data["messages"])
        if "_schema" in fields and not isinstance(fields["_schema"], dict):
            message = "Dữ liệu chưa hợp lệ: " + " ".join(str(m) for m in fields["_schema"])
    response = error_response(status, code, message, fields)
    for name, value in (data.get("headers") or {}).items():
        response.headers[name] = value
    if status == 416 and getattr(error, "length", None) is not None:
        response.headers["Content-Range"] = f"{error.units} */{error.length}"
    if status == 405 and hasattr(error, "valid_methods") and error.valid_methods:
        response.headers["Allow"] = ", ".join(error.valid_methods)
    return response


def handle_stale(error: StaleDataError) -> Response:
    db.session.rollback()
    return error_response(409, "stale_version",
                          "Dữ liệu vừa được người khác thay đổi. Hãy tải lại rồi thực hiện lại.")


def handle_integrity(error: IntegrityError) -> Response:
    db.session.rollback()
    log.warning("integrity error on %s %s: %s", request.method, request.path, error.orig)
    return error_response(409, "conflict", "Thao tác trùng hoặc mâu thuẫn với dữ liệu hiện có. Hãy tải lại.")


def handle_operational(error: OperationalError) -> Response:
    db.session.rollback()
    log.error("database unavailable on %s %s: %s", request.method, request.path, error.orig)
    return error_response(503, "unavailable", HTTP_MESSAGES[503][1])


def handle_unexpected(error: Exception) -> Response:
    db.session.rollback()
    log.exception("unhandled error on %s %s (request %s)", request.method, request.path,
                  getattr(g, "request_id", "-"))
    return error_response(500, *HTTP_MESSAGES[500])


def register(app) -> None:
    app.register_error_handler(DomainError, handle_domain_error)
    app.register_error_handler(HTTPException, handle_http_exception)
    app.register_error_handler(StaleDataError, handle_stale)
    app.register_error_handler(IntegrityError, handle_integrity)
    app.register_error_handler(OperationalError, handle_operational)
    app.register_error_handler(Exception, handle_unexpected)
