"""The council votes again when the dossier changes after a return; unchanged, its earlier minutes may stand.

A vote belongs to the list and the figures it was cast on: after the reviewer returns a dossier, a
changed nominee needs a new meeting before the minutes can be finalised; if nothing changed, the
secretary either records a new meeting or confirms the earlier minutes, saying why. The earlier
votes stay in the history either way.
"""
from __future__ import annotations

from conftest import COLLECTIVE, INDIVIDUALS, meeting_payload


def _fire(api, dossier_id, trigger, expected_state, status=201, **extra):
    response = api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "expected_state": expected_state, **extra})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _returned_dossier(as_user, world):
    """A dossier voted on, submitted, and returned for revision; the clerk drafts it again."""
    clerk, secretary, head, reviewer = (as_user(n) for n in ("clerk", "secretary", "head", "reviewer"))
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    ids = [clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=p).get_json()["id"]
           for p in (COLLECTIVE, *INDIVIDUALS)]
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                         json=meeting_payload(ids, votes={i: 8 for i in ids})).status_code == 200
    # The first time, the minutes are finalised; there is nothing earlier to keep.
    _fire(secretary, dossier_id, "confirm_minutes", "council_minutes", status=422, comment="Không đổi.")
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")
    head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    _fire(head, dossier_id, "submit", "ready")
    _fire(reviewer, dossier_id, "start_review", "submitted")
    _fire(reviewer, dossier_id, "return_for_revision", "under_review", comment="Bổ sung xác nhận số liệu.")
    _fire(clerk, dossier_id, "resume_drafting", "returned")
    return dossier_id, ids


def _guards(response_json):
    return [g["guard"] for g in response_json["error"]["details"]["failed_guards"]]


def test_a_changed_nominee_needs_a_new_vote(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _returned_dossier(as_user, world)
    edit = clerk.patch(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[1]}", json={
        "expected_version": 1, "metrics": {"relatives_bhxh": 4, "relatives_bhyt": 5}})
    assert edit.status_code == 200, edit.get_json()
    _fire(clerk, dossier_id, "send_to_council", "drafting")

    # Neither the old vote nor a confirmation of it will do: the figures it judged are gone.
    stale = _fire(secretary, dossier_id, "finalize_minutes", "council_minutes", status=422)
    assert _guards(stale) == ["vote_matches_nominees", "meeting_after_return"]
    assert "biểu quyết lại" in stale["error"]["fields"]["vote_matches_nominees"][0]
    kept = _fire(secretary, dossier_id, "confirm_minutes", "council_minutes", status=422, comment="Giữ nguyên.")
    assert _guards(kept) == ["vote_matches_nominees"]
    offered = {t["trigger"]: t for t in secretary.get(f"/api/v1/dossiers/{dossier_id}/transitions").get_json()["transitions"]}
    assert not offered["finalize_minutes"]["allowed"] and not offered["confirm_minutes"]["allowed"]

    # A new meeting votes on the current list; then the minutes can be finalised.
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                         json=meeting_payload(ids, votes={ids[0]: 8, ids[1]: 7, ids[2]: 8})).status_code == 200
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")

    # The earlier vote is still in the history, with the new one beside it.
    timeline = clerk.get(f"/api/v1/dossiers/{dossier_id}/history?include=changes").get_json()
    votes = [e for e in timeline if e.get("kind") == "change" and e.get("action", "").startswith("vote.")]
    assert any(c["changes"].get("votes_in_favour") == {"old": 8, "new": 7} for c in votes)


def test_unchanged_minutes_are_kept_with_a_reason(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _returned_dossier(as_user, world)
    _fire(clerk, dossier_id, "send_to_council", "drafting")

    # The old minutes are not taken silently...
    silent = _fire(secretary, dossier_id, "finalize_minutes", "council_minutes", status=422)
    assert _guards(silent) == ["meeting_after_return"]
    offered = {t["trigger"]: t for t in secretary.get(f"/api/v1/dossiers/{dossier_id}/transitions").get_json()["transitions"]}
    assert offered["confirm_minutes"]["allowed"] and offered["confirm_minutes"]["needs_comment"]
    # ...but may be confirmed, with the reason recorded.
    no_reason = _fire(secretary, dossier_id, "confirm_minutes", "council_minutes", status=422)
    assert _guards(no_reason) == ["comment_given"]
    _fire(secretary, dossier_id, "confirm_minutes", "council_minutes",
          comment="Danh sách và số liệu không thay đổi; chỉ bổ sung giấy xác nhận.")
    history = clerk.get(f"/api/v1/dossiers/{dossier_id}/history").get_json()
    assert (history[-1]["trigger"], history[-1]["to_state"]) == ("confirm_minutes", "ready")
    assert history[-1]["comment"] == "Danh sách và số liệu không thay đổi; chỉ bổ sung giấy xác nhận."


def test_a_new_meeting_after_the_return_can_be_finalised(as_user, world):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id, ids = _returned_dossier(as_user, world)
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                         json=meeting_payload(ids, votes={i: 8 for i in ids})).status_code == 200
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")
