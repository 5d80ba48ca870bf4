"""Spreadsheets out: the product list (columns by role); the import template is imports.workbooks'.

Headers are the importer's own (Chinese or English by the user's language), so an exported
list can be edited and imported elsewhere. Text is always written as text, never as a formula:
a name like =HYPERLINK(...) must not run when someone opens the file.
"""
import io
from functools import cache

from flask_babel import get_locale
from flask_babel import gettext as _
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from app.auth.roles import sees_cost, sees_sale_price
from app.catalog import services as catalog
from app.catalog.models import Category, Product
from app.extensions import db
from app.imports.kinds.products import COLUMNS, category_names
from app.inventory.models import StockLevel

# Characters that make a spreadsheet treat typed text as a formula (OWASP "CSV injection").
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
MONEY_FORMAT = "0.00"
QUANTITY_FORMAT = "0.###"
WIDTHS = {"sku": 16, "name": 28, "spec": 16, "category": 20, "brand": 12, "unit": 8, "barcode": 16}


def header(name: str) -> str:
    """The column's header in the user's language (the importer accepts either)."""
    locale = get_locale()
    chinese = locale is None or locale.language == "zh"
    return COLUMNS[name][1] if chinese else COLUMNS[name][0]


def product_query(q: str = "", category_id=None, status: str = "active", low: bool = False):
    """Products as the product list filters them: search text, a category with its subcategories,
    active / inactive / all, below minimum stock; in the list's order."""
    query = catalog.search(select(Product), q)
    if category_id:
        query = query.where(Product.category_id.in_(_with_descendants(category_id)))
    if status != "all":
        query = query.where(Product.active.is_(status != "inactive"))
    if low:
        totals = (select(StockLevel.product_id, func.sum(StockLevel.on_hand).label("on_hand"))
                  .group_by(StockLevel.product_id).subquery())
        query = query.outerjoin(totals, totals.c.product_id == Product.id).where(
            func.coalesce(totals.c.on_hand, 0) < Product.min_stock)
    return query.order_by(Product.name, Product.id)


def _with_descendants(category_id: int) -> set[int]:
    children: dict[int | None, list[int]] = {}
    for id_, parent_id in db.session.execute(select(Category.id, Category.parent_id)):
        children.setdefault(parent_id, []).append(id_)
    found, todo = set(), [category_id]
    while todo:
        current = todo.pop()
        if current not in found:
            found.add(current)
            todo.extend(children.get(current, []))
    return found


def export_columns(user) -> list[str]:
    """The columns this user may take away: prices only for roles that see them."""
    columns = ["sku", "name", "spec", "category", "brand", "unit", "barcode"]
    if sees_sale_price(user):
        columns.append("sale_price")
    if sees_cost(user):
        columns.append("purchase_price")
    return columns + ["min_stock", "max_stock"]


def products_xlsx(user, query) -> bytes:
    """The products of `query` (see product_query) as an .xlsx workbook, written row by row."""
    from openpyxl import Workbook  # openpyxl is loaded by the first spreadsheet, not by every worker at start
    columns = export_columns(user)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Products"))
    _header_row(sheet, columns)
    query = query.options(selectinload(Product.barcodes),
                                                          selectinload(Product.category))
    for product in db.session.scalars(query.execution_options(yield_per=500)):
        values = {"sku": product.sku, "name": product.name, "spec": product.spec,
                  "category": "/".join(category_names(product.category)), "brand": product.brand, "unit": product.unit,
                  "barcode": product.barcode or "", "sale_price": product.sale_price,
                  "purchase_price": product.purchase_price, "min_stock": product.min_stock,
                  "max_stock": product.max_stock}
        sheet.append([cell(sheet, values[name], name) for name in columns])
    return _save(workbook)


@cache
def write_only_cell():
    """openpyxl's WriteOnlyCell, imported with the first spreadsheet: openpyxl is about 8 MB and 0.3 s that a
    worker which never exports does not need. Cached, as cells are made by the hundred thousand."""
    from openpyxl.cell import WriteOnlyCell
    return WriteOnlyCell


def cell(sheet, value, name: str | None = None):
    """A cell whose text is always text: never a formula, never an error code, even after editing."""
    made = write_only_cell()(sheet, value=value)
    if isinstance(value, str):
        made.data_type = "s"
        if value.startswith(FORMULA_STARTS):
            made.quotePrefix = True
    elif name in ("sale_price", "purchase_price"):
        made.number_format = MONEY_FORMAT
    elif name in ("min_stock", "max_stock"):
        made.number_format = QUANTITY_FORMAT
    return made


def _header_row(sheet, columns: list[str]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    row = []
    for index, name in enumerate(columns, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = WIDTHS.get(name, 12)
        made = cell(sheet, header(name))
        made.font = Font(bold=True)
        row.append(made)
    sheet.append(row)


def _save(workbook) -> bytes:
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
