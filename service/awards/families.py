"""Titles and commendations: the two families of award, worded apart in every document.

Law on Emulation and Commendation 06/2022/QH15: *danh hiệu thi đua* (titles, art. 7 and
chapter II: "Lao động tiên tiến", "Chiến sĩ thi đua cơ sở", "Tập thể lao động xuất sắc", "Cờ thi
đua"...) are *recognised* ("công nhận danh hiệu ..."); *hình thức khen thưởng* (commendations,
art. 9 and chapter III: Giấy khen, Bằng khen, Huân chương...) are *given* ("tặng Giấy khen ...").

A campaign file may say which family a form belongs to (``family: title`` or
``family: commendation``); when it does not, the form's prize-table category and then its name
decide. Pure Python: no Flask, no database.
"""
from __future__ import annotations

import unicodedata
from typing import Any, Mapping

TITLE = "title"
COMMENDATION = "commendation"
FAMILIES = (TITLE, COMMENDATION)
FAMILY_LABELS = {TITLE: "danh hiệu thi đua", COMMENDATION: "hình thức khen thưởng"}

# The verb each family takes in a decision, a proposal and the minutes.
VERBS = {TITLE: "công nhận danh hiệu", COMMENDATION: "tặng"}

# Rows of service/awards/prize_multipliers.yaml that are titles (Law 06/2022, art. 7).
TITLE_CATEGORIES = frozenset({
    "chien_si_thi_dua_toan_quoc", "chien_si_thi_dua_cap_tinh", "chien_si_thi_dua_cap_bo",
    "chien_si_thi_dua_co_so", "chien_si_tien_tien", "lao_dong_tien_tien", "tap_the_lao_dong_tien_tien",
    "tap_the_lao_dong_xuat_sac", "don_vi_quyet_thang", "don_vi_tien_tien", "co_thi_dua_chinh_phu",
    "co_thi_dua_cap_tinh", "co_thi_dua_cap_bo",
})

# Names that are titles whatever their category says (compared without case, in NFC).
_TITLE_NAME_PREFIXES = (
    "chiến sĩ thi đua", "chiến sĩ tiên tiến", "lao động tiên tiến", "tập thể lao động",
    "đơn vị quyết thắng", "đơn vị tiên tiến", "cờ thi đua", "gia đình văn hóa", "gia đình văn hoá",
)


def _folded(text: str) -> str:
    return unicodedata.normalize("NFC", text or "").strip().casefold()


def form_family(form: Mapping[str, Any]) -> str:
    """``"title"`` or ``"commendation"`` for an award form dict (as a campaign stores it)."""
    stated = form.get("family")
    if stated in FAMILIES:
        return stated
    if form.get("category") in TITLE_CATEGORIES:
        return TITLE
    name = _folded(form.get("name") or "")
    if name.startswith("danh hiệu") or name.startswith(_TITLE_NAME_PREFIXES):
        return TITLE
    return COMMENDATION


def is_title(form: Mapping[str, Any]) -> bool:
    return form_family(form) == TITLE


def award_object(form: Mapping[str, Any]) -> str:
    """What follows the verb: ``danh hiệu “Chiến sĩ thi đua cơ sở”`` for a title, ``Giấy khen`` otherwise."""
    name = (form.get("name") or "").strip()
    if not is_title(form):
        return name
    if _folded(name).startswith("danh hiệu"):
        name = name[len("danh hiệu"):].strip().strip("“”\"")
    return f"danh hiệu “{name}”"


def award_phrase(form: Mapping[str, Any]) -> str:
    """The verb and its object: ``công nhận danh hiệu “Chiến sĩ thi đua cơ sở”`` or ``tặng Giấy khen``."""
    if is_title(form):
        return f"công nhận {award_object(form)}"
    return f"tặng {award_object(form)}"
