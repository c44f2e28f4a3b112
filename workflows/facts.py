"""Immutable snapshots of a dossier that the guards reason about.

The service layer reads its database and fills these dataclasses; nothing in
``workflows`` ever touches the database.  Keeping the facts frozen means the
guard results for one snapshot cannot change between ``evaluate`` and
``fire``, which is what lets ``fire`` trust its own pre-check.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from fractions import Fraction
from typing import Literal, Optional

__all__ = ["VoteRule", "NomineeFacts", "MeetingFacts", "DossierFacts", "DENOMINATORS"]

#: What a vote share is measured against: every council member, or only
#: the members present at the meeting.
DENOMINATORS = ("members", "present")


@dataclass(frozen=True)
class VoteRule:
    """How many "yes" votes a nominee needs.

    A nominee passes when ``votes / base`` is greater than ``threshold``
    (``strict=True``) or at least ``threshold`` (``strict=False``), where
    ``base`` is the total membership (``denominator='members'``) or the
    members present (``denominator='present'``).
    """

    threshold: Fraction
    strict: bool
    denominator: Literal["members", "present"]

    def __post_init__(self) -> None:
        # Floats would reintroduce rounding at the exact boundary (e.g. 80 %),
        # which is precisely where a vote is decided; callers go through
        # rules.vote_rule_from_dict to turn "4/5" or 0.8 into a Fraction.
        if not isinstance(self.threshold, Fraction):
            raise TypeError("VoteRule.threshold must be a fractions.Fraction")
        if not 0 < self.threshold <= 1:
            raise ValueError("VoteRule.threshold must be in (0, 1]")
        if self.strict and self.threshold == 1:
            raise ValueError("a strict threshold of 1 can never be reached")
        if not isinstance(self.strict, bool):
            raise TypeError("VoteRule.strict must be a bool")
        if self.denominator not in DENOMINATORS:
            raise ValueError(f"VoteRule.denominator must be one of {DENOMINATORS}")


@dataclass(frozen=True)
class NomineeFacts:
    """One person or collective proposed in the dossier.

    ``missing_fields`` holds the Vietnamese labels of required fields that are
    still empty; ``votes_in_favour`` is ``None`` until the council secretary
    records the vote.
    """

    id: int
    name: str
    missing_fields: tuple[str, ...]
    vote_rule: VoteRule
    votes_in_favour: Optional[int]

    def __post_init__(self) -> None:
        # Accept any sequence from the service but store a tuple so the
        # snapshot stays immutable and hashable.
        object.__setattr__(self, "missing_fields", tuple(self.missing_fields))


@dataclass(frozen=True)
class MeetingFacts:
    """Attendance of the council meeting that voted on the dossier.

    Inconsistent numbers (e.g. more present than members) are accepted here
    and reported by the ``meeting_recorded`` guard, so a bad row in the
    database produces a readable refusal instead of a crash.
    """

    total_members: int
    present_members: int
    #: The nominees and their figures are the ones the council voted on (none changed since).
    matches_nominees: bool = True
    #: The dossier was returned for revision after this meeting was recorded.
    returned_since: bool = False


@dataclass(frozen=True, kw_only=True)
class DossierFacts:
    """Everything the guards need to know about one dossier, at one moment.

    ``today`` must be the current date in Vietnam (UTC+7): deadlines are
    calendar days of the issuing body, not of the server's clock.  A
    ``deadline`` of ``None`` means the award round has no closing date.
    Keyword-only because ten fields are too many to pass by position safely.
    """

    state: str
    nominees: tuple[NomineeFacts, ...]
    documents_current: bool
    today: date
    meeting: Optional[MeetingFacts] = None
    deadline: Optional[date] = None
    accepts_late: bool = False
    comment: Optional[str] = None
    decision_number: Optional[str] = None
    decision_date: Optional[date] = None
    #: The campaign records its award decisions per round (the round's decision approves its dossiers).
    decided_by_round: bool = False
    #: This move is the round's decision reaching the dossier, not a decision recorded for the dossier alone.
    by_round_decision: bool = False

    def __post_init__(self) -> None:
        object.__setattr__(self, "nominees", tuple(self.nominees))


#: Names of DossierFacts fields, used by the YAML loader to check that a
#: transition's ``required_fields`` refer to something the service can fill.
DOSSIER_FIELDS = frozenset(f for f in DossierFacts.__dataclass_fields__)
