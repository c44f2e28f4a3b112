"""Loading a dossier, a nominee or a round for a user, as the API and the pages both do.

A dossier or a round the user may not see is reported as not found (404), so
that probing identifiers reveals nothing about other units.
"""
from __future__ import annotations

from sqlalchemy.orm import joinedload, selectinload

from . import access
from .db import db
from .errors import NotFound
from .models import CampaignRound, CouncilMeeting, Dossier, Nominee, User

# What a dossier page or response shows, loaded in a handful of queries instead of one per row.
DOSSIER_LOAD_OPTIONS = (
    joinedload(Dossier.campaign), joinedload(Dossier.unit),
    selectinload(Dossier.nominees), selectinload(Dossier.meeting).selectinload(CouncilMeeting.votes),
)


def load_dossier(user: User, dossier_id: int) -> Dossier:
    """The dossier if ``user`` may see it; otherwise 404, as if it did not exist."""
    dossier = db.session.get(Dossier, dossier_id, options=DOSSIER_LOAD_OPTIONS)
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
