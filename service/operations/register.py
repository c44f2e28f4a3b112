"""The award register's look-up: who received which award, searched by name with or without diacritics.

Names are compared folded (:func:`service.text.fold_name`): "nguyen van an" finds "Nguyễn Văn An"
and "duc" finds "Đức". On PostgreSQL the ``LIKE '%…%'`` on the folded column is served by the
trigram index of migration 0017; SQLite scans.
"""
from __future__ import annotations

from typing import Any, Optional

import sqlalchemy as sa

from .. import access
from ..db import db
from ..models import AwardRecord, User
from ..text import fold_name

PAGE_SIZE = 50


def _like_pattern(text: str) -> str:
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def search_awards(actor: User, *, name: str = "", unit_id: Optional[int] = None, year: Optional[int] = None,
                  form_code: str = "", decision_number: str = "", page: int = 1,
                  page_size: int = PAGE_SIZE) -> dict[str, Any]:
    """One page of the award records ``actor`` may read, newest decision first."""
    query = sa.select(AwardRecord).where(access.award_scope_filter(actor))
    folded = fold_name(name)
    if folded:
        query = query.where(AwardRecord.name_folded.like(_like_pattern(folded), escape="\\"))
    if unit_id is not None:
        query = query.where(AwardRecord.unit_id == unit_id)
    if year is not None:
        query = query.where(AwardRecord.year == year)
    if form_code:
        query = query.where(AwardRecord.form_code == form_code)
    if decision_number.strip():
        query = query.where(AwardRecord.decision_number == decision_number.strip())
    page = max(page, 1)
    # One row more than the page tells whether a next page exists, without counting a million rows.
    rows = db.session.scalars(query.order_by(AwardRecord.decision_date.desc(), AwardRecord.id.desc())
                              .offset((page - 1) * page_size).limit(page_size + 1)).all()
    return {"items": rows[:page_size], "page": page, "has_next": len(rows) > page_size}


def person_awards(actor: User, person_id: int) -> list[AwardRecord]:
    """A person's awards that ``actor`` may read, as a timeline (oldest first)."""
    return db.session.scalars(
        sa.select(AwardRecord).where(AwardRecord.person_id == person_id, access.award_scope_filter(actor))
        .order_by(AwardRecord.year, AwardRecord.decision_date, AwardRecord.id)).all()


def unit_awards(actor: User, unit_id: int) -> list[AwardRecord]:
    """A unit's awards (its people and itself) that ``actor`` may read, oldest first."""
    return db.session.scalars(
        sa.select(AwardRecord).where(AwardRecord.unit_id == unit_id, access.award_scope_filter(actor))
        .order_by(AwardRecord.year, AwardRecord.decision_date, AwardRecord.id)).all()
