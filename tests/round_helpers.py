"""Driving campaigns loaded from campaigns/*.yaml through the API, as their users would."""
from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import sqlalchemy as sa

from conftest import ApiClient, meeting_payload
from service.db import db

CAMPAIGNS_DIR = Path(__file__).resolve().parents[1] / "campaigns"


def set_today(monkeypatch, day: dt.date) -> None:
    """Make the service's "today" (Vietnam time) ``day``, for deadlines and late dossiers."""
    from service import clock

    moment = dt.datetime.combine(day, dt.time(9, 0), tzinfo=ZoneInfo("Asia/Ho_Chi_Minh"))
    monkeypatch.setattr(clock, "now_local", lambda: moment)


def load_seed(runner, name: str):
    """Load ``campaigns/<name>.yaml`` with the command line; return the campaign."""
    from service.models import Campaign

    result = runner.invoke(args=["load-campaign", str(CAMPAIGNS_DIR / f"{name}.yaml")])
    assert result.exit_code == 0, result.output
    db.session.expire_all()
    return db.session.scalar(sa.select(Campaign).order_by(Campaign.id.desc()).limit(1))


def unit(code: str):
    from service.models import Unit

    return db.session.scalar(sa.select(Unit).where(Unit.code == code))


class People:
    """Accounts of one campaign: a clerk, a council secretary and a head per unit, plus the agency."""

    def __init__(self, client, make_user, campaign) -> None:
        self.client = client
        self.make_user = make_user
        self.campaign = campaign
        self.apis: dict[str, ApiClient] = {}
        self.make_user(f"thamdinh-{campaign.id}", "reviewer", campaign.standing_agency, "Nguyễn Thị Thẩm Định")
        self.make_user(f"pheduyet-{campaign.id}", "approver", campaign.authority, "Trần Văn Phê Duyệt")
        self.make_user(f"quantri-{campaign.id}", "admin", campaign.authority, "Quản Trị Viên")
        db.session.commit()

    def api(self, username: str) -> ApiClient:
        if username not in self.apis:
            self.apis[username] = ApiClient(self.client, username)
        return self.apis[username]

    @property
    def reviewer(self) -> ApiClient:
        return self.api(f"thamdinh-{self.campaign.id}")

    @property
    def approver(self) -> ApiClient:
        return self.api(f"pheduyet-{self.campaign.id}")

    @property
    def admin(self) -> ApiClient:
        return self.api(f"quantri-{self.campaign.id}")

    def staff(self, code: str) -> dict[str, ApiClient]:
        names = {role: f"{role}-{code}" for role in ("clerk", "secretary", "head")}
        if names["clerk"] not in self.apis:
            place = unit(code)
            self.make_user(names["clerk"], "unit_clerk", place)
            self.make_user(names["secretary"], "council_secretary", place)
            self.make_user(names["head"], "unit_head", place)
            db.session.commit()
        return {role: self.api(name) for role, name in names.items()}


def fire(api: ApiClient, dossier_id: int, trigger: str, expected_state: str, status: int = 201, **extra) -> Any:
    response = api.post(f"/api/v1/dossiers/{dossier_id}/transitions",
                        json={"trigger": trigger, "expected_state": expected_state, **extra})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def fire_round(api: ApiClient, round_id: int, trigger: str, expected_state: str, status: int = 201,
               **extra) -> Any:
    for key, value in list(extra.items()):
        if isinstance(value, dt.date):
            extra[key] = value.isoformat()
    response = api.post(f"/api/v1/rounds/{round_id}/transitions",
                        json={"trigger": trigger, "expected_state": expected_state, **extra})
    assert response.status_code == status, response.get_json()
    return response.get_json()


def send_dossier(people: People, code: str, round_id: int, nominees: list[dict[str, Any]],
                 votes: dict[int, int] | None = None, *, total: int = 9, present: int = 9,
                 submit: bool = True) -> tuple[int, list[int]]:
    """Draft, council, documents and submission of one unit's dossier; returns (dossier id, nominee ids).

    ``votes`` maps a nominee's index in ``nominees`` to its votes in favour;
    the others get every vote of the members present.
    """
    staff = people.staff(code)
    clerk, secretary, head = staff["clerk"], staff["secretary"], staff["head"]
    created = clerk.post("/api/v1/dossiers", json={"campaign_id": people.campaign.id, "round_id": round_id})
    assert created.status_code == 201, created.get_json()
    dossier_id = created.get_json()["id"]
    assert created.get_json()["round_id"] == round_id
    ids = []
    for payload in nominees:
        response = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=payload)
        assert response.status_code == 201, response.get_json()
        ids.append(response.get_json()["id"])
    fire(clerk, dossier_id, "send_to_council", "drafting")
    counts = {ids[i]: present for i in range(len(ids))}
    counts.update({ids[i]: v for i, v in (votes or {}).items()})
    meeting = secretary.put(f"/api/v1/dossiers/{dossier_id}/meeting",
                            json=meeting_payload(ids, total=total, present=present, votes=counts))
    assert meeting.status_code == 200, meeting.get_json()
    fire(secretary, dossier_id, "finalize_minutes", "council_minutes")
    details = head.patch(f"/api/v1/dossiers/{dossier_id}",
                         json={"expected_version": head.get(f"/api/v1/dossiers/{dossier_id}").get_json()["version"],
                               "to_trinh_number": 7, "bien_ban_number": 3})
    assert details.status_code == 200, details.get_json()
    generated = head.post(f"/api/v1/dossiers/{dossier_id}/documents", json={})
    assert generated.status_code == 201, generated.get_json()
    if submit:
        fire(head, dossier_id, "submit", "ready")
    return dossier_id, ids


def review(people: People, dossier_id: int, verdict: str = "accept", comment: str | None = None) -> None:
    fire(people.reviewer, dossier_id, "start_review", "submitted")
    extra = {"comment": comment} if comment else {}
    fire(people.reviewer, dossier_id, verdict, "under_review", **extra)


def collective(name: str, award_form: str, metrics: dict[str, Any], summary: str = "Hoàn thành tốt chỉ tiêu.",
               workplace: str = "") -> dict[str, Any]:
    return {"kind": "collective", "full_name": name, "award_form": award_form, "metrics": metrics,
            "achievement_summary": summary, "workplace": workplace}


def person(name: str, gender: str, position: str, workplace: str, award_form: str, metrics: dict[str, Any],
           summary: str = "Hoàn thành xuất sắc nhiệm vụ được giao.") -> dict[str, Any]:
    return {"kind": "individual", "full_name": name, "gender": gender, "position": position,
            "workplace": workplace, "award_form": award_form, "metrics": metrics, "achievement_summary": summary}


def round_of(campaign, code: str) -> int:
    return next(r.id for r in campaign.rounds if r.code == code)


def ranking(api: ApiClient, round_id: int) -> dict[str, Any]:
    response = api.get(f"/api/v1/rounds/{round_id}/ranking")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by_name(listing: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {row["full_name"]: row for row in listing["nominees"]}
