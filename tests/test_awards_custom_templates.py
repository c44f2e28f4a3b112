"""Checks of a .docx template a unit uploads (service.awards.custom_templates)."""

import io
import zipfile

import docx
import pytest

from service.awards.custom_templates import check_uploaded_template
from service.documents import builders

CONTEXT = {"rows": [{"name": "A&B", "items": ["x"]}], "title": "Quyết định", "sections": [{"rows": ["a"]}]}
ALLOWED = {"rows", "title", "sections"}


def template(*paragraphs, header=None):
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def check(data, kind="quyet_dinh", context=CONTEXT, allowed=ALLOWED):
    return check_uploaded_template(kind, data, context, allowed)


def with_member(data, name, content):
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info, source.read(info.filename))
        target.writestr(name, content)
    return out.getvalue()


@pytest.mark.parametrize("kind", builders.DOCUMENT_KINDS)
def test_the_committed_dossier_templates_pass(kind):
    context = builders.build_context(kind, builders.sample_snapshot())
    assert check_uploaded_template(kind, builders.template_path(kind).read_bytes(), context, set(context)) == []


@pytest.mark.parametrize("kind", builders.CAMPAIGN_DOCUMENT_KINDS)
def test_the_committed_campaign_templates_pass(kind):
    context = builders.build_campaign_context(kind, builders.sample_campaign_snapshot())
    path = builders.campaign_template_path(kind)
    assert check_uploaded_template(kind, path.read_bytes(), context, None) == []


def test_a_simple_template_passes():
    data = template("{{ title }}", "{%p for row in rows %}", "{{ loop.index }}. {{ row.name }}",
                    "{%p endfor %}", "{% if rows|length > 1 %}nhiều{% else %}một{% endif %}")
    assert check(data) == []


def test_nested_loop_over_the_outer_item_passes():
    data = template("{% for s in sections %}{% for r in s.rows %}{{ r }}{% endfor %}{% endfor %}")
    assert check(data) == []


@pytest.mark.parametrize(
    "data, fragment",
    [
        (b"", "Không nhận được"),
        (b"plain text", "không phải là tệp Word .docx"),
        (b"PK\x03\x04 broken", "bị hỏng"),
        (b"PK\x03\x04" + b"\0" * (5 * 2**20), "quá lớn"),
    ],
)
def test_files_that_are_not_docx(data, fragment):
    problems = check(data)
    assert len(problems) == 1 and fragment in problems[0]


def test_a_zip_that_is_not_a_word_file():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<x/>")
        archive.writestr("xl/workbook.xml", "<x/>")
    assert check(out.getvalue()) == ["Tệp mẫu không phải là tệp Word .docx."]


def test_a_package_python_docx_cannot_open():
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", "not xml")
    problems = check(out.getvalue())
    assert problems == ["Tệp mẫu không mở được bằng trình đọc Word (tệp hỏng hoặc không phải văn bản Word)."]


def test_a_zip_bomb_is_refused_before_it_is_unpacked():
    data = with_member(template("{{ title }}"), "word/media/bomb.bin", b"\0" * (60 * 2**20))
    assert len(data) < 300_000
    problems = check(data)
    assert len(problems) == 1 and "giải nén bất thường" in problems[0]


def test_macros_are_refused():
    problems = check(with_member(template("{{ title }}"), "word/vbaProject.bin", b"macro"))
    assert len(problems) == 1 and "macro" in problems[0]


def test_sandbox_escape_is_refused():
    problems = check(template("{{ title }} {{ ''.__class__.__mro__ }}"))
    assert len(problems) == 1
    assert "thuộc tính nội bộ" in problems[0] and "không được phép" in problems[0]
    assert "phần thân văn bản" in problems[0]
    problems = check(template("{{ title['__class__'] }}"))
    assert len(problems) == 1 and "__class__" in problems[0]


@pytest.mark.parametrize(
    "source, fragment",
    [
        ("{{ title }}{{ range(10) }}", "gọi hàm"),
        ("{{ title.format(1) }}", "gọi hàm"),
        ("{{ title * 100000 }}", "phép nhân"),
        ("{{ title ** 2 }}", "phép nhân"),
        ("{{ title|center(40) }}", "bộ lọc «center»"),
        ("{{ title|safe }}", "bộ lọc «safe»"),
        ("{{ title }}{{ 99999999 }}", "số quá lớn"),
        ("{% macro m() %}{% endmacro %}{{ title }}", "macro"),
        ("{% include 'x' %}{{ title }}", "include"),
        ("{% for a in rows %}{% for b in rows %}{{ a }}{% endfor %}{% endfor %}", "Vòng lặp lồng nhau"),
        ("{% for a in rows recursive %}{{ a }}{% endfor %}", "đệ quy"),
        ("{% filter upper %}{{ title }}{% endfilter %}", "không được phép"),
    ],
)
def test_constructs_outside_the_allow_list_are_refused(source, fragment):
    problems = check(template(source))
    assert problems and any(fragment in problem for problem in problems), problems


def test_variables_outside_the_allowed_list_are_refused():
    problems = check(template("{{ title }} {{ password }}", header="{{ secret }}"))
    assert problems == [
        "Mẫu dùng biến «password» không có trong danh sách biến được phép của loại văn bản này.",
        "Mẫu dùng biến «secret» không có trong danh sách biến được phép của loại văn bản này.",
    ]


def test_problems_in_the_header_say_where():
    problems = check(template("{{ title }}", header="{{ title|center(9) }}"))
    assert problems == ["Mẫu dùng bộ lọc «center» không được phép (ở phần đầu trang)."]


def test_a_template_that_fails_on_the_sample_is_refused():
    problems = check(template("{% for row in rows %}{{ row.birthday }}{% endfor %}"))
    assert len(problems) == 1
    assert problems[0].startswith("Không tạo được văn bản mẫu từ dữ liệu thử")


def test_syntax_errors_are_reported():
    problems = check(template("{{ title "))
    assert len(problems) == 1 and "cú pháp" in problems[0]


def test_a_template_without_variables_is_refused():
    assert check(template("Chỉ có chữ.")) == [
        "Mẫu không dùng biến nào: văn bản tạo ra sẽ không có dữ liệu của hồ sơ."]


def test_certificates_must_loop_over_the_awardees():
    context = builders.build_campaign_context("certificates", builders.sample_campaign_snapshot())
    problems = check_uploaded_template("certificates", template("{% if certificates|length > 0 %}có{% endif %}"), context, None)
    assert problems == []
    problems = check_uploaded_template("certificates", template("{{ title }}"), {"title": "x"}, {"title"})
    assert problems == ["Mẫu giấy khen phải lặp qua biến «certificates» để in mỗi người một trang."]


def test_unknown_kind_is_refused():
    assert check(template("{{ title }}"), kind="thu_moi") == ["Loại văn bản không hợp lệ: 'thu_moi'."]
