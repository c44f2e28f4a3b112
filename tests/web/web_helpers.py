"""Fixtures and helpers for the page tests: a signed-in test client, the demo data, a live server and Chromium.

Kept out of a conftest.py on purpose: conftest modules outside packages all
share the module name "conftest", and the tests in tests/ import theirs by it.
Test modules import what they use from here.
"""
from __future__ import annotations

import re
import shutil
import threading
from pathlib import Path
from typing import Any, Iterator

import pytest
import sqlalchemy as sa
from werkzeug.serving import WSGIRequestHandler, make_server

from conftest import PASSWORD
from service.db import db

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync", "--no-first-run"]
SCREENSHOTS = Path(__file__).resolve().parents[1] / "screenshots"
DEMO_PASSWORD = "hoso2024"
CSRF_META = re.compile(r'<meta name="csrf-token" content="([^"]+)"')


class WebClient:
    """A Flask test client that signs in through the login page and sends the CSRF token with every form."""

    def __init__(self, client):
        self.client = client

    def token(self) -> str:
        response = self.client.get("/dang-nhap", follow_redirects=True)
        match = CSRF_META.search(response.get_data(as_text=True))
        assert match, "no CSRF token on the page"
        return match.group(1)

    def login(self, username: str, password: str = PASSWORD):
        response = self.client.post("/dang-nhap", data={"username": username, "password": password,
                                                        "csrf_token": self.token()})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self

    def get(self, url: str, **kwargs):
        return self.client.get(url, **kwargs)

    def post(self, url: str, data: dict[str, Any] | None = None, **kwargs):
        data = dict(data or {})
        data.setdefault("csrf_token", self.token())
        return self.client.post(url, data=data, **kwargs)


@pytest.fixture
def web(app):
    """Sign in as a user of the ``world`` fixture: ``web("clerk")`` gives a WebClient."""

    def sign_in(username: str, password: str = PASSWORD) -> WebClient:
        return WebClient(app.test_client()).login(username, password)

    return sign_in


@pytest.fixture
def demo(app) -> dict[str, Any]:
    """The demo data (Long Xuyên 2024), committed; returns the dossier id of each demo unit."""
    from service.demo import load_demo_data
    from service.models import Campaign, Dossier, Unit

    load_demo_data(only_if_empty=False)
    db.session.commit()
    dossiers = {code: dossier_id for code, dossier_id in db.session.execute(
        sa.select(Unit.code, Dossier.id).join(Dossier, Dossier.unit_id == Unit.id))}
    campaign_id = db.session.scalar(sa.select(Campaign.id))
    db.session.rollback()
    return {"dossiers": dossiers, "campaign_id": campaign_id}


class QuietRequestHandler(WSGIRequestHandler):
    """No access log: a failing test's output should show the failure, not every request."""

    def log_request(self, code="-", size="-"):
        pass


@pytest.fixture
def live_server(app, demo) -> Iterator[str]:
    """The app served on 127.0.0.1 at a free port, in a thread of the test process, with the demo data."""
    server = make_server("127.0.0.1", 0, app, threaded=True, request_handler=QuietRequestHandler)
    thread = threading.Thread(target=server.serve_forever, name="live-server", daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_port}"
    finally:
        server.shutdown()
        thread.join(timeout=10)
        server.server_close()


# The one Chromium of the run. Each test module that imports ``browser`` registers a fixture of its
# own, and Playwright's sync API cannot be started twice at once: the first module to need it starts
# it (and closes it when the session ends, after every later one), the others share it.
_RUNNING_BROWSER: list[Any] = []


@pytest.fixture(scope="session")
def browser():
    if shutil.which(CHROMIUM) is None:
        pytest.skip(f"{CHROMIUM} is missing: run test.sh as root, or apt-get install chromium")
    if _RUNNING_BROWSER:
        yield _RUNNING_BROWSER[0]
        return
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        _RUNNING_BROWSER.append(chromium)
        try:
            yield chromium
        finally:
            _RUNNING_BROWSER.clear()
            chromium.close()


class People:
    """One browser context (cookie jar) per person, each signed in once."""

    def __init__(self, browser, base_url: str):
        self.browser = browser
        self.base_url = base_url
        self.pages: dict[str, Any] = {}
        self.contexts: list[Any] = []

    def page(self, username: str, *, width: int = 1280, height: int = 900):
        key = f"{username}@{width}"
        if key not in self.pages:
            context = self.browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN",
                                               timezone_id="Asia/Ho_Chi_Minh", accept_downloads=True)
            context.set_default_timeout(15_000)
            self.contexts.append(context)
            page = context.new_page()
            page.on("dialog", lambda dialog: dialog.accept())
            errors: list[str] = []
            page.on("pageerror", lambda error: errors.append(str(error)))
            page.js_errors = errors
            page.goto(self.base_url + "/dang-nhap")
            page.get_by_label("Tên đăng nhập").fill(username)
            page.get_by_label("Mật khẩu").fill(DEMO_PASSWORD)
            page.get_by_role("button", name="Đăng nhập").click()
            page.wait_for_url(self.base_url + "/")
            self.pages[key] = page
        return self.pages[key]

    def close(self) -> None:
        for context in self.contexts:
            context.close()


@pytest.fixture
def people(browser, live_server) -> Iterator[People]:
    crowd = People(browser, live_server)
    try:
        yield crowd
    finally:
        for page in crowd.pages.values():
            assert page.js_errors == [], page.js_errors
        crowd.close()


def screenshot(page, name: str, *, full_page: bool = True) -> Path:
    """Save a screenshot of the page (whole, or what the window shows) under tests/screenshots/ (git-ignored)."""
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    path = SCREENSHOTS / f"{name}.png"
    page.screenshot(path=str(path), full_page=full_page)
    return path
