"""Award statistics across years (/khen-thuong/thong-ke, its .xlsx and GET /api/v1/awards/statistics).

Records are written straight into award_records by a small factory: the figures, the scope of each
role, revoked awards left out, the share of women, the charts and the Excel file are checked on them.
"""
from __future__ import annotations

import datetime as dt
import io
import re
import xml.etree.ElementTree as ET

import openpyxl
import pytest

from service.db import db
from service.models import AwardRecord, Person
from service.text import fold_name
from web.web_helpers import web  # noqa: F401 - fixture

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
def award(app):
    """``award(unit, year, ...)`` adds one award record (and its person) and returns it."""
    counter = iter(range(1, 10_000))

    def make(unit, year, *, kind="individual", gender=None, form="giay_khen_ca_nhan",
             form_name="Giấy khen cá nhân", prize=None, campaign=None, authority=None, revoked=False):
        number = next(counter)
        name = f"Nguyễn Thị Mẫu {number}" if kind == "individual" else f"Tổ công tác {number}"
        person = Person(kind=kind, full_name=name, name_folded=fold_name(name),
                        gender=gender if kind == "individual" else None, unit_id=unit.id)
        db.session.add(person)
        db.session.flush()
        record = AwardRecord(
            person_id=person.id, recipient_kind=kind, recipient_name=name, name_folded=fold_name(name),
            gender=gender if kind == "individual" else None, unit_id=unit.id, form_code=form, form_name=form_name,
            family="commendation", year=year, decision_number=f"{number}/QĐ-UBND",
            decision_date=dt.date(year, 12, 1), prize_amount=prize,
            campaign_id=campaign.id if campaign else None, authority_id=authority.id if authority else None,
            source="manual")
        if revoked:
            record.revoked_at = dt.datetime(year + 1, 3, 1, tzinfo=dt.timezone.utc)
            record.revocation_number = f"{number}/QĐ-UBND-TH"
            record.revocation_date = dt.date(year + 1, 3, 1)
            record.revocation_reason = "Khai man thành tích."
        db.session.add(record)
        db.session.flush()
        return record

    return make


@pytest.fixture
def register(world, make_unit, award):
    """Unit A's awards in the world's campaign; unit B's outside it (one decided by the city); unit C
    under the standing agency in the unit tree."""
    campaign, city, agency = world["campaign"], world["city"], world["agency"]
    unit_a, unit_b = world["unit_a"], world["unit_b"]
    unit_c = make_unit("unit-c", place="Bình Khánh", parent=agency)
    award(unit_a, 2023, gender="female", prize=500_000, campaign=campaign)
    award(unit_a, 2023, gender="male", prize=500_000, campaign=campaign)
    award(unit_a, 2024, kind="collective", form="giay_khen_tap_the", form_name="Giấy khen tập thể",
          prize=1_000_000, campaign=campaign)
    award(unit_a, 2024, gender="female", prize=500_000, campaign=campaign)
    award(unit_a, 2024, gender="female", prize=9_000_000, campaign=campaign, revoked=True)
    award(unit_b, 2022, gender="male", prize=300_000, authority=city)
    award(unit_b, 2024, gender=None)
    award(unit_c, 2024, gender="female", form="bang_khen", form_name="Bằng khen của Chủ tịch UBND tỉnh")
    db.session.commit()
    return {"unit_c": unit_c}


def stats_of(as_user, name, query=""):
    response = as_user(name).get(f"/api/v1/awards/statistics{query}")
    assert response.status_code == 200, response.get_json()
    return response.get_json()


def by(rows, key):
    return {row[key]: row for row in rows}


def test_unit_figures_by_year_form_kind_gender_without_revoked(as_user, register):
    stats = stats_of(as_user, "clerk")
    assert stats["total"] == 4 and stats["revoked_excluded"] is True
    assert stats["prize_total"] == 2_500_000
    years = by(stats["by_year"], "year")
    assert {y: r["count"] for y, r in years.items()} == {2023: 2, 2024: 2}
    assert years[2024]["prize_total"] == 1_500_000 and years[2024]["women"] == 1
    forms = by(stats["by_form"], "form")
    assert forms["giay_khen_ca_nhan"]["count"] == 3 and forms["giay_khen_tap_the"]["count"] == 1
    kinds = by(stats["by_kind"], "kind")
    assert kinds["individual"]["count"] == 3 and kinds["collective"]["count"] == 1
    assert kinds["collective"]["label"] == "Tập thể"
    genders = by(stats["by_gender"], "gender")
    assert genders["female"]["count"] == 2 and genders["male"]["count"] == 1 and genders[None]["count"] == 0
    assert stats["individuals"] == 3 and stats["women"] == 2 and stats["women_share"] == 66.67
    assert [row["unit_name"] for row in stats["by_unit"]] == ["Ủy ban nhân dân phường Mỹ Bình"]


def test_share_of_women_counts_only_recorded_genders(as_user, register):
    stats = stats_of(as_user, "clerk_b")
    assert stats["total"] == 2 and stats["individuals"] == 2 and stats["women"] == 0
    assert stats["women_share"] == 0.0
    assert by(stats["by_gender"], "gender")[None]["count"] == 1


@pytest.mark.parametrize("name, total, units", [
    ("admin", 7, {"unit-a", "unit-b", "unit-c"}),
    ("clerk", 4, {"unit-a"}), ("head", 4, {"unit-a"}), ("secretary", 4, {"unit-a"}),
    ("clerk_b", 2, {"unit-b"}),
    # The standing agency: the campaign it handles and the units under it.
    ("reviewer", 5, {"unit-a", "unit-c"}),
    # The authority: the campaign it decides and the awards its unit decided.
    ("approver", 5, {"unit-a", "unit-b"}),
    ("outsider_reviewer", 2, {"unit-b"}),
])
def test_scope_per_role(as_user, world, register, name, total, units):
    from service.models import Unit
    stats = stats_of(as_user, name)
    assert stats["total"] == total
    codes = {db.session.get(Unit, row["unit_id"]).code for row in stats["by_unit"]}
    assert codes == units


def test_a_unit_cannot_read_another_units_figures(as_user, world, register):
    stats = stats_of(as_user, "clerk", f"?unit_id={world['unit_b'].id}")
    assert stats["total"] == 0 and stats["by_unit"] == [] and stats["by_year"] == []


def test_filters_year_unit_form(as_user, world, register):
    stats = stats_of(as_user, "admin", "?year_from=2024&year_to=2024")
    assert stats["total"] == 4 and [r["year"] for r in stats["by_year"]] == [2024]
    stats = stats_of(as_user, "admin", f"?unit_id={world['unit_b'].id}")
    assert stats["total"] == 2
    stats = stats_of(as_user, "admin", "?form=bang_khen")
    assert stats["total"] == 1 and stats["by_form"][0]["form_name"] == "Bằng khen của Chủ tịch UBND tỉnh"


@pytest.mark.parametrize("query, field", [
    ("?year_from=1800", "year_from"), ("?year_to=2201", "year_to"), ("?year_from=abc", "year_from"),
    ("?year_from=2025&year_to=2020", "year_to"), ("?unit_id=0", "unit_id"),
])
def test_bad_filters_are_refused_in_vietnamese(as_user, register, query, field):
    response = as_user("admin").get(f"/api/v1/awards/statistics{query}")
    assert response.status_code == 422
    error = response.get_json()["error"]
    assert field in str(error["fields"])
    assert any(word in str(error) for word in ("Năm", "năm", "số nguyên", "đơn vị"))


def test_page_bad_year_is_a_vietnamese_4xx(web, register):
    response = web("admin").get("/khen-thuong/thong-ke?year_from=3000")
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Năm phải từ 1945 đến 2200." in page and "Từ năm" in page


def test_page_shows_tables_and_well_formed_charts(web, register):
    response = web("clerk").get("/khen-thuong/thong-ke")
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Không tính các khen thưởng đã bị thu hồi" in page
    assert "2.500.000" in page and "66,67%" in page
    assert "Mỹ Long" not in page  # unit B's name appears nowhere on unit A's page
    svgs = re.findall(r'<svg xmlns="http://www.w3.org/2000/svg" class="chart".*?</svg>', page, re.S)
    assert len(svgs) == 3
    titles = []
    for svg in svgs:
        root = ET.fromstring(svg)
        assert root.tag == f"{SVG}svg" and root.get("role") == "img"
        titles.append(root.find(f"{SVG}title").text)
        assert root.findall(f".//{SVG}rect")
    assert titles == ["Số lượt khen thưởng theo năm", "Số lượt khen thưởng theo hình thức",
                      "Tỉ lệ nữ trong số lượt khen cá nhân đã ghi giới tính"]
    # Each chart has its table beside it.
    assert page.count("<caption>") == 5
    assert 'href="/khen-thuong/thong-ke"' in web("head_b").get("/").get_data(as_text=True)


def test_xlsx_has_one_sheet_per_breakdown_with_the_numbers(web, register):
    response = web("reviewer").get("/khen-thuong/thong-ke.xlsx?year_to=2024")
    assert response.status_code == 200
    workbook = openpyxl.load_workbook(io.BytesIO(response.data))
    assert workbook.sheetnames[:5] == ["Theo năm", "Theo đơn vị", "Theo hình thức", "Tập thể - cá nhân",
                                       "Theo giới tính"]
    years = [row for row in workbook["Theo năm"].iter_rows(values_only=True)]
    assert years[0][0] == "Năm"
    assert years[1:] == [(2023, 2, 1, 1_000_000), (2024, 3, 2, 1_500_000), ("Cộng", 5, 3, 2_500_000)]
    units = {row[0]: row[1] for row in workbook["Theo đơn vị"].iter_rows(min_row=2, values_only=True)}
    assert units == {"Ủy ban nhân dân phường Mỹ Bình": 4, "Ủy ban nhân dân phường Bình Khánh": 1, "Cộng": 5}


def test_xlsx_refuses_bad_filter(web, register):
    response = web("admin").get("/khen-thuong/thong-ke.xlsx?year_to=1900")
    assert response.status_code == 422
