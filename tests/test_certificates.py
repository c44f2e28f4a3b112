"""Certificates printed three ways: in full on plain paper, their text alone on pre-printed blanks at the
campaign's layout, and a calibration page; the layout kept per campaign by an administrator, audited."""
from __future__ import annotations

import copy
import datetime as dt
import os
import re
import shutil
import subprocess
import unicodedata
from pathlib import Path

import pytest
import sqlalchemy as sa

from conftest import PASSWORD  # noqa: F401 - the fixtures below sign in with it
from round_helpers import fire_round
from service.db import db
from service.documents import builders
from service.documents import certificate_layout as layouts
from service.models import AuditEvent, CertificateLayout
from test_rounds_api import _accept, _dossier

LAYOUT_URL = "/api/v1/admin/campaigns/{}/certificate-layout"
MM_PER_POINT = 25.4 / 72
# LibreOffice places a frame to the twip (1/57 mm); a word's box comes from the font's outline.
TOLERANCE_MM = 1.5


def _error(response, status):
    assert response.status_code == status, (response.status_code, response.get_json())
    return response.get_json()["error"]


def _moved_layout():
    """A portrait A4 blank with every box somewhere else than the default."""
    layout = layouts.default_layout()
    layout["orientation"] = "portrait"
    layout["fields"] = {
        "awardee": {"x": 25.0, "y": 120.0, "width": 160.0, "font_size": 20, "is_printed": True},
        "detail": {"x": 25.0, "y": 135.5, "width": 160.0, "font_size": 13, "is_printed": True},
        "citation": {"x": 30.0, "y": 150.0, "width": 150.0, "font_size": 13, "is_printed": True},
        "decision_line": {"x": 15.0, "y": 262.0, "width": 90.0, "font_size": 11, "is_printed": True},
        "place_date": {"x": 105.0, "y": 200.0, "width": 95.0, "font_size": 12, "is_printed": True},
        "signer_title": {"x": 105.0, "y": 208.0, "width": 95.0, "font_size": 12, "is_printed": False},
        "signer_name": {"x": 105.0, "y": 245.0, "width": 95.0, "font_size": 14, "is_printed": True},
    }
    return layout


# --- the layout's rule ------------------------------------------------------------------------------------

def test_the_default_layout_fits_its_paper():
    assert layouts.layout_problems(layouts.default_layout()) == {}
    assert layouts.layout_problems(_moved_layout()) == {}


def test_a_box_off_the_paper_is_refused_naming_the_field():
    layout = layouts.default_layout()
    layout["fields"]["awardee"]["width"] = 270.0  # 40 + 270 = 310 mm on a 297 mm wide sheet
    layout["fields"]["signer_name"]["y"] = 205.0  # a 14 pt line does not fit above the bottom edge (210 mm)
    layout["fields"]["citation"]["font_size"] = 60
    problems = layouts.layout_problems(layout)
    assert problems["fields.awardee.width"] == [
        "Họ và tên (tên tập thể): mép phải của ô ở 310 mm (cách mép trái 40 mm cộng chiều rộng 270 mm), "
        "vượt quá chiều rộng khổ A4 khổ ngang (297 mm)."]
    assert problems["fields.signer_name.y"][0].startswith("Họ tên người ký: dòng chữ cỡ 14 pt đặt cách mép trên "
                                                          "205 mm sẽ vượt mép dưới khổ A4 khổ ngang (cao 210 mm)")
    assert problems["fields.citation.font_size"] == ["Thành tích: cỡ chữ phải từ 8 đến 48 pt."]
    # The same boxes fit once the sheet is turned: the rule follows the paper.
    turned = copy.deepcopy(layout)
    turned["orientation"], turned["fields"]["awardee"]["width"] = "portrait", 150.0
    assert "fields.awardee.width" not in layouts.layout_problems(turned)
    assert "fields.signer_name.y" not in layouts.layout_problems(turned)


# --- the contexts ---------------------------------------------------------------------------------------

def test_the_blank_context_places_each_printed_field():
    context = builders.build_campaign_context("certificates_blank", builders.sample_campaign_snapshot(),
                                              layout=_moved_layout())
    assert context["page"] == {"width": 11906, "height": 16838, "is_landscape": False}
    assert len(context["certificates"]) == 10
    fields = {f["name"]: f for f in context["certificates"][3]["fields"]}
    assert "signer_title" not in fields  # not printed: the blank has it
    assert fields["awardee"] == {"name": "awardee", "text": "Bà Đỗ Thị An", "x": 1417, "y": 6803, "width": 9071,
                                 "size": 40}
    assert fields["decision_line"]["text"] == "Quyết định số 1234/QĐ-UBND ngày 09 tháng 12 năm 2024"
    assert fields["place_date"]["text"] == "Long Xuyên, ngày 09 tháng 12 năm 2024"
    assert fields["signer_name"]["text"] == "Trần Minh Quang"
    # A collective without a workplace of its own has no "detail" box at all (nothing printed empty).
    tram = next(c for c in context["certificates"] if c["fields"][0]["text"] == "Trạm Y tế phường Mỹ Bình")
    assert "detail" not in {f["name"] for f in tram["fields"]}


def test_the_calibration_context_names_each_box_with_its_coordinates():
    context = builders.build_campaign_context("certificates_calibration", None, layout=_moved_layout())
    labels = [f["label"] for f in context["fields"]]
    assert labels[0] == "Họ và tên (tên tập thể): cách mép trái 25 mm, cách mép trên 120 mm, rộng 160 mm, cỡ chữ 20 pt"
    assert "Chức vụ, đơn vị công tác: cách mép trái 25 mm, cách mép trên 135,5 mm" in labels[1]
    assert not any(label.startswith("Chức vụ người ký") for label in labels)
    assert "Khổ A4 khổ dọc (210 × 297 mm)" in context["paper_line"]


def test_a_layout_off_the_paper_makes_no_document():
    layout = _moved_layout()
    layout["fields"]["awardee"]["x"] = 300.0
    with pytest.raises(builders.DocumentDataError, match="Họ và tên"):
        builders.build_campaign_context("certificates_calibration", None, layout=layout)


# --- printed by LibreOffice -------------------------------------------------------------------------------

def _convert(tmp_path: Path, name: str, content: bytes) -> Path:
    source = tmp_path / f"{name}.docx"
    source.write_bytes(content)
    subprocess.run(
        ["soffice", f"-env:UserInstallation=file://{tmp_path / 'profile'}", "--headless", "--convert-to", "pdf",
         "--outdir", str(tmp_path), str(source)],
        check=True, capture_output=True, timeout=180,
    )
    return tmp_path / f"{name}.pdf"


def _pages(pdf: Path) -> list[dict]:
    """Each page's size and words (text, box) in millimetres, from ``pdftotext -bbox``."""
    html = subprocess.run(["pdftotext", "-bbox", str(pdf), "-"], check=True, capture_output=True,
                          text=True).stdout
    pages = []
    for page in re.finditer(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', html, re.S):
        words = [{"text": unicodedata.normalize("NFC", m.group(5).replace("&amp;", "&").replace("&lt;", "<")
                                                .replace("&gt;", ">")),
                  **{key: float(v) * MM_PER_POINT for key, v in zip(("x0", "y0", "x1", "y1"), m.groups()[:4])}}
                 for m in re.finditer(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">'
                                      r'([^<]*)</word>', page.group(3))]
        pages.append({"width": float(page.group(1)) * MM_PER_POINT, "height": float(page.group(2)) * MM_PER_POINT,
                      "words": words})
    return pages


def _line_at(words: list[dict], text: str, box: dict) -> list[dict]:
    """The words of the line that starts ``text`` nearest the top of ``box``, inside its width."""
    first = text.split()[0]
    inside = [w for w in words if w["x0"] >= box["x"] - TOLERANCE_MM and w["x1"] <= box["x"] + box["width"] + TOLERANCE_MM]
    starts = [w for w in inside if w["text"] == first]
    assert starts, f"{first!r} is not printed inside its box"
    start = min(starts, key=lambda w: abs(w["y0"] - box["y"]))
    return sorted((w for w in inside if abs(w["y0"] - start["y0"]) < 0.5), key=lambda w: w["x0"])


def _rendered(kind: str, layout=None) -> bytes:
    return builders.render_campaign_document(kind, builders.sample_campaign_snapshot(), layout=layout) \
        if kind != "certificates_calibration" else \
        builders.render_campaign_document(kind, None, layout=layout)


# LibreOffice prints what the renderer made, whatever the database: run once, in the SQLite pass.
@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="database-independent; run in the SQLite pass")
def test_on_blanks_each_field_prints_where_the_layout_says(tmp_path):
    layout = _moved_layout()
    pages = _pages(_convert(tmp_path, "phoi", _rendered("certificates_blank", layout)))
    assert len(pages) == 10  # one sheet per awardee
    assert round(pages[0]["width"]) == 210 and round(pages[0]["height"]) == 297
    context = builders.build_campaign_context("certificates_blank", builders.sample_campaign_snapshot(),
                                              layout=layout)
    checked = 0
    for page, certificate in zip(pages, context["certificates"]):
        for field in certificate["fields"]:
            box = layout["fields"][field["name"]]
            line = _line_at(page["words"], field["text"], box)
            assert " ".join(field["text"].split()).startswith(" ".join(w["text"] for w in line)), field["name"]
            top = min(w["y0"] for w in line)
            left, right = line[0]["x0"], line[-1]["x1"]
            # The text's top at the box's top, centred in its width.
            assert abs(top - box["y"]) <= TOLERANCE_MM, (field["name"], top, box)
            assert abs((left + right) / 2 - (box["x"] + box["width"] / 2)) <= TOLERANCE_MM, (field["name"], left, right)
            checked += 1
        # Nothing but the variable text: the blank carries the rest.
        text = " ".join(w["text"] for w in page["words"])
        assert "CỘNG HÒA" not in text and "GIẤY KHEN" not in text and "PHÓ CHỦ TỊCH" not in text
    assert checked >= 50


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="database-independent; run in the SQLite pass")
def test_the_calibration_page_draws_each_box_at_its_coordinates(tmp_path):
    layout = _moved_layout()
    pages = _pages(_convert(tmp_path, "can_chinh", _rendered("certificates_calibration", layout)))
    assert len(pages) == 1 and round(pages[0]["width"]) == 210
    words = pages[0]["words"]
    text = " ".join(w["text"] for w in words)
    assert "TRANG CĂN CHỈNH VỊ TRÍ IN TRÊN PHÔI" in text
    for name, box in layout["fields"].items():
        label = layouts.FIELD_LABELS[name]
        if not box["is_printed"]:
            assert f"{label}:" not in text
            continue
        line = _line_at(words, label, box)
        # The label sits in its box: inside the width, on the box's line (one line of the field's font).
        assert box["y"] - TOLERANCE_MM <= min(w["y0"] for w in line) <= box["y"] + layouts.line_height_mm(
            box["font_size"]) + TOLERANCE_MM, name
        assert f"cách mép trái {box['x']:g} mm".replace(".", ",") in text


@pytest.mark.slow
@pytest.mark.skipif(shutil.which("soffice") is None, reason="LibreOffice is not installed")
@pytest.mark.skipif(bool(os.environ.get("TEST_DATABASE_URL")), reason="database-independent; run in the SQLite pass")
def test_the_full_certificate_fills_one_bordered_sheet_each(tmp_path):
    snapshot = builders.sample_campaign_snapshot()
    # A long name, position and citation still fit on their one sheet.
    snapshot["awardees"][0].update({
        "full_name": "Nguyễn Thị Hoàng Phương Thảo Nguyên",
        "position": "Phó Chủ tịch Ủy ban nhân dân phường kiêm Trưởng ban Chỉ đạo thực hiện chính sách bảo hiểm xã hội",
        "citation": "Đã có thành tích xuất sắc trong việc tuyên truyền, vận động người thân tham gia bảo hiểm xã hội "
                    "tự nguyện, bảo hiểm y tế hộ gia đình, góp phần hoàn thành vượt mức chỉ tiêu phát triển người "
                    "tham gia bảo hiểm của thành phố trong đợt cao điểm năm 2024, được Ban Chỉ đạo ghi nhận."})
    pages = _pages(_convert(tmp_path, "giay_khen", builders.render_campaign_document("certificates", snapshot)))
    assert len(pages) == 10
    assert any("Thảo" in " ".join(w["text"] for w in page["words"]) for page in pages)
    for page in pages:
        assert round(page["width"]) == 297 and round(page["height"]) == 210
        text = " ".join(w["text"] for w in page["words"])
        for part in ("CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM", "Độc lập - Tự do - Hạnh phúc", "CHỦ TỊCH ỦY BAN NHÂN DÂN",
                     "TẶNG", "GIẤY KHEN", "Quyết định số 1234/QĐ-UBND", "Long Xuyên, ngày 09 tháng 12 năm 2024",
                     "Trần Minh Quang"):
            assert part in text, part
        # Everything inside the border (9 mm from the edges), the signer's name in the lower half.
        assert min(w["x0"] for w in page["words"]) > 12 and max(w["x1"] for w in page["words"]) < 285
        assert max(w["y1"] for w in page["words"]) < 198
        signer = next(w for w in page["words"] if w["text"] == "Quang")
        assert signer["y0"] > 105


# --- kept per campaign, through the API -------------------------------------------------------------------

def test_the_layout_api_saves_checks_and_audits(as_user, world):
    campaign = world["campaign"]
    url = LAYOUT_URL.format(campaign.id)
    admin = as_user("admin")
    first = admin.get(url)
    assert first.status_code == 200 and first.get_json()["is_default"] is True
    assert first.get_json()["fields"]["awardee"]["x"] == 40.0

    layout = _moved_layout()
    saved = admin.put(url, json=layout)
    assert saved.status_code == 200, saved.get_json()
    body = saved.get_json()
    assert body["is_default"] is False and body["orientation"] == "portrait"
    assert body["fields"]["detail"]["y"] == 135.5 and body["fields"]["signer_title"]["is_printed"] is False
    row = db.session.scalar(sa.select(CertificateLayout).where(CertificateLayout.campaign_id == campaign.id))
    assert row.paper == "A4" and row.fields["awardee"]["x"] == 25.0

    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate_layout.save")).one()
    assert event.actor_id == world["users"]["admin"].id and event.campaign_id == campaign.id
    assert event.changes["orientation"] == {"old": "landscape", "new": "portrait"}
    assert event.changes["awardee.x"] == {"old": 40.0, "new": 25.0}
    assert event.changes["signer_title.is_printed"] == {"old": True, "new": False}
    assert "detail.width" in event.changes and "paper" not in event.changes  # only what changed

    from service import audit
    sentence = audit.sentence(event)
    assert sentence.startswith(f"{world['users']['admin'].full_name} sửa vị trí in giấy khen trên phôi: "
                               "Hướng giấy Khổ ngang → Khổ dọc; Họ và tên (tên tập thể), cách mép trái (mm) 40 → 25;")
    assert "Chức vụ, đơn vị công tác, cách mép trên (mm) 108 → 135,5" in sentence
    assert "Chức vụ người ký, in trên phôi có → không" in sentence

    # Saving the same layout again changes nothing and writes nothing.
    assert admin.put(url, json=layout).status_code == 200
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action == "certificate_layout.save")) == 1

    reset = admin.delete(url)
    assert reset.status_code == 200 and reset.get_json()["is_default"] is True
    event = db.session.scalars(sa.select(AuditEvent).where(AuditEvent.action == "certificate_layout.reset")).one()
    assert event.changes["awardee.x"] == {"old": 25.0, "new": 40.0}
    assert _error(admin.delete(url), 404)["message"] == "Phong trào đang dùng vị trí in mặc định."


def test_the_layout_api_refuses_boxes_off_the_paper_in_vietnamese(as_user, world):
    url = LAYOUT_URL.format(world["campaign"].id)
    admin = as_user("admin")
    layout = _moved_layout()
    layout["fields"]["awardee"]["width"] = 200.0  # 25 + 200 mm on a 210 mm wide portrait sheet
    error = _error(admin.put(url, json=layout), 422)
    assert error["code"] == "invalid_certificate_layout"
    assert error["message"].startswith("Vị trí in trên phôi chưa hợp lệ: Họ và tên (tên tập thể): mép phải")
    assert error["fields"]["fields.awardee.width"] == [
        "Họ và tên (tên tập thể): mép phải của ô ở 225 mm (cách mép trái 25 mm cộng chiều rộng 200 mm), "
        "vượt quá chiều rộng khổ A4 khổ dọc (210 mm)."]
    # The schema's own checks: the paper, a number where a number goes.
    layout = _moved_layout()
    layout["paper"], layout["fields"]["citation"]["x"] = "B5", "bốn mươi"
    error = _error(admin.put(url, json=layout), 422)
    messages = str(error["fields"])
    assert "Phải là một trong: A4, A3, A5." in messages and "Phải là một số." in messages
    assert db.session.scalar(sa.select(sa.func.count()).select_from(CertificateLayout)) == 0
    assert db.session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                             .where(AuditEvent.action.like("certificate_layout.%"))) == 0
    # Only an administrator keeps the layout.
    assert _error(as_user("reviewer").put(url, json=_moved_layout()), 403)["message"] == (
        "Chỉ quản trị hệ thống mới được sửa vị trí in giấy khen trên phôi.")


def test_the_round_certificates_download_takes_a_mode(as_user, world):
    from conftest import docx_text

    first, _, round_id = _dossier(as_user, world["campaign"].id)
    _accept(as_user, first)
    fire_round(as_user("reviewer"), round_id, "consolidate_early", "collecting", comment="Đủ.")
    fire_round(as_user("reviewer"), round_id, "propose", "consolidating", proposal_number="3/TTr-PYT",
               proposal_date=dt.date(2024, 12, 10))
    assert as_user("admin").put(LAYOUT_URL.format(world["campaign"].id), json=_moved_layout()).status_code == 200
    approver = as_user("approver")
    url = f"/api/v1/rounds/{round_id}/documents/certificates.docx"

    full = approver.get(url)
    assert full.status_code == 200 and "CỘNG HÒA XÃ HỘI CHỦ NGHĨA VIỆT NAM" in docx_text(full.data)
    assert approver.get(url + "?mode=full").data == full.data
    blank = approver.get(url + "?mode=blank")
    assert blank.status_code == 200 and f"giay_khen_in_phoi_dot{round_id}.docx" in blank.headers["Content-Disposition"]
    text = docx_text(blank.data)
    assert "Trần Văn Ánh" in text and "CỘNG HÒA" not in text
    # The saved layout places the text: the first awardee's name at 25 mm, 120 mm (in twips).
    assert b'w:x="1417" w:y="6803"' in _document_xml(blank.data)
    calibration = approver.get(url + "?mode=calibration")
    assert calibration.status_code == 200 and "cách mép trên 120 mm" in docx_text(calibration.data)

    error = _error(approver.get(url + "?mode=phoi"), 422)
    assert error["code"] == "invalid_mode" and error["message"] == (
        "Không có cách in “phoi”. Chọn một trong: full (bản in đầy đủ), blank (in trên phôi), "
        "calibration (trang căn chỉnh).")
    assert "mode" in error["fields"]
    error = _error(approver.get(f"/api/v1/rounds/{round_id}/documents/quyet_dinh.docx?mode=blank"), 422)
    assert error["message"] == "Chỉ giấy khen mới in được theo cách “in trên phôi”."


def _document_xml(content: bytes) -> bytes:
    import io
    import zipfile

    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        return archive.read("word/document.xml")



# --- positions in attributes, proven safe to stream --------------------------------------------------------

W = 'xmlns:w="http://schemas.openxmlformats.org/wordprocessingml/2006/main"'


@pytest.mark.parametrize("value, streamable", [
    ("{{ f.x|int }}", True),
    ("{{ 'landscape' if page.is_landscape else 'portrait' }}", True),
    ("{{ f.x }}", False),  # a string could hold a quote, an ampersand or a line break
    ("{{ f.x|int(3) }}", False),
    ("{{ 'a b' if page.is_landscape else 'c' }}", False),
    ("{{ 'landscape' if page.is_landscape }}", False),
])
def test_only_numbers_and_constant_words_stand_in_attributes(value, streamable):
    from service.documents.engine import proof

    body = f'<w:body><w:p><w:pPr><w:framePr w:x="{value}"/></w:pPr><w:r><w:t>x</w:t></w:r></w:p></w:body>'
    assert proof.always_well_formed(body, f"<w:document {W}>", "</w:document>") is streamable


def test_the_blank_certificates_stream_as_they_render_checked():
    from lxml import etree

    from service.documents.engine import render

    context = builders.build_campaign_context("certificates_blank", builders.sample_campaign_snapshot(),
                                              layout=_moved_layout())
    prepared = render.prepared_for(builders.campaign_template_path("certificates_blank"))
    assert prepared.body.streamed is not None  # proven well-formed: a province's round streams
    streamed = _document_xml(builders.render_campaign_document("certificates_blank",
                                                               builders.sample_campaign_snapshot(),
                                                               layout=_moved_layout()))
    assert streamed == render.render_body_checked(prepared, context)
    etree.fromstring(streamed)
    assert streamed.count(b'w:x="1417" w:y="6803"') == 10 and b'w:orient="portrait"' in streamed
