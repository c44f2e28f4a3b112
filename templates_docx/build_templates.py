"""(Re)create the dossier's Word templates and their sample contexts.

    .venv/bin/python templates_docx/build_templates.py            # templates + samples
    .venv/bin/python templates_docx/build_templates.py --no-samples

Writes ``bien_ban.docx``, ``to_trinh.docx`` and ``danh_sach.docx`` next to this
script, and ``samples/<kind>.json`` (the context the builders make from
``sample_snapshot()``). The .docx files are committed and are what the service
renders; clerks may edit them in Word, so the tags stay plain docxtpl tags:
``{{ issuer.issuing_body }}``, ``{%p if … %}`` for an optional line,
``{%p for … %}`` for repeated lines and ``{%tr for … %}`` for table rows.

The layout follows Decree 30/2020/NĐ-CP, Annex I (format of administrative
documents) and Annex III (model layouts 1.4 for the tờ trình and 1.9 for the
biên bản; the danh sách is an annex of the tờ trình).
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
import zipfile
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT
from docx.enum.style import WD_STYLE_TYPE
from docx.enum.table import WD_CELL_VERTICAL_ALIGNMENT
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Cm, Mm, Pt, RGBColor

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(ROOT))

from service.documents.builders.common import HEADER_LINE_CM  # noqa: E402
from service.documents.typesetting import greedy_lines, text_width_cm  # noqa: E402

FONT = "Times New Roman"
BLACK = RGBColor(0, 0, 0)

# Decree 30/2020 Annex I: A4, margins top/bottom 20-25 mm, left 30-35 mm,
# right 15-20 mm; the smallest margins leave the most room for tables.
PAGE_WIDTH, PAGE_HEIGHT = Mm(210), Mm(297)
MARGIN_TOP = MARGIN_BOTTOM = Mm(20)
MARGIN_LEFT, MARGIN_RIGHT = Mm(30), Mm(15)
TEXT_WIDTH_CM = 16.5  # 210 - 30 - 15 mm
TEXT_WIDTH_LANDSCAPE_CM = 25.2  # 297 - 30 - 15 mm

# Header block: the right column holds the national name, which must fit on
# one line at 12 pt (8.83 cm measured with Liberation Serif Bold, which is
# metric-compatible with Times New Roman); the left one holds the issuing
# body ("HỘI ĐỒNG THI ĐUA - KHEN THƯỞNG" is 8.37 cm at 13 pt bold). Both
# need more than the 16.5 cm text width, so, as in most official templates,
# the block reaches 1.1 cm into the generous left margin.
HEADER_WIDTHS_CM = (8.6, 9.0)
HEADER_INDENT_CM = -1.1
HEADER_CELL_PADDING_CM = 0.05
# Landscape pages (the danh sách) have room enough without that.
HEADER_WIDTHS_LANDSCAPE_CM = (10.0, 15.2)
# Width of "Độc lập - Tự do - Hạnh phúc" at 13 pt bold (same measurement):
# the line under the motto is as long as the text (Decree 30/2020 Annex I).
MOTTO_LINE_CM = 5.6
# The line under the issuing body is 1/3 to 1/2 of its length; issuing
# bodies are set on two lines of about 4.5 cm.
ISSUER_LINE_CM = 2.2
SUBJECT_LINE_CM = 4.0
# Table headings are 13 pt bold; Word's and LibreOffice's default cell
# padding is 0.19 cm (108 twips) on either side.
HEADING_SIZE_PT = 13
CELL_PADDING_CM = 0.19

NATIONAL_NAME = "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM"
MOTTO = "Độc lập - Tự do - Hạnh phúc"

# Paragraph styles made here: (name, style id, base, size pt, bold, italic,
# alignment, first-line indent cm, space after pt).
STYLES = [
    ("Nội dung", "NoiDung", 14, False, False, WD_ALIGN_PARAGRAPH.JUSTIFY, 1.27, 6),
    ("Căn cứ", "CanCu", 14, False, True, WD_ALIGN_PARAGRAPH.JUSTIFY, 1.27, 6),
    ("Tên loại văn bản", "TenLoai", 14, True, False, WD_ALIGN_PARAGRAPH.CENTER, 0, 0),
    ("Ô bảng", "OBang", 13, False, False, WD_ALIGN_PARAGRAPH.LEFT, 0, 0),
    ("Ô bảng giữa", "OBangGiua", 13, False, False, WD_ALIGN_PARAGRAPH.CENTER, 0, 0),
    ("Chữ ký", "ChuKy", 14, True, False, WD_ALIGN_PARAGRAPH.CENTER, 0, 0),
    ("Nơi nhận", "NoiNhan", 11, False, False, WD_ALIGN_PARAGRAPH.LEFT, 0, 0),
]


# --------------------------------------------------------------------------
# Styles and fonts
# --------------------------------------------------------------------------

def _force_fonts(rpr) -> None:
    """Times New Roman for every script and black text in one run-properties element.

    Theme fonts and colours would override the explicit ones in Word, so the
    theme attributes are removed.
    """
    fonts = rpr.find(qn("w:rFonts"))
    if fonts is None:
        fonts = OxmlElement("w:rFonts")
        rpr.insert(0, fonts)
    for attr in ("w:asciiTheme", "w:hAnsiTheme", "w:eastAsiaTheme", "w:cstheme"):
        fonts.attrib.pop(qn(attr), None)
    for attr in ("w:ascii", "w:hAnsi", "w:eastAsia", "w:cs"):
        fonts.set(qn(attr), FONT)
    for color in rpr.findall(qn("w:color")):
        for attr in ("w:themeColor", "w:themeShade", "w:themeTint"):
            color.attrib.pop(qn(attr), None)
        color.set(qn("w:val"), "000000")


def setup_styles(document) -> None:
    styles = document.styles.element
    defaults = styles.find(qn("w:docDefaults"))
    rpr = defaults.find(f"{qn('w:rPrDefault')}/{qn('w:rPr')}")
    _force_fonts(rpr)
    for tag in ("w:sz", "w:szCs"):
        rpr.find(qn(tag)).set(qn("w:val"), "28")
    color = OxmlElement("w:color")
    color.set(qn("w:val"), "000000")
    rpr.insert(1, color)
    lang = rpr.find(qn("w:lang"))
    lang.set(qn("w:val"), "vi-VN")
    spacing = defaults.find(f"{qn('w:pPrDefault')}/{qn('w:pPr')}/{qn('w:spacing')}")
    spacing.set(qn("w:after"), "0")
    spacing.set(qn("w:line"), "240")  # single line spacing (Decree 30: single to 1.5)
    spacing.set(qn("w:lineRule"), "auto")

    normal = document.styles["Normal"]
    normal.font.name = FONT
    normal.font.size = Pt(14)
    normal.font.color.rgb = BLACK

    for name, style_id, size, bold, italic, align, indent, after in STYLES:
        style = document.styles.add_style(name, WD_STYLE_TYPE.PARAGRAPH)
        style.style_id = style_id
        style.base_style = normal
        style.quick_style = True
        style.font.size = Pt(size)
        style.font.bold = bold
        style.font.italic = italic
        style.paragraph_format.alignment = align
        style.paragraph_format.first_line_indent = Cm(indent) if indent else None
        style.paragraph_format.space_after = Pt(after)
        style.paragraph_format.space_before = Pt(0)

    # Every style of python-docx's base template (headings, table styles …)
    # gets the same font and colour, so nothing a clerk picks in Word leaves
    # Times New Roman (Decree 30/2020 Annex I: Times New Roman, black).
    for element in styles.iter(qn("w:rPr")):
        _force_fonts(element)
    for style in styles.findall(qn("w:style")):
        if style.find(qn("w:rPr")) is None and style.get(qn("w:type")) in ("paragraph", "character"):
            rpr = OxmlElement("w:rPr")
            style.append(rpr)
            _force_fonts(rpr)


# --------------------------------------------------------------------------
# Paragraph and table helpers
# --------------------------------------------------------------------------

def paragraph(container, text: str = "", style: str | None = None, *, bold=None, italic=None,
              size: float | None = None, align=None, before: float | None = None,
              after: float | None = None, first_line: float | None = None,
              left: float | None = None, right: float | None = None, keep_next: bool = False,
              first: bool = False):
    """Add a paragraph (or fill a cell's first, empty one) with one run of text."""
    if first:
        p = container.paragraphs[0]
        if style:
            p.style = style
    else:
        p = container.add_paragraph(style=style)
    fmt = p.paragraph_format
    if align is not None:
        fmt.alignment = align
    if before is not None:
        fmt.space_before = Pt(before)
    if after is not None:
        fmt.space_after = Pt(after)
    if first_line is not None:
        fmt.first_line_indent = Cm(first_line)
    if left is not None:
        fmt.left_indent = Cm(left)
    if right is not None:
        fmt.right_indent = Cm(right)
    if keep_next:
        fmt.keep_with_next = True
    if text:
        run = p.add_run(text)
        if bold is not None:
            run.bold = bold
        if italic is not None:
            run.italic = italic
        if size is not None:
            run.font.size = Pt(size)
    return p


def tag(container, text: str, first: bool = False):
    """A paragraph holding only a docxtpl paragraph/row tag (removed when rendered)."""
    return paragraph(container, text, "Normal", first=first)


def rule(container, length_cm: float, width_cm: float, first: bool = False, before: float = 0):
    """A short solid line, centred in a space ``width_cm`` wide.

    An empty, 2-point-high paragraph whose bottom border spans its indents:
    Word and LibreOffice draw it the same way, and a clerk can resize it by
    dragging the indents.
    """
    side = max((width_cm - length_cm) / 2, 0)
    p = paragraph(container, "", "Normal", left=side, right=side, before=before, after=0, first=first)
    ppr = p._p.get_or_add_pPr()
    borders = OxmlElement("w:pBdr")
    bottom = OxmlElement("w:bottom")
    for key, value in (("w:val", "single"), ("w:sz", "6"), ("w:space", "1"), ("w:color", "000000")):
        bottom.set(qn(key), value)
    borders.append(bottom)
    # pBdr must come before spacing and ind in pPr (schema order).
    anchor = ppr.find(qn("w:spacing"))
    if anchor is None:
        anchor = ppr.find(qn("w:ind"))
    if anchor is not None:
        anchor.addprevious(borders)
    else:
        ppr.append(borders)
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "4")
    mark.append(size)
    ppr.append(mark)
    return p


def _table_properties(table, widths_cm: list[float], borders: bool) -> None:
    tbl = table._tbl
    tblpr = tbl.tblPr
    for old in tblpr.findall(qn("w:tblStyle")):
        tblpr.remove(old)
    width = tblpr.find(qn("w:tblW"))
    if width is None:
        width = OxmlElement("w:tblW")
        tblpr.append(width)
    width.set(qn("w:type"), "dxa")
    width.set(qn("w:w"), str(int(sum(widths_cm) / 2.54 * 1440)))
    edges = OxmlElement("w:tblBorders")
    for edge in ("top", "left", "bottom", "right", "insideH", "insideV"):
        element = OxmlElement(f"w:{edge}")
        if borders:
            element.set(qn("w:val"), "single")
            element.set(qn("w:sz"), "4")
            element.set(qn("w:space"), "0")
            element.set(qn("w:color"), "000000")
        else:
            element.set(qn("w:val"), "nil")
        edges.append(element)
    width.addnext(edges)
    layout = OxmlElement("w:tblLayout")
    layout.set(qn("w:type"), "fixed")
    edges.addnext(layout)
    table.autofit = False
    for column, width_cm in zip(tbl.tblGrid.findall(qn("w:gridCol")), widths_cm):
        column.set(qn("w:w"), str(int(width_cm / 2.54 * 1440)))
    for row in table.rows:
        for cell, width_cm in zip(row.cells, widths_cm):
            cell.width = Cm(width_cm)


def table(container, rows: int, widths_cm: list[float], borders: bool):
    """A fixed-width table whose rows never break across pages.

    A list row split over two pages leaves a name on one page and its
    achievements on the next; a signature block split leaves the name
    without its title. Every row of every table therefore carries
    ``w:cantSplit`` (a row taller than a page is still broken by Word and
    LibreOffice, which is the only way to print it).
    """
    t = container.add_table(rows=rows, cols=len(widths_cm))
    _table_properties(t, widths_cm, borders)
    for row in t.rows:
        row._tr.get_or_add_trPr().append(OxmlElement("w:cantSplit"))
    return t


def merged_row(t, index: int):
    """Merge a row into one cell spanning the grid (for section and tag rows)."""
    row = t.rows[index]
    cell = row.cells[0].merge(row.cells[-1])
    # merge() keeps one paragraph per merged cell; a single one is wanted.
    for extra in cell.paragraphs[1:]:
        extra._p.getparent().remove(extra._p)
    return cell


def header_row(t, headings: list[str], widths_cm: list[float], index: int = 0) -> None:
    """The heading row: bold, centred, repeated at the top of every page.

    Each heading must print well in its column (``check_heading``).
    """
    t.rows[index]._tr.get_or_add_trPr().append(OxmlElement("w:tblHeader"))
    for cell, text, width in zip(t.rows[index].cells, headings, widths_cm):
        check_heading(text, width)
        paragraph(cell, text, "Ô bảng giữa", bold=True, first=True)
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.CENTER


def heading_lines(text: str, width_cm: float) -> list[str]:
    """The lines Word and LibreOffice make of a heading in a column ``width_cm`` wide."""
    def measure(value: str) -> float:
        return text_width_cm(value, HEADING_SIZE_PT, bold=True)

    return greedy_lines(text, width_cm - 2 * CELL_PADDING_CM, measure)


def check_heading(text: str, width_cm: float) -> None:
    """Refuse a column too narrow for its heading.

    No word may be wider than the column (it would be cut: "ST / T"), and a
    heading that wraps must not leave one word alone on its last line, but
    for a unit in brackets ("Tỷ lệ / (%)").
    """
    lines = heading_lines(text, width_cm)
    room = width_cm - 2 * CELL_PADDING_CM
    for word in text.split():
        if text_width_cm(word, HEADING_SIZE_PT, bold=True) > room:
            raise ValueError(f"column of {width_cm} cm too narrow for {word!r} of heading {text!r}")
    last = lines[-1]
    if len(lines) > 1 and " " not in last and not last.startswith("("):
        raise ValueError(f"heading {text!r} leaves {last!r} alone in a column of {width_cm} cm: {lines}")


# --------------------------------------------------------------------------
# Document parts
# --------------------------------------------------------------------------

def new_document(landscape: bool = False):
    document = docx.Document()
    setup_styles(document)
    section = document.sections[0]
    if landscape:
        # Decree 30/2020 Annex I allows landscape A4 for wide tables.
        section.orientation = WD_ORIENT.LANDSCAPE
        section.page_width, section.page_height = PAGE_HEIGHT, PAGE_WIDTH
    else:
        section.orientation = WD_ORIENT.PORTRAIT
        section.page_width, section.page_height = PAGE_WIDTH, PAGE_HEIGHT
    section.top_margin, section.bottom_margin = MARGIN_TOP, MARGIN_BOTTOM
    section.left_margin, section.right_margin = MARGIN_LEFT, MARGIN_RIGHT
    section.header_distance = Mm(10)
    section.footer_distance = Mm(10)
    add_page_numbers(section)
    # The base template's empty first paragraph would push the header block down.
    body = document.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    props = document.core_properties
    props.author = ""
    props.last_modified_by = ""
    props.comments = ""
    props.keywords = ""
    props.language = "vi-VN"
    props.revision = 1
    return document


def add_page_numbers(section) -> None:
    """Page number centred in the top margin, none on the first page.

    Decree 30/2020 Annex I: page numbers in Arabic figures, 13-14 pt, centred
    in the top margin, not shown on the first page.
    """
    section.different_first_page_header_footer = True
    section.first_page_header.is_linked_to_previous = False
    p = section.header.paragraphs[0]
    p.style = "Normal"
    p.alignment = WD_ALIGN_PARAGRAPH.CENTER
    for kind, text in (("begin", None), (None, " PAGE "), ("separate", None), (None, "2"), ("end", None)):
        run = p.add_run()
        run.font.size = Pt(13)
        if kind:
            char = OxmlElement("w:fldChar")
            char.set(qn("w:fldCharType"), kind)
            run._r.append(char)
        elif text == " PAGE ":
            instr = OxmlElement("w:instrText")
            instr.set(qn("xml:space"), "preserve")
            instr.text = text
            run._r.append(instr)
        else:
            run.text = text


def header_block(document, number: bool, place_date: bool, landscape: bool = False) -> None:
    """The Decree 30 header: issuing body left, national name and motto right.

    A borderless table keeps the two columns level with each other; the
    second row puts the number line level with the place-and-date line.
    """
    rows = 2 if (number or place_date) else 1
    widths = list(HEADER_WIDTHS_LANDSCAPE_CM if landscape else HEADER_WIDTHS_CM)
    # The builders break the managing and issuing body into lines at most
    # HEADER_LINE_CM wide (service.documents.builders.common.header_name).
    if widths[0] - 2 * HEADER_CELL_PADDING_CM < HEADER_LINE_CM:
        raise ValueError(f"the issuing body's column ({widths[0]} cm) is narrower than its lines")
    t = table(document, rows, widths, borders=False)
    tblpr = t._tbl.tblPr
    if not landscape:
        indent = OxmlElement("w:tblInd")
        indent.set(qn("w:w"), str(int(HEADER_INDENT_CM / 2.54 * 1440)))
        indent.set(qn("w:type"), "dxa")
        tblpr.find(qn("w:tblBorders")).addprevious(indent)
    margins = OxmlElement("w:tblCellMar")
    for side in ("left", "right"):
        margin = OxmlElement(f"w:{side}")
        margin.set(qn("w:w"), str(int(HEADER_CELL_PADDING_CM / 2.54 * 1440)))
        margin.set(qn("w:type"), "dxa")
        margins.append(margin)
    tblpr.find(qn("w:tblLayout")).addnext(margins)
    left, right = t.rows[0].cells
    left_width, right_width = (w - 2 * HEADER_CELL_PADDING_CM for w in widths)
    center = WD_ALIGN_PARAGRAPH.CENTER
    # Managing body: capitals, 12-13 pt, regular; omitted when the issuing
    # body has none (Decree 30/2020 Annex I, item "tên cơ quan ban hành").
    tag(left, "{%p if issuer.managing_body %}", first=True)
    paragraph(left, "{{ issuer.managing_body }}", "Normal", size=13, align=center)
    tag(left, "{%p endif %}")
    # Issuing body: capitals, 12-13 pt, bold, a short line under it.
    paragraph(left, "{{ issuer.issuing_body }}", "Normal", bold=True, size=13, align=center)
    rule(left, ISSUER_LINE_CM, left_width)
    # National name 12-13 pt bold capitals; motto 13-14 pt bold, underlined
    # by a line as long as itself.
    paragraph(right, NATIONAL_NAME, "Normal", bold=True, size=12, align=center, first=True)
    paragraph(right, MOTTO, "Normal", bold=True, size=13, align=center)
    rule(right, MOTTO_LINE_CM, right_width)
    for cell in (left, right):
        cell.vertical_alignment = WD_CELL_VERTICAL_ALIGNMENT.TOP
    if rows == 2:
        left, right = t.rows[1].cells
        # Number line: 13 pt, centred under the issuing body.
        paragraph(left, "{{ number_line }}" if number else "", "Normal", size=13, align=center,
                  before=6, first=True)
        # Place and date: italic 13-14 pt, centred under the motto.
        paragraph(right, "{{ place_date }}" if place_date else "", "Normal", italic=True, size=14,
                  align=center, before=6, first=True)


def title_block(document, kind_title: str, subject_tags: list[tuple[str, dict]],
                width_cm: float = TEXT_WIDTH_CM) -> None:
    """Document type in bold capitals, then its subject, then a short line."""
    paragraph(document, kind_title, "Tên loại văn bản", before=18, keep_next=True)
    for text, options in subject_tags:
        paragraph(document, text, "Tên loại văn bản", keep_next=True, **options)
    rule(document, SUBJECT_LINE_CM, width_cm, before=3)


def repeated(document, loop: str, text: str, style: str, **options) -> None:
    """A paragraph repeated for every item of a list in the context."""
    tag(document, "{%p " + loop + " %}")
    paragraph(document, text, style, **options)
    tag(document, "{%p endfor %}")


def signature_cell(cell, authority: bool, title: str, name: str, first: bool = True) -> None:
    """Signature: authority (TM./KT. …) and position in bold capitals, the name in bold.

    Decree 30/2020 Annex I, item "chữ ký": room is left for the signature and
    the seal between the position and the name.
    """
    if authority:
        tag(cell, "{%p if signer.authority %}", first=first)
        paragraph(cell, "{{ signer.authority }}", "Chữ ký")
        tag(cell, "{%p endif %}")
        paragraph(cell, title, "Chữ ký")
    else:
        paragraph(cell, title, "Chữ ký", first=first)
    for _ in range(4):
        paragraph(cell, "", "Chữ ký")
    paragraph(cell, name, "Chữ ký")


def distribution_cell(cell) -> None:
    """"Nơi nhận:" bold italic 12 pt, the list in 11 pt (Decree 30/2020 Annex I)."""
    paragraph(cell, "Nơi nhận:", "Nơi nhận", bold=True, italic=True, size=12, first=True)
    tag(cell, "{%p for line in distribution %}")
    paragraph(cell, "{{ line }}", "Nơi nhận")
    tag(cell, "{%p endfor %}")


def sectioned_table(document, widths: list[float], headings: list[str], sections_name: str,
                    cells: list[tuple[str, str]]) -> None:
    """A bordered table: a heading row, then for every section a merged,
    bold heading row followed by one row per item (docxtpl row loops)."""
    t = table(document, 7, widths, borders=True)
    header_row(t, headings, widths)
    tag(merged_row(t, 1), "{%tr for section in " + sections_name + " %}", first=True)
    paragraph(merged_row(t, 2), "{{ section.heading }}", "Ô bảng", bold=True, first=True)
    tag(merged_row(t, 3), "{%tr for row in section.rows %}", first=True)
    for cell, (text, style) in zip(t.rows[4].cells, cells):
        paragraph(cell, text, style, first=True)
    tag(merged_row(t, 5), "{%tr endfor %}", first=True)
    tag(merged_row(t, 6), "{%tr endfor %}", first=True)


def two_column_signatures(document, widths: list[float]):
    # The last paragraph goes with the signature, so that a page never holds
    # the signature alone; a blank line keeps the block clear of it.
    document.paragraphs[-1].paragraph_format.keep_with_next = True
    paragraph(document, "", "Normal", keep_next=True)
    t = table(document, 1, widths, borders=False)
    return t.rows[0].cells


# --------------------------------------------------------------------------
# The three templates
# --------------------------------------------------------------------------

def build_to_trinh():
    """Tờ trình đề nghị khen thưởng — Decree 30/2020 Annex III, model 1.4."""
    document = new_document()
    document.core_properties.title = "Tờ trình đề nghị khen thưởng"
    header_block(document, number=True, place_date=True)
    title_block(document, "TỜ TRÌNH", [("{{ subject }}", {})])

    # "Kính gửi:" left, the recipients beside it, one per line.
    paragraph(document, "", "Normal", after=6)
    cells = table(document, 1, [4.0, 12.5], borders=False).rows[0].cells
    paragraph(cells[0], "Kính gửi:", "Normal", align=WD_ALIGN_PARAGRAPH.RIGHT, first=True)
    tag(cells[1], "{%p for line in recipient_lines %}", first=True)
    paragraph(cells[1], "{{ line }}", "Normal")
    tag(cells[1], "{%p endfor %}")

    paragraph(document, "", "Normal", after=6)
    # Decree 30/2020 Annex I: each legal basis on its own line, in italics.
    repeated(document, "for basis in legal_bases", "{{ basis }}", "Căn cứ")
    body = "Nội dung"
    paragraph(document,
              "Thực hiện {{ plan_reference }}, {{ unit_name }} đã tổ chức "
              "triển khai, phát động phong trào thi đua đến các tập thể, cá nhân thuộc phạm vi quản lý.",
              body)
    paragraph(document, "{{ review_paragraph }}", body)
    paragraph(document,
              "{{ unit_name }} kính đề nghị {{ authority_name }} xem xét, {{ proposal_awards }} "
              "đã có thành tích xuất sắc trong {{ campaign_subject }} "
              "(có danh sách kèm theo).",
              body)
    paragraph(document, "Kính trình {{ authority_name }} xem xét, quyết định./.", body)

    left, right = two_column_signatures(document, [7.5, 9.0])
    distribution_cell(left)
    signature_cell(right, True, "{{ signer.title }}", "{{ signer.name }}")
    return document


def build_danh_sach():
    """Danh sách đề nghị khen thưởng — the annex of the tờ trình."""
    # Landscape: the achievement summaries need a wide column.
    document = new_document(landscape=True)
    document.core_properties.title = "Danh sách đề nghị khen thưởng"
    # An annex carries no number of its own (Decree 30/2020 Annex I: it
    # names the document it belongs to in the "Kèm theo" line instead).
    header_block(document, number=False, place_date=False, landscape=True)
    title_block(document, "DANH SÁCH", [
        ("Đề nghị {{ awards_subject }}", {}),
        ("{{ attachment_line }}", {"bold": False, "italic": True}),
    ], width_cm=TEXT_WIDTH_LANDSCAPE_CM)
    paragraph(document, "", "Normal")
    sectioned_table(
        document,
        [1.4, 5.2, 5.4, 10.4, 2.8],
        ["STT", "Họ và tên (Tên tập thể)", "Chức vụ, đơn vị công tác", "Tóm tắt thành tích", "Ghi chú"],
        "sections",
        [("{{ row.stt }}", "Ô bảng giữa"), ("{{ row.name }}", "Ô bảng"), ("{{ row.position }}", "Ô bảng"),
         ("{{ row.summary }}", "Ô bảng"), ("{{ row.note }}", "Ô bảng")],
    )
    paragraph(document, "{{ total_line }}", "Nội dung", italic=True, before=6)
    left, right = two_column_signatures(document, [12.6, 12.6])
    paragraph(left, "", "Normal", first=True)
    signature_cell(right, True, "{{ signer.title }}", "{{ signer.name }}")
    return document


def build_bien_ban():
    """Biên bản họp Hội đồng Thi đua - Khen thưởng — Decree 30/2020 Annex III, model 1.9.

    Model 1.9 has no place-and-date line in the header: the time and place
    are part of the minutes' text.
    """
    document = new_document()
    document.core_properties.title = "Biên bản họp Hội đồng Thi đua - Khen thưởng"
    header_block(document, number=True, place_date=False)
    title_block(document, "BIÊN BẢN", [("{{ subject }}", {})])
    paragraph(document, "", "Normal")
    body = "Nội dung"
    paragraph(document, "Thời gian bắt đầu: {{ start_time }}.", body)
    paragraph(document, "Địa điểm: {{ place }}.", body)
    paragraph(document, "Thành phần tham dự: có mặt {{ attendance }} thành viên {{ council_name }}.", body)
    paragraph(document, "Vắng mặt: {{ absence_summary }}", body)
    repeated(document, "for line in absentee_lines", "{{ line }}", body)
    paragraph(document, "Chủ tọa: {{ chair }}.", body)
    paragraph(document, "Thư ký: {{ secretary }}.", body)
    paragraph(document, "Nội dung:", body, bold=True, keep_next=True)
    paragraph(document, "1. Căn cứ xét khen thưởng: {{ plan_reference }} về {{ campaign_subject }}.", body)
    paragraph(document, "2. Hội đồng xem xét hồ sơ đề nghị khen thưởng của {{ considered_counts }}.", body)
    paragraph(document, "3. Hình thức biểu quyết: {{ voting_method }}.", body)
    paragraph(document,
              "4. Kết quả biểu quyết (tỷ lệ tính trên tổng số {{ total_members }} thành viên Hội đồng):",
              body, keep_next=True)
    sectioned_table(
        document,
        [1.4, 5.2, 2.6, 3.0, 1.8, 2.5],
        ["STT", "Họ và tên (Tên tập thể)", "Hình thức đề nghị", "Số phiếu đồng ý / tổng số thành viên",
         "Tỷ lệ (%)", "Kết quả"],
        "vote_sections",
        [("{{ row.stt }}", "Ô bảng giữa"), ("{{ row.name }}", "Ô bảng"), ("{{ row.award_form }}", "Ô bảng"),
         ("{{ row.votes }}", "Ô bảng giữa"), ("{{ row.percent }}", "Ô bảng giữa"),
         ("{{ row.result }}", "Ô bảng giữa")],
    )
    paragraph(document, "5. Kết luận: {{ conclusion }}", body, before=6)
    repeated(document, "for line in passed_lines", "{{ line }}", body)
    paragraph(document, "Cuộc họp kết thúc vào lúc {{ end_time }}.", body)
    # Model 1.9: the secretary signs at left, the chair at right.
    left, right = two_column_signatures(document, [8.25, 8.25])
    signature_cell(left, False, "THƯ KÝ", "{{ secretary_name }}")
    signature_cell(right, False, "CHỦ TỌA", "{{ chair_name }}")
    return document


BUILDERS = {"bien_ban": build_bien_ban, "to_trinh": build_to_trinh, "danh_sach": build_danh_sach}


def _reproducible(data: bytes) -> bytes:
    """Rewrite the zip with fixed timestamps so that a rebuild of unchanged
    templates gives identical bytes (the engine caches by content)."""
    source = zipfile.ZipFile(io.BytesIO(data))
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=(1980, 1, 1, 0, 0, 0))
            entry.compress_type = zipfile.ZIP_DEFLATED
            target.writestr(entry, source.read(info.filename))
    return out.getvalue()


def build(kind: str) -> bytes:
    document = BUILDERS[kind]()
    props = document.core_properties
    # Fixed dates: the template's content, not the day it was built, decides its bytes.
    props.created = props.modified = dt.datetime(2024, 1, 1)
    buffer = io.BytesIO()
    document.save(buffer)
    return _reproducible(buffer.getvalue())


def write_samples() -> None:
    from service.documents.builders import build_context, sample_snapshot

    (HERE / "samples").mkdir(exist_ok=True)
    snapshot = sample_snapshot()
    for kind in BUILDERS:
        context = build_context(kind, snapshot)
        text = json.dumps(context, ensure_ascii=False, indent=2) + "\n"
        (HERE / "samples" / f"{kind}.json").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Tạo lại các mẫu văn bản .docx của hồ sơ khen thưởng.")
    parser.add_argument("--no-samples", action="store_true", help="không ghi lại samples/*.json")
    args = parser.parse_args(argv)
    for kind in BUILDERS:
        (HERE / f"{kind}.docx").write_bytes(build(kind))
        print(f"đã ghi {kind}.docx")
    if not args.no_samples:
        write_samples()
        print("đã ghi samples/*.json")


if __name__ == "__main__":
    main()
