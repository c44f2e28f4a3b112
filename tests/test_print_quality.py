"""Print quality: every document as LibreOffice prints it, small and large.

Decree 30/2020/NĐ-CP, Annex I: page numbers in Arabic figures, centred in
the top margin, none on a first page; the issuing body in capitals at the
top left. A list that runs over several pages repeats its heading row and
never breaks a row; no page is blank; the "STT" heading never wraps.

The fast tests check the committed templates and the line breaking; the
slow ones render every document kind, convert them all to PDF with one
LibreOffice run, and read each page back with ``pdftotext``.
"""

import copy
import io
import os
import re
import shutil
import subprocess
import zipfile
from pathlib import Path

import docx
import pytest
from docx.oxml.ns import qn
from lxml import etree

from service.documents import builders, engine
from service.documents.builders.common import HEADER_LINE_CM, header_name
from service.documents.typesetting import balanced_lines, greedy_lines, text_width_cm

ROOT = Path(__file__).resolve().parents[1]
KINDS = builders.ALL_DOCUMENT_KINDS
LETTER_KINDS = [kind for kind in KINDS if kind != "certificates"]
TABLE_KINDS = ["bien_ban", "danh_sach", "to_trinh_tong_hop", "quyet_dinh"]  # those with a list
LONG_WARD = "Ủy ban nhân dân phường Nguyễn Thái Bình - Bến Thành mới"
NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
TITLES = {"to_trinh": "TỜ TRÌNH", "bien_ban": "BIÊN BẢN", "danh_sach": "DANH SÁCH",
          "to_trinh_tong_hop": "TỜ TRÌNH", "quyet_dinh": "QUYẾT ĐỊNH", "certificates": "GIẤY KHEN"}
LARGE = 160


# --- how wide a line is, and where it breaks ----------------------------------------

def bold13(value):
    return text_width_cm(value, 13, bold=True)


def test_widths_are_those_measured_in_print():
    # Measured on LibreOffice's PDF with Liberation Serif (Times New Roman's metrics).
    assert bold13("HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG") == pytest.approx(8.37, abs=0.02)
    assert text_width_cm(NATIONAL_NAME, 12, bold=True) == pytest.approx(8.83, abs=0.02)
    assert bold13("Độc lập - Tự do - Hạnh phúc") == pytest.approx(5.6, abs=0.05)
    # Horned letters are wider than their base letter; other marks change nothing.
    assert bold13("Ư") > bold13("U") and bold13("Ế") == bold13("E") and bold13("Đ") == bold13("D")
    assert text_width_cm("a", 26) == pytest.approx(2 * text_width_cm("a", 13))


@pytest.mark.parametrize(
    "text, limit, expected",
    [
        ("PHƯỜNG MỸ BÌNH", 28, ["PHƯỜNG MỸ BÌNH"]),
        ("", 28, []),
        # The break after " - " between the two merged names wins over the evenest one.
        ("PHƯỜNG NGUYỄN THÁI BÌNH - BẾN THÀNH MỚI", 28, ["PHƯỜNG NGUYỄN THÁI BÌNH -", "BẾN THÀNH MỚI"]),
        # Greedy filling would leave "MỚI" alone; even lines do not.
        ("PHƯỜNG NGUYỄN THÁI BÌNH BẾN THÀNH MỚI", 34, ["PHƯỜNG NGUYỄN THÁI", "BÌNH BẾN THÀNH MỚI"]),
        # Filling lines would end on "MƯỜI" alone; the longest even line is 11 characters.
        ("MỘT HAI BA BỐN NĂM SÁU BẢY TÁM CHÍN MƯỜI", 12, ["MỘT HAI", "BA BỐN NĂM", "SÁU BẢY TÁM", "CHÍN MƯỜI"]),
        # A word wider than the line stays whole, alone.
        ("A QUÁ-DÀI-KHÔNG-NGẮT-ĐƯỢC B", 6, ["A", "QUÁ-DÀI-KHÔNG-NGẮT-ĐƯỢC", "B"]),
    ],
)
def test_balanced_lines(text, limit, expected):
    assert balanced_lines(text, limit) == expected


def test_balanced_lines_never_start_with_a_hyphen_nor_leave_a_word_alone():
    for text in ("ỦY BAN NHÂN DÂN PHƯỜNG NGUYỄN THÁI BÌNH - BẾN THÀNH MỚI",
                 "SỞ LAO ĐỘNG - THƯƠNG BINH VÀ XÃ HỘI TỈNH BÀ RỊA - VŨNG TÀU",
                 "HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG PHƯỜNG NGUYỄN THÁI BÌNH - BẾN THÀNH MỚI"):
        for limit in (5.0, 6.0, 7.0, 8.4):
            lines = balanced_lines(text, limit, bold13)
            assert " ".join(lines) == text
            assert all(bold13(line) <= limit for line in lines), lines
            assert not any(line.startswith("-") for line in lines), lines
            # As few lines as filling each line to the brim, and none a lone word.
            assert len(lines) == len(greedy_lines(text, limit, bold13))
            assert all(" " in line for line in lines), lines


@pytest.mark.parametrize(
    "name",
    [LONG_WARD, "UBND phường Nguyễn Thái Bình - Bến Thành mới",
     "Hội đồng Thi đua - Khen thưởng phường Nguyễn Thái Bình - Bến Thành mới",
     "Phòng Văn hóa - Xã hội phường Nguyễn Thái Bình - Bến Thành mới"],
)
@pytest.mark.parametrize("bold", [True, False])
def test_issuing_body_lines_fit_the_header_block(name, bold):
    lines = header_name(name, bold=bold).split("\n")
    assert " ".join(lines) == name.upper()
    assert all(text_width_cm(line, 13, bold) <= HEADER_LINE_CM for line in lines), lines
    assert all(" " in line for line in lines), lines


# --- the committed templates -------------------------------------------------------

def template_xml(kind):
    with zipfile.ZipFile(builders.builtin_template_path(kind)) as archive:
        return etree.fromstring(archive.read("word/document.xml"))


def text_of(element):
    return "".join(t.text or "" for t in element.iter(qn("w:t")))


def bordered(tbl):
    top = tbl.find(f"{qn('w:tblPr')}/{qn('w:tblBorders')}/{qn('w:top')}")
    return top is not None and top.get(qn("w:val")) == "single"


@pytest.mark.parametrize("kind", KINDS)
def test_no_table_row_breaks_across_pages(kind):
    rows = list(template_xml(kind).iter(qn("w:tr")))
    assert rows
    for tr in rows:
        assert tr.find(f"{qn('w:trPr')}/{qn('w:cantSplit')}") is not None, text_of(tr)


@pytest.mark.parametrize("kind", TABLE_KINDS)
def test_list_headings_repeat_and_fit_their_columns(kind):
    tables = [t for t in template_xml(kind).iter(qn("w:tbl")) if bordered(t)]
    assert tables
    for tbl in tables:
        first, *others = tbl.findall(qn("w:tr"))
        assert first.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is not None
        assert all(tr.find(f"{qn('w:trPr')}/{qn('w:tblHeader')}") is None for tr in others)
        widths = [int(col.get(qn("w:w"))) / 1440 * 2.54 for col in tbl.iter(qn("w:gridCol"))]
        headings = [text_of(tc) for tc in first.findall(qn("w:tc"))]
        assert headings[0] == "STT"
        for heading, width in zip(headings, widths):
            room = width - 2 * 0.19  # Word's and LibreOffice's cell padding
            lines = greedy_lines(heading, room, bold13)
            assert all(bold13(word) <= room for word in heading.split()), (heading, width)
            # A heading that wraps leaves no word alone, but for a unit in brackets.
            assert len(lines) == 1 or " " in lines[-1] or lines[-1].startswith("("), (heading, lines)


@pytest.mark.parametrize("kind", KINDS)
def test_no_explicit_page_break_paragraph(kind):
    # A paragraph holding only a page break prints a blank page when the
    # page before is full; a new page starts with pageBreakBefore or a section.
    for br in template_xml(kind).iter(qn("w:br")):
        assert br.get(qn("w:type")) != "page"


@pytest.mark.parametrize("kind", ["to_trinh_tong_hop", "quyet_dinh"])
def test_the_paragraph_ending_the_letter_takes_no_room(kind):
    body = template_xml(kind).find(qn("w:body"))
    holders = [p for p in body.iter(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None]
    assert len(holders) == 1
    holder = holders[0]
    assert holder.getprevious().tag == qn("w:tbl")  # right after the signature block
    assert holder.find(f"{qn('w:pPr')}/{qn('w:rPr')}/{qn('w:vanish')}") is not None
    assert holder.find(f"{qn('w:pPr')}/{qn('w:spacing')}").get(qn("w:line")) == "20"


@pytest.mark.parametrize("kind", LETTER_KINDS)
def test_page_numbers_top_centre_not_on_first_pages(kind):
    document = docx.Document(str(builders.builtin_template_path(kind)))
    for section in document.sections:
        assert section.different_first_page_header_footer
        assert not text_of(section.first_page_header._element).strip()
        header = section.header
        instructions = "".join(t.text for t in header._element.iter(qn("w:instrText")))
        assert instructions.strip() == "PAGE"
        assert header.paragraphs[0].alignment == 1  # centred
        assert section.header_distance < section.top_margin
        numbering = section._sectPr.find(qn("w:pgNumType"))
        assert numbering is None or numbering.get(qn("w:fmt")) in (None, "decimal")


# --- what LibreOffice prints ------------------------------------------------------------

def dossier_snapshot(size):
    snapshot = builders.sample_snapshot()
    if size == "small":
        return snapshot
    unit = snapshot["unit"]
    unit.update(name=LONG_WARD, issuing_body=LONG_WARD.upper(),
                short_name="UBND phường Nguyễn Thái Bình - Bến Thành mới",
                council_name="Hội đồng Thi đua - Khen thưởng phường Nguyễn Thái Bình - Bến Thành mới")
    nominees = []
    for i in range(LARGE):
        nominee = copy.deepcopy(snapshot["nominees"][i % len(snapshot["nominees"])])
        # "A…" opens a row, "Z…" ends each of its cells: both must print on one page.
        nominee.update(id=1000 + i, passed=True,
                       full_name=f"A{i:03d} Nguyễn Hoàng Phương Thảo Quỳnh Như Z{i:03d}",
                       workplace=f"{nominee['workplace'] or 'Khóm Bình Thới'} Z{i:03d}",
                       achievement_summary=f"{nominee['achievement_summary']}\n"
                                           f"Hoàn thành xuất sắc nhiệm vụ được giao Z{i:03d}")
        nominees.append(nominee)
    snapshot["nominees"] = nominees
    return snapshot


def round_snapshot(size):
    snapshot = builders.sample_campaign_snapshot()
    if size == "small":
        return snapshot
    campaign = snapshot["campaign"]
    short = "phường Nguyễn Thái Bình - Bến Thành mới"
    campaign["authority"].update(name=LONG_WARD, short_name=f"UBND {short}", issuing_body=LONG_WARD.upper(),
                                 managing_body="UBND THÀNH PHỐ HỒ CHÍ MINH", place_name="Bến Thành")
    campaign["standing_agency"].update(name=f"Phòng Văn hóa - Xã hội {short}", short_name="Phòng Văn hóa - Xã hội",
                                       issuing_body=f"Phòng Văn hóa - Xã hội {short}".upper(),
                                       managing_body=f"UBND {short}".upper(), place_name="Bến Thành")
    awardees = []
    for i in range(LARGE):
        awardee = copy.deepcopy(snapshot["awardees"][i % len(snapshot["awardees"])])
        awardee.update(full_name=f"A{i:03d} Nguyễn Hoàng Phương Thảo Quỳnh Như Z{i:03d}",
                       workplace=f"{awardee['workplace'] or 'Khóm Bình Thới'} Z{i:03d}",
                       achievement=f"{awardee['achievement']}\nHoàn thành xuất sắc nhiệm vụ được giao Z{i:03d}")
        awardees.append(awardee)
    snapshot["awardees"] = awardees
    return snapshot


# Pages each document prints (checked to be whole and numbered below); a
# range leaves room for small changes of wording.
PAGES = {
    ("to_trinh", "small"): (1, 1), ("bien_ban", "small"): (2, 2), ("danh_sach", "small"): (2, 3),
    ("to_trinh_tong_hop", "small"): (3, 5), ("quyet_dinh", "small"): (3, 5), ("certificates", "small"): (10, 10),
    ("to_trinh", "large"): (1, 2), ("bien_ban", "large"): (14, 20), ("danh_sach", "large"): (25, 36),
    ("to_trinh_tong_hop", "large"): (18, 26), ("quyet_dinh", "large"): (12, 17),
    ("certificates", "large"): (LARGE, LARGE),
}
CASES = sorted(PAGES)
PT_PER_CM = 72 / 2.54
TOP_MARGIN_PT = 2.0 * PT_PER_CM
LEFT_MARGIN_PT, RIGHT_MARGIN_PT = 3.0 * PT_PER_CM, 1.5 * PT_PER_CM
# Where the header block's left column ends (templates_docx/build_templates.py):
# portrait, it reaches 1.1 cm into the left margin and is 8.6 cm wide; landscape, 10 cm.
LEFT_COLUMN_END_PT = {"portrait": (3.0 - 1.1 + 8.6) * PT_PER_CM, "landscape": (3.0 + 10.0) * PT_PER_CM}


class Page:
    """One printed page: its words with their boxes, and its text laid out in lines."""

    def __init__(self, element, text):
        self.width, self.height = float(element.get("width")), float(element.get("height"))
        self.words = [(float(w.get("xMin")), float(w.get("yMin")), float(w.get("xMax")), float(w.get("yMax")),
                       w.text or "") for w in element if w.tag.endswith("word")]
        self.text = text

    @property
    def landscape(self):
        return self.width > self.height

    def in_top_margin(self):
        return [w for w in self.words if w[3] <= TOP_MARGIN_PT]

    def body_words(self):
        return [w[4] for w in self.words if w[3] > TOP_MARGIN_PT]

    def lines(self, x_max=None):
        """Words grouped into lines, top to bottom (words ending left of ``x_max`` only)."""
        rows = {}
        for x0, y0, x1, _, word in self.words:
            if x_max is None or x1 <= x_max:
                rows.setdefault(round(y0), []).append((x0, word))
        merged = []
        for y in sorted(rows):
            if merged and y - merged[-1][0] <= 2:
                merged[-1][1].extend(rows[y])
            else:
                merged.append((y, rows[y]))
        return [" ".join(word for _, word in sorted(words)) for _, words in merged]


def pdf_pages(pdf):
    box = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True).stdout
    layout = subprocess.run(["pdftotext", "-layout", str(pdf), "-"], check=True, capture_output=True,
                            text=True).stdout.split("\f")
    tree = etree.parse(io.BytesIO(box), etree.XMLParser(recover=True))
    elements = [e for e in tree.iter() if isinstance(e.tag, str) and e.tag.endswith("page")]
    return [Page(element, text) for element, text in zip(elements, layout)]


def convert(folder, sources):
    """Print .docx files to PDF with one LibreOffice run (its own profile); the pages of each."""
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{folder / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(folder), *map(str, sources)],
        check=True, capture_output=True, timeout=600,
    )
    return [pdf_pages(source.with_suffix(".pdf")) for source in sources]


def on_paper(test):
    """Mark a test that reads LibreOffice's PDF."""
    marks = [
        pytest.mark.slow,
        pytest.mark.skipif(shutil.which("soffice") is None or shutil.which("pdftotext") is None,
                           reason="LibreOffice or poppler-utils is not installed"),
        # LibreOffice prints what the renderer made, whatever the database: run once, in the SQLite pass.
        pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")),
                           reason="database-independent; run in the SQLite pass"),
    ]
    for mark in marks:
        test = mark(test)
    return test


@pytest.fixture(scope="module")
def printed(tmp_path_factory):
    """{(kind, size): (context, pages)} for every document kind, small and large, from one LibreOffice run."""
    folder = tmp_path_factory.mktemp("print")
    contexts, sources = {}, []
    for kind, size in CASES:
        if kind in builders.DOCUMENT_KINDS:
            snapshot = dossier_snapshot(size)
            contexts[kind, size] = builders.build_context(kind, snapshot)
            data = builders.render_document(kind, snapshot)
        else:
            snapshot = round_snapshot(size)
            contexts[kind, size] = builders.build_campaign_context(kind, snapshot)
            data = builders.render_campaign_document(kind, snapshot)
        source = folder / f"{kind}-{size}.docx"
        source.write_bytes(data)
        sources.append(source)
    return {case: (contexts[case], pages) for case, pages in zip(CASES, convert(folder, sources))}


def section_starts(kind, pages):
    """Indexes of the pages that open a section: the letter's first page and the annex's."""
    if kind == "certificates":
        return list(range(len(pages)))
    return [i for i, page in enumerate(pages) if NATIONAL_NAME in " ".join(page.lines())]


@on_paper
@pytest.mark.parametrize("case", CASES, ids="-".join)
def test_page_count_and_no_blank_page(printed, case):
    _, pages = printed[case]
    low, high = PAGES[case]
    assert low <= len(pages) <= high
    for number, page in enumerate(pages, start=1):
        # A page number alone (or an empty paragraph) is a blank page.
        assert len(page.body_words()) >= 3, f"page {number} is blank: {page.text!r}"


@on_paper
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "certificates"], ids="-".join)
def test_first_page_issuing_body_and_title(printed, case):
    kind, _ = case
    context, pages = printed[case]
    first = pages[0]
    issuer = context["issuer"]
    expected = [line for part in (issuer["managing_body"], issuer["issuing_body"]) for line in part.split("\n") if line]
    column = first.lines(x_max=LEFT_COLUMN_END_PT["landscape" if first.landscape else "portrait"])
    # Exactly the lines the builder broke, none cut, none wrapped onto a line of its own.
    assert column[:len(expected)] == expected, column[:len(expected) + 2]
    text = first.lines()
    assert NATIONAL_NAME in text[0]
    assert TITLES[kind] in text
    assert not first.in_top_margin()  # no page number on a first page


@on_paper
@pytest.mark.parametrize("case", [c for c in CASES if c[0] != "certificates"], ids="-".join)
def test_page_numbers_from_page_two_at_the_top_centre(printed, case):
    kind, _ = case
    _, pages = printed[case]
    starts = section_starts(kind, pages)
    assert starts[0] == 0
    # The annex numbers its pages afresh (Decree 30/2020, Annex I).
    assert len(starts) == (2 if kind in ("to_trinh_tong_hop", "quyet_dinh") else 1)
    for index, page in enumerate(pages):
        start = max(s for s in starts if s <= index)
        marks = page.in_top_margin()
        if index == start:
            assert not marks
            continue
        assert [w[4] for w in marks] == [str(index - start + 1)], f"page {index + 1}"
        x0, _, x1, _, _ = marks[0]
        centre = (LEFT_MARGIN_PT + page.width - RIGHT_MARGIN_PT) / 2
        assert abs((x0 + x1) / 2 - centre) < 6


@on_paper
@pytest.mark.parametrize("case", [c for c in CASES if c[0] in TABLE_KINDS], ids="-".join)
def test_stt_on_one_line_and_the_heading_on_every_page_of_the_list(printed, case):
    kind, size = case
    _, pages = printed[case]
    first_row = {}  # the page each row's first line prints on
    for index, page in enumerate(pages):
        for token in re.findall(r"\bA(\d{3})\b", page.text):
            first_row.setdefault(token, index)
    list_pages = sorted(set(first_row.values())) if size == "large" else []
    if size == "large":
        assert len(first_row) == LARGE and len(list_pages) >= 3
    for index, page in enumerate(pages):
        words = [w[4] for w in page.words]
        assert "ST" not in words and "T" not in words
        has_heading = any("Họ và tên (Tên tập thể)" in line for line in page.lines())
        if has_heading:
            assert "STT" in words
        if index in list_pages:
            assert has_heading, f"page {index + 1} of the list has no heading row"


@on_paper
@pytest.mark.parametrize("case", [c for c in CASES if c[0] in TABLE_KINDS and c[1] == "large"], ids="-".join)
def test_no_row_breaks_across_pages(printed, case):
    _, pages = printed[case]
    opened, closed = {}, {}
    for index, page in enumerate(pages):
        for token in re.findall(r"\bA(\d{3})\b", page.text):
            opened.setdefault(token, index)
        for token in re.findall(r"\bZ(\d{3})\b", page.text):
            closed.setdefault(token, set()).add(index)
    assert len(opened) == LARGE
    for token, index in opened.items():
        # Every cell of the row ends with "Z…": all of them on the row's page.
        # (The minutes list the names again after the table: later pages.)
        assert min(closed[token]) == index, f"row {token} starts on page {index + 1}, ends on {sorted(closed[token])}"


@on_paper
def test_certificates_still_convert_one_page_each(printed):
    for size in ("small", "large"):
        context, pages = printed["certificates", size]
        assert len(pages) == len(context["certificates"])
        for page, certificate in zip(pages, context["certificates"]):
            assert page.landscape
            assert certificate["award_title"] in page.lines()


def longer_letter(folder, name, words):
    """The consolidated tờ trình with ``words`` more words in its introduction, as a .docx file."""
    snapshot = round_snapshot("small")
    context = builders.build_campaign_context("to_trinh_tong_hop", snapshot)
    context["intro"] += " thi đua" * (words // 2)
    source = folder / f"{name}.docx"
    source.write_bytes(engine.render_docx(builders.campaign_template_path("to_trinh_tong_hop"), context))
    return source


@on_paper
def test_a_letter_that_fills_its_last_page_is_followed_by_the_annex_not_a_blank_page(tmp_path):
    # Lengthen the letter until its signature block no longer fits on the
    # second page, then, finely, find the longest letter whose signature
    # block still ends the second page: there the block touches the foot of
    # the page, and nothing may spill onto a page of its own.
    def letter_length(pages):
        return section_starts("to_trinh_tong_hop", pages)[1]

    coarse = list(range(0, 1600, 100))
    printed = convert(tmp_path, [longer_letter(tmp_path, f"coarse-{n}", n) for n in coarse])
    assert letter_length(printed[0]) == 2
    jump = next(i for i, pages in enumerate(printed) if letter_length(pages) > 2)
    fine = list(range(coarse[jump - 1], coarse[jump] + 1, 8))
    printed = convert(tmp_path, [longer_letter(tmp_path, f"fine-{n}", n) for n in fine])
    for pages in printed:
        for number, page in enumerate(pages, start=1):
            assert len(page.body_words()) >= 3, f"page {number} is blank"
    fullest = [pages for pages in printed if letter_length(pages) == 2][-1]
    last = fullest[1]
    signer = max(w[3] for w in last.words if w[4] == "Hà")  # Phan Thị Thu Hà signs last
    foot = last.height - 2.0 * PT_PER_CM
    assert foot - 2 * 16.1 < signer <= foot  # within two lines of 14 pt of the foot
