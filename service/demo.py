"""Demo data: the Long Xuyên 2024 campaign (plan 9936/KH-UBND), its units and invented people.

The plan, its dates and its units are real; every person is invented. The
demo dossiers are driven through the same operations a user calls, so their
history and documents are exactly what the service would have produced.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa

from .auth import hash_password
from .db import db
from .models import Campaign, Dossier, Unit, User

log = logging.getLogger(__name__)

DEMO_PASSWORD = "hoso2024"
CITY_HEADER = "UBND THÀNH PHỐ LONG XUYÊN"

# (code, name) of the 11 wards and 2 communes of Long Xuyên before 01/07/2025.
WARDS = [
    ("my-binh", "Mỹ Bình", "ward"), ("my-long", "Mỹ Long", "ward"), ("my-xuyen", "Mỹ Xuyên", "ward"),
    ("dong-xuyen", "Đông Xuyên", "ward"), ("my-phuoc", "Mỹ Phước", "ward"), ("my-quy", "Mỹ Quý", "ward"),
    ("my-thoi", "Mỹ Thới", "ward"), ("my-thanh", "Mỹ Thạnh", "ward"), ("my-hoa", "Mỹ Hòa", "ward"),
    ("binh-khanh", "Bình Khánh", "ward"), ("binh-duc", "Bình Đức", "ward"),
    ("my-hoa-hung", "Mỹ Hòa Hưng", "commune"), ("my-khanh", "Mỹ Khánh", "commune"),
]

# (code, official name, header name, abbreviation, head's title)
DEPARTMENTS = [
    ("phong-y-te", "Phòng Y tế thành phố Long Xuyên", "PHÒNG Y TẾ", "PYT", "TRƯỞNG PHÒNG"),
    ("phong-noi-vu", "Phòng Nội vụ thành phố Long Xuyên", "PHÒNG NỘI VỤ", "PNV", "TRƯỞNG PHÒNG"),
    ("phong-gd-dt", "Phòng Giáo dục và Đào tạo thành phố Long Xuyên", "PHÒNG GIÁO DỤC VÀ ĐÀO TẠO", "PGDĐT",
     "TRƯỞNG PHÒNG"),
    ("phong-ldtbxh", "Phòng Lao động - Thương binh và Xã hội thành phố Long Xuyên",
     "PHÒNG LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI", "LĐTBXH", "TRƯỞNG PHÒNG"),
    ("vp-hdnd-ubnd", "Văn phòng Hội đồng nhân dân và Ủy ban nhân dân thành phố Long Xuyên",
     "VĂN PHÒNG HĐND VÀ UBND", "VP", "CHÁNH VĂN PHÒNG"),
    ("ttyt-lx", "Trung tâm Y tế thành phố Long Xuyên", "TRUNG TÂM Y TẾ", "TTYT", "GIÁM ĐỐC"),
]

# Invented signers, one per unit, in the order units are created.
SIGNERS = [
    "Trần Minh Quang", "Lê Thị Hồng Nhung", "Phạm Văn Lực", "Nguyễn Thị Thu Trang", "Võ Hoàng Phúc",
    "Đặng Thị Mỹ Linh", "Huỳnh Văn Tài", "Bùi Thị Ngọc Hân", "Châu Văn Hiếu", "Lâm Thị Kim Oanh",
    "Tô Văn Khải", "Dương Thị Bích Vân", "Mai Văn Thông", "Hồ Thị Thanh Tâm", "Kiều Văn Nghĩa",
    "Phan Thị Diễm", "Lý Văn Sang", "Trịnh Thị Yến", "Ngô Văn Bảo", "Đỗ Thị Hạnh",
]

CAMPAIGN_CODE = "lx-bhxh-bhyt-2024"

LONG_XUYEN_METRICS: list[dict[str, Any]] = [
    {"code": "staff_total", "label": "Tổng số cán bộ, công chức, viên chức", "unit": "người",
     "higher_is_better": True, "required": True, "nominee_kinds": ["collective"], "min": 1},
    {"code": "staff_persuaded_bhxh",
     "label": "Số cán bộ, công chức, viên chức vận động được ít nhất 01 người thân tham gia BHXH tự nguyện",
     "unit": "người", "higher_is_better": True, "required": True, "nominee_kinds": ["collective"]},
    {"code": "relatives_bhxh", "label": "Số người thân tham gia BHXH tự nguyện", "unit": "người",
     "higher_is_better": True, "required": True, "nominee_kinds": ["collective", "individual"]},
    {"code": "relatives_bhyt", "label": "Số người thân tham gia BHYT", "unit": "người",
     "higher_is_better": True, "required": True, "nominee_kinds": ["collective", "individual"]},
]

LONG_XUYEN_AWARD_FORMS: list[dict[str, Any]] = [
    {"code": "giay_khen_tap_the", "name": "Giấy khen", "nominee_kinds": ["collective"],
     "vote_rule": {"kind": "majority"}, "multiplier": 0.6},
    {"code": "giay_khen_ca_nhan", "name": "Giấy khen", "nominee_kinds": ["individual"],
     "vote_rule": {"kind": "majority"}, "multiplier": 0.3},
]


def _unit(**values: Any) -> Unit:
    unit = Unit(**values)
    db.session.add(unit)
    return unit


def create_units() -> dict[str, Unit]:
    signers = iter(SIGNERS)
    units: dict[str, Unit] = {}
    units["ubnd-lx"] = city = _unit(
        code="ubnd-lx", kind="city", name="Ủy ban nhân dân thành phố Long Xuyên",
        short_name="UBND thành phố Long Xuyên", managing_body="",
        issuing_body="ỦY BAN NHÂN DÂN THÀNH PHỐ LONG XUYÊN", place_name="Long Xuyên", abbreviation="UBND",
        council_name="Hội đồng Thi đua - Khen thưởng thành phố Long Xuyên",
        signature_authority="TM. ỦY BAN NHÂN DÂN", signature_title="CHỦ TỊCH", signer_name=next(signers))
    for code, name, header, abbreviation, title in DEPARTMENTS:
        units[code] = _unit(
            code=code, kind="department", parent=city, name=name, short_name=name.replace(" thành phố Long Xuyên", ""),
            managing_body=CITY_HEADER, issuing_body=header, place_name="Long Xuyên", abbreviation=abbreviation,
            council_name=f"Hội đồng Thi đua - Khen thưởng {name[0].lower() + name[1:]}",
            signature_authority="", signature_title=title, signer_name=next(signers))
    for code, place, kind in WARDS:
        common = "phường" if kind == "ward" else "xã"
        units[code] = _unit(
            code=code, kind=kind, parent=city, name=f"Ủy ban nhân dân {common} {place}",
            short_name=f"UBND {common} {place}", managing_body=CITY_HEADER,
            issuing_body=f"ỦY BAN NHÂN DÂN {common.upper()} {place.upper()}", place_name=place,
            abbreviation="UBND", council_name=f"Hội đồng Thi đua - Khen thưởng {common} {place}",
            signature_authority="TM. ỦY BAN NHÂN DÂN", signature_title="CHỦ TỊCH",
            signer_name=next(signers, "Nguyễn Văn Hòa"))
    db.session.flush()
    return units


def create_campaign(units: dict[str, Unit]) -> Campaign:
    campaign = Campaign(
        code=CAMPAIGN_CODE,
        title="Phát động thi đua cao điểm “Phát triển người tham gia bảo hiểm xã hội, bảo hiểm y tế "
              "trên địa bàn thành phố năm 2024”",
        plan_number="9936/KH-UBND", plan_date=dt.date(2024, 11, 15), issuer=units["ubnd-lx"],
        period_start=dt.date(2024, 11, 15), period_end=dt.date(2024, 11, 30),
        # "gửi ... trước ngày 05/12/2024": the 4th is the last day on time.
        submission_deadline=dt.date(2024, 12, 4),
        # The demo is walked through long after the real deadline; late dossiers are
        # accepted and marked late so that every step can still be tried.
        accepts_late=True,
        standing_agency=units["phong-y-te"], authority=units["ubnd-lx"],
        award_name="Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên",
        award_forms=LONG_XUYEN_AWARD_FORMS, metrics=LONG_XUYEN_METRICS,
        legal_bases=[
            "Luật Thi đua, khen thưởng số 06/2022/QH15 ngày 15 tháng 6 năm 2022",
            "Nghị định số 98/2023/NĐ-CP ngày 31 tháng 12 năm 2023 của Chính phủ quy định chi tiết thi hành "
            "một số điều của Luật Thi đua, khen thưởng",
        ],
    )
    db.session.add(campaign)
    db.session.flush()
    return campaign


def _user(username: str, full_name: str, role: str, unit: Unit, password_hash: str) -> User:
    user = User(username=username, full_name=full_name, role=role, unit=unit, password_hash=password_hash)
    db.session.add(user)
    return user


def create_users(units: dict[str, Unit]) -> dict[str, User]:
    password_hash = hash_password(DEMO_PASSWORD)
    users = {
        "admin": _user("admin", "Quản trị hệ thống", "admin", units["phong-noi-vu"], password_hash),
        "thamdinh.yte": _user("thamdinh.yte", "Nguyễn Thị Thanh Hương", "reviewer", units["phong-y-te"],
                              password_hash),
        "pheduyet.ubnd": _user("pheduyet.ubnd", "Trần Minh Quang", "approver", units["ubnd-lx"], password_hash),
    }
    people = iter([
        ("Lê Văn Hùng", "Phạm Thị Lan", "Nguyễn Hoàng Nam"),
        ("Trương Thị Mai", "Đoàn Văn Phước", "Lý Thị Hoa"),
        ("Cao Văn Đạt", "Võ Thị Kim Yến", "Quách Văn Lộc"),
        ("Huỳnh Thị Ngân", "Phan Văn Trí", "Đinh Thị Thảo"),
        ("Tạ Văn Hậu", "Lương Thị Xuân", "Thái Văn Minh"),
        ("Nguyễn Thị Ánh", "Trần Văn Ân", "Lê Thị Uyên"),
        ("Phạm Văn Ưng", "Đỗ Thị Dung", "Bùi Văn Dũng"),
        ("Kha Thị Diệu", "Văn Công Đức", "Mạc Thị Ẩn"),
    ])
    for code in ("my-binh", "my-long", "my-xuyen", "dong-xuyen", "binh-khanh", "my-phuoc", "my-thoi", "my-quy"):
        short = code.replace("-", "")
        clerk, secretary, head = next(people)
        users[f"canbo.{short}"] = _user(f"canbo.{short}", clerk, "unit_clerk", units[code], password_hash)
        users[f"thuky.{short}"] = _user(f"thuky.{short}", secretary, "council_secretary", units[code], password_hash)
        users[f"chutich.{short}"] = _user(f"chutich.{short}", head, "unit_head", units[code], password_hash)
    db.session.flush()
    return users


def _nominees_for(unit: Unit) -> list[dict[str, Any]]:
    place = unit.place_name
    return [
        {"kind": "collective", "full_name": f"Công chức Văn hóa - Xã hội, {unit.short_name}",
         "award_form": "giay_khen_tap_the",
         "metrics": {"staff_total": 24, "staff_persuaded_bhxh": 15, "relatives_bhxh": 19, "relatives_bhyt": 31},
         "achievement_summary": f"Vận động 19 người thân tham gia BHXH tự nguyện và 31 người thân tham gia BHYT "
                                f"trong đợt cao điểm từ 15 đến 30/11/2024 trên địa bàn {place}."},
        {"kind": "individual", "full_name": "Nguyễn Thị Ánh Tuyết", "gender": "female",
         "position": "Công chức Văn hóa - Xã hội", "workplace": unit.short_name, "award_form": "giay_khen_ca_nhan",
         "metrics": {"relatives_bhxh": 4, "relatives_bhyt": 9},
         "achievement_summary": "Trực tiếp vận động 04 người thân tham gia BHXH tự nguyện, 09 người tham gia BHYT."},
        {"kind": "individual", "full_name": "Trần Văn An", "gender": "male", "position": "Phó Chủ tịch",
         "workplace": unit.short_name, "award_form": "giay_khen_ca_nhan", "is_leader": True,
         "metrics": {"relatives_bhxh": 2, "relatives_bhyt": 6},
         "achievement_summary": "Chỉ đạo triển khai kế hoạch cao điểm; vận động 02 người thân tham gia BHXH "
                                "tự nguyện."},
    ]


def _gender_of(full_name: str) -> str:
    """Good enough for invented demo people: "Thị" marks a woman's middle name."""
    return "female" if " Thị " in f" {full_name} " else "male"


def _meeting_for(dossier: Dossier, secretary: User) -> dict[str, Any]:
    zone = dt.timezone(dt.timedelta(hours=7))
    return {
        "started_at": dt.datetime(2024, 12, 2, 8, 0, tzinfo=zone),
        "ended_at": dt.datetime(2024, 12, 2, 9, 30, tzinfo=zone),
        "place": f"Hội trường {dossier.unit.short_name}",
        "chair_name": dossier.unit.signer_name, "chair_position": "Chủ tịch Hội đồng",
        "chair_gender": _gender_of(dossier.unit.signer_name), "secretary_gender": _gender_of(secretary.full_name),
        "secretary_name": secretary.full_name, "secretary_position": "Thư ký Hội đồng",
        "total_members": 9, "present_members": 8,
        "absentees": [{"name": "Lê Văn Sáu", "reason": "Đi công tác", "written_opinion": "Thống nhất đề nghị."}],
        "voting_method": "show_of_hands",
        "votes": [{"nominee_id": n.id, "votes_in_favour": 8 if i != 2 else 7} for i, n in enumerate(dossier.nominees)],
    }


def _drive(users: dict[str, User], campaign: Campaign, unit_code: str, target: str) -> None:
    """Take one demo dossier from nothing to the ``target`` state, step by step."""
    from .operations import documents, dossiers, workflow

    short = unit_code.replace("-", "")
    clerk, secretary, head = users[f"canbo.{short}"], users[f"thuky.{short}"], users[f"chutich.{short}"]
    reviewer, approver = users["thamdinh.yte"], users["pheduyet.ubnd"]
    dossier = dossiers.create_dossier(clerk, campaign)
    for data in _nominees_for(dossier.unit):
        data = dict(data)
        data["metric_values"] = data.pop("metrics")
        dossiers.add_nominee(clerk, dossier, data)
    steps: list[tuple[User, str, dict[str, Any]]] = [
        (clerk, "send_to_council", {}),
        (secretary, "finalize_minutes", {}),
        (head, "submit", {}),
        (reviewer, "start_review", {}),
        (reviewer, "accept", {}),
        (approver, "approve", {"decision_number": "1234/QĐ-UBND", "decision_date": dt.date(2024, 12, 20)}),
    ]
    order = ["drafting", "council_minutes", "ready", "submitted", "under_review", "accepted", "approved"]
    for actor, trigger, extra in steps:
        if order.index(dossier.state) >= order.index(target):
            break
        if trigger == "finalize_minutes":
            dossiers.record_meeting(secretary, dossier, _meeting_for(dossier, secretary))
        if trigger == "submit":
            dossier.to_trinh_number = 15
            dossier.bien_ban_number = 3
            dossier.to_trinh_date = dt.date(2024, 12, 3)
            dossiers.mark_content_changed(dossier)
            documents.generate_documents(head, dossier)
        workflow.fire_transition(actor, dossier, trigger, expected_state=dossier.state, **extra)


# Mỹ Bình has accounts but no dossier, so that a new user can draft one from the start.
DEMO_DOSSIERS = [
    ("my-long", "drafting"), ("my-xuyen", "council_minutes"), ("dong-xuyen", "ready"),
    ("binh-khanh", "submitted"), ("my-phuoc", "under_review"), ("my-thoi", "accepted"), ("my-quy", "approved"),
]


def load_demo_data(only_if_empty: bool = True) -> bool:
    """Load the demo; returns False when the database already holds units and nothing was done."""
    if only_if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        return False
    units = create_units()
    campaign = create_campaign(units)
    users = create_users(units)
    for unit_code, target in DEMO_DOSSIERS:
        _drive(users, campaign, unit_code, target)
    log.info("demo data loaded: %s units, %s users", len(units), len(users))
    return True
