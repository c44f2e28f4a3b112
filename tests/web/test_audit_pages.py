"""The dossier and round pages show changes of data in their history, among the workflow's steps."""
from __future__ import annotations

import re

from conftest import COLLECTIVE, INDIVIDUALS, meeting_payload
from round_helpers import fire_round
from web_helpers import web  # noqa: F401 - fixture


def _history(html: str) -> str:
    """The text of the page's history section, tags removed, newest first."""
    match = re.search(r'<ol class="timeline">(.*?)</ol>', html, re.S)
    assert match, "no history on the page"
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1)))


def _fire(api, dossier_id, trigger, state):
    response = api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "expected_state": state})
    assert response.status_code == 201, response.get_json()


def _dossier(as_user, world):
    clerk = as_user("clerk")
    dossier = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()
    ids = [clerk.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=n).get_json()["id"]
           for n in (COLLECTIVE, *INDIVIDUALS)]
    return dossier["id"], ids


def test_the_dossier_page_tells_nominee_and_vote_changes_between_the_steps(as_user, world, web):
    dossier_id, ids = _dossier(as_user, world)
    clerk, secretary = as_user("clerk"), as_user("secretary")
    assert clerk.patch(f"/api/v1/dossiers/{dossier_id}/nominees/{ids[1]}", json={
        "expected_version": 1, "metrics": {"relatives_bhxh": 4, "relatives_bhyt": 5}}).status_code == 200
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    url = f"/api/v1/dossiers/{dossier_id}/meeting"
    assert secretary.put(url, json=meeting_payload(ids)).status_code == 200
    assert secretary.put(url, json=meeting_payload(ids, votes={ids[0]: 8, ids[1]: 7, ids[2]: 8})).status_code == 200

    text = _history(web("clerk").get(f"/ho-so/{dossier_id}").get_data(as_text=True))
    edit = "Lê Văn Hùng sửa số liệu của Trần Văn Ánh: Số người thân tham gia BHXH tự nguyện 3 → 4"
    vote = "Phạm Thị Lan sửa số phiếu đồng ý của Trần Văn Ánh: 8 → 7"
    assert edit in text and vote in text and "Sửa số phiếu" in text
    # Newest first: the vote change, ..., the step to the council, the figures edit, ..., the creation.
    positions = [text.index(s) for s in (vote, "Gửi Hội đồng xét", edit, "Lập hồ sơ")]
    assert positions == sorted(positions)


def test_the_round_page_tells_an_override_in_one_sentence(as_user, world, web):
    dossier_id, ids = _dossier(as_user, world)
    clerk, secretary, head, reviewer = (as_user(n) for n in ("clerk", "secretary", "head", "reviewer"))
    _fire(clerk, dossier_id, "send_to_council", "drafting")
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids)).status_code == 200
    _fire(secretary, dossier_id, "finalize_minutes", "council_minutes")
    assert head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={}).status_code == 201
    _fire(head, dossier_id, "submit", "ready")
    _fire(reviewer, dossier_id, "start_review", "submitted")
    _fire(reviewer, dossier_id, "accept", "under_review")
    round_id = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["round_id"]
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Đủ hồ sơ.")
    assert reviewer.post(f"/api/v1/rounds/{round_id}/overrides", json={
        "nominee_id": ids[2], "selected": False, "reason": "Đã được khen thưởng năm trước."}).status_code == 201

    round_page = _history(web("reviewer").get(f"/dot-khen-thuong/{round_id}").get_data(as_text=True))
    assert "Nguyễn Thị Thanh Hương đưa Lê Thị An ra khỏi danh sách đề nghị" in round_page
    assert round_page.count("Lê Thị An ra khỏi danh sách") == 1
    # The dossier's own page shows the same override, with its reason.
    dossier_page = _history(web("clerk").get(f"/ho-so/{dossier_id}").get_data(as_text=True))
    assert ("Nguyễn Thị Thanh Hương đưa Lê Thị An ra khỏi danh sách đề nghị "
            "(lý do: Đã được khen thưởng năm trước.)") in dossier_page
