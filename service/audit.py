"""The audit trail: one helper records every change of data, one reader turns it into sentences.

Operations call :func:`record` next to the change they make, with the old and
new values (:func:`diff` computes them from two plain dicts). Rows land in the
append-only ``audit_events`` table, in the request's transaction: the helper
flushes, the request layer commits. :func:`timeline` merges those rows with the
workflow's own steps (dossier and round history) into one list in time order,
each change told as a Vietnamese sentence built from the labels people see on
the pages ("Lê Văn Hùng sửa số liệu của Trần Văn Ánh: Số người thân tham gia
BHXH tự nguyện 3 → 4").
"""
from __future__ import annotations

import datetime as dt
import decimal
import logging
import re
from typing import Any, Iterable, Mapping

import sqlalchemy as sa
from flask import g, has_request_context
from sqlalchemy.orm import selectinload

from .clock import to_local
from .db import db
from .documents import certificate_layout
from .documents.vnformat import format_date_short, format_number
from .models import AuditEvent, Campaign, CampaignRound, CouncilMeeting, Dossier, Nominee, User
from .signing import AUTHORITY_WORDS
from .vocabulary import NOMINEE_FIELD_LABELS

log = logging.getLogger(__name__)

#: Fields of a nominee the trail keeps; typed figures follow as ``metrics.<code>``.
NOMINEE_FIELDS = ("kind", "full_name", "gender", "position", "workplace", "is_leader", "award_form",
                  "achievement_summary")
METRIC_PREFIX = "metrics."
MEETING_FIELDS = ("started_at", "ended_at", "place", "chair_name", "chair_gender", "chair_position",
                  "secretary_name", "secretary_gender", "secretary_position", "total_members", "present_members",
                  "absentees", "voting_method")
DOSSIER_DETAIL_FIELDS = ("to_trinh_number", "to_trinh_date", "bien_ban_number", "recipients")

# The words the pages use for the same fields (meeting.html, dossier/_details.html).
FIELD_LABELS = {
    "started_at": "Bắt đầu lúc", "ended_at": "Kết thúc lúc", "place": "Địa điểm",
    "chair_name": "Họ và tên chủ tọa", "chair_gender": "Giới tính chủ tọa", "chair_position": "Chức vụ chủ tọa",
    "secretary_name": "Họ và tên thư ký", "secretary_gender": "Giới tính thư ký",
    "secretary_position": "Chức vụ thư ký", "total_members": "Tổng số thành viên Hội đồng",
    "present_members": "Số thành viên có mặt", "absentees": "Thành viên vắng mặt",
    "voting_method": "Hình thức biểu quyết", "votes_in_favour": "Số phiếu đồng ý",
    "to_trinh_number": "Số tờ trình", "to_trinh_date": "Ngày tờ trình", "bien_ban_number": "Số biên bản họp",
    "recipients": "Kính gửi", "file_name": "Tệp", "size": "Dung lượng (byte)", "sha256": "Mã SHA-256",
    "code": "Mã phong trào", "title": "Tên phong trào", "definition_sha256": "Mã SHA-256 của tệp định nghĩa",
    "rounds": "Các đợt khen thưởng", "created_units": "Đơn vị được tạo", "origin": "Tệp",
    "override": "Điều chỉnh", "is_selected": "Được chọn", "paper": "Khổ giấy", "orientation": "Hướng giấy",
    "decision_number": "Số quyết định", "decision_date": "Ngày ký quyết định",
    # The certificate layout: "awardee.x" is "Họ và tên (tên tập thể), cách mép trái (mm)".
    **{f"{name}.{part}": f"{label}, {part_label}" for name, label in certificate_layout.FIELD_LABELS.items()
       for part, part_label in certificate_layout.PART_LABELS.items()},
    "official_name": "Họ và tên", "official_position": "Chức vụ", "official_account": "Tài khoản",
    "is_head": "Người đứng đầu", "is_active": "Còn trong danh sách người ký",
    "signer_name": "Người ký", "signer_position": "Chức vụ người ký", "signer_authority": "Thẩm quyền ký",
}
VALUE_LABELS = {
    "gender": {"male": "Nam", "female": "Nữ"}, "chair_gender": {"male": "Nam", "female": "Nữ"},
    "secretary_gender": {"male": "Nam", "female": "Nữ"}, "kind": {"collective": "Tập thể", "individual": "Cá nhân"},
    "voting_method": {"show_of_hands": "Biểu quyết giơ tay", "secret_ballot": "Bỏ phiếu kín"},
    "orientation": certificate_layout.ORIENTATION_LABELS,
    "signer_authority": {word.code: word.label for word in AUTHORITY_WORDS if word.code},
}
ACTION_LABELS = {
    "nominee.create": "Thêm người được đề nghị", "nominee.update": "Sửa người được đề nghị",
    "nominee.delete": "Xóa người được đề nghị", "nominee.import": "Nhập danh sách từ tệp Excel", "meeting.create": "Ghi biên bản họp Hội đồng",
    "meeting.update": "Sửa biên bản họp Hội đồng", "vote.create": "Ghi số phiếu",
    "vote.update": "Sửa số phiếu", "vote.delete": "Xóa số phiếu", "dossier.update": "Sửa thông tin hồ sơ",
    "round.override": "Điều chỉnh danh sách", "round.decision": "Ghi quyết định khen thưởng",
    "campaign.load": "Nạp phong trào",
    "salary_table.replace": "Sửa bảng mức lương cơ sở", "template.upload": "Thay mẫu văn bản",
    "template.remove": "Dùng lại mẫu có sẵn",
    "certificate_layout.save": "Sửa vị trí in giấy khen trên phôi",
    "certificate_layout.reset": "Dùng lại vị trí in mặc định",
    "user.create": "Tạo tài khoản", "user.reset_password": "Đặt lại mật khẩu",
    "user.deactivate": "Khóa tài khoản",
    "official.create": "Thêm người ký của đơn vị", "official.update": "Sửa người ký của đơn vị",
    "document.signer": "Chọn người ký", "round.signer": "Chọn người ký",
}
COMMAND_LINE = "Quản trị máy chủ (dòng lệnh)"
_LONG_TEXT = 80
# Numbers that are names (a document's number), not quantities: no thousands separator.
_NUMBERS_AS_TYPED = frozenset({"to_trinh_number", "bien_ban_number", "size"})
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_ISO_DATETIME = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}")


# --- writing -------------------------------------------------------------------------------------

def plain(value: Any) -> Any:
    """``value`` as JSON keeps it: dates as ISO text, tuples as lists, decimals as numbers."""
    if isinstance(value, dt.datetime):
        # One instant, one text: 08:00+07:00 and 01:00+00:00 are no change.
        return (value.astimezone(dt.timezone.utc) if value.tzinfo else value).isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, decimal.Decimal):
        return float(value)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [plain(v) for v in value]
    return value


def diff(before: Mapping[str, Any], after: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """``{field: {"old": ..., "new": ...}}`` for each field whose value differs; a missing field is None."""
    changes: dict[str, dict[str, Any]] = {}
    for name in [*before, *(k for k in after if k not in before)]:
        old, new = plain(before.get(name)), plain(after.get(name))
        if old != new:
            changes[name] = {"old": old, "new": new}
    return changes


def fields_of(record: Any, names: Iterable[str]) -> dict[str, Any]:
    return {name: getattr(record, name) for name in names}


def nominee_fields(nominee: Nominee) -> dict[str, Any]:
    """What the trail keeps of a nominee: its fields, then each typed figure as ``metrics.<code>``."""
    values = fields_of(nominee, NOMINEE_FIELDS)
    values.update({METRIC_PREFIX + code: value for code, value in (nominee.metric_values or {}).items()})
    return values


def meeting_fields(meeting: CouncilMeeting | None) -> dict[str, Any]:
    return fields_of(meeting, MEETING_FIELDS) if meeting is not None else {}


def created(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    """The changes of a new record: every value that is set, with no old value."""
    return diff({}, {k: v for k, v in values.items() if v not in (None, "", [], {})})


def removed(values: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return diff({k: v for k, v in values.items() if v not in (None, "", [], {})}, {})


def _target(target: Any) -> tuple[str, int | None]:
    if isinstance(target, tuple):
        return target
    name = re.sub(r"(?<!^)(?=[A-Z])", "_", type(target).__name__).lower()
    return name, getattr(target, "id", None)


def record(actor: User | None, action: str, target: Any, *, changes: Mapping[str, Any] | None = None,
           dossier: Dossier | None = None, round_: CampaignRound | None = None,
           campaign: Campaign | None = None, subject: str = "", comment: str = "",
           always: bool = False) -> AuditEvent | None:
    """Append one row to the audit trail, flush it (never commit) and log it.

    ``target`` is the changed record (a model instance) or ``(type, id)``.
    ``changes`` is ``{field: {"old", "new"}}`` (see :func:`diff`); when it is
    empty nothing changed and nothing is written (None is returned), unless
    ``always`` says the act itself is the change (an override with a reason).
    ``actor`` None is the server's operator on the command line.
    """
    changes = plain(dict(changes or {}))
    if not changes and not always:
        return None
    target_type, target_id = _target(target)
    campaign_id = campaign.id if campaign is not None else None
    round_id = round_.id if round_ is not None else None
    if dossier is not None:
        round_id, campaign_id = dossier.round_id, dossier.campaign_id
    elif round_ is not None:
        campaign_id = round_.campaign_id
    event = AuditEvent(
        actor_id=actor.id if actor is not None else None, actor_role=actor.role if actor is not None else "",
        action=action, target_type=target_type, target_id=target_id, campaign_id=campaign_id,
        round_id=round_id, dossier_id=dossier.id if dossier is not None else None, subject=(subject or "")[:255],
        changes=changes, comment=comment or "",
        request_id=(getattr(g, "request_id", "") or "")[:64] if has_request_context() else "",
    )
    db.session.add(event)
    db.session.flush()
    log.info("audit %s on %s %s by %s: %s", action, target_type, target_id,
             actor.username if actor is not None else "command line", changes)
    return event


# --- reading ---------------------------------------------------------------------------------------

def _is_empty(value: Any) -> bool:
    return value is None or value == "" or value == [] or value == {}


def format_value(field: str, value: Any, campaign: Campaign | None = None) -> str:
    """One old or new value as people read it: numbers the Vietnamese way, dates dd/mm/yyyy, text quoted."""
    if _is_empty(value):
        return "(trống)"
    if isinstance(value, bool):
        return "có" if value else "không"
    if isinstance(value, (int, float)):
        return str(value) if field in _NUMBERS_AS_TYPED else format_number(value)
    if field in VALUE_LABELS:
        return VALUE_LABELS[field].get(value, str(value))
    if field == "award_form" and campaign is not None:
        form = campaign.award_form(value)
        return f"“{form['name']}”" if form else f"“{value}”"
    if isinstance(value, list):
        return "; ".join(format_value(field, item, campaign) if not isinstance(item, dict)
                         else item.get("name") or str(item) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{k}: {format_value(k, v, campaign)}" for k, v in value.items())
    text = str(value)
    try:
        if _ISO_DATETIME.match(text):
            moment = to_local(dt.datetime.fromisoformat(text))
            return f"{moment:%H:%M} {format_date_short(moment)}"
        if _ISO_DATE.match(text):
            return format_date_short(dt.date.fromisoformat(text))
    except ValueError:  # looks like a date but is not one: shown as the text it is
        pass
    if len(text) > _LONG_TEXT:
        text = text[:_LONG_TEXT - 1].rstrip() + "…"
    return f"“{text}”"


def field_label(field: str, campaign: Campaign | None = None) -> str:
    if field.startswith(METRIC_PREFIX) and campaign is not None:
        code = field[len(METRIC_PREFIX):]
        metric = next((m for m in campaign.metrics or [] if m["code"] == code), None)
        return metric["label"] if metric else code
    day, _, part = field.partition(".")
    if _ISO_DATE.match(day):  # a base salary level, named by the day it applies from
        return {"": "Mức", "source": "Nguồn của mức", "needs_check": "Cần kiểm tra lại mức"}.get(part, part) \
            + f" từ ngày {format_value('', day)}"
    return NOMINEE_FIELD_LABELS.get(field) or FIELD_LABELS.get(field, field)


def changed_fields(changes: Mapping[str, Any], campaign: Campaign | None = None) -> list[dict[str, str]]:
    """Each change as ``{"field", "label", "old", "new"}``, the values as text."""
    return [{"field": field, "label": field_label(field, campaign),
             "old": format_value(_value_field(field), change.get("old"), campaign),
             "new": format_value(_value_field(field), change.get("new"), campaign)}
            for field, change in changes.items()]


def _value_field(field: str) -> str:
    return "" if field.startswith(METRIC_PREFIX) else field


def _parts(changes: Mapping[str, Any], campaign: Campaign | None) -> str:
    return "; ".join(f"{c['label']} {c['old']} → {c['new']}" for c in changed_fields(changes, campaign))


def override_sentence(actor_name: str, subject: str, selected: bool | None, reason: str) -> str:
    """A reviewer's override of the rule, as the round's and the dossier's history tell it."""
    what = {True: f"đưa {subject} vào danh sách đề nghị", False: f"đưa {subject} ra khỏi danh sách đề nghị",
            None: f"bỏ điều chỉnh đối với {subject} (để quy tắc xét chọn quyết định)"}[selected]
    return f"{actor_name} {what}" + (f" (lý do: {reason})" if reason else "")


def sentence(event: AuditEvent, campaign: Campaign | None = None) -> str:
    """The change as one Vietnamese sentence: who did what to whom, old → new."""
    actor = event.actor.full_name if event.actor is not None else COMMAND_LINE
    changes, subject = event.changes or {}, event.subject
    votes = (changes.get("votes_in_favour") or {})
    old_votes = format_value("", votes.get("old"))
    new_votes = format_value("", votes.get("new"))
    action = event.action
    if action == "nominee.create":
        return f"{actor} thêm {subject} vào hồ sơ"
    if action == "nominee.import":
        return f"{actor} nhập {subject} từ tệp Excel vào hồ sơ"
    if action == "nominee.delete":
        return f"{actor} xóa {subject} khỏi hồ sơ"
    if action == "nominee.update":
        figures_only = all(field.startswith(METRIC_PREFIX) for field in changes)
        return f"{actor} sửa {'số liệu' if figures_only else 'thông tin'} của {subject}: {_parts(changes, campaign)}"
    if action == "vote.create":
        return f"{actor} ghi số phiếu đồng ý của {subject}: {new_votes}"
    if action == "vote.update":
        return f"{actor} sửa số phiếu đồng ý của {subject}: {old_votes} → {new_votes}"
    if action == "vote.delete":
        return f"{actor} xóa số phiếu đồng ý của {subject} (trước đó: {old_votes})"
    if action == "meeting.create":
        return f"{actor} ghi biên bản họp Hội đồng"
    if action == "meeting.update":
        return f"{actor} sửa biên bản họp Hội đồng: {_parts(changes, campaign)}"
    if action == "dossier.update":
        return f"{actor} sửa thông tin hồ sơ: {_parts(changes, campaign)}"
    if action == "round.override":
        return override_sentence(actor, subject, (changes.get("override") or {}).get("new"), event.comment)
    if action == "round.decision":
        return f"{actor} ghi quyết định khen thưởng của {subject}: {_parts(changes, campaign)}"
    if action == "campaign.load":
        return f"{actor} nạp phong trào {subject} từ tệp định nghĩa"
    if action == "salary_table.replace":
        return f"{actor} sửa bảng mức lương cơ sở: {_parts(changes, campaign)}"
    if action == "template.upload":
        file_name = (changes.get("file_name") or {}).get("new") or ""
        return f"{actor} thay mẫu {subject}" + (f" bằng tệp {file_name}" if file_name else "")
    if action in ("document.signer", "round.signer"):
        return f"{actor} chọn người ký {subject}: {_parts(changes, campaign)}"
    if action == "template.remove":
        return f"{actor} bỏ mẫu tải lên, {subject} dùng lại mẫu có sẵn"
    if action == "certificate_layout.save":
        return f"{actor} sửa {subject}: {_parts(changes, campaign)}"
    if action == "certificate_layout.reset":
        return f"{actor} cho {subject} dùng lại vị trí mặc định" + (f": {_parts(changes, campaign)}" if changes else "")
    label = ACTION_LABELS.get(action, action).lower()
    return f"{actor} {label} {subject}".rstrip() + (f": {_parts(changes, campaign)}" if changes else "")


def change_entry(event: AuditEvent, campaign: Campaign | None = None) -> dict[str, Any]:
    """One audit row as a timeline entry (``kind`` "change"), with its sentence and each old → new."""
    return {
        "kind": "change", "id": event.id, "created_at": event.created_at, "action": event.action,
        "action_label": ACTION_LABELS.get(event.action, event.action),
        "actor_id": event.actor_id, "actor_name": event.actor.full_name if event.actor is not None else COMMAND_LINE,
        "actor_role": event.actor_role, "target_type": event.target_type, "target_id": event.target_id,
        "dossier_id": event.dossier_id, "round_id": event.round_id, "subject": event.subject,
        "changes": event.changes or {}, "changed_fields": changed_fields(event.changes or {}, campaign),
        "comment": event.comment, "sentence": sentence(event, campaign),
    }


def _events(*where: Any) -> list[AuditEvent]:
    return list(db.session.scalars(sa.select(AuditEvent).where(*where).options(selectinload(AuditEvent.actor))
                                   .order_by(AuditEvent.created_at, AuditEvent.id)))


def dossier_changes(dossier: Dossier) -> list[dict[str, Any]]:
    """Every audited change of the dossier: details, nominees and figures, meeting and votes, overrides."""
    return [change_entry(e, dossier.campaign) for e in _events(AuditEvent.dossier_id == dossier.id)]


def round_changes(round_: CampaignRound) -> list[dict[str, Any]]:
    """Changes of the round itself and of its campaign (templates, definition), not those of each dossier:
    the round's timeline grows with the agency's own work, not with the number of units. An override
    is told by the round's own "override" step; its audit row (which names the dossier) is in the
    dossier's timeline."""
    events = _events(sa.or_(
        sa.and_(AuditEvent.round_id == round_.id, AuditEvent.dossier_id.is_(None)),
        sa.and_(AuditEvent.campaign_id == round_.campaign_id, AuditEvent.round_id.is_(None),
                AuditEvent.dossier_id.is_(None))))
    return [change_entry(e, round_.campaign) for e in events]


def step_sentence(step: Mapping[str, Any]) -> str:
    """A workflow step (a history entry of a dossier or a round) as one sentence."""
    if step.get("trigger") == "override":
        details = step.get("details") or {}
        return override_sentence(step.get("actor_name", ""), details.get("nominee_name", ""),
                                 details.get("selected"), step.get("comment", ""))
    moved = step.get("from_state_label") and step.get("from_state_label") != step.get("to_state_label")
    states = f" ({step['from_state_label']} → {step['to_state_label']})" if moved else \
        (f" ({step['to_state_label']})" if step.get("to_state_label") else "")
    return f"{step.get('actor_name', '')}: {step.get('trigger_label', '')}{states}"


def timeline(steps: Iterable[dict[str, Any]], changes: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Workflow steps (``kind`` "transition", every field kept) and changes in one list, oldest first.

    At the same instant a step comes before a change; each list keeps its own order.
    """
    entries = [{**step, "kind": "transition",
                "sentence": step["sentence"] if "sentence" in step else step_sentence(step)} for step in steps]
    entries += list(changes)
    return sorted(entries, key=lambda entry: entry["created_at"])
