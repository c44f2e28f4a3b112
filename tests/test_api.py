"""The JSON API: authentication, access, validation, workflow errors and the error shape."""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest

from conftest import COLLECTIVE, INDIVIDUALS, meeting_payload
from service.db import db


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    body = response.get_json()
    assert set(body) == {"error"}
    assert {"code", "message", "fields"} <= set(body["error"])
    return body["error"]


def _new_dossier(api, campaign_id, nominees=(COLLECTIVE, *INDIVIDUALS)):
    dossier = api.post("/api/v1/dossiers", json={"campaign_id": campaign_id}).get_json()
    ids = [api.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=n).get_json()["id"] for n in nominees]
    return dossier["id"], ids


def _fire(api, dossier_id, trigger, expected_state, **extra):
    return api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                    json={"trigger": trigger, "expected_state": expected_state, **extra})


def _to_ready(as_user, campaign_id, votes=None):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _new_dossier(clerk, campaign_id)
    assert _fire(clerk, dossier_id, "send_to_council", "drafting").status_code == 201
    meeting = meeting_payload(ids, votes=votes)
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting).status_code == 200
    assert _fire(secretary, dossier_id, "finalize_minutes", "council_minutes").status_code == 201
    return dossier_id, ids


def _to_submitted(as_user, campaign_id):
    dossier_id, ids = _to_ready(as_user, campaign_id)
    head = as_user("head")
    assert head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={}).status_code == 201
    response = _fire(head, dossier_id, "submit", "ready")
    assert response.status_code == 201, response.get_json()
    return dossier_id, ids


# --- authentication --------------------------------------------------------------------

def test_login_with_wrong_password_is_refused_in_vietnamese(client, world):
    error = _error(client.post("/api/v1/auth/token", json={"username": "clerk", "password": "sai"}), 401)
    assert error["message"] == "Tên đăng nhập hoặc mật khẩu không đúng."


def test_requests_without_or_with_bad_token_get_401(client, world):
    assert "Authorization" in _error(client.get("/api/v1/me"), 401)["message"]
    _error(client.get("/api/v1/me", headers={"Authorization": "Bearer khong-hop-le"}), 401)


def test_expired_token_is_refused(client, world, as_user):
    from service.models import ApiToken

    api = as_user("clerk")
    assert api.get("/api/v1/me").status_code == 200
    for token in db.session.scalars(db.select(ApiToken)):
        token.expires_at = dt.datetime.now(dt.timezone.utc) - dt.timedelta(seconds=1)
    db.session.commit()
    _error(api.get("/api/v1/me"), 401)


def test_me_returns_role_and_unit(as_user):
    body = as_user("clerk").get("/api/v1/me").get_json()
    assert body["role"] == "unit_clerk" and body["unit"]["code"] == "unit-a"
    assert body["role_label"] == "Cán bộ thi đua đơn vị"


def test_campaigns_and_units_are_listed(as_user, world):
    api = as_user("clerk")
    campaigns = api.get("/api/v1/campaigns").get_json()
    assert campaigns[0]["plan_number"] == "9936/KH-UBND"
    assert api.get(f"/api/v1/campaigns/{campaigns[0]['id']}").get_json()["award_forms"]
    _error(api.get("/api/v1/campaigns/999"), 404)
    assert {u["code"] for u in api.get("/api/v1/units").get_json()} >= {"unit-a", "unit-b"}


# --- dossiers and access -------------------------------------------------------------------

def test_one_dossier_per_unit_and_campaign(as_user, world):
    api = as_user("clerk")
    assert api.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).status_code == 201
    assert _error(api.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}), 409)["code"] == \
        "dossier_exists"


def test_only_unit_clerks_create_dossiers(as_user, world):
    _error(as_user("reviewer").post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}), 403)
    _error(as_user("clerk").post("/api/v1/dossiers", json={"campaign_id": 424242}), 404)


def test_other_units_and_agencies_cannot_see_a_draft(as_user, world):
    dossier_id, _ = _new_dossier(as_user("clerk"), world["campaign"].id)
    for name in ("clerk_b", "head_b", "reviewer", "approver", "outsider_reviewer"):
        _error(as_user(name).get(f"/api/v1/dossiers/{dossier_id}"), 404)
        _error(as_user(name).get(f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx"), 404)
        assert as_user(name).get("/api/v1/dossiers").get_json() == []
    assert as_user("admin").get(f"/api/v1/dossiers/{dossier_id}").status_code == 200


def test_agency_sees_submitted_dossiers_only_of_its_campaigns(as_user, world):
    dossier_id, _ = _to_submitted(as_user, world["campaign"].id)
    assert as_user("reviewer").get(f"/api/v1/dossiers/{dossier_id}").status_code == 200
    assert [d["id"] for d in as_user("reviewer").get("/api/v1/dossiers").get_json()] == [dossier_id]
    _error(as_user("outsider_reviewer").get(f"/api/v1/dossiers/{dossier_id}"), 404)
    _error(as_user("clerk_b").get(f"/api/v1/dossiers/{dossier_id}/history"), 404)


# --- nominees ---------------------------------------------------------------------------------

def test_nominee_text_is_stored_in_nfc(as_user, world):
    api = as_user("clerk")
    dossier_id, _ = _new_dossier(api, world["campaign"].id, nominees=())
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    body = api.post(f"/api/v1/dossiers/{dossier_id}/nominees",
                    json={**INDIVIDUALS[0], "full_name": decomposed}).get_json()
    assert body["full_name"] == "Nguyễn Thị Ánh" and unicodedata.is_normalized("NFC", body["full_name"])


@pytest.mark.parametrize("change, field", [
    ({"full_name": "Trần\x07Văn"}, "full_name"),
    ({"full_name": ""}, "full_name"),
    ({"full_name": "A" * 256}, "full_name"),
    ({"kind": "household"}, "kind"),
    ({"gender": "x"}, "gender"),
    ({"metrics": {"relatives_bhxh": -1}}, "metrics"),
    ({"metrics": {"khong_co": 1}}, "metrics"),
    ({"metrics": {"relatives_bhxh": "ba"}}, "metrics"),
    ({"award_form": "giay_khen_tap_the"}, "award_form"),
    ({"award_form": "bang_khen_thu_tuong"}, "award_form"),
    ({"unexpected": 1}, "unexpected"),
    ({"achievement_summary": "x\fy"}, "achievement_summary"),
])
def test_bad_nominees_are_refused_with_the_field_named(as_user, world, change, field):
    api = as_user("clerk")
    dossier_id, _ = _new_dossier(api, world["campaign"].id, nominees=())
    error = _error(api.post(f"/api/v1/dossiers/{dossier_id}/nominees", json={**INDIVIDUALS[0], **change}), 422)
    assert field in error["fields"], error
    assert api.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"] == []


def test_nominee_edit_with_stale_version_is_refused(as_user, world):
    api = as_user("clerk")
    dossier_id, ids = _new_dossier(api, world["campaign"].id, nominees=(INDIVIDUALS[0],))
    url = f"/api/v1/dossiers/{dossier_id}/nominees/{ids[0]}"
    assert api.patch(url, json={"expected_version": 1, "position": "Chủ tịch"}).status_code == 200
    assert _error(api.patch(url, json={"expected_version": 1, "position": "Phó"}), 409)["code"] == "stale_version"
    assert api.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"][0]["position"] == "Chủ tịch"


def test_nominees_are_frozen_outside_drafting(as_user, world):
    clerk = as_user("clerk")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    _error(clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=INDIVIDUALS[0]), 409)
    _error(clerk.patch(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[0]}",
                       json={"expected_version": 1, "position": "x"}), 409)
    _error(clerk.delete(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[0]}"), 409)


def test_nominee_delete(as_user, world):
    clerk = as_user("clerk")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    assert clerk.delete(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[1]}?expected_version=1").status_code == 204
    assert len(clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"]) == 2
    _error(clerk.delete(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[1]}"), 404)


# --- council meeting ------------------------------------------------------------------------

@pytest.mark.parametrize("change, field", [
    ({"present_members": 10}, "present_members"),
    ({"total_members": 0}, "total_members"),
    ({"voting_method": "hô to"}, "voting_method"),
    ({"started_at": "2024-12-02T08:00:00"}, "started_at"),
    ({"ended_at": "2024-12-01T08:00:00+07:00"}, "ended_at"),
    ({"place": ""}, "place"),
])
def test_bad_meetings_are_refused(as_user, world, change, field):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    error = _error(secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                                 json={**meeting_payload(ids), **change}), 422)
    assert field in error["fields"], error
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["meeting"] is None


def test_votes_cannot_exceed_members_present_or_name_strangers(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    url = f"/api/v1/dossiers/{dossier_id}/meeting"
    error = _error(secretary.put(url, json=meeting_payload(ids, votes={ids[0]: 9})), 422)
    assert "votes.0.votes_in_favour" in error["fields"]
    error = _error(secretary.put(url, json=meeting_payload(ids, votes={999999: 1})), 422)
    assert "votes.0.nominee_id" in error["fields"]


def test_only_the_units_secretary_records_the_meeting(as_user, world):
    clerk = as_user("clerk")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    _error(as_user("secretary").put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids)), 409)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    _error(clerk.put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids)), 403)
    _error(as_user("secretary_b").put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids)), 404)


# --- transitions -------------------------------------------------------------------------------

def test_stale_expected_state_gets_409(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id)
    assert _error(_fire(clerk, dossier_id, "send_to_council", "ready"), 409)["code"] == "stale_state"


def test_trigger_not_from_state_gets_409_and_unknown_trigger_422(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id)
    assert _error(_fire(clerk, dossier_id, "resume_drafting", "drafting"), 409)["code"] == "trigger_not_allowed"
    assert _error(_fire(clerk, dossier_id, "fly_away", "drafting"), 422)["code"] == "unknown_trigger"


def test_role_not_allowed_gets_403(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id)
    assert _error(_fire(as_user("head"), dossier_id, "send_to_council", "drafting"), 403)["code"] == \
        "role_not_allowed"


def test_failed_guards_are_all_listed_in_vietnamese(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id, nominees=())
    error = _error(_fire(clerk, dossier_id, "send_to_council", "drafting"), 422)
    assert error["code"] == "guards_failed" and "has_nominees" in error["fields"]
    clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json={**INDIVIDUALS[0], "achievement_summary": ""})
    error = _error(_fire(clerk, dossier_id, "send_to_council", "drafting"), 422)
    assert "Tóm tắt thành tích" in error["fields"]["nominees_complete"][0]
    # No meeting yet: every meeting guard says so.
    dossier_id2, _ = _new_dossier(as_user("clerk_b"), world["campaign"].id)
    _fire(as_user("clerk_b"), dossier_id2, "send_to_council", "drafting")
    error = _error(_fire(as_user("secretary_b"), dossier_id2, "finalize_minutes", "council_minutes"), 422)
    assert {"meeting_recorded", "quorum_reached", "at_least_one_passes"} <= set(error["fields"])
    assert secretary.get(f"/api/v1/dossiers/{dossier_id}").get_json()["state"] == "drafting"


def test_quorum_below_two_thirds_blocks_the_minutes(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids, total=9, present=5))
    error = _error(_fire(secretary, dossier_id, "finalize_minutes", "council_minutes"), 422)
    assert "quorum_reached" in error["fields"]


def test_chien_si_thi_dua_needs_80_percent_of_all_members(as_user, world, make_campaign, make_unit):
    forms = [{"code": "cstd_co_so", "name": "Chiến sĩ thi đua cơ sở", "nominee_kinds": ["individual"],
              "vote_rule": {"kind": "ratio", "threshold": "4/5", "strict": False, "denominator": "members"}}]
    campaign = make_campaign(award_forms=forms, metrics=[], code="cstd", authority=world["city"],
                             agency=world["agency"])
    db.session.commit()
    clerk, secretary = as_user("clerk"), as_user("secretary")
    person = {**INDIVIDUALS[0], "award_form": "cstd_co_so", "metrics": {}}
    dossier_id, ids = _new_dossier(clerk, campaign.id, nominees=(person,))
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    # 7 of 10 members: 87.5% of those present but only 70% of all members.
    response = secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                             json=meeting_payload(ids, total=10, present=8, votes={ids[0]: 7}))
    assert response.get_json()["votes"][0]["passed"] is False
    assert "at_least_one_passes" in _error(_fire(secretary, dossier_id, "finalize_minutes", "council_minutes"),
                                           422)["fields"]
    response = secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                             json=meeting_payload(ids, total=10, present=8, votes={ids[0]: 8}))
    assert response.get_json()["votes"][0]["passed"] is True
    assert _fire(secretary, dossier_id, "finalize_minutes", "council_minutes").status_code == 201


def test_submission_after_the_deadline(as_user, world):
    campaign = world["campaign"]
    campaign.submission_deadline = dt.date(2024, 12, 4)
    db.session.commit()
    dossier_id, _ = _to_ready(as_user, campaign.id)
    head = as_user("head")
    head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    error = _error(_fire(head, dossier_id, "submit", "ready"), 422)
    assert "within_deadline" in error["fields"] and "04/12/2024" in error["fields"]["within_deadline"][0]
    campaign.accepts_late = True
    db.session.commit()
    assert _fire(head, dossier_id, "submit", "ready").status_code == 201
    body = head.get(f"/api/v1/dossiers/{dossier_id}").get_json()
    assert body["is_late"] is True
    assert head.get(f"/api/v1/dossiers/{dossier_id}/history").get_json()[-1]["details"]["is_late"] is True


def test_withdraw_only_before_review_starts(as_user, world):
    dossier_id, _ = _to_submitted(as_user, world["campaign"].id)
    head = as_user("head")
    assert _fire(head, dossier_id, "withdraw", "submitted").status_code == 201
    assert head.get(f"/api/v1/dossiers/{dossier_id}").get_json()["state"] == "drafting"


def test_withdraw_after_review_started_is_refused(as_user, world):
    dossier_id, _ = _to_submitted(as_user, world["campaign"].id)
    _fire(as_user("reviewer"), dossier_id, "start_review", "submitted")
    _error(_fire(as_user("head"), dossier_id, "withdraw", "under_review"), 409)


def test_reject_needs_a_comment(as_user, world):
    dossier_id, _ = _to_submitted(as_user, world["campaign"].id)
    reviewer = as_user("reviewer")
    _fire(reviewer, dossier_id, "start_review", "submitted")
    assert "comment_given" in _error(_fire(reviewer, dossier_id, "reject", "under_review", comment="  "),
                                     422)["fields"]
    assert _fire(reviewer, dossier_id, "reject", "under_review", comment="Không đúng đối tượng.").status_code == 201


def test_available_transitions_explain_what_is_blocked(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id, nominees=())
    body = clerk.get(f"/api/v1/dossiers/{dossier_id}/transitions").get_json()
    assert body["state"] == "drafting" and body["state_label"] == "Đang soạn hồ sơ"
    [send] = body["transitions"]
    assert send["trigger"] == "send_to_council" and send["allowed"] is False and send["reasons"]
    head_view = as_user("head").get(f"/api/v1/dossiers/{dossier_id}/transitions").get_json()
    assert head_view["transitions"][0]["allowed"] is False


def test_history_rows_are_written_with_each_transition(as_user, world):
    dossier_id, _ = _to_ready(as_user, world["campaign"].id)
    history = as_user("clerk").get(f"/api/v1/dossiers/{dossier_id}/history").get_json()
    assert [e["actor_role"] for e in history] == ["unit_clerk", "unit_clerk", "council_secretary"]
    assert all(e["created_at"] for e in history)


# --- documents ------------------------------------------------------------------------------------

def test_unchanged_documents_are_not_rendered_again(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id)
    first = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx")
    again = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx")
    assert first.headers["X-Document-Version"] == again.headers["X-Document-Version"] == "1"
    assert first.headers["ETag"] == again.headers["ETag"]
    cached = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx",
                       headers={"If-None-Match": first.headers["ETag"]})
    assert cached.status_code == 304
    clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json={**INDIVIDUALS[0], "full_name": "Mai Văn Ba"})
    changed = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx")
    assert changed.headers["X-Document-Version"] == "2"
    _error(clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/to_trinh.docx?version=9"), 404)
    _error(clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/quyet_dinh.docx"), 404)


def test_documents_are_frozen_after_submit(as_user, world):
    dossier_id, _ = _to_submitted(as_user, world["campaign"].id)
    error = _error(as_user("head").post(f"/api/v1/dossiers/{dossier_id}/documents", json={}), 409)
    assert error["code"] == "documents_frozen"
    documents = as_user("reviewer").get(f"/api/v1/dossiers/{dossier_id}/documents").get_json()
    assert {d["kind"] for d in documents if d["is_frozen"]} == {"bien_ban", "to_trinh", "danh_sach"}
    assert all(len(d["sha256"]) == 64 and d["size"] > 0 for d in documents)


# --- protocol ---------------------------------------------------------------------------------------

def test_malformed_json_and_huge_bodies_get_clear_errors(client, as_user, world):
    api = as_user("clerk")
    error = _error(api.post("/api/v1/dossiers", data="{khong phai json", content_type="application/json"), 400)
    assert "JSON" in error["message"] or "không đọc được" in error["message"]
    big = "x" * (11 * 1024 * 1024)
    _error(api.post("/api/v1/dossiers", data=big, content_type="application/json"), 413)
    _error(api.post("/api/v1/dossiers", json=[1, 2]), 422)
    _error(api.post("/api/v1/dossiers", json={"campaign_id": "1"}), 422)


def test_unknown_paths_and_methods_use_the_error_shape(client):
    _error(client.get("/api/v1/khong-co"), 404)
    _error(client.delete("/api/v1/campaigns"), 405)


def test_openapi_document_and_offline_docs_page(client):
    spec = client.get("/api/v1/openapi.json").get_json()
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/auth/token", "/api/v1/dossiers/{dossier_id}/transitions",
                 "/api/v1/dossiers/{dossier_id}/documents/{kind}.docx", "/api/v1/dossiers/{dossier_id}/documents.zip"):
        assert path in spec["paths"], path
    page = client.get("/api/v1/docs")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and "http://" not in html and "https://" not in html
    import re

    for asset in re.findall(r'(?:src|href)="([^"]+)"', html):
        response = client.get(asset)
        assert response.status_code == 200 and response.data, asset
        response.close()
