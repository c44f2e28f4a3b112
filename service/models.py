"""The domain model: units, people, campaigns, dossiers and what happens to them.

Invariants that the database can hold are declared here as constraints, and
mirrored in the input schemas so that users get a readable message first.
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from workflows import ROUND_WORKFLOW, WORKFLOW

from .db import UTCDateTime, db, utcnow

ROLES = ("unit_clerk", "council_secretary", "unit_head", "reviewer", "approver", "admin")
UNIT_ROLES = ("unit_clerk", "council_secretary", "unit_head")
UNIT_KINDS = ("city", "department", "ward", "commune", "province", "branch", "agency", "other")
NOMINEE_KINDS = ("collective", "individual")
GENDERS = ("male", "female")
VOTING_METHODS = ("show_of_hands", "secret_ballot")
# The states a dossier and a round may be in are those of their workflow (workflows/*.yaml); the
# database checks them too. Adding a state to a YAML file therefore needs a migration of the constraint.
DOSSIER_STATES = WORKFLOW.state_names
DOCUMENT_KINDS = ("bien_ban", "to_trinh", "danh_sach")
ROUND_KINDS = ("single", "annual", "mid_term", "final")
ROUND_STATES = ROUND_WORKFLOW.state_names


def _in(column: str, values: tuple[str, ...]) -> str:
    quoted = ", ".join(f"'{v}'" for v in values)
    return f"{column} IN ({quoted})"


class Unit(db.Model):
    """A public body taking part in campaigns: department, ward, branch, agency."""

    __tablename__ = "units"
    __table_args__ = (sa.CheckConstraint(_in("kind", UNIT_KINDS), name="kind"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"))
    kind: Mapped[str] = mapped_column(sa.String(16))
    name: Mapped[str] = mapped_column(sa.String(255))
    short_name: Mapped[str] = mapped_column(sa.String(255))
    # The two header lines of an administrative document (Decree 30/2020, Annex I, items 1–2).
    managing_body: Mapped[str] = mapped_column(sa.String(255), default="")
    issuing_body: Mapped[str] = mapped_column(sa.String(255))
    place_name: Mapped[str] = mapped_column(sa.String(128))
    abbreviation: Mapped[str] = mapped_column(sa.String(32))
    council_name: Mapped[str] = mapped_column(sa.String(255))
    council_abbreviation: Mapped[str] = mapped_column(sa.String(32), default="HĐTĐKT")
    signature_authority: Mapped[str] = mapped_column(sa.String(128), default="")
    signature_title: Mapped[str] = mapped_column(sa.String(128))
    signer_name: Mapped[str] = mapped_column(sa.String(128))
    # A unit is closed, never deleted: dossiers, accounts and awards keep pointing to it.
    is_active: Mapped[bool] = mapped_column(default=True, server_default=sa.true())

    parent: Mapped[Optional["Unit"]] = relationship(remote_side="Unit.id", back_populates="children")
    children: Mapped[list["Unit"]] = relationship(back_populates="parent")

    def as_document_dict(self, on: dt.date | None = None) -> dict[str, str]:
        """What documents print of the unit; dated ``on``, with the names it bore that day."""
        name, short_name = self.names_on(on)
        return {
            "name": name,
            "short_name": short_name,
            "managing_body": self.managing_body,
            "issuing_body": self.issuing_body,
            "place_name": self.place_name,
            "abbreviation": self.abbreviation,
            "council_name": self.council_name,
            "council_abbreviation": self.council_abbreviation,
            "signature_authority": self.signature_authority,
            "signature_title": self.signature_title,
            "signer_name": self.signer_name,
        }


    def names_on(self, day: dt.date | None) -> tuple[str, str]:
        """The (name, short name) the unit bore on ``day``; today's when ``day`` is None.

        A ward renamed or merged on 01/07/2025 keeps its old name on documents dated before it.
        """
        return names_on(self.name, self.short_name, self.former_names, day)


def names_on(name: str, short_name: str, former_names, day: dt.date | None) -> tuple[str, str]:
    """The (name, short name) on ``day`` of a unit now called ``name``, given its ``former_names``
    (rows or objects with ``name``, ``short_name``, ``valid_until``); today's when ``day`` is None."""
    if day is not None:
        for former in sorted(former_names, key=lambda n: n.valid_until):
            if day < former.valid_until:
                return former.name, former.short_name
    return name, short_name


class UnitName(db.Model):
    """A name a unit bore until a date (exclusive): the name documents dated before it print."""

    __tablename__ = "unit_names"
    __table_args__ = (sa.CheckConstraint("length(name) > 0", name="name"),
                      sa.UniqueConstraint("unit_id", "valid_until"))

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    name: Mapped[str] = mapped_column(sa.String(255))
    short_name: Mapped[str] = mapped_column(sa.String(255))
    valid_until: Mapped[dt.date] = mapped_column(sa.Date)


Unit.former_names = relationship(UnitName, order_by=UnitName.valid_until, lazy="selectin")


class UnitOfficial(db.Model):
    """A person who may sign the unit's documents: its head, a deputy, the head of one of its offices.

    Decree 30/2020/NĐ-CP, art. 13: the head signs, or a deputy signs for the
    head ("KT."), or others sign by order or by authorisation ("TL.",
    "TUQ."); service.signing holds those words. One active head per unit.
    """

    __tablename__ = "unit_officials"
    __table_args__ = (
        sa.CheckConstraint("length(full_name) > 0", name="full_name"),
        sa.CheckConstraint("length(position) > 0", name="position"),
        sa.UniqueConstraint("user_id"),
        sa.Index("uq_unit_officials_active_head", "unit_id", unique=True,
                 sqlite_where=sa.text("is_head AND is_active"), postgresql_where=sa.text("is_head AND is_active")),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id", ondelete="CASCADE"), index=True)
    full_name: Mapped[str] = mapped_column(sa.String(128))
    # As people write it ("Phó Chủ tịch"); the signature block prints it in capitals.
    position: Mapped[str] = mapped_column(sa.String(128))
    # The account of the same person, when there is one: that user's documents default to this signer.
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id", ondelete="SET NULL"))
    is_head: Mapped[bool] = mapped_column(default=False)
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    user: Mapped[Optional["User"]] = relationship()


class User(db.Model):
    """A person with one role in one unit."""

    __tablename__ = "users"
    __table_args__ = (sa.CheckConstraint(_in("role", ROLES), name="role"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    full_name: Mapped[str] = mapped_column(sa.String(128))
    password_hash: Mapped[str] = mapped_column(sa.String(256))
    role: Mapped[str] = mapped_column(sa.String(32))
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Written into each page session at sign-in and compared on every request: raising it (sign-out,
    # password reset, deactivation) ends all of the user's page sessions at once.
    session_generation: Mapped[int] = mapped_column(default=0, server_default="0")
    # Set by an account created or reset by someone else: the temporary password must be replaced first.
    must_change_password: Mapped[bool] = mapped_column(default=False, server_default=sa.false())

    unit: Mapped[Unit] = relationship()


class ApiToken(db.Model):
    """A bearer token; only its SHA-256 is stored, so a database leak yields no usable token."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"), index=True)
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    expires_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class Campaign(db.Model):
    """An emulation campaign as its plan (kế hoạch) defines it."""

    __tablename__ = "campaigns"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(sa.String(64), unique=True)
    title: Mapped[str] = mapped_column(sa.Text)
    plan_number: Mapped[str] = mapped_column(sa.String(64))
    plan_date: Mapped[dt.date]
    issuer_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    # The last day on which a dossier is on time ("trước ngày 05/12" means the 4th).
    submission_deadline: Mapped[dt.date]
    accepts_late: Mapped[bool] = mapped_column(default=False)
    standing_agency_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    # The award named in documents: "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố ...".
    award_name: Mapped[str] = mapped_column(sa.String(255))
    # [{"code", "name", "nominee_kinds": [...], "vote_rule": {...}, "multiplier": {...}}]
    award_forms: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Figures the clerk types: [{"code", "label", "unit", "type", "higher_is_better", "required",
    # "nominee_kinds", "min", "max", "at_most", "precision", "target", "targets": {unit code: value}}]
    metrics: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    legal_bases: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    # What follows comes from a definition file (campaigns/*.yaml); a campaign
    # made in code keeps the defaults and behaves as a single round.
    # "Kế hoạch" or "Công văn" (BHXH Việt Nam's 4111/BHXH-TĐKT is a công văn).
    plan_type: Mapped[str] = mapped_column(sa.String(32), default="Kế hoạch")
    # {"name", "title", "authority"} of the person who signed the plan.
    plan_signer: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # {"unit_kinds": [...], "unit_codes": [...]}; empty: every unit may take part.
    participants: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Values the service computes: [{"code", "label", "unit", "formula", "numerator", "denominator",
    # "metric", "of", "higher_is_better", "precision", "nominee_kinds"}]
    derived_metrics: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # {"groups": [...], "rules": {...}}: how a round ranks its nominees (service.ranking).
    ranking: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # [{"code", "name"}]: the documents each unit's dossier must hold.
    required_documents: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # The checked definition as loaded (dates as ISO text), and the SHA-256 of its file.
    definition: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    definition_sha256: Mapped[Optional[str]] = mapped_column(sa.String(64))

    issuer: Mapped[Unit] = relationship(foreign_keys=[issuer_id])
    standing_agency: Mapped[Unit] = relationship(foreign_keys=[standing_agency_id])
    authority: Mapped[Unit] = relationship(foreign_keys=[authority_id])
    rounds: Mapped[list["CampaignRound"]] = relationship(
        back_populates="campaign", order_by="CampaignRound.position, CampaignRound.id")

    def award_form(self, code: str) -> Optional[dict[str, Any]]:
        return next((form for form in self.award_forms if form["code"] == code), None)

    @property
    def is_decided_by_round(self) -> bool:
        """Whether the authority decides per round (its decision approves the round's dossiers), not per dossier.

        Set by the definition file's ``decisions``: ``round`` unless it says ``dossier`` (a file loaded
        before the setting existed has the same default); a campaign made in code, without a definition
        file, decides per dossier.
        """
        decisions = (self.definition or {}).get("decisions")
        return (decisions or ("round" if self.definition_sha256 else "dossier")) == "round"

    @classmethod
    def decided_by_round_sql(cls) -> sa.ColumnElement[bool]:
        """``is_decided_by_round`` as a SQL condition."""
        default = sa.case((cls.definition_sha256.is_(None), "dossier"), else_="round")
        return sa.func.coalesce(cls.definition["decisions"].as_string(), default) == "round"


class CampaignRound(db.Model):
    """One award round of a campaign (đợt khen thưởng): a single round, a year, a mid-term or final review.

    Each has its own deadline and quotas, and its own life at the standing
    agency (workflows/round.yaml).
    """

    __tablename__ = "campaign_rounds"
    __table_args__ = (
        sa.UniqueConstraint("campaign_id", "code"),
        # Lets dossiers point at (round, campaign) so a dossier's round always
        # belongs to the dossier's campaign.
        sa.UniqueConstraint("id", "campaign_id"),
        sa.CheckConstraint(_in("kind", ROUND_KINDS), name="kind"),
        sa.CheckConstraint(_in("state", ROUND_STATES), name="state"),
        sa.CheckConstraint("period_end >= period_start", name="period"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    code: Mapped[str] = mapped_column(sa.String(64))
    kind: Mapped[str] = mapped_column(sa.String(16))
    title: Mapped[str] = mapped_column(sa.String(255))
    position: Mapped[int] = mapped_column(default=1)
    period_start: Mapped[dt.date]
    period_end: Mapped[dt.date]
    # The last day on which a dossier is on time.
    deadline: Mapped[dt.date]
    accepts_late: Mapped[bool] = mapped_column(default=False)
    # {"total": {"collective": 5, "individual": 10}, "per_unit": [{"unit_kinds", "unit_codes", "individual"}]}
    quotas: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # [{"metric", "min", "max", "nominee_kind"}]: targets of this round on top of the groups' own.
    requirements: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    # Written only by service.operations.rounds.fire_round_transition.
    state: Mapped[str] = mapped_column(sa.String(16), default=ROUND_WORKFLOW.initial)
    version: Mapped[int] = mapped_column(default=1)
    # The standing agency's tờ trình to the authority, and the authority's decision.
    proposal_number: Mapped[Optional[str]] = mapped_column(sa.String(64))
    proposal_date: Mapped[Optional[dt.date]]
    decision_number: Mapped[Optional[str]] = mapped_column(sa.String(64))
    decision_date: Mapped[Optional[dt.date]]
    # Who signs the tờ trình (an official of the standing agency) and the decision and certificates
    # (one of the authority), with the authority word (service.signing); None: the unit's head.
    proposal_signer_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit_officials.id", ondelete="SET NULL"))
    proposal_signer_authority: Mapped[Optional[str]] = mapped_column(sa.String(8))
    decision_signer_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("unit_officials.id", ondelete="SET NULL"))
    decision_signer_authority: Mapped[Optional[str]] = mapped_column(sa.String(8))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    campaign: Mapped[Campaign] = relationship(back_populates="rounds")

    __mapper_args__ = {"version_id_col": version}


def _single_round_follows(column: str):
    # A campaign with one round has one deadline and one late policy: code
    # written before rounds existed (and pages that edit the campaign) set
    # the campaign's columns, and its only round must not disagree.
    def follow(campaign: Campaign, value: Any, old: Any, initiator: Any) -> None:
        if value is not old and sa.inspect(campaign).persistent and len(campaign.rounds) == 1:
            setattr(campaign.rounds[0], column, value)

    return follow


sa.event.listen(Campaign.submission_deadline, "set", _single_round_follows("deadline"))
sa.event.listen(Campaign.accepts_late, "set", _single_round_follows("accepts_late"))


class RoundEvent(db.Model):
    """One step in a round's life: a fired transition or a reviewer's override. Append-only."""

    __tablename__ = "round_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_rounds.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(32))
    trigger: Mapped[str] = mapped_column(sa.String(64))
    from_state: Mapped[str] = mapped_column(sa.String(16))
    to_state: Mapped[str] = mapped_column(sa.String(16))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()


class RoundOverride(db.Model):
    """The reviewer's decision to select, or leave out, one nominee against the rule; the latest counts."""

    __tablename__ = "round_overrides"
    __table_args__ = (sa.CheckConstraint("length(reason) > 0", name="reason"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_rounds.id", ondelete="CASCADE"), index=True)
    nominee_id: Mapped[int] = mapped_column(sa.ForeignKey("nominees.id", ondelete="CASCADE"), index=True)
    # None withdraws an earlier override: the rule decides again.
    is_selected: Mapped[Optional[bool]]
    reason: Mapped[str] = mapped_column(sa.Text)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class RoundResult(db.Model):
    """One nominee's place in the list the agency proposed (frozen at ``propose``) and the decision."""

    __tablename__ = "round_results"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "nominee_id"),
        sa.CheckConstraint("is_selected OR reason_code IS NOT NULL", name="reason_when_left_out"),
        sa.CheckConstraint("NOT is_awarded OR is_selected", name="awarded_only_if_selected"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_rounds.id", ondelete="CASCADE"), index=True)
    nominee_id: Mapped[int] = mapped_column(sa.ForeignKey("nominees.id", ondelete="CASCADE"), index=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"))
    group_name: Mapped[Optional[str]] = mapped_column(sa.String(255))
    rank: Mapped[Optional[int]]
    # Place in the final list (1, 2, …) for the selected; None for the others.
    list_order: Mapped[Optional[int]]
    is_selected: Mapped[bool] = mapped_column(default=False)
    is_override: Mapped[bool] = mapped_column(default=False)
    is_tied_at_cut: Mapped[bool] = mapped_column(default=False)
    reason_code: Mapped[Optional[str]] = mapped_column(sa.String(32))
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    # Typed and derived figures as they stood when the list was proposed.
    values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    is_awarded: Mapped[bool] = mapped_column(default=False)

    nominee: Mapped["Nominee"] = relationship()


class RoundDecision(db.Model):
    """The decision of an authority other than the campaign's own, for the award forms it issues in a round.

    A title and a commendation may be decided by different authorities, each in a decision of its
    own (Law 06/2022/QH15, art. 80 ff.: who decides each form). The campaign's authority records its
    decision with the round's "decide" step (``CampaignRound.decision_number``); the others here.
    """

    __tablename__ = "round_decisions"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "authority_id"),
        sa.CheckConstraint("length(number) > 0", name="number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    round_id: Mapped[int] = mapped_column(sa.ForeignKey("campaign_rounds.id", ondelete="CASCADE"), index=True)
    authority_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    number: Mapped[str] = mapped_column(sa.String(64))
    decision_date: Mapped[dt.date]
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    authority: Mapped[Unit] = relationship()


class Dossier(db.Model):
    """One unit's nomination dossier for one round of a campaign."""

    __tablename__ = "dossiers"
    __table_args__ = (
        sa.UniqueConstraint("round_id", "unit_id"),
        sa.ForeignKeyConstraint(["round_id", "campaign_id"], ["campaign_rounds.id", "campaign_rounds.campaign_id"]),
        sa.CheckConstraint(_in("state", DOSSIER_STATES), name="state"),
        sa.CheckConstraint("to_trinh_number IS NULL OR to_trinh_number > 0", name="to_trinh_number"),
        sa.CheckConstraint("bien_ban_number IS NULL OR bien_ban_number > 0", name="bien_ban_number"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id"), index=True)
    round_id: Mapped[int] = mapped_column(index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    # Written only by service.operations.workflow.fire_transition.
    state: Mapped[str] = mapped_column(sa.String(32), default=WORKFLOW.initial)
    # Optimistic lock: every UPDATE checks and bumps it (SQLAlchemy version_id_col).
    version: Mapped[int] = mapped_column(default=1)
    # Bumped by every change of what the documents show; documents record the revision they show.
    content_revision: Mapped[int] = mapped_column(default=1)
    # Bumped by every change of the nominees or their figures; the council's vote records the
    # revision it voted on, and a vote on an older one cannot be finalised.
    nominees_revision: Mapped[int] = mapped_column(default=0, server_default="0")
    is_late: Mapped[bool] = mapped_column(default=False)
    to_trinh_number: Mapped[Optional[int]]
    to_trinh_date: Mapped[Optional[dt.date]]
    bien_ban_number: Mapped[Optional[int]]
    recipients: Mapped[list[str]] = mapped_column(sa.JSON, default=list)
    decision_number: Mapped[Optional[str]] = mapped_column(sa.String(64))
    decision_date: Mapped[Optional[dt.date]]
    submitted_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))

    campaign: Mapped[Campaign] = relationship()
    round: Mapped[CampaignRound] = relationship(
        foreign_keys=[round_id], primaryjoin="Dossier.round_id == CampaignRound.id")
    unit: Mapped[Unit] = relationship()
    nominees: Mapped[list["Nominee"]] = relationship(
        back_populates="dossier", order_by="Nominee.position_in_list, Nominee.id",
        cascade="all, delete-orphan",
    )
    meeting: Mapped[Optional["CouncilMeeting"]] = relationship(
        back_populates="dossier", cascade="all, delete-orphan", uselist=False,
    )

    __mapper_args__ = {"version_id_col": version}


class Nominee(db.Model):
    """A collective or an individual proposed for an award in a dossier."""

    __tablename__ = "nominees"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", NOMINEE_KINDS), name="kind"),
        sa.CheckConstraint("gender IS NULL OR " + _in("gender", GENDERS), name="gender"),
        sa.CheckConstraint("kind = 'individual' OR gender IS NULL", name="collective_has_no_gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    full_name: Mapped[str] = mapped_column(sa.String(255))
    gender: Mapped[Optional[str]] = mapped_column(sa.String(8))
    position: Mapped[str] = mapped_column(sa.String(255), default="")
    workplace: Mapped[str] = mapped_column(sa.String(255), default="")
    is_leader: Mapped[bool] = mapped_column(default=False)
    award_form: Mapped[str] = mapped_column(sa.String(64))
    metric_values: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    achievement_summary: Mapped[str] = mapped_column(sa.Text, default="")
    position_in_list: Mapped[int] = mapped_column(default=0)
    # The register's record of the same individual or collective, when the nominee was picked from it
    # (or written into it); None for a nominee typed without the register.
    person_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("people.id", ondelete="SET NULL"), index=True)
    version: Mapped[int] = mapped_column(default=1)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    dossier: Mapped[Dossier] = relationship(back_populates="nominees")
    person: Mapped[Optional["Person"]] = relationship()

    __mapper_args__ = {"version_id_col": version}


AWARD_FAMILIES = ("title", "commendation")
AWARD_SOURCES = ("decision", "import", "manual")


class Person(db.Model):
    """An individual or a collective kept in the register, the same record across campaigns and units.

    A collective is a whole unit or a named part of one (its office, its team); ``unit_id`` is the
    unit it belongs to now, ``placements`` where it was before. ``name_folded`` is the name without
    diacritics, lower case (service.text.fold_name), which name searches match.
    Birth date and ID number are personal data (Decree 13/2023/NĐ-CP): service.access decides who
    may read them.
    """

    __tablename__ = "people"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", NOMINEE_KINDS), name="kind"),
        sa.CheckConstraint("gender IS NULL OR " + _in("gender", GENDERS), name="gender"),
        sa.CheckConstraint("kind = 'individual' OR (gender IS NULL AND birth_date IS NULL AND id_number IS NULL)",
                           name="collective_has_no_personal_data"),
        sa.CheckConstraint("length(full_name) > 0", name="full_name"),
        sa.Index("ix_people_unit_id_name_folded", "unit_id", "name_folded"),
        # Searching a part of a name ("van an") on PostgreSQL: a trigram index (migration 0017).
        sa.Index("ix_people_name_trgm", "name_folded", postgresql_using="gin",
                 postgresql_ops={"name_folded": "public.gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))
    full_name: Mapped[str] = mapped_column(sa.String(255))
    name_folded: Mapped[str] = mapped_column(sa.String(255), index=True)
    gender: Mapped[Optional[str]] = mapped_column(sa.String(8))
    birth_date: Mapped[Optional[dt.date]]
    position: Mapped[str] = mapped_column(sa.String(255), default="")
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"))
    # A collective that is the whole unit (not a named part of it).
    is_whole_unit: Mapped[bool] = mapped_column(default=False)
    # Số CCCD/CMND; optional, collected only where a form needs it.
    id_number: Mapped[Optional[str]] = mapped_column(sa.String(32))
    is_active: Mapped[bool] = mapped_column(default=True)
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    unit: Mapped[Unit] = relationship()
    placements: Mapped[list["PersonPlacement"]] = relationship(
        back_populates="person", order_by="PersonPlacement.started_on, PersonPlacement.id",
        cascade="all, delete-orphan")


class PersonPlacement(db.Model):
    """Where a person worked, and as what, from one date to another: a transfer closes one and opens the next."""

    __tablename__ = "person_placements"
    __table_args__ = (sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id", ondelete="CASCADE"), index=True)
    unit_id: Mapped[int] = mapped_column(sa.ForeignKey("units.id"), index=True)
    position: Mapped[str] = mapped_column(sa.String(255), default="")
    started_on: Mapped[dt.date]
    ended_on: Mapped[Optional[dt.date]]
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship(back_populates="placements")
    unit: Mapped[Unit] = relationship()


class AwardRecord(db.Model):
    """One award given: who, which form, by which decision, for what. Never deleted, only revoked.

    Written by the decision recorded in the product (``source`` "decision", one per nominee), imported
    from an agency's earlier books ("import") or typed with its decision reference ("manual"). Law
    06/2022/QH15 chapter VII: an award obtained wrongly is revoked by a decision of its own, and the
    record keeps the revoking decision and the reason. What the decision printed (names, form, body)
    is kept as text, so that later renames do not rewrite history.
    """

    __tablename__ = "award_records"
    __table_args__ = (
        sa.CheckConstraint(_in("family", AWARD_FAMILIES), name="family"),
        sa.CheckConstraint(_in("source", AWARD_SOURCES), name="source"),
        sa.CheckConstraint(_in("recipient_kind", NOMINEE_KINDS), name="recipient_kind"),
        sa.CheckConstraint("year >= 1945 AND year <= 2200", name="year"),
        sa.CheckConstraint("length(decision_number) > 0", name="decision_number"),
        sa.CheckConstraint("prize_amount IS NULL OR prize_amount >= 0", name="prize_amount"),
        sa.CheckConstraint("source <> 'decision' OR nominee_id IS NOT NULL", name="decision_has_nominee"),
        sa.CheckConstraint(
            "(revoked_at IS NULL AND revocation_number IS NULL AND revocation_reason IS NULL)"
            " OR (revoked_at IS NOT NULL AND revocation_number IS NOT NULL AND revocation_date IS NOT NULL"
            " AND length(revocation_reason) > 0)", name="revocation_whole"),
        sa.UniqueConstraint("nominee_id", "form_code"),
        sa.Index("ix_award_records_person_year", "person_id", "year"),
        sa.Index("ix_award_records_unit_year", "unit_id", "year"),
        sa.Index("ix_award_records_year_form", "year", "form_code"),
        # Searching a part of a name without diacritics on PostgreSQL: a trigram index (migration 0017).
        sa.Index("ix_award_records_name_trgm", "name_folded", postgresql_using="gin",
                 postgresql_ops={"name_folded": "public.gin_trgm_ops"}),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"))
    recipient_kind: Mapped[str] = mapped_column(sa.String(16))
    # As the decision printed them.
    recipient_name: Mapped[str] = mapped_column(sa.String(255))
    name_folded: Mapped[str] = mapped_column(sa.String(255), index=True)
    gender: Mapped[Optional[str]] = mapped_column(sa.String(8))
    position: Mapped[str] = mapped_column(sa.String(255), default="")
    unit_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"))
    workplace: Mapped[str] = mapped_column(sa.String(255), default="")
    # The award form: its code in the campaign or the catalogue, its name as printed, and whether it
    # is a title (recognised) or a commendation (given).
    form_code: Mapped[str] = mapped_column(sa.String(64))
    form_name: Mapped[str] = mapped_column(sa.String(255))
    family: Mapped[str] = mapped_column(sa.String(16))
    year: Mapped[int]
    # The period the achievement belongs to (the round's), when known: the same achievement is
    # never rewarded twice (Law 06/2022/QH15).
    period_start: Mapped[Optional[dt.date]]
    period_end: Mapped[Optional[dt.date]]
    achievement: Mapped[str] = mapped_column(sa.Text, default="")
    decision_number: Mapped[str] = mapped_column(sa.String(64), index=True)
    decision_date: Mapped[dt.date]
    authority_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("units.id"))
    authority_name: Mapped[str] = mapped_column(sa.String(255), default="")
    prize_amount: Mapped[Optional[int]] = mapped_column(sa.BigInteger)
    campaign_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="SET NULL"),
                                                       index=True)
    round_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("campaign_rounds.id", ondelete="SET NULL"))
    nominee_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("nominees.id", ondelete="SET NULL"))
    source: Mapped[str] = mapped_column(sa.String(16))
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    revocation_number: Mapped[Optional[str]] = mapped_column(sa.String(64))
    revocation_date: Mapped[Optional[dt.date]]
    revocation_reason: Mapped[Optional[str]] = mapped_column(sa.Text)
    revoked_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()
    unit: Mapped[Optional[Unit]] = relationship(foreign_keys=[unit_id])
    authority: Mapped[Optional[Unit]] = relationship(foreign_keys=[authority_id])


class Initiative(db.Model):
    """An initiative ("sáng kiến") or applied research recognised for a person, which higher titles need.

    Law 06/2022/QH15 and its decrees: "Chiến sĩ thi đua cơ sở" needs one recognised at the base level;
    the provincial title one of provincial reach (``scope``).
    """

    __tablename__ = "initiatives"
    __table_args__ = (sa.CheckConstraint("length(title) > 0", name="title"),
                      sa.CheckConstraint("year >= 1945 AND year <= 2200", name="year"),
                      sa.CheckConstraint(_in("scope", ("unit", "province", "national")), name="scope"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    title: Mapped[str] = mapped_column(sa.Text)
    year: Mapped[int]
    # Where it was recognised: "unit" (cơ sở), "province" (cấp bộ, ngành, tỉnh), "national".
    scope: Mapped[str] = mapped_column(sa.String(16), default="unit")
    recognised_by: Mapped[str] = mapped_column(sa.String(255), default="")
    decision_number: Mapped[str] = mapped_column(sa.String(64), default="")
    recognised_on: Mapped[Optional[dt.date]]
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()


class DisciplineRecord(db.Model):
    """A disciplinary measure on a person for a period, which makes them ineligible for some forms then."""

    __tablename__ = "discipline_records"
    __table_args__ = (sa.CheckConstraint("length(measure) > 0", name="measure"),
                      sa.CheckConstraint("ended_on IS NULL OR ended_on >= started_on", name="period"))

    id: Mapped[int] = mapped_column(primary_key=True)
    person_id: Mapped[int] = mapped_column(sa.ForeignKey("people.id"), index=True)
    # "Khiển trách", "Cảnh cáo"…, as the decision words it.
    measure: Mapped[str] = mapped_column(sa.String(128))
    decision_number: Mapped[str] = mapped_column(sa.String(64), default="")
    started_on: Mapped[dt.date]
    ended_on: Mapped[Optional[dt.date]]
    reason: Mapped[str] = mapped_column(sa.Text, default="")
    created_by_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    person: Mapped[Person] = relationship()


class CouncilMeeting(db.Model):
    """The meeting of the unit's emulation council that voted on the nominees."""

    __tablename__ = "council_meetings"
    __table_args__ = (
        sa.CheckConstraint("total_members > 0", name="total_members"),
        sa.CheckConstraint("present_members >= 0 AND present_members <= total_members", name="present_members"),
        sa.CheckConstraint(_in("voting_method", VOTING_METHODS), name="voting_method"),
        sa.CheckConstraint("ended_at IS NULL OR ended_at >= started_at", name="ended_after_start"),
        sa.CheckConstraint("chair_gender IS NULL OR " + _in("chair_gender", GENDERS), name="chair_gender"),
        sa.CheckConstraint("secretary_gender IS NULL OR " + _in("secretary_gender", GENDERS),
                           name="secretary_gender"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"), unique=True)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    place: Mapped[str] = mapped_column(sa.String(255))
    chair_name: Mapped[str] = mapped_column(sa.String(128))
    chair_gender: Mapped[Optional[str]] = mapped_column(sa.String(8))
    chair_position: Mapped[str] = mapped_column(sa.String(255), default="")
    secretary_name: Mapped[str] = mapped_column(sa.String(128))
    secretary_gender: Mapped[Optional[str]] = mapped_column(sa.String(8))
    secretary_position: Mapped[str] = mapped_column(sa.String(255), default="")
    total_members: Mapped[int]
    present_members: Mapped[int]
    # [{"name", "reason", "written_opinion"}]
    absentees: Mapped[list[dict[str, Any]]] = mapped_column(sa.JSON, default=list)
    voting_method: Mapped[str] = mapped_column(sa.String(16))
    recorded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    recorded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # The dossier's nominees_revision the council voted on.
    nominees_revision: Mapped[int] = mapped_column(default=0, server_default="0")

    dossier: Mapped[Dossier] = relationship(back_populates="meeting")
    votes: Mapped[list["Vote"]] = relationship(back_populates="meeting", cascade="all, delete-orphan")


class Vote(db.Model):
    """Votes in favour of one nominee at one council meeting."""

    __tablename__ = "votes"
    __table_args__ = (
        sa.UniqueConstraint("meeting_id", "nominee_id"),
        sa.CheckConstraint("votes_in_favour >= 0", name="votes_in_favour"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    meeting_id: Mapped[int] = mapped_column(sa.ForeignKey("council_meetings.id", ondelete="CASCADE"))
    nominee_id: Mapped[int] = mapped_column(sa.ForeignKey("nominees.id", ondelete="CASCADE"), index=True)
    votes_in_favour: Mapped[int]

    meeting: Mapped[CouncilMeeting] = relationship(back_populates="votes")
    nominee: Mapped[Nominee] = relationship()


class HistoryEvent(db.Model):
    """One fired transition. Rows are only ever added (append-only)."""

    __tablename__ = "history_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    actor_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(32))
    trigger: Mapped[str] = mapped_column(sa.String(64))
    from_state: Mapped[str] = mapped_column(sa.String(32))
    to_state: Mapped[str] = mapped_column(sa.String(32))
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    # What else the step recorded: decision number, late submission, frozen documents.
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    actor: Mapped[User] = relationship()


class GeneratedDocument(db.Model):
    """One version of one Word document of a dossier, stored by content hash."""

    __tablename__ = "generated_documents"
    __table_args__ = (
        sa.UniqueConstraint("dossier_id", "kind", "version"),
        sa.CheckConstraint(_in("kind", DOCUMENT_KINDS), name="kind"),
        sa.CheckConstraint("size > 0", name="size"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    dossier_id: Mapped[int] = mapped_column(sa.ForeignKey("dossiers.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    version: Mapped[int]
    content_revision: Mapped[int]
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    template_name: Mapped[str] = mapped_column(sa.String(128))
    template_sha256: Mapped[str] = mapped_column(sa.String(64))
    is_frozen: Mapped[bool] = mapped_column(default=False)
    frozen_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # Who the document names as its signer, as chosen when it was generated (None for the minutes,
    # which the chair and the secretary sign): the official, the authority word, and the name and
    # position as printed, kept even if the official is later changed or removed.
    signer_official_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("unit_officials.id", ondelete="SET NULL"))
    signer_authority: Mapped[Optional[str]] = mapped_column(sa.String(8))
    signer_name: Mapped[Optional[str]] = mapped_column(sa.String(128))
    signer_position: Mapped[Optional[str]] = mapped_column(sa.String(128))
    created_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)

    created_by: Mapped[User] = relationship()


class LoginFailure(db.Model):
    """A refused sign-in, kept a short while to slow down password guessing."""

    __tablename__ = "login_failures"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), index=True)
    client_address: Mapped[str] = mapped_column(sa.String(64), index=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)


class BaseSalaryLevel(db.Model):
    """One level of the base salary (mức lương cơ sở) as an administrator keeps it.

    When the table is empty the levels packaged with the service apply
    (service/awards/base_salary.yaml).
    """

    __tablename__ = "base_salary_levels"
    __table_args__ = (sa.CheckConstraint("amount > 0", name="amount"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    valid_from: Mapped[dt.date] = mapped_column(unique=True)
    amount: Mapped[int]
    source: Mapped[str] = mapped_column(sa.String(255), default="")
    needs_check: Mapped[bool] = mapped_column(default=False)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


class CustomTemplate(db.Model):
    """A Word template an administrator uploaded to replace a built-in one for one campaign.

    The file lives in the document store under its SHA-256; the built-in template
    stays the fallback when the row is removed.
    """

    __tablename__ = "custom_templates"
    __table_args__ = (sa.UniqueConstraint("campaign_id", "kind"), sa.CheckConstraint("size > 0", name="size"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    sha256: Mapped[str] = mapped_column(sa.String(64))
    size: Mapped[int]
    file_name: Mapped[str] = mapped_column(sa.String(255), default="")
    uploaded_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)


CERTIFICATE_PAPERS = ("A3", "A4", "A5")
CERTIFICATE_ORIENTATIONS = ("landscape", "portrait")


class CertificateLayout(db.Model):
    """Where a campaign prints the variable text of its certificates on pre-printed blanks.

    ``fields`` holds, for each field of ``service.documents.certificate_layout.FIELDS``,
    ``{x, y, width, font_size, is_printed}`` (millimetres from the paper's left and top
    edges, points); a campaign without a row uses the default layout.
    """

    __tablename__ = "certificate_layouts"
    __table_args__ = (sa.CheckConstraint(_in("paper", CERTIFICATE_PAPERS), name="paper"),
                      sa.CheckConstraint(_in("orientation", CERTIFICATE_ORIENTATIONS), name="orientation"))

    id: Mapped[int] = mapped_column(primary_key=True)
    campaign_id: Mapped[int] = mapped_column(sa.ForeignKey("campaigns.id", ondelete="CASCADE"), unique=True)
    paper: Mapped[str] = mapped_column(sa.String(8))
    orientation: Mapped[str] = mapped_column(sa.String(16))
    fields: Mapped[dict[str, Any]] = mapped_column(sa.JSON)
    updated_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)


JOB_KINDS = ("round_documents",)
JOB_STATES = ("queued", "running", "finished", "failed")


class Job(db.Model):
    """Long work done in the background: every document of a round in one .zip, say.

    The row is the truth about the job for every app server: its state and
    progress are written here by whichever worker runs it (an RQ worker, or a
    thread of the app process when no Redis is configured), and read by any
    app server the user's next request lands on.
    """

    __tablename__ = "jobs"
    __table_args__ = (
        sa.CheckConstraint(_in("kind", JOB_KINDS), name="kind"),
        sa.CheckConstraint(_in("state", JOB_STATES), name="state"),
        sa.CheckConstraint("done >= 0 AND total >= 0 AND done <= total", name="progress"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(32))
    round_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("campaign_rounds.id", ondelete="CASCADE"),
                                                    index=True)
    requested_by_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id"))
    state: Mapped[str] = mapped_column(sa.String(16), default="queued")
    done: Mapped[int] = mapped_column(default=0)
    total: Mapped[int] = mapped_column(default=0)
    # What the worker is doing now, in Vietnamese, for the progress bar.
    message: Mapped[str] = mapped_column(sa.Text, default="")
    error: Mapped[str] = mapped_column(sa.Text, default="")
    # The result file, relative to the document store's root, and what it holds.
    result_path: Mapped[Optional[str]] = mapped_column(sa.String(255))
    result_size: Mapped[Optional[int]]
    result_name: Mapped[Optional[str]] = mapped_column(sa.String(255))
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    started_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    finished_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # Written with every progress step; a running job whose heartbeat stops has lost its worker.
    heartbeat_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    # Which process runs the job (host:pid:process start), so that a restarted process's jobs are
    # known to be lost at once instead of after JOB_STALE_SECONDS without a heartbeat.
    worker_id: Mapped[Optional[str]] = mapped_column(sa.String(128))

    requested_by: Mapped["User"] = relationship()
    round: Mapped[Optional["CampaignRound"]] = relationship()


class AuditEvent(db.Model):
    """One change of data: who, when, what, on which record, with old and new values. Append-only.

    The database refuses UPDATE and DELETE on this table (triggers written by
    migration 0007). Dossier, round and campaign are plain indexed numbers,
    not foreign keys: the trail outlives what it describes.
    """

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=utcnow)
    # None when the change came from the command line (the server's operator).
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("users.id"))
    actor_role: Mapped[str] = mapped_column(sa.String(32), default="")
    # "<target>.<verb>": "nominee.update", "vote.update", "round.override", "salary_table.replace".
    action: Mapped[str] = mapped_column(sa.String(64))
    target_type: Mapped[str] = mapped_column(sa.String(64))
    target_id: Mapped[Optional[int]]
    campaign_id: Mapped[Optional[int]] = mapped_column(index=True)
    round_id: Mapped[Optional[int]] = mapped_column(index=True)
    dossier_id: Mapped[Optional[int]] = mapped_column(index=True)
    # Who or what the change is about, in words people read: the nominee's name, the template's title.
    subject: Mapped[str] = mapped_column(sa.String(255), default="")
    # {field: {"old": ..., "new": ...}}, only the fields that changed.
    changes: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    # Why, when the change carries a reason (a reviewer's override).
    comment: Mapped[str] = mapped_column(sa.Text, default="")
    request_id: Mapped[str] = mapped_column(sa.String(64), default="")

    actor: Mapped[Optional[User]] = relationship()
