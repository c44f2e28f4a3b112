"""Text hygiene for everything users type: Unicode NFC, no control characters.

Word documents are built from this text; docxtpl would silently turn tabs, form
feeds and other control characters into layout or drop them, so they are
refused here with a message instead of being lost later.
"""
from __future__ import annotations

import unicodedata

from .errors import ValidationFailed

_ALLOWED_IN_MULTILINE = {"\n"}


def find_control_character(value: str, *, multiline: bool = False) -> str | None:
    """Return the first forbidden control character in ``value``, or None."""
    for char in value:
        if multiline and char in _ALLOWED_IN_MULTILINE:
            continue
        if unicodedata.category(char) in {"Cc", "Cs"} or char in "\u2028\u2029":
            return char
    return None


def describe_character(char: str) -> str:
    return f"U+{ord(char):04X}"


def clean_text(value: str, *, field: str, label: str, multiline: bool = False,
               max_length: int | None = None, strip: bool = True) -> str:
    """Normalise ``value`` to NFC and refuse control characters and overlong text.

    ``\\r\\n`` and ``\\r`` become ``\\n`` in multi-line fields, so text pasted from
    Windows keeps its line breaks.
    """
    if multiline:
        value = value.replace("\r\n", "\n").replace("\r", "\n")
    value = unicodedata.normalize("NFC", value)
    if strip:
        value = value.strip()
    bad = find_control_character(value, multiline=multiline)
    if bad is not None:
        raise ValidationFailed(
            f"Trường “{label}” chứa ký tự điều khiển không được phép ({describe_character(bad)}).",
            fields={field: [f"Chứa ký tự điều khiển không được phép ({describe_character(bad)})."]},
        )
    if max_length is not None and len(value) > max_length:
        raise ValidationFailed(
            f"Trường “{label}” dài quá {max_length} ký tự.",
            fields={field: [f"Dài quá {max_length} ký tự."]},
        )
    return value
