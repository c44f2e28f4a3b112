"""Every wrong cell of a nominee list is a 422 that names the sheet row and the column as the template heads
it, lists the allowed values as labels, and shows no code: one row in turn gets a wrong word, a wrong type
(a date, a yes/no, text where a number goes) or a form that does not fit."""
from __future__ import annotations

import datetime as dt
import io
import re

import openpyxl
import pytest

from service.awards.excel import (HEADER_AWARD_FORM, HEADER_GENDER, HEADER_KIND, HEADER_NAME, HEADER_SUMMARY,
                                  metric_header)

QUOTED = re.compile(r"«[^»]*»|“[^”]*”")
CODE = re.compile(r"\b[a-z][a-z0-9]*_[a-z0-9_]+\b|\[\d+\]|\b(?:collective|individual|male|female)\b")
ROW = re.compile(r"^Dòng (\d+), cột «([^»]+)»: (.+)$")


def _template(api, campaign) -> openpyxl.Workbook:
    response = api.get(f"/api/v1/campaigns/{campaign.id}/nominee-template.xlsx")
    assert response.status_code == 200
    return openpyxl.load_workbook(io.BytesIO(response.data))


def _good_rows(campaign) -> list[dict[str, object]]:
    figures = {metric_header(m): 5 for m in campaign.metrics}
    person = {HEADER_KIND: "Cá nhân", HEADER_NAME: "Trần Thị Bích", HEADER_GENDER: "Nữ",
              HEADER_AWARD_FORM: "Giấy khen", HEADER_SUMMARY: "Vận động 05 người thân.",
              **{metric_header(m): 5 for m in campaign.metrics if "individual" in m["nominee_kinds"]}}
    group = {HEADER_KIND: "Tập thể", HEADER_NAME: "Tổ dân phố 3", HEADER_AWARD_FORM: "Giấy khen",
             **figures, metric_header(campaign.metrics[0]): 20}
    return [group, person]


def _mutations(campaign) -> list[tuple[int, str, object]]:
    """(row index, column, value): each column of each row, given what it cannot hold."""
    cases: list[tuple[int, str, object]] = []
    for index in (0, 1):
        cases += [(index, HEADER_KIND, "Hộ kinh doanh"), (index, HEADER_KIND, dt.datetime(2024, 2, 28)),
                  (index, HEADER_KIND, True), (index, HEADER_NAME, dt.datetime(2024, 1, 1)),
                  (index, HEADER_NAME, False), (index, HEADER_AWARD_FORM, "Huân chương Lao động"),
                  (index, HEADER_AWARD_FORM, 12), (index, HEADER_AWARD_FORM, dt.datetime(2024, 3, 1))]
        applies = [m for m in campaign.metrics if ("collective", "individual")[index] in m["nominee_kinds"]]
        for metric in applies:
            for value in ("mười", "-3", True, dt.datetime(2024, 2, 29), "1.5", 10**13):
                cases.append((index, metric_header(metric), value))
        for metric in campaign.metrics:
            if metric not in applies:
                cases.append((index, metric_header(metric), 3))
    cases += [(1, HEADER_GENDER, "Khác"), (1, HEADER_GENDER, 1), (1, HEADER_GENDER, None),
              (1, HEADER_AWARD_FORM, "giay_khen_tap_the")]
    return cases


def test_every_wrong_cell_is_refused_by_row_and_column_in_vietnamese(as_user, world):
    clerk = as_user("clerk")
    campaign = world["campaign"]
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign.id}).get_json()["id"]
    template = _template(clerk, campaign)
    headers = [cell.value for cell in template.worksheets[0][1]]
    assert HEADER_AWARD_FORM in headers and not any(CODE.search(h) for h in headers)
    good = _good_rows(campaign)
    cases = _mutations(campaign)
    assert len(cases) > 60
    for index, column, value in cases:
        workbook = _template(clerk, campaign)
        sheet = workbook.worksheets[0]
        for number, row in enumerate(good, start=2):
            values = {**row, column: value} if number - 2 == index else row
            for position, header in enumerate(headers, start=1):
                sheet.cell(row=number, column=position, value=values.get(header))
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees/import",
                              data={"file": (io.BytesIO(buffer.getvalue()), "danh_sach.xlsx")},
                              content_type="multipart/form-data")
        assert response.status_code == 422, (column, value, response.get_json())
        error = response.get_json()["error"]
        assert error["code"] == "import_failed"
        assert not CODE.search(QUOTED.sub("", error["message"])), error["message"]
        found = []
        for message in error["fields"]["file"]:
            match = ROW.match(message)
            assert match, message
            assert not CODE.search(QUOTED.sub("", message)), message
            found.append((int(match.group(1)), match.group(2), match.group(3)))
        assert (index + 2, column) in [(row, col) for row, col, _ in found], (column, value, found)
        if column == HEADER_KIND and isinstance(value, str):
            assert any("chọn một trong: Tập thể, Cá nhân." in text for *_, text in found), found
        if column == HEADER_GENDER and isinstance(value, str):
            assert any("chọn một trong: Nam, Nữ." in text for *_, text in found), found
        if column == HEADER_AWARD_FORM and isinstance(value, str):
            assert any("chọn một trong: «Giấy khen»." in text for *_, text in found), found
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"] == []


def test_the_good_rows_with_names_or_codes_are_imported(as_user, world):
    clerk = as_user("clerk")
    campaign = world["campaign"]
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": campaign.id}).get_json()["id"]
    workbook = _template(clerk, campaign)
    sheet = workbook.worksheets[0]
    headers = [cell.value for cell in sheet[1]]
    rows = _good_rows(campaign)
    rows[1] = {**rows[1], HEADER_AWARD_FORM: "giay_khen_ca_nhan", HEADER_KIND: "individual"}
    for number, row in enumerate(rows, start=2):
        for position, header in enumerate(headers, start=1):
            sheet.cell(row=number, column=position, value=row.get(header))
    buffer = io.BytesIO()
    workbook.save(buffer)
    response = clerk.post(f"/api/v1/dossiers/{dossier_id}/nominees/import",
                          data={"file": (io.BytesIO(buffer.getvalue()), "danh_sach.xlsx")},
                          content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    nominees = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"]
    assert [(n["kind"], n["award_form"]) for n in nominees] == [("collective", "giay_khen_tap_the"),
                                                               ("individual", "giay_khen_ca_nhan")]


@pytest.mark.parametrize("sheet_name", ["Hướng dẫn", "Danh mục"])
def test_the_template_shows_no_code(as_user, world, sheet_name):
    workbook = _template(as_user("clerk"), world["campaign"])
    text = "\n".join(str(cell.value) for row in workbook[sheet_name].iter_rows() for cell in row if cell.value)
    assert "Giấy khen" in text
    assert not CODE.search(text), CODE.search(text).group(0)
