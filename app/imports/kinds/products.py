"""Products (found again by SKU), with their categories, barcodes and opening stock in one warehouse."""
from decimal import Decimal

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select
from sqlalchemy.orm import selectinload
from wtforms import BooleanField, SelectField

from app.auth.roles import Role
from app.catalog import barcodes
from app.catalog import services as catalog
from app.catalog.models import Barcode, Category, Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.imports import choices
from app.imports import framework as imp
from app.imports.choices import category_names
from app.imports.forms import ImportForm
from app.inventory.models import Warehouse
from app.inventory.services import active_warehouse, default_warehouse
from app.limits import COST, PRICE, QUANTITY
from app.opening import services as opening

PATH_SEPARATORS = ("／", ">", "＞")
FIELDS = ("sku", "name", "spec", "brand", "unit", "sale_price", "purchase_price", "min_stock", "max_stock")


def _category_path(text: str) -> tuple[str, ...]:
    for separator in PATH_SEPARATORS:
        text = text.replace(separator, "/")
    names = tuple(name.strip() for name in text.split("/"))
    if any(not name for name in names):
        raise ValueError(_("“%(path)s” has an empty level; write it like 手机配件/保护壳.", path=text))
    if any(len(name) > 100 for name in names):
        raise ValueError(_("Category names have at most 100 characters."))
    return names


def _barcode(text: str) -> str:
    code = barcodes.normalise(text)
    # A GTIN typed into a number cell loses its leading zeros: 12345678905 was 012345678905.
    if code.isdigit() and len(code) in (7, 11):
        padded = code.zfill(len(code) + 1)
        if barcodes.gtin_check_digit(padded[:-1]) == padded[-1]:
            code = padded
    if code.isdigit() and len(code) in (8, 12, 13) and barcodes.gtin_check_digit(code[:-1]) != code[-1]:
        raise ValueError(_("The barcode %(code)s has a wrong check digit: it should end in %(digit)s.",
                           code=code, digit=barcodes.gtin_check_digit(code[:-1])))
    try:
        barcodes.symbology(code)
    except BusinessRuleError as error:
        raise ValueError(str(error.message)) from None
    return code


COLUMNS_ = (
    imp.Column("sku", ("sku", "编码", "商品编码", "货号"), imp.code(64), required=True, example="CASE-001", width=16,
               as_text=True, help=_l("The product's own code. A SKU that already exists updates that product.")),
    imp.Column("name", ("name", "名称", "商品名称", "品名"), imp.text(200), required=True, example="苹果手机壳",
               width=28, help=_l("The name on documents and labels.")),
    imp.Column("spec", ("spec", "规格", "规格型号"), imp.text(200), example="红色", width=16,
               help=_l("Size, colour, model: whatever tells similar products apart.")),
    imp.Column("category", ("category", "分类", "类别"), _category_path, example="手机配件/保护壳", width=20,
               choices=choices.category_paths,
               help=_l("A path from the top level, e.g. 手机配件/保护壳. Missing categories can be created while "
                       "importing.")),
    imp.Column("brand", ("brand", "品牌"), imp.text(100), width=12, help=_l("The brand, if any.")),
    imp.Column("unit", ("unit", "单位"), imp.text(20), example="个", width=8, choices=choices.unit_names,
               help=_l("The unit stock is counted in (个 if left empty).")),
    imp.Column("barcode", ("barcode", "条码", "条形码"), _barcode, example="6901234567892", width=16, as_text=True,
               help=_l("EAN-13, EAN-8 or UPC-A with a correct check digit, or any other code (printed as Code 128).")),
    imp.Column("sale_price", ("sale_price", "售价", "销售价"), imp.number(PRICE), example="25.00",
               help=_l("The retail price, 2 decimal places.")),
    imp.Column("purchase_price", ("purchase_price", "进价", "采购价"), imp.number(PRICE), example="10.00",
               help=_l("The usual purchase price, 2 decimal places.")),
    imp.Column("min_stock", ("min_stock", "最低库存"), imp.number(QUANTITY),
               help=_l("Below this the product is suggested for reordering.")),
    imp.Column("max_stock", ("max_stock", "最高库存"), imp.number(QUANTITY),
               help=_l("Reorder suggestions fill up to this.")),
    imp.Column("opening_qty", ("opening_qty", "期初数量"), imp.number(QUANTITY), example="40",
               help=_l("New products only: the stock on hand today, posted as opening stock to the warehouse you "
                       "choose.")),
    imp.Column("opening_cost", ("opening_cost", "期初成本"), imp.number(COST), example="9.50",
               help=_l("The opening stock's unit cost (the purchase price if left empty).")),
)
# column -> accepted headers, the first two being what the template and the export write in English and Chinese
COLUMNS = {column.name: column.headers for column in COLUMNS_}
HEADER_FIELDS = {imp.normal(alias): name for name, aliases in COLUMNS.items() for alias in aliases}


class ProductImportForm(ImportForm):
    warehouse_id = SelectField(_l("Warehouse for the opening stock"), coerce=int,
                               description=_l("Used only for rows with an opening quantity."))
    create_categories = BooleanField(_l("Create missing categories"),
                                     description=_l("Otherwise a category that does not exist yet is reported as "
                                                    "an error."))

    def __init__(self, *args, **kwargs):
        warehouse = default_warehouse()
        kwargs.setdefault("warehouse_id", warehouse.id if warehouse else 0)  # when the form does not send one
        super().__init__(*args, **kwargs)
        active = db.session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.name)).all()
        self.warehouse_id.choices = [(0, _("No opening stock"))] + [(w.id, w.name) for w in active]


class Products(imp.Kind):
    name = "products"
    title = _l("Products")
    description = _l("Codes, names, prices, barcodes and categories; new products may bring their opening stock.")
    roles = frozenset({Role.OWNER, Role.PURCHASING})
    order = 10
    key = "sku"
    columns = COLUMNS_
    form = ProductImportForm

    def options(self, form) -> dict:
        warehouse_id = form.warehouse_id.data
        return {"warehouse": active_warehouse(warehouse_id) if warehouse_id else None,
                "create_categories": bool(form.create_categories.data)}

    def find(self, keys):
        found = db.session.scalars(select(Product).options(selectinload(Product.barcodes))
                                   .where(func.lower(Product.sku).in_(keys)))
        return {product.sku.lower(): product for product in found}

    def check_row(self, row, preview, options):
        values, product = row.values, row.existing
        low = values.get("min_stock", product.min_stock if product else Decimal(0))
        high = values.get("max_stock", product.max_stock if product else Decimal(0))
        if high and low > high:
            row.problem("min_stock", _("The minimum stock is above the maximum."))
        if "opening_cost" in values and not values.get("opening_qty"):
            row.problem("opening_cost", _("An opening cost needs an opening quantity."))
        if values.get("opening_qty") and product is not None:
            row.problem("opening_qty", _("SKU %(sku)s already exists: opening stock is taken only with a new "
                                         "product. Leave this empty, or count the stock in a stocktake.",
                                         sku=product.sku))
        qty = values.get("opening_qty") or None
        row.plan["opening_qty"] = qty
        row.plan["opening_cost"] = values.get("opening_cost", values.get("purchase_price", Decimal(0))) if qty else None

    def check(self, preview, options):
        _check_barcodes(preview)
        known = {category_names(c) for c in db.session.scalars(select(Category))}
        new = []
        for row in preview.rows:
            path = row.values.get("category")
            if not path or path in known:
                continue
            if options.get("create_categories"):
                new.append("/".join(path))
            else:
                row.problem("category", _("There is no category %(path)s. Fix the name, or tick “Create missing "
                                          "categories”.", path="/".join(path)))
        if new:
            preview.notes.append(_("New categories:") + " " + "、".join(dict.fromkeys(new)))
        stock_rows = [row for row in preview.rows if row.plan.get("opening_qty")]
        if stock_rows:
            if options.get("warehouse") is None:
                preview.add(None, None, _("Choose the warehouse that receives the opening stock."))
            else:
                preview.notes.append(_("%(num)s of them get opening stock in %(warehouse)s.", num=len(stock_rows),
                                       warehouse=options["warehouse"].name))

    def write(self, actor, preview, options):
        written = imp.Written()
        categories = {category_names(c): c for c in db.session.scalars(select(Category))}
        opening = []
        for row in preview.rows:
            with preview.writing(row):
                values = row.changes(*FIELDS)
                if path := row.values.get("category"):
                    values["category_id"] = _ensure_category(actor, path, categories).id
                if row.existing is not None:
                    catalog.update_product(actor, row.existing, values, barcode=row.values.get("barcode"))
                    written.updated += 1
                else:
                    product = catalog.create_product(actor, values, barcode=row.values.get("barcode"))
                    written.created += 1
                    if row.plan.get("opening_qty"):
                        opening.append((row, product))
        if opening:
            number = post_opening_stock(actor, options["warehouse"], [
                (product, row.plan["opening_qty"], row.plan["opening_cost"]) for row, product in opening])
            written.note = _("Their opening stock was posted as %(number)s.", number=number)
            written.details["opening_stock"] = number
        return written


def post_opening_stock(actor, warehouse, lines: list[tuple[Product, Decimal, Decimal]]) -> str:
    """Post new products' opening stock (product, quantity, unit cost) to `warehouse`; the document's number.

    The one place the product import touches stock: the lines join the warehouse's opening-stock document
    (app.opening), posted through the ledger as the /opening screens and the opening-stock import do, and
    refused the same way once real documents exist.
    """
    db.session.flush()
    try:
        document = opening.set_opening_stock(actor, warehouse, [
            opening.StockLineInput(product.id, qty, cost) for product, qty, cost in lines])
    except BusinessRuleError as error:
        raise imp.ImportFailed([imp.Problem(None, None, str(error.message))]) from None
    return document.number


def _check_barcodes(preview) -> None:
    """A barcode appears once in the file and belongs to no other product."""
    first: dict[str, int] = {}
    for row in preview.rows:
        code = row.values.get("barcode")
        if not code:
            continue
        if code in first:
            row.problem("barcode", _("%(value)s also appears in row %(row)s. Expected each code once per file.",
                                     value=code, row=first[code]))
        else:
            first[code] = row.number
    by_code = {row.values["barcode"]: row for row in preview.rows if row.values.get("barcode")}
    codes = list(by_code)
    for start in range(0, len(codes), 500):
        for code, product_id, name in db.session.execute(
                select(Barcode.code, Product.id, Product.name).join(Barcode.product)
                .where(Barcode.code.in_(codes[start:start + 500]))):
            row = by_code[code]
            if row.existing is None or row.existing.id != product_id:
                row.problem("barcode", _("Barcode %(code)s already belongs to %(name)s.", code=code, name=name))


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


imp.register(Products())
