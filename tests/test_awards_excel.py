"""Excel exchange: nominee template, parser (all or nothing), exports without formula injection."""

import io
import unicodedata
import zipfile

import openpyxl
import pytest

from service.awards import excel
from service.documents import builders

METRICS = [
    {"code": "staff_total", "label": "Tổng số cán bộ, công chức", "unit": "người", "required": True,
     "nominee_kinds": ["collective"], "min": 1},
    {"code": "rate", "label": "Tỷ lệ vận động", "unit": "%", "required": True,
     "nominee_kinds": ["collective"], "max": 100},
    {"code": "relatives", "label": "Số người thân tham gia BHXH tự nguyện", "unit": "người", "required": True,
     "nominee_kinds": ["collective", "individual"]},
]
FORMS = [
    {"code": "giay_khen_tap_the", "name": "Giấy khen", "nominee_kinds": ["collective"]},
    {"code": "giay_khen_ca_nhan", "name": "Giấy khen", "nominee_kinds": ["individual"]},
    {"code": "bang_khen", "name": "Bằng khen", "nominee_kinds": ["collective", "individual"]},
]
HEADERS = ["Loại (Tập thể/Cá nhân)", "Họ và tên (Tên tập thể)", "Giới tính (Nam/Nữ)", "Chức vụ",
           "Đơn vị công tác", "Hình thức khen thưởng", "Tổng số cán bộ, công chức (người)",
           "Tỷ lệ vận động (%)", "Số người thân tham gia BHXH tự nguyện (người)", "Tóm tắt thành tích"]
TRICKY = "Công ty A&B <Chi nhánh 1>"
GOOD = [
    ["Tập thể", TRICKY, None, None, "Khóm Bình Thới 1", "giay_khen_tap_the", 20, 62.5, 15, "Dòng một\nDòng hai"],
    ["Cá nhân", "Nguyễn Văn An", "Nam", "Công chức", "UBND phường Mỹ Bình", "giay_khen_ca_nhan", None, None, 5,
     "Vận động 05 người thân."],
    ["Cá nhân", "Trần Thị Bình", "Nữ", None, "UBND phường Mỹ Bình", "Giấy khen", None, None, "3", None],
]


def workbook_with(rows, *, template=None):
    workbook = openpyxl.load_workbook(io.BytesIO(template or excel.nominee_template(METRICS, FORMS)))
    sheet = workbook.worksheets[0]
    for r, row in enumerate(rows, start=2):
        for c, value in enumerate(row or [], start=1):
            sheet.cell(row=r, column=c, value=value)
    return workbook


def to_bytes(workbook):
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def parse(rows):
    return excel.parse_nominees(to_bytes(workbook_with(rows)), METRICS, FORMS)


def messages(errors):
    return [excel.format_error(e) for e in errors]


# --- the template ----------------------------------------------------------------------

def test_template_headers_and_sheets():
    workbook = openpyxl.load_workbook(io.BytesIO(excel.nominee_template(METRICS, FORMS)))
    assert workbook.sheetnames == ["Danh sách đề nghị", "Hướng dẫn", "Danh mục"]
    sheet = workbook["Danh sách đề nghị"]
    assert [c.value for c in sheet[1]] == HEADERS
    assert all(c.font.bold for c in sheet[1])
    assert sheet.freeze_panes == "C2"
    assert workbook["Danh mục"].sheet_state == "hidden"
    # The list offers the forms by name (two forms called "Giấy khen" serve different kinds: one entry).
    assert [c.value for c in workbook["Danh mục"]["A"]] == ["Hình thức khen thưởng", "Giấy khen", "Bằng khen"]
    help_text = "\n".join(str(c.value) for row in workbook["Hướng dẫn"].iter_rows() for c in row if c.value)
    for header in HEADERS:
        assert header in help_text
    assert "Bắt buộc với tập thể" in help_text and "Giấy khen" in help_text and "tập thể, cá nhân" in help_text
    assert "giay_khen" not in help_text and "collective" not in help_text
    for text in help_text.split("\n"):
        assert unicodedata.is_normalized("NFC", text)


def test_template_drop_down_lists_and_number_checks():
    sheet = openpyxl.load_workbook(io.BytesIO(excel.nominee_template(METRICS, FORMS))).worksheets[0]
    validations = {str(v.sqref): v for v in sheet.data_validations.dataValidation}
    assert validations["A2:A5001"].formula1 == '"Tập thể,Cá nhân"'
    assert validations["C2:C5001"].formula1 == '"Nam,Nữ"'
    assert validations["F2:F5001"].formula1 == "'Danh mục'!$A$2:$A$3"
    assert validations["G2:G5001"].type == "decimal" and validations["G2:G5001"].formula1 == "1"
    assert validations["I2:I5001"].formula1 == "0"


def test_template_without_award_forms():
    workbook = openpyxl.load_workbook(io.BytesIO(excel.nominee_template(METRICS)))
    assert workbook.sheetnames == ["Danh sách đề nghị", "Hướng dẫn"]


# --- reading a filled file ----------------------------------------------------------------

def test_a_good_file_is_read():
    rows, errors = parse(GOOD)
    assert errors == []
    assert rows == [
        {"row": 2, "kind": "collective", "full_name": TRICKY, "gender": None, "position": None,
         "workplace": "Khóm Bình Thới 1", "award_form": "giay_khen_tap_the",
         "metrics": {"staff_total": 20, "rate": 62.5, "relatives": 15},
         "achievement_summary": "Dòng một\nDòng hai"},
        {"row": 3, "kind": "individual", "full_name": "Nguyễn Văn An", "gender": "male", "position": "Công chức",
         "workplace": "UBND phường Mỹ Bình", "award_form": "giay_khen_ca_nhan", "metrics": {"relatives": 5},
         "achievement_summary": "Vận động 05 người thân."},
        # The award form's name is enough when it names one form for that kind.
        {"row": 4, "kind": "individual", "full_name": "Trần Thị Bình", "gender": "female", "position": None,
         "workplace": "UBND phường Mỹ Bình", "award_form": "giay_khen_ca_nhan", "metrics": {"relatives": 3},
         "achievement_summary": ""},
    ]


def test_text_is_normalised():
    row = list(GOOD[1])
    row[0] = "cá nhân"
    row[1] = unicodedata.normalize("NFD", "  Nguyễn   Văn  Ánh ")
    row[2] = "nữ"
    (nominee,), errors = parse([row])
    assert errors == []
    assert nominee["full_name"] == "Nguyễn Văn Ánh"
    assert unicodedata.is_normalized("NFC", nominee["full_name"])
    assert nominee["gender"] == "female"


@pytest.mark.parametrize(
    "column, code, text, value",
    [
        (8, "relatives", "1.234", 1234),
        (8, "relatives", "1.234,5", 1234.5),
        (8, "relatives", " 7 ", 7),
        (8, "relatives", 40.0, 40),
        (7, "rate", "12,5", 12.5),
        (7, "rate", "62,5%", 62.5),
        (7, "rate", 0.625, 0.625),
    ],
)
def test_numbers_written_the_vietnamese_way(column, code, text, value):
    row = list(GOOD[0])
    row[column] = text
    (nominee,), errors = parse([row])
    assert errors == []
    assert nominee["metrics"][code] == value
    assert type(nominee["metrics"][code]) is type(value)


def test_a_percentage_cell_holds_a_fraction():
    workbook = workbook_with([GOOD[0]])
    cell = workbook.worksheets[0].cell(row=2, column=8, value=0.625)
    cell.number_format = "0.0%"
    (nominee,), errors = excel.parse_nominees(to_bytes(workbook), METRICS, FORMS)
    assert errors == [] and nominee["metrics"]["rate"] == 62.5


def test_blank_rows_are_skipped_and_rows_keep_their_excel_number():
    rows, errors = parse([GOOD[0], None, None, GOOD[1]])
    assert errors == [] and [r["row"] for r in rows] == [2, 5]


def test_every_problem_is_reported_by_row_and_column_and_the_file_is_refused():
    bad_person = list(GOOD[1])
    bad_person[2] = "Khác"              # gender
    bad_person[6] = 5                   # a collective-only metric
    bad_person[8] = "1.5"               # decimal point
    bad_collective = list(GOOD[0])
    bad_collective[1] = "Tổ\tdân phố"   # a tab in a name
    bad_collective[5] = "giay_khen_ca_nhan"
    bad_collective[6] = 0               # below the minimum
    bad_collective[7] = 120             # above the maximum
    bad_collective[8] = None            # required
    rows, errors = parse([GOOD[0], bad_person, None, bad_collective, ["Lạc", "X"]])
    assert rows == []
    assert messages(errors) == [
        "Dòng 3, cột «Giới tính (Nam/Nữ)»: «Khác» không hợp lệ: chọn một trong: Nam, Nữ.",
        "Dòng 3, cột «Tổng số cán bộ, công chức (người)»: Chỉ tiêu này không áp dụng cho cá nhân; để trống ô.",
        "Dòng 3, cột «Số người thân tham gia BHXH tự nguyện (người)»: «1.5» không phải là số (dùng dấu phẩy cho "
        "phần thập phân, ví dụ 12,5).",
        "Dòng 5, cột «Họ và tên (Tên tập thể)»: Ô chứa ký tự điều khiển không hợp lệ (mã U+0009).",
        "Dòng 5, cột «Hình thức khen thưởng»: Hình thức «giay_khen_ca_nhan» không áp dụng cho tập thể; "
        "chọn một trong: «Giấy khen», «Bằng khen».",
        "Dòng 5, cột «Tổng số cán bộ, công chức (người)»: Số liệu phải không nhỏ hơn 1.",
        "Dòng 5, cột «Tỷ lệ vận động (%)»: Số liệu phải không lớn hơn 100.",
        "Dòng 5, cột «Số người thân tham gia BHXH tự nguyện (người)»: Chưa ghi số liệu (bắt buộc).",
        "Dòng 6, cột «Loại (Tập thể/Cá nhân)»: «Lạc» không hợp lệ: chọn một trong: Tập thể, Cá nhân.",
    ]


@pytest.mark.parametrize(
    "column, value, fragment",
    [
        (1, "Nguyễn Văn\nAn", "Không được xuống dòng"),
        (1, "Nguyễn Văn _x0007_An", "U+0007"),            # Excel's escape of a control character
        (1, "Nguyễn \u202eVăn An", "U+202E"),             # a text direction override
        (5, "mã_lạ", "Hình thức «mã_lạ» không có trong phong trào; chọn một trong: «Giấy khen», «Bằng khen»."),
        (2, None, "Chưa ghi giới tính"),
        (1, "", "Chưa ghi họ và tên"),
        (1, "A" * 256, "tối đa 255 ký tự"),
        (8, -3, "phải không nhỏ hơn 0"),
        (8, "-3", "phải không nhỏ hơn 0"),
        (8, True, "phải chứa một số"),
    ],
)
def test_cell_problems(column, value, fragment):
    row = list(GOOD[1])
    row[column] = value
    rows, errors = parse([row])
    assert rows == [] and len(errors) == 1
    assert errors[0]["row"] == 2 and errors[0]["column"] == HEADERS[column]
    assert fragment in errors[0]["message"]


def test_line_breaks_are_kept_in_the_summary_only():
    row = list(GOOD[1])
    row[9] = "Một_x000D_\nHai\r\nBa"
    (nominee,), errors = parse([row])
    assert errors == [] and nominee["achievement_summary"] == "Một\nHai\nBa"


def test_duplicates_are_refused():
    rows, errors = parse([GOOD[1], GOOD[2], GOOD[1]])
    assert rows == []
    assert messages(errors) == ["Dòng 4, cột «Họ và tên (Tên tập thể)»: Trùng với dòng 2 (cùng loại, tên và đơn "
                                "vị công tác)."]


def test_ambiguous_form_name_asks_for_the_code():
    forms = [*FORMS, {"code": "giay_khen_2", "name": "Giấy khen", "nominee_kinds": ["individual"]}]
    data = to_bytes(workbook_with([GOOD[2]], template=excel.nominee_template(METRICS, forms)))
    rows, errors = excel.parse_nominees(data, METRICS, forms)
    assert rows == [] and "ứng với nhiều hình thức" in errors[0]["message"]


def test_headers_are_checked():
    workbook = workbook_with([GOOD[1]])
    sheet = workbook.worksheets[0]
    sheet.cell(row=1, column=3).value = None                # the gender column removed
    sheet.cell(row=1, column=11, value="Ghi chú thêm")       # an unknown column
    rows, errors = excel.parse_nominees(to_bytes(workbook), METRICS, FORMS)
    assert rows == []
    assert messages(errors) == [
        "Dòng 1, cột «Ghi chú thêm»: Cột không có trong mẫu; hãy dùng tệp mẫu của phong trào.",
        "Dòng 1, cột «Giới tính (Nam/Nữ)»: Thiếu cột này ở dòng tiêu đề.",
    ]


def test_columns_may_be_reordered_and_metrics_headed_by_their_label():
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    headers = list(reversed(HEADERS))
    headers[headers.index("Tỷ lệ vận động (%)")] = "tỷ lệ VẬN ĐỘNG"
    sheet.append(headers)
    sheet.append(list(reversed(GOOD[0])))
    rows, errors = excel.parse_nominees(to_bytes(workbook), METRICS, FORMS)
    assert errors == [] and rows[0]["metrics"] == {"staff_total": 20, "rate": 62.5, "relatives": 15}


def test_an_empty_list_is_refused():
    rows, errors = parse([])
    assert rows == [] and messages(errors) == ["Tệp không có dòng dữ liệu nào."]


# --- files that are refused whole -----------------------------------------------------------

def zip_of(members):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "Tệp rỗng"),
        (None, "Không nhận được"),
        (b"STT;Ho ten\n1;An\n", "không phải là tệp Excel .xlsx"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "không phải là tệp Excel .xlsx"),  # an old .xls
        (b"PK\x03\x04 broken", "bị hỏng"),
        (zip_of({"word/document.xml": "<x/>", "[Content_Types].xml": "<x/>"}), "không phải là tệp Excel"),
        (zip_of({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "not xml"}), "không đọc được"),
        (b"PK\x03\x04" + b"\0" * (5 * 2**20), "quá lớn"),
    ],
)
def test_files_that_are_not_usable(data, fragment):
    rows, errors = excel.parse_nominees(data, METRICS, FORMS)
    assert rows == [] and len(errors) == 1
    assert errors[0]["row"] is None and fragment in errors[0]["message"]


def test_zip_bomb_is_refused_before_it_is_unpacked():
    data = zip_of({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>",
                   "xl/worksheets/sheet1.xml": b"\0" * (60 * 2**20)})
    assert len(data) < 200_000
    rows, errors = excel.parse_nominees(data, METRICS, FORMS)
    assert rows == [] and "giải nén bất thường" in errors[0]["message"]


def test_macro_files_are_refused():
    template = excel.nominee_template(METRICS, FORMS)
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(template)) as source, zipfile.ZipFile(out, "w") as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr("xl/vbaProject.bin", b"macro")
    rows, errors = excel.parse_nominees(out.getvalue(), METRICS, FORMS)
    assert rows == [] and "macro" in errors[0]["message"]


def test_more_than_five_thousand_rows_are_refused():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    person = list(GOOD[1])
    for i in range(excel.MAX_ROWS + 1):
        person[1] = f"Người số {i}"
        sheet.append(person)
    rows, errors = excel.parse_nominees(to_bytes(workbook), METRICS, FORMS)
    assert rows == [] and messages(errors)[0].startswith("Tệp có quá 5.000 dòng dữ liệu; hãy chia thành nhiều tệp.")


def test_exactly_five_thousand_rows_are_read():
    workbook = openpyxl.Workbook(write_only=True)
    sheet = workbook.create_sheet()
    sheet.append(HEADERS)
    person = list(GOOD[1])
    for i in range(excel.MAX_ROWS):
        person[1] = f"Người số {i}"
        sheet.append(person)
    rows, errors = excel.parse_nominees(to_bytes(workbook), METRICS, FORMS)
    assert errors == [] and len(rows) == excel.MAX_ROWS


# --- exports ----------------------------------------------------------------------------------

INJECTIONS = ["=HYPERLINK(\"http://x\",\"y\")", "+1+1", "-2+3", "@SUM(A1)", "\tTab", "\rCR"]


def sheet_xml(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return archive.read("xl/worksheets/sheet1.xml").decode("utf-8")


def test_export_awardees():
    awardees = builders.sample_campaign_snapshot()["awardees"]
    data = excel.export_awardees(awardees)
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Khen thưởng"
    header = [c.value for c in sheet[1]]
    assert header[:3] == ["STT", "Loại", "Họ và tên (Tên tập thể)"]
    assert header[10] == "Số tiền thưởng (đồng)"
    row = [c.value for c in sheet[2]]
    assert row[:4] == [1, "Cá nhân", "Lê Văn Dũng", "Nam"]
    assert row[8:11] == [0.3, 702000, 700000]
    assert '"đồng"' in sheet.cell(row=2, column=11).number_format
    assert sheet.cell(row=2, column=11).data_type == "n"
    assert sheet.cell(row=5, column=3).value == TRICKY
    total = [c.value for c in sheet[len(awardees) + 2]]
    assert total[2] == "Tổng cộng" and total[10] == 9_100_000


def test_export_ranking():
    rows = [
        {"rank": 1, "kind": "collective", "full_name": TRICKY, "unit_name": "Phường Mỹ Bình",
         "metrics": {"rate": 62.5, "relatives": 15}, "score": 98.5, "note": "Dẫn đầu"},
        {"rank": 2, "kind": "individual", "full_name": "Nguyễn Văn An", "unit_name": "Phường Mỹ Bình",
         "metrics": {"relatives": 5}},
    ]
    data = excel.export_ranking(rows, METRICS[1:])
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert [c.value for c in sheet[1]] == ["Thứ hạng", "Loại", "Họ và tên (Tên tập thể)", "Đơn vị",
                                           "Tỷ lệ vận động (%)", "Số người thân tham gia BHXH tự nguyện (người)",
                                           "Điểm", "Ghi chú"]
    assert [c.value for c in sheet[2]] == [1, "Tập thể", TRICKY, "Phường Mỹ Bình", 62.5, 15, 98.5, "Dẫn đầu"]
    assert [c.value for c in sheet[3]] == [2, "Cá nhân", "Nguyễn Văn An", "Phường Mỹ Bình", None, 5, None, None]


@pytest.mark.parametrize("text", INJECTIONS)
def test_formula_injection_is_neutralised(text):
    awardee = dict(builders.sample_campaign_snapshot()["awardees"][0], full_name=text, position=text)
    ranking = [{"rank": 1, "kind": "individual", "full_name": text, "unit_name": text, "metrics": {}}]
    for data, column in ((excel.export_awardees([awardee]), 3), (excel.export_ranking(ranking), 3)):
        xml = sheet_xml(data)
        assert "<f>" not in xml and "<f " not in xml
        cell = openpyxl.load_workbook(io.BytesIO(data)).active.cell(row=2, column=column)
        assert cell.data_type == "s"
        assert cell.value == "'" + text


def test_ordinary_text_is_left_alone():
    assert excel.neutralise_formula("Nguyễn Văn An") == "Nguyễn Văn An"
    assert excel.neutralise_formula("Tỷ lệ 50%") == "Tỷ lệ 50%"
    assert excel.neutralise_formula(5) == 5
    assert excel.neutralise_formula("a\x01b") == "ab"


def test_award_forms_are_read_by_name_by_code_and_under_the_former_header():
    """The template offers names; a code typed by hand, or a template downloaded before, still reads."""
    by_name = [["Tập thể", "Tổ dân phố 1", None, None, None, "giấy khen", 20, 62.5, 15, None],
               ["Cá nhân", "Nguyễn Văn An", "nam", None, None, "Giấy khen", None, None, 5, None],
               ["collective", "Tổ dân phố 2", None, None, None, "bang_khen", 20, 62.5, 15, None]]
    rows, errors = parse(by_name)
    assert errors == []
    assert [(r["kind"], r["award_form"], r["gender"]) for r in rows] == [
        ("collective", "giay_khen_tap_the", None), ("individual", "giay_khen_ca_nhan", "male"),
        ("collective", "bang_khen", None)]
    workbook = workbook_with(by_name)
    workbook.worksheets[0].cell(row=1, column=6, value="Hình thức khen thưởng (mã)")
    rows, errors = excel.parse_nominees(to_bytes(workbook), METRICS, FORMS)
    assert errors == [] and [r["award_form"] for r in rows] == ["giay_khen_tap_the", "giay_khen_ca_nhan", "bang_khen"]


def test_forms_sharing_a_name_for_one_kind_are_offered_by_their_full_title():
    forms = [{"code": "gk_a", "name": "Giấy khen", "title": "Giấy khen của Chủ tịch UBND phường",
              "nominee_kinds": ["individual"]},
             {"code": "gk_b", "name": "Giấy khen", "title": "Giấy khen của Giám đốc Sở",
              "nominee_kinds": ["individual"]}]
    assert list(excel.form_choices(forms).values()) == ["Giấy khen của Chủ tịch UBND phường", "Giấy khen của Giám đốc Sở"]
    row = ["Cá nhân", "Nguyễn Văn An", "Nam", None, None, "Giấy khen", None, None, 5, None]
    _, errors = excel.parse_nominees(to_bytes(workbook_with([row], template=excel.nominee_template(METRICS, forms))),
                                     METRICS, forms)
    assert messages(errors) == ["Dòng 2, cột «Hình thức khen thưởng»: «Giấy khen» ứng với nhiều hình thức; chọn một "
                                "trong: «Giấy khen của Chủ tịch UBND phường», «Giấy khen của Giám đốc Sở»."]
    row[5] = "Giấy khen của Giám đốc Sở"
    rows, errors = excel.parse_nominees(to_bytes(workbook_with([row], template=excel.nominee_template(METRICS, forms))),
                                        METRICS, forms)
    assert errors == [] and rows[0]["award_form"] == "gk_b"
