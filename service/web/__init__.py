"""Pages for the people who do the work: unit clerks, council secretaries, unit heads, reviewers,
approvers and administrators, in Vietnamese, served by Flask with Jinja templates.

Handlers here are glue like the API's: load, check access, call one operation
from service.operations, then show the result. Sign-in uses a session cookie
(HttpOnly, SameSite=Lax); every form carries a CSRF token. The JSON API under
/api/ authenticates with bearer tokens and is not checked for CSRF.
"""
from __future__ import annotations

from flask import Flask, g, request
from flask_wtf.csrf import CSRFProtect

from .blueprint import bp

csrf = CSRFProtect()

UNSAFE_METHODS = ("POST", "PUT", "PATCH", "DELETE")
# Everything a page loads comes from this service: no CDN, no inline script or style.
def init_app(app: Flask) -> None:
    from . import errors, format, session
    from . import account, admin, dossier, home, jobs, meeting, officials, rounds  # noqa: F401 - they register their routes on bp
    from . import statistics  # noqa: F401
    from . import accounts  # noqa: F401 - registers its routes on bp

    if app.config.get("SESSION_COOKIE_NAME") == "session":  # Flask's default; a deployment may choose another
        app.config["SESSION_COOKIE_NAME"] = "hoso_session"
    app.config["SESSION_COOKIE_HTTPONLY"] = True
    if not app.config.get("SESSION_COOKIE_SAMESITE"):
        app.config["SESSION_COOKIE_SAMESITE"] = "Lax"
    # Checked below for pages only, so that API clients with bearer tokens need no token.
    app.config.setdefault("WTF_CSRF_CHECK_DEFAULT", False)
    # A token lives as long as the session: a long form typed over an hour must still go through.
    app.config.setdefault("WTF_CSRF_TIME_LIMIT", None)
    csrf.init_app(app)

    @app.before_request
    def forget_cached_csrf_token():
        # Flask-WTF caches the token in g; g outlives a request when the caller keeps an
        # application context pushed (the test suite does), and a stale token would not
        # match this request's session.
        g.pop("csrf_token", None)

    app.before_request(session.load_signed_in_user)

    @app.before_request
    def check_csrf_on_pages():
        if request.method in UNSAFE_METHODS and not request.path.startswith("/api/"):
            csrf.protect()

    # Security headers (CSP and the rest) are set for every response in service.security.

    @app.context_processor
    def page_context():
        return {"viewer": getattr(g, "viewer", None)}

    format.register_filters(app)
    errors.init_app(app)
    app.register_blueprint(bp)
