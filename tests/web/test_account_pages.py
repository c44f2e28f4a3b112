"""The password page: every user changes their own; an account with a temporary password goes there first."""
from __future__ import annotations

from conftest import PASSWORD
from service.db import db
from web_helpers import web  # noqa: F401 - fixture


def _html(response) -> str:
    return response.get_data(as_text=True)


def test_a_temporary_password_sends_every_page_to_the_password_page(app, world, web):
    from service.operations.accounts import create_account

    _, temporary = create_account(world["users"]["admin"], {
        "username": "can-bo-moi", "full_name": "Trần Thị Mới", "role": "unit_clerk", "unit_id": world["unit_a"].id})
    db.session.commit()
    page = web("can-bo-moi", temporary)
    for url in ("/", f"/phong-trao/{world['campaign'].id}"):
        response = page.get(url)
        assert response.status_code == 302 and response.headers["Location"].endswith("/doi-mat-khau")
    form = page.get("/doi-mat-khau")
    assert form.status_code == 200 and "mật khẩu tạm" in _html(form)
    short = page.post("/doi-mat-khau", {"current_password": temporary, "new_password": "ngan"})
    assert short.status_code == 422 and "Ít nhất 8 ký tự" in _html(short)
    wrong = page.post("/doi-mat-khau", {"current_password": "sai", "new_password": "mat-khau-moi-123"})
    assert wrong.status_code == 422 and "Mật khẩu hiện tại không đúng." in _html(wrong)
    changed = page.post("/doi-mat-khau", {"current_password": temporary, "new_password": "mat-khau-moi-123"})
    assert changed.status_code == 302
    # The page session goes on under the new password; the home page opens.
    assert page.get("/").status_code == 200
    web("can-bo-moi", "mat-khau-moi-123")


def test_every_user_changes_their_own_password_and_other_sessions_end(world, web):
    first, second = web("clerk"), web("clerk")
    assert "Mật khẩu hiện tại" in _html(first.get("/doi-mat-khau"))
    assert first.post("/doi-mat-khau", {"current_password": PASSWORD,
                                        "new_password": "mat-khau-moi-123"}).status_code == 302
    assert first.get("/").status_code == 200
    assert second.get("/").status_code == 302


def test_the_admin_creates_an_account_on_the_page_and_sees_its_password_once(world, web):
    import re

    admin = web("admin")
    listing = admin.get("/quan-tri/tai-khoan?q=clerk")
    assert listing.status_code == 200 and "clerk_b" in _html(listing) and "head" not in _html(listing).split(
        "danh-sach-tai-khoan")[1].split("</tbody>")[0]
    created = admin.post("/quan-tri/tai-khoan", {"username": "can-bo-moi", "full_name": "Trần Thị Mới",
                                                 "role": "unit_clerk", "unit_id": str(world["unit_a"].id)})
    assert created.status_code == 201
    temporary = re.search(r'id="temporary-password">([^<]+)<', _html(created)).group(1)
    again = admin.get("/quan-tri/tai-khoan")
    assert temporary not in _html(again) and "Chờ đổi mật khẩu tạm" in _html(again)
    duplicate = admin.post("/quan-tri/tai-khoan", {"username": "can-bo-moi", "full_name": "Người Khác",
                                                   "role": "unit_clerk", "unit_id": str(world["unit_a"].id)})
    assert duplicate.status_code == 422 and "đã có" in _html(duplicate)
    newcomer = web("can-bo-moi", temporary)
    assert newcomer.get("/").headers["Location"].endswith("/doi-mat-khau")


def test_reset_and_deactivate_on_the_page_end_the_users_sessions(world, web):
    import re

    admin, clerk = web("admin"), web("clerk")
    reset = admin.post(f"/quan-tri/tai-khoan/{world['users']['clerk'].id}/dat-lai-mat-khau")
    assert reset.status_code == 200 and re.search(r'id="temporary-password">[^<]+<', _html(reset))
    assert clerk.get("/").status_code == 302
    head = web("head")
    closed = admin.post(f"/quan-tri/tai-khoan/{world['users']['head'].id}/khoa")
    assert closed.status_code == 200 and "Đã khóa" in _html(closed)
    assert head.get("/").status_code == 302
    for name in ("clerk_b", "reviewer"):
        assert web(name).get("/quan-tri/tai-khoan").status_code == 403
