"""The standing agency's round in a real browser (headless Chromium through Playwright), on the demo data:
the reviewer closes the collection, reads the ranking chart, leaves one nominee out with a reason and
proposes the list; the authority records the decision and downloads it. Screenshots go to tests/screenshots/.
"""
from __future__ import annotations

import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import docx_text
from service.db import db
from web_helpers import browser, demo, live_server, people, screenshot  # noqa: F401 - fixtures

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

expect.set_options(timeout=10_000)


def _state(page):
    return page.locator("#actions-panel .state-line")


def _fire(page, label: str):
    card = page.locator("form.action-card", has=page.get_by_role("button", name=label, exact=True))
    card.get_by_role("button", name=label, exact=True).click()


def _finish_reviews(demo) -> None:
    """The reviewer accepts the two dossiers still waiting, as on their dossier pages."""
    from service.models import Dossier, User
    from service.operations import workflow as workflow_ops

    reviewer = db.session.scalar(sa.select(User).where(User.username == "thamdinh.yte"))
    for code in ("binh-khanh", "my-phuoc"):
        dossier = db.session.get(Dossier, demo["dossiers"][code])
        if dossier.state == "submitted":
            workflow_ops.fire_transition(reviewer, dossier, "start_review", expected_state="submitted")
        workflow_ops.fire_transition(reviewer, dossier, "accept", expected_state="under_review")
    db.session.commit()


def test_a_round_from_ranking_to_decision_in_the_browser(people, live_server, demo):
    _finish_reviews(demo)

    # --- the reviewer consolidates ---------------------------------------------------------------
    reviewer = people.page("thamdinh.yte")
    reviewer.locator(".round-links").get_by_role("link", name="Đợt thi đua cao điểm năm 2024").click()
    expect(reviewer.locator("h1")).to_have_text("Đợt thi đua cao điểm năm 2024")
    round_url = reviewer.url.split("#")[0]
    expect(_state(reviewer)).to_contain_text("Đang nhận hồ sơ")
    _fire(reviewer, "Kết thúc nhận hồ sơ, chuyển tổng hợp")
    expect(reviewer.locator(".flash--success")).to_contain_text("Đang tổng hợp, xét chọn")

    # The ranking chart of each group, drawn on the server, with a text alternative.
    charts = reviewer.locator("svg.chart--ranking")
    expect(charts).to_have_count(2)
    expect(charts.first).to_be_visible()
    expect(charts.last.locator("desc")).to_contain_text("Trần Văn An (UBND phường Mỹ Thới)")
    # Mỹ Quý's dossier was rejected in review: its two people are cut from the start.
    expect(charts.last.locator(".chart__row--cut")).to_have_count(2)

    # --- one nominee is left out, with a reason -----------------------------------------------------
    row = reviewer.locator("#bang-xep-hang tbody tr", has_text="Trần Văn An").filter(has_text="UBND phường Mỹ Thới")
    expect(row).to_contain_text("✓ Có")
    row.locator("details.override > summary").click()
    row.get_by_label("Không chọn khen thưởng").check()
    row.get_by_label("Lý do điều chỉnh (bắt buộc)").fill("Đã được tặng Giấy khen về cùng thành tích năm 2024.")
    row.get_by_role("button", name="Lưu điều chỉnh").click()
    expect(reviewer.locator(".flash--success")).to_contain_text("Đã không chọn “Trần Văn An”")
    row = reviewer.locator("#bang-xep-hang tbody tr", has_text="Trần Văn An").filter(has_text="UBND phường Mỹ Thới")
    expect(row).to_contain_text("✗ Không")
    expect(row).to_contain_text("Cơ quan thường trực không chọn: Đã được tặng Giấy khen về cùng thành tích năm 2024.")
    cut = charts.last.locator(".chart__row--cut")
    expect(cut).to_have_count(3)
    expect(cut.filter(has_text="Mỹ Thới")).to_contain_text("✗ Không chọn")
    expect(reviewer.locator(".timeline")).to_contain_text("Không chọn: Trần Văn An")
    reviewer.locator("#xep-hang").scroll_into_view_if_needed()
    screenshot(reviewer, "11-dot-khen-thuong-xep-hang")

    # --- the reviewer proposes the list -------------------------------------------------------------
    reviewer.locator("#buoc-propose-proposal_number").fill("25/TTr-PYT")
    reviewer.locator("#buoc-propose-proposal_date").fill("2024-12-10")
    _fire(reviewer, "Trình cấp có thẩm quyền")
    expect(_state(reviewer)).to_contain_text("Đã trình cấp có thẩm quyền")
    expect(reviewer.locator(".action-card--waiting")).to_contain_text("Ghi nhận quyết định khen thưởng")
    expect(reviewer.locator("details.override")).to_have_count(0)

    # --- the authority decides -----------------------------------------------------------------------
    approver = people.page("pheduyet.ubnd")
    expect(approver.locator(".round-links")).to_contain_text("Việc của bạn: Ghi nhận quyết định khen thưởng")
    approver.goto(round_url)
    approver.locator("#buoc-decide-decision_number").fill("1250/QĐ-UBND")
    approver.locator("#buoc-decide-decision_date").fill("2024-12-20")
    _fire(approver, "Ghi nhận quyết định khen thưởng")
    expect(_state(approver)).to_contain_text("Đã có quyết định khen thưởng")
    expect(approver.locator(".timeline")).to_contain_text("Quyết định số 1250/QĐ-UBND ngày 20/12/2024")
    screenshot(approver, "12-dot-khen-thuong-da-quyet-dinh")

    with approver.expect_download() as download:
        approver.locator("#van-ban-quyet_dinh").get_by_role("link", name=re.compile("^Tải về")).click()
    assert download.value.suggested_filename.startswith("quyet_dinh_dot")
    text = docx_text(Path(download.value.path()).read_bytes())
    assert "Công chức Văn hóa - Xã hội, UBND phường Mỹ Thới" in text and "Nguyễn Thị Ánh Tuyết" in text
    assert "Mỹ Thới" in text and "Trần Văn An" in text  # the other units' Trần Văn An stay on the list

    # --- the outcome goes back to the unit: its home page, its dossier page, its own certificates --------
    clerk = people.page("canbo.mythoi")
    results = clerk.locator("#ket-qua-don-vi")
    expect(results).to_contain_text("Quyết định khen thưởng của đợt số 1250/QĐ-UBND ngày 20/12/2024")
    expect(results.locator(".outcome-list li", has_text="Nguyễn Thị Ánh Tuyết")).to_contain_text("Được khen thưởng")
    expect(results.locator(".outcome-list li", has_text="Trần Văn An")).to_contain_text("Cơ quan thường trực điều chỉnh")
    results.scroll_into_view_if_needed()
    screenshot(clerk, "14-ket-qua-trang-chu-don-vi")
    clerk.locator("#ket-qua-don-vi").get_by_role("link", name="Xem chi tiết").click()
    outcome = clerk.locator("table.outcome")
    expect(outcome.locator("tr", has_text="Nguyễn Thị Ánh Tuyết")).to_contain_text("đồng")
    expect(outcome.locator("tr", has_text="Trần Văn An")).to_contain_text(
        "Đã được tặng Giấy khen về cùng thành tích năm 2024.")
    screenshot(clerk, "14-ket-qua-trang-ho-so")
    with clerk.expect_download() as download:
        clerk.locator("#tai-giay-khen").click()
    text = docx_text(Path(download.value.path()).read_bytes())
    assert "Nguyễn Thị Ánh Tuyết" in text and "Mỹ Thới" in text
    assert "Mỹ Phước" not in text and "Bình Khánh" not in text and "Trần Văn An" not in text

    # --- the same page on a phone: no sideways scrolling, the table becomes cards ----------------------
    phone = people.page("thamdinh.yte", width=390, height=844)
    phone.goto(round_url + "#xep-hang")
    expect(phone.locator("h1")).to_have_text("Đợt thi đua cao điểm năm 2024")
    assert phone.evaluate("() => document.documentElement.scrollWidth") <= 390
    screenshot(phone, "13-dot-khen-thuong-dien-thoai", full_page=False)
