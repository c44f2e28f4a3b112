"""(Re)create the campaign-level Word templates and their sample contexts.

    .venv/bin/python templates_docx/campaign/build_campaign_templates.py
    .venv/bin/python templates_docx/campaign/build_campaign_templates.py --no-samples

Writes ``to_trinh_tong_hop.docx``, ``quyet_dinh.docx`` and
``certificates.docx`` next to this script, and ``samples/<kind>.json`` (the
contexts ``service.documents.builders`` makes from ``sample_campaign_snapshot()``).

The page set-up, styles, header block, signature and distribution list are
those of the dossier templates (``templates_docx/build_templates.py``), so
every document follows Decree 30/2020/NĐ-CP, Annex I the same way. The tờ
trình (Annex III, model 1.4) and the decision (model 1.2) each carry their
list as an annex in a second, landscape section whose page numbers restart.
The tags stay plain docxtpl tags so clerks can edit the files in Word.
"""

from __future__ import annotations

import argparse
import datetime as dt
import io
import json
import sys
from pathlib import Path

import docx
from docx.enum.section import WD_ORIENT, WD_SECTION
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.oxml import OxmlElement
from docx.oxml.ns import qn
from docx.shared import Mm

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
sys.path.insert(0, str(HERE.parent))

import build_templates as base  # noqa: E402  (the dossier templates' helpers)

paragraph, tag, rule, table = base.paragraph, base.tag, base.rule, base.table
CENTER, RIGHT = WD_ALIGN_PARAGRAPH.CENTER, WD_ALIGN_PARAGRAPH.RIGHT

# Certificates are printed on their own (often pre-printed) sheets rather
# than filed: the text is centred between equal margins.
CERTIFICATE_MARGIN = Mm(20)
# The full certificate keeps its text inside the page border (9 mm from the edges).
CERTIFICATE_FULL_MARGIN = Mm(22)
CERTIFICATE_FULL_WIDTH_CM = 25.3  # 297 - 2 × 22 mm
# Printing on a blank: the frames are placed from the paper's edges, whatever the margins.
BLANK_MARGIN = Mm(10)


# --------------------------------------------------------------------------
# Shared parts
# --------------------------------------------------------------------------

def annex_section(document) -> None:
    """Start the annex on a new landscape page whose numbering restarts.

    Decree 30/2020 Annex I allows landscape A4 for wide tables and numbers
    an annex's pages on their own; the first page again shows no number.
    """
    section = document.add_section(WD_SECTION.NEW_PAGE)
    hide_section_break(document)
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = base.PAGE_HEIGHT, base.PAGE_WIDTH
    section.different_first_page_header_footer = True
    numbering = OxmlElement("w:pgNumType")
    numbering.set(qn("w:start"), "1")
    sect_pr = section._sectPr
    anchor = sect_pr.find(qn("w:cols"))
    if anchor is None:
        anchor = sect_pr.find(qn("w:titlePg"))
    if anchor is not None:
        anchor.addprevious(numbering)
    else:
        sect_pr.append(numbering)


def hide_section_break(document) -> None:
    """Keep the paragraph that ends the letter's section from making a page of its own.

    The letter's section properties live in an empty paragraph after its
    last table (the signature block). When that table ends at the foot of a
    page, the empty paragraph would move to a page of its own, printed
    blank but for its number, before the annex's new page. Its mark is
    hidden and one point high, so it takes no room: the annex still starts
    on a new page, since its section starts on one.
    """
    body = document.element.body
    holder = [p for p in body.findall(qn("w:p")) if p.find(f"{qn('w:pPr')}/{qn('w:sectPr')}") is not None][-1]
    ppr = holder.find(qn("w:pPr"))
    spacing = OxmlElement("w:spacing")
    for key, value in (("w:before", "0"), ("w:after", "0"), ("w:line", "20"), ("w:lineRule", "exact")):
        spacing.set(qn(key), value)
    mark = OxmlElement("w:rPr")
    for name in ("w:vanish", "w:sz", "w:szCs"):
        element = OxmlElement(name)
        if name != "w:vanish":
            element.set(qn("w:val"), "2")
        mark.append(element)
    sect_pr = ppr.find(qn("w:sectPr"))
    sect_pr.addprevious(spacing)
    sect_pr.addprevious(mark)


def annex_title(document, subtitle: str) -> None:
    base.title_block(document, "DANH SÁCH", [
        (subtitle, {}),
        ("{{ annex.attachment_line }}", {"bold": False, "italic": True}),
    ], width_cm=base.TEXT_WIDTH_LANDSCAPE_CM)
    paragraph(document, "", "Normal")


def rows_table(document, widths: list[float], headings: list[str], cells: list[tuple[str, str, object]],
               total: list[tuple[str, int, object]] | None = None):
    """A bordered table: the heading row (repeated on every page), then one
    row per item of ``rows``: a merged bold row when ``row.heading`` is set,
    else the item's cells; optionally a total row at the end.

    One flat loop with an if/else keeps the rendering linear in the number
    of rows (a decision may list ten thousand awardees).
    """
    count = 8 + (1 if total else 0)
    t = table(document, count, widths, borders=True)
    base.header_row(t, headings, widths)
    tag(base.merged_row(t, 1), "{%tr for row in rows %}", first=True)
    tag(base.merged_row(t, 2), "{%tr if row.heading %}", first=True)
    paragraph(base.merged_row(t, 3), "{{ row.heading }}", "Ô bảng", bold=True, first=True)
    tag(base.merged_row(t, 4), "{%tr else %}", first=True)
    for cell, (text, style, align) in zip(t.rows[5].cells, cells):
        paragraph(cell, text, style, align=align, first=True)
    tag(base.merged_row(t, 6), "{%tr endif %}", first=True)
    tag(base.merged_row(t, 7), "{%tr endfor %}", first=True)
    if total:
        row = t.rows[8]
        start = 0
        for text, span, align in total:
            cell = row.cells[start]
            if span > 1:
                cell = cell.merge(row.cells[start + span - 1])
                for extra in cell.paragraphs[1:]:
                    extra._p.getparent().remove(extra._p)
            paragraph(cell, text, "Ô bảng", bold=True, align=align, first=True)
            start += span
    return t


def signature_and_distribution(document, widths: list[float]) -> None:
    left, right = base.two_column_signatures(document, widths)
    base.distribution_cell(left)
    base.signature_cell(right, True, "{{ signer.title }}", "{{ signer.name }}")


# --------------------------------------------------------------------------
# The three templates
# --------------------------------------------------------------------------

def build_to_trinh_tong_hop():
    """The standing agency's consolidated tờ trình — Decree 30/2020 Annex III, model 1.4 — and its list."""
    document = base.new_document()
    document.core_properties.title = "Tờ trình đề nghị khen thưởng (tổng hợp)"
    base.header_block(document, number=True, place_date=True)
    base.title_block(document, "TỜ TRÌNH", [("{{ subject }}", {})])

    paragraph(document, "", "Normal", after=6)
    cells = table(document, 1, [4.0, 12.5], borders=False).rows[0].cells
    paragraph(cells[0], "Kính gửi:", "Normal", align=RIGHT, first=True)
    tag(cells[1], "{%p for line in recipient_lines %}", first=True)
    paragraph(cells[1], "{{ line }}", "Normal")
    tag(cells[1], "{%p endfor %}")

    paragraph(document, "", "Normal", after=6)
    # Decree 30/2020 Annex I: each legal basis on its own line, in italics.
    base.repeated(document, "for basis in legal_bases", "{{ basis }}", "Căn cứ")
    for name in ("intro", "review", "request", "closing"):
        paragraph(document, "{{ " + name + " }}", "Nội dung")
    signature_and_distribution(document, [7.5, 9.0])

    annex_section(document)
    base.header_block(document, number=False, place_date=False, landscape=True)
    annex_title(document, "{{ annex.subtitle }}")
    rows_table(
        document,
        [1.4, 5.6, 5.6, 9.6, 3.0],
        ["STT", "Họ và tên (Tên tập thể)", "Chức vụ, đơn vị công tác", "Tóm tắt thành tích", "Ghi chú"],
        [("{{ row.stt }}", "Ô bảng giữa", None), ("{{ row.name }}", "Ô bảng", None),
         ("{{ row.position }}", "Ô bảng", None), ("{{ row.summary }}", "Ô bảng", None),
         ("{{ row.note }}", "Ô bảng", None)],
    )
    paragraph(document, "{{ total_line }}", "Nội dung", italic=True, before=6)
    return document


def build_quyet_dinh():
    """The award decision — Decree 30/2020 Annex III, model 1.2 — and its list with the prize money."""
    document = base.new_document()
    document.core_properties.title = "Quyết định khen thưởng"
    base.header_block(document, number=True, place_date=True)
    base.title_block(document, "QUYẾT ĐỊNH", [("{{ subject }}", {})])
    # The issuer's title in bold capitals above the legal bases (model 1.2).
    paragraph(document, "{{ issuer_title }}", "Tên loại văn bản", before=12, after=12)
    base.repeated(document, "for basis in legal_bases", "{{ basis }}", "Căn cứ")
    tag(document, "{%p if proposal_line %}")
    paragraph(document, "{{ proposal_line }}", "Căn cứ")
    tag(document, "{%p endif %}")
    paragraph(document, "QUYẾT ĐỊNH:", "Tên loại văn bản", before=6, after=6, keep_next=True)
    for number in (1, 2, 3):
        p = paragraph(document, f"Điều {number}.", "Nội dung", bold=True)
        p.add_run(" {{ article_%d }}" % number)
    signature_and_distribution(document, [7.5, 9.0])

    annex_section(document)
    base.header_block(document, number=False, place_date=False, landscape=True)
    annex_title(document, "{{ annex.subtitle }}")
    rows_table(
        document,
        [1.5, 9.0, 10.0, 4.7],
        ["STT", "Họ và tên (Tên tập thể)", "Chức vụ, đơn vị công tác", "Số tiền thưởng (đồng)"],
        [("{{ row.stt }}", "Ô bảng giữa", None), ("{{ row.name }}", "Ô bảng", None),
         ("{{ row.position }}", "Ô bảng", None), ("{{ row.amount }}", "Ô bảng", RIGHT)],
        total=[("Tổng cộng", 3, CENTER), ("{{ total_amount }}", 1, RIGHT)],
    )
    paragraph(document, "{{ total_words }}", "Nội dung", italic=True, before=6)
    paragraph(document, "{{ total_line }}", "Nội dung", italic=True)
    return document


def new_certificate_document(margin=CERTIFICATE_MARGIN):
    """Landscape A4, the dossier styles, no page numbers (one sheet per awardee)."""
    document = docx.Document()
    base.setup_styles(document)
    section = document.sections[0]
    section.orientation = WD_ORIENT.LANDSCAPE
    section.page_width, section.page_height = base.PAGE_HEIGHT, base.PAGE_WIDTH
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, margin)
    body = document.element.body
    for p in body.findall(qn("w:p")):
        body.remove(p)
    props = document.core_properties
    props.author = props.last_modified_by = props.comments = props.keywords = ""
    props.language = "vi-VN"
    props.revision = 1
    return document


def page_border(section) -> None:
    """A double frame round the page, as on a printed certificate.

    A thick-thin double line drawn 9 mm inside the paper's edges (w:pgBorders
    measured from the page), so it stays inside what office printers can print
    and both Word and LibreOffice draw it. Art borders (w:art) would be prettier
    in Word, but LibreOffice does not draw them at all.
    """
    borders = OxmlElement("w:pgBorders")
    borders.set(qn("w:offsetFrom"), "page")
    for side in ("top", "left", "bottom", "right"):
        line = OxmlElement(f"w:{side}")
        for key, value in (("w:val", "thickThinLargeGap"), ("w:sz", "36"), ("w:space", "26"),
                           ("w:color", "9C1C1C")):
            line.set(qn(key), value)
        borders.append(line)
    sect_pr = section._sectPr
    # Schema order: … pgSz, pgMar, paperSrc, pgBorders, lnNumType, pgNumType, cols …
    anchor = sect_pr.find(qn("w:pgMar"))
    anchor.addnext(borders)


def tiny(paragraph_) -> None:
    """A paragraph one point high: an anchor that takes no room on the page."""
    ppr = paragraph_._p.get_or_add_pPr()
    mark = OxmlElement("w:rPr")
    size = OxmlElement("w:sz")
    size.set(qn("w:val"), "2")
    mark.append(size)
    ppr.append(mark)


def build_certificates():
    """Giấy khen / Bằng khen printed in full on plain A4 landscape, one page per awardee.

    The layout of a real certificate: a double border round the page; national
    name and motto; the issuer's title ("CHỦ TỊCH ỦY BAN NHÂN DÂN ..."); "TẶNG";
    the award in large capitals; the awardee; the position or workplace;
    the achievement; then the decision reference at left and, at right, the
    place and date and the signature. Every certificate starts with a paragraph
    set to begin a new page, so each awardee gets exactly one sheet (a break
    before the first paragraph of the file makes no empty page).
    """
    document = new_certificate_document(CERTIFICATE_FULL_MARGIN)
    document.core_properties.title = "Giấy khen, Bằng khen"
    page_border(document.sections[0])
    width = CERTIFICATE_FULL_WIDTH_CM
    tag(document, "{%p for c in certificates %}")
    national = paragraph(document, base.NATIONAL_NAME, "Normal", bold=True, size=14, align=CENTER)
    national.paragraph_format.page_break_before = True
    paragraph(document, base.MOTTO, "Normal", bold=True, size=14, align=CENTER)
    rule(document, base.MOTTO_LINE_CM, width)
    paragraph(document, "{{ c.issuer_title }}", "Normal", bold=True, size=15, align=CENTER, before=30)
    paragraph(document, "{{ c.verb }}", "Normal", bold=True, size=15, align=CENTER, before=12)
    paragraph(document, "{{ c.award_title }}", "Normal", bold=True, size=44, align=CENTER, before=2, after=4)
    paragraph(document, "{{ c.awardee }}", "Normal", bold=True, italic=True, size=24, align=CENTER, before=10)
    tag(document, "{%p if c.detail %}")
    paragraph(document, "{{ c.detail }}", "Normal", size=15, align=CENTER, before=2)
    tag(document, "{%p endif %}")
    paragraph(document, "{{ c.citation }}", "Normal", italic=True, size=15, align=CENTER, before=12, after=24,
              left=1.5, right=1.5)

    signature = table(document, 1, [11.5, width - 11.5], borders=False)
    left, right = signature.rows[0].cells
    paragraph(left, "", "Normal", first=True)
    paragraph(left, "", "Normal")
    paragraph(left, "{{ c.decision_line }}", "Normal", italic=True, size=12, align=CENTER)
    paragraph(right, "{{ c.place_date }}", "Normal", italic=True, size=14, align=CENTER, first=True)
    tag(right, "{%p if c.signer.authority %}")
    paragraph(right, "{{ c.signer.authority }}", "Chữ ký")
    tag(right, "{%p endif %}")
    paragraph(right, "{{ c.signer.title }}", "Chữ ký")
    for _ in range(3):
        paragraph(right, "", "Chữ ký")
    paragraph(right, "{{ c.signer.name }}", "Chữ ký")
    tag(document, "{%p endfor %}")
    # Word wants a paragraph after the last table; a 1-point one cannot
    # spill onto a page of its own.
    tiny(paragraph(document, "", "Normal", before=0, after=0))
    return document


def framed(document, text: str, *, x: str, y: str, width: str, size: str, align: str = "center",
           line: str | None = None, box: bool = False):
    """A paragraph in a frame placed from the paper's top left corner (w:framePr, twips).

    Frames are what both Word and LibreOffice place at an exact spot on the
    page; the values are template tags so one template serves every layout.
    Each tag prints through ``|int``: the renderer can then prove every render
    well-formed and stream it (service/documents/engine/proof.py).
    ``line`` fixes the line height (twips), ``box`` draws the frame's outline.
    """
    p = paragraph(document, "", "Normal", before=0, after=0)
    ppr = p._p.get_or_add_pPr()
    frame = OxmlElement("w:framePr")
    for key, value in (("w:w", width), ("w:hSpace", "0"), ("w:wrap", "around"), ("w:hAnchor", "page"),
                       ("w:vAnchor", "page"), ("w:x", x), ("w:y", y)):
        frame.set(qn(key), value)
    style = ppr.find(qn("w:pStyle"))
    if style is not None:
        style.addnext(frame)
    else:
        ppr.insert(0, frame)
    if box:
        borders = OxmlElement("w:pBdr")
        for side in ("top", "left", "bottom", "right"):
            edge = OxmlElement(f"w:{side}")
            for key, value in (("w:val", "single"), ("w:sz", "4"), ("w:space", "0"), ("w:color", "C00000")):
                edge.set(qn(key), value)
            borders.append(edge)
        frame.addnext(borders)
    if line is not None:
        spacing = ppr.find(qn("w:spacing"))
        spacing.set(qn("w:line"), line)
        spacing.set(qn("w:lineRule"), "exact")
    jc = OxmlElement("w:jc")
    jc.set(qn("w:val"), align)
    ppr.append(jc)
    run = p.add_run(text)
    rpr = run._r.get_or_add_rPr()
    for name in ("w:sz", "w:szCs"):
        element = OxmlElement(name)
        element.set(qn("w:val"), size)
        rpr.append(element)
    return p


def templated_page(document, margin) -> None:
    """The paper of the campaign's blank: size and orientation come from the layout."""
    section = document.sections[0]
    for side in ("top_margin", "bottom_margin", "left_margin", "right_margin"):
        setattr(section, side, margin)
    size = section._sectPr.find(qn("w:pgSz"))
    size.set(qn("w:w"), "{{ page.width|int }}")
    size.set(qn("w:h"), "{{ page.height|int }}")
    size.set(qn("w:orient"), "{{ 'landscape' if page.is_landscape else 'portrait' }}")


def build_certificates_blank():
    """The variable text only, each field in a frame at the campaign's saved position ("in trên phôi").

    Per awardee: an empty one-point paragraph that starts the page, the
    framed fields, and another empty one-point paragraph. Word places a
    frame on the page of its own paragraph, LibreOffice on the page of the
    paragraph it is anchored to (the next one): with a plain paragraph on
    each side, both put every field on its awardee's sheet.
    """
    document = new_certificate_document(BLANK_MARGIN)
    document.core_properties.title = "Giấy khen, Bằng khen (in trên phôi)"
    templated_page(document, BLANK_MARGIN)
    tag(document, "{%p for c in certificates %}")
    start = paragraph(document, "", "Normal", before=0, after=0)
    start.paragraph_format.page_break_before = True
    tiny(start)
    tag(document, "{%p for f in c.fields %}")
    framed(document, "{{ f.text }}", x="{{ f.x|int }}", y="{{ f.y|int }}", width="{{ f.width|int }}",
           size="{{ f.size|int }}")
    tag(document, "{%p endfor %}")
    tiny(paragraph(document, "", "Normal", before=0, after=0))
    tag(document, "{%p endfor %}")
    return document


def build_certificates_calibration():
    """One page to print on plain paper and hold against a blank: each field's box where its text goes.

    Each box is the field's frame at its saved position, as wide as the text
    may run and one line of its font high, outlined, with the field's name and
    its coordinates in millimetres: the box's top left corner is the point
    the coordinates name.
    """
    document = new_certificate_document(BLANK_MARGIN)
    document.core_properties.title = "Trang căn chỉnh vị trí in trên phôi"
    templated_page(document, BLANK_MARGIN)
    tiny(paragraph(document, "", "Normal", before=0, after=0))
    framed(document, "{{ title }}", x="{{ heading.x|int }}", y="{{ heading.y|int }}",
           width="{{ heading.width|int }}", size="22", align="left").runs[0].bold = True
    framed(document, "{{ paper_line }}", x="{{ heading.x|int }}", y="{{ heading.y2|int }}",
           width="{{ heading.width|int }}", size="18", align="left")
    tag(document, "{%p for f in fields %}")
    framed(document, "{{ f.label }}", x="{{ f.x|int }}", y="{{ f.y|int }}", width="{{ f.width|int }}", size="16",
           align="center", line="{{ f.line|int }}", box=True)
    tag(document, "{%p endfor %}")
    tiny(paragraph(document, "", "Normal", before=0, after=0))
    return document


BUILDERS = {
    "to_trinh_tong_hop": build_to_trinh_tong_hop,
    "quyet_dinh": build_quyet_dinh,
    "certificates": build_certificates,
    "certificates_blank": build_certificates_blank,
    "certificates_calibration": build_certificates_calibration,
}


def build(kind: str) -> bytes:
    document = BUILDERS[kind]()
    props = document.core_properties
    # Fixed dates: the template's content, not the day it was built, decides its bytes.
    props.created = props.modified = dt.datetime(2024, 1, 1)
    buffer = io.BytesIO()
    document.save(buffer)
    return base._reproducible(buffer.getvalue())


def write_samples() -> None:
    sys.path.insert(0, str(ROOT))
    from service.documents.builders import build_campaign_context, sample_campaign_snapshot

    (HERE / "samples").mkdir(exist_ok=True)
    snapshot = sample_campaign_snapshot()
    for kind in BUILDERS:
        context = build_campaign_context(kind, snapshot)
        text = json.dumps(context, ensure_ascii=False, indent=2) + "\n"
        (HERE / "samples" / f"{kind}.json").write_text(text, encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description="Tạo lại các mẫu văn bản .docx khen thưởng của phong trào.")
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
