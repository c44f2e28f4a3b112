"""The register of people: individuals and collectives kept once, across campaigns and units.

A nominee picked from the register points at its person (``Nominee.person_id``); a nominee typed
afresh is matched to the register by :func:`find_or_create_person` when its award is recorded, so the
same person keeps one history. Matching is deliberately strict (same unit, same kind, same name
without diacritics, same gender): a wrong merge would give one person another's awards, while a
missed one only leaves a duplicate an administrator can see.
"""
from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from .. import access, audit
from ..clock import today_local
from ..db import db
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import Person, PersonPlacement, Unit, User
from ..text import fold_name


def matching_person(*, kind: str, full_name: str, unit_id: int, gender: Optional[str] = None) -> Optional[Person]:
    """The active register record of the same individual or collective in ``unit_id``, if exactly one."""
    query = sa.select(Person).where(Person.unit_id == unit_id, Person.kind == kind,
                                    Person.name_folded == fold_name(full_name), Person.is_active.is_(True))
    if kind == "individual" and gender is not None:
        query = query.where(sa.or_(Person.gender == gender, Person.gender.is_(None)))
    found = db.session.scalars(query.limit(2)).all()
    return found[0] if len(found) == 1 else None


def create_person(actor: Optional[User], *, kind: str, full_name: str, unit_id: int, gender: Optional[str] = None,
                  position: str = "", birth_date: Optional[dt.date] = None, id_number: Optional[str] = None,
                  is_whole_unit: bool = False, started_on: Optional[dt.date] = None) -> Person:
    """Write a new person into the register, placed in ``unit_id`` from ``started_on`` (today)."""
    person = Person(kind=kind, full_name=full_name, name_folded=fold_name(full_name), unit_id=unit_id,
                    gender=gender if kind == "individual" else None, position=position or "",
                    birth_date=birth_date if kind == "individual" else None,
                    id_number=id_number if kind == "individual" else None, is_whole_unit=is_whole_unit,
                    created_by_id=actor.id if actor is not None else None)
    person.placements.append(PersonPlacement(unit_id=unit_id, position=position or "",
                                             started_on=started_on or today_local()))
    db.session.add(person)
    db.session.flush()
    audit.record(actor, "person.create", person, subject=full_name,
                 changes=audit.created({"full_name": full_name, "kind": kind, "position": position or ""}))
    return person


def find_or_create_person(actor: Optional[User], *, kind: str, full_name: str, unit_id: int,
                          gender: Optional[str] = None, position: str = "") -> Person:
    """The register's record of this individual or collective in ``unit_id``, made if there is none."""
    person = matching_person(kind=kind, full_name=full_name, unit_id=unit_id, gender=gender)
    if person is not None:
        return person
    return create_person(actor, kind=kind, full_name=full_name, unit_id=unit_id, gender=gender, position=position)


PERSON_FIELDS = ("full_name", "gender", "birth_date", "position", "id_number", "is_whole_unit", "is_active")
# Personal data (Decree 13/2023/NĐ-CP): the audit trail records that it changed, not its value.
PERSONAL_FIELDS = ("birth_date", "id_number")


def _audited(person: Person) -> dict:
    values = {name: getattr(person, name) for name in PERSON_FIELDS}
    for name in PERSONAL_FIELDS:
        values[name] = "(đã ghi)" if values[name] is not None else None
    return values


def add_person(actor: User, data: dict) -> Person:
    """A person typed into the register by ``actor`` (validated by the schema)."""
    unit_id = data.get("unit_id") or actor.unit_id
    if db.session.get(Unit, unit_id) is None:
        raise NotFound(f"Không tìm thấy đơn vị số {unit_id}.")
    if not access.can_manage_people(actor, unit_id):
        raise Forbidden("Chỉ văn thư, thủ trưởng của đơn vị và quản trị hệ thống mới được ghi sổ cá nhân, tập thể "
                        "của đơn vị.")
    person = create_person(actor, kind=data["kind"], full_name=data["full_name"], unit_id=unit_id,
                           gender=data.get("gender"), position=data.get("position", ""),
                           birth_date=data.get("birth_date"), id_number=data.get("id_number") or None,
                           is_whole_unit=data.get("is_whole_unit", False))
    if person.birth_date is not None or person.id_number is not None:
        audit.record(actor, "person.update", person, subject=person.full_name,
                     changes=audit.diff({}, {k: v for k, v in _audited(person).items() if k in PERSONAL_FIELDS}))
    return person


def update_person(actor: User, person: Person, data: dict) -> Person:
    if not access.can_manage_people(actor, person.unit_id):
        raise Forbidden("Chỉ văn thư, thủ trưởng của đơn vị và quản trị hệ thống mới được sửa sổ cá nhân, tập thể "
                        "của đơn vị.")
    if person.kind == "collective":
        wrong = {name: ["Tập thể không có trường này."] for name in ("gender", "birth_date", "id_number")
                 if data.get(name) is not None}
        if wrong:
            raise ValidationFailed("Tập thể không có giới tính, ngày sinh, số định danh.", fields=wrong)
    before = _audited(person)
    for name in PERSON_FIELDS:
        if name in data:
            setattr(person, name, data[name] if name != "id_number" else (data[name] or None))
    person.name_folded = fold_name(person.full_name)
    if "position" in data and person.placements:
        current = person.placements[-1]
        if current.ended_on is None:
            current.position = person.position
    db.session.flush()
    audit.record(actor, "person.update", person, subject=person.full_name, changes=audit.diff(before, _audited(person)))
    return person


def transfer_person(actor: User, person: Person, data: dict) -> Person:
    """Move ``person`` to another unit: the current placement ends the day before, a new one starts."""
    if not access.can_manage_people(actor, person.unit_id):
        raise Forbidden("Chỉ văn thư, thủ trưởng của đơn vị đang quản lý và quản trị hệ thống mới được chuyển "
                        "người này sang đơn vị khác.")
    target = db.session.get(Unit, data["unit_id"])
    if target is None:
        raise ValidationFailed("Không có đơn vị này.", fields={"unit_id": [f"Không tìm thấy đơn vị số "
                                                                              f"{data['unit_id']}."]})
    if target.id == person.unit_id:
        raise ValidationFailed("Người này đã thuộc đơn vị đó.", fields={"unit_id": ["Phải là một đơn vị khác."]})
    started_on = data.get("started_on") or today_local()
    current = next((p for p in person.placements if p.ended_on is None), None)
    if current is not None:
        if started_on <= current.started_on:
            raise ValidationFailed("Ngày chuyển phải sau ngày bắt đầu ở đơn vị hiện tại.",
                                   fields={"started_on": [f"Phải sau {current.started_on:%d/%m/%Y}."]})
        current.ended_on = started_on - dt.timedelta(days=1)
    old_unit = person.unit_id
    position = data.get("position", person.position) or ""
    person.placements.append(PersonPlacement(unit_id=target.id, position=position, started_on=started_on))
    person.unit_id, person.position = target.id, position
    db.session.flush()
    audit.record(actor, "person.transfer", person, subject=person.full_name,
                 changes=audit.diff({"unit_id": old_unit, "started_on": None},
                                    {"unit_id": target.id, "started_on": started_on}))
    return person


def search_people(actor: User, *, q: str = "", kind: Optional[str] = None, page: int = 1,
                  page_size: int = 50) -> tuple[list[Person], int]:
    """The people ``actor`` may list, whose name (with or without diacritics) contains ``q``, a page of them."""
    condition = access.visible_people_filter(actor)
    folded = fold_name(q or "").strip()
    if folded:
        escaped = folded.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
        condition = sa.and_(condition, Person.name_folded.like(f"%{escaped}%", escape="\\"))
    if kind:
        condition = sa.and_(condition, Person.kind == kind)
    total = db.session.scalar(sa.select(sa.func.count(Person.id)).where(condition)) or 0
    # Ordered by an expression, not the column: walking the name index in order and filtering is what a
    # planner prefers for LIMIT 50, and it reads most of the table when few names match (bench/bench_people.py).
    rows = db.session.scalars(sa.select(Person).where(condition).order_by(Person.name_folded + "", Person.id)
                              .offset((page - 1) * page_size).limit(page_size)).all()
    return list(rows), total


def load_person(actor: User, person_id: int) -> Person:
    """The person if ``actor`` may see them; otherwise 404, as if they did not exist."""
    person = db.session.get(Person, person_id)
    if person is None or not access.can_view_person(actor, person):
        raise NotFound(f"Không tìm thấy người (tập thể) số {person_id} trong sổ.")
    return person


def person_for_nominee(actor: Optional[User], *, unit_id: int, kind: str, full_name: str,
                       gender: Optional[str] = None, position: str = "", person_id: Optional[int] = None) -> Person:
    """The register record a new nominee of ``unit_id`` points at: the one picked (``person_id``), else the one
    matching by name, else a new one. Two that match are not guessed between: the clerk picks one."""
    if person_id is not None:
        person = db.session.get(Person, person_id)
        if person is None or person.unit_id != unit_id or not person.is_active:
            raise ValidationFailed("Người được chọn không có trong sổ của đơn vị.",
                                   fields={"person_id": ["Chọn một người trong sổ cá nhân, tập thể của đơn vị."]})
        if person.kind != kind:
            raise ValidationFailed("Người được chọn không cùng loại (cá nhân, tập thể) với người được đề nghị.",
                                   fields={"person_id": ["Khác loại cá nhân, tập thể."]})
        return person
    query = sa.select(Person).where(Person.unit_id == unit_id, Person.kind == kind,
                                    Person.name_folded == fold_name(full_name), Person.is_active.is_(True))
    if kind == "individual" and gender is not None:
        query = query.where(sa.or_(Person.gender == gender, Person.gender.is_(None)))
    found = db.session.scalars(query.order_by(Person.id).limit(10)).all()
    if len(found) > 1:
        raise ValidationFailed(
            f"Sổ của đơn vị có {len(found)} người cùng tên “{full_name}”; hãy chọn đúng người trong ô tìm kiếm.",
            code="person_ambiguous", fields={"person_id": ["Chọn một trong những người cùng tên."]},
            details={"candidates": [p.id for p in found]})
    if found:
        return found[0]
    return create_person(actor, kind=kind, full_name=full_name, unit_id=unit_id, gender=gender, position=position)
