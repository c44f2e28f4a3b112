"""The standing agency's rounds over the API: who sees them, the workflow's refusals, overrides, locking."""
from __future__ import annotations

import datetime as dt
import unicodedata

import pytest
import sqlalchemy as sa

import workflows
from conftest import COLLECTIVE, INDIVIDUALS, meeting_payload
from round_helpers import fire_round
from service.db import db


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]


def _dossier(as_user, campaign_id, *, votes=None, submit=True, clerk="clerk", secretary="secretary", head="head"):
    # Unit B's namesakes work in unit B: the same name in another workplace is another person.
    people = INDIVIDUALS if clerk == "clerk" else [{**n, "workplace": "UBND phường Mỹ Long"} for n in INDIVIDUALS]
    clerk, secretary, head = as_user(clerk), as_user(secretary), as_user(head)
    dossier = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign_id}).get_json()
    ids = [clerk.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=n).get_json()["id"]
           for n in (COLLECTIVE, *people)]
    steps = [(clerk, "send_to_council", "drafting"), (secretary, "finalize_minutes", "council_minutes")]
    for api, trigger, state in steps:
        if trigger == "finalize_minutes":
            counts = {nid: 8 for nid in ids}
            counts.update({ids[i]: v for i, v in (votes or {}).items()})
            assert secretary.put(f"/api/v1/dossiers/{dossier['id']}/meeting",
                                 json=meeting_payload(ids, votes=counts)).status_code == 200
        assert api.post(f"/api/v1/dossiers/{dossier['id']}/transitions",
                        json={"trigger": trigger, "expected_state": state}).status_code == 201
    assert head.post(f"/api/v1/dossiers/{dossier['id']}/documents", json={}).status_code == 201
    if submit:
        assert head.post(f"/api/v1/dossiers/{dossier['id']}/transitions",
                         json={"trigger": "submit", "expected_state": "ready"}).status_code == 201
    return dossier["id"], ids, dossier["round_id"]


def _accept(as_user, dossier_id):
    for trigger, state in (("start_review", "submitted"), ("accept", "under_review")):
        response = as_user("reviewer").post(f"/api/v1/dossiers/{dossier_id}/transitions",
                                            json={"trigger": trigger, "expected_state": state})
        assert response.status_code == 201, response.get_json()


# --- the pure workflow -----------------------------------------------------------------------------------

ROUND_EXPECTED = {
    "close_collection": ("collecting", "consolidating", {"reviewer"}),
    "consolidate_early": ("collecting", "consolidating", {"reviewer"}),
    "propose": ("consolidating", "proposed", {"reviewer"}),
    "send_back": ("proposed", "consolidating", {"approver", "reviewer"}),
    "decide": ("proposed", "decided", {"approver"}),
    "close": ("decided", "closed", {"reviewer", "approver"}),
}


def _facts(state, **changes):
    base = dict(state=state, today=dt.date(2025, 2, 10), deadline=dt.date(2025, 1, 29), pending_reviews=0,
                accepted_dossiers=2, selected_count=3, comment="Lý do.", proposal_number="12/TTr-BHXH",
                proposal_date=dt.date(2025, 2, 3), decision_number="45/QĐ-UBND", decision_date=dt.date(2025, 2, 10))
    base.update(changes)
    return workflows.RoundFacts(**base)


def test_round_workflow_is_the_expected_table():
    wf = workflows.ROUND_WORKFLOW
    assert [s.name for s in wf.states] == ["collecting", "consolidating", "proposed", "decided", "closed"]
    assert {t.trigger: (t.source, t.dest, set(t.roles)) for t in wf.transitions} == ROUND_EXPECTED
    assert wf.final_states == {"closed"} and wf.initial == "collecting"
    assert wf.transition("decide").required_fields == ("decision_number", "decision_date")
    assert all(unicodedata.is_normalized("NFC", s.label) for s in wf.states)


@pytest.mark.parametrize("role", ["reviewer", "approver", "admin", "unit_clerk"])
@pytest.mark.parametrize("state", ["collecting", "consolidating", "proposed", "decided", "closed"])
@pytest.mark.parametrize("trigger", list(ROUND_EXPECTED))
def test_round_permission_table(trigger, state, role):
    source, dest, roles = ROUND_EXPECTED[trigger]
    # Facts in which every guard but the deadline ones pass; those two exclude each other.
    facts = _facts(state, today=dt.date(2025, 1, 20) if trigger == "consolidate_early" else dt.date(2025, 2, 10))
    evaluation = workflows.ROUND_WORKFLOW.evaluate(state, trigger, role, facts)
    if state != source:
        assert evaluation.problem == "not_from_state" and "đợt khen thưởng đang ở trạng thái" in evaluation.message
    elif role not in roles:
        assert evaluation.problem == "role_not_allowed"
    else:
        assert evaluation.allowed and workflows.ROUND_WORKFLOW.fire(state, trigger, role, facts) == dest


@pytest.mark.parametrize("trigger, state, changes, guards", [
    ("close_collection", "collecting", {"today": dt.date(2025, 1, 29)}, ["deadline_passed"]),
    ("consolidate_early", "collecting", {"comment": " "}, ["deadline_not_passed", "comment_given"]),
    ("propose", "consolidating", {"pending_reviews": 2, "selected_count": 0, "quota_breaches": ("x",),
                                  "proposal_number": None},
     ["reviews_finished", "has_selection", "quotas_respected", "proposal_given"]),
    ("decide", "proposed", {"decision_date": dt.date(2025, 2, 1)}, ["decision_after_proposal"]),
    ("decide", "proposed", {"decision_number": ""}, ["decision_given"]),
    ("send_back", "proposed", {"comment": None}, ["comment_given"]),
])
def test_round_guards_say_what_is_missing(trigger, state, changes, guards):
    role = "approver" if trigger in ("decide", "send_back") else "reviewer"
    evaluation = workflows.ROUND_WORKFLOW.evaluate(state, trigger, role, _facts(state, **changes))
    assert [f.name for f in evaluation.failures] == guards
    assert all(f.message and unicodedata.is_normalized("NFC", f.message) for f in evaluation.failures)


def test_the_dossier_workflow_still_speaks_of_dossiers():
    evaluation = workflows.evaluate("drafting", "approve", "approver", workflows.DossierFacts(
        state="drafting", nominees=(), documents_current=True, today=dt.date(2025, 1, 1)))
    assert "khi hồ sơ đang ở trạng thái" in evaluation.message
    with pytest.raises(TypeError):
        workflows.ROUND_WORKFLOW.evaluate("collecting", "close", "reviewer", {"state": "collecting"})


def test_round_command_prints_the_round_table(runner):
    table = runner.invoke(args=["workflow", "--round"]).output
    assert "`propose`" in table and "Mọi hồ sơ đã nộp đều đã thẩm định xong" in table


# --- access --------------------------------------------------------------------------------------------

def test_only_the_agency_the_authority_and_admins_see_rounds(as_user, world):
    _dossier(as_user, world["campaign"].id, submit=False)
    campaign_id = world["campaign"].id
    rounds = as_user("reviewer").get(f"/api/v1/campaigns/{campaign_id}/rounds").get_json()
    assert [r["code"] for r in rounds] == ["chinh"] and rounds[0]["state_label"] == "Đang nhận hồ sơ"
    round_id = rounds[0]["id"]
    for name in ("reviewer", "approver", "admin"):
        for path in ("", "/ranking", "/history"):
            assert as_user(name).get(f"/api/v1/rounds/{round_id}{path}").status_code == 200, (name, path)
    for name in ("clerk", "head_b", "outsider_reviewer"):
        _error(as_user(name).get(f"/api/v1/campaigns/{campaign_id}/rounds"), 404)
        for path in ("", "/ranking", "/history"):
            _error(as_user(name).get(f"/api/v1/rounds/{round_id}{path}"), 404)
        _error(as_user(name).post(f"/api/v1/rounds/{round_id}/transitions",
                                  json={"trigger": "close", "expected_state": "decided"}), 404)
    # Everyone may still see which rounds a campaign has, to send a dossier to the right one.
    assert as_user("clerk").get(f"/api/v1/campaigns/{campaign_id}").get_json()["rounds"][0]["id"] == round_id


def test_round_detail_counts_dossiers_by_state(as_user, world):
    _dossier(as_user, world["campaign"].id)
    _, _, round_id = _dossier(as_user, world["campaign"].id, submit=False, clerk="clerk_b",
                              secretary="secretary_b", head="head_b")
    body = as_user("reviewer").get(f"/api/v1/rounds/{round_id}").get_json()
    assert body["dossier_counts"] == [{"state": "ready", "state_label": "Sẵn sàng trình", "count": 1},
                                      {"state": "submitted", "state_label": "Đã nộp", "count": 1}]
    assert body["dossier_total"] == 2
    by_trigger = {t["trigger"]: t for t in body["transitions"]}
    assert by_trigger["consolidate_early"]["allowed"] and by_trigger["consolidate_early"]["needs_comment"]
    assert not by_trigger["close_collection"]["allowed"]
    assert "Chưa hết hạn nộp hồ sơ" in by_trigger["close_collection"]["reasons"][0]
    approver_view = as_user("approver").get(f"/api/v1/rounds/{round_id}").get_json()
    assert all(not t["allowed"] for t in approver_view["transitions"])


# --- the workflow's refusals over the API ------------------------------------------------------------------

def test_refusals_have_the_service_error_shape(as_user, world):
    dossier_id, _, round_id = _dossier(as_user, world["campaign"].id)
    reviewer = as_user("reviewer")
    assert _error(reviewer.post(f"/api/v1/rounds/{round_id}/transitions",
                                json={"trigger": "consolidate_early", "expected_state": "collecting"}),
                  422)["fields"]["comment_given"]
    assert _error(as_user("approver").post(f"/api/v1/rounds/{round_id}/transitions",
                                           json={"trigger": "consolidate_early", "expected_state": "collecting",
                                                 "comment": "x"}), 403)["code"] == "role_not_allowed"
    assert _error(as_user("admin").post(f"/api/v1/rounds/{round_id}/transitions",
                                        json={"trigger": "close", "expected_state": "collecting"}),
                  403)["code"] == "forbidden"
    assert _error(reviewer.post(f"/api/v1/rounds/{round_id}/transitions",
                                json={"trigger": "publish", "expected_state": "collecting"}),
                  422)["code"] == "unknown_trigger"
    assert _error(reviewer.post(f"/api/v1/rounds/{round_id}/transitions",
                                json={"trigger": "decide", "expected_state": "collecting"}),
                  409)["code"] == "trigger_not_allowed"
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Đủ hồ sơ.")
    stale = _error(reviewer.post(f"/api/v1/rounds/{round_id}/transitions",
                                 json={"trigger": "consolidate_early", "expected_state": "collecting",
                                       "comment": "x"}), 409)
    assert stale["code"] == "stale_state" and stale["details"]["current_state"] == "consolidating"
    # The dossier is still waiting for its review: the list cannot be proposed yet.
    pending = _error(reviewer.post(f"/api/v1/rounds/{round_id}/transitions", json={
        "trigger": "propose", "expected_state": "consolidating"}), 422)
    assert set(pending["fields"]) == {"reviews_finished", "has_selection", "proposal_given"}
    _accept(as_user, dossier_id)
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="12/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    assert _error(reviewer.post(f"/api/v1/rounds/{round_id}/transitions",
                                json={"trigger": "send_back", "expected_state": "proposed"}), 422)["fields"] == {
        "comment_given": ["Cần nhập ý kiến hoặc lý do (không được để trống)."]}


def test_once_proposed_no_dossier_joins_the_round(as_user, world):
    first, _, round_id = _dossier(as_user, world["campaign"].id)
    late_id, _, _ = _dossier(as_user, world["campaign"].id, submit=False, clerk="clerk_b",
                             secretary="secretary_b", head="head_b")
    _accept(as_user, first)
    fire_round(as_user("reviewer"), round_id, "consolidate_early", "collecting", comment="Đủ.")
    fire_round(as_user("reviewer"), round_id, "propose", "consolidating", proposal_number="3/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    # What GET offers and what POST does follow one rule: the closed round is the reason given.
    offered = as_user("head_b").get(f"/api/v1/dossiers/{late_id}/transitions").get_json()["transitions"]
    submit = next(t for t in offered if t["trigger"] == "submit")
    refused = _error(as_user("head_b").post(f"/api/v1/dossiers/{late_id}/transitions",
                                            json={"trigger": "submit", "expected_state": "ready"}), 409)
    assert refused["code"] == "round_closed" and "không còn nhận hồ sơ" in refused["message"]
    assert submit["allowed"] is False and submit["reasons"] == [refused["message"]]
    ranking = as_user("approver").get(f"/api/v1/rounds/{round_id}/ranking").get_json()
    assert ranking["is_frozen"] and ranking["selected_count"] == 3


def test_decision_snapshot_waits_for_the_proposal(app, as_user, world):
    from service.errors import Conflict
    from service.models import CampaignRound
    from service.operations.round_documents import decision_snapshot

    _, _, round_id = _dossier(as_user, world["campaign"].id, submit=False)
    with pytest.raises(Conflict):
        decision_snapshot(db.session.get(CampaignRound, round_id))


# --- overrides -----------------------------------------------------------------------------------------

def test_overrides_are_checked(as_user, world):
    dossier_id, ids, round_id = _dossier(as_user, world["campaign"].id, votes={2: 3})
    url = f"/api/v1/rounds/{round_id}/overrides"
    body = {"nominee_id": ids[1], "selected": False, "reason": "Đã được khen thưởng năm trước."}
    assert _error(as_user("reviewer").post(url, json=body), 409)["code"] == "wrong_state"
    _accept(as_user, dossier_id)
    fire_round(as_user("reviewer"), round_id, "consolidate_early", "collecting", comment="Đủ.")
    assert _error(as_user("approver").post(url, json=body), 403)["code"] == "forbidden"
    assert "reason" in _error(as_user("reviewer").post(url, json={**body, "reason": "  "}), 422)["fields"]
    assert "nominee_id" in _error(as_user("reviewer").post(url, json={**body, "nominee_id": 999_999}), 422)["fields"]
    # The council turned this one down (3 of 9 votes): no override can award it.
    refused = _error(as_user("reviewer").post(url, json={**body, "nominee_id": ids[2], "selected": True}), 422)
    assert refused["code"] == "not_forceable" and "phiếu" in refused["message"]
    event = as_user("reviewer").post(url, json=body)
    assert event.status_code == 201 and event.get_json()["trigger_label"] == "Điều chỉnh danh sách"
    rows = {r["nominee_id"]: r for r in as_user("reviewer").get(f"/api/v1/rounds/{round_id}/ranking")
            .get_json()["nominees"]}
    assert rows[ids[1]]["reason_code"] == "override" and not rows[ids[1]]["is_selected"]
    assert rows[ids[1]]["reason"] == "Cơ quan thường trực không chọn: Đã được khen thưởng năm trước."
    withdrawn = as_user("reviewer").post(url, json={**body, "selected": None, "reason": "Nhầm người."})
    assert withdrawn.status_code == 201
    rows = {r["nominee_id"]: r for r in as_user("reviewer").get(f"/api/v1/rounds/{round_id}/ranking")
            .get_json()["nominees"]}
    assert rows[ids[1]]["is_selected"] and rows[ids[2]]["reason_code"] == "failed_vote"
    history = as_user("approver").get(f"/api/v1/rounds/{round_id}/history").get_json()
    assert [(e["trigger"], e["comment"]) for e in history][-2:] == [
        ("override", "Đã được khen thưởng năm trước."), ("override", "Nhầm người.")]


# --- dossiers per round --------------------------------------------------------------------------------

def test_a_unit_outside_the_plan_cannot_open_a_dossier(as_user, world, make_unit, make_user, client):
    from conftest import ApiClient
    from service.operations.campaigns import load_campaign
    from round_helpers import CAMPAIGNS_DIR

    campaign = load_campaign(None, (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text(encoding="utf-8")).campaign
    branch = make_unit("chi-nhanh", kind="branch", place="Chi nhánh")
    make_user("canbo-chinhanh", "unit_clerk", branch)
    db.session.commit()
    refused = ApiClient(client, "canbo-chinhanh").post("/api/v1/dossiers", json={"campaign_id": campaign.id})
    assert _error(refused, 403)["code"] == "not_participant"
    # A round of another campaign is not a round of this one.
    foreign = as_user("clerk").post("/api/v1/dossiers", json={"campaign_id": campaign.id, "round_id": 999})
    assert "round_id" in _error(foreign, 422)["fields"]


def test_single_round_follows_the_campaign_deadline(app, world, as_user):
    from service.models import CampaignRound

    _dossier(as_user, world["campaign"].id, submit=False)
    campaign = world["campaign"]
    campaign.submission_deadline = dt.date(2031, 1, 2)
    campaign.accepts_late = True
    db.session.commit()
    round_ = db.session.scalar(sa.select(CampaignRound).where(CampaignRound.campaign_id == campaign.id))
    assert (round_.deadline, round_.accepts_late) == (dt.date(2031, 1, 2), True)


def test_a_stale_round_is_refused_by_its_version(app, as_user, world):
    from service.errors import Conflict
    from service.models import CampaignRound, User
    from service.operations.rounds import fire_round_transition

    _, _, round_id = _dossier(as_user, world["campaign"].id, submit=False)
    reviewer = db.session.scalar(sa.select(User).where(User.username == "reviewer"))
    session = db.session()
    session.expire_on_commit = False  # keep what we read, as a request that read before the other wrote
    try:
        round_ = db.session.get(CampaignRound, round_id)
        assert round_.version == 1 and round_.campaign.standing_agency_id == reviewer.unit_id
        db.session.commit()
        # Someone else changes the round between our read and our write.
        with db.engine.begin() as connection:
            connection.execute(sa.text("UPDATE campaign_rounds SET version = version + 1 WHERE id = :id"),
                               {"id": round_id})
        with pytest.raises(Conflict) as info:
            fire_round_transition(reviewer, round_, "consolidate_early", expected_state="collecting",
                                  comment="Sớm.")
        assert info.value.code == "stale_state"
    finally:
        db.session.rollback()
        session.expire_on_commit = True


@pytest.mark.parametrize("trigger, state, field", [("propose", "consolidating", "proposal_date"),
                                                   ("decide", "proposed", "decision_date")])
def test_round_documents_cannot_be_dated_ahead(trigger, state, field):
    today = dt.date(2025, 2, 10)
    dates = {"proposal_date": dt.date(2025, 2, 3), "decision_date": dt.date(2025, 2, 10),
             field: today + dt.timedelta(days=1)}
    facts = _facts(state, today=today, **dates)
    evaluation = workflows.ROUND_WORKFLOW.evaluate(state, trigger, "reviewer" if trigger == "propose" else "approver",
                                                   facts)
    guard = "proposal_not_ahead" if trigger == "propose" else "decision_not_ahead"
    assert evaluation.problem == "guards_failed" and [f.name for f in evaluation.failures] == [guard]
    assert "11/02/2025" in evaluation.failures[0].message and "10/02/2025" in evaluation.failures[0].message
