"""Demo data: the Long Xuyên 2024 campaign (plan 9936/KH-UBND), its units and invented people.

The campaign, its round and its units come from the definition file
``campaigns/long-xuyen-9936-2024.yaml``, loaded exactly as ``flask
load-campaign`` loads it; every person is invented. The demo dossiers are
driven through the same operations a user calls, so their history and
documents are exactly what the service would have produced.
"""
from __future__ import annotations

import datetime as dt
import logging
from functools import lru_cache
from pathlib import Path
from typing import Any

import sqlalchemy as sa

from .auth import hash_password
from .campaigns.definition import Definition, parse_definition, to_json
from .db import db
from .models import Campaign, Dossier, Unit, UnitOfficial, User
from .operations import documents, dossiers, workflow
from .operations.campaigns import load_campaign

log = logging.getLogger(__name__)

DEMO_PASSWORD = "hoso2024"
CAMPAIGN_FILE = Path(__file__).resolve().parents[1] / "campaigns" / "long-xuyen-9936-2024.yaml"


@lru_cache(maxsize=1)
def campaign_definition() -> Definition:
    """The demo campaign's definition, read once (it declares every unit it needs)."""
    return parse_definition(CAMPAIGN_FILE.read_text(encoding="utf-8"))


CAMPAIGN_CODE = campaign_definition().code
# The campaign's figures and award forms, for code (and tests) that build a campaign by hand.
LONG_XUYEN_METRICS: list[dict[str, Any]] = campaign_definition().data["metrics"]
LONG_XUYEN_AWARD_FORMS: list[dict[str, Any]] = to_json(campaign_definition().data["award_forms"])


def load_campaign_and_units() -> tuple[Campaign, dict[str, Unit]]:
    """Load the definition file as the command line would; return the campaign and every unit by code."""
    campaign = load_campaign(None, campaign_definition().source, origin=CAMPAIGN_FILE.name).campaign
    units = {unit.code: unit for unit in db.session.scalars(sa.select(Unit))}
    return campaign, units


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


# Invented deputies, one per unit that has one in the demo (the person who signs "KT." for the head).
DEPUTIES = {
    "ubnd-lx": ("Võ Thị Xuân Kiều", "Phó Chủ tịch"), "phong-y-te": ("Trương Văn Bảy", "Phó Trưởng phòng"),
    "my-binh": ("Trần Văn An", "Phó Chủ tịch"), "my-long": ("Hà Thị Mỹ", "Phó Chủ tịch"),
    "my-xuyen": ("Lê Văn Tám", "Phó Chủ tịch"), "dong-xuyen": ("Phạm Thị Hồng", "Phó Chủ tịch"),
    "binh-khanh": ("Nguyễn Văn Sáu", "Phó Chủ tịch"), "my-phuoc": ("Đặng Thị Thu", "Phó Chủ tịch"),
    "my-thoi": ("Châu Văn Lợi", "Phó Chủ tịch"), "my-quy": ("Võ Thị Lệ", "Phó Chủ tịch"),
}


def create_officials(units: dict[str, Unit], users: dict[str, User]) -> None:
    """Each unit's head (and some deputies): who may sign its documents (Decree 30/2020, art. 13).

    A ward with demo accounts is headed by its ``chutich.*`` user, so the tờ trình that user submits
    carries that user's name; the city's chairman is the approver who signs the decision.
    """
    heads = {code: users[f"chutich.{code.replace('-', '')}"] for code in DEPUTIES
             if f"chutich.{code.replace('-', '')}" in users}
    heads["ubnd-lx"] = users["pheduyet.ubnd"]
    for code, unit in units.items():
        account = heads.get(code)
        name = account.full_name if account is not None else unit.signer_name
        if account is not None:
            unit.signer_name = name
        db.session.add(UnitOfficial(unit_id=unit.id, full_name=name, position=unit.signature_title.capitalize(),
                                    user_id=account.id if account is not None else None, is_head=True,
                                    is_active=True))
        if code in DEPUTIES:
            deputy, position = DEPUTIES[code]
            db.session.add(UnitOfficial(unit_id=unit.id, full_name=deputy, position=position, is_head=False,
                                        is_active=True))
    db.session.flush()


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
    short = unit_code.replace("-", "")
    clerk, secretary, head = users[f"canbo.{short}"], users[f"thuky.{short}"], users[f"chutich.{short}"]
    reviewer = users["thamdinh.yte"]
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
    ]
    order = ["drafting", "council_minutes", "ready", "submitted", "under_review", "accepted"]
    if target == "rejected":
        # The campaign decides per round: no dossier is approved on its own. A rejected one shows the unit
        # its outcome (the reviewer's reason) before the round's decision.
        steps[-1] = (reviewer, "reject", {"comment": REJECTION_COMMENT})
        order[-1] = "rejected"
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


REJECTION_COMMENT = ("Số người thân tham gia BHXH tự nguyện chưa khớp danh sách của Bảo hiểm xã hội thành phố; "
                     "hồ sơ không đủ điều kiện xét trong đợt này.")

# Mỹ Bình has accounts but no dossier, so that a new user can draft one from the start. The awards
# themselves come with the round's decision (the campaign decides per round), recorded on the round page.
DEMO_DOSSIERS = [
    ("my-long", "drafting"), ("my-xuyen", "council_minutes"), ("dong-xuyen", "ready"),
    ("binh-khanh", "submitted"), ("my-phuoc", "under_review"), ("my-thoi", "accepted"), ("my-quy", "rejected"),
]


def load_demo_data(only_if_empty: bool = True) -> bool:
    """Load the demo; returns False (and does nothing) when the database already holds units
    (unless ``only_if_empty`` is False) or already holds the demo campaign."""
    if only_if_empty and db.session.scalar(sa.select(sa.func.count()).select_from(Unit)):
        return False
    if db.session.scalar(sa.select(Campaign.id).where(Campaign.code == CAMPAIGN_CODE)) is not None:
        return False
    campaign, units = load_campaign_and_units()
    users = create_users(units)
    create_officials(units, users)
    for unit_code, target in DEMO_DOSSIERS:
        _drive(users, campaign, unit_code, target)
    log.info("demo data loaded: %s units, %s users", len(units), len(users))
    return True
