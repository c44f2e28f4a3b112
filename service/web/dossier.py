"""The dossier page and the forms it posts: nominees, details, workflow steps and documents.

Every handler has the same shape: its decorator loads the dossier the user may
see (404 otherwise), the handler reads the form, calls one operation, then
redirects to the page (success) or shows the page again with the user's input
and the reasons next to the fields.
"""
from __future__ import annotations

from typing import Any

from flask import Response, flash, jsonify, redirect, render_template, request, url_for

import workflows

from ..clock import today_local
from ..db import db
from ..downloads import DOCX_MIME, ZIP_MIME, attachment, document_response
from ..errors import DomainError, Forbidden, NotFound, ValidationFailed
from ..documents.builders import DOCUMENT_TITLES
from ..lookup import DOSSIER_HEAD_OPTIONS, load_dossier, with_dossier, with_nominee
from ..models import DOCUMENT_KINDS, Dossier, Nominee, User
from ..operations import documents as document_ops
from ..operations import dossiers as dossier_ops
from ..operations import outcomes as outcome_ops
from ..operations import workflow as workflow_ops
from . import forms, views
from .blueprint import bp
from .preview import preview_pages
from .session import login_required, wants_json

STALE_TITLE = "Hồ sơ vừa được người khác thay đổi"


def dossier_url(dossier_id: int, anchor: str = "") -> str:
    return url_for("web.dossier_page", dossier_id=dossier_id) + (f"#{anchor}" if anchor else "")


def _nominee_page(dossier: Dossier, target: str | None) -> int:
    """The page of nominees to show: the one holding the nominee whose form is open, else the one asked for."""
    if target and target.startswith("nominee-") and target[len("nominee-"):].isdigit():
        number = views.nominee_page_number(dossier, int(target[len("nominee-"):]))
        if number is not None:
            return number
    return views.requested_page()


def render_dossier(user: User, dossier: Dossier, *, status: int = 200, target: str | None = None,
                   values: dict[str, Any] | None = None, error: DomainError | None = None,
                   placed: tuple[str, ...] = (), banner: dict[str, str] | None = None):
    page = views.dossier_page(user, dossier, today_local(), _nominee_page(dossier, target))
    page["outcome"] = views.outcome_view(outcome_ops.dossier_outcome(dossier)) if views.may_be_settled(dossier) else None
    if target is not None:
        forms.show_refused(page["forms"].setdefault(target, views.empty_form({})), values=values, error=error,
                           placed=placed)
    return render_template("dossier.html", page=page, banner=banner), status


def refuse(user: User, dossier_id: int, error: DomainError, *, target: str | None = None,
           values: dict[str, Any] | None = None, placed: tuple[str, ...] = ()):
    """Show the dossier page again after an operation said no, with the reason where the user looks."""
    db.session.rollback()
    if isinstance(error, (Forbidden, NotFound)):
        raise error
    dossier = load_dossier(user, dossier_id)
    banner = forms.conflict_banner(error, dossier_url(dossier_id), stale_title=STALE_TITLE)
    if banner is not None:
        return render_dossier(user, dossier, status=409, banner=banner)
    return render_dossier(user, dossier, status=error.status, target=target, values=values, error=error,
                          placed=placed)


@bp.route("/ho-so/<int:dossier_id>")
@login_required
@with_dossier(options=DOSSIER_HEAD_OPTIONS)
def dossier_page(user: User, dossier: Dossier):
    # "?sua=<id>" opens that nominee's edit form when the page's script is not there to do it.
    editing = request.args.get("sua", type=int)
    target = f"nominee-{editing}" if editing and views.nominee_page_number(dossier, editing) else None
    return render_dossier(user, dossier, target=target)


# --- the outcome: the decision and the unit's own certificates ---------------------------------

@bp.route("/ho-so/<int:dossier_id>/ket-qua/quyet-dinh.docx")
@login_required
@with_dossier()
def outcome_decision(user: User, dossier: Dossier):
    content, name = outcome_ops.decision_document(dossier)
    return attachment(content, DOCX_MIME, name)


@bp.route("/ho-so/<int:dossier_id>/ket-qua/giay-khen.docx")
@login_required
@with_dossier()
def outcome_certificates(user: User, dossier: Dossier):
    content, name = outcome_ops.unit_certificates(dossier)
    return attachment(content, DOCX_MIME, name)


# --- nominees -------------------------------------------------------------------------------

def _nominee_placed(dossier: Dossier) -> tuple[str, ...]:
    return forms.NOMINEE_FIELDS + tuple(f"metrics.{m['code']}" for m in dossier.campaign.metrics)


@bp.route("/ho-so/<int:dossier_id>/nguoi-duoc-de-nghi", methods=["POST"])
@login_required
@with_dossier()
def add_nominee(user: User, dossier: Dossier):
    values = forms.nominee_values(request.form, dossier.campaign)
    try:
        nominee = dossier_ops.add_nominee(user, dossier, forms.parse_nominee(request.form, dossier.campaign))
    except DomainError as error:
        return refuse(user, dossier.id, error, target="nominee-new", values=values,
                      placed=_nominee_placed(dossier))
    flash(f"Đã thêm “{nominee.full_name}”.", "success")
    return redirect(dossier_url(dossier.id, "nguoi-duoc-de-nghi"))


@bp.route("/ho-so/<int:dossier_id>/nguoi-duoc-de-nghi/<int:nominee_id>", methods=["POST"])
@login_required
@with_nominee()
def update_nominee(user: User, dossier: Dossier, nominee: Nominee):
    values = forms.nominee_values(request.form, dossier.campaign)
    try:
        dossier_ops.update_nominee(user, nominee, forms.parse_nominee(request.form, dossier.campaign),
                                   forms.expected_version(request.form))
    except DomainError as error:
        return refuse(user, dossier.id, error, target=f"nominee-{nominee.id}", values=values,
                      placed=_nominee_placed(dossier))
    flash(f"Đã lưu thay đổi của “{nominee.full_name}”.", "success")
    return redirect(dossier_url(dossier.id, f"nguoi-{nominee.id}"))


@bp.route("/ho-so/<int:dossier_id>/nguoi-duoc-de-nghi/<int:nominee_id>/xoa", methods=["POST"])
@login_required
@with_nominee()
def delete_nominee(user: User, dossier: Dossier, nominee: Nominee):
    dossier_id, name = dossier.id, nominee.full_name
    try:
        dossier_ops.delete_nominee(user, nominee, forms.expected_version(request.form))
    except DomainError as error:
        return refuse(user, dossier_id, error)
    flash(f"Đã xóa “{name}” khỏi hồ sơ.", "success")
    return redirect(dossier_url(dossier_id, "nguoi-duoc-de-nghi"))


# --- details and workflow steps ------------------------------------------------------------------

@bp.route("/ho-so/<int:dossier_id>/thong-tin", methods=["POST"])
@login_required
@with_dossier()
def update_details(user: User, dossier: Dossier):
    values = forms.details_values(request.form)
    try:
        changes = forms.parse_details(request.form, dossier.version)
        dossier_ops.update_dossier_details(user, dossier, changes, forms.expected_version(request.form))
    except DomainError as error:
        return refuse(user, dossier.id, error, target="details", values=values, placed=forms.DETAILS_FIELDS)
    flash("Đã lưu số, ngày văn bản và nơi nhận.", "success")
    return redirect(dossier_url(dossier.id, "thong-tin"))


@bp.route("/ho-so/<int:dossier_id>/chuyen-buoc", methods=["POST"])
@login_required
@with_dossier()
def fire_transition(user: User, dossier: Dossier):
    trigger = request.form.get("trigger", "")
    values = forms.transition_values(request.form)
    try:
        data = forms.parse_transition(request.form)
        event = workflow_ops.fire_transition(
            user, dossier, data["trigger"], expected_state=data["expected_state"], comment=data.get("comment"),
            decision_number=data.get("decision_number"), decision_date=data.get("decision_date"))
    except DomainError as error:
        error.fields = {views.GUARD_FIELDS.get(name, name): messages for name, messages in error.fields.items()}
        return refuse(user, dossier.id, error, target=f"transition-{trigger}", values=values,
                      placed=forms.TRANSITION_FIELDS)
    flash(f"Đã thực hiện “{workflows.WORKFLOW.trigger_label(event.trigger)}”. Hồ sơ chuyển sang trạng thái "
          f"“{views.state_label(event.to_state)}”.", "success")
    return redirect(dossier_url(dossier.id))


# --- documents -------------------------------------------------------------------------------------


@bp.route("/ho-so/<int:dossier_id>/van-ban", methods=["POST"])
@login_required
@with_dossier()
def generate_documents(user: User, dossier: Dossier):
    """Generate the documents (all, or the kinds named); the page's script asks for one kind at a time."""
    kinds = tuple(request.form.getlist("kind")) or DOCUMENT_KINDS
    try:
        if any(kind not in DOCUMENT_KINDS for kind in kinds):
            raise ValidationFailed("Không có loại văn bản này.", fields={"kind": ["Loại văn bản không hợp lệ."]})
        generated = document_ops.generate_documents(user, dossier, kinds, signer=forms.parse_signer(request.form))
    except DomainError as error:
        if wants_json():
            db.session.rollback()
            return jsonify({"ok": False, "message": _with_reasons(error)}), error.status
        return refuse(user, dossier.id, error, target="documents", values=forms.signer_values(request.form),
                      placed=forms.SIGNER_FIELDS)
    message = "Đã tạo " + ", ".join(f"{DOCUMENT_TITLES[d.kind].lower()} (phiên bản {d.version})"
                                    for d in generated) + "."
    if wants_json():
        page = views.dossier_page(user, dossier, today_local())
        return jsonify({
            "ok": True, "message": message[:1].upper() + message[1:] if message else message,
            "documents_html": render_template("dossier/_documents.html", page=page),
            "actions_html": render_template("dossier/_actions.html", page=page),
        })
    flash(message, "success")
    return redirect(dossier_url(dossier.id, "van-ban"))


def _with_reasons(error: DomainError) -> str:
    """The message and, for a refused choice, why (the page's script shows one line)."""
    reasons = [m for messages in error.fields.values() for m in (messages if isinstance(messages, list) else [])]
    return " ".join([error.message, *(r for r in reasons if r not in error.message)])


def _requested_version() -> int | None:
    raw = request.args.get("version", "")
    if not raw:
        return None
    if not raw.isdigit():
        raise NotFound("Không có phiên bản này của văn bản.")
    return int(raw)


@bp.route("/ho-so/<int:dossier_id>/van-ban/<kind>.docx")
@login_required
@with_dossier()
def download_document(user: User, dossier: Dossier, kind: str):
    document = document_ops.document_for_download(user, dossier, kind, _requested_version())
    return document_response(dossier, document)


@bp.route("/ho-so/<int:dossier_id>/van-ban.zip")
@login_required
@with_dossier()
def download_documents_zip(user: User, dossier: Dossier):
    content, name = document_ops.documents_zip(user, dossier)
    return attachment(content, ZIP_MIME, name)


@bp.route("/ho-so/<int:dossier_id>/van-ban/<kind>/xem-truoc")
@login_required
@with_dossier()
def preview_document(user: User, dossier: Dossier, kind: str):
    """The document as HTML: a fragment for the page's script, or a page of its own."""
    version = _requested_version()
    if version is None:
        versions = [d.version for d in document_ops.list_documents(dossier) if d.kind == kind]
        if not versions:
            raise NotFound("Văn bản này chưa được tạo.")
        version = max(versions)
    document = document_ops.document_for_download(user, dossier, kind, version)
    pages = preview_pages(document.sha256, lambda: document_ops.document_bytes(document))
    number = min(views.requested_page(), len(pages))
    pager = views.pager(number, 1, len(pages), "web.preview_document", dossier_id=dossier.id, kind=kind,
                        version=document.version)
    if request.headers.get("X-Fragment") == "1":
        more = ""
        if pager["next"]:
            more = render_template("_preview_more.html", pager=pager)
        return Response(str(pages[number - 1]) + more, mimetype="text/html")
    return render_template("document_preview.html", body=pages[number - 1], pager=pager, title=DOCUMENT_TITLES[kind],
                           dossier_id=dossier.id, version=document.version,
                           dossier_url=dossier_url(dossier.id, "van-ban"),
                           download_url=url_for("web.download_document", dossier_id=dossier.id, kind=kind,
                                                version=document.version),
                           unit_name=dossier.unit.short_name)
