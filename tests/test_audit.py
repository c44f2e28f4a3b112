"""The audit trail: every change of data leaves one append-only row, read back as Vietnamese sentences."""
from __future__ import annotations

import io

import pytest
import sqlalchemy as sa

from conftest import COLLECTIVE, INDIVIDUALS, meeting_payload
from round_helpers import fire_round
from service.db import db

FIGURES_SENTENCE = "Lê Văn Hùng sửa số liệu của Trần Văn Ánh: Số người thân tham gia BHXH tự nguyện 3 → 4"


def _rows(*where) -> list:
    from service.models import AuditEvent

    db.session.expire_all()
    return list(db.session.scalars(sa.select(AuditEvent).where(*where).order_by(AuditEvent.id)))


def _new_dossier(api, campaign_id):
    dossier = api.post("/api/v1/dossiers", json={"campaign_id": campaign_id}).get_json()
    ids = [api.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=n).get_json()["id"]
           for n in (COLLECTIVE, *INDIVIDUALS)]
    return dossier["id"], ids


def _fire(api, dossier_id, trigger, state):
    response = api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "expected_state": state})
    assert response.status_code == 201, response.get_json()


def _changes(api, dossier_id) -> list[dict]:
    history = api.get(f"/api/v1/dossiers/{dossier_id}/history?include=changes").get_json()
    return [e for e in history if e["kind"] == "change"]


# --- the helpers --------------------------------------------------------------------------------------

def test_diff_keeps_only_what_changed():
    import datetime as dt

    from service.audit import diff

    assert diff({"a": 1, "b": "x"}, {"a": 1, "b": "x"}) == {}
    assert diff({"a": 1, "b": "x"}, {"a": 2, "b": "x", "c": None}) == {"a": {"old": 1, "new": 2}}
    assert diff({"a": 1}, {}) == {"a": {"old": 1, "new": None}}
    # One instant in two zones is no change; dates become ISO text.
    utc = dt.datetime(2024, 12, 2, 1, 0, tzinfo=dt.timezone.utc)
    local = utc.astimezone(dt.timezone(dt.timedelta(hours=7)))
    assert diff({"at": utc}, {"at": local}) == {}
    assert diff({"day": None}, {"day": dt.date(2024, 12, 3)}) == {"day": {"old": None, "new": "2024-12-03"}}


def test_record_writes_nothing_when_nothing_changed(app, world):
    from service import audit

    clerk = world["users"]["clerk"]
    assert audit.record(clerk, "nominee.update", ("nominee", 1), changes={}) is None
    assert _rows() == []
    event = audit.record(clerk, "nominee.update", ("nominee", 1), changes={"position": {"old": "", "new": "A"}},
                         subject="Trần Văn Ánh")
    assert event.id and event.actor_role == "unit_clerk" and event.target_type == "nominee"


# --- the database refuses changes of the trail ----------------------------------------------------------

@pytest.mark.parametrize("statement", ["UPDATE audit_events SET action = 'x'", "DELETE FROM audit_events"])
def test_the_table_is_append_only_in_the_database(app, world, statement):
    from service import audit

    audit.record(world["users"]["admin"], "salary_table.replace", ("base_salary_table", None),
                 changes={"2024-07-01": {"old": 1800000, "new": 2340000}})
    db.session.commit()
    with pytest.raises(sa.exc.DBAPIError) as refused:
        db.session.execute(sa.text(statement))
        db.session.flush()
    assert "append-only" in str(refused.value)
    db.session.rollback()
    assert [e.action for e in _rows()] == ["salary_table.replace"]


# --- nominees, details, meeting and votes --------------------------------------------------------------

def test_a_nominee_edit_appears_in_the_dossier_history(as_user, world):
    clerk = as_user("clerk")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    url = f"/api/v1/dossiers/{dossier_id}/nominees/{ids[1]}"
    response = clerk.patch(url, json={"expected_version": 1, "metrics": {"relatives_bhxh": 4, "relatives_bhyt": 5}})
    assert response.status_code == 200, response.get_json()
    changes = _changes(clerk, dossier_id)
    assert [c["action"] for c in changes] == ["nominee.create"] * 3 + ["nominee.update"]
    edit = changes[-1]
    assert edit["sentence"] == FIGURES_SENTENCE
    assert edit["changes"] == {"metrics.relatives_bhxh": {"old": 3, "new": 4}}
    assert edit["changed_fields"] == [{"field": "metrics.relatives_bhxh", "label": "Số người thân tham gia BHXH tự nguyện",
                                       "old": "3", "new": "4"}]
    assert edit["actor_name"] == "Lê Văn Hùng" and edit["subject"] == "Trần Văn Ánh"
    assert edit["target_type"] == "nominee" and edit["target_id"] == ids[1] and edit["dossier_id"] == dossier_id
    assert len(_rows()[-1].request_id) == 32  # the request's id, as the X-Request-Id header gave it
    assert changes[1]["sentence"] == "Lê Văn Hùng thêm Trần Văn Ánh vào hồ sơ"
    # Steps keep every field, in time order with the changes.
    history = clerk.get(f"/api/v1/dossiers/{dossier_id}/history?include=changes").get_json()
    assert history[0]["kind"] == "transition" and history[0]["trigger"] == "create"
    assert {"from_state", "to_state", "trigger_label", "details"} <= set(history[0])
    # Without include=changes the history is the workflow's steps, as before.
    plain = clerk.get(f"/api/v1/dossiers/{dossier_id}/history").get_json()
    assert [e["trigger"] for e in plain] == ["create"] and plain[0]["kind"] == "transition"

    # A text field and a figure together; a deletion.
    clerk.patch(url, json={"expected_version": 2, "position": "Phó Chủ tịch", "metrics": {"relatives_bhxh": 5,
                                                                                         "relatives_bhyt": 5}})
    assert _changes(clerk, dossier_id)[-1]["sentence"] == (
        "Lê Văn Hùng sửa thông tin của Trần Văn Ánh: Chức vụ “Công chức” → “Phó Chủ tịch”; "
        "Số người thân tham gia BHXH tự nguyện 4 → 5")
    assert clerk.delete(f"{url}?expected_version=3").status_code == 204
    deleted = _changes(clerk, dossier_id)[-1]
    assert deleted["action"] == "nominee.delete" and deleted["sentence"] == "Lê Văn Hùng xóa Trần Văn Ánh khỏi hồ sơ"
    assert deleted["changes"]["full_name"] == {"old": "Trần Văn Ánh", "new": None}


def test_no_event_when_an_edit_changes_nothing(as_user, world):
    clerk = as_user("clerk")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    before = len(_rows())
    same = {"expected_version": 1, "position": INDIVIDUALS[0]["position"], "metrics": INDIVIDUALS[0]["metrics"]}
    assert clerk.patch(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[1]}", json=same).status_code == 200
    assert len(_rows()) == before


def test_dossier_details_are_audited(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id)
    version = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["version"]
    response = clerk.patch(f"/api/v1/dossiers/{dossier_id}", json={
        "expected_version": version, "to_trinh_number": 12, "to_trinh_date": "2024-12-03"})
    assert response.status_code == 200, response.get_json()
    change = _changes(clerk, dossier_id)[-1]
    assert change["action"] == "dossier.update"
    assert change["sentence"] == ("Lê Văn Hùng sửa thông tin hồ sơ: Số tờ trình (trống) → 12; "
                                  "Ngày tờ trình (trống) → 03/12/2024")


def test_a_vote_change_appears_with_old_and_new_counts(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _new_dossier(clerk, world["campaign"].id)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    url = f"/api/v1/dossiers/{dossier_id}/meeting"
    assert secretary.put(url, json=meeting_payload(ids)).status_code == 200
    recorded = _changes(clerk, dossier_id)
    assert [c["action"] for c in recorded][-4:] == ["meeting.create", "vote.create", "vote.create", "vote.create"]
    assert recorded[-2]["sentence"] == "Phạm Thị Lan ghi số phiếu đồng ý của Trần Văn Ánh: 8"
    # The same minutes again: nothing changed, nothing written.
    count = len(_rows())
    assert secretary.put(url, json=meeting_payload(ids)).status_code == 200
    assert len(_rows()) == count
    # One vote and the place change.
    changed = meeting_payload(ids, votes={ids[0]: 8, ids[1]: 7, ids[2]: 8})
    changed["place"] = "Phòng họp số 2"
    changed["started_at"] = "2024-12-02T08:30:00+07:00"
    assert secretary.put(url, json=changed).status_code == 200
    latest = _changes(secretary, dossier_id)[-2:]
    assert [c["action"] for c in latest] == ["meeting.update", "vote.update"]
    assert latest[0]["sentence"] == ("Phạm Thị Lan sửa biên bản họp Hội đồng: "
                                     "Bắt đầu lúc 08:00 02/12/2024 → 08:30 02/12/2024; "
                                     "Địa điểm “Hội trường UBND phường Mỹ Bình” → “Phòng họp số 2”")
    assert latest[1]["sentence"] == "Phạm Thị Lan sửa số phiếu đồng ý của Trần Văn Ánh: 8 → 7"
    assert latest[1]["changes"] == {"votes_in_favour": {"old": 8, "new": 7}}


# --- the round ---------------------------------------------------------------------------------------------

def _submitted(as_user, campaign_id):
    clerk, secretary, head = as_user("clerk"), as_user("secretary"), as_user("head")
    dossier_id, ids = _new_dossier(clerk, campaign_id)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids)).status_code == 200
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")
    assert head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={}).status_code == 201
    _fire(head, dossier_id, "submit", "ready")
    _fire(as_user("reviewer"), dossier_id, "start_review", "submitted")
    _fire(as_user("reviewer"), dossier_id, "accept", "under_review")
    round_id = as_user("clerk").get(f"/api/v1/dossiers/{dossier_id}").get_json()["round_id"]
    return dossier_id, ids, round_id


def test_an_override_appears_in_the_round_and_the_dossier_history(as_user, world):
    dossier_id, ids, round_id = _submitted(as_user, world["campaign"].id)
    reviewer = as_user("reviewer")
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Đủ hồ sơ.")
    body = {"nominee_id": ids[2], "selected": False, "reason": "Đã được khen thưởng năm trước."}
    assert reviewer.post(f"/api/v1/rounds/{round_id}/overrides", json=body).status_code == 201
    sentence = ("Nguyễn Thị Thanh Hương đưa Lê Thị An ra khỏi danh sách đề nghị "
                "(lý do: Đã được khen thưởng năm trước.)")
    # The round tells it once, as its own step.
    history = reviewer.get(f"/api/v1/rounds/{round_id}/history?include=changes").get_json()
    assert [(e["kind"], e.get("trigger")) for e in history] == [("transition", "consolidate_early"),
                                                               ("transition", "override")]
    assert history[-1]["sentence"] == sentence
    assert history[-1]["details"]["before"]["is_selected"] and not history[-1]["details"]["after"]["is_selected"]
    # The dossier's timeline has the audit row, with old and new values.
    change = _changes(reviewer, dossier_id)[-1]
    assert change["action"] == "round.override" and change["sentence"] == sentence
    assert change["changes"] == {"override": {"old": None, "new": False}, "is_selected": {"old": True, "new": False}}
    rows = _rows()
    assert rows[-1].round_id == round_id and rows[-1].campaign_id == world["campaign"].id


# --- administration ----------------------------------------------------------------------------------------

def test_the_salary_table_is_audited(as_user, world):
    admin = as_user("admin")
    table = [{"valid_from": "2023-07-01", "amount": 1800000}, {"valid_from": "2024-07-01", "amount": 2340000}]
    assert admin.put("/api/v1/admin/base-salaries", json={"rows": table}).status_code == 200
    table[1]["amount"] = 2345000
    assert admin.put("/api/v1/admin/base-salaries", json={"rows": table}).status_code == 200
    assert admin.put("/api/v1/admin/base-salaries", json={"rows": table}).status_code == 200
    from service import audit

    events = _rows()
    assert [e.action for e in events] == ["salary_table.replace"] * 2
    assert events[-1].changes == {"2024-07-01": {"old": 2340000, "new": 2345000}}
    assert audit.sentence(events[-1]) == (f"{world['users']['admin'].full_name} sửa bảng mức lương cơ sở: "
                                          "Mức từ ngày 01/07/2024 2.340.000 → 2.345.000")


def test_template_upload_and_revert_are_audited_and_shown_in_the_round(as_user, world):
    from pathlib import Path

    admin, campaign_id = as_user("admin"), world["campaign"].id
    content = (Path(__file__).resolve().parents[1] / "templates_docx" / "to_trinh.docx").read_bytes()
    url = f"/api/v1/admin/campaigns/{campaign_id}/templates/to_trinh"
    response = admin.put(url, data={"file": (io.BytesIO(content), "mau_tinh.docx")},
                         content_type="multipart/form-data")
    assert response.status_code == 200, response.get_json()
    assert admin.delete(url).status_code == 204
    events = _rows()
    assert [e.action for e in events] == ["template.upload", "template.remove"]
    assert events[0].campaign_id == campaign_id and events[0].changes["file_name"]["new"] == "mau_tinh.docx"
    assert events[1].changes["sha256"]["new"] is None
    # A campaign-wide change is part of each of its rounds' timelines.
    clerk = as_user("clerk")
    round_id = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign_id}).get_json()["round_id"]
    changes = [e for e in as_user("reviewer").get(f"/api/v1/rounds/{round_id}/history?include=changes").get_json()
               if e["kind"] == "change"]
    name = world["users"]["admin"].full_name
    assert [c["sentence"] for c in changes] == [
        f"{name} thay mẫu “Tờ trình đề nghị khen thưởng” bằng tệp mau_tinh.docx",
        f"{name} bỏ mẫu tải lên, “Tờ trình đề nghị khen thưởng” dùng lại mẫu có sẵn"]


def test_loading_a_campaign_is_audited(as_user, world):
    from pathlib import Path

    text = (Path(__file__).resolve().parents[1] / "campaigns" / "long-xuyen-9936-2024.yaml").read_bytes()
    response = as_user("admin").post("/api/v1/admin/campaigns", data=text,
                                     headers={"Content-Type": "application/yaml"})
    assert response.status_code == 201, response.get_json()
    campaign = response.get_json()["campaign"]
    [event] = _rows()
    assert event.action == "campaign.load" and event.campaign_id == campaign["id"]
    assert event.changes["code"] == {"old": None, "new": "lx-bhxh-bhyt-2024"}
    assert "my-binh" in event.changes["created_units"]["new"]


def test_an_unknown_include_is_refused(as_user, world):
    clerk = as_user("clerk")
    dossier_id, _ = _new_dossier(clerk, world["campaign"].id)
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}/history?include=all").status_code == 422
