"""The signer on the pages: the dossier's documents offer the unit's officials, the unit keeps its list."""
from __future__ import annotations

import io
import re

import sqlalchemy as sa
from docx import Document

from conftest import COLLECTIVE, DEPUTY_NAME, INDIVIDUALS
from service.db import db
from web_helpers import web  # noqa: F401 - fixture


def _html(response) -> str:
    return response.get_data(as_text=True)


def _ready_dossier(world) -> int:
    """A dossier of unit A whose council has voted: its documents may be generated."""
    from conftest import meeting_payload
    from service.operations import dossiers as dossier_ops
    from service.operations import workflow as workflow_ops

    users = world["users"]
    dossier = dossier_ops.create_dossier(users["clerk"], world["campaign"])
    for payload in (COLLECTIVE, *INDIVIDUALS):
        data = {k: v for k, v in payload.items() if k != "metrics"}
        data["metric_values"] = payload["metrics"]
        dossier_ops.add_nominee(users["clerk"], dossier, data)
    workflow_ops.fire_transition(users["clerk"], dossier, "send_to_council", expected_state="drafting")
    meeting = meeting_payload([n.id for n in dossier.nominees])
    meeting["votes"] = [{"nominee_id": v["nominee_id"], "votes_in_favour": v["votes_in_favour"]}
                        for v in meeting["votes"]]
    from service.schemas.dossiers import MeetingIn

    dossier_ops.record_meeting(users["secretary"], dossier, MeetingIn().load(meeting))
    workflow_ops.fire_transition(users["secretary"], dossier, "finalize_minutes", expected_state="council_minutes")
    db.session.commit()
    return dossier.id


def _official_id(unit, name) -> int:
    from service.models import UnitOfficial

    return db.session.scalar(sa.select(UnitOfficial.id).where(UnitOfficial.unit_id == unit.id,
                                                               UnitOfficial.full_name == name))


def test_the_page_offers_the_units_officials_with_the_head_chosen(world, web):
    dossier_id = _ready_dossier(world)
    html = _html(web("head").get(f"/ho-so/{dossier_id}"))
    select = re.search(r'<select id="van-ban-signer_official_id" name="signer_official_id".*?</select>', html, re.S)
    assert select, "no choice of signer on the page"
    options = re.findall(r'<option value="(\d+)"\s*(selected)?>([^<]+)</option>', select.group(0))
    labels = {label.strip(): bool(chosen) for _, chosen, label in options}
    assert labels == {"Nguyễn Hoàng Nam — Chủ tịch (người đứng đầu)": True, f"{DEPUTY_NAME} — Phó Chủ tịch": False}
    words = re.search(r'<select id="van-ban-signer_authority".*?</select>', html, re.S).group(0)
    assert "KT. — cấp phó ký thay người đứng đầu" in words and "TM. — thay mặt tập thể lãnh đạo" in words
    # A ward's Ủy ban works as a collective: its head signs "TM.", never with no word.
    assert "Người đứng đầu ký trực tiếp" not in words
    assert "Người ký hiện tại: <strong>TM. ỦY BAN NHÂN DÂN / CHỦ TỊCH / Nguyễn Hoàng Nam</strong>" in html
    assert f'href="/don-vi/{world["unit_a"].id}/nguoi-ky"' in html


def test_choosing_the_deputy_on_the_page_prints_kt(world, web):
    dossier_id = _ready_dossier(world)
    head = web("head")
    deputy = _official_id(world["unit_a"], DEPUTY_NAME)
    for kind in ("to_trinh", "danh_sach"):
        response = head.post(f"/ho-so/{dossier_id}/van-ban", {"kind": kind, "signer_official_id": str(deputy),
                                                               "signer_authority": "KT."},
                             headers={"Accept": "application/json"})
        assert response.status_code == 200 and response.get_json()["ok"], _html(response)
    content = head.get(f"/ho-so/{dossier_id}/van-ban/to_trinh.docx").data
    lines = [line for line in Document(io.BytesIO(content)).tables[-1].rows[-1].cells[-1].text.split("\n") if line]
    assert lines == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", DEPUTY_NAME]
    html = _html(head.get(f"/ho-so/{dossier_id}"))
    assert f"người ký: {DEPUTY_NAME} (Phó Chủ tịch)" in html
    assert re.search(rf'<option value="{deputy}"\s*selected>', html)


def test_a_bad_choice_on_the_page_is_refused_in_vietnamese(world, web):
    dossier_id = _ready_dossier(world)
    head = web("head")
    stranger = _official_id(world["unit_b"], DEPUTY_NAME)
    response = head.post(f"/ho-so/{dossier_id}/van-ban", {"kind": "to_trinh", "signer_official_id": str(stranger)},
                         headers={"Accept": "application/json"})
    assert response.status_code == 422
    assert "Người ký phải là lãnh đạo của UBND phường Mỹ Bình" in response.get_json()["message"]
    page = head.post(f"/ho-so/{dossier_id}/van-ban", {"signer_authority": "ký bừa"})
    assert page.status_code == 422
    assert "Thẩm quyền ký không hợp lệ: phải là TM., KT., Q., TL., TUQ." in _html(page)


def test_the_head_keeps_the_list_on_its_page(world, web):
    from service.models import AuditEvent

    unit_id = world["unit_a"].id
    head = web("head")
    page = head.get(f"/don-vi/{unit_id}/nguoi-ky")
    assert page.status_code == 200 and "Người ký văn bản của Ủy ban nhân dân phường Mỹ Bình" in _html(page)
    refused = head.post(f"/don-vi/{unit_id}/nguoi-ky", {"full_name": "Lê Văn Tư", "position": "Chủ tịch",
                                                          "is_head": "1"})
    assert refused.status_code == 422
    assert "Đơn vị đã có người đứng đầu: Nguyễn Hoàng Nam (Chủ tịch)" in _html(refused)
    added = head.post(f"/don-vi/{unit_id}/nguoi-ky", {"full_name": "Lê Văn Tư", "position": "Phó Chủ tịch"})
    assert added.status_code == 302
    assert "Lê Văn Tư" in _html(head.get(f"/don-vi/{unit_id}/nguoi-ky"))
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "official.create")).one()
    assert event.changes["official_name"] == {"old": None, "new": "Lê Văn Tư"}
    assert web("clerk").post(f"/don-vi/{unit_id}/nguoi-ky", {"full_name": "X", "position": "Y"}).status_code == 403
    assert web("head_b").get(f"/don-vi/{unit_id}/nguoi-ky").status_code == 403
    assert web("admin").get(f"/don-vi/{unit_id}/nguoi-ky").status_code == 200


def test_the_round_page_chooses_who_signs_the_decision(world, web, as_user):
    from test_signers import _proposed_round

    from service.models import CampaignRound

    round_id = _proposed_round(as_user, world)
    approver = web("approver")
    html = _html(approver.get(f"/dot-khen-thuong/{round_id}"))
    assert "Quyết định khen thưởng và giấy khen (UBND phường Long Xuyên): <strong>CHỦ TỊCH / Nguyễn Văn Tâm</strong>" \
        in html
    assert 'action="/dot-khen-thuong/%d/nguoi-ky/decision"' % round_id in html
    # The approver does not choose who signs the agency's tờ trình.
    assert 'action="/dot-khen-thuong/%d/nguoi-ky/proposal"' % round_id not in html
    deputy = _official_id(world["city"], DEPUTY_NAME)
    refused = approver.post(f"/dot-khen-thuong/{round_id}/nguoi-ky/decision",
                            {"signer_official_id": str(deputy), "signer_authority": "TM."})
    assert refused.status_code == 422
    assert "“TM.” dành cho người đứng đầu ký thay mặt tập thể" in _html(refused)
    chosen = approver.post(f"/dot-khen-thuong/{round_id}/nguoi-ky/decision",
                           {"signer_official_id": str(deputy), "signer_authority": "KT."})
    assert chosen.status_code == 302
    round_ = db.session.get(CampaignRound, round_id)
    db.session.refresh(round_)
    assert (round_.decision_signer_id, round_.decision_signer_authority) == (deputy, "KT.")
    assert f"<strong>KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / {DEPUTY_NAME}</strong>" in _html(
        approver.get(f"/dot-khen-thuong/{round_id}"))
