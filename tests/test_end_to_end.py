"""A dossier walked through the whole process over the JSON API, as users would."""
from __future__ import annotations

import datetime as dt
import io
import zipfile

from conftest import COLLECTIVE, INDIVIDUALS, docx_text, meeting_payload
from service.clock import today_local


def _fire(api, dossier_id, trigger, expected_state, **extra):
    response = api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "expected_state": expected_state, **extra})
    assert response.status_code == 201, response.get_json()
    return response.get_json()


def _download_all(api, dossier_id) -> dict[str, bytes]:
    documents = {}
    for kind in ("bien_ban", "to_trinh", "danh_sach"):
        response = api.get(f"/api/v1/dossiers/{dossier_id}/documents/{kind}.docx")
        assert response.status_code == 200, response.get_json()
        assert response.mimetype.endswith("wordprocessingml.document")
        documents[kind] = response.data
    return documents


def test_dossier_from_draft_to_decision(as_user, world):
    clerk, secretary, head = as_user("clerk"), as_user("secretary"), as_user("head")
    reviewer, approver = as_user("reviewer"), as_user("approver")
    campaign_id = world["campaign"].id

    created = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign_id})
    assert created.status_code == 201, created.get_json()
    dossier_id = created.get_json()["id"]
    ids = []
    for payload in [COLLECTIVE, *INDIVIDUALS]:
        response = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=payload)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    # Documents can be downloaded while drafting too.
    drafts = _download_all(clerk, dossier_id)
    assert "Công ty A&B <Chi nhánh 1>" in docx_text(drafts["danh_sach"])

    _fire(clerk, dossier_id, "send_to_council", "drafting")
    meeting = secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                            json=meeting_payload(ids, votes={ids[0]: 8, ids[1]: 7, ids[2]: 3}))
    assert meeting.status_code == 200, meeting.get_json()
    assert [v["passed"] for v in meeting.get_json()["votes"]] == [True, True, False]
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")

    # The head cannot submit before the documents show the current content.
    blocked = head.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": "submit", "expected_state": "ready"})
    assert blocked.status_code == 422
    assert "documents_current" in blocked.get_json()["error"]["fields"]
    version = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["version"]
    # A tờ trình is dated the day it is signed: a day still to come is refused, and nothing changes.
    tomorrow = (today_local() + dt.timedelta(days=1)).isoformat()
    ahead = head.patch(f"/api/v1/dossiers/{dossier_id}", json={
        "expected_version": version, "to_trinh_number": 5, "to_trinh_date": tomorrow})
    assert ahead.status_code == 422 and "sau ngày hôm nay" in ahead.get_json()["error"]["fields"]["to_trinh_date"][0]
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["version"] == version
    patched = head.patch(f"/api/v1/dossiers/{dossier_id}", json={
        "expected_version": version, "to_trinh_number": 5, "bien_ban_number": 2, "to_trinh_date": "2024-12-03"})
    assert patched.status_code == 200, patched.get_json()
    generated = head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    assert generated.status_code == 201, generated.get_json()
    first_set = {d["kind"]: d for d in generated.get_json()}
    _fire(head, dossier_id, "submit", "ready")

    submitted_docs = _download_all(reviewer, dossier_id)
    to_trinh = docx_text(submitted_docs["to_trinh"])
    assert "Số: 05/TTr-UBND" in to_trinh
    assert "ngày 03 tháng 12 năm 2024" in to_trinh
    danh_sach = docx_text(submitted_docs["danh_sach"])
    assert "Công ty A&B <Chi nhánh 1>" in danh_sach
    # Only those who passed the vote are proposed; "Lê Thị An" got 3 of 9 votes.
    assert "Trần Văn Ánh" in danh_sach and "Lê Thị An" not in danh_sach
    bien_ban = docx_text(submitted_docs["bien_ban"])
    assert "Lê Thị An" in bien_ban and "Không đạt" in bien_ban

    _fire(reviewer, dossier_id, "start_review", "submitted")
    missing_comment = reviewer.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                                    json={"trigger": "return_for_revision", "expected_state": "under_review"})
    assert missing_comment.status_code == 422
    _fire(reviewer, dossier_id, "return_for_revision", "under_review",
          comment="Bổ sung số liệu BHYT của tập thể.")
    _fire(clerk, dossier_id, "resume_drafting", "returned")

    edit = clerk.patch(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[0]}", json={
        "expected_version": 1, "metrics": {**COLLECTIVE["metrics"], "relatives_bhyt": 30}})
    assert edit.status_code == 200, edit.get_json()
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                  json=meeting_payload(ids, votes={ids[0]: 8, ids[1]: 8, ids[2]: 8}))
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")
    head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    _fire(head, dossier_id, "submit", "ready")

    _fire(reviewer, dossier_id, "start_review", "submitted")
    _fire(reviewer, dossier_id, "accept", "under_review")
    no_decision = approver.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                                json={"trigger": "approve", "expected_state": "accepted"})
    assert no_decision.status_code == 422
    dated_ahead = approver.post(f"/api/v1/dossiers/{dossier_id}/transitions", json={
        "trigger": "approve", "expected_state": "accepted", "decision_number": "1234/QĐ-UBND",
        "decision_date": (today_local() + dt.timedelta(days=1)).isoformat()})
    assert dated_ahead.status_code == 422 and "decision_not_ahead" in dated_ahead.get_json()["error"]["fields"]
    _fire(approver, dossier_id, "approve", "accepted", decision_number="1234/QĐ-UBND",
          decision_date="2024-12-20")

    dossier = approver.get(f"/api/v1/dossiers/{dossier_id}").get_json()
    assert dossier["state"] == "approved" and dossier["decision_number"] == "1234/QĐ-UBND"

    history = clerk.get(f"/api/v1/dossiers/{dossier_id}/history").get_json()
    assert [(e["trigger"], e["from_state"], e["to_state"]) for e in history] == [
        ("create", "", "drafting"),
        ("send_to_council", "drafting", "council_minutes"),
        ("finalize_minutes", "council_minutes", "ready"),
        ("submit", "ready", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("return_for_revision", "under_review", "returned"),
        ("resume_drafting", "returned", "drafting"),
        ("send_to_council", "drafting", "council_minutes"),
        ("finalize_minutes", "council_minutes", "ready"),
        ("submit", "ready", "submitted"),
        ("start_review", "submitted", "under_review"),
        ("accept", "under_review", "accepted"),
        ("approve", "accepted", "approved"),
    ]
    assert history[5]["comment"] == "Bổ sung số liệu BHYT của tập thể."
    assert history[5]["actor_name"] == "Nguyễn Thị Thanh Hương"

    # The first submitted set is kept, frozen, next to the revised one.
    versions = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents").get_json()
    danh_sach_versions = [d for d in versions if d["kind"] == "danh_sach"]
    assert len(danh_sach_versions) >= 2
    first = next(d for d in danh_sach_versions if d["version"] == first_set["danh_sach"]["version"])
    assert first["is_frozen"] and first["sha256"] == first_set["danh_sach"]["sha256"]
    old = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/danh_sach.docx?version={first['version']}")
    assert "Lê Thị An" not in docx_text(old.data)
    latest = clerk.get(f"/api/v1/dossiers/{dossier_id}/documents/danh_sach.docx")
    assert "Lê Thị An" in docx_text(latest.data)

    archive = zipfile.ZipFile(io.BytesIO(clerk.get(f"/api/v1/dossiers/{dossier_id}/documents.zip").data))
    assert sorted(name.split("_hoso")[0] for name in archive.namelist()) == ["bien_ban", "danh_sach", "to_trinh"]
