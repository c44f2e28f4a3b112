"""Campaign definition files: the five seeds load, and every mistake is named by field and line."""
from __future__ import annotations

import io
import unicodedata

import pytest
import sqlalchemy as sa

from round_helpers import CAMPAIGNS_DIR
from service.campaigns.definition import DefinitionError, parse_definition
from service.db import db

SEEDS = sorted(path.stem for path in CAMPAIGNS_DIR.glob("*.yaml"))
LONG_XUYEN = (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text(encoding="utf-8")


def _line_of(text: str, fragment: str, occurrence: int = 1) -> int:
    """1-based line of the ``occurrence``-th line containing ``fragment``."""
    found = [number for number, line in enumerate(text.splitlines(), start=1) if fragment in line]
    return found[occurrence - 1]


def _problems(text: str) -> list[tuple[str, int | None, str]]:
    with pytest.raises(DefinitionError) as info:
        parse_definition(text)
    from service.vocabulary import file_field_label

    return [(file_field_label(p.path), p.line, p.message) for p in info.value.problems]


def test_the_five_seed_plans_are_there():
    assert SEEDS == ["ba-ria-vung-tau-2016-2020", "bhxh-viet-nam-4111-2024", "khanh-hoa-4856-2024",
                     "long-xuyen-9936-2024", "tra-vinh-49-2023"]


@pytest.mark.parametrize("name", SEEDS)
def test_every_seed_parses_and_is_nfc(name):
    text = (CAMPAIGNS_DIR / f"{name}.yaml").read_text(encoding="utf-8")
    assert unicodedata.is_normalized("NFC", text)
    definition = parse_definition(text)
    assert definition.data["rounds"] and definition.data["award_forms"]


def test_all_seeds_load_into_an_empty_database_and_share_units(runner):
    from service.models import Campaign, CampaignRound, Unit

    for name in SEEDS:
        result = runner.invoke(args=["load-campaign", str(CAMPAIGNS_DIR / f"{name}.yaml")])
        assert result.exit_code == 0, result.output
        assert "Đã nạp phong trào" in result.output
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 5
    rounds = dict(db.session.execute(sa.select(Campaign.code, sa.func.count(CampaignRound.id))
                                     .join(CampaignRound).group_by(Campaign.code)).all())
    assert rounds == {"lx-bhxh-bhyt-2024": 1, "kh-bhxh-tu-nguyen-2024-2025": 3, "tv-bhxh-bhyt-bhtn-2023": 2,
                      "brvt-vi-nguoi-ngheo-2016-2020": 6, "bhxh-vn-nuoc-rut-2024": 1}
    # BHXH tỉnh Khánh Hòa is declared by two plans and created once.
    assert db.session.scalar(sa.select(sa.func.count()).select_from(Unit).where(Unit.code == "bhxh-khanh-hoa")) == 1
    again = runner.invoke(args=["load-campaign", str(CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml")])
    assert again.exit_code != 0 and "Đã có phong trào mã “lx-bhxh-bhyt-2024”" in again.output


def test_loaded_campaign_keeps_its_definition(app):
    from service.operations.campaigns import load_campaign

    campaign = load_campaign(None, LONG_XUYEN).campaign
    assert campaign.plan_number == "9936/KH-UBND" and campaign.plan_type == "Kế hoạch"
    assert campaign.submission_deadline.isoformat() == "2024-12-04" and campaign.accepts_late is True
    assert campaign.standing_agency.code == "phong-y-te" and campaign.authority.code == "ubnd-lx"
    assert [m["code"] for m in campaign.derived_metrics] == ["rate_bhxh", "rate_bhyt_full", "bhyt_per_staff"]
    assert campaign.participants == {"unit_kinds": ["department", "ward", "commune"], "unit_codes": []}
    assert campaign.plan_signer == {"name": "Võ Thị Xuân Kiều", "title": "PHÓ CHỦ TỊCH", "authority": "KT. CHỦ TỊCH"}
    assert campaign.definition["rounds"][0]["deadline"] == "2024-12-04"
    assert len(campaign.definition_sha256) == 64
    assert [d["code"] for d in campaign.required_documents] == ["bien_ban", "to_trinh", "danh_sach"]


# --- mistakes, each with its field and its line ------------------------------------------------------------

@pytest.mark.parametrize("old, new, field, line_fragment, message", [
    ("    deadline: 2024-12-04", "    deadline: 04/12/2024", "Đợt khen thưởng thứ 1 › Hạn nộp hồ sơ", "deadline: 04/12/2024",
     "Phải là ngày dạng YYYY-MM-DD"),
    ("  number: 9936/KH-UBND\n", "", "Kế hoạch phát động › Số văn bản", "plan:", "Thiếu trường bắt buộc."),
    ("    order: [rate_bhxh, bhyt_per_staff, relatives_bhxh]", "    ordre: [rate_bhxh]", "Nhóm xếp hạng thứ 2 › trường “ordre”",
     "ordre:", "Trường không được hỗ trợ."),
    ("relatives_bhxh, relatives_bhyt]", "relatives_bhxh, relatives_bhyt_x]", "Nhóm xếp hạng thứ 1 › Chỉ tiêu thứ 4",
     "relatives_bhyt_x]", "Không có chỉ tiêu “relatives_bhyt_x”."),
    ("standing_agency: phong-y-te", "standing_agency: phong-y-tee", "Cơ quan thường trực", "standing_agency:",
     "Không có đơn vị mã “phong-y-tee”"),
    ("late_policy: accept\n", "late_policy: accept\nlate_policy: refuse\n", "Hồ sơ nộp muộn", "late_policy: refuse",
     "bị lặp lại"),
    ("    vote_rule: {kind: majority}", "    vote_rule: {kind: unanimous}", "Hình thức khen thưởng thứ 1 › Quy tắc biểu quyết › Cách tính",
     "kind: unanimous", "Phải là một trong: Quá nửa số thành viên, Theo tỷ lệ phiếu (tệp đang ghi “unanimous”)."),
    ("    numerator: staff_persuaded_bhxh", "    numerator: bhyt_per_staff", "Chỉ tiêu tính toán thứ 1 › Tử số",
     "numerator: bhyt_per_staff", "chưa được khai báo ở trên"),
    ("    period: {start: 2024-11-15, end: 2024-11-30}\n    deadline",
     "    period: {start: 2024-11-15, end: 2024-12-30}\n    deadline", "Đợt khen thưởng thứ 1 › Thời gian của đợt", "end: 2024-12-30",
     "phải nằm trong thời gian của phong trào"),
    ("    min: 1\n", "    min: một\n", "Chỉ tiêu thứ 1 › Giá trị nhỏ nhất", "min: một", "Phải là một số."),
    ("    required: true\n", "    required: có\n", "Chỉ tiêu thứ 1 › Bắt buộc", "required: có",
     "Phải là true hoặc false."),
    ("  - code: giay_khen_ca_nhan", "  - code: giay_khen_tap_the  # trùng", "Hình thức khen thưởng thứ 2 › Mã hình thức",
     "# trùng", "bị trùng"),
    ("    nominee_kinds: [collective]\n    multiplier: 0.6", "    nominee_kinds: [tap_the]\n    multiplier: 0.6",
     "Hình thức khen thưởng thứ 1 › Đối tượng thứ 1", "nominee_kinds: [tap_the]",
     "Phải là một trong: Tập thể, Cá nhân (tệp đang ghi “tap_the”)."),
    ("    at_most: staff_total\n", "    at_most: tong_so\n", "Chỉ tiêu thứ 2 › Không vượt quá chỉ tiêu", "at_most: tong_so",
     "không phải một chỉ tiêu nhập khác"),
    ("code: lx-bhxh-bhyt-2024", "code: LX 2024", "Mã phong trào", "code: LX 2024", "Mã “LX 2024” không hợp lệ"),
    ("format: 1", "format: 2", "Phiên bản định dạng", "format: 2", "Phiên bản định dạng phải là 1."),
])
def test_mistakes_are_named_by_field_and_line(old, new, field, line_fragment, message):
    assert old in LONG_XUYEN
    text = LONG_XUYEN.replace(old, new, 1)
    problems = _problems(text)
    expected_line = _line_of(text, line_fragment)
    assert any(f == field and line == expected_line and message in m for f, line, m in problems), problems


def test_yaml_syntax_error_names_the_line():
    text = LONG_XUYEN.replace("  date: 2024-11-15\n", "  date: 2024-11-15\n issuer: x\n", 1)
    [(field, line, message)] = _problems(text)
    assert line == _line_of(text, " issuer: x") and message.startswith("Lỗi cú pháp YAML (dòng")


def test_several_mistakes_come_back_together_in_line_order():
    text = LONG_XUYEN.replace("    deadline: 2024-12-04", "    deadline: sai", 1).replace(
        "standing_agency: phong-y-te", "standing_agency: Phòng Y tế", 1)
    problems = _problems(text)
    assert [p[0] for p in problems] == ["Cơ quan thường trực", "Đợt khen thưởng thứ 1 › Hạn nộp hồ sơ"]
    assert [p[1] for p in problems] == sorted(p[1] for p in problems)


def test_an_empty_or_scalar_file_is_refused():
    assert _problems("")[0][2] == "Tệp định nghĩa trống."
    assert "nhóm khóa: giá trị" in _problems("- một\n- hai\n")[0][2]


def test_alias_bombs_and_deep_nesting_are_refused():
    bomb = "a: &a [x, x, x, x, x, x, x, x, x, x]\n" + "".join(
        f"{c}: &{c} [{', '.join([f'*{p}'] * 10)}]\n" for p, c in zip("abcdefgh", "bcdefghi"))
    assert "quá" in _problems(bomb)[0][2]
    assert "quá nhiều tầng" in _problems("[" * 3000 + "]" * 3000)[0][2]


def test_decomposed_text_is_stored_composed():
    definition = parse_definition(unicodedata.normalize("NFD", LONG_XUYEN))
    assert definition.data["plan"]["title"].startswith("Phát động thi đua cao điểm")
    assert unicodedata.is_normalized("NFC", definition.data["award_name"])


# --- the admin endpoint -----------------------------------------------------------------------------------

def test_admin_loads_a_definition_sent_as_yaml(as_user):
    response = as_user("admin").post("/api/v1/admin/campaigns", data=LONG_XUYEN.encode("utf-8"),
                                     headers={"Content-Type": "application/yaml"})
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["campaign"]["code"] == "lx-bhxh-bhyt-2024"
    assert body["campaign"]["rounds"][0]["deadline"] == "2024-12-04"
    assert "my-binh" in body["created_units"] and len(body["definition_sha256"]) == 64
    again = as_user("admin").post("/api/v1/admin/campaigns", data=LONG_XUYEN.encode("utf-8"),
                                  headers={"Content-Type": "application/yaml"})
    assert again.status_code == 409 and again.get_json()["error"]["code"] == "campaign_exists"


def test_admin_loads_an_uploaded_file(as_user):
    text = LONG_XUYEN.replace("code: lx-bhxh-bhyt-2024", "code: lx-tai-len", 1)
    response = as_user("admin").post("/api/v1/admin/campaigns", content_type="multipart/form-data", data={
        "file": (io.BytesIO(text.encode("utf-8")), "long-xuyen.yaml")})
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["campaign"]["code"] == "lx-tai-len"


def test_admin_gets_every_mistake_with_its_line(as_user):
    text = LONG_XUYEN.replace("    deadline: 2024-12-04", "    deadline: 31/12", 1)
    response = as_user("admin").post("/api/v1/admin/campaigns", data=text.encode("utf-8"),
                                     headers={"Content-Type": "text/yaml"})
    assert response.status_code == 422
    error = response.get_json()["error"]
    line = _line_of(text, "deadline: 31/12")
    assert error["code"] == "invalid_definition"
    field = "Đợt khen thưởng thứ 1 › Hạn nộp hồ sơ"
    message = "Phải là ngày dạng YYYY-MM-DD (ví dụ 2024-11-15)."
    assert error["fields"][field] == [f"Dòng {line}: {message}"]
    assert error["details"]["errors"] == [{"field": field, "path": "rounds[0].deadline", "line": line,
                                           "message": message, "text": f"Dòng {line} ({field}): {message}"}]
    assert f"Dòng {line}" in error["message"]
    from service.models import Campaign, Unit

    assert db.session.scalar(sa.select(sa.func.count()).select_from(Campaign)) == 1   # the world's only
    assert db.session.scalar(sa.select(Unit).where(Unit.code == "my-binh")) is None


@pytest.mark.parametrize("body, content_type, code", [
    (b"", "application/json", "definition_missing"),
    ("code: x\n".encode("utf-16"), "application/yaml", "definition_encoding"),
    (b"a: [1\n", "application/yaml", "invalid_definition"),
])
def test_admin_bad_uploads(as_user, body, content_type, code):
    response = as_user("admin").post("/api/v1/admin/campaigns", data=body, headers={"Content-Type": content_type})
    assert response.status_code == 422 and response.get_json()["error"]["code"] == code


def test_only_admins_load_definitions(as_user, client):
    for name in ("clerk", "reviewer", "approver"):
        response = as_user(name).post("/api/v1/admin/campaigns", data=LONG_XUYEN.encode("utf-8"),
                                      headers={"Content-Type": "application/yaml"})
        assert response.status_code == 403, name
    assert client.post("/api/v1/admin/campaigns", data=b"x: 1",
                       headers={"Content-Type": "application/yaml"}).status_code == 401


def test_the_command_line_prints_each_mistake_with_its_line(runner, tmp_path):
    text = LONG_XUYEN.replace("standing_agency: phong-y-te", "standing_agency: khong-co", 1)
    path = tmp_path / "sai.yaml"
    path.write_text(text, encoding="utf-8")
    result = runner.invoke(args=["load-campaign", str(path)])
    assert result.exit_code != 0
    line = _line_of(text, "standing_agency: khong-co")
    assert f"sai.yaml: Dòng {line} (Cơ quan thường trực): Không có đơn vị mã “khong-co”" in result.output


def test_the_example_in_the_format_notes_is_a_valid_definition():
    import re

    notes = (CAMPAIGNS_DIR / "FORMAT.md").read_text(encoding="utf-8")
    example = re.search(r"```yaml\n(.*?)```", notes, re.S).group(1)
    definition = parse_definition(example, {"ubnd-x": "city", "phong-y-te-x": "department"})
    assert definition.data["derived"][0]["formula"] == "ratio"
