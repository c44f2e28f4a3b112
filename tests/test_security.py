"""Sign-in throttling, token revocation, security headers and HTTPS behind a proxy."""
from __future__ import annotations

from conftest import PASSWORD
from service import create_app


def _login(client, username, password, address="10.0.0.1"):
    return client.post("/api/v1/auth/token", json={"username": username, "password": password},
                       environ_base={"REMOTE_ADDR": address})


def test_too_many_refused_sign_ins_lock_the_account_for_a_while(client, world, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit):
        assert _login(client, "clerk", "sai-mat-khau").status_code == 401
    locked = _login(client, "clerk", PASSWORD)
    assert locked.status_code == 429
    assert locked.get_json()["error"]["code"] == "too_many_attempts"
    assert int(locked.headers["Retry-After"]) > 0
    assert "thử lại sau" in locked.get_json()["error"]["message"]
    # Another account is not affected by the first one's lock.
    assert _login(client, "head", PASSWORD).status_code == 201


def test_one_address_trying_many_accounts_is_slowed_down(client, world, app):
    app.config["LOGIN_MAX_FAILURES_PER_ADDRESS"] = 3
    for name in ("khong-co-1", "khong-co-2", "khong-co-3"):
        assert _login(client, name, "x", address="10.9.9.9").status_code == 401
    assert _login(client, "head", PASSWORD, address="10.9.9.9").status_code == 429
    assert _login(client, "head", PASSWORD, address="10.9.9.8").status_code == 201


def test_a_successful_sign_in_clears_the_count(client, world, app):
    limit = app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"]
    for _ in range(limit - 1):
        _login(client, "clerk", "sai")
    assert _login(client, "clerk", PASSWORD).status_code == 201
    for _ in range(limit - 1):
        assert _login(client, "clerk", "sai").status_code == 401
    assert _login(client, "clerk", PASSWORD).status_code == 201


def test_page_sign_in_is_throttled_too(client, world, app):
    app.config["LOGIN_MAX_FAILURES_PER_ACCOUNT"] = 2
    for _ in range(2):
        _login(client, "clerk", "sai")
    page = client.get("/dang-nhap")
    assert page.status_code == 200
    import re

    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    form = {"username": "clerk", "password": PASSWORD, **({"csrf_token": token.group(1)} if token else {})}
    response = client.post("/dang-nhap", data=form, environ_base={"REMOTE_ADDR": "10.0.0.1"})
    assert response.status_code == 429
    assert int(response.headers["Retry-After"]) > 0
    assert "Đăng nhập sai quá nhiều lần" in response.get_data(as_text=True)


def test_a_token_can_be_revoked(client, world):
    token = _login(client, "clerk", PASSWORD).get_json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 204
    assert client.get("/api/v1/me", headers=headers).status_code == 401
    assert client.delete("/api/v1/auth/token", headers=headers).status_code == 401


def test_security_headers_on_api_pages_and_docs(client, world):
    for path in ("/api/v1/me", "/dang-nhap", "/khong-co-trang-nay"):
        response = client.get(path)
        csp = response.headers["Content-Security-Policy"]
        assert "script-src 'self'" in csp and "unsafe-inline" not in csp and "frame-ancestors 'none'" in csp
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["Referrer-Policy"] == "same-origin"
        assert "Strict-Transport-Security" not in response.headers
    docs = client.get("/api/v1/docs")
    assert "script-src 'self'" in docs.headers["Content-Security-Policy"]
    assert "X-Request-Id" in docs.headers


def test_behind_an_https_proxy_cookies_are_secure_and_hsts_is_sent(database_config, tmp_path, world):
    app = create_app({"TESTING": True, **database_config, "DOCUMENT_STORE": str(tmp_path / "d"),
                      "SECRET_KEY": "x", "AUTO_MIGRATE": False, "BEHIND_HTTPS_PROXY": True})
    client = app.test_client()
    page = client.get("/dang-nhap", headers={"X-Forwarded-Proto": "https"})
    assert page.headers["Strict-Transport-Security"].startswith("max-age=")
    cookie = page.headers.get("Set-Cookie", "")
    assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Lax" in cookie
