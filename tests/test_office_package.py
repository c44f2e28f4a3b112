"""The one check of uploaded Office packages (service.office_package), and how each upload words it."""
from __future__ import annotations

import io
import zipfile

import docx
import pytest

from service import office_package
from service.awards import excel
from service.awards.custom_templates import check_uploaded_template


def zip_of(members: dict[str, bytes | str]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return out.getvalue()


def word_file() -> bytes:
    out = io.BytesIO()
    document = docx.Document()
    document.add_paragraph("{{ title }}")
    document.save(out)
    return out.getvalue()


@pytest.mark.parametrize(
    "data, expected, problem",
    [
        (None, office_package.DOCX, "missing"),
        (b"", office_package.XLSX, "empty"),
        (b"PK\x03\x04" + b"\0" * (5 * 2**20), office_package.DOCX, "too_large"),
        (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, office_package.XLSX, "not_zip"),
        (b"PK\x03\x04 broken", office_package.DOCX, "damaged"),
        (zip_of({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}), office_package.XLSX, "not_this_format"),
        (zip_of({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>", "xl/vbaProject.bin": b"m"}),
         office_package.XLSX, "macro"),
        (zip_of({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"}), office_package.XLSX, None),
    ],
)
def test_the_first_problem_is_named(data, expected, problem):
    assert office_package.package_problem(data, expected) == problem


def test_members_and_unpacked_size_are_bounded():
    many = zip_of({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>",
                   **{f"word/media/{i}.txt": "x" for i in range(office_package.MAX_MEMBERS)}})
    assert office_package.package_problem(many, office_package.DOCX) == "unpacks_too_large"
    big = zip_of({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>", "word/media/a.bin": b"\0" * 2**20})
    assert office_package.package_problem(big, office_package.DOCX, max_unpacked=2**20) == "unpacks_too_large"


def test_a_member_that_unpacks_hundreds_of_times_its_size_is_a_bomb():
    # 8 MiB of one byte packs to a few kilobytes: under the total limit, but no Office part looks like it.
    data = zip_of({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>", "xl/media/filler.bin": b"\0" * 8 * 2**20})
    assert len(data) < 100_000
    assert office_package.package_problem(data, office_package.XLSX) == "unpacks_too_large"
    rows, errors = excel.parse_nominees(data, [], [])
    assert rows == [] and errors[0]["message"] == (
        "Tệp có dung lượng giải nén bất thường (nghi tệp độc hại), không xử lý.")


def test_real_office_files_pass():
    assert office_package.package_problem(word_file(), office_package.DOCX) is None
    template = excel.nominee_template([{"code": "n", "label": "Số người", "kind": "count"}], [])
    assert office_package.package_problem(template, office_package.XLSX) is None


def test_each_upload_keeps_its_own_words():
    not_word = zip_of({"[Content_Types].xml": "<x/>", "xl/workbook.xml": "<x/>"})
    assert check_uploaded_template("quyet_dinh", not_word, {}, None) == ["Tệp mẫu không phải là tệp Word .docx."]
    rows, errors = excel.parse_nominees(zip_of({"[Content_Types].xml": "<x/>", "word/document.xml": "<x/>"}), [], [])
    assert [e["message"] for e in errors] == ["Tệp không phải là tệp Excel .xlsx."]
