"""Loading what a request acts on, and checking that its user may, as the API and the pages both do.

A request handler of either side has one shape: its decorator loads the object
named in the URL (``@with_dossier``, ``@with_nominee``, ``@with_round``,
``@with_campaign``, ``@with_job``), answers 404 when the user may not see it and
403 when a ``can_*`` rule of service.access refuses, then calls the handler with
``user`` and the object; the handler parses its input, calls one operation and
presents the result. Operations check their own rules again, so a handler that
names no rule is still refused what it may not do.

A dossier or a round the user may not see is reported as not found (404), so
that probing identifiers reveals nothing about other units.
"""
from __future__ import annotations

import functools
from typing import Any, Callable

from flask import g
from sqlalchemy.orm import joinedload, selectinload

from . import access
from .db import db
from .errors import Forbidden, NotFound, Unauthenticated
from .models import Campaign, CampaignRound, CouncilMeeting, Dossier, Nominee, Unit, UnitOfficial, User
from .operations import jobs as job_ops

# What a dossier page or response shows, loaded in a handful of queries instead of one per row.
DOSSIER_LOAD_OPTIONS = (
    joinedload(Dossier.campaign), joinedload(Dossier.unit),
    selectinload(Dossier.nominees), selectinload(Dossier.meeting).selectinload(CouncilMeeting.votes),
)
# For views that read a page of the nominees themselves (the dossier page), or none at all (an import
# adds thousands to a dossier of thousands): nominees load only if asked for.
DOSSIER_HEAD_OPTIONS = (joinedload(Dossier.campaign), joinedload(Dossier.unit), selectinload(Dossier.meeting))


def load_dossier(user: User, dossier_id: int, options: tuple = DOSSIER_LOAD_OPTIONS) -> Dossier:
    """The dossier if ``user`` may see it; otherwise 404, as if it did not exist."""
    dossier = db.session.get(Dossier, dossier_id, options=options)
    if dossier is None or not access.can_view_dossier(user, dossier):
        raise NotFound(f"Không tìm thấy hồ sơ số {dossier_id}.")
    return dossier


def load_nominee(dossier: Dossier, nominee_id: int) -> Nominee:
    """A nominee of ``dossier``; one of another dossier is not found (404)."""
    nominee = db.session.get(Nominee, nominee_id)
    if nominee is None or nominee.dossier_id != dossier.id:
        raise NotFound(f"Không tìm thấy người được đề nghị số {nominee_id} trong hồ sơ này.")
    return nominee


def load_round(user: User, round_id: int) -> CampaignRound:
    """The round if ``user`` may see it (access.can_view_round); otherwise 404, as if it did not exist."""
    round_ = db.session.get(CampaignRound, round_id)
    if round_ is None or not access.can_view_round(user, round_.campaign):
        raise NotFound(f"Không tìm thấy đợt khen thưởng số {round_id}.")
    return round_


def load_campaign(campaign_id: int) -> Campaign:
    """The campaign (every signed-in user may read a campaign's plan); 404 when there is none."""
    campaign = db.session.get(Campaign, campaign_id)
    if campaign is None:
        raise NotFound(f"Không tìm thấy phong trào số {campaign_id}.")
    return campaign


# --- the handler decorators -------------------------------------------------------------------

def acting_user() -> User:
    """The user this request acts for: set in ``g.user`` by the API's bearer token or the pages' session."""
    user = g.get("user")
    if user is None:  # pragma: no cover - both sides authenticate before any handler runs
        raise Unauthenticated("Bạn cần đăng nhập.")
    return user


Rule = Callable[..., bool]


def _loading(load: Callable[[User, dict[str, Any]], dict[str, Any]]):
    """A decorator calling the view with ``user`` and what ``load`` makes of the URL's ids (which it removes)."""
    def decorate(view):
        @functools.wraps(view)
        def handler(*args, **kwargs):
            # Decorators stack (``@requires`` over ``@with_campaign``): the outer one already passes the user.
            user = kwargs.pop("user", None) or acting_user()
            loaded = load(user, kwargs)
            return view(*args, user=user, **loaded, **kwargs)
        return handler
    return decorate


def _check(rule: Rule | None, refused: str, user: User, *objects: Any) -> None:
    if rule is not None and not rule(user, *objects):
        raise Forbidden(refused)


def requires(rule: Rule, refused: str):
    """403 with ``refused`` unless ``rule(user)``; the view gets ``user``."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        _check(rule, refused, user)
        return {}
    return _loading(load)


def with_dossier(rule: Rule | None = None, refused: str = "", *, options: tuple = DOSSIER_LOAD_OPTIONS):
    """``dossier_id`` → ``dossier`` (404 unless visible); 403 with ``refused`` unless ``rule(user, dossier)``."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        dossier = load_dossier(user, ids.pop("dossier_id"), options)
        _check(rule, refused, user, dossier)
        return {"dossier": dossier}
    return _loading(load)


def with_nominee():
    """``dossier_id``, ``nominee_id`` → ``dossier`` and its ``nominee`` (404 unless visible and its own)."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        dossier = load_dossier(user, ids.pop("dossier_id"))
        return {"dossier": dossier, "nominee": load_nominee(dossier, ids.pop("nominee_id"))}
    return _loading(load)


def with_round():
    """``round_id`` → ``round_`` (404 unless the user may see it)."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        return {"round_": load_round(user, ids.pop("round_id"))}
    return _loading(load)


def with_campaign(visible: Rule | None = None):
    """``campaign_id`` → ``campaign``; 404 when there is none, or when ``visible(user, campaign)`` says no."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        campaign_id = ids.pop("campaign_id")
        campaign = load_campaign(campaign_id)
        if visible is not None and not visible(user, campaign):
            raise NotFound(f"Không tìm thấy phong trào số {campaign_id}.")
        return {"campaign": campaign}
    return _loading(load)


def load_unit(unit_id: int) -> Unit:
    """The unit (the list of units is open to every signed-in user); 404 when there is none."""
    unit = db.session.get(Unit, unit_id)
    if unit is None:
        raise NotFound(f"Không tìm thấy đơn vị số {unit_id}.")
    return unit


def with_unit(rule: Rule | None = None, refused: str = ""):
    """``unit_id`` → ``unit`` (404 when there is none); 403 with ``refused`` unless ``rule(user, unit)``."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        unit = load_unit(ids.pop("unit_id"))
        _check(rule, refused, user, unit)
        return {"unit": unit}
    return _loading(load)


def with_official(rule: Rule | None = None, refused: str = ""):
    """``unit_id``, ``official_id`` → ``unit`` and its ``official`` (404 when not the unit's)."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        unit = load_unit(ids.pop("unit_id"))
        official_id = ids.pop("official_id")
        official = db.session.get(UnitOfficial, official_id)
        if official is None or official.unit_id != unit.id:
            raise NotFound(f"Không tìm thấy người ký số {official_id} của đơn vị này.")
        _check(rule, refused, user, unit)
        return {"unit": unit, "official": official}
    return _loading(load)


def with_job():
    """``job_id`` → ``job``, for whoever may see its round (404 otherwise)."""
    def load(user: User, ids: dict[str, Any]) -> dict[str, Any]:
        return {"job": job_ops.load_job(user, ids.pop("job_id"))}
    return _loading(load)
