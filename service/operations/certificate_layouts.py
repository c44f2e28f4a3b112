"""Where a campaign prints its certificates' text on pre-printed blanks, kept by an administrator."""
from __future__ import annotations

import logging
from typing import Any, Mapping

import sqlalchemy as sa

from .. import audit
from ..db import db
from ..documents import certificate_layout as layouts
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import Campaign, CertificateLayout, User

log = logging.getLogger(__name__)

ADMIN_ONLY = "Chỉ quản trị hệ thống mới được sửa vị trí in giấy khen trên phôi."
SUBJECT = "vị trí in giấy khen trên phôi"


def _saved(campaign: Campaign) -> CertificateLayout | None:
    return db.session.scalar(sa.select(CertificateLayout).where(CertificateLayout.campaign_id == campaign.id))


def _as_dict(row: CertificateLayout) -> dict[str, Any]:
    defaults = layouts.default_layout()["fields"]
    # A field added to the module after the row was saved takes its default place.
    fields = {name: {**defaults[name], **(row.fields or {}).get(name, {})} for name in layouts.FIELDS}
    return {"paper": row.paper, "orientation": row.orientation, "fields": fields}


def certificate_layout(campaign: Campaign) -> dict[str, Any]:
    """The campaign's layout as a plain dict (``paper``, ``orientation``, ``fields``, ``is_default``)."""
    row = _saved(campaign)
    if row is None:
        return {**layouts.default_layout(), "is_default": True}
    return {**_as_dict(row), "is_default": False}


def _check(layout: Mapping[str, Any]) -> None:
    problems = layouts.layout_problems(layout)
    if problems:
        first = next(iter(problems.values()))[0]
        count = sum(len(messages) for messages in problems.values())
        message = f"Vị trí in trên phôi chưa hợp lệ: {first}" + (f" (và {count - 1} lỗi khác)" if count > 1 else "")
        raise ValidationFailed(message, fields=problems, code="invalid_certificate_layout")


def save_certificate_layout(actor: User, campaign: Campaign, layout: Mapping[str, Any]) -> dict[str, Any]:
    """Save the campaign's layout; every box must lie on the paper. Audited with old and new values."""
    if actor.role != "admin":
        raise Forbidden(ADMIN_ONLY)
    _check(layout)
    new = layouts.normalised(layout)
    row = _saved(campaign)
    before = layouts.flat_values(_as_dict(row) if row is not None else layouts.default_layout())
    if row is None:
        row = CertificateLayout(campaign_id=campaign.id)
        db.session.add(row)
    row.paper, row.orientation, row.fields = new["paper"], new["orientation"], new["fields"]
    row.updated_by_id = actor.id
    db.session.flush()
    changes = audit.diff(before, layouts.flat_values(new))
    audit.record(actor, "certificate_layout.save", row, campaign=campaign, subject=SUBJECT, changes=changes)
    log.info("campaign %s: certificate layout saved by %s (%s)", campaign.code, actor.username, changes)
    return certificate_layout(campaign)


def reset_certificate_layout(actor: User, campaign: Campaign) -> dict[str, Any]:
    """Go back to the default layout. Audited with the values left behind."""
    if actor.role != "admin":
        raise Forbidden(ADMIN_ONLY)
    row = _saved(campaign)
    if row is None:
        raise NotFound("Phong trào đang dùng vị trí in mặc định.")
    before = layouts.flat_values(_as_dict(row))
    row_id = row.id
    db.session.delete(row)
    db.session.flush()
    audit.record(actor, "certificate_layout.reset", ("certificate_layout", row_id), campaign=campaign,
                 subject=SUBJECT, changes=audit.diff(before, layouts.flat_values(layouts.default_layout())),
                 always=True)
    log.info("campaign %s: certificate layout reset by %s", campaign.code, actor.username)
    return certificate_layout(campaign)
