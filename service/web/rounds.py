"""The standing agency's round page: ranking within quotas with the reason for each cut,
overrides with a reason, the round's workflow and its consolidated documents.

Same shape as the dossier page's handlers: the decorator loads the round the
user may see (404 otherwise, by the API's rule), the handler calls one
operation, then redirects to the page (success) or shows it again with the
user's input and the reasons next to the fields.
"""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request, url_for
from werkzeug.datastructures import MultiDict

import workflows

from ..clock import today_local
from ..db import db
from ..downloads import DOCX_MIME, XLSX_MIME, attachment
from ..errors import DomainError, Forbidden, NotFound, ValidationFailed
from ..lookup import load_round, with_round
from ..models import CampaignRound, User
from ..operations import officials as official_ops
from ..operations import round_documents
from ..operations import rounds as round_ops
from ..schemas.rounds import RoundDecisionIn, RoundTransitionIn
from . import forms, jobs, round_views, views
from .blueprint import bp
from .session import login_required

STALE_TITLE = "Đợt khen thưởng vừa được người khác thay đổi"
TRANSITION_FIELDS = ("comment", "proposal_number", "proposal_date", "decision_number", "decision_date")
OVERRIDE_FIELDS = ("selected", "reason")


def round_url(round_id: int, anchor: str = "") -> str:
    return url_for("web.round_page", round_id=round_id) + (f"#{anchor}" if anchor else "")


def render_round(user: User, round_: CampaignRound, *, status: int = 200, target: str | None = None,
                 values: dict[str, Any] | None = None, error: DomainError | None = None,
                 placed: tuple[str, ...] = (), banner: dict[str, str] | None = None):
    page = round_views.round_page(user, round_, today_local(),
                                  round_views.parse_group_pages(request.args.getlist("trang")))
    page["job"] = jobs.round_job_panel(round_)
    if target is not None and target in page["forms"]:
        forms.show_refused(page["forms"][target], values=values, error=error, placed=placed)
    elif error is not None and banner is None:
        # The form is no longer on the page (the round moved on): say why at the top.
        banner = {"kind": "error", "title": "Chưa thực hiện được", "message": error.message,
                  "reload_url": round_url(round_.id)}
    return render_template("round.html", page=page, banner=banner), status


def refuse(user: User, round_id: int, error: DomainError, *, target: str | None = None,
           values: dict[str, Any] | None = None, placed: tuple[str, ...] = ()):
    """Show the round page again after an operation said no, with the reason where the user looks."""
    db.session.rollback()
    if isinstance(error, (Forbidden, NotFound)):
        raise error
    round_ = load_round(user, round_id)
    banner = forms.conflict_banner(error, round_url(round_id), stale_title=STALE_TITLE)
    if banner is not None:
        return render_round(user, round_, status=409, banner=banner)
    return render_round(user, round_, status=error.status, target=target, values=values, error=error,
                        placed=placed)


@bp.route("/dot-khen-thuong/<int:round_id>")
@login_required
@with_round()
def round_page(user: User, round_: CampaignRound):
    return render_round(user, round_)


# --- overrides ---------------------------------------------------------------------------------

def override_values(form: MultiDict) -> dict[str, str]:
    return {"selected": form.get("selected", ""), "reason": form.get("reason", "")}


def parse_override(form: MultiDict) -> tuple[bool | None, str]:
    """The choice (True, False, or None to withdraw) and the reason, as override_selection takes them."""
    choice = round_views.OVERRIDE_CHOICES.get(form.get("selected", ""))
    errors: dict[str, list[str]] = {}
    if choice is None:
        errors["selected"] = ["Hãy chọn một cách điều chỉnh."]
    reason = form.get("reason", "")
    if not reason.strip():
        errors["reason"] = ["Cần ghi lý do điều chỉnh (không được để trống)."]
    if errors:
        raise ValidationFailed("Điều chỉnh chưa hợp lệ.", fields=errors)
    return choice[0], reason


@bp.route("/dot-khen-thuong/<int:round_id>/dieu-chinh/<int:nominee_id>", methods=["POST"])
@login_required
@with_round()
def override_selection(user: User, round_: CampaignRound, nominee_id: int):
    values = override_values(request.form)
    try:
        selected, reason = parse_override(request.form)
        event = round_ops.override_selection(user, round_, nominee_id, selected, reason)
    except DomainError as error:
        return refuse(user, round_.id, error, target=f"override-{nominee_id}", values=values,
                      placed=OVERRIDE_FIELDS)
    name = event.details.get("nominee_name", "")
    what = {True: "chọn", False: "không chọn", None: "bỏ điều chỉnh, theo xếp hạng tự động cho"}[selected]
    flash(f"Đã {what} “{name}”. Lý do được ghi vào lịch sử đợt khen thưởng.", "success")
    return redirect(round_url(round_.id, f"nguoi-{nominee_id}"))


# --- further authorities' decisions --------------------------------------------------------------

DECISION_FIELDS = ("number", "decision_date")


@bp.route("/dot-khen-thuong/<int:round_id>/quyet-dinh/<authority_code>", methods=["POST"])
@login_required
@with_round()
def record_round_decision(user: User, round_: CampaignRound, authority_code: str):
    """The number and date of the decision of an authority deciding some of the round's forms."""
    values = {name: request.form.get(name, "") for name in DECISION_FIELDS}
    target = f"decision-{authority_code}"
    try:
        errors: dict[str, list[str]] = {}
        data = forms._load(RoundDecisionIn(), {"number": values["number"],
                                               "decision_date": forms._date(request.form, "decision_date", errors)},
                           "Thông tin quyết định chưa hợp lệ.", errors)
        decision = round_ops.record_round_decision(user, round_, authority_code, data["number"],
                                                   data["decision_date"])
    except DomainError as error:
        return refuse(user, round_.id, error, target=target, values=values, placed=DECISION_FIELDS)
    flash(f"Đã ghi quyết định số {decision['number']} của {decision['authority']['name']}.", "success")
    return redirect(round_url(round_.id, "documents-panel"))


# --- workflow steps ------------------------------------------------------------------------------

def transition_values(form: MultiDict) -> dict[str, str]:
    return {name: form.get(name, "") for name in TRANSITION_FIELDS}


def parse_transition(form: MultiDict) -> dict[str, Any]:
    """The trigger, the state the user saw, and the fields the step asks for, checked like the API's."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"trigger": form.get("trigger", ""), "expected_state": form.get("expected_state", "")}
    comment = form.get("comment", "")
    if comment.strip():
        data["comment"] = comment
    for number, day in (("proposal_number", "proposal_date"), ("decision_number", "decision_date")):
        if number in form:
            data[number] = form.get(number, "").strip() or None
            data[day] = forms._date(form, day, errors)
    return forms._load(RoundTransitionIn(), data, "Thông tin của bước này chưa hợp lệ.", errors)


def guard_fields(error: DomainError, values: dict[str, str]) -> dict[str, list[str]]:
    """A refused guard's messages under the field the user must fill (the number, or else the date)."""
    def missing(number: str, day: str) -> str:
        return number if not values.get(number, "").strip() else day

    names = {"comment_given": "comment", "proposal_given": missing("proposal_number", "proposal_date"),
             "decision_given": missing("decision_number", "decision_date"),
             "decision_after_proposal": "decision_date"}
    fields: dict[str, list[str]] = {}
    for name, messages in error.fields.items():
        fields.setdefault(names.get(name, name), []).extend(messages)
    return fields


@bp.route("/dot-khen-thuong/<int:round_id>/chuyen-buoc", methods=["POST"])
@login_required
@with_round()
def fire_round_transition(user: User, round_: CampaignRound):
    trigger = request.form.get("trigger", "")
    values = transition_values(request.form)
    try:
        data = parse_transition(request.form)
        event = round_ops.fire_round_transition(
            user, round_, data["trigger"], expected_state=data["expected_state"], comment=data.get("comment"),
            proposal_number=data.get("proposal_number"), proposal_date=data.get("proposal_date"),
            decision_number=data.get("decision_number"), decision_date=data.get("decision_date"))
    except DomainError as error:
        error.fields = guard_fields(error, values)
        return refuse(user, round_.id, error, target=f"transition-{trigger}", values=values,
                      placed=TRANSITION_FIELDS)
    flash(f"Đã thực hiện “{workflows.ROUND_WORKFLOW.trigger_label(event.trigger)}”. Đợt khen thưởng chuyển sang "
          f"trạng thái “{views.round_state_label(event.to_state)}”.", "success")
    return redirect(round_url(round_.id))


# --- consolidated documents ------------------------------------------------------------------------

@bp.route("/dot-khen-thuong/<int:round_id>/van-ban/<kind>.docx")
@login_required
@with_round()
def download_round_document(user: User, round_: CampaignRound, kind: str):
    """Tờ trình tổng hợp, quyết định or certificates, once the list is proposed (as the API serves them)."""
    if kind not in round_documents.ROUND_DOCUMENT_KINDS:
        raise NotFound("Không có loại văn bản này.")
    try:
        content, name = round_documents.render_round_document(round_, kind, mode=request.args.get("mode") or "full",
                                                              authority=request.args.get("authority") or None)
    except DomainError as error:
        return refuse(user, round_.id, error)
    return attachment(content, DOCX_MIME, name)


@bp.route("/dot-khen-thuong/<int:round_id>/nguoi-ky/<part>", methods=["POST"])
@login_required
@with_round()
def choose_round_signer(user: User, round_: CampaignRound, part: str):
    """Who signs the tờ trình ("proposal") or the decision and certificates ("decision")."""
    if part not in official_ops.ROUND_PARTS:
        raise NotFound("Không có văn bản này.")
    values = forms.signer_values(request.form)
    try:
        signer = official_ops.choose_round_signer(user, round_, part, forms.parse_signer(request.form) or {})
    except DomainError as error:
        return refuse(user, round_.id, error, target=f"signer-{part}", values=values, placed=forms.SIGNER_FIELDS)
    flash(f"Đã chọn người ký {official_ops.ROUND_PARTS[part]['title']}: {signer.describe()}.", "success")
    return redirect(round_url(round_.id, "nguoi-ky"))


@bp.route("/dot-khen-thuong/<int:round_id>/xep-hang.xlsx")
@login_required
@with_round()
def download_round_ranking(user: User, round_: CampaignRound):
    try:
        content, name = round_documents.ranking_workbook(round_)
    except DomainError as error:
        return refuse(user, round_.id, error)
    return attachment(content, XLSX_MIME, name)


@bp.route("/dot-khen-thuong/<int:round_id>/danh-sach-khen-thuong.xlsx")
@login_required
@with_round()
def download_round_awardees(user: User, round_: CampaignRound):
    try:
        content, name = round_documents.awardees_workbook(round_)
    except DomainError as error:
        return refuse(user, round_.id, error)
    return attachment(content, XLSX_MIME, name)
