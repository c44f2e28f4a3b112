"""Vote and quorum arithmetic for the emulation and commendation council.

Domain (Decree 98/2023/NĐ-CP and the guidance that accompanies Decree
152/2025/NĐ-CP): the council may only deliberate when at least two thirds of
its members attend; most forms of recognition need more than half of ALL
members voting yes, and the title "Chiến sĩ thi đua cơ sở" needs at least 80 %
of ALL members.  "All members" is the trap: absent members count as "no", so
a share of those present is not the legal measure for these rules.

Every comparison uses ``fractions.Fraction`` so the boundary cases (exactly
2/3, exactly 1/2, exactly 80 %) are decided exactly rather than by float
rounding.
"""

from __future__ import annotations

from collections.abc import Mapping
from fractions import Fraction
from typing import Any

from .facts import DENOMINATORS, VoteRule

__all__ = [
    "default_vote_rule_dict",
    "form_vote_rule",
    "VOTE_RULE_MAJORITY",
    "VOTE_RULE_CSTD_CO_SO",
    "QUORUM_DEFAULT",
    "vote_rule_from_dict",
    "vote_rule_to_dict",
    "vote_passes",
    "vote_percent",
    "quorum_reached",
    "quorum_needed",
    "describe_vote_rule",
    "format_percent",
]

#: More than half of all council members.
VOTE_RULE_MAJORITY = VoteRule(threshold=Fraction(1, 2), strict=True, denominator="members")
#: "Chiến sĩ thi đua cơ sở": at least 80 % of all council members.
VOTE_RULE_CSTD_CO_SO = VoteRule(threshold=Fraction(4, 5), strict=False, denominator="members")
#: Minimum share of members present for a valid council meeting.
QUORUM_DEFAULT = Fraction(2, 3)

_RATIO_KEYS = ("kind", "threshold", "strict", "denominator")


def default_vote_rule_dict() -> dict[str, Any]:
    """The stored vote rule of an award form that names none: more than half of all members (a fresh dict)."""
    return {"kind": "majority"}


def form_vote_rule(form: Mapping[str, Any] | None) -> VoteRule:
    """The vote rule of an award form (a campaign's ``award_forms`` entry); the default when it names none."""
    return vote_rule_from_dict((form or {}).get("vote_rule") or default_vote_rule_dict())


def _to_fraction(value: Any, what: str) -> Fraction:
    """Turn "4/5", "0.8", "80%", 0.8, 1 or a Fraction into an exact Fraction."""
    if isinstance(value, bool):
        # bool is an int subclass; True would silently become a threshold of 1.
        raise ValueError(f"{what} phải là một số hoặc phân số, không phải giá trị đúng/sai.")
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    if isinstance(value, float):
        # Going through repr() gives 0.8 -> 4/5 instead of the binary
        # approximation 3602879701896397/4503599627370496.
        return Fraction(repr(value))
    if isinstance(value, str):
        text = value.strip()
        try:
            if text.endswith("%"):
                return Fraction(text[:-1].strip()) / 100
            return Fraction(text)
        except (ValueError, ZeroDivisionError):
            pass
    raise ValueError(
        f"{what} không hợp lệ: {value!r}. Hãy dùng phân số (\"4/5\"), số thập phân (0.8) hoặc phần trăm (\"80%\")."
    )


def vote_rule_from_dict(d: Mapping[str, Any]) -> VoteRule:
    """Build a VoteRule from its stored configuration.

    Accepts ``{"kind": "majority"}`` or ``{"kind": "ratio", "threshold": ...,
    "strict": bool = False, "denominator": "members" | "present" = "members"}``
    where ``threshold`` is "4/5", "80%", 0.8 or a Fraction in (0, 1].
    Raises ValueError (Vietnamese message naming the offending key) for an
    unknown kind, an unknown or missing key, or an out-of-range value.
    """
    if not isinstance(d, Mapping):
        raise ValueError(f"Quy tắc biểu quyết phải là một đối tượng khóa–giá trị, nhận được {type(d).__name__}.")
    kind = d.get("kind")
    if kind == "majority":
        extra = sorted(set(d) - {"kind"})
        if extra:
            raise ValueError(
                "Quy tắc biểu quyết 'majority' không nhận thêm khóa nào; khóa không hợp lệ: " + ", ".join(map(str, extra)) + "."
            )
        return VOTE_RULE_MAJORITY
    if kind == "ratio":
        extra = sorted(set(map(str, d)) - set(_RATIO_KEYS))
        if extra:
            raise ValueError(
                "Quy tắc biểu quyết có khóa không hợp lệ: "
                + ", ".join(extra)
                + ". Các khóa được phép: "
                + ", ".join(_RATIO_KEYS)
                + "."
            )
        if "threshold" not in d:
            raise ValueError("Quy tắc biểu quyết 'ratio' thiếu khóa 'threshold' (tỷ lệ phiếu cần đạt).")
        threshold = _to_fraction(d["threshold"], "Tỷ lệ phiếu cần đạt (threshold)")
        strict = d.get("strict", False)
        if not isinstance(strict, bool):
            raise ValueError("Khóa 'strict' phải là true hoặc false.")
        denominator = d.get("denominator", "members")
        if denominator not in DENOMINATORS:
            raise ValueError("Khóa 'denominator' phải là 'members' (tổng số thành viên) hoặc 'present' (số thành viên dự họp).")
        if not 0 < threshold <= 1:
            raise ValueError(f"Tỷ lệ phiếu cần đạt phải lớn hơn 0 và không quá 100%, nhận được {threshold}.")
        if strict and threshold == 1:
            raise ValueError("Không thể yêu cầu tỷ lệ phiếu 'trên 100%'.")
        return VoteRule(threshold=threshold, strict=strict, denominator=denominator)
    raise ValueError(f"Loại quy tắc biểu quyết không hợp lệ: {kind!r}. Chỉ chấp nhận 'majority' hoặc 'ratio'.")


def vote_rule_to_dict(rule: VoteRule) -> dict[str, Any]:
    """Inverse of ``vote_rule_from_dict``: a JSON-safe dict that rebuilds ``rule``."""
    if rule == VOTE_RULE_MAJORITY:
        return default_vote_rule_dict()
    t = rule.threshold
    return {
        "kind": "ratio",
        "threshold": f"{t.numerator}/{t.denominator}",
        "strict": rule.strict,
        "denominator": rule.denominator,
    }


def _check_count(value: Any, what: str) -> None:
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValueError(f"{what} phải là số nguyên, nhận được {value!r}.")
    if value < 0:
        raise ValueError(f"{what} không được âm ({value}).")


def _check_attendance(present_members: int, total_members: int) -> None:
    _check_count(total_members, "Tổng số thành viên Hội đồng")
    _check_count(present_members, "Số thành viên dự họp")
    if total_members == 0:
        raise ValueError("Tổng số thành viên Hội đồng phải lớn hơn 0.")
    if present_members > total_members:
        raise ValueError(
            f"Số thành viên dự họp ({present_members}) lớn hơn tổng số thành viên Hội đồng ({total_members})."
        )


def vote_passes(rule: VoteRule, votes_in_favour: int, total_members: int, present_members: int) -> bool:
    """Whether ``votes_in_favour`` satisfies ``rule`` for a council of this size and attendance.

    Exact arithmetic.  Raises ValueError when the numbers are impossible:
    negative counts, no members, more present than members, or more yes-votes
    than members present.  With ``denominator='present'`` and nobody present
    the answer is False.
    """
    _check_attendance(present_members, total_members)
    _check_count(votes_in_favour, "Số phiếu đồng ý")
    if votes_in_favour > present_members:
        raise ValueError(
            f"Số phiếu đồng ý ({votes_in_favour}) lớn hơn số thành viên dự họp ({present_members})."
        )
    base = total_members if rule.denominator == "members" else present_members
    if base == 0:
        return False
    share = Fraction(votes_in_favour, base)
    return share > rule.threshold if rule.strict else share >= rule.threshold


def vote_percent(votes: int, total_members: int) -> float:
    """Share of ALL council members who voted yes, as a percentage in [0, 100] (unrounded)."""
    _check_count(total_members, "Tổng số thành viên Hội đồng")
    _check_count(votes, "Số phiếu đồng ý")
    if total_members == 0:
        raise ValueError("Tổng số thành viên Hội đồng phải lớn hơn 0.")
    if votes > total_members:
        raise ValueError(f"Số phiếu đồng ý ({votes}) lớn hơn tổng số thành viên Hội đồng ({total_members}).")
    return float(Fraction(votes * 100, total_members))


def quorum_reached(present: int, total: int, quorum: Any = QUORUM_DEFAULT) -> bool:
    """Whether ``present`` of ``total`` members is at least the ``quorum`` share (default 2/3).

    With the default this is exactly ``present * 3 >= total * 2``.  Raises
    ValueError for impossible attendance numbers.
    """
    _check_attendance(present, total)
    return Fraction(present, total) >= _to_fraction(quorum, "Tỷ lệ dự họp tối thiểu")


def quorum_needed(total: int, quorum: Any = QUORUM_DEFAULT) -> int:
    """Smallest number of members present that reaches ``quorum`` of ``total``."""
    _check_attendance(0, total)
    needed = _to_fraction(quorum, "Tỷ lệ dự họp tối thiểu") * total
    # Ceiling of a Fraction without going through float.
    return -(-needed.numerator // needed.denominator)


def format_percent(share: Fraction) -> str:
    """Vietnamese text for a share in [0, 1]: 1/2 -> "50%", 2/3 -> "66,67%" (decimal comma)."""
    pct = Fraction(share) * 100
    if pct.denominator == 1:
        return f"{pct.numerator}%"
    return f"{float(pct):.2f}".replace(".", ",") + "%"


def describe_vote_rule(rule: VoteRule) -> str:
    """Vietnamese phrase for what ``rule`` demands, e.g. "trên 50% tổng số thành viên Hội đồng"."""
    base = "tổng số thành viên Hội đồng" if rule.denominator == "members" else "số thành viên dự họp"
    share = format_percent(rule.threshold)
    if rule.strict:
        return f"trên {share} {base}"
    return f"từ {share} {base} trở lên"
