"""The administrator's pages through Flask's test client: campaign files, the base salary table,
custom Word templates; and the choice of round when a clerk opens a dossier."""
from __future__ import annotations

import datetime as dt
import io
import re
from pathlib import Path

import pytest
import sqlalchemy as sa

from service.db import db
from web_helpers import browser, demo, live_server, people, screenshot, web  # noqa: F401 - fixtures

ROOT = Path(__file__).resolve().parents[2]
CAMPAIGN_FILE = ROOT / "campaigns" / "long-xuyen-9936-2024.yaml"
TO_TRINH_TEMPLATE = ROOT / "templates_docx" / "to_trinh.docx"
ADMIN_PAGES = ("/quan-tri/phong-trao", "/quan-tri/luong-co-so")


def _html(response) -> str:
    return response.get_data(as_text=True)


def _field_errors(html: str, input_id: str) -> str:
    """The text of the error list tied to an input (``<ul id="<input>-errors">``)."""
    match = re.search(rf'<ul class="field-errors" id="{re.escape(input_id)}-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def _count(table: str) -> int:
    return db.session.scalar(sa.text(f"SELECT count(*) FROM {table}"))


def _snapshot() -> dict[str, int]:
    return {table: _count(table) for table in ("campaigns", "campaign_rounds", "units", "base_salary_levels",
                                               "custom_templates", "dossiers")}


def _upload_campaign(client, content: bytes, name: str = "phong-trao.yaml"):
    return client.post("/quan-tri/phong-trao", {"file": (io.BytesIO(content), name)},
                       content_type="multipart/form-data")


def _upload_large_campaign(client, content: bytes, name: str):
    """The multipart body built here: werkzeug's test client spools a large one to a file it never closes."""
    boundary = "----grenze"
    body = b"".join([
        f'--{boundary}\r\nContent-Disposition: form-data; name="csrf_token"\r\n\r\n{client.token()}\r\n'.encode(),
        f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="{name}"\r\n'
        "Content-Type: application/yaml\r\n\r\n".encode(), content, f"\r\n--{boundary}--\r\n".encode()])
    return client.client.post("/quan-tri/phong-trao", data=body,
                              content_type=f"multipart/form-data; boundary={boundary}")


# --- who may use the pages -----------------------------------------------------------------------

def test_the_admin_home_links_to_the_admin_pages(world, web):
    html = _html(web("admin").get("/"))
    section = html.split('id="quan-tri"', 1)[1].split("</section>", 1)[0]
    for url in ("/quan-tri/phong-trao", "/quan-tri/luong-co-so", "#don-vi"):
        assert f'href="{url}' in section, url
    assert 'id="quan-tri"' not in _html(web("clerk").get("/"))


def test_each_admin_page_opens_for_the_admin(world, web):
    admin = web("admin")
    for url in (*ADMIN_PAGES, f"/quan-tri/phong-trao/{world['campaign'].id}/mau-van-ban"):
        response = admin.get(url)
        assert response.status_code == 200, url
        assert 'aria-label="Trang quản trị"' in _html(response)
    assert admin.get("/quan-tri/phong-trao/99999/mau-van-ban").status_code == 404


@pytest.mark.parametrize("username", ["clerk", "secretary", "head", "reviewer", "approver"])
def test_other_roles_are_refused_as_by_the_api(world, web, username):
    person = web(username)
    campaign_id = world["campaign"].id
    before = _snapshot()
    for url in (*ADMIN_PAGES, f"/quan-tri/phong-trao/{campaign_id}/mau-van-ban"):
        response = person.get(url)
        assert response.status_code == 403 and "Chỉ quản trị hệ thống" in _html(response), url
    posts = [
        ("/quan-tri/phong-trao", {"file": (io.BytesIO(CAMPAIGN_FILE.read_bytes()), "lx.yaml")}),
        ("/quan-tri/luong-co-so", {"rows-0-valid_from": "2024-07-01", "rows-0-amount": "1"}),
        (f"/quan-tri/phong-trao/{campaign_id}/mau-van-ban/to_trinh",
         {"file": (io.BytesIO(TO_TRINH_TEMPLATE.read_bytes()), "to_trinh.docx")}),
        (f"/quan-tri/phong-trao/{campaign_id}/mau-van-ban/to_trinh/xoa", {}),
    ]
    for url, data in posts:
        response = person.post(url, data, content_type="multipart/form-data")
        assert response.status_code == 403, url
    assert _snapshot() == before


def test_signed_out_visitors_are_sent_to_sign_in(client, world):
    for url in ADMIN_PAGES:
        response = client.get(url)
        assert response.status_code == 302 and response.headers["Location"].startswith("/dang-nhap?next=")


# --- campaign files ------------------------------------------------------------------------------

def test_loading_a_campaign_file_creates_it_and_lists_it(world, web):
    from service.models import Campaign

    admin = web("admin")
    response = _upload_campaign(admin, CAMPAIGN_FILE.read_bytes(), "long-xuyen.yaml")
    assert response.status_code == 302, _html(response)
    campaign = db.session.scalar(sa.select(Campaign).where(Campaign.code == "lx-bhxh-bhyt-2024"))
    assert campaign is not None and len(campaign.rounds) == 1
    assert response.headers["Location"].endswith(f"/quan-tri/phong-trao#phong-trao-{campaign.id}")
    page = _html(admin.get("/quan-tri/phong-trao"))
    assert "Đã nạp phong trào" in page and "lx-bhxh-bhyt-2024" in page and "đơn vị mới" in page
    # The units it added are named as people know them, not by their codes.
    flash = re.search(r'class="flash flash--success"[^>]*>(.*?)</', page, re.S).group(1)
    assert "UBND phường Mỹ Bình" in flash and "my-binh" not in flash
    assert f'href="/phong-trao/{campaign.id}"' in page
    assert f'href="/quan-tri/phong-trao/{campaign.id}/mau-van-ban"' in page
    # The same file again: the campaign exists; said next to the field, with a link to it.
    again = _upload_campaign(admin, CAMPAIGN_FILE.read_bytes(), "long-xuyen.yaml")
    assert again.status_code == 409
    assert "Đã có phong trào mã" in _field_errors(_html(again), "phong-trao-file")
    assert f'href="/phong-trao/{campaign.id}"' in _html(again)


def test_a_broken_definition_is_explained_next_to_the_field_and_changes_nothing(world, web):
    admin = web("admin")
    before = _snapshot()
    text = CAMPAIGN_FILE.read_text(encoding="utf-8")
    line = text[:text.index("    deadline:")].count("\n") + 1
    broken = text.replace("    deadline:", "    deadlin:", 1).encode("utf-8")
    response = _upload_campaign(admin, broken, "hong.yaml")
    assert response.status_code == 422
    html = _html(response)
    errors = _field_errors(html, "phong-trao-file")
    assert f"Dòng {line} (Đợt khen thưởng thứ 1 › trường “deadlin”): Trường không được hỗ trợ." in errors
    assert "(Đợt khen thưởng thứ 1 › Hạn nộp hồ sơ): Thiếu trường bắt buộc." in errors
    assert 'aria-invalid="true"' in html and "hong.yaml" in html
    assert _snapshot() == before

    syntax = _upload_campaign(admin, b"code: [1, 2\n", "cu-phap.yaml")
    assert syntax.status_code == 422 and "Lỗi cú pháp YAML" in _field_errors(_html(syntax), "phong-trao-file")
    assert _snapshot() == before


def test_a_file_not_in_utf8_or_too_large_or_missing_is_refused_clearly(app, world, web):
    admin = web("admin")
    before = _snapshot()
    latin = _upload_campaign(admin, "code: phong-trào\n".encode("cp1258"), "cu.yaml")
    assert latin.status_code == 422 and "UTF-8" in _field_errors(_html(latin), "phong-trao-file")
    large = _upload_large_campaign(admin, b"#" * (512 * 1024 + 1), "lon.yaml")
    assert large.status_code == 422 and "Tệp quá lớn" in _field_errors(_html(large), "phong-trao-file")
    missing = admin.post("/quan-tri/phong-trao", {}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Hãy chọn một tệp" in _field_errors(_html(missing), "phong-trao-file")
    # Larger than the service takes in any request: the error page, never a traceback.
    app.config["MAX_CONTENT_LENGTH"] = 64 * 1024
    huge = _upload_campaign(admin, b"#" * (128 * 1024), "qua-lon.yaml")
    assert huge.status_code == 413 and "Dữ liệu gửi lên quá lớn" in _html(huge)
    assert _snapshot() == before


# --- the base salary table ----------------------------------------------------------------------

def _salary_form(rows: list[dict[str, str]], **extra) -> dict[str, str]:
    data = {f"rows-{i}-{name}": value for i, row in enumerate(rows) for name, value in row.items()}
    data.update(extra)
    return data


def test_the_salary_table_is_shown_and_saved(world, web):
    from service.operations.salaries import salary_table

    admin = web("admin")
    page = _html(admin.get("/quan-tri/luong-co-so"))
    assert 'value="2024-07-01"' in page and 'value="2.340.000"' in page and "Nghị định 73/2024/NĐ-CP" in page
    assert "Bảng có sẵn của hệ thống" in page
    rows = [{"valid_from": "2023-07-01", "amount": "1.800.000", "source": "Nghị định 24/2023/NĐ-CP"},
            {"valid_from": "2024-07-01", "amount": "2340000", "source": "Nghị định 73/2024/NĐ-CP"},
            {"valid_from": "2026-07-01", "amount": "2 600 000", "source": "", "needs_check": "1"},
            {"valid_from": "2019-07-01", "amount": "1490000", "source": "", "remove": "1"},
            {"valid_from": "", "amount": "", "source": ""}]
    response = admin.post("/quan-tri/luong-co-so", _salary_form(rows, action="save"))
    assert response.status_code == 302, _html(response)
    table = salary_table()
    assert [(r.valid_from, r.amount, r.needs_check) for r in table.rows] == [
        (dt.date(2023, 7, 1), 1800000, False), (dt.date(2024, 7, 1), 2340000, False),
        (dt.date(2026, 7, 1), 2600000, True)]
    again = _html(admin.get("/quan-tri/luong-co-so"))
    assert "Đã lưu bảng mức lương cơ sở (3 mức)" in again and 'value="2.600.000"' in again
    assert 'value="2019-07-01"' not in again and "Bảng do quản trị hệ thống lưu" in again


def test_salary_errors_sit_next_to_their_fields_and_keep_what_was_typed(world, web):
    admin = web("admin")
    before = _snapshot()
    rows = [{"valid_from": "2024-07-01", "amount": "hai triệu", "source": "Nghị định 73/2024/NĐ-CP"},
            {"valid_from": "", "amount": "1800000", "source": "Ghi chú giữ lại"},
            {"valid_from": "2025-01-01", "amount": "0", "source": ""}]
    response = admin.post("/quan-tri/luong-co-so", _salary_form(rows, action="save"))
    assert response.status_code == 422
    html = _html(response)
    assert "Phải là số đồng nguyên" in _field_errors(html, "rows-0-amount")
    assert "Hãy nhập ngày hiệu lực." in _field_errors(html, "rows-1-valid_from")
    assert "Mức lương cơ sở phải từ 1" in _field_errors(html, "rows-2-amount")
    assert 'value="hai triệu"' in html and 'value="Ghi chú giữ lại"' in html
    assert _snapshot() == before

    twice = [{"valid_from": "2024-07-01", "amount": "2340000"}, {"valid_from": "2024-07-01", "amount": "1"}]
    response = admin.post("/quan-tri/luong-co-so", _salary_form(twice, action="save"))
    assert response.status_code == 422 and "hai dòng cùng ngày hiệu lực" in _html(response)
    nothing = admin.post("/quan-tri/luong-co-so", _salary_form(
        [{"valid_from": "2024-07-01", "amount": "2340000", "remove": "1"}], action="save"))
    assert nothing.status_code == 422 and "Bảng cần từ 1" in _html(nothing)
    assert _snapshot() == before


def test_adding_a_row_keeps_the_typed_rows_and_saves_nothing(world, web):
    admin = web("admin")
    rows = [{"valid_from": "2024-07-01", "amount": "2.340.000", "source": "Đang sửa dở"}]
    response = admin.post("/quan-tri/luong-co-so", _salary_form(rows, action="add_row"))
    assert response.status_code == 200
    html = _html(response)
    assert 'value="Đang sửa dở"' in html and 'id="rows-1-valid_from"' in html and 'id="rows-2-valid_from"' not in html
    assert _count("base_salary_levels") == 0


# --- custom Word templates -------------------------------------------------------------------------

def test_a_template_is_uploaded_shown_and_reverted(world, web):
    from service.models import CustomTemplate

    admin = web("admin")
    campaign_id = world["campaign"].id
    url = f"/quan-tri/phong-trao/{campaign_id}/mau-van-ban"
    page = _html(admin.get(url))
    for kind in ("to_trinh", "bien_ban", "danh_sach", "to_trinh_tong_hop", "quyet_dinh", "certificates"):
        assert f'id="mau-{kind}"' in page
    assert page.count("Mẫu có sẵn") >= 6

    response = admin.post(f"{url}/to_trinh", {"file": (io.BytesIO(TO_TRINH_TEMPLATE.read_bytes()),
                                                        "to_trinh_tinh.docx")}, content_type="multipart/form-data")
    assert response.status_code == 302 and response.headers["Location"].endswith("#mau-to_trinh")
    stored = db.session.scalar(sa.select(CustomTemplate))
    assert stored.kind == "to_trinh" and stored.file_name == "to_trinh_tinh.docx"
    page = _html(admin.get(url))
    card = page.split('id="mau-to_trinh"', 1)[1].split("</li>", 1)[0]
    assert "Mẫu tải lên" in card and "to_trinh_tinh.docx" in card and stored.sha256[:12] in card
    assert world["users"]["admin"].full_name in card and "Dùng lại mẫu có sẵn" in card
    assert 'data-confirm="' in card

    removed = admin.post(f"{url}/to_trinh/xoa")
    assert removed.status_code == 302 and _count("custom_templates") == 0
    assert "dùng lại mẫu có sẵn" in _html(admin.get(url))
    # Twice (a second tab): a message, not an error page.
    twice = admin.post(f"{url}/to_trinh/xoa")
    assert twice.status_code == 302 and "đang dùng mẫu có sẵn" in _html(admin.get(url))


def test_a_bad_template_is_refused_next_to_its_field(world, web):
    admin = web("admin")
    url = f"/quan-tri/phong-trao/{world['campaign'].id}/mau-van-ban"
    response = admin.post(f"{url}/quyet_dinh", {"file": (io.BytesIO(b"khong phai tep Word"), "mau.docx")},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    html = _html(response)
    assert "không phải là tệp Word .docx" in _field_errors(html, "mau-quyet_dinh-file")
    assert _field_errors(html, "mau-to_trinh-file") == ""
    missing = admin.post(f"{url}/quyet_dinh", {}, content_type="multipart/form-data")
    assert missing.status_code == 422 and "Hãy chọn một tệp Word" in _field_errors(_html(missing),
                                                                                    "mau-quyet_dinh-file")
    unknown = admin.post(f"{url}/khong_co", {"file": (io.BytesIO(TO_TRINH_TEMPLATE.read_bytes()), "x.docx")},
                         content_type="multipart/form-data")
    assert unknown.status_code == 404
    assert _count("custom_templates") == 0


# --- the round of a new dossier --------------------------------------------------------------------

def _add_rounds(campaign, *states: str) -> list[int]:
    from service.models import CampaignRound

    rounds = []
    for position, state in enumerate(states, start=1):
        round_ = CampaignRound(
            campaign=campaign, code=f"dot-{position}", kind="annual", title=f"Khen thưởng năm {2023 + position}",
            position=position, period_start=dt.date(2023 + position, 1, 1),
            period_end=dt.date(2023 + position, 12, 31), deadline=dt.date(2099, 1, position), accepts_late=False,
            quotas={"total": {}, "per_unit": []}, requirements=[], state=state)
        db.session.add(round_)
        rounds.append(round_)
    db.session.commit()
    return [r.id for r in rounds]


def test_a_campaign_with_two_open_rounds_asks_which_one(world, web):
    from service.models import Dossier

    first, second = _add_rounds(world["campaign"], "collecting", "collecting")
    clerk = web("clerk")
    home = _html(clerk.get("/"))
    assert '<select id="dot-' in home and 'name="round_id"' in home and "required" in home
    assert f'<option value="{first}">Khen thưởng năm 2024' in home and f'<option value="{second}">' in home
    assert "Lập hồ sơ cho đợt đã chọn" in home

    url = f"/phong-trao/{world['campaign'].id}/lap-ho-so"
    unchosen = clerk.post(url)
    assert unchosen.status_code == 302 and unchosen.headers["Location"] == "/#phong-trao-chua-lap"
    assert "hãy chọn đợt khen thưởng trong danh sách" in _html(clerk.get("/"))
    assert _count("dossiers") == 0

    response = clerk.post(url, {"round_id": str(second)})
    assert response.status_code == 302 and "/ho-so/" in response.headers["Location"]
    dossier = db.session.scalar(sa.select(Dossier))
    assert dossier.round_id == second and dossier.unit_id == world["unit_a"].id


def test_a_closed_or_foreign_round_is_explained_not_an_error(world, web, make_campaign):
    open_round, closed_round = _add_rounds(world["campaign"], "collecting", "proposed")
    other = make_campaign(authority=world["city"], agency=world["agency"], code="khac")
    (foreign,) = _add_rounds(other, "collecting")
    clerk = web("clerk")
    # Only one round still takes dossiers: no choice to make (the form names that round).
    home = _html(clerk.get("/"))
    assert "<select" not in home and f'name="round_id" value="{open_round}"' in home
    assert "Lập hồ sơ cho phong trào này" in home
    url = f"/phong-trao/{world['campaign'].id}/lap-ho-so"
    for round_id, text in ((closed_round, "không còn nhận hồ sơ"), (foreign, "Không có đợt này"),
                           ("abc", "không hợp lệ")):
        response = clerk.post(url, {"round_id": str(round_id)})
        assert response.status_code == 302 and response.headers["Location"] == "/#phong-trao-chua-lap", round_id
        flashed = _html(clerk.get("/"))
        assert "Chưa lập được hồ sơ" in flashed and ("flash--error" in flashed), round_id
    assert _count("dossiers") == 0
    # Without a choice the only open round is taken, as before.
    response = clerk.post(url)
    assert response.status_code == 302 and "/ho-so/" in response.headers["Location"]
    assert db.session.scalar(sa.text("SELECT round_id FROM dossiers")) == open_round


def test_a_single_round_campaign_keeps_a_plain_button(world, web):
    html = _html(web("clerk").get("/"))
    assert "<select" not in html and "Lập hồ sơ cho phong trào này" in html


def test_after_opening_one_round_the_clerk_can_open_the_other(world, web):
    first, second = _add_rounds(world["campaign"], "collecting", "collecting")
    clerk = web("clerk")
    url = f"/phong-trao/{world['campaign'].id}/lap-ho-so"
    assert clerk.post(url, {"round_id": str(first)}).status_code == 302
    home = _html(clerk.get("/"))
    # The campaign is still offered, for the round the unit has not opened yet, and only that one.
    assert "<select" not in home and f'name="round_id" value="{second}"' in home
    assert clerk.post(url, {"round_id": str(second)}).status_code == 302
    assert sorted(db.session.scalars(sa.text("SELECT round_id FROM dossiers"))) == sorted([first, second])
    assert "Lập hồ sơ cho phong trào này" not in _html(clerk.get("/"))


# --- in a real browser ------------------------------------------------------------------------------

def test_the_admin_loads_a_campaign_file_and_edits_the_salary_table_in_the_browser(people, live_server):
    pytest.importorskip("playwright")
    from playwright.sync_api import expect

    admin = people.page("admin")
    admin.get_by_role("link", name="Phong trào", exact=True).click()
    expect(admin.locator("h1")).to_have_text("Phong trào thi đua")
    # A broken file first: the reason, with its line, under the file input.
    broken = CAMPAIGN_FILE.read_text(encoding="utf-8").replace("    deadline:", "    deadlin:", 1)
    admin.locator("#phong-trao-file").set_input_files(
        files=[{"name": "hong.yaml", "mimeType": "application/yaml", "buffer": broken.encode("utf-8")}])
    admin.get_by_role("button", name="Nạp phong trào").click()
    expect(admin.locator("#phong-trao-file-errors")).to_contain_text("(Đợt khen thưởng thứ 1 › trường “deadlin”)")
    expect(admin.locator("#phong-trao-file-errors")).to_contain_text("Dòng ")
    # What was sent stays on the page, to be corrected there.
    expect(admin.locator("#phong-trao-text")).to_have_value(re.compile("    deadlin: 2024-12-04"))
    screenshot(admin, "22-quan-tri-tep-phong-trao-loi", full_page=False)

    admin.locator("#phong-trao-file").set_input_files(str(ROOT / "campaigns" / "khanh-hoa-4856-2024.yaml"))
    admin.get_by_role("button", name="Nạp phong trào").click()
    expect(admin.locator(".flash--success")).to_contain_text("Đã nạp phong trào")
    listed = admin.locator("#danh-sach-phong-trao + .table-wrap tbody tr")
    expect(listed).to_have_count(2)
    row = listed.filter(has_text="kh-bhxh-tu-nguyen-2024-2025")
    expect(row).to_contain_text("Cuộc vận động người thân")
    expect(row.get_by_role("link", name="Mẫu văn bản")).to_be_visible()
    screenshot(admin, "21-quan-tri-nap-phong-trao")

    admin.get_by_role("link", name="Mức lương cơ sở").click()
    expect(admin.locator("h1")).to_have_text("Bảng mức lương cơ sở")
    rows = admin.locator("tr[data-salary-row]")
    count = rows.count()
    admin.get_by_role("button", name="Thêm dòng").click()
    expect(rows).to_have_count(count + 1)
    admin.locator(f"#rows-{count}-valid_from").fill("2027-07-01")
    admin.locator(f"#rows-{count}-amount").fill("ba triệu")
    admin.locator(f"#rows-{count}-source").fill("Nghị định giả định")
    admin.get_by_role("button", name="Lưu bảng").click()
    expect(admin.locator(f"#rows-{count}-amount-errors")).to_contain_text("Phải là số đồng nguyên")
    expect(admin.locator(f"#rows-{count}-source")).to_have_value("Nghị định giả định")
    admin.locator(f"#rows-{count}-amount").fill("3.000.000")
    admin.get_by_role("button", name="Lưu bảng").click()
    expect(admin.locator(".flash--success")).to_contain_text("Đã lưu bảng mức lương cơ sở")
    expect(admin.locator(f"#rows-{count}-amount")).to_have_value("3.000.000")
    screenshot(admin, "22-quan-tri-luong-co-so")
