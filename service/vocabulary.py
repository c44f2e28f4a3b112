"""The Vietnamese words for the service's codes, read from where each code is defined.

States and triggers come from the workflow YAML (workflows/dossier.yaml,
workflows/round.yaml), award forms from the campaign's definition, document
kinds from the document builders. Pages, the API and the documents ask here,
so one code is said one way everywhere.
"""
from __future__ import annotations

import unicodedata
from typing import Any

from workflows import ROUND_WORKFLOW, WORKFLOW, Workflow

from .documents.builders import CAMPAIGN_DOCUMENT_TITLES, DOCUMENT_TITLES

__all__ = [
    "CAMPAIGN_FILE_FIELDS", "GENDER_LABELS", "NOMINEE_FIELD_LABELS", "NOMINEE_KIND_LABELS", "ROLE_LABELS",
    "ROUND_KIND_LABELS", "UNIT_KIND_LABELS", "VALUE_LABELS", "VOTING_METHOD_LABELS", "allowed_values",
    "award_form_label", "document_title", "dossier_event_label", "dossier_state_label", "field_label",
    "file_field_label", "nominee_kind_word", "round_event_label", "round_state_label", "value_from_text",
    "value_label",
]

#: Roles as people read them on pages and in the API (shorter than the workflow files' formal titles).
ROLE_LABELS = {
    "unit_clerk": "Cán bộ thi đua đơn vị",
    "council_secretary": "Thư ký Hội đồng Thi đua - Khen thưởng",
    "unit_head": "Thủ trưởng đơn vị",
    "reviewer": "Chuyên viên thẩm định (cơ quan thường trực)",
    "approver": "Lãnh đạo phê duyệt (cấp có thẩm quyền)",
    "admin": "Quản trị hệ thống",
}
#: Kinds of nominee, as a column or a badge says them (the prize rules also name households).
NOMINEE_KIND_LABELS = {"collective": "Tập thể", "individual": "Cá nhân", "household": "Hộ gia đình"}
GENDER_LABELS = {"male": "Nam", "female": "Nữ"}
VOTING_METHOD_LABELS = {"show_of_hands": "Biểu quyết giơ tay", "secret_ballot": "Bỏ phiếu kín"}
UNIT_KIND_LABELS = {"city": "Thành phố", "department": "Phòng ban", "ward": "Phường", "commune": "Xã",
                    "province": "Tỉnh", "branch": "Chi nhánh", "agency": "Cơ quan", "other": "Khác"}
ROUND_KIND_LABELS = {"single": "Đợt khen thưởng", "annual": "Khen thưởng hằng năm", "mid_term": "Sơ kết",
                     "final": "Tổng kết"}

#: Every closed list of words a campaign file or an imported list may hold: the code a file stores,
#: and the label a person reads (and may type instead of the code).
VALUE_LABELS: dict[str, dict[str, str]] = {
    "nominee_kind": {"collective": "Tập thể", "individual": "Cá nhân"},
    "gender": GENDER_LABELS,
    "unit_kind": UNIT_KIND_LABELS,
    "round_kind": ROUND_KIND_LABELS,
    "metric_type": {"integer": "Số nguyên", "number": "Số thập phân", "percent": "Tỷ lệ phần trăm"},
    "formula": {"ratio": "Tỷ lệ phần trăm", "per": "Bình quân", "attainment": "Tỷ lệ hoàn thành kế hoạch",
                "mean": "Trung bình cộng"},
    "better": {"higher": "Cao hơn là tốt hơn", "lower": "Thấp hơn là tốt hơn"},
    "late_policy": {"accept": "Nhận hồ sơ nộp muộn", "refuse": "Không nhận hồ sơ nộp muộn"},
    "decision_scope": {"round": "Quyết định theo đợt", "dossier": "Quyết định theo từng hồ sơ"},
    # Law 06/2022/QH15, art. 7 (titles) and art. 9 (commendations).
    "family": {"title": "Danh hiệu thi đua", "commendation": "Hình thức khen thưởng"},
    "vote_kind": {"majority": "Quá nửa số thành viên", "ratio": "Theo tỷ lệ phiếu"},
    "vote_denominator": {"members": "Tổng số thành viên", "present": "Số thành viên dự họp"},
    "voting_method": VOTING_METHOD_LABELS,
}
# History rows that record something other than a workflow trigger.
_DOSSIER_EVENTS = {"create": "Lập hồ sơ"}
_ROUND_EVENTS = {"override": "Điều chỉnh danh sách"}


#: A nominee's fields as messages, pages and the audit trail name them.
NOMINEE_FIELD_LABELS = {
    "kind": "Loại (tập thể/cá nhân)",
    "full_name": "Họ và tên (tên tập thể)",
    "gender": "Giới tính",
    "position": "Chức vụ",
    "workplace": "Đơn vị công tác",
    "award_form": "Hình thức khen thưởng",
    "achievement_summary": "Tóm tắt thành tích",
    "metrics": "Số liệu thành tích",
    "is_leader": "Là lãnh đạo",
}

def _state_label(workflow: Workflow, state: str) -> str:
    try:
        return workflow.state_label(state)
    except KeyError:
        return state


def dossier_state_label(state: str) -> str:
    """A dossier state's label (workflows/dossier.yaml); the name itself for an unknown state."""
    return _state_label(WORKFLOW, state)


def round_state_label(state: str) -> str:
    """A round state's label (workflows/round.yaml); the name itself for an unknown state."""
    return _state_label(ROUND_WORKFLOW, state)


def dossier_event_label(trigger: str) -> str:
    """What a dossier's history row records: a trigger's label, or "Lập hồ sơ" for its creation."""
    return _DOSSIER_EVENTS.get(trigger) or WORKFLOW.trigger_label(trigger)


def round_event_label(trigger: str) -> str:
    """What a round's history row records: a trigger's label, or the reviewer's override of the list."""
    return _ROUND_EVENTS.get(trigger) or ROUND_WORKFLOW.trigger_label(trigger)


def nominee_kind_word(kind: str) -> str:
    """A kind of nominee inside a sentence: "tập thể", "cá nhân"."""
    label = NOMINEE_KIND_LABELS.get(kind, kind)
    return label[:1].lower() + label[1:]


def award_form_label(campaign: Any, code: str) -> str:
    """The award form's name in the campaign's definition; the code itself when the campaign has no such form."""
    form = campaign.award_form(code) if code else None
    return form["name"] if form else code


def document_title(kind: str) -> str:
    """The title of a dossier's or a round's document kind; the kind itself when unknown."""
    return DOCUMENT_TITLES.get(kind) or CAMPAIGN_DOCUMENT_TITLES.get(kind) or kind


def value_label(kind: str, code: Any) -> str:
    """The label of ``code`` in the list ``kind`` of :data:`VALUE_LABELS`; the value itself when unknown."""
    return VALUE_LABELS.get(kind, {}).get(code, str(code))


def allowed_values(kind: str, codes: Any = None) -> str:
    """The allowed values as a person reads them: "Tập thể, Cá nhân"."""
    labels = VALUE_LABELS[kind]
    return ", ".join(labels[code] for code in (codes if codes is not None else labels))


def value_from_text(kind: str, value: str, codes: Any = None) -> str | None:
    """The code a person meant: its label (any case, any Unicode form) or the code itself; None otherwise."""
    labels = VALUE_LABELS[kind]
    wanted = " ".join(unicodedata.normalize("NFC", value).split()).casefold()
    for code in (codes if codes is not None else labels):
        if wanted in (code.casefold(), labels[code].casefold()):
            return code
    return None


# --- the fields of a campaign file ----------------------------------------------------------------
# One entry per key of each part of a campaign file (campaigns/FORMAT.md): the label, the part it opens
# (a nested group of keys, or "map" for a table keyed by the file's own codes) and, for a list, what one
# item is called ("Hình thức khen thưởng" thứ 1).
_ = None
CAMPAIGN_FILE_FIELDS: dict[str, dict[str, tuple[str, str | None, str | None]]] = {
    "definition": {
        "format": ("Phiên bản định dạng", _, _),
        "code": ("Mã phong trào", _, _),
        "plan": ("Kế hoạch phát động", "plan", _),
        "participants": ("Đơn vị tham gia", "participants", _),
        "period": ("Thời gian phong trào", "period", _),
        "standing_agency": ("Cơ quan thường trực", _, _),
        "authority": ("Cấp quyết định khen thưởng", _, _),
        "units": ("Danh sách đơn vị", "unit", "Đơn vị"),
        "award_name": ("Tên gọi chung của hình thức khen thưởng", _, _),
        "legal_bases": ("Căn cứ pháp lý", _, "Căn cứ"),
        "award_forms": ("Danh sách hình thức khen thưởng", "award_form", "Hình thức khen thưởng"),
        "metrics": ("Danh sách chỉ tiêu nhập", "metric", "Chỉ tiêu"),
        "derived": ("Danh sách chỉ tiêu tính toán", "derived", "Chỉ tiêu tính toán"),
        "ranking": ("Xếp hạng", "group", "Nhóm xếp hạng"),
        "rules": ("Quy tắc xét chọn", "rules", _),
        "quotas": ("Số lượng khen thưởng tối đa", "quotas", _),
        "rounds": ("Danh sách đợt khen thưởng", "round", "Đợt khen thưởng"),
        "required_documents": ("Văn bản phải nộp", "document", "Văn bản"),
        "late_policy": ("Hồ sơ nộp muộn", _, _),
        "decisions": ("Cách ghi quyết định khen thưởng", _, _),
    },
    "plan": {
        "type": ("Loại văn bản", _, _), "number": ("Số văn bản", _, _), "date": ("Ngày ban hành", _, _),
        "issuer": ("Cơ quan ban hành", _, _), "signer": ("Người ký", "signer", _),
        "title": ("Trích yếu", _, _), "bases": ("Căn cứ của kế hoạch", _, "Căn cứ"),
    },
    "signer": {"name": ("Họ và tên", _, _), "title": ("Chức vụ", _, _), "authority": ("Thẩm quyền ký", _, _)},
    "period": {"start": ("Ngày bắt đầu", _, _), "end": ("Ngày kết thúc", _, _)},
    "participants": {"unit_kinds": ("Loại đơn vị", _, "Loại đơn vị"),
                     "unit_codes": ("Mã đơn vị", _, "Mã đơn vị")},
    "unit": {
        "code": ("Mã đơn vị", _, _), "kind": ("Loại đơn vị", _, _), "parent": ("Đơn vị cấp trên", _, _),
        "name": ("Tên đơn vị", _, _), "short_name": ("Tên viết tắt", _, _),
        "managing_body": ("Cơ quan chủ quản", _, _), "issuing_body": ("Tên cơ quan ban hành văn bản", _, _),
        "place_name": ("Địa danh", _, _), "abbreviation": ("Chữ viết tắt tên cơ quan", _, _),
        "council_name": ("Tên Hội đồng Thi đua - Khen thưởng", _, _),
        "council_abbreviation": ("Chữ viết tắt tên Hội đồng", _, _),
        "signature_authority": ("Thẩm quyền ký", _, _), "signature_title": ("Chức vụ người ký", _, _),
        "signer_name": ("Họ và tên người ký", _, _),
    },
    "award_form": {
        "code": ("Mã hình thức", _, _), "name": ("Tên hình thức", _, _), "title": ("Tên đầy đủ", _, _),
        "issuer": ("Cấp khen thưởng", _, _), "category": ("Nhóm trong bảng tiền thưởng", _, _),
        "family": ("Loại khen thưởng", _, _),
        "nominee_kinds": ("Đối tượng", _, "Đối tượng"),
        "multiplier": ("Hệ số tiền thưởng", "multiplier_period", "Mốc hệ số"),
        "vote_rule": ("Quy tắc biểu quyết", "vote_rule", _),
    },
    "multiplier_period": {"from": ("Áp dụng từ ngày", _, _), "value": ("Hệ số", _, _),
                          "basis": ("Căn cứ", _, _)},
    "vote_rule": {"kind": ("Cách tính", _, _), "threshold": ("Tỷ lệ phiếu cần đạt", _, _),
                  "strict": ("Phải vượt tỷ lệ", _, _), "denominator": ("Tính trên", _, _)},
    "metric": {
        "code": ("Mã chỉ tiêu", _, _), "label": ("Tên chỉ tiêu", _, _), "unit": ("Đơn vị tính", _, _),
        "type": ("Kiểu số liệu", _, _), "better": ("Chiều so sánh", _, _), "required": ("Bắt buộc", _, _),
        "nominee_kinds": ("Đối tượng", _, "Đối tượng"), "min": ("Giá trị nhỏ nhất", _, _),
        "max": ("Giá trị lớn nhất", _, _), "at_most": ("Không vượt quá chỉ tiêu", _, _),
        "precision": ("Số chữ số thập phân", _, _), "target": ("Kế hoạch giao", _, _),
        "targets": ("Kế hoạch giao theo đơn vị", "map", _),
    },
    "derived": {
        "code": ("Mã chỉ tiêu", _, _), "label": ("Tên chỉ tiêu", _, _), "unit": ("Đơn vị tính", _, _),
        "formula": ("Công thức", _, _), "better": ("Chiều so sánh", _, _), "numerator": ("Tử số", _, _),
        "denominator": ("Mẫu số", _, _), "metric": ("Chỉ tiêu được giao kế hoạch", _, _),
        "of": ("Các chỉ tiêu lấy trung bình", _, "Chỉ tiêu"), "precision": ("Số chữ số thập phân", _, _),
        "nominee_kinds": ("Đối tượng", _, "Đối tượng"),
    },
    "requirement": {"metric": ("Chỉ tiêu", _, _), "min": ("Mức tối thiểu", _, _), "max": ("Mức tối đa", _, _),
                    "nominee_kind": ("Đối tượng", _, _)},
    "group": {
        "name": ("Tên nhóm", _, _), "nominee_kind": ("Đối tượng", _, _),
        "unit_kinds": ("Loại đơn vị", _, "Loại đơn vị"), "unit_codes": ("Mã đơn vị", _, "Mã đơn vị"),
        "order": ("Thứ tự xếp hạng", _, "Chỉ tiêu"), "tie_break": ("Tiêu chí khi bằng nhau", _, "Chỉ tiêu"),
        "requirements": ("Điều kiện", "requirement", "Điều kiện"),
    },
    "unit_quota": {
        "label": ("Tên nhóm đơn vị", _, _), "unit_kinds": ("Loại đơn vị", _, "Loại đơn vị"),
        "unit_codes": ("Mã đơn vị", _, "Mã đơn vị"), "collective": ("Số tập thể", _, _),
        "individual": ("Số cá nhân", _, _),
    },
    "kind_counts": {"collective": ("Số tập thể", _, _), "individual": ("Số cá nhân", _, _)},
    "quotas": {"total": ("Tổng số", "kind_counts", _), "per_unit": ("Theo đơn vị", "unit_quota", "Nhóm đơn vị")},
    "round": {
        "code": ("Mã đợt", _, _), "kind": ("Loại đợt", _, _), "title": ("Tên đợt", _, _),
        "period": ("Thời gian của đợt", "period", _), "deadline": ("Hạn nộp hồ sơ", _, _),
        "late_policy": ("Hồ sơ nộp muộn", _, _), "quotas": ("Số lượng khen thưởng tối đa", "quotas", _),
        "requirements": ("Điều kiện", "requirement", "Điều kiện"),
        "legal_bases": ("Căn cứ pháp lý", _, "Căn cứ"),
    },
    "rules": {"individuals_need_selected_collective": ("Cá nhân chỉ được chọn từ tập thể được chọn", _, _)},
    "document": {"code": ("Mã văn bản", _, _), "name": ("Tên văn bản", _, _)},
}
del _


def field_label(part: str, key: str) -> str:
    """The label of one key of a part of a campaign file: ``field_label("round", "deadline")`` → "Hạn nộp hồ sơ"."""
    return CAMPAIGN_FILE_FIELDS[part][key][0]


def file_field_label(path: Any) -> str:
    """Where in a campaign file, as a person reads it.

    ``("award_forms", 0, "nominee_kinds", 0)`` → "Hình thức khen thưởng thứ 1 › Đối tượng thứ 1"; a key
    the format does not have is quoted as written ("Đợt khen thưởng thứ 1 › trường “deadlin”").
    """
    parts: list[str] = []
    part: str | None = "definition"
    entry: tuple[str, str | None, str | None] | None = None
    for step in path:
        if isinstance(step, int):
            noun = entry[2] if entry and entry[2] else "Mục"
            if parts and entry:
                parts[-1] = f"{noun} thứ {step + 1}"
            else:
                parts.append(f"{noun} thứ {step + 1}")
            part = entry[1] if entry else None
            entry = None
            continue
        if part == "map":
            # A table keyed by the file's own codes; marshmallow adds "key"/"value" below an entry.
            if step in ("key", "value") and parts and parts[-1].startswith("mục “"):
                continue
            parts.append(f"mục “{step}”")
            entry = None
            continue
        found = CAMPAIGN_FILE_FIELDS.get(part or "", {}).get(step) if isinstance(step, str) else None
        if found is None:
            parts.append(f"trường “{step}”")
            part, entry = None, None
            continue
        parts.append(found[0])
        entry = found
        # A list's items open the part only after their number; a group opens it at once.
        part = found[1] if not found[2] else part
    return " › ".join(parts)
