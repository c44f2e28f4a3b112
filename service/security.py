"""HTTP hygiene for every response: security headers, HTTPS behind a proxy.

The pages load scripts and styles from this service only, so the
Content-Security-Policy forbids every other origin and inline scripts. The API
docs page (Swagger UI) sets style attributes from its own script, so it alone
may use inline styles.
"""
from __future__ import annotations

from flask import Flask, Response, request
from werkzeug.middleware.proxy_fix import ProxyFix

_CSP = ("default-src 'self'; script-src 'self'; style-src 'self'{extra_style}; img-src 'self' data:; "
        "font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; "
        "frame-ancestors 'none'")
POLICY = _CSP.format(extra_style="")
DOCS_POLICY = _CSP.format(extra_style=" 'unsafe-inline'")


def init_app(app: Flask) -> None:
    if app.config.get("BEHIND_HTTPS_PROXY"):
        # One proxy in front: trust its scheme and client address, so that cookies
        # are Secure, redirects stay on https and login throttling sees the real address.
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=1, x_proto=1, x_host=1)  # type: ignore[method-assign]
        app.config["SESSION_COOKIE_SECURE"] = True

    @app.after_request
    def add_security_headers(response: Response) -> Response:
        headers = response.headers
        headers.setdefault("Content-Security-Policy",
                           DOCS_POLICY if request.path.startswith("/api/v1/docs") else POLICY)
        headers.setdefault("X-Content-Type-Options", "nosniff")
        headers.setdefault("X-Frame-Options", "DENY")
        headers.setdefault("Referrer-Policy", "same-origin")
        headers.setdefault("Permissions-Policy", "camera=(), microphone=(), geolocation=()")
        headers.setdefault("Cross-Origin-Opener-Policy", "same-origin")
        if request.is_secure:
            headers.setdefault("Strict-Transport-Security", "max-age=31536000")
        return response
