"""Templates, builders and rendering engine (service.documents)."""

import copy
import io
import json
import threading
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate
from lxml import etree

from conftest import docxtpl_render
from service.documents import builders, engine
from service.documents.engine import TemplateRenderError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "templates_docx" / "samples"
KINDS = builders.DOCUMENT_KINDS
FONT = "Times New Roman"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TRICKY = "Công ty A&B <Chi nhánh 1>"


# --- helpers ---------------------------------------------------------------

def sample_context(kind):
    return json.loads((SAMPLES / f"{kind}.json").read_text(encoding="utf-8"))


def paragraph_text(p):
    """Text of a w:p with line breaks as "\\n" and tabs as "\\t"."""
    parts = []
    for node in p.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.tag == qn("w:br"):
            parts.append("\n")
        else:
            parts.append("\t")
    return "".join(parts)


def all_paragraphs(document):
    """Every paragraph of the body, tables included, in document order."""
    return list(document.element.body.iter(qn("w:p")))


def texts(document):
    return [paragraph_text(p) for p in all_paragraphs(document)]


def document_text(data):
    """Body and header text of a .docx, one line per paragraph."""
    document = docx.Document(io.BytesIO(data))
    lines = texts(document)
    for section in document.sections:
        for header in (section.header, section.first_page_header):
            lines += [paragraph_text(p) for p in header._element.iter(qn("w:p"))]
    return "\n".join(lines)


def find_paragraph(document, text):
    for p in all_paragraphs(document):
        if paragraph_text(p) == text:
            return p
    raise AssertionError(f"no paragraph reads {text!r}")


def runs_are(document, p, prop):
    """Whether every run with text in the paragraph has the property on (directly or by style)."""
    paragraph = docx.text.paragraph.Paragraph(p, document._body)
    runs = [r for r in paragraph.runs if r.text]
    assert runs
    for run in runs:
        value = getattr(run.font, prop)
        if value is None:
            style = paragraph.style
            while value is None and style is not None:
                value = getattr(style.font, prop)
                style = style.base_style
        if not value:
            return False
    return True


def cell_texts(table):
    return [[paragraph_text(p) for p in tc.iter(qn("w:p"))] for tc in table.iter(qn("w:tc"))]


def rows_of(table):
    return [["\n".join(paragraph_text(p) for p in tc.iter(qn("w:p"))) for tc in tr.findall(qn("w:tc"))]
            for tr in table.findall(qn("w:tr"))]


def data_table(document):
    """The bordered table (the list or the vote results)."""
    for table in document.element.body.iter(qn("w:tbl")):
        borders = table.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
        if borders is not None and borders.find(qn("w:top")).get(qn("w:val")) == "single":
            return table
    raise AssertionError("no bordered table")


def make_template(*paragraphs, header=None):
    """A small .docx template made with python-docx."""
    document = docx.Document()
    for text in paragraphs:
        document.add_paragraph(text)
    if header:
        document.sections[0].header.paragraphs[0].text = header
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


@pytest.fixture(scope="module")
def rendered():
    return {kind: engine.render_docx(builders.template_path(kind), sample_context(kind)) for kind in KINDS}


@pytest.fixture(scope="module")
def opened(rendered):
    return {kind: docx.Document(io.BytesIO(data)) for kind, data in rendered.items()}


# --- samples and variables ---------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_template_uses_only_variables_of_the_sample(kind):
    variables = engine.template_variables(builders.template_path(kind))
    assert variables, "the template has no variables at all"
    assert variables <= set(sample_context(kind))


@pytest.mark.parametrize("kind", KINDS)
def test_samples_are_what_the_builders_make(kind):
    assert builders.build_context(kind, builders.sample_snapshot()) == sample_context(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_context_holds_only_strings(kind):
    def check(value):
        if isinstance(value, dict):
            for key, item in value.items():
                assert isinstance(key, str)
                check(item)
        elif isinstance(value, list):
            for item in value:
                check(item)
        else:
            assert isinstance(value, str), value
            assert unicodedata.is_normalized("NFC", value)

    check(builders.build_context(kind, builders.sample_snapshot()))


@pytest.mark.parametrize("kind", KINDS)
def test_check_template_accepts_the_committed_templates(kind):
    path = builders.template_path(kind)
    assert engine.check_template(path.read_bytes(), sample_context(kind)) == []


def test_check_template_reports_problems():
    context = sample_context("to_trinh")
    del context["subject"]
    problems = engine.check_template(builders.template_path("to_trinh").read_bytes(), context)
    assert len(problems) == 1 and "subject" in problems[0]
    assert engine.check_template(b"not a docx", {}) != []
    assert engine.check_template(make_template("{{ x.y }}"), {"x": {}}) != []


# --- page and fonts (Decree 30/2020 Annex I) ---------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_page_is_a4_with_decree_margins(opened, kind):
    section = opened[kind].sections[0]
    size = sorted([section.page_width, section.page_height])
    assert abs(size[0] - Mm(210)) < Mm(0.5) and abs(size[1] - Mm(297)) < Mm(0.5)
    if kind == "danh_sach":
        assert section.page_width > section.page_height  # landscape for the wide table
    else:
        assert section.page_width < section.page_height
    assert abs(section.top_margin - Mm(20)) < Mm(0.5)
    assert abs(section.bottom_margin - Mm(20)) < Mm(0.5)
    assert abs(section.left_margin - Mm(30)) < Mm(0.5)
    assert abs(section.right_margin - Mm(15)) < Mm(0.5)


@pytest.mark.parametrize("kind", KINDS)
def test_times_new_roman_black_everywhere(rendered, kind):
    with zipfile.ZipFile(io.BytesIO(rendered[kind])) as archive:
        styles = etree.fromstring(archive.read("word/styles.xml"))
        body = etree.fromstring(archive.read("word/document.xml"))
    defaults = styles.find(f"{qn('w:docDefaults')}/{qn('w:rPrDefault')}/{qn('w:rPr')}/{qn('w:rFonts')}")
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        assert defaults.get(qn(attr)) == FONT
    for tree in (styles, body):
        for fonts in tree.iter(qn("w:rFonts")):
            assert not any("Theme" in key or "theme" in key for key in fonts.keys())
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                assert fonts.get(qn(attr)) in (None, FONT)
        for color in tree.iter(qn("w:color")):
            assert color.get(qn("w:val")) in ("000000", "auto")


@pytest.mark.parametrize("kind", KINDS)
def test_page_numbers_in_header_but_not_on_first_page(opened, kind):
    section = opened[kind].sections[0]
    assert section.different_first_page_header_footer
    header = section.header._element
    instructions = "".join(node.text for node in header.iter(qn("w:instrText")))
    assert "PAGE" in instructions
    assert header.find(f".//{qn('w:jc')}").get(qn("w:val")) == "center"
    first = section.first_page_header._element
    assert not list(first.iter(qn("w:instrText")))


# --- header block ------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_national_name_and_motto_are_bold(opened, kind):
    document = opened[kind]
    for text in (NATIONAL_NAME, MOTTO):
        assert runs_are(document, find_paragraph(document, text), "bold")


@pytest.mark.parametrize(
    "kind, managing, issuing",
    [
        ("to_trinh", "UBND THÀNH PHỐ LONG XUYÊN", "ỦY BAN NHÂN DÂN\nPHƯỜNG MỸ BÌNH"),
        ("danh_sach", "UBND THÀNH PHỐ LONG XUYÊN", "ỦY BAN NHÂN DÂN\nPHƯỜNG MỸ BÌNH"),
        ("bien_ban", "UBND PHƯỜNG MỸ BÌNH", "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG"),
    ],
)
def test_issuing_body_block(opened, kind, managing, issuing):
    document = opened[kind]
    assert not runs_are(document, find_paragraph(document, managing), "bold")
    assert runs_are(document, find_paragraph(document, issuing), "bold")


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Ủy ban nhân dân xã Mỹ Hòa Hưng", "ỦY BAN NHÂN DÂN\nXÃ MỸ HÒA HƯNG"),
        ("Phòng Lao động - Thương binh và Xã hội thành phố Long Xuyên",
         "PHÒNG LAO ĐỘNG -\nTHƯƠNG BINH VÀ XÃ HỘI\nTHÀNH PHỐ LONG XUYÊN"),
        # Too wide for one line of the header block even after the place:
        # even lines, the first ending at the hyphen between the two names.
        ("Ủy ban nhân dân phường Nguyễn Thái Bình - Bến Thành mới",
         "ỦY BAN NHÂN DÂN\nPHƯỜNG NGUYỄN THÁI BÌNH -\nBẾN THÀNH MỚI"),
        ("Bảo hiểm xã hội tỉnh An Giang", "BẢO HIỂM XÃ HỘI\nTỈNH AN GIANG"),
        ("Trường Tiểu học Mỹ Bình", "TRƯỜNG TIỂU HỌC MỸ BÌNH"),
    ],
)
def test_long_issuing_bodies_break_before_the_place(name, expected):
    snapshot = builders.sample_snapshot()
    snapshot["unit"]["issuing_body"] = name
    assert builders.build_context("to_trinh", snapshot)["issuer"]["issuing_body"] == expected


def test_managing_body_line_is_left_out_when_empty():
    context = sample_context("to_trinh")
    context["issuer"]["managing_body"] = ""
    document = docx.Document(io.BytesIO(engine.render_docx(builders.template_path("to_trinh"), context)))
    header = document.tables[0]
    assert [paragraph_text(p) for p in header.rows[0].cells[0]._tc.iter(qn("w:p"))][0] == (
        "ỦY BAN NHÂN DÂN\nPHƯỜNG MỸ BÌNH"
    )


def test_number_lines(opened):
    assert "Số: 05/TTr-UBND" in texts(opened["to_trinh"])
    assert "Số: 02/BB-HĐTĐKT" in texts(opened["bien_ban"])
    assert not any(t.startswith("Số:") for t in texts(opened["danh_sach"]))


def test_blank_number_for_the_records_clerk():
    snapshot = builders.sample_snapshot()
    snapshot["dossier"]["to_trinh_number"] = None
    assert builders.build_context("to_trinh", snapshot)["number_line"] == "Số:       /TTr-UBND"
    line = builders.build_context("danh_sach", snapshot)["attachment_line"]
    assert line.startswith("(Kèm theo Tờ trình số       /TTr-UBND ngày 02 tháng 12 năm 2024")


def test_place_and_date_line_is_italic(opened):
    p = find_paragraph(opened["to_trinh"], "Mỹ Bình, ngày 02 tháng 12 năm 2024")
    assert runs_are(opened["to_trinh"], p, "italic")


def test_minutes_have_no_place_and_date_line(opened):
    # Decree 30/2020 Annex III, model 1.9.
    assert not any(", ngày " in t and t.startswith("Mỹ Bình") for t in texts(opened["bien_ban"]))


# --- content -----------------------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_text_is_nfc(rendered, kind):
    text = document_text(rendered[kind])
    assert unicodedata.is_normalized("NFC", text)


@pytest.mark.parametrize("kind", ["bien_ban", "danh_sach"])
def test_special_characters_come_out_exactly(opened, kind):
    found = [t for t in texts(opened[kind]) if "A&B" in t]
    assert found
    for text in found:
        assert TRICKY in text
    assert "&amp;" not in "".join(texts(opened[kind]))


def test_tricky_name_in_the_list_cell(opened):
    assert any(len(row) > 1 and TRICKY == row[1] for row in rows_of(data_table(opened["danh_sach"])))


def test_to_trinh_content(opened):
    lines = texts(opened["to_trinh"])
    assert "TỜ TRÌNH" in lines
    subject = "Về việc đề nghị tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên"
    assert runs_are(opened["to_trinh"], find_paragraph(opened["to_trinh"], subject), "bold")
    assert "- Ủy ban nhân dân thành phố Long Xuyên;" in lines
    assert "- Phòng Y tế thành phố Long Xuyên." in lines
    bases = [t for t in lines if t.startswith("Căn cứ")]
    assert bases[0].startswith("Căn cứ Kế hoạch số 9936/KH-UBND ngày 15/11/2024 của Ủy ban nhân dân "
                               "thành phố Long Xuyên về đợt cao điểm")
    assert bases[0].endswith(";") and bases[-1].endswith(".")
    assert bases[1] == "Căn cứ Biên bản họp Hội đồng Thi đua - Khen thưởng phường Mỹ Bình ngày 02/12/2024."
    for basis in bases:
        assert runs_are(opened["to_trinh"], find_paragraph(opened["to_trinh"], basis), "italic")
    body = "\n".join(lines)
    assert "02 tập thể và 06 cá nhân" in body
    assert "(có danh sách kèm theo)" in body
    assert "Kính trình Ủy ban nhân dân thành phố Long Xuyên xem xét, quyết định./." in lines


def test_body_paragraph_format(opened):
    p = find_paragraph(opened["to_trinh"], "Kính trình Ủy ban nhân dân thành phố Long Xuyên xem xét, quyết định./.")
    style_id = p.pPr.pStyle.val
    style = next(s for s in opened["to_trinh"].styles if s.style_id == style_id)
    assert style.paragraph_format.alignment == docx.enum.text.WD_ALIGN_PARAGRAPH.JUSTIFY
    assert abs(style.paragraph_format.first_line_indent - docx.shared.Cm(1.27)) < docx.shared.Cm(0.01)
    assert style.paragraph_format.space_after == docx.shared.Pt(6)
    assert style.font.size == docx.shared.Pt(14)


def test_one_recipient_stays_on_the_line():
    snapshot = builders.sample_snapshot()
    snapshot["dossier"]["recipients"] = ["Ủy ban nhân dân thành phố Long Xuyên"]
    context = builders.build_context("to_trinh", snapshot)
    assert context["recipient_lines"] == ["Ủy ban nhân dân thành phố Long Xuyên."]
    document = docx.Document(io.BytesIO(engine.render_docx(builders.template_path("to_trinh"), context)))
    kinh_gui = next(t for t in document.tables if "Kính gửi:" in cell_texts(t._tbl)[0])
    assert rows_of(kinh_gui._tbl) == [["Kính gửi:", "Ủy ban nhân dân thành phố Long Xuyên."]]


@pytest.mark.parametrize(
    "kind, title, name",
    [("to_trinh", "CHỦ TỊCH", "Nguyễn Văn Tâm"), ("danh_sach", "CHỦ TỊCH", "Nguyễn Văn Tâm")],
)
def test_signature_block(opened, kind, title, name):
    document = opened[kind]
    for text in ("TM. ỦY BAN NHÂN DÂN", title, name):
        assert runs_are(document, find_paragraph(document, text), "bold")


def test_distribution_list(opened):
    document = opened["to_trinh"]
    p = find_paragraph(document, "Nơi nhận:")
    assert runs_are(document, p, "bold") and runs_are(document, p, "italic")
    lines = texts(document)
    assert "- Như trên;" in lines and "- Lưu: VT, HĐTĐKT." in lines


def test_signature_authority_line_is_optional():
    context = sample_context("to_trinh")
    context["signer"]["authority"] = ""
    lines = texts(docx.Document(io.BytesIO(engine.render_docx(builders.template_path("to_trinh"), context))))
    assert "TM. ỦY BAN NHÂN DÂN" not in lines and "CHỦ TỊCH" in lines


def test_list_sections_and_order(opened):
    document = opened["danh_sach"]
    lines = texts(document)
    assert "DANH SÁCH" in lines
    assert "Đề nghị tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên" in lines
    attachment = ("(Kèm theo Tờ trình số 05/TTr-UBND ngày 02 tháng 12 năm 2024 "
                  "của Ủy ban nhân dân phường Mỹ Bình)")
    assert runs_are(document, find_paragraph(document, attachment), "italic")
    rows = rows_of(data_table(document))
    assert rows[0] == ["STT", "Họ và tên (Tên tập thể)", "Chức vụ, đơn vị công tác",
                       "Tóm tắt thành tích", "Ghi chú"]
    assert rows[1] == ["I. TẬP THỂ"]
    assert [r[:2] for r in rows[2:4]] == [["1", TRICKY], ["2", "Trạm Y tế phường Mỹ Bình"]]
    assert rows[4] == ["II. CÁ NHÂN"]
    assert [r[:2] for r in rows[5:]] == [
        ["1", "Bà Đỗ Thị An"],
        ["2", "Ông Nguyễn Văn An"],
        ["3", "Bà Trần Thị Bình"],
        ["4", "Ông Lê Văn Dũng"],
        ["5", "Ông Phạm Minh Đức"],
        ["6", "Bà Huỳnh Thị Uyên"],
    ]
    heading = find_paragraph(document, "II. CÁ NHÂN")
    assert runs_are(document, heading, "bold")
    # Nominees the council turned down are not proposed.
    text = "\n".join(lines)
    assert "Võ Thị Ánh" not in text and "Đông Thạnh" not in text
    assert "Tổng cộng: 02 tập thể và 06 cá nhân./." in lines


def test_list_row_cells(opened):
    rows = rows_of(data_table(opened["danh_sach"]))
    rows = [r for r in rows if len(r) > 1]
    an = next(r for r in rows if r[1] == "Ông Nguyễn Văn An")
    assert an[2] == "Công chức Văn phòng - Thống kê, UBND phường Mỹ Bình"
    assert an[3] == (
        "Vận động được 05 người thân tham gia bảo hiểm xã hội tự nguyện.\n"
        "Hoàn thành xuất sắc nhiệm vụ được giao.\n"
        "Số người thân được vận động tham gia BHXH tự nguyện: 5 người"
    )
    tram = next(r for r in rows if r[1] == "Trạm Y tế phường Mỹ Bình")
    assert "Tỷ lệ CBCC vận động người thân tham gia BHXH tự nguyện: 62,5%" in tram[3]
    assert "Tỷ lệ CBCC có người thân tham gia BHYT: 100%" in tram[3]


def test_newline_in_summary_becomes_a_line_break(rendered):
    with zipfile.ZipFile(io.BytesIO(rendered["danh_sach"])) as archive:
        body = etree.fromstring(archive.read("word/document.xml"))
    cell = next(tc for tc in body.iter(qn("w:tc"))
                if paragraph_text(tc).startswith("Vận động được 05 người thân"))
    assert len(list(cell.iter(qn("w:br")))) == 2
    assert len(list(cell.iter(qn("w:p")))) == 1  # breaks inside one paragraph, not new ones
    assert not any("\n" in (t.text or "") for t in cell.iter(qn("w:t")))


def test_unvoted_nominees_are_all_listed():
    snapshot = builders.sample_snapshot()
    for nominee in snapshot["nominees"]:
        nominee["passed"] = None
    context = builders.build_context("danh_sach", snapshot)
    assert sum(len(s["rows"]) for s in context["sections"]) == len(snapshot["nominees"])
    assert builders.build_context("to_trinh", snapshot)["proposal_counts"] == "03 tập thể và 07 cá nhân"


def test_list_without_collectives_numbers_its_only_section():
    snapshot = builders.sample_snapshot()
    snapshot["nominees"] = [n for n in snapshot["nominees"] if n["kind"] == "individual"]
    context = builders.build_context("danh_sach", snapshot)
    assert [s["heading"] for s in context["sections"]] == ["I. CÁ NHÂN"]
    assert builders.build_context("to_trinh", snapshot)["proposal_counts"] == "06 cá nhân"


def test_bien_ban_content(opened):
    lines = texts(opened["bien_ban"])
    assert "BIÊN BẢN" in lines
    assert "Thời gian bắt đầu: 08 giờ 00 phút, ngày 02 tháng 12 năm 2024." in lines
    assert "Địa điểm: Hội trường Ủy ban nhân dân phường Mỹ Bình." in lines
    assert ("Thành phần tham dự: có mặt 07/09 thành viên Hội đồng Thi đua - Khen thưởng phường Mỹ Bình."
            in lines)
    assert "- Lê Hoàng Phúc, lý do: đi công tác; ý kiến bằng văn bản: thống nhất với danh sách đề nghị khen thưởng;" in lines
    assert "- Ngô Thị Hạnh, lý do: nghỉ phép; không có ý kiến bằng văn bản." in lines
    assert "Chủ tọa: Ông Nguyễn Văn Tâm, Chủ tịch Ủy ban nhân dân phường, Chủ tịch Hội đồng." in lines
    assert "Thư ký: Bà Trần Thị Mai, Công chức Văn hóa - Xã hội, Thư ký Hội đồng." in lines
    assert "3. Hình thức biểu quyết: giơ tay." in lines
    assert "Cuộc họp kết thúc vào lúc 10 giờ 30 phút cùng ngày." in lines
    assert "- " + TRICKY + ";" in lines
    assert "- Bà Huỳnh Thị Uyên." in lines
    assert "- Bà Võ Thị Ánh;" not in lines


def test_vote_table(opened):
    rows = rows_of(data_table(opened["bien_ban"]))
    assert rows[0] == ["STT", "Họ và tên (Tên tập thể)", "Hình thức đề nghị",
                       "Số phiếu đồng ý / tổng số thành viên", "Tỷ lệ (%)", "Kết quả"]
    assert rows[1] == ["I. TẬP THỂ"]
    assert rows[2] == ["1", "Ban Điều hành khóm Đông Thạnh", "Giấy khen", "03/09", "33,33", "Không đạt"]
    assert rows[3] == ["2", TRICKY, "Giấy khen", "06/09", "66,67", "Đạt"]
    assert rows[5] == ["II. CÁ NHÂN"]
    by_name = {r[1]: r for r in rows if len(r) == 6}
    assert by_name["Ông Nguyễn Văn An"] == ["2", "Ông Nguyễn Văn An", "Giấy khen", "07/09", "77,78", "Đạt"]
    assert by_name["Bà Võ Thị Ánh"][3:] == ["04/09", "44,44", "Không đạt"]
    assert [r[1] for r in rows[6:]] == [
        "Bà Đỗ Thị An", "Ông Nguyễn Văn An", "Bà Võ Thị Ánh", "Bà Trần Thị Bình",
        "Ông Lê Văn Dũng", "Ông Phạm Minh Đức", "Bà Huỳnh Thị Uyên",
    ]


def test_bien_ban_signatures(opened):
    document = opened["bien_ban"]
    signatures = document.tables[-1]
    left, right = signatures.rows[0].cells
    left_lines = [t for t in (paragraph_text(p) for p in left._tc.iter(qn("w:p"))) if t]
    right_lines = [t for t in (paragraph_text(p) for p in right._tc.iter(qn("w:p"))) if t]
    assert left_lines == ["THƯ KÝ", "Trần Thị Mai"]
    assert right_lines == ["CHỦ TỌA", "Nguyễn Văn Tâm"]
    for text in ("THƯ KÝ", "CHỦ TỌA", "Trần Thị Mai", "Nguyễn Văn Tâm"):
        assert runs_are(document, find_paragraph(document, text), "bold")


def test_bien_ban_before_the_meeting_is_a_form_to_fill_in():
    snapshot = builders.sample_snapshot()
    snapshot["meeting"] = None
    context = builders.build_context("bien_ban", snapshot)
    assert context["place"].startswith("....") and context["chair"].startswith("....")
    rows = [row for section in context["vote_sections"] for row in section["rows"]]
    assert len(rows) == len(snapshot["nominees"]) and all(row["votes"] == "" for row in rows)
    document = docx.Document(io.BytesIO(engine.render_docx(builders.template_path("bien_ban"), context)))
    assert "Công ty A&B <Chi nhánh 1>" in "\n".join(c.text for t in document.tables for r in t.rows for c in r.cells)
    # The tờ trình then cites only the plan.
    context = builders.build_context("to_trinh", snapshot)
    assert len(context["legal_bases"]) == 1 and context["legal_bases"][0].endswith(".")


def test_meeting_that_ends_another_day_and_secret_ballot():
    snapshot = builders.sample_snapshot()
    snapshot["meeting"]["ended_at"] = snapshot["meeting"]["started_at"].replace(day=3, hour=9)
    snapshot["meeting"]["voting_method"] = "secret_ballot"
    context = builders.build_context("bien_ban", snapshot)
    assert context["end_time"] == "09 giờ 00 phút, ngày 03 tháng 12 năm 2024"
    assert context["voting_method"] == "bỏ phiếu kín"


def test_unknown_kind_is_refused():
    with pytest.raises(builders.DocumentDataError):
        builders.build_context("quyet_dinh", builders.sample_snapshot())


def test_nothing_to_propose_is_refused():
    snapshot = builders.sample_snapshot()
    for nominee in snapshot["nominees"]:
        nominee["passed"] = False
    with pytest.raises(builders.DocumentDataError):
        builders.build_context("to_trinh", snapshot)
    context = builders.build_context("bien_ban", snapshot)
    assert context["passed_lines"] == []
    assert context["conclusion"] == "Không có tập thể, cá nhân nào đạt số phiếu đồng ý theo quy định."


@pytest.mark.parametrize("kind", KINDS)
def test_every_kind_renders_from_the_sample_snapshot(kind):
    data = builders.render_document(kind, builders.sample_snapshot())
    document = docx.Document(io.BytesIO(data))
    assert NATIONAL_NAME in texts(document)


def test_file_names_and_titles():
    assert builders.DOCUMENT_FILE_NAMES == {
        "bien_ban": "bien_ban.docx", "to_trinh": "to_trinh.docx", "danh_sach": "danh_sach.docx",
    }
    assert set(builders.DOCUMENT_TITLES) == set(KINDS)
    for kind in KINDS:
        assert builders.template_path(kind).is_file()


# --- engine: equality with docxtpl --------------------------------------------

def canonical_parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: etree.tostring(etree.fromstring(archive.read(name)), method="c14n")
            for name in archive.namelist()
            if name.endswith(".xml") and name != "docProps/core.xml"
        }


@pytest.mark.parametrize("kind", KINDS)
def test_engine_equals_docxtpl(rendered, kind):
    path = builders.template_path(kind)
    expected = docxtpl_render(str(path), sample_context(kind))
    assert document_text(rendered[kind]) == document_text(expected)
    assert canonical_parts(rendered[kind]) == canonical_parts(expected)


def test_engine_equals_docxtpl_with_control_characters():
    context = sample_context("danh_sach")
    row = context["sections"][1]["rows"][0]
    row["summary"] = "tab\there\nbreak\fpage\x07paragraph"
    row["note"] = "quote ' and \" and < & >"
    path = builders.template_path("danh_sach")
    ours = engine.render_docx(path, context)
    theirs = docxtpl_render(str(path), context)
    assert canonical_parts(ours) == canonical_parts(theirs)
    text = document_text(ours)
    assert "tab\there\nbreak" in text and "\npage\nparagraph" in text
    assert "quote ' and \" and < & >" in text


def test_characters_xml_forbids_are_dropped():
    # docxtpl leaves them to lxml's recovering parser, which drops them but
    # may lose escaped text after them too; the engine drops them first.
    context = sample_context("danh_sach")
    row = context["sections"][1]["rows"][0]
    row["summary"] = "a\x01b\x1fc"
    row["note"] = "< & >"
    ours = engine.render_docx(builders.template_path("danh_sach"), context)
    text = document_text(ours)
    assert "abc" in text and "< & >" in text


def test_resolver_matches_docxtpl():
    xml = (
        '<w:body><w:p><w:pPr><w:jc w:val="left"/></w:pPr><w:r><w:rPr><w:b/></w:rPr>'
        '<w:t xml:space="preserve">a\tb\nc\x07d\x0ce</w:t></w:r><w:r><w:t>plain</w:t></w:r></w:p>'
        '<w:p w:rsidR="1"><w:r><w:t>x\ny</w:t></w:r></w:p><w:p/></w:body>'
    )
    assert engine.resolve_layout_characters(xml) == DocxTemplate(io.BytesIO()).resolve_listing(xml)


def test_table_repair_path_matches_docxtpl():
    # Column loops ({%tc %}) change a table's cell count: docxtpl repairs the
    # grid afterwards, and so must the engine.
    document = docx.Document()
    table = document.add_table(rows=1, cols=3)
    for cell, text in zip(table.rows[0].cells, ["{%tc for c in cols %}", "{{ c }}", "{%tc endfor %}"]):
        cell.text = text
    out = io.BytesIO()
    document.save(out)
    context = {"cols": ["A&B", "x", "y", "z"]}
    ours = engine.render_docx(out.getvalue(), context)
    assert canonical_parts(ours) == canonical_parts(docxtpl_render(out.getvalue(), context))
    grid = docx.Document(io.BytesIO(ours)).tables[0]._tbl.tblGrid
    assert len(grid.findall(qn("w:gridCol"))) == 4


def test_block_tag_cutting_through_paragraphs_matches_docxtpl():
    # A plain {% if %} in one paragraph and its {% endif %} in another leave
    # broken XML when false; docxtpl's recovering parse repairs it, and the
    # engine falls back to the same treatment.
    template = make_template("before {% if show %}", "middle", "{% endif %} after")
    for show in (True, False):
        ours = engine.render_docx(template, {"show": show})
        assert canonical_parts(ours) == canonical_parts(docxtpl_render(template, {"show": show}))
        docx.Document(io.BytesIO(ours))


def test_headers_are_rendered():
    template = make_template("body {{ a }}", header="header {{ b }}")
    ours = engine.render_docx(template, {"a": "1", "b": "A&B <2>"})
    assert "header A&B <2>" in document_text(ours)
    assert engine.template_variables(template) == {"a", "b"}
    assert canonical_parts(ours) == canonical_parts(docxtpl_render(template, {"a": "1", "b": "A&B <2>"}))


def test_other_parts_are_copied_byte_for_byte(rendered):
    original = zipfile.ZipFile(builders.template_path("to_trinh"))
    output = zipfile.ZipFile(io.BytesIO(rendered["to_trinh"]))
    assert original.namelist() == output.namelist()
    assert output.testzip() is None
    for name in original.namelist():
        if name not in ("word/document.xml",):
            assert original.read(name) == output.read(name), name


# --- engine: safety ------------------------------------------------------------

def test_sandbox_blocks_internals():
    template = make_template("{{ ''.__class__.__mro__ }}")
    with pytest.raises(TemplateRenderError) as caught:
        engine.render_docx(template, {})
    assert "không được phép" in str(caught.value)


def test_missing_variable_is_an_error():
    context = sample_context("to_trinh")
    del context["place_date"]
    with pytest.raises(TemplateRenderError) as caught:
        engine.render_docx(builders.template_path("to_trinh"), context)
    assert "place_date" in str(caught.value)
    assert "Thiếu dữ liệu" in str(caught.value)


def test_missing_nested_variable_is_an_error():
    context = sample_context("to_trinh")
    del context["signer"]["name"]
    with pytest.raises(TemplateRenderError):
        engine.render_docx(builders.template_path("to_trinh"), context)


def test_syntax_error_is_reported():
    with pytest.raises(TemplateRenderError) as caught:
        engine.render_docx(make_template("{{ unclosed "), {})
    assert "cú pháp" in str(caught.value)


def test_not_a_docx_is_reported():
    with pytest.raises(TemplateRenderError):
        engine.render_docx(b"PK\x03\x04 broken", {})
    with pytest.raises(TemplateRenderError):
        engine.render_docx(ROOT / "templates_docx" / "nonexistent.docx", {})


def test_values_that_look_like_tags_are_text():
    template = make_template("{{ a }}")
    ours = engine.render_docx(template, {"a": "{{ b }} {% if x %} </w:t></w:r>"})
    assert "{{ b }} {% if x %} </w:t></w:r>" in document_text(ours)


def test_concurrent_renders_agree():
    path = builders.template_path("danh_sach")
    engine.clear_cache()
    contexts = []
    for i in range(8):
        context = copy.deepcopy(sample_context("danh_sach"))
        context["total_line"] = f"Tổng cộng: {i}"
        contexts.append(context)
    expected = [engine.render_docx(path, c) for c in contexts]
    engine.clear_cache()
    results = [None] * len(contexts)
    errors = []

    def work(index):
        try:
            for _ in range(5):
                results[index] = engine.render_docx(path, contexts[index])
        except Exception as exc:  # collected and reported by the assertion below
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(i,)) for i in range(len(contexts))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert results == expected
