"""Campaign documents: consolidated tờ trình, award decision with its list, certificates."""

import copy
import io
import json
import os
import re
import shutil
import subprocess
import time
import unicodedata
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from docx.shared import Mm
from docxtpl import DocxTemplate
from jinja2.sandbox import SandboxedEnvironment
from lxml import etree

from service.documents import builders, engine, vnformat
from service.documents.builders import DocumentDataError

ROOT = Path(__file__).resolve().parents[1]
SAMPLES = ROOT / "templates_docx" / "campaign" / "samples"
KINDS = builders.CAMPAIGN_DOCUMENT_KINDS
FONT = "Times New Roman"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"
TRICKY = "Công ty A&B <Chi nhánh 1>"
ISSUER_TITLE = "CHỦ TỊCH ỦY BAN NHÂN DÂN THÀNH PHỐ LONG XUYÊN"


# --- helpers ---------------------------------------------------------------------

def sample_context(kind):
    return json.loads((SAMPLES / f"{kind}.json").read_text(encoding="utf-8"))


def text_of(p):
    parts = []
    for node in p.iter(qn("w:t"), qn("w:br"), qn("w:tab")):
        if node.tag == qn("w:t"):
            parts.append(node.text or "")
        elif node.get(qn("w:type")) != "page":
            parts.append("\n" if node.tag == qn("w:br") else "\t")
    return "".join(parts)


def paragraphs(document):
    return list(document.element.body.iter(qn("w:p")))


def lines(document):
    return [text_of(p) for p in paragraphs(document)]


def find(document, text):
    for p in paragraphs(document):
        if text_of(p) == text:
            return p
    raise AssertionError(f"no paragraph reads {text!r}")


def has(document, p, prop):
    """Whether every run with text in the paragraph has the property on (directly or by style)."""
    paragraph = docx.text.paragraph.Paragraph(p, document._body)
    runs = [r for r in paragraph.runs if r.text]
    assert runs
    for run in runs:
        value = getattr(run.font, prop)
        style = paragraph.style
        while value is None and style is not None:
            value = getattr(style.font, prop)
            style = style.base_style
        if not value:
            return False
    return True


def rows_of(table):
    return [["\n".join(text_of(p) for p in tc.iter(qn("w:p"))) for tc in tr.findall(qn("w:tc"))]
            for tr in table.findall(qn("w:tr"))]


def bordered_tables(document):
    found = []
    for table in document.element.body.iter(qn("w:tbl")):
        borders = table.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}")
        if borders is not None and borders.find(qn("w:top")).get(qn("w:val")) == "single":
            found.append(table)
    return found


def open_docx(data):
    return docx.Document(io.BytesIO(data))


def canonical_parts(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return {
            name: etree.tostring(etree.fromstring(archive.read(name)), method="c14n")
            for name in archive.namelist()
            if name.endswith(".xml") and name != "docProps/core.xml"
        }


def big_snapshot(n):
    snapshot = builders.sample_campaign_snapshot()
    person = next(a for a in snapshot["awardees"] if a["kind"] == "individual")
    group = next(a for a in snapshot["awardees"] if a["kind"] == "collective")
    awardees = []
    for i in range(n):
        item = copy.deepcopy(group if i % 10 == 0 else person)
        item["full_name"] = f"Tổ số {i}" if i % 10 == 0 else f"Nguyễn Văn Người{i:05d}"
        awardees.append(item)
    snapshot["awardees"] = awardees
    return snapshot


@pytest.fixture(scope="module")
def rendered():
    return {kind: engine.render_docx(builders.campaign_template_path(kind), sample_context(kind)) for kind in KINDS}


@pytest.fixture(scope="module")
def opened(rendered):
    return {kind: open_docx(data) for kind, data in rendered.items()}


# --- samples, variables, contexts ----------------------------------------------------

@pytest.mark.parametrize("kind", KINDS)
def test_samples_are_what_the_builders_make(kind):
    assert builders.build_campaign_context(kind, builders.sample_campaign_snapshot()) == sample_context(kind)


@pytest.mark.parametrize("kind", KINDS)
def test_template_renders_its_sample_with_no_undeclared_variable(kind):
    path = builders.campaign_template_path(kind)
    variables = engine.template_variables(path)
    assert variables and variables <= set(sample_context(kind))
    assert engine.check_template(path.read_bytes(), sample_context(kind)) == []
    tpl = DocxTemplate(path)
    assert tpl.get_undeclared_template_variables(context=sample_context(kind)) == set()


@pytest.mark.parametrize("kind", KINDS)
def test_context_holds_only_nfc_strings(kind):
    snapshot = builders.sample_campaign_snapshot()
    for awardee in snapshot["awardees"]:
        awardee["full_name"] = unicodedata.normalize("NFD", awardee["full_name"])

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

    check(builders.build_campaign_context(kind, snapshot))


@pytest.mark.parametrize("kind", KINDS)
def test_engine_equals_docxtpl(rendered, kind):
    path = builders.campaign_template_path(kind)
    tpl = DocxTemplate(path)
    tpl.render(sample_context(kind), jinja_env=SandboxedEnvironment(autoescape=True))
    out = io.BytesIO()
    tpl.save(out)
    assert canonical_parts(rendered[kind]) == canonical_parts(out.getvalue())


def test_unknown_kind_and_missing_data_are_refused():
    snapshot = builders.sample_campaign_snapshot()
    with pytest.raises(DocumentDataError):
        builders.build_campaign_context("bien_ban", snapshot)
    empty = dict(snapshot, awardees=[])
    for kind in KINDS:
        with pytest.raises(DocumentDataError) as caught:
            builders.build_campaign_context(kind, empty)
        assert "Không có tập thể, cá nhân nào" in str(caught.value)
    broken = copy.deepcopy(snapshot)
    broken["awardees"][0]["prize_rounded"] = None
    with pytest.raises(DocumentDataError) as caught:
        builders.build_campaign_context("quyet_dinh", broken)
    assert "Lê Văn Dũng" in str(caught.value)
    broken = copy.deepcopy(snapshot)
    broken["awardees"][0]["kind"] = "company"
    with pytest.raises(DocumentDataError):
        builders.build_campaign_context("certificates", broken)
    broken = copy.deepcopy(snapshot)
    del broken["decision"]
    with pytest.raises(DocumentDataError) as caught:
        builders.build_campaign_context("quyet_dinh", broken)
    assert "decision" in str(caught.value)


def test_format_amount_matches_vnformat():
    for amount in (0, 7, 10_000, 700_000, 1_050_000, 123_456_789, 1_000_000_000, -5_000):
        assert builders.format_amount(amount) == vnformat.format_number(amount)
    with pytest.raises(DocumentDataError):
        builders.format_amount(1.5)


# --- page set-up and fonts (Decree 30/2020 Annex I) -------------------------------------

def is_a4(section):
    size = sorted([section.page_width, section.page_height])
    return abs(size[0] - Mm(210)) < Mm(0.5) and abs(size[1] - Mm(297)) < Mm(0.5)


def margins(section):
    return [round(m / Mm(1)) for m in (section.top_margin, section.bottom_margin, section.left_margin,
                                         section.right_margin)]


@pytest.mark.parametrize("kind", ["to_trinh_tong_hop", "quyet_dinh"])
def test_letter_then_landscape_annex(opened, kind):
    first, annex = opened[kind].sections
    assert is_a4(first) and is_a4(annex)
    assert first.page_width < first.page_height
    assert annex.page_width > annex.page_height
    assert margins(first) == margins(annex) == [20, 20, 30, 15]


@pytest.mark.parametrize("kind", ["to_trinh_tong_hop", "quyet_dinh"])
def test_page_numbers_not_on_first_pages_and_restart_in_the_annex(opened, kind):
    first, annex = opened[kind].sections
    for section in (first, annex):
        assert section.different_first_page_header_footer
        instructions = "".join(n.text for n in section.header._element.iter(qn("w:instrText")))
        assert "PAGE" in instructions
        assert not list(section.first_page_header._element.iter(qn("w:instrText")))
    start = annex._sectPr.find(qn("w:pgNumType"))
    assert start is not None and start.get(qn("w:start")) == "1"


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
            assert not any("heme" in key for key in fonts.keys())
            for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
                assert fonts.get(qn(attr)) in (None, FONT)
        for color in tree.iter(qn("w:color")):
            assert color.get(qn("w:val")) in ("000000", "auto")


@pytest.mark.parametrize("kind", KINDS)
def test_national_name_and_motto_are_bold(opened, kind):
    document = opened[kind]
    for text in (NATIONAL_NAME, MOTTO):
        assert has(document, find(document, text), "bold")


@pytest.mark.parametrize("kind", KINDS)
def test_special_characters_come_out_exactly(opened, kind):
    text = "\n".join(lines(opened[kind]))
    assert TRICKY in text
    assert "&amp;" not in text and "A  B" not in text


# --- the decision (model 1.2) --------------------------------------------------------------

def test_decision_header(opened):
    document = opened["quyet_dinh"]
    header = rows_of(document.tables[0]._tbl)
    assert header[0][0].split("\n")[:3] == ["UBND TỈNH AN GIANG", "ỦY BAN NHÂN DÂN", "THÀNH PHỐ LONG XUYÊN"]
    assert has(document, find(document, "ỦY BAN NHÂN DÂN\nTHÀNH PHỐ LONG XUYÊN"), "bold")
    assert not has(document, find(document, "UBND TỈNH AN GIANG"), "bold")
    assert header[1] == ["Số: 1234/QĐ-UBND", "Long Xuyên, ngày 09 tháng 12 năm 2024"]
    assert has(document, find(document, "Long Xuyên, ngày 09 tháng 12 năm 2024"), "italic")


def test_decision_body_in_order(opened):
    document = opened["quyet_dinh"]
    text = lines(document)
    subject = ("Về việc tặng Giấy khen cho các tập thể, cá nhân đã có thành tích xuất sắc trong đợt cao điểm "
               "tuyên truyền, vận động người dân tham gia bảo hiểm xã hội tự nguyện, bảo hiểm y tế năm 2024")
    order = ["QUYẾT ĐỊNH", subject, ISSUER_TITLE]
    bases = [t for t in text if t.startswith("Căn cứ")]
    proposal = ("Theo đề nghị của Trưởng phòng Y tế thành phố Long Xuyên tại Tờ trình số 15/TTr-PYT "
                "ngày 05 tháng 12 năm 2024.")
    articles = [next(t for t in text if t.startswith(f"Điều {n}.")) for n in (1, 2, 3)]
    order += [*bases, proposal, "QUYẾT ĐỊNH:", *articles, "Nơi nhận:", "DANH SÁCH"]
    positions = [text.index(item) for item in order]
    assert positions == sorted(positions)
    for bold in ("QUYẾT ĐỊNH", subject, ISSUER_TITLE, "QUYẾT ĐỊNH:"):
        assert has(document, find(document, bold), "bold")
    assert len(bases) == 4
    assert bases[0] == "Căn cứ Luật Tổ chức chính quyền địa phương ngày 19 tháng 6 năm 2015;"
    assert all(b.endswith(";") for b in bases[:-1]) and bases[-1].endswith(".")
    assert bases[-1].startswith("Căn cứ Kế hoạch số 9936/KH-UBND ngày 15 tháng 11 năm 2024 của Ủy ban nhân dân "
                                "thành phố Long Xuyên về đợt cao điểm")
    for line in [*bases, proposal]:
        assert has(document, find(document, line), "italic")
    assert articles[0] == (
        "Điều 1. Tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên cho 03 tập thể và 07 cá nhân "
        "(có danh sách kèm theo) đã có thành tích xuất sắc trong đợt cao điểm tuyên truyền, vận động người dân "
        "tham gia bảo hiểm xã hội tự nguyện, bảo hiểm y tế năm 2024."
    )
    assert "tổng số tiền là 9.100.000 đồng (Chín triệu một trăm nghìn đồng)" in articles[1]
    assert articles[1].endswith("Kinh phí khen thưởng được chi từ Quỹ thi đua, khen thưởng của thành phố "
                                "Long Xuyên năm 2024.")
    assert articles[2].endswith("Trưởng phòng Y tế và các tập thể, cá nhân có tên tại Điều 1 chịu trách nhiệm "
                                "thi hành Quyết định này./.")
    # "Điều n." in bold, the article's text in regular type.
    paragraph = docx.text.paragraph.Paragraph(find(document, articles[0]), document._body)
    assert paragraph.runs[0].text == "Điều 1." and paragraph.runs[0].bold
    assert not paragraph.runs[1].bold


def test_decision_signature_and_distribution(opened):
    document = opened["quyet_dinh"]
    signature = document.tables[1]
    left, right = rows_of(signature._tbl)[0]
    assert [line for line in left.split("\n") if line] == [
        "Nơi nhận:", "- Như Điều 3;", "- Phòng Nội vụ (theo dõi);", "- Lưu: VT, PYT."]
    assert [line for line in right.split("\n") if line] == ["KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Minh Quang"]
    for text in ("KT. CHỦ TỊCH", "PHÓ CHỦ TỊCH", "Trần Minh Quang"):
        assert has(document, find(document, text), "bold")
    nơi_nhận = find(document, "Nơi nhận:")
    assert has(document, nơi_nhận, "bold") and has(document, nơi_nhận, "italic")
    # The signature block is never split across two pages.
    assert signature.rows[0]._tr.trPr.find(qn("w:cantSplit")) is not None


def test_decision_list(opened):
    document = opened["quyet_dinh"]
    text = lines(document)
    assert "Tập thể, cá nhân được tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên" in text
    attachment = ("(Kèm theo Quyết định số 1234/QĐ-UBND ngày 09 tháng 12 năm 2024 của Chủ tịch Ủy ban nhân dân "
                  "thành phố Long Xuyên)")
    assert has(document, find(document, attachment), "italic")
    (table,) = bordered_tables(document)
    rows = rows_of(table)
    assert rows[0] == ["STT", "Họ và tên (Tên tập thể)", "Chức vụ, đơn vị công tác", "Số tiền thưởng (đồng)"]
    assert rows[1] == ["I. TẬP THỂ"]
    assert rows[2:5] == [
        ["1", "Ban Điều hành khóm Đông Thạnh", "Khóm Đông Thạnh, phường Mỹ Long", "1.400.000"],
        ["2", TRICKY, "Khóm Bình Thới 1, phường Mỹ Bình", "1.400.000"],
        ["3", "Trạm Y tế phường Mỹ Bình", "Ủy ban nhân dân phường Mỹ Bình", "1.400.000"],
    ]
    assert rows[5] == ["II. CÁ NHÂN"]
    # Individuals by given name, then family and middle names, in Vietnamese order.
    assert [r[1] for r in rows[6:13]] == [
        "Bà Đỗ Thị An", "Ông Nguyễn Văn An", "Bà Võ Thị Ánh", "Bà Trần Thị Bình", "Ông Lê Văn Dũng",
        "Ông Phạm Minh Đức", "Bà Huỳnh Thị Uyên",
    ]
    assert rows[7] == ["2", "Ông Nguyễn Văn An", "Công chức Văn phòng - Thống kê, UBND phường Mỹ Bình", "700.000"]
    assert rows[13] == ["Tổng cộng", "9.100.000"]
    assert len(rows) == 14
    assert has(document, find(document, "II. CÁ NHÂN"), "bold")
    assert has(document, find(document, "Tổng cộng"), "bold")
    assert "Số tiền bằng chữ: Chín triệu một trăm nghìn đồng." in text
    assert text[-1] == "Danh sách gồm 03 tập thể và 07 cá nhân./."
    # The heading row repeats on every page of a long list.
    assert table.find(qn("w:tr")).find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None


def test_decision_totals_follow_the_snapshot():
    snapshot = builders.sample_campaign_snapshot()
    snapshot["awardees"][0]["prize_rounded"] = 1_050_000  # a household-sized amount
    context = builders.build_campaign_context("quyet_dinh", snapshot)
    total = sum(a["prize_rounded"] for a in snapshot["awardees"])
    assert total == 9_450_000
    assert context["total_amount"] == "9.450.000"
    assert context["total_words"] == "Số tiền bằng chữ: Chín triệu bốn trăm năm mươi nghìn đồng."
    assert "9.450.000 đồng (Chín triệu bốn trăm năm mươi nghìn đồng)" in context["article_2"]


def test_decision_without_prize_money():
    snapshot = builders.sample_campaign_snapshot()
    for awardee in snapshot["awardees"]:
        awardee["prize_rounded"] = 0
    context = builders.build_campaign_context("quyet_dinh", snapshot)
    assert context["article_2"] == "Hình thức khen thưởng tại Điều 1 không kèm theo tiền thưởng."
    assert context["total_words"] == "Số tiền bằng chữ: Không đồng."


def test_decision_with_only_individuals_and_a_blank_number():
    snapshot = builders.sample_campaign_snapshot()
    snapshot["awardees"] = [a for a in snapshot["awardees"] if a["kind"] == "individual"]
    snapshot["decision"]["number"] = None
    snapshot["decision"]["executors"] = []
    context = builders.build_campaign_context("quyet_dinh", snapshot)
    assert context["number_line"] == "Số:       /QĐ-UBND"
    assert [r["heading"] for r in context["rows"] if r["heading"]] == ["I. CÁ NHÂN"]
    assert context["subject"].startswith("Về việc tặng Giấy khen cho các cá nhân đã có")
    assert context["article_3"] == (
        "Quyết định này có hiệu lực kể từ ngày ký. Trưởng phòng Y tế thành phố Long Xuyên, Thủ trưởng các cơ "
        "quan, đơn vị có liên quan và các cá nhân có tên tại Điều 1 chịu trách nhiệm thi hành Quyết định này./."
    )


def test_decision_for_ten_thousand_awardees_is_fast():
    # The benchmark (bench/bench_decision.py) measures the 2-second target;
    # this guards against a slide back to a superlinear path.
    snapshot = big_snapshot(10_000)
    start = time.perf_counter()
    data = builders.render_campaign_document("quyet_dinh", snapshot)
    elapsed = time.perf_counter() - start
    assert elapsed < 4
    table = bordered_tables(open_docx(data))[0]
    assert len(table.findall(qn("w:tr"))) == 1 + 2 + 10_000 + 1


# --- the consolidated tờ trình (model 1.4) ------------------------------------------------

def test_to_trinh_body(opened):
    document = opened["to_trinh_tong_hop"]
    text = lines(document)
    assert "TỜ TRÌNH" in text and "Số: 15/TTr-PYT" in text
    assert "Long Xuyên, ngày 05 tháng 12 năm 2024" in text
    kinh_gui = next(t for t in document.tables if "Kính gửi:" in rows_of(t._tbl)[0])
    assert rows_of(kinh_gui._tbl) == [["Kính gửi:", "Chủ tịch Ủy ban nhân dân thành phố Long Xuyên."]]
    bases = [t for t in text if t.startswith("Căn cứ")]
    assert len(bases) == 4 and bases[-1].endswith(".")
    body = "\n".join(text)
    assert "Qua thẩm định hồ sơ đề nghị khen thưởng của 02 cơ quan, đơn vị" in body
    assert "03 tập thể và 07 cá nhân" in body
    assert "Tổng số tiền thưởng kèm theo là 9.100.000 đồng (Chín triệu một trăm nghìn đồng)." in body
    assert "Kính trình Chủ tịch Ủy ban nhân dân thành phố Long Xuyên xem xét, quyết định./." in text
    assert "- Như trên;" in text and "- Lưu: VT, PYT." in text
    assert has(document, find(document, "TRƯỞNG PHÒNG"), "bold")
    assert has(document, find(document, "Phan Thị Thu Hà"), "bold")


def test_to_trinh_list_grouped_by_unit(opened):
    document = opened["to_trinh_tong_hop"]
    attachment = ("(Kèm theo Tờ trình số 15/TTr-PYT ngày 05 tháng 12 năm 2024 của Phòng Y tế thành phố "
                  "Long Xuyên)")
    assert has(document, find(document, attachment), "italic")
    (table,) = bordered_tables(document)
    rows = rows_of(table)
    assert rows[0] == ["STT", "Họ và tên (Tên tập thể)", "Chức vụ, đơn vị công tác", "Tóm tắt thành tích",
                       "Ghi chú"]
    headings = [r[0] for r in rows[1:] if len(r) == 1]
    assert headings == ["I. Ủy ban nhân dân phường Mỹ Bình", "1. Tập thể", "2. Cá nhân",
                        "II. Ủy ban nhân dân phường Mỹ Long", "1. Tập thể", "2. Cá nhân"]
    people = [r for r in rows[1:] if len(r) == 5]
    # Numbered through the whole list, so the last number is the total.
    assert [r[0] for r in people] == [str(n) for n in range(1, 11)]
    assert [r[1] for r in people[:5]] == [TRICKY, "Trạm Y tế phường Mỹ Bình", "Bà Đỗ Thị An",
                                          "Ông Nguyễn Văn An", "Ông Lê Văn Dũng"]
    tram = people[1]
    assert tram[3] == ("Rà soát người chưa tham gia bảo hiểm y tế tại 06 khóm.\n"
                       "Tổ chức 04 buổi tuyên truyền.")
    assert lines(document)[-1] == "Tổng cộng: 03 tập thể và 07 cá nhân./."


def test_to_trinh_list_ranked():
    context = builders.build_campaign_context("to_trinh_tong_hop", builders.sample_campaign_snapshot(),
                                              annex_order="ranked")
    rows = context["rows"]
    assert [r["heading"] for r in rows if r["heading"]] == ["I. TẬP THỂ", "II. CÁ NHÂN"]
    people = [r for r in rows if not r["heading"]]
    assert [(r["stt"], r["name"], r["note"]) for r in people[:5]] == [
        ("1", "Trạm Y tế phường Mỹ Bình", "Xếp hạng 1"),
        ("2", TRICKY, "Xếp hạng 2"),
        ("3", "Ban Điều hành khóm Đông Thạnh", "Xếp hạng 3"),
        ("1", "Ông Nguyễn Văn An", "Xếp hạng 1"),
        ("2", "Bà Đỗ Thị An", "Xếp hạng 2"),
    ]
    data = builders.render_campaign_document("to_trinh_tong_hop", builders.sample_campaign_snapshot(),
                                             annex_order="ranked")
    assert "Xếp hạng 7" in "\n".join(lines(open_docx(data)))
    with pytest.raises(DocumentDataError):
        builders.build_campaign_context("to_trinh_tong_hop", builders.sample_campaign_snapshot(),
                                        annex_order="random")


def test_to_trinh_several_recipients_and_default_proposer():
    snapshot = builders.sample_campaign_snapshot()
    snapshot["proposal"]["recipients"] = ["Ủy ban nhân dân thành phố Long Xuyên", "Phòng Nội vụ thành phố"]
    snapshot["campaign"]["standing_agency"]["name"] = "Bảo hiểm xã hội tỉnh Khánh Hòa"
    snapshot["campaign"]["standing_agency"]["signature_title"] = "GIÁM ĐỐC"
    context = builders.build_campaign_context("to_trinh_tong_hop", snapshot)
    assert context["recipient_lines"] == ["- Ủy ban nhân dân thành phố Long Xuyên;", "- Phòng Nội vụ thành phố."]
    decision = builders.build_campaign_context("quyet_dinh", snapshot)
    assert decision["proposal_line"].startswith("Theo đề nghị của Giám đốc Bảo hiểm xã hội tỉnh Khánh Hòa tại")


# --- certificates --------------------------------------------------------------------------

def test_certificates_one_page_per_awardee(opened):
    document = opened["certificates"]
    body = document.element.body
    starts = [p for p in body.iter(qn("w:p"))
              if p.find(f"{qn('w:pPr')}/{qn('w:pageBreakBefore')}") is not None]
    assert len(starts) == 10 == len(builders.sample_campaign_snapshot()["awardees"])
    assert all(text_of(p) == NATIONAL_NAME for p in starts)
    assert not [br for br in body.iter(qn("w:br")) if br.get(qn("w:type")) == "page"]
    assert len(document.sections) == 1


def test_certificate_layout(opened):
    document = opened["certificates"]
    section = document.sections[0]
    assert is_a4(section) and section.page_width > section.page_height
    # The text stays inside a double border drawn round the page, 9 mm from the paper's edges.
    assert margins(section) == [22, 22, 22, 22]
    borders = section._sectPr.find(qn("w:pgBorders"))
    assert borders is not None and borders.get(qn("w:offsetFrom")) == "page"
    assert [(b.tag.split("}")[1], b.get(qn("w:val"))) for b in borders] == [
        (side, "thickThinLargeGap") for side in ("top", "left", "bottom", "right")]
    assert not list(section.header._element.iter(qn("w:instrText")))  # no page numbers on a certificate
    text = lines(document)
    assert text.count(ISSUER_TITLE) == 10 and text.count("TẶNG") == 10 and text.count("GIẤY KHEN") == 10
    assert text.count(NATIONAL_NAME) == 10 and text.count(MOTTO) == 10
    awardees = [t for t in text if t.startswith(("Ông ", "Bà ")) or t in (
        TRICKY, "Trạm Y tế phường Mỹ Bình", "Ban Điều hành khóm Đông Thạnh")]
    assert awardees == [
        "Ban Điều hành khóm Đông Thạnh", TRICKY, "Trạm Y tế phường Mỹ Bình", "Bà Đỗ Thị An", "Ông Nguyễn Văn An",
        "Bà Võ Thị Ánh", "Bà Trần Thị Bình", "Ông Lê Văn Dũng", "Ông Phạm Minh Đức", "Bà Huỳnh Thị Uyên",
    ]
    for bold in (ISSUER_TITLE, "GIẤY KHEN", "Ông Nguyễn Văn An", "PHÓ CHỦ TỊCH", "Trần Minh Quang"):
        assert has(document, find(document, bold), "bold")
    assert text.count("Quyết định số 1234/QĐ-UBND ngày 09 tháng 12 năm 2024") == 10
    assert text.count("Long Xuyên, ngày 09 tháng 12 năm 2024") == 10
    assert text.count("Đã có thành tích xuất sắc trong đợt cao điểm tuyên truyền, vận động người dân tham gia "
                      "bảo hiểm xã hội tự nguyện, bảo hiểm y tế năm 2024.") == 10
    assert "Công chức Văn phòng - Thống kê, UBND phường Mỹ Bình" in text
    # The Trạm Y tế has no workplace of its own: no empty line is left for it.
    at = text.index("Trạm Y tế phường Mỹ Bình")
    assert text[at + 1].startswith("Đã có thành tích")


def test_certificate_award_title_and_citation_follow_the_awardee():
    snapshot = builders.sample_campaign_snapshot()
    snapshot["awardees"][0]["award_form"] = {"code": "bang_khen", "name": "Bằng khen"}
    snapshot["awardees"][0]["citation"] = "Đã có thành tích xuất sắc tiêu biểu."
    certificates = builders.build_campaign_context("certificates", snapshot)["certificates"]
    dung = next(c for c in certificates if c["awardee"] == "Ông Lê Văn Dũng")
    assert dung["award_title"] == "BẰNG KHEN" and dung["citation"] == "Đã có thành tích xuất sắc tiêu biểu."


def _pdf_pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type\s*/Page(?![s\w])", pdf))


# LibreOffice prints what the renderer made, whatever the database: run once, in the SQLite pass.
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="database-independent; run in the SQLite pass")
def test_certificates_print_on_one_sheet_each(tmp_path, rendered):
    source = tmp_path / "certificates.docx"
    source.write_bytes(rendered["certificates"])
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    assert _pdf_pages((tmp_path / "certificates.pdf").read_bytes()) == 10


# --- a unit's own template ----------------------------------------------------------------

def test_render_with_another_template():
    document = docx.Document()
    document.add_paragraph("{{ issuer_title }} - {{ number_line }}")
    out = io.BytesIO()
    document.save(out)
    data = builders.render_campaign_document("quyet_dinh", builders.sample_campaign_snapshot(), out.getvalue())
    assert lines(open_docx(data)) == [f"{ISSUER_TITLE} - Số: 1234/QĐ-UBND"]


def test_a_draft_decision_leaves_its_number_and_date_to_fill():
    # Before the authority signs, the decision borrows no other document's date: the records clerk
    # writes the number and the date by hand on the signed copy.
    snapshot = builders.sample_campaign_snapshot()
    snapshot["decision"] = {**snapshot["decision"], "number": None, "date": None}
    decision = builders.build_campaign_context("quyet_dinh", snapshot)
    assert decision["number_line"].startswith("Số: " + vnformat.NUMBER_BLANK + "/QĐ-")
    assert decision["place_date"].endswith(", ngày … tháng … năm …")
    assert "ngày … tháng … năm …" in decision["annex"]["attachment_line"]
    certificate = builders.build_campaign_context("certificates", snapshot)["certificates"][0]
    assert certificate["place_date"].endswith(", ngày … tháng … năm …")
    assert "ngày … tháng … năm …" in certificate["decision_line"]
    # Signed, the same documents carry the decision's own number and date.
    signed = builders.build_campaign_context("quyet_dinh", builders.sample_campaign_snapshot())
    assert "…" not in signed["place_date"] and vnformat.NUMBER_BLANK not in signed["number_line"]
