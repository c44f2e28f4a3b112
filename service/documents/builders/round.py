"""Contexts of a round's (or a campaign's) award documents: snapshot in, template context out.

Three documents close a campaign (or one of its rounds):

* ``to_trinh_tong_hop`` — the standing agency's consolidated tờ trình to the
  authority (Decree 30/2020/NĐ-CP, Annex III, model 1.4) with its annex list;
* ``quyet_dinh`` — the authority's award decision (model 1.2) with its annex
  list and the prize money;
* ``certificates`` — one Giấy khen / Bằng khen page per awardee, in one file.

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
    (``{code, name}``), ``multiplier`` (number), ``prize_raw`` (int đồng,
    before rounding), ``prize_rounded`` (int đồng), ``achievement`` (summary
    shown in the tờ trình's list); optional ``rank`` (int, for the ranked
    list) and ``citation`` (this awardee's certificate text).

``service.awards.prize.apply_prizes`` fills ``multiplier``, ``prize_raw``
and ``prize_rounded``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Mapping

from .. import collation
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

__all__ = [
    "CAMPAIGN_DOCUMENT_KINDS",
    "CAMPAIGN_DOCUMENT_TITLES",
    "CAMPAIGN_TEMPLATE_DIR",
    "ANNEX_ORDERS",
    "DocumentDataError",
    "campaign_template_path",
    "build_campaign_context",
    "render_campaign_document",
    "snapshot_from_decision",
    "format_amount",
]

CAMPAIGN_DOCUMENT_KINDS = ("to_trinh_tong_hop", "quyet_dinh", "certificates")

CAMPAIGN_DOCUMENT_TITLES = {
    "to_trinh_tong_hop": "Tờ trình đề nghị khen thưởng (tổng hợp)",
    "quyet_dinh": "Quyết định khen thưởng",
    "certificates": "Giấy khen, Bằng khen (bản in)",
}

CAMPAIGN_TEMPLATE_DIR = TEMPLATE_DIR / "campaign"

ANNEX_ORDERS = ("by_unit", "ranked")

_KINDS = ("collective", "individual", "household")
_GROUP_TITLES = {"collective": "TẬP THỂ", "individual": "CÁ NHÂN", "household": "HỘ GIA ĐÌNH"}
_SUB_TITLES = {"collective": "Tập thể", "individual": "Cá nhân", "household": "Hộ gia đình"}


def campaign_template_path(kind: str) -> Path:
    """Return the path of the committed template of a campaign document kind."""
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


def _counts(counts: Mapping[str, int]) -> str:
    """"02 tập thể và 06 cá nhân", leaving out the kinds that are zero."""
    parts = [f"{format_count(counts[kind])} {_SUB_TITLES[kind].lower()}" for kind in _KINDS if counts.get(kind)]
    if len(parts) > 2:
        return ", ".join(parts[:-1]) + " và " + parts[-1]
    return " và ".join(parts)


def _whom(counts: Mapping[str, int]) -> str:
    """"các tập thể, cá nhân" for the subject line."""
    return "các " + ", ".join(_SUB_TITLES[kind].lower() for kind in _KINDS if counts.get(kind))


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


def _count_by_kind(awardees: list[Mapping[str, Any]]) -> dict[str, int]:
    counts = dict.fromkeys(_KINDS, 0)
    for awardee in awardees:
        counts[awardee["kind"]] += 1
    return counts


def _award_short(awardees: list[Mapping[str, Any]], campaign: Mapping[str, Any]) -> str:
    """The award forms' short names ("Giấy khen") for the subject line."""
    names: list[str] = []
    for awardee in awardees:
        name = _clause((awardee.get("award_form") or {}).get("name"))
        if name and name not in names:
            names.append(name)
    if not names:
        return body_name(_clause(_require(campaign, "award_name", "tên hình thức khen thưởng")))
    return " và ".join(names)


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

def _to_trinh_rows(awardees: list[Mapping[str, Any]], order: str) -> list[dict[str, str]]:
    """Rows of the annex: heading rows (``heading`` set) and awardee rows.

    ``by_unit``: one section per proposing unit (Vietnamese order of the
    units' names), collectives then individuals inside it, numbered through
    so that the last number is the total. ``ranked``: one section per kind,
    in the order of the ranking (ties by name), the rank in the note column.
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
            rows.append({"heading": f"{roman(section)}. {_GROUP_TITLES[kind]}"})
            for number, awardee in enumerate(items, start=1):
                rank = awardee.get("rank")
                rows.append(row(number, awardee, f"Xếp hạng {rank}" if rank is not None else ""))
        return rows

    units: dict[str, list[Mapping[str, Any]]] = {}
    for awardee in awardees:
        units.setdefault(_line(awardee.get("unit_name")), []).append(awardee)
    number = 0
    for section, unit_name in enumerate(sorted(units, key=collation.sort_key_text), start=1):
        rows.append({"heading": f"{roman(section)}. {unit_name or 'Đơn vị khác'}"})
        groups = _by_kind(units[unit_name])
        present = [kind for kind in _KINDS if groups[kind]]
        for sub, kind in enumerate(present, start=1):
            rows.append({"heading": f"{sub}. {_SUB_TITLES[kind]}"})
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

    counts = _count_by_kind(awardees)
    counts_text = _counts(counts)
    award = body_name(_clause(_require(campaign, "award_name", "tên hình thức khen thưởng")))
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
    request = (f"{agency_name} kính đề nghị {recipients[0]} xem xét, tặng {award} cho {counts_text} "
               f"đã có thành tích xuất sắc trong {subject} (có danh sách kèm theo).")
    if total:
        request += f" Tổng số tiền thưởng kèm theo là {_money(total)}."
    reference = document_reference(proposal.get("number"), TYPE_TO_TRINH, abbreviation)
    return {
        "issuer": issuer_header(agency),
        "number_line": format_document_number(proposal.get("number"), TYPE_TO_TRINH, abbreviation),
        "place_date": format_place_date(_require(agency, "place_name", "địa danh"), proposal_date),
        "subject": f"Về việc đề nghị tặng {_award_short(awardees, campaign)} cho {_whom(counts)} "
                   f"có thành tích xuất sắc trong {subject}",
        "recipient_lines": recipient_lines,
        "legal_bases": _bases([*(campaign.get("legal_bases") or []), plan]),
        "intro": intro,
        "review": review,
        "request": request,
        "closing": f"Kính trình {recipients[0]} xem xét, quyết định./.",
        "distribution": ["- Như trên;", f"- Lưu: VT, {abbreviation}."],
        "signer": signer_block(agency),
        "annex": {
            "subtitle": f"Tập thể, cá nhân đề nghị tặng {award}",
            # Decree 30/2020 Annex I: an annex names the document it belongs to.
            "attachment_line": f"(Kèm theo Tờ trình số {reference} {format_date_long(proposal_date)} "
                               f"của {agency_name})",
        },
        "rows": _to_trinh_rows(awardees, order),
        "total_line": f"Tổng cộng: {counts_text}./.",
    }


# --------------------------------------------------------------------------
# Quyết định khen thưởng (Decree 30/2020, Annex III, model 1.2) and its list
# --------------------------------------------------------------------------

def _decision_rows(groups: dict[str, list[Mapping[str, Any]]]) -> list[dict[str, str]]:
    rows: list[dict[str, str]] = []
    section = 0
    for kind in _KINDS:
        items = groups[kind]
        if not items:
            continue
        section += 1
        rows.append({"heading": f"{roman(section)}. {_GROUP_TITLES[kind]}"})
        for number, awardee in enumerate(items, start=1):
            rows.append({
                "heading": "",
                "stt": str(number),
                "name": _display_name(awardee),
                "position": _position(awardee),
                "amount": format_amount(_prize(awardee)),
            })
    return rows


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
    groups = _by_kind(awardees)
    counts = _count_by_kind(awardees)
    counts_text = _counts(counts)
    total = sum(_prize(a) for a in awardees)

    award = body_name(_clause(_require(campaign, "award_name", "tên hình thức khen thưởng")))
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

    if total:
        funding = _clause(_require(decision, "funding_source", "nguồn kinh phí khen thưởng"))
        article_2 = (f"Tặng kèm theo {_award_short(awardees, campaign)} tiền thưởng theo quy định, tổng số tiền "
                     f"là {_money(total)}; mức thưởng của từng tập thể, cá nhân theo danh sách kèm theo. "
                     f"Kinh phí khen thưởng được chi từ {funding}.")
    else:
        article_2 = "Hình thức khen thưởng tại Điều 1 không kèm theo tiền thưởng."

    executors = [body_name(_clause(e)) for e in decision.get("executors") or [] if _clause(e)]
    if not executors and agency:
        executors = [_proposer_title(proposal, agency), "Thủ trưởng các cơ quan, đơn vị có liên quan"]
    named = f"{_whom(counts)} có tên tại Điều 1"
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
        "subject": f"Về việc tặng {_award_short(awardees, campaign)} cho {_whom(counts)} "
                   f"đã có thành tích xuất sắc trong {subject}",
        "issuer_title": issuer_title.upper(),
        "legal_bases": _bases([*(campaign.get("legal_bases") or []), _plan_basis(campaign)]),
        "proposal_line": proposal_line,
        "article_1": f"Tặng {award} cho {counts_text} (có danh sách kèm theo) đã có thành tích xuất sắc "
                     f"trong {subject}.",
        "article_2": article_2,
        "article_3": article_3,
        "distribution": distribution,
        "signer": _decision_signer(decision),
        "annex": {
            "subtitle": f"Tập thể, cá nhân được tặng {award}",
            "attachment_line": f"(Kèm theo Quyết định số {reference} {format_date_long_or_blank(decision_date)} "
                               f"của {issuer_title})",
        },
        "rows": _decision_rows(groups),
        "total_amount": format_amount(total),
        "total_words": f"Số tiền bằng chữ: {money_in_words(total)}.",
        "total_line": f"Danh sách gồm {counts_text}./.",
    }


# --------------------------------------------------------------------------
# Certificates (one page per awardee)
# --------------------------------------------------------------------------

def certificates_context(snapshot: Mapping[str, Any]) -> dict[str, Any]:
    """Context of the printed certificates: one entry per awardee, in the
    order of the decision's list (collectives, then individuals by given name)."""
    campaign, decision = snapshot["campaign"], snapshot["decision"]
    authority = _require(campaign, "authority", "cấp quyết định khen thưởng")
    groups = _by_kind(_awardees(snapshot))
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
    certificates = []
    for kind in _KINDS:
        for awardee in groups[kind]:
            form_name = _line((awardee.get("award_form") or {}).get("name"))
            detail = _position(awardee) if kind == "individual" else _line(awardee.get("workplace"))
            certificates.append({
                **shared,
                "award_title": (form_name or "Giấy khen").upper(),
                "awardee": _display_name(awardee),
                "detail": detail,
                "citation": _text(awardee.get("citation")) or default_citation,
            })
    return {"certificates": certificates}


_BUILDERS: dict[str, Callable[..., dict[str, Any]]] = {
    "to_trinh_tong_hop": to_trinh_tong_hop_context,
    "quyet_dinh": quyet_dinh_context,
    "certificates": certificates_context,
}


def build_campaign_context(kind: str, snapshot: Mapping[str, Any], *, annex_order: str | None = None) -> dict[str, Any]:
    """Build the template context of campaign document ``kind`` from a snapshot.

    ``annex_order`` (``by_unit`` or ``ranked``) applies to the tờ trình's list
    and overrides ``snapshot["proposal"]["annex_order"]``. Raises
    ``DocumentDataError`` (Vietnamese message) when the snapshot lacks what
    the document needs.
    """
    _check_kind(kind)
    try:
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
    proposal and decision numbers, awardees in final order). Before the
    decision is signed its number and date stay empty (the draft leaves them
    to fill in), and the prize money is reckoned on the proposal's date
    (``prize_date``) so the draft shows the amounts; the awardees have no
    prize money yet (``service.awards.prize.apply_prizes`` adds it).
    """
    authority = decision["authority"]
    day = decision["decision"]["date"] or decision["proposal"]["date"]
    signature_authority = authority.get("signature_authority") or ""
    return {
        "campaign": {**decision["campaign"], "legal_bases": list(decision["campaign"]["legal_bases"] or [])},
        "round": {"name": decision["round"]["title"]},
        "proposal": {"number": decision["proposal"]["serial"], "date": decision["proposal"]["date"]},
        "decision": {
            "number": decision["decision"]["serial"], "date": decision["decision"]["date"], "prize_date": day,
            "signer_title": authority.get("signature_title"), "signer_name": authority.get("signer_name"),
            # "TM. ỦY BAN NHÂN DÂN" signs for the body; a decision is signed by its chair or a deputy.
            "signer_authority": "" if signature_authority.startswith("TM.") else signature_authority,
            "funding_source": f"nguồn kinh phí thi đua, khen thưởng của {body_name(authority.get('name'))}",
        },
        "awardees": [{
            "kind": a["kind"], "full_name": a["full_name"], "gender": a["gender"], "position": a["position"] or "",
            "workplace": a["workplace"] or "", "unit_name": a["unit_name"],
            "award_form": {"code": a["award_form"]["code"], "name": a["award_form"]["name"]},
            "achievement": a["achievement"] or "", "rank": a["rank"],
        } for a in decision["awardees"]],
    }
