"""Units kept by the administrator (tree, former names on documents) and accounts (temporary passwords)."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from conftest import PASSWORD, ApiClient
from service.db import db

NEW_UNIT = {"code": "phuong-moi", "kind": "ward", "name": "Ủy ban nhân dân phường Mới", "short_name": "Phường Mới",
            "issuing_body": "ỦY BAN NHÂN DÂN PHƯỜNG MỚI", "place_name": "Mới", "abbreviation": "UBND",
            "council_name": "Hội đồng Thi đua - Khen thưởng phường Mới", "signature_title": "CHỦ TỊCH",
            "signer_name": "Nguyễn Văn Một"}


def count(model) -> int:
    return db.session.scalar(sa.select(sa.func.count()).select_from(model))


def audit_actions() -> list[str]:
    from service.models import AuditEvent

    return list(db.session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)))


# --- units -----------------------------------------------------------------------------------------

def test_admin_creates_edits_and_closes_a_unit(as_user, world):
    admin = as_user("admin")
    created = admin.post("/api/v1/units", json={**NEW_UNIT, "parent_id": world["city"].id})
    assert created.status_code == 201, created.get_json()
    unit_id = created.get_json()["id"]
    changed = admin.patch(f"/api/v1/units/{unit_id}", json={"abbreviation": "UBND-PM", "is_active": False})
    assert changed.status_code == 200 and changed.get_json()["is_active"] is False
    assert admin.get(f"/api/v1/units/{unit_id}").get_json()["abbreviation"] == "UBND-PM"
    assert audit_actions()[-2:] == ["unit.create", "unit.update"]


def test_a_unit_cannot_become_its_own_ancestor(as_user, world, make_unit):
    from service.models import AuditEvent

    child = make_unit("child", parent=world["unit_a"])
    db.session.commit()
    admin = as_user("admin")
    before = count(AuditEvent)
    for parent in (world["unit_a"].id, child.id):
        refused = admin.patch(f"/api/v1/units/{world['unit_a'].id}", json={"parent_id": parent})
        assert refused.status_code == 422
        body = refused.get_json()["error"]
        assert "cấp trên của chính nó" in body["message"] and "parent_id" in body["fields"]
    db.session.expire_all()
    assert world["unit_a"].parent_id is None and count(AuditEvent) == before


def test_unit_bad_input_is_refused_in_vietnamese_and_writes_nothing(as_user, world):
    from service.models import Unit

    admin = as_user("admin")
    before = count(Unit)
    control = admin.post("/api/v1/units", json={**NEW_UNIT, "name": "Phường\x07 Mới"})
    assert control.status_code == 422 and "name" in control.get_json()["error"]["fields"]
    duplicate = admin.post("/api/v1/units", json={**NEW_UNIT, "code": "unit-a"})
    assert duplicate.status_code == 422 and "đã có" in duplicate.get_json()["error"]["fields"]["code"][0]
    kind = admin.post("/api/v1/units", json={**NEW_UNIT, "kind": "planet"})
    assert kind.status_code == 422 and kind.get_json()["error"]["fields"]["kind"] == [
        "Loại đơn vị không có trong danh sách."]
    assert count(Unit) == before


def test_only_the_admin_changes_units(as_user, world):
    for name in ("clerk", "head", "reviewer", "approver"):
        assert as_user(name).post("/api/v1/units", json=NEW_UNIT).status_code == 403
        assert as_user(name).patch(f"/api/v1/units/{world['unit_a'].id}",
                                   json={"abbreviation": "X"}).status_code == 403


def test_a_ward_renamed_on_1_july_2025_keeps_its_old_name_on_earlier_documents(as_user, world):
    from service.models import Dossier
    from service.operations.documents import dossier_snapshot
    from service.operations.dossiers import create_dossier

    unit = world["unit_a"]
    admin = as_user("admin")
    old_name = unit.name
    added = admin.post(f"/api/v1/units/{unit.id}/names", json={
        "name": old_name, "short_name": unit.short_name, "valid_until": "2025-07-01"})
    assert added.status_code == 201, added.get_json()
    renamed = admin.patch(f"/api/v1/units/{unit.id}", json={"name": "Ủy ban nhân dân phường Bình Đức",
                                                            "short_name": "Phường Bình Đức"})
    assert renamed.status_code == 200
    assert admin.get(f"/api/v1/units/{unit.id}/names").get_json()[0]["valid_until"] == "2025-07-01"
    again = admin.post(f"/api/v1/units/{unit.id}/names", json={"name": "Khác", "valid_until": "2025-07-01"})
    assert again.status_code == 422

    dossier = create_dossier(world["users"]["clerk"], world["campaign"])
    db.session.flush()
    dossier = db.session.get(Dossier, dossier.id)
    assert dossier.to_trinh_date is None
    before = dossier_snapshot(dossier, generated_on=dt.date(2025, 6, 30))["unit"]
    after = dossier_snapshot(dossier, generated_on=dt.date(2025, 7, 1))["unit"]
    assert before["name"] == old_name and after["name"] == "Ủy ban nhân dân phường Bình Đức"
    assert after["short_name"] == "Phường Bình Đức"
    assert unit.names_on(dt.date(2025, 6, 30)) == (old_name, unit.names_on(dt.date(2025, 6, 30))[1])


# --- accounts --------------------------------------------------------------------------------------

def new_account(admin: ApiClient, world, **values):
    return admin.post("/api/v1/accounts", json={"username": "can.bo-moi_1", "full_name": "Trần Thị Mới",
                                                "role": "unit_clerk", "unit_id": world["unit_a"].id, **values})


def test_a_new_account_must_change_its_temporary_password_first(client, as_user, world):
    created = new_account(as_user("admin"), world)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    temporary = body["temporary_password"]
    assert len(temporary) == 12 and body["account"]["must_change_password"] is True
    token = client.post("/api/v1/auth/token", json={"username": "can.bo-moi_1", "password": temporary})
    headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    refused = client.get("/api/v1/dossiers", headers=headers)
    assert refused.status_code == 403 and "đổi mật khẩu tạm" in refused.get_json()["error"]["message"]
    assert client.get("/api/v1/me", headers=headers).status_code == 200
    short = client.post("/api/v1/me/password", headers=headers,
                        json={"current_password": temporary, "new_password": "ngan"})
    assert short.status_code == 422
    wrong = client.post("/api/v1/me/password", headers=headers,
                        json={"current_password": "sai-mat-khau", "new_password": "mat-khau-moi-123"})
    assert wrong.status_code == 422 and "current_password" in wrong.get_json()["error"]["fields"]
    changed = client.post("/api/v1/me/password", headers=headers,
                          json={"current_password": temporary, "new_password": "mat-khau-moi-123"})
    assert changed.status_code == 204
    fresh = ApiClient.__new__(ApiClient)
    fresh.client = client
    token = client.post("/api/v1/auth/token", json={"username": "can.bo-moi_1", "password": "mat-khau-moi-123"})
    fresh.headers = {"Authorization": f"Bearer {token.get_json()['access_token']}"}
    assert fresh.get("/api/v1/dossiers").status_code == 200
    assert "user.create" in audit_actions() and "user.reset_password" in audit_actions()


def test_reset_and_deactivation_end_the_accounts_sessions(client, as_user, world):
    from service.models import User

    admin = as_user("admin")
    clerk = as_user("clerk")
    generation = world["users"]["clerk"].session_generation
    reset = admin.post(f"/api/v1/accounts/{world['users']['clerk'].id}/reset")
    assert reset.status_code == 200 and reset.get_json()["temporary_password"]
    assert clerk.get("/api/v1/me").status_code == 401
    db.session.expire_all()
    assert db.session.get(User, world["users"]["clerk"].id).session_generation == generation + 1
    head = as_user("head")
    closed = admin.post(f"/api/v1/accounts/{world['users']['head'].id}/deactivate")
    assert closed.status_code == 200 and closed.get_json()["is_active"] is False
    assert head.get("/api/v1/me").status_code == 401
    assert client.post("/api/v1/auth/token", json={"username": "head", "password": PASSWORD}).status_code == 401
    assert admin.post(f"/api/v1/accounts/{world['users']['admin'].id}/deactivate").status_code == 422


def test_account_bad_input_is_refused_and_writes_nothing(as_user, world):
    from service.models import AuditEvent, User

    admin = as_user("admin")
    users, events = count(User), count(AuditEvent)
    duplicate = new_account(admin, world, username="clerk")
    assert duplicate.status_code == 422 and "đã có" in duplicate.get_json()["error"]["message"]
    upper = new_account(admin, world, username="CanBo")
    assert upper.status_code == 422 and "username" in upper.get_json()["error"]["fields"]
    role = new_account(admin, world, role="emperor")
    assert role.status_code == 422 and role.get_json()["error"]["fields"]["role"] == [
        "Vai trò không có trong danh sách vai trò."]
    control = new_account(admin, world, full_name="Trần\x00 Mới")
    assert control.status_code == 422 and "full_name" in control.get_json()["error"]["fields"]
    unit = new_account(admin, world, unit_id=999_999)
    assert unit.status_code == 422 and "unit_id" in unit.get_json()["error"]["fields"]
    assert (count(User), count(AuditEvent)) == (users, events)


def test_accounts_are_listed_searched_and_paged_for_the_admin_only(as_user, world):
    admin = as_user("admin")
    page = admin.get("/api/v1/accounts?q=clerk").get_json()
    assert {item["username"] for item in page["items"]} == {"clerk", "clerk_b"} and page["total"] == 2
    assert admin.get("/api/v1/accounts?page=2").get_json()["items"] == []
    for name in ("clerk", "head", "reviewer"):
        assert as_user(name).get("/api/v1/accounts").status_code == 403
        assert new_account(as_user(name), world).status_code == 403


def test_the_command_line_still_creates_the_first_admin(runner, make_unit):
    from service.models import User

    make_unit("tinh", kind="province")
    db.session.commit()
    result = runner.invoke(args=["create-user", "--username", "quantri", "--full-name", "Quản Trị", "--role",
                                 "admin", "--unit", "tinh", "--password", "mat-khau-dai-1"])
    assert result.exit_code == 0, result.output
    user = db.session.scalar(sa.select(User).where(User.username == "quantri"))
    assert user.role == "admin" and user.must_change_password is False


def test_round_decisions_print_the_name_a_unit_bore_on_the_decision_date(as_user, world):
    from test_jobs import proposed_round

    from service.models import CampaignRound, UnitName
    from service.operations import round_documents

    round_id, _ = proposed_round(as_user, world)
    unit = world["unit_a"]
    old_name, old_short = unit.name, unit.short_name
    db.session.add(UnitName(unit_id=unit.id, name=old_name, short_name=old_short, valid_until=dt.date(2025, 7, 1)))
    unit.name, unit.short_name = "Ủy ban nhân dân phường Bình Đức", "Phường Bình Đức"
    db.session.flush()
    round_ = db.session.get(CampaignRound, round_id)
    rows = round_documents.round_ranking(round_)["nominees"]
    names = {}
    for day in (dt.date(2025, 6, 30), dt.date(2025, 7, 1)):
        values = round_documents.decision_values(round_, rows, proposal={"number": "1/TTr", "date": day},
                                                 decision={"number": "2/QĐ", "date": day})
        names[day] = {p["unit"]["code"]: p["unit"]["name"] for p in values["awardees"]}
    assert names[dt.date(2025, 6, 30)]["unit-a"] == old_name
    assert names[dt.date(2025, 7, 1)]["unit-a"] == "Ủy ban nhân dân phường Bình Đức"
    assert names[dt.date(2025, 6, 30)]["unit-b"] == names[dt.date(2025, 7, 1)]["unit-b"] == world["unit_b"].name
