"""Opening stock per warehouse (with unit cost), opening receivables per customer and opening payables per supplier.

Each writes through app.opening.services, so an import posts the same documents as the /opening screens: opening
stock through the ledger, open items as opening invoices. Re-importing updates by key (warehouse + SKU; partner +
document number). Once real documents exist the opening figures are locked and every row is refused.
"""
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from sqlalchemy import func, select

from app.auth.roles import Role
from app.catalog.models import Product
from app.db_types import business_today
from app.extensions import db
from app.imports import framework as imp
from app.inventory.models import Warehouse
from app.limits import AMOUNT, COST, QUANTITY
from app.opening import services as opening
from app.opening.models import OpeningStock, OpeningStockLine
from app.partners.models import Customer, Supplier

OPENERS = frozenset({Role.OWNER, Role.FINANCE})


def _model(name: str):
    return {"customer": Customer, "supplier": Supplier}[name]


def _lock_problem(preview) -> bool:
    """Report the lock on the whole file; True when it applies."""
    number = opening.real_document()
    if number is not None:
        preview.add(None, None, _("Opening stock and balances are locked: real documents exist (%(number)s and perhaps "
                                  "more). Correct stock with an adjustment and balances with receipts or payments.",
                                  number=number))
    return number is not None


# --- opening stock ------------------------------------------------------------------------------------------

def _warehouses() -> dict[str, Warehouse]:
    found = {}
    for warehouse in db.session.scalars(select(Warehouse).where(Warehouse.active).order_by(Warehouse.code)):
        found[warehouse.code] = found[warehouse.name] = warehouse
    return found


def _warehouse_names() -> list[str]:
    return list(db.session.scalars(select(Warehouse.name).where(Warehouse.active).order_by(Warehouse.code)))


class OpeningStockImport(imp.Kind):
    name = "opening_stock"
    title = _l("Opening stock")
    description = _l("Each product's quantity and unit cost per warehouse on your first day, posted to the stock "
                     "ledger so stock value and average cost start right.")
    roles = OPENERS
    order = 40
    key = None  # warehouse + SKU, matched in check()
    columns = (
        imp.Column("warehouse", ("warehouse", "仓库"), imp.choice(_warehouses), required=True, example="总仓",
                   choices=_warehouse_names, width=16, help=_l("The warehouse's name or code.")),
        imp.Column("sku", ("sku", "商品编码", "编码", "货号"), imp.code(64), required=True, example="CASE-001",
                   width=16, as_text=True, help=_l("The SKU of a product that already exists (import products first).")),
        imp.Column("qty", ("qty", "期初数量", "数量"), imp.number(QUANTITY), required=True, example="40",
                   help=_l("On hand on your first day. Importing the same warehouse and SKU again replaces it; 0 "
                           "removes it.")),
        imp.Column("unit_cost", ("unit_cost", "单位成本", "期初成本", "成本"), imp.number(COST), required=True,
                   example="9.50", help=_l("What one unit cost, before tax, up to 4 decimal places. It starts the "
                                           "moving average cost.")),
    )

    def check(self, preview, options):
        if _lock_problem(preview):
            return
        skus = {row.values["sku"].lower() for row in preview.rows if row.values.get("sku")}
        products = {}
        keys = sorted(skus)
        for start in range(0, len(keys), 500):
            products.update({p.sku.lower(): p for p in db.session.scalars(
                select(Product).where(func.lower(Product.sku).in_(keys[start:start + 500])))})
        lines = {(line.opening.warehouse_id, line.product_id): line for line in db.session.scalars(
            select(OpeningStockLine).join(OpeningStock))}
        first: dict[tuple, int] = {}
        for row in preview.rows:
            warehouse, sku = row.values.get("warehouse"), row.values.get("sku")
            if warehouse is None or not sku:
                continue
            product = products.get(sku.lower())
            if product is None:
                row.problem("sku", _("There is no product with SKU %(sku)s. Expected the SKU of an existing product "
                                     "(import products first).", sku=sku))
                continue
            key = (warehouse.id, product.id)
            if key in first:
                row.problem("sku", _("%(sku)s in %(warehouse)s also appears in row %(row)s. Expected each product "
                                     "once per warehouse.", sku=sku, warehouse=warehouse.name, row=first[key]))
                continue
            first[key] = row.number
            row.existing = lines.get(key)
            row.plan["product_id"] = product.id
            if row.existing is None and row.values.get("qty") == 0:
                row.problem("qty", _("0 removes a product already entered; %(sku)s has no opening stock in "
                                     "%(warehouse)s. Expected a quantity above 0.", sku=sku, warehouse=warehouse.name))

    def write(self, actor, preview, options):
        written = imp.Written()
        by_warehouse: dict[int, list] = {}
        for row in preview.rows:
            by_warehouse.setdefault(row.values["warehouse"].id, []).append(row)
        numbers = []
        for rows in by_warehouse.values():
            with preview.writing(rows[0]):
                document = opening.set_opening_stock(actor, rows[0].values["warehouse"], [
                    opening.StockLineInput(row.plan["product_id"], row.values["qty"], row.values["unit_cost"])
                    for row in rows])
            numbers.append(document.number)
            for row in rows:
                if row.existing is None:
                    written.created += 1
                else:
                    written.updated += 1
        written.note = _("Opening stock: %(numbers)s.", numbers="、".join(numbers))
        written.details["opening_stock"] = ", ".join(numbers)
        return written


# --- opening receivables and payables -------------------------------------------------------------------------

def _partners(name: str) -> dict[str, object]:
    """Active partners by name, and by code where partners have one."""
    found, model = {}, _model(name)
    for partner in db.session.scalars(select(model).where(model.active).order_by(model.name)):
        found[partner.name] = partner
        if getattr(partner, "code", None):
            found[partner.code] = found[f"{partner.code} {partner.name}"] = partner  # the dropdown's entry too
    return found


def _partner_names(name: str):
    def names() -> list[str]:
        model = _model(name)
        rows = db.session.scalars(select(model).where(model.active).order_by(model.name)).all()
        return [f"{p.code} {p.name}" if getattr(p, "code", None) else p.name for p in rows]
    return names


class OpenItemsImport(imp.Kind):
    side = ""
    order = 50
    key = None  # partner + document number, matched in check()
    roles = OPENERS

    def check(self, preview, options):
        if _lock_problem(preview):
            return
        today, first = business_today(), {}
        existing = {(opening.partner_of(item).id, opening.reference_of(item).lower()): item
                    for item in opening.opening_items(self.side)}
        for row in preview.rows:
            partner, reference = row.values.get("partner"), row.values.get("reference")
            issued, due, amount = row.values.get("issued_on"), row.values.get("due_on"), row.values.get("amount")
            if issued is not None and issued > today:
                row.problem("issued_on", _("%(date)s is in the future. Expected today or earlier.",
                                           date=issued.isoformat()))
            if issued is not None and due is not None and due < issued:
                row.problem("due_on", _("The due date is before the document date. Expected %(date)s or later.",
                                        date=issued.isoformat()))
            if amount is not None and amount <= 0:
                row.problem("amount", _("Expected an amount above 0."))
            if partner is None or not reference:
                continue
            key = (partner.id, reference.lower())
            if key in first:
                row.problem("reference", _("%(number)s of %(partner)s also appears in row %(row)s. Expected each "
                                           "document once.", number=reference, partner=partner.name, row=first[key]))
                continue
            first[key] = row.number
            row.existing = existing.get(key)

    def write(self, actor, preview, options):
        written = imp.Written()
        for row in preview.rows:
            with preview.writing(row):
                values = {"reference": row.values["reference"], "issued_on": row.values["issued_on"],
                          "due_on": row.values.get("due_on"), "amount": row.values["amount"],
                          "notes": row.values.get("notes", "")}
                if row.existing is not None:
                    item = row.existing
                    values["reference"] = opening.reference_of(item)  # the key matched without case: keep it
                    if "due_on" not in row.values:
                        values["due_on"] = item.due_on  # an empty cell leaves it alone
                    if "notes" not in row.values:
                        values["notes"] = item.notes
                    opening.update_opening_item(actor, item, values)
                    written.updated += 1
                else:
                    opening.create_opening_item(actor, self.side, row.values["partner"], values)
                    written.created += 1
        return written


def _item_columns(partner_headers, partner_model: str, partner_help, example_partner):
    return (
        imp.Column("partner", partner_headers, imp.choice(lambda: _partners(partner_model)), required=True,
                   example=example_partner, choices=_partner_names(partner_model), width=22, help=partner_help),
        imp.Column("reference", ("document_number", "单据号", "原单据号", "发票号"), imp.text(50), required=True,
                   example="INV-0091", width=16, as_text=True,
                   help=_l("The document's number in your old books. The same partner and number again updates it.")),
        imp.Column("issued_on", ("document_date", "单据日期", "开票日期"), imp.day(), required=True, example="2026-10-31",
                   width=13, help=_l("The document's date, as YYYY-MM-DD, not after today.")),
        imp.Column("due_on", ("due_date", "到期日"), imp.day(), example="2026-11-30", width=13,
                   help=_l("When it is to be paid; aging and overdue count from it. Empty: the document date plus "
                           "the payment terms.")),
        imp.Column("amount", ("amount", "未结金额", "金额"), imp.number(AMOUNT), required=True, example="1200.00",
                   help=_l("What was still open on it on your first day, tax included, 2 decimal places.")),
        imp.Column("notes", ("notes", "备注"), imp.text(200), width=20, help=_l("Anything worth saying.")),
    )


class OpeningReceivablesImport(OpenItemsImport):
    name = "opening_receivables"
    title = _l("Opening receivables")
    description = _l("Sales slips customers had not paid in full on your first day, with their due dates, so aging "
                     "and statements are right from day one.")
    side = "receivable"  # app.opening.services.RECEIVABLE
    columns = _item_columns(("customer", "客户", "客户名称", "客户编码"), "customer",
                            _l("The customer's code or name, as in JXC (the dropdown gives both)."), "华联超市")


class OpeningPayablesImport(OpenItemsImport):
    name = "opening_payables"
    title = _l("Opening payables")
    description = _l("Supplier invoices you had not paid in full on your first day, with their due dates.")
    side = "payable"  # app.opening.services.PAYABLE
    order = 51
    columns = _item_columns(("supplier", "供应商", "供应商名称", "供应商编码"), "supplier",
                            _l("The supplier's code or name, as in JXC (the dropdown gives both)."), "深圳工厂")


imp.register(OpeningStockImport())
imp.register(OpeningReceivablesImport())
imp.register(OpeningPayablesImport())
