"""Files in and out of the API: the round's award documents and Excel exports,
the nominee template of a campaign, and the import of a filled template into a dossier.

Same shape as the other handlers: load, check access, call one operation, send.
"""
from __future__ import annotations

from flask import request
from flask.views import MethodView
from marshmallow import Schema, fields

from .. import access, office_package, presenters
from ..awards import excel
from ..downloads import DOCX_MIME, XLSX_MIME, attachment
from ..errors import NotFound, ValidationFailed
from ..lookup import DOSSIER_HEAD_OPTIONS, requires, with_campaign, with_dossier, with_round
from ..operations import certificate_layouts as layout_ops
from ..operations import dossiers as dossier_ops
from ..operations import outcomes as outcome_ops
from ..operations import round_documents
from ..operations import templates as template_ops
from ..schemas.certificates import CertificateLayoutIn, CertificateLayoutOut
from ..schemas.dossiers import NomineeOut
from ..schemas.rounds import RoundDocumentArgs
from .handlers import authenticate_request
from .parsing import Blueprint

# Uploads here are Office packages (a nominee list, a Word template): read no more than their check allows.
MAX_IMPORT_BYTES = office_package.MAX_PACKAGE_BYTES

blp = Blueprint("files", __name__, url_prefix="/api/v1", description="Tệp Word và Excel")
blp.before_request(authenticate_request)


@blp.route("/rounds/<int:round_id>/documents/<string:kind>.docx")
@blp.arguments(RoundDocumentArgs, location="query")
@blp.response(200, description="Tệp Word (.docx)", content_type=DOCX_MIME)
@blp.documented_errors(401, 404, 409, 422)
@with_round()
def round_document(args, user, round_, kind):
    """Văn bản của đợt: tờ trình tổng hợp (to_trinh_tong_hop), quyết định (quyet_dinh), giấy khen (certificates);
    khi các hình thức của đợt do nhiều cấp quyết định, authority chọn quyết định và giấy khen của một cấp.

    Giấy khen in theo ``mode``: full (bản in đầy đủ trên giấy trắng A4 ngang), blank (chỉ in phần chữ
    thay đổi lên phôi, theo vị trí đã lưu của phong trào) hoặc calibration (trang căn chỉnh)."""
    if kind not in round_documents.ROUND_DOCUMENT_KINDS:
        raise NotFound(f"Không có loại văn bản “{kind}”.")
    content, name = round_documents.render_round_document(round_, kind, mode=args.get("mode") or "full",
                                                          authority=args.get("authority"))
    return attachment(content, DOCX_MIME, name)


@blp.route("/rounds/<int:round_id>/ranking.xlsx")
@blp.response(200, description="Bảng xếp hạng (.xlsx)", content_type=XLSX_MIME)
@blp.documented_errors(401, 404)
@with_round()
def round_ranking_workbook(user, round_):
    """Bảng xếp hạng của đợt, kèm lý do từng trường hợp không được chọn."""
    content, name = round_documents.ranking_workbook(round_)
    return attachment(content, XLSX_MIME, name)


@blp.route("/rounds/<int:round_id>/awardees.xlsx")
@blp.response(200, description="Danh sách khen thưởng và tiền thưởng (.xlsx)", content_type=XLSX_MIME)
@blp.documented_errors(401, 404, 409, 422)
@with_round()
def round_awardees_workbook(user, round_):
    """Danh sách được khen thưởng với tiền thưởng (khi đợt đã có danh sách trình)."""
    content, name = round_documents.awardees_workbook(round_)
    return attachment(content, XLSX_MIME, name)


@blp.route("/dossiers/<int:dossier_id>/outcome/quyet_dinh.docx")
@blp.response(200, description="Tệp Word (.docx)", content_type=DOCX_MIME)
@blp.documented_errors(401, 404, 409, 422)
@with_dossier()
def outcome_decision(user, dossier):
    """Quyết định khen thưởng đã giải quyết hồ sơ: quyết định của đợt, hoặc quyết định riêng cho hồ sơ."""
    content, name = outcome_ops.decision_document(dossier)
    return attachment(content, DOCX_MIME, name)


@blp.route("/dossiers/<int:dossier_id>/outcome/certificates.docx")
@blp.response(200, description="Tệp Word (.docx)", content_type=DOCX_MIME)
@blp.documented_errors(401, 404, 409, 422)
@with_dossier()
def outcome_certificates(user, dossier):
    """Giấy khen của riêng tập thể, cá nhân được khen thưởng trong hồ sơ này (không có người của đơn vị khác)."""
    content, name = outcome_ops.unit_certificates(dossier)
    return attachment(content, DOCX_MIME, name)


@blp.route("/campaigns/<int:campaign_id>/nominee-template.xlsx")
@blp.response(200, description="Mẫu danh sách người được đề nghị (.xlsx)", content_type=XLSX_MIME)
@blp.documented_errors(401, 404)
@with_campaign()
def nominee_template(user, campaign):
    """Mẫu Excel để nhập danh sách người được đề nghị của phong trào."""
    content = excel.nominee_template(campaign.metrics, campaign.award_forms)
    return attachment(content, XLSX_MIME, f"mau_danh_sach_{campaign.code}.xlsx")


@blp.route("/dossiers/<int:dossier_id>/nominees/import", methods=["POST"])
@blp.response(201, NomineeOut(many=True))
@blp.documented_errors(401, 403, 404, 409, 422)
@with_dossier(options=DOSSIER_HEAD_OPTIONS)
def import_nominees(user, dossier):
    """Nhập người được đề nghị từ tệp Excel (trường “file”): lỗi một dòng thì không nhập dòng nào."""
    content, _ = _uploaded_file("Hãy tải lên tệp Excel (.xlsx) trong trường “file”.")
    return [presenters.nominee(n) for n in dossier_ops.import_nominees(user, dossier, content)]


def _uploaded_file(missing_message: str) -> tuple[bytes, str]:
    """The bytes and name of the upload in field "file"; larger than MAX_IMPORT_BYTES is refused unread."""
    upload = request.files.get("file")
    if upload is None:
        raise ValidationFailed(missing_message, fields={"file": ["Thiếu tệp."]}, code="file_missing")
    try:
        content = upload.read(MAX_IMPORT_BYTES + 1)
    finally:
        upload.close()  # a large upload is spooled to a temporary file: free it at once
    if len(content) > MAX_IMPORT_BYTES:
        raise ValidationFailed(f"Tệp lớn quá {MAX_IMPORT_BYTES // (1024 * 1024)} MB.",
                               fields={"file": ["Tệp quá lớn."]}, code="file_too_large")
    return content, upload.filename or ""


class CustomTemplateOut(Schema):
    kind = fields.String()
    sha256 = fields.String()
    size = fields.Integer()
    file_name = fields.String()
    uploaded_at = fields.DateTime()


TEMPLATES_ADMIN_ONLY = "Chỉ quản trị hệ thống mới được thay mẫu văn bản."


@blp.route("/admin/campaigns/<int:campaign_id>/templates/<string:kind>")
class CampaignTemplate(MethodView):
    @blp.response(200, CustomTemplateOut)
    @blp.documented_errors(401, 403, 404, 422)
    @with_campaign()
    @requires(access.can_administer, TEMPLATES_ADMIN_ONLY)  # 404 first, then 403, both before the upload is read
    def put(self, user, campaign, kind):
        """Thay mẫu Word của một loại văn bản cho phong trào (tệp .docx trong trường “file”; quản trị)."""
        content, name = _uploaded_file("Hãy tải lên tệp mẫu Word (.docx) trong trường “file”.")
        return template_ops.upload_template(user, campaign, kind, content, name)

    @blp.response(204)
    @blp.documented_errors(401, 403, 404)
    @with_campaign()
    @requires(access.can_administer, TEMPLATES_ADMIN_ONLY)
    def delete(self, user, campaign, kind):
        """Bỏ mẫu đã tải lên, dùng lại mẫu có sẵn (quản trị)."""
        template_ops.remove_template(user, campaign, kind)


@blp.route("/admin/campaigns/<int:campaign_id>/certificate-layout")
class CertificateLayoutAdmin(MethodView):
    @blp.response(200, CertificateLayoutOut)
    @blp.documented_errors(401, 403, 404)
    @with_campaign()
    @requires(access.can_administer, layout_ops.ADMIN_ONLY)
    def get(self, user, campaign):
        """Vị trí in giấy khen trên phôi của phong trào (khổ giấy; mỗi mục: cách mép trái, mép trên, chiều rộng
        theo mm và cỡ chữ); is_default khi phong trào chưa lưu vị trí riêng (quản trị)."""
        return layout_ops.certificate_layout(campaign)

    @blp.response(200, CertificateLayoutOut)
    @blp.documented_errors(401, 403, 404, 422)
    @with_campaign()
    @requires(access.can_administer, layout_ops.ADMIN_ONLY)  # 403 before the body is read
    @blp.arguments(CertificateLayoutIn)
    def put(self, data, user, campaign):
        """Lưu vị trí in giấy khen trên phôi: mọi ô phải nằm trong khổ giấy (quản trị; ghi vào nhật ký)."""
        return layout_ops.save_certificate_layout(user, campaign, data)

    @blp.response(200, CertificateLayoutOut)
    @blp.documented_errors(401, 403, 404)
    @with_campaign()
    @requires(access.can_administer, layout_ops.ADMIN_ONLY)
    def delete(self, user, campaign):
        """Bỏ vị trí đã lưu, dùng lại vị trí in mặc định (quản trị; ghi vào nhật ký)."""
        return layout_ops.reset_certificate_layout(user, campaign)
