"""The council meeting form: attendance, chair and secretary, and the vote on each nominee."""
from __future__ import annotations

from typing import Any

from flask import flash, redirect, render_template, request

from .. import access
from ..db import db
from ..errors import DomainError, Forbidden, NotFound
from ..lookup import load_dossier, with_dossier
from ..models import Dossier, User
from ..operations import dossiers as dossier_ops
from . import forms, views
from .blueprint import bp
from .dossier import STALE_TITLE, dossier_url
from .session import login_required

# The form is the council secretary's: anyone else may not even open it.
with_meeting = with_dossier(
    access.can_record_meeting, "Chỉ thư ký Hội đồng Thi đua - Khen thưởng của đơn vị mới được ghi biên bản họp.")


def render_meeting_form(user: User, dossier: Dossier, *, values: dict[str, Any] | None = None,
                        error: DomainError | None = None, banner: dict[str, str] | None = None, status: int = 200):
    values = values if values is not None else views.meeting_form_values(dossier, user)
    rows = views.vote_grid(dossier)
    fields = dict(error.fields) if error is not None else {}
    placed = set(forms.MEETING_FIELDS) | {f"votes-{row['id']}" for row in rows} | {
        name for name in fields if name.startswith("absentees.")}
    page = {
        "dossier_id": dossier.id, "dossier_url": dossier_url(dossier.id), "unit_name": dossier.unit.name,
        "council_name": dossier.unit.council_name, "campaign_title": dossier.campaign.title,
        "state_label": views.state_label(dossier.state), "values": values, "rows": rows,
        "results": views.vote_results(rows, values), "errors": fields,
        "message": error.message if error is not None else "",
        "unplaced": forms.unplaced_errors(fields, placed),
        "can_record": access.can_record_meeting(user, dossier) and dossier.state in dossier_ops.MEETING_STATES,
        "is_recorded": dossier.meeting is not None,
    }
    return render_template("meeting.html", page=page, banner=banner), status


@bp.route("/ho-so/<int:dossier_id>/bien-ban-hop", methods=["GET"])
@login_required
@with_meeting
def meeting_form(user: User, dossier: Dossier):
    return render_meeting_form(user, dossier)


@bp.route("/ho-so/<int:dossier_id>/bien-ban-hop", methods=["POST"])
@login_required
@with_meeting
def record_meeting(user: User, dossier: Dossier):
    dossier_id = dossier.id
    values = forms.meeting_values(request.form, dossier)
    vote_ids: list[int] = []
    try:
        data, vote_ids = forms.parse_meeting(request.form, dossier)
        dossier_ops.record_meeting(user, dossier, data)
    except DomainError as error:
        db.session.rollback()
        if isinstance(error, (Forbidden, NotFound)):
            raise
        dossier = load_dossier(user, dossier_id)
        banner = forms.conflict_banner(error, dossier_url(dossier_id), stale_title=STALE_TITLE,
                                       other_title="Chưa ghi được biên bản")
        if banner is not None:
            return render_meeting_form(user, dossier, values=values, banner=banner, status=409)
        error.fields = forms.meeting_error_fields(error.fields, vote_ids)
        return render_meeting_form(user, dossier, values=values, error=error, status=error.status)
    flash("Đã lưu biên bản họp Hội đồng. Kiểm tra kết quả rồi bấm “Hoàn tất biên bản họp Hội đồng”.", "success")
    return redirect(dossier_url(dossier_id, "viec-can-lam"))
