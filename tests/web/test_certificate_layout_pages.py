"""The administrator's page for where a campaign prints its certificates on pre-printed blanks."""
from __future__ import annotations

import re

import pytest
import sqlalchemy as sa

from service.db import db
from service.documents import certificate_layout as layouts
from service.models import AuditEvent, CertificateLayout
from web_helpers import browser, demo, live_server, people, screenshot, web  # noqa: F401 - fixtures


def _html(response) -> str:
    return response.get_data(as_text=True)


def _field_errors(html: str, input_id: str) -> str:
    match = re.search(rf'<ul class="field-errors" id="{re.escape(input_id)}-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", match.group(1))).strip() if match else ""


def _form(**changes) -> dict[str, str]:
    """The form as the page shows it for the default layout, with ``changes`` typed over it."""
    layout = layouts.default_layout()
    data = {"paper": layout["paper"], "orientation": layout["orientation"]}
    for name, spec in layout["fields"].items():
        for part in ("x", "y", "width", "font_size"):
            data[f"{name}-{part}"] = f"{spec[part]:g}".replace(".", ",")
        data[f"{name}-is_printed"] = "1"
    data.update(changes)
    return {key: value for key, value in data.items() if value is not None}


def test_the_page_shows_the_default_layout_in_vietnamese(world, web):
    campaign_id = world["campaign"].id
    admin = web("admin")
    assert f'href="/quan-tri/phong-trao/{campaign_id}/giay-khen"' in _html(admin.get("/quan-tri/phong-trao"))
    html = _html(admin.get(f"/quan-tri/phong-trao/{campaign_id}/giay-khen"))
    assert "Vị trí in giấy khen trên phôi" in html and "Vị trí mặc định" in html
    for label in ("Khổ giấy của phôi", "Hướng giấy", "Khổ ngang", "Khổ dọc", "A4 (210 × 297 mm)", "Cách mép trái (mm)",
                  "Cách mép trên (mm)", "Chiều rộng (mm)", "Cỡ chữ (pt)", *layouts.FIELD_LABELS.values()):
        assert label in html, label
    assert 'id="awardee-x"' in html and 'value="40"' in html
    assert "landscape" not in re.sub(r'value="[^"]*"', "", html)  # codes stay in the form values, never shown
    calibration = admin.get(f"/quan-tri/phong-trao/{campaign_id}/giay-khen/trang-can-chinh.docx")
    assert calibration.status_code == 200 and calibration.mimetype.endswith("wordprocessingml.document")
    # Only an administrator sees or changes it.
    assert web("reviewer").get(f"/quan-tri/phong-trao/{campaign_id}/giay-khen").status_code == 403
    assert web("reviewer").post(f"/quan-tri/phong-trao/{campaign_id}/giay-khen", _form()).status_code == 403


def test_a_saved_layout_is_audited_and_shown_again(world, web):
    campaign = world["campaign"]
    admin = web("admin")
    url = f"/quan-tri/phong-trao/{campaign.id}/giay-khen"
    response = admin.post(url, _form(**{"awardee-y": "100,5", "signer_title-is_printed": None}))
    assert response.status_code == 302, _html(response)
    html = _html(admin.get(url))
    assert "Đã lưu vị trí in giấy khen trên phôi" in html and 'value="100,5"' in html
    assert "Vị trí riêng của phong trào" in html
    row = db.session.scalar(sa.select(CertificateLayout).where(CertificateLayout.campaign_id == campaign.id))
    assert row.fields["awardee"]["y"] == 100.5 and row.fields["signer_title"]["is_printed"] is False
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate_layout.save")).one()
    assert event.changes == {"awardee.y": {"old": 95.0, "new": 100.5},
                             "signer_title.is_printed": {"old": True, "new": False}}
    assert event.actor_id == world["users"]["admin"].id
    # Back to the default, audited too.
    assert admin.post(url + "/mac-dinh").status_code == 302
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateLayout)) == 0
    reset = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate_layout.reset")).one()
    assert reset.changes["awardee.y"] == {"old": 100.5, "new": 95.0}


def test_wrong_values_are_refused_next_to_their_inputs_naming_the_field(world, web):
    campaign_id = world["campaign"].id
    admin = web("admin")
    response = admin.post(f"/quan-tri/phong-trao/{campaign_id}/giay-khen", _form(**{
        "awardee-width": "300", "citation-x": "bốn mươi", "detail-y": "", "place_date-font_size": "72",
        "signer_name-y": "208"}))
    assert response.status_code == 422
    html = _html(response)
    assert "Vị trí in trên phôi chưa hợp lệ" in html
    assert _field_errors(html, "citation-x") == ("Thành tích: cách mép trái (mm) phải là một số không âm, "
                                                 "ví dụ 40 hoặc 12,5.")
    assert _field_errors(html, "detail-y") == "Chức vụ, đơn vị công tác: hãy nhập cách mép trên (mm)."
    assert _field_errors(html, "place_date-font_size") == ("Địa danh, ngày tháng, cỡ chữ (pt): "
                                                           "Cỡ chữ phải từ 8 đến 48 pt.")
    # What the typed values are kept: the form comes back as it was sent.
    assert 'value="bốn mươi"' in html and 'value="300"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateLayout)) == 0

    # Right types, but boxes off the paper: the operation's rule names the field and the paper.
    response = admin.post(f"/quan-tri/phong-trao/{campaign_id}/giay-khen", _form(**{
        "awardee-width": "300", "signer_name-y": "208"}))
    assert response.status_code == 422
    html = _html(response)
    assert _field_errors(html, "awardee-width") == (
        "Họ và tên (tên tập thể): mép phải của ô ở 340 mm (cách mép trái 40 mm cộng chiều rộng 300 mm), "
        "vượt quá chiều rộng khổ A4 khổ ngang (297 mm).")
    assert _field_errors(html, "signer_name-y").startswith("Họ tên người ký: dòng chữ cỡ 14 pt đặt cách mép trên "
                                                           "208 mm sẽ vượt mép dưới khổ A4 khổ ngang")
    assert 'aria-invalid="true"' in html
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.like("certificate_layout.%"))) == 0


def test_the_admin_places_the_fields_in_the_browser(people, live_server):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect

    admin = people.page("admin")
    admin.get_by_role("link", name="Phong trào", exact=True).click()
    admin.get_by_role("link", name="Vị trí in trên phôi").first.click()
    expect(admin.locator("h1")).to_have_text("Vị trí in giấy khen trên phôi")
    admin.get_by_label("Họ và tên (tên tập thể): chiều rộng (mm)").fill("300")
    admin.get_by_role("button", name="Lưu vị trí").click()
    expect(admin.locator("#awardee-width-errors")).to_contain_text("vượt quá chiều rộng khổ A4 khổ ngang (297 mm)")
    expect(admin.locator(".form-summary")).to_contain_text("Vị trí in trên phôi chưa hợp lệ")
    screenshot(admin, "23-quan-tri-vi-tri-in-phoi-loi")
    admin.get_by_label("Họ và tên (tên tập thể): chiều rộng (mm)").fill("217")
    admin.get_by_label("Họ và tên (tên tập thể): cách mép trên (mm)").fill("97,5")
    admin.get_by_role("button", name="Lưu vị trí").click()
    expect(admin.locator(".flash--success")).to_contain_text("Đã lưu vị trí in giấy khen trên phôi")
    expect(admin.get_by_label("Họ và tên (tên tập thể): cách mép trên (mm)")).to_have_value("97,5")
    screenshot(admin, "23-quan-tri-vi-tri-in-phoi")
    with admin.expect_download() as download:
        admin.get_by_role("link", name="Tải trang căn chỉnh (.docx)").click()
    assert download.value.suggested_filename.startswith("trang_can_chinh_phoi_")
