"""Suppliers: create, edit, what they sell us, and what we owe them (derived from documents)."""
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import func, select, update

from app.audit import services as audit
from app.catalog.models import Product
from app.errors import BusinessRuleError, Duplicate
from app.extensions import db
from app.finance.models import Payment
from app.limits import PRICE, QUANTITY, parse_number
from app.partners.models import Supplier, SupplierProduct
from app.partners.services import EMAIL, TEXT_FIELDS, check_unique_code, clean_code
from app.purchasing.models import PurchaseInvoice, PurchaseReturn
from app.search import haystack

SUPPLIER_TEXT = {field: limit for field, limit in TEXT_FIELDS.items() if field != "tags"}  # suppliers have no tags
EDITABLE = ("code", *SUPPLIER_TEXT, "payment_terms_days", "lead_time_days", "active")


def _days(value, field: str) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not 0 <= value <= 365:
        raise BusinessRuleError(_("Enter a number of days from 0 to 365."), field)
    return value


def _clean(values: dict) -> dict:
    clean = {}
    for field, limit in SUPPLIER_TEXT.items():
        if field in values:
            text = (values[field] or "").strip()
            if len(text) > limit:
                raise BusinessRuleError(_("At most %(n)s characters.", n=limit), field)
            clean[field] = text
    if "code" in values:
        clean["code"] = clean_code(values["code"])
    if "name" in clean and not clean["name"]:
        raise BusinessRuleError(_("Enter the supplier's name."), "name")
    if clean.get("email") and not EMAIL.match(clean["email"]):
        raise BusinessRuleError(_("Enter a valid email address."), "email")
    for field in ("payment_terms_days", "lead_time_days"):
        if field in values:
            clean[field] = _days(values[field], field)
    if "active" in values:
        clean["active"] = bool(values["active"])
    return clean


def _check_unique_name(name: str, supplier: Supplier | None = None) -> None:
    query = select(Supplier.id).where(func.lower(Supplier.name) == name.lower())
    if supplier is not None:
        query = query.where(Supplier.id != supplier.id)
    if db.session.scalar(query):
        raise Duplicate(_("A supplier named %(name)s already exists.", name=name), "name")


def create_supplier(actor, values: dict) -> Supplier:
    clean = _clean({"name": "", **{k: v for k, v in values.items() if k in EDITABLE}})
    _check_unique_name(clean["name"])
    if clean.get("code"):
        check_unique_code(Supplier, clean["code"])
    else:
        clean.pop("code", None)  # the next free one is given when it is saved (models._code_giver)
    supplier = Supplier(**clean)
    supplier.search_text = search_text(supplier)
    db.session.add(supplier)
    audit.record(actor, "supplier.create", supplier, {k: (None, v) for k, v in clean.items() if v not in ("", None)})
    return supplier


def update_supplier(actor, supplier: Supplier, values: dict) -> Supplier:
    clean = _clean({k: v for k, v in values.items() if k in EDITABLE})
    if not clean.get("code", True):
        clean.pop("code")  # blank: keep the code it has
    if "code" in clean:
        check_unique_code(Supplier, clean["code"], supplier)
    if "name" in clean:
        _check_unique_name(clean["name"], supplier)
    if changes := audit.apply_changes(supplier, clean):
        supplier.search_text = search_text(supplier)
        audit.record(actor, "supplier.update", supplier, changes)
    return supplier


def search_text(supplier: Supplier) -> str:
    return haystack(supplier.name, supplier.code, supplier.contact, supplier.phone, supplier.mobile)


def set_item(actor, supplier: Supplier, product_id, supplier_sku: str = "", min_order_qty=0,
             preferred: bool = False, last_price=None) -> SupplierProduct:
    """Say what the supplier sells us: their code, minimum order and whether they are the product's preferred supplier."""
    product = db.session.get(Product, product_id) if isinstance(product_id, int) else None
    if product is None:
        raise BusinessRuleError(_("Unknown product."), "product_id")
    moq = parse_number(min_order_qty or 0, QUANTITY, "min_order_qty")
    price = parse_number(last_price, PRICE, "last_price") if last_price not in (None, "") else None
    item = db.session.scalar(select(SupplierProduct).where(SupplierProduct.supplier_id == supplier.id,
                                                           SupplierProduct.product_id == product.id))
    if item is None:
        item = SupplierProduct(supplier=supplier, product=product)
        db.session.add(item)
    if preferred:  # one preferred supplier per product
        db.session.execute(update(SupplierProduct).where(SupplierProduct.product_id == product.id,
                                                         SupplierProduct.supplier_id != supplier.id)
                           .values(preferred=False))
    before = {"supplier_sku": item.supplier_sku, "min_order_qty": item.min_order_qty, "preferred": item.preferred}
    item.supplier_sku, item.min_order_qty, item.preferred = (supplier_sku or "").strip()[:64], moq, bool(preferred)
    if price is not None:
        item.last_price = price
    audit.record(actor, "supplier.item", supplier, {
        "product": (None, product.sku), **{k: (v, getattr(item, k)) for k, v in before.items() if v != getattr(item, k)}})
    return item


def balances(supplier_ids) -> dict[int, Decimal]:
    """What we owe each supplier: their invoices, less their credits (our returns), less our payments."""
    ids = list(supplier_ids)
    totals = {sid: Decimal("0") for sid in ids}
    for model, amount, sign in ((PurchaseInvoice, PurchaseInvoice.total, 1), (PurchaseReturn, PurchaseReturn.total, -1),
                                (Payment, Payment.amount, -1)):
        if not ids:
            break
        rows = db.session.execute(select(model.supplier_id, func.sum(amount)).where(model.supplier_id.in_(ids))
                                  .group_by(model.supplier_id))
        for supplier_id, total in rows:
            totals[supplier_id] += sign * (total or 0)
    return totals
