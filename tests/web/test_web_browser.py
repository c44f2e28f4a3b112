"""The main journeys in a real browser (headless Chromium through Playwright), on the demo data.

Each person has their own browser context, as each civil servant has their
own computer. Screenshots of the pages go to tests/screenshots/.
"""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa
from docx import Document

from service.db import db
from web_helpers import browser, demo, live_server, people, screenshot  # noqa: F401 - fixtures

pytest.importorskip("playwright")
from playwright.sync_api import expect  # noqa: E402

expect.set_options(timeout=10_000)

STALE_TEXT = "Hồ sơ vừa được người khác thay đổi"


def _docx_text(path) -> str:
    document = Document(str(path))
    parts = [p.text for p in document.paragraphs]
    parts += [cell.text for table in document.tables for row in table.rows for cell in row.cells]
    return "\n".join(parts)


def _state(page):
    return page.locator("#actions-panel .state-line")


def _fire(page, label: str, *, comment: str | None = None):
    card = page.locator("form.action-card", has=page.get_by_role("button", name=label, exact=True))
    if comment is not None:
        card.get_by_role("textbox").first.fill(comment)
    card.get_by_role("button", name=label, exact=True).click()


def _generate_documents(page) -> list[str]:
    """Click "Tạo văn bản" and return the progress messages the page showed on the way."""
    page.evaluate("""() => {
        window.__progress = [];
        const text = document.querySelector('#documents-panel .progress-text');
        new MutationObserver(() => window.__progress.push(text.textContent))
            .observe(text, {childList: true, characterData: true, subtree: true});
    }""")
    page.get_by_role("button", name="Tạo văn bản theo số liệu mới nhất").click()
    expect(page.locator("#documents-panel .progress-text")).to_have_text("Đã tạo xong 3 văn bản.")
    return page.evaluate("() => window.__progress")


def _fill_nominee(form, *, kind: str, name: str, award_form: str, metrics: dict[str, str], summary: str,
                  gender: str = "", position: str = "", workplace: str = ""):
    form.locator(f'input[name="kind"][value="{kind}"]').check()
    form.locator('[name="full_name"]').fill(name)
    if kind == "individual":
        form.locator('[name="gender"]').select_option(gender)
        form.locator('[name="position"]').fill(position)
    form.locator('[name="workplace"]').fill(workplace)
    form.locator('[name="award_form"]').select_option(award_form)
    for code, value in metrics.items():
        form.locator(f'[name="metric-{code}"]').fill(value)
    form.locator('[name="achievement_summary"]').fill(summary)


def test_a_dossier_from_draft_to_decision_in_the_browser(people, live_server):
    # --- the unit clerk drafts ----------------------------------------------------------------
    clerk = people.page("canbo.mybinh")
    expect(clerk.get_by_role("heading", name="Phong trào đơn vị chưa lập hồ sơ")).to_be_visible()
    screenshot(clerk, "01-can-bo-trang-chu")
    clerk.get_by_role("button", name="Lập hồ sơ cho phong trào này").click()
    expect(clerk.locator("h1")).to_contain_text("UBND phường Mỹ Bình")
    dossier_url = clerk.url.split("#")[0]

    form = clerk.locator("#them-nguoi form")
    _fill_nominee(form, kind="individual", name="   ", award_form="giay_khen_ca_nhan", gender="female",
                  position="Công chức Văn hóa - Xã hội", workplace="UBND phường Mỹ Bình",
                  metrics={"relatives_bhxh": "4", "relatives_bhyt": "bốn"},
                  summary="Trực tiếp vận động 04 người thân tham gia BHXH tự nguyện.")
    form.get_by_role("button", name="Thêm vào hồ sơ").click()
    # The server refuses; each reason sits under its field and what was typed is still there.
    expect(clerk.locator("#them-full_name-errors")).to_contain_text("Không được để trống.")
    expect(clerk.locator("#them-metric-relatives_bhyt-errors")).to_contain_text("Phải là một số")
    expect(clerk.locator("#them-achievement_summary")).to_have_value(
        "Trực tiếp vận động 04 người thân tham gia BHXH tự nguyện.")
    screenshot(clerk, "02-loi-ngay-canh-truong")
    form = clerk.locator("#them-nguoi form")
    form.locator('[name="full_name"]').fill("Nguyễn Thị Ánh Tuyết")
    form.locator('[name="metric-relatives_bhyt"]').fill("9")
    form.get_by_role("button", name="Thêm vào hồ sơ").click()
    expect(clerk.locator(".flash--success")).to_contain_text("Đã thêm “Nguyễn Thị Ánh Tuyết”")

    clerk.locator("#them-nguoi > summary").click()
    form = clerk.locator("#them-nguoi form")
    form.locator('input[name="kind"][value="collective"]').check()
    # A collective has no gender: the field disappears.
    expect(form.locator('[name="gender"]')).to_be_hidden()
    _fill_nominee(form, kind="collective", name="Công chức Văn hóa - Xã hội, UBND phường Mỹ Bình",
                  award_form="giay_khen_tap_the", workplace="UBND phường Mỹ Bình",
                  metrics={"staff_total": "24", "staff_persuaded_bhxh": "15", "relatives_bhxh": "19",
                           "relatives_bhyt": "31"},
                  summary="Vận động 19 người thân tham gia BHXH tự nguyện và 31 người tham gia BHYT.")
    form.get_by_role("button", name="Thêm vào hồ sơ").click()
    expect(clerk.locator("table.nominees tbody tr:not(.edit-row)")).to_have_count(2)

    # Edit in place.
    row = clerk.locator("table.nominees tr", has_text="Nguyễn Thị Ánh Tuyết").first
    row.get_by_role("link", name="Sửa").click()
    edit = clerk.locator("tr.edit-row:visible form")
    edit.locator('[name="position"]').fill("Phó Chủ tịch Ủy ban Mặt trận Tổ quốc")
    edit.get_by_role("button", name="Lưu thay đổi").click()
    expect(clerk.locator("table.nominees")).to_contain_text("Phó Chủ tịch Ủy ban Mặt trận Tổ quốc")
    screenshot(clerk, "03-ho-so-dang-soan")
    _fire(clerk, "Gửi Hội đồng xét")
    expect(_state(clerk)).to_contain_text("Chờ Hội đồng xét")

    # --- the council secretary records the vote -------------------------------------------------
    secretary = people.page("thuky.mybinh")
    expect(secretary.locator("#viec-cua-ban")).to_contain_text("UBND phường Mỹ Bình")
    secretary.goto(dossier_url)
    secretary.get_by_role("link", name="Ghi biên bản họp").click()
    secretary.locator("#hop-started_at").fill("2024-12-02T08:00")
    secretary.locator("#hop-ended_at").fill("2024-12-02T09:30")
    secretary.locator("#hop-total_members").fill("9")
    secretary.locator("#hop-present_members").fill("5")
    expect(secretary.locator("#quorum-status")).to_contain_text("chưa đủ 2/3 thành viên (cần ít nhất 6)")
    secretary.locator("#hop-present_members").fill("8")
    expect(secretary.locator("#quorum-status")).to_contain_text("đủ 2/3 thành viên")
    secretary.get_by_role("button", name="Thêm người vắng mặt").click()
    secretary.locator("#absentees-0-name").fill("Lê Văn Sáu")
    secretary.locator("#absentees-0-reason").fill("Đi công tác")
    secretary.locator("#absentees-0-written_opinion").fill("Thống nhất đề nghị.")
    secretary.locator("#hop-chair_gender").select_option("female")
    secretary.locator("#hop-secretary_gender").select_option("male")

    individual = secretary.locator("[data-vote-row]", has_text="Nguyễn Thị Ánh Tuyết")
    collective = secretary.locator("[data-vote-row]", has_text="Công chức Văn hóa")
    votes = individual.locator("input")
    # More than half of ALL nine members is needed: 4 fails, 5 passes, 9 is impossible with 8 present.
    votes.fill("4")
    expect(individual.locator("[data-vote-percent]")).to_have_text("44,44%")
    expect(individual.locator("[data-vote-result]")).to_have_text("Không đạt")
    votes.fill("5")
    expect(individual.locator("[data-vote-percent]")).to_have_text("55,56%")
    expect(individual.locator("[data-vote-result]")).to_have_text("Đạt")
    votes.fill("9")
    expect(individual.locator("[data-vote-result]")).to_contain_text("Không hợp lệ")
    votes.fill("7")
    collective.locator("input").fill("8")
    expect(collective.locator("[data-vote-result]")).to_have_text("Đạt")
    expect(collective.locator("[data-vote-percent]")).to_have_text("88,89%")
    screenshot(secretary, "04-bien-ban-hop")
    secretary.get_by_role("button", name="Lưu biên bản họp").click()
    expect(secretary.locator(".flash--success")).to_contain_text("Đã lưu biên bản họp Hội đồng")
    expect(secretary.locator("table.nominees")).to_contain_text("7/9 (77,78%)")
    _fire(secretary, "Hoàn tất biên bản họp Hội đồng")
    expect(_state(secretary)).to_contain_text("Sẵn sàng trình")

    # --- the unit head numbers, generates and submits --------------------------------------------
    head = people.page("chutich.mybinh")
    head.goto(dossier_url)
    expect(head.locator(".action-card--blocked")).to_contain_text("cần tạo lại văn bản trước khi nộp")
    head.get_by_text("Sửa số, ngày văn bản và nơi nhận").click()
    head.locator("#thong-tin-to_trinh_number").fill("7")
    head.locator("#thong-tin-to_trinh_date").fill("2024-12-03")
    head.locator("#thong-tin-bien_ban_number").fill("2")
    head.get_by_role("button", name="Lưu", exact=True).click()
    expect(head.locator(".flash--success")).to_contain_text("Đã lưu số, ngày văn bản")
    progress = _generate_documents(head)
    assert any("(1/3)" in message for message in progress) and any("(3/3)" in message for message in progress)
    expect(head.locator("#documents-panel")).to_contain_text("Bộ văn bản khớp với số liệu mới nhất")
    to_trinh = head.locator("#van-ban-to_trinh")
    to_trinh.get_by_text("Xem trước ngay trên trang").click()
    expect(to_trinh.locator(".doc-preview")).to_contain_text("TỜ TRÌNH")
    expect(to_trinh.locator(".doc-preview")).to_contain_text("Số: 07/TTr-UBND")
    screenshot(head, "05-van-ban-va-nop")
    _fire(head, "Nộp hồ sơ")
    expect(_state(head)).to_contain_text("Đã nộp")

    # --- the reviewer returns it with a comment -------------------------------------------------
    reviewer = people.page("thamdinh.yte")
    expect(reviewer.locator("#viec-cua-ban")).to_contain_text("UBND phường Mỹ Bình")
    reviewer.get_by_role("link", name="Xem tiến độ từng đơn vị").first.click()
    expect(reviewer.locator("table")).to_contain_text("UBND phường Mỹ Bình")
    screenshot(reviewer, "06-tien-do-phong-trao")
    reviewer.goto(dossier_url)
    _fire(reviewer, "Bắt đầu thẩm định")
    expect(_state(reviewer)).to_contain_text("Đang thẩm định")
    _fire(reviewer, "Trả lại để bổ sung", comment="Đề nghị bổ sung số liệu BHYT của tập thể.")
    expect(_state(reviewer)).to_contain_text("Trả lại để bổ sung")

    # --- the clerk revises and the unit sends it again --------------------------------------------
    clerk.goto(dossier_url)
    expect(clerk.locator(".timeline")).to_contain_text("Đề nghị bổ sung số liệu BHYT của tập thể.")
    _fire(clerk, "Soạn lại để bổ sung")
    expect(_state(clerk)).to_contain_text("Đang soạn hồ sơ")
    row = clerk.locator("table.nominees tr", has_text="Công chức Văn hóa").first
    row.get_by_role("link", name="Sửa").click()
    clerk.locator("tr.edit-row:visible form").locator('[name="metric-relatives_bhyt"]').fill("35")
    clerk.locator("tr.edit-row:visible form").get_by_role("button", name="Lưu thay đổi").click()
    expect(clerk.locator("table.nominees")).to_contain_text("35")
    _fire(clerk, "Gửi Hội đồng xét")

    secretary.goto(dossier_url)
    secretary.get_by_role("link", name="Sửa biên bản họp").click()
    expect(secretary.locator("#hop-total_members")).to_have_value("9")
    secretary.get_by_role("button", name="Lưu biên bản họp").click()
    _fire(secretary, "Hoàn tất biên bản họp Hội đồng")

    head.goto(dossier_url)
    _generate_documents(head)
    _fire(head, "Nộp hồ sơ")
    expect(_state(head)).to_contain_text("Đã nộp")

    # --- the reviewer accepts; the campaign decides per round, so the dossier waits for the round -----
    reviewer.goto(dossier_url)
    _fire(reviewer, "Bắt đầu thẩm định")
    _fire(reviewer, "Tiếp nhận, chấp thuận")
    expect(_state(reviewer)).to_contain_text("Đã tiếp nhận/chấp thuận")

    approver = people.page("pheduyet.ubnd")
    expect(approver.locator("#viec-cua-ban")).to_have_count(0)
    approver.goto(dossier_url)
    expect(approver.locator("#buoc-approve-decision_number")).to_have_count(0)
    expect(approver.locator("#actions-panel")).to_contain_text("Ghi nhận quyết định khen thưởng của đợt")
    screenshot(approver, "07-ho-so-cho-quyet-dinh-cua-dot")

    # --- the clerk downloads the Word files ----------------------------------------------------------
    clerk.goto(dossier_url)
    for kind in ("to_trinh", "danh_sach"):
        with clerk.expect_download() as download:
            clerk.locator(f"#van-ban-{kind}").get_by_role("link", name=re.compile("^Tải về")).first.click()
        assert download.value.suggested_filename.startswith(f"{kind}_hoso")
        text = _docx_text(download.value.path())
        if kind == "to_trinh":
            assert "Số: 07/TTr-UBND" in text and "ngày 03 tháng 12 năm 2024" in text
        else:
            assert "Nguyễn Thị Ánh Tuyết" in text and "Công chức Văn hóa - Xã hội, UBND phường Mỹ Bình" in text

    phone = people.page("canbo.mybinh", width=390, height=844)
    phone.goto(dossier_url)
    expect(phone.locator("h1")).to_contain_text("UBND phường Mỹ Bình")
    screenshot(phone, "08-dien-thoai-ho-so", full_page=False)


def test_a_user_of_another_unit_cannot_open_or_download_by_changing_the_url(people, live_server, demo):
    clerk = people.page("canbo.mybinh")
    for code in ("my-long", "binh-khanh"):
        dossier_id = demo["dossiers"][code]
        response = clerk.goto(f"{live_server}/ho-so/{dossier_id}")
        assert response.status == 404
        expect(clerk.locator("h1")).to_have_text("Không tìm thấy trang")
        for path in (f"/ho-so/{dossier_id}/van-ban/to_trinh.docx?version=1", f"/ho-so/{dossier_id}/van-ban.zip",
                     f"/ho-so/{dossier_id}/van-ban/to_trinh/xem-truoc?version=1"):
            assert clerk.request.get(live_server + path).status == 404, path
    screenshot(clerk, "09-khong-tim-thay")
    # The agency does not see a draft either, though it sees the submitted one.
    reviewer = people.page("thamdinh.yte")
    assert reviewer.goto(f"{live_server}/ho-so/{demo['dossiers']['my-long']}").status == 404
    assert reviewer.goto(f"{live_server}/ho-so/{demo['dossiers']['binh-khanh']}").status == 200


def test_a_stale_action_is_explained_with_a_reload_link(people, live_server, demo):
    from service.models import Dossier, User
    from service.operations import workflow as workflow_ops

    dossier_id = demo["dossiers"]["binh-khanh"]
    reviewer = people.page("thamdinh.yte")
    reviewer.goto(f"{live_server}/ho-so/{dossier_id}")
    expect(_state(reviewer)).to_contain_text("Đã nộp")

    # Meanwhile someone else starts the review.
    dossier = db.session.get(Dossier, dossier_id)
    someone = db.session.scalar(sa.select(User).where(User.username == "thamdinh.yte"))
    workflow_ops.fire_transition(someone, dossier, "start_review", expected_state="submitted")
    db.session.commit()

    _fire(reviewer, "Bắt đầu thẩm định")
    banner = reviewer.locator("#thong-bao")
    expect(banner).to_contain_text(STALE_TEXT)
    expect(banner).to_contain_text("Đang thẩm định")
    screenshot(reviewer, "10-ho-so-vua-thay-doi", full_page=False)
    banner.get_by_role("link", name="Tải lại hồ sơ").click()
    expect(_state(reviewer)).to_contain_text("Đang thẩm định")
    expect(reviewer.locator("#thong-bao")).to_have_count(0)
