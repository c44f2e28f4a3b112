"""Named, pure preconditions of the round workflow (``round.yaml``).

Same contract as ``guards``: a guard takes a ``RoundFacts`` and returns None
when satisfied, or a Vietnamese sentence saying what is missing.  The two
guards that only read what the request brings (a comment, a decision) are
the dossier workflow's own functions: they read the same attribute names.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Optional

from . import guards as dossier_guards
from .round_facts import RoundFacts

__all__ = ["RoundGuard", "ROUND_GUARDS", "ROUND_GUARD_LABELS"]

RoundGuard = Callable[[RoundFacts], Optional[str]]

ROUND_GUARDS: dict[str, RoundGuard] = {}
ROUND_GUARD_LABELS: dict[str, str] = {}


def _guard(label: str) -> Callable[[RoundGuard], RoundGuard]:
    def register(fn: RoundGuard) -> RoundGuard:
        ROUND_GUARDS[fn.__name__] = fn
        ROUND_GUARD_LABELS[fn.__name__] = label
        return fn

    return register


def _fmt(d: date) -> str:
    return d.strftime("%d/%m/%Y")


@_guard("Đã hết hạn nộp hồ sơ của đợt")
def deadline_passed(facts: RoundFacts) -> Optional[str]:
    """Passes from the day after the deadline (or when the round has none)."""
    if facts.deadline is None or facts.today > facts.deadline:
        return None
    return (
        f"Chưa hết hạn nộp hồ sơ (hạn cuối {_fmt(facts.deadline)}, hôm nay {_fmt(facts.today)}). "
        "Nếu cần tổng hợp trước hạn, hãy dùng thao tác “Tổng hợp sớm trước hạn” và ghi rõ lý do."
    )


@_guard("Còn trong hạn nộp hồ sơ của đợt")
def deadline_not_passed(facts: RoundFacts) -> Optional[str]:
    """Early consolidation only makes sense before the deadline."""
    if facts.deadline is not None and facts.today > facts.deadline:
        return (
            f"Đã hết hạn nộp hồ sơ ({_fmt(facts.deadline)}); hãy dùng thao tác “Kết thúc nhận hồ sơ, "
            "chuyển tổng hợp”."
        )
    return None


@_guard("Mọi hồ sơ đã nộp đều đã thẩm định xong")
def reviews_finished(facts: RoundFacts) -> Optional[str]:
    """Fails while some dossier sent in is neither accepted, returned nor rejected."""
    if facts.pending_reviews <= 0:
        return None
    return (
        f"Còn {facts.pending_reviews} hồ sơ đã nộp nhưng chưa thẩm định xong (chưa chấp thuận, trả lại "
        "hoặc không chấp thuận); danh sách trình sẽ bỏ sót các hồ sơ này."
    )


@_guard("Có ít nhất một tập thể, cá nhân được chọn")
def has_selection(facts: RoundFacts) -> Optional[str]:
    """Fails when the ranking selects nobody."""
    if facts.selected_count > 0:
        return None
    if facts.accepted_dossiers <= 0:
        return "Chưa có hồ sơ nào được chấp thuận nên không có ai để đề nghị khen thưởng."
    return "Không có tập thể, cá nhân nào đủ điều kiện được chọn để đề nghị khen thưởng."


@_guard("Lựa chọn điều chỉnh không vượt số lượng khen thưởng")
def quotas_respected(facts: RoundFacts) -> Optional[str]:
    """Fails when the reviewer's forced selections alone exceed a quota."""
    if not facts.quota_breaches:
        return None
    return "Các lựa chọn điều chỉnh vượt số lượng khen thưởng: " + "; ".join(facts.quota_breaches) + "."


@_guard("Mỗi người chỉ được chọn một lần trong đợt")
def each_person_once(facts: RoundFacts) -> Optional[str]:
    """Fails when the list selects the same person twice (Luật Thi đua, khen thưởng 06/2022/QH15, art. 5:
    one achievement is not rewarded several times)."""
    if not facts.duplicate_people:
        return None
    return ("Một người không được khen thưởng hai lần trong một đợt: " + "; ".join(facts.duplicate_people)
            + ". Hãy điều chỉnh để chỉ giữ một trường hợp (ghi rõ lý do).")


@_guard("Có số và ngày tờ trình của cơ quan thường trực")
def proposal_given(facts: RoundFacts) -> Optional[str]:
    """Fails unless the tờ trình's number (non-blank) and date are given."""
    has_number = facts.proposal_number is not None and bool(facts.proposal_number.strip())
    has_date = facts.proposal_date is not None
    if has_number and has_date:
        return None
    if not has_number and not has_date:
        return "Cần nhập số và ngày tờ trình đề nghị khen thưởng."
    if not has_number:
        return "Cần nhập số tờ trình đề nghị khen thưởng."
    return "Cần nhập ngày tờ trình đề nghị khen thưởng."


@_guard("Quyết định ký không trước ngày tờ trình")
def decision_after_proposal(facts: RoundFacts) -> Optional[str]:
    """A decision cannot be signed before the proposal it answers."""
    if facts.decision_date is None or facts.proposal_date is None or facts.decision_date >= facts.proposal_date:
        return None
    return (
        f"Ngày ký quyết định ({_fmt(facts.decision_date)}) không thể trước ngày tờ trình "
        f"đề nghị ({_fmt(facts.proposal_date)})."
    )


@_guard("Ngày tờ trình không sau ngày hôm nay")
def proposal_not_ahead(facts: RoundFacts) -> Optional[str]:
    """Fails when the consolidated tờ trình is dated after today (Vietnam time)."""
    return dossier_guards.dated_ahead("tờ trình", facts.proposal_date, facts.today)


for _shared in (dossier_guards.comment_given, dossier_guards.decision_given, dossier_guards.decision_not_ahead):
    ROUND_GUARDS[_shared.__name__] = _shared  # type: ignore[assignment]
    ROUND_GUARD_LABELS[_shared.__name__] = dossier_guards.GUARD_LABELS[_shared.__name__]
