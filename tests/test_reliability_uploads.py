"""Hostile uploads: bounded in work, not only in bytes; each refused with a Vietnamese 4xx that changes nothing.

Excel files here are written as raw XML in a zip, so that a sheet can claim
what no spreadsheet program would write (a million rows, 300 000 empty ones,
a row of 16 384 cells) without the test spending the time to build it.
"""
from __future__ import annotations

import io
import time
import zipfile
from xml.sax.saxutils import escape

import pytest

from service.awards import excel
from test_reliability_bad_input import TokenClient, _snapshot, _vietnamese, place  # noqa: F401 - fixture

_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'officeDocument" Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" '
    'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
    '<sheets><sheet name="Danh sách đề nghị" sheetId="1" r:id="rId1"/></sheets></workbook>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8"?>'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/'
    'worksheet" Target="worksheets/sheet1.xml"/></Relationships>')


def cell(value) -> str:
    if value is None:
        return "<c/>"
    if isinstance(value, str) and not value.startswith("#num:"):
        return f'<c t="inlineStr"><is><t>{escape(value)}</t></is></c>'
    return f"<c><v>{str(value).removeprefix('#num:')}</v></c>"


def row(values, number=None) -> str:
    attribute = f' r="{number}"' if number else ""
    return f"<row{attribute}>{''.join(cell(v) for v in values)}</row>"


def raw_xlsx(rows_xml: str, *, dimension: str = "") -> bytes:
    """A workbook whose one sheet holds ``rows_xml`` as written."""
    sheet = ('<?xml version="1.0" encoding="UTF-8"?>'
             '<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
             + (f'<dimension ref="{dimension}"/>' if dimension else "")
             + f"<sheetData>{rows_xml}</sheetData></worksheet>")
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
        archive.writestr("_rels/.rels", _ROOT_RELS)
        archive.writestr("xl/workbook.xml", _WORKBOOK)
        archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
        archive.writestr("xl/worksheets/sheet1.xml", sheet)
    return out.getvalue()


METRICS = [{"code": "relatives", "label": "Số người thân", "unit": "người", "required": True,
            "nominee_kinds": ["collective", "individual"]}]
FORMS = [{"code": "giay_khen_ca_nhan", "name": "Giấy khen", "nominee_kinds": ["individual"]}]
HEADERS = [excel.HEADER_KIND, excel.HEADER_NAME, excel.HEADER_GENDER, excel.HEADER_AWARD_FORM,
           excel.metric_header(METRICS[0])]


def person(name="Nguyễn Văn An", figure=5):
    return ["Cá nhân", name, "Nam", "giay_khen_ca_nhan", figure]


# A sheet of identical empty rows compresses so well that the package check refuses it as a zip bomb.
REFUSED = ("Tệp có quá 5.000 dòng dữ liệu", "Tệp có dung lượng giải nén bất thường")


def timed_parse(content: bytes):
    started = time.perf_counter()
    rows, errors = excel.parse_nominees(content, METRICS, FORMS)
    return rows, errors, time.perf_counter() - started


def test_a_good_raw_sheet_is_read():
    rows, errors, _ = timed_parse(raw_xlsx(row(HEADERS) + row(person())))
    assert errors == [] and [r["full_name"] for r in rows] == ["Nguyễn Văn An"]


def test_the_declared_dimension_is_ignored():
    content = raw_xlsx(row(HEADERS) + row(person()), dimension="A1:XFD1048576")
    rows, errors, seconds = timed_parse(content)
    assert errors == [] and len(rows) == 1 and seconds < 1


@pytest.mark.parametrize("rows_xml", [
    pytest.param(row(HEADERS) + row(person()) + row(person("Lê Thị Hoa"), 1_048_576), id="a row numbered a million"),
    pytest.param(row(HEADERS) + "".join(f'<row ht="{i % 997}.{i % 7}"/>' for i in range(300_000)) + row(person()),
                 id="300 000 empty rows"),
    pytest.param(row(HEADERS) + '<row r="2"/>' * 300_000, id="300 000 empty rows with one number"),
    pytest.param(row(HEADERS) + row(person(), excel.MAX_ROWS + 2), id="one row past the limit"),
    pytest.param(row(HEADERS) + row(person()) + "<row/>" * (excel.MAX_ROWS + 5), id="blank rows past the limit"),
])
def test_a_sheet_past_the_row_limit_is_refused_at_once(rows_xml):
    rows, errors, seconds = timed_parse(raw_xlsx(rows_xml))
    assert rows == [] and errors[0]["message"].startswith(REFUSED), errors
    assert seconds < 1, seconds


def test_a_row_of_sixteen_thousand_cells_is_refused_at_once():
    wide = "".join(f'<c r="{excel.get_column_letter(i)}2"><v>1</v></c>' for i in range(1, 16_385))
    rows, errors, seconds = timed_parse(raw_xlsx(row(HEADERS) + f'<row r="2">{wide}</row>' * 6))
    assert rows == [] and "quá nhiều ô" in errors[0]["message"] and seconds < 1


def test_exactly_the_limit_passes_and_one_more_row_is_refused():
    body = "".join(row(person(f"Người số {i}")) for i in range(excel.MAX_ROWS))
    rows, errors, seconds = timed_parse(raw_xlsx(row(HEADERS) + body))
    assert errors == [] and len(rows) == excel.MAX_ROWS
    rows, errors, _ = timed_parse(raw_xlsx(row(HEADERS) + body + row(person("Thêm một người"))))
    assert rows == [] and errors[0]["message"].startswith("Tệp có quá 5.000 dòng dữ liệu")


@pytest.mark.parametrize("figure, message", [
    ("#num:1e308", "Số quá lớn"),
    ("#num:1000000000001", "Số quá lớn"),
    ("#num:-1e308", "Số quá lớn"),
    ("#num:1e400", "phải chứa một số"),
    ("NaN", "không phải là số"),
    ("inf", "không phải là số"),
    ("1e308", "không phải là số"),
    ("1" * 5_000, "Số quá lớn"),
])
def test_number_cells_obey_the_api_limits(figure, message):
    rows, errors, _ = timed_parse(raw_xlsx(row(HEADERS) + row(person(figure=figure))))
    assert rows == [] and errors[0]["row"] == 2 and errors[0]["column"] == HEADERS[-1], errors
    assert message in errors[0]["message"], errors


def test_a_number_cell_that_is_not_a_number_refuses_the_file():
    rows, errors, _ = timed_parse(raw_xlsx(row(HEADERS) + row(person(figure="#num:NaN"))))
    assert rows == [] and errors[0]["message"].startswith("Tệp .xlsx bị hỏng")


# --- through the API, on either database: a 4xx that changes nothing -------------------------------------

def _world_sheet(campaign, rows_xml_after_header: str) -> bytes:
    headers = excel._columns(campaign.metrics)
    return raw_xlsx(row(headers) + rows_xml_after_header)


def _world_person(campaign, figure):
    values = {excel.HEADER_KIND: "Cá nhân", excel.HEADER_NAME: "Trần Thị Bích", excel.HEADER_GENDER: "Nữ",
              excel.HEADER_AWARD_FORM: "giay_khen_ca_nhan"}
    for metric in campaign.metrics:
        if "individual" in metric.get("nominee_kinds", ["individual"]):
            values[excel.metric_header(metric)] = figure
    return [values.get(h) for h in excel._columns(campaign.metrics)]


@pytest.mark.parametrize("kind", ["million", "empty_rows", "huge_figure", "nan_figure"])
def test_hostile_sheets_are_refused_through_the_api(client, world, place, kind):  # noqa: F811 - fixture
    campaign = world["campaign"]
    rows_xml = {
        "million": row(_world_person(campaign, 3), 1_048_576),
        "empty_rows": "<row/>" * 300_000,
        "huge_figure": row(_world_person(campaign, "#num:1e308")),
        "nan_figure": row(_world_person(campaign, "nan")),
    }[kind]
    content = _world_sheet(campaign, rows_xml)
    api = TokenClient(client, world["users"]["clerk"])
    before = _snapshot()
    started = time.perf_counter()
    response = api.post(f"/api/v1/dossiers/{place['dossier']}/nominees/import",
                        data={"file": (io.BytesIO(content), "danh_sach.xlsx")}, content_type="multipart/form-data")
    seconds = time.perf_counter() - started
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "import_failed" and _vietnamese(error["message"]) and "file" in error["fields"]
    assert seconds < 1, seconds
    assert _snapshot() == before


def test_an_import_is_one_audit_event_with_its_count(client, world, place):  # noqa: F811 - fixture
    campaign = world["campaign"]
    body = "".join(row([*_world_person(campaign, 3)[:1], f"Người số {i}", *_world_person(campaign, 3)[2:]])
                   for i in range(50))
    api = TokenClient(client, world["users"]["clerk"])
    response = api.post(f"/api/v1/dossiers/{place['dossier']}/nominees/import",
                        data={"file": (io.BytesIO(_world_sheet(campaign, body)), "danh_sach.xlsx")},
                        content_type="multipart/form-data")
    assert response.status_code == 201, response.get_json()
    added = response.get_json()
    assert len(added) == 50 and added[0]["full_name"] == "Người số 0"
    dossier = api.get(f"/api/v1/dossiers/{place['dossier']}").get_json()
    names = [n["full_name"] for n in dossier["nominees"]]
    assert len(names) == 53 and names[3:5] == ["Người số 0", "Người số 1"]
    from service.models import AuditEvent
    from service.db import db
    import sqlalchemy as sa
    events = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "nominee.import")).all()
    assert len(events) == 1 and events[0].changes["imported"]["new"] == 50


# --- campaign definition files: nothing expands, every failure is a 422 with its line ----------------------

from round_helpers import CAMPAIGNS_DIR  # noqa: E402

LONG_XUYEN = (CAMPAIGNS_DIR / "long-xuyen-9936-2024.yaml").read_text(encoding="utf-8")
_MERGE_BOMB = "a: &a {x: 1, y: 2}\n" + "".join(
    f"b{i}: &b{i}\n  <<: [*{'a' if i == 0 else f'b{i - 1}'}, *{'a' if i == 0 else f'b{i - 1}'}]\n  z{i}: {i}\n"
    for i in range(40))


def _line_of(text: str, fragment: str) -> int:
    return next(number for number, line in enumerate(text.splitlines(), start=1) if fragment in line)


@pytest.mark.parametrize("text, fragment, message", [
    pytest.param(LONG_XUYEN.replace("  date: 2024-11-15", "  date: 2024-02-30", 1), "date: 2024-02-30",
                 "không có thật", id="an impossible date"),
    pytest.param(LONG_XUYEN.replace("  date: 2024-11-15", "  date: 2023-02-29 08:00:00", 1), "2023-02-29",
                 "không có thật", id="an impossible timestamp"),
    pytest.param(LONG_XUYEN.replace("    min: 1", "    min: " + "9" * 5_000, 1), "9999999999",
                 "Số quá dài", id="a 5 000-digit integer"),
    pytest.param(LONG_XUYEN.replace("    min: 1", "    min: 1" + "0" * 4_000 + ".5", 1), "0000000000",
                 "Số quá dài", id="a 4 000-digit decimal"),
    pytest.param(LONG_XUYEN.replace("  date: 2024-11-15", "  date: 2024-11-15\x00", 1), "\x00",
                 "U+0000", id="a NUL byte"),
    pytest.param(LONG_XUYEN.replace("  date: 2024-11-15", "  date: \ufffe", 1), "\ufffe",
                 "U+FFFE", id="a noncharacter"),
    pytest.param(LONG_XUYEN.replace("  date: 2024-11-15", "  date: [2024, 11, 15]", 1), "date: [2024",
                 "ngày", id="a list for a date"),
    pytest.param(LONG_XUYEN.replace("  date: 2024-11-15", "  date: !!binary AAAA", 1), "!!binary",
                 "", id="a binary value"),
])
def test_a_definition_that_does_not_parse_is_a_422_with_its_line(client, world, text, fragment, message):
    api = TokenClient(client, world["users"]["admin"])
    before = _snapshot()
    response = api.post("/api/v1/admin/campaigns", data=text.encode("utf-8"),
                        headers={"Content-Type": "application/yaml"})
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_definition" and _vietnamese(error["message"])
    line = _line_of(text, fragment)
    assert any(e["line"] == line for e in error["details"]["errors"]), (line, error["details"])
    assert message in error["message"] or any(message in e["message"] for e in error["details"]["errors"]), error
    assert _snapshot() == before


@pytest.mark.parametrize("text", [
    pytest.param(_MERGE_BOMB, id="nested merge keys"),
    pytest.param("a: &a [x,x,x,x,x,x,x,x,x]\n" + "".join(
        f"{c}: &{c} [{','.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi")), id="billion laughs"),
])
def test_yaml_cannot_expand(client, world, text):
    api = TokenClient(client, world["users"]["admin"])
    started = time.perf_counter()
    response = api.post("/api/v1/admin/campaigns", data=text.encode("utf-8"),
                        headers={"Content-Type": "application/yaml"})
    assert response.status_code == 422 and time.perf_counter() - started < 3
    assert "giá trị" in response.get_json()["error"]["message"]


def test_the_error_list_is_capped_and_says_how_many_more():
    from service.campaigns.definition import MAX_PROBLEMS, DefinitionError, parse_definition

    text = "\n".join(f"k{i}: 1" for i in range(5_000))
    with pytest.raises(DefinitionError) as info:
        parse_definition(text)
    problems = info.value.problems
    assert len(problems) == MAX_PROBLEMS + 1 and info.value.total > 5_000
    assert problems[-1].message.startswith(f"Còn {info.value.total - MAX_PROBLEMS} lỗi khác")


def test_merge_keys_still_work():
    from service.campaigns.yaml_source import load_yaml_document

    document = load_yaml_document("base: &b {x: 1, y: 2}\nthing:\n  <<: *b\n  y: 3\n")
    assert document.data["thing"] == {"x": 1, "y": 3}


# --- Word templates: refused before anything is compiled or evaluated -------------------------------------

from pathlib import Path  # noqa: E402

BUILT_IN = Path(__file__).resolve().parents[1] / "templates_docx" / "to_trinh.docx"
_RELS = "word/_rels/document.xml.rels"


def _docx(body: tuple[str, str] | None = None, *, extra: dict[str, bytes] | None = None,
          rels: tuple[str, str] | None = None) -> bytes:
    """The built-in tờ trình with a piece of its body or of its relationships replaced, or members added."""
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(BUILT_IN.read_bytes())) as source, \
            zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            data = source.read(info.filename)
            for name, change in (("word/document.xml", body), (_RELS, rels)):
                if change and info.filename == name:
                    text = data.decode("utf-8")
                    assert change[0] in text
                    data = text.replace(change[0], change[1], 1).encode("utf-8")
            target.writestr(info, data)
        for name, data in (extra or {}).items():
            target.writestr(zipfile.ZipInfo(name), data)
    return out.getvalue()


_EXTERNAL_IMAGE = ('<Relationship Id="rId99" Type="http://schemas.openxmlformats.org/officeDocument/2006/'
                   'relationships/image" Target="http://203.0.113.7/logo.png" TargetMode="External"/>'
                   '</Relationships>')


@pytest.mark.parametrize("content, fragment", [
    pytest.param(_docx(("TỜ TRÌNH", "{{ 'a' * 1000000000 }}")), "phép nhân", id="a gigabyte string"),
    pytest.param(_docx(("TỜ TRÌNH", "{{ 'a' ~ 'b' }}")), "tính toán", id="a concatenation"),
    pytest.param(_docx(("TỜ TRÌNH", "{{ self }}")), "«self»", id="self"),
    pytest.param(_docx(("TỜ TRÌNH", "{{ self._TemplateReference__context }}")), "nội bộ", id="self internals"),
    pytest.param(_docx(("TỜ TRÌNH", "{{ unit.name|upper }}")), "bộ lọc", id="a filter when printing"),
    pytest.param(_docx(("TỜ TRÌNH", "{% set x = 1 %}")), "không được phép", id="set"),
    pytest.param(_docx(("TỜ TRÌNH", "{{ lipsum }}")), "«lipsum»", id="a Jinja global"),
    pytest.param(_docx(("TỜ TRÌNH", "{{ 'a' * 1000000000 ")), "cú pháp", id="an unfinished tag"),
    pytest.param(_docx(extra={"../../evil.xml": b"<x/>"}), "«..»", id="a member named with .."),
    pytest.param(_docx(extra={"/etc/evil.xml": b"<x/>"}), "tuyệt đối", id="an absolute member"),
    pytest.param(_docx(rels=("</Relationships>", _EXTERNAL_IMAGE)), "liên kết ra ngoài",
                 id="an external relationship"),
])
def test_hostile_templates_are_refused_at_once(client, world, content, fragment):
    api = TokenClient(client, world["users"]["admin"])
    before = _snapshot()
    started = time.perf_counter()
    response = api.put(f"/api/v1/admin/campaigns/{world['campaign'].id}/templates/to_trinh",
                       data={"file": (io.BytesIO(content), "mau.docx")}, content_type="multipart/form-data")
    seconds = time.perf_counter() - started
    assert response.status_code == 422, response.get_json()
    error = response.get_json()["error"]
    assert error["code"] == "invalid_template" and _vietnamese(error["message"])
    assert any(fragment in message for message in error["fields"]["file"]), error
    assert seconds < 2, seconds
    assert _snapshot() == before


def test_the_built_in_templates_still_pass_the_allow_list():
    from service.awards.custom_templates import _early_problems

    for path in sorted((BUILT_IN.parent).rglob("*.docx")):
        assert _early_problems(path.read_bytes()) == [], path.name
