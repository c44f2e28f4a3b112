"""A small streaming .xlsx writer for the exports: one sheet, rows as they come, chunks out.

The exports (a round's ranking, its awardees) are long lists with a handful of
cell looks. openpyxl's write-only mode builds an object per cell and looks its
style up; here each row becomes XML text directly, strings are written inline
(no shared-string table to hold in memory) and the package is zipped as it is
written, so the caller can send each chunk to the client before the next row
is formatted. Everything a reader needs is in the package: content types,
relationships, the workbook, the styles (fonts, fills, borders, number formats)
and the sheet with its column widths and frozen header row.

Text is escaped; a character XML 1.0 cannot hold is refused (``ValueError``),
never written: a file Excel cannot open must not be produced. Infinite or
not-a-number figures are refused the same way.
"""
from __future__ import annotations

import math
import re
import zipfile
from collections.abc import Iterable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any
from xml.sax.saxutils import escape, quoteattr

__all__ = ["Style", "stream_sheet"]

# Characters XML 1.0 cannot hold, and the noncharacters U+FFFE/U+FFFF.
_NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ud800-\udfff\ufffe\uffff]")
_ROWS_PER_CHUNK = 500


class Style:
    """One look of a cell: bold or not, filled header or not, a number format or none."""

    def __init__(self, *, bold: bool = False, header: bool = False, number_format: str | None = None) -> None:
        self.bold, self.header, self.number_format = bold, header, number_format


_CONTENT_TYPES = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
    '<Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
    '<Default Extension="xml" ContentType="application/xml"/>'
    '<Override PartName="/xl/workbook.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>'
    '<Override PartName="/xl/worksheets/sheet1.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
    '<Override PartName="/xl/styles.xml" '
    'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
    '</Types>')
_ROOT_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" '
    'Target="xl/workbook.xml"/></Relationships>')
_WORKBOOK_RELS = (
    '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    '<Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">'
    '<Relationship Id="rId1" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" '
    'Target="worksheets/sheet1.xml"/>'
    '<Relationship Id="rId2" '
    'Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" '
    'Target="styles.xml"/></Relationships>')
_MAIN_NS = 'xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"'
_REL_NS = 'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"'


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def _text(value: str) -> str:
    if _NOT_XML.search(value):
        raise ValueError("text holds a character XML 1.0 cannot hold")
    return escape(value, {"\r": "&#13;"})  # a bare CR would be read back as a line feed


def _workbook(title: str) -> str:
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<workbook {_MAIN_NS} {_REL_NS}><bookViews><workbookView/></bookViews>'
            f'<sheets><sheet name={quoteattr(_text(title)[:31])} sheetId="1" r:id="rId1"/></sheets></workbook>')


def _styles(styles: Sequence[Style], font: str, size: int, fill: str) -> str:
    """Style 0 is the workbook default; style 1 the plain bordered, wrapped text; then each of ``styles``."""
    formats: dict[str, int] = {}
    for style in styles:
        if style.number_format and style.number_format not in formats:
            formats[style.number_format] = 164 + len(formats)
    num_fmts = "".join(f'<numFmt numFmtId="{i}" formatCode={quoteattr(code)}/>' for code, i in formats.items())
    fonts = (f'<fonts count="3"><font><sz val="11"/><name val="Calibri"/></font>'
             f'<font><sz val="{size}"/><name val={quoteattr(font)}/></font>'
             f'<font><b/><sz val="{size}"/><name val={quoteattr(font)}/></font></fonts>')
    fills = ('<fills count="3"><fill><patternFill patternType="none"/></fill>'
             '<fill><patternFill patternType="gray125"/></fill>'
             f'<fill><patternFill patternType="solid"><fgColor rgb="00{fill}"/><bgColor rgb="00{fill}"/>'
             '</patternFill></fill></fills>')
    side = '<{0} style="thin"><color rgb="00000000"/></{0}>'
    borders = ('<borders count="2"><border><left/><right/><top/><bottom/><diagonal/></border>'
               f'<border>{"".join(side.format(s) for s in ("left", "right", "top", "bottom"))}<diagonal/>'
               '</border></borders>')
    wrap = '<alignment vertical="top" wrapText="1"/>'
    centred = '<alignment horizontal="center" vertical="center" wrapText="1"/>'
    xfs = ['<xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>',
           f'<xf numFmtId="0" fontId="1" fillId="0" borderId="1" xfId="0" applyFont="1" applyBorder="1" '
           f'applyAlignment="1">{wrap}</xf>']
    for style in styles:
        number = formats.get(style.number_format or "", 0)
        font_id = 2 if style.bold or style.header else 1
        fill_id = 2 if style.header else 0
        xfs.append(f'<xf numFmtId="{number}" fontId="{font_id}" fillId="{fill_id}" borderId="1" xfId="0" '
                   f'applyNumberFormat="{1 if number else 0}" applyFont="1" applyFill="{1 if fill_id else 0}" '
                   f'applyBorder="1" applyAlignment="1">{centred if style.header else wrap}</xf>')
    return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<styleSheet {_MAIN_NS}>'
            + (f'<numFmts count="{len(formats)}">{num_fmts}</numFmts>' if formats else "")
            + fonts + fills + borders
            + '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
            + f'<cellXfs count="{len(xfs)}">{"".join(xfs)}</cellXfs>'
            + '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
            + '</styleSheet>')


class _Sink:
    """A write-only, unseekable file for zipfile: what it receives is handed out by :meth:`take`."""

    def __init__(self) -> None:
        self._parts: list[bytes] = []

    def write(self, data: bytes) -> int:
        self._parts.append(bytes(data))
        return len(data)

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self._parts = b"".join(self._parts), []
        return data


def _cell(reference: str, value: Any, style: int) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return f'<c r="{reference}" s="{style}" t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int):
        return f'<c r="{reference}" s="{style}"><v>{value}</v></c>'
    if isinstance(value, (float, Decimal)):
        number = float(value)
        if not math.isfinite(number):
            raise ValueError("a figure is not a finite number")
        return f'<c r="{reference}" s="{style}"><v>{number!r}</v></c>'
    text = _text(str(value))
    return f'<c r="{reference}" s="{style}" t="inlineStr"><is><t xml:space="preserve">{text}</t></is></c>'


def stream_sheet(title: str, headers: Sequence[str], widths: Sequence[float], rows: Iterable[Sequence[Any]],
                 *, styles: Sequence[Style] = (), font: str = "Times New Roman", size: int = 12,
                 fill: str = "DDEBF7", freeze_columns: int = 0) -> Iterator[bytes]:
    """Yield a one-sheet .xlsx package in chunks.

    ``rows`` are sequences of values, or of ``(value, style index)`` pairs
    where a cell needs one of ``styles`` (a number format, bold); a plain value
    is bordered, wrapped text. The first row holds ``headers`` (bold, filled,
    centred) and stays in view when scrolling.
    """
    styles = [Style(header=True), *styles]
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=6)
    archive.writestr("[Content_Types].xml", _CONTENT_TYPES)
    archive.writestr("_rels/.rels", _ROOT_RELS)
    archive.writestr("xl/workbook.xml", _workbook(title))
    archive.writestr("xl/_rels/workbook.xml.rels", _WORKBOOK_RELS)
    archive.writestr("xl/styles.xml", _styles(styles, font, size, fill))
    yield sink.take()
    letters = [_column_letter(i) for i in range(1, max(len(headers), 1) + 64)]
    columns = "".join(f'<col min="{i}" max="{i}" width="{w}" customWidth="1" style="1"/>'
                      for i, w in enumerate(widths, start=1))
    top_left = f"{_column_letter(freeze_columns + 1)}2"
    pane = (f'<pane {"xSplit=" + chr(34) + str(freeze_columns) + chr(34) + " " if freeze_columns else ""}'
            f'ySplit="1" topLeftCell="{top_left}" activePane="bottomLeft" state="frozen"/>'
            f'<selection pane="bottomLeft" activeCell="{top_left}" sqref="{top_left}"/>')
    with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
        part.write(('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
                    f'<worksheet {_MAIN_NS} {_REL_NS}><sheetViews><sheetView workbookViewId="0">{pane}'
                    f'</sheetView></sheetViews><sheetFormatPr defaultRowHeight="15"/>'
                    + (f"<cols>{columns}</cols>" if columns else "") + "<sheetData>").encode())
        buffer = ['<row r="1">', *(_cell(f"{letters[i]}1", h, 2) for i, h in enumerate(headers)), "</row>"]
        number = 1
        for number, row in enumerate(rows, start=2):
            buffer.append(f'<row r="{number}">')
            for index, value in enumerate(row):
                style = 1
                if isinstance(value, tuple):
                    value, style = value[0], value[1] + 3
                if index >= len(letters):
                    letters.append(_column_letter(index + 1))
                buffer.append(_cell(f"{letters[index]}{number}", value, style))
            buffer.append("</row>")
            if number % _ROWS_PER_CHUNK == 0:
                part.write("".join(buffer).encode())
                buffer = []
                chunk = sink.take()
                if chunk:
                    yield chunk
        buffer.append("</sheetData></worksheet>")
        part.write("".join(buffer).encode())
    archive.close()
    yield sink.take()


def style_indexes(styles: Mapping[str, Style]) -> tuple[list[Style], dict[str, int]]:
    """The styles in order and each name's index, for ``(value, index)`` cells."""
    names = list(styles)
    return [styles[n] for n in names], {n: i for i, n in enumerate(names)}
