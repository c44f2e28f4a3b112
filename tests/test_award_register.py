"""The award register's look-up: search by name with or without diacritics, histories, scope."""
from __future__ import annotations

import datetime as dt

from service.db import db
from service.models import AwardRecord
from service.operations.people import create_person


def _award(person, *, form_code="giay_khen_ca_nhan", year=2024, number="12/QĐ-UBND", campaign=None,
           authority=None, unit=None):
    record = AwardRecord(
        person_id=person.id, recipient_kind=person.kind, recipient_name=person.full_name,
        name_folded=person.name_folded, gender=person.gender, unit_id=(unit or person).id if unit else person.unit_id,
        form_code=form_code, form_name="Giấy khen", family="commendation", year=year,
        decision_number=number, decision_date=dt.date(year, 12, 1), source="manual",
        campaign_id=campaign.id if campaign else None, authority_id=authority.id if authority else None,
        authority_name=authority.name if authority else "")
    db.session.add(record)
    db.session.flush()
    return record


def _people(world):
    an = create_person(None, kind="individual", full_name="Nguyễn Văn An", unit_id=world["unit_a"].id, gender="male")
    duc = create_person(None, kind="individual", full_name="Trần Đức Minh", unit_id=world["unit_a"].id, gender="male")
    other = create_person(None, kind="individual", full_name="Nguyễn Văn Ân", unit_id=world["unit_b"].id,
                          gender="male")
    records = {"an": _award(an, year=2023, number="5/QĐ-UBND"), "an2": _award(an, year=2024),
               "duc": _award(duc, campaign=world["campaign"], form_code="bang_khen"),
               "other": _award(other, year=2022, number="9/QĐ-UBND")}
    db.session.commit()
    return {"an": an, "duc": duc, "other": other, **{f"r_{k}": v for k, v in records.items()}}


def _names(response):
    assert response.status_code == 200, response.get_json()
    return [item["recipient_name"] for item in response.get_json()["items"]]


def test_search_without_and_with_diacritics(as_user, world):
    _people(world)
    admin = as_user("admin")
    assert sorted(_names(admin.get("/api/v1/awards?name=nguyen van an"))) == [
        "Nguyễn Văn An", "Nguyễn Văn An", "Nguyễn Văn Ân"]
    assert _names(admin.get("/api/v1/awards?name=Nguyễn Văn Ân")) == _names(admin.get("/api/v1/awards?name=nguyen van an"))
    assert _names(admin.get("/api/v1/awards?name=duc")) == ["Trần Đức Minh"]
    assert _names(admin.get("/api/v1/awards?name=ĐỨC")) == ["Trần Đức Minh"]
    # A "%" typed in a name is a character, not a wildcard.
    assert _names(admin.get("/api/v1/awards?name=%25")) == []


def test_search_filters_and_paging(as_user, world):
    people = _people(world)
    admin = as_user("admin")
    assert _names(admin.get("/api/v1/awards?year=2022")) == ["Nguyễn Văn Ân"]
    assert _names(admin.get("/api/v1/awards?decision_number=5/QĐ-UBND")) == ["Nguyễn Văn An"]
    assert _names(admin.get("/api/v1/awards?form_code=bang_khen")) == ["Trần Đức Minh"]
    assert len(_names(admin.get(f"/api/v1/awards?unit_id={world['unit_b'].id}"))) == 1
    first = admin.get("/api/v1/awards?page_size=2").get_json()
    second = admin.get("/api/v1/awards?page_size=2&page=2").get_json()
    assert first["has_next"] and not second["has_next"]
    ids = [i["id"] for i in first["items"] + second["items"]]
    assert sorted(ids) == sorted(r.id for k, r in people.items() if k.startswith("r_"))
    # Newest decision first.
    assert first["items"][0]["decision_date"] >= first["items"][1]["decision_date"]


def test_search_refuses_bad_arguments_in_vietnamese(as_user, world):
    response = as_user("admin").get("/api/v1/awards?year=1800")
    assert response.status_code == 422
    assert "1945" in str(response.get_json())


def test_scope_of_search(as_user, world):
    _people(world)
    # A unit sees its own people's awards only.
    assert sorted(_names(as_user("clerk").get("/api/v1/awards?name=nguyen van"))) == ["Nguyễn Văn An"] * 2
    assert _names(as_user("clerk_b").get("/api/v1/awards?name=nguyen van")) == ["Nguyễn Văn Ân"]
    # The agency sees the awards of its campaigns; an agency of nothing sees nothing.
    assert _names(as_user("reviewer").get("/api/v1/awards")) == ["Trần Đức Minh"]
    assert _names(as_user("outsider_reviewer").get("/api/v1/awards")) == []


def test_person_history_is_a_timeline_within_scope(as_user, world):
    people = _people(world)
    url = f"/api/v1/people/{people['an'].id}/awards"
    response = as_user("clerk").get(url)
    assert response.status_code == 200
    assert [(i["year"], i["decision_number"]) for i in response.get_json()] == [(2023, "5/QĐ-UBND"),
                                                                             (2024, "12/QĐ-UBND")]
    refused = as_user("clerk_b").get(url)
    assert refused.status_code == 404 and "Không tìm thấy" in refused.get_json()["error"]["message"]
    assert as_user("clerk").get("/api/v1/people/999999/awards").status_code == 404
    # The agency reads the awards of its campaigns only.
    assert as_user("reviewer").get(url).get_json() == []
    assert len(as_user("reviewer").get(f"/api/v1/people/{people['duc'].id}/awards").get_json()) == 1


def test_unit_history(as_user, world):
    _people(world)
    url = f"/api/v1/units/{world['unit_a'].id}/awards"
    assert [i["recipient_name"] for i in as_user("admin").get(url).get_json()] == [
        "Nguyễn Văn An", "Nguyễn Văn An", "Trần Đức Minh"]
    assert as_user("clerk_b").get(url).get_json() == []
