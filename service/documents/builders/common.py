"""Parts every Word document shares, written one way for all of them.

Decree 30/2020/NĐ-CP, Annex I fixes how an official document opens and
closes: the managing and issuing body at top left (``issuer_header``), the
national name and motto at top right (in the templates), the number and the
place and date line (``service.documents.vnformat``), the legal bases, the
"Nơi nhận" list and the signature block (``signer_block``). The text helpers
below clean what a clerk typed (NFC, one line, no trailing full stop) so that
every document writes the same name the same way.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any, Mapping

from ...text import normalise_spelling
from ..typesetting import balanced_lines, text_width_cm
from ..vnformat import honorific, nfc

__all__ = [
    "HEADER_LINE_CM",
    "TEMPLATE_DIR",
    "TYPE_BIEN_BAN",
    "TYPE_QUYET_DINH",
    "TYPE_TO_TRINH",
    "DocumentDataError",
    "body_name",
    "capitalise",
    "clause",
    "header_name",
    "in_sentence",
    "issuer_header",
    "line",
    "listing",
    "person_name",
    "require",
    "roman",
    "signer_block",
    "split_place",
    "text",
]

# The committed templates live at the repository root, next to the package.
TEMPLATE_DIR = Path(__file__).resolve().parents[3] / "templates_docx"

# Type abbreviations of Decree 30/2020/NĐ-CP, Annex III.
TYPE_TO_TRINH = "TTr"
TYPE_BIEN_BAN = "BB"
TYPE_QUYET_DINH = "QĐ"


class DocumentDataError(ValueError):
    """The snapshot lacks what a document needs; the message is Vietnamese."""


# --------------------------------------------------------------------------
# Text as the documents print it
# --------------------------------------------------------------------------

def text(value: Any) -> str:
    """NFC text with Windows line ends made plain and outer blanks removed; "Uỷ" spelt "Ủy"."""
    if value is None:
        return ""
    result = normalise_spelling(nfc(str(value)))
    if "\r" in result:
        result = result.replace("\r\n", "\n").replace("\r", "\n")
    return result.strip()


def line(value: Any) -> str:
    """One-line text: inner line breaks and runs of blanks become one space."""
    return " ".join(text(value).split())


def clause(value: Any) -> str:
    """Text used inside a sentence: no trailing full stop or semicolon."""
    return line(value).rstrip(" .;,")


def in_sentence(title: str) -> str:
    """Lower the first letter of a title that is used mid-sentence.

    "Đợt cao điểm …" becomes "đợt cao điểm …" after "về"; a title opening
    with an abbreviation ("BHXH …") or a proper name in capitals is kept.
    """
    title = clause(title)
    if len(title) > 1 and title[0].isupper() and title[1].islower():
        return title[0].lower() + title[1:]
    return title


def capitalise(value: str) -> str:
    return value[:1].upper() + value[1:]


def listing(items: list[str]) -> list[str]:
    """"- a;" lines, the last one ending with a full stop (Decree 30 lists)."""
    lines = [f"- {item};" for item in items]
    if lines:
        lines[-1] = lines[-1][:-1] + "."
    return lines


def roman(number: int) -> str:
    """Section numerals of the lists: 1 → "I", 4 → "IV"."""
    numerals = ((1000, "M"), (900, "CM"), (500, "D"), (400, "CD"), (100, "C"), (90, "XC"),
                (50, "L"), (40, "XL"), (10, "X"), (9, "IX"), (5, "V"), (4, "IV"), (1, "I"))
    parts = []
    for value, letters in numerals:
        count, number = divmod(number, value)
        parts.append(letters * count)
    return "".join(parts)


def require(mapping: Mapping[str, Any] | None, key: str, label: str) -> Any:
    """``mapping[key]``, or ``DocumentDataError`` "Thiếu <label>." when it is missing or blank."""
    if not mapping or mapping.get(key) in (None, ""):
        raise DocumentDataError(f"Thiếu {label}.")
    return mapping[key]


# --------------------------------------------------------------------------
# People
# --------------------------------------------------------------------------

def person_name(name: Any, gender: Any) -> str:
    """"Ông Nguyễn Văn An", "Bà Trần Thị Bình", or the bare name when the gender is unknown."""
    name = line(name)
    try:
        title = honorific(gender)
    except ValueError as exc:
        raise DocumentDataError(f"Giới tính không hợp lệ của {name}: {gender!r}.") from exc
    return f"{title} {name}" if title else name



# --------------------------------------------------------------------------
# The issuing body's header and the signature block
# --------------------------------------------------------------------------

# Words that open the name of an administrative unit inside a body's name
# ("ỦY BAN NHÂN DÂN | PHƯỜNG MỸ BÌNH"); longer alternatives first.
# "XÃ HỘI" (society, as in "Lao động - Thương binh và Xã hội") is no place.
_PLACE_WORD = re.compile(r"\b(?:THỊ TRẤN|THỊ XÃ|THÀNH PHỐ|ĐẶC KHU|PHƯỜNG|XÃ(?! HỘI)|TỈNH|QUẬN|HUYỆN)\b")
# The header block's left column is 8.6 cm wide less 2 × 0.05 cm of cell
# padding (templates_docx/build_templates.py, HEADER_WIDTHS_CM); the body
# names are set there in 13 pt capitals (Decree 30/2020, Annex I). A tenth
# of a centimetre is kept free so that a line never touches the edge.
HEADER_LINE_CM = 8.4
HEADER_SIZE_PT = 13
# Custom sets a name longer than this on two lines, broken before its place,
# even when it would fit on one.
_HEADER_LINE_CHARS = 28


def split_place(name: str) -> tuple[str, str]:
    """Split an upper-case body name before its place: ("ỦY BAN NHÂN DÂN", "PHƯỜNG MỸ BÌNH")."""
    found = _PLACE_WORD.search(name, 1)
    if not found:
        return name, ""
    return name[: found.start()].rstrip(" -"), name[found.start():]


# The names a body's name may be shortened to (Decree 30/2020/NĐ-CP, Annex III lists "UBND", "HĐND").
_ABBREVIATIONS = (("Ủy ban nhân dân", "UBND"), ("Hội đồng nhân dân", "HĐND"))
BODY_NAME_PLACES = ("text", "managing", "issuing", "signature")


def _expanded(name: str) -> str:
    for full, short in _ABBREVIATIONS:
        # Not inside a document number ("9936/KH-UBND").
        name = re.sub(rf"(?<![\w/-]){short}(?![\w/-])", full, name)
    return name


def _shortened(name: str) -> str:
    for full, short in _ABBREVIATIONS:
        name = re.sub(rf"(?<!\w){full.upper()}(?!\w)", short, name)
    return name


def _breaks_cleanly(name: str) -> bool:
    """One line, or two broken before the place ("ỦY BAN NHÂN DÂN / PHƯỜNG MỸ BÌNH")."""
    lines = header_name(name).split("\n")
    return len(lines) == 1 or lines == list(split_place(name))


def body_name(value: Any, where: str = "text") -> str:
    """A body's name as Decree 30/2020/NĐ-CP writes it in each place of a document; the one rule of every builder.

    * ``text`` (a sentence, "Kính gửi", a legal basis): in full, "Ủy ban nhân dân phường Mỹ Bình" (Annex III
      allows an abbreviation only where the full name was given before; a document names the body once or twice);
    * ``managing`` (top left, upper line): capitals, on one line when it fits, otherwise with its common words
      shortened as Annex I allows for the managing body ("UBND THÀNH PHỐ LONG XUYÊN");
    * ``issuing`` (top left, bold line): capitals, in full, broken before its place ("ỦY BAN NHÂN DÂN / PHƯỜNG
      MỸ BÌNH") or, when longer, into even lines; a name the clerk typed shortened ("VĂN PHÒNG HĐND VÀ UBND")
      stays as typed when its full form would have to break inside a phrase;
    * ``signature`` ("TM. ỦY BAN NHÂN DÂN"): capitals, in full.

    Always "Ủy", never "Uỷ"; decomposed input is composed first.
    """
    if where not in BODY_NAME_PLACES:
        raise ValueError(f"unknown place of a body's name: {where!r}")
    name = _expanded(line(value))
    if where == "text":
        return name
    name = name.upper()
    if where == "signature":
        return name
    if where == "managing":
        # The managing body stands on one line when it can: shortened ("UBND TỈNH AN GIANG") rather than broken.
        if "\n" not in header_name(name, bold=False):
            return name
        return header_name(_shortened(name), bold=False)
    typed = line(value).upper()
    if typed != name and not _breaks_cleanly(name):
        return header_name(typed)
    return header_name(name)


def header_name(name: str, bold: bool = True) -> str:
    """A body's name in capitals, in lines that fit the header block's column.

    Official headers set "ỦY BAN NHÂN DÂN" and "PHƯỜNG MỸ BÌNH" on two lines
    rather than let the word processor break the name anywhere: a long name
    breaks before its place, and a part still too wide (a long ward name) is
    broken into even lines (``balanced_lines``), so no line is cut and no
    word is left alone. When breaking before the place would take three
    lines or more, and more than breaking the whole name evenly ("UBND"
    alone above a long place), the whole name is broken evenly. ``bold``:
    the issuing body is bold, the managing body above it is not. The "\n"
    become line breaks in the document.
    """
    name = name.upper()

    def measure(value: str) -> float:
        return text_width_cm(value, HEADER_SIZE_PT, bold)

    if len(name) <= _HEADER_LINE_CHARS and measure(name) <= HEADER_LINE_CM:
        return name
    head, place = split_place(name)
    whole = balanced_lines(name, HEADER_LINE_CM, measure)
    if head and place:
        by_place = balanced_lines(head, HEADER_LINE_CM, measure) + balanced_lines(place, HEADER_LINE_CM, measure)
        if len(by_place) <= max(len(whole), 2):
            return "\n".join(by_place)
    return "\n".join(whole)


def issuer_header(unit: Mapping[str, Any]) -> dict[str, str]:
    """Header block (top left) of a document the unit issues: managing body above, the unit below."""
    return {
        "managing_body": body_name(unit.get("managing_body"), "managing"),
        "issuing_body": body_name(require(unit, "issuing_body", "tên cơ quan ban hành"), "issuing"),
    }


def signer_block(holder: Mapping[str, Any], *, authority: str = "signature_authority",
                 title: str = "signature_title", name: str = "signer_name",
                 what: str = "người ký") -> dict[str, str]:
    """The signature block: "TM. ỦY BAN NHÂN DÂN" / "KT. CHỦ TỊCH", the title in capitals, the name.

    ``holder`` is a unit (its own signer), the signer chosen for a document
    (service.operations.officials) or a decision (who signs it); the key
    names say where each line comes from. The authority may hold several
    lines ("TM. ỦY BAN NHÂN DÂN" above "KT. CHỦ TỊCH", Decree 30/2020, Annex I):
    each is kept on its own line (a line break in the document).
    """
    lines = (line(part).upper() for part in text(holder.get(authority)).split("\n"))
    return {
        "authority": "\n".join(body_name(part, "signature") for part in lines if part),
        "title": line(require(holder, title, f"chức danh {what}")).upper(),
        "name": line(require(holder, name, f"họ tên {what}")),
    }
