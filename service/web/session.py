"""Who is signed in to the pages: a user id in Flask's signed session cookie."""
from __future__ import annotations

import functools
from typing import Any, Callable
from urllib.parse import urlsplit

from flask import g, redirect, request, session, url_for

from ..db import db
from ..models import User
from . import views

SESSION_KEY = "user_id"


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
    user = db.session.get(User, user_id)
    if user is None or not user.is_active:
        session.clear()
        return
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
    session[SESSION_KEY] = user.id


def sign_out() -> None:
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
        if signed_in_user() is None:
            return redirect(url_for("web.login", next=request.full_path if request.query_string else request.path))
        return view(*args, **kwargs)

    return wrapped


def wants_json() -> bool:
    """A page's own script asking (Accept: application/json) rather than the browser loading a page."""
    return request.accept_mimetypes.best == "application/json"
