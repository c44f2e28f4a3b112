"""The page handlers through Flask's test client: sign-in, CSRF, errors next to fields, access, stale actions."""
from __future__ import annotations

import datetime as dt
import io
import re

import pytest
import sqlalchemy as sa
from docx import Document

from conftest import COLLECTIVE, INDIVIDUALS, meeting_payload
from service.db import db
from web_helpers import WebClient, web  # noqa: F401 - fixture

STALE_TEXT = "Hồ sơ vừa được người khác thay đổi"


def _html(response) -> str:
    return response.get_data(as_text=True)


def _field_errors(html: str, input_id: str) -> str:
    """The text of the error list tied to an input (``<ul id="<input>-errors">``)."""
    match = re.search(rf'<ul class="field-errors" id="{re.escape(input_id)}-errors">(.*?)</ul>', html, re.S)
    return re.sub(r"<[^>]+>", " ", match.group(1)) if match else ""


def _nominee_form(**overrides):
    data = {"kind": "individual", "full_name": "Trần Văn Ánh", "gender": "male", "position": "Công chức",
            "workplace": "UBND phường Mỹ Bình", "award_form": "giay_khen_ca_nhan", "metric-relatives_bhxh": "3",
            "metric-relatives_bhyt": "5", "achievement_summary": "Vận động 03 người thân tham gia BHXH."}
    data.update(overrides)
    return data


@pytest.fixture
def drafted(world, web):
    """Unit A's clerk, signed in, with a dossier holding one collective and two individuals."""
    from service.models import Dossier
    from service.operations import dossiers as dossier_ops

    users = world["users"]
    dossier = dossier_ops.create_dossier(users["clerk"], world["campaign"])
    for payload in (COLLECTIVE, *INDIVIDUALS):
        data = {k: v for k, v in payload.items() if k != "metrics"}
        data["metric_values"] = payload["metrics"]
        dossier_ops.add_nominee(users["clerk"], dossier, data)
    db.session.commit()
    return {"dossier_id": dossier.id, "clerk": web("clerk"), "model": Dossier}


def _advance(world, dossier_id, *steps):
    """Fire workflow steps directly (as the API would) to put a dossier where a test needs it."""
    from service.models import Dossier
    from service.operations import documents as document_ops
    from service.operations import dossiers as dossier_ops
    from service.operations import workflow as workflow_ops

    users = world["users"]
    dossier = db.session.get(Dossier, dossier_id)
    for step in steps:
        if step == "meeting":
            dossier_ops.record_meeting(users["secretary"], dossier, _meeting_data(dossier))
        elif step == "documents":
            document_ops.generate_documents(users["head"], dossier)
        else:
            actor, trigger, extra = step
            workflow_ops.fire_transition(users[actor], dossier, trigger, expected_state=dossier.state, **extra)
    db.session.commit()
    return dossier


def _meeting_data(dossier):
    from service.schemas.dossiers import MeetingIn

    return MeetingIn().load(meeting_payload([n.id for n in dossier.nominees]))


# --- sign-in, cookies, CSRF --------------------------------------------------------------

def test_pages_ask_to_sign_in_first(client, world):
    response = client.get("/")
    assert response.status_code == 302 and response.headers["Location"].startswith("/dang-nhap?next=/")
    page = client.get("/dang-nhap")
    assert page.status_code == 200 and "Đăng nhập" in _html(page)
    assert page.headers["Content-Security-Policy"].startswith("default-src 'self'")


def test_sign_in_sets_an_httponly_samesite_cookie_and_sign_out_clears_it(app, world):
    client = WebClient(app.test_client())
    wrong = client.post("/dang-nhap", {"username": "clerk", "password": "sai-mat-khau"})
    assert wrong.status_code == 401 and "Tên đăng nhập hoặc mật khẩu không đúng." in _html(wrong)
    assert 'value="clerk"' in _html(wrong)

    response = client.post("/dang-nhap", {"username": "clerk", "password": "mat-khau-thu-nghiem", "next": "/"})
    assert response.status_code == 302
    cookie = next(h for h in response.headers.getlist("Set-Cookie") if h.startswith("hoso_session="))
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie
    home = client.get("/")
    assert home.status_code == 200 and "Lê Văn Hùng" in _html(home)

    client.post("/dang-xuat")
    assert client.get("/").status_code == 302


def test_sign_in_ignores_a_next_address_on_another_site(app, world):
    client = WebClient(app.test_client())
    response = client.post("/dang-nhap", {"username": "clerk", "password": "mat-khau-thu-nghiem",
                                          "next": "https://example.org/"})
    assert response.headers["Location"] == "/"


def test_a_form_without_csrf_token_is_refused_with_a_page(app, world, web):
    client = web("clerk")
    response = client.client.post(f"/phong-trao/{world['campaign'].id}/lap-ho-so", data={})
    assert response.status_code == 400
    assert response.mimetype == "text/html"
    assert "mã bảo vệ CSRF" in _html(response)
    assert db.session.scalar(sa.text("SELECT count(*) FROM dossiers")) == 0


def test_the_json_api_needs_no_csrf_token_and_keeps_json_errors(client, world):
    token = client.post("/api/v1/auth/token", json={"username": "clerk", "password": "mat-khau-thu-nghiem"})
    assert token.status_code == 201
    missing = client.get("/api/v1/dossiers/999", headers={"Authorization": f"Bearer {token.get_json()['access_token']}"})
    assert missing.status_code == 404 and missing.get_json()["error"]["code"] == "not_found"
    # The API gets the same security headers as the pages (service.security), and JSON errors.
    assert missing.mimetype == "application/json"


# --- friendly error pages -------------------------------------------------------------------

def test_unknown_address_gives_a_vietnamese_page(client, world):
    response = client.get("/khong-co-trang-nay")
    assert response.status_code == 404 and response.mimetype == "text/html"
    assert "Không tìm thấy trang" in _html(response)


def test_an_unexpected_error_shows_a_page_without_traceback(app, world, web, monkeypatch):
    from service.web import views

    def broken(*args, **kwargs):
        raise RuntimeError("secret internals")

    monkeypatch.setattr(views, "dossier_row", broken)
    client = web("clerk")
    from service.operations import dossiers as dossier_ops

    dossier_ops.create_dossier(world["users"]["clerk"], world["campaign"])
    db.session.commit()
    response = client.get("/")
    assert response.status_code == 500
    html = _html(response)
    assert "Đã xảy ra lỗi" in html and "secret internals" not in html and "Traceback" not in html


# --- home pages ----------------------------------------------------------------------------------

@pytest.mark.parametrize("username, heading", [
    ("clerk", "Phong trào đơn vị chưa lập hồ sơ"),
    ("secretary", "Cuộc họp Hội đồng cần ghi biên bản"),
    ("head", "Hồ sơ chờ bạn nộp"),
    ("reviewer", "Tiến độ các phong trào"),
    ("approver", "Việc chờ bạn quyết định"),
    ("admin", "Người dùng"),
])
def test_each_role_has_its_home_page(world, web, username, heading):
    response = web(username).get("/")
    assert response.status_code == 200
    assert heading in _html(response)


def test_clerk_opens_a_dossier_from_the_home_page(world, web):
    clerk = web("clerk")
    home = _html(clerk.get("/"))
    assert "Lập hồ sơ cho phong trào này" in home and "còn " in home
    response = clerk.post(f"/phong-trao/{world['campaign'].id}/lap-ho-so")
    assert response.status_code == 302
    page = clerk.get(response.headers["Location"].split("#")[0])
    assert "Đang soạn hồ sơ" in _html(page)
    # Opening it again leads to the same dossier instead of an error.
    again = clerk.post(f"/phong-trao/{world['campaign'].id}/lap-ho-so")
    assert again.status_code == 302 and again.headers["Location"] == response.headers["Location"].split("#")[0]


def test_reviewer_sees_the_campaign_overview_and_a_clerk_does_not(world, web, drafted):
    reviewer = web("reviewer")
    overview = reviewer.get(f"/phong-trao/{world['campaign'].id}")
    html = _html(overview)
    assert overview.status_code == 200
    assert "UBND phường Mỹ Bình" in html and "Đang chuẩn bị, chưa nộp" in html and "Chưa lập hồ sơ" in html
    assert "Hạn nộp" in html and "<svg" in html
    # The draft is not linked for the agency.
    assert f"/ho-so/{drafted['dossier_id']}\"" not in html
    assert drafted["clerk"].get(f"/phong-trao/{world['campaign'].id}").status_code == 404


def test_admin_home_lists_units_and_users(world, web):
    html = _html(web("admin").get("/"))
    assert "unit-a" in html and "clerk_b" in html and "Thư ký Hội đồng Thi đua - Khen thưởng" in html


# --- the dossier page: nominees ----------------------------------------------------------------------

def test_dossier_page_shows_state_actions_diagram_and_history(drafted):
    html = _html(drafted["clerk"].get(f"/ho-so/{drafted['dossier_id']}"))
    assert "Đang soạn hồ sơ" in html and "Gửi Hội đồng xét" in html
    assert html.count("wf-state--current") == 1
    for label in ("Chờ Hội đồng xét", "Sẵn sàng trình", "Đã có quyết định khen"):
        assert label in html
    assert "Lập hồ sơ" in html and "Lê Văn Hùng" in html
    # Names are escaped, not markup.
    assert "Công ty A&amp;B &lt;Chi nhánh 1&gt;" in html


def test_adding_a_nominee_with_errors_shows_them_next_to_the_fields_and_keeps_the_input(drafted):
    url = f"/ho-so/{drafted['dossier_id']}/nguoi-duoc-de-nghi"
    response = drafted["clerk"].post(url, _nominee_form(full_name="  ", **{"metric-relatives_bhxh": "ba"}))
    assert response.status_code == 422
    html = _html(response)
    assert "Không được để trống." in _field_errors(html, "them-full_name")
    assert "Phải là một số" in _field_errors(html, "them-metric-relatives_bhxh")
    assert 'value="ba"' in html and "Vận động 03 người thân tham gia BHXH." in html
    assert re.search(r'id="them-full_name"[^>]*aria-invalid="true"', html)


def test_a_rule_of_the_operation_is_shown_next_to_its_field(drafted):
    response = drafted["clerk"].post(f"/ho-so/{drafted['dossier_id']}/nguoi-duoc-de-nghi",
                                     _nominee_form(award_form="giay_khen_tap_the"))
    assert response.status_code == 422
    assert "không dành cho cá nhân" in _field_errors(_html(response), "them-award_form")


def test_adding_editing_and_deleting_a_nominee(drafted):
    from service.models import Nominee

    clerk, dossier_id = drafted["clerk"], drafted["dossier_id"]
    added = clerk.post(f"/ho-so/{dossier_id}/nguoi-duoc-de-nghi", _nominee_form(full_name="Đỗ Thị Hạnh"))
    assert added.status_code == 302
    nominee = db.session.scalar(sa.select(Nominee).where(Nominee.full_name == "Đỗ Thị Hạnh"))
    assert nominee.metric_values == {"relatives_bhxh": 3, "relatives_bhyt": 5}

    edited = clerk.post(f"/ho-so/{dossier_id}/nguoi-duoc-de-nghi/{nominee.id}",
                        _nominee_form(full_name="Đỗ Thị Hạnh", position="Phó Chủ tịch",
                                      **{"metric-relatives_bhyt": "7", "expected_version": str(nominee.version)}))
    assert edited.status_code == 302
    db.session.expire_all()
    assert nominee.position == "Phó Chủ tịch" and nominee.metric_values["relatives_bhyt"] == 7

    stale = clerk.post(f"/ho-so/{dossier_id}/nguoi-duoc-de-nghi/{nominee.id}",
                       _nominee_form(full_name="Đỗ Thị Hạnh", expected_version="1"))
    assert stale.status_code == 409 and STALE_TEXT in _html(stale) and "Tải lại hồ sơ" in _html(stale)

    deleted = clerk.post(f"/ho-so/{dossier_id}/nguoi-duoc-de-nghi/{nominee.id}/xoa",
                         {"expected_version": str(nominee.version)})
    assert deleted.status_code == 302
    db.session.expire_all()
    assert db.session.get(Nominee, nominee.id) is None


@pytest.mark.parametrize("typed, figure", [("12", 12), ("12,5", 12.5), ("12.5", 12.5), (" 7 ", 7), ("-3", -3),
                                            ("bảy", None), ("1,2,3", None), ("", None)])
def test_figures_are_read_as_people_type_them(typed, figure):
    from service.web.forms import _figure

    assert _figure(typed) == figure


def test_edit_link_without_script_opens_the_form(drafted):
    from service.models import Nominee

    nominee_id = db.session.scalar(sa.select(Nominee.id).where(Nominee.dossier_id == drafted["dossier_id"]))
    html = _html(drafted["clerk"].get(f"/ho-so/{drafted['dossier_id']}?sua={nominee_id}"))
    assert re.search(rf'<tr class="edit-row" id="sua-{nominee_id}"\s*>', html)
    others = _html(drafted["clerk"].get(f"/ho-so/{drafted['dossier_id']}"))
    assert re.search(rf'<tr class="edit-row" id="sua-{nominee_id}"\s*hidden>', others)


# --- access ---------------------------------------------------------------------------------------------

def test_another_unit_cannot_open_or_download_a_dossier_by_changing_the_url(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, "documents")
    other = web("clerk_b")
    for url in (f"/ho-so/{dossier_id}", f"/ho-so/{dossier_id}/van-ban/to_trinh.docx",
                f"/ho-so/{dossier_id}/van-ban/to_trinh.docx?version=1", f"/ho-so/{dossier_id}/van-ban.zip",
                f"/ho-so/{dossier_id}/van-ban/to_trinh/xem-truoc?version=1", f"/ho-so/{dossier_id}/bien-ban-hop"):
        response = other.get(url)
        assert response.status_code == 404, url
        assert response.mimetype == "text/html" and "Không tìm thấy" in _html(response)
    refused = other.post(f"/ho-so/{dossier_id}/nguoi-duoc-de-nghi", _nominee_form())
    assert refused.status_code == 404
    # The agency sees nothing of a draft either.
    assert web("reviewer").get(f"/ho-so/{dossier_id}").status_code == 404
    assert web("outsider_reviewer").get(f"/ho-so/{dossier_id}").status_code == 404


def test_agency_sees_the_dossier_once_submitted(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}), "meeting",
             ("secretary", "finalize_minutes", {}), "documents", ("head", "submit", {}))
    reviewer = web("reviewer")
    page = reviewer.get(f"/ho-so/{dossier_id}")
    assert page.status_code == 200 and "Bắt đầu thẩm định" in _html(page)
    assert reviewer.get(f"/ho-so/{dossier_id}/van-ban/danh_sach.docx").status_code == 200
    assert web("outsider_reviewer").get(f"/ho-so/{dossier_id}").status_code == 404
    assert dossier_id and "Hồ sơ chờ thẩm định" in _html(reviewer.get("/"))


# --- workflow steps --------------------------------------------------------------------------------------

def test_a_stale_step_explains_and_offers_a_reload(world, drafted):
    response = drafted["clerk"].post(f"/ho-so/{drafted['dossier_id']}/chuyen-buoc",
                                     {"trigger": "send_to_council", "expected_state": "council_minutes"})
    assert response.status_code == 409
    html = _html(response)
    assert STALE_TEXT in html and f'href="/ho-so/{drafted["dossier_id"]}"' in html
    assert "Đang soạn hồ sơ" in html


def test_a_step_needing_a_comment_shows_the_error_next_to_the_comment_box(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}), "meeting",
             ("secretary", "finalize_minutes", {}), "documents", ("head", "submit", {}),
             ("reviewer", "start_review", {}))
    reviewer = web("reviewer")
    response = reviewer.post(f"/ho-so/{dossier_id}/chuyen-buoc",
                             {"trigger": "return_for_revision", "expected_state": "under_review", "comment": "  "})
    assert response.status_code == 422
    assert "Cần nhập ý kiến" in _field_errors(_html(response), "buoc-return_for_revision-comment")

    done = reviewer.post(f"/ho-so/{dossier_id}/chuyen-buoc",
                         {"trigger": "return_for_revision", "expected_state": "under_review",
                          "comment": "Bổ sung số liệu BHYT."})
    assert done.status_code == 302
    page = _html(drafted["clerk"].get(f"/ho-so/{dossier_id}"))
    assert "Trả lại để bổ sung" in page and "Bổ sung số liệu BHYT." in page and "Soạn lại để bổ sung" in page


def test_approving_needs_a_decision_number_and_date(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}), "meeting",
             ("secretary", "finalize_minutes", {}), "documents", ("head", "submit", {}),
             ("reviewer", "start_review", {}), ("reviewer", "accept", {}))
    approver = web("approver")
    missing = approver.post(f"/ho-so/{dossier_id}/chuyen-buoc",
                            {"trigger": "approve", "expected_state": "accepted", "decision_number": "",
                             "decision_date": ""})
    assert missing.status_code == 422
    assert "Cần nhập số và ngày ký" in _field_errors(_html(missing), "buoc-approve-decision_number")
    done = approver.post(f"/ho-so/{dossier_id}/chuyen-buoc",
                         {"trigger": "approve", "expected_state": "accepted", "decision_number": "1234/QĐ-UBND",
                          "decision_date": "2024-12-20"})
    assert done.status_code == 302
    html = _html(approver.get(f"/ho-so/{dossier_id}"))
    assert "Đã có quyết định khen thưởng" in html and "Quyết định số 1234/QĐ-UBND ngày 20/12/2024" in html


def test_blocked_steps_show_their_reasons(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}), "meeting", ("secretary", "finalize_minutes", {}))
    html = _html(web("head").get(f"/ho-so/{dossier_id}"))
    assert "chưa thể thực hiện" in html and "cần tạo lại văn bản trước khi nộp" in html


# --- council meeting form ---------------------------------------------------------------------------------

def test_meeting_form_errors_are_shown_next_to_fields_and_rows_are_kept(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}))
    secretary = web("secretary")
    form = secretary.get(f"/ho-so/{dossier_id}/bien-ban-hop")
    assert form.status_code == 200
    html = _html(form)
    assert 'data-threshold-num="1" data-threshold-den="2"' in html and 'data-strict="true"' in html
    nominee_ids = [int(i) for i in re.findall(r'name="votes-(\d+)"', html)]
    data = {"started_at": "2024-12-02T08:00", "ended_at": "2024-12-02T07:00", "place": "Hội trường",
            "chair_name": "Nguyễn Văn Tâm", "secretary_name": "Phạm Thị Lan", "total_members": "9",
            "present_members": "10", "voting_method": "show_of_hands", "absentees-0-name": "Lê Văn Sáu",
            "absentees-0-reason": "Đi công tác", f"votes-{nominee_ids[0]}": "8"}
    response = secretary.post(f"/ho-so/{dossier_id}/bien-ban-hop", data)
    assert response.status_code == 422
    html = _html(response)
    assert "không được lớn hơn tổng số thành viên" in _field_errors(html, "hop-present_members")
    assert 'value="Lê Văn Sáu"' in html and 'value="Đi công tác"' in html

    data.update({"present_members": "8"})
    response = secretary.post(f"/ho-so/{dossier_id}/bien-ban-hop", data)
    assert response.status_code == 422
    assert "Giờ kết thúc phải sau giờ bắt đầu." in _field_errors(_html(response), "hop-ended_at")

    data.update({"ended_at": "2024-12-02T09:30", f"votes-{nominee_ids[1]}": "9"})
    response = secretary.post(f"/ho-so/{dossier_id}/bien-ban-hop", data)
    assert response.status_code == 422
    assert "lớn hơn số thành viên có mặt" in _field_errors(_html(response), f"votes-{nominee_ids[1]}")


def test_recording_the_meeting_stores_votes_in_vietnam_time(world, web, drafted):
    from service.models import Dossier

    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}))
    secretary = web("secretary")
    ids = [int(i) for i in re.findall(r'name="votes-(\d+)"', _html(secretary.get(f"/ho-so/{dossier_id}/bien-ban-hop")))]
    data = {"started_at": "2024-12-02T08:00", "ended_at": "2024-12-02T09:30", "place": "Hội trường",
            "chair_name": "Nguyễn Văn Tâm", "chair_gender": "male", "secretary_name": "Phạm Thị Lan",
            "secretary_gender": "female", "total_members": "9", "present_members": "8",
            "voting_method": "secret_ballot", "absentees-3-name": "Lê Văn Sáu", "absentees-3-reason": "Ốm",
            "absentees-3-written_opinion": "Đồng ý.", "absentees-4-name": "", f"votes-{ids[0]}": "8",
            f"votes-{ids[1]}": "5", f"votes-{ids[2]}": "4"}
    response = secretary.post(f"/ho-so/{dossier_id}/bien-ban-hop", data)
    assert response.status_code == 302, _html(response)
    db.session.expire_all()
    meeting = db.session.get(Dossier, dossier_id).meeting
    assert meeting.started_at == dt.datetime(2024, 12, 2, 1, 0, tzinfo=dt.timezone.utc)
    assert meeting.absentees == [{"name": "Lê Văn Sáu", "reason": "Ốm", "written_opinion": "Đồng ý."}]
    assert sorted(v.votes_in_favour for v in meeting.votes) == [4, 5, 8]
    page = _html(secretary.get(f"/ho-so/{dossier_id}"))
    # 5 of 9 is more than half; 4 of 9 is not.
    assert "5/9 (55,56%)" in page and "4/9 (44,44%)" in page and "Không đạt" in page
    again = _html(secretary.get(f"/ho-so/{dossier_id}/bien-ban-hop"))
    assert 'value="2024-12-02T08:00"' in again and "55,56%" in again


def test_the_vote_grid_carries_each_award_forms_rule(app, world, web, make_campaign, make_unit, make_user):
    from service.models import Campaign

    campaign = db.session.get(Campaign, world["campaign"].id)
    forms = [dict(form) for form in campaign.award_forms]
    forms[1]["vote_rule"] = {"kind": "ratio", "threshold": "80%", "strict": False, "denominator": "members"}
    campaign.award_forms = forms
    db.session.commit()
    from service.operations import dossiers as dossier_ops

    clerk = world["users"]["clerk"]
    dossier = dossier_ops.create_dossier(clerk, campaign)
    data = {k: v for k, v in INDIVIDUALS[0].items() if k != "metrics"}
    dossier_ops.add_nominee(clerk, dossier, {**data, "metric_values": INDIVIDUALS[0]["metrics"]})
    db.session.commit()
    _advance(world, dossier.id, ("clerk", "send_to_council", {}))
    html = _html(web("secretary").get(f"/ho-so/{dossier.id}/bien-ban-hop"))
    assert 'data-threshold-num="4" data-threshold-den="5"' in html and 'data-strict="false"' in html
    assert "từ 80% tổng số thành viên Hội đồng trở lên" in html


# --- documents ----------------------------------------------------------------------------------------------

def test_generating_documents_for_the_page_script_and_downloading_them(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    head = web("head")
    for step, kind in enumerate(("bien_ban", "to_trinh", "danh_sach"), start=1):
        response = head.post(f"/ho-so/{dossier_id}/van-ban", {"kind": kind}, headers={"Accept": "application/json"})
        assert response.status_code == 200, _html(response)
        body = response.get_json()
        assert body["ok"] and "phiên bản 1" in body["message"]
    assert 'id="documents-panel"' in body["documents_html"] and "Bộ văn bản khớp với số liệu mới nhất" in body[
        "documents_html"]
    assert 'id="actions-panel"' in body["actions_html"]

    download = head.get(f"/ho-so/{dossier_id}/van-ban/danh_sach.docx?version=1")
    assert download.status_code == 200 and download.mimetype.endswith("wordprocessingml.document")
    text = "\n".join(cell.text for table in Document(io.BytesIO(download.data)).tables
                     for row in table.rows for cell in row.cells)
    assert "Trần Văn Ánh" in text
    archive = head.get(f"/ho-so/{dossier_id}/van-ban.zip")
    assert archive.status_code == 200 and archive.mimetype == "application/zip"


def test_generating_without_script_redirects_back_to_the_documents(world, web, drafted):
    response = web("clerk").post(f"/ho-so/{drafted['dossier_id']}/van-ban")
    assert response.status_code == 302 and response.headers["Location"].endswith("#van-ban")


def test_frozen_documents_cannot_be_generated_again(world, web, drafted):
    dossier_id = drafted["dossier_id"]
    _advance(world, dossier_id, ("clerk", "send_to_council", {}), "meeting",
             ("secretary", "finalize_minutes", {}), "documents", ("head", "submit", {}))
    response = web("head").post(f"/ho-so/{dossier_id}/van-ban", {"kind": "to_trinh"},
                                headers={"Accept": "application/json"})
    assert response.status_code == 409 and "đã được khóa" in response.get_json()["message"]


def test_the_preview_is_sanitised_html(world, web, drafted):
    clerk = drafted["clerk"]
    dossier_id = drafted["dossier_id"]
    clerk.post(f"/ho-so/{dossier_id}/nguoi-duoc-de-nghi",
               _nominee_form(full_name="Lê <script>alert(1)</script> Văn"))
    clerk.post(f"/ho-so/{dossier_id}/van-ban", {"kind": "danh_sach"}, headers={"Accept": "application/json"})
    fragment = clerk.get(f"/ho-so/{dossier_id}/van-ban/danh_sach/xem-truoc?version=1", headers={"X-Fragment": "1"})
    assert fragment.status_code == 200
    html = _html(fragment)
    assert "<table>" in html and "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script" not in html and "<img" not in html
    page = clerk.get(f"/ho-so/{dossier_id}/van-ban/danh_sach/xem-truoc")
    assert page.status_code == 200 and "Danh sách đề nghị khen thưởng" in _html(page)
    assert clerk.get(f"/ho-so/{dossier_id}/van-ban/to_trinh/xem-truoc").status_code == 404


def test_the_preview_is_paged_and_converted_once_per_document(world, web, drafted, monkeypatch):
    from service.web import preview

    clerk, dossier_id = drafted["clerk"], drafted["dossier_id"]
    clerk.post(f"/ho-so/{dossier_id}/van-ban", {"kind": "danh_sach"}, headers={"Accept": "application/json"})
    monkeypatch.setattr(preview, "PAGE_BLOCKS", 3)
    preview._pages.clear()
    conversions, convert = [], preview.docx_to_html
    monkeypatch.setattr(preview, "docx_to_html", lambda content: conversions.append(1) or convert(content))
    url = f"/ho-so/{dossier_id}/van-ban/danh_sach/xem-truoc?version=1"
    first = _html(clerk.get(url, headers={"X-Fragment": "1"}))
    assert "Xem trang tiếp theo" in first and "trang=2" in first
    second = _html(clerk.get(url + "&trang=2"))
    assert "Trang 2/" in second and "Trang trước" in second
    assert _html(clerk.get(url + "&trang=999")).count("Trang trước") == 2  # past the end: the last page
    assert conversions == [1]


def test_details_form_errors_and_success(world, web, drafted):
    clerk, dossier_id = drafted["clerk"], drafted["dossier_id"]
    bad = clerk.post(f"/ho-so/{dossier_id}/thong-tin", {"to_trinh_number": "năm", "to_trinh_date": "2024-12-03",
                                                        "bien_ban_number": "2", "recipients": "UBND thành phố"})
    assert bad.status_code == 422
    assert "Phải là một số nguyên" in _field_errors(_html(bad), "thong-tin-to_trinh_number")
    assert 'value="năm"' in _html(bad)
    good = clerk.post(f"/ho-so/{dossier_id}/thong-tin", {"to_trinh_number": "5", "to_trinh_date": "2024-12-03",
                                                         "bien_ban_number": "2",
                                                         "recipients": "UBND thành phố\nPhòng Y tế\n"})
    assert good.status_code == 302
    html = _html(clerk.get(f"/ho-so/{dossier_id}"))
    assert "03/12/2024" in html and "UBND thành phố; Phòng Y tế" in html


# --- pictures -------------------------------------------------------------------------------------------

def test_the_workflow_picture_is_drawn_from_the_workflow_definition():
    import workflows
    from service.web.diagram import workflow_diagram

    picture = workflow_diagram("returned")
    assert sorted(box["name"] for box in picture["boxes"]) == sorted(s.name for s in workflows.WORKFLOW.states)
    assert [box["name"] for box in picture["boxes"] if box["is_current"]] == ["returned"]
    assert len(picture["edges"]) == len(workflows.WORKFLOW.transitions)
    leaving = [edge for edge in picture["edges"] if edge["is_from_current"]]
    assert [edge["kind"] for edge in leaving] == ["back"]
    # Every box fits inside the picture.
    for box in picture["boxes"]:
        assert 0 <= box["x"] and box["x"] + box["width"] <= picture["width"]
        assert 0 <= box["y"] and box["y"] + box["height"] <= picture["height"]


def test_the_submission_timeline_puts_late_dossiers_after_the_deadline():
    from service.web.diagram import submission_timeline

    start, deadline = dt.date(2024, 11, 15), dt.date(2024, 12, 4)
    timeline = submission_timeline(start, deadline, dt.date(2024, 12, 6),
                                   [dt.date(2024, 12, 1), dt.date(2024, 12, 5)], total_units=4)
    assert [p["is_late"] for p in timeline["points"]] == [False, True]
    assert timeline["points"][0]["x"] < timeline["deadline_x"] < timeline["points"][1]["x"]
    assert timeline["today_x"] is not None and timeline["sent"] == 2


def test_a_page_for_another_role_is_a_friendly_403(world, web, drafted):
    _advance(world, drafted["dossier_id"], ("clerk", "send_to_council", {}))
    response = drafted["clerk"].get(f"/ho-so/{drafted['dossier_id']}/bien-ban-hop")
    assert response.status_code == 403 and response.mimetype == "text/html"
    html = _html(response)
    assert "Bạn không có quyền xem trang này" in html and "Chỉ thư ký Hội đồng" in html
