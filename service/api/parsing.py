"""Reading requests safely: JSON bodies and integer ids in paths.

The stock parsers let a few hostile inputs through to places where they
become server errors: JSON nested deep enough to exhaust the recursion limit,
integers too long for Python to parse, lone UTF-16 surrogates (which can be
neither stored nor encoded back into a response), bodies in another format
that were silently read as empty, and path ids larger than the id columns hold
(PostgreSQL's INTEGER is 32 bits: it answers "integer out of range"; SQLite's
driver cannot bind more than 64 bits). Each is refused here with a 4xx instead.
"""
from __future__ import annotations

import json
import re

import flask
import flask_smorest
from webargs import core
from webargs.flaskparser import FlaskParser, is_json_request
from werkzeug.exceptions import UnsupportedMediaType
from werkzeug.routing import IntegerConverter

from ..errors import DomainError
from .errors import ErrorOut

# Ids are INTEGER columns: 32 bits on PostgreSQL, so no row ever has a larger id.
MAX_ID = 2**31 - 1

# A lone surrogate can only come from a \uD800-\uDFFF escape; UTF-8 bytes cannot encode one.
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F][0-9a-fA-F]{2}")


class ArgumentsParser(FlaskParser):
    """webargs' Flask parser, refusing JSON bodies that cannot be handled safely."""

    def _raw_load_json(self, req: flask.Request):
        body = req.get_data(cache=True)
        if not is_json_request(req):
            if body:
                raise UnsupportedMediaType()
            return core.missing
        try:
            data = core.parse_json(body)
        except json.JSONDecodeError:
            raise  # webargs answers these itself (400, or "missing" for an empty body)
        except RecursionError:
            raise DomainError("Dữ liệu JSON lồng nhau quá nhiều tầng, không đọc được.") from None
        except ValueError:  # an integer literal longer than Python agrees to parse
            raise DomainError("Dữ liệu JSON có số quá dài, không đọc được.") from None
        if _SURROGATE_ESCAPE.search(body) and _has_lone_surrogate(data):
            raise DomainError("Dữ liệu JSON chứa ký tự Unicode không hợp lệ (nửa cặp thay thế UTF-16 đứng riêng).")
        return data


def _has_lone_surrogate(data) -> bool:
    try:
        json.dumps(data, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False


class Blueprint(flask_smorest.Blueprint):
    """The API's blueprint: flask-smorest's, reading arguments with :class:`ArgumentsParser`."""

    ARGUMENTS_PARSER = ArgumentsParser()

    ERROR_DESCRIPTIONS = {401: "Chưa đăng nhập", 403: "Không có quyền", 404: "Không tìm thấy",
                          409: "Xung đột trạng thái", 413: "Dữ liệu gửi lên quá lớn", 422: "Dữ liệu chưa hợp lệ",
                          429: "Quá nhiều lần đăng nhập sai"}

    def documented_errors(self, *statuses: int):
        """Declare in the OpenAPI document the error responses a handler may give (one shape)."""
        def decorate(func):
            for status in statuses:
                func = self.alt_response(status, schema=ErrorOut, description=self.ERROR_DESCRIPTIONS[status])(func)
            return func
        return decorate


class IdConverter(IntegerConverter):
    """``<int:…>`` up to the largest id a row can have: a larger one matches no route (404)."""

    def __init__(self, map, fixed_digits: int = 0, min: int | None = None, max: int | None = MAX_ID,
                 signed: bool = False) -> None:
        super().__init__(map, fixed_digits, min, max, signed)
