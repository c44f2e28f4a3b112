"""The outcome goes back to the unit, and each campaign records its decisions one way.

A campaign that consolidates in rounds approves its dossiers only by the round's decision; a campaign
that decides per dossier approves each dossier on its own, and a dossier so approved is never chosen
again by a round. A person is awarded once in a round. The unit sees each nominee's result, the
decision, and downloads the decision and its own certificates, never another unit's.
"""
from __future__ import annotations

import datetime as dt
import sys
from pathlib import Path

import sqlalchemy as sa

from conftest import COLLECTIVE, INDIVIDUALS, docx_text, meeting_payload
from round_helpers import fire_round
from service.db import db

sys.path.insert(0, str(Path(__file__).resolve().parent / "web"))
from web_helpers import demo, web  # noqa: E402,F401 - fixtures

# Unit B's own people: different names from unit A's, so that a certificate names its unit.
INDIVIDUALS_B = [
    {**INDIVIDUALS[0], "full_name": "Phạm Quốc Bảo", "workplace": "UBND phường Mỹ Long"},
    {**INDIVIDUALS[1], "full_name": "Đỗ Thị Cúc", "workplace": "UBND phường Mỹ Long"},
]
COLLECTIVE_B = {**COLLECTIVE, "full_name": "Công chức Văn hóa - Xã hội phường Mỹ Long"}


def _fire(api, dossier_id, trigger, state, status=201, **extra):
    response = api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "expected_state": state, **extra})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def _accepted(as_user, campaign_id, nominees, *, unit="", votes=None):
    """A dossier of unit A (``unit=""``) or B (``unit="_b"``) taken to "accepted"; its id and nominee ids."""
    clerk, secretary, head = as_user("clerk" + unit), as_user("secretary" + unit), as_user("head" + unit)
    dossier = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign_id}).get_json()
    ids = [clerk.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=n).get_json()["id"] for n in nominees]
    _fire(clerk, dossier["id"], "send_to_council", "drafting")
    counts = {nid: 8 for nid in ids}
    counts.update({ids[i]: v for i, v in (votes or {}).items()})
    assert secretary.put(f"/api/v1/dossiers/{dossier['id']}/meeting",
                         json=meeting_payload(ids, votes=counts)).status_code == 200
    _fire(secretary, dossier["id"], "finalize_minutes", "council_minutes")
    assert head.post(f"/api/v1/dossiers/{dossier['id']}/documents", json={}).status_code == 201
    _fire(head, dossier["id"], "submit", "ready")
    _fire(as_user("reviewer"), dossier["id"], "start_review", "submitted")
    _fire(as_user("reviewer"), dossier["id"], "accept", "under_review")
    return dossier["id"], ids, dossier["round_id"]


def _decide_by_round(as_user, round_id, number="1250/QĐ-UBND"):
    reviewer, approver = as_user("reviewer"), as_user("approver")
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Các đơn vị đã nộp đủ.")
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="88/TTr-YT",
               proposal_date=dt.date(2024, 12, 10))
    fire_round(approver, round_id, "decide", "proposed", decision_number=number,
               decision_date=dt.date(2024, 12, 20))


def _by_round(world):
    """Make the world's campaign decide per round (as a definition file says by default)."""
    world["campaign"].definition = {"decisions": "round"}
    db.session.commit()


def _quota(round_id, individuals):
    from service.models import CampaignRound

    db.session.get(CampaignRound, round_id).quotas = {"total": {"individual": individuals}}
    db.session.commit()


def _names(outcome):
    return {n["full_name"]: n for n in outcome["nominees"]}


# --- a campaign that decides per round --------------------------------------------------------------

def test_round_campaign_refuses_per_dossier_approval_and_does_not_offer_it(as_user, world, web):
    _by_round(world)
    dossier_id, _, round_id = _accepted(as_user, world["campaign"].id, [COLLECTIVE, *INDIVIDUALS])
    approver = as_user("approver")
    refused = _fire(approver, dossier_id, "approve", "accepted", status=422, decision_number="1/QĐ-UBND",
                    decision_date="2024-12-20")
    assert "chỉ được phê duyệt theo quyết định khen thưởng của đợt" in refused["error"]["message"]
    assert "decision_per_dossier" in refused["error"]["fields"]
    listed = approver.get(f"/api/v1/dossiers/{dossier_id}/transitions").get_json()
    assert "approve" not in [t["trigger"] for t in listed["transitions"]]

    page = web("approver")
    html = page.get(f"/ho-so/{dossier_id}").get_data(as_text=True)
    assert "buoc-approve" not in html and "Ghi nhận quyết định khen thưởng của đợt" in html
    home = page.get("/").get_data(as_text=True)
    assert f"Hồ sơ số {dossier_id}" not in home.split('id="tat-ca-ho-so"')[0]  # not a to-do of its own
    # The round's decision is the approver's step, once the agency has proposed the list.
    reviewer = as_user("reviewer")
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Các đơn vị đã nộp đủ.")
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="88/TTr-YT",
               proposal_date=dt.date(2024, 12, 10))
    home = page.get("/").get_data(as_text=True)
    todo = home.split('id="tat-ca-ho-so"')[0]
    assert 'id="dot-cua-ban"' in todo and "Việc của bạn: Ghi nhận quyết định khen thưởng" in todo


def test_unit_sees_round_results_and_downloads_only_its_certificates(as_user, world, web):
    _by_round(world)
    campaign_id = world["campaign"].id
    a_id, _, round_id = _accepted(as_user, campaign_id, [COLLECTIVE, *INDIVIDUALS])
    _quota(round_id, 2)
    # Unit B: its first person fails the council's vote (2 of 9); the last one is over the quota.
    b_id, _, _ = _accepted(as_user, campaign_id, [COLLECTIVE_B, *INDIVIDUALS_B], unit="_b", votes={1: 2})
    _decide_by_round(as_user, round_id)

    mine = as_user("clerk").get(f"/api/v1/dossiers/{a_id}/outcome")
    assert mine.status_code == 200
    outcome = mine.get_json()
    assert outcome["decision"]["scope"] == "round"
    assert (outcome["decision"]["number"], outcome["decision"]["date"]) == ("1250/QĐ-UBND", "2024-12-20")
    people = _names(outcome)
    collective = people[COLLECTIVE["full_name"]]
    assert collective["result"] == "awarded" and collective["award_form"]["name"] == "Giấy khen"
    # 0,6 × 2.340.000 đồng (base salary from 01/07/2024), rounded to tens of thousands.
    assert collective["prize"]["amount"] == 1_404_000 or collective["prize"]["amount"] == 1_400_000
    assert people["Trần Văn Ánh"]["result"] == "awarded" and people["Trần Văn Ánh"]["prize"]["amount"] > 0

    theirs = _names(as_user("clerk_b").get(f"/api/v1/dossiers/{b_id}/outcome").get_json())
    assert theirs["Phạm Quốc Bảo"]["result"] == "not_chosen"
    assert theirs["Phạm Quốc Bảo"]["reason_code"] == "failed_vote"
    assert theirs["Đỗ Thị Cúc"]["reason_code"] == "over_quota" and theirs["Đỗ Thị Cúc"]["prize"] is None
    assert theirs["Đỗ Thị Cúc"]["reason_label"] == "Vượt số lượng khen thưởng"

    # Downloads: the unit's own certificates only; another unit's dossier is not even found.
    certificates = as_user("clerk").get(f"/api/v1/dossiers/{a_id}/outcome/certificates.docx")
    assert certificates.status_code == 200
    text = docx_text(certificates.data)
    assert "Trần Văn Ánh" in text and "Lê Thị An" in text
    assert "Mỹ Long" not in text and "Phạm Quốc Bảo" not in text
    assert as_user("clerk_b").get(f"/api/v1/dossiers/{a_id}/outcome/certificates.docx").status_code == 404
    assert as_user("clerk").get(f"/api/v1/dossiers/{b_id}/outcome/certificates.docx").status_code == 404
    decision = as_user("clerk").get(f"/api/v1/dossiers/{a_id}/outcome/quyet_dinh.docx")
    assert decision.status_code == 200 and "QUYẾT ĐỊNH" in docx_text(decision.data)

    # The unit's pages: home and dossier.
    page = web("clerk")
    home = page.get("/").get_data(as_text=True)
    assert "Kết quả khen thưởng của đơn vị" in home and "1250/QĐ-UBND" in home and "Được khen thưởng" in home
    html = page.get(f"/ho-so/{a_id}").get_data(as_text=True)
    assert 'id="ket-qua"' in html and "Quyết định khen thưởng của đợt số" in html and "20/12/2024" in html
    assert "đồng" in html and f"/ho-so/{a_id}/ket-qua/giay-khen.docx" in html
    web_certificates = page.get(f"/ho-so/{a_id}/ket-qua/giay-khen.docx")
    assert web_certificates.status_code == 200 and "Phạm Quốc Bảo" not in docx_text(web_certificates.data)
    assert page.get(f"/ho-so/{b_id}/ket-qua/giay-khen.docx").status_code == 404
    html_b = web("clerk_b").get(f"/ho-so/{b_id}").get_data(as_text=True)
    assert "Vượt số lượng khen thưởng" in html_b and "Không được khen thưởng" in html_b


def test_same_person_twice_in_a_round_is_refused_at_the_proposal(as_user, world, web):
    _by_round(world)
    campaign_id = world["campaign"].id
    _, _, round_id = _accepted(as_user, campaign_id, [COLLECTIVE, *INDIVIDUALS])
    # Unit B proposes "Trần Văn Ánh" of the same workplace again (written with other spaces and case).
    twin = {**INDIVIDUALS[0], "full_name": "trần  văn ánh"}
    _, b_ids, _ = _accepted(as_user, campaign_id, [COLLECTIVE_B, twin], unit="_b")
    reviewer = as_user("reviewer")
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Các đơn vị đã nộp đủ.")
    # Flagged while consolidating, in the ranking and on the round page.
    flagged = reviewer.get(f"/api/v1/rounds/{round_id}/ranking").get_json()["duplicate_people"]
    assert len(flagged) == 1 and "“Trần Văn Ánh”" in flagged[0] and "“trần  văn ánh”" in flagged[0]
    page = web("reviewer").get(f"/dot-khen-thuong/{round_id}").get_data(as_text=True)
    assert 'id="trung-nguoi"' in page and "Một người không được khen thưởng hai lần trong một đợt" in page
    refused = fire_round(reviewer, round_id, "propose", "consolidating", status=422,
                         proposal_number="88/TTr-YT", proposal_date=dt.date(2024, 12, 10))
    message = refused["error"]["message"]
    assert "Một người không được khen thưởng hai lần trong một đợt" in message and "Trần Văn Ánh" in message
    assert "each_person_once" in refused["error"]["fields"]
    # The agency keeps one, with its reason; then the list goes up.
    kept_out = reviewer.post(f"/api/v1/rounds/{round_id}/overrides", json={
        "nominee_id": b_ids[1], "selected": False, "reason": "Trùng với hồ sơ phường Mỹ Bình."})
    assert kept_out.status_code == 201, kept_out.get_json()
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="88/TTr-YT",
               proposal_date=dt.date(2024, 12, 10))


# --- a campaign that decides per dossier ------------------------------------------------------------

def test_unit_sees_a_per_dossier_decision(as_user, world, web):
    dossier_id, _, _ = _accepted(as_user, world["campaign"].id, [COLLECTIVE, *INDIVIDUALS], votes={2: 3})
    # Decided per dossier: the dossier is the approver's own to-do, with its approval step.
    todo = web("approver").get("/").get_data(as_text=True).split('id="tat-ca-ho-so"')[0]
    assert 'id="viec-cua-ban"' in todo and f"Hồ sơ số {dossier_id}" in todo
    _fire(as_user("approver"), dossier_id, "approve", "accepted", decision_number="1234/QĐ-UBND",
          decision_date="2024-12-20")
    outcome = as_user("clerk").get(f"/api/v1/dossiers/{dossier_id}/outcome").get_json()
    assert outcome["decision"]["scope"] == "dossier" and outcome["decision"]["number"] == "1234/QĐ-UBND"
    people = _names(outcome)
    assert people["Trần Văn Ánh"]["result"] == "awarded" and people["Trần Văn Ánh"]["prize"]["amount"] > 0
    assert people["Lê Thị An"]["result"] == "not_chosen" and people["Lê Thị An"]["reason_code"] == "failed_vote"
    assert "3/9 phiếu" in people["Lê Thị An"]["reason"]

    text = docx_text(as_user("clerk").get(f"/api/v1/dossiers/{dossier_id}/outcome/certificates.docx").data)
    assert "Trần Văn Ánh" in text and "Lê Thị An" not in text
    decision = as_user("clerk").get(f"/api/v1/dossiers/{dossier_id}/outcome/quyet_dinh.docx")
    assert decision.status_code == 200 and "1234" in docx_text(decision.data)
    assert as_user("clerk_b").get(f"/api/v1/dossiers/{dossier_id}/outcome").status_code == 404

    page = web("clerk")
    html = page.get(f"/ho-so/{dossier_id}").get_data(as_text=True)
    assert "Quyết định khen thưởng riêng cho hồ sơ số" in html and "Không đạt tỷ lệ phiếu" in html
    assert "1234/QĐ-UBND" in page.get("/").get_data(as_text=True)


def test_rejected_dossier_tells_the_unit_why(as_user, world, web):
    clerk = as_user("clerk")
    dossier = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()
    ids = [clerk.post(f"/api/v1/dossiers/{dossier['id']}/nominees", json=n).get_json()["id"]
           for n in (COLLECTIVE, *INDIVIDUALS)]
    _fire(clerk, dossier["id"], "send_to_council", "drafting")
    as_user("secretary").put(f"/api/v1/dossiers/{dossier['id']}/meeting", json=meeting_payload(ids))
    _fire(as_user("secretary"), dossier["id"], "finalize_minutes", "council_minutes")
    as_user("head").post(f"/api/v1/dossiers/{dossier['id']}/documents", json={})
    _fire(as_user("head"), dossier["id"], "submit", "ready")
    _fire(as_user("reviewer"), dossier["id"], "start_review", "submitted")
    _fire(as_user("reviewer"), dossier["id"], "reject", "under_review", comment="Số liệu không khớp báo cáo quý.")
    outcome = clerk.get(f"/api/v1/dossiers/{dossier['id']}/outcome").get_json()
    assert outcome["is_settled"] and outcome["decision"] is None
    assert {n["reason_code"] for n in outcome["nominees"]} == {"rejected_in_review"}
    assert outcome["nominees"][0]["comment"] == "Số liệu không khớp báo cáo quý."
    assert clerk.get(f"/api/v1/dossiers/{dossier['id']}/outcome/certificates.docx").status_code == 409
    assert "Số liệu không khớp báo cáo quý." in web("clerk").get(f"/ho-so/{dossier['id']}").get_data(as_text=True)


def test_a_dossier_decided_on_its_own_is_never_chosen_again_by_the_round(as_user, world):
    campaign_id = world["campaign"].id
    a_id, a_ids, round_id = _accepted(as_user, campaign_id, [COLLECTIVE, *INDIVIDUALS])
    b_id, _, _ = _accepted(as_user, campaign_id, [COLLECTIVE_B, *INDIVIDUALS_B], unit="_b")
    reviewer, approver = as_user("reviewer"), as_user("approver")
    # The list is proposed with both dossiers; then A is decided on its own: the round's decision refuses.
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Các đơn vị đã nộp đủ.")
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="88/TTr-YT",
               proposal_date=dt.date(2024, 12, 10))
    _fire(approver, a_id, "approve", "accepted", decision_number="1234/QĐ-UBND", decision_date="2024-12-18")
    refused = fire_round(approver, round_id, "decide", "proposed", status=409, decision_number="1250/QĐ-UBND",
                         decision_date=dt.date(2024, 12, 20))
    assert refused["error"]["code"] == "already_decided"
    assert "đã có quyết định khen thưởng riêng" in refused["error"]["message"] and "1234/QĐ-UBND" in refused["error"]["message"]

    # Sent back, the list leaves A out (not a candidate), and forcing A's people in is refused.
    fire_round(approver, round_id, "send_back", "proposed", comment="Hồ sơ phường Mỹ Bình đã có quyết định.")
    ranking = reviewer.get(f"/api/v1/rounds/{round_id}/ranking").get_json()
    rows = {r["nominee_id"]: r for r in ranking["nominees"]}
    assert all(not rows[i]["is_selected"] and rows[i]["reason_code"] == "already_decided" for i in a_ids)
    forced = reviewer.post(f"/api/v1/rounds/{round_id}/overrides",
                           json={"nominee_id": a_ids[1], "selected": True, "reason": "Thành tích nổi bật."})
    assert forced.status_code == 422
    assert "đã có quyết định khen thưởng riêng" in forced.get_json()["error"]["message"]
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="89/TTr-YT",
               proposal_date=dt.date(2024, 12, 12))
    fire_round(approver, round_id, "decide", "proposed", decision_number="1250/QĐ-UBND",
               decision_date=dt.date(2024, 12, 20))
    # A keeps its own decision; B is settled by the round's.
    outcome_a = as_user("clerk").get(f"/api/v1/dossiers/{a_id}/outcome").get_json()
    assert outcome_a["decision"]["number"] == "1234/QĐ-UBND" and outcome_a["decision"]["scope"] == "dossier"
    outcome_b = as_user("clerk_b").get(f"/api/v1/dossiers/{b_id}/outcome").get_json()
    assert outcome_b["decision"]["number"] == "1250/QĐ-UBND" and outcome_b["awarded_count"] == 3
    from service.models import RoundResult
    awarded = set(db.session.scalars(sa.select(RoundResult.nominee_id).where(RoundResult.is_awarded)))
    assert awarded.isdisjoint(a_ids)


# --- the demo campaign (loaded from its definition file), as the README's curl journey drives it ---------

def test_demo_campaign_decides_per_round_as_the_readme_shows(client, demo, monkeypatch):
    import conftest
    from conftest import ApiClient
    from service.demo import DEMO_PASSWORD
    from service.models import Dossier

    monkeypatch.setattr(conftest, "PASSWORD", DEMO_PASSWORD)

    dossiers = demo["dossiers"]
    reviewer, approver = ApiClient(client, "thamdinh.yte"), ApiClient(client, "pheduyet.ubnd")
    refused = _fire(approver, dossiers["my-thoi"], "approve", "accepted", status=422,
                    decision_number="1234/QĐ-UBND", decision_date="2024-12-20")
    assert "theo quyết định khen thưởng của đợt" in refused["error"]["message"]
    _fire(reviewer, dossiers["binh-khanh"], "start_review", "submitted")
    _fire(reviewer, dossiers["binh-khanh"], "accept", "under_review")
    _fire(reviewer, dossiers["my-phuoc"], "accept", "under_review")
    round_id = db.session.scalar(sa.select(Dossier.round_id).where(Dossier.id == dossiers["my-thoi"]))
    fire_round(reviewer, round_id, "close_collection", "collecting")
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="88/TTr-YT",
               proposal_date=dt.date(2024, 12, 10))
    fire_round(approver, round_id, "decide", "proposed", decision_number="1250/QĐ-UBND",
               decision_date=dt.date(2024, 12, 20))

    clerk = ApiClient(client, "canbo.mythoi")
    outcome = clerk.get(f"/api/v1/dossiers/{dossiers['my-thoi']}/outcome").get_json()
    assert outcome["state"] == "approved" and outcome["decision"]["number"] == "1250/QĐ-UBND"
    assert outcome["awarded_count"] >= 1 and all(
        n["prize"]["amount"] > 0 for n in outcome["nominees"] if n["result"] == "awarded")
    text = docx_text(clerk.get(f"/api/v1/dossiers/{dossiers['my-thoi']}/outcome/certificates.docx").data)
    assert "Mỹ Thới" in text and "Mỹ Phước" not in text and "Bình Khánh" not in text
    # Mỹ Quý's dossier was rejected: its people are not chosen, with the reviewer's reason.
    rejected = ApiClient(client, "canbo.myquy").get(f"/api/v1/dossiers/{dossiers['my-quy']}/outcome").get_json()
    assert {n["reason_code"] for n in rejected["nominees"]} == {"rejected_in_review"}
    assert "chưa khớp danh sách" in rejected["nominees"][0]["reason"] + rejected["nominees"][0]["comment"]


# --- the setting ------------------------------------------------------------------------------------

def test_a_definition_file_says_how_decisions_are_recorded(app):
    import pytest

    from service.campaigns.definition import DefinitionError, parse_definition
    from service.models import Campaign

    text = (Path(__file__).resolve().parents[1] / "campaigns" / "long-xuyen-9936-2024.yaml").read_text(
        encoding="utf-8")
    assert parse_definition(text).data["decisions"] == "round"
    assert parse_definition(text + "\ndecisions: dossier\n").data["decisions"] == "dossier"
    with pytest.raises(DefinitionError) as info:
        parse_definition(text + "\ndecisions: tung-ho-so\n")
    problem = info.value.problems[0]
    assert problem.path == ("decisions",) and "Quyết định theo đợt" in problem.message \
        and "Quyết định theo từng hồ sơ" in problem.message and "dossier" not in problem.message
    # Made in code: per dossier; from a file (loaded before the setting existed too): per round.
    assert not Campaign(definition={}).is_decided_by_round
    assert Campaign(definition={"code": "x"}, definition_sha256="0" * 64).is_decided_by_round
    assert not Campaign(definition={"decisions": "dossier"}, definition_sha256="0" * 64).is_decided_by_round


def test_the_scope_guard_is_pure_and_lets_the_round_decision_through():
    import workflows
    from workflows.guards import decision_per_dossier

    def facts(**values):
        return workflows.DossierFacts(state="accepted", nominees=(), documents_current=True,
                                      today=dt.date(2024, 12, 20), **values)

    assert decision_per_dossier(facts()) is None
    assert decision_per_dossier(facts(decided_by_round=True, by_round_decision=True)) is None
    assert "theo quyết định khen thưởng của đợt" in decision_per_dossier(facts(decided_by_round=True))
    assert workflows.evaluate("accepted", "approve", "approver", facts(
        decided_by_round=True, decision_number="1/QĐ-UBND", decision_date=dt.date(2024, 12, 20))).allowed is False
