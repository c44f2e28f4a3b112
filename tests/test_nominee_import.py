"""Excel in and out of a dossier: the campaign's template, filled and imported all or nothing."""
from __future__ import annotations

import io

import openpyxl

from service.awards.excel import HEADER_AWARD_FORM, HEADER_GENDER, HEADER_KIND, HEADER_NAME, metric_header


def _filled_template(api, campaign, rows) -> bytes:
    response = api.get(f"/api/v1/campaigns/{campaign.id}/nominee-template.xlsx")
    assert response.status_code == 200 and response.mimetype.endswith("spreadsheetml.sheet")
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    labels = {metric_header(m): m["code"] for m in campaign.metrics}
    for values in rows:
        sheet.append([values.get(labels.get(h, h)) for h in headers])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


PERSON = {HEADER_KIND: "Cá nhân", HEADER_NAME: "Trần Thị Bích", HEADER_GENDER: "Nữ", "Chức vụ": "Công chức",
          "Đơn vị công tác": "UBND phường Mỹ Bình", HEADER_AWARD_FORM: "giay_khen_ca_nhan",
          "relatives_bhxh": 3, "relatives_bhyt": 5, "Tóm tắt thành tích": "Vận động 03 người thân."}


def _upload(api, dossier_id, content):
    return api.post(f"/api/v1/dossiers/{dossier_id}/nominees/import",
                    data={"file": (io.BytesIO(content), "danh_sach.xlsx")}, content_type="multipart/form-data")


def test_a_filled_template_is_imported(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    content = _filled_template(clerk, world["campaign"], [PERSON, {**PERSON, HEADER_NAME: "Lê Văn Cường",
                                                                    HEADER_GENDER: "Nam"}])
    response = _upload(clerk, dossier_id, content)
    assert response.status_code == 201, response.get_json()
    names = [n["full_name"] for n in clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"]]
    assert names == ["Trần Thị Bích", "Lê Văn Cường"]


def test_one_bad_row_imports_nothing_and_names_row_and_column(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    content = _filled_template(clerk, world["campaign"], [PERSON, {**PERSON, "relatives_bhxh": -2}])
    response = _upload(clerk, dossier_id, content)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert error["code"] == "import_failed" and "Dòng 3" in error["message"]
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"] == []


def test_not_an_excel_file_and_other_units_are_refused(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    assert _upload(clerk, dossier_id, b"PK\x03\x04 khong phai excel").status_code == 422
    assert clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees/import").status_code in (415, 422)
    content = _filled_template(clerk, world["campaign"], [PERSON])
    assert _upload(as_user("clerk_b"), dossier_id, content).status_code == 404
    assert _upload(as_user("head"), dossier_id, content).status_code == 403
