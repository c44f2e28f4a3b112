"""The register's foundation: names folded for search, and people matched strictly."""
from service.db import db
from service.models import Person
from service.operations.people import find_or_create_person
from service.text import fold_name


def test_fold_name_drops_marks_and_folds_d():
    assert fold_name("  Nguyễn  Văn Đức ") == "nguyen van duc"
    assert fold_name("ĐỖ THỊ HỒNG") == "do thi hong"
    # Decomposed input (NFD) folds the same as composed.
    assert fold_name("Nguye\u0302\u0303n") == "nguyen"
    assert fold_name("Lê Thuỷ") == fold_name("Lê Thủy") == "le thuy"


def test_find_or_create_person_matches_once_and_keeps_units_apart(app, make_unit):
    units = [make_unit(code="P1"), make_unit(code="P2")]
    first = find_or_create_person(None, kind="individual", full_name="Nguyễn Văn An", unit_id=units[0].id,
                                  gender="male")
    again = find_or_create_person(None, kind="individual", full_name="nguyễn  văn an", unit_id=units[0].id,
                                  gender="male")
    elsewhere = find_or_create_person(None, kind="individual", full_name="Nguyễn Văn An", unit_id=units[1].id,
                                      gender="male")
    woman = find_or_create_person(None, kind="individual", full_name="Nguyễn Văn An", unit_id=units[0].id,
                                  gender="female")
    assert again.id == first.id
    assert len({first.id, elsewhere.id, woman.id}) == 3
    assert first.name_folded == "nguyen van an"
    assert [p.unit_id for p in first.placements] == [units[0].id]
    assert db.session.query(Person).count() == 3
