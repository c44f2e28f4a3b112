"""Page sessions end when they should: signing out ends every page session of the user, so do a
password reset and a deactivation (which also revoke API tokens), and an idle session expires."""
from __future__ import annotations

import re

import sqlalchemy as sa

from conftest import PASSWORD
from service.db import db


def _csrf(client, path: str = "/dang-nhap") -> str:
    html = client.get(path).get_data(as_text=True)
    return re.search(r'name="csrf-token" content="([^"]+)"', html).group(1)


def _sign_in(app, username: str):
    """A browser-less client signed in to the pages as ``username``."""
    client = app.test_client()
    response = client.post("/dang-nhap", data={"username": username, "password": PASSWORD,
                                               "csrf_token": _csrf(client)})
    assert response.status_code == 302, response.get_data(as_text=True)[:300]
    return client


def _signed_in(client) -> bool:
    response = client.get("/")
    return response.status_code == 200


def test_signing_out_ends_every_page_session_of_the_user(app, world):
    first, second, other = _sign_in(app, "clerk"), _sign_in(app, "clerk"), _sign_in(app, "head")
    assert _signed_in(first) and _signed_in(second) and _signed_in(other)

    response = first.post("/dang-xuat", data={"csrf_token": _csrf(first, "/")})
    assert response.status_code == 302

    assert not _signed_in(first)
    assert not _signed_in(second)
    redirected = second.get("/")
    assert redirected.status_code == 302 and "/dang-nhap" in redirected.headers["Location"]
    # Another person's session is not touched, and the clerk can sign in again.
    assert _signed_in(other)
    assert _signed_in(_sign_in(app, "clerk"))


def test_a_password_reset_ends_page_sessions_and_tokens(app, world, runner):
    page = _sign_in(app, "clerk")
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"username": "clerk", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}
    assert api.get("/api/v1/me", headers=headers).status_code == 200

    result = runner.invoke(args=["reset-password", "--username", "clerk", "--password", "mat-khau-moi-123"])
    assert result.exit_code == 0, result.output

    assert not _signed_in(page)
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    assert _signed_in(_sign_in_with(app, "clerk", "mat-khau-moi-123"))


def _sign_in_with(app, username: str, password: str):
    client = app.test_client()
    response = client.post("/dang-nhap", data={"username": username, "password": password,
                                               "csrf_token": _csrf(client)})
    assert response.status_code == 302
    return client


def test_a_reset_password_that_is_too_short_changes_nothing(app, world, runner):
    page = _sign_in(app, "clerk")
    result = runner.invoke(args=["reset-password", "--username", "clerk", "--password", "ngan"])
    assert result.exit_code != 0 and "ít nhất 8 ký tự" in result.output
    assert _signed_in(page)


def test_deactivating_an_account_ends_its_sessions_and_tokens_and_is_audited(app, world, runner):
    from service.models import AuditEvent, User

    page = _sign_in(app, "clerk")
    api = app.test_client()
    token = api.post("/api/v1/auth/token", json={"username": "clerk", "password": PASSWORD}).get_json()
    headers = {"Authorization": f"Bearer {token['access_token']}"}

    result = runner.invoke(args=["deactivate-user", "--username", "clerk"])
    assert result.exit_code == 0, result.output

    assert not _signed_in(page)
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    db.session.expire_all()
    user = db.session.scalar(sa.select(User).where(User.username == "clerk"))
    assert not user.is_active
    actions = db.session.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_id == user.id,
                                                                    AuditEvent.target_type == "user")).all()
    assert "user.deactivate" in actions
    refused = app.test_client()
    response = refused.post("/dang-nhap", data={"username": "clerk", "password": PASSWORD,
                                                "csrf_token": _csrf(refused)})
    assert response.status_code == 401


def test_an_idle_page_session_expires_and_a_used_one_slides(app, world, monkeypatch):
    from service.web import session as page_session

    app.config["PAGE_SESSION_IDLE_MINUTES"] = 30
    moment = [1_000_000]
    monkeypatch.setattr(page_session, "_now", lambda: moment[0])
    busy, idle = _sign_in(app, "clerk"), _sign_in(app, "head")
    for _ in range(3):  # 3 × 20 minutes of use: each request extends the session
        moment[0] += 20 * 60
        assert _signed_in(busy)
    assert not _signed_in(idle)  # 60 minutes without a request
    moment[0] += 31 * 60
    assert not _signed_in(busy)


def test_an_old_cookie_without_a_generation_is_signed_out(app, world):
    from service.web.session import SESSION_KEY

    client = app.test_client()
    with client.session_transaction() as session:
        session[SESSION_KEY] = world["users"]["clerk"].id
    assert not _signed_in(client)


def test_checking_a_session_writes_nothing_to_the_database(app, world):
    from sqlalchemy import event

    client = _sign_in(app, "clerk")
    writes: list[str] = []

    def record(conn, cursor, statement, parameters, context, executemany):
        if statement.lstrip().upper().startswith(("INSERT", "UPDATE", "DELETE")):
            writes.append(statement)

    event.listen(db.engine, "before_cursor_execute", record)
    try:
        assert _signed_in(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", record)
    assert writes == []
