"""Reports as spreadsheets: one sheet, a title row, a header row, then the rows; figures stay numbers.

Decimal values go to openpyxl as numbers (it writes them exactly as typed), so totals can be summed in the
spreadsheet. Text is always text, never a formula (a customer named "=HYPERLINK(...)" must not run).
"""
import io
from datetime import date, datetime
from decimal import Decimal
from urllib.parse import quote

from flask import Response

from app.catalog.export import FORMULA_STARTS, write_only_cell

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def cell(sheet, value, bold: bool = False):
    """A write-only cell: text always as text (never a formula), amounts and dates formatted, local times naive."""
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.replace(tzinfo=None)  # Excel has no time zones; the value is already the local time
    made = write_only_cell()(sheet, value=value)  # openpyxl is imported by the first spreadsheet only
    if isinstance(value, str):
        made.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            made.quotePrefix = True
    elif isinstance(value, Decimal):
        places = max(0, -value.as_tuple().exponent) if value.is_finite() else 0
        made.number_format = "#,##0." + "0" * places if places else "#,##0"
    elif isinstance(value, datetime):
        made.number_format = "yyyy-mm-dd hh:mm"
    elif isinstance(value, date):
        made.number_format = "yyyy-mm-dd"
    if bold:
        from openpyxl.styles import Font
        made.font = Font(bold=True)
    return made


def xlsx_bytes(title: str, columns: list[tuple[str, str]], rows: list[dict]) -> bytes:
    """The workbook: row 1 the title, row 2 the column labels, then one row per dict (missing keys are blank)."""
    from openpyxl import Workbook
    from openpyxl.utils import get_column_letter
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title[:31] or "Report")  # Excel refuses longer sheet names
    for index, (key, label) in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = max(12, min(40, len(str(label)) * 2 + 2))
    sheet.append([cell(sheet, title, bold=True)])
    sheet.append([cell(sheet, str(label), bold=True) for key, label in columns])
    for row in rows:
        sheet.append([cell(sheet, _plain(row.get(key))) for key, label in columns])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()


def _plain(value):
    """Values openpyxl can write: lazy strings and enums become text, None an empty cell."""
    if value is None or isinstance(value, (str, int, Decimal, date, datetime)):
        return value
    return str(value)


def xlsx_response(filename: str, title: str, columns: list[tuple[str, str]], rows: list[dict]) -> Response:
    """A report as an .xlsx download (columns: (key, label); rows: dicts by key)."""
    if not filename.endswith(".xlsx"):
        filename += ".xlsx"
    # HTTP headers are Latin-1: an ASCII name for old clients, the UTF-8 one (RFC 6266) for the rest.
    ascii_name = filename.encode("ascii", "replace").decode().replace("?", "_").replace('"', "")
    disposition = f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}"
    return Response(xlsx_bytes(title, columns, rows), mimetype=XLSX,
                    headers={"Content-Disposition": disposition, "Cache-Control": "no-store"})
