"""How pages write dates, times, numbers and sizes: the Vietnamese way, in Vietnam time."""
from __future__ import annotations

import datetime as dt
from numbers import Number

from ..clock import to_local
from ..documents.vnformat import format_number, format_percent_value


def datetime_vn(value: dt.datetime | None) -> str:
    """``05/12/2024 14:30`` in Vietnam time; empty for None."""
    if value is None:
        return ""
    return to_local(value).strftime("%d/%m/%Y %H:%M")


def date_vn(value: dt.date | None) -> str:
    if value is None:
        return ""
    return value.strftime("%d/%m/%Y")


def iso_datetime(value: dt.datetime | None) -> str:
    """Machine-readable time for ``<time datetime=...>``."""
    return to_local(value).isoformat(timespec="minutes") if value else ""


def number_vn(value: Number | None) -> str:
    """``2.340.000``, ``1,5``; empty for None."""
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    return format_number(value)


def percent_vn(value: Number | None) -> str:
    """A percentage value (0..100): ``88,89%``."""
    if value is None:
        return ""
    return format_percent_value(value)


def size_vn(size: int) -> str:
    if size < 1024:
        return f"{size} byte"
    return f"{format_number(round(size / 1024, 1))} KB"


def days_left_text(days: int) -> str:
    if days > 1:
        return f"còn {days} ngày"
    if days == 1:
        return "còn 1 ngày (hạn cuối là ngày mai)"
    if days == 0:
        return "hôm nay là ngày cuối cùng"
    return f"đã quá hạn {-days} ngày"


# Names that keep their capital inside a sentence (Decree 30/2020/NĐ-CP, Annex II: the names of awards
# and of bodies are capitalised wherever they stand).
_PROPER_OPENINGS = ("Giấy khen", "Bằng khen", "Hội đồng", "Ủy ban", "Chiến sĩ thi đua", "Cờ thi đua",
                    "Huân chương", "Huy chương")


def in_sentence(title: str) -> str:
    """A title or label used inside a sentence: "Tờ trình đề nghị …" → "tờ trình đề nghị …"; the rest of the
    text keeps its capitals ("Hội đồng Thi đua - Khen thưởng"), and so does a name that opens it."""
    title = str(title or "")
    if title.startswith(_PROPER_OPENINGS) or len(title) < 2 or not title[1].islower():
        return title
    return title[:1].lower() + title[1:]


def register_filters(app) -> None:
    app.jinja_env.filters.update({
        "in_sentence": in_sentence,
        "datetime_vn": datetime_vn,
        "date_vn": date_vn,
        "iso_datetime": iso_datetime,
        "number_vn": number_vn,
        "percent_vn": percent_vn,
        "size_vn": size_vn,
    })
