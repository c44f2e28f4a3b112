"""Lists stay small and cheap: the home page, the dossier list API and a dossier's nominees come a page at
a time, and the number of SQL statements each runs does not grow with the number of dossiers or nominees."""
from __future__ import annotations

import contextlib
import re
from typing import Iterator

import pytest
import sqlalchemy as sa

from conftest import COLLECTIVE
from service.db import db
from service.models import Dossier, Nominee
from web_helpers import web  # noqa: F401 - fixture


@contextlib.contextmanager
def statements() -> Iterator[list[str]]:
    """The SQL statements run while the block runs."""
    seen: list[str] = []

    def count(conn, cursor, statement, parameters, context, executemany):
        seen.append(statement)
    sa.event.listen(db.engine, "before_cursor_execute", count)
    try:
        yield seen
    finally:
        sa.event.remove(db.engine, "before_cursor_execute", count)


def _submitted_dossiers(world, make_unit, count: int, nominees_each: int = 2) -> list[int]:
    """``count`` dossiers of new units, sent to the agency, in the round of a first dossier made through the API."""
    first = db.session.scalar(sa.select(Dossier).where(Dossier.campaign_id == world["campaign"].id))
    ids = []
    for _ in range(count):
        unit = make_unit()
        dossier = Dossier(campaign_id=first.campaign_id, round_id=first.round_id, unit_id=unit.id, state="submitted",
                          created_by_id=world["users"]["admin"].id)
        db.session.add(dossier)
        db.session.flush()
        for number in range(nominees_each):
            db.session.add(Nominee(dossier_id=dossier.id, kind="collective", full_name=f"Tập thể {number}",
                                   award_form="giay_khen_tap_the", position_in_list=number,
                                   metric_values=COLLECTIVE["metrics"]))
        ids.append(dossier.id)
    db.session.commit()
    return ids


@pytest.fixture
def first_dossier(as_user, world) -> int:
    created = as_user("clerk").post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id})
    assert created.status_code == 201
    return created.get_json()["id"]


# --- GET /api/v1/dossiers ----------------------------------------------------------------------

def test_the_dossier_list_api_comes_a_page_at_a_time(as_user, world, make_unit, first_dossier):
    ids = _submitted_dossiers(world, make_unit, 3)
    admin = as_user("admin")
    everything = admin.get("/api/v1/dossiers")
    assert [d["id"] for d in everything.get_json()] == [first_dossier, *ids]
    assert everything.headers["X-Total-Count"] == "4" and "Link" not in everything.headers

    first = admin.get(f"/api/v1/dossiers?campaign_id={world['campaign'].id}&page_size=2")
    assert [d["id"] for d in first.get_json()] == [first_dossier, ids[0]]
    assert first.headers["X-Total-Count"] == "4"
    assert 'rel="next"' in first.headers["Link"] and "page=2" in first.headers["Link"]
    assert f"campaign_id={world['campaign'].id}" in first.headers["Link"] and 'rel="prev"' not in first.headers["Link"]

    second = admin.get("/api/v1/dossiers?page_size=2&page=2")
    assert [d["id"] for d in second.get_json()] == ids[1:]
    assert 'rel="prev"' in second.headers["Link"] and 'rel="next"' not in second.headers["Link"]
    assert admin.get("/api/v1/dossiers?page_size=2&page=9").get_json() == []


@pytest.mark.parametrize("query", ["page=0", "page=abc", "page_size=0", "page_size=501", "page=99999999999"])
def test_a_bad_page_is_a_vietnamese_422(as_user, world, query):
    response = as_user("admin").get(f"/api/v1/dossiers?{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    field = query.split("=")[0]
    assert field in error["fields"] and re.search(r"[ảạấếộờữđ]|Phải", str(error["fields"][field]))


def test_the_dossier_list_api_runs_the_same_queries_for_ten_dossiers_as_for_two(as_user, world, make_unit,
                                                                                first_dossier):
    reviewer = as_user("reviewer")
    _submitted_dossiers(world, make_unit, 2)
    with statements() as few:
        assert len(reviewer.get(f"/api/v1/dossiers?campaign_id={world['campaign'].id}").get_json()) == 2
    _submitted_dossiers(world, make_unit, 8)
    with statements() as many:
        assert len(reviewer.get(f"/api/v1/dossiers?campaign_id={world['campaign'].id}").get_json()) == 10
    assert len(many) == len(few), many


# --- the home page ----------------------------------------------------------------------------------

def test_the_reviewers_home_page_runs_the_same_queries_for_ten_dossiers_as_for_two(web, world, make_unit,
                                                                                   first_dossier):
    reviewer = web("reviewer")
    _submitted_dossiers(world, make_unit, 2)
    with statements() as few:
        page = reviewer.get("/").get_data(as_text=True)
    assert page.count("Hồ sơ số") >= 2
    _submitted_dossiers(world, make_unit, 8, nominees_each=20)
    with statements() as many:
        page = reviewer.get("/").get_data(as_text=True)
    assert "Việc của bạn: Tiếp nhận" in page or "Việc của bạn" in page
    assert len(many) == len(few), many


def test_the_home_page_lists_dossiers_fifty_at_a_time(web, world, make_unit, first_dossier):
    ids = _submitted_dossiers(world, make_unit, 55, nominees_each=0)
    reviewer = web("reviewer")
    first = reviewer.get("/").get_data(as_text=True)
    table = first.split('id="tat-ca-ho-so"')[1]
    assert table.count("Hồ sơ số ") == 50
    assert "Đang xem 1–50 trên 55" in table and "?trang=2" in table
    second = reviewer.get("/?trang=2").get_data(as_text=True).split('id="tat-ca-ho-so"')[1]
    assert table.count(f"Hồ sơ số {ids[0]}<") == 1 and second.count("Hồ sơ số ") == 5
    # The to-do list shows the first twenty waiting for the reviewer and says how many there are.
    todo = first.split('id="viec-can-lam"')[1].split('id="tat-ca-ho-so"')[0]
    assert todo.count("Mở hồ sơ") == 20 and "trên 55 hồ sơ chờ bạn" in todo
    for nonsense in ("0", "-1", "abc", "99999999999", "999"):
        assert reviewer.get(f"/?trang={nonsense}").status_code == 200


# --- the dossier page ---------------------------------------------------------------------------------

def test_a_dossier_page_shows_its_nominees_fifty_at_a_time(web, world, make_unit, first_dossier):
    dossier = db.session.get(Dossier, first_dossier)
    for number in range(120):
        db.session.add(Nominee(dossier_id=dossier.id, kind="collective", full_name=f"Tập thể số {number:03d}",
                               award_form="giay_khen_tap_the", position_in_list=number,
                               metric_values=COLLECTIVE["metrics"]))
    db.session.commit()
    ids = list(db.session.scalars(sa.select(Nominee.id).where(Nominee.dossier_id == dossier.id)
                                  .order_by(Nominee.position_in_list, Nominee.id)))
    clerk = web("clerk")
    first = clerk.get(f"/ho-so/{dossier.id}").get_data(as_text=True)
    assert "Người được đề nghị khen thưởng (120)" in first
    assert len(re.findall(r'id="nguoi-\d+"', first)) == 50 and "Tập thể số 049" in first
    assert "Tập thể số 050" not in first and "Và 110 người khác cũng còn thiếu thông tin." in first
    assert "Đang xem 1–50 trên 120" in first
    third = clerk.get(f"/ho-so/{dossier.id}?trang=3").get_data(as_text=True)
    assert len(re.findall(r'id="nguoi-\d+"', third)) == 20 and "Tập thể số 119" in third
    assert '<td data-label="STT">101</td>' in third
    # Asking to edit a nominee opens the page that holds it, with its form open.
    editing = clerk.get(f"/ho-so/{dossier.id}?sua={ids[75]}").get_data(as_text=True)
    assert "Tập thể số 075" in editing and "Đang xem 51–100 trên 120" in editing
    assert re.search(rf'id="sua-{ids[75]}"(?![^>]*hidden)', editing)
    with statements() as few:
        clerk.get(f"/ho-so/{dossier.id}?trang=2")
    for number in range(120, 400):
        db.session.add(Nominee(dossier_id=dossier.id, kind="collective", full_name=f"Tập thể số {number:03d}",
                               award_form="giay_khen_tap_the", position_in_list=number,
                               metric_values=COLLECTIVE["metrics"]))
    db.session.commit()
    with statements() as many:
        assert clerk.get(f"/ho-so/{dossier.id}?trang=2").status_code == 200
    assert len(many) == len(few), many


@pytest.mark.parametrize("query", ["trang=0", "trang=-1", "trang=abc", "trang=99999999999", "trang=%00",
                                   "sua=abc", "sua=999999", "sua=-3", "trang=2&sua=1"])
def test_hostile_page_and_edit_numbers_show_a_page(web, world, first_dossier, query):
    page = web("clerk").get(f"/ho-so/{first_dossier}?{query}")
    assert page.status_code == 200 and "Người được đề nghị khen thưởng (0)" in page.get_data(as_text=True)


def test_the_admins_home_page_lists_units_and_users_fifty_at_a_time(web, world, make_unit):
    for _ in range(60):
        make_unit()
    db.session.commit()
    admin = web("admin")
    units = admin.get("/").get_data(as_text=True).split('id="don-vi"')[1].split('id="nguoi-dung"')[0]
    assert "Đơn vị (64)" in units and units.count("<code>") == 50 and "trang_don_vi=2" in units
    second = admin.get("/?trang_don_vi=2").get_data(as_text=True).split('id="don-vi"')[1].split('id="nguoi-dung"')[0]
    assert second.count("<code>") == 14
