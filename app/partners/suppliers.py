"""Suppliers: create, edit and what they sell us; what we owe them is app.trade.balances'."""

from flask_babel import gettext as _
from sqlalchemy import select, update

from app.audit import services as audit
from app.catalog.models import Product
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import PRICE, QUANTITY, parse_number
from app.partners.models import Supplier, SupplierProduct
from app.partners.services import TEXT_FIELDS, add_partner, check_identity, check_unique_name, clean_contact, days
from app.search import haystack

SUPPLIER_TEXT = {field: limit for field, limit in TEXT_FIELDS.items() if field != "tags"}  # suppliers have no tags
EDITABLE = ("code", *SUPPLIER_TEXT, "payment_terms_days", "lead_time_days", "active")


def _clean(values: dict) -> dict:
    clean = clean_contact(values, SUPPLIER_TEXT, _("Enter the supplier's name."))
    for field in ("payment_terms_days", "lead_time_days"):
        if field in values:
            clean[field] = days(values[field], field)
    if "active" in values:
        clean["active"] = bool(values["active"])
    return clean


def _check_unique_name(name: str, supplier: Supplier | None = None) -> None:
    check_unique_name(Supplier, name, supplier, _("A supplier named %(name)s already exists.", name=name))


def create_supplier(actor, values: dict) -> Supplier:
    return add_partner(actor, Supplier, _clean({"name": "", **{k: v for k, v in values.items() if k in EDITABLE}}),
                       _check_unique_name, search_text, "supplier.create")


def update_supplier(actor, supplier: Supplier, values: dict) -> Supplier:
    clean = _clean({k: v for k, v in values.items() if k in EDITABLE})
    check_identity(Supplier, supplier, clean, _check_unique_name)
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
