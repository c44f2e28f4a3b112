"""The JSON API under /api/v1, its OpenAPI document and its offline docs page."""
from __future__ import annotations

from pathlib import Path

from flask import Blueprint, Flask, render_template, send_from_directory, url_for
import swagger_ui_bundle
from flask_smorest import Api

from . import errors
from .errors import ErrorOut
from .parsing import IdConverter

SWAGGER_UI_DIR = Path(swagger_ui_bundle.swagger_ui_path)

docs_bp = Blueprint("api_docs", __name__, url_prefix="/api/v1", template_folder="templates",
                    static_folder="static", static_url_path="/docs/assets")


@docs_bp.route("/docs")
def docs_page():
    """An interactive API page whose scripts and styles come from this service, not from a CDN."""
    return render_template("api_docs.html", spec_url=url_for("api-docs.openapi_json"))


@docs_bp.route("/docs/swagger-ui/<path:filename>")
def swagger_ui_file(filename: str):
    return send_from_directory(SWAGGER_UI_DIR, filename, max_age=86400)


class ServiceApi(Api):
    # Errors flask-smorest documents by itself (422 on arguments, "default") have the service's shape.
    ERROR_SCHEMA = ErrorOut

    def _register_error_handlers(self):
        # The service registers its own handlers (one error shape for everything).
        pass


def init_app(app: Flask) -> None:
    app.config.update({
        "API_TITLE": "Hồ sơ đề nghị khen thưởng — API",
        "API_VERSION": "v1",
        "OPENAPI_VERSION": "3.0.3",
        "OPENAPI_URL_PREFIX": "/api/v1",
        "OPENAPI_JSON_PATH": "openapi.json",
        "API_SPEC_OPTIONS": {
            "components": {"securitySchemes": {"bearerAuth": {"type": "http", "scheme": "bearer"}}},
            "security": [{"bearerAuth": []}],
            "info": {"description": "Lập, xét, nộp, thẩm định và phê duyệt hồ sơ đề nghị khen thưởng. "
                                    "Lấy mã truy cập bằng POST /api/v1/auth/token rồi gửi tiêu đề "
                                    "“Authorization: Bearer <mã>”."},
        },
    })
    # Before any route is added: ids larger than an id column holds must not reach the database.
    app.url_map.converters["int"] = IdConverter
    api = ServiceApi(app)
    from .awards import blp as awards_blp
    from .handlers import blp
    from .files import blp as files_blp
    from .jobs import blp as jobs_blp
    from .accounts import blp as accounts_blp
    from .officials import blp as officials_blp
    from .people import blp as people_blp
    from .rounds import blp as rounds_blp
    from .salaries import blp as salaries_blp
    from .statistics import blp as statistics_blp

    api.register_blueprint(blp)
    api.register_blueprint(rounds_blp)
    api.register_blueprint(files_blp)
    api.register_blueprint(salaries_blp)
    api.register_blueprint(jobs_blp)
    api.register_blueprint(officials_blp)
    api.register_blueprint(statistics_blp)
    api.register_blueprint(people_blp)
    api.register_blueprint(accounts_blp)
    api.register_blueprint(awards_blp)
    app.register_blueprint(docs_bp)
    errors.register(app)
