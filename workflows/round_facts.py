"""Immutable snapshot of one award round (đợt khen thưởng) that the round guards reason about.

The standing agency's side of a campaign: the service counts the round's
dossiers and ranks its nominees, then hands these plain facts to the round
workflow.  Like ``DossierFacts`` they are frozen, so ``evaluate`` and the
machine's own check see the same thing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Optional

__all__ = ["RoundFacts", "ROUND_FIELDS"]


@dataclass(frozen=True, kw_only=True)
class RoundFacts:
    """Everything the round guards need to know about one round, at one moment.

    ``today`` is the calendar day in Vietnam.  ``deadline`` is the last day on
    which a unit's dossier is on time (None: the round has no closing date).
    ``pending_reviews`` counts dossiers sent in but not yet accepted,
    returned or rejected; ``accepted_dossiers`` those accepted (or already
    approved).  ``selected_count`` is how many nominees the ranking selects
    now, and ``quota_breaches`` names every quota that the reviewer's
    overrides would exceed.  ``duplicate_people`` names each person the list
    selects more than once.  ``proposal_*`` and ``decision_*`` are what the
    request brings, or what the round already recorded.
    """

    state: str
    today: date
    deadline: Optional[date] = None
    pending_reviews: int = 0
    accepted_dossiers: int = 0
    selected_count: int = 0
    quota_breaches: tuple[str, ...] = ()
    #: One sentence per person selected more than once in the round (from two dossiers, say).
    duplicate_people: tuple[str, ...] = ()
    comment: Optional[str] = None
    proposal_number: Optional[str] = None
    proposal_date: Optional[date] = None
    decision_number: Optional[str] = None
    decision_date: Optional[date] = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "quota_breaches", tuple(self.quota_breaches))
        object.__setattr__(self, "duplicate_people", tuple(self.duplicate_people))


#: Names a round transition's ``required_fields`` may use.
ROUND_FIELDS = frozenset(RoundFacts.__dataclass_fields__)
