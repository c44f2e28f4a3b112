"""Excel in and out at province scale: streamed workbooks, bounded imports, figures within the API's limits."""
from __future__ import annotations

import io
import time
import zipfile

import openpyxl
import pytest

from service.awards import excel
from service.awards.xlsx_writer import stream_sheet
from tests.test_nominee_import import PERSON, _filled_template, _upload

METRICS = [{"code": "score", "label": "Điểm", "unit": "điểm"}]


def _ranking_rows(count):
    return [{"rank": i, "kind": "individual", "full_name": f"Nguyễn Văn {i}", "unit_name": "=Phường 1",
             "metrics": {"score": i + 0.5}, "note": "Được chọn" if i % 2 else "Không được chọn"}
            for i in range(1, count + 1)]


def test_the_ranking_streams_in_chunks_and_opens_with_its_look():
    chunks = list(excel.stream_ranking(_ranking_rows(2_000), METRICS))
    assert len(chunks) > 3 and all(isinstance(c, bytes) for c in chunks)
    sheet = openpyxl.load_workbook(io.BytesIO(b"".join(chunks))).active
    assert sheet.title == "Xếp hạng" and sheet.freeze_panes == "A2"
    assert [c.value for c in sheet[1]] == ["Thứ hạng", "Loại", excel.HEADER_NAME, "Đơn vị", "Điểm (điểm)",
                                          "Ghi chú"]
    assert all(c.font.bold and c.fill.fgColor.rgb.endswith("DDEBF7") for c in sheet[1])
    assert sheet.column_dimensions["C"].width == 32 and sheet.column_dimensions["E"].width == 18
    assert sheet.max_row == 2_001
    row = [c.value for c in sheet[2001]]
    assert row == [2000, "Cá nhân", "Nguyễn Văn 2000", "'=Phường 1", 2000.5, "Không được chọn"]
    assert sheet.cell(row=2, column=5).number_format == excel.NUMBER_FORMAT
    assert sheet.cell(row=2, column=3).font.name == "Times New Roman"
    assert sheet.cell(row=2, column=3).border.left.style == "thin"


def test_the_awardees_total_and_money_format_survive_streaming():
    rows = [{"kind": "individual", "full_name": "Trần Thị Bích", "gender": "female", "award_form": {"name": "Giấy khen"},
             "multiplier": 0.3, "prize_raw": 702_000, "prize_rounded": 702_000, "achievement": "A & <b>\r"}] * 3
    sheet = openpyxl.load_workbook(io.BytesIO(excel.export_awardees(rows))).active
    assert sheet.cell(row=2, column=12).value == "A & <b>\r"
    assert sheet.cell(row=5, column=3).value == "Tổng cộng" and sheet.cell(row=5, column=3).font.bold
    assert sheet.cell(row=5, column=11).value == 2_106_000
    assert '"đồng"' in sheet.cell(row=5, column=11).number_format and sheet.cell(row=5, column=11).font.bold


@pytest.mark.parametrize("value", ["Lê\ufffeAn", "Lê\x01An", "Lê\ud800An"])
def test_the_writer_refuses_what_xml_cannot_hold(value):
    with pytest.raises(ValueError):
        b"".join(stream_sheet("Bảng", ["Tên"], [20], [[value]]))
    # The exports drop such characters before writing (input refuses them first).
    sheet = openpyxl.load_workbook(io.BytesIO(excel.export_ranking([{"rank": 1, "full_name": value}]))).active
    assert sheet.cell(row=2, column=3).value == "LêAn"


@pytest.mark.parametrize("value", [float("inf"), float("nan")])
def test_the_writer_refuses_figures_that_are_not_numbers(value):
    with pytest.raises(ValueError):
        b"".join(stream_sheet("Bảng", ["Số"], [20], [[value]]))


def _replace_sheet(content: bytes, sheet_xml: str) -> bytes:
    source = zipfile.ZipFile(io.BytesIO(content))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for item in source.infolist():
            data = source.read(item.filename)
            if item.filename == "xl/worksheets/sheet1.xml":
                head = data.decode().split("<sheetData>")[0]
                first_row = data.decode().split("<sheetData>")[1].split("</row>")[0] + "</row>"
                data = (head + "<sheetData>" + first_row + sheet_xml + "</sheetData></worksheet>").encode()
            archive.writestr(item, data)
    return out.getvalue()


@pytest.mark.parametrize("case", ["million", "empty", "dimension"])
def test_hostile_sheets_are_refused_fast_in_vietnamese(as_user, world, case):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    template = _filled_template(clerk, world["campaign"], [])
    rows = {
        "million": '<row r="1048576"><c r="A1048576" t="inlineStr"><is><t>Cá nhân</t></is></c></row>',
        "empty": "<row/>" * 300_000,
        "dimension": "".join(f'<row r="{i}"><c r="B{i}" t="inlineStr"><is><t>Tên {i}</t></is></c></row>'
                             for i in range(2, 5_010)),
    }[case]
    content = _replace_sheet(template, rows)
    started = time.perf_counter()
    response = _upload(clerk, dossier_id, content)
    elapsed = time.perf_counter() - started
    assert response.status_code == 422
    message = response.get_json()["error"]["message"]
    assert "chưa nhập dòng nào" in message.lower() or "quá" in message
    assert elapsed < 1.0 or case == "dimension", elapsed
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"] == []


def test_a_figure_beyond_the_api_limit_is_refused_by_row_and_column(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    content = _filled_template(clerk, world["campaign"], [PERSON, {**PERSON, HEADER_NAME_KEY: "Lê Văn Cường",
                                                                    "relatives_bhxh": 1e308}])
    response = _upload(clerk, dossier_id, content)
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert "Dòng 3" in error["message"] and "Số quá lớn" in error["message"]
    assert clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"] == []


HEADER_NAME_KEY = excel.HEADER_NAME


def test_an_import_adds_after_the_existing_rows_all_or_nothing(as_user, world):
    clerk = as_user("clerk")
    dossier_id = clerk.post("/api/v1/dossiers", json={"campaign_id": world["campaign"].id}).get_json()["id"]
    first = _filled_template(clerk, world["campaign"], [PERSON])
    assert _upload(clerk, dossier_id, first).status_code == 201
    people = [{**PERSON, HEADER_NAME_KEY: f"Người số {i}"} for i in range(40)]
    bad = _filled_template(clerk, world["campaign"], [*people, {**PERSON, HEADER_NAME_KEY: "Cuối", "relatives_bhxh": -1}])
    assert _upload(clerk, dossier_id, bad).status_code == 422
    assert len(clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"]) == 1
    good = _filled_template(clerk, world["campaign"], people)
    response = _upload(clerk, dossier_id, good)
    assert response.status_code == 201 and len(response.get_json()) == 40
    nominees = clerk.get(f"/api/v1/dossiers/{dossier_id}").get_json()["nominees"]
    assert [n["full_name"] for n in nominees] == [PERSON[HEADER_NAME_KEY]] + [f"Người số {i}" for i in range(40)]
