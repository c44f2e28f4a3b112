"""Creating dossiers and changing their details, nominees and council meeting.

Every function takes the acting user first, checks its preconditions, changes
the session and flushes; the request layer commits.
"""
from __future__ import annotations

import datetime as dt
import logging
from typing import Any

import sqlalchemy as sa

from workflows import WORKFLOW
from workflows.guards import dated_ahead

from .. import access, audit
from ..awards.excel import format_error, parse_nominees
from ..campaigns.metrics import clean_figures
from ..clock import today_local
from ..db import db, utcnow
from ..documents.vnformat import format_number
from ..errors import Conflict, Forbidden, ValidationFailed
from ..models import Campaign, CampaignRound, CouncilMeeting, Dossier, Nominee, User, Vote
from ..text import clean_text
from ..vocabulary import nominee_kind_word
from .campaigns import round_for_new_dossier
from . import people as people_ops
from .nominee_fields import NOMINEE_FIELD_LABELS, missing_nominee_fields  # noqa: F401 - re-exported
from .workflow import DOSSIER_FLOW

log = logging.getLogger(__name__)

# States in which the clerk may change the nominees, and the secretary record the council meeting.
NOMINEE_STATES = WORKFLOW.states_where(nominees_editable=True)
MEETING_STATES = WORKFLOW.states_where(meeting_editable=True)

def mark_content_changed(dossier: Dossier) -> None:
    """Record that what the dossier's documents show has changed."""
    dossier.content_revision = (dossier.content_revision or 0) + 1


def mark_nominees_changed(dossier: Dossier) -> None:
    """Record that the nominees or their figures changed: the documents, and the council's vote."""
    mark_content_changed(dossier)
    dossier.nominees_revision = (dossier.nominees_revision or 0) + 1


def ensure_state(dossier: Dossier, allowed: tuple[str, ...], action: str) -> None:
    if dossier.state not in allowed:
        labels = ", ".join(f"“{WORKFLOW.state_label(s)}”" for s in allowed)
        raise Conflict(
            f"Không thể {action} khi hồ sơ đang ở trạng thái “{WORKFLOW.state_label(dossier.state)}”; "
            f"chỉ được làm việc này ở trạng thái {labels}.",
            code="wrong_state",
        )


def ensure_version(current: int, expected: int | None, what: str) -> None:
    """Refuse a change made on top of an outdated copy (optimistic locking)."""
    if expected is not None and expected != current:
        raise Conflict(
            f"{what} đã được người khác thay đổi trong lúc bạn đang sửa "
            f"(phiên bản bạn có: {expected}, hiện tại: {current}). Hãy tải lại rồi thực hiện lại.",
            code="stale_version",
            details={"current_version": current},
        )


# --- dossiers ----------------------------------------------------------------

def create_dossier(actor: User, campaign: Campaign, round_id: int | None = None) -> Dossier:
    """Open the actor's unit's dossier for one round of ``campaign``; one per unit and round.

    Without ``round_id`` the campaign's only round still taking dossiers is used.
    """
    if not access.can_create_dossier(actor):
        raise Forbidden("Chỉ cán bộ thi đua của đơn vị (unit_clerk) mới được lập hồ sơ.")
    round_: CampaignRound = round_for_new_dossier(campaign, actor.unit, round_id)
    existing = db.session.scalar(
        sa.select(Dossier).where(Dossier.round_id == round_.id, Dossier.unit_id == actor.unit_id)
    )
    if existing is not None:
        raise Conflict(
            f"Đơn vị đã có hồ sơ cho {round_.title.lower()} của phong trào này (hồ sơ số {existing.id}).",
            code="dossier_exists", details={"dossier_id": existing.id},
        )
    dossier = Dossier(
        campaign=campaign,
        round_id=round_.id,
        unit_id=actor.unit_id,
        created_by_id=actor.id,
        recipients=default_recipients(campaign),
    )
    DOSSIER_FLOW.record_created(actor, dossier)
    log.info("dossier %s created by %s for campaign %s", dossier.id, actor.username, campaign.code)
    return dossier


def default_recipients(campaign: Campaign) -> list[str]:
    """Kính gửi: the authority that decides, then the standing agency that consolidates."""
    names = [campaign.authority.name]
    if campaign.standing_agency_id != campaign.authority_id:
        names.append(campaign.standing_agency.name)
    return names


def update_dossier_details(actor: User, dossier: Dossier, changes: dict[str, Any],
                           expected_version: int | None) -> Dossier:
    """Change the document numbers, the tờ trình date and the recipients."""
    if not access.can_edit_details(actor, dossier):
        raise Forbidden("Bạn không có quyền sửa thông tin hồ sơ này.")
    ensure_state(dossier, access.EDITABLE_DETAIL_STATES, "sửa thông tin hồ sơ")
    ensure_version(dossier.version, expected_version, "Hồ sơ")
    before = audit.fields_of(dossier, audit.DOSSIER_DETAIL_FIELDS)
    if "recipients" in changes:
        recipients = [clean_text(r, field="recipients", label="Kính gửi", max_length=255)
                      for r in changes["recipients"]]
        recipients = [r for r in recipients if r]
        if not recipients:
            raise ValidationFailed("Tờ trình phải có ít nhất một nơi “Kính gửi”.",
                                   fields={"recipients": ["Cần ít nhất một nơi nhận."]})
        dossier.recipients = recipients
    problem = dated_ahead("tờ trình", changes.get("to_trinh_date"), today_local())
    if problem:
        raise ValidationFailed(problem, fields={"to_trinh_date": [problem]}, code="dated_ahead")
    for name in ("to_trinh_number", "bien_ban_number", "to_trinh_date"):
        if name in changes:
            setattr(dossier, name, changes[name])
    mark_content_changed(dossier)
    db.session.flush()
    audit.record(actor, "dossier.update", dossier, dossier=dossier, subject=f"hồ sơ số {dossier.id}",
                 changes=audit.diff(before, audit.fields_of(dossier, audit.DOSSIER_DETAIL_FIELDS)))
    return dossier


# --- nominees ------------------------------------------------------------------

def _clean_nominee_fields(data: dict[str, Any]) -> dict[str, Any]:
    cleaned = dict(data)
    for name, multiline, limit in (("full_name", False, 255), ("position", False, 255),
                                   ("workplace", False, 255), ("award_form", False, 64),
                                   ("achievement_summary", True, 10_000)):
        if cleaned.get(name) is not None:
            cleaned[name] = clean_text(cleaned[name], field=name, label=NOMINEE_FIELD_LABELS[name],
                                       multiline=multiline, max_length=limit)
    return cleaned


def _validate_nominee(campaign: Campaign, values: dict[str, Any]) -> None:
    errors: dict[str, list[str]] = {}
    kind = values["kind"]
    if not values.get("full_name"):
        errors.setdefault("full_name", []).append("Không được để trống.")
    if kind == "collective" and values.get("gender"):
        errors.setdefault("gender", []).append("Tập thể không có giới tính.")
    form_code = values.get("award_form")
    if form_code:
        form = campaign.award_form(form_code)
        if form is None:
            # API clients send the code, so it is given too, quoted after the name people know.
            offered = ", ".join(f"{f['name']} (mã “{f['code']}”)" for f in campaign.award_forms)
            errors.setdefault("award_form", []).append(
                f"Phong trào không có hình thức “{form_code}”. Các hình thức: {offered}.")
        elif kind not in form.get("nominee_kinds", ["collective", "individual"]):
            kind_label = nominee_kind_word(kind)
            errors.setdefault("award_form", []).append(
                f"Hình thức “{form['name']}” không dành cho {kind_label}.")
    # Figures are checked against the campaign's metrics (type, range, a part
    # not larger than its whole); derived values are the service's to compute.
    cleaned, metric_errors = clean_figures(campaign.metrics or [], campaign.derived_metrics or [],
                                           values.get("metric_values") or {}, kind)
    if metric_errors:
        errors["metrics"] = metric_errors
    if errors:
        raise ValidationFailed("Thông tin người được đề nghị chưa hợp lệ.", fields=errors)
    values["metric_values"] = cleaned


def add_nominee(actor: User, dossier: Dossier, data: dict[str, Any]) -> Nominee:
    if not access.can_edit_nominees(actor, dossier):
        raise Forbidden("Chỉ cán bộ thi đua của đơn vị mới được thêm người được đề nghị.")
    ensure_state(dossier, NOMINEE_STATES, "thêm người được đề nghị")
    data = dict(data)
    person_id = data.pop("person_id", None)
    values = _clean_nominee_fields(data)
    values.setdefault("metric_values", {})
    _validate_nominee(dossier.campaign, values)
    last_position = max((n.position_in_list for n in dossier.nominees), default=0)
    # The same person keeps one record across campaigns (the register): picked, matched by name, or written.
    person = people_ops.person_for_nominee(
        actor, unit_id=dossier.unit_id, kind=values["kind"], full_name=values["full_name"],
        gender=values.get("gender"), position=values.get("position") or "", person_id=person_id)
    nominee = Nominee(
        dossier=dossier,
        person=person,
        kind=values["kind"],
        full_name=values["full_name"],
        gender=values.get("gender"),
        position=values.get("position") or "",
        workplace=values.get("workplace") or "",
        is_leader=bool(values.get("is_leader", False)),
        award_form=values.get("award_form") or "",
        metric_values=values["metric_values"],
        achievement_summary=values.get("achievement_summary") or "",
        position_in_list=last_position + 1,
    )
    db.session.add(nominee)
    mark_nominees_changed(dossier)
    db.session.flush()
    audit.record(actor, "nominee.create", nominee, dossier=dossier, subject=nominee.full_name,
                 changes=audit.created(audit.nominee_fields(nominee)))
    return nominee


def import_nominees(actor: User, dossier: Dossier, xlsx_bytes: bytes) -> list[Nominee]:
    """Add every row of a filled nominee template; one bad row refuses the whole file.

    Errors name the Excel row, the column and the reason, so the clerk can fix
    the file and upload it again; the request layer rolls back anything added.
    The file is read and every row checked before anything is written; the rows
    then go in with one INSERT, the dossier's revision is bumped last (so its row
    lock is held only from there to the commit), and the trail records the import
    as one event with its count: the rows themselves hold what was typed, and a
    history of thousands of "added" lines would bury everything else.
    """
    if not access.can_edit_nominees(actor, dossier):
        raise Forbidden("Chỉ cán bộ thi đua của đơn vị mới được nhập danh sách người được đề nghị.")
    ensure_state(dossier, NOMINEE_STATES, "nhập danh sách người được đề nghị")
    campaign = dossier.campaign
    rows, errors = parse_nominees(xlsx_bytes, campaign.metrics, campaign.award_forms)
    if errors:
        raise ValidationFailed(
            f"Tệp có {len(errors)} lỗi; chưa nhập dòng nào. " + " ".join(format_error(e) for e in errors[:5]),
            fields={"file": [format_error(e) for e in errors]}, code="import_failed",
            details={"rows": errors})
    if not rows:
        raise ValidationFailed("Tệp không có dòng nào để nhập.", fields={"file": ["Không có dữ liệu."]},
                               code="import_empty")
    last_position = db.session.scalar(
        sa.select(sa.func.coalesce(sa.func.max(Nominee.position_in_list), 0)).where(Nominee.dossier_id == dossier.id))
    now = utcnow()
    values = []
    for offset, row in enumerate(rows, start=1):
        data = {key: row.get(key) for key in ("kind", "full_name", "gender", "position", "workplace",
                                              "award_form", "achievement_summary")}
        data["metric_values"] = row.get("metrics") or {}
        try:
            cleaned = _clean_nominee_fields(data)
            _validate_nominee(campaign, cleaned)
        except ValidationFailed as error:
            problems = "; ".join(m for messages in error.fields.values() for m in messages) or error.message
            raise ValidationFailed(f"Dòng {row['row']}: {problems} Chưa nhập dòng nào.",
                                   fields={"file": [f"Dòng {row['row']}: {problems}"]},
                                   code="import_failed") from None
        values.append({
            "dossier_id": dossier.id, "kind": cleaned["kind"], "full_name": cleaned["full_name"],
            "gender": cleaned.get("gender"), "position": cleaned.get("position") or "",
            "workplace": cleaned.get("workplace") or "", "is_leader": False,
            "award_form": cleaned.get("award_form") or "", "metric_values": cleaned["metric_values"],
            "achievement_summary": cleaned.get("achievement_summary") or "",
            "position_in_list": last_position + offset, "version": 1, "created_at": now,
        })
    added = list(db.session.scalars(
        sa.insert(Nominee).returning(Nominee, sort_by_parameter_order=True), values))
    db.session.expire(dossier, ["nominees"])
    mark_content_changed(dossier)
    db.session.flush()
    audit.record(actor, "nominee.import", dossier, dossier=dossier,
                 subject=f"{format_number(len(added))} người được đề nghị",
                 changes={"imported": {"old": None, "new": len(added)},
                          "positions": {"old": None, "new": f"{last_position + 1}–{last_position + len(added)}"}})
    log.info("%s nominees imported into dossier %s by %s", len(added), dossier.id, actor.username)
    return added


def update_nominee(actor: User, nominee: Nominee, changes: dict[str, Any],
                   expected_version: int | None) -> Nominee:
    dossier = nominee.dossier
    if not access.can_edit_nominees(actor, dossier):
        raise Forbidden("Chỉ cán bộ thi đua của đơn vị mới được sửa người được đề nghị.")
    ensure_state(dossier, NOMINEE_STATES, "sửa người được đề nghị")
    ensure_version(nominee.version, expected_version, "Người được đề nghị")
    changes = _clean_nominee_fields(changes)
    before = audit.nominee_fields(nominee)
    merged = {
        "kind": nominee.kind, "full_name": nominee.full_name, "gender": nominee.gender,
        "award_form": nominee.award_form, "metric_values": dict(nominee.metric_values or {}),
    }
    merged.update({k: v for k, v in changes.items() if k in merged})
    _validate_nominee(dossier.campaign, merged)
    if "metric_values" in changes:
        changes["metric_values"] = merged["metric_values"]
    for name in ("kind", "full_name", "gender", "position", "workplace", "is_leader",
                 "award_form", "achievement_summary", "metric_values"):
        if name in changes:
            value = changes[name]
            if name in ("position", "workplace", "achievement_summary", "award_form") and value is None:
                value = ""
            setattr(nominee, name, value)
    if nominee.kind == "collective":
        nominee.gender = None
    mark_nominees_changed(dossier)
    db.session.flush()
    audit.record(actor, "nominee.update", nominee, dossier=dossier, subject=nominee.full_name,
                 changes=audit.diff(before, audit.nominee_fields(nominee)))
    return nominee


def delete_nominee(actor: User, nominee: Nominee, expected_version: int | None) -> None:
    dossier = nominee.dossier
    if not access.can_edit_nominees(actor, dossier):
        raise Forbidden("Chỉ cán bộ thi đua của đơn vị mới được xóa người được đề nghị.")
    ensure_state(dossier, NOMINEE_STATES, "xóa người được đề nghị")
    ensure_version(nominee.version, expected_version, "Người được đề nghị")
    before = audit.nominee_fields(nominee)
    dossier.nominees.remove(nominee)
    mark_nominees_changed(dossier)
    db.session.flush()
    audit.record(actor, "nominee.delete", ("nominee", nominee.id), dossier=dossier, subject=nominee.full_name,
                 changes=audit.removed(before))


# --- council meeting -------------------------------------------------------------

def record_meeting(actor: User, dossier: Dossier, data: dict[str, Any]) -> CouncilMeeting:
    """Record (or replace) the council meeting and its votes per nominee."""
    if not access.can_record_meeting(actor, dossier):
        raise Forbidden("Chỉ thư ký Hội đồng Thi đua - Khen thưởng của đơn vị mới được ghi biên bản.")
    ensure_state(dossier, MEETING_STATES, "ghi biên bản họp Hội đồng")
    errors: dict[str, list[str]] = {}
    total, present = data["total_members"], data["present_members"]
    if present > total:
        errors.setdefault("present_members", []).append(
            f"Số thành viên có mặt ({present}) lớn hơn tổng số thành viên ({total}).")
    started_at, ended_at = data["started_at"], data.get("ended_at")
    if ended_at is not None and ended_at < started_at:
        errors.setdefault("ended_at", []).append("Giờ kết thúc phải sau giờ bắt đầu.")
    absentees = []
    for index, absentee in enumerate(data.get("absentees") or []):
        absentees.append({
            "name": clean_text(absentee["name"], field=f"absentees.{index}.name", label="Họ tên người vắng",
                               max_length=128),
            "reason": clean_text(absentee.get("reason") or "", field=f"absentees.{index}.reason",
                                 label="Lý do vắng", max_length=500),
            "written_opinion": clean_text(absentee.get("written_opinion") or "",
                                          field=f"absentees.{index}.written_opinion",
                                          label="Ý kiến bằng văn bản", multiline=True, max_length=2000) or None,
        })
    if len(absentees) > total - present:
        errors.setdefault("absentees", []).append(
            f"Có {len(absentees)} người vắng được kê nhưng chỉ {total - present} thành viên vắng mặt.")
    nominee_ids = {n.id for n in dossier.nominees}
    votes: dict[int, int] = {}
    for index, vote in enumerate(data.get("votes") or []):
        nominee_id, count = vote["nominee_id"], vote["votes_in_favour"]
        if nominee_id not in nominee_ids:
            errors.setdefault(f"votes.{index}.nominee_id", []).append(
                f"Người được đề nghị số {nominee_id} không thuộc hồ sơ này.")
        elif nominee_id in votes:
            errors.setdefault(f"votes.{index}.nominee_id", []).append("Bị ghi phiếu hai lần.")
        if count > present:
            errors.setdefault(f"votes.{index}.votes_in_favour", []).append(
                f"Số phiếu đồng ý ({count}) lớn hơn số thành viên có mặt ({present}).")
        votes[nominee_id] = count
    if errors:
        raise ValidationFailed("Biên bản họp Hội đồng chưa hợp lệ.", fields=errors)

    meeting = dossier.meeting
    is_new = meeting is None
    before = audit.meeting_fields(meeting)
    old_votes = {vote.nominee_id: vote.votes_in_favour for vote in meeting.votes} if meeting else {}
    if meeting is None:
        meeting = CouncilMeeting(dossier=dossier)
        db.session.add(meeting)
    meeting.started_at = started_at
    meeting.ended_at = ended_at
    meeting.place = clean_text(data["place"], field="place", label="Địa điểm", max_length=255)
    meeting.chair_name = clean_text(data["chair_name"], field="chair_name", label="Chủ tọa", max_length=128)
    meeting.chair_position = clean_text(data.get("chair_position") or "", field="chair_position",
                                        label="Chức vụ chủ tọa", max_length=255)
    meeting.secretary_name = clean_text(data["secretary_name"], field="secretary_name", label="Thư ký",
                                        max_length=128)
    meeting.secretary_position = clean_text(data.get("secretary_position") or "", field="secretary_position",
                                            label="Chức vụ thư ký", max_length=255)
    meeting.total_members = total
    meeting.present_members = present
    meeting.absentees = absentees
    meeting.chair_gender = data.get("chair_gender")
    meeting.secretary_gender = data.get("secretary_gender")
    meeting.voting_method = data["voting_method"]
    meeting.recorded_by_id = actor.id
    meeting.recorded_at = dt.datetime.now(dt.timezone.utc)
    meeting.nominees_revision = dossier.nominees_revision or 0
    meeting.votes.clear()
    db.session.flush()
    for nominee_id, count in votes.items():
        meeting.votes.append(Vote(nominee_id=nominee_id, votes_in_favour=count))
    mark_content_changed(dossier)
    db.session.flush()
    _audit_meeting(actor, dossier, meeting, is_new, before, old_votes, votes)
    return meeting


def _audit_meeting(actor: User, dossier: Dossier, meeting: CouncilMeeting, is_new: bool,
                   before: dict[str, Any], old_votes: dict[int, int], new_votes: dict[int, int]) -> None:
    """One row for the meeting's own fields, one per nominee whose votes changed."""
    after = audit.meeting_fields(meeting)
    audit.record(actor, "meeting.create" if is_new else "meeting.update", meeting, dossier=dossier,
                 subject="biên bản họp Hội đồng",
                 changes=audit.created(after) if is_new else audit.diff(before, after))
    names = {n.id: n.full_name for n in dossier.nominees}
    for nominee_id in [*old_votes, *(n for n in new_votes if n not in old_votes)]:
        old, new = old_votes.get(nominee_id), new_votes.get(nominee_id)
        verb = "create" if old is None else "delete" if new is None else "update"
        audit.record(actor, f"vote.{verb}", ("nominee", nominee_id), dossier=dossier,
                     subject=names.get(nominee_id, f"người được đề nghị số {nominee_id}"),
                     changes=audit.diff({"votes_in_favour": old}, {"votes_in_favour": new}))
