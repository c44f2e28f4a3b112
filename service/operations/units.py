"""Units kept by the administrator: their place in the tree, their names and the names they bore.

A unit is closed (``is_active`` false), never deleted: dossiers, accounts and
awards keep pointing to it. A former name holds until a date, so that documents
dated before a renaming or a merger (wards, 01/07/2025) print the old name
(service.models.Unit.names_on).
"""
from __future__ import annotations

import datetime as dt
from typing import Any

import sqlalchemy as sa

from .. import access, audit
from ..db import db
from ..errors import Forbidden, ValidationFailed
from ..models import UNIT_KINDS, Unit, UnitName, User

UNIT_FIELDS = ("code", "parent_id", "kind", "name", "short_name", "managing_body", "issuing_body", "place_name",
               "abbreviation", "council_name", "council_abbreviation", "signature_authority", "signature_title",
               "signer_name", "is_active")
ADMIN_ONLY = "Chỉ quản trị hệ thống mới được sửa danh sách đơn vị."


def _check(actor: User) -> None:
    if not access.can_manage_units(actor):
        raise Forbidden(ADMIN_ONLY)


def _values(unit: Unit) -> dict[str, Any]:
    return {name: getattr(unit, name) for name in UNIT_FIELDS}


def _check_parent(unit: Unit | None, parent_id: int | None) -> None:
    """The parent exists and is not the unit itself nor one of its descendants."""
    if parent_id is None:
        return
    parent = db.session.get(Unit, parent_id)
    if parent is None:
        raise ValidationFailed("Không có đơn vị cấp trên này.", fields={"parent_id": ["Không có đơn vị này."]})
    seen: set[int] = set()
    while parent is not None and unit is not None and parent.id not in seen:
        if parent.id == unit.id:
            raise ValidationFailed("Một đơn vị không thể là cấp trên của chính nó (trực tiếp hay gián tiếp).",
                                   fields={"parent_id": ["Đơn vị cấp trên đang nằm dưới chính đơn vị này."]})
        seen.add(parent.id)
        parent = parent.parent


def _apply(unit: Unit, data: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    if "kind" in data and data["kind"] not in UNIT_KINDS:
        errors["kind"] = ["Loại đơn vị không có trong danh sách."]
    if "code" in data and data["code"] != unit.code and db.session.scalar(
            sa.select(Unit.id).where(Unit.code == data["code"])) is not None:
        errors["code"] = [f"Mã đơn vị “{data['code']}” đã có."]
    if errors:
        raise ValidationFailed("Thông tin đơn vị chưa đúng.", fields=errors)
    _check_parent(unit if unit.id is not None else None, data.get("parent_id", unit.parent_id))
    for name in UNIT_FIELDS:
        if name in data:
            setattr(unit, name, data[name])


def create_unit(actor: User, data: dict[str, Any]) -> Unit:
    _check(actor)
    unit = Unit()
    _apply(unit, {"managing_body": "", "council_abbreviation": "HĐTĐKT", "signature_authority": "",
                  "is_active": True, **data})
    db.session.add(unit)
    db.session.flush()
    audit.record(actor, "unit.create", unit, subject=unit.name, changes=audit.created(_values(unit)))
    return unit


def update_unit(actor: User, unit: Unit, data: dict[str, Any]) -> Unit:
    """Change the fields given; ``is_active`` false closes the unit (it is never deleted)."""
    _check(actor)
    before = _values(unit)
    _apply(unit, data)
    db.session.flush()
    audit.record(actor, "unit.update", unit, subject=unit.name, changes=audit.diff(before, _values(unit)))
    return unit


def add_former_name(actor: User, unit: Unit, data: dict[str, Any]) -> UnitName:
    """Record that ``unit`` bore ``name`` until ``valid_until`` (exclusive)."""
    _check(actor)
    valid_until: dt.date = data["valid_until"]
    if any(former.valid_until == valid_until for former in unit.former_names):
        raise ValidationFailed("Đơn vị đã có một tên cũ kết thúc vào ngày này.",
                               fields={"valid_until": ["Trùng ngày với một tên cũ khác."]})
    former = UnitName(unit_id=unit.id, name=data["name"], short_name=data.get("short_name") or data["name"],
                      valid_until=valid_until)
    db.session.add(former)
    db.session.flush()
    db.session.expire(unit, ["former_names"])
    audit.record(actor, "unit.add_former_name", unit, subject=unit.name,
                 changes=audit.created({"former_name": former.name, "valid_until": valid_until}))
    return former
