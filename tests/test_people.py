"""The register of people through the API and its operations: search with or without diacritics, paging,
add, correct, transfer with history, personal data shown only to whom Decree 13/2023 allows, bad input."""
from __future__ import annotations

import datetime as dt

import sqlalchemy as sa

from service.db import db
from service.models import AuditEvent, Person, PersonPlacement

ANH = {"kind": "individual", "full_name": "Nguyễn Văn Đức", "gender": "male", "position": "Công chức",
       "birth_date": "1980-05-01", "id_number": "001080012345"}


def counts():
    return (db.session.scalar(sa.select(sa.func.count(Person.id))),
            db.session.scalar(sa.select(sa.func.count(PersonPlacement.id))),
            db.session.scalar(sa.select(sa.func.count(AuditEvent.id))))


def test_clerk_adds_and_finds_a_person_without_diacritics(as_user, world):
    clerk = as_user("clerk")
    created = clerk.post("/api/v1/people", json=ANH)
    assert created.status_code == 201, created.get_json()
    body = created.get_json()
    assert body["unit_id"] == world["unit_a"].id and body["birth_date"] == "1980-05-01"
    assert body["placements"][0]["ended_on"] is None
    for query in ("duc", "NGUYEN VAN", "Đức"):
        found = clerk.get("/api/v1/people", query_string={"q": query})
        assert found.status_code == 200 and [p["id"] for p in found.get_json()] == [body["id"]], query
        assert found.headers["X-Total-Count"] == "1"
    assert clerk.get("/api/v1/people", query_string={"q": "lan"}).get_json() == []
    assert db.session.scalar(sa.select(AuditEvent.action).where(AuditEvent.action == "person.create")) == "person.create"


def test_paging(as_user):
    clerk = as_user("clerk")
    for number in range(5):
        assert clerk.post("/api/v1/people", json={"kind": "collective", "full_name": f"Tổ dân phố {number}"}
                          ).status_code == 201
    page = clerk.get("/api/v1/people", query_string={"q": "to dan", "page": 2, "page_size": 2})
    assert page.headers["X-Total-Count"] == "5"
    assert [p["full_name"] for p in page.get_json()] == ["Tổ dân phố 2", "Tổ dân phố 3"]


def test_other_unit_cannot_read_and_sees_no_personal_data(as_user, world):
    person_id = as_user("clerk").post("/api/v1/people", json=ANH).get_json()["id"]
    assert as_user("clerk_b").get(f"/api/v1/people/{person_id}").status_code == 404
    assert as_user("clerk_b").get("/api/v1/people", query_string={"q": "duc"}).get_json() == []
    assert as_user("clerk_b").patch(f"/api/v1/people/{person_id}", json={"position": "X"}).status_code == 404
    assert as_user("reviewer").get(f"/api/v1/people/{person_id}").status_code == 404
    admin = as_user("admin").get(f"/api/v1/people/{person_id}").get_json()
    assert admin["id_number"] == "001080012345"


def test_presenter_drops_personal_fields_for_others(app, world):
    from service import presenters
    from service.operations import people as ops

    person = ops.create_person(None, kind="individual", full_name="Lê Thị Lan", unit_id=world["unit_a"].id,
                               gender="female", birth_date=dt.date(1990, 1, 2), id_number="001190000001")
    shown = presenters.person(person, world["users"]["reviewer"])
    assert "birth_date" not in shown and "id_number" not in shown
    assert presenters.person(person, world["users"]["secretary"])["birth_date"] == dt.date(1990, 1, 2)


def test_patch_audits_and_refolds_name(as_user):
    clerk = as_user("clerk")
    person_id = clerk.post("/api/v1/people", json=ANH).get_json()["id"]
    changed = clerk.patch(f"/api/v1/people/{person_id}", json={"full_name": "Trần Văn Bình", "position": "Trưởng"})
    assert changed.status_code == 200, changed.get_json()
    assert [p["id"] for p in clerk.get("/api/v1/people", query_string={"q": "tran van binh"}).get_json()] == [person_id]
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "person.update")
                               .order_by(AuditEvent.id.desc())).first()
    assert event.changes["full_name"] == {"old": "Nguyễn Văn Đức", "new": "Trần Văn Bình"}
    assert as_user("secretary").patch(f"/api/v1/people/{person_id}", json={"position": "X"}).status_code == 403


def test_transfer_keeps_history(as_user, world):
    clerk = as_user("clerk")
    person_id = clerk.post("/api/v1/people", json=ANH).get_json()["id"]
    db.session.execute(sa.update(PersonPlacement).values(started_on=dt.date(2020, 1, 1)))
    db.session.commit()
    moved = clerk.post(f"/api/v1/people/{person_id}/transfers",
                       json={"unit_id": world["unit_b"].id, "position": "Phó Chủ tịch", "started_on": "2024-07-01"})
    assert moved.status_code == 201, moved.get_json()
    body = moved.get_json()
    assert body["unit_id"] == world["unit_b"].id
    assert [(p["unit_id"], p["started_on"], p["ended_on"]) for p in body["placements"]] == [
        (world["unit_a"].id, "2020-01-01", "2024-06-30"), (world["unit_b"].id, "2024-07-01", None)]
    # Now unit B's: unit A no longer reads it, unit B does.
    assert clerk.get(f"/api/v1/people/{person_id}").status_code == 404
    assert as_user("clerk_b").get(f"/api/v1/people/{person_id}").get_json()["birth_date"] == "1980-05-01"
    assert db.session.scalar(sa.select(sa.func.count(AuditEvent.id)).where(AuditEvent.action == "person.transfer")) == 1


def test_bad_input_is_refused_per_field_and_writes_nothing(as_user, world):
    clerk = as_user("clerk")
    before = counts()
    future = (dt.date.today() + dt.timedelta(days=2)).isoformat()
    cases = {
        "full_name": {**ANH, "full_name": "Nguyễn\x07Văn"},
        "birth_date": {**ANH, "birth_date": future},
        "gender": {**ANH, "gender": "unknown"},
        "id_number": {**ANH, "id_number": "12AB"},
        "kind": {**ANH, "kind": "robot"},
    }
    for field, payload in cases.items():
        response = clerk.post("/api/v1/people", json=payload)
        assert response.status_code == 422, (field, response.get_json())
        error = response.get_json()["error"]
        assert field in error["fields"], (field, error)
        assert all(ord(c) < 128 or c.isalpha() or c in "“”…–" for c in error["message"])
    collective = clerk.post("/api/v1/people", json={"kind": "collective", "full_name": "Tổ 1", "gender": "male"})
    assert collective.status_code == 422 and "gender" in collective.get_json()["error"]["fields"]
    assert as_user("clerk_b").post("/api/v1/people", json={**ANH, "unit_id": world["unit_a"].id}).status_code == 403
    assert counts() == before
    person_id = clerk.post("/api/v1/people", json=ANH).get_json()["id"]
    before = counts()
    assert clerk.patch(f"/api/v1/people/{person_id}", json={"birth_date": future}).status_code == 422
    assert clerk.post(f"/api/v1/people/{person_id}/transfers", json={"unit_id": world["unit_a"].id}).status_code == 422
    assert clerk.post(f"/api/v1/people/{person_id}/transfers", json={"unit_id": 999999}).status_code == 422
    assert counts() == before


def test_find_or_create_person_reuses_the_register(app, world):
    from service.operations import people as ops

    first = ops.find_or_create_person(None, kind="individual", full_name="Lê Thị An", unit_id=world["unit_a"].id,
                                      gender="female")
    again = ops.find_or_create_person(None, kind="individual", full_name="le thi an", unit_id=world["unit_a"].id,
                                      gender="female")
    assert first.id == again.id


def _dossier(as_user, world):
    clerk = as_user("clerk")
    created = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id})
    assert created.status_code == 201, created.get_json()
    return clerk, created.get_json()["id"]


def test_nominees_point_at_the_register(as_user, world):
    from conftest import INDIVIDUALS

    clerk, dossier_id = _dossier(as_user, world)
    picked = clerk.post("/api/v1/people", json={**ANH, "full_name": "Trần Văn Ánh"}).get_json()["id"]
    # Typed with the same name: matched; picked: that one; a new name: written into the register.
    typed = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=INDIVIDUALS[0])
    assert typed.status_code == 201, typed.get_json()
    assert typed.get_json()["person_id"] == picked
    new = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=INDIVIDUALS[1]).get_json()
    assert new["person_id"] not in (None, picked)
    assert db.session.get(Person, new["person_id"]).full_name == "Lê Thị An"
    other = as_user("clerk_b").post("/api/v1/people", json=ANH).get_json()["id"]
    before = counts()
    refused = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json={**INDIVIDUALS[1], "person_id": other})
    assert refused.status_code == 422 and "person_id" in refused.get_json()["error"]["fields"]
    assert counts() == before


def test_two_people_of_the_same_name_ask_the_clerk_to_pick(as_user, world):
    from conftest import INDIVIDUALS
    from service.models import Nominee

    clerk, dossier_id = _dossier(as_user, world)
    ids = [clerk.post("/api/v1/people", json={**ANH, "full_name": "Lê Thị An", "gender": "female",
                                              "id_number": number}).get_json()["id"]
           for number in ("001190000001", "001190000002")]
    refused = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json=INDIVIDUALS[1])
    assert refused.status_code == 422
    error = refused.get_json()["error"]
    assert error["code"] == "person_ambiguous" and "chọn đúng người" in error["message"]
    assert db.session.scalar(sa.select(sa.func.count(Nominee.id))) == 0
    picked = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees", json={**INDIVIDUALS[1], "person_id": ids[1]})
    assert picked.status_code == 201 and picked.get_json()["person_id"] == ids[1]


def test_the_agency_handling_a_dossier_reads_its_nominees_people(as_user, world):
    from service.models import Nominee
    from test_api import _to_submitted

    dossier_id, nominee_ids = _to_submitted(as_user, world["campaign"].id)
    person_id = db.session.get(Nominee, nominee_ids[1]).person_id
    shown = as_user("reviewer").get(f"/api/v1/people/{person_id}")
    assert shown.status_code == 200 and "birth_date" in shown.get_json()
    assert as_user("outsider_reviewer").get(f"/api/v1/people/{person_id}").status_code == 404
    assert as_user("clerk_b").get(f"/api/v1/people/{person_id}").status_code == 404
