"""Background jobs in the API: start drawing every document of a round, follow its progress,
download the .zip it makes.

Same shape as the other handlers: load, check access, call one operation, dump.
A job is visible to whoever may see its round; anyone else is told it does not exist.
"""
from __future__ import annotations

from flask import url_for
from marshmallow import Schema, fields

from ..downloads import ZIP_MIME, file_response
from ..lookup import with_job, with_round
from ..operations import jobs as job_ops
from .handlers import authenticate_request
from .parsing import Blueprint

blp = Blueprint("jobs", __name__, url_prefix="/api/v1", description="Công việc chạy nền và tiến độ")
blp.before_request(authenticate_request)


class JobOut(Schema):
    id = fields.Integer()
    kind = fields.String(metadata={"description": "round_documents: toàn bộ văn bản của một đợt"})
    kind_label = fields.String()
    round_id = fields.Integer()
    state = fields.String(metadata={"enum": list(job_ops.JOB_STATE_LABELS)})
    state_label = fields.String()
    done = fields.Integer()
    total = fields.Integer()
    percent = fields.Integer()
    message = fields.String(metadata={"description": "Việc đang làm, khi công việc đang chạy"})
    error = fields.String(metadata={"description": "Lý do, khi công việc không thành công, "
                                                   "hoặc khi tệp kết quả không còn"})
    result_missing = fields.Boolean(metadata={"description": "Công việc đã xong nhưng tệp kết quả không còn "
                                                             "(ví dụ sau khi khôi phục): hãy tạo lại"})
    requested_by = fields.String()
    created_at = fields.DateTime()
    started_at = fields.DateTime(allow_none=True)
    finished_at = fields.DateTime(allow_none=True)
    result_name = fields.String(allow_none=True)
    result_size = fields.Integer(allow_none=True)
    result_url = fields.String(allow_none=True)
    details = fields.Dict()


def _present(job) -> dict:
    view = job_ops.job_view(job)
    view["result_url"] = url_for("jobs.job_result", job_id=job.id) if view["result_name"] else None
    return view


@blp.route("/rounds/<int:round_id>/document-jobs", methods=["POST"])
@blp.response(202, JobOut, headers={"Location": {"description": "Địa chỉ theo dõi công việc",
                                                 "schema": {"type": "string"}}})
@blp.documented_errors(401, 404)
@with_round()
def start_round_documents(user, round_):
    """Tạo toàn bộ văn bản của đợt thành một tệp .zip, chạy nền; trả về công việc để theo dõi.

    Nếu đang có một công việc như vậy chưa xong, trả lại chính công việc đó.
    """
    job, _ = job_ops.start_round_documents(user, round_)
    return _present(job), 202, {"Location": url_for("jobs.get_job", job_id=job.id)}


@blp.route("/rounds/<int:round_id>/document-jobs")
@blp.response(200, JobOut(many=True))
@blp.documented_errors(401, 404)
@with_round()
def list_round_jobs(user, round_):
    """Các công việc tạo văn bản gần đây của đợt, mới nhất trước."""
    return [_present(job) for job in job_ops.recent_round_jobs(round_)]


@blp.route("/jobs/<int:job_id>")
@blp.response(200, JobOut)
@blp.documented_errors(401, 404)
@with_job()
def get_job(user, job):
    """Trạng thái và tiến độ của một công việc."""
    return _present(job)


@blp.route("/jobs/<int:job_id>/result")
@blp.response(200, description="Tệp .zip kết quả", content_type=ZIP_MIME)
@blp.documented_errors(401, 404, 409)
@with_job()
def job_result(user, job):
    """Tải tệp .zip của công việc đã xong (gửi dần từng phần, không nạp cả tệp vào bộ nhớ)."""
    return file_response(*job_ops.job_result(user, job))
