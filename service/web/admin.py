"""The administrator's pages: campaign files, the base salary table, custom Word templates,
units and users.

Same shape as the other page handlers: ``@admin_only`` checks that the user is
an administrator (403 otherwise, as the API's admin endpoints answer), the
handler calls one operation, then redirect with a message (success) or show the page again with
the reasons next to the fields. The rules themselves (what a definition, a
salary table or a template must be) stay in the operations.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any

import sqlalchemy as sa
from flask import flash, redirect, render_template, request, url_for
from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from .. import access
from ..documents.builders import CAMPAIGN_DOCUMENT_KINDS, CAMPAIGN_DOCUMENT_TITLES
from ..awards.custom_templates import MAX_TEMPLATE_BYTES, TEMPLATE_KINDS
from ..awards.prize import PrizeError
from ..clock import today_local
from ..db import db
from ..documents.builders import DOCUMENT_TITLES
from ..errors import Conflict, DomainError, Forbidden, NotFound, ValidationFailed
from ..lookup import requires, with_campaign
from ..models import BaseSalaryLevel, Campaign, User
from ..documents import certificate_layout
from ..downloads import DOCX_MIME, attachment
from ..operations import campaigns as campaign_ops
from ..operations import certificate_layouts as layout_ops
from ..operations import round_documents
from ..operations import salaries as salary_ops
from ..operations import templates as template_ops
from ..operations import web_support
from ..schemas.rounds import MAX_DEFINITION_BYTES
from ..schemas.certificates import CertificateLayoutIn
from ..schemas.salaries import SalaryTableIn
from . import forms
from .blueprint import bp
from .format import date_vn
from .session import login_required

SALARY_INPUT = re.compile(r"^rows-(\d+)-(valid_from|amount|source|needs_check|remove)$")
SALARY_FIELDS = ("valid_from", "amount", "source", "needs_check")
TEMPLATE_TITLES = {**DOCUMENT_TITLES, **CAMPAIGN_DOCUMENT_TITLES}


admin_only = requires(access.can_manage_campaigns, "Chỉ quản trị hệ thống mới được dùng trang quản trị.")


def _refused(error: DomainError) -> None:
    """Undo what the operation flushed; access errors become their own page."""
    db.session.rollback()
    if isinstance(error, (Forbidden, NotFound)):
        raise error


# --- campaign files --------------------------------------------------------------------------

def campaigns_page(user: User, *, errors: list[str] | None = None, message: str = "", file_name: str = "",
                   existing_url: str = "", text: str = "") -> dict[str, Any]:
    campaigns = []
    for campaign in web_support.campaigns_overseen_by(user):
        rounds = list(campaign.rounds)
        campaigns.append({
            "id": campaign.id, "code": campaign.code, "title": campaign.title, "plan_number": campaign.plan_number,
            "plan_date": date_vn(campaign.plan_date), "issuer": campaign.issuer.short_name,
            "rounds": [{"title": r.title, "deadline": date_vn(r.deadline)} for r in rounds],
            "sha_short": (campaign.definition_sha256 or "")[:12],
            "url": url_for("web.campaign_page", campaign_id=campaign.id),
            "templates_url": url_for("web.admin_templates", campaign_id=campaign.id),
            "layout_url": url_for("web.admin_certificate_layout", campaign_id=campaign.id),
        })
    return {"campaigns": campaigns, "errors": {"file": errors} if errors else {}, "message": message,
            "file_name": file_name, "existing_url": existing_url, "max_kb": MAX_DEFINITION_BYTES // 1024,
            "text": text}


def _definition_errors(error: DomainError) -> list[str]:
    """Each problem of a refused definition as one line: where (line and field), then why."""
    problems = error.details.get("errors") if error.details else None
    if problems:
        return [problem["text"] for problem in problems]
    return [message for messages in error.fields.values()
            for message in (messages if isinstance(messages, list) else [str(messages)])] or [error.message]


PASTED_NAME = "nội dung đã sửa trên trang"


def _uploaded_definition() -> tuple[str, str]:
    """The text and name of the uploaded YAML file, or else the text typed in the page's box (a refused file
    comes back there to be corrected); refused when missing, too large or not UTF-8."""
    upload = request.files.get("file")
    if upload is None or not upload.filename:
        pasted = request.form.get("text", "")
        if pasted.strip():
            if len(pasted.encode("utf-8")) > MAX_DEFINITION_BYTES:
                raise ValidationFailed(f"Tệp định nghĩa lớn quá {MAX_DEFINITION_BYTES // 1024} KB.",
                                       fields={"file": [f"Nội dung quá lớn: tối đa {MAX_DEFINITION_BYTES // 1024} KB."]})
            return pasted.replace("\r\n", "\n"), PASTED_NAME
        raise ValidationFailed("Chưa chọn tệp định nghĩa.", fields={"file": ["Hãy chọn một tệp .yaml để tải lên."]})
    raw = upload.read(MAX_DEFINITION_BYTES + 1)
    if len(raw) > MAX_DEFINITION_BYTES:
        raise ValidationFailed(f"Tệp định nghĩa lớn quá {MAX_DEFINITION_BYTES // 1024} KB.",
                               fields={"file": [f"Tệp quá lớn: tối đa {MAX_DEFINITION_BYTES // 1024} KB."]})
    try:
        return raw.decode("utf-8-sig"), upload.filename
    except UnicodeDecodeError:
        raise ValidationFailed("Tệp định nghĩa phải được mã hóa UTF-8.", fields={"file": [
            "Tệp không phải văn bản mã hóa UTF-8. Hãy mở tệp bằng trình soạn thảo và lưu lại với bảng mã UTF-8."
        ]}) from None


@bp.route("/quan-tri/phong-trao")
@login_required
@admin_only
def admin_campaigns(user: User):
    return render_template("admin/campaigns.html", page=campaigns_page(user))


@bp.route("/quan-tri/phong-trao", methods=["POST"])
@login_required
@admin_only
def admin_load_campaign(user: User):
    file_name = text = ""
    try:
        text, file_name = _uploaded_definition()
        result = campaign_ops.load_campaign(user, text, origin=file_name)
    except DomainError as error:
        _refused(error)
        existing = error.details.get("campaign_id") if isinstance(error, Conflict) else None
        page = campaigns_page(user, errors=_definition_errors(error) if not isinstance(error, Conflict)
                              else [error.message], message=error.message, file_name=file_name,
                              existing_url=url_for("web.campaign_page", campaign_id=existing) if existing else "",
                              text=text)
        return render_template("admin/campaigns.html", page=page), error.status
    campaign = result.campaign
    source = file_name if file_name == PASTED_NAME else f"tệp {file_name}"
    parts = [f"Đã nạp phong trào “{campaign.title}” (mã {campaign.code}) từ {source} với "
             f"{len(campaign.rounds)} đợt khen thưởng."]
    if result.created_units:
        parts.append(f"Đã thêm {len(result.created_units)} đơn vị mới: {', '.join(result.created_unit_names)}.")
    if result.existing_units:
        parts.append(f"{len(result.existing_units)} đơn vị đã có sẵn được giữ nguyên: "
                     f"{', '.join(result.existing_unit_names)}.")
    flash(" ".join(parts), "success")
    return redirect(url_for("web.admin_campaigns") + f"#phong-trao-{campaign.id}")


# --- the base salary table ---------------------------------------------------------------------

def _salary_rows_from_table(table) -> list[dict[str, Any]]:
    return [{"valid_from": row.valid_from.isoformat(), "amount": f"{row.amount:,}".replace(",", "."),
             "source": row.source, "needs_check": row.needs_check, "remove": False} for row in table.rows]


def _blank_salary_row() -> dict[str, Any]:
    return {"valid_from": "", "amount": "", "source": "", "needs_check": False, "remove": False}


def salary_values(form: MultiDict) -> list[dict[str, Any]]:
    """The rows as typed, in the order of the form (their inputs are renumbered when shown again)."""
    rows: dict[int, dict[str, Any]] = {}
    for key in form:
        match = SALARY_INPUT.match(key)
        if match:
            row = rows.setdefault(int(match.group(1)), _blank_salary_row())
            name = match.group(2)
            row[name] = form.get(key) in ("1", "on", "true") if name in ("needs_check", "remove") \
                else form.get(key, "", type=str)
    return [row for _, row in sorted(rows.items())]


def _is_blank(row: dict[str, Any]) -> bool:
    return not any(str(row[name]).strip() for name in ("valid_from", "amount", "source")) and not row["needs_check"]


def _salary_date(raw: str) -> str | None:
    text = raw.strip()
    for pattern in ("%Y-%m-%d", "%d/%m/%Y"):
        try:
            return dt.datetime.strptime(text, pattern).date().isoformat()
        except ValueError:
            continue
    return None


def parse_salary_rows(values: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The rows for replace_salary_table, checked by the API's schema; errors name ``rows-<i>-<field>``.

    Rows marked for removal and rows left entirely blank are left out.
    """
    errors: dict[str, list[str]] = {}
    data, positions = [], []
    for position, row in enumerate(values):
        if row["remove"] or _is_blank(row):
            continue
        item: dict[str, Any] = {"source": row["source"], "needs_check": row["needs_check"]}
        name = f"rows-{position}-"
        if not row["valid_from"].strip():
            errors.setdefault(name + "valid_from", []).append("Hãy nhập ngày hiệu lực.")
        else:
            day = _salary_date(row["valid_from"])
            if day is None:
                errors.setdefault(name + "valid_from", []).append("Ngày không hợp lệ (chọn ngày trong lịch).")
            else:
                item["valid_from"] = day
        amount = re.sub(r"[\s.]", "", row["amount"]).removesuffix("đ")
        if not amount:
            errors.setdefault(name + "amount", []).append("Hãy nhập mức lương cơ sở (đồng).")
        elif not amount.isdigit():
            errors.setdefault(name + "amount", []).append("Phải là số đồng nguyên, ví dụ 2.340.000.")
        else:
            item["amount"] = int(amount)
        data.append(item)
        positions.append(position)
    try:
        loaded = SalaryTableIn().load({"rows": data})
    except ValidationError as error:
        for key, messages in forms.flatten_errors(error.messages).items():
            match = re.match(r"^rows\.(\d+)\.(\w+)$", key)
            if match and int(match.group(1)) < len(positions):
                key = f"rows-{positions[int(match.group(1))]}-{match.group(2)}"
            if key in errors:  # the typed value was already refused above
                continue
            errors.setdefault(key, []).extend(messages)
        raise ValidationFailed("Bảng mức lương cơ sở chưa hợp lệ.", fields=errors) from None
    if errors:
        raise ValidationFailed("Bảng mức lương cơ sở chưa hợp lệ.", fields=errors)
    return loaded["rows"]


def salaries_page(values: list[dict[str, Any]] | None = None, error: DomainError | None = None,
                  notice: str = "") -> dict[str, Any]:
    table = salary_ops.salary_table()
    today = today_local()
    try:
        in_force = table.on(today).valid_from
    except PrizeError:  # a table starting after today has no level in force yet
        in_force = None
    rows = values if values is not None else _salary_rows_from_table(table)
    fields = dict(error.fields) if error is not None else {}
    placed = {f"rows-{i}-{name}" for i in range(len(rows)) for name in SALARY_FIELDS}
    return {
        "rows": [{**row, "index": i} for i, row in enumerate(rows)],
        "current": [{"valid_from": date_vn(row.valid_from), "amount": row.amount, "source": row.source,
                     "needs_check": row.needs_check, "in_force": row.valid_from == in_force} for row in table.rows],
        "is_default": db.session.scalar(sa.select(sa.func.count()).select_from(BaseSalaryLevel)) == 0,
        "errors": fields, "message": error.message if error is not None else "",
        "unplaced": forms.unplaced_errors(fields, placed), "notice": notice,
    }


@bp.route("/quan-tri/luong-co-so")
@login_required
@admin_only
def admin_salaries(user: User):
    return render_template("admin/salaries.html", page=salaries_page())


@bp.route("/quan-tri/luong-co-so", methods=["POST"])
@login_required
@admin_only
def admin_save_salaries(user: User):
    values = salary_values(request.form)
    if request.form.get("action") == "add_row":
        # Nothing is saved: the same rows come back with an empty one to fill in.
        values = values + [_blank_salary_row()]
        page = salaries_page(values, notice="Đã thêm một dòng trống ở cuối bảng. Điền rồi bấm “Lưu bảng”.")
        return render_template("admin/salaries.html", page=page)
    try:
        table = salary_ops.replace_salary_table(user, parse_salary_rows(values))
    except DomainError as error:
        _refused(error)
        return render_template("admin/salaries.html", page=salaries_page(values, error)), error.status
    flash(f"Đã lưu bảng mức lương cơ sở ({len(table.rows)} mức).", "success")
    return redirect(url_for("web.admin_salaries"))


# --- custom Word templates of a campaign ----------------------------------------------------------

def templates_page(campaign: Campaign, errors: dict[str, list[str]] | None = None) -> dict[str, Any]:
    kinds = []
    for kind in TEMPLATE_KINDS:
        uploaded = template_ops.custom_template(campaign, kind)
        custom = None
        if uploaded is not None:
            uploader = db.session.get(User, uploaded.uploaded_by_id)
            custom = {"file_name": uploaded.file_name or f"{kind}.docx", "size": uploaded.size,
                      "uploaded_at": uploaded.uploaded_at, "uploaded_by": uploader.full_name if uploader else "",
                      "sha_short": uploaded.sha256[:12], "sha256": uploaded.sha256}
        kinds.append({
            "kind": kind, "title": TEMPLATE_TITLES.get(kind, kind), "custom": custom,
            "scope": "Văn bản của đợt khen thưởng" if kind in CAMPAIGN_DOCUMENT_KINDS else "Văn bản của hồ sơ đơn vị",
            "errors": (errors or {}).get(kind, []),
            "upload_url": url_for("web.admin_upload_template", campaign_id=campaign.id, kind=kind),
            "remove_url": url_for("web.admin_remove_template", campaign_id=campaign.id, kind=kind),
        })
    return {"campaign": {"id": campaign.id, "code": campaign.code, "title": campaign.title,
                         "url": url_for("web.campaign_page", campaign_id=campaign.id)},
            "kinds": kinds, "max_mb": MAX_TEMPLATE_BYTES // 2**20}


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/mau-van-ban")
@login_required
@admin_only
@with_campaign()
def admin_templates(user: User, campaign: Campaign):
    return render_template("admin/templates.html", page=templates_page(campaign))


def _templates_url(campaign_id: int, kind: str) -> str:
    return url_for("web.admin_templates", campaign_id=campaign_id) + f"#mau-{kind}"


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/mau-van-ban/<kind>", methods=["POST"])
@login_required
@admin_only
@with_campaign()
def admin_upload_template(user: User, campaign: Campaign, kind: str):
    upload = request.files.get("file")
    try:
        if upload is None or not upload.filename:
            raise ValidationFailed("Chưa chọn tệp mẫu.", fields={"file": ["Hãy chọn một tệp Word .docx."]})
        # One byte over the limit is enough for the operation to say the file is too large.
        uploaded = template_ops.upload_template(user, campaign, kind, upload.read(MAX_TEMPLATE_BYTES + 1),
                                                upload.filename)
    except DomainError as error:
        _refused(error)
        page = templates_page(campaign, {kind: _messages(error)})
        return render_template("admin/templates.html", page=page), error.status
    flash(f"Đã thay mẫu “{TEMPLATE_TITLES.get(kind, kind)}” bằng tệp {uploaded.file_name}. Văn bản tạo từ nay "
          "dùng mẫu này.", "success")
    return redirect(_templates_url(campaign.id, kind))


def _messages(error: DomainError) -> list[str]:
    messages = error.fields.get("file") if error.fields else None
    return list(messages) if messages else [error.message]


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/mau-van-ban/<kind>/xoa", methods=["POST"])
@login_required
@admin_only
@with_campaign()
def admin_remove_template(user: User, campaign: Campaign, kind: str):
    campaign_id = campaign.id
    if kind not in TEMPLATE_KINDS:
        raise NotFound(f"Không có loại văn bản “{kind}”.")
    try:
        template_ops.remove_template(user, campaign, kind)
    except NotFound as error:
        # Already on the built-in template (removed in another tab, say): nothing left to do.
        db.session.rollback()
        flash(error.message, "info")
        return redirect(_templates_url(campaign_id, kind))
    flash(f"Đã bỏ mẫu tải lên; “{TEMPLATE_TITLES.get(kind, kind)}” dùng lại mẫu có sẵn.", "success")
    return redirect(_templates_url(campaign_id, kind))


# --- where the certificates' text goes on a pre-printed blank ----------------------------------------

LAYOUT_PARTS = ("x", "y", "width", "font_size")
_LAYOUT_NUMBER = re.compile(r"^\d+([.,]\d+)?$")


def layout_values(form: MultiDict) -> dict[str, Any]:
    """The layout form as typed: texts keyed by input name (``awardee-x``), checkboxes as booleans."""
    values: dict[str, Any] = {"paper": form.get("paper", ""), "orientation": form.get("orientation", "")}
    for name in certificate_layout.FIELDS:
        for part in LAYOUT_PARTS:
            values[f"{name}-{part}"] = form.get(f"{name}-{part}", "", type=str).strip()
        values[f"{name}-is_printed"] = form.get(f"{name}-is_printed") in ("1", "on", "true")
    return values


def _layout_form_values(layout: dict[str, Any]) -> dict[str, Any]:
    values: dict[str, Any] = {"paper": layout["paper"], "orientation": layout["orientation"]}
    for name, spec in layout["fields"].items():
        for part in LAYOUT_PARTS:
            values[f"{name}-{part}"] = f"{spec[part]:g}".replace(".", ",")
        values[f"{name}-is_printed"] = bool(spec.get("is_printed", True))
    return values


def parse_layout(values: dict[str, Any]) -> dict[str, Any]:
    """The layout for save_certificate_layout, checked by the API's schema; errors name the inputs
    (``awardee-x``) and every message names its field ("Họ và tên (tên tập thể): cách mép trái (mm) ...")."""
    errors: dict[str, list[str]] = {}
    fields: dict[str, dict[str, Any]] = {}
    for name in certificate_layout.FIELDS:
        label = certificate_layout.FIELD_LABELS[name]
        spec: dict[str, Any] = {"is_printed": values[f"{name}-is_printed"]}
        for part in LAYOUT_PARTS:
            text = values[f"{name}-{part}"]
            part_label = certificate_layout.PART_LABELS[part]
            if not text:
                errors.setdefault(f"{name}-{part}", []).append(f"{label}: hãy nhập {part_label}.")
            elif not _LAYOUT_NUMBER.match(text):
                errors.setdefault(f"{name}-{part}", []).append(
                    f"{label}: {part_label} phải là một số không âm, ví dụ 40 hoặc 12,5.")
            else:
                spec[part] = float(text.replace(",", "."))
        fields[name] = spec
    data = {"paper": values["paper"], "orientation": values["orientation"], "fields": fields}
    try:
        loaded = CertificateLayoutIn().load(data)
    except ValidationError as error:
        for key, messages in forms.flatten_errors(error.messages).items():
            parts = key.split(".")
            if len(parts) == 3 and parts[0] == "fields":
                key = f"{parts[1]}-{parts[2]}"
                label = certificate_layout.FIELD_LABELS.get(parts[1], parts[1])
                part_label = certificate_layout.PART_LABELS.get(parts[2], parts[2])
                messages = [f"{label}, {part_label}: {message}" for message in messages]
            if key in errors:  # the typed value was already refused above
                continue
            errors.setdefault(key, []).extend(messages)
    else:
        if not errors:
            return loaded
    raise ValidationFailed("Vị trí in trên phôi chưa hợp lệ.", fields=errors, code="invalid_certificate_layout")


def _layout_input(key: str) -> str:
    """``fields.awardee.x`` (the operation's name) → ``awardee-x`` (the form's input)."""
    parts = key.split(".")
    return f"{parts[1]}-{parts[2]}" if len(parts) == 3 and parts[0] == "fields" else key


def layout_page(campaign: Campaign, values: dict[str, Any] | None = None,
                error: DomainError | None = None) -> dict[str, Any]:
    layout = layout_ops.certificate_layout(campaign)
    values = values if values is not None else _layout_form_values(layout)
    errors: dict[str, list[str]] = {}
    for key, messages in (error.fields if error is not None else {}).items():
        errors.setdefault(_layout_input(key), []).extend(messages)
    placed = {"paper", "orientation"} | {f"{name}-{part}" for name in certificate_layout.FIELDS
                                         for part in (*LAYOUT_PARTS, "is_printed")}
    return {
        "campaign": {"id": campaign.id, "code": campaign.code, "title": campaign.title,
                     "url": url_for("web.campaign_page", campaign_id=campaign.id)},
        "form": values, "is_default": layout["is_default"],
        "papers": [{"value": code, "label": certificate_layout.PAPER_LABELS[code]}
                   for code in certificate_layout.PAPER_SIZES],
        "orientations": [{"value": code, "label": certificate_layout.ORIENTATION_LABELS[code]}
                         for code in certificate_layout.ORIENTATIONS],
        "fields": [{"name": name, "label": certificate_layout.FIELD_LABELS[name]}
                   for name in certificate_layout.FIELDS],
        "min_font": certificate_layout.MIN_FONT_SIZE, "max_font": certificate_layout.MAX_FONT_SIZE,
        "errors": errors, "message": error.message if error is not None else "",
        "unplaced": forms.unplaced_errors(errors, placed),
        "save_url": url_for("web.admin_save_certificate_layout", campaign_id=campaign.id),
        "reset_url": url_for("web.admin_reset_certificate_layout", campaign_id=campaign.id),
        "calibration_url": url_for("web.admin_certificate_calibration", campaign_id=campaign.id),
    }


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/giay-khen")
@login_required
@admin_only
@with_campaign()
def admin_certificate_layout(user: User, campaign: Campaign):
    return render_template("admin/certificate_layout.html", page=layout_page(campaign))


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/giay-khen", methods=["POST"])
@login_required
@admin_only
@with_campaign()
def admin_save_certificate_layout(user: User, campaign: Campaign):
    values = layout_values(request.form)
    try:
        layout_ops.save_certificate_layout(user, campaign, parse_layout(values))
    except DomainError as error:
        _refused(error)
        return render_template("admin/certificate_layout.html",
                               page=layout_page(campaign, values, error)), error.status
    flash("Đã lưu vị trí in giấy khen trên phôi. Hãy in trang căn chỉnh để so với phôi.", "success")
    return redirect(url_for("web.admin_certificate_layout", campaign_id=campaign.id))


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/giay-khen/mac-dinh", methods=["POST"])
@login_required
@admin_only
@with_campaign()
def admin_reset_certificate_layout(user: User, campaign: Campaign):
    campaign_id = campaign.id
    try:
        layout_ops.reset_certificate_layout(user, campaign)
    except NotFound as error:
        db.session.rollback()
        flash(error.message, "info")
        return redirect(url_for("web.admin_certificate_layout", campaign_id=campaign_id))
    flash("Đã dùng lại vị trí in mặc định.", "success")
    return redirect(url_for("web.admin_certificate_layout", campaign_id=campaign_id))


@bp.route("/quan-tri/phong-trao/<int:campaign_id>/giay-khen/trang-can-chinh.docx")
@login_required
@admin_only
@with_campaign()
def admin_certificate_calibration(user: User, campaign: Campaign):
    content, name = round_documents.calibration_document(campaign)
    return attachment(content, DOCX_MIME, name)
