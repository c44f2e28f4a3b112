"""Vietnamese formatting helpers for administrative documents.

Pure functions, no I/O. Every string returned is Unicode NFC.

Conventions used here:

* Numbers follow the Vietnamese locale: ``.`` groups thousands and ``,``
  marks decimals (``2.340.000``, ``1,5``, ``29,72%``); Babel's ``vi`` locale
  does the grouping.
* Dates follow Decree 30/2020/NĐ-CP, Annex I: the day below 10 and the months
  1 and 2 carry a leading zero, the months 3 to 12 do not.
* Money is written with the word "đồng", never the "₫" sign.
"""

from __future__ import annotations

import datetime as _dt
import unicodedata
from decimal import ROUND_HALF_UP, Decimal
from numbers import Number

from babel import Locale
from babel.numbers import format_decimal

__all__ = [
    "nfc",
    "format_date_long",
    "format_date_short",
    "format_place_date",
    "format_time",
    "format_number",
    "format_count",
    "format_percent",
    "format_percent_value",
    "format_ratio_percent",
    "format_money",
    "format_document_number",
    "document_reference",
    "honorific",
    "number_in_words",
    "money_in_words",
]

# Parsed once: Babel would otherwise parse the identifier on every call.
_LOCALE = Locale.parse("vi")

# Blank left in a document number that has not been given yet: the records
# clerk writes the number by hand when the document is registered.
NUMBER_BLANK = "      "


def nfc(text: str | None) -> str:
    """Return ``text`` in Unicode NFC; ``None`` becomes the empty string."""
    if text is None:
        return ""
    return unicodedata.normalize("NFC", str(text))


# --------------------------------------------------------------------------
# Dates and times
# --------------------------------------------------------------------------

def _as_date(value: _dt.date | _dt.datetime) -> _dt.date:
    if isinstance(value, _dt.datetime):
        return value.date()
    if isinstance(value, _dt.date):
        return value
    raise TypeError(f"cần một ngày (date), nhận được {type(value).__name__}")


def _month_text(month: int) -> str:
    # Decree 30/2020/NĐ-CP, Annex I, section on place and date: months 1 and 2
    # are written with a leading zero so that "tháng 1" cannot be altered
    # into "tháng 11"/"tháng 12"; months 3..12 are written as they are.
    return f"{month:02d}" if month < 3 else str(month)


def format_date_long(value: _dt.date | _dt.datetime) -> str:
    """Return the date as ``ngày 05 tháng 01 năm 2026``.

    The day is always two digits; the month is two digits only for January
    and February (``ngày 09 tháng 3 năm 2026``), per Decree 30/2020 Annex I.
    """
    d = _as_date(value)
    return f"ngày {d.day:02d} tháng {_month_text(d.month)} năm {d.year}"


#: The date of a document not signed yet, left for whoever signs it to fill in by hand.
DATE_BLANK = "ngày … tháng … năm …"


def format_date_long_or_blank(value: _dt.date | _dt.datetime | None) -> str:
    """``format_date_long(value)``, or the blank ``ngày … tháng … năm …`` for a document not signed yet."""
    return DATE_BLANK if value is None else format_date_long(value)


def format_place_date(place: str, value: _dt.date | _dt.datetime | None) -> str:
    """Return the place-and-date line: ``Long Xuyên, ngày 15 tháng 11 năm 2024``; with no date
    (a draft), ``Long Xuyên, ngày … tháng … năm …``."""
    return nfc(f"{nfc(place).strip()}, {format_date_long_or_blank(value)}")


def format_date_short(value: _dt.date | _dt.datetime) -> str:
    """Return the date as ``dd/mm/yyyy`` (``15/11/2024``)."""
    d = _as_date(value)
    return f"{d.day:02d}/{d.month:02d}/{d.year}"


def format_time(value: _dt.datetime | _dt.time) -> str:
    """Return the clock time as ``08 giờ 30 phút`` (24-hour, two digits each)."""
    if not isinstance(value, (_dt.datetime, _dt.time)):
        raise TypeError(f"cần một thời điểm (datetime/time), nhận được {type(value).__name__}")
    return f"{value.hour:02d} giờ {value.minute:02d} phút"


# --------------------------------------------------------------------------
# Numbers
# --------------------------------------------------------------------------

def _to_decimal(value: Number | str | Decimal) -> Decimal:
    if isinstance(value, bool):
        raise TypeError("giá trị logic không phải là số")
    if isinstance(value, Decimal):
        return value
    if isinstance(value, float):
        # str() gives the shortest repr, so 29.72 stays 29.72 and not
        # 29.719999999999998863131622783839702606201171875.
        return Decimal(str(value))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, str):
        return Decimal(value)
    raise TypeError(f"cần một số, nhận được {type(value).__name__}")


def _round_half_up(value: Decimal, decimals: int) -> Decimal:
    # Babel rounds half to even (66,665 -> 66,66); official figures are read
    # the way people compute them by hand, i.e. half away from zero.
    return value.quantize(Decimal(1).scaleb(-decimals), rounding=ROUND_HALF_UP)


def format_number(value: Number | Decimal, decimals: int | None = None) -> str:
    """Format a number the Vietnamese way: ``2.340.000``, ``1,5``.

    ``decimals=None`` keeps the significant decimals (up to three, Babel's
    ``vi`` default); an integer ``decimals`` rounds half up and always shows
    exactly that many decimals (``format_number(1.5, 2)`` → ``1,50``).
    """
    number = _to_decimal(value)
    if decimals is None:
        return format_decimal(number, locale=_LOCALE)
    if decimals < 0:
        raise ValueError("số chữ số thập phân không được âm")
    number = _round_half_up(number, decimals)
    pattern = "#,##0" + ("." + "0" * decimals if decimals else "")
    return format_decimal(number, format=pattern, locale=_LOCALE)


def format_count(value: int) -> str:
    """Format a count as documents do: two digits below 10 (``02``), else grouped."""
    if value < 0:
        raise ValueError("số lượng không được âm")
    if value < 10:
        return f"{value:02d}"
    return format_number(value)


def format_percent_value(value: Number | Decimal, decimals: int = 2) -> str:
    """Format a value that is already a percentage: ``29.72`` → ``29,72%``.

    Rounded half up to at most ``decimals`` decimals, trailing zeros dropped
    (``66,67%``, ``50%``, ``80%``, ``62,5%``).
    """
    number = _round_half_up(_to_decimal(value), decimals)
    pattern = "#,##0" + ("." + "#" * decimals if decimals else "")
    return format_decimal(number, format=pattern, locale=_LOCALE) + "%"


def format_ratio_percent(ratio: Number | Decimal, decimals: int = 2) -> str:
    """Format a ratio as a percentage: ``0.2972`` → ``29,72%`` (see ``format_percent_value``)."""
    return format_percent_value(_to_decimal(ratio) * 100, decimals)


def format_percent(value: Number | Decimal, decimals: int = 2) -> str:
    """Format a percentage value (0..100, not a ratio): ``format_percent(50)`` → ``50%``.

    Same as ``format_percent_value``; the snapshot's ``vote_percent`` and the
    metric figures are percentages, so that is the meaning chosen here. Use
    ``format_ratio_percent`` for ratios (0..1).
    """
    return format_percent_value(value, decimals)


def format_money(amount: Number | Decimal) -> str:
    """Format an amount of money: ``2340000`` → ``2.340.000 đồng`` (rounded to whole đồng)."""
    whole = _round_half_up(_to_decimal(amount), 0)
    return f"{format_number(whole, 0)} đồng"


# --------------------------------------------------------------------------
# Document numbers (Decree 30/2020/NĐ-CP, Annex I: "Số, ký hiệu của văn bản")
# --------------------------------------------------------------------------

def document_reference(number: int | None, type_abbr: str | None, issuer_abbr: str) -> str:
    """Return the number-and-symbol of a document without the ``Số:`` label.

    ``(5, "TTr", "UBND")`` → ``05/TTr-UBND``; ``(None, "TTr", "UBND")`` →
    ``      /TTr-UBND`` (a blank for the records clerk); ``(4111, None,
    "BHXH-TĐKT")`` → ``4111/BHXH-TĐKT`` (a công văn has no type abbreviation).
    """
    issuer = nfc(issuer_abbr).strip()
    if not issuer:
        raise ValueError("thiếu chữ viết tắt của cơ quan ban hành")
    if number is None:
        number_text = NUMBER_BLANK
    else:
        if isinstance(number, bool) or not isinstance(number, int) or number < 1:
            raise ValueError(f"số văn bản không hợp lệ: {number!r}")
        # Decree 30/2020 Annex I: numbers below 10 are written with a leading 0.
        number_text = f"{number:02d}"
    symbol = f"{nfc(type_abbr).strip()}-{issuer}" if type_abbr else issuer
    return f"{number_text}/{symbol}"


def format_document_number(number: int | None, type_abbr: str | None, issuer_abbr: str) -> str:
    """Return the number line of a document header: ``Số: 05/TTr-UBND``."""
    return f"Số: {document_reference(number, type_abbr, issuer_abbr)}"


def honorific(gender: str | None) -> str:
    """Return ``Ông`` for ``male``, ``Bà`` for ``female`` and ``""`` for ``None``."""
    if gender is None:
        return ""
    if gender == "male":
        return "Ông"
    if gender == "female":
        return "Bà"
    raise ValueError(f"giới tính không hợp lệ: {gender!r}")


# --------------------------------------------------------------------------
# Numbers in words (formal reading, as written in money amounts)
# --------------------------------------------------------------------------

_DIGITS = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")
_GROUP_SCALES = ("", "nghìn", "triệu")
_BILLION = 10**9


def _read_group(value: int, full: bool) -> list[str]:
    """Words for a group of three digits (0 < value < 1000).

    ``full`` is true when a higher group was already read: then the hundreds
    are always spoken ("không trăm") and a lone unit takes "linh", which is
    how the formal reading keeps 1.001.000 apart from 1.100.000.
    """
    hundreds, rest = divmod(value, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if hundreds or full:
        words += [_DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append("linh")
            words.append(_DIGITS[units])
        return words
    words.append("mười" if tens == 1 else f"{_DIGITS[tens]} mươi")
    if units == 0:
        return words
    if units == 5:
        words.append("lăm")
    elif units == 1 and tens >= 2:
        words.append("mốt")
    else:
        words.append(_DIGITS[units])
    return words


def _read_below_billion(value: int, full: bool) -> list[str]:
    words: list[str] = []
    groups = [(value // 10**6) % 1000, (value // 1000) % 1000, value % 1000]
    for index, group in enumerate(groups):
        if group == 0:
            continue
        words += _read_group(group, full)
        scale = _GROUP_SCALES[2 - index]
        if scale:
            words.append(scale)
        full = True
    return words


def _read_positive(value: int, full: bool = False) -> list[str]:
    if value < _BILLION:
        return _read_below_billion(value, full)
    # Above a billion the reading repeats: 10^12 is "nghìn tỷ", 10^18 "tỷ tỷ".
    high, low = divmod(value, _BILLION)
    words = _read_positive(high, full) + ["tỷ"]
    if low:
        words += _read_below_billion(low, True)
    return words


def number_in_words(n: int) -> str:
    """Read an integer in formal Vietnamese, lower case.

    Inner zero hundreds are spoken: 1.050.000 → ``một triệu không trăm năm
    mươi nghìn``; 105 → ``một trăm linh năm``; 21 → ``hai mươi mốt``; 24 →
    ``hai mươi bốn``; 15 → ``mười lăm``; 0 → ``không``; 10^9 → ``một tỷ``.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError("chỉ đọc được số nguyên")
    if n == 0:
        return _DIGITS[0]
    if n < 0:
        return "âm " + number_in_words(-n)
    return " ".join(_read_positive(n))


def money_in_words(amount: Number | Decimal) -> str:
    """Read an amount of money in words, capitalised, ending with ``đồng``.

    ``3510000`` → ``Ba triệu năm trăm mười nghìn đồng``. The amount is rounded
    to whole đồng first.
    """
    whole = int(_round_half_up(_to_decimal(amount), 0))
    words = number_in_words(whole)
    return nfc(words[0].upper() + words[1:] + " đồng")
