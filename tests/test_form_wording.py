"""Every document words each award form as the law does, and counts each form apart.

Law 06/2022/QH15: a title (danh hiệu thi đua, art. 7) is recognised, "công nhận danh hiệu “…”";
a commendation (hình thức khen thưởng, art. 9) is given, "tặng Giấy khen". A dossier or a round
mixing the two names each form with its own verb and count, and its lists group people by form.
"""
from __future__ import annotations

import pytest

from conftest import docx_text
from service.documents import builders
from service.documents.builders.forms import count_phrase, form_clauses, forms_subject, group_by_form, join_and

TITLE = {"code": "cstdcs", "name": "Chiến sĩ thi đua cơ sở", "family": "title"}
GIAY_KHEN_FULL = "Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên"
CSTDCS = "danh hiệu “Chiến sĩ thi đua cơ sở”"


def _mixed_dossier():
    snapshot = builders.sample_snapshot()
    for nominee in snapshot["nominees"]:
        if nominee["full_name"] == "Nguyễn Văn An":
            nominee["award_form"] = dict(TITLE)
    return snapshot


def _mixed_round():
    snapshot = builders.sample_campaign_snapshot()
    for awardee in snapshot["awardees"]:
        if awardee["full_name"] == "Nguyễn Văn An":
            # Chiến sĩ thi đua cơ sở: 1,0 × 2.340.000 đồng (Decree 98/2023, art. 71).
            awardee.update(award_form=dict(TITLE), multiplier=1.0, prize_raw=2_340_000, prize_rounded=2_340_000)
    return snapshot


# --- The shared wording ---------------------------------------------------------------------------------

def test_counts_and_clauses_are_written_one_way():
    assert join_and(["a"]) == "a" and join_and(["a", "b"]) == "a và b" and join_and(["a", "b", "c"]) == "a, b và c"
    assert count_phrase({"collective": 1, "individual": 11}) == "01 tập thể và 11 cá nhân"
    assert count_phrase({"individual": 2, "household": 3}) == "02 cá nhân và 03 hộ gia đình"
    people = ([{"kind": "collective", "award_form": {"name": "Giấy khen"}}]
              + [{"kind": "individual", "award_form": {"name": "Giấy khen"}}] * 11
              + [{"kind": "individual", "award_form": {"name": "Chiến sĩ thi đua cơ sở"}}])
    # The title comes first in the list: commendations are still named first.
    groups = group_by_form(list(reversed(people)))
    assert form_clauses(groups) == ("tặng Giấy khen cho 01 tập thể và 11 cá nhân; "
                                    "công nhận danh hiệu “Chiến sĩ thi đua cơ sở” cho 01 cá nhân")
    assert forms_subject(groups) == "tặng Giấy khen và công nhận danh hiệu “Chiến sĩ thi đua cơ sở”"
    assert [g.heading(n) for n, g in enumerate(groups, start=1)] == [
        "I. Tặng Giấy khen", "II. Công nhận danh hiệu “Chiến sĩ thi đua cơ sở”"]


def test_forms_with_the_same_wording_count_as_one():
    people = [{"kind": "collective", "award_form": {"code": "gk_tt", "name": "Giấy khen", "title": GIAY_KHEN_FULL}},
              {"kind": "individual", "award_form": {"code": "gk_cn", "name": "Giấy khen", "title": GIAY_KHEN_FULL}},
              {"kind": "individual", "award_form": {"code": "bk", "name": "Bằng khen"}}]
    groups = group_by_form(people)
    assert form_clauses(groups, full=True) == (f"tặng {GIAY_KHEN_FULL} cho 01 tập thể và 01 cá nhân; "
                                               "tặng Bằng khen cho 01 cá nhân")
    assert forms_subject(groups) == "tặng Giấy khen và Bằng khen"
    titles = people + [{"kind": "individual", "award_form": {"name": "Chiến sĩ thi đua cơ sở"}},
                       {"kind": "individual", "award_form": {"name": "Lao động tiên tiến"}}]
    assert forms_subject(group_by_form(titles)) == ("tặng Giấy khen, Bằng khen và công nhận danh hiệu “Chiến sĩ thi "
                                                   "đua cơ sở”, danh hiệu “Lao động tiên tiến”")


# --- A unit's dossier -----------------------------------------------------------------------------------

def test_dossier_to_trinh_words_each_form():
    context = builders.build_context("to_trinh", _mixed_dossier())
    assert context["subject"] == f"Về việc đề nghị tặng {GIAY_KHEN_FULL} và công nhận {CSTDCS}"
    assert context["proposal_awards"] == (f"tặng {GIAY_KHEN_FULL} cho 02 tập thể và 05 cá nhân; "
                                          f"công nhận {CSTDCS} cho 01 cá nhân")
    assert context["proposal_counts"] == "02 tập thể và 06 cá nhân"
    text = docx_text(builders.render_document("to_trinh", _mixed_dossier()))
    assert (f"xem xét, tặng {GIAY_KHEN_FULL} cho 02 tập thể và 05 cá nhân; công nhận {CSTDCS} cho 01 cá nhân "
            "đã có thành tích xuất sắc") in text
    assert "tặng Giấy khen của Chủ tịch Ủy ban nhân dân thành phố Long Xuyên cho 02 tập thể và 06 cá nhân" not in text


def test_dossier_bien_ban_concludes_per_form():
    context = builders.build_context("bien_ban", _mixed_dossier())
    assert context["conclusion"] == (f"Hội đồng thống nhất đề nghị tặng {GIAY_KHEN_FULL} cho 02 tập thể và 05 cá nhân; "
                                     f"công nhận {CSTDCS} cho 01 cá nhân (đạt số phiếu đồng ý theo quy định), gồm:")
    assert f"- Ông Nguyễn Văn An: công nhận {CSTDCS};" in context["passed_lines"]
    assert "- Bà Trần Thị Bình: tặng Giấy khen;" in context["passed_lines"]
    forms = {row["name"]: row["award_form"] for s in context["vote_sections"] for row in s["rows"]}
    assert forms["Ông Nguyễn Văn An"] == "Danh hiệu “Chiến sĩ thi đua cơ sở”"
    assert forms["Bà Trần Thị Bình"] == "Giấy khen"
    text = docx_text(builders.render_document("bien_ban", _mixed_dossier()))
    assert f"công nhận {CSTDCS} cho 01 cá nhân (đạt số phiếu đồng ý theo quy định)" in text


def test_dossier_danh_sach_has_a_part_per_form():
    context = builders.build_context("danh_sach", _mixed_dossier())
    assert [s["heading"] for s in context["sections"]] == [
        "I. Tặng Giấy khen", "II. Công nhận danh hiệu “Chiến sĩ thi đua cơ sở”"]
    assert [r["name"] for r in context["sections"][1]["rows"]] == ["Ông Nguyễn Văn An"]
    # Collectives first inside a form's part, numbered from 1.
    first = context["sections"][0]["rows"]
    assert [r["stt"] for r in first] == [str(i) for i in range(1, 8)]
    assert first[0]["name"] == "Công ty A&B <Chi nhánh 1>" and first[2]["name"] == "Bà Đỗ Thị An"
    assert context["total_line"] == ("Tổng cộng: 02 tập thể và 06 cá nhân (tặng Giấy khen cho 02 tập thể và "
                                     f"05 cá nhân; công nhận {CSTDCS} cho 01 cá nhân)./.")
    text = docx_text(builders.render_document("danh_sach", _mixed_dossier()))
    assert f"Đề nghị tặng {GIAY_KHEN_FULL} và công nhận {CSTDCS}" in text
    assert "II. Công nhận danh hiệu “Chiến sĩ thi đua cơ sở”" in text


def test_single_form_dossier_keeps_its_kind_sections():
    context = builders.build_context("danh_sach", builders.sample_snapshot())
    assert [s["heading"] for s in context["sections"]] == ["I. TẬP THỂ", "II. CÁ NHÂN"]
    assert context["total_line"] == "Tổng cộng: 02 tập thể và 06 cá nhân./."


# --- A round's documents --------------------------------------------------------------------------------

def test_round_to_trinh_words_and_groups_each_form():
    context = builders.build_campaign_context("to_trinh_tong_hop", _mixed_round())
    assert context["subject"].startswith(f"Về việc đề nghị tặng Giấy khen và công nhận {CSTDCS} cho các tập thể, "
                                         "cá nhân có thành tích xuất sắc trong đợt cao điểm")
    assert (f"xem xét, tặng {GIAY_KHEN_FULL} cho 03 tập thể và 06 cá nhân; công nhận {CSTDCS} cho 01 cá nhân "
            "đã có thành tích xuất sắc") in context["request"]
    assert context["annex"]["subtitle"] == f"Tập thể, cá nhân đề nghị tặng {GIAY_KHEN_FULL} và công nhận {CSTDCS}"
    assert [r["heading"] for r in context["rows"] if r["heading"]] == [
        "I. Tặng Giấy khen", "1. Ủy ban nhân dân phường Mỹ Bình", "a) Tập thể", "b) Cá nhân",
        "2. Ủy ban nhân dân phường Mỹ Long", "a) Tập thể", "b) Cá nhân",
        f"II. Công nhận {CSTDCS}", "1. Ủy ban nhân dân phường Mỹ Bình", "a) Cá nhân"]
    ranked = builders.build_campaign_context("to_trinh_tong_hop", _mixed_round(), annex_order="ranked")
    assert [r["heading"] for r in ranked["rows"] if r["heading"]] == [
        "I. Tặng Giấy khen", "1. Tập thể", "2. Cá nhân", f"II. Công nhận {CSTDCS}", "1. Cá nhân"]
    assert context["total_line"] == ("Tổng cộng: 03 tập thể và 07 cá nhân (tặng Giấy khen cho 03 tập thể và "
                                     f"06 cá nhân; công nhận {CSTDCS} cho 01 cá nhân)./.")


def test_round_decision_words_each_form_and_its_prize_money():
    context = builders.build_campaign_context("quyet_dinh", _mixed_round())
    assert context["subject"].startswith(f"Về việc tặng Giấy khen và công nhận {CSTDCS} cho các tập thể, cá nhân")
    assert context["article_1"].startswith(
        f"Tặng {GIAY_KHEN_FULL} cho 03 tập thể và 06 cá nhân; công nhận {CSTDCS} cho 01 cá nhân "
        "(có danh sách kèm theo)")
    # Giấy khen: 3 × 1.400.000 + 6 × 700.000 = 8.400.000; the title 2.340.000.
    assert context["article_2"].startswith(
        "Tiền thưởng theo quy định kèm theo Giấy khen: 8.400.000 đồng (Tám triệu bốn trăm nghìn đồng); "
        f"kèm theo {CSTDCS}: 2.340.000 đồng (Hai triệu ba trăm bốn mươi nghìn đồng); "
        "tổng số tiền là 10.740.000 đồng")
    assert [r["heading"] for r in context["rows"] if r["heading"]] == [
        "I. Tặng Giấy khen", "1. Tập thể", "2. Cá nhân", f"II. Công nhận {CSTDCS}", "1. Cá nhân"]
    assert context["annex"]["subtitle"] == f"Tập thể, cá nhân được tặng {GIAY_KHEN_FULL} và công nhận {CSTDCS}"
    text = docx_text(builders.render_campaign_document("quyet_dinh", _mixed_round()))
    assert f"II. Công nhận {CSTDCS}" in text and "10.740.000" in text


def test_certificates_give_a_commendation_and_recognise_a_title():
    context = builders.build_campaign_context("certificates", _mixed_round())
    pages = {c["awardee"]: (c["verb"], c["award_title"]) for c in context["certificates"]}
    assert pages["Ông Nguyễn Văn An"] == ("CÔNG NHẬN DANH HIỆU", "CHIẾN SĨ THI ĐUA CƠ SỞ")
    assert pages["Bà Trần Thị Bình"] == ("TẶNG", "GIẤY KHEN")
    text = docx_text(builders.render_campaign_document("certificates", _mixed_round())).split("\n")
    assert text.count("CÔNG NHẬN DANH HIỆU") == 1 and text.count("TẶNG") == 9
    title_at = text.index("CHIẾN SĨ THI ĐUA CƠ SỞ")
    assert text[title_at - 1] == "CÔNG NHẬN DANH HIỆU" and text[title_at + 1] == "Ông Nguyễn Văn An"


@pytest.mark.parametrize("kind", ["to_trinh_tong_hop", "quyet_dinh"])
def test_single_form_round_keeps_its_wording(kind):
    context = builders.build_campaign_context(kind, builders.sample_campaign_snapshot())
    assert "công nhận" not in str(context)
    assert context["total_line"].endswith("03 tập thể và 07 cá nhân./.")
