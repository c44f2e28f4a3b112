"""The five seed plans, each loaded from campaigns/ and walked from the units' drafts to the decision.

Each test drives several units through the whole dossier process over the
API (draft, council, documents, submission, review), then the standing
agency's round (consolidate, propose) and the authority's decision, and
checks the decision's list: who is awarded, in which order, who is left out
and why.
"""
from __future__ import annotations

import datetime as dt
import io
import zipfile


import sqlalchemy as sa

from conftest import docx_text
from round_helpers import (
    CAMPAIGNS_DIR, People, by_name, collective, fire_round, load_seed, person, ranking, review, round_of,
    send_dossier, set_today,
)
from service.db import db




def _snapshot(round_id: int):
    from service.models import CampaignRound
    from service.operations.round_documents import decision_snapshot

    db.session.expire_all()
    return decision_snapshot(db.session.get(CampaignRound, round_id))


def _history_triggers(api, dossier_id: int) -> list[str]:
    return [e["trigger"] for e in api.get(f"/api/v1/dossiers/{dossier_id}/history").get_json()]


def _reasons(snapshot) -> dict[str, str]:
    return {n["full_name"]: n["reason_code"] for n in snapshot["not_selected"]}


# --- Long Xuyên 9936/KH-UBND: one round, departments and wards ranked apart --------------------------------

def test_long_xuyen_single_round(client, runner, make_user, monkeypatch):
    set_today(monkeypatch, dt.date(2024, 12, 2))
    campaign = load_seed(runner, "long-xuyen-9936-2024")
    people = People(client, make_user, campaign)
    round_id = round_of(campaign, "2024")
    tk, cn = "giay_khen_tap_the", "giay_khen_ca_nhan"

    def ward(name, staff, persuaded, bhxh, bhyt):
        return collective(name, tk, {"staff_total": staff, "staff_persuaded_bhxh": persuaded,
                                     "relatives_bhxh": bhxh, "relatives_bhyt": bhyt})

    my_binh, my_binh_ids = send_dossier(people, "my-binh", round_id, [
        ward("Công chức Văn hóa - Xã hội phường Mỹ Bình", 24, 15, 19, 31),
        person("Nguyễn Thị Ánh Tuyết", "female", "Công chức Văn hóa - Xã hội", "UBND phường Mỹ Bình", cn,
               {"relatives_bhxh": 4, "relatives_bhyt": 9}),
        person("Lê Văn Út", "male", "Công chức Tư pháp", "UBND phường Mỹ Bình", cn,
               {"relatives_bhxh": 9, "relatives_bhyt": 9}),
    ], votes={2: 3})
    send_dossier(people, "my-long", round_id, [
        ward("Ủy ban nhân dân phường Mỹ Long", 20, 14, 16, 25),
        person("Trần Văn Hòa", "male", "Phó Chủ tịch", "UBND phường Mỹ Long", cn,
               {"relatives_bhxh": 6, "relatives_bhyt": 3}),
    ])
    send_dossier(people, "dong-xuyen", round_id, [
        ward("Ủy ban nhân dân phường Đông Xuyên", 30, 12, 14, 40),
        person("Phan Thị Diễm", "female", "Công chức Văn phòng", "UBND phường Đông Xuyên", cn,
               {"relatives_bhxh": 2, "relatives_bhyt": 0}),
    ])
    send_dossier(people, "phong-gd-dt", round_id, [
        collective("Phòng Giáo dục và Đào tạo thành phố Long Xuyên", tk,
                   {"staff_total": 40, "staff_persuaded_bhxh": 24, "staff_full_bhyt": 40, "relatives_bhxh": 30,
                    "relatives_bhyt": 80}),
        person("Võ Minh Khoa", "male", "Chuyên viên", "Phòng Giáo dục và Đào tạo", cn,
               {"relatives_bhxh": 4, "relatives_bhyt": 12}),
    ])
    rejected, _ = send_dossier(people, "my-khanh", round_id, [
        ward("Ủy ban nhân dân xã Mỹ Khánh", 18, 12, 13, 20)])
    for dossier_id in (my_binh, my_binh + 1, my_binh + 2, my_binh + 3):
        review(people, dossier_id)
    review(people, rejected, "reject", comment="Số liệu chưa được BHXH thành phố xác nhận.")

    # The list shows the rate the service computed next to the clerk's own summary.
    listing = people.staff("my-binh")["clerk"].get(f"/api/v1/dossiers/{my_binh}/documents/danh_sach.docx")
    assert "Tỷ lệ CBCCVC vận động người thân tham gia BHXH tự nguyện: 62,5%" in docx_text(listing.data)
    assert "Số người thân tham gia BHYT bình quân mỗi cán bộ, công chức: 1,29 người/CBCC" in docx_text(
        listing.data)

    # Every unit has answered before 04/12: the agency consolidates early, saying why.
    fire_round(people.reviewer, round_id, "close_collection", "collecting", status=422)
    fire_round(people.reviewer, round_id, "consolidate_early", "collecting",
               comment="Các đơn vị đã gửi đủ hồ sơ trước hạn.")
    set_today(monkeypatch, dt.date(2024, 12, 10))  # the day it is signed
    fire_round(people.reviewer, round_id, "propose", "consolidating", proposal_number="45/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    set_today(monkeypatch, dt.date(2024, 12, 20))  # the day it is signed
    fire_round(people.approver, round_id, "decide", "proposed", decision_number="1234/QĐ-UBND",
               decision_date=dt.date(2024, 12, 20))

    snapshot = _snapshot(round_id)
    assert [a["full_name"] for a in snapshot["awardees"]] == [
        "Phòng Giáo dục và Đào tạo thành phố Long Xuyên",   # departments' group first, as declared
        "Ủy ban nhân dân phường Mỹ Long",                   # 70% before 62,5%
        "Công chức Văn hóa - Xã hội phường Mỹ Bình",
        "Trần Văn Hòa",                                      # 6 relatives
        "Võ Minh Khoa",                                      # 4 relatives, then 12 in BHYT …
        "Nguyễn Thị Ánh Tuyết",                              # … before 9
    ]
    assert [a["order"] for a in snapshot["awardees"]] == [1, 2, 3, 4, 5, 6]
    assert _reasons(snapshot) == {
        "Lê Văn Út": "failed_vote",
        "Ủy ban nhân dân phường Đông Xuyên": "below_target",
        "Phan Thị Diễm": "below_target",
        "Ủy ban nhân dân xã Mỹ Khánh": "rejected_in_review",
    }
    left_out = {n["full_name"]: n["reason"] for n in snapshot["not_selected"]}
    assert "3/9 phiếu" in left_out["Lê Văn Út"]
    assert "40%, yêu cầu từ 50% trở lên" in left_out["Ủy ban nhân dân phường Đông Xuyên"]
    assert "chưa được BHXH thành phố xác nhận" in left_out["Ủy ban nhân dân xã Mỹ Khánh"]
    first_ward = snapshot["awardees"][2]
    assert first_ward["metrics"]["rate_bhxh"] == 62.5 and first_ward["metrics"]["staff_total"] == 24
    assert first_ward["award_form"] == {"code": tk, "name": "Giấy khen",
                                        "title": "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên",
                                        "issuer": "ubnd-lx", "category": "giay_khen", "family": "commendation",
                                        "multiplier": 0.6}
    assert snapshot["awardees"][3]["gender"] == "male" and snapshot["awardees"][3]["position"] == "Phó Chủ tịch"
    assert snapshot["awardees"][3]["unit"]["code"] == "my-long"
    assert snapshot["proposal"] == {"number": "45/TTr-PYT", "serial": 45, "date": dt.date(2024, 12, 10)}
    assert snapshot["decision"] == {"number": "1234/QĐ-UBND", "serial": 1234, "date": dt.date(2024, 12, 20)}
    assert snapshot["authority"]["code"] == "ubnd-lx" and snapshot["counts"] == {"collective": 3, "individual": 3}

    # Each accepted dossier was approved through the dossier workflow, by the approver.
    history = people.reviewer.get(f"/api/v1/dossiers/{my_binh}/history").get_json()
    assert history[-1]["trigger"] == "approve" and history[-1]["actor_role"] == "approver"
    assert history[-1]["details"]["decision_number"] == "1234/QĐ-UBND"
    assert people.reviewer.get(f"/api/v1/dossiers/{rejected}").get_json()["state"] == "rejected"
    round_history = people.reviewer.get(f"/api/v1/rounds/{round_id}/history").get_json()
    assert [e["trigger"] for e in round_history] == ["consolidate_early", "propose", "decide"]
    assert round_history[-1]["details"]["approved_dossiers"] == [my_binh, my_binh + 1, my_binh + 2, my_binh + 3]

    # The round's documents: the decision with its prize money, the certificates, the agency's tờ trình.
    # Giấy khen: 0,6 × 2.340.000 = 1.404.000 → 1.400.000 for a collective; 0,3 × → 700.000 for a person.
    decision = people.approver.get(f"/api/v1/rounds/{round_id}/documents/quyet_dinh.docx")
    assert decision.status_code == 200, decision.get_json()
    text = docx_text(decision.data)
    assert "Số: 1234/QĐ-UBND" in text and "QUYẾT ĐỊNH" in text
    assert "1.400.000" in text and "700.000" in text and "6.300.000" in text
    assert "sáu triệu ba trăm nghìn đồng" in text.lower()
    certificates = people.approver.get(f"/api/v1/rounds/{round_id}/documents/certificates.docx")
    certificate_text = docx_text(certificates.data)
    for awardee in snapshot["awardees"]:
        assert awardee["full_name"] in certificate_text
    proposal = people.reviewer.get(f"/api/v1/rounds/{round_id}/documents/to_trinh_tong_hop.docx")
    assert "Số: 45/TTr-" in docx_text(proposal.data)
    assert people.reviewer.get(f"/api/v1/rounds/{round_id}/documents/khong_co.docx").status_code == 404
    import openpyxl

    awardees_sheet = openpyxl.load_workbook(io.BytesIO(
        people.reviewer.get(f"/api/v1/rounds/{round_id}/awardees.xlsx").data)).active
    amounts = [row[10] for row in awardees_sheet.iter_rows(min_row=2, values_only=True) if isinstance(row[10], int)]
    assert sorted(amounts)[:3] == [700_000] * 3 and 1_400_000 in amounts
    ranking_sheet = openpyxl.load_workbook(io.BytesIO(
        people.reviewer.get(f"/api/v1/rounds/{round_id}/ranking.xlsx").data)).active
    notes = [str(c) for row in ranking_sheet.iter_rows(values_only=True) for c in row if c]
    assert any("3/9 phiếu" in note for note in notes)
    # A unit's own people do not see the round or its documents.
    assert people.staff("my-binh")["clerk"].get(
        f"/api/v1/rounds/{round_id}/documents/quyet_dinh.docx").status_code == 404
    fire_round(people.approver, round_id, "close", "decided")


# --- Long Xuyên with a title beside the Giấy khen: each form worded and counted apart -----------------------

CSTDCS_FORM = """  - code: chien_si_thi_dua_co_so
    name: Chiến sĩ thi đua cơ sở
    issuer: ubnd-lx
    category: chien_si_thi_dua_co_so
    nominee_kinds: [individual]
    multiplier: 1.0
    vote_rule: {kind: majority}

# Mục III.1"""


def test_round_mixing_a_commendation_and_a_title(client, runner, make_user, monkeypatch, tmp_path):
    """A dossier and a round giving Giấy khen and recognising "Chiến sĩ thi đua cơ sở": every document
    names each form with its own verb and count (Law 06/2022/QH15, art. 7 and 9)."""
    from service.models import Campaign

    set_today(monkeypatch, dt.date(2024, 12, 2))
    source = (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text("utf-8")
    assert source.count("\n# Mục III.1") == 1
    path = tmp_path / "long-xuyen-cstdcs.yaml"
    path.write_text(source.replace("\n# Mục III.1", "\n" + CSTDCS_FORM, 1), "utf-8")
    result = runner.invoke(args=["load-campaign", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    campaign = db.session.scalar(sa.select(Campaign).order_by(Campaign.id.desc()).limit(1))
    people = People(client, make_user, campaign)
    round_id = round_of(campaign, "2024")
    tk, cn, title = "giay_khen_tap_the", "giay_khen_ca_nhan", "chien_si_thi_dua_co_so"
    ward = {"staff_total": 24, "staff_persuaded_bhxh": 15, "relatives_bhxh": 19, "relatives_bhyt": 31}

    my_binh, _ = send_dossier(people, "my-binh", round_id, [
        collective("Công chức Văn hóa - Xã hội phường Mỹ Bình", tk, ward),
        person("Nguyễn Thị Ánh Tuyết", "female", "Công chức Văn hóa - Xã hội", "UBND phường Mỹ Bình", cn,
               {"relatives_bhxh": 4, "relatives_bhyt": 9}),
        person("Lê Văn Út", "male", "Công chức Tư pháp", "UBND phường Mỹ Bình", cn,
               {"relatives_bhxh": 9, "relatives_bhyt": 9}),
        person("Trần Thị Thu", "female", "Chủ tịch", "UBND phường Mỹ Bình", title,
               {"relatives_bhxh": 12, "relatives_bhyt": 20}),
    ])
    my_long, _ = send_dossier(people, "my-long", round_id, [
        collective("Ủy ban nhân dân phường Mỹ Long", tk, {**ward, "staff_total": 20, "staff_persuaded_bhxh": 14}),
        person("Trần Văn Hòa", "male", "Phó Chủ tịch", "UBND phường Mỹ Long", title,
               {"relatives_bhxh": 6, "relatives_bhyt": 3}),
    ])
    head = people.staff("my-binh")["head"]

    def document(api, url):
        response = api.get(url)
        assert response.status_code == 200, response.get_json()
        return docx_text(response.data)

    giay_khen = "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên"
    cstdcs = "danh hiệu “Chiến sĩ thi đua cơ sở”"
    to_trinh = document(head, f"/api/v1/dossiers/{my_binh}/documents/to_trinh.docx")
    assert f"Về việc đề nghị tặng {giay_khen} và công nhận {cstdcs}" in to_trinh
    assert (f"xem xét, tặng {giay_khen} cho 01 tập thể và 02 cá nhân; công nhận {cstdcs} cho 01 cá nhân "
            "đã có thành tích xuất sắc") in to_trinh
    bien_ban = document(head, f"/api/v1/dossiers/{my_binh}/documents/bien_ban.docx")
    assert (f"Hội đồng thống nhất đề nghị tặng {giay_khen} cho 01 tập thể và 02 cá nhân; công nhận {cstdcs} "
            "cho 01 cá nhân (đạt số phiếu đồng ý theo quy định), gồm:") in bien_ban
    assert f"- Bà Trần Thị Thu: công nhận {cstdcs};" in bien_ban
    danh_sach = document(head, f"/api/v1/dossiers/{my_binh}/documents/danh_sach.docx")
    assert "I. Tặng Giấy khen" in danh_sach and f"II. Công nhận {cstdcs}" in danh_sach
    assert (f"Tổng cộng: 01 tập thể và 03 cá nhân (tặng Giấy khen cho 01 tập thể và 02 cá nhân; công nhận "
            f"{cstdcs} cho 01 cá nhân)./.") in danh_sach
    # The other ward proposes one title and one Giấy khen for a collective.
    other = document(people.staff("my-long")["head"], f"/api/v1/dossiers/{my_long}/documents/to_trinh.docx")
    assert f"tặng {giay_khen} cho 01 tập thể; công nhận {cstdcs} cho 01 cá nhân" in other

    for dossier_id in (my_binh, my_long):
        review(people, dossier_id)
    fire_round(people.reviewer, round_id, "consolidate_early", "collecting", comment="Đã đủ hồ sơ.")
    set_today(monkeypatch, dt.date(2024, 12, 10))
    fire_round(people.reviewer, round_id, "propose", "consolidating", proposal_number="45/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    set_today(monkeypatch, dt.date(2024, 12, 20))
    fire_round(people.approver, round_id, "decide", "proposed", decision_number="1234/QĐ-UBND",
               decision_date=dt.date(2024, 12, 20))
    snapshot = _snapshot(round_id)
    assert {a["full_name"]: a["award_form"]["family"] for a in snapshot["awardees"]} == {
        "Công chức Văn hóa - Xã hội phường Mỹ Bình": "commendation", "Ủy ban nhân dân phường Mỹ Long": "commendation",
        "Nguyễn Thị Ánh Tuyết": "commendation", "Lê Văn Út": "commendation",
        "Trần Thị Thu": "title", "Trần Văn Hòa": "title"}

    rounds = f"/api/v1/rounds/{round_id}/documents"
    proposal = document(people.reviewer, f"{rounds}/to_trinh_tong_hop.docx")
    assert (f"Về việc đề nghị tặng Giấy khen và công nhận {cstdcs} cho các tập thể, cá nhân có thành tích "
            "xuất sắc") in proposal
    assert (f"xem xét, tặng {giay_khen} cho 02 tập thể và 02 cá nhân; công nhận {cstdcs} cho 02 cá nhân "
            "đã có thành tích xuất sắc") in proposal
    assert (f"Tổng cộng: 02 tập thể và 04 cá nhân (tặng Giấy khen cho 02 tập thể và 02 cá nhân; công nhận "
            f"{cstdcs} cho 02 cá nhân)./.") in proposal

    decision = document(people.approver, f"{rounds}/quyet_dinh.docx")
    assert (f"Về việc tặng Giấy khen và công nhận {cstdcs} cho các tập thể, cá nhân đã có thành tích "
            "xuất sắc") in decision
    assert (f"Điều 1. Tặng {giay_khen} cho 02 tập thể và 02 cá nhân; công nhận {cstdcs} cho 02 cá nhân "
            "(có danh sách kèm theo)") in decision
    # Decree 98/2023 on 20/12/2024, base salary 2.340.000: Giấy khen 0,6 × → 1.400.000 a collective,
    # 0,3 × → 700.000 a person; Chiến sĩ thi đua cơ sở 1,0 × → 2.340.000.
    assert ("Điều 2. Tiền thưởng theo quy định kèm theo Giấy khen: 4.200.000 đồng (Bốn triệu hai trăm nghìn "
            f"đồng); kèm theo {cstdcs}: 4.680.000 đồng (Bốn triệu sáu trăm tám mươi nghìn đồng); tổng số tiền "
            "là 8.880.000 đồng") in decision
    # A merged heading row reads once per cell: keep one line of each run.
    lines = decision.split("\n")
    annex = [line for index, line in enumerate(lines) if index == 0 or line != lines[index - 1]]
    headings = [line for line in annex if line in (
        "I. Tặng Giấy khen", f"II. Công nhận {cstdcs}", "1. Tập thể", "2. Cá nhân", "1. Cá nhân")]
    assert headings[:5] == ["I. Tặng Giấy khen", "1. Tập thể", "2. Cá nhân", f"II. Công nhận {cstdcs}",
                            "1. Cá nhân"]
    assert annex.index("Ông Trần Văn Hòa") > annex.index(f"II. Công nhận {cstdcs}") > annex.index("Ông Lê Văn Út")
    assert (f"Danh sách gồm 02 tập thể và 04 cá nhân (tặng Giấy khen cho 02 tập thể và 02 cá nhân; công nhận "
            f"{cstdcs} cho 02 cá nhân)./.") in decision

    certificates = document(people.approver, f"{rounds}/certificates.docx").split("\n")
    assert certificates.count("CÔNG NHẬN DANH HIỆU") == 2 and certificates.count("TẶNG") == 4
    assert certificates.count("CHIẾN SĨ THI ĐUA CƠ SỞ") == 2 and certificates.count("GIẤY KHEN") == 4
    thu = certificates.index("Bà Trần Thị Thu")
    assert certificates[thu - 2:thu] == ["CÔNG NHẬN DANH HIỆU", "CHIẾN SĨ THI ĐUA CƠ SỞ"]
    tuyet = certificates.index("Bà Nguyễn Thị Ánh Tuyết")
    assert certificates[tuyet - 2:tuyet] == ["TẶNG", "GIẤY KHEN"]


# --- Forms decided by two authorities: one decision (with its annex and certificates) each ---------------

PROVINCE_FORM = """  - code: bang_khen_tinh
    name: Bằng khen
    title: Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh An Giang
    issuer: ubnd-an-giang
    category: bang_khen_bo_tinh
    nominee_kinds: [individual]
    multiplier: 1.0
    vote_rule: {kind: majority}

# Mục III.1"""
PROVINCE_UNIT = """
  - {code: ubnd-an-giang, kind: province, name: Ủy ban nhân dân tỉnh An Giang, short_name: UBND tỉnh An Giang,
     issuing_body: ỦY BAN NHÂN DÂN TỈNH AN GIANG, place_name: An Giang, abbreviation: UBND,
     council_name: Hội đồng Thi đua - Khen thưởng tỉnh An Giang,
     signature_authority: TM. ỦY BAN NHÂN DÂN, signature_title: CHỦ TỊCH, signer_name: Hồ Văn Mừng}
"""


def test_forms_of_two_authorities_make_two_decisions(client, runner, make_user, monkeypatch, tmp_path):
    """The city gives Giấy khen, the province Bằng khen: the round draws a decision per authority, each
    with its own number, Điều 1 and 2, annex, signer and certificates."""
    from service.models import AuditEvent, Campaign

    set_today(monkeypatch, dt.date(2024, 12, 2))
    source = (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text("utf-8")
    path = tmp_path / "long-xuyen-tinh.yaml"
    path.write_text(source.replace("\n# Mục III.1", "\n" + PROVINCE_FORM, 1).rstrip("\n") + PROVINCE_UNIT, "utf-8")
    result = runner.invoke(args=["load-campaign", str(path)])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    campaign = db.session.scalar(sa.select(Campaign).order_by(Campaign.id.desc()).limit(1))
    people = People(client, make_user, campaign)
    round_id = round_of(campaign, "2024")
    ward = {"staff_total": 24, "staff_persuaded_bhxh": 15, "relatives_bhxh": 19, "relatives_bhyt": 31}
    my_binh, _ = send_dossier(people, "my-binh", round_id, [
        collective("Công chức Văn hóa - Xã hội phường Mỹ Bình", "giay_khen_tap_the", ward),
        person("Nguyễn Thị Ánh Tuyết", "female", "Công chức Văn hóa - Xã hội", "UBND phường Mỹ Bình",
               "giay_khen_ca_nhan", {"relatives_bhxh": 4, "relatives_bhyt": 9}),
        person("Trần Thị Thu", "female", "Chủ tịch", "UBND phường Mỹ Bình", "bang_khen_tinh",
               {"relatives_bhxh": 12, "relatives_bhyt": 20}),
    ])
    review(people, my_binh)
    fire_round(people.reviewer, round_id, "consolidate_early", "collecting", comment="Đã đủ hồ sơ.")
    rounds = f"/api/v1/rounds/{round_id}"
    # Before the list is proposed there is no decision to record.
    early = people.reviewer.put(f"{rounds}/decisions/ubnd-an-giang",
                                json={"number": "56/QĐ-UBND", "decision_date": "2024-12-25"})
    assert early.status_code == 409 and "danh sách trình" in early.get_json()["error"]["message"]
    set_today(monkeypatch, dt.date(2024, 12, 10))
    fire_round(people.reviewer, round_id, "propose", "consolidating", proposal_number="45/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    set_today(monkeypatch, dt.date(2024, 12, 20))
    fire_round(people.approver, round_id, "decide", "proposed", decision_number="1234/QĐ-UBND",
               decision_date=dt.date(2024, 12, 20))

    decisions = people.reviewer.get(f"{rounds}/decisions").get_json()
    assert [(d["authority_code"], d["is_campaign_authority"], d["number"], d["awardee_count"]) for d in decisions] == [
        ("ubnd-lx", True, "1234/QĐ-UBND", 2), ("ubnd-an-giang", False, None, 1)]

    def document(url):
        response = people.approver.get(url)
        assert response.status_code == 200, response.get_json()
        return docx_text(response.data)

    city = document(f"{rounds}/documents/quyet_dinh.docx")
    assert "Số: 1234/QĐ-UBND" in city and "ỦY BAN NHÂN DÂN THÀNH PHỐ LONG XUYÊN" in city
    assert ("Điều 1. Tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên cho 01 tập thể và 01 cá "
            "nhân (có danh sách kèm theo)") in city
    assert "Trần Thị Thu" not in city and "Bằng khen" not in city
    # Giấy khen: 1.400.000 + 700.000.
    assert "tổng số tiền là 2.100.000 đồng" in city

    province_url = f"{rounds}/documents/quyet_dinh.docx?authority=ubnd-an-giang"
    draft = document(province_url)
    assert "ỦY BAN NHÂN DÂN TỈNH AN GIANG" in draft and "CHỦ TỊCH ỦY BAN NHÂN DÂN TỈNH AN GIANG" in draft
    assert ("Điều 1. Tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh An Giang cho 01 cá nhân (có danh sách "
            "kèm theo)") in draft
    assert "Bà Trần Thị Thu" in draft and "Nguyễn Thị Ánh Tuyết" not in draft and "1234/QĐ" not in draft
    assert "Hồ Văn Mừng" in draft

    # The round's page asks for the province's decision; a date before the tờ trình is refused there too.
    from web.web_helpers import WebClient

    page = WebClient(client.application.test_client()).login(f"thamdinh-{campaign.id}")
    shown = page.get(f"/dot-khen-thuong/{round_id}").get_data(as_text=True)
    assert "Quyết định của các cấp khác" in shown and f"/dot-khen-thuong/{round_id}/quyet-dinh/ubnd-an-giang" in shown
    refused = page.post(f"/dot-khen-thuong/{round_id}/quyet-dinh/ubnd-an-giang",
                        {"number": "56/QĐ-UBND", "decision_date": "2024-12-01"})
    assert refused.status_code == 422 and "Không được trước ngày tờ trình." in refused.get_data(as_text=True)

    # The province's decision is recorded apart, audited, and refused for the city's own or a stranger.
    recorded = people.reviewer.put(f"{rounds}/decisions/ubnd-an-giang",
                                   json={"number": "56/QĐ-UBND", "decision_date": "2024-12-25"})
    assert recorded.status_code == 200, recorded.get_json()
    assert recorded.get_json()["number"] == "56/QĐ-UBND" and recorded.get_json()["decision_date"] == "2024-12-25"
    own = people.reviewer.put(f"{rounds}/decisions/ubnd-lx", json={"number": "9/QĐ-UBND", "decision_date": "2024-12-25"})
    assert own.status_code == 422 and "Quyết định khen thưởng" in own.get_json()["error"]["message"]
    stranger = people.reviewer.put(f"{rounds}/decisions/my-binh",
                                   json={"number": "9/QĐ-UBND", "decision_date": "2024-12-25"})
    assert stranger.status_code == 404
    too_early = people.reviewer.put(f"{rounds}/decisions/ubnd-an-giang",
                                    json={"number": "57/QĐ-UBND", "decision_date": "2024-12-01"})
    assert too_early.status_code == 422 and "decision_date" in too_early.get_json()["error"]["fields"]
    outsider = people.staff("my-binh")["head"].put(f"{rounds}/decisions/ubnd-an-giang",
                                                   json={"number": "9/QĐ-UBND", "decision_date": "2024-12-25"})
    assert outsider.status_code == 404

    signed = document(province_url)
    assert "Số: 56/QĐ-UBND" in signed and "ngày 25 tháng 12 năm 2024" in signed
    # Bằng khen of a provincial chairman for a person: 1,0 × 2.340.000 (Decree 98/2023, art. 71).
    assert "2.340.000" in signed
    certificates = document(f"{rounds}/documents/certificates.docx?authority=ubnd-an-giang").split("\n")
    assert "BẰNG KHEN" in certificates and "Bà Trần Thị Thu" in certificates
    assert "Quyết định số 56/QĐ-UBND ngày 25 tháng 12 năm 2024" in certificates
    assert "GIẤY KHEN" not in certificates
    city_certificates = document(f"{rounds}/documents/certificates.docx")
    assert "GIẤY KHEN" in city_certificates and "Trần Thị Thu" not in city_certificates
    # The consolidated tờ trình proposes every form to the campaign's authority.
    proposal = document(f"{rounds}/documents/to_trinh_tong_hop.docx")
    assert ("tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên cho 01 tập thể và 01 cá nhân; "
            "tặng Bằng khen của Chủ tịch Ủy ban nhân dân tỉnh An Giang cho 01 cá nhân") in proposal
    assert people.approver.get(f"{rounds}/documents/quyet_dinh.docx?authority=khong-co").status_code == 404
    assert people.approver.get(f"{rounds}/documents/to_trinh_tong_hop.docx?authority=ubnd-lx").status_code == 422

    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "round.decision")).all()
    assert len(events) == 1 and events[0].changes["decision_number"] == {"old": None, "new": "56/QĐ-UBND"}
    history = people.reviewer.get(f"{rounds}/history?include=changes").get_json()
    assert any("ghi quyết định khen thưởng của Ủy ban nhân dân tỉnh An Giang: Số quyết định (trống) → “56/QĐ-UBND”"
               in (entry.get("sentence") or "") for entry in history)

    # The round's page offers each authority's decision and certificates.
    from service.models import CampaignRound, User
    from service.web.round_views import documents_view
    with client.application.test_request_context():
        reviewer = db.session.scalars(sa.select(User).order_by(User.id).limit(1)).one()
        offered = documents_view(reviewer, db.session.get(CampaignRound, round_id))["documents"]
    assert [d["title"] for d in offered if d["kind"] == "quyet_dinh"] == [
        "Quyết định khen thưởng — Ủy ban nhân dân thành phố Long Xuyên",
        "Quyết định khen thưởng — Ủy ban nhân dân tỉnh An Giang"]
    assert all(not d["is_draft"] for d in offered)

    # The round's zip holds each authority's decision and certificates.
    from test_jobs import wait_for

    started = people.reviewer.post(f"{rounds}/document-jobs")
    assert started.status_code == 202, started.get_json()
    job = wait_for(people.reviewer, started.get_json()["id"])
    assert job["state"] == "finished" and job["done"] == job["total"] and job["details"]["notes"] == [], job
    download = people.reviewer.get(job["result_url"])
    content = download.data
    download.close()
    names = {n.split("/")[-1] for n in zipfile.ZipFile(io.BytesIO(content)).namelist() if n.startswith("0000_")}
    assert {f"{kind}_dot{round_id}_{code}.docx" for kind in ("quyet_dinh", "giay_khen")
            for code in ("ubnd-lx", "ubnd-an-giang")} <= names


# --- Khánh Hòa 4856/KH-UBND: annual rounds, a firm deadline, two criteria for collectives ------------------

def test_khanh_hoa_annual_round_and_final_review(client, runner, make_user, monkeypatch):
    set_today(monkeypatch, dt.date(2025, 1, 10))
    campaign = load_seed(runner, "khanh-hoa-4856-2024")
    people = People(client, make_user, campaign)
    year_2024, year_2025 = round_of(campaign, "2024"), round_of(campaign, "2025")
    final = round_of(campaign, "tong-ket-2024-2025")
    tk, cn = "bang_khen_tap_the", "bang_khen_ca_nhan"

    def body(name, staff, persuaded, relatives):
        return collective(name, tk, {"staff_total": staff, "staff_persuaded": persuaded,
                                     "relatives_joined": relatives})

    # Three rounds take dossiers at once, so a unit must say which one.
    clerk = people.staff("so-tai-chinh-khanh-hoa")["clerk"]
    refused = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign.id})
    assert refused.status_code == 422 and refused.get_json()["error"]["code"] == "round_required"

    finance, _ = send_dossier(people, "so-tai-chinh-khanh-hoa", year_2024, [
        body("Sở Tài chính tỉnh Khánh Hòa", 80, 60, 75),
        person("Phạm Thị Ngọc Hà", "female", "Chuyên viên", "Sở Tài chính", cn, {"relatives_joined": 5}),
    ])
    nha_trang, _ = send_dossier(people, "ubnd-nha-trang", year_2024, [
        body("Ủy ban nhân dân thành phố Nha Trang", 120, 48, 75),
        person("Lê Quốc Việt", "male", "Phó Chủ tịch", "UBND thành phố Nha Trang", cn, {"relatives_joined": 7}),
        person("Đỗ Thị Mai", "female", "Chuyên viên", "UBND thành phố Nha Trang", cn, {"relatives_joined": 0}),
    ])
    labour, _ = send_dossier(people, "ldld-khanh-hoa", year_2024, [
        body("Liên đoàn Lao động tỉnh Khánh Hòa", 40, 38, 52),
    ])
    for dossier_id in (finance, nha_trang, labour):
        review(people, dossier_id)
    # A dossier of the same unit for the next year is another dossier, in another round.
    next_year, _ = send_dossier(people, "ubnd-nha-trang", year_2025, [
        body("Ủy ban nhân dân thành phố Nha Trang", 120, 70, 90)], submit=False)

    # After 29/01/2025 the 2024 round refuses late dossiers (the plan's "trước ngày 30 tháng 01").
    set_today(monkeypatch, dt.date(2025, 2, 3))
    late, _ = send_dossier(people, "ubnd-cam-ranh", year_2024, [body("Ủy ban nhân dân thành phố Cam Ranh",
                                                                      50, 40, 45)], submit=False)
    head = people.staff("ubnd-cam-ranh")["head"]
    refusal = head.post(f"/api/v1/dossiers/{late}/transitions", json={"trigger": "submit", "expected_state": "ready"})
    assert refusal.status_code == 422 and "29/01/2025" in refusal.get_json()["error"]["fields"]["within_deadline"][0]

    round_view = people.reviewer.get(f"/api/v1/rounds/{year_2024}").get_json()
    assert round_view["deadline"] == "2025-01-29" and round_view["kind_label"] == "Khen thưởng hằng năm"
    assert {c["state"]: c["count"] for c in round_view["dossier_counts"]} == {"accepted": 3, "ready": 1}
    fire_round(people.reviewer, year_2024, "close_collection", "collecting")
    set_today(monkeypatch, dt.date(2025, 2, 10))  # the day it is signed
    fire_round(people.reviewer, year_2024, "propose", "consolidating", proposal_number="112/TTr-BHXH",
               proposal_date=dt.date(2025, 2, 10))
    # The chairman's office sends it back once, then decides.
    fire_round(people.approver, year_2024, "send_back", "proposed", status=422)
    fire_round(people.approver, year_2024, "send_back", "proposed",
               comment="Bổ sung xác nhận số liệu quý IV của BHXH tỉnh.")
    set_today(monkeypatch, dt.date(2025, 2, 14))  # the day it is signed
    fire_round(people.reviewer, year_2024, "propose", "consolidating", proposal_number="125/TTr-BHXH",
               proposal_date=dt.date(2025, 2, 14))
    fire_round(people.approver, year_2024, "decide", "proposed", decision_number="380/QĐ-UBND",
               decision_date=dt.date(2025, 2, 12), status=422)
    set_today(monkeypatch, dt.date(2025, 2, 24))  # the day it is signed
    fire_round(people.approver, year_2024, "decide", "proposed", decision_number="380/QĐ-UBND",
               decision_date=dt.date(2025, 2, 24))

    snapshot = _snapshot(year_2024)
    # 75 relatives each: the rate (75% before 62,5%) decides; the federation has fewer relatives.
    assert [a["full_name"] for a in snapshot["awardees"]] == [
        "Sở Tài chính tỉnh Khánh Hòa", "Ủy ban nhân dân thành phố Nha Trang", "Liên đoàn Lao động tỉnh Khánh Hòa",
        "Lê Quốc Việt", "Phạm Thị Ngọc Hà"]
    assert _reasons(snapshot) == {"Đỗ Thị Mai": "below_target"}
    assert snapshot["awardees"][0]["metrics"]["rate_persuaded"] == 75.0
    # Decided in February 2025: Decree 98/2023 multipliers and legal bases.
    assert [a["award_form"]["multiplier"] for a in snapshot["awardees"]] == [2.0, 2.0, 2.0, 1.0, 1.0]
    assert any("98/2023" in basis for basis in snapshot["campaign"]["legal_bases"])
    assert snapshot["proposal"]["number"] == "125/TTr-BHXH"
    history = [(e["trigger"], e["comment"]) for e in
               people.approver.get(f"/api/v1/rounds/{year_2024}/history").get_json()]
    assert history[2] == ("send_back", "Bổ sung xác nhận số liệu quý IV của BHXH tỉnh.")
    assert [t for t, _ in history] == ["close_collection", "propose", "send_back", "propose", "decide"]
    assert people.approver.get(f"/api/v1/dossiers/{late}").status_code == 404  # never sent in

    # The other rounds go on by themselves; the final review cites Decree 152/2025.
    assert people.reviewer.get(f"/api/v1/rounds/{year_2025}").get_json()["state"] == "collecting"
    from service.models import CampaignRound
    from service.awards.prize import multiplier_on
    from service.operations.round_documents import round_legal_bases

    db.session.expire_all()
    assert any("152/2025" in basis for basis in round_legal_bases(db.session.get(CampaignRound, final)))
    form = db.session.get(CampaignRound, final).campaign.award_form(tk)
    assert multiplier_on(form, dt.date(2026, 2, 20)) == 3.0 and multiplier_on(form, dt.date(2025, 6, 30)) == 2.0
    assert people.staff("ubnd-nha-trang")["clerk"].get(f"/api/v1/dossiers/{next_year}").get_json()["round_id"] == \
        year_2025


# --- Trà Vinh 49/KH-BCĐ: per-ward targets, ranked by % of the plan ----------------------------------------

def test_tra_vinh_targets_per_ward(client, runner, make_user, monkeypatch):
    set_today(monkeypatch, dt.date(2023, 7, 10))
    campaign = load_seed(runner, "tra-vinh-49-2023")
    people = People(client, make_user, campaign)
    mid_year = round_of(campaign, "so-ket-6-thang-2023")

    def ward(code, name, bb, tn, tn_bhtn, bhyt):
        dossier_id, _ = send_dossier(people, code, mid_year, [collective(
            name, "giay_khen_tap_the", {"bhxh_bb": bb, "bhxh_tn": tn, "bhtn": tn_bhtn, "bhyt": bhyt})])
        review(people, dossier_id)
        return dossier_id

    phuong_1 = ward("phuong-1-tv", "Ủy ban nhân dân Phường 1", 1700, 150, 1500, 9800)
    ward("phuong-2-tv", "Ủy ban nhân dân Phường 2", 500, 50, 380, 3300)
    ward("phuong-7-tv", "Ủy ban nhân dân Phường 7", 2300, 250, 1900, 13000)
    ward("long-duc-tv", "Ủy ban nhân dân xã Long Đức", 3000, 300, 2700, 19000)
    ward("phuong-9-tv", "Ủy ban nhân dân Phường 9", 1500, 200, 1100, 11500)

    # Attainment is computed against each ward's own target from the plan's table.
    listing = people.staff("phuong-1-tv")["clerk"].get(f"/api/v1/dossiers/{phuong_1}/documents/danh_sach.docx")
    text = docx_text(listing.data)
    assert "Tỷ lệ hoàn thành kế hoạch BHYT: 94,92%" in text          # 9 800 of 10 324
    assert "Tỷ lệ hoàn thành kế hoạch BHXH tự nguyện: 90,91%" in text  # 150 of 165

    set_today(monkeypatch, dt.date(2023, 7, 17))
    fire_round(people.reviewer, mid_year, "close_collection", "collecting")
    rows = by_name(ranking(people.reviewer, mid_year))
    assert rows["Ủy ban nhân dân Phường 1"]["values"]["attain_mean"] == 92.22
    set_today(monkeypatch, dt.date(2023, 7, 20))  # the day it is signed
    fire_round(people.reviewer, mid_year, "propose", "consolidating", proposal_number="18/TTr-BHXH",
               proposal_date=dt.date(2023, 7, 20))
    set_today(monkeypatch, dt.date(2023, 7, 28))  # the day it is signed
    fire_round(people.approver, mid_year, "decide", "proposed", decision_number="2150/QĐ-UBND",
               decision_date=dt.date(2023, 7, 28))

    snapshot = _snapshot(mid_year)
    assert [(a["full_name"], a["metrics"]["attain_mean"]) for a in snapshot["awardees"]] == [
        ("Ủy ban nhân dân Phường 2", 97.96), ("Ủy ban nhân dân xã Long Đức", 94.63),
        ("Ủy ban nhân dân Phường 9", 93.08)]
    assert _reasons(snapshot) == {"Ủy ban nhân dân Phường 1": "over_quota", "Ủy ban nhân dân Phường 7": "below_target"}
    left_out = {n["full_name"]: n["reason"] for n in snapshot["not_selected"]}
    assert "tối đa 3 tập thể" in left_out["Ủy ban nhân dân Phường 1"]
    # 13 000 of 14 690 is 88,5%: under the plan's 93% mid-year mark for health insurance.
    assert "88,5%, yêu cầu từ 93% trở lên" in left_out["Ủy ban nhân dân Phường 7"]
    assert snapshot["campaign"]["plan_number"] == "49/KH-BCĐ"
    assert any("91/2017" in basis for basis in snapshot["campaign"]["legal_bases"])


# --- Bà Rịa - Vũng Tàu 2016–2020: 5 collectives and 10 individuals per review, a tie, an override ---------

def test_ba_ria_vung_tau_mid_term_review(client, runner, make_user, monkeypatch):
    set_today(monkeypatch, dt.date(2018, 8, 20))
    campaign = load_seed(runner, "ba-ria-vung-tau-2016-2020")
    people = People(client, make_user, campaign)
    review_2018 = round_of(campaign, "so-ket-2018")
    tk, cn = "giay_khen_tap_the", "giay_khen_ca_nhan"
    units = [  # code, collective, cards, poor joined, coverage, two people's initiatives
        ("bhxh-vung-tau", "Bảo hiểm xã hội thành phố Vũng Tàu", 900, 120, 88.5, (4, 1)),
        ("bhxh-ba-ria", "Bảo hiểm xã hội thành phố Bà Rịa", 700, 95, 87.0, (3, 2)),
        ("bhxh-tan-thanh", "Bảo hiểm xã hội huyện Tân Thành", 650, 80, 84.0, (5, 0)),
        ("bhxh-chau-duc", "Bảo hiểm xã hội huyện Châu Đức", 500, 70, 86.0, (2, 2)),
        ("bhxh-xuyen-moc", "Bảo hiểm xã hội huyện Xuyên Mộc", 400, 60, 85.0, (6, 1)),
        ("bhxh-long-dien", "Bảo hiểm xã hội huyện Long Điền", 400, 60, 85.0, (1, 3)),
        ("brvt-phong-thu", "Phòng Quản lý thu", 300, 10, None, (2, 1)),
    ]
    given = iter(["An", "Bình", "Cường", "Dung", "Giang", "Hải", "Khánh", "Lan", "Minh", "Nga", "Oanh", "Phúc",
                  "Quang", "Sơn"])
    for code, name, cards, poor, coverage, (first, second) in units:
        metrics = {"cards_supported": cards, "poor_joined_bhxh": poor}
        if coverage is not None:
            metrics["bhyt_coverage"] = coverage
        dossier_id, _ = send_dossier(people, code, review_2018, [
            collective(name, tk, metrics),
            person(f"Nguyễn Văn {next(given)}", "male", "Viên chức", name, cn,
                   {"initiatives": first, "cards_supported": 20}),
            person(f"Trần Thị {next(given)}", "female", "Viên chức", name, cn,
                   {"initiatives": second, "cards_supported": 10}),
        ])
        review(people, dossier_id)

    set_today(monkeypatch, dt.date(2018, 9, 3))
    fire_round(people.reviewer, review_2018, "close_collection", "collecting")
    rows = by_name(ranking(people.reviewer, review_2018))
    # Xuyên Mộc and Long Điền tie on every criterion at the fifth place: flagged for people to settle.
    assert rows["Bảo hiểm xã hội huyện Xuyên Mộc"]["rank"] == rows["Bảo hiểm xã hội huyện Long Điền"]["rank"] == 5
    assert rows["Bảo hiểm xã hội huyện Xuyên Mộc"]["is_tied_at_cut"]
    assert rows["Bảo hiểm xã hội huyện Long Điền"]["is_tied_at_cut"]
    cut = [name for name, row in rows.items() if row["kind"] == "collective" and not row["is_selected"]]
    assert len(cut) == 2 and "Phòng Quản lý thu" in cut

    # The council of the provincial office picks Long Điền; the reviewer records it, with the reason.
    long_dien = rows["Bảo hiểm xã hội huyện Long Điền"]
    chosen = long_dien if not long_dien["is_selected"] else rows["Bảo hiểm xã hội huyện Xuyên Mộc"]
    override = people.reviewer.post(f"/api/v1/rounds/{review_2018}/overrides", json={
        "nominee_id": chosen["nominee_id"], "selected": True,
        "reason": "Hội đồng Thi đua - Khen thưởng BHXH tỉnh biểu quyết chọn đơn vị có địa bàn khó khăn hơn."})
    assert override.status_code == 201, override.get_json()
    assert override.get_json()["details"]["after"]["is_selected"] is True
    rows = by_name(ranking(people.reviewer, review_2018))
    assert rows[chosen["full_name"]]["is_selected"] and rows[chosen["full_name"]]["is_override"]
    other = next(n for n in ("Bảo hiểm xã hội huyện Xuyên Mộc", "Bảo hiểm xã hội huyện Long Điền")
                 if n != chosen["full_name"])
    assert rows[other]["reason_code"] == "over_quota"

    set_today(monkeypatch, dt.date(2018, 9, 10))  # the day it is signed
    fire_round(people.reviewer, review_2018, "propose", "consolidating", proposal_number="305/TTr-TCCB",
               proposal_date=dt.date(2018, 9, 10))
    # Once proposed, the list no longer changes.
    frozen = people.reviewer.post(f"/api/v1/rounds/{review_2018}/overrides", json={
        "nominee_id": chosen["nominee_id"], "selected": None, "reason": "Thử lại."})
    assert frozen.status_code == 409, frozen.get_json()
    set_today(monkeypatch, dt.date(2018, 9, 20))  # the day it is signed
    fire_round(people.approver, review_2018, "decide", "proposed", decision_number="1021/QĐ-BHXH",
               decision_date=dt.date(2018, 9, 20))

    snapshot = _snapshot(review_2018)
    collectives = [a["full_name"] for a in snapshot["awardees"] if a["kind"] == "collective"]
    assert collectives == ["Bảo hiểm xã hội thành phố Vũng Tàu", "Bảo hiểm xã hội thành phố Bà Rịa",
                           "Bảo hiểm xã hội huyện Tân Thành", "Bảo hiểm xã hội huyện Châu Đức", chosen["full_name"]]
    individuals = [a for a in snapshot["awardees"] if a["kind"] == "individual"]
    assert len(individuals) == 10
    assert [a["metrics"]["initiatives"] for a in individuals][:3] == [6, 5, 4]
    reasons = _reasons(snapshot)
    assert sorted(reasons.values()).count("over_quota") == 2 + 4  # 2 collectives, 4 individuals
    assert all("tối đa 10 cá nhân" in n["reason"] for n in snapshot["not_selected"] if n["kind"] == "individual")
    assert [a["award_form"]["multiplier"] for a in snapshot["awardees"][:1]] == [0.6]
    history = people.reviewer.get(f"/api/v1/rounds/{review_2018}/history").get_json()
    assert [e["trigger"] for e in history] == ["close_collection", "override", "propose", "decide"]
    assert "biểu quyết chọn đơn vị" in history[1]["comment"]


# --- BHXH Việt Nam 4111/BHXH-TĐKT: lower is better, the last three months, quotas per unit ---------------

def test_bhxh_viet_nam_sprint(client, runner, make_user, monkeypatch):
    set_today(monkeypatch, dt.date(2025, 1, 8))
    campaign = load_seed(runner, "bhxh-viet-nam-4111-2024")
    people = People(client, make_user, campaign)
    round_id = round_of(campaign, "2024")
    tk, cn = "bang_khen_tap_the", "bang_khen_ca_nhan"

    def branch(name, due, late, due_q4, late_q4, revenue, plan, joined, joined_plan):
        return collective(name, tk, {
            "amount_due": due, "amount_late": late, "amount_due_q4": due_q4, "amount_late_q4": late_q4,
            "revenue": revenue, "revenue_plan": plan, "participants": joined, "participants_plan": joined_plan})

    def staff(unit_name, count, first_initiatives):
        return [person(f"Cán bộ {unit_name} {i + 1}", "female" if i % 2 else "male", "Viên chức", unit_name, cn,
                       {"initiatives": first_initiatives - i}) for i in range(count)]

    dossiers = [
        send_dossier(people, "bhxh-ha-noi", round_id, [
            branch("Bảo hiểm xã hội thành phố Hà Nội", 1000, 12, 300, 4.5, 1010, 1000, 201000, 200000),
            *staff("Hà Nội", 2, 9)]),
        send_dossier(people, "bhxh-tp-hcm", round_id, [
            branch("Bảo hiểm xã hội Thành phố Hồ Chí Minh", 2000, 24, 600, 6.6, 2020, 2000, 402000, 400000),
            *staff("TP.HCM", 6, 8)]),
        send_dossier(people, "bhxh-da-nang", round_id, [
            branch("Bảo hiểm xã hội thành phố Đà Nẵng", 400, 3.2, 120, 0.6, 392, 400, 80000, 80000),
            *staff("Đà Nẵng", 1, 20)]),
        send_dossier(people, "bhxh-an-giang", round_id, [
            branch("Bảo hiểm xã hội tỉnh An Giang", 300, 9.3, 90, 3, 303, 300, 60500, 60000)]),
        send_dossier(people, "bhxh-vn-truyen-thong", round_id, [
            collective("Trung tâm Truyền thông", tk, {}), *staff("Trung tâm Truyền thông", 4, 7)]),
    ]
    for dossier_id, _ in dossiers:
        review(people, dossier_id)

    set_today(monkeypatch, dt.date(2025, 1, 16))
    fire_round(people.reviewer, round_id, "close_collection", "collecting")
    set_today(monkeypatch, dt.date(2025, 1, 20))  # the day it is signed
    fire_round(people.reviewer, round_id, "propose", "consolidating", proposal_number="52/TTr-TĐKT",
               proposal_date=dt.date(2025, 1, 20))
    set_today(monkeypatch, dt.date(2025, 2, 5))  # the day it is signed
    fire_round(people.approver, round_id, "decide", "proposed", decision_number="245/QĐ-BHXH",
               decision_date=dt.date(2025, 2, 5))
    snapshot = _snapshot(round_id)

    collectives = [(a["full_name"], a["metrics"]["late_ratio"] if "late_ratio" in a["metrics"] else None)
                   for a in snapshot["awardees"] if a["kind"] == "collective"]
    # Hà Nội and TP.HCM are equal at 1,2% late, 101% revenue, 100,5% participants: the last three
    # months decide (1,1% late against 1,5%). Đà Nẵng is lowest (0,8%) but missed its revenue plan.
    assert collectives == [("Bảo hiểm xã hội Thành phố Hồ Chí Minh", 1.2), ("Bảo hiểm xã hội thành phố Hà Nội", 1.2),
                           ("Trung tâm Truyền thông", None)]
    reasons = _reasons(snapshot)
    assert reasons["Bảo hiểm xã hội thành phố Đà Nẵng"] == "below_target"
    assert reasons["Bảo hiểm xã hội tỉnh An Giang"] == "below_target"        # 3,1% > 2,59%
    assert reasons["Cán bộ Đà Nẵng 1"] == "collective_not_selected"
    assert reasons["Cán bộ TP.HCM 6"] == "over_quota"                         # 5 per provincial branch
    assert reasons["Cán bộ Trung tâm Truyền thông 4"] == "over_quota"         # 3 per central unit
    left_out = {n["full_name"]: n["reason"] for n in snapshot["not_selected"]}
    assert "3,1%, yêu cầu không quá 2,59%" in left_out["Bảo hiểm xã hội tỉnh An Giang"]
    assert "tối đa 05 cá nhân mỗi BHXH tỉnh" in left_out["Cán bộ TP.HCM 6"]
    individuals = [a["full_name"] for a in snapshot["awardees"] if a["kind"] == "individual"]
    assert len(individuals) == 2 + 5 + 3
    assert individuals[0] == "Cán bộ Hà Nội 1"                                # 9 initiatives
    assert snapshot["campaign"]["plan_type"] == "Công văn"
    assert snapshot["awardees"][0]["metrics"]["late_ratio_q4"] == 1.1
