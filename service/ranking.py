"""Ranking a round's nominees and applying its quotas: pure functions, no database.

The rule comes from the campaign's definition: nominees fall into groups
(collectives of departments, collectives of wards, individuals …), each
group orders its members by a list of metrics (higher or lower is better),
then by the plan's tie-break (BHXH Việt Nam 4111/BHXH-TĐKT: the better last
three months), then by a stable key so that the same data always gives the
same list.  A nominee is eligible only if its unit's dossier was accepted,
the unit's council voted for it by the required share (Luật Thi đua, khen
thưởng 06/2022/QH15 and its decrees: the council's vote comes first) and it
meets the plan's targets; eligible nominees are then selected in rank order
until a quota is full.  Every nominee left out gets a reason code and a
Vietnamese sentence.

The reviewer may override a selection; a forced selection takes its place
before the others (and may push the last one out), a forced exclusion frees
its place.  Nominees the council did not pass, or whose dossier was not
accepted, cannot be forced in: that would award someone without the
decision of the body the law requires.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Iterable, Mapping, Optional, Sequence

from workflows import WORKFLOW

from .campaigns.metrics import requirement_failure

__all__ = [
    "Entry", "Group", "MetricKey", "Outcome", "Override", "QuotaLimit", "RankingResult", "RankingRule",
    "Requirement", "REASONS", "FORCEABLE_REASONS", "base_reason", "rank",
]

#: Reason codes, and what they mean in one short phrase.
REASONS = {
    "not_accepted": "Hồ sơ chưa được chấp thuận",
    "rejected_in_review": "Hồ sơ không được chấp thuận khi thẩm định",
    "already_decided": "Hồ sơ đã có quyết định khen thưởng riêng",
    "failed_vote": "Không đạt tỷ lệ phiếu của Hội đồng",
    "below_target": "Chưa đạt chỉ tiêu",
    "collective_not_selected": "Tập thể của đơn vị không được chọn",
    "over_quota": "Vượt số lượng khen thưởng",
    "no_group": "Không thuộc nhóm xét chọn nào",
    "override": "Cơ quan thường trực điều chỉnh",
}
#: What the reviewer may set aside by overriding; the rest is for the council or the review to decide.
FORCEABLE_REASONS = frozenset({"below_target", "collective_not_selected", "over_quota"})

# Dossiers whose nominees may be ranked: those the review accepted (workflows/dossier.yaml).
ELIGIBLE_STATES = frozenset(WORKFLOW.states_where(counts_as_accepted=True))
_KIND_WORDS = {"collective": "tập thể", "individual": "cá nhân"}


@dataclass(frozen=True)
class MetricKey:
    """One metric a group is ordered by."""

    code: str
    label: str
    unit: str = ""
    higher_is_better: bool = True


@dataclass(frozen=True)
class Requirement:
    """A target or threshold a nominee must meet (``min`` ≤ value ≤ ``max``)."""

    code: str
    label: str
    unit: str = ""
    minimum: Optional[float] = None
    maximum: Optional[float] = None
    nominee_kind: Optional[str] = None

    def failure(self, values: Mapping[str, Any]) -> Optional[str]:
        return requirement_failure({"min": self.minimum, "max": self.maximum}, values.get(self.code),
                                   self.label, self.unit)


@dataclass(frozen=True)
class Group:
    """Nominees of one kind (and optionally some unit kinds or units) ranked by the same metrics."""

    name: str
    nominee_kind: str
    order: tuple[MetricKey, ...] = ()
    tie_break: tuple[MetricKey, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    unit_kinds: frozenset[str] = frozenset()
    unit_codes: frozenset[str] = frozenset()

    def admits(self, entry: "Entry") -> bool:
        if entry.kind != self.nominee_kind:
            return False
        if self.unit_codes and entry.unit_code in self.unit_codes:
            return True
        if self.unit_kinds and entry.unit_kind in self.unit_kinds:
            return True
        return not self.unit_codes and not self.unit_kinds


@dataclass(frozen=True)
class QuotaLimit:
    """At most ``limit`` nominees of ``kind``: in the whole round, or in each unit the selector names."""

    kind: str
    limit: int
    per_unit: bool = False
    unit_kinds: frozenset[str] = frozenset()
    unit_codes: frozenset[str] = frozenset()
    label: str = ""

    def applies_to(self, entry: "Entry") -> bool:
        if entry.kind != self.kind:
            return False
        if not self.per_unit or (not self.unit_kinds and not self.unit_codes):
            return True
        return entry.unit_code in self.unit_codes or entry.unit_kind in self.unit_kinds

    def describe(self) -> str:
        if self.label:
            return self.label
        what = f"{self.limit} {_KIND_WORDS[self.kind]}"
        return f"tối đa {what} mỗi đơn vị" if self.per_unit else f"tối đa {what} trong đợt"


@dataclass(frozen=True)
class RankingRule:
    groups: tuple[Group, ...]
    quotas: tuple[QuotaLimit, ...] = ()
    requirements: tuple[Requirement, ...] = ()
    individuals_need_selected_collective: bool = False


@dataclass(frozen=True, slots=True)
class Entry:
    """One nominee as the ranking sees it: figures (typed and derived), vote, review, unit."""

    nominee_id: int
    kind: str
    unit_code: str
    unit_kind: str
    values: Mapping[str, Any]
    dossier_state: str = "accepted"
    vote_passed: Optional[bool] = True
    vote_note: str = ""
    review_note: str = ""
    stable_key: tuple = ()


@dataclass(frozen=True)
class Override:
    nominee_id: int
    selected: bool
    reason: str


@dataclass(slots=True)
class Outcome:
    """Where one nominee ends up, and why."""

    entry: Entry
    group: Optional[str]
    rank: Optional[int] = None
    is_selected: bool = False
    reason_code: Optional[str] = None
    reason: str = ""
    is_override: bool = False
    tied_at_cut: bool = False
    order: Optional[int] = None
    # The group's sort key (figures, then the stable key), computed once.
    sort_key: tuple = ()

    @property
    def nominee_id(self) -> int:
        return self.entry.nominee_id


@dataclass
class RankingResult:
    outcomes: list[Outcome]
    breaches: list[str] = field(default_factory=list)

    @property
    def selected(self) -> list[Outcome]:
        """The selected nominees in final order (groups as declared, collectives first, by rank)."""
        chosen = [o for o in self.outcomes if o.is_selected]
        chosen.sort(key=lambda o: o.order or 0)
        return chosen

    def by_nominee(self) -> dict[int, Outcome]:
        return {o.nominee_id: o for o in self.outcomes}


def _sort_key(group: Group):
    metrics = [(m.code, m.higher_is_better) for m in group.order + group.tie_break]
    missing = (1, 0)

    def key(entry: Entry) -> tuple:
        values = entry.values
        parts = tuple([missing if (value := values.get(code)) is None else (0, -value if higher else value)
                       for code, higher in metrics])
        return parts, entry.stable_key, entry.nominee_id

    return key


def _eligibility(entry: Entry, group: Group, rule: RankingRule) -> tuple[Optional[str], str]:
    if entry.dossier_state == "rejected":
        note = f": {entry.review_note}" if entry.review_note else "."
        return "rejected_in_review", f"Hồ sơ của đơn vị không được chấp thuận khi thẩm định{note}"
    if entry.dossier_state == "approved":
        # While the round's list is live (before its decision) an approved dossier was decided on its own,
        # and one achievement is rewarded once (Luật Thi đua, khen thưởng 06/2022/QH15, art. 5).
        note = f" ({entry.review_note})" if entry.review_note else ""
        return "already_decided", (f"Hồ sơ của đơn vị đã có quyết định khen thưởng riêng{note}; "
                                   "không xét chọn lại trong đợt.")
    if entry.dossier_state not in ELIGIBLE_STATES:
        return "not_accepted", "Hồ sơ của đơn vị chưa được chấp thuận khi tổng hợp đợt khen thưởng."
    if entry.vote_passed is not True:
        note = f" ({entry.vote_note})" if entry.vote_note else ""
        return "failed_vote", f"Không đạt tỷ lệ phiếu đồng ý của Hội đồng Thi đua - Khen thưởng đơn vị{note}."
    failures = [r.failure(entry.values) for r in group.requirements]
    failures += [r.failure(entry.values) for r in rule.requirements
                 if r.nominee_kind in (None, entry.kind)]
    failures = [f for f in failures if f]
    if failures:
        return "below_target", "Chưa đạt chỉ tiêu: " + "; ".join(failures) + "."
    return None, ""


def base_reason(entry: Entry, rule: RankingRule) -> tuple[Optional[str], str]:
    """Why the rule alone (no quota, no override) leaves ``entry`` out: (code, sentence), or (None, "")."""
    group = next((g for g in rule.groups if g.admits(entry)), None)
    if group is None:
        return "no_group", "Không thuộc nhóm xét chọn nào của phong trào."
    return _eligibility(entry, group, rule)


def rank(entries: Iterable[Entry], rule: RankingRule, overrides: Sequence[Override] = ()) -> RankingResult:
    """Rank ``entries`` by ``rule``, apply ``overrides`` (the last one per nominee counts), select.

    Deterministic: the same entries give the same order whatever order they
    come in.  Ranks are competition ranks (1, 2, 2, 4) over the group's order
    and tie-break metrics; equal ranks are then ordered by the stable key.
    """
    forced: dict[int, Override] = {}
    for override in overrides:
        forced[override.nominee_id] = override

    outcomes: list[Outcome] = []
    members: dict[int, list[Entry]] = {index: [] for index in range(len(rule.groups))}
    for entry in entries:
        for index, group in enumerate(rule.groups):
            if group.admits(entry):
                members[index].append(entry)
                break
        else:
            outcomes.append(Outcome(entry, None, reason_code="no_group",
                                    reason="Không thuộc nhóm xét chọn nào của phong trào.",
                                    sort_key=((), entry.stable_key, entry.nominee_id)))

    # Collectives are selected before individuals, so that a rule like
    # "individuals only from selected collectives" sees the collectives' result.
    group_order = sorted(range(len(rule.groups)),
                         key=lambda i: (rule.groups[i].nominee_kind != "collective", i))
    selected_units: set[str] = set()
    counters: dict[tuple[int, str], int] = {}
    order = 0
    breaches: list[str] = []
    for index in group_order:
        group = rule.groups[index]
        key = _sort_key(group)
        group_outcomes: list[Outcome] = []
        previous_values = None
        current_rank = position = 0
        for entry_key, entry in sorted(((key(e), e) for e in members[index]), key=_first):
            outcome = Outcome(entry, group.name, sort_key=entry_key)
            code, reason = _eligibility(entry, group, rule)
            if code is None or code in FORCEABLE_REASONS:
                # Ranks count every nominee that competes on its figures,
                # including one below a target that the reviewer may force in.
                position += 1
                values = entry_key[0]
                if values != previous_values:
                    current_rank, previous_values = position, values
                outcome.rank = current_rank
            override = forced.get(entry.nominee_id)
            if override is not None and not override.selected:
                code, reason = "override", f"Cơ quan thường trực không chọn: {override.reason}"
                outcome.is_override = True
            elif override is not None and override.selected and (code is None or code in FORCEABLE_REASONS):
                code, reason = None, ""
                outcome.is_override = True
            outcome.reason_code, outcome.reason = code, reason
            group_outcomes.append(outcome)

        eligible = [o for o in group_outcomes if o.reason_code is None]
        # Forced selections take their places first, in rank order.
        queue = [o for o in eligible if o.is_override] + [o for o in eligible if not o.is_override]
        slots_of: dict[int, list[tuple[int, str]]] = {}
        cut_slot: dict[int, tuple[int, str]] = {}
        for outcome in queue:
            entry = outcome.entry
            if (entry.kind == "individual" and rule.individuals_need_selected_collective
                    and entry.unit_code not in selected_units and not outcome.is_override):
                outcome.reason_code = "collective_not_selected"
                outcome.reason = "Tập thể của đơn vị không được chọn khen thưởng trong đợt này."
                continue
            slots = [(i, entry.unit_code if limit.per_unit else "")
                     for i, limit in enumerate(rule.quotas) if limit.applies_to(entry)]
            full = next((slot for slot in slots if counters.get(slot, 0) >= rule.quotas[slot[0]].limit), None)
            if full is not None and not outcome.is_override:
                outcome.reason_code = "over_quota"
                outcome.reason = f"Vượt số lượng khen thưởng ({rule.quotas[full[0]].describe()})."
                cut_slot[entry.nominee_id] = full
                continue
            if full is not None:
                breaches.append(f"{_KIND_WORDS[entry.kind]} số {entry.nominee_id} làm vượt "
                                f"{rule.quotas[full[0]].describe()}")
            for slot in slots:
                counters[slot] = counters.get(slot, 0) + 1
            slots_of[entry.nominee_id] = slots
            outcome.is_selected = True
            if outcome.is_override:
                outcome.reason_code = "override"
                outcome.reason = "Cơ quan thường trực chọn: " + forced[entry.nominee_id].reason
            if entry.kind == "collective":
                selected_units.add(entry.unit_code)

        taken = {(o.rank, slot) for o in group_outcomes if o.is_selected for slot in slots_of[o.nominee_id]}
        tied: set[tuple[Optional[int], tuple[int, str]]] = set()
        for outcome in group_outcomes:
            slot = cut_slot.get(outcome.nominee_id)
            if slot is not None and (outcome.rank, slot) in taken:
                # A tie at the limit is for people to settle (the council, and
                # the chair's vote on a final tie); the stable key only keeps
                # the list reproducible until they do.
                outcome.tied_at_cut = True
                outcome.reason += (" Bằng kết quả với người cuối cùng được chọn; thứ tự tạm giữ theo khóa ổn "
                                   "định, cơ quan thường trực có thể điều chỉnh kèm lý do.")
                tied.add((outcome.rank, slot))
        for outcome in group_outcomes:
            if outcome.is_selected:
                order += 1
                outcome.order = order
                if any((outcome.rank, slot) in tied for slot in slots_of[outcome.nominee_id]):
                    outcome.tied_at_cut = True
        outcomes.extend(group_outcomes)

    # Display order: groups in selection order (collectives first), each by rank, the rest after.
    # A group's outcomes are already in key order, and ranks rise with the key, so a stable
    # partition (ranked, then unranked) orders each group without sorting 20,000 rows again.
    ordered = [o for o in outcomes if o.group is not None and o.rank is not None]
    ordered += [o for o in outcomes if o.group is not None and o.rank is None]
    ordered += sorted((o for o in outcomes if o.group is None), key=lambda o: o.sort_key)
    return RankingResult(outcomes=_by_group(ordered, [rule.groups[i].name for i in group_order]), breaches=breaches)


def _by_group(outcomes: list[Outcome], names: list[str]) -> list[Outcome]:
    """``outcomes`` grouped in the order of ``names`` (stable inside each group), those of no group last."""
    place = {name: index for index, name in enumerate(names)}
    buckets: list[list[Outcome]] = [[] for _ in range(len(names) + 1)]
    for outcome in outcomes:
        buckets[place.get(outcome.group, len(names)) if outcome.group is not None else len(names)].append(outcome)
    return [outcome for bucket in buckets for outcome in bucket]


def _first(pair: tuple) -> Any:
    return pair[0]

