"""The base salary table: packaged levels by default, replaced whole by an administrator."""
from __future__ import annotations

import datetime as dt

from service.operations.salaries import salary_table


def test_the_packaged_levels_apply_until_an_admin_sets_the_table(as_user, world):
    rows = as_user("clerk").get("/api/v1/base-salaries").get_json()["rows"]
    assert {"valid_from": "2024-07-01", "amount": 2340000} in [
        {k: r[k] for k in ("valid_from", "amount")} for r in rows]
    table = [{"valid_from": "2023-07-01", "amount": 1800000},
             {"valid_from": "2024-07-01", "amount": 2340000, "source": "Nghị định 73/2024/NĐ-CP"},
             {"valid_from": "2026-07-01", "amount": 2600000, "needs_check": True}]
    response = as_user("admin").put("/api/v1/admin/base-salaries", json={"rows": table})
    assert response.status_code == 200, response.get_json()
    assert salary_table().on(dt.date(2026, 8, 1)).amount == 2600000
    assert salary_table().on(dt.date(2025, 1, 1)).amount == 2340000


def test_a_bad_table_changes_nothing(as_user, world):
    admin = as_user("admin")
    twice = [{"valid_from": "2024-07-01", "amount": 2340000}, {"valid_from": "2024-07-01", "amount": 1}]
    error = admin.put("/api/v1/admin/base-salaries", json={"rows": twice})
    assert error.status_code == 422 and "hai dòng cùng ngày" in error.get_json()["error"]["message"]
    for rows in ([], [{"valid_from": "2024-07-01", "amount": -5}], [{"valid_from": "2024-07-01"}],
                 [{"valid_from": "2024-07-01", "amount": "2.340.000"}]):
        assert admin.put("/api/v1/admin/base-salaries", json={"rows": rows}).status_code == 422
    assert salary_table().on(dt.date(2025, 1, 1)).amount == 2340000
    assert as_user("reviewer").put("/api/v1/admin/base-salaries", json={"rows": twice[:1]}).status_code == 403


def test_prize_rounding_is_a_setting(app, world):
    """0,3 × 2.345.000 = 703.500: 700.000 to the nearest ten thousand, 710.000 rounded up."""
    from service.awards.prize import BaseSalaryTable, apply_prizes

    table = BaseSalaryTable.from_rows([{"from": "2024-07-01", "amount": 2345000}])
    awardee = {"kind": "individual", "award_form": {"code": "giay_khen_ca_nhan", "name": "Giấy khen"}}
    forms = [{"code": "giay_khen_ca_nhan", "multiplier": 0.3}]
    nearest = apply_prizes([awardee], dt.date(2024, 12, 20), forms, salaries=table, rounding="nearest")[0]
    up = apply_prizes([awardee], dt.date(2024, 12, 20), forms, salaries=table, rounding="up")[0]
    assert (nearest["prize_rounded"], up["prize_rounded"]) == (700000, 710000)
    assert nearest["prize_raw"] == up["prize_raw"] == 703500
    assert app.config["PRIZE_ROUNDING"] == "nearest"
    import pytest

    from service.config import build_config

    with pytest.raises(ValueError):
        build_config(app.instance_path, {"PRIZE_ROUNDING": "down"})
