"""Who is signed in to the pages: a user id in Flask's signed session cookie.

The cookie also carries the user's session generation at sign-in and the time
the session was last used. A request whose generation is behind the user's
(after a sign-out elsewhere, a password reset or a deactivation) or that comes
after ``PAGE_SESSION_IDLE_MINUTES`` of silence finds itself signed out. The
last-use time lives in the cookie, so checking it writes nothing to the database.
"""
from __future__ import annotations

import functools
import time
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import current_app, g, redirect, request, session, url_for

from ..auth import end_page_sessions
from ..db import db
from ..models import User
from . import views

SESSION_KEY = "user_id"
GENERATION_KEY = "generation"
LAST_SEEN_KEY = "seen"
# The last-use time is rewritten at most this often (seconds), so that most responses leave the cookie as it is.
_SEEN_RESOLUTION = 60


def _now() -> int:
    return int(time.time())


def load_signed_in_user() -> None:
    """Set ``g.user`` for page requests; the JSON API authenticates with bearer tokens instead.

    Runs first for every request, so no user of an earlier request is ever left in ``g``.
    """
    g.user = None
    g.viewer = None
    if request.path.startswith("/api/") or request.endpoint == "web.static":
        return
    user_id = session.get(SESSION_KEY)
    if user_id is None:
        return
    now, seen = _now(), session.get(LAST_SEEN_KEY)
    if not isinstance(seen, int) or now - seen > current_app.config["PAGE_SESSION_IDLE_MINUTES"] * 60:
        session.clear()
        return
    user = db.session.get(User, user_id)
    if user is None or not user.is_active or session.get(GENERATION_KEY) != user.session_generation:
        session.clear()
        return
    if now - seen >= _SEEN_RESOLUTION:
        session[LAST_SEEN_KEY] = now
    g.user = user
    # Drawn once per request as plain values, so an error page can show it without the database.
    g.viewer = views.viewer(user)


def signed_in_user() -> User | None:
    return getattr(g, "user", None)


def current_user() -> User:
    """The signed-in user; only called inside views wrapped by ``login_required``."""
    user = signed_in_user()
    if user is None:  # pragma: no cover - login_required runs first
        raise RuntimeError("no signed-in user")
    return user


def sign_in(user: User) -> None:
    # A fresh session on every sign-in, so nothing from before survives (session fixation).
    session.clear()
    session.update(session_values(user))


def session_values(user: User) -> dict[str, int]:
    """What a fresh page session of ``user`` holds."""
    return {SESSION_KEY: user.id, GENERATION_KEY: user.session_generation, LAST_SEEN_KEY: _now()}


def sign_out() -> None:
    """End this session and every other page session of the same user."""
    user = signed_in_user()
    if user is not None:
        end_page_sessions(user)
    session.clear()


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, otherwise None (no open redirect)."""
    if not target:
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return None
    return target


def login_required(view: Callable[..., Any]) -> Callable[..., Any]:
    @functools.wraps(view)
    def wrapped(*args, **kwargs):
        user = signed_in_user()
        if user is None:
            return redirect(url_for("web.login", next=request.full_path if request.query_string else request.path))
        if user.must_change_password and request.endpoint != "web.change_password":
            # A temporary password given by an administrator is replaced before anything else.
            return redirect(url_for("web.change_password"))
        return view(*args, **kwargs)

    return wrapped


def wants_json() -> bool:
    """A page's own script asking (Accept: application/json) rather than the browser loading a page."""
    return request.accept_mimetypes.best == "application/json"
