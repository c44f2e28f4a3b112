"""Tests for the pure dossier workflow package (no Flask, no database)."""

from __future__ import annotations

import importlib.resources
import subprocess
import sys
import threading
import unicodedata
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import date, timedelta
from fractions import Fraction
from pathlib import Path

import pytest

import workflows
from workflows import (
    VOTE_RULE_CSTD_CO_SO,
    VOTE_RULE_MAJORITY,
    WORKFLOW,
    DossierFacts,
    GuardsFailed,
    MeetingFacts,
    NomineeFacts,
    RoleNotAllowed,
    TriggerNotAllowedFromState,
    UnknownTrigger,
    VoteRule,
    WorkflowDefinitionError,
    WorkflowError,
    available,
    evaluate,
    fire,
    load_workflow,
    load_workflow_text,
    mermaid_diagram,
    state_table_markdown,
    vote_passes,
    vote_percent,
    vote_rule_from_dict,
    vote_rule_to_dict,
)
from workflows import guards as g
from workflows import rules

# --------------------------------------------------------------------------
# The expected workflow, written out by hand so that a wrong YAML fails here.
# --------------------------------------------------------------------------

STATES = [
    "drafting",
    "council_minutes",
    "ready",
    "submitted",
    "under_review",
    "returned",
    "accepted",
    "rejected",
    "approved",
]
ROLES = ["unit_clerk", "council_secretary", "unit_head", "reviewer", "approver", "admin"]
# trigger: (source, dest, roles allowed)
EXPECTED = {
    "send_to_council": ("drafting", "council_minutes", {"unit_clerk"}),
    "back_to_drafting": ("council_minutes", "drafting", {"unit_clerk", "council_secretary"}),
    "finalize_minutes": ("council_minutes", "ready", {"council_secretary"}),
    "confirm_minutes": ("council_minutes", "ready", {"council_secretary"}),
    "submit": ("ready", "submitted", {"unit_head"}),
    "withdraw": ("submitted", "drafting", {"unit_head"}),
    "start_review": ("submitted", "under_review", {"reviewer"}),
    "return_for_revision": ("under_review", "returned", {"reviewer"}),
    "resume_drafting": ("returned", "drafting", {"unit_clerk"}),
    "accept": ("under_review", "accepted", {"reviewer"}),
    "reject": ("under_review", "rejected", {"reviewer"}),
    "approve": ("accepted", "approved", {"approver"}),
}
UNKNOWN_TRIGGER = "publish_online"

TODAY = date(2026, 3, 16)


def nominee(name="Nguyễn Văn An", *, id=1, missing=(), rule=VOTE_RULE_MAJORITY, votes=7):
    return NomineeFacts(id=id, name=name, missing_fields=tuple(missing), vote_rule=rule, votes_in_favour=votes)


def facts(state="drafting", **changes):
    """Facts that satisfy every guard, adjusted by ``changes``."""
    base = DossierFacts(
        state=state,
        nominees=(nominee(),),
        meeting=MeetingFacts(total_members=9, present_members=9),
        documents_current=True,
        today=TODAY,
        deadline=TODAY,
        accepts_late=False,
        comment="Đề nghị bổ sung bản thành tích có xác nhận.",
        decision_number="125/QĐ-UBND",
        decision_date=TODAY,
    )
    return replace(base, **changes)


# What a trigger's own guards need beyond facts(): the earlier minutes are kept only after a return.
TRIGGER_FACTS = {"confirm_minutes": {"meeting": MeetingFacts(total_members=9, present_members=9, returned_since=True)}}


def trigger_facts(state, trigger):
    """facts(state) in which every guard of ``trigger`` passes."""
    return facts(state, **TRIGGER_FACTS.get(trigger, {}))


def meeting_facts(total, present, *votes_and_rules):
    """Facts in council_minutes with one nominee per (votes, rule)."""
    nominees = tuple(
        nominee(f"Người {i}", id=i, votes=v, rule=r) for i, (v, r) in enumerate(votes_and_rules, start=1)
    )
    return facts("council_minutes", meeting=MeetingFacts(total, present), nominees=nominees)


# --------------------------------------------------------------------------
# Shape of the loaded workflow
# --------------------------------------------------------------------------


def test_states_roles_and_transitions_match_the_expected_table():
    assert [s.name for s in WORKFLOW.states] == STATES
    assert list(WORKFLOW.roles) == ROLES
    assert WORKFLOW.initial == "drafting"
    assert WORKFLOW.final_states == {"approved", "rejected"}
    got = {t.trigger: (t.source, t.dest, set(t.roles)) for t in WORKFLOW.transitions}
    assert got == EXPECTED


def test_labels_and_flags():
    assert WORKFLOW.state_label("drafting") == "Đang soạn hồ sơ"
    assert WORKFLOW.state_label("approved") == "Đã có quyết định khen thưởng"
    assert WORKFLOW.trigger_label("send_to_council") == "Gửi Hội đồng xét"
    assert WORKFLOW.trigger_label("submit") == "Nộp hồ sơ"
    assert WORKFLOW.trigger_label("return_for_revision") == "Trả lại để bổ sung"
    needs_comment = {t.trigger for t in WORKFLOW.transitions if t.needs_comment}
    assert needs_comment == {"return_for_revision", "reject", "confirm_minutes"}
    assert WORKFLOW.transition("approve").required_fields == ("decision_number", "decision_date")
    assert all(t.required_fields == () for t in WORKFLOW.transitions if t.trigger != "approve")
    with pytest.raises(KeyError):
        WORKFLOW.state_label("nowhere")


def test_all_labels_and_sources_are_nfc():
    texts = [s.label for s in WORKFLOW.states] + [t.label for t in WORKFLOW.transitions]
    texts += list(WORKFLOW.roles.values()) + list(workflows.GUARD_LABELS.values())
    assert all(unicodedata.is_normalized("NFC", t) for t in texts)
    package_dir = Path(workflows.__file__).parent
    for path in list(package_dir.glob("*.py")) + list(package_dir.glob("*.yaml")) + [Path(__file__)]:
        assert unicodedata.is_normalized("NFC", path.read_text(encoding="utf-8")), path.name


def test_package_does_not_import_flask_or_sqlalchemy():
    code = (
        "import sys, workflows; "
        "bad = sorted(m for m in sys.modules if m.split('.')[0] in ('flask', 'sqlalchemy', 'flask_sqlalchemy')); "
        "print(bad); sys.exit(1 if bad else 0)"
    )
    root = Path(__file__).resolve().parents[1]
    result = subprocess.run([sys.executable, "-c", code], cwd=root, capture_output=True, text=True)
    assert result.returncode == 0, result.stdout + result.stderr


# --------------------------------------------------------------------------
# Every trigger x every state x every role
# --------------------------------------------------------------------------


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("state", STATES)
@pytest.mark.parametrize("trigger", [*EXPECTED, UNKNOWN_TRIGGER])
def test_permission_table(trigger, state, role):
    f = trigger_facts(state, trigger)
    ev = evaluate(state, trigger, role, f)
    if trigger not in EXPECTED:
        expected_problem, error = "unknown_trigger", UnknownTrigger
    else:
        source, dest, roles = EXPECTED[trigger]
        if state != source:
            expected_problem, error = "not_from_state", TriggerNotAllowedFromState
        elif role not in roles:
            expected_problem, error = "role_not_allowed", RoleNotAllowed
        else:
            expected_problem, error = None, None

    assert ev.problem == expected_problem
    assert ev.allowed is (expected_problem is None)
    assert ev.failures == []
    assert ev.message and unicodedata.is_normalized("NFC", ev.message)
    if error is None:
        assert fire(state, trigger, role, f) == dest
    else:
        with pytest.raises(error) as info:
            fire(state, trigger, role, f)
        assert info.value.problem == expected_problem
        assert info.value.message == ev.message


def test_refusal_messages_are_specific():
    ev = evaluate("drafting", "submit", "unit_head", facts("drafting"))
    assert ev.message == (
        "Không thể thực hiện “Nộp hồ sơ” khi hồ sơ đang ở trạng thái “Đang soạn hồ sơ”; "
        "thao tác này chỉ dùng khi hồ sơ ở trạng thái “Sẵn sàng trình”."
    )
    ev = evaluate("ready", "submit", "admin", facts("ready"))
    assert ev.message == "Vai trò “Quản trị hệ thống” không được phép thực hiện “Nộp hồ sơ”; chỉ dành cho: Thủ trưởng đơn vị."
    ev = evaluate("ready", "publish_online", "admin", facts("ready"))
    assert "publish_online" in ev.message
    # A role string the workflow has never heard of is just another refused role.
    assert evaluate("ready", "submit", "guest", facts("ready")).problem == "role_not_allowed"


def test_withdraw_only_before_review_starts():
    assert fire("submitted", "withdraw", "unit_head", facts("submitted")) == "drafting"
    with pytest.raises(TriggerNotAllowedFromState):
        fire("under_review", "withdraw", "unit_head", facts("under_review"))


def test_bad_inputs_are_programming_errors():
    with pytest.raises(ValueError, match="unknown workflow state"):
        evaluate("archived", "submit", "unit_head", facts("archived"))
    with pytest.raises(ValueError, match="facts were collected"):
        evaluate("ready", "submit", "unit_head", facts("drafting"))
    with pytest.raises(TypeError):
        evaluate("ready", "submit", "unit_head", {"state": "ready"})


# --------------------------------------------------------------------------
# available()
# --------------------------------------------------------------------------


def test_available_lists_every_outgoing_trigger_with_reasons():
    f = facts("under_review", comment="   ")
    evs = available("under_review", "reviewer", f)
    assert [e.trigger for e in evs] == ["return_for_revision", "accept", "reject"]
    by = {e.trigger: e for e in evs}
    assert by["accept"].allowed and by["accept"].dest == "accepted"
    assert by["return_for_revision"].problem == "guards_failed"
    assert by["return_for_revision"].needs_comment is True
    assert [x.name for x in by["reject"].failures] == ["comment_given"]

    assert all(e.problem == "role_not_allowed" for e in available("under_review", "admin", f))
    assert available("approved", "approver", facts("approved")) == []
    assert available("rejected", "reviewer", facts("rejected")) == []


def test_evaluation_to_dict_is_json_ready():
    ev = evaluate("accepted", "approve", "approver", facts("accepted", decision_number=None))
    d = ev.to_dict()
    assert d["problem"] == "guards_failed"
    assert d["failures"] == [{"name": "decision_given", "message": "Cần nhập số quyết định khen thưởng."}]
    assert d["required_fields"] == ["decision_number", "decision_date"]


# --------------------------------------------------------------------------
# Every failed guard is reported
# --------------------------------------------------------------------------


def test_no_meeting_reports_each_meeting_guard_with_its_own_reason():
    # Decision: guards are independent; each one that cannot be satisfied
    # without a meeting says so itself, rather than one merged reason.
    f = facts("council_minutes", meeting=None, nominees=(nominee(votes=None),))
    ev = evaluate("council_minutes", "finalize_minutes", "council_secretary", f)
    assert ev.problem == "guards_failed"
    names = [x.name for x in ev.failures]
    assert names == ["meeting_recorded", "quorum_reached", "votes_recorded", "at_least_one_passes"]
    msgs = {x.name: x.message for x in ev.failures}
    assert "cuộc họp Hội đồng" in msgs["meeting_recorded"]
    assert "chưa ghi nhận cuộc họp" in msgs["quorum_reached"]
    assert "chưa ghi nhận cuộc họp" in msgs["at_least_one_passes"]
    assert msgs["votes_recorded"] == "Chưa ghi số phiếu đồng ý cho: 'Nguyễn Văn An'."
    assert len(set(msgs.values())) == 4
    for m in msgs.values():
        assert m in ev.message

    with pytest.raises(GuardsFailed) as info:
        fire("council_minutes", "finalize_minutes", "council_secretary", f)
    assert [x.name for x in info.value.failures] == names
    assert isinstance(info.value, WorkflowError)


def test_no_meeting_but_votes_recorded_fails_only_the_meeting_guards():
    f = facts("council_minutes", meeting=None)
    ev = evaluate("council_minutes", "finalize_minutes", "council_secretary", f)
    assert [x.name for x in ev.failures] == ["meeting_recorded", "quorum_reached", "at_least_one_passes"]


def test_submit_lists_both_failures():
    f = facts("ready", documents_current=False, deadline=TODAY - timedelta(days=1))
    ev = evaluate("ready", "submit", "unit_head", f)
    assert [x.name for x in ev.failures] == ["documents_current", "within_deadline"]


def test_send_to_council_lists_both_failures_for_empty_dossier():
    ev = evaluate("drafting", "send_to_council", "unit_clerk", facts("drafting", nominees=()))
    assert [x.name for x in ev.failures] == ["has_nominees"]  # completeness of nobody is vacuous
    two = (nominee(missing=("Giới tính",)), nominee("Trần Thị Bình", id=2, missing=("Chức vụ", "Đơn vị")))
    ev = evaluate("drafting", "send_to_council", "unit_clerk", facts("drafting", nominees=two))
    assert ev.failures[0].message == (
        "Người được đề nghị 'Nguyễn Văn An' còn thiếu: Giới tính. "
        "Người được đề nghị 'Trần Thị Bình' còn thiếu: Chức vụ, Đơn vị."
    )


def test_machine_conditions_enforce_guards_and_roles_on_their_own():
    # Bypassing evaluate(): the transitions machine must still refuse.
    class Token:
        state = "ready"

    token = Token()
    event = WORKFLOW.machine.events["submit"]
    assert event.trigger(token, facts=facts("ready", documents_current=False), role="unit_head") is False
    assert token.state == "ready"
    assert event.trigger(token, facts=facts("ready"), role="reviewer") is False
    assert token.state == "ready"
    assert event.trigger(token, facts=facts("ready"), role="unit_head") is True
    assert token.state == "submitted"
    assert WORKFLOW.machine.models == []  # nothing was registered


# --------------------------------------------------------------------------
# Individual guards
# --------------------------------------------------------------------------


def test_has_nominees():
    assert g.has_nominees(facts()) is None
    assert g.has_nominees(facts(nominees=())) == "Hồ sơ chưa có người được đề nghị khen thưởng nào."


def test_nominees_complete():
    assert g.nominees_complete(facts()) is None
    f = facts(nominees=(nominee(missing=("Giới tính", "Chức vụ")),))
    assert g.nominees_complete(f) == "Người được đề nghị 'Nguyễn Văn An' còn thiếu: Giới tính, Chức vụ."


@pytest.mark.parametrize(
    "meeting, ok",
    [
        (MeetingFacts(9, 9), True),
        (MeetingFacts(9, 0), True),  # recorded, even if the quorum guard will object
        (None, False),
        (MeetingFacts(0, 0), False),
        (MeetingFacts(9, 10), False),
        (MeetingFacts(9, -1), False),
    ],
)
def test_meeting_recorded(meeting, ok):
    result = g.meeting_recorded(facts(meeting=meeting))
    assert (result is None) is ok


@pytest.mark.parametrize("present, ok", [(9, True), (7, True), (6, True), (5, False), (0, False)])
def test_quorum_guard_nine_members(present, ok):
    result = g.quorum_reached(facts(meeting=MeetingFacts(9, present)))
    assert (result is None) is ok
    if not ok:
        assert result == f"Cuộc họp chỉ có {present}/9 thành viên dự, chưa đủ hai phần ba (cần ít nhất 6 thành viên)."


@pytest.mark.parametrize("total", range(1, 31))
def test_quorum_matches_integer_formula(total):
    for present in range(total + 1):
        assert rules.quorum_reached(present, total) is (present * 3 >= total * 2)
    assert rules.quorum_needed(total) == min(p for p in range(total + 1) if p * 3 >= total * 2)


def test_quorum_fraction_is_a_parameter_and_inputs_are_checked():
    assert rules.quorum_reached(5, 10, Fraction(1, 2))
    assert not rules.quorum_reached(4, 10, "1/2")
    with pytest.raises(ValueError):
        rules.quorum_reached(10, 9)
    with pytest.raises(ValueError):
        rules.quorum_reached(0, 0)


def test_votes_recorded():
    assert g.votes_recorded(facts()) is None
    f = facts(nominees=(nominee(votes=None), nominee("Lê Văn Cường", id=2, votes=None)))
    assert g.votes_recorded(f) == "Chưa ghi số phiếu đồng ý cho: 'Nguyễn Văn An', 'Lê Văn Cường'."
    f = facts(meeting=MeetingFacts(10, 8), nominees=(nominee(votes=9),))
    assert g.votes_recorded(f) == "Số phiếu đồng ý của 'Nguyễn Văn An' (9) lớn hơn số thành viên dự họp (8)."
    assert "không được âm" in g.votes_recorded(facts(nominees=(nominee(votes=-1),)))


@pytest.mark.parametrize(
    "rule, votes, total, present, passes",
    [
        # Majority: strictly more than half of ALL members.
        (VOTE_RULE_MAJORITY, 5, 9, 9, True),
        (VOTE_RULE_MAJORITY, 4, 9, 9, False),
        (VOTE_RULE_MAJORITY, 4, 8, 8, False),
        (VOTE_RULE_MAJORITY, 5, 8, 8, True),
        (VOTE_RULE_MAJORITY, 5, 8, 6, True),
        (VOTE_RULE_MAJORITY, 4, 9, 6, False),  # 4 of 6 present is not enough: absentees count
        # Chiến sĩ thi đua cơ sở: at least 80 % of ALL members.
        (VOTE_RULE_CSTD_CO_SO, 8, 10, 10, True),
        (VOTE_RULE_CSTD_CO_SO, 8, 10, 8, True),
        (VOTE_RULE_CSTD_CO_SO, 7, 10, 10, False),
        (VOTE_RULE_CSTD_CO_SO, 7, 10, 8, False),  # 7/8 = 87.5 % of those present, still fails
        (VOTE_RULE_CSTD_CO_SO, 4, 5, 5, True),
        (VOTE_RULE_CSTD_CO_SO, 3, 5, 4, False),
        # A rule measured against members present.
        (VoteRule(Fraction(4, 5), False, "present"), 7, 10, 8, True),
        (VoteRule(Fraction(4, 5), False, "present"), 0, 10, 0, False),
    ],
)
def test_vote_passes(rule, votes, total, present, passes):
    assert vote_passes(rule, votes, total, present) is passes
    guard = g.at_least_one_passes(meeting_facts(total, present, (votes, rule)))
    assert (guard is None) is passes


@pytest.mark.parametrize(
    "votes, total, present",
    [(9, 10, 8), (-1, 10, 10), (1, 10, 11), (0, 0, 0), (True, 10, 10), (5.0, 10, 10)],
)
def test_vote_passes_rejects_impossible_numbers(votes, total, present):
    with pytest.raises(ValueError):
        vote_passes(VOTE_RULE_MAJORITY, votes, total, present)


def test_at_least_one_passes_needs_only_one_and_explains_failures():
    f = meeting_facts(10, 9, (6, VOTE_RULE_CSTD_CO_SO), (6, VOTE_RULE_MAJORITY))
    assert g.at_least_one_passes(f) is None
    f = meeting_facts(10, 9, (7, VOTE_RULE_CSTD_CO_SO), (5, VOTE_RULE_MAJORITY), (None, VOTE_RULE_MAJORITY))
    assert g.at_least_one_passes(f) == (
        "Không có người được đề nghị nào đạt tỷ lệ phiếu đồng ý theo quy định: "
        "'Người 1' đạt 7/10 phiếu (70% tổng số thành viên), cần từ 80% tổng số thành viên Hội đồng trở lên; "
        "'Người 2' đạt 5/10 phiếu (50% tổng số thành viên), cần trên 50% tổng số thành viên Hội đồng; "
        "'Người 3' chưa có số phiếu."
    )
    # An impossible count never passes, and the guard does not crash on it.
    assert "không hợp lệ" in g.at_least_one_passes(meeting_facts(10, 8, (9, VOTE_RULE_MAJORITY)))


def test_vote_percent_is_of_all_members():
    assert vote_percent(5, 8) == 62.5
    assert vote_percent(8, 10) == 80.0
    assert vote_percent(2, 3) == pytest.approx(66.6666667)
    with pytest.raises(ValueError):
        vote_percent(11, 10)
    with pytest.raises(ValueError):
        vote_percent(1, 0)


def test_documents_current():
    assert g.documents_current(facts()) is None
    assert "tạo lại" in g.documents_current(facts(documents_current=False))


@pytest.mark.parametrize(
    "deadline, accepts_late, ok",
    [
        (TODAY, False, True),  # on the day itself
        (TODAY + timedelta(days=1), False, True),
        (TODAY - timedelta(days=1), False, False),  # a day late
        (TODAY - timedelta(days=1), True, True),
        (TODAY - timedelta(days=30), True, True),
        (None, False, True),  # the round has no closing date
    ],
)
def test_within_deadline(deadline, accepts_late, ok):
    result = g.within_deadline(facts(deadline=deadline, accepts_late=accepts_late))
    assert (result is None) is ok
    if not ok:
        assert result == (
            "Đã quá hạn nộp hồ sơ (hạn cuối 15/03/2026, hôm nay 16/03/2026) "
            "và đợt khen thưởng này không nhận hồ sơ nộp muộn."
        )


@pytest.mark.parametrize("comment, ok", [(None, False), ("", False), ("  \n\t ", False), ("Thiếu minh chứng", True)])
def test_comment_given(comment, ok):
    assert (g.comment_given(facts(comment=comment)) is None) is ok


@pytest.mark.parametrize(
    "number, when, expected",
    [
        ("125/QĐ-UBND", TODAY, None),
        ("125/QĐ-UBND", None, "Cần nhập ngày ký quyết định khen thưởng."),
        (None, TODAY, "Cần nhập số quyết định khen thưởng."),
        ("   ", TODAY, "Cần nhập số quyết định khen thưởng."),
        (None, None, "Cần nhập số và ngày ký quyết định khen thưởng."),
    ],
)
def test_decision_given(number, when, expected):
    assert g.decision_given(facts(decision_number=number, decision_date=when)) == expected


@pytest.mark.parametrize(
    "when, expected",
    [
        (None, None),  # no date yet: decision_given speaks for it
        (TODAY - timedelta(days=30), None),
        (TODAY, None),
        (TODAY + timedelta(days=1),
         f"Ngày ký quyết định ({(TODAY + timedelta(days=1)):%d/%m/%Y}) sau ngày hôm nay ({TODAY:%d/%m/%Y}); "
         "văn bản chỉ ghi ngày đã ký."),
    ],
)
def test_decision_not_ahead(when, expected):
    assert g.decision_not_ahead(facts(decision_date=when)) == expected


def test_guard_registry_is_complete():
    assert set(workflows.GUARDS) == {
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
        "vote_matches_nominees",
        "meeting_after_return",
        "returned_since_meeting",
        "decision_per_dossier",
    }
    assert set(workflows.GUARD_LABELS) == set(workflows.GUARDS)


# --------------------------------------------------------------------------
# Vote rules from configuration
# --------------------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [
        ({"kind": "majority"}, VOTE_RULE_MAJORITY),
        ({"kind": "ratio", "threshold": "4/5", "strict": False, "denominator": "members"}, VOTE_RULE_CSTD_CO_SO),
        ({"kind": "ratio", "threshold": 0.8}, VOTE_RULE_CSTD_CO_SO),
        ({"kind": "ratio", "threshold": "80%"}, VOTE_RULE_CSTD_CO_SO),
        ({"kind": "ratio", "threshold": "1/2", "strict": True}, VOTE_RULE_MAJORITY),
        ({"kind": "ratio", "threshold": "2/3", "denominator": "present"}, VoteRule(Fraction(2, 3), False, "present")),
    ],
)
def test_vote_rule_from_dict(data, expected):
    rule = vote_rule_from_dict(data)
    assert rule == expected
    assert vote_rule_from_dict(vote_rule_to_dict(rule)) == rule


def test_float_threshold_is_exact():
    assert vote_rule_from_dict({"kind": "ratio", "threshold": 0.8}).threshold == Fraction(4, 5)


@pytest.mark.parametrize(
    "data, fragment",
    [
        ({"kind": "ratio", "threshold": "4/5", "quorum": "2/3"}, "quorum"),
        ({"kind": "majority", "threshold": "1/2"}, "threshold"),
        ({"kind": "unanimous"}, "unanimous"),
        ({}, "None"),
        ({"kind": "ratio"}, "threshold"),
        ({"kind": "ratio", "threshold": "abc"}, "abc"),
        ({"kind": "ratio", "threshold": 1.5}, "100%"),
        ({"kind": "ratio", "threshold": 0}, "lớn hơn 0"),
        ({"kind": "ratio", "threshold": "1", "strict": True}, "trên 100%"),
        ({"kind": "ratio", "threshold": "4/5", "strict": "no"}, "strict"),
        ({"kind": "ratio", "threshold": "4/5", "denominator": "voters"}, "denominator"),
        ({"kind": "ratio", "threshold": True}, "đúng/sai"),
        (["majority"], "list"),
    ],
)
def test_vote_rule_from_dict_rejects_bad_input(data, fragment):
    with pytest.raises(ValueError) as info:
        vote_rule_from_dict(data)
    assert fragment in str(info.value)


# --------------------------------------------------------------------------
# Loading the YAML
# --------------------------------------------------------------------------


def packaged_yaml() -> str:
    return importlib.resources.files("workflows").joinpath("dossier.yaml").read_text(encoding="utf-8")


def test_packaged_yaml_loads_again():
    again = load_workflow()
    assert [t.trigger for t in again.transitions] == list(EXPECTED)


def test_unknown_guard_fails_to_load_from_a_file(tmp_path):
    path = tmp_path / "broken.yaml"
    text = packaged_yaml().replace("[documents_current, within_deadline]", "[documents_current, within_deadlin]")
    path.write_text(text, encoding="utf-8")
    with pytest.raises(WorkflowDefinitionError, match=r"broken\.yaml: transition 'submit': unknown guard 'within_deadlin'"):
        load_workflow(path)


@pytest.mark.parametrize(
    "old, new, message",
    [
        ("dest: approved", "dest: approvd", r"transition 'approve': dest 'approvd' is not a defined state"),
        ("source: ready", "source: redy", r"transition 'submit': source 'redy' is not a defined state"),
        ("roles: [approver]", "roles: [aprover]", r"unknown role 'aprover'"),
        ("initial: drafting", "initial: draft", r"initial state 'draft' is not a defined state"),
        ("    guards: [decision_per_dossier, decision_given, decision_not_ahead]\n",
         "    gaurds: [decision_per_dossier, decision_given, decision_not_ahead]\n",
         r"unknown key\(s\) gaurds"),
        ("    needs_comment: true\n", "", r"needs_comment must be true exactly when"),
        ("required_fields: [decision_number, decision_date]", "required_fields: [decision_no]", r"decision_no"),
        ("  admin: Quản trị hệ thống\n", "  admin: Quản trị hệ thống\n  admin: Khác\n", r"duplicate key 'admin'"),
        ("trigger: withdraw", "trigger: submit", r"transition 'submit' is defined twice"),
        ("label: Nộp hồ sơ", "label: " + unicodedata.normalize("NFD", "Nộp hồ sơ"), r"not in Unicode NFC"),
        ("    label: Không chấp thuận\n    final: true", "    label: Không chấp thuận", r"no outgoing transition: rejected"),
        ("version: 1", "version: 2", r"unsupported version"),
        # The flags pages and rules read: a typo or a wrong value stops the load.
        ("    editable: true\n    nominees_editable: true\n", "    editible: true\n",
         r"states\[0\]: unknown key\(s\) editible"),
        ("    visible_to_agency: true\n    awaiting_review: true\n", "    visible_to_agency: yes please\n",
         r"state 'submitted': visible_to_agency must be true or false"),
        ("    tone: danger\n", "    tone: red\n", r"state 'rejected': tone 'red' is not one of"),
        ("    progress: returned\n", "    progress: sent_back\n", r"progress 'sent_back' is not a declared"),
        ("    progress: returned\n", "", r"state 'returned': every state needs a progress category"),
        ("    goes_back: true\n    optional: true\n    confirm: Rút", "    goes_bak: true\n    confirm: Rút",
         r"transitions\[5\]: unknown key\(s\) goes_bak"),
        ("    goes_back: true\n", "    goes_back: 1\n", r"transition 'back_to_drafting': goes_back must be true or false"),
        ("  - trigger: resume_drafting\n    label: Soạn lại để bổ sung\n    source: returned\n    dest: drafting\n"
         "    roles: [unit_clerk]\n    goes_back: true",
         "  - trigger: resume_drafting\n    label: Soạn lại để bổ sung\n    source: returned\n    dest: drafting\n"
         "    roles: [unit_clerk]\n    goes_back: true\n    optional: true",
         r"transition 'resume_drafting' is optional but 'returned' has no other way out"),
        ("confirm: Nộp hồ sơ?", "confirm: " + unicodedata.normalize("NFD", "Nộp hồ sơ?"), r"submit'.confirm.*NFC"),
    ],
)
def test_broken_definitions_fail_with_a_clear_error(old, new, message):
    text = packaged_yaml()
    assert old in text
    with pytest.raises(WorkflowDefinitionError, match=message):
        load_workflow_text(text.replace(old, new, 1), origin="test.yaml")


def test_unreachable_state_and_invalid_yaml():
    minimal = """
version: 1
initial: a
roles: {r: Vai trò}
states:
  - {name: a, label: A}
  - {name: b, label: B, final: true}
  - {name: c, label: C, final: true}
transitions:
  - {trigger: go, label: Đi, source: a, dest: b, roles: [r]}
"""
    with pytest.raises(WorkflowDefinitionError, match=r"unreachable from 'a': c"):
        load_workflow_text(minimal)
    with pytest.raises(WorkflowDefinitionError, match="invalid YAML"):
        load_workflow_text("states: [unclosed")


# --------------------------------------------------------------------------
# Documentation output
# --------------------------------------------------------------------------


def test_mermaid_contains_every_state_and_trigger():
    text = mermaid_diagram()
    assert text.startswith("stateDiagram-v2\n")
    for s in STATES:
        assert f" as {s}\n" in text
        assert WORKFLOW.state_label(s) in text
    for trig, (source, dest, _) in EXPECTED.items():
        assert f"{source} --> {dest} : {WORKFLOW.trigger_label(trig)} ({trig})" in text
    assert "[*] --> drafting" in text
    assert "approved --> [*]" in text and "rejected --> [*]" in text
    assert "classDef" not in text


def test_mermaid_highlight():
    text = mermaid_diagram(highlight="under_review")
    assert "classDef current " in text
    assert text.rstrip().endswith("class under_review current")
    with pytest.raises(ValueError):
        mermaid_diagram(highlight="nowhere")


def test_state_table_contains_every_trigger():
    table = state_table_markdown()
    lines = table.strip().splitlines()
    assert lines[0] == "| Trigger | Nhãn | Từ | Đến | Vai trò | Điều kiện |"
    rows = lines[2:]
    assert len(rows) == len(EXPECTED)
    for trig in EXPECTED:
        assert sum(row.startswith(f"| `{trig}` | {WORKFLOW.trigger_label(trig)} |") for row in rows) == 1
    submit_row = next(r for r in rows if r.startswith("| `submit`"))
    assert "Thủ trưởng đơn vị (`unit_head`)" in submit_row
    assert "Còn trong hạn nộp" in submit_row


# --------------------------------------------------------------------------
# Threads
# --------------------------------------------------------------------------


def test_many_threads_firing_at_once_get_their_own_results():
    cases = []
    for trig, (source, dest, roles) in EXPECTED.items():
        role = sorted(roles)[0]
        cases.append((source, trig, role, dest))
    work = cases * 60

    def run(case):
        source, trig, role, dest = case
        return fire(source, trig, role, trigger_facts(source, trig)), dest

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(run, work))
    assert all(got == want for got, want in results)
    assert WORKFLOW.machine.models == []


def test_two_fires_are_inside_the_machine_at_the_same_time():
    # Each guard call waits for the other thread: if the engine serialised
    # fires behind a lock, or mixed up the two throwaway models, this fails.
    barrier = threading.Barrier(2, timeout=10)

    def rendezvous(_facts):
        barrier.wait()
        return None

    text = """
version: 1
initial: start
roles: {clerk: Cán bộ}
states:
  - {name: start, label: Bắt đầu}
  - {name: left, label: Trái, final: true}
  - {name: right, label: Phải, final: true}
transitions:
  - {trigger: go_left, label: Sang trái, source: start, dest: left, roles: [clerk], guards: [rendezvous]}
  - {trigger: go_right, label: Sang phải, source: start, dest: right, roles: [clerk], guards: [rendezvous]}
"""
    wf = load_workflow_text(text, guards={"rendezvous": rendezvous})
    f = facts("start")
    with ThreadPoolExecutor(max_workers=2) as pool:
        left = pool.submit(wf.fire, "start", "go_left", "clerk", f)
        right = pool.submit(wf.fire, "start", "go_right", "clerk", f)
        assert left.result(timeout=30) == "left"
        assert right.result(timeout=30) == "right"


def test_state_and_transition_flags_are_read_from_the_yaml():
    from workflows import ROUND_WORKFLOW

    assert WORKFLOW.states_where(editable=True) == ("drafting", "council_minutes", "ready")
    assert WORKFLOW.states_where(visible_to_agency=False) == ("drafting", "council_minutes", "ready")
    assert WORKFLOW.states_where(awaiting_review=True) == ("submitted", "under_review")
    assert WORKFLOW.states_where(counts_as_accepted=True) == ("accepted", "approved")
    assert ROUND_WORKFLOW.states_where(open=True) == ("collecting", "consolidating")
    assert ROUND_WORKFLOW.states_where(frozen=True) == ("proposed", "decided", "closed")
    assert ROUND_WORKFLOW.states_where(open=False, frozen=False) == ()
    assert [t.trigger for t in WORKFLOW.transitions if t.optional] == ["back_to_drafting", "confirm_minutes",
                                                                        "withdraw"]
    assert [t.trigger for t in ROUND_WORKFLOW.transitions if t.goes_back] == ["send_back"]
    assert WORKFLOW.state_tone("rejected") == "danger" and WORKFLOW.state_tone("nowhere") == "neutral"
    assert [p.name for p in WORKFLOW.progress][:2] == ["not_started", "preparing"]
    with pytest.raises(TypeError, match="unknown state flag"):
        WORKFLOW.states_where(editible=True)
