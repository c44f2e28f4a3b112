"""Reading posted forms into the values the operations take.

Text from a form is first turned into typed values (numbers, dates, times in
Vietnam time), then checked by the same input schemas as the JSON API, so a
page and an API client are held to the same rules. Every problem becomes a
``ValidationFailed`` whose ``fields`` name the form's own inputs.
"""
from __future__ import annotations

import datetime as dt
import re
from typing import Any, Mapping

from marshmallow import ValidationError
from werkzeug.datastructures import MultiDict

from ..clock import local_zone
from ..errors import Conflict, DomainError, ValidationFailed
from ..models import Campaign, Dossier
from ..schemas.dossiers import DossierUpdateIn, MeetingIn, NomineeIn, TransitionIn
from ..signing import CODES, CODES_TEXT

NUMBER = re.compile(r"^-?\d+([.,]\d+)?$")

NOMINEE_FIELDS = ("kind", "full_name", "gender", "position", "workplace", "is_leader", "award_form",
                  "achievement_summary", "metrics")
DETAILS_FIELDS = ("to_trinh_number", "bien_ban_number", "to_trinh_date", "recipients")
TRANSITION_FIELDS = ("comment", "decision_number", "decision_date")
SIGNER_FIELDS = ("signer_official_id", "signer_authority")
# The signer form's authority choice: empty lets the official's position decide (the head "TM." or
# none, others "KT."); this value is the head signing with no word, the API's "".
SIGN_DIRECTLY = "truc-tiep"
MEETING_FIELDS = ("started_at", "ended_at", "place", "chair_name", "chair_gender", "chair_position",
                  "secretary_name", "secretary_gender", "secretary_position", "total_members", "present_members",
                  "voting_method", "absentees")


def flatten_errors(messages: Any, prefix: str = "") -> dict[str, list[str]]:
    """Marshmallow's nested messages as ``{"absentees.0.name": [...]}``, the shape operations use."""
    flat: dict[str, list[str]] = {}
    if isinstance(messages, Mapping):
        for key, value in messages.items():
            name = f"{prefix}.{key}" if prefix else str(key)
            flat.update(flatten_errors(value, name))
    elif isinstance(messages, (list, tuple)) and all(isinstance(m, str) for m in messages):
        flat[prefix or "_form"] = list(messages)
    elif isinstance(messages, (list, tuple)):
        for message in messages:
            flat.update(flatten_errors(message, prefix))
    else:
        flat[prefix or "_form"] = [str(messages)]
    return flat


def unplaced_errors(fields: Mapping[str, list[str]], placed: tuple[str, ...] | set[str]) -> list[str]:
    """Messages whose field no input of the form shows; the form lists them at its top."""
    return [message for name, messages in fields.items() if name not in placed
            for message in (messages if isinstance(messages, list) else [str(messages)])]


def _load(schema, data: dict[str, Any], message: str, errors: dict[str, list[str]]) -> dict[str, Any]:
    try:
        loaded = schema.load(data)
    except ValidationError as error:
        errors.update(flatten_errors(error.messages))
        raise ValidationFailed(message, fields=errors) from None
    if errors:
        raise ValidationFailed(message, fields=errors)
    return loaded


def _text(form: MultiDict, name: str) -> str:
    return form.get(name, "", type=str)


def _optional_int(form: MultiDict, name: str, errors: dict[str, list[str]], label: str = "") -> int | None:
    raw = _text(form, name).strip().replace(".", "")
    if not raw:
        return None
    if not raw.lstrip("-").isdigit():
        errors.setdefault(name, []).append("Phải là một số nguyên" + (f" ({label})" if label else "") + ".")
        return None
    return int(raw)


def _figure(raw: str) -> int | float | None:
    """A figure as people type it: ``12``, ``12,5`` or ``12.5``; None when it is not a number."""
    text = raw.strip().replace(" ", "")
    if not NUMBER.match(text):
        return None
    if re.match(r"^-?\d+$", text):
        return int(text)
    return float(text.replace(",", "."))


def _date(form: MultiDict, name: str, errors: dict[str, list[str]]) -> str | None:
    raw = _text(form, name).strip()
    if not raw:
        return None
    try:
        return dt.date.fromisoformat(raw).isoformat()
    except ValueError:
        errors.setdefault(name, []).append("Ngày không hợp lệ (chọn ngày trong lịch).")
        return None


def _local_datetime(form: MultiDict, name: str, errors: dict[str, list[str]], *, required: bool) -> str | None:
    """An ``<input type=datetime-local>`` value read as Vietnam time, as ISO 8601 with its offset."""
    raw = _text(form, name).strip()
    if not raw:
        if required:
            errors.setdefault(name, []).append("Hãy nhập ngày và giờ.")
        return None
    try:
        moment = dt.datetime.fromisoformat(raw)
    except ValueError:
        errors.setdefault(name, []).append("Ngày giờ không hợp lệ (ví dụ 02/12/2024 08:00).")
        return None
    return moment.replace(tzinfo=local_zone()).isoformat()


# --- nominees -------------------------------------------------------------------------

def nominee_values(form: MultiDict, campaign: Campaign) -> dict[str, Any]:
    """What the user typed, kept as text so that a refused form shows it again."""
    return {
        "kind": _text(form, "kind"), "full_name": _text(form, "full_name"), "gender": _text(form, "gender"),
        "position": _text(form, "position"), "workplace": _text(form, "workplace"),
        "is_leader": form.get("is_leader") in ("1", "on", "true"), "award_form": _text(form, "award_form"),
        "metrics": {m["code"]: _text(form, f"metric-{m['code']}") for m in campaign.metrics
                    if f"metric-{m['code']}" in form},
        "achievement_summary": _text(form, "achievement_summary"),
    }


def parse_nominee(form: MultiDict, campaign: Campaign) -> dict[str, Any]:
    """The nominee fields for add_nominee/update_nominee; every field, so an edit replaces the row."""
    values = nominee_values(form, campaign)
    errors: dict[str, list[str]] = {}
    metrics = {}
    for code, raw in values["metrics"].items():
        if not raw.strip():
            continue
        figure = _figure(raw)
        if figure is None:
            errors.setdefault(f"metrics.{code}", []).append("Phải là một số (ví dụ 12 hoặc 12,5).")
        else:
            metrics[code] = figure
    kind = values["kind"]
    data = {
        "kind": kind, "full_name": values["full_name"],
        # A collective has no gender; the field is hidden for it and whatever it held is dropped.
        "gender": (values["gender"] or None) if kind != "collective" else None,
        "position": values["position"], "workplace": values["workplace"], "is_leader": values["is_leader"],
        "award_form": values["award_form"], "metrics": metrics, "achievement_summary": values["achievement_summary"],
    }
    loaded = _load(NomineeIn(), data, "Thông tin người được đề nghị chưa hợp lệ.", errors)
    loaded.setdefault("metric_values", {})
    return loaded


def signer_values(form: MultiDict) -> dict[str, str]:
    return {name: _text(form, name) for name in SIGNER_FIELDS}


def parse_signer(form: MultiDict) -> dict[str, Any] | None:
    """Who the person chose to sign: ``{"official_id", "authority"}`` as the operations take it, or None."""
    errors: dict[str, list[str]] = {}
    choice: dict[str, Any] = {}
    official_id = _optional_int(form, "signer_official_id", errors, "người ký")
    if official_id is not None:
        choice["official_id"] = official_id
    authority = _text(form, "signer_authority").strip()
    if authority == SIGN_DIRECTLY:
        choice["authority"] = ""
    elif authority:
        if authority not in CODES:
            errors["signer_authority"] = [f"Thẩm quyền ký không hợp lệ: phải là {CODES_TEXT}."]
        choice["authority"] = authority
    if errors:
        raise ValidationFailed("Người ký chưa hợp lệ.", fields=errors, code="signer_refused")
    return choice or None


def expected_version(form: MultiDict) -> int | None:
    raw = _text(form, "expected_version").strip()
    return int(raw) if raw.isdigit() else None


# --- dossier details ----------------------------------------------------------------------

def details_values(form: MultiDict) -> dict[str, Any]:
    return {name: _text(form, name) for name in DETAILS_FIELDS}


def parse_details(form: MultiDict, version: int) -> dict[str, Any]:
    """Document numbers, the tờ trình date and the recipients (one per line)."""
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {
        "expected_version": version,
        "to_trinh_number": _optional_int(form, "to_trinh_number", errors),
        "bien_ban_number": _optional_int(form, "bien_ban_number", errors),
        "to_trinh_date": _date(form, "to_trinh_date", errors),
        "recipients": [line.strip() for line in _text(form, "recipients").splitlines() if line.strip()],
    }
    loaded = _load(DossierUpdateIn(), data, "Thông tin hồ sơ chưa hợp lệ.", errors)
    loaded.pop("expected_version", None)
    return loaded


# --- workflow steps ---------------------------------------------------------------------------

def transition_values(form: MultiDict) -> dict[str, Any]:
    return {name: _text(form, name) for name in TRANSITION_FIELDS}


def parse_transition(form: MultiDict) -> dict[str, Any]:
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {"trigger": _text(form, "trigger"), "expected_state": _text(form, "expected_state")}
    comment = _text(form, "comment")
    if comment.strip():
        data["comment"] = comment
    if "decision_number" in form:
        data["decision_number"] = _text(form, "decision_number").strip() or None
        data["decision_date"] = _date(form, "decision_date", errors)
    return _load(TransitionIn(), data, "Thông tin của bước này chưa hợp lệ.", errors)


# --- council meeting -----------------------------------------------------------------------------

ABSENTEE_INPUT = re.compile(r"^absentees-(\d+)-(name|reason|written_opinion)$")


def meeting_values(form: MultiDict, dossier: Dossier) -> dict[str, Any]:
    """The meeting form as typed; absentee rows left entirely blank are dropped."""
    rows: dict[int, dict[str, str]] = {}
    for key in form:
        match = ABSENTEE_INPUT.match(key)
        if match:
            rows.setdefault(int(match.group(1)), {"name": "", "reason": "", "written_opinion": ""})[
                match.group(2)] = _text(form, key)
    absentees = [row for _, row in sorted(rows.items()) if any(v.strip() for v in row.values())]
    values = {name: _text(form, name) for name in MEETING_FIELDS if name != "absentees"}
    values["absentees"] = absentees
    values["votes"] = {str(n.id): _text(form, f"votes-{n.id}") for n in dossier.nominees}
    return values


def parse_meeting(form: MultiDict, dossier: Dossier) -> tuple[dict[str, Any], list[int]]:
    """The data for record_meeting, and the nominee id behind each entry of its ``votes`` list."""
    values = meeting_values(form, dossier)
    errors: dict[str, list[str]] = {}
    data: dict[str, Any] = {
        "started_at": _local_datetime(form, "started_at", errors, required=True),
        "ended_at": _local_datetime(form, "ended_at", errors, required=False),
        "place": values["place"], "chair_name": values["chair_name"],
        "chair_gender": values["chair_gender"] or None, "chair_position": values["chair_position"],
        "secretary_name": values["secretary_name"], "secretary_gender": values["secretary_gender"] or None,
        "secretary_position": values["secretary_position"], "voting_method": values["voting_method"],
        "absentees": [{"name": a["name"], "reason": a["reason"], "written_opinion": a["written_opinion"] or None}
                      for a in values["absentees"]],
    }
    for name, label in (("total_members", "tổng số thành viên"), ("present_members", "số thành viên có mặt")):
        number = _optional_int(form, name, errors)
        if number is None and name not in errors:
            errors[name] = [f"Hãy nhập {label}."]
        data[name] = number if number is not None else 0
    votes, vote_ids = [], []
    for nominee in dossier.nominees:
        raw = values["votes"][str(nominee.id)].strip()
        if not raw:
            continue
        if not raw.isdigit():
            errors.setdefault(f"votes-{nominee.id}", []).append("Số phiếu phải là số nguyên không âm.")
            continue
        votes.append({"nominee_id": nominee.id, "votes_in_favour": int(raw)})
        vote_ids.append(nominee.id)
    data["votes"] = votes
    if data["started_at"] is None:
        data.pop("started_at")
    try:
        loaded = MeetingIn().load(data)
    except ValidationError as error:
        errors.update(meeting_error_fields(flatten_errors(error.messages), vote_ids))
        raise ValidationFailed("Biên bản họp Hội đồng chưa hợp lệ.", fields=errors) from None
    if errors:
        raise ValidationFailed("Biên bản họp Hội đồng chưa hợp lệ.", fields=errors)
    return loaded, vote_ids


def meeting_error_fields(fields: Mapping[str, list[str]], vote_ids: list[int]) -> dict[str, list[str]]:
    """Errors about ``votes.<i>.…`` renamed after the input of that nominee's row (``votes-<id>``)."""
    renamed: dict[str, list[str]] = {}
    for name, messages in fields.items():
        match = re.match(r"^votes\.(\d+)\.", name)
        if match and int(match.group(1)) < len(vote_ids):
            name = f"votes-{vote_ids[int(match.group(1))]}"
        renamed.setdefault(name, []).extend(messages if isinstance(messages, list) else [str(messages)])
    return renamed


# --- a refused form, shown again ------------------------------------------------------------------

# Refusals that mean "someone changed this meanwhile": the page offers a reload.
STALE_CODES = ("stale_state", "stale_version")


def conflict_banner(error: DomainError, reload_url: str, *, stale_title: str,
                    other_title: str = "Chưa thực hiện được") -> dict[str, str] | None:
    """The banner at the top of a page for a Conflict (stale, or another refusal); None for other errors."""
    if not isinstance(error, Conflict):
        return None
    stale = error.code in STALE_CODES
    return {"kind": "stale" if stale else "error", "title": stale_title if stale else other_title,
            "message": error.message, "reload_url": reload_url}


def show_refused(form: dict[str, Any], *, values: dict[str, Any] | None, error: DomainError | None,
                 placed: tuple[str, ...]) -> None:
    """Open ``form`` again with what was typed and each reason next to its field (the rest above it)."""
    if values is not None:
        form["values"] = {**form["values"], **values}
    if error is not None:
        form["errors"] = dict(error.fields)
        form["message"] = error.message
        form["unplaced"] = unplaced_errors(error.fields, set(placed))
    form["is_open"] = True
