"""The one writer of every spreadsheet the product hands out (xlsx and csv), so that no export
can attack the person who opens it (CSV/formula injection, OWASP).

A text cell that starts with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return could be
taken for a formula by Excel or WPS. Here it is always written as text:

- xlsx: the cell's type is string and its style carries the quote prefix (Excel's own ``'``),
  so it is shown as typed, never evaluated, not even after the user edits it; the stored value
  is unchanged, so reading the file back (openpyxl, tablib, our importers) gives the same text;
- csv: the value gets a leading ``'`` (OWASP). A value that already starts with quotes followed
  by one of those characters gets one more, so `csv_unescape` (which our importers apply to
  every csv cell) restores every value exactly.

Only strings are guarded: ints, floats, Decimals, dates and times stay numbers (a negative
number written as a number is not a formula).
"""

from __future__ import annotations

import csv
import datetime
import io
import re
from collections.abc import Iterable, Sequence
from decimal import Decimal

from django.utils import timezone
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font

XLSX_CONTENT_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV_CONTENT_TYPE = "text/csv; charset=utf-8"
CONTENT_TYPES = {"xlsx": XLSX_CONTENT_TYPE, "csv": CSV_CONTENT_TYPE}

# The first characters that make a spreadsheet read a cell as a formula (or a DDE call).
DANGEROUS_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
_CSV_ESCAPED = re.compile(r"^'+[=+\-@\t\r]")

DATE_FORMAT = "yyyy-mm-dd"
DATETIME_FORMAT = "yyyy-mm-dd hh:mm:ss"
TIME_FORMAT = "hh:mm"
BOM = "\ufeff"  # Excel opens a UTF-8 csv with Chinese text correctly only with it

NATIVE_TYPES = (bool, int, float, Decimal, datetime.date, datetime.time)


def is_dangerous(value) -> bool:
    """Whether `value` is text a spreadsheet could take for a formula."""
    return isinstance(value, str) and value.startswith(DANGEROUS_PREFIXES)


def plain(value):
    """The value as a spreadsheet holds it: None, numbers, dates and times as they are (aware
    datetimes as local wall time, which is what Excel shows), anything else as text."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, datetime.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value).replace(tzinfo=None)
        return value
    if isinstance(value, NATIVE_TYPES):
        return value
    return str(value)


# ---------------------------------------------------------------- csv


def csv_escape(value) -> str:
    """One csv field: text that could be a formula gets a leading ``'``."""
    value = plain(value)
    if value is None:
        return ""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, datetime.datetime):
        return value.strftime("%Y-%m-%d %H:%M:%S")
    if not isinstance(value, str):
        return str(value)
    if is_dangerous(value) or _CSV_ESCAPED.match(value):
        return "'" + value
    return value


def csv_unescape(text):
    """The value `csv_escape` was given, for text read from a csv file this module wrote."""
    if isinstance(text, str) and _CSV_ESCAPED.match(text):
        return text[1:]
    return text


def csv_bytes(headers: Sequence, rows: Iterable[Sequence], *, bom: bool = True) -> bytes:
    """A whole csv file (UTF-8, with the BOM Excel needs for Chinese text)."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    if headers:
        writer.writerow([csv_escape(title) for title in headers])
    for row in rows:
        writer.writerow([csv_escape(value) for value in row])
    return ((BOM if bom else "") + out.getvalue()).encode("utf-8")


# ---------------------------------------------------------------- xlsx


def xlsx_cell(
    sheet, value, *, bold: bool = False, decimal_format: str | None = None
) -> WriteOnlyCell:
    """A cell of a write-only sheet: dates and times with a readable format, text that could
    be a formula stored as text with the quote prefix."""
    value = plain(value)
    cell = WriteOnlyCell(sheet, value=value)
    if isinstance(value, datetime.datetime):
        cell.number_format = DATETIME_FORMAT
    elif isinstance(value, datetime.date):
        cell.number_format = DATE_FORMAT
    elif isinstance(value, datetime.time):
        cell.number_format = TIME_FORMAT
    elif isinstance(value, Decimal) and decimal_format:
        cell.number_format = decimal_format
    elif is_dangerous(value):
        # openpyxl types "=..." as a formula when the value is set; make it a string again.
        cell.data_type = "s"
        cell.quotePrefix = True
    if bold:
        cell.font = Font(bold=True)
    return cell


class XlsxSheet:
    """One write-only sheet: rows go out as they are appended."""

    def __init__(self, worksheet, decimal_format: str | None = None):
        self.worksheet = worksheet
        self.decimal_format = decimal_format

    def append(self, values: Iterable, *, bold: bool = False) -> None:
        self.worksheet.append(
            [
                xlsx_cell(self.worksheet, value, bold=bold, decimal_format=self.decimal_format)
                for value in values
            ]
        )

    def header(self, titles: Iterable) -> None:
        self.append(titles, bold=True)


class XlsxWriter:
    """A workbook written row by row (openpyxl's write-only mode), so long exports stream.

    writer = XlsxWriter()
    sheet = writer.sheet("台帐", headers=HEADERS)
    sheet.append(row)
    content = writer.getvalue()
    """

    def __init__(self):
        self.workbook = Workbook(write_only=True)

    def sheet(
        self,
        title: str,
        *,
        headers: Sequence = (),
        widths: dict[str, float] | None = None,
        freeze: str | None = None,
        decimal_format: str | None = None,
    ) -> XlsxSheet:
        """A new sheet; column widths and frozen panes must be set before the first row."""
        worksheet = self.workbook.create_sheet(str(title)[:31])
        for column, width in (widths or {}).items():
            worksheet.column_dimensions[column].width = width
        if freeze:
            worksheet.freeze_panes = freeze
        sheet = XlsxSheet(worksheet, decimal_format)
        if headers:
            sheet.header(headers)
        return sheet

    def getvalue(self) -> bytes:
        out = io.BytesIO()
        self.workbook.save(out)
        return out.getvalue()


def xlsx_bytes(headers: Sequence, rows: Iterable[Sequence], *, title: str = "Sheet1") -> bytes:
    """A one-sheet xlsx file: a bold header row, then the rows."""
    writer = XlsxWriter()
    sheet = writer.sheet(title, headers=headers, freeze="A2" if headers else None)
    for row in rows:
        sheet.append(row)
    return writer.getvalue()


def table_bytes(headers: Sequence, rows: Iterable[Sequence], fmt: str, *, title="Sheet1") -> bytes:
    """A one-table file in `fmt` ("xlsx" or "csv")."""
    if fmt == "csv":
        return csv_bytes(headers, rows)
    if fmt == "xlsx":
        return xlsx_bytes(headers, rows, title=title)
    raise ValueError(f"unknown spreadsheet format {fmt!r} (xlsx or csv)")
