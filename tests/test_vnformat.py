"""Vietnamese formatting helpers and name order (service.documents.vnformat, .collation)."""

import datetime as dt
import random
import unicodedata
from decimal import Decimal

import pytest

from service.documents import collation, vnformat


# --- dates and times (Decree 30/2020 Annex I) ------------------------------

@pytest.mark.parametrize(
    "day, expected",
    [
        (dt.date(2026, 1, 5), "ngày 05 tháng 01 năm 2026"),
        (dt.date(2026, 2, 28), "ngày 28 tháng 02 năm 2026"),
        (dt.date(2026, 3, 9), "ngày 09 tháng 3 năm 2026"),
        (dt.date(2024, 11, 15), "ngày 15 tháng 11 năm 2024"),
        (dt.date(2024, 12, 2), "ngày 02 tháng 12 năm 2024"),
        (dt.datetime(2024, 10, 1, 8, 30), "ngày 01 tháng 10 năm 2024"),
    ],
)
def test_format_date_long(day, expected):
    assert vnformat.format_date_long(day) == expected


def test_format_date_long_rejects_non_dates():
    with pytest.raises(TypeError):
        vnformat.format_date_long("2024-11-15")


def test_format_place_date():
    assert (
        vnformat.format_place_date("Long Xuyên", dt.date(2024, 11, 15))
        == "Long Xuyên, ngày 15 tháng 11 năm 2024"
    )


def test_format_place_date_normalises_decomposed_input():
    place = unicodedata.normalize("NFD", "Mỹ Bình")
    result = vnformat.format_place_date(place, dt.date(2024, 1, 2))
    assert result == "Mỹ Bình, ngày 02 tháng 01 năm 2024"
    assert unicodedata.is_normalized("NFC", result)


def test_format_date_short():
    assert vnformat.format_date_short(dt.date(2024, 11, 15)) == "15/11/2024"
    assert vnformat.format_date_short(dt.date(2026, 3, 9)) == "09/03/2026"


def test_format_time():
    assert vnformat.format_time(dt.datetime(2024, 12, 2, 8, 0)) == "08 giờ 00 phút"
    assert vnformat.format_time(dt.time(14, 5)) == "14 giờ 05 phút"
    assert vnformat.format_time(dt.datetime(2024, 12, 2, 10, 30)) == "10 giờ 30 phút"
    with pytest.raises(TypeError):
        vnformat.format_time(dt.date(2024, 12, 2))


# --- numbers ---------------------------------------------------------------

@pytest.mark.parametrize(
    "value, decimals, expected",
    [
        (2340000, None, "2.340.000"),
        (1.5, None, "1,5"),
        (0, None, "0"),
        (-1234.5, None, "-1.234,5"),
        (Decimal("1234567.891"), None, "1.234.567,891"),
        (1.5, 2, "1,50"),
        (2.345, 2, "2,35"),
        (1999.5, 0, "2.000"),
    ],
)
def test_format_number(value, decimals, expected):
    assert vnformat.format_number(value, decimals) == expected


def test_format_count_uses_two_digits_below_ten():
    assert [vnformat.format_count(n) for n in (0, 2, 9, 10, 150, 1200)] == [
        "00", "02", "09", "10", "150", "1.200",
    ]


@pytest.mark.parametrize(
    "value, expected",
    [
        (29.72, "29,72%"),
        (66.666666, "66,67%"),
        (66.665, "66,67%"),  # half up, not Babel's half-even
        (50, "50%"),
        (50.0, "50%"),
        (80.00, "80%"),
        (62.5, "62,5%"),
        (100, "100%"),
        (0, "0%"),
    ],
)
def test_format_percent_value(value, expected):
    assert vnformat.format_percent_value(value) == expected
    assert vnformat.format_percent(value) == expected


def test_format_ratio_percent():
    assert vnformat.format_ratio_percent(0.2972) == "29,72%"
    assert vnformat.format_ratio_percent(2 / 3) == "66,67%"
    assert vnformat.format_ratio_percent(0.5) == "50%"
    assert vnformat.format_ratio_percent(0.125, decimals=1) == "12,5%"


def test_format_money():
    assert vnformat.format_money(2340000) == "2.340.000 đồng"
    assert vnformat.format_money(702000.4) == "702.000 đồng"
    assert vnformat.format_money(0) == "0 đồng"


def test_format_number_rejects_non_numbers():
    with pytest.raises(TypeError):
        vnformat.format_number(True)
    with pytest.raises(TypeError):
        vnformat.format_number(None)


# --- document numbers (Decree 30/2020 Annex I) ------------------------------

def test_format_document_number():
    assert vnformat.format_document_number(5, "TTr", "UBND") == "Số: 05/TTr-UBND"
    assert vnformat.format_document_number(12, "TTr", "UBND") == "Số: 12/TTr-UBND"
    assert vnformat.format_document_number(2, "BB", "HĐTĐKT") == "Số: 02/BB-HĐTĐKT"
    assert vnformat.format_document_number(None, "TTr", "UBND") == "Số:       /TTr-UBND"
    # A công văn has no type abbreviation.
    assert vnformat.format_document_number(4111, None, "BHXH-TĐKT") == "Số: 4111/BHXH-TĐKT"


def test_document_reference():
    assert vnformat.document_reference(5, "TTr", "UBND") == "05/TTr-UBND"
    assert vnformat.document_reference(None, "TTr", "UBND").endswith("/TTr-UBND")
    assert vnformat.document_reference(None, "TTr", "UBND").strip() == "/TTr-UBND"


@pytest.mark.parametrize("bad", [0, -3, 2.5, True])
def test_document_number_rejects_invalid_numbers(bad):
    with pytest.raises(ValueError):
        vnformat.format_document_number(bad, "TTr", "UBND")


def test_document_number_needs_an_issuer():
    with pytest.raises(ValueError):
        vnformat.format_document_number(5, "TTr", "  ")


def test_honorific():
    assert vnformat.honorific("male") == "Ông"
    assert vnformat.honorific("female") == "Bà"
    assert vnformat.honorific(None) == ""
    with pytest.raises(ValueError):
        vnformat.honorific("other")


def test_nfc():
    decomposed = unicodedata.normalize("NFD", "Nguyễn Thị Ánh")
    assert decomposed != "Nguyễn Thị Ánh"
    assert vnformat.nfc(decomposed) == "Nguyễn Thị Ánh"
    assert vnformat.nfc(None) == ""


# --- numbers in words ------------------------------------------------------

@pytest.mark.parametrize(
    "number, words",
    [
        (0, "không"),
        (1, "một"),
        (5, "năm"),
        (10, "mười"),
        (11, "mười một"),
        (14, "mười bốn"),
        (15, "mười lăm"),
        (20, "hai mươi"),
        (21, "hai mươi mốt"),
        (24, "hai mươi bốn"),
        (25, "hai mươi lăm"),
        (101, "một trăm linh một"),
        (105, "một trăm linh năm"),
        (110, "một trăm mười"),
        (1000, "một nghìn"),
        (1001, "một nghìn không trăm linh một"),
        (1010, "một nghìn không trăm mười"),
        (2024, "hai nghìn không trăm hai mươi bốn"),
        (1050000, "một triệu không trăm năm mươi nghìn"),
        (1001000, "một triệu không trăm linh một nghìn"),
        (2340000, "hai triệu ba trăm bốn mươi nghìn"),
        (3510000, "ba triệu năm trăm mười nghìn"),
        (10000000, "mười triệu"),
        (1000000000, "một tỷ"),
        (1000000001, "một tỷ không trăm linh một"),
        (1000000000000, "một nghìn tỷ"),
        (-15, "âm mười lăm"),
    ],
)
def test_number_in_words(number, words):
    assert vnformat.number_in_words(number) == words


def test_number_in_words_rejects_non_integers():
    with pytest.raises(TypeError):
        vnformat.number_in_words(1.5)


def test_money_in_words():
    assert vnformat.money_in_words(3510000) == "Ba triệu năm trăm mười nghìn đồng"
    assert vnformat.money_in_words(702000) == "Bảy trăm linh hai nghìn đồng"
    assert vnformat.money_in_words(0) == "Không đồng"
    assert vnformat.money_in_words(1001000) == "Một triệu không trăm linh một nghìn đồng"


# --- name order (ICU vi collator) -----------------------------------------

def _shuffled(items):
    items = list(items)
    random.Random(7).shuffle(items)
    return items


@pytest.mark.parametrize(
    "ordered",
    [
        ["An", "Anh", "Ánh", "Ân", "Ẩn"],
        ["Dung", "Dũng", "Đức"],
        ["Uyên", "Ưng"],
        ["Ơn", "Phúc"],
    ],
)
def test_given_names_follow_the_vietnamese_alphabet(ordered):
    for attempt in range(3):
        items = _shuffled(ordered) if attempt else list(reversed(ordered))
        assert collation.sorted_by_given_name(items) == ordered


def test_letters_with_marks_stay_with_their_base_letter():
    # Code-point order would put every precomposed letter (Ẩ, Đ, Ư) after Z.
    names = ["Vy", "Ẩn", "Ưng", "Bình", "Đức", "Em"]
    assert sorted(names) != ["Ẩn", "Bình", "Đức", "Em", "Ưng", "Vy"]
    assert collation.sorted_by_given_name(names) == ["Ẩn", "Bình", "Đức", "Em", "Ưng", "Vy"]


def test_people_are_ordered_by_given_name_then_family_and_middle_names():
    names = ["Lê Văn Dũng", "Trần Thị Bình", "Nguyễn Văn An", "Đỗ Thị An", "Bùi Văn An"]
    assert collation.sorted_by_given_name(names) == [
        "Bùi Văn An", "Đỗ Thị An", "Nguyễn Văn An", "Trần Thị Bình", "Lê Văn Dũng",
    ]


def test_sort_key_ignores_normalisation_and_spacing():
    nfd = unicodedata.normalize("NFD", "Nguyễn Văn Ánh")
    assert collation.sort_key_vi(nfd) == collation.sort_key_vi("Nguyễn  Văn Ánh ")


def test_sorted_by_given_name_with_key():
    people = [{"n": "Trần Thị Bình"}, {"n": "Nguyễn Văn An"}]
    assert collation.sorted_by_given_name(people, key=lambda p: p["n"])[0]["n"] == "Nguyễn Văn An"


def test_collectives_sort_by_whole_name():
    nominees = [
        {"kind": "collective", "full_name": "Trạm Y tế phường Mỹ Bình"},
        {"kind": "collective", "full_name": "Công ty A&B <Chi nhánh 1>"},
        {"kind": "collective", "full_name": "Ban Điều hành khóm Đông Thạnh"},
    ]
    ordered = sorted(nominees, key=collation.nominee_sort_key)
    assert [n["full_name"] for n in ordered] == [
        "Ban Điều hành khóm Đông Thạnh",
        "Công ty A&B <Chi nhánh 1>",
        "Trạm Y tế phường Mỹ Bình",
    ]
    assert collation.sorted_by_name(["Đội B", "Đoàn A", "Dân vận"]) == ["Dân vận", "Đoàn A", "Đội B"]


def test_split_name():
    assert collation.split_name("Nguyễn Thị Ngọc Ánh") == ("Ánh", "Nguyễn Thị Ngọc")
    assert collation.split_name("Ánh") == ("Ánh", "")
