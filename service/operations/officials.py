"""A unit's officials (the people who may sign its documents) and the choice of who signs one.

Decree 30/2020/NĐ-CP, art. 13: the head signs, or someone signs for the head
with an authority word (service.signing). The person who generates a
document chooses its signer among the officials of the unit that issues it;
unless someone chooses, the signer is the official linked to the user who
will sign (the unit's head who submits), and a document generated again keeps
the signer chosen before.

Every function that changes data takes the acting user first, checks its
preconditions, flushes and audits; the request layer commits.
"""
from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa

from .. import access, audit, signing
from ..db import db
from ..errors import Forbidden, NotFound, ValidationFailed
from ..models import CampaignRound, Unit, UnitOfficial, User

log = logging.getLogger(__name__)

OFFICIAL_FIELDS = ("full_name", "position", "user_id", "is_head", "is_active")


# --- the list of officials ----------------------------------------------------------------------

def unit_officials(unit: Unit, *, active_only: bool = True) -> list[UnitOfficial]:
    """The unit's officials, the head first, then by position and name."""
    query = sa.select(UnitOfficial).where(UnitOfficial.unit_id == unit.id)
    if active_only:
        query = query.where(UnitOfficial.is_active.is_(True))
    return list(db.session.scalars(query.order_by(UnitOfficial.is_active.desc(), UnitOfficial.is_head.desc(),
                                                  UnitOfficial.position, UnitOfficial.full_name,
                                                  UnitOfficial.id)))


def load_official(unit: Unit, official_id: int) -> UnitOfficial:
    """An official of ``unit``; one of another unit is not found (404)."""
    official = db.session.get(UnitOfficial, official_id)
    if official is None or official.unit_id != unit.id:
        raise NotFound(f"Không tìm thấy người ký số {official_id} của đơn vị này.")
    return official


def _official_values(official: UnitOfficial) -> dict[str, Any]:
    """What the trail keeps of an official (the account by its username)."""
    account = db.session.get(User, official.user_id) if official.user_id is not None else None
    return {"official_name": official.full_name, "official_position": official.position,
            "official_account": account.username if account is not None else None,
            "is_head": bool(official.is_head), "is_active": bool(official.is_active)}


def _check(actor: User, unit: Unit) -> None:
    if not access.can_manage_officials(actor, unit):
        raise Forbidden("Chỉ quản trị hệ thống và thủ trưởng đơn vị mới được sửa danh sách người ký của đơn vị.")


def _apply(official: UnitOfficial, unit: Unit, data: dict[str, Any]) -> None:
    """Set the fields given in ``data`` after checking them against the unit's other officials."""
    errors: dict[str, list[str]] = {}
    for name, label in (("full_name", "Họ và tên"), ("position", "Chức vụ")):
        if name in data and not (data[name] or "").strip():
            errors[name] = [f"{label} không được để trống."]
    user_id = data.get("user_id", official.user_id)
    if "user_id" in data and user_id is not None:
        user = db.session.get(User, user_id)
        if user is None or user.unit_id != unit.id:
            errors["user_id"] = ["Tài khoản này không thuộc đơn vị."]
        else:
            other = db.session.scalar(sa.select(UnitOfficial).where(UnitOfficial.user_id == user_id,
                                                                    UnitOfficial.id != (official.id or 0)))
            if other is not None:
                errors["user_id"] = [f"Tài khoản này đã gắn với người ký “{other.full_name}”."]
    is_head = data.get("is_head", official.is_head)
    is_active = data.get("is_active", official.is_active if official.is_active is not None else True)
    if is_head and is_active:
        head = db.session.scalar(sa.select(UnitOfficial).where(
            UnitOfficial.unit_id == unit.id, UnitOfficial.is_head.is_(True), UnitOfficial.is_active.is_(True),
            UnitOfficial.id != (official.id or 0)))
        if head is not None:
            errors["is_head"] = [f"Đơn vị đã có người đứng đầu: {head.full_name} ({head.position}). Hãy bỏ đánh "
                                 "dấu người đứng đầu của người đó trước."]
    if errors:
        raise ValidationFailed("Thông tin người ký chưa hợp lệ.", fields=errors)
    for name in OFFICIAL_FIELDS:
        if name in data:
            value = data[name]
            setattr(official, name, " ".join(value.split()) if isinstance(value, str) else value)


def add_official(actor: User, unit: Unit, data: dict[str, Any]) -> UnitOfficial:
    """A new official of ``unit`` (full_name, position; optionally user_id, is_head, is_active)."""
    _check(actor, unit)
    official = UnitOfficial(unit_id=unit.id, is_head=False, is_active=True)
    _apply(official, unit, {"is_head": False, "is_active": True, "user_id": None, **data})
    db.session.add(official)
    db.session.flush()
    audit.record(actor, "official.create", official, subject=f"{official.full_name} ({unit.short_name})",
                 changes=audit.created(_official_values(official)))
    log.info("official %s added to unit %s by %s", official.id, unit.code, actor.username)
    return official


def update_official(actor: User, official: UnitOfficial, data: dict[str, Any]) -> UnitOfficial:
    """Change an official's fields; ``is_active`` False takes the person off the list of signers."""
    unit = official.unit
    _check(actor, unit)
    before = _official_values(official)
    _apply(official, unit, data)
    db.session.flush()
    audit.record(actor, "official.update", official, subject=f"{official.full_name} ({unit.short_name})",
                 changes=audit.diff(before, _official_values(official)))
    return official


# --- choosing who signs -----------------------------------------------------------------------------

@dataclass(frozen=True)
class Signer:
    """Who a document names as its signer, and the block it prints."""

    official: Optional[UnitOfficial]
    # The authority word's code (service.signing); None when the unit has no officials and its own
    # signature lines are printed as they stand.
    authority: Optional[str]
    block: dict[str, str]

    def record(self) -> dict[str, Any]:
        """What a generated document keeps of the choice."""
        return {"signer_official_id": self.official.id if self.official is not None else None,
                "signer_authority": self.authority, "signer_name": self.block["signer_name"],
                "signer_position": self.official.position if self.official is not None
                else self.block["signature_title"]}

    def describe(self) -> str:
        """The block on one line, as the audit trail and the pages tell it: "KT. CHỦ TỊCH / PHÓ CHỦ TỊCH / …"."""
        lines = [*filter(None, self.block["signature_authority"].split("\n")), self.block["signature_title"],
                 self.block["signer_name"]]
        return " / ".join(line for line in lines if line)


def _head(unit: Unit) -> Optional[UnitOfficial]:
    return db.session.scalar(sa.select(UnitOfficial).where(
        UnitOfficial.unit_id == unit.id, UnitOfficial.is_head.is_(True), UnitOfficial.is_active.is_(True)))


def default_official(unit: Unit, signing_user: Optional[User] = None) -> Optional[UnitOfficial]:
    """The official of ``signing_user`` if that user is one of the unit's; else the one linked to the
    unit's head account; else the official marked as head; None when the unit lists nobody."""
    officials = unit_officials(unit)
    if signing_user is not None:
        own = next((o for o in officials if o.user_id == signing_user.id), None)
        if own is not None:
            return own
    head_accounts = set(db.session.scalars(sa.select(User.id).where(
        User.unit_id == unit.id, User.role == "unit_head", User.is_active.is_(True))))
    linked = next((o for o in officials if o.user_id in head_accounts), None)
    if linked is not None:
        return linked
    return next((o for o in officials if o.is_head), None)


def choose_signer(unit: Unit, *, official_id: Optional[int] = None, authority: Optional[str] = None,
                  signing_user: Optional[User] = None, previous: Optional[dict[str, Any]] = None,
                  for_decision: bool = False) -> Signer:
    """The signer of a document ``unit`` issues, checked against Decree 30/2020 (service.signing).

    ``official_id`` and ``authority`` are what the person chose (either may be
    None); without a chosen official, the ``previous`` choice (a document's
    ``signer_official_id`` and ``signer_authority``) stands if its official
    is still active, else :func:`default_official`. ``for_decision``: the
    document is issued in the head's own name (no "TM." line). An official
    of another unit, an inactive one or a word that does not fit is refused
    with a Vietnamese ``ValidationFailed`` (422).
    """
    body = "" if for_decision else signing.collective_body(unit.signature_authority)
    if authority is not None and authority not in signing.CODES:
        raise ValidationFailed(f"Thẩm quyền ký “{authority}” không hợp lệ.", code="signer_refused",
                               fields={"signer_authority": [f"Phải là {signing.CODES_TEXT}."]})
    official: Optional[UnitOfficial] = None
    if official_id is not None:
        official = db.session.get(UnitOfficial, official_id)
        if official is None or official.unit_id != unit.id:
            raise ValidationFailed(f"Người ký phải là lãnh đạo của {unit.short_name}: người ký số {official_id} "
                                   "không thuộc đơn vị này.", code="signer_refused",
                                   fields={"signer_official_id": ["Không thuộc đơn vị ban hành văn bản."]})
        if not official.is_active:
            raise ValidationFailed(f"{official.full_name} không còn trong danh sách người ký của đơn vị.",
                                   code="signer_refused",
                                   fields={"signer_official_id": ["Người ký này đã thôi."]})
    elif previous and previous.get("signer_official_id") is not None:
        earlier = db.session.get(UnitOfficial, previous["signer_official_id"])
        if earlier is not None and earlier.is_active and earlier.unit_id == unit.id:
            official = earlier
            if authority is None:
                authority = previous.get("signer_authority")
    if official is None:
        official = default_official(unit, signing_user)
    if official is None:
        if authority is not None:
            raise ValidationFailed(f"{unit.short_name} chưa có danh sách người ký: chưa chọn được thẩm quyền ký.",
                                   code="signer_refused",
                                   fields={"signer_official_id": ["Hãy thêm người ký của đơn vị trước."]})
        # A unit that lists nobody signs as its own record says (units loaded from a campaign file).
        stored = unit.signature_authority or ""
        return Signer(None, None, {"signature_authority": "" if for_decision and stored.startswith("TM.") else stored,
                                   "signature_title": unit.signature_title, "signer_name": unit.signer_name})
    head = official if official.is_head else _head(unit)
    if authority is None:
        authority = signing.default_authority(is_head=official.is_head, body=body)
    try:
        block = signing.signature(authority, name=official.full_name, position=official.position,
                                  is_head=official.is_head,
                                  head_title=head.position if head is not None else unit.signature_title, body=body)
    except signing.SignatureRefused as error:
        raise ValidationFailed(f"Chưa chọn được người ký: {error}", code="signer_refused",
                               fields={"signer_authority": [str(error)]}) from None
    return Signer(official, authority, block)


def signer_options(unit: Unit, *, for_decision: bool = False) -> dict[str, Any]:
    """What a page offers to choose from: the unit's active officials and the authority words."""
    body = "" if for_decision else signing.collective_body(unit.signature_authority)
    words = [w for w in signing.AUTHORITY_WORDS
             if not (w.body == "collective" and not body) and not (w.body == "single" and body)]
    return {
        "officials": [{"id": o.id, "full_name": o.full_name, "position": o.position, "is_head": o.is_head,
                       "label": f"{o.full_name} — {o.position}" + (" (người đứng đầu)" if o.is_head else "")}
                      for o in unit_officials(unit)],
        "authorities": [{"code": w.code, "label": w.label} for w in words],
    }


# --- who signs a round's documents ---------------------------------------------------------------------

#: The round's documents by who issues them: the standing agency's consolidated tờ trình, and the
#: authority's decision with its certificates (issued in the head's own name: no "TM." line).
ROUND_PARTS = {
    "proposal": {"title": "tờ trình tổng hợp", "unit": "standing_agency", "for_decision": False},
    "decision": {"title": "quyết định khen thưởng và giấy khen", "unit": "authority", "for_decision": True},
}


def round_signer(round_: CampaignRound, part: str) -> Signer:
    """Who signs ``part`` of the round: the official chosen for it (while still active), else the head."""
    spec = ROUND_PARTS[part]
    return choose_signer(getattr(round_.campaign, spec["unit"]), for_decision=spec["for_decision"],
                         previous={"signer_official_id": getattr(round_, f"{part}_signer_id"),
                                   "signer_authority": getattr(round_, f"{part}_signer_authority")})


def choose_round_signer(actor: User, round_: CampaignRound, part: str, choice: dict[str, Any]) -> Signer:
    """Record who signs ``part`` ("proposal" or "decision") of the round, among the issuing unit's officials.

    The standing agency's reviewers choose for the tờ trình; they and the
    authority's approvers for the decision (the agency drafts it, the
    authority signs it).
    """
    if part not in ROUND_PARTS:
        raise ValidationFailed("Không có văn bản này của đợt khen thưởng.", fields={"document": ["Không hợp lệ."]})
    if not access.can_choose_round_signer(actor, round_.campaign, part):
        raise Forbidden("Chỉ cơ quan thường trực (tờ trình, dự thảo quyết định) và cấp có thẩm quyền (quyết định) "
                        "mới được chọn người ký văn bản của đợt khen thưởng.")
    spec = ROUND_PARTS[part]
    before = round_signer(round_, part)
    signer = choose_signer(getattr(round_.campaign, spec["unit"]), official_id=choice.get("official_id"),
                           authority=choice.get("authority"), for_decision=spec["for_decision"],
                           previous={"signer_official_id": getattr(round_, f"{part}_signer_id"),
                                     "signer_authority": getattr(round_, f"{part}_signer_authority")})
    setattr(round_, f"{part}_signer_id", signer.official.id if signer.official is not None else None)
    setattr(round_, f"{part}_signer_authority", signer.authority)
    db.session.flush()

    def kept(value: Signer) -> dict[str, Any]:
        record = value.record()
        return {name: record[name] for name in ("signer_name", "signer_position", "signer_authority")}

    audit.record(actor, "round.signer", round_, round_=round_, subject=spec["title"],
                 changes=audit.diff(kept(before), kept(signer)))
    return signer
