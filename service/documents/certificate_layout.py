"""Where the variable text of a certificate goes on a pre-printed blank ("phôi").

Units that buy printed blanks (national emblem, border, "GIẤY KHEN" already on
them) print only the awardee, the achievement, the decision reference, the place
and date and the signer. Each campaign keeps the positions of its blank: the
paper, and for each field the distance of its box from the paper's left and top
edges, the box's width (all in millimetres) and the font size. This module holds
the fields, the defaults, the rule that every box stays on the paper, and the
conversions the documents need. No Flask, no database.
"""
from __future__ import annotations

from typing import Any, Mapping

__all__ = [
    "FIELDS", "FIELD_LABELS", "PART_LABELS", "PAPER_SIZES", "PAPER_LABELS", "ORIENTATIONS", "ORIENTATION_LABELS",
    "MIN_FONT_SIZE", "MAX_FONT_SIZE", "MIN_WIDTH_MM", "default_layout", "layout_problems", "paper_mm",
    "flat_values", "mm_to_twips", "line_height_mm", "normalised",
]

#: The fields printed on a blank, in the order they are set (and shown on the form).
FIELDS = ("awardee", "detail", "citation", "decision_line", "place_date", "signer_title", "signer_name")
FIELD_LABELS = {
    "awardee": "Họ và tên (tên tập thể)",
    "detail": "Chức vụ, đơn vị công tác",
    "citation": "Thành tích",
    "decision_line": "Số, ngày quyết định",
    "place_date": "Địa danh, ngày tháng",
    "signer_title": "Chức vụ người ký",
    "signer_name": "Họ tên người ký",
}
PART_LABELS = {"x": "cách mép trái (mm)", "y": "cách mép trên (mm)", "width": "chiều rộng (mm)",
               "font_size": "cỡ chữ (pt)", "is_printed": "in trên phôi"}

#: Paper sizes as (short side, long side) in millimetres (ISO 216).
PAPER_SIZES = {"A4": (210.0, 297.0), "A3": (297.0, 420.0), "A5": (148.0, 210.0)}
PAPER_LABELS = {"A4": "A4 (210 × 297 mm)", "A3": "A3 (297 × 420 mm)", "A5": "A5 (148 × 210 mm)"}
ORIENTATIONS = ("landscape", "portrait")
ORIENTATION_LABELS = {"landscape": "Khổ ngang", "portrait": "Khổ dọc"}

MIN_FONT_SIZE, MAX_FONT_SIZE = 8, 48
MIN_WIDTH_MM = 10.0
#: A line takes about 1.2 times its font size (single spacing in Times New Roman).
_LINE_FACTOR = 1.2
_MM_PER_POINT = 25.4 / 72
_TWIPS_PER_MM = 1440 / 25.4

# A common A4 landscape Giấy khen blank: the printed part (emblem, national name, issuer,
# "GIẤY KHEN") takes the upper 85 mm; the text goes on the lines below it.
_DEFAULT_FIELDS = {
    "awardee": {"x": 40.0, "y": 95.0, "width": 217.0, "font_size": 22},
    "detail": {"x": 40.0, "y": 108.0, "width": 217.0, "font_size": 14},
    "citation": {"x": 40.0, "y": 118.0, "width": 217.0, "font_size": 14},
    "decision_line": {"x": 20.0, "y": 165.0, "width": 115.0, "font_size": 12},
    "place_date": {"x": 150.0, "y": 148.0, "width": 127.0, "font_size": 13},
    "signer_title": {"x": 150.0, "y": 155.0, "width": 127.0, "font_size": 13},
    "signer_name": {"x": 150.0, "y": 185.0, "width": 127.0, "font_size": 14},
}


def default_layout() -> dict[str, Any]:
    """The layout a campaign uses until an administrator saves its own."""
    return {"paper": "A4", "orientation": "landscape",
            "fields": {name: {**values, "is_printed": True} for name, values in _DEFAULT_FIELDS.items()}}


def paper_mm(paper: str, orientation: str) -> tuple[float, float]:
    """(width, height) of the paper in millimetres as it lies in the printer."""
    short, long = PAPER_SIZES[paper]
    return (long, short) if orientation == "landscape" else (short, long)


def line_height_mm(font_size: float) -> float:
    return font_size * _LINE_FACTOR * _MM_PER_POINT


def mm_to_twips(value: float) -> int:
    return round(value * _TWIPS_PER_MM)


def _number(value: Any) -> float | None:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


def _mm(value: float) -> str:
    text = f"{value:.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


def layout_problems(layout: Mapping[str, Any]) -> dict[str, list[str]]:
    """Every reason the layout cannot be printed, keyed ``paper``, ``orientation`` or
    ``fields.<field>.<part>``; empty when it is right.

    Each box must lie on the paper: it starts at or after the left and top edges, its
    right edge (left + width) stays inside the paper's width and one line of its font
    fits above the bottom edge.
    """
    problems: dict[str, list[str]] = {}

    def add(key: str, message: str) -> None:
        problems.setdefault(key, []).append(message)

    paper, orientation = layout.get("paper"), layout.get("orientation")
    if paper not in PAPER_SIZES:
        add("paper", "Khổ giấy phải là một trong: " + ", ".join(PAPER_SIZES) + ".")
    if orientation not in ORIENTATIONS:
        add("orientation", "Hướng giấy phải là khổ ngang hoặc khổ dọc.")
    fields = layout.get("fields")
    if not isinstance(fields, Mapping):
        add("fields", "Thiếu vị trí các mục in trên phôi.")
        return problems
    for name in fields:
        if name not in FIELDS:
            add(f"fields.{name}", f"Không có mục in “{name}”.")
    if problems.get("paper") or problems.get("orientation"):
        width = height = None
    else:
        width, height = paper_mm(paper, orientation)
        paper_name = f"{paper} {ORIENTATION_LABELS[orientation].lower()}"
    for name in FIELDS:
        label = FIELD_LABELS[name]
        values = fields.get(name)
        if not isinstance(values, Mapping):
            add(f"fields.{name}", f"{label}: thiếu vị trí.")
            continue
        x, y, box, size = (_number(values.get(part)) for part in ("x", "y", "width", "font_size"))
        for part, value in (("x", x), ("y", y), ("width", box), ("font_size", size)):
            if value is None:
                add(f"fields.{name}.{part}", f"{label}: {PART_LABELS[part]} phải là một số.")
        if x is not None and x < 0:
            add(f"fields.{name}.x", f"{label}: {PART_LABELS['x']} không được âm.")
        if y is not None and y < 0:
            add(f"fields.{name}.y", f"{label}: {PART_LABELS['y']} không được âm.")
        if box is not None and box < MIN_WIDTH_MM:
            add(f"fields.{name}.width", f"{label}: chiều rộng ít nhất {_mm(MIN_WIDTH_MM)} mm.")
        if size is not None and not MIN_FONT_SIZE <= size <= MAX_FONT_SIZE:
            add(f"fields.{name}.font_size", f"{label}: cỡ chữ phải từ {MIN_FONT_SIZE} đến {MAX_FONT_SIZE} pt.")
        if width is None:
            continue
        if x is not None and box is not None and x >= 0 and x + box > width:
            add(f"fields.{name}.width", f"{label}: mép phải của ô ở {_mm(x + box)} mm (cách mép trái {_mm(x)} mm "
                                         f"cộng chiều rộng {_mm(box)} mm), vượt quá chiều rộng khổ {paper_name} "
                                         f"({_mm(width)} mm).")
        elif x is not None and x >= width:
            add(f"fields.{name}.x", f"{label}: cách mép trái {_mm(x)} mm, nằm ngoài khổ {paper_name} "
                                     f"(rộng {_mm(width)} mm).")
        if y is not None and size is not None and y >= 0 and y + line_height_mm(size) > height:
            add(f"fields.{name}.y", f"{label}: dòng chữ cỡ {_mm(size)} pt đặt cách mép trên {_mm(y)} mm sẽ vượt "
                                     f"mép dưới khổ {paper_name} (cao {_mm(height)} mm).")
    return problems


def normalised(layout: Mapping[str, Any]) -> dict[str, Any]:
    """The layout in its stored shape: millimetres to one decimal, font sizes as numbers, every field present."""
    fields = layout["fields"]
    return {"paper": layout["paper"], "orientation": layout["orientation"], "fields": {
        name: {"x": round(float(fields[name]["x"]), 1), "y": round(float(fields[name]["y"]), 1),
               "width": round(float(fields[name]["width"]), 1),
               "font_size": _whole(round(float(fields[name]["font_size"]), 1)),
               "is_printed": bool(fields[name].get("is_printed", True))}
        for name in FIELDS}}


def _whole(value: float) -> float | int:
    return int(value) if value == int(value) else value


def flat_values(layout: Mapping[str, Any]) -> dict[str, Any]:
    """``{"paper": ..., "awardee.x": ...}``: the layout as the audit trail compares it."""
    values: dict[str, Any] = {"paper": layout["paper"], "orientation": layout["orientation"]}
    for name in FIELDS:
        for part, value in layout["fields"][name].items():
            values[f"{name}.{part}"] = value
    return values
