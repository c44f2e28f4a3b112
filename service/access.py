"""Who may see and do what. Every handler asks here before it calls an operation.

A dossier a user may not see is reported as not found (404), so that probing
identifiers reveals nothing about other units.
"""
from __future__ import annotations

import sqlalchemy as sa

from workflows import WORKFLOW

from .db import db
from .models import UNIT_ROLES, AwardRecord, Campaign, Dossier, Nominee, Person, Unit, User

# A dossier's content is shown to the standing agency and the authority only
# once the unit has sent it; drafts stay inside the unit.
STATES_VISIBLE_TO_AGENCY = WORKFLOW.states_where(visible_to_agency=True)
# States in which the unit may still change what its documents say.
EDITABLE_DETAIL_STATES = WORKFLOW.states_where(editable=True)


def is_unit_member(user: User, dossier: Dossier) -> bool:
    return user.role in UNIT_ROLES and user.unit_id == dossier.unit_id


def _handles(user: User, standing_agency_id: int, authority_id: int) -> bool:
    """The campaign's standing agency reviews its dossiers; its authority approves them."""
    if user.role == "reviewer":
        return user.unit_id == standing_agency_id
    if user.role == "approver":
        return user.unit_id == authority_id
    return False


def is_agency_member(user: User, dossier: Dossier) -> bool:
    return _handles(user, dossier.campaign.standing_agency_id, dossier.campaign.authority_id)


def can_view_dossier(user: User, dossier: Dossier) -> bool:
    campaign = dossier.campaign
    return may_view(user, unit_id=dossier.unit_id, state=dossier.state,
                    standing_agency_id=campaign.standing_agency_id, authority_id=campaign.authority_id)


def may_view(user: User, *, unit_id: int, state: str, standing_agency_id: int, authority_id: int) -> bool:
    """can_view_dossier on plain values, for reads that load no dossier."""
    if user.role == "admin" or (user.role in UNIT_ROLES and user.unit_id == unit_id):
        return True
    return _handles(user, standing_agency_id, authority_id) and state in STATES_VISIBLE_TO_AGENCY


def visible_dossiers_filter(user: User):
    """A SQL condition selecting the dossiers ``user`` may see (mirrors can_view_dossier)."""
    if user.role == "admin":
        return sa.true()
    if user.role in UNIT_ROLES:
        return Dossier.unit_id == user.unit_id
    agency_column = Campaign.standing_agency_id if user.role == "reviewer" else Campaign.authority_id
    handled = sa.select(Campaign.id).where(agency_column == user.unit_id)
    return sa.and_(Dossier.campaign_id.in_(handled), Dossier.state.in_(STATES_VISIBLE_TO_AGENCY))


def can_create_dossier(user: User) -> bool:
    return user.role == "unit_clerk"


def can_edit_nominees(user: User, dossier: Dossier) -> bool:
    return user.role == "unit_clerk" and is_unit_member(user, dossier)


def can_edit_details(user: User, dossier: Dossier) -> bool:
    return user.role in ("unit_clerk", "unit_head") and is_unit_member(user, dossier)


def can_record_meeting(user: User, dossier: Dossier) -> bool:
    return user.role == "council_secretary" and is_unit_member(user, dossier)


def can_generate_documents(user: User, dossier: Dossier) -> bool:
    return is_unit_member(user, dossier)


def can_fire_transitions(user: User, dossier: Dossier) -> bool:
    """Whether ``user`` acts on ``dossier`` at all; the workflow decides which trigger."""
    return is_unit_member(user, dossier) or is_agency_member(user, dossier)


def can_manage_officials(user: User, unit: Unit) -> bool:
    """Who keeps a unit's list of signers: administrators, and the unit's own head."""
    return user.role == "admin" or (user.role == "unit_head" and user.unit_id == unit.id)


def can_view_officials(user: User, unit: Unit) -> bool:
    """Who sees a unit's list of signers: its own people (they choose among them) and administrators."""
    return user.role == "admin" or user.unit_id == unit.id


def can_administer(user: User) -> bool:
    """The administration endpoints (``/api/v1/admin/…``): administrators only."""
    return user.role == "admin"


# --- campaigns and rounds --------------------------------------------------------

def can_manage_campaigns(user: User) -> bool:
    """Loading campaign definitions creates units and rules for everyone: administrators only."""
    return user.role == "admin"


def is_round_agency(user: User, campaign: Campaign) -> bool:
    """The standing agency's reviewers and the authority's approvers handle a campaign's rounds."""
    return _handles(user, campaign.standing_agency_id, campaign.authority_id)


def can_view_round(user: User, campaign: Campaign) -> bool:
    # Units see their own dossiers, not the consolidated ranking of everyone.
    return user.role == "admin" or is_round_agency(user, campaign)


def can_fire_round_transitions(user: User, campaign: Campaign) -> bool:
    """Whether ``user`` acts on the campaign's rounds at all; the round workflow decides which trigger."""
    return is_round_agency(user, campaign)


def can_choose_round_signer(user: User, campaign: Campaign, part: str) -> bool:
    """The agency's reviewers choose who signs its tờ trình; they or the authority's approvers who signs the
    decision."""
    if user.role == "reviewer" and user.unit_id == campaign.standing_agency_id:
        return True
    return part == "decision" and user.role == "approver" and user.unit_id == campaign.authority_id


def can_override_selection(user: User, campaign: Campaign) -> bool:
    # The standing agency consolidates and proposes; the authority decides on
    # the proposal as a whole or sends it back (Luật Thi đua, khen thưởng
    # 06/2022/QH15: the agency advises, the authority decides).
    return user.role == "reviewer" and user.unit_id == campaign.standing_agency_id


# --- award statistics ----------------------------------------------------------

def can_view_award_statistics(user: User) -> bool:
    """Every signed-in role sees statistics; award_statistics_filter narrows them to the user's scope."""
    return user.role in ("admin", "reviewer", "approver") or user.role in UNIT_ROLES


def award_statistics_filter(user: User):
    """A SQL condition on AwardRecord selecting the records whose figures ``user`` may see.

    The admin sees everything; a unit only its own records. The standing agency (reviewer) and the
    authority (approver) see their scope: records of their own unit and of the units under it in
    the unit tree, the awards their unit decided, and the awards of campaigns it handles.
    """
    if user.role == "admin":
        return sa.true()
    if user.role in UNIT_ROLES:
        return AwardRecord.unit_id == user.unit_id
    if user.role not in ("reviewer", "approver"):
        return sa.false()
    tree = sa.select(Unit.id).where(Unit.id == user.unit_id).cte("scope_units", recursive=True)
    tree = tree.union_all(sa.select(Unit.id).where(Unit.parent_id == tree.c.id))
    agency_column = Campaign.standing_agency_id if user.role == "reviewer" else Campaign.authority_id
    handled = sa.select(Campaign.id).where(agency_column == user.unit_id)
    return sa.or_(AwardRecord.unit_id.in_(sa.select(tree.c.id)),
                  AwardRecord.authority_id == user.unit_id,
                  AwardRecord.campaign_id.in_(handled))
# --- people register --------------------------------------------------------------

# Who may see a person's birth date and ID number (Decree 13/2023/NĐ-CP on personal data: processed only
# by those who need it): the person's unit, the agency handling a dossier that names them, the admin.
PEOPLE_EDITORS = ("unit_clerk", "unit_head")


def _handles_dossier_naming(user: User, person: Person) -> bool:
    """``user`` reviews or approves a dossier, sent to the agency, with a nominee that is ``person``."""
    if user.role not in ("reviewer", "approver"):
        return False
    agency_column = Campaign.standing_agency_id if user.role == "reviewer" else Campaign.authority_id
    query = (sa.select(Nominee.id).join(Dossier, Dossier.id == Nominee.dossier_id)
             .join(Campaign, Campaign.id == Dossier.campaign_id)
             .where(Nominee.person_id == person.id, agency_column == user.unit_id,
                    Dossier.state.in_(STATES_VISIBLE_TO_AGENCY)).limit(1))
    return db.session.scalar(query) is not None


def can_view_person(user: User, person: Person) -> bool:
    """The person's unit, the admin, and the agency handling a dossier that names them; others get 404."""
    if user.role == "admin" or user.unit_id == person.unit_id:
        return True
    return _handles_dossier_naming(user, person)


def can_read_personal_data(user: User, person: Person) -> bool:
    """Birth date and ID number: the same circle as can_view_person, asked separately so that a list or a
    presenter never shows them by accident."""
    return can_view_person(user, person)


def visible_people_filter(user: User):
    """A SQL condition selecting the people a register list shows ``user``: their unit's; all for the admin."""
    if user.role == "admin":
        return sa.true()
    return Person.unit_id == user.unit_id


def can_manage_people(user: User, unit_id: int) -> bool:
    """Writing a unit's register: its clerk and head, and the admin."""
    return user.role == "admin" or (user.role in PEOPLE_EDITORS and user.unit_id == unit_id)
# --- units and accounts

def can_manage_units(user: User, unit: Unit | None = None) -> bool:
    """The list of units, their tree and their names are the administrator's."""
    return user.role == "admin"


def can_manage_accounts(user: User) -> bool:
    return user.role == "admin"


# --- award register look-up

def award_scope_filter(user: User):
    """A SQL condition selecting the award records ``user`` may read.

    Administrators read every record; a unit its own people's awards; the standing agency and the
    authority of a campaign the awards of its campaigns, and an authority the awards it decided.
    """
    if user.role == "admin":
        return sa.true()
    if user.role in UNIT_ROLES:
        return AwardRecord.unit_id == user.unit_id
    if user.role in ("reviewer", "approver"):
        handled = sa.select(Campaign.id).where(sa.or_(Campaign.standing_agency_id == user.unit_id,
                                                      Campaign.authority_id == user.unit_id))
        return sa.or_(AwardRecord.authority_id == user.unit_id, AwardRecord.campaign_id.in_(handled))
    return sa.false()


def can_read_person_awards(user: User, person) -> bool:
    """A unit reads its own people's history; the agencies and the authority read it within their scope."""
    if user.role in UNIT_ROLES:
        return person.unit_id == user.unit_id
    return user.role in ("admin", "reviewer", "approver")
