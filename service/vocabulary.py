"""The Vietnamese words for the service's codes, read from where each code is defined.

States and triggers come from the workflow YAML (workflows/dossier.yaml,
workflows/round.yaml), award forms from the campaign's definition, document
kinds from the document builders. Pages, the API and the documents ask here,
so one code is said one way everywhere.
"""
from __future__ import annotations

from typing import Any

from workflows import ROUND_WORKFLOW, WORKFLOW, Workflow

from .documents.builders import CAMPAIGN_DOCUMENT_TITLES, DOCUMENT_TITLES

__all__ = [
    "NOMINEE_FIELD_LABELS", "NOMINEE_KIND_LABELS", "ROLE_LABELS", "award_form_label", "document_title", "dossier_event_label",
    "dossier_state_label", "nominee_kind_word", "round_event_label", "round_state_label",
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
