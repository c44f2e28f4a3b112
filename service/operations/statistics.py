"""Award statistics across years, read from the register (award_records).

Counts and prize totals by year, by unit, by award form, by recipient kind and by gender, within what
the actor may see (service.access.award_statistics_filter). Revoked awards (Law 06/2022/QH15, chapter
VII: an award obtained wrongly is revoked by a decision of its own) no longer count. Every figure is
aggregated by the database (GROUP BY), in a fixed number of statements whatever the number of records.
"""
from __future__ import annotations

import io
from typing import Any

import openpyxl
import sqlalchemy as sa
from openpyxl.styles import Font

from .. import access
from ..awards.excel import neutralise_formula
from ..db import db
from ..errors import ValidationFailed
from ..models import AwardRecord, Unit, User
from ..vocabulary import GENDER_LABELS, NOMINEE_KIND_LABELS

NO_UNIT = "Chưa ghi đơn vị"
NO_GENDER = "Chưa ghi giới tính"


def _conditions(actor: User, filters: dict[str, Any]) -> list:
    conditions = [access.award_statistics_filter(actor), AwardRecord.revoked_at.is_(None)]
    if filters.get("year_from") is not None:
        conditions.append(AwardRecord.year >= filters["year_from"])
    if filters.get("year_to") is not None:
        conditions.append(AwardRecord.year <= filters["year_to"])
    if filters.get("unit_id") is not None:
        conditions.append(AwardRecord.unit_id == filters["unit_id"])
    if filters.get("form"):
        conditions.append(AwardRecord.form_code == filters["form"])
    return conditions


def check_filters(filters: dict[str, Any]) -> None:
    year_from, year_to = filters.get("year_from"), filters.get("year_to")
    if year_from is not None and year_to is not None and year_from > year_to:
        raise ValidationFailed("Khoảng năm chưa hợp lệ.",
                               fields={"year_to": [f"“Đến năm” ({year_to}) không được trước “từ năm” ({year_from})."]})


def _prize():
    return sa.func.coalesce(sa.func.sum(AwardRecord.prize_amount), 0)


def _women():
    return sa.func.sum(sa.case(
        (sa.and_(AwardRecord.recipient_kind == "individual", AwardRecord.gender == "female"), 1), else_=0))


def _grouped_in_one_pass(where: list) -> dict[str, list[tuple]]:
    """PostgreSQL: every breakdown from one scan of the records (GROUP BY GROUPING SETS)."""
    columns = (AwardRecord.year, AwardRecord.unit_id, AwardRecord.form_code, AwardRecord.recipient_kind,
               AwardRecord.gender)
    query = (sa.select(*columns, sa.func.min(AwardRecord.form_name), sa.func.count(), _prize(), _women(),
                       *(sa.func.grouping(column) for column in columns[:3]))
             .where(*where)
             .group_by(sa.func.grouping_sets(sa.tuple_(columns[0]), sa.tuple_(columns[1]), sa.tuple_(columns[2]),
                                             sa.tuple_(columns[3], columns[4]))))
    raw: dict[str, list[tuple]] = {"year": [], "unit": [], "form": [], "kind": []}
    for year, unit_id, form, kind, gender, form_name, n, prize, women, by_year, by_unit, by_form in (
            db.session.execute(query)):
        if by_year == 0:
            raw["year"].append((year, n, prize, women))
        elif by_unit == 0:
            raw["unit"].append((unit_id, n, prize))
        elif by_form == 0:
            raw["form"].append((form, form_name, n, prize))
        else:
            raw["kind"].append((kind, gender, n, prize))
    return raw


def _grouped_one_by_one(where: list) -> dict[str, list[tuple]]:
    """Other databases (SQLite): one GROUP BY per breakdown."""
    count = sa.func.count()
    return {
        "year": list(db.session.execute(sa.select(AwardRecord.year, count, _prize(), _women())
                                        .where(*where).group_by(AwardRecord.year))),
        "unit": list(db.session.execute(sa.select(AwardRecord.unit_id, count, _prize())
                                        .where(*where).group_by(AwardRecord.unit_id))),
        "form": list(db.session.execute(sa.select(AwardRecord.form_code, sa.func.min(AwardRecord.form_name), count,
                                                  _prize()).where(*where).group_by(AwardRecord.form_code))),
        "kind": list(db.session.execute(sa.select(AwardRecord.recipient_kind, AwardRecord.gender, count, _prize())
                                        .where(*where).group_by(AwardRecord.recipient_kind, AwardRecord.gender))),
    }


def award_statistics(actor: User, filters: dict[str, Any]) -> dict[str, Any]:
    """The figures ``actor`` may see under ``filters`` (year_from, year_to, unit_id, form).

    Two statements on PostgreSQL (one scan with grouping sets, then the units' names), five elsewhere.
    """
    check_filters(filters)
    where = _conditions(actor, filters)
    one_pass = db.session.get_bind().dialect.name == "postgresql"
    raw = _grouped_in_one_pass(where) if one_pass else _grouped_one_by_one(where)

    by_year = sorted(({"year": year, "count": n, "prize_total": int(prize), "women": int(women or 0)}
                      for year, n, prize, women in raw["year"]), key=lambda row: row["year"])
    unit_ids = [unit_id for unit_id, _, _ in raw["unit"] if unit_id is not None]
    names: dict[int, str] = {}
    if unit_ids:
        names = dict(db.session.execute(sa.select(Unit.id, Unit.name).where(Unit.id.in_(unit_ids))).tuples().all())
    by_unit = sorted(({"unit_id": unit_id, "unit_name": names.get(unit_id, NO_UNIT), "count": n,
                       "prize_total": int(prize)} for unit_id, n, prize in raw["unit"]),
                     key=lambda row: (-row["count"], row["unit_name"], row["unit_id"] or 0))
    by_form = sorted(({"form": code, "form_name": name, "count": n, "prize_total": int(prize)}
                      for code, name, n, prize in raw["form"]), key=lambda row: (-row["count"], row["form"]))

    kinds: dict[str, list[int]] = {}
    genders: dict[str | None, list[int]] = {}
    for kind, gender, n, prize in raw["kind"]:
        totals = kinds.setdefault(kind, [0, 0])
        totals[0] += n
        totals[1] += int(prize)
        if kind == "individual":
            totals = genders.setdefault(gender, [0, 0])
            totals[0] += n
            totals[1] += int(prize)

    by_kind = [{"kind": kind, "label": NOMINEE_KIND_LABELS[kind], "count": kinds.get(kind, [0, 0])[0],
                "prize_total": kinds.get(kind, [0, 0])[1]} for kind in ("individual", "collective")]
    by_gender = [{"gender": gender, "label": GENDER_LABELS[gender] if gender else NO_GENDER,
                  "count": genders.get(gender, [0, 0])[0], "prize_total": genders.get(gender, [0, 0])[1]}
                 for gender in ("female", "male", None)]
    women = genders.get("female", [0, 0])[0]
    known = women + genders.get("male", [0, 0])[0]
    return {
        "filters": {key: filters.get(key) for key in ("year_from", "year_to", "unit_id", "form")},
        "total": sum(row["count"] for row in by_year),
        "prize_total": sum(row["prize_total"] for row in by_year),
        "individuals": kinds.get("individual", [0, 0])[0],
        "women": women,
        # The share of women among individual awards whose gender is recorded.
        "women_share": round(100 * women / known, 2) if known else None,
        "revoked_excluded": True,
        "by_year": by_year, "by_unit": by_unit, "by_form": by_form, "by_kind": by_kind, "by_gender": by_gender,
    }


SHEETS = (
    ("Theo năm", "by_year", ("Năm", "Số lượt khen thưởng", "Trong đó cá nhân nữ", "Tổng tiền thưởng (đồng)"),
     lambda row: (row["year"], row["count"], row["women"], row["prize_total"])),
    ("Theo đơn vị", "by_unit", ("Đơn vị", "Số lượt khen thưởng", "Tổng tiền thưởng (đồng)"),
     lambda row: (row["unit_name"], row["count"], row["prize_total"])),
    ("Theo hình thức", "by_form", ("Hình thức khen thưởng", "Số lượt khen thưởng", "Tổng tiền thưởng (đồng)"),
     lambda row: (row["form_name"], row["count"], row["prize_total"])),
    ("Tập thể - cá nhân", "by_kind", ("Đối tượng", "Số lượt khen thưởng", "Tổng tiền thưởng (đồng)"),
     lambda row: (row["label"], row["count"], row["prize_total"])),
    ("Theo giới tính", "by_gender", ("Giới tính (cá nhân)", "Số lượt khen thưởng", "Tổng tiền thưởng (đồng)"),
     lambda row: (row["label"], row["count"], row["prize_total"])),
)


def statistics_workbook(stats: dict[str, Any]) -> tuple[bytes, str]:
    """The figures as an .xlsx, one sheet per breakdown, each with its header row and a total."""
    workbook = openpyxl.Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for title, key, headers, values in SHEETS:
        sheet = workbook.create_sheet(title)
        sheet.append(list(headers))
        for cell in sheet[1]:
            cell.font = bold
        for row in stats[key]:
            sheet.append([neutralise_formula(v) if isinstance(v, str) else v for v in values(row)])
        total = ["Cộng"] + [None] * (len(headers) - 1)
        total[1] = sum(row["count"] for row in stats[key])
        total[-1] = sum(row["prize_total"] for row in stats[key])
        if key == "by_year":
            total[2] = sum(row["women"] for row in stats[key])
        sheet.append(total)
        for cell in sheet[sheet.max_row]:
            cell.font = bold
        for column in "BCD"[:len(headers) - 1]:
            for cell in sheet[column][1:]:
                cell.number_format = "#,##0"
        sheet.column_dimensions["A"].width = 48
        for column in "BCD":
            sheet.column_dimensions[column].width = 22
        sheet.freeze_panes = "A2"
    sheet = workbook.create_sheet("Ghi chú")
    sheet.append(["Không tính các khen thưởng đã bị thu hồi, hủy bỏ (Luật Thi đua, khen thưởng 2022, chương VII)."])
    share = stats["women_share"]
    sheet.append(["Tỉ lệ nữ trong số lượt khen cá nhân đã ghi giới tính (%)", share])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue(), "thong_ke_khen_thuong.xlsx"
