"""Long lists: the danh sách of a large dossier, and the streamed render behind it.

Not timed (bench/bench_large_list.py measures): these check that a list of
2 000 nominees comes out whole and exact, and that the streamed render of a
template proven always well-formed gives the same bytes as the checked render.
"""

import copy
import io
import os
import random
import zipfile

import docx
import pytest
from docx.oxml.ns import qn
from docxtpl import DocxTemplate
from lxml import etree
from markupsafe import Markup

from conftest import docxtpl_render
from service.documents import builders, engine
from service.documents.engine import TemplateRenderError, proof, render, zipwriter

N = 2000
TRICKY = "Công ty A&B <Chi nhánh 1>"
DIACRITICS = "Nguyễn Thị Ngọc Hường"  # every vowel with a tone mark or a hat
FAMILY = ["Nguyễn", "Trần", "Lê", "Phạm", "Huỳnh", "Võ", "Đặng", "Bùi", "Đỗ", "Ngô"]
MIDDLE = ["Văn", "Thị", "Minh", "Quốc", "Thị Kim", "Hữu"]
GIVEN = ["An", "Ánh", "Bình", "Dũng", "Đức", "Giang", "Hạnh", "Lộc", "Phượng", "Thủy", "Uyên", "Yến"]


def large_snapshot(n=N):
    """The sample dossier with ``n`` proposed nominees (a tenth collectives)."""
    rng = random.Random(2024)
    snapshot = builders.sample_snapshot()
    rate, _, relatives = (m["code"] for m in snapshot["campaign"]["metrics"])
    nominees = []
    for i in range(n):
        if i % 10 == 0:
            nominee = {"kind": "collective", "gender": None, "position": None,
                       "full_name": f"Tổ dân phố số {i // 10 + 1}, khóm Bình Thới",
                       "workplace": "Khóm Bình Thới, phường Mỹ Bình",
                       "metrics": {rate: round(rng.uniform(20, 100), 2)}}
        else:
            name = f"{rng.choice(FAMILY)} {rng.choice(MIDDLE)} {rng.choice(GIVEN)}"
            nominee = {"kind": "individual", "gender": "female" if "Thị" in name else "male",
                       "full_name": name, "position": "Công chức Văn hóa - Xã hội",
                       "workplace": "UBND phường Mỹ Bình", "metrics": {relatives: rng.randint(1, 9)}}
        nominee.update({"id": 1000 + i, "passed": True, "award_form": {"code": "giay_khen", "name": "Giấy khen"},
                        "achievement_summary": f"Vận động được {rng.randint(2, 40)} người tham gia BHXH tự nguyện.\n"
                                               "Hoàn thành xuất sắc nhiệm vụ được giao."})
        nominees.append(nominee)
    nominees[0]["full_name"] = TRICKY
    nominees[1].update(full_name=DIACRITICS, gender="female")
    snapshot["nominees"] = nominees
    return snapshot


def document_xml(data):
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        return archive.read("word/document.xml")


def cell_text(tc):
    parts = []
    for node in tc.iter(qn("w:t"), qn("w:br")):
        parts.append(node.text or "" if node.tag == qn("w:t") else "\n")
    return "".join(parts)


@pytest.fixture(scope="module")
def large():
    snapshot = large_snapshot()
    context = builders.build_context("danh_sach", snapshot)
    return {"context": context, "output": builders.render_document("danh_sach", snapshot)}


# --- the list of 2 000 nominees ---------------------------------------------

def test_large_list_has_every_row(large):
    document = docx.Document(io.BytesIO(large["output"]))
    table = document.element.body.findall(qn("w:tbl"))[1]
    rows = table.findall(qn("w:tr"))
    # the header, "I. TẬP THỂ", its 200 rows, "II. CÁ NHÂN", its 1 800 rows
    assert len(rows) == N + 3
    headings = [cell_text(r.find(qn("w:tc"))) for r in rows if len(r.findall(qn("w:tc"))) == 1]
    assert headings == ["I. TẬP THỂ", "II. CÁ NHÂN"]
    numbers = [cell_text(r.findall(qn("w:tc"))[0]) for r in rows if len(r.findall(qn("w:tc"))) == 5]
    assert numbers[1:201] == [str(i) for i in range(1, 201)]
    assert numbers[201:] == [str(i) for i in range(1, N - 200 + 1)]


def test_large_list_keeps_names_and_escaping(large):
    table = docx.Document(io.BytesIO(large["output"])).element.body.findall(qn("w:tbl"))[1]
    names = [cell_text(r.findall(qn("w:tc"))[1]) for r in table.findall(qn("w:tr"))
             if len(r.findall(qn("w:tc"))) == 5]
    assert TRICKY in names
    assert f"Bà {DIACRITICS}" in names
    xml = document_xml(large["output"]).decode("utf-8")
    assert "Công ty A&amp;B &lt;Chi nhánh 1&gt;" in xml
    assert f"Bà {DIACRITICS}".encode("utf-8") in document_xml(large["output"])
    # the summary's line breaks are Word line breaks, not raw newlines
    assert "\n" not in xml[xml.index("<w:body"):]
    assert xml.count("<w:br/>") >= 2 * N


def test_large_list_equals_docxtpl(large):
    path = builders.template_path("danh_sach")
    expected = docxtpl_render(str(path), large["context"])
    ours = etree.tostring(etree.fromstring(document_xml(large["output"])), method="c14n")
    assert ours == etree.tostring(etree.fromstring(document_xml(expected)), method="c14n")


def test_streamed_render_equals_checked_render(large):
    # A value that is not a plain str sends the render the checked way.
    class Text(str):
        pass

    context = copy.deepcopy(large["context"])
    row = context["sections"][1]["rows"][0]
    row["note"] = Text(row["note"])
    assert document_xml(engine.render_docx(builders.template_path("danh_sach"), context)) == \
        document_xml(large["output"])


def test_committed_templates_are_streamed():
    # Proven always well-formed when prepared: a regression here silently
    # takes large lists back to the slower, whole-document render.
    for path in sorted(builders.TEMPLATE_DIR.glob("**/*.docx")):
        assert render.prepared_for(path).body.streamed is not None, path


def test_markup_in_the_context_takes_the_checked_render():
    context = builders.build_context("danh_sach", large_snapshot(20))
    context["sections"][1]["rows"][0]["note"] = Markup("<w:bad>")
    # not escaped (the clerk's data said it was safe), so the document breaks
    # and gets docxtpl's repair, as before
    output = engine.render_docx(builders.template_path("danh_sach"), context)
    docx.Document(io.BytesIO(output))


# --- what the proof accepts -----------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'
PREFIX = f'<?xml version="1.0"?><w:document {W}>'
SUFFIX = "</w:document>"


@pytest.mark.parametrize("body, proven", [
    ("<w:p><w:r><w:t>{{ v }}</w:t></w:r></w:p>", True),
    ("{% for r in rows %}<w:p><w:r><w:t>{{ r.x|upper }}</w:t></w:r></w:p>{% else %}<w:p/>{% endfor %}", True),
    ("<w:p>{% if c %}<w:r><w:t>{{ v }}</w:t></w:r>{% elif d %}<w:r/>{% endif %}</w:p>", True),
    ("<w:p>{% if c %}{{ v }}{% endif %}</w:p>", False),  # a value outside w:t
    ("<w:p><w:r>{{ v }}<w:t/></w:r></w:p>", False),
    ('<w:p><w:pPr><w:jc w:val="{{ v }}"/></w:pPr></w:p>', False),  # in an attribute
    ("<w:p><w:r><w:t>a{% if c %}</w:t></w:r></w:p><w:p><w:r><w:t>{% endif %}</w:t></w:r></w:p>", False),
    ("<w:p><w:r><w:t>{{ v|safe }}</w:t></w:r></w:p>", False),
    ("<w:p><w:r><w:t>{{ lipsum() }}</w:t></w:r></w:p>", False),
    ("<w:p><w:r><w:t>{{ v|map('safe')|join }}</w:t></w:r></w:p>", False),
    ("<w:p><w:r><w:t>{{ v }}</w:t><w:pict><w:p/></w:pict></w:r></w:p>", False),  # nested paragraphs
    ("{% set x = 1 %}<w:p/>", False),
    ("<!-- note --><w:p/>", False),
])
def test_proof_of_well_formedness(body, proven):
    assert proof.always_well_formed(f"<w:body>{body}</w:body>", PREFIX, SUFFIX) is proven


# --- random templates: streamed and checked renders agree ------------------------

VALUES = ["a", "A&B <1>", "x\ny", "a\nb\tc\x07d\x0ce\n", "\n", "t\tab", "p\x07q", "f\x0cg",
          "\x01bad", "{_{ x }_}", "{_\n{", DIACRITICS, "", "]]>", "'\""]
HEAD = ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<w:document '
        'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"><w:body>')
TAIL = '<w:sectPr><w:pgSz w:w="11906" w:h="16838"/></w:sectPr></w:body></w:document>'


def _base_parts():
    out = io.BytesIO()
    docx.Document().save(out)
    with zipfile.ZipFile(out) as archive:
        return [(info, archive.read(info)) for info in archive.infolist()]


def _template(parts, body):
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        for info, data in parts:
            archive.writestr(info, (HEAD + body + TAIL).encode() if info.filename == "word/document.xml" else data)
    return out.getvalue()


def _text(rng, depth=0):
    parts = []
    for _ in range(rng.randint(0, 3)):
        k = rng.random()
        if k < 0.3:
            parts.append(rng.choice(["text", "A &amp; B", "ờ", "{_{ ", " %_} ", "_"]))
        elif k < 0.75:
            parts.append("{{ " + rng.choice(["v1", "v2", "row.x", "loop.index"])
                         + rng.choice(["", "", "|upper", "|safe", "|default('z')", " ~ v1"]) + " }}")
        elif k < 0.85 and depth < 2:
            parts.append("{% if c %}" + _text(rng, depth + 1) + "{% endif %}")
        elif k < 0.9:
            parts.append("{% for row in rows %}x{{ row.y }}{% endfor %}")
        else:
            parts.append(rng.choice(["{% if c %}", "{% endif %}"]))  # may cut through elements
    return "".join(parts)


def _run(rng, depth):
    k = rng.random()
    if k < 0.06:  # a value outside w:t
        return rng.choice(["{{ v1 }}", "{% if c %}{{ v2 }}{% endif %}"])
    if k < 0.1:
        return '<w:r w:rsidR="1"/>'
    rpr = rng.choice(["", "<w:rPr><w:b/></w:rPr>", '<w:rPr><w:color w:val="{{ v2 }}"/></w:rPr>'])
    text = rng.choice(["<w:t>%s</w:t>", '<w:t xml:space="preserve">%s</w:t>', "<w:t>%s</w:t><w:tab/><w:t>%s</w:t>"])
    text = text.replace("%s", _text(rng), 1).replace("%s", _text(rng), 1)
    if depth < 1 and rng.random() < 0.1:  # a text box: paragraphs inside the run
        text += "<w:pict><w:txbxContent>" + _paragraph(rng, depth + 1) + "</w:txbxContent></w:pict>"
    return rng.choice(["<w:r>", '<w:r w:rsidR="00A">']) + rpr + text + "</w:r>"


def _paragraph(rng, depth=0):
    if rng.random() < 0.05:
        return rng.choice(["<w:p/>", '<w:p w:rsidR="1"/>'])
    ppr = rng.choice(["", '<w:pPr><w:jc w:val="center"/></w:pPr>', "<w:pPr><w:rPr><w:b/></w:rPr></w:pPr>"])
    return (rng.choice(["<w:p>", '<w:p w:rsidR="00B">']) + ppr
            + "".join(_run(rng, depth) for _ in range(rng.randint(0, 3))) + "</w:p>")


def _tag(text):
    return f"<w:p><w:r><w:t>{text}</w:t></w:r></w:p>"


def _body(rng, depth=0, in_cell=False):
    items = []
    for _ in range(rng.randint(1, 4)):
        k = rng.random()
        if k < 0.2 and depth < 2 and not in_cell:
            rows = []
            for _ in range(rng.randint(1, 3)):
                if rng.random() < 0.3:
                    kind = rng.choice(["for", "if"])
                    head = "{%tr for row in rows %}" if kind == "for" else "{%tr if c %}"
                    rows += [f"<w:tr><w:tc>{_tag(head)}</w:tc></w:tr>",
                             f"<w:tr><w:tc>{_paragraph(rng)}</w:tc></w:tr>",
                             f"<w:tr><w:tc>{_tag('{%tr end' + kind + ' %}')}</w:tc></w:tr>"]
                else:
                    rows.append(f"<w:tr><w:tc>{_body(rng, depth + 1, True)}</w:tc></w:tr>")
            items.append('<w:tbl><w:tblGrid><w:gridCol w:w="100"/></w:tblGrid>' + "".join(rows) + "</w:tbl>")
        elif k < 0.4 and depth < 2:
            kind = rng.choice(["for", "if"])
            items.append(_tag("{%p for row in rows %}" if kind == "for" else "{%p if c %}")
                         + _body(rng, depth + 1, in_cell) + _tag("{%p end" + kind + " %}"))
        else:
            items.append(_paragraph(rng))
    return "".join(items)


def _agree(seed, count):
    rng = random.Random(seed)
    parts = _base_parts()
    compared = 0
    for _ in range(count):
        try:
            prepared = render.prepared_for(_template(parts, _body(rng)))
        except TemplateRenderError:
            continue  # a random template with a syntax error
        if prepared.body.streamed is None:
            continue
        info = next(i for i in prepared.infos if i.filename == prepared.body.name)
        for _ in range(3):
            rows = [{"x": rng.choice(VALUES), "y": rng.choice(VALUES)} for _ in range(rng.randint(0, 3))]
            context = {"v1": rng.choice(VALUES), "v2": rng.choice(VALUES), "c": rng.random() < 0.5, "rows": rows}
            try:
                checked = render.render_body_checked(prepared, context)
            except TemplateRenderError as error:
                with pytest.raises(TemplateRenderError) as streamed_error:
                    render.stream_body(prepared, context, info)
                assert str(streamed_error.value) == str(error)
                continue
            entry = render.stream_body(prepared, context, info)
            streamed = zipfile.ZipFile(io.BytesIO(zipwriter.write_zip([entry]))).read(prepared.body.name)
            assert streamed == checked, (context, prepared.body.source)
            etree.fromstring(streamed)
            compared += 1
    return compared


def test_random_templates_streamed_equals_checked():
    assert _agree(seed=1, count=300) > 50


# The engine does not touch the database: the long run is made once, in the SQLite pass of the suite.
@pytest.mark.slow
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="database-independent; run in the SQLite pass")
def test_random_templates_streamed_equals_checked_long():
    assert _agree(seed=2, count=3000) > 500


def test_layout_pass_equals_docxtpl_on_random_xml():
    resolve_listing = DocxTemplate(io.BytesIO(b"")).resolve_listing
    tokens = ["<w:p>", '<w:p w:x="1">', "</w:p>", "<w:r>", '<w:r w:a="b">', "</w:r>", "<w:t>",
              '<w:t xml:space="preserve">', "</w:t>", "<w:pPr>", "</w:pPr>", "<w:rPr>", "</w:rPr>",
              "<w:b/>", "<w:tab/>", "<w:p/>", "a", "\n", "\t", "\x07", "\x0c", " ", ">", "<w:p", "<w:r",
              "<w:t", '<w:p x="</w:p>">', '<w:t q="</w:t>">']
    rng = random.Random(3)
    for _ in range(5000):
        xml = "".join(rng.choice(tokens) for _ in range(rng.randint(0, 40)))
        assert engine.resolve_layout_characters(xml) == resolve_listing(xml), repr(xml)
