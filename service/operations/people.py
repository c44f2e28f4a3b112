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

from .. import audit
from ..clock import today_local
from ..db import db
from ..models import Person, PersonPlacement, User
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
