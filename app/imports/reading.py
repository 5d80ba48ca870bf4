"""Reading an uploaded .xlsx or .csv into a header and rows, with bounded work, and carrying it between requests.

Every way a file can be unreadable or too costly to read ends as a BusinessRuleError with a plain message:
size, unpacked size, cells and XML elements (imports.workload, before openpyxl sees anything), document type
declarations, and time. CSV files are read as UTF-8 (with or without BOM) or, failing that, GB18030 (a superset
of the GBK that Excel in China saves), without asking.
"""
import base64
import csv
import io
import zipfile

from defusedxml import DefusedXmlException
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer

from app.errors import BusinessRuleError
from app.imports import workload

MAX_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip: refuse one that would inflate past this
MAX_ROWS = 1000  # each row is a service call (about 5 ms); larger files belong to the task queue
MAX_COLUMNS = 40
SIGNED_FOR_SECONDS = 24 * 3600


# --- the file between preview and confirm ---------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="imports.file")


def sign_file(filename: str, data: bytes) -> str:
    """The file as a tamper-proof token to carry in a hidden field."""
    return _serializer().dumps({"name": filename, "data": base64.b64encode(data).decode()})


def unsign_file(token: str) -> tuple[str, bytes]:
    """The file a sign_file token carries; refuses tampered, foreign or day-old tokens."""
    try:
        payload = _serializer().loads(token, max_age=SIGNED_FOR_SECONDS)
        name, data = str(payload["name"]), base64.b64decode(payload["data"], validate=True)
    except (BadSignature, KeyError, TypeError, ValueError):
        raise BusinessRuleError(_("The file could not be verified. Please upload it again."), "file",
                                problem="bad-request") from None
    check_size(data)
    return name, data


def check_size(data: bytes) -> None:
    if len(data) > MAX_BYTES:
        raise BusinessRuleError(_("The file is larger than 2 MB. Split it into smaller files."), "file")
    if not data:
        raise BusinessRuleError(_("The file is empty."), "file")


# --- reading ---------------------------------------------------------------------------------------

def read_table(filename: str, data: bytes, max_rows: int = MAX_ROWS) -> tuple[list[str], list[tuple[int, list]]]:
    """The header row and the (row number, cells) of the rows below it, blank rows left out."""
    check_size(data)
    budget = workload.Budget()
    kind = filename.rsplit(".", 1)[-1].lower() if "." in filename else ""
    if kind == "xlsx":
        rows = _xlsx_rows(data, budget)
    elif kind == "csv":
        rows = _csv_rows(data, budget)
    else:
        raise BusinessRuleError(_("Upload an Excel workbook (.xlsx) or a CSV file (.csv). Save older .xls files "
                                  "as .xlsx first."), "file")
    header = next(rows, None)
    if header is None:
        raise BusinessRuleError(_("The file has no rows."), "file")
    too_many = _("At most %(max)s rows per file. Split it into smaller files.", max=max_rows)
    body = []
    for number, cells in rows:
        if number > 3 * max_rows:  # blank rows cost nothing to send but time to read
            raise BusinessRuleError(too_many, "file")
        if any(cell_text(cell) for cell in cells):
            body.append((number, cells))
            if len(body) > max_rows:
                raise BusinessRuleError(too_many, "file")
    names = [cell_text(cell) for cell in header[1]]
    while names and not names[-1]:  # a sheet read MAX_COLUMNS wide pads the header with empty cells
        names.pop()
    return names, body


def _xlsx_rows(data: bytes, budget: workload.Budget):
    import openpyxl  # loaded by the first workbook read, not by every worker at start (about 8 MB)
    unreadable = _("This file is not an Excel workbook (.xlsx) that can be read.")
    try:
        archive = zipfile.ZipFile(io.BytesIO(data))
        if sum(item.file_size for item in archive.infolist()) > MAX_UNZIPPED_BYTES:
            raise BusinessRuleError(_("This workbook is too large once unpacked. Split it into smaller files."),
                                    "file")
        workload.scan_workbook(archive, budget)  # before openpyxl parses anything
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
        try:
            sheet = workbook.worksheets[0]
            for number, cells in enumerate(sheet.iter_rows(max_col=MAX_COLUMNS, values_only=True), start=1):
                budget.check_time()
                yield number, list(cells)
        finally:
            workbook.close()
    except BusinessRuleError:
        raise
    except DefusedXmlException:  # openpyxl parses through defusedxml; the scan should have refused it first
        workload.refuse_doctype()
    except Exception:  # noqa: BLE001 - a damaged upload fails inside the zip or XML readers in many ways
        raise BusinessRuleError(unreadable, "file") from None


def decode_csv(data: bytes) -> str:
    """The text of a CSV file: UTF-8 (a BOM or none), else GB18030, which reads every GBK file Excel saves."""
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise BusinessRuleError(_("The CSV file's text encoding is not UTF-8 or GBK."), "file")


def _csv_rows(data: bytes, budget: workload.Budget):
    text = decode_csv(data)
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text), dialect)
    number = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error:
            # Past csv's field limit (131,072 characters) or a broken quote: no record's text is that long.
            raise BusinessRuleError(_("Row %(row)s could not be read: a field is far too long or a quote is not "
                                      "closed. Check the file in Excel and save it as CSV again.", row=number + 1),
                                    "file") from None
        number += 1
        budget.counted["cells"] += len(cells)
        if budget.counted["cells"] > workload.MAX_CELLS:
            raise workload.TooMuchWork(_("This file has more than %(max)s cells. Keep only the rows and "
                                         "columns to import, or split it into smaller files.", max=f"{workload.MAX_CELLS:,}"),
                                       budget.counted)
        budget.check_time()
        yield number, cells[:MAX_COLUMNS]


def cell_text(cell) -> str:
    """A cell as the text a person sees; whole numbers without '.0', dates as YYYY-MM-DD."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    if hasattr(cell, "isoformat"):  # openpyxl gives date cells as datetime
        text = cell.isoformat()
        return text[:10] if text.endswith("T00:00:00") or len(text) == 10 else text.replace("T", " ")
    return str(cell).strip()
