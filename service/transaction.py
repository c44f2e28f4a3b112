"""One commit per request, in one place.

Operations only flush. A request that ends with a success status is committed
here; anything else is rolled back by the error handlers. A commit that fails
turns into a clear error response, and the data stays as it was.
"""
from __future__ import annotations

import logging

from flask import Flask, Response
from sqlalchemy.exc import IntegrityError, OperationalError
from sqlalchemy.orm.exc import StaleDataError

from .db import db

log = logging.getLogger(__name__)


def init_app(app: Flask) -> None:
    @app.after_request
    def commit_session(response: Response) -> Response:
        if response.status_code >= 400:
            db.session.rollback()
            return response
        try:
            db.session.commit()
        except (StaleDataError, IntegrityError, OperationalError) as error:
            db.session.rollback()
            from .api.errors import error_response

            log.warning("commit refused: %s", error)
            if isinstance(error, OperationalError):
                return error_response(503, "unavailable", "Cơ sở dữ liệu đang bận; hãy thử lại sau ít phút.")
            return error_response(409, "conflict",
                                  "Dữ liệu vừa được người khác thay đổi. Hãy tải lại rồi thực hiện lại.")
        return response
