"""The one check of an uploaded Office package (.docx, .xlsx), made before any parser reads it.

A Word template or an Excel list comes from outside: it may not be a zip at
all, be a zip bomb (a few hundred kilobytes unpacking to gigabytes), carry
thousands of members, or hold macros. ``package_problem`` looks only at the
zip's directory (names and declared sizes; zipfile later stops reading a
member at its declared size and checks its CRC, so the declared sizes bound
what any parser can unpack) and names the first problem found. Each caller
words the problem for its users (``service.awards.custom_templates`` for Word
templates, ``service.awards.excel`` for nominee lists).

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import io
import re
import zipfile
from dataclasses import dataclass
from typing import Any

__all__ = [
    "DOCX",
    "MAX_PACKAGE_BYTES",
    "MAX_UNPACKED_BYTES",
    "MAX_MEMBERS",
    "MAX_RATIO",
    "PROBLEMS",
    "XLSX",
    "PackageFormat",
    "package_problem",
]

# A nominee list of a few thousand rows, or a Word template with a logo, is far below this.
MAX_PACKAGE_BYTES = 5 * 2**20
# Such files unpack to a few megabytes; far more is a damaged file or a zip bomb.
MAX_UNPACKED_BYTES = 50 * 2**20
MAX_MEMBERS = 1_000
# Office XML deflates about tenfold; a member that unpacks to hundreds of times
# its packed size is filler (runs of one byte), counted only past RATIO_FLOOR so
# that small, very regular parts (an empty sheet, a style list) stay welcome.
MAX_RATIO = 200
RATIO_FLOOR = 2**20

# What package_problem can answer, in the order it checks.
PROBLEMS = ("missing", "empty", "too_large", "not_zip", "damaged", "unpacks_too_large", "unsafe_name",
            "not_this_format", "macro", "external_link")

_ZIP_MAGIC = b"PK\x03\x04"
_CONTENT_TYPES = "[Content_Types].xml"


@dataclass(frozen=True)
class PackageFormat:
    """Parts that tell one Office format from another."""

    main_part: str
    macro_part: str
    # Whether a relationship may point outside the package (a URL, a file on a share).
    allows_external: bool = True


# A template is copied into every document made from it: a link out (an image fetched
# from a server, a file on a share) would leak, or fetch, on every opening.
DOCX = PackageFormat(main_part="word/document.xml", macro_part="word/vbaProject.bin", allows_external=False)
XLSX = PackageFormat(main_part="xl/workbook.xml", macro_part="xl/vbaProject.bin")


def package_problem(data: Any, expected: PackageFormat, *, max_bytes: int = MAX_PACKAGE_BYTES,
                    max_unpacked: int = MAX_UNPACKED_BYTES, max_members: int = MAX_MEMBERS) -> str | None:
    """The first problem of ``data`` as an upload of format ``expected``, or None when it may be opened.

    Problems (see ``PROBLEMS``): ``missing`` (not bytes), ``empty``,
    ``too_large`` (more than ``max_bytes``), ``not_zip`` (no zip signature:
    a .doc, .xls or .csv), ``damaged`` (the zip directory does not read),
    ``unpacks_too_large`` (more than ``max_members`` members, more than
    ``max_unpacked`` bytes unpacked, or a member unpacking to more than
    ``MAX_RATIO`` times its packed size), ``unsafe_name`` (a member named
    with ``..``, or an absolute path), ``not_this_format`` (no content
    types part or no main part of ``expected``), ``macro``,
    ``external_link`` (a relationship with ``TargetMode="External"``, for a
    format that does not allow them).
    """
    if not isinstance(data, (bytes, bytearray, memoryview)):
        return "missing"
    if len(data) == 0:
        return "empty"
    if len(data) > max_bytes:
        return "too_large"
    if bytes(data[:4]) != _ZIP_MAGIC:
        return "not_zip"
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            infos = archive.infolist()
    except (zipfile.BadZipFile, OSError, EOFError, ValueError):
        return "damaged"
    if len(infos) > max_members or sum(info.file_size for info in infos) > max_unpacked:
        return "unpacks_too_large"
    if any(info.file_size > RATIO_FLOOR and info.file_size > MAX_RATIO * max(info.compress_size, 1)
           for info in infos):
        return "unpacks_too_large"
    if any(_unsafe_name(info.filename) for info in infos):
        return "unsafe_name"
    names = {info.filename for info in infos}
    if _CONTENT_TYPES not in names or expected.main_part not in names:
        return "not_this_format"
    if expected.macro_part in names:
        return "macro"
    if not expected.allows_external:
        try:
            with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
                if any(_EXTERNAL.search(archive.read(name)) for name in names if name.endswith(".rels")):
                    return "external_link"
        except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
            return "damaged"
    return None


_EXTERNAL = re.compile(rb"""TargetMode\s*=\s*["']External["']""", re.IGNORECASE)


def _unsafe_name(name: str) -> bool:
    """A member that would land outside the folder it is unpacked into (``../x``, ``/etc/x``, ``C:\\x``)."""
    parts = name.replace("\\", "/").split("/")
    return name.startswith(("/", "\\")) or ".." in parts or (len(name) > 1 and name[1] == ":") or "\0" in name
