"""Contexts of a round's (or a campaign's) award documents: snapshot in, template context out.

Three documents close a campaign (or one of its rounds):

* ``to_trinh_tong_hop`` — the standing agency's consolidated tờ trình to the
  authority (Decree 30/2020/NĐ-CP, Annex III, model 1.4) with its annex list;
* ``quyet_dinh`` — the authority's award decision (model 1.2) with its annex
  list and the prize money;
* ``certificates`` — one Giấy khen / Bằng khen page per awardee, in one file;
  two variants print on pre-printed blanks: ``certificates_blank`` (only the
  variable text, at the campaign's layout, see ``certificate_layout``) and
  ``certificates_calibration`` (the layout's boxes, to hold against a blank).

Like the dossier's documents (``dossier``), each builder returns strings,
lists and dicts of strings only, every figure already written the Vietnamese
way, so the templates in ``templates_docx/campaign/`` hold no logic beyond
loops and "is this line present".

SNAPSHOT CONTRACT (a plain dict; dates are ``datetime.date``; text NFC):

``campaign``
    ``title`` (str), ``plan_number`` (str, e.g. ``"9936/KH-UBND"``),
    ``plan_date`` (date), ``issuer_name`` (str, who issued the plan),
    ``award_name`` (str, ``"Giấy khen của Chủ tịch Ủy ban nhân dân thành phố
    Long Xuyên"``), ``authority`` (UNIT: who decides), ``standing_agency``
    (UNIT: who consolidates and proposes), ``legal_bases`` (list of str,
    laws and decrees without the word "Căn cứ").
    A UNIT is the dict of the dossier's documents (``dossier``): ``name``,
    ``short_name``, ``managing_body``, ``issuing_body``, ``place_name``,
    ``abbreviation``, ``council_name``, ``council_abbreviation``,
    ``signature_authority``, ``signature_title``, ``signer_name``.
``round`` (optional)
    ``name`` (str, e.g. ``"Tổng kết đợt cao điểm năm 2024"``).
``proposal`` — the consolidated tờ trình
    ``number`` (int or None: a blank for the records clerk), ``date`` (date);
    optional: ``recipients`` (list of str; default the authority's name),
    ``proposer_title`` (str, default from the agency's signer),
    ``signer`` (who signs: ``signature_authority``, ``signature_title``,
    ``signer_name``; default the agency's own lines),
    ``unit_count`` (int, units whose dossiers were reviewed; default the
    distinct ``unit_name`` of the awardees), ``annex_order`` (``"by_unit"``,
    the default, or ``"ranked"``).
``decision``
    ``number`` (int or None), ``date`` (date), ``signer_title`` (str,
    ``"CHỦ TỊCH"`` / ``"PHÓ CHỦ TỊCH"``), ``signer_name`` (str),
    ``funding_source`` (str); optional: ``signer_authority`` (``"KT. CHỦ
    TỊCH"``), ``issuer_title`` (default ``"Chủ tịch " + authority name``),
    ``executors`` (list of str, Điều 3), ``distribution`` (extra "Nơi nhận"
    lines), ``citation`` (the certificates' text; default "Đã có thành tích
    xuất sắc trong <campaign>.").
``awardees`` — list of dicts
    ``kind`` (``individual`` / ``collective`` / ``household``),
    ``full_name``, ``gender`` (``male`` / ``female`` / None), ``position``,
    ``workplace``, ``unit_name`` (the proposing unit), ``award_form``
    (``{code, name}``, optional ``title``, ``family``, ``issuer``: worded by
    ``forms``), ``multiplier`` (number), ``prize_raw`` (int đồng,
    before rounding), ``prize_rounded`` (int đồng), ``achievement`` (summary
    shown in the tờ trình's list); optional ``rank`` (int, for the ranked
    list) and ``citation`` (this awardee's certificate text).

``decisions`` (optional) — one per deciding authority, when the forms have
    several: ``{code, name, authority (UNIT), decision}``; each awardee then
    names its ``authority`` (``decision_snapshots`` splits the snapshot).

``service.awards.prize.apply_prizes`` fills ``multiplier``, ``prize_raw``
and ``prize_rounded``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from .. import certificate_layout, collation
from ..engine import render_docx
from ..vnformat import (
    document_reference,
    format_count,
    format_date_long,
    format_date_long_or_blank,
    format_document_number,
    format_place_date,
    money_in_words,
)
from .common import TEMPLATE_DIR, TYPE_QUYET_DINH, TYPE_TO_TRINH, DocumentDataError
from .common import capitalise as _capitalise
from .common import clause as _clause
from .common import in_sentence as _in_sentence
from .common import body_name, issuer_header, person_name, roman, signer_block
from .common import line as _line
from .common import listing as _listing
from .common import require as _require
from .common import text as _text
from .forms import KINDS as _KINDS
from .forms import FormGroup, count_by_kind, count_phrase, form_clauses, forms_subject, group_by_form, whom

__all__ = [
    "CAMPAIGN_DOCUMENT_KINDS",
    "CAMPAIGN_DOCUMENT_TITLES",
    "CAMPAIGN_TEMPLATE_DIR",
    "CERTIFICATE_MODES",
    "CERTIFICATE_MODE_TITLES",
    "CERTIFICATE_VARIANTS",
    "ANNEX_ORDERS",
    "DocumentDataError",
    "campaign_template_path",
    "build_campaign_context",
    "render_campaign_document",
    "snapshot_from_decision",
    "decision_snapshots",
    "format_amount",
]

CAMPAIGN_DOCUMENT_KINDS = ("to_trinh_tong_hop", "quyet_dinh", "certificates")

CAMPAIGN_DOCUMENT_TITLES = {
    "to_trinh_tong_hop": "Tờ trình đề nghị khen thưởng (tổng hợp)",
    "quyet_dinh": "Quyết định khen thưởng",
    "certificates": "Giấy khen, Bằng khen (bản in)",
}

CAMPAIGN_TEMPLATE_DIR = TEMPLATE_DIR / "campaign"

# The certificates print in full on plain paper, or only their variable text on a
# pre-printed blank; the calibration page shows where that text goes.
CERTIFICATE_MODES = ("full", "blank", "calibration")
CERTIFICATE_MODE_TITLES = {"full": "Bản in đầy đủ", "blank": "In trên phôi", "calibration": "Trang căn chỉnh"}
# Templates of the certificates other than the full one: built in only, laid out by the campaign's layout.
CERTIFICATE_VARIANTS = ("certificates_blank", "certificates_calibration")

ANNEX_ORDERS = ("by_unit", "ranked")

_GROUP_TITLES = {"collective": "TẬP THỂ", "individual": "CÁ NHÂN", "household": "HỘ GIA ĐÌNH"}
_SUB_TITLES = {"collective": "Tập thể", "individual": "Cá nhân", "household": "Hộ gia đình"}


def campaign_template_path(kind: str) -> Path:
    """Return the path of the committed template of a campaign document kind (or certificate variant)."""
    if kind not in CERTIFICATE_VARIANTS:
        _check_kind(kind)
    return CAMPAIGN_TEMPLATE_DIR / f"{kind}.docx"


def _check_kind(kind: str) -> None:
    if kind not in CAMPAIGN_DOCUMENT_KINDS:
        raise DocumentDataError(f"Loại văn bản không hợp lệ: {kind!r}.")


# --------------------------------------------------------------------------
# Small helpers
# --------------------------------------------------------------------------

def format_amount(amount: int) -> str:
    """An amount of đồng grouped the Vietnamese way, without the unit: ``1.400.000``.

    Same result as ``vnformat.format_number`` for whole numbers, without
    Babel's per-call cost: a decision may list ten thousand amounts.
    """
    if isinstance(amount, bool) or not isinstance(amount, int):
        raise DocumentDataError(f"Số tiền không hợp lệ: {amount!r}.")
    text = f"{abs(amount):,}".replace(",", ".")
    return f"-{text}" if amount < 0 else text


def _money(amount: int) -> str:
    return f"{format_amount(amount)} đồng ({money_in_words(amount)})"


def _kind(awardee: Mapping[str, Any], index: int) -> str:
    kind = awardee.get("kind")
    if kind not in _KINDS:
        raise DocumentDataError(f"Loại đối tượng khen thưởng không hợp lệ ở người/tập thể thứ {index}: {kind!r}.")
    return kind


def _display_name(awardee: Mapping[str, Any]) -> str:
    if awardee.get("kind") != "individual":
        return _line(awardee.get("full_name"))
    return person_name(awardee.get("full_name"), awardee.get("gender"))


def _position(awardee: Mapping[str, Any]) -> str:
    """"Chức vụ, đơn vị công tác": a person's position and workplace; a
    collective's parent body (its workplace, else the proposing unit)."""
    workplace = _line(awardee.get("workplace")) or _line(awardee.get("unit_name"))
    if awardee.get("kind") != "individual":
        return workplace
    return ", ".join(part for part in (_line(awardee.get("position")), workplace) if part)


def _prize(awardee: Mapping[str, Any]) -> int:
    value = awardee.get("prize_rounded")
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise DocumentDataError(f"Thiếu hoặc sai số tiền thưởng của {_line(awardee.get('full_name'))}.")
    return value


def _awardees(snapshot: Mapping[str, Any]) -> list[Mapping[str, Any]]:
    awardees = list(snapshot.get("awardees") or [])
    if not awardees:
        raise DocumentDataError("Không có tập thể, cá nhân nào được khen thưởng.")
    for index, awardee in enumerate(awardees, start=1):
        _kind(awardee, index)
        if not _line(awardee.get("full_name")):
            raise DocumentDataError(f"Thiếu họ tên (tên tập thể) ở người/tập thể thứ {index}.")
    return awardees


def _by_kind(awardees: list[Mapping[str, Any]]) -> dict[str, list[Mapping[str, Any]]]:
    """Awardees split by kind; individuals by given name, the others by whole
    name, in Vietnamese alphabetical order (service.documents.collation)."""
    groups: dict[str, list[Mapping[str, Any]]] = {kind: [] for kind in _KINDS}
    for awardee in awardees:
        groups[awardee["kind"]].append(awardee)
    groups["individual"].sort(key=lambda a: collation.sort_key_vi(a.get("full_name") or ""))
    for kind in ("collective", "household"):
        groups[kind].sort(key=lambda a: collation.sort_key_text(a.get("full_name") or ""))
    return groups


def _forms(awardees: list[Mapping[str, Any]], campaign: Mapping[str, Any]) -> list[FormGroup]:
    """The awardees grouped by award form, each worded as the law words it (``forms``)."""
    return group_by_form(awardees, award_name=_clause(campaign.get("award_name")))


def _heading(level: int, number: int, text: str) -> dict[str, str]:
    """A heading row of a list: "I. …" at the top level, then "1. …", then "a) …"."""
    if level == 0:
        return {"heading": f"{roman(number)}. {text}"}
    if level == 1:
        return {"heading": f"{number}. {text}"}
    return {"heading": f"{chr(ord('a') + number - 1)}) {text}"}


def _by_form(groups: list[FormGroup], rows_of: Callable[[list[Mapping[str, Any]], int], list[dict[str, str]]]
             ) -> list[dict[str, str]]:
    """A list's rows: with one award form, its rows as they are; with several, one part per form,
    headed by the form ("I. Tặng Giấy khen", "II. Công nhận danh hiệu “…”"), the parts' own
    headings one level down."""
    if len(groups) == 1:
        return rows_of(groups[0].people, 0)
    rows: list[dict[str, str]] = []
    for number, group in enumerate(groups, start=1):
        rows.append({"heading": group.heading(number)})
        rows += rows_of(group.people, 1)
    return rows


def _decision_signer(decision: Mapping[str, Any]) -> dict[str, str]:
    return signer_block(decision, authority="signer_authority", title="signer_title", name="signer_name",
                        what="người ký quyết định")


def _bases(items: list[str]) -> list[str]:
    """Each legal basis on its own line, ";" after each and "." after the
    last (Decree 30/2020 Annex I, the legal bases of a document)."""
    lines = []
    for item in items:
        text = _clause(item)
        if not text:
            continue
        if not text.startswith("Căn cứ"):
            text = f"Căn cứ {text}"
        lines.append(text)
    if not lines:
        return []
    return [f"{line};" for line in lines[:-1]] + [f"{lines[-1]}."]


def _plan_basis(campaign: Mapping[str, Any]) -> str:
    number = _line(_require(campaign, "plan_number", "số kế hoạch phát động"))
    plan_date = _require(campaign, "plan_date", "ngày kế hoạch phát động")
    issuer = body_name(_line(campaign.get("issuer_name")) or _line((campaign.get("authority") or {}).get("name")))
    subject = _in_sentence(_require(campaign, "title", "tên phong trào thi đua"))
    return f"Kế hoạch số {number} {format_date_long(plan_date)} của {issuer} về {subject}"


def _proposer_title(proposal: Mapping[str, Any], agency: Mapping[str, Any]) -> str:
    """"Trưởng phòng Y tế thành phố Long Xuyên" from "TRƯỞNG PHÒNG" and
    "Phòng Y tế thành phố Long Xuyên": the unit's first word is dropped when
    the title already ends with it, as official texts write it."""
    explicit = _clause(proposal.get("proposer_title"))
    if explicit:
        return explicit
    name = body_name(_require(agency, "name", "tên cơ quan thường trực"))
    title = _line(agency.get("signature_title")).lower()
    if not title:
        return name
    title = _capitalise(title)
    last = title.split()[-1]
    first, _, rest = name.partition(" ")
    if rest and first.lower() == last:
        return f"{title} {rest}"
    return f"{title} {name}"


def _unit_count(proposal: Mapping[str, Any], awardees: list[Mapping[str, Any]]) -> int:
    if proposal.get("unit_count") is not None:
        return int(proposal["unit_count"])
    return len({_line(a.get("unit_name")) for a in awardees if _line(a.get("unit_name"))})


# --------------------------------------------------------------------------
# Tờ trình tổng hợp (Decree 30/2020, Annex III, model 1.4) and its list
# --------------------------------------------------------------------------

def _kind_heading(level: int, number: int, kind: str) -> dict[str, str]:
    return _heading(level, number, (_GROUP_TITLES if level == 0 else _SUB_TITLES)[kind])


def _to_trinh_rows(awardees: list[Mapping[str, Any]], order: str, level: int = 0) -> list[dict[str, str]]:
    """Rows of the annex: heading rows (``heading`` set) and awardee rows.

    ``by_unit``: one section per proposing unit (Vietnamese order of the
    units' names), collectives then individuals inside it, numbered through
    so that the last number is the total. ``ranked``: one section per kind,
    in the order of the ranking (ties by name), the rank in the note column.
    ``level`` is how deep the sections' headings sit (1 inside an award form's part).
    """
    def row(number: int, awardee: Mapping[str, Any], note: str = "") -> dict[str, str]:
        return {
            "heading": "",
            "stt": str(number),
            "name": _display_name(awardee),
            "position": _position(awardee),
            "summary": _text(awardee.get("achievement")),
            "note": note,
        }

    rows: list[dict[str, str]] = []
    if order == "ranked":
        groups = _by_kind(awardees)
        section = 0
        for kind in _KINDS:
            items = sorted(groups[kind], key=lambda a: (a.get("rank") is None, a.get("rank") or 0))
            if not items:
                continue
            section += 1
            rows.append(_kind_heading(level, section, kind))
            for number, awardee in enumerate(items, start=1):
                rank = awardee.get("rank")
                rows.append(row(number, awardee, f"Xếp hạng {rank}" if rank is not None else ""))
        return rows

    units: dict[str, list[Mapping[str, Any]]] = {}
    for awardee in awardees:
        units.setdefault(_line(awardee.get("unit_name")), []).append(awardee)
    number = 0
    for section, unit_name in enumerate(sorted(units, key=collation.sort_key_text), start=1):
        rows.append(_heading(level, section, unit_name or "Đơn vị khác"))
        groups = _by_kind(units[unit_name])
        present = [kind for kind in _KINDS if groups[kind]]
        for sub, kind in enumerate(present, start=1):
            rows.append(_heading(level + 1, sub, _SUB_TITLES[kind]))
            for awardee in groups[kind]:
                number += 1
                rows.append(row(number, awardee))
    return rows


def to_trinh_tong_hop_context(snapshot: Mapping[str, Any], annex_order: str | None = None) -> dict[str, Any]:
    """Context of the standing agency's consolidated tờ trình and its list."""
    campaign, proposal = snapshot["campaign"], snapshot["proposal"]
    agency = _require(campaign, "standing_agency", "cơ quan thường trực")
    authority = _require(campaign, "authority", "cấp quyết định khen thưởng")
    awardees = _awardees(snapshot)
    order = annex_order or proposal.get("annex_order") or "by_unit"
    if order not in ANNEX_ORDERS:
        raise DocumentDataError(f"Cách sắp xếp danh sách không hợp lệ: {order!r}.")

    counts = count_by_kind(awardees)
    counts_text = count_phrase(counts)
    forms = _forms(awardees, campaign)
    subject = _in_sentence(_require(campaign, "title", "tên phong trào thi đua"))
    agency_name = body_name(_require(agency, "name", "tên cơ quan thường trực"))
    authority_name = body_name(_require(authority, "name", "tên cấp quyết định khen thưởng"))
    abbreviation = _line(_require(agency, "abbreviation", "chữ viết tắt tên cơ quan thường trực"))
    proposal_date = _require(proposal, "date", "ngày tờ trình")

    recipients = [body_name(_clause(r)) for r in proposal.get("recipients") or [] if _clause(r)] or [authority_name]
    # Decree 30/2020 Annex I: one recipient stays on the "Kính gửi:" line;
    # several go one per line, "- " before and ";" after, the last with ".".
    recipient_lines = [f"{recipients[0]}."] if len(recipients) == 1 else _listing(recipients)

    plan = _plan_basis(campaign)
    total = sum(_prize(a) for a in awardees)
    round_name = _clause((snapshot.get("round") or {}).get("name"))
    if round_name:
        intro = (f"Thực hiện {plan}, {agency_name} đã theo dõi, tổng hợp kết quả thi đua "
                 f"({_in_sentence(round_name)}) của các cơ quan, đơn vị.")
    else:
        intro = f"Thực hiện {plan}, {agency_name} đã theo dõi, tổng hợp kết quả thi đua của các cơ quan, đơn vị."
    units = _unit_count(proposal, awardees)
    review = (f"Qua thẩm định hồ sơ đề nghị khen thưởng của {format_count(units)} cơ quan, đơn vị, "
              f"{agency_name} thống nhất đề nghị khen thưởng {counts_text} có thành tích xuất sắc.")
    # Each form with its own verb and count (Law 06/2022, art. 7 and 9).
    request = (f"{agency_name} kính đề nghị {recipients[0]} xem xét, {form_clauses(forms, full=True)} "
               f"đã có thành tích xuất sắc trong {subject} (có danh sách kèm theo).")
    if total:
        request += f" Tổng số tiền thưởng kèm theo là {_money(total)}."
    reference = document_reference(proposal.get("number"), TYPE_TO_TRINH, abbreviation)
    return {
        "issuer": issuer_header(agency),
        "number_line": format_document_number(proposal.get("number"), TYPE_TO_TRINH, abbreviation),
        "place_date": format_place_date(_require(agency, "place_name", "địa danh"), proposal_date),
        "subject": f"Về việc đề nghị {forms_subject(forms)} cho {whom(counts)} "
                   f"có thành tích xuất sắc trong {subject}",
        "recipient_lines": recipient_lines,
        "legal_bases": _bases([*(campaign.get("legal_bases") or []), plan]),
        "intro": intro,
        "review": review,
        "request": request,
        "closing": f"Kính trình {recipients[0]} xem xét, quyết định./.",
        "distribution": ["- Như trên;", f"- Lưu: VT, {abbreviation}."],
        "signer": signer_block(proposal.get("signer") or agency),
        "annex": {
            "subtitle": f"Tập thể, cá nhân đề nghị {forms_subject(forms, full=True)}",
            # Decree 30/2020 Annex I: an annex names the document it belongs to.
            "attachment_line": f"(Kèm theo Tờ trình số {reference} {format_date_long(proposal_date)} "
                               f"của {agency_name})",
        },
        "rows": _by_form(forms, lambda people, level: _to_trinh_rows(people, order, level)),
        "total_line": f"Tổng cộng: {_total(counts_text, forms)}./.",
    }


# --------------------------------------------------------------------------
# Quyết định khen thưởng (Decree 30/2020, Annex III, model 1.2) and its list
# --------------------------------------------------------------------------

def _total(counts_text: str, forms: list[FormGroup]) -> str:
    """"02 tập thể và 12 cá nhân", followed by each form's share when there are several."""
    return counts_text if len(forms) == 1 else f"{counts_text} ({form_clauses(forms)})"


def _decision_rows(awardees: list[Mapping[str, Any]], level: int = 0) -> list[dict[str, str]]:
    groups = _by_kind(awardees)
    rows: list[dict[str, str]] = []
    section = 0
    for kind in _KINDS:
        items = groups[kind]
        if not items:
            continue
        section += 1
        rows.append(_kind_heading(level, section, kind))
        for number, awardee in enumerate(items, start=1):
            rows.append({
                "heading": "",
                "stt": str(number),
                "name": _display_name(awardee),
                "position": _position(awardee),
                "amount": format_amount(_prize(awardee)),
            })
    return rows


def _prize_article(forms: list[FormGroup], decision: Mapping[str, Any], total: int) -> str:
    """Điều 2: the prize money that goes with each form (Law 06/2022, art. 93 ff.)."""
    if not total:
        return "Hình thức khen thưởng tại Điều 1 không kèm theo tiền thưởng."
    funding = _clause(_require(decision, "funding_source", "nguồn kinh phí khen thưởng"))
    closing = (f"tổng số tiền là {_money(total)}; mức thưởng của từng tập thể, cá nhân theo danh sách kèm theo. "
               f"Kinh phí khen thưởng được chi từ {funding}.")
    if len(forms) == 1:
        lead = "Tặng kèm theo" if forms[0].verb == "tặng" else "Kèm theo"
        return f"{lead} {forms[0].short} tiền thưởng theo quy định, {closing}"
    parts = []
    for group in forms:
        amount = sum(_prize(a) for a in group.people)
        parts.append(f"kèm theo {group.short}: {_money(amount)}" if amount
                     else f"{group.short} không kèm theo tiền thưởng")
    return f"Tiền thưởng theo quy định {'; '.join(parts)}; {closing}"


def _issuer_title(decision: Mapping[str, Any], authority: Mapping[str, Any]) -> str:
    explicit = _clause(decision.get("issuer_title"))
    if explicit:
        return explicit
    return f"Chủ tịch {body_name(_require(authority, 'name', 'tên cấp quyết định khen thưởng'))}"


def quyet_dinh_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Context of the award decision and its list with the prize money."""
    campaign, decision = snapshot["campaign"], snapshot["decision"]
    proposal = snapshot.get("proposal") or {}
    authority = _require(campaign, "authority", "cấp quyết định khen thưởng")
    agency = campaign.get("standing_agency") or {}
    awardees = _awardees(snapshot)
    forms = _forms(awardees, campaign)
    counts = count_by_kind(awardees)
    counts_text = count_phrase(counts)
    total = sum(_prize(a) for a in awardees)

    subject = _in_sentence(_require(campaign, "title", "tên phong trào thi đua"))
    abbreviation = _line(_require(authority, "abbreviation", "chữ viết tắt tên cấp quyết định"))
    # Not signed yet (a draft before the decision): the number and the date are left blank.
    decision_date = decision.get("date")
    issuer_title = _issuer_title(decision, authority)
    reference = document_reference(decision.get("number"), TYPE_QUYET_DINH, abbreviation)

    if proposal.get("date") and agency:
        agency_abbreviation = _line(_require(agency, "abbreviation", "chữ viết tắt tên cơ quan thường trực"))
        proposal_ref = document_reference(proposal.get("number"), TYPE_TO_TRINH, agency_abbreviation)
        proposal_line = (f"Theo đề nghị của {_proposer_title(proposal, agency)} tại Tờ trình số "
                         f"{proposal_ref} {format_date_long(proposal['date'])}.")
    elif agency:
        proposal_line = f"Theo đề nghị của {_proposer_title(proposal, agency)}."
    else:
        proposal_line = ""

    article_2 = _prize_article(forms, decision, total)

    executors = [body_name(_clause(e)) for e in decision.get("executors") or [] if _clause(e)]
    if not executors and agency:
        executors = [_proposer_title(proposal, agency), "Thủ trưởng các cơ quan, đơn vị có liên quan"]
    named = f"{whom(counts)} có tên tại Điều 1"
    who = f"{', '.join(executors)} và {named}" if executors else named
    article_3 = (f"Quyết định này có hiệu lực kể từ ngày ký. {_capitalise(who)} chịu trách nhiệm thi hành "
                 "Quyết định này./.")

    keeper = _line(agency.get("abbreviation")) or abbreviation
    extra = [_clause(line).lstrip("- ") for line in decision.get("distribution") or [] if _clause(line)]
    distribution = ["- Như Điều 3;", *(f"- {line};" for line in extra), f"- Lưu: VT, {keeper}."]

    return {
        "issuer": issuer_header(authority),
        "number_line": format_document_number(decision.get("number"), TYPE_QUYET_DINH, abbreviation),
        "place_date": format_place_date(_require(authority, "place_name", "địa danh"), decision_date),
        "subject": f"Về việc {forms_subject(forms)} cho {whom(counts)} "
                   f"đã có thành tích xuất sắc trong {subject}",
        "issuer_title": issuer_title.upper(),
        "legal_bases": _bases([*(campaign.get("legal_bases") or []), _plan_basis(campaign)]),
        "proposal_line": proposal_line,
        # Each form with its own verb and count (Law 06/2022, art. 7 and 9).
        "article_1": f"{_capitalise(form_clauses(forms, full=True))} (có danh sách kèm theo) đã có thành tích "
                     f"xuất sắc trong {subject}.",
        "article_2": article_2,
        "article_3": article_3,
        "distribution": distribution,
        "signer": _decision_signer(decision),
        "annex": {
            "subtitle": f"Tập thể, cá nhân được {forms_subject(forms, full=True)}",
            "attachment_line": f"(Kèm theo Quyết định số {reference} {format_date_long_or_blank(decision_date)} "
                               f"của {issuer_title})",
        },
        "rows": _by_form(forms, _decision_rows),
        "total_amount": format_amount(total),
        "total_words": f"Số tiền bằng chữ: {money_in_words(total)}.",
        "total_line": f"Danh sách gồm {_total(counts_text, forms)}./.",
    }


# --------------------------------------------------------------------------
# Certificates (one page per awardee)
# --------------------------------------------------------------------------

def certificates_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Context of the printed certificates: one entry per awardee, in the
    order of the decision's list (collectives, then individuals by given name)."""
    campaign, decision = snapshot["campaign"], snapshot["decision"]
    authority = _require(campaign, "authority", "cấp quyết định khen thưởng")
    awardees = _awardees(snapshot)
    groups = _by_kind(awardees)
    subject = _in_sentence(_require(campaign, "title", "tên phong trào thi đua"))
    abbreviation = _line(_require(authority, "abbreviation", "chữ viết tắt tên cấp quyết định"))
    # Not signed yet (a draft before the decision): the number and the date are left blank.
    decision_date = decision.get("date")
    reference = document_reference(decision.get("number"), TYPE_QUYET_DINH, abbreviation)
    default_citation = _text(decision.get("citation")) or f"Đã có thành tích xuất sắc trong {subject}."
    shared = {
        "issuer_title": _issuer_title(decision, authority).upper(),
        "decision_line": f"Quyết định số {reference} {format_date_long_or_blank(decision_date)}",
        "place_date": format_place_date(_require(authority, "place_name", "địa danh"), decision_date),
        "signer": _decision_signer(decision),
    }
    # A commendation is given ("TẶNG" / "GIẤY KHEN"); a title recognised ("CÔNG NHẬN DANH HIỆU" /
    # "CHIẾN SĨ THI ĐUA CƠ SỞ"): Law 06/2022, art. 7 and 9.
    wording = {id(a): group for group in _forms(awardees, campaign) for a in group.people}
    certificates = []
    for kind in _KINDS:
        for awardee in groups[kind]:
            group = wording[id(awardee)]
            detail = _position(awardee) if kind == "individual" else _line(awardee.get("workplace"))
            certificates.append({
                **shared,
                "verb": "TẶNG" if group.verb == "tặng" else "CÔNG NHẬN DANH HIỆU",
                "award_title": group.bare.upper(),
                "awardee": _display_name(awardee),
                "detail": detail,
                "citation": _text(awardee.get("citation")) or default_citation,
            })
    return {"certificates": certificates}


# --------------------------------------------------------------------------
# Printing on pre-printed blanks ("in trên phôi") and the calibration page
# --------------------------------------------------------------------------

def _page(layout: Mapping[str, Any]) -> dict[str, Any]:
    width, height = certificate_layout.paper_mm(layout["paper"], layout["orientation"])
    return {"width": certificate_layout.mm_to_twips(width), "height": certificate_layout.mm_to_twips(height),
            "is_landscape": layout["orientation"] == "landscape"}


def _checked_layout(layout: Mapping[str, Any] | None) -> Mapping[str, Any]:
    layout = layout if layout is not None else certificate_layout.default_layout()
    problems = certificate_layout.layout_problems(layout)
    if problems:
        raise DocumentDataError("Vị trí in trên phôi chưa hợp lệ: "
                                + " ".join(m for messages in problems.values() for m in messages))
    return layout


def _frame(spec: Mapping[str, Any]) -> dict[str, Any]:
    """A field's box in the template's units: twips from the paper's edges, half-points."""
    return {"x": certificate_layout.mm_to_twips(spec["x"]), "y": certificate_layout.mm_to_twips(spec["y"]),
            "width": certificate_layout.mm_to_twips(spec["width"]), "size": round(spec["font_size"] * 2)}


def certificates_blank_context(snapshot: Mapping[str, Any], layout: Mapping[str, Any] | None = None
                               ) -> dict[str, Any]:
    """Context of the certificates printed on blanks: per awardee, the text of each
    printed field at its position (``layout``, see ``certificate_layout``; the
    default layout when None). A field with no text for an awardee (a collective
    has no position) is left out rather than printed empty."""
    layout = _checked_layout(layout)
    printed = [(name, spec) for name, spec in ((n, layout["fields"][n]) for n in certificate_layout.FIELDS)
               if spec.get("is_printed", True)]
    certificates = []
    for certificate in certificates_context(snapshot)["certificates"]:
        signer = certificate["signer"]
        values = {
            "awardee": certificate["awardee"], "detail": certificate["detail"], "citation": certificate["citation"],
            "decision_line": certificate["decision_line"], "place_date": certificate["place_date"],
            "signer_title": "\n".join(part for part in (signer.get("authority"), signer.get("title")) if part),
            "signer_name": signer.get("name") or "",
        }
        certificates.append({"fields": [{**_frame(spec), "name": name, "text": values[name]}
                                        for name, spec in printed if values[name]]})
    return {"page": _page(layout), "certificates": certificates}


def certificates_calibration_context(layout: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Context of the calibration page: each printed field's box, named, with its coordinates in millimetres."""
    layout = _checked_layout(layout)
    width, height = certificate_layout.paper_mm(layout["paper"], layout["orientation"])
    orientation = certificate_layout.ORIENTATION_LABELS[layout["orientation"]].lower()
    fields = []
    for name in certificate_layout.FIELDS:
        spec = layout["fields"][name]
        if not spec.get("is_printed", True):
            continue
        fields.append({
            **_frame(spec),
            "line": round(certificate_layout.line_height_mm(spec["font_size"]) * 1440 / 25.4),
            "label": f"{certificate_layout.FIELD_LABELS[name]}: cách mép trái {_mm(spec['x'])} mm, "
                     f"cách mép trên {_mm(spec['y'])} mm, rộng {_mm(spec['width'])} mm, "
                     f"cỡ chữ {_mm(spec['font_size'])} pt",
        })
    margin = 12.0
    return {
        "page": _page(layout),
        "title": "TRANG CĂN CHỈNH VỊ TRÍ IN TRÊN PHÔI",
        "paper_line": f"Khổ {layout['paper']} {orientation} ({_mm(width)} × {_mm(height)} mm). Mỗi khung là chỗ "
                      "in một mục; góc trên bên trái của khung là điểm có tọa độ ghi trong khung, tính từ mép trái "
                      "và mép trên của tờ giấy. In trang này trên giấy thường, đặt chồng lên phôi và soi trước "
                      "ánh sáng để so.",
        "heading": {"x": certificate_layout.mm_to_twips(margin), "y": certificate_layout.mm_to_twips(margin),
                    "y2": certificate_layout.mm_to_twips(margin + 8),
                    "width": certificate_layout.mm_to_twips(width - 2 * margin)},
        "fields": fields,
    }


def _mm(value: float) -> str:
    text = f"{float(value):.1f}".rstrip("0").rstrip(".")
    return text.replace(".", ",")


_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "to_trinh_tong_hop": to_trinh_tong_hop_context,
    "quyet_dinh": quyet_dinh_context,
    "certificates": certificates_context,
}


def build_campaign_context(kind: str, snapshot: Mapping[str, Any] | None, *, annex_order: str | None = None,
                           layout: Mapping[str, Any] | None = None) -> dict[str, Any]:
    """Build the template context of campaign document ``kind`` from a snapshot.

    ``annex_order`` (``by_unit`` or ``ranked``) applies to the tờ trình's list
    and overrides ``snapshot["proposal"]["annex_order"]``. ``layout`` (the
    campaign's certificate layout, the default when None) places the text of
    ``certificates_blank`` and the boxes of ``certificates_calibration``, which
    needs no snapshot. Raises ``DocumentDataError`` (Vietnamese message) when
    the snapshot lacks what the document needs.
    """
    if kind == "certificates_calibration":
        return certificates_calibration_context(layout)
    if kind != "certificates_blank":
        _check_kind(kind)
    try:
        if kind == "certificates_blank":
            return certificates_blank_context(snapshot, layout)
        if kind == "to_trinh_tong_hop":
            return to_trinh_tong_hop_context(snapshot, annex_order)
        return _BUILDERS[kind](snapshot)
    except KeyError as exc:
        raise DocumentDataError(f"Dữ liệu khen thưởng thiếu mục {exc.args[0]!r}.") from exc


def render_campaign_document(kind: str, snapshot: Mapping[str, Any], template: Any = None, **options: Any) -> bytes:
    """Build the context of ``kind`` and render it with ``template`` (a path or
    bytes; the committed template by default) to .docx bytes."""
    context = build_campaign_context(kind, snapshot, **options)
    return render_docx(template if template is not None else campaign_template_path(kind), context)


# --------------------------------------------------------------------------
# A round's decision, as these documents take it
# --------------------------------------------------------------------------

def snapshot_from_decision(decision: Mapping[str, Any]) -> dict[str, Any]:
    """The snapshot the builders above take, made from a round's decision.

    ``decision`` is the plain dict ``service.operations.round_documents.
    decision_snapshot`` reads from the database (round, campaign, authority,
    proposal and decision numbers, awardees in final order, one decision per
    deciding authority). Before a decision is signed its number and date stay
    empty (the draft leaves them to fill in), and the prize money is reckoned
    on the proposal's date (``prize_date``) so the draft shows the amounts; the
    awardees have no prize money yet (``service.awards.prize.apply_prizes``
    adds it). ``decisions`` holds each authority's own decision and each
    awardee names its ``authority``; ``decision_snapshots`` splits them.
    """
    proposal_date = decision["proposal"]["date"]
    # The officials chosen to sign (service.operations.officials), else the units' own lines.
    proposal_signer = decision.get("proposal_signer")
    chosen_decision_signer = decision.get("decision_signer")

    def decided_by(authority: Mapping[str, Any], number: int | None, day: Any,
                   signer: Mapping[str, Any] | None = None) -> dict[str, Any]:
        signature_authority = authority.get("signature_authority") or ""
        signer = signer or {
            "signature_title": authority.get("signature_title"), "signer_name": authority.get("signer_name"),
            # "TM. ỦY BAN NHÂN DÂN" signs for the body; a decision is signed by its chair or a deputy.
            "signature_authority": "" if signature_authority.startswith("TM.") else signature_authority}
        return {
            "number": number, "date": day, "prize_date": day or proposal_date,
            "signer_title": signer["signature_title"], "signer_name": signer["signer_name"],
            "signer_authority": signer["signature_authority"],
            "funding_source": f"nguồn kinh phí thi đua, khen thưởng của {body_name(authority.get('name'))}",
        }

    authority = decision["authority"]
    decisions = [{
        "code": part["authority"]["code"], "name": part["authority"]["name"],
        "authority": {k: v for k, v in part["authority"].items() if k != "code"},
        "decision": decided_by(part["authority"], part["serial"], part["date"],
                               chosen_decision_signer if part.get("is_campaign_authority") else None),
    } for part in decision.get("decisions") or []]
    codes = {part["code"] for part in decisions}
    first = decisions[0]["code"] if decisions else authority.get("code")

    def authority_of(form: Mapping[str, Any]) -> str:
        return form.get("issuer") if form.get("issuer") in codes else first

    return {
        "campaign": {**decision["campaign"], "legal_bases": list(decision["campaign"]["legal_bases"] or [])},
        "round": {"name": decision["round"]["title"]},
        "proposal": {"number": decision["proposal"]["serial"], "date": proposal_date,
                     **({"signer": proposal_signer} if proposal_signer else {})},
        "decision": decided_by(authority, decision["decision"]["serial"], decision["decision"]["date"],
                               chosen_decision_signer),
        "decisions": decisions,
        "awardees": [{
            "kind": a["kind"], "full_name": a["full_name"], "gender": a["gender"], "position": a["position"] or "",
            "workplace": a["workplace"] or "", "unit_name": a["unit_name"],
            "award_form": {key: a["award_form"].get(key) for key in ("code", "name", "title", "family", "issuer")},
            "authority": authority_of(a["award_form"]),
            "achievement": a["achievement"] or "", "rank": a["rank"],
        } for a in decision["awardees"]],
    }


def decision_snapshots(snapshot: Mapping[str, Any]) -> list[dict[str, Any]]:
    """One snapshot per deciding authority: ``{code, name, snapshot}``, the snapshot holding only
    the awardees whose forms that authority decides, with its own decision and signer.

    The forms of one round may belong to different authorities (a title and a commendation
    decided apart); each then issues its own decision, with its own Điều 1 and 2, annex and
    certificates. A snapshot without ``decisions`` is one decision by the campaign's authority.
    """
    parts = snapshot.get("decisions") or []
    if len(parts) <= 1:
        authority = snapshot["campaign"].get("authority") or {}
        code = parts[0]["code"] if parts else None
        return [{"code": code, "name": _line(authority.get("name")), "snapshot": snapshot}]
    result = []
    for part in parts:
        awardees = [a for a in snapshot["awardees"] if a.get("authority") == part["code"]]
        if not awardees:
            continue
        result.append({"code": part["code"], "name": part["name"], "snapshot": {
            **snapshot, "campaign": {**snapshot["campaign"], "authority": part["authority"]},
            "decision": {**snapshot.get("decision", {}), **part["decision"]}, "awardees": awardees,
        }})
    return result
