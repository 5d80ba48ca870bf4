"""Import products and opening stock from .xlsx or .csv: check every row first, then write all or nothing.

`preview` reads and checks a file without writing anything; `write` creates the products
(through catalog.services.create_product), missing categories and one opening-stock posting,
inside the caller's transaction. Between preview and confirm the file travels in the page,
signed with the app's secret key, so no server keeps state between the two requests.
"""
import base64
import csv
import io
import unicodedata
import zipfile
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

import openpyxl
from defusedxml import DefusedXmlException
from flask import current_app
from flask_babel import gettext as _
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy import func, select

from app.catalog import barcodes, workload
from app.catalog import services as catalog
from app.catalog.models import Barcode, Category, Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind
from app.numbering import next_number

MAX_BYTES = 2 * 1024 * 1024
MAX_UNZIPPED_BYTES = 50 * 1024 * 1024  # an .xlsx is a zip: refuse one that would inflate past this
MAX_ROWS = 1000  # each row is a create_product (about 5 ms); larger files belong to the task queue
MAX_COLUMNS = 40
SIGNED_FOR_SECONDS = 24 * 3600

# field -> accepted headers (compared lower-case, spaces and dashes as underscores); the first two are
# what the template and the export write in English and Chinese.
COLUMNS = {
    "sku": ("sku", "编码", "商品编码", "货号"),
    "name": ("name", "名称", "商品名称", "品名"),
    "spec": ("spec", "规格", "规格型号"),
    "category": ("category", "分类", "类别"),
    "brand": ("brand", "品牌"),
    "unit": ("unit", "单位"),
    "barcode": ("barcode", "条码", "条形码"),
    "sale_price": ("sale_price", "售价", "销售价"),
    "purchase_price": ("purchase_price", "进价", "采购价"),
    "min_stock": ("min_stock", "最低库存"),
    "max_stock": ("max_stock", "最高库存"),
    "opening_qty": ("opening_qty", "期初数量"),
    "opening_cost": ("opening_cost", "期初成本"),
}
HEADER_FIELDS = {alias: name for name, aliases in COLUMNS.items() for alias in aliases}
REQUIRED = ("sku", "name")
LENGTHS = {"sku": 64, "name": 200, "spec": 200, "brand": 100, "unit": 20}
PLACES = {"sale_price": 2, "purchase_price": 2, "min_stock": 3, "max_stock": 3, "opening_qty": 3, "opening_cost": 4}
PATH_SEPARATORS = ("／", ">", "＞")
MAX_NUMBER = Decimal(10) ** 12


@dataclass(frozen=True)
class Problem:
    row: int | None  # the spreadsheet's row number (the header is row 1); None for the whole file
    column: str | None  # the header as written in the file
    message: str

    def __str__(self):
        where = [_("Row %(row)s", row=self.row)] if self.row else []
        where += [self.column] if self.column else []
        return f"{' · '.join(where)}: {self.message}" if where else self.message


@dataclass
class RowPlan:
    row: int
    values: dict  # for create_product
    barcode: str | None
    category: tuple[str, ...]  # names from the root, () for none
    opening_qty: Decimal | None
    opening_cost: Decimal | None


@dataclass
class Preview:
    filename: str
    rows: list[RowPlan] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)
    column_names: dict[str, str] = field(default_factory=dict)  # field -> its header in the file
    ignored_columns: list[str] = field(default_factory=list)
    new_categories: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems and bool(self.rows)

    @property
    def stock_rows(self) -> list[RowPlan]:
        return [row for row in self.rows if row.opening_qty]

    def problems_in(self, row: int) -> list[Problem]:
        return [p for p in self.problems if p.row == row]

    def column(self, name: str) -> str:
        return self.column_names.get(name, name)

    def add(self, row: int | None, name: str | None, message: str) -> None:
        self.problems.append(Problem(row, self.column(name) if name else None, message))


class ImportFailed(BusinessRuleError):
    """The file cannot be imported; `problems` says why, row by row."""

    def __init__(self, problems: list[Problem]):
        super().__init__("; ".join(map(str, problems[:5])), "file")
        self.problems = problems


# --- the file between preview and confirm ---------------------------------------------------------

def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="catalog.import-file")


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

def read_table(filename: str, data: bytes) -> tuple[list[str], list[tuple[int, list]]]:
    """The header row and the (row number, cells) of the rows below it, blank rows left out.

    Every way a file can be unreadable or too costly to read ends here as a BusinessRuleError with a
    plain message; the work is bounded by size, cells, XML elements and time (catalog.workload).
    """
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
    body = []
    for number, cells in rows:
        if number > 3 * MAX_ROWS:  # blank rows cost nothing to send but time to read
            raise BusinessRuleError(_("At most %(max)s products per file. Split it into smaller files.",
                                      max=MAX_ROWS), "file")
        if any(_text(cell) for cell in cells):
            body.append((number, cells))
            if len(body) > MAX_ROWS:
                raise BusinessRuleError(_("At most %(max)s products per file. Split it into smaller files.",
                                          max=MAX_ROWS), "file")
    return [_text(cell) for cell in header[1]], body


def _xlsx_rows(data: bytes, budget: workload.Budget):
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


def _csv_rows(data: bytes, budget: workload.Budget):
    for encoding in ("utf-8-sig", "gb18030"):  # Excel in China saves CSV as GBK
        try:
            text = data.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BusinessRuleError(_("The CSV file's text encoding is not UTF-8 or GBK."), "file")
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
            # Past csv's field limit (131,072 characters) or a broken quote: no product's text is that long.
            raise BusinessRuleError(_("Row %(row)s could not be read: a field is far too long or a quote is not "
                                      "closed. Check the file in Excel and save it as CSV again.", row=number + 1),
                                    "file") from None
        number += 1
        budget.counted["cells"] += len(cells)
        if budget.counted["cells"] > workload.MAX_CELLS:
            raise workload.TooMuchWork(_("This file has more than %(max)s cells. Keep only the product rows and "
                                         "columns, or split it into smaller files.", max=f"{workload.MAX_CELLS:,}"),
                                       budget.counted)
        budget.check_time()
        yield number, cells[:MAX_COLUMNS]


def _text(cell) -> str:
    """A cell as the text a person sees; whole numbers without '.0', other floats by their shortest form."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "1" if cell else "0"
    if isinstance(cell, float) and cell.is_integer():
        return str(int(cell))
    return str(cell).strip()


# --- checking --------------------------------------------------------------------------------------

def preview(filename: str, data: bytes, warehouse=None, create_categories: bool = False) -> Preview:
    """Read and check every row against the file itself and the database; writes nothing."""
    result = Preview(filename)
    try:
        headers, rows = read_table(filename, data)
    except BusinessRuleError as error:
        result.problems.append(Problem(None, None, str(error.message)))
        return result
    columns = _map_columns(headers, result)
    result.column_names = {name: headers[index] for name, index in columns.items()}
    if result.problems:
        return result
    if not rows:
        result.problems.append(Problem(None, None, _("The file has a header row but no products below it.")))
        return result
    categories = {category_names(c): c for c in db.session.scalars(select(Category))}
    for number, cells in rows:
        raw = {name: _text(cells[index]) if index < len(cells) else "" for name, index in columns.items()}
        result.rows.append(_check_row(number, raw, result))
    _check_duplicates(result)
    _check_categories(result, categories, create_categories)
    if result.stock_rows and warehouse is None:
        result.add(None, None, _("Choose the warehouse that receives the opening stock."))
    result.problems.sort(key=lambda p: p.row or 0)
    return result


def _map_columns(headers: list[str], result: Preview) -> dict[str, int]:
    columns = {}
    for index, header in enumerate(headers):
        key = header.strip().lower().replace(" ", "_").replace("-", "_")
        name = HEADER_FIELDS.get(key)
        if name is None:
            if header:
                result.ignored_columns.append(header)
        elif name in columns:
            result.problems.append(Problem(None, header, _("This column appears twice.")))
        else:
            columns[name] = index
    for name in REQUIRED:
        if name not in columns:
            result.problems.append(Problem(None, None, _(
                "The first row must name the columns; the column “%(english)s” (or “%(chinese)s”) is missing.",
                english=COLUMNS[name][0], chinese=COLUMNS[name][1])))
    return columns


def _check_row(number: int, raw: dict, result: Preview) -> RowPlan:
    """The row's plan, as far as it could be read; each problem found is added to `result`."""
    def problem(name, message):
        result.add(number, name, message)

    unstorable = {name for name, text in raw.items() if _unstorable(text)}
    for name in unstorable:
        problem(name, _("Contains a character that cannot be saved (a NUL or another control character). "
                        "Remove it and upload the file again."))
        raw[name] = ""  # checked no further
    for name in REQUIRED:
        if not raw.get(name) and name not in unstorable:
            problem(name, _("This is required."))
    for name, limit in LENGTHS.items():
        if len(raw.get(name, "")) > limit:
            problem(name, _("At most %(max)s characters.", max=limit))
    numbers = {}
    for name, places in PLACES.items():
        if raw.get(name):
            try:
                numbers[name] = _number(raw[name], places)
            except ValueError as error:
                problem(name, str(error))
    if numbers.get("max_stock") and numbers.get("min_stock", 0) > numbers["max_stock"]:
        problem("min_stock", _("The minimum stock is above the maximum."))
    if "opening_cost" in numbers and not numbers.get("opening_qty"):
        problem("opening_cost", _("An opening cost needs an opening quantity."))
    code = _barcode(raw.get("barcode", ""), problem)
    category = _category_path(raw.get("category", ""), problem)
    values = {name: raw[name] for name in ("sku", "name", "spec", "brand", "unit") if raw.get(name)}
    values.update({name: numbers[name] for name in ("sale_price", "purchase_price", "min_stock", "max_stock")
                   if name in numbers})
    qty = numbers.get("opening_qty") or None
    cost = numbers.get("opening_cost", numbers.get("purchase_price", Decimal("0"))) if qty else None
    return RowPlan(number, values, code, category, qty, cost)


def _unstorable(text: str) -> bool:
    """NUL (PostgreSQL refuses it in text), lone surrogates (no encoding can store them) and other control
    characters except tab and line breaks; Excel's _x0000_ escapes and CSV files can carry all of them."""
    return any(unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r" for char in text)


def _number(text: str, places: int) -> Decimal:
    """A non-negative number with at most `places` decimals; ¥ signs and thousands commas allowed."""
    cleaned = text.replace(",", "").replace("，", "").replace("¥", "").replace("￥", "").strip()
    try:
        value = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(_("“%(text)s” is not a number.", text=text)) from None
    if not value.is_finite():
        raise ValueError(_("“%(text)s” is not a number.", text=text))
    if value < 0:
        raise ValueError(_("Cannot be negative."))
    if value >= MAX_NUMBER:
        raise ValueError(_("“%(text)s” is too large.", text=text))
    rounded = value.quantize(Decimal(1).scaleb(-places))
    if rounded != value:
        raise ValueError(_("At most %(places)s decimal places.", places=places))
    return rounded


def _barcode(text: str, problem) -> str | None:
    code = barcodes.normalise(text)
    if not code:
        return None
    # A GTIN typed into a number cell loses its leading zeros: 12345678905 was 012345678905.
    if code.isdigit() and len(code) in (7, 11):
        padded = code.zfill(len(code) + 1)
        if barcodes.gtin_check_digit(padded[:-1]) == padded[-1]:
            code = padded
    if code.isdigit() and len(code) in (8, 12, 13) and barcodes.gtin_check_digit(code[:-1]) != code[-1]:
        problem("barcode", _("The barcode %(code)s has a wrong check digit: it should end in %(digit)s.",
                             code=code, digit=barcodes.gtin_check_digit(code[:-1])))
        return None
    try:
        barcodes.symbology(code)
    except BusinessRuleError as error:
        problem("barcode", str(error.message))
        return None
    return code


def _category_path(text: str, problem) -> tuple[str, ...]:
    for separator in PATH_SEPARATORS:
        text = text.replace(separator, "/")
    if not text.strip():
        return ()
    names = tuple(name.strip() for name in text.split("/"))
    if any(not name for name in names):
        problem("category", _("“%(path)s” has an empty level; write it like 手机配件/保护壳.", path=text))
    elif any(len(name) > 100 for name in names):
        problem("category", _("Category names have at most 100 characters."))
    return names


def _check_duplicates(result: Preview) -> None:
    """SKUs and barcodes must be new: unique within the file and not yet in the database."""
    for name, key in (("sku", lambda r: r.values.get("sku", "").lower()), ("barcode", lambda r: r.barcode)):
        first: dict[str, int] = {}
        for plan in result.rows:
            value = key(plan)
            if not value:
                continue
            if value in first:
                shown = plan.values["sku"] if name == "sku" else plan.barcode
                result.add(plan.row, name, _("%(value)s also appears in row %(row)s.", value=shown, row=first[value]))
            else:
                first.setdefault(value, plan.row)
    by_sku = {plan.values["sku"].lower(): plan for plan in result.rows if plan.values.get("sku")}
    by_code = {plan.barcode: plan for plan in result.rows if plan.barcode}
    for chunk in _chunks(list(by_sku)):
        for sku, name in db.session.execute(select(Product.sku, Product.name).where(func.lower(Product.sku).in_(chunk))):
            plan = by_sku[sku.lower()]
            result.add(plan.row, "sku", _("SKU %(sku)s already exists (%(name)s).", sku=sku, name=name))
    for chunk in _chunks(list(by_code)):
        for code, name in db.session.execute(select(Barcode.code, Product.name).join(Barcode.product)
                                             .where(Barcode.code.in_(chunk))):
            result.add(by_code[code].row, "barcode", _("Barcode %(code)s already belongs to %(name)s.",
                                                        code=code, name=name))


def _check_categories(result: Preview, known: dict, create: bool) -> None:
    for plan in result.rows:
        if not plan.category or plan.category in known:
            continue
        shown = "/".join(plan.category)
        if create:
            if shown not in result.new_categories:
                result.new_categories.append(shown)
        else:
            result.add(plan.row, "category", _(
                "There is no category %(path)s. Fix the name, or tick “Create missing categories”.", path=shown))


def category_names(category: Category | None) -> tuple[str, ...]:
    """The names from the root down to `category` (what a file's category column holds, split)."""
    names = []
    while category is not None:
        names.append(category.name)
        category = category.parent
    return tuple(reversed(names))


def _chunks(items: list, size: int = 500):
    for start in range(0, len(items), size):
        yield items[start:start + size]


# --- writing ---------------------------------------------------------------------------------------

def write(actor, checked: Preview, warehouse=None) -> tuple[list[Product], str | None]:
    """Create every product of a clean preview, then post their opening stock in one ledger posting.

    Writes into the caller's transaction; on any refusal it raises ImportFailed and the caller
    rolls back, so a file lands whole or not at all. Returns the products and the posting's number.
    """
    if not checked.ok:
        raise ImportFailed(checked.problems or [Problem(None, None, _("The file has no products."))])
    made_categories = {category_names(c): c for c in db.session.scalars(select(Category))}
    products, moves = [], []
    for plan in checked.rows:
        try:
            values = dict(plan.values)
            if plan.category:
                values["category_id"] = _ensure_category(actor, plan.category, made_categories).id
            product = catalog.create_product(actor, values, barcode=plan.barcode)
        except BusinessRuleError as error:
            raise ImportFailed([Problem(plan.row, checked.column(error.field) if error.field else None,
                                        str(error.message))]) from None
        products.append(product)
        if plan.opening_qty:
            moves.append((product, plan))
    number = None
    if moves:
        db.session.flush()
        number = next_number("OPN")
        try:
            post_moves(actor, Source("opening", None, number), [
                Move(product.id, warehouse.id, plan.opening_qty, MoveKind.OPENING, unit_cost=plan.opening_cost)
                for product, plan in moves])
        except BusinessRuleError as error:
            raise ImportFailed([Problem(None, None, str(error.message))]) from None
    return products, number


def _ensure_category(actor, path: tuple[str, ...], known: dict) -> Category:
    """The category at `path`, creating missing levels from the root down."""
    parent = None
    for depth in range(1, len(path) + 1):
        prefix = path[:depth]
        if prefix not in known:
            known[prefix] = catalog.create_category(actor, prefix[-1], parent.id if parent else None)
            db.session.flush()
        parent = known[prefix]
    return parent
