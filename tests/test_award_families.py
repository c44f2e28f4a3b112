"""Titles are recognised, commendations are given (Law 06/2022/QH15, art. 7 and 9)."""
import pytest

from service.awards.families import award_phrase, form_family
from service.campaigns.definition import DefinitionError, parse_definition


@pytest.mark.parametrize("form, family", [
    ({"name": "Giấy khen", "category": "giay_khen"}, "commendation"),
    ({"name": "Bằng khen của Chủ tịch UBND tỉnh", "category": "bang_khen_bo_tinh"}, "commendation"),
    ({"name": "Chiến sĩ thi đua cơ sở", "category": "chien_si_thi_dua_co_so"}, "title"),
    ({"name": "Chiến sĩ thi đua cơ sở"}, "title"),
    ({"name": "Danh hiệu “Lao động tiên tiến”"}, "title"),
    ({"name": "Tập thể lao động xuất sắc"}, "title"),
    ({"name": "Giấy khen", "family": "title"}, "title"),
])
def test_family_from_statement_category_then_name(form, family):
    assert form_family(form) == family


def test_phrases_name_the_verb_of_each_family():
    assert award_phrase({"name": "Chiến sĩ thi đua cơ sở"}) == "công nhận danh hiệu “Chiến sĩ thi đua cơ sở”"
    assert award_phrase({"name": "Giấy khen"}) == "tặng Giấy khen"


def test_a_campaign_file_states_the_family_or_is_refused(tmp_path):
    from pathlib import Path
    source = (Path(__file__).resolve().parent.parent / "campaigns" / "long-xuyen-9936-2024.yaml").read_text("utf-8")
    good = source.replace("    category: giay_khen\n", "    category: giay_khen\n    family: commendation\n", 1)
    definition = parse_definition(good)
    assert {f["family"] for f in definition.data["award_forms"]} == {"commendation"}
    bad = source.replace("    category: giay_khen\n", "    category: giay_khen\n    family: huy_chuong\n", 1)
    with pytest.raises(DefinitionError) as caught:
        parse_definition(bad)
    assert "Danh hiệu thi đua, Hình thức khen thưởng" in str(caught.value) and "dòng" in str(caught.value).lower()
