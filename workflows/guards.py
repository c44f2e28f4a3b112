"""Named, pure preconditions for workflow transitions.

A guard takes a ``DossierFacts`` snapshot and returns ``None`` when it is
satisfied, or a specific Vietnamese sentence telling the user what to fix.

Each guard is self-contained: it never assumes that another guard already
passed.  So when the meeting has not been recorded, ``meeting_recorded``,
``quorum_reached`` and ``at_least_one_passes`` each fail with their own
sentence that points at the missing meeting (and ``votes_recorded`` still
checks what it can).  The alternative, silently passing dependent guards,
would make a guard unsafe to reuse on its own in another transition.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from fractions import Fraction
from typing import Optional

from . import rules
from .facts import DossierFacts, MeetingFacts

__all__ = [
    "Guard",
    "GUARDS",
    "GUARD_LABELS",
    "has_nominees",
    "nominees_complete",
    "meeting_recorded",
    "quorum_reached",
    "votes_recorded",
    "at_least_one_passes",
    "documents_current",
    "within_deadline",
    "comment_given",
    "decision_given",
    "decision_not_ahead",
    "dated_ahead",
    "vote_matches_nominees",
    "meeting_after_return",
    "returned_since_meeting",
    "decision_per_dossier",
    "SCOPE_GUARDS",
]

Guard = Callable[[DossierFacts], Optional[str]]

#: Every guard the YAML may name, by name.
GUARDS: dict[str, Guard] = {}
#: Short Vietnamese description of each guard, for tables and diagrams.
GUARD_LABELS: dict[str, str] = {}


def _guard(label: str) -> Callable[[Guard], Guard]:
    # Registering by decoration keeps the name in the YAML, the function name
    # and the label in one place, so they cannot drift apart.
    def register(fn: Guard) -> Guard:
        GUARDS[fn.__name__] = fn
        GUARD_LABELS[fn.__name__] = label
        return fn

    return register


def _fmt_date(d: date) -> str:
    return d.strftime("%d/%m/%Y")


def _meeting_problem(meeting: Optional[MeetingFacts]) -> Optional[str]:
    """Why the meeting numbers cannot be used, or None when they are usable."""
    if meeting is None:
        return "chưa ghi nhận cuộc họp Hội đồng"
    total, present = meeting.total_members, meeting.present_members
    if total <= 0:
        return "tổng số thành viên Hội đồng phải lớn hơn 0"
    if present < 0:
        return "số thành viên dự họp không được âm"
    if present > total:
        return f"số thành viên dự họp ({present}) lớn hơn tổng số thành viên Hội đồng ({total})"
    return None


@_guard("Có ít nhất một người được đề nghị")
def has_nominees(facts: DossierFacts) -> Optional[str]:
    """Fails when the dossier proposes nobody."""
    if not facts.nominees:
        return "Hồ sơ chưa có người được đề nghị khen thưởng nào."
    return None


# How many incomplete nominees the guard's message names before it only counts the rest.
MAX_LISTED = 10


@_guard("Thông tin người được đề nghị đầy đủ")
def nominees_complete(facts: DossierFacts) -> Optional[str]:
    """Fails listing, per nominee, the required fields still empty."""
    incomplete = [n for n in facts.nominees if n.missing_fields]
    parts = [f"Người được đề nghị '{n.name}' còn thiếu: {', '.join(n.missing_fields)}."
             for n in incomplete[:MAX_LISTED]]
    # A list of thousands would make the message (and every page showing it) grow with the dossier.
    if len(incomplete) > MAX_LISTED:
        parts.append(f"Và {len(incomplete) - MAX_LISTED} người khác cũng còn thiếu thông tin.")
    return " ".join(parts) or None


@_guard("Đã ghi nhận cuộc họp Hội đồng")
def meeting_recorded(facts: DossierFacts) -> Optional[str]:
    """Fails when there is no meeting or its attendance numbers are impossible."""
    problem = _meeting_problem(facts.meeting)
    if problem is None:
        return None
    if facts.meeting is None:
        return "Chưa ghi nhận cuộc họp Hội đồng Thi đua - Khen thưởng (tổng số thành viên và số thành viên dự họp)."
    return f"Số liệu cuộc họp Hội đồng không hợp lệ: {problem}."


@_guard("Hội đồng đã biểu quyết trên danh sách và số liệu hiện tại")
def vote_matches_nominees(facts: DossierFacts) -> Optional[str]:
    """Fails when nominees or their figures changed after the council voted (the vote is on another list)."""
    if facts.meeting is None or facts.meeting.matches_nominees:
        return None
    return ("Danh sách hoặc số liệu người được đề nghị đã thay đổi sau khi Hội đồng biểu quyết; "
            "Hội đồng cần họp và biểu quyết lại (ghi nhận cuộc họp mới).")


@_guard("Cuộc họp được ghi nhận sau lần trả lại gần nhất")
def meeting_after_return(facts: DossierFacts) -> Optional[str]:
    """Fails when the dossier was returned after the meeting: a new meeting, or a confirmation, is needed."""
    if facts.meeting is None or not facts.meeting.returned_since:
        return None
    return ("Hồ sơ đã bị trả lại sau cuộc họp Hội đồng: hãy ghi nhận cuộc họp mới, hoặc chọn "
            "“Giữ nguyên biên bản họp trước” và nêu lý do nếu danh sách và số liệu không đổi.")


@_guard("Hồ sơ đã bị trả lại sau cuộc họp")
def returned_since_meeting(facts: DossierFacts) -> Optional[str]:
    """Passes only when the dossier was returned after the meeting (otherwise finalise the minutes)."""
    if facts.meeting is not None and facts.meeting.returned_since:
        return None
    return "Chỉ giữ nguyên biên bản họp trước khi hồ sơ bị trả lại sau cuộc họp đó; hãy hoàn tất biên bản."


@_guard("Dự họp đủ ít nhất 2/3 số thành viên")
def quorum_reached(facts: DossierFacts) -> Optional[str]:
    """Fails when fewer than two thirds of the council attended (or attendance is unknown)."""
    m = facts.meeting
    problem = _meeting_problem(m)
    if problem is not None or m is None:
        return f"Chưa thể kiểm tra số thành viên dự họp vì {problem}."
    if rules.quorum_reached(m.present_members, m.total_members):
        return None
    needed = rules.quorum_needed(m.total_members)
    return (
        f"Cuộc họp chỉ có {m.present_members}/{m.total_members} thành viên dự, chưa đủ hai phần ba "
        f"(cần ít nhất {needed} thành viên)."
    )


@_guard("Đã ghi số phiếu đồng ý cho từng người")
def votes_recorded(facts: DossierFacts) -> Optional[str]:
    """Fails when a nominee has no vote count, or one that the attendance makes impossible."""
    missing = [f"'{n.name}'" for n in facts.nominees if n.votes_in_favour is None]
    parts = []
    if missing:
        parts.append(f"Chưa ghi số phiếu đồng ý cho: {', '.join(missing)}.")
    # Without usable attendance only the sign can be checked; the upper
    # bound is checked again once the meeting is recorded.
    present = facts.meeting.present_members if _meeting_problem(facts.meeting) is None else None
    for n in facts.nominees:
        v = n.votes_in_favour
        if v is None:
            continue
        if v < 0:
            parts.append(f"Số phiếu đồng ý của '{n.name}' không được âm ({v}).")
        elif present is not None and v > present:
            parts.append(f"Số phiếu đồng ý của '{n.name}' ({v}) lớn hơn số thành viên dự họp ({present}).")
    return " ".join(parts) or None


@_guard("Có ít nhất một người đạt tỷ lệ phiếu theo quy định")
def at_least_one_passes(facts: DossierFacts) -> Optional[str]:
    """Fails unless some nominee's valid vote count meets that nominee's vote rule.

    Nominees without a valid count simply do not pass; ``votes_recorded``
    is the guard that explains why their count is unusable.
    """
    m = facts.meeting
    problem = _meeting_problem(m)
    if problem is not None or m is None:
        return f"Chưa thể xác định kết quả biểu quyết vì {problem}."
    if not facts.nominees:
        return "Không có người được đề nghị nào để xét kết quả biểu quyết."
    details = []
    for n in facts.nominees:
        v = n.votes_in_favour
        if v is None:
            details.append(f"'{n.name}' chưa có số phiếu")
            continue
        if v < 0 or v > m.present_members:
            details.append(f"'{n.name}' có số phiếu không hợp lệ")
            continue
        if rules.vote_passes(n.vote_rule, v, m.total_members, m.present_members):
            return None
        details.append(
            f"'{n.name}' đạt {v}/{m.total_members} phiếu "
            f"({rules.format_percent(Fraction(v, m.total_members))} tổng số thành viên), "
            f"cần {rules.describe_vote_rule(n.vote_rule)}"
        )
    return "Không có người được đề nghị nào đạt tỷ lệ phiếu đồng ý theo quy định: " + "; ".join(details) + "."


@_guard("Văn bản hồ sơ đã cập nhật theo số liệu mới nhất")
def documents_current(facts: DossierFacts) -> Optional[str]:
    """Fails when the generated documents no longer match the dossier data."""
    if facts.documents_current:
        return None
    return "Văn bản, biểu mẫu của hồ sơ chưa khớp với số liệu mới nhất; cần tạo lại văn bản trước khi nộp."


@_guard("Còn trong hạn nộp (hoặc đợt khen thưởng nhận hồ sơ muộn)")
def within_deadline(facts: DossierFacts) -> Optional[str]:
    """Passes on or before the deadline, when there is no deadline, or when the round accepts late dossiers."""
    if facts.deadline is None or facts.accepts_late or facts.today <= facts.deadline:
        return None
    return (
        f"Đã quá hạn nộp hồ sơ (hạn cuối {_fmt_date(facts.deadline)}, hôm nay {_fmt_date(facts.today)}) "
        "và đợt khen thưởng này không nhận hồ sơ nộp muộn."
    )


@_guard("Có ý kiến/lý do")
def comment_given(facts: DossierFacts) -> Optional[str]:
    """Fails when the comment is missing or only whitespace."""
    if facts.comment is not None and facts.comment.strip():
        return None
    return "Cần nhập ý kiến hoặc lý do (không được để trống)."


@_guard("Có số và ngày ký quyết định khen thưởng")
def decision_given(facts: DossierFacts) -> Optional[str]:
    """Fails unless both the decision number (non-blank) and its signing date are given."""
    has_number = facts.decision_number is not None and bool(facts.decision_number.strip())
    has_date = facts.decision_date is not None
    if has_number and has_date:
        return None
    if not has_number and not has_date:
        return "Cần nhập số và ngày ký quyết định khen thưởng."
    if not has_number:
        return "Cần nhập số quyết định khen thưởng."
    return "Cần nhập ngày ký quyết định khen thưởng."


def dated_ahead(what: str, day: Optional[date], today: date) -> Optional[str]:
    """Why a document cannot carry ``day`` (a day after ``today``, in Vietnam), or None.

    A decision or a tờ trình is dated the day it is signed (Decree 30/2020/NĐ-CP, Annex I:
    the date of issue), so a day still to come is a typing mistake, not a plan.
    """
    if day is None or day <= today:
        return None
    return (f"Ngày ký {what} ({_fmt_date(day)}) sau ngày hôm nay ({_fmt_date(today)}); "
            f"văn bản chỉ ghi ngày đã ký.")


@_guard("Ngày ký quyết định không sau ngày hôm nay")
def decision_not_ahead(facts: DossierFacts) -> Optional[str]:
    """Fails when the decision is dated after today (Vietnam time)."""
    return dated_ahead("quyết định", facts.decision_date, facts.today)


@_guard("Phong trào ghi nhận quyết định khen thưởng cho từng hồ sơ")
def decision_per_dossier(facts: DossierFacts) -> Optional[str]:
    """Fails when the campaign decides by round and this is not the round's decision reaching the dossier.

    A campaign records its decisions one way: a campaign that consolidates and ranks in rounds has
    one decision per round (the authority decides on the agency's proposed list), so a dossier of
    such a campaign is approved only by that decision.
    """
    if not facts.decided_by_round or facts.by_round_decision:
        return None
    return ("Phong trào này tổng hợp, xét chọn theo đợt khen thưởng: hồ sơ chỉ được phê duyệt theo "
            "quyết định khen thưởng của đợt (ghi nhận ở trang đợt khen thưởng), không ghi nhận quyết định "
            "riêng cho từng hồ sơ.")


#: Guards that say whether a step applies to the record at all (they read the campaign, not the
#: dossier's content): a step one of them refuses is not offered, rather than offered with a reason.
SCOPE_GUARDS = frozenset({"decision_per_dossier"})
