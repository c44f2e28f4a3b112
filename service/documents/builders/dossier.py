"""Contexts for the dossier's documents: snapshot in, template context out.

The service hands over a SNAPSHOT of a dossier (a plain dict read from the
database: dates as ``datetime.date``, times as ``datetime.datetime``, text in
NFC). Each builder turns it into the CONTEXT its template receives: strings,
lists and dicts of strings only, every figure, date and number already
written the Vietnamese way, so that the templates hold no logic beyond
loops and "is this line present".

Content follows Decree 30/2020/NĐ-CP (Annex I for the format, Annex III for
the model layouts: 1.4 tờ trình, 1.9 biên bản; the danh sách is an annex of
the tờ trình).

The tờ trình and its list are signed by the snapshot's ``signer``
(``signature_authority``, ``signature_title``, ``signer_name``: the official
chosen when the documents were generated, service.operations.officials);
without one, by the unit's own lines.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any, Callable, Mapping

from .. import collation
from ..engine import render_docx
from ..vnformat import (
    document_reference,
    format_count,
    format_date_long,
    format_date_short,
    format_document_number,
    format_number,
    format_percent_value,
    format_place_date,
    format_time,
)
from .common import TEMPLATE_DIR, TYPE_BIEN_BAN, TYPE_TO_TRINH, DocumentDataError
from .common import capitalise as _capitalise
from .common import clause as _clause
from .common import in_sentence as _in_sentence
from .common import body_name, issuer_header, person_name, require, signer_block
from .common import line as _line
from .common import listing as _listing
from .common import split_place as _split_place
from .common import text as _text
from .forms import count_by_kind, count_phrase, form_clauses, forms_subject, group_by_form

__all__ = [
    "DOCUMENT_KINDS",
    "DOCUMENT_TITLES",
    "DOCUMENT_FILE_NAMES",
    "TEMPLATE_DIR",
    "DocumentDataError",
    "template_path",
    "build_context",
    "bien_ban_context",
    "to_trinh_context",
    "danh_sach_context",
    "render_document",
]

DOCUMENT_KINDS = ("bien_ban", "to_trinh", "danh_sach")

DOCUMENT_TITLES = {
    "bien_ban": "Biên bản họp Hội đồng Thi đua - Khen thưởng",
    "to_trinh": "Tờ trình đề nghị khen thưởng",
    "danh_sach": "Danh sách đề nghị khen thưởng",
}

DOCUMENT_FILE_NAMES = {kind: f"{kind}.docx" for kind in DOCUMENT_KINDS}

_VOTING_METHODS = {"show_of_hands": "giơ tay", "secret_ballot": "bỏ phiếu kín"}

# Blank for a time the clerk fills in by hand.
_TIME_BLANK = "..... giờ ..... phút"


def template_path(kind: str) -> Path:
    """Return the path of the committed template for a document kind."""
    _check_kind(kind)
    return TEMPLATE_DIR / DOCUMENT_FILE_NAMES[kind]


def _check_kind(kind: str) -> None:
    if kind not in DOCUMENT_KINDS:
        raise DocumentDataError(f"Loại văn bản không hợp lệ: {kind!r}.")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def _counts(nominees: list[Mapping[str, Any]]) -> str:
    """"02 tập thể và 05 cá nhân", leaving out a part that is zero."""
    return count_phrase(count_by_kind(nominees))


def _form_proposed(nominee: Mapping[str, Any], campaign: Mapping[str, Any]) -> str:
    """"Giấy khen" / "Danh hiệu “Chiến sĩ thi đua cơ sở”" for the minutes' vote table."""
    return _capitalise(_forms([nominee], campaign)[0].short)


def _forms(nominees: list[Mapping[str, Any]], campaign: Mapping[str, Any]):
    """The nominees grouped by award form (service.documents.builders.forms)."""
    return group_by_form(nominees, award_name=_clause(campaign.get("award_name")))


# --------------------------------------------------------------------------
# Parts shared by the documents
# --------------------------------------------------------------------------

def _council_issuer(unit: Mapping[str, Any]) -> dict[str, str]:
    """Header block of the council's minutes: the unit above, the council below.

    Decree 30/2020 Annex I lets the managing body's common words be shortened
    ("UBND PHƯỜNG MỸ BÌNH"), so the unit's short name is used when present;
    the council's name then drops the place the line above already gives.
    """
    managing = body_name(_line(unit.get("short_name")) or _line(unit.get("issuing_body")), "managing")
    council = _line(require(unit, "council_name", "tên Hội đồng Thi đua - Khen thưởng")).upper()
    head, place = _split_place(council)
    if place and head and managing.replace("\n", " ").endswith(place):
        council = head
    return {"managing_body": managing, "issuing_body": body_name(council, "issuing")}


def _plan_reference(campaign: Mapping[str, Any]) -> str:
    number = _line(require(campaign, "plan_number", "số kế hoạch phát động"))
    plan_date = require(campaign, "plan_date", "ngày kế hoạch phát động")
    issuer = body_name(require(campaign, "issuer_name", "cơ quan ban hành kế hoạch"))
    return f"Kế hoạch số {number} ngày {format_date_short(plan_date)} của {issuer}"


def _selected(nominees: list[Mapping[str, Any]]) -> list[Mapping[str, Any]]:
    # A nominee the council turned down is left out; one not yet voted on
    # (passed is None) stays, so a list can be drafted before the meeting.
    return [n for n in nominees if n.get("passed") is not False]


def _split_sorted(nominees: list[Mapping[str, Any]]):
    collectives = [n for n in nominees if n.get("kind") == "collective"]
    individuals = [n for n in nominees if n.get("kind") != "collective"]
    collectives.sort(key=collation.nominee_sort_key)
    individuals.sort(key=collation.nominee_sort_key)
    return collectives, individuals


def _display_name(nominee: Mapping[str, Any]) -> str:
    if nominee.get("kind") == "collective":
        return _line(nominee.get("full_name"))
    return person_name(nominee.get("full_name"), nominee.get("gender"))


def _metric_value(value: Any, unit: str) -> str:
    if unit == "%":
        return format_percent_value(value)
    figure = format_number(value)
    return f"{figure} {unit}" if unit else figure


class _MetricLines:
    """Writes the metric lines of nominees' summaries.

    A campaign's labels and units are cleaned once, and each distinct figure
    (the same counts and rates recur across a long list) is formatted once.
    """

    def __init__(self, metrics: list[Mapping[str, Any]]):
        self.metrics = [
            (metric.get("code"), _clause(metric.get("label")), _line(metric.get("unit")))
            for metric in metrics
        ]
        self.written: dict[tuple[type, str, str], str] = {}

    def lines(self, figures: Mapping[str, Any]) -> list[str]:
        lines = []
        for code, label, unit in self.metrics:
            value = figures.get(code)
            if value is None:
                continue
            # The type and repr tell numbers apart exactly (1 and 1.0, -0.0 and 0.0).
            key = (type(value), repr(value), unit)
            text = self.written.get(key)
            if text is None:
                text = self.written[key] = _metric_value(value, unit)
            lines.append(f"{label}: {text}")
        return lines


def _summary(nominee: Mapping[str, Any], metric_lines: _MetricLines) -> str:
    """The clerk's summary followed by one line per metric figure."""
    lines = [_text(nominee.get("achievement_summary"))]
    lines += metric_lines.lines(nominee.get("metrics") or {})
    return "\n".join(line for line in lines if line)


def _sections(groups: list[tuple[str, list[Any]]], make_row: Callable[[int, Any], dict]) -> list[dict]:
    """Numbered sections (I., II., …) for the non-empty groups, rows numbered from 1."""
    numerals = ("I", "II", "III", "IV")
    sections = []
    for heading, items in groups:
        if not items:
            continue
        rows = [make_row(index, item) for index, item in enumerate(items, start=1)]
        sections.append({"heading": f"{numerals[len(sections)]}. {heading}", "rows": rows})
    return sections


def _to_trinh_date(dossier: Mapping[str, Any]) -> dt.date:
    return dossier.get("to_trinh_date") or require(dossier, "document_date", "ngày văn bản")


# --------------------------------------------------------------------------
# Tờ trình (Decree 30/2020, Annex III, model 1.4)
# --------------------------------------------------------------------------

def to_trinh_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Context of the tờ trình proposing the PASSED nominees for the award."""
    campaign, unit, dossier = snapshot["campaign"], snapshot["unit"], snapshot["dossier"]
    meeting = snapshot.get("meeting")
    selected = _selected(snapshot.get("nominees") or [])
    if not selected:
        raise DocumentDataError("Không có tập thể, cá nhân nào được đề nghị khen thưởng.")
    counts = _counts(selected)
    forms = _forms(selected, campaign)
    authority = campaign.get("authority") or {}
    authority_name = body_name(_line(authority.get("name")) or _line(campaign.get("issuer_name")))
    unit_name = body_name(require(unit, "name", "tên đơn vị"))
    council = body_name(require(unit, "council_name", "tên Hội đồng Thi đua - Khen thưởng"))
    subject = _in_sentence(require(campaign, "title", "tên phong trào thi đua"))
    plan = _plan_reference(campaign)

    recipients = [body_name(_clause(r)) for r in dossier.get("recipients") or [] if _clause(r)]
    if not recipients:
        recipients = [authority_name]
    # Decree 30/2020 Annex I: one recipient follows "Kính gửi:" on its line;
    # several go one per line, "- " before and ";" after, the last with ".".
    recipient_lines = [f"{recipients[0]}."] if len(recipients) == 1 else _listing(recipients)

    bases = [f"Căn cứ {plan} về {subject}"]
    if meeting:
        bases.append(f"Căn cứ Biên bản họp {council} ngày {format_date_short(meeting['started_at'])}")
    legal_bases = [f"{b};" for b in bases[:-1]] + [f"{bases[-1]}."]

    if meeting:
        review = (
            f"{_capitalise(format_date_long(meeting['started_at']))}, {council} đã họp xét, "
            f"thống nhất đề nghị khen thưởng {counts} có thành tích xuất sắc, đạt số phiếu "
            "đồng ý theo quy định."
        )
    else:
        review = f"Qua bình xét, {unit_name} đã lựa chọn {counts} có thành tích xuất sắc để đề nghị khen thưởng."

    abbreviation = _line(require(unit, "abbreviation", "chữ viết tắt tên đơn vị"))
    keeper = _line(unit.get("council_abbreviation")) or abbreviation
    return {
        "issuer": issuer_header(unit),
        "number_line": format_document_number(dossier.get("to_trinh_number"), TYPE_TO_TRINH, abbreviation),
        "place_date": format_place_date(
            require(unit, "place_name", "địa danh"), _to_trinh_date(dossier)
        ),
        "subject": f"Về việc đề nghị {forms_subject(forms, full=True)}",
        "recipient_lines": recipient_lines,
        "legal_bases": legal_bases,
        "plan_reference": plan,
        "campaign_subject": subject,
        "unit_name": unit_name,
        "review_paragraph": review,
        "authority_name": authority_name,
        # Each form with its own verb and count (Law 06/2022, art. 7 and 9).
        "proposal_awards": form_clauses(forms, full=True),
        "proposal_counts": counts,
        "distribution": ["- Như trên;", f"- Lưu: VT, {keeper}."],
        "signer": signer_block(snapshot.get("signer") or unit),
    }


# --------------------------------------------------------------------------
# Danh sách (annex of the tờ trình)
# --------------------------------------------------------------------------

def danh_sach_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Context of the list of nominees proposed (annex of the tờ trình).

    Part I lists collectives by name, part II individuals by given name in
    Vietnamese order; nominees the council turned down are left out. When the
    dossier proposes several award forms, each form is a part of its own
    ("I. Tặng Giấy khen", "II. Công nhận danh hiệu “…”"), collectives first.
    """
    campaign, unit, dossier = snapshot["campaign"], snapshot["unit"], snapshot["dossier"]
    metric_lines = _MetricLines(campaign.get("metrics") or [])
    selected = _selected(snapshot.get("nominees") or [])
    if not selected:
        raise DocumentDataError("Không có tập thể, cá nhân nào được đề nghị khen thưởng.")
    forms = _forms(selected, campaign)

    def row(index: int, nominee: Mapping[str, Any]) -> dict[str, str]:
        if nominee.get("kind") == "collective":
            position = _line(nominee.get("workplace"))
        else:
            position = ", ".join(
                p for p in (_line(nominee.get("position")), _line(nominee.get("workplace"))) if p
            )
        return {
            "stt": str(index),
            "name": _display_name(nominee),
            "position": position,
            "summary": _summary(nominee, metric_lines),
            "note": "",
        }

    total = _counts(selected)
    if len(forms) == 1:
        collectives, individuals = _split_sorted(selected)
        sections = _sections([("TẬP THỂ", collectives), ("CÁ NHÂN", individuals)], row)
    else:
        sections = []
        for number, group in enumerate(forms, start=1):
            people = [n for part in _split_sorted(group.people) for n in part]
            sections.append({"heading": group.heading(number),
                             "rows": [row(index, n) for index, n in enumerate(people, start=1)]})
        total = f"{total} ({form_clauses(forms)})"

    abbreviation = _line(require(unit, "abbreviation", "chữ viết tắt tên đơn vị"))
    reference = document_reference(dossier.get("to_trinh_number"), TYPE_TO_TRINH, abbreviation)
    unit_name = body_name(require(unit, "name", "tên đơn vị"))
    return {
        "issuer": issuer_header(unit),
        "awards_subject": forms_subject(forms, full=True),
        # Decree 30/2020 Annex I: an annex names the document it belongs to.
        "attachment_line": (
            f"(Kèm theo Tờ trình số {reference} {format_date_long(_to_trinh_date(dossier))} "
            f"của {unit_name})"
        ),
        "sections": sections,
        "total_line": f"Tổng cộng: {total}./.",
        "signer": signer_block(snapshot.get("signer") or unit),
    }


# --------------------------------------------------------------------------
# Biên bản (Decree 30/2020, Annex III, model 1.9)
# --------------------------------------------------------------------------

def _person(name: Any, gender: Any, position: Any) -> str:
    text = person_name(name, gender)
    position = body_name(_clause(position))
    return f"{text}, {position}" if position else text


def _absentee_lines(absentees: list[Mapping[str, Any]]) -> list[str]:
    items = []
    for absentee in absentees:
        text = f"{_line(absentee.get('name'))}, lý do: {_clause(absentee.get('reason')) or 'không rõ'}"
        opinion = _clause(absentee.get("written_opinion"))
        text += f"; ý kiến bằng văn bản: {opinion}" if opinion else "; không có ý kiến bằng văn bản"
        items.append(text)
    return _listing(items)


def bien_ban_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Context of the council's minutes: attendance, votes and conclusion."""
    campaign, unit, dossier = snapshot["campaign"], snapshot["unit"], snapshot["dossier"]
    meeting = snapshot.get("meeting")
    if not meeting:
        return _blank_bien_ban_context(snapshot)
    nominees = snapshot.get("nominees") or []
    collectives, individuals = _split_sorted(nominees)
    total = int(require(meeting, "total_members", "tổng số thành viên Hội đồng"))
    present = int(meeting.get("present_members") or 0)
    if total <= 0 or not 0 <= present <= total:
        raise DocumentDataError("Số thành viên Hội đồng có mặt không hợp lệ.")

    method = meeting.get("voting_method")
    if method not in _VOTING_METHODS:
        raise DocumentDataError(f"Hình thức biểu quyết không hợp lệ: {method!r}.")

    def vote_row(index: int, nominee: Mapping[str, Any]) -> dict[str, str]:
        votes = nominee.get("votes_in_favour")
        percent = nominee.get("vote_percent")
        if percent is None and votes is not None:
            percent = votes * 100 / total
        passed = nominee.get("passed")
        return {
            "stt": str(index),
            "name": _display_name(nominee),
            "award_form": _form_proposed(nominee, campaign),
            "votes": "" if votes is None else f"{format_count(votes)}/{format_count(total)}",
            "percent": "" if percent is None else format_percent_value(percent)[:-1],
            "result": "" if passed is None else ("Đạt" if passed else "Không đạt"),
        }

    winners = [n for n in collectives + individuals if n.get("passed") is True]
    forms = _forms(winners, campaign)
    if winners:
        conclusion = (f"Hội đồng thống nhất đề nghị {form_clauses(forms, full=True)} "
                      "(đạt số phiếu đồng ý theo quy định), gồm:")
    elif any(n.get("passed") is not None for n in nominees):
        conclusion = "Không có tập thể, cá nhân nào đạt số phiếu đồng ý theo quy định."
    else:
        conclusion = "Hội đồng chưa có kết quả biểu quyết."
    if len(forms) > 1:
        # Several forms: each name says which one it is proposed for.
        phrase = {id(n): group.phrase() for group in forms for n in group.people}
        passed = [f"{_display_name(n)}: {phrase[id(n)]}" for n in winners]
    else:
        passed = [_display_name(n) for n in winners]

    absentees = meeting.get("absentees") or []
    if absentees:
        absence = f"{format_count(len(absentees))} thành viên:"
    elif present < total:
        absence = f"{format_count(total - present)} thành viên."
    else:
        absence = "không."

    started = require(meeting, "started_at", "thời gian bắt đầu cuộc họp")
    ended = meeting.get("ended_at")
    if ended is None:
        end_time = f"{_TIME_BLANK} cùng ngày"
    elif ended.date() == started.date():
        end_time = f"{format_time(ended)} cùng ngày"
    else:
        end_time = f"{format_time(ended)}, {format_date_long(ended)}"

    council = body_name(require(unit, "council_name", "tên Hội đồng Thi đua - Khen thưởng"))
    subject = _in_sentence(require(campaign, "title", "tên phong trào thi đua"))
    considered = _counts(nominees) or "00 tập thể, cá nhân"
    return {
        "issuer": _council_issuer(unit),
        "number_line": format_document_number(
            dossier.get("bien_ban_number"),
            TYPE_BIEN_BAN,
            _line(unit.get("council_abbreviation")) or _line(unit.get("abbreviation")),
        ),
        "subject": f"Họp xét đề nghị khen thưởng trong {subject}",
        "start_time": f"{format_time(started)}, {format_date_long(started)}",
        "place": body_name(_clause(require(meeting, "place", "địa điểm họp"))),
        "attendance": f"{format_count(present)}/{format_count(total)}",
        "council_name": council,
        "absence_summary": absence,
        "absentee_lines": _absentee_lines(absentees),
        "chair": _person(meeting.get("chair_name"), meeting.get("chair_gender"), meeting.get("chair_position")),
        "secretary": _person(
            meeting.get("secretary_name"), meeting.get("secretary_gender"), meeting.get("secretary_position")
        ),
        "plan_reference": _plan_reference(campaign),
        "campaign_subject": subject,
        "considered_counts": considered,
        "voting_method": _VOTING_METHODS[method],
        "total_members": format_count(total),
        "vote_sections": _sections([("TẬP THỂ", collectives), ("CÁ NHÂN", individuals)], vote_row),
        "conclusion": conclusion,
        "passed_lines": _listing(passed),
        "end_time": end_time,
        "chair_name": _line(meeting.get("chair_name")),
        "secretary_name": _line(meeting.get("secretary_name")),
    }


_BLANK = "................"


def _blank_bien_ban_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Minutes to be filled in by hand: the nominees are listed, the meeting's facts left as dotted lines.

    Units print this form before the council meets; the recorded meeting later
    replaces every blank.
    """
    campaign, unit, dossier = snapshot["campaign"], snapshot["unit"], snapshot["dossier"]
    collectives, individuals = _split_sorted(snapshot.get("nominees") or [])

    def vote_row(index: int, nominee: Mapping[str, Any]) -> dict[str, str]:
        return {"stt": str(index), "name": _display_name(nominee),
                "award_form": _form_proposed(nominee, campaign),
                "votes": "", "percent": "", "result": ""}

    subject = _in_sentence(require(campaign, "title", "tên phong trào thi đua"))
    return {
        "issuer": _council_issuer(unit),
        "number_line": format_document_number(
            dossier.get("bien_ban_number"), TYPE_BIEN_BAN,
            _line(unit.get("council_abbreviation")) or _line(unit.get("abbreviation"))),
        "subject": f"Họp xét đề nghị khen thưởng trong {subject}",
        "start_time": f"{_TIME_BLANK}, ngày ..... tháng ..... năm ..........",
        "place": _BLANK,
        "attendance": "...../.....",
        "council_name": _line(require(unit, "council_name", "tên Hội đồng Thi đua - Khen thưởng")),
        "absence_summary": _BLANK,
        "absentee_lines": [],
        "chair": _BLANK,
        "secretary": _BLANK,
        "plan_reference": _plan_reference(campaign),
        "campaign_subject": subject,
        "considered_counts": _counts(snapshot.get("nominees") or []) or "00 tập thể, cá nhân",
        "voting_method": _BLANK,
        "total_members": ".....",
        "vote_sections": _sections([("TẬP THỂ", collectives), ("CÁ NHÂN", individuals)], vote_row),
        "conclusion": "Hội đồng chưa có kết quả biểu quyết.",
        "passed_lines": [],
        "end_time": f"{_TIME_BLANK} cùng ngày",
        "chair_name": "",
        "secretary_name": "",
    }


_BUILDERS: dict[str, Callable[[Mapping[str, Any]], dict[str, Any]]] = {
    "bien_ban": bien_ban_context,
    "to_trinh": to_trinh_context,
    "danh_sach": danh_sach_context,
}


def build_context(kind: str, snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Build the template context of document ``kind`` from a dossier snapshot.

    Raises ``DocumentDataError`` (Vietnamese message) when the snapshot lacks
    what the document needs.
    """
    _check_kind(kind)
    try:
        return _BUILDERS[kind](snapshot)
    except KeyError as exc:
        raise DocumentDataError(f"Dữ liệu hồ sơ thiếu mục {exc.args[0]!r}.") from exc


def render_document(kind: str, snapshot: Mapping[str, Any]) -> bytes:
    """Build the context of ``kind`` and render the committed template to .docx bytes."""
    return render_docx(template_path(kind), build_context(kind, snapshot))
