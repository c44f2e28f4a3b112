"""Prize money: base salary by date, multipliers by decree, rounding, amounts in words."""

import datetime as dt
from decimal import Decimal

import pytest

from service.awards import prize
from service.awards.prize import BaseSalaryTable, MultiplierTable, PrizeError, compute_prize
from service.documents import vnformat

D = dt.date


# --- base salary table --------------------------------------------------------

@pytest.mark.parametrize(
    "day, amount",
    [
        (D(2019, 7, 1), 1_490_000),
        (D(2023, 6, 30), 1_490_000),
        (D(2023, 7, 1), 1_800_000),
        (D(2024, 6, 30), 1_800_000),
        (D(2024, 7, 1), 2_340_000),
        (D(2026, 6, 30), 2_340_000),
        (D(2026, 7, 1), 2_530_000),
        (dt.datetime(2030, 1, 1, 9, 0), 2_530_000),
    ],
)
def test_base_salary_in_force_on_the_decision_date(day, amount):
    assert BaseSalaryTable.default().on(day).amount == amount


def test_the_2026_level_is_marked_for_checking():
    rows = BaseSalaryTable.default().rows
    assert [row.needs_check for row in rows] == [False, False, False, True]
    assert rows[2].source == "Nghị định 73/2024/NĐ-CP"


def test_a_date_before_the_table_is_refused_in_vietnamese():
    with pytest.raises(PrizeError) as caught:
        BaseSalaryTable.default().on(D(2019, 6, 30))
    assert str(caught.value) == (
        "Không có mức lương cơ sở áp dụng cho ngày 30/06/2019: bảng mức lương cơ sở bắt đầu từ ngày 01/07/2019."
    )


def test_table_from_rows_in_any_order_and_format():
    table = BaseSalaryTable.from_rows([
        {"from": "01/07/2024", "amount": 2_340_000, "source": "Nghị định 73/2024/NĐ-CP"},
        (D(2023, 7, 1), 1_800_000),
        {"valid_from": "2027-01-01", "amount": "2600000", "needs_check": True},
    ])
    assert [row.valid_from for row in table.rows] == [D(2023, 7, 1), D(2024, 7, 1), D(2027, 1, 1)]
    assert table.on(D(2027, 3, 1)).needs_check
    assert BaseSalaryTable.from_rows(table.to_rows()).rows == table.rows


@pytest.mark.parametrize(
    "rows, fragment",
    [
        ([], "không có dòng"),
        ([(D(2024, 7, 1), 1), (D(2024, 7, 1), 2)], "cùng ngày hiệu lực 01/07/2024"),
        ([("32/13/2024", 1_000)], "Ngày không hợp lệ"),
        ([(D(2024, 7, 1), "nhiều")], "không phải là số"),
        ([(D(2024, 7, 1), 0)], "phải lớn hơn 0"),
        ([(D(2024, 7, 1), 1_000.5)], "số đồng nguyên"),
    ],
)
def test_bad_salary_rows_are_refused(rows, fragment):
    with pytest.raises(PrizeError) as caught:
        BaseSalaryTable.from_rows(rows)
    assert fragment in str(caught.value)


def test_salary_table_from_yaml_text():
    table = BaseSalaryTable.from_yaml("rows:\n  - from: 2024-07-01\n    amount: 2340000\n")
    assert table.on(D(2025, 1, 1)).amount == 2_340_000
    with pytest.raises(PrizeError):
        BaseSalaryTable.from_yaml("rows: [")
    with pytest.raises(PrizeError):
        BaseSalaryTable.from_yaml("khác: 1")


# --- multipliers by decree -------------------------------------------------------

@pytest.mark.parametrize(
    "day, decree",
    [
        (D(2017, 10, 1), "91/2017/NĐ-CP"),
        (D(2023, 12, 31), "91/2017/NĐ-CP"),
        (D(2024, 1, 1), "98/2023/NĐ-CP"),
        (D(2025, 6, 30), "98/2023/NĐ-CP"),
        (D(2025, 7, 1), "152/2025/NĐ-CP"),
    ],
)
def test_decree_in_force(day, decree):
    assert MultiplierTable.default().regime_on(day).decree == decree


def test_no_decree_before_91_2017():
    with pytest.raises(PrizeError) as caught:
        MultiplierTable.default().regime_on(D(2017, 9, 30))
    assert "Nghị định 91/2017/NĐ-CP" in str(caught.value)


@pytest.mark.parametrize(
    "form, kind, day, value",
    [
        ("giay_khen", "individual", D(2024, 12, 9), "0.3"),
        ("giay_khen", "collective", D(2024, 12, 9), "0.6"),
        ("bang_khen_bo_tinh", "individual", D(2020, 5, 1), "1.0"),
        ("bang_khen_bo_tinh", "collective", D(2020, 5, 1), "2.0"),
        ("bang_khen_bo_tinh", "individual", D(2025, 7, 1), "1.5"),
        ("bang_khen_bo_tinh", "collective", D(2025, 7, 1), "3.0"),
        ("bang_khen_thu_tuong", "individual", D(2025, 8, 1), "3.5"),
        ("bang_khen_thu_tuong", "collective", D(2025, 8, 1), "7.0"),
        ("chien_si_thi_dua_co_so", "individual", D(2024, 12, 9), "1.0"),
        ("lao_dong_tien_tien", "individual", D(2024, 12, 9), "0.3"),
        ("lao_dong_tien_tien", "collective", D(2024, 12, 9), "0.8"),
        ("tap_the_lao_dong_xuat_sac", "collective", D(2024, 12, 9), "1.5"),
        # A household receives 1.5 times the individual amount.
        ("giay_khen", "household", D(2024, 12, 9), "0.45"),
        ("bang_khen_bo_tinh", "household", D(2025, 7, 1), "2.25"),
    ],
)
def test_default_multipliers(form, kind, day, value):
    assert MultiplierTable.default().multiplier(form, kind, day).value == Decimal(value)


def test_values_from_secondary_sources_are_flagged():
    table = MultiplierTable.default()
    assert table.multiplier("giay_khen", "individual", D(2025, 8, 1)).needs_check
    assert not table.multiplier("giay_khen", "collective", D(2025, 8, 1)).needs_check
    # Our sources give the Decree 98/2023 level of a provincial Bằng khen only indirectly.
    assert table.multiplier("bang_khen_bo_tinh", "individual", D(2024, 12, 9)).needs_check
    assert not table.multiplier("bang_khen_bo_tinh", "individual", D(2025, 8, 1)).needs_check


@pytest.mark.parametrize(
    "form, kind, fragment",
    [
        ("chien_si_thi_dua_co_so", "collective", "không tặng cho tập thể"),
        ("tap_the_lao_dong_xuat_sac", "individual", "không tặng cho cá nhân"),
        ("huan_chuong", "individual", "không có trong bảng hệ số"),
    ],
)
def test_forms_not_awarded_to_a_kind_are_refused(form, kind, fragment):
    with pytest.raises(PrizeError) as caught:
        MultiplierTable.default().multiplier(form, kind, D(2024, 12, 9))
    assert fragment in str(caught.value)


def test_unknown_kind_is_refused():
    with pytest.raises(PrizeError):
        compute_prize("giay_khen", "company", D(2024, 12, 9))


def test_multiplier_table_from_rows():
    table = MultiplierTable.from_rows([
        {"decree": "152/2025/NĐ-CP", "in_force_from": "01/07/2025",
         "forms": {"giay_khen": {"name": "Giấy khen", "individual": "0,4", "collective": 0.8}}},
    ], household_factor=2)
    assert table.multiplier("giay_khen", "individual", D(2025, 8, 1)).value == Decimal("0.4")
    assert table.multiplier("giay_khen", "household", D(2025, 8, 1)).value == Decimal("0.8")
    with pytest.raises(PrizeError):
        MultiplierTable.from_rows([{"decree": "x", "in_force_from": "2025-07-01",
                                    "forms": {"a": {"individual": 1, "needs_check": ["cả hai"]}}}])


# --- rounding and amounts ----------------------------------------------------------

@pytest.mark.parametrize(
    "amount, rule, expected",
    [
        (702_000, "nearest", 700_000),
        (705_000, "nearest", 710_000),
        (704_999, "nearest", 700_000),
        (702_000, "up", 710_000),
        (700_001, "up", 710_000),
        (700_000, "up", 700_000),
        (Decimal("1053000.00"), "nearest", 1_050_000),
        (0, "nearest", 0),
        (0, "up", 0),
    ],
)
def test_round_prize(amount, rule, expected):
    assert prize.round_prize(amount, rule) == expected


def test_unknown_rounding_rule_is_refused():
    with pytest.raises(PrizeError) as caught:
        prize.round_prize(702_000, "down")
    assert "nearest" in str(caught.value)


def test_giay_khen_for_a_person_in_december_2024():
    result = compute_prize("giay_khen", "individual", D(2024, 12, 9))
    assert result.base_salary == 2_340_000 and result.base_salary_from == D(2024, 7, 1)
    assert result.multiplier == Decimal("0.3") and result.multiplier_basis == "Nghị định 98/2023/NĐ-CP"
    assert result.raw == 702_000 and result.raw_whole == 702_000
    assert result.rounded == 700_000
    assert result.text == "700.000 đồng (Bảy trăm nghìn đồng)"
    assert result.needs_check and any("cần kiểm tra" in note for note in result.notes)
    up = compute_prize("giay_khen", "individual", D(2024, 12, 9), rounding="up")
    assert (up.raw, up.rounded) == (702_000, 710_000)


def test_bang_khen_under_decree_152():
    result = compute_prize("bang_khen_bo_tinh", "individual", D(2025, 9, 2))
    assert result.rounded == 3_510_000
    assert result.in_words == "Ba triệu năm trăm mười nghìn đồng"
    assert not result.needs_check


def test_household_amount_reads_with_khong_tram():
    result = compute_prize("giay_khen", "household", D(2024, 12, 9))
    assert result.raw == 1_053_000 and result.rounded == 1_050_000
    assert result.in_words == "Một triệu không trăm năm mươi nghìn đồng"


def test_2026_salary_is_flagged():
    result = compute_prize("giay_khen", "collective", D(2026, 8, 1))
    assert result.rounded == 1_520_000  # 0,6 × 2.530.000 = 1.518.000
    assert result.needs_check
    assert "Mức lương cơ sở từ 01/07/2026: cần kiểm tra." in result.notes


def test_campaign_override_wins():
    result = compute_prize(None, "individual", D(2024, 12, 9), multiplier=0.5)
    assert result.rounded == 1_170_000 and result.is_override
    assert result.multiplier_basis == "cấu hình của phong trào"
    form = {"code": "giay_khen_ca_nhan", "name": "Giấy khen", "multiplier": 0.3}
    assert prize.prize_for_award_form(form, "individual", D(2024, 12, 9)).rounded == 700_000
    by_kind = {"code": "gk", "multiplier": {"individual": 0.3, "collective": 0.6}}
    assert prize.prize_for_award_form(by_kind, "collective", D(2024, 12, 9)).rounded == 1_400_000
    by_category = {"code": "bk_tinh", "category": "bang_khen_bo_tinh"}
    assert prize.prize_for_award_form(by_category, "collective", D(2025, 8, 1)).rounded == 7_020_000


def test_missing_form_without_override_is_refused():
    with pytest.raises(PrizeError):
        compute_prize(None, "individual", D(2024, 12, 9))


def test_apply_prizes_fills_copies():
    awardees = [
        {"kind": "individual", "full_name": "Nguyễn Văn An", "award_form": {"code": "giay_khen_ca_nhan"}},
        {"kind": "collective", "full_name": "Trạm Y tế", "award_form": {"code": "giay_khen"}},
    ]
    forms = [{"code": "giay_khen_ca_nhan", "name": "Giấy khen", "multiplier": 0.3}]
    result = prize.apply_prizes(awardees, D(2024, 12, 9), forms)
    assert [(r["multiplier"], r["prize_raw"], r["prize_rounded"]) for r in result] == [
        (0.3, 702_000, 700_000), (0.6, 1_404_000, 1_400_000),
    ]
    assert result[1]["prize_needs_check"] is False
    assert "prize_rounded" not in awardees[0]


def test_custom_tables_are_used():
    salaries = BaseSalaryTable.from_rows([("01/01/2020", 1_000_000)])
    result = compute_prize("giay_khen", "individual", D(2020, 6, 1), salaries=salaries)
    assert result.rounded == 300_000


# --- money in words (Vietnamese formal reading) ------------------------------------

@pytest.mark.parametrize(
    "amount, words",
    [
        (0, "Không đồng"),
        (10_000, "Mười nghìn đồng"),
        (15_000, "Mười lăm nghìn đồng"),
        (21_000, "Hai mươi mốt nghìn đồng"),
        (105_000, "Một trăm linh năm nghìn đồng"),
        (700_000, "Bảy trăm nghìn đồng"),
        (1_001_000, "Một triệu không trăm linh một nghìn đồng"),
        (1_050_000, "Một triệu không trăm năm mươi nghìn đồng"),
        (1_400_000, "Một triệu bốn trăm nghìn đồng"),
        (3_510_000, "Ba triệu năm trăm mười nghìn đồng"),
        (9_100_000, "Chín triệu một trăm nghìn đồng"),
        (100_000_000, "Một trăm triệu đồng"),
        (1_000_000_000, "Một tỷ đồng"),
        (1_000_050_000, "Một tỷ không trăm năm mươi nghìn đồng"),
    ],
)
def test_money_in_words(amount, words):
    assert vnformat.money_in_words(amount) == words
