"""The base salary table that prize money is computed from, kept by an administrator."""
from __future__ import annotations

import logging
from typing import Any

import sqlalchemy as sa

from .. import audit
from ..awards.prize import BaseSalaryTable, PrizeError
from ..db import db
from ..errors import Forbidden, ValidationFailed
from ..models import BaseSalaryLevel, User

log = logging.getLogger(__name__)


def salary_table() -> BaseSalaryTable:
    """The administrator's table when there is one, otherwise the packaged levels."""
    levels = db.session.scalars(sa.select(BaseSalaryLevel).order_by(BaseSalaryLevel.valid_from)).all()
    if not levels:
        return BaseSalaryTable.default()
    return BaseSalaryTable.from_rows([{"from": level.valid_from, "amount": level.amount, "source": level.source,
                                       "needs_check": level.needs_check} for level in levels])


def replace_salary_table(actor: User, rows: list[dict[str, Any]]) -> BaseSalaryTable:
    """Replace every level at once; the table is checked whole before anything changes."""
    if actor.role != "admin":
        raise Forbidden("Chỉ quản trị hệ thống mới được sửa bảng mức lương cơ sở.")
    try:
        table = BaseSalaryTable.from_rows([{"from": r["valid_from"], "amount": r["amount"],
                                            "source": r.get("source") or "", "needs_check": r.get("needs_check")}
                                           for r in rows])
    except PrizeError as error:
        raise ValidationFailed(str(error), fields={"rows": [str(error)]}, code="invalid_salary_table") from None
    levels = db.session.scalars(sa.select(BaseSalaryLevel).order_by(BaseSalaryLevel.valid_from)).all()
    old = [(level.valid_from.isoformat(), level.amount) for level in levels]
    before = _levels_for_audit(levels)
    db.session.execute(sa.delete(BaseSalaryLevel))
    for level in table.rows:
        db.session.add(BaseSalaryLevel(valid_from=level.valid_from, amount=level.amount, source=level.source,
                                       needs_check=level.needs_check, updated_by_id=actor.id))
    db.session.flush()
    audit.record(actor, "salary_table.replace", ("base_salary_table", None), subject="bảng mức lương cơ sở",
                 changes=audit.diff(before, _levels_for_audit(table.rows)))
    log.info("base salary table replaced by %s: %s -> %s", actor.username, old,
             [(level.valid_from.isoformat(), level.amount) for level in table.rows])
    return table


def _levels_for_audit(levels) -> dict[str, Any]:
    """Each level as ``{day: amount, day.source: ..., day.needs_check: ...}`` for the audit trail."""
    values: dict[str, Any] = {}
    for level in levels:
        day = level.valid_from.isoformat()
        values.update({day: level.amount, f"{day}.source": level.source or "",
                       f"{day}.needs_check": bool(level.needs_check)})
    return values
