"""Who signs is chosen, not guessed: a unit's officials, the authority words of Decree 30/2020 (art. 13),
and the signer the documents print and record."""
from __future__ import annotations

import io
import os
import shutil
import subprocess

import pytest
import sqlalchemy as sa
from docx import Document

from conftest import COLLECTIVE, DEPUTY_NAME, INDIVIDUALS, docx_text, meeting_payload
from service import signing
from service.db import db


def _ready(as_user, campaign_id):
    clerk, secretary = as_user("clerk"), as_user("secretary")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign_id}).get_json()["id"]
    ids = [clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=n).get_json()["id"]
           for n in (COLLECTIVE, *INDIVIDUALS)]
    clerk.post(f"/api/v1/dossiers/{dossier_id}/transitions",
               json={"trigger": "send_to_council", "expected_state": "drafting"})
    assert secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting", json=meeting_payload(ids)).status_code == 200
    response = secretary.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                              json={"trigger": "finalize_minutes", "expected_state": "council_minutes"})
    assert response.status_code == 201, response.get_json()
    return dossier_id


def _officials(unit):
    from service.models import UnitOfficial

    rows = db.session.scalars(sa.select(UnitOfficial).where(UnitOfficial.unit_id == unit.id)).all()
    return {o.full_name: o for o in rows}


def _signature_lines(content: bytes) -> list[str]:
    """The lines of the signature block: the right-hand cell of the document's last table."""
    signature = Document(io.BytesIO(content)).tables[-1].rows[-1].cells[-1].text
    return [line for line in signature.split("\n") if line.strip()]


def _download(api, dossier_id, kind):
    response = api.get(f"/api/v1/dossiers/{dossier_id}/documents/{kind}.docx")
    assert response.status_code == 200
    return response.data


# --- the rules of the words ------------------------------------------------------------------------

@pytest.mark.parametrize("code, is_head, body, lines", [
    ("TM.", True, "ỦY BAN NHÂN DÂN", ["TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Văn A"]),
    ("", True, "", ["CHỦ TỊCH", "Nguyễn Văn A"]),
    ("KT.", False, "", ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A"]),
    ("KT.", False, "ỦY BAN NHÂN DÂN", ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A"]),
    ("Q.", False, "", ["Q. CHỦ TỊCH", "Nguyễn Văn A"]),
    ("TL.", False, "", ["TL. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A"]),
    ("TUQ.", False, "", ["TUQ. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Nguyễn Văn A"]),
])
def test_authority_words_set_the_block_as_decree_30_shows_it(code, is_head, body, lines):
    block = signing.signature(code, name=" Nguyễn  Văn A ", position="Chủ tịch" if is_head else "Phó Chủ tịch",
                              is_head=is_head, head_title="Chủ tịch", body=body)
    printed = [*filter(None, block["signature_authority"].split("\n")), block["signature_title"], block["signer_name"]]
    assert printed == lines


@pytest.mark.parametrize("code, is_head, body, words", [
    ("KT.", True, "", "không ký thay chính mình"),
    ("TM.", False, "ỦY BAN NHÂN DÂN", "người đứng đầu"),
    ("TM.", True, "", "không làm việc theo chế độ tập thể"),
    ("", False, "", "Chỉ người đứng đầu"),
    ("", True, "ỦY BAN NHÂN DÂN", "TM. ỦY BAN NHÂN DÂN"),
    ("XX.", True, "", "không hợp lệ"),
])
def test_a_word_that_does_not_fit_is_refused_in_vietnamese(code, is_head, body, words):
    with pytest.raises(signing.SignatureRefused, match=words):
        signing.signature(code, name="A", position="Chủ tịch", is_head=is_head, head_title="Chủ tịch", body=body)


# --- documents of a dossier ---------------------------------------------------------------------------

def test_the_default_signer_is_the_head_who_submits(as_user, world):
    dossier_id = _ready(as_user, world["campaign"].id)
    head = as_user("head")
    response = head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    assert response.status_code == 201, response.get_json()
    signers = {d["kind"]: d["signer"] for d in response.get_json()}
    assert signers["bien_ban"] is None
    assert signers["to_trinh"]["full_name"] == signers["danh_sach"]["full_name"] == "Nguyễn Hoàng Nam"
    assert signers["to_trinh"]["authority"] == "TM." and signers["to_trinh"]["position"] == "Chủ tịch"
    for kind in ("to_trinh", "danh_sach"):
        assert _signature_lines(_download(head, dossier_id, kind)) == [
            "TM. ỦY BAN NHÂN DÂN", "CHỦ TỊCH", "Nguyễn Hoàng Nam"]


def test_the_clerk_who_generates_gets_the_head_too(as_user, world):
    dossier_id = _ready(as_user, world["campaign"].id)
    response = as_user("clerk").post(f"/api/v1/dossiers/{dossier_id}/documents", json={"kinds": ["to_trinh"]})
    assert response.get_json()[0]["signer"]["full_name"] == "Nguyễn Hoàng Nam"


def test_a_deputy_signing_kt_is_printed_stored_and_audited(as_user, world):
    from service.models import AuditEvent, GeneratedDocument

    dossier_id = _ready(as_user, world["campaign"].id)
    head = as_user("head")
    head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    deputy = _officials(world["unit_a"])[DEPUTY_NAME]
    response = head.post(f"/api/v1/dossiers/{dossier_id}/documents",
                         json={"kinds": ["to_trinh", "danh_sach"], "signer": {"official_id": deputy.id,
                                                                              "authority": "KT."}})
    assert response.status_code == 201, response.get_json()
    assert [d["version"] for d in response.get_json()] == [2, 2]
    for kind in ("to_trinh", "danh_sach"):
        lines = _signature_lines(_download(head, dossier_id, kind))
        # A ward's Ủy ban works as a collective: "TM." stays on top of the deputy's "KT." (Decree 30/2020).
        assert lines == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", DEPUTY_NAME]
    stored = db.session.scalars(sa.select(GeneratedDocument).where(
        GeneratedDocument.dossier_id == dossier_id, GeneratedDocument.version == 2)).all()
    assert {(d.kind, d.signer_official_id, d.signer_authority, d.signer_name, d.signer_position) for d in stored} == {
        (kind, deputy.id, "KT.", DEPUTY_NAME, "Phó Chủ tịch") for kind in ("to_trinh", "danh_sach")}
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "document.signer",
                                                            AuditEvent.dossier_id == dossier_id)
                                .order_by(AuditEvent.id)).all()
    latest = events[-1]
    assert latest.changes["signer_name"] == {"old": "Nguyễn Hoàng Nam", "new": DEPUTY_NAME}
    assert latest.changes["signer_authority"] == {"old": "TM.", "new": "KT."}
    assert latest.actor.username == "head"
    history = head.get(f"/api/v1/dossiers/{dossier_id}/history?include=changes").get_json()
    sentences = [e["sentence"] for e in history if e["kind"] == "change"]
    assert any(s.startswith("Nguyễn Hoàng Nam chọn người ký tờ trình đề nghị khen thưởng (phiên bản 2)")
               and f"Người ký “Nguyễn Hoàng Nam” → “{DEPUTY_NAME}”" in s for s in sentences), sentences


def test_the_choice_stays_until_someone_changes_it(as_user, world):
    dossier_id = _ready(as_user, world["campaign"].id)
    head = as_user("head")
    deputy = _officials(world["unit_a"])[DEPUTY_NAME]
    head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={"signer": {"official_id": deputy.id}})
    # A new figure: the documents are rendered again on download, with the same signer.
    clerk = as_user("clerk")
    details = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()
    assert clerk.patch(f"/api/v1/dossiers/{dossier_id}", json={"to_trinh_number": 7,
                                                                "expected_version": details["version"]}
                       ).status_code == 200
    content = _download(head, dossier_id, "to_trinh")
    assert "Số: 07/TTr-UBND" in docx_text(content)
    assert _signature_lines(content)[-3:] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", DEPUTY_NAME]


def test_an_official_of_another_unit_is_refused(as_user, world):
    dossier_id = _ready(as_user, world["campaign"].id)
    stranger = _officials(world["unit_b"])[DEPUTY_NAME]
    response = as_user("head").post(f"/api/v1/dossiers/{dossier_id}/documents",
                                    json={"signer": {"official_id": stranger.id, "authority": "KT."}})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "signer_refused"
    assert "Người ký phải là lãnh đạo của UBND phường Mỹ Bình" in error["message"]
    assert as_user("head").get(f"/api/v1/dossiers/{dossier_id}/documents").get_json() == []


@pytest.mark.parametrize("signer, field, words", [
    ({"authority": "KT"}, "authority", "Thẩm quyền ký phải là TM., KT., Q., TL., TUQ."),
    ({"authority": "ký thay"}, "authority", "Thẩm quyền ký phải là"),
    ({"official_id": "một"}, "official_id", "Phải là một số nguyên."),
])
def test_an_invalid_choice_is_422_in_vietnamese(as_user, world, signer, field, words):
    dossier_id = _ready(as_user, world["campaign"].id)
    response = as_user("head").post(f"/api/v1/dossiers/{dossier_id}/documents", json={"signer": signer})
    assert response.status_code == 422
    assert words in response.get_json()["error"]["fields"]["signer"][field][0]


def test_a_word_that_does_not_fit_the_official_is_422(as_user, world):
    dossier_id = _ready(as_user, world["campaign"].id)
    head_official = _officials(world["unit_a"])["Nguyễn Hoàng Nam"]
    response = as_user("head").post(f"/api/v1/dossiers/{dossier_id}/documents",
                                    json={"signer": {"official_id": head_official.id, "authority": "KT."}})
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "không ký thay chính mình" in error["message"] and error["fields"]["signer_authority"]


def test_a_unit_without_officials_keeps_its_own_lines(as_user, world, make_unit, make_user, make_campaign):
    from service.operations import officials as official_ops

    unit = make_unit("bare", place="Bình Đức", officials=False)
    signer = official_ops.choose_signer(unit)
    assert signer.official is None
    assert signer.block == {"signature_authority": "TM. ỦY BAN NHÂN DÂN", "signature_title": "CHỦ TỊCH",
                            "signer_name": "Nguyễn Văn Tâm"}


# --- keeping the list -----------------------------------------------------------------------------------

def test_the_head_and_the_admin_keep_the_list_others_only_read_it(as_user, world):
    unit_a = world["unit_a"].id
    url = f"/api/v1/units/{unit_a}/officials"
    listed = as_user("clerk").get(url)
    assert listed.status_code == 200
    assert [(o["full_name"], o["is_head"]) for o in listed.get_json()] == [("Nguyễn Hoàng Nam", True),
                                                                         (DEPUTY_NAME, False)]
    refused = as_user("clerk").post(url, json={"full_name": "Lê Văn Tư", "position": "Phó Chủ tịch"})
    assert refused.status_code == 403 and "thủ trưởng đơn vị" in refused.get_json()["error"]["message"]
    assert as_user("head_b").get(url).status_code == 403
    assert as_user("head_b").post(url, json={"full_name": "X", "position": "Y"}).status_code == 403
    created = as_user("head").post(url, json={"full_name": "Lê Văn Tư", "position": "Phó Chủ tịch"})
    assert created.status_code == 201, created.get_json()
    by_admin = as_user("admin").post(url, json={"full_name": "Võ Thị Năm", "position": "Chánh Văn phòng",
                                                "user_id": world["users"]["secretary"].id})
    assert by_admin.status_code == 201 and by_admin.get_json()["user_id"] == world["users"]["secretary"].id


def test_officials_are_checked_and_every_change_is_audited(as_user, world):
    from service.models import AuditEvent

    unit_a = world["unit_a"].id
    url = f"/api/v1/units/{unit_a}/officials"
    head = as_user("head")
    second_head = head.post(url, json={"full_name": "Lê Văn Tư", "position": "Chủ tịch", "is_head": True})
    assert second_head.status_code == 422
    assert "Đơn vị đã có người đứng đầu: Nguyễn Hoàng Nam" in second_head.get_json()["error"]["fields"]["is_head"][0]
    foreign = head.post(url, json={"full_name": "Lê Văn Tư", "position": "Phó Chủ tịch",
                                   "user_id": world["users"]["clerk_b"].id})
    assert foreign.get_json()["error"]["fields"]["user_id"] == ["Tài khoản này không thuộc đơn vị."]
    blank = head.post(url, json={"full_name": "  ", "position": "Phó Chủ tịch"})
    assert blank.status_code == 422 and blank.get_json()["error"]["fields"]["full_name"]

    deputy = _officials(world["unit_a"])[DEPUTY_NAME]
    changed = head.patch(f"{url}/{deputy.id}", json={"position": "Phó Chủ tịch thường trực", "is_active": False})
    assert changed.status_code == 200 and changed.get_json()["is_active"] is False
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "official.update")).one()
    assert event.changes == {"official_position": {"old": "Phó Chủ tịch", "new": "Phó Chủ tịch thường trực"},
                             "is_active": {"old": True, "new": False}}
    assert event.actor.username == "head" and DEPUTY_NAME in event.subject
    # Gone from the list of signers: choosing the person now is refused.
    dossier_id = _ready(as_user, world["campaign"].id)
    response = head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={"signer": {"official_id": deputy.id}})
    assert response.status_code == 422 and "không còn trong danh sách người ký" in response.get_json()["error"][
        "message"]
    other_unit = as_user("admin").patch(f"/api/v1/units/{world['unit_b'].id}/officials/{deputy.id}", json={})
    assert other_unit.status_code == 404


def test_one_active_head_per_unit_is_held_by_the_database_too(world):
    from sqlalchemy.exc import IntegrityError

    from service.models import UnitOfficial

    db.session.add(UnitOfficial(unit_id=world["unit_a"].id, full_name="Lê Văn Tư", position="Chủ tịch",
                                is_head=True, is_active=True))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


# --- the round's documents ----------------------------------------------------------------------------------

def _proposed_round(as_user, world) -> int:
    import datetime as dt

    from round_helpers import fire_round

    dossier_id = _ready(as_user, world["campaign"].id)
    head = as_user("head")
    assert head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={}).status_code == 201
    round_id = head.get(f"/api/v1/dossiers/{dossier_id}").get_json()["round_id"]
    assert head.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                     json={"trigger": "submit", "expected_state": "ready"}).status_code == 201
    reviewer = as_user("reviewer")
    for trigger, state in (("start_review", "submitted"), ("accept", "under_review")):
        reviewer.post(f"/api/v1/dossiers/{dossier_id}/transitions", json={"trigger": trigger, "expected_state": state})
    fire_round(reviewer, round_id, "consolidate_early", "collecting", comment="Đủ.")
    fire_round(reviewer, round_id, "propose", "consolidating", proposal_number="3/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    return round_id


def test_the_round_documents_are_signed_by_the_officials_chosen(as_user, world):
    from service.models import AuditEvent

    round_id = _proposed_round(as_user, world)
    reviewer, approver = as_user("reviewer"), as_user("approver")
    signers = {s["document"]: s for s in reviewer.get(f"/api/v1/rounds/{round_id}/signers").get_json()}
    # By default each unit's head: the agency's head signs the tờ trình, the city's chairman the decision
    # in his own name (a decision of the Chủ tịch has no "TM." line).
    assert signers["decision"]["lines"] == ["CHỦ TỊCH", "Nguyễn Văn Tâm"]

    city_deputy = _officials(world["city"])[DEPUTY_NAME]
    refused = reviewer.put(f"/api/v1/rounds/{round_id}/signers/proposal", json={"official_id": city_deputy.id})
    assert refused.status_code == 422 and "Người ký phải là lãnh đạo của" in refused.get_json()["error"]["message"]
    assert approver.put(f"/api/v1/rounds/{round_id}/signers/proposal",
                        json={"official_id": city_deputy.id}).status_code == 403

    chosen = approver.put(f"/api/v1/rounds/{round_id}/signers/decision",
                          json={"official_id": city_deputy.id, "authority": "KT."})
    assert chosen.status_code == 200, chosen.get_json()
    assert chosen.get_json()["lines"] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", DEPUTY_NAME]
    decision = approver.get(f"/api/v1/rounds/{round_id}/documents/quyet_dinh.docx")
    assert decision.status_code == 200
    lines = [line for line in docx_text(decision.data).split("\n") if line.strip()]
    block = ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", DEPUTY_NAME]
    assert any(lines[i:i + 3] == block for i in range(len(lines))), lines
    assert "Nguyễn Văn Tâm" not in lines
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "round.signer")).one()
    assert event.round_id == round_id and event.changes["signer_name"]["new"] == DEPUTY_NAME
    assert event.changes["signer_authority"] == {"old": "", "new": "KT."}


def test_the_demo_units_list_their_officials_and_sign_with_the_head_who_submits(app):
    from service.demo import load_demo_data
    from service.models import GeneratedDocument, Unit, UnitOfficial, User

    load_demo_data(only_if_empty=False)
    db.session.flush()
    unit = db.session.scalar(sa.select(Unit).where(Unit.code == "binh-khanh"))
    head = db.session.scalar(sa.select(User).where(User.username == "chutich.binhkhanh"))
    officials = db.session.scalars(sa.select(UnitOfficial).where(UnitOfficial.unit_id == unit.id)).all()
    assert {(o.full_name, o.position, o.is_head, o.user_id) for o in officials} == {
        (head.full_name, "Chủ tịch", True, head.id), ("Nguyễn Văn Sáu", "Phó Chủ tịch", False, None)}
    to_trinh = db.session.scalar(sa.select(GeneratedDocument).join(GeneratedDocument.created_by)
                                 .where(GeneratedDocument.kind == "to_trinh", User.unit_id == unit.id))
    assert (to_trinh.signer_name, to_trinh.signer_authority) == (head.full_name, "TM.")
    # Every unit has someone to sign for it.
    units_without = db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(
        ~sa.exists().where(UnitOfficial.unit_id == Unit.id, UnitOfficial.is_head.is_(True))))
    assert units_without == 0


# LibreOffice prints what the renderer made, whatever the database: run once, in the SQLite pass.
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="database-independent; run in the SQLite pass")
def test_a_deputys_block_prints_line_by_line(tmp_path):
    from service.documents import builders, engine

    snapshot = builders.sample_snapshot()
    snapshot["signer"] = signing.signature("KT.", name="Trần Văn Bình", position="Phó Chủ tịch", is_head=False,
                                           head_title="Chủ tịch", body="ỦY BAN NHÂN DÂN")
    source = tmp_path / "to_trinh.docx"
    source.write_bytes(engine.render_docx(builders.template_path("to_trinh"),
                                          builders.build_context("to_trinh", snapshot)))
    subprocess.run(["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to",
                    "pdf", "--outdir", str(tmp_path), str(source)], check=True, capture_output=True, timeout=180)
    text = subprocess.run(["pdftotext", "-layout", str(tmp_path / "to_trinh.pdf"), "-"], check=True,
                          capture_output=True, text=True).stdout
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if line.strip().startswith("Nơi nhận:"))
    column = lines[start].index("Nơi nhận:") + 30
    # The right-hand column under the "Nơi nhận:" line: the signature block, line by line.
    right = [line[column:].strip() for line in lines[start:] if line[column:].strip()]
    assert right[:4] == ["TM. ỦY BAN NHÂN DÂN", "KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Văn Bình"], right
