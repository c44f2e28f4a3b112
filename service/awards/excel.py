"""Excel exchange: the nominee import template and its parser, and the exports.

* ``nominee_template(campaign_metrics, award_forms=())`` — a blank .xlsx with
  Vietnamese headers, drop-down lists and an instructions sheet;
* ``parse_nominees(xlsx_bytes, campaign_metrics, award_forms)`` — the filled
  file read back into nominee dicts, or row-by-row errors (all or nothing);
* ``export_ranking(rows, metrics=())`` and ``export_awardees(rows)`` — lists
  to hand out, with money as numbers in a "đồng" format.

Files come from outside, so reading is defensive: only a real .xlsx of at
most 5 MB is opened, the unpacked size of its parts is checked before
openpyxl reads anything (a small zip can unpack to gigabytes), at most 5,000
nominees are read, text is NFC-normalised and control characters refused.

Exported text that a spreadsheet could take for a formula (=, +, -, @, tab,
CR first) is written as a string cell with a leading apostrophe, the OWASP
mitigation for formula (CSV) injection, so it stays inert even after the
file is re-saved as CSV.

Pure Python + openpyxl: no Flask, no database.
"""

from __future__ import annotations

import io
import re
import unicodedata
import warnings
import zipfile
from decimal import Decimal, InvalidOperation
from typing import Any, Iterable, Iterator, Mapping, Sequence

import openpyxl
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.datavalidation import DataValidation

from .. import office_package
from ..documents.vnformat import format_number
from ..text import find_forbidden_character, normalise_spelling, xml_safe
from .xlsx_writer import Style, stream_sheet, style_indexes
from ..vocabulary import GENDER_LABELS, NOMINEE_KIND_LABELS, allowed_values, value_from_text

__all__ = [
    "MAX_FILE_BYTES",
    "MAX_UNPACKED_BYTES",
    "MAX_ROWS",
    "XLSX_MIME_TYPE",
    "HEADER_KIND",
    "HEADER_NAME",
    "HEADER_GENDER",
    "HEADER_POSITION",
    "HEADER_WORKPLACE",
    "HEADER_AWARD_FORM",
    "HEADER_SUMMARY",
    "metric_header",
    "nominee_template",
    "parse_nominees",
    "form_choices",
    "format_error",
    "export_ranking",
    "export_awardees",
    "stream_ranking",
    "stream_awardees",
    "neutralise_formula",
]

MAX_FILE_BYTES = office_package.MAX_PACKAGE_BYTES
# A 5,000-row nominee list unpacks to a few megabytes; anything far above
# that is a damaged file or a zip bomb.
MAX_UNPACKED_BYTES = office_package.MAX_UNPACKED_BYTES
MAX_ROWS = 5_000
# Cells a row may hold beyond the template's columns, counted before openpyxl reads
# the sheet: stray notes and bordered blank cells are welcome; a row of 16 384 cells is work, not data.
MAX_STRAY_CELLS = 32
# The same bound on figures as the API (FigureValue): a larger number is a typing error
# that would otherwise surface only when a document is generated.
MAX_FIGURE = Decimal(10) ** 12
# Past this many errors the clerk has a systematic problem; the rest would
# only bury the first ones.
MAX_ERRORS = 1_000

XLSX_MIME_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"

HEADER_KIND = "Loại (Tập thể/Cá nhân)"
HEADER_NAME = "Họ và tên (Tên tập thể)"
HEADER_GENDER = "Giới tính (Nam/Nữ)"
HEADER_POSITION = "Chức vụ"
HEADER_WORKPLACE = "Đơn vị công tác"
HEADER_AWARD_FORM = "Hình thức khen thưởng"
# The header of templates handed out before the column took form names; such files are still read.
_FORMER_HEADERS = {"Hình thức khen thưởng (mã)": HEADER_AWARD_FORM}
HEADER_SUMMARY = "Tóm tắt thành tích"

DATA_SHEET = "Danh sách đề nghị"
HELP_SHEET = "Hướng dẫn"
LISTS_SHEET = "Danh mục"

# The words of the kind and gender columns are service.vocabulary's labels; the codes are read too.
_KIND_LABELS = NOMINEE_KIND_LABELS
_GENDER_LABELS = GENDER_LABELS

_TEXT_LIMITS = {HEADER_NAME: 255, HEADER_POSITION: 255, HEADER_WORKPLACE: 255, HEADER_SUMMARY: 4_000}

# Text direction overrides can make a name display differently from what is
# stored (the "Trojan source" trick); no legitimate name needs them.
_BIDI_CONTROLS = set("\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069")

# OWASP "CSV injection": cells whose text starts with one of these may be
# evaluated as a formula by spreadsheet software.
_FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")

_THIN = Side(style="thin", color="000000")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FONT = Font(name="Times New Roman", bold=True, size=12)
_CELL_FONT = Font(name="Times New Roman", size=12)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_WRAP = Alignment(wrap_text=True, vertical="top")
_HEADER_ALIGN = Alignment(wrap_text=True, horizontal="center", vertical="center")
MONEY_FORMAT = '#,##0 "đồng"'
MULTIPLIER_FORMAT = "0.0#"
NUMBER_FORMAT = "#,##0.##"


# --------------------------------------------------------------------------
# Shared helpers
# --------------------------------------------------------------------------

def metric_header(metric: Mapping[str, Any]) -> str:
    """Column header of a metric: its label and, in brackets, its unit."""
    label = _clean_line(metric.get("label") or metric.get("code") or "")
    unit = _clean_line(metric.get("unit") or "")
    return f"{label} ({unit})" if unit else label


def _clean_line(value: Any) -> str:
    return " ".join(unicodedata.normalize("NFC", str(value)).split())


def _header_key(value: Any) -> str:
    return _clean_line(value).casefold() if value is not None else ""


def _minimum(metric: Mapping[str, Any]) -> int | float:
    # Campaign figures are counts, amounts and rates: none is negative
    # unless the campaign says so with an explicit minimum.
    minimum = metric.get("min")
    return 0 if minimum is None else minimum


def _metric_kinds(metric: Mapping[str, Any]) -> tuple[str, ...]:
    return tuple(metric.get("nominee_kinds") or ("collective", "individual"))


def format_error(error: Mapping[str, Any]) -> str:
    """One error as a sentence: ``Dòng 5, cột «Giới tính (Nam/Nữ)»: …``."""
    where = []
    if error.get("row"):
        where.append(f"Dòng {error['row']}")
    if error.get("column"):
        where.append(f"cột «{error['column']}»")
    prefix = ", ".join(where)
    return f"{prefix}: {error['message']}" if prefix else error["message"]


def _error(row: int | None, column: str | None, message: str) -> dict[str, Any]:
    return {"row": row, "column": column, "message": message}


def _save(workbook: openpyxl.Workbook) -> bytes:
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


# --------------------------------------------------------------------------
# The import template
# --------------------------------------------------------------------------

def _columns(metrics: Sequence[Mapping[str, Any]]) -> list[str]:
    return [HEADER_KIND, HEADER_NAME, HEADER_GENDER, HEADER_POSITION, HEADER_WORKPLACE, HEADER_AWARD_FORM,
            *(metric_header(m) for m in metrics), HEADER_SUMMARY]


def nominee_template(campaign_metrics: Sequence[Mapping[str, Any]],
                     award_forms: Sequence[Mapping[str, Any]] = ()) -> bytes:
    """Return a blank nominee list (.xlsx) for a campaign.

    The first sheet holds the headers (one column per metric, with its
    unit) and drop-down lists for the kind, the gender and the award form's
    code; the second sheet explains every column; a hidden sheet holds the
    lists. ``award_forms`` (the campaign's ``{code, name, nominee_kinds}``)
    fills the award form list and the instructions.
    """
    metrics = list(campaign_metrics)
    forms = list(award_forms)
    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.title = DATA_SHEET
    headers = _columns(metrics)
    for index, header in enumerate(headers, start=1):
        cell = sheet.cell(row=1, column=index, value=header)
        cell.font, cell.fill, cell.alignment, cell.border = _HEADER_FONT, _HEADER_FILL, _HEADER_ALIGN, _BORDER
        width = 45 if header == HEADER_SUMMARY else 14 if header in (HEADER_KIND, HEADER_GENDER) else 24
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.row_dimensions[1].height = 48
    sheet.freeze_panes = "C2"
    last = MAX_ROWS + 1

    def column(header: str) -> str:
        return get_column_letter(headers.index(header) + 1)

    def validate(header: str, validation: DataValidation) -> None:
        validation.add(f"{column(header)}2:{column(header)}{last}")
        sheet.add_data_validation(validation)

    validate(HEADER_KIND, DataValidation(
        type="list", formula1='"Tập thể,Cá nhân"', allow_blank=True, showErrorMessage=True,
        errorTitle="Loại không hợp lệ", error="Chọn «Tập thể» hoặc «Cá nhân».",
    ))
    validate(HEADER_GENDER, DataValidation(
        type="list", formula1='"Nam,Nữ"', allow_blank=True, showErrorMessage=True,
        errorTitle="Giới tính không hợp lệ", error="Chọn «Nam» hoặc «Nữ» (bỏ trống với tập thể).",
    ))
    if forms:
        lists = workbook.create_sheet(LISTS_SHEET)
        lists.sheet_state = "hidden"
        lists.cell(row=1, column=1, value="Hình thức khen thưởng")
        choices = list(dict.fromkeys(form_choices(forms).values()))
        for row, choice in enumerate(choices, start=2):
            lists.cell(row=row, column=1, value=neutralise_formula(choice))
        # A range on another sheet, not an inline list: inline lists are
        # limited to 255 characters.
        reference = f"{quote_sheetname(LISTS_SHEET)}!$A$2:$A${len(choices) + 1}"
        validate(HEADER_AWARD_FORM, DataValidation(
            type="list", formula1=reference, allow_blank=True, showErrorMessage=True,
            errorTitle="Hình thức không hợp lệ", error="Chọn một hình thức khen thưởng trong danh sách.",
        ))
    for metric in metrics:
        minimum = _minimum(metric)
        validate(metric_header(metric), DataValidation(
            type="decimal", operator="greaterThanOrEqual", formula1=str(minimum), allow_blank=True,
            showErrorMessage=True, errorTitle="Số liệu không hợp lệ",
            error=f"Nhập một số không nhỏ hơn {format_number(minimum)}.",
        ))

    _instructions(workbook.create_sheet(HELP_SHEET, 1), metrics, forms)
    return _save(workbook)


def _instructions(sheet, metrics: list[Mapping[str, Any]], forms: list[Mapping[str, Any]]) -> None:
    sheet.column_dimensions["A"].width = 40
    sheet.column_dimensions["B"].width = 90
    lines: list[tuple[str, str]] = [
        ("HƯỚNG DẪN ĐIỀN DANH SÁCH ĐỀ NGHỊ KHEN THƯỞNG", ""),
        ("", ""),
        ("Quy định chung", f"Điền từ dòng 2 của trang «{DATA_SHEET}», mỗi dòng một tập thể hoặc cá nhân; không "
                           "sửa, xóa hay đổi tên dòng tiêu đề. Tối đa "
                           f"{format_number(MAX_ROWS)} dòng, tệp .xlsx không quá 5 MB. Nếu có bất kỳ dòng nào "
                           "sai, cả tệp bị trả lại kèm danh sách lỗi theo từng dòng để sửa."),
        (HEADER_KIND, "Bắt buộc. Chọn «Tập thể» hoặc «Cá nhân»."),
        (HEADER_NAME, "Bắt buộc. Họ và tên đầy đủ của cá nhân, hoặc tên đầy đủ của tập thể; viết trên một dòng."),
        (HEADER_GENDER, "Bắt buộc với cá nhân (để ghi «Ông»/«Bà» trong văn bản); bỏ trống với tập thể."),
        (HEADER_POSITION, "Chức vụ của cá nhân (có thể bỏ trống)."),
        (HEADER_WORKPLACE, "Đơn vị công tác của cá nhân, hoặc đơn vị chủ quản của tập thể."),
        (HEADER_AWARD_FORM, "Bắt buộc. Chọn hình thức khen thưởng trong danh sách bên dưới, đúng với loại "
                            "tập thể hoặc cá nhân của dòng."),
    ]
    for metric in metrics:
        kinds = ", ".join(_KIND_LABELS[k].lower() for k in _metric_kinds(metric) if k in _KIND_LABELS)
        required = "Bắt buộc" if metric.get("required") else "Không bắt buộc"
        text = f"{required} với {kinds}; chỉ điền cho {kinds}. Số, dùng dấu phẩy cho phần thập phân (ví dụ 12,5)."
        if metric.get("unit") == "%":
            text += " Tỷ lệ phần trăm ghi 62,5 hoặc 62,5%."
        if metric.get("min") is not None:
            text += f" Không nhỏ hơn {format_number(metric['min'])}."
        lines.append((metric_header(metric), text))
    lines.append((HEADER_SUMMARY, "Tóm tắt thành tích (có thể xuống dòng trong ô bằng Alt+Enter)."))
    if forms:
        lines += [("", ""), ("Hình thức khen thưởng", "Áp dụng cho")]
        applies: dict[str, list[str]] = {}
        for form, choice in zip(forms, form_choices(forms).values()):
            applies.setdefault(choice, []).extend(_KIND_LABELS.get(k, k).lower() for k in form.get("nominee_kinds") or ())
        for choice, kinds in applies.items():
            lines.append((choice, ", ".join(dict.fromkeys(kinds))))
    for row, (left, right) in enumerate(lines, start=1):
        a = sheet.cell(row=row, column=1, value=neutralise_formula(left))
        b = sheet.cell(row=row, column=2, value=neutralise_formula(right))
        a.font = _HEADER_FONT if left and (row == 1 or right) else _CELL_FONT
        b.font = _CELL_FONT
        a.alignment = b.alignment = _WRAP


# --------------------------------------------------------------------------
# Reading a filled file
# --------------------------------------------------------------------------

# What the shared package check finds, said about a nominee list.
_PACKAGE_MESSAGES = {
    "missing": "Không nhận được nội dung tệp.",
    "empty": "Tệp rỗng.",
    "too_large": "Tệp quá lớn: tối đa 5 MB.",
    "not_zip": "Tệp không phải là tệp Excel .xlsx (tệp .xls cũ hoặc .csv cần lưu lại dưới dạng .xlsx).",
    "damaged": "Tệp .xlsx bị hỏng, không mở được.",
    "unpacks_too_large": "Tệp có dung lượng giải nén bất thường (nghi tệp độc hại), không xử lý.",
    "not_this_format": "Tệp không phải là tệp Excel .xlsx.",
    "macro": "Tệp có chứa macro; hãy lưu lại dưới dạng .xlsx thông thường.",
    "unsafe_name": "Tệp có thành phần mang tên không hợp lệ (chứa «..» hoặc đường dẫn tuyệt đối), không xử lý.",
    "external_link": "Tệp có liên kết ra ngoài; hãy bỏ liên kết rồi lưu lại.",
}


def _check_package(data: Any, columns: int) -> list[dict[str, Any]]:
    """File-level refusals, decided before openpyxl reads anything."""
    problem = office_package.package_problem(data, office_package.XLSX, max_bytes=MAX_FILE_BYTES,
                                             max_unpacked=MAX_UNPACKED_BYTES)
    if problem:
        return [_error(None, None, _PACKAGE_MESSAGES[problem])]
    return _check_extent(data, columns)


_TOO_MANY_ROWS = (f"Tệp có quá {format_number(MAX_ROWS)} dòng dữ liệu; hãy chia thành nhiều tệp.")
_ROW_LIMIT_HINT = (f" Bảng tính chỉ được dùng đến dòng {format_number(MAX_ROWS + 1)} (kể cả dòng trống): hãy xóa "
                   "các dòng thừa phía dưới danh sách.")
_ROW_TAG = re.compile(rb"<(?:\w+:)?row\b([^>]*)>")
_ROW_NUMBER = re.compile(rb"\sr\s*=\s*[\"'](\d{1,12})[\"']")
_CELL_TAG = re.compile(rb"<(?:\w+:)?c\b")
_STRING_TAG = re.compile(rb"<(?:\w+:)?si\b")
_CHUNK = 2**20


def _check_extent(data: Any, columns: int) -> list[dict[str, Any]]:
    """Count the rows and cells of every sheet, and the shared strings, from the raw XML.

    openpyxl trusts a sheet's declared dimension (and pads every row to it),
    fills the gap before a row numbered a million with empty rows, and parses
    every row element and every cell it meets; so the extent is checked first,
    by a scan of the bytes that costs milliseconds, whatever the sheet claims.
    A row may hold the template's ``columns`` and a few stray cells.
    """
    per_row = columns + MAX_STRAY_CELLS
    max_cells = (MAX_ROWS + 1) * per_row
    too_wide = [_error(None, None, f"Bảng tính có dòng quá nhiều ô (hơn {format_number(per_row)}); hãy dùng tệp mẫu "
                                   "của phong trào và chỉ điền các cột của mẫu.")]
    try:
        with zipfile.ZipFile(io.BytesIO(bytes(data))) as archive:
            for info in archive.infolist():
                name = info.filename
                if name.startswith("xl/worksheets/") and name.endswith(".xml"):
                    rows = cells = in_row = 0
                    for chunk in _xml_chunks(archive, name):
                        position = 0
                        for match in _ROW_TAG.finditer(chunk):
                            in_row += len(_CELL_TAG.findall(chunk, position, match.start()))
                            if in_row > per_row:
                                return too_wide
                            cells += in_row
                            in_row = 0
                            position = match.end()
                            rows += 1
                            number = _ROW_NUMBER.search(match.group(1))
                            if rows > MAX_ROWS + 1 or (number and int(number.group(1)) > MAX_ROWS + 1):
                                return [_error(None, None, _TOO_MANY_ROWS + _ROW_LIMIT_HINT)]
                        in_row += len(_CELL_TAG.findall(chunk, position))
                        if in_row > per_row or cells + in_row > max_cells:
                            return too_wide
                elif name == "xl/sharedStrings.xml":
                    strings = sum(len(_STRING_TAG.findall(chunk)) for chunk in _xml_chunks(archive, name))
                    if strings > max_cells:
                        return [_error(None, None, "Tệp chứa quá nhiều đoạn chữ; hãy dùng tệp mẫu của phong trào.")]
    except (zipfile.BadZipFile, OSError, EOFError, ValueError, RuntimeError, NotImplementedError):
        return [_error(None, None, "Tệp .xlsx bị hỏng hoặc không đúng định dạng, không đọc được.")]
    return []


def _xml_chunks(archive: zipfile.ZipFile, name: str) -> Iterable[bytes]:
    """A member's bytes in pieces cut after a '>' so that no tag is split between two pieces."""
    carry = b""
    with archive.open(name) as member:
        while True:
            block = member.read(_CHUNK)
            if not block:
                break
            buffer = carry + block
            cut = buffer.rfind(b">") + 1
            if cut == 0 and len(buffer) < 4 * _CHUNK:
                carry = buffer
                continue
            cut = cut or len(buffer)
            carry = buffer[cut:]
            yield buffer[:cut]
    if carry:
        yield carry


class _RowProblem(Exception):
    def __init__(self, column: str, message: str):
        super().__init__(message)
        self.column = column
        self.message = message


def _text(value: Any, column: str, *, multiline: bool = False) -> str:
    """A cell's text, NFC, without control characters; blanks collapsed."""
    if value is None:
        return ""
    if isinstance(value, bool):
        raise _RowProblem(column, "Ô phải chứa chữ, không phải giá trị đúng/sai.")
    if isinstance(value, float) and value.is_integer():
        value = int(value)
    if not isinstance(value, (str, int, float, Decimal)):
        raise _RowProblem(column, "Ô phải chứa chữ (ô đang chứa ngày tháng hoặc giá trị khác).")
    text = str(value)
    if "_x" in text:
        # ECMA-376 writes characters XML cannot hold as _xHHHH_ (Excel saves
        # a line break typed in a cell as "_x000D_"); openpyxl leaves them
        # as they are. Decoded here so that they are judged below.
        text = _OOXML_ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), text)
    text = normalise_spelling(text).replace("\r\n", "\n").replace("\r", "\n")
    for char in text:
        if char == "\n":
            if not multiline:
                raise _RowProblem(column, "Không được xuống dòng trong ô này.")
            continue
        if unicodedata.category(char) == "Cc" or char in _BIDI_CONTROLS:
            raise _RowProblem(column, f"Ô chứa ký tự điều khiển không hợp lệ (mã U+{ord(char):04X}).")
        if find_forbidden_character(char) is not None:
            raise _RowProblem(column, f"Ô chứa ký tự không hợp lệ (mã U+{ord(char):04X}).")
    if multiline:
        text = "\n".join(" ".join(line.split()) for line in text.split("\n")).strip("\n")
    else:
        text = " ".join(text.split())
    limit = _TEXT_LIMITS.get(column)
    if limit and len(text) > limit:
        raise _RowProblem(column, f"Nội dung quá dài: tối đa {format_number(limit)} ký tự.")
    return text


_OOXML_ESCAPE = re.compile("_x([0-9A-Fa-f]{4})_")
_GROUPED = re.compile(r"^\d{1,3}(?:\.\d{3})+(?:,\d+)?$")
_PLAIN = re.compile(r"^\d+(?:,\d+)?$")


def _number(cell: Any, column: str, metric: Mapping[str, Any]) -> int | float | None:
    """A metric's value: an Excel number, or text written the Vietnamese way
    (``1.234``, ``12,5``, ``62,5%``)."""
    value = cell.value
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, bool):
        raise _RowProblem(column, "Ô phải chứa một số.")
    is_percent = metric.get("unit") == "%"
    if isinstance(value, (int, float)):
        number = Decimal(str(value))
        # A cell formatted as a percentage holds 0,625 for "62,5%".
        if is_percent and "%" in (getattr(cell, "number_format", "") or ""):
            number *= 100
    elif isinstance(value, str):
        text = unicodedata.normalize("NFC", value).strip().replace(" ", "").replace("\u00a0", "")
        if is_percent and text.endswith("%"):
            text = text[:-1]
        negative = text.startswith("-")
        digits = text[1:] if negative else text
        if _GROUPED.match(digits):
            digits = digits.replace(".", "")
        elif not _PLAIN.match(digits):
            raise _RowProblem(column, f"«{value.strip()}» không phải là số (dùng dấu phẩy cho phần thập phân, "
                                      "ví dụ 12,5).")
        try:
            number = Decimal(digits.replace(",", "."))
        except InvalidOperation as exc:  # pragma: no cover - the patterns above admit only digits
            raise _RowProblem(column, f"«{value.strip()}» không phải là số.") from exc
        if negative:
            number = -number
    else:
        raise _RowProblem(column, "Ô phải chứa một số.")
    if not number.is_finite():
        raise _RowProblem(column, "Ô phải chứa một số.")
    if abs(number) > MAX_FIGURE:
        raise _RowProblem(column, f"Số quá lớn (tối đa {format_number(int(MAX_FIGURE))}).")
    minimum = _minimum(metric)
    if number < Decimal(str(minimum)):
        raise _RowProblem(column, f"Số liệu phải không nhỏ hơn {format_number(minimum)}.")
    maximum = metric.get("max")
    if maximum is not None and number > Decimal(str(maximum)):
        raise _RowProblem(column, f"Số liệu phải không lớn hơn {format_number(maximum)}.")
    return int(number) if number == number.to_integral_value() else float(number)


def form_choices(forms: Sequence[Mapping[str, Any]]) -> dict[str, str]:
    """What the template's award form column offers for each form (by code): its name ("Giấy khen"),
    or its full title where two forms for the same kind of nominee share a name."""
    choices: dict[str, str] = {}
    for form in forms:
        name = _clean_line(form.get("name") or form.get("code") or "")
        kinds = set(form.get("nominee_kinds") or NOMINEE_KIND_LABELS)
        clash = any(other is not form and _clean_line(other.get("name") or "") == name
                    and kinds & set(other.get("nominee_kinds") or NOMINEE_KIND_LABELS) for other in forms)
        title = _clean_line(form.get("title") or "")
        choice = title if clash and title and title != name else name
        if choice in choices.values() and clash:
            choice = f"{choice} ({len(choices) + 1})"
        choices[form.get("code") or ""] = choice
    return choices


def _award_form(text: str, kind: str, forms: list[Mapping[str, Any]]) -> str:
    """The code of the form a row names: by the template's word for it, its name, its title or its code."""
    if not text:
        raise _RowProblem(HEADER_AWARD_FORM, "Chưa ghi hình thức khen thưởng.")
    wanted = text.casefold()
    choices = form_choices(forms)

    def fits(form: Mapping[str, Any]) -> bool:
        return kind in (form.get("nominee_kinds") or (kind,))

    def matches(form: Mapping[str, Any], key: str) -> bool:
        value = choices[form["code"]] if key == "choice" else form.get(key)
        return _clean_line(value or "").casefold() == wanted

    candidates: list[Mapping[str, Any]] = []
    suitable: list[Mapping[str, Any]] = []
    for key in ("code", "choice", "name", "title"):
        found = [f for f in forms if matches(f, key)]
        candidates = candidates or found
        suitable = [f for f in found if fits(f)]
        if suitable:
            break
    if len(suitable) == 1:
        return suitable[0]["code"]
    offered = ", ".join(dict.fromkeys(f"«{choices[f['code']]}»" for f in forms if fits(f)))
    if candidates and not suitable:
        raise _RowProblem(HEADER_AWARD_FORM, f"Hình thức «{text}» không áp dụng cho "
                                             f"{_KIND_LABELS[kind].lower()}; chọn một trong: {offered}.")
    if len(suitable) > 1:
        raise _RowProblem(HEADER_AWARD_FORM, f"«{text}» ứng với nhiều hình thức; chọn một trong: {offered}.")
    raise _RowProblem(HEADER_AWARD_FORM, f"Hình thức «{text}» không có trong phong trào; chọn một trong: {offered}.")


def _read_row(cells: dict[str, Any], metrics: list[Mapping[str, Any]], metric_columns: dict[str, str],
              forms: list[Mapping[str, Any]], number: int) -> tuple[dict[str, Any], list[dict[str, Any]]]:
    problems: list[dict[str, Any]] = []

    def attempt(function, *args, **kwargs):
        try:
            return function(*args, **kwargs)
        except _RowProblem as problem:
            problems.append(_error(number, problem.column, problem.message))
            return None

    def value(header: str) -> Any:
        cell = cells.get(header)
        return None if cell is None else cell.value

    kind_text = attempt(_text, value(HEADER_KIND), HEADER_KIND)
    kind = value_from_text("nominee_kind", kind_text) if kind_text else None
    if kind is None and kind_text is not None:
        message = "Chưa ghi loại" if not kind_text else f"«{kind_text}» không hợp lệ"
        problems.append(_error(number, HEADER_KIND, f"{message}: chọn một trong: {allowed_values('nominee_kind')}."))
    name = attempt(_text, value(HEADER_NAME), HEADER_NAME)
    if name == "":
        problems.append(_error(number, HEADER_NAME, "Chưa ghi họ và tên (tên tập thể)."))
    gender_text = attempt(_text, value(HEADER_GENDER), HEADER_GENDER)
    gender = None
    if kind == "individual" and gender_text is not None:
        gender = value_from_text("gender", gender_text) if gender_text else None
        if gender is None:
            message = "Chưa ghi giới tính" if not gender_text else f"«{gender_text}» không hợp lệ"
            problems.append(_error(number, HEADER_GENDER, f"{message}: chọn một trong: {allowed_values('gender')}."))
    position = attempt(_text, value(HEADER_POSITION), HEADER_POSITION)
    workplace = attempt(_text, value(HEADER_WORKPLACE), HEADER_WORKPLACE)
    summary = attempt(_text, value(HEADER_SUMMARY), HEADER_SUMMARY, multiline=True)
    form_text = attempt(_text, value(HEADER_AWARD_FORM), HEADER_AWARD_FORM)
    award_form = attempt(_award_form, form_text, kind, forms) if kind and form_text is not None else None

    figures: dict[str, Any] = {}
    for metric in metrics:
        header = metric_columns[metric["code"]]
        cell = cells.get(header)
        figure = attempt(_number, cell, header, metric) if cell is not None else None
        if kind is None:
            continue
        applies = kind in _metric_kinds(metric)
        if figure is not None and not applies:
            problems.append(_error(number, header, f"Chỉ tiêu này không áp dụng cho "
                                                   f"{_KIND_LABELS[kind].lower()}; để trống ô."))
        elif figure is None and applies and metric.get("required") and not any(
                p["column"] == header for p in problems):
            problems.append(_error(number, header, "Chưa ghi số liệu (bắt buộc)."))
        elif figure is not None:
            figures[metric["code"]] = figure
    nominee = {
        "row": number,
        "kind": kind,
        "full_name": name,
        "gender": gender,
        "position": position or None,
        "workplace": workplace or None,
        "award_form": award_form,
        "metrics": figures,
        "achievement_summary": summary or "",
    }
    return nominee, problems


def parse_nominees(
    xlsx_bytes: bytes,
    campaign_metrics: Sequence[Mapping[str, Any]],
    award_forms: Sequence[Mapping[str, Any]],
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Read a filled nominee list; return ``(rows, errors)``.

    ``rows`` are dicts ``{row, kind, full_name, gender, position, workplace,
    award_form (code), metrics {code: number}, achievement_summary}``.
    ``errors`` are dicts ``{row, column, message}`` (row = the Excel row
    number, column = the header as written in the file; both ``None`` for a
    problem with the whole file) with Vietnamese messages. Any error refuses
    the whole file: then ``rows`` is empty.
    """
    metrics = [m for m in campaign_metrics if m.get("code")]
    problems = _check_package(xlsx_bytes, len(_columns(metrics)))
    if problems:
        return [], problems
    forms = [f for f in award_forms if f.get("code")]
    try:
        with warnings.catch_warnings():
            # openpyxl warns about Excel features it does not keep (slicers,
            # extensions); they do not matter for reading values.
            warnings.simplefilter("ignore")
            workbook = openpyxl.load_workbook(io.BytesIO(bytes(xlsx_bytes)), read_only=True, data_only=True)
    except Exception:  # openpyxl raises many kinds of errors on a malformed package
        return [], [_error(None, None, "Tệp .xlsx bị hỏng hoặc không đúng định dạng, không đọc được.")]
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return _parse_sheet(workbook, metrics, forms)
    except _TooManyRows:
        return [], [_error(None, None, _TOO_MANY_ROWS + _ROW_LIMIT_HINT)]
    except Exception:  # a malformed sheet part fails only when its rows are read
        return [], [_error(None, None, "Tệp .xlsx bị hỏng hoặc không đúng định dạng, không đọc được.")]
    finally:
        workbook.close()


class _TooManyRows(Exception):
    pass


def _parse_sheet(workbook, metrics, forms) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    sheet = workbook[DATA_SHEET] if DATA_SHEET in workbook.sheetnames else workbook.worksheets[0]
    width = len(_columns(metrics)) + MAX_STRAY_CELLS
    # The declared dimension is not trusted: rows are read only up to the limit
    # (one past it, to tell that the sheet goes on) and only as wide as a template can be.
    rows = sheet.iter_rows(min_row=1, max_row=MAX_ROWS + 2, max_col=width)
    header_cells = next(rows, None)
    if not header_cells:
        return [], [_error(None, None, "Tệp không có dòng tiêu đề.")]

    wanted = {_header_key(h): h for h in _columns(metrics)}
    wanted.update({_header_key(old): new for old, new in _FORMER_HEADERS.items()})
    metric_columns = {m["code"]: metric_header(m) for m in metrics}
    # A metric's column may also be headed by its bare label.
    for metric in metrics:
        wanted.setdefault(_header_key(metric.get("label") or ""), metric_header(metric))
    positions: dict[str, int] = {}
    errors: list[dict[str, Any]] = []
    for index, cell in enumerate(header_cells):
        if cell.value is None or not str(cell.value).strip():
            continue
        header = wanted.get(_header_key(cell.value))
        if header is None:
            errors.append(_error(1, _clean_line(cell.value), "Cột không có trong mẫu; hãy dùng tệp mẫu của "
                                                             "phong trào."))
        elif header in positions:
            errors.append(_error(1, header, "Cột bị lặp lại."))
        else:
            positions[header] = index
    required = [HEADER_KIND, HEADER_NAME, HEADER_GENDER, HEADER_AWARD_FORM, *metric_columns.values()]
    for header in required:
        if header not in positions:
            errors.append(_error(1, header, "Thiếu cột này ở dòng tiêu đề."))
    if errors:
        return [], errors

    nominees: list[dict[str, Any]] = []
    seen: dict[tuple, int] = {}
    # Read-only sheets yield every row from the second on, blank ones
    # included, so the position is the row number the clerk sees in Excel.
    for number, cells in enumerate(rows, start=2):
        if number > MAX_ROWS + 1:
            raise _TooManyRows
        if not any(c.value is not None and str(c.value).strip() for c in cells):
            continue
        by_header = {h: cells[i] for h, i in positions.items() if i < len(cells)}
        nominee, problems = _read_row(by_header, metrics, metric_columns, forms, number)
        if not problems:
            key = (nominee["kind"], nominee["full_name"].casefold(), (nominee["workplace"] or "").casefold())
            if key in seen:
                problems.append(_error(number, HEADER_NAME, f"Trùng với dòng {seen[key]} (cùng loại, tên và đơn "
                                                            "vị công tác)."))
            else:
                seen[key] = number
        errors += problems
        nominees.append(nominee)
    if not nominees:
        return [], [_error(None, None, "Tệp không có dòng dữ liệu nào.")]
    if len(errors) > MAX_ERRORS:
        hidden = len(errors) - MAX_ERRORS
        errors = errors[:MAX_ERRORS] + [_error(None, None, f"Còn {format_number(hidden)} lỗi khác không hiển thị; "
                                                           "hãy sửa các lỗi trên rồi tải tệp lên lại.")]
    if errors:
        return [], errors
    return nominees, []


# --------------------------------------------------------------------------
# Exports
# --------------------------------------------------------------------------

def neutralise_formula(value: Any) -> Any:
    """Text that a spreadsheet would read as a formula gets a leading apostrophe.

    Non-text values are returned unchanged. Characters XML cannot carry
    are dropped.
    """
    if not isinstance(value, str):
        return value
    value = xml_safe(unicodedata.normalize("NFC", value))
    if value.startswith(_FORMULA_TRIGGERS):
        return "'" + value
    return value


def _amount(value: Any) -> Any:
    if value is None:
        return None
    if isinstance(value, Decimal):
        return int(value) if value == value.to_integral_value() else float(value)
    return value


_EXPORT_STYLES = {
    "number": Style(number_format=NUMBER_FORMAT),
    "multiplier": Style(number_format=MULTIPLIER_FORMAT),
    "money": Style(number_format=MONEY_FORMAT),
    "money_bold": Style(bold=True, number_format=MONEY_FORMAT),
    "bold": Style(bold=True),
}
_STYLE_LIST, _STYLE_INDEX = style_indexes(_EXPORT_STYLES)


def _styled(values: list[Any], styles: Mapping[int, str]) -> list[Any]:
    """One row: text is neutralised (never a formula); ``styles`` names the columns not plain text."""
    row: list[Any] = []
    for index, value in enumerate(values):
        if isinstance(value, str):
            value = neutralise_formula(value) or None
        style = styles.get(index)
        if style is not None and value is not None:
            value = (value, _STYLE_INDEX[style])
        row.append(value)
    return row


def stream_ranking(rows: Iterable[Mapping[str, Any]], metrics: Sequence[Mapping[str, Any]] = ()) -> Iterator[bytes]:
    """A ranking as .xlsx, in chunks as its rows are written.

    ``rows`` are dicts ``{rank, kind, full_name, unit_name, metrics {code:
    number}, score?, note?}`` in ranking order; ``metrics`` (``{code, label,
    unit}``) choose and title the figure columns.
    """
    rows = list(rows)
    metrics = list(metrics)
    has_score = any(row.get("score") is not None for row in rows)
    headers = ["Thứ hạng", "Loại", HEADER_NAME, "Đơn vị", *(metric_header(m) for m in metrics)]
    widths = [10, 12, 32, 32, *([18] * len(metrics))]
    if has_score:
        headers.append("Điểm")
        widths.append(12)
    headers.append("Ghi chú")
    widths.append(30)
    codes = [m.get("code") for m in metrics]
    styles = {4 + index: "number" for index in range(len(codes) + (1 if has_score else 0))}
    kinds = _KIND_LABELS

    def lines() -> Iterator[list[Any]]:
        for row in rows:
            figures = row.get("metrics") or {}
            values = [row.get("rank"), kinds.get(row.get("kind"), row.get("kind") or ""),
                      row.get("full_name") or "", row.get("unit_name") or "",
                      *(_amount(figures.get(code)) for code in codes)]
            if has_score:
                values.append(_amount(row.get("score")))
            values.append(row.get("note") or "")
            yield _styled(values, styles)

    return stream_sheet("Xếp hạng", [neutralise_formula(h) for h in headers], widths, lines(),
                        styles=_STYLE_LIST)


def export_ranking(rows: Iterable[Mapping[str, Any]], metrics: Sequence[Mapping[str, Any]] = ()) -> bytes:
    """A ranking as .xlsx bytes (see :func:`stream_ranking`)."""
    return b"".join(stream_ranking(rows, metrics))


def stream_awardees(rows: Iterable[Mapping[str, Any]]) -> Iterator[bytes]:
    """The awardees and their prize money as .xlsx, with a total row, in chunks.

    ``rows`` are the awardee dicts of the campaign snapshot
    (``service.documents.builders.round``), in the order to print.
    """
    headers = ["STT", "Loại", HEADER_NAME, "Giới tính", HEADER_POSITION, HEADER_WORKPLACE, "Đơn vị đề nghị",
               "Hình thức khen thưởng", "Hệ số (lần mức lương cơ sở)", "Tiền thưởng chưa làm tròn (đồng)",
               "Số tiền thưởng (đồng)", HEADER_SUMMARY]
    widths = [6, 12, 30, 10, 24, 28, 28, 22, 14, 18, 18, 45]
    styles = {8: "multiplier", 9: "money", 10: "money"}

    def lines() -> Iterator[list[Any]]:
        total = 0
        for number, row in enumerate(rows, start=1):
            rounded = row.get("prize_rounded")
            if isinstance(rounded, (int, float, Decimal)) and not isinstance(rounded, bool):
                total += rounded
            yield _styled([
                number, _KIND_LABELS.get(row.get("kind"), row.get("kind") or ""), row.get("full_name") or "",
                _GENDER_LABELS.get(row.get("gender"), ""), row.get("position") or "", row.get("workplace") or "",
                row.get("unit_name") or "", (row.get("award_form") or {}).get("name") or "",
                _amount(row.get("multiplier")), _amount(row.get("prize_raw")), _amount(rounded),
                row.get("achievement") or "",
            ], styles)
        # The total as a number rather than a formula: readers that do not
        # calculate (and our own tests) see it too.
        yield _styled([None, None, "Tổng cộng", *([None] * 7), _amount(total)], {2: "bold", 10: "money_bold"})

    return stream_sheet("Khen thưởng", headers, widths, lines(), styles=_STYLE_LIST)


def export_awardees(rows: Iterable[Mapping[str, Any]]) -> bytes:
    """The awardees as .xlsx bytes (see :func:`stream_awardees`)."""
    return b"".join(stream_awardees(rows))
