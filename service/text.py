"""Text hygiene for everything users type: Unicode NFC, no character that poisons shared output.

Word documents and spreadsheets are XML; XML 1.0 cannot hold control
characters, lone surrogates or the noncharacters U+FFFE and U+FFFF, and docxtpl
would silently turn tabs, form feeds and other control characters into layout
or drop them. One clerk's name with such a character would break every
spreadsheet and document it appears in, for everyone. So they are refused at
every door through :func:`find_forbidden_character` (the one gate, used by the
schemas' :class:`Text` field, :func:`clean_text`, the Excel import and the
command line), and writers drop them as a second line (:func:`xml_safe`).
"""
from __future__ import annotations

import re
import unicodedata

from marshmallow import ValidationError, fields

from .errors import ValidationFailed

_ALLOWED_IN_MULTILINE = {"\n"}
_LINE_SEPARATORS = "\u2028\u2029"

# Noncharacters: U+FDD0..U+FDEF and the last two code points of every plane.
_NONCHARACTERS = "\ufdd0-\ufdef" + "".join(
    f"{chr(plane * 0x10000 + 0xFFFE)}{chr(plane * 0x10000 + 0xFFFF)}" for plane in range(17))
# Everything a writer must drop: what XML 1.0 cannot hold (controls but tab and
# line breaks, surrogates) and the noncharacters.
_NOT_XML = re.compile(f"[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff{_NONCHARACTERS}]")


def is_noncharacter(char: str) -> bool:
    code = ord(char)
    return 0xFDD0 <= code <= 0xFDEF or (code & 0xFFFE) == 0xFFFE


def find_forbidden_character(value: str, *, multiline: bool = False) -> str | None:
    """Return the first character ``value`` may not contain, or None.

    Refused: control characters (a line break only in ``multiline`` text), the
    line and paragraph separators, lone surrogates and Unicode noncharacters.
    """
    for char in value:
        if multiline and char in _ALLOWED_IN_MULTILINE:
            continue
        if unicodedata.category(char) in {"Cc", "Cs"} or char in _LINE_SEPARATORS or is_noncharacter(char):
            return char
    return None


def describe_character(char: str) -> str:
    return f"U+{ord(char):04X}"


def forbidden_character_message(char: str) -> str:
    """Why ``char`` is refused, in Vietnamese, naming its code point."""
    if unicodedata.category(char) == "Cc" or char in _LINE_SEPARATORS:
        return f"Chứa ký tự điều khiển không được phép ({describe_character(char)})."
    return f"Chứa ký tự không hợp lệ ({describe_character(char)})."


# "Uỷ" and "Ủy" are one word with the tone mark set two ways; Decree 30/2020/NĐ-CP's models, and the names
# of the bodies themselves, write "Ủy" ("Ủy ban nhân dân"), so that is the one spelling kept. Only the
# word standing alone changes: a name such as "Thuỷ" keeps the spelling its owner uses.
_UY = re.compile(r"(?<!\w)(?:Uỷ|uỷ|UỶ)(?!\w)")
_UY_SPELLING = {"Uỷ": "Ủy", "uỷ": "ủy", "UỶ": "ỦY"}


def normalise_spelling(value: str) -> str:
    """``value`` in NFC with the one spelling of "Ủy" (input may come decomposed, NFD, or as "Uỷ")."""
    value = unicodedata.normalize("NFC", value)
    return _UY.sub(lambda match: _UY_SPELLING[match.group(0)], value) if "ỷ" in value or "Ỷ" in value else value


def check_text(value: str, *, multiline: bool = False, max_length: int | None = None,
               strip: bool = True) -> tuple[str, str | None]:
    """``value`` normalised (NFC; ``\\r\\n`` and ``\\r`` become ``\\n`` in multi-line text), and the
    reason it is refused, or None when it is acceptable."""
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = normalise_spelling(value)
    if strip:
        value = value.strip()
    bad = find_forbidden_character(value, multiline=multiline)
    if bad is not None:
        return value, forbidden_character_message(bad)
    if max_length is not None and len(value) > max_length:
        return value, f"Dài quá {max_length} ký tự (hiện có {len(value)})."
    return value, None


def clean_text(value: str, *, field: str, label: str, multiline: bool = False,
               max_length: int | None = None, strip: bool = True) -> str:
    """Normalise ``value`` to NFC and refuse forbidden characters and overlong text.

    ``\\r\\n`` and ``\\r`` become ``\\n`` in multi-line fields, so text pasted from
    Windows keeps its line breaks.
    """
    value, problem = check_text(value, multiline=multiline, max_length=max_length, strip=strip)
    if problem is not None:
        raise ValidationFailed(f"Trường “{label}” {problem[0].lower()}{problem[1:]}", fields={field: [problem]})
    return value


def xml_safe(value: str) -> str:
    """``value`` without the characters XML 1.0 cannot hold: the writers' second line of defence."""
    return _NOT_XML.sub("", value)


class Text(fields.String):
    """A string stored in Unicode NFC that passes :func:`check_text`; the one text field of every schema.

    ``multiline`` keeps line breaks (achievement summaries, opinions);
    ``allow_blank`` False refuses an empty or all-space value.
    """

    default_error_messages = {"invalid": "Phải là một chuỗi ký tự.", "blank": "Không được để trống."}

    def __init__(self, *args, multiline: bool = False, max_length: int = 255, allow_blank: bool = True,
                 **kwargs):
        self.multiline = multiline
        self.max_length = max_length
        self.allow_blank = allow_blank
        super().__init__(*args, **kwargs)

    def _deserialize(self, value, attr, data, **kwargs):
        if isinstance(value, bool) or not isinstance(value, str):
            raise self.make_error("invalid")
        text, problem = check_text(value, multiline=self.multiline, max_length=self.max_length)
        if problem is not None:
            raise ValidationError(problem)
        if not self.allow_blank and not text:
            raise self.make_error("blank")
        return text


_FOLD_SPECIAL = str.maketrans({"đ": "d", "Đ": "d", "ð": "d", "Ð": "d"})


def fold_name(value: str) -> str:
    """``value`` without diacritics, in lower case, with single spaces: what name searches compare.

    "Nguyễn Văn Đức" and "nguyen van duc" fold alike. Vietnamese "đ" is a letter of its own, not "d"
    with a mark, so Unicode decomposition leaves it alone; it is folded to "d" here, as people type it.
    """
    decomposed = unicodedata.normalize("NFD", value or "")
    bare = "".join(char for char in decomposed if not unicodedata.combining(char))
    return " ".join(bare.translate(_FOLD_SPECIAL).casefold().split())
