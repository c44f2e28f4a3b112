"""Read-only questions the pages for people ask: what a user follows, and where each unit stands.

Nothing here changes data; the verbs that do are in the other operations modules.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, NamedTuple

import sqlalchemy as sa

from sqlalchemy import orm

import workflows

from .. import access
from ..db import db
from ..models import Campaign, CampaignRound, Dossier, Nominee, Unit, User, Vote
from .campaigns import OPEN_STATES, participating_units, takes_part, unit_sort_key


class UnitProgress(NamedTuple):
    unit: Unit
    dossier: Dossier | None


def rounds_to_open(campaign: Campaign, unit: Unit) -> list[CampaignRound]:
    """The campaign's rounds still taking dossiers in which ``unit`` has not opened one yet."""
    opened = set(db.session.scalars(sa.select(Dossier.round_id).where(Dossier.unit_id == unit.id,
                                                                      Dossier.campaign_id == campaign.id)))
    return [r for r in campaign.rounds if r.state in OPEN_STATES and r.id not in opened]


def campaigns_without_dossier(unit: Unit) -> list[Campaign]:
    """Campaigns ``unit`` takes part in with a round it has not opened a dossier for yet, newest plan first.

    A campaign made without rounds gets its single round with its first dossier, so it has none yet.
    """
    campaigns = db.session.scalars(sa.select(Campaign).order_by(Campaign.plan_date.desc(), Campaign.id))
    return [campaign for campaign in campaigns
            if takes_part(campaign, unit) and (not campaign.rounds or rounds_to_open(campaign, unit))]


class DossierPage(NamedTuple):
    dossiers: list[Dossier]
    total: int
    nominee_counts: dict[int, int]


def awaiting_condition(user: User):
    """A SQL condition selecting the dossiers that wait for a step of ``user``'s role, for the to-do list.

    A step a campaign does not offer is left out: a dossier of a campaign that decides per round waits
    for the round's decision, not for an approval of its own (workflows.SCOPE_GUARDS).
    """
    steps = [t for t in workflows.WORKFLOW.transitions if user.role in t.roles and not t.optional]
    per_dossier = {t.source for t in steps if "decision_per_dossier" in t.guards}
    others = {t.source for t in steps} - per_dossier
    return sa.or_(Dossier.state.in_(sorted(others)),
                  sa.and_(Dossier.state.in_(sorted(per_dossier)), sa.not_(Campaign.decided_by_round_sql())))


def visible_dossiers(user: User, *, states: tuple[str, ...] | None = None, offset: int = 0,
                     limit: int = 50, where: Any = None) -> DossierPage:
    """One page of the dossiers ``user`` may open (see access.can_view_dossier), newest campaign first.

    ``states`` narrows them to those states. The page's campaigns, units and rounds come with it and its
    nominees are counted in SQL, so listing costs the same few queries however many dossiers there are.
    """
    condition = access.visible_dossiers_filter(user)
    if states is not None:
        condition = sa.and_(condition, Dossier.state.in_(states))
    if where is not None:
        condition = sa.and_(condition, where)
    total = db.session.scalar(sa.select(sa.func.count(Dossier.id)).join(Campaign).where(condition))
    query = (sa.select(Dossier).join(Campaign).where(condition)
             .options(orm.contains_eager(Dossier.campaign), orm.selectinload(Dossier.unit),
                      orm.selectinload(Dossier.round))
             .order_by(Campaign.submission_deadline.desc(), Campaign.id, Dossier.id).offset(offset).limit(limit))
    dossiers = list(db.session.scalars(query))
    counts = dict(db.session.execute(
        sa.select(Nominee.dossier_id, sa.func.count(Nominee.id))
        .where(Nominee.dossier_id.in_([d.id for d in dossiers])).group_by(Nominee.dossier_id)).tuples().all())
    return DossierPage(dossiers, total or 0, counts)


def dossier_nominees(dossier: Dossier, *, offset: int, limit: int) -> tuple[list[Nominee], int]:
    """One page of the dossier's nominees in list order, and how many it has in all."""
    total = db.session.scalar(sa.select(sa.func.count(Nominee.id)).where(Nominee.dossier_id == dossier.id)) or 0
    nominees = db.session.scalars(sa.select(Nominee).where(Nominee.dossier_id == dossier.id)
                                  .order_by(Nominee.position_in_list, Nominee.id).offset(offset).limit(limit))
    return list(nominees), total


def nominee_index(dossier: Dossier, nominee_id: int) -> int | None:
    """Where the nominee stands in the dossier's list (0 for the first), None when it is not the dossier's."""
    nominee = db.session.get(Nominee, nominee_id)
    if nominee is None or nominee.dossier_id != dossier.id:
        return None
    before = sa.or_(Nominee.position_in_list < nominee.position_in_list,
                    sa.and_(Nominee.position_in_list == nominee.position_in_list, Nominee.id < nominee.id))
    return db.session.scalar(sa.select(sa.func.count(Nominee.id)).where(Nominee.dossier_id == dossier.id, before))


def votes_of(dossier: Dossier, nominees: list[Nominee]) -> dict[int, int]:
    """The council's votes in favour of each of ``nominees`` (those recorded)."""
    if dossier.meeting is None or not nominees:
        return {}
    query = sa.select(Vote.nominee_id, Vote.votes_in_favour).where(
        Vote.meeting_id == dossier.meeting.id, Vote.nominee_id.in_([n.id for n in nominees]))
    return dict(db.session.execute(query).tuples().all())


def campaigns_overseen_by(user: User) -> list[Campaign]:
    """Campaigns whose progress ``user`` follows: the standing agency's, the authority's, or all for an admin."""
    query = sa.select(Campaign).order_by(Campaign.plan_date.desc(), Campaign.id)
    if user.role == "reviewer":
        query = query.where(Campaign.standing_agency_id == user.unit_id)
    elif user.role == "approver":
        query = query.where(Campaign.authority_id == user.unit_id)
    elif user.role != "admin":
        return []
    return list(db.session.scalars(query))


def can_follow_campaign(user: User, campaign: Campaign) -> bool:
    return any(c.id == campaign.id for c in campaigns_overseen_by(user))


def campaign_progress(campaign: Campaign) -> list[UnitProgress]:
    """Each participating unit with its dossier for ``campaign`` (None when it has not opened one)."""
    dossiers = {d.unit_id: d for d in db.session.scalars(
        sa.select(Dossier).where(Dossier.campaign_id == campaign.id).options(orm.selectinload(Dossier.unit)))}
    units = participating_units(campaign)
    listed = {unit.id for unit in units}
    progress = [UnitProgress(unit, dossiers.get(unit.id)) for unit in units]
    # A unit outside the expected list that sent a dossier anyway still shows.
    progress += [UnitProgress(d.unit, d) for unit_id, d in sorted(dossiers.items()) if unit_id not in listed]
    return progress


def days_left(deadline: dt.date, today: dt.date) -> int:
    """Days from ``today`` to the last day on time: 0 on that day, negative once it is past."""
    return (deadline - today).days


def list_units() -> list[Unit]:
    return sorted(db.session.scalars(sa.select(Unit)), key=unit_sort_key)


def list_users() -> list[User]:
    return list(db.session.scalars(sa.select(User).join(Unit).order_by(Unit.name, User.role, User.username)))
