"""The award-dossier service (Hệ thống hồ sơ đề nghị khen thưởng).

``create_app`` builds one application: configuration (defaults, environment,
then ``config``), database, JSON API, CLI commands and error handling.
"""
from __future__ import annotations

import logging
import uuid
from typing import Any, Mapping

from flask import Flask, g, request

from .config import build_config

log = logging.getLogger(__name__)
# transitions logs every state entry at INFO; the service writes its own history.
logging.getLogger("transitions").setLevel(logging.WARNING)


def create_app(config: Mapping[str, Any] | None = None) -> Flask:
    app = Flask(__name__, instance_relative_config=True)
    app.config.from_mapping(build_config(app.instance_path, config))
    # Vietnamese stays readable in JSON instead of \u escapes.
    app.json.ensure_ascii = False

    from . import cli, security, sql_count, transaction
    from .api import init_app as init_api
    from .db import db
    from .web import init_app as init_web

    db.init_app(app)
    transaction.init_app(app)
    security.init_app(app)
    init_api(app)
    cli.init_app(app)
    _init_request_ids(app)
    init_web(app)
    with app.app_context():
        sql_count.init_app(app, db.engine)

    if app.config["AUTO_MIGRATE"]:
        from .migrate import upgrade_database

        with app.app_context():
            upgrade_database()
    if app.config["LOAD_DEMO_DATA"]:
        from .demo import load_demo_data

        with app.app_context():
            load_demo_data(only_if_empty=True)
            db.session.commit()
    return app


def _init_request_ids(app: Flask) -> None:
    """Every request gets an id that is logged with its errors and returned to the client."""

    @app.before_request
    def assign_request_id():
        incoming = request.headers.get("X-Request-Id", "")
        g.request_id = incoming if incoming.isalnum() and len(incoming) <= 64 else uuid.uuid4().hex

    @app.after_request
    def expose_request_id(response):
        response.headers["X-Request-Id"] = getattr(g, "request_id", "")
        return response
