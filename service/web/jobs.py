"""Background jobs on the pages: start drawing every document of a round, follow the progress
bar while the page stays usable, download the .zip.

Without JavaScript the button posts and the round page shows the job's state; with
it, the page's script posts in the background and asks for progress every second.
"""
from __future__ import annotations

from flask import flash, jsonify, redirect, url_for

from ..db import db
from ..downloads import file_response
from ..errors import DomainError
from ..lookup import with_job, with_round
from ..models import CampaignRound, Job, User
from ..operations import jobs as job_ops
from .blueprint import bp
from .session import login_required, wants_json


def job_panel(job) -> dict | None:
    """The job as the progress panel shows it (None before the first run)."""
    if job is None:
        return None
    view = job_ops.job_view(job)
    view["status_url"] = url_for("web.job_status", job_id=job.id)
    view["download_url"] = url_for("web.job_download", job_id=job.id) if view["result_name"] else None
    return view


def round_job_panel(round_: CampaignRound) -> dict:
    """What the round page needs to show the "every document" button and the latest job."""
    return {"start_url": url_for("web.start_round_documents", round_id=round_.id),
            "job": job_panel(job_ops.latest_round_job(round_))}


@bp.route("/dot-khen-thuong/<int:round_id>/bo-van-ban", methods=["POST"])
@login_required
@with_round()
def start_round_documents(user: User, round_: CampaignRound):
    try:
        job, is_new = job_ops.start_round_documents(user, round_)
    except DomainError as error:
        db.session.rollback()
        if wants_json():
            return jsonify({"ok": False, "message": error.message}), error.status
        raise
    message = ("Đã bắt đầu tạo toàn bộ văn bản của đợt. Bạn có thể tiếp tục làm việc; tiến độ hiện ở đây."
               if is_new else "Việc tạo văn bản của đợt đang chạy; tiến độ hiện ở đây.")
    if wants_json():
        return jsonify({"ok": True, "message": message, "job": job_panel(job)}), 202
    flash(message, "info")
    return redirect(url_for("web.round_page", round_id=round_.id) + "#bo-van-ban")


@bp.route("/cong-viec/<int:job_id>")
@login_required
@with_job()
def job_status(user: User, job: Job):
    """The job's progress as JSON, for the page's script."""
    response = jsonify(job_panel(job))
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.route("/cong-viec/<int:job_id>/tai-ve")
@login_required
@with_job()
def job_download(user: User, job: Job):
    return file_response(*job_ops.job_result(user, job))
