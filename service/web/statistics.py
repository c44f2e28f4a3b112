"""The award statistics page (/khen-thuong/thong-ke) and its Excel download.

Figures come from service.operations.statistics within the viewer's scope; the charts are drawn here
as SVG geometry (service.web.diagram.bar_chart) and by the template, with no script at all.
"""
from __future__ import annotations

from typing import Any

from flask import render_template, request
from marshmallow import ValidationError

from .. import access
from ..downloads import XLSX_MIME, attachment
from ..errors import Forbidden, ValidationFailed
from ..models import User
from ..operations import statistics as statistics_ops
from ..schemas.statistics import FIRST_YEAR, LAST_YEAR, StatisticsArgs
from .blueprint import bp
from .diagram import bar_chart
from .format import number_vn, percent_vn
from .forms import flatten_errors
from .session import current_user, login_required

NOT_ALLOWED = "Tài khoản của bạn không được xem thống kê khen thưởng."
FILTER_LABELS = {"year_from": "Từ năm", "year_to": "Đến năm", "unit_id": "Đơn vị", "form": "Hình thức"}


def parse_filters(args) -> dict[str, Any]:
    """The query string's filters, checked by the API's schema; empty boxes mean no filter."""
    data = {key: args.get(key, "", type=str).strip() for key in FILTER_LABELS if args.get(key, "").strip()}
    try:
        filters = StatisticsArgs().load(data)
    except ValidationError as error:
        messages = {FILTER_LABELS.get(key, key): value for key, value in flatten_errors(error.messages).items()}
        raise ValidationFailed("Bộ lọc thống kê chưa hợp lệ.", fields=messages) from None
    statistics_ops.check_filters(filters)
    return filters


def _figures(user: User) -> dict[str, Any]:
    if not access.can_view_award_statistics(user):
        raise Forbidden(NOT_ALLOWED)
    return statistics_ops.award_statistics(user, parse_filters(request.args))


def charts(stats: dict[str, Any]) -> dict[str, Any]:
    """Bars by year, by form and the share of women, each with its text value the Vietnamese way."""
    def bars(rows, label, tone):
        return bar_chart([{"label": label(row), "count": row["count"], "tone": tone,
                           "text": number_vn(row["count"])} for row in rows], label_width=260, bar_width=300)

    by_gender = [row for row in stats["by_gender"] if row["gender"]]
    known = sum(row["count"] for row in by_gender)
    women_rows = [{"label": row["label"], "count": row["count"], "tone": "warning" if row["gender"] == "female"
                   else "info", "text": f"{number_vn(row['count'])} ({percent_vn(100 * row['count'] / known)})"}
                  for row in by_gender] if known else []
    return {"by_year": bars(stats["by_year"], lambda row: str(row["year"]), "progress"),
            "by_form": bars(stats["by_form"], lambda row: row["form_name"], "success"),
            "women": bar_chart(women_rows, label_width=260, bar_width=300)}


def tables(stats: dict[str, Any]) -> list[dict[str, Any]]:
    """Each breakdown as a table of formatted cells, with the chart drawn beside it (if any)."""
    money = "Tiền thưởng (đồng)"

    def table(id_, heading, head, rows, chart=None, chart_title=""):
        return {"id": id_, "heading": heading, "caption": heading, "head": head, "rows": rows,
                "chart": chart, "chart_title": chart_title}

    return [
        table("theo-nam", "Theo năm", ["Năm", "Số lượt", "Cá nhân nữ", money],
              [(str(r["year"]), number_vn(r["count"]), number_vn(r["women"]), number_vn(r["prize_total"]))
               for r in stats["by_year"]], "by_year", "Số lượt khen thưởng theo năm"),
        table("theo-hinh-thuc", "Theo hình thức khen thưởng", ["Hình thức", "Số lượt", money],
              [(r["form_name"], number_vn(r["count"]), number_vn(r["prize_total"])) for r in stats["by_form"]],
              "by_form", "Số lượt khen thưởng theo hình thức"),
        table("theo-gioi-tinh", "Cá nhân theo giới tính", ["Giới tính", "Số lượt", money],
              [(r["label"], number_vn(r["count"]), number_vn(r["prize_total"])) for r in stats["by_gender"]],
              "women", "Tỉ lệ nữ trong số lượt khen cá nhân đã ghi giới tính"),
        table("tap-the-ca-nhan", "Tập thể và cá nhân", ["Đối tượng", "Số lượt", money],
              [(r["label"], number_vn(r["count"]), number_vn(r["prize_total"])) for r in stats["by_kind"]]),
        table("theo-don-vi", "Theo đơn vị", ["Đơn vị", "Số lượt", money],
              [(r["unit_name"], number_vn(r["count"]), number_vn(r["prize_total"])) for r in stats["by_unit"]]),
    ]


@bp.route("/khen-thuong/thong-ke")
@login_required
def award_statistics():
    user = current_user()
    try:
        stats = _figures(user)
    except ValidationFailed as error:
        # The page again with the filters as typed and the reasons above them, nothing counted.
        typed = {key: request.args.get(key, "", type=str) for key in FILTER_LABELS}
        return render_template("statistics.html", stats=None, errors=error.fields, message=error.message,
                               filters=typed, units=[], forms=[], first_year=FIRST_YEAR, last_year=LAST_YEAR,
                               download_args={}), error.status
    units = [{"id": row["unit_id"], "name": row["unit_name"]} for row in stats["by_unit"] if row["unit_id"]]
    return render_template("statistics.html", stats=stats, charts=charts(stats), tables=tables(stats),
                           units=units, forms=stats["by_form"], filters=stats["filters"], errors={}, message="",
                           first_year=FIRST_YEAR, last_year=LAST_YEAR,
                           download_args={k: v for k, v in stats["filters"].items() if v is not None})


@bp.route("/khen-thuong/thong-ke.xlsx")
@login_required
def download_award_statistics():
    content, name = statistics_ops.statistics_workbook(_figures(current_user()))
    return attachment(content, XLSX_MIME, name)
