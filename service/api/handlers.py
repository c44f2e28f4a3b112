"""JSON handlers under /api/v1.

Each handler has one shape: flask-smorest parses the input with a schema, a
decorator of service.lookup loads the object and checks access, the handler
calls one operation and returns a presenter's dict, dumped with an output
schema. Commits happen in service.transaction.
"""
from __future__ import annotations

import datetime as dt
from urllib.parse import urlencode

import sqlalchemy as sa
from flask import current_app, g, request
from flask.views import MethodView
from sqlalchemy import orm

import workflows

from .. import access, audit, presenters
from ..auth import authenticate_throttled, issue_token, revoke_token, user_for_token
from ..db import db
from ..downloads import DOCX_MIME, ZIP_MIME, attachment, document_response
from ..errors import Forbidden, Unauthenticated
from ..lookup import load_campaign, with_campaign, with_dossier, with_nominee
from ..models import Campaign, Dossier, HistoryEvent, Unit, User
from ..operations import documents as document_ops
from ..operations import dossiers as dossier_ops
from ..operations import outcomes as outcome_ops
from ..operations import workflow as workflow_ops
from ..schemas.dossiers import (
    CampaignOut, DocumentDownloadArgs, DocumentOut, DocumentsGenerateIn, DossierCreateIn, DossierListArgs,
    DossierOut, DossierOutcomeOut, DossierSummaryOut, DossierUpdateIn, HistoryArgs, HistoryEventOut, MeetingIn, MeetingOut, MeOut,
    NomineeDeleteArgs, NomineeIn, NomineeOut, NomineeUpdateIn, TokenIn, TokenOut, TransitionIn, TransitionsOut,
    UnitOut,
)
from . import dossier_reads
from .parsing import Blueprint

blp = Blueprint("api", __name__, url_prefix="/api/v1", description="Hồ sơ đề nghị khen thưởng")


@blp.before_request
def authenticate_request() -> None:
    """Every call but the login needs a valid token, checked before its body is read.

    So a caller without one gets 401 and learns nothing from validation messages.
    The user goes to ``g.user``, where service.lookup's handler decorators find it.
    """
    if request.endpoint != "api.create_token" and request.method != "OPTIONS":
        g.user = _user_from_token()
        if g.user.must_change_password and request.endpoint not in PASSWORD_CHANGE_ENDPOINTS:
            raise Forbidden("Bạn phải đổi mật khẩu tạm trước khi làm việc khác: "
                            "gửi POST /api/v1/me/password với mật khẩu hiện tại và mật khẩu mới.")


# What an account holding a temporary password may still do: see itself, change it, sign out.
PASSWORD_CHANGE_ENDPOINTS = frozenset({"api.me", "api.revoke_current_token", "accounts.change_my_password"})


def current_user() -> User:
    """The user named by the request's bearer token; 401 otherwise."""
    user = g.get("user")
    return user if user is not None else _user_from_token()


def _user_from_token() -> User:
    header = request.headers.get("Authorization", "")
    scheme, _, raw = header.partition(" ")
    if scheme.lower() != "bearer" or not raw.strip():
        raise Unauthenticated("Thiếu mã truy cập: gửi tiêu đề “Authorization: Bearer <mã>”.")
    user = user_for_token(raw.strip())
    if user is None:
        raise Unauthenticated("Mã truy cập không hợp lệ, đã hết hạn hoặc đã bị thu hồi. Hãy đăng nhập lại.")
    return user


# --- auth -------------------------------------------------------------------------

@blp.route("/auth/token", methods=["POST"])
@blp.arguments(TokenIn)
@blp.response(201, TokenOut)
@blp.documented_errors(401, 422, 429)
@blp.doc(security=[])
def create_token(data):
    """Đăng nhập: đổi tên đăng nhập và mật khẩu lấy mã truy cập (bearer token)."""
    user = authenticate_throttled(data["username"], data["password"], request.remote_addr or "")
    if user is None:
        raise Unauthenticated("Tên đăng nhập hoặc mật khẩu không đúng.")
    raw, token = issue_token(user, dt.timedelta(hours=current_app.config["TOKEN_TTL_HOURS"]))
    return {"access_token": raw, "token_type": "Bearer", "expires_at": token.expires_at}


@blp.route("/auth/token", methods=["DELETE"])
@blp.response(204)
@blp.documented_errors(401)
def revoke_current_token():
    """Đăng xuất: thu hồi mã truy cập đang dùng."""
    current_user()
    revoke_token(request.headers["Authorization"].partition(" ")[2].strip())


@blp.route("/me")
@blp.response(200, MeOut)
@blp.documented_errors(401)
def me():
    """Người dùng đang đăng nhập, vai trò và đơn vị."""
    return presenters.user(current_user())


@blp.route("/units")
@blp.response(200, UnitOut(many=True))
@blp.documented_errors(401)
def list_units():
    """Danh sách đơn vị."""
    current_user()
    return db.session.scalars(sa.select(Unit).order_by(Unit.kind, Unit.name)).all()


# --- campaigns ----------------------------------------------------------------------

@blp.route("/campaigns")
@blp.response(200, CampaignOut(many=True))
@blp.documented_errors(401)
def list_campaigns():
    """Các phong trào thi đua."""
    current_user()
    return db.session.scalars(sa.select(Campaign).order_by(Campaign.plan_date.desc())).all()


@blp.route("/campaigns/<int:campaign_id>")
@blp.response(200, CampaignOut)
@blp.documented_errors(401, 404)
@with_campaign()
def get_campaign(user, campaign):
    """Một phong trào: kế hoạch, hạn nộp, hình thức khen thưởng, chỉ tiêu."""
    return campaign


# --- dossiers -------------------------------------------------------------------------

@blp.route("/dossiers")
class DossierCollection(MethodView):
    @blp.arguments(DossierListArgs, location="query")
    @blp.response(200, DossierSummaryOut(many=True), headers={
        "X-Total-Count": {"description": "Số hồ sơ khớp điều kiện, mọi trang cộng lại", "schema": {"type": "integer"}},
        "Link": {"description": "Liên kết tới trang trước (rel=\"prev\") và trang sau (rel=\"next\"), nếu có",
                 "schema": {"type": "string"}}})
    @blp.documented_errors(401)
    def get(self, args):
        """Các hồ sơ người dùng được xem, từng trang một (theo mã hồ sơ)."""
        user = current_user()
        condition = access.visible_dossiers_filter(user)
        if "campaign_id" in args:
            condition = sa.and_(condition, Dossier.campaign_id == args["campaign_id"])
        if "state" in args:
            condition = sa.and_(condition, Dossier.state == args["state"])
        page, size = args["page"], args["page_size"]
        total = db.session.scalar(sa.select(sa.func.count(Dossier.id)).join(Campaign).where(condition)) or 0
        query = (sa.select(Dossier).join(Campaign).where(condition).options(orm.selectinload(Dossier.unit))
                 .order_by(Dossier.id).offset((page - 1) * size).limit(size))
        rows = [presenters.dossier_summary(d) for d in db.session.scalars(query)]
        return rows, {"X-Total-Count": str(total), **_page_links(page, size, total)}

    @blp.arguments(DossierCreateIn)
    @blp.response(201, DossierOut)
    @blp.documented_errors(401, 403, 404, 409, 422)
    def post(self, data):
        """Lập hồ sơ của đơn vị cho một phong trào."""
        campaign = load_campaign(data["campaign_id"])
        return presenters.dossier(dossier_ops.create_dossier(current_user(), campaign, data.get("round_id")))


def _page_links(page: int, size: int, total: int) -> dict[str, str]:
    """The Link header of a paged list (RFC 8288): the neighbouring pages of this request's URL."""
    links = []
    if page > 1:
        links.append(f'<{_with_page(page - 1)}>; rel="prev"')
    if page * size < total:
        links.append(f'<{_with_page(page + 1)}>; rel="next"')
    return {"Link": ", ".join(links)} if links else {}


def _with_page(number: int) -> str:
    query = request.args.to_dict(flat=False)
    query["page"] = [str(number)]
    return request.base_url + "?" + urlencode(query, doseq=True)


@blp.route("/dossiers/<int:dossier_id>")
class DossierItem(MethodView):
    @blp.response(200, DossierOut, headers={"ETag": {"description": "Phiên bản của hồ sơ",
                                                     "schema": {"type": "string"}}})
    @blp.alt_response(304, description="Hồ sơ chưa thay đổi kể từ ETag gửi trong If-None-Match", success=True)
    @blp.documented_errors(401, 404)
    def get(self, dossier_id):
        """Một hồ sơ với người được đề nghị và biên bản họp.

        Có tiêu đề ETag theo phiên bản hồ sơ: gửi lại trong If-None-Match để nhận 304 khi hồ sơ chưa đổi.
        """
        return dossier_reads.dossier_response(current_user(), dossier_id)

    @blp.arguments(DossierUpdateIn)
    @blp.response(200, DossierOut)
    @blp.documented_errors(401, 403, 404, 409, 422)
    @with_dossier()
    def patch(self, data, user, dossier):
        """Sửa số tờ trình, số biên bản, ngày tờ trình, nơi nhận."""
        expected_version = data.pop("expected_version")
        return presenters.dossier(dossier_ops.update_dossier_details(user, dossier, data, expected_version))


@blp.route("/dossiers/<int:dossier_id>/nominees", methods=["POST"])
@blp.arguments(NomineeIn)
@blp.response(201, NomineeOut)
@blp.documented_errors(401, 403, 404, 409, 422)
@with_dossier()
def add_nominee(data, user, dossier):
    """Thêm tập thể hoặc cá nhân được đề nghị (chỉ khi đang soạn hồ sơ)."""
    return presenters.nominee(dossier_ops.add_nominee(user, dossier, data))


@blp.route("/dossiers/<int:dossier_id>/nominees/<int:nominee_id>")
class NomineeItem(MethodView):
    @blp.arguments(NomineeUpdateIn)
    @blp.response(200, NomineeOut)
    @blp.documented_errors(401, 403, 404, 409, 422)
    @with_nominee()
    def patch(self, data, user, dossier, nominee):
        """Sửa người được đề nghị; gửi kèm expected_version."""
        expected_version = data.pop("expected_version")
        return presenters.nominee(dossier_ops.update_nominee(user, nominee, data, expected_version))

    @blp.arguments(NomineeDeleteArgs, location="query")
    @blp.response(204)
    @blp.documented_errors(401, 403, 404, 409)
    @with_nominee()
    def delete(self, args, user, dossier, nominee):
        """Xóa người được đề nghị (chỉ khi đang soạn hồ sơ)."""
        dossier_ops.delete_nominee(user, nominee, args.get("expected_version"))


@blp.route("/dossiers/<int:dossier_id>/meeting", methods=["PUT"])
@blp.arguments(MeetingIn)
@blp.response(200, MeetingOut)
@blp.documented_errors(401, 403, 404, 409, 422)
@with_dossier()
def put_meeting(data, user, dossier):
    """Ghi (hoặc ghi lại) cuộc họp Hội đồng Thi đua - Khen thưởng và số phiếu từng người."""
    return presenters.meeting(dossier, dossier_ops.record_meeting(user, dossier, data))


@blp.route("/dossiers/<int:dossier_id>/transitions")
class TransitionCollection(MethodView):
    @blp.response(200, TransitionsOut)
    @blp.documented_errors(401, 404)
    @with_dossier()
    def get(self, user, dossier):
        """Các thao tác chuyển trạng thái người dùng được làm lúc này, và lý do nếu chưa được."""
        return {"state": dossier.state, "state_label": workflows.WORKFLOW.state_label(dossier.state),
                "version": dossier.version,
                "transitions": workflow_ops.available_transitions(user, dossier)}

    @blp.arguments(TransitionIn)
    @blp.response(201, HistoryEventOut)
    @blp.documented_errors(401, 403, 404, 409, 422)
    @with_dossier()
    def post(self, data, user, dossier):
        """Chuyển trạng thái hồ sơ; gửi kèm expected_state (trạng thái bạn đang thấy)."""
        event = workflow_ops.fire_transition(
            user, dossier, data["trigger"], expected_state=data["expected_state"],
            comment=data.get("comment"), decision_number=data.get("decision_number"),
            decision_date=data.get("decision_date"))
        return presenters.history_event(event)


@blp.route("/dossiers/<int:dossier_id>/outcome")
@blp.response(200, DossierOutcomeOut)
@blp.documented_errors(401, 404)
@with_dossier()
def outcome(user, dossier):
    """Kết quả khen thưởng của từng người được đề nghị: được khen thưởng (hình thức, tiền thưởng) hoặc không
    (lý do), theo quyết định nào (số, ngày), và các tệp đơn vị được tải."""
    return outcome_ops.dossier_outcome(dossier)


@blp.route("/dossiers/<int:dossier_id>/history")
@blp.arguments(HistoryArgs, location="query")
@blp.response(200, HistoryEventOut(many=True))
@blp.documented_errors(401, 404, 422)
@with_dossier()
def history(args, user, dossier):
    """Lịch sử hồ sơ: ai, lúc nào, từ trạng thái nào sang trạng thái nào, vì sao; với include=changes,
    kèm mọi thay đổi dữ liệu (người được đề nghị, số liệu, biên bản, số phiếu, thông tin hồ sơ)."""
    events = db.session.scalars(sa.select(HistoryEvent).where(HistoryEvent.dossier_id == dossier.id)
                                .order_by(HistoryEvent.created_at, HistoryEvent.id))
    return audit.timeline([presenters.history_event(e) for e in events],
                          audit.dossier_changes(dossier) if args.get("include") == "changes" else [])


@blp.route("/dossiers/<int:dossier_id>/documents")
class DocumentCollection(MethodView):
    @blp.response(200, DocumentOut(many=True))
    @blp.documented_errors(401, 404)
    @with_dossier()
    def get(self, user, dossier):
        """Mọi phiên bản văn bản đã tạo của hồ sơ."""
        return [presenters.document(dossier, d) for d in document_ops.list_documents(dossier)]

    @blp.arguments(DocumentsGenerateIn)
    @blp.response(201, DocumentOut(many=True))
    @blp.documented_errors(401, 403, 404, 409, 422)
    @with_dossier()
    def post(self, data, user, dossier):
        """Tạo văn bản cho nội dung hiện tại (biên bản, tờ trình, danh sách); signer: người ký tờ trình và danh
        sách, chọn trong danh sách người ký của đơn vị (mặc định: thủ trưởng đơn vị)."""
        kinds = tuple(data.get("kinds") or document_ops.DOCUMENT_KINDS)
        documents = document_ops.generate_documents(user, dossier, kinds, signer=data.get("signer"))
        return [presenters.document(dossier, d) for d in documents]


@blp.route("/dossiers/<int:dossier_id>/documents/<string:kind>.docx")
@blp.arguments(DocumentDownloadArgs, location="query")
@blp.response(200, description="Tệp Word (.docx)", content_type=DOCX_MIME)
@blp.alt_response(304, description="Không thay đổi: If-None-Match khớp ETag (SHA-256) của tệp")
@blp.documented_errors(401, 404)
@with_dossier()
def download_document(args, user, dossier, kind):
    """Tải văn bản Word: bản mới nhất, hoặc phiên bản ?version=N."""
    document = document_ops.document_for_download(user, dossier, kind, args.get("version"))
    response = document_response(dossier, document)
    response.headers["X-Document-Version"] = str(document.version)
    return response


@blp.route("/dossiers/<int:dossier_id>/documents.zip")
@blp.response(200, description="Tệp nén các văn bản", content_type=ZIP_MIME)
@blp.documented_errors(401, 404)
@with_dossier()
def download_documents_zip(user, dossier):
    """Tải cả bộ văn bản (bản mới nhất của mỗi loại) trong một tệp .zip."""
    content, name = document_ops.documents_zip(user, dossier)
    return attachment(content, ZIP_MIME, name)
