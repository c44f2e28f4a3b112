"""Ranking, quotas and overrides (service.ranking), and derived figures (service.campaigns.metrics): pure."""
from __future__ import annotations

import random

import pytest

from service.campaigns.metrics import clean_figures, derived_values, format_figure, round_half_up
from service.ranking import Entry, Group, MetricKey, Override, QuotaLimit, RankingRule, Requirement, base_reason, rank

LATE = MetricKey("late", "Tỷ lệ chậm đóng", "%", higher_is_better=False)
LATE_Q4 = MetricKey("late_q4", "Tỷ lệ chậm đóng quý IV", "%", higher_is_better=False)
SCORE = MetricKey("score", "Số người thân", "người")


def collective(nid, unit="a", **values):
    return Entry(nid, "collective", unit, values.pop("unit_kind", "branch"), values,
                 stable_key=(f"{nid:05d}",))


def individual(nid, unit="a", **values):
    return Entry(nid, "individual", unit, "branch", values, stable_key=(f"{nid:05d}",))


def outcome_of(result):
    return {o.nominee_id: o for o in result.outcomes}


def test_lower_is_better_then_the_tie_break_then_the_stable_key():
    rule = RankingRule((Group("Tập thể", "collective", order=(LATE,), tie_break=(LATE_Q4,)),))
    entries = [collective(1, late=1.5, late_q4=1.0), collective(2, late=1.2, late_q4=2.0),
               collective(3, late=1.5, late_q4=0.9), collective(4, late=1.5, late_q4=0.9),
               collective(5, late_q4=0.1)]
    result = rank(entries, rule)
    assert [o.nominee_id for o in result.selected] == [2, 3, 4, 1, 5]
    ranks = {o.nominee_id: o.rank for o in result.outcomes}
    # Competition ranks: 3 and 4 tie on every metric and share rank 2; missing figures rank last.
    assert ranks == {2: 1, 3: 2, 4: 2, 1: 4, 5: 5}


def test_higher_is_better_and_the_order_of_input_does_not_matter():
    rule = RankingRule((Group("Cá nhân", "individual", order=(SCORE,)),))
    entries = [individual(i, score=s) for i, s in enumerate([3, 9, 9, 1, 7, 3], start=1)]
    expected = [o.nominee_id for o in rank(entries, rule).outcomes]
    assert expected == [2, 3, 5, 1, 6, 4]
    for seed in range(5):
        shuffled = entries[:]
        random.Random(seed).shuffle(shuffled)
        assert [o.nominee_id for o in rank(shuffled, rule).outcomes] == expected


def test_eligibility_comes_before_the_figures():
    rule = RankingRule((Group("Tập thể", "collective", order=(SCORE,),
                              requirements=(Requirement("score", "Số người thân", "người", minimum=5),)),))
    entries = [
        collective(1, score=50),
        Entry(2, "collective", "b", "branch", {"score": 90}, dossier_state="rejected", review_note="Thiếu biên bản."),
        Entry(3, "collective", "c", "branch", {"score": 80}, dossier_state="under_review"),
        Entry(4, "collective", "d", "branch", {"score": 70}, vote_passed=False, vote_note="4/9 phiếu"),
        collective(5, "e", score=4),
        collective(6, "f"),
    ]
    found = outcome_of(rank(entries, rule))
    assert found[1].is_selected
    assert (found[2].reason_code, found[2].reason) == (
        "rejected_in_review", "Hồ sơ của đơn vị không được chấp thuận khi thẩm định: Thiếu biên bản.")
    assert found[3].reason_code == "not_accepted"
    assert found[4].reason_code == "failed_vote" and "4/9 phiếu" in found[4].reason
    assert found[5].reason == "Chưa đạt chỉ tiêu: “Số người thân” đạt 4 người, yêu cầu từ 5 người trở lên."
    assert found[6].reason == "Chưa đạt chỉ tiêu: chưa có số liệu “Số người thân”."


def test_quotas_total_and_per_unit_with_the_reason():
    rule = RankingRule((Group("Cá nhân", "individual", order=(SCORE,)),),
                       quotas=(QuotaLimit("individual", 4),
                               QuotaLimit("individual", 2, per_unit=True, label="tối đa 02 cá nhân mỗi đơn vị")))
    entries = [individual(1, "a", score=10), individual(2, "a", score=9), individual(3, "a", score=8),
               individual(4, "b", score=7), individual(5, "c", score=6), individual(6, "d", score=5)]
    found = outcome_of(rank(entries, rule))
    assert [n for n, o in found.items() if o.is_selected] == [1, 2, 4, 5]
    assert found[3].reason == "Vượt số lượng khen thưởng (tối đa 02 cá nhân mỗi đơn vị)."
    assert found[6].reason == "Vượt số lượng khen thưởng (tối đa 4 cá nhân trong đợt)."
    assert [found[n].order for n in (1, 2, 4, 5)] == [1, 2, 3, 4]


def test_per_unit_quota_can_name_unit_kinds():
    limit = QuotaLimit("individual", 3, per_unit=True, unit_kinds=frozenset({"agency"}))
    rule = RankingRule((Group("Cá nhân", "individual", order=(SCORE,)),), quotas=(limit,))
    entries = [Entry(i, "individual", "tt", "agency", {"score": 10 - i}) for i in range(1, 5)]
    entries += [Entry(i, "individual", "hn", "branch", {"score": 10 - i}) for i in range(5, 10)]
    found = outcome_of(rank(entries, rule))
    assert not found[4].is_selected and all(found[i].is_selected for i in (1, 2, 3, 5, 6, 7, 8, 9))


def test_a_tie_at_the_limit_is_flagged_on_both_sides():
    rule = RankingRule((Group("Tập thể", "collective", order=(SCORE,)),), quotas=(QuotaLimit("collective", 2),))
    entries = [collective(1, score=9), collective(2, score=5), collective(3, score=5), collective(4, score=1)]
    found = outcome_of(rank(entries, rule))
    assert found[2].is_selected and found[2].tied_at_cut
    assert not found[3].is_selected and found[3].tied_at_cut and "Bằng kết quả" in found[3].reason
    assert not found[1].tied_at_cut and not found[4].tied_at_cut


def test_individuals_only_from_selected_collectives():
    rule = RankingRule((Group("Tập thể", "collective", order=(SCORE,)), Group("Cá nhân", "individual", order=(SCORE,))),
                       quotas=(QuotaLimit("collective", 1),), individuals_need_selected_collective=True)
    entries = [individual(10, "a", score=1), individual(11, "b", score=9), collective(1, "a", score=5),
               collective(2, "b", score=4)]
    result = rank(entries, rule)
    assert [o.nominee_id for o in result.selected] == [1, 10]
    assert outcome_of(result)[11].reason_code == "collective_not_selected"


def test_overrides_force_in_force_out_and_are_refused_for_a_failed_vote():
    rule = RankingRule((Group("Tập thể", "collective", order=(SCORE,),
                              requirements=(Requirement("score", "Điểm", minimum=3),)),),
                       quotas=(QuotaLimit("collective", 2),))
    entries = [collective(1, "a", score=9), collective(2, "b", score=8), collective(3, "c", score=7),
               collective(4, "d", score=2), Entry(5, "collective", "e", "branch", {"score": 10}, vote_passed=False)]
    result = rank(entries, rule, [Override(4, True, "Địa bàn đặc biệt khó khăn."), Override(1, False, "Đã khen năm trước."),
                                  Override(5, True, "Thử chọn.")])
    found = outcome_of(result)
    assert [o.nominee_id for o in result.selected] == [2, 4]     # rank order in the list
    assert found[4].is_override and found[4].reason == "Cơ quan thường trực chọn: Địa bàn đặc biệt khó khăn."
    assert found[1].reason_code == "override" and not found[1].is_selected
    assert found[3].reason_code == "over_quota"                  # pushed out by the forced selection
    assert found[5].reason_code == "failed_vote"                 # the council's vote cannot be overridden
    assert base_reason(entries[3], rule)[0] == "below_target"
    assert result.breaches == []
    # The last override for a nominee counts; forced selections alone may not exceed a quota.
    crowded = rank(entries, rule, [Override(4, True, "a"), Override(3, True, "b"), Override(2, True, "c")])
    assert crowded.breaches == ["tập thể số 4 làm vượt tối đa 2 tập thể trong đợt"]


def test_entries_outside_every_group_are_reported():
    rule = RankingRule((Group("Tập thể phường", "collective", unit_kinds=frozenset({"ward"})),))
    found = outcome_of(rank([Entry(1, "collective", "x", "department", {})], rule))
    assert found[1].reason_code == "no_group"


# --- derived figures ---------------------------------------------------------------------------------------

METRICS = [
    {"code": "staff", "label": "Tổng số CBCC", "type": "integer", "nominee_kinds": ["collective"], "min": 1},
    {"code": "persuaded", "label": "Số CBCC vận động", "type": "integer", "nominee_kinds": ["collective"],
     "at_most": "staff"},
    {"code": "bhyt", "label": "Số người tham gia BHYT", "type": "integer", "targets": {"p1": 10324}, "target": 100},
    {"code": "late", "label": "Tỷ lệ chậm đóng", "type": "percent", "nominee_kinds": ["collective"]},
]
DERIVED = [
    {"code": "rate", "label": "Tỷ lệ vận động", "unit": "%", "formula": "ratio", "numerator": "persuaded",
     "denominator": "staff", "precision": 2, "nominee_kinds": ["collective"]},
    {"code": "per", "label": "Bình quân", "formula": "per", "numerator": "bhyt", "denominator": "staff",
     "precision": 2, "nominee_kinds": ["collective"]},
    {"code": "attain", "label": "Hoàn thành BHYT", "unit": "%", "formula": "attainment", "metric": "bhyt",
     "precision": 2},
    {"code": "mean", "label": "Bình quân", "unit": "%", "formula": "mean", "of": ["rate", "attain"], "precision": 2},
]


def test_rates_are_exact_and_rounded_half_up():
    values = derived_values(METRICS, DERIVED, {"staff": 24, "persuaded": 15, "bhyt": 9800}, "p1")
    assert values == {"rate": 62.5, "per": 408.33, "attain": 94.92, "mean": 78.71}
    # 1/8 = 0,125: rounded half up to 0,13, where binary rounding would give 0,12.
    assert derived_values(METRICS, DERIVED, {"staff": 800, "persuaded": 1}, "x")["rate"] == 0.13
    assert round_half_up(0.125, 2) == 0.13


def test_a_target_of_the_unit_wins_over_the_common_one_and_missing_operands_give_none():
    assert derived_values(METRICS, DERIVED, {"bhyt": 50}, "p9")["attain"] == 50.0
    values = derived_values(METRICS, DERIVED, {"staff": 0, "persuaded": 0}, "p1")
    assert values["rate"] is None and values["attain"] is None and values["mean"] is None
    assert derived_values(METRICS, DERIVED, {"bhyt": 20}, "p1", kind="individual") == {"attain": 0.19, "mean": None}


@pytest.mark.parametrize("values, kind, problem", [
    ({"staff": 2.5}, "collective", "phải là số nguyên"),
    ({"staff": 0}, "collective", "không được nhỏ hơn 1"),
    ({"staff": 10, "persuaded": 12}, "collective", "“Số CBCC vận động” (12) không được lớn hơn “Tổng số CBCC” (10)"),
    ({"rate": 50}, "collective", "do hệ thống tự tính"),
    ({"khac": 1}, "collective", "không có trong phong trào"),
    ({"staff": 3}, "individual", "không áp dụng cho cá nhân"),
    ({"late": 101.5}, "collective", "không được lớn hơn 100"),
    ({"late": True}, "collective", "phải là một số"),
    ({"late": float("nan")}, "collective", "không phải là số hợp lệ"),
])
def test_typed_figures_are_checked(values, kind, problem):
    _, problems = clean_figures(METRICS, DERIVED, values, kind)
    assert any(problem in p for p in problems), problems


def test_whole_numbers_sent_as_decimals_are_stored_as_integers():
    cleaned, problems = clean_figures(METRICS, DERIVED, {"staff": 24.0, "late": 2.5}, "collective")
    assert problems == [] and cleaned == {"staff": 24, "late": 2.5} and isinstance(cleaned["staff"], int)


@pytest.mark.parametrize("value, unit, text", [
    (62.5, "%", "62,5%"), (1757, "người", "1.757 người"), (2.59, "%", "2,59%"), (40.0, "%", "40%"),
    (1234567.891, "", "1.234.567,89"), (None, "%", "—"),
])
def test_figures_are_written_the_vietnamese_way(value, unit, text):
    assert format_figure(value, unit) == text
