"""Suppliers and what we owe them (payables) over the API: app.partners.suppliers and purchase invoices."""
from flask import abort, g, jsonify, request
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api.routes import bp
from app.api.pagination import paginate
from app.api.finance import Date
from app.api.sales import created, enum_arg
from app.api.schema import (Boolean, Choice, DateTime, DecimalString, Integer, ListOf, Nested, Schema, String,
                            decimal_str)
from app.api.spec import Link, operation, parse_body
from app.auth.roles import PAYABLES, SUPPLIER_READERS, SUPPLIER_WRITERS, allow
from app.db_types import business_today
from app.extensions import db
from app.partners import suppliers
from app.partners.models import Supplier
from app.purchasing.models import PurchaseInvoice
from app.sales.models import InvoiceStatus
from app.search import narrow

# Suppliers have no tags, unlike customers.
TEXT = ("name", "contact", "phone", "mobile", "email", "address", "tax_number", "bank_name", "bank_account", "notes")
_LIMITS = {"name": 200, "contact": 100, "phone": 50, "mobile": 50, "email": 200, "address": 300, "tax_number": 50,
           "bank_name": 100, "bank_account": 50, "notes": 2000}
_WRITABLE = {
    "code": String(max_length=32, description="Unique; left out or empty on creation: the next free S0001 ..."),
    **{name: String(max_length=_LIMITS[name]) for name in TEXT}, "name": String(min_length=1, max_length=200),
    "payment_terms_days": Integer(description="0 to 365"),
    "lead_time_days": Integer(description="0 to 365; a new order is expected this many days later"),
    "active": Boolean(),
}
SUPPLIER = Schema("Supplier", {
    "id": Integer(), "code": String(description="Unique, e.g. S0001; the key a re-import updates by"),
    **{name: String() for name in TEXT}, "payment_terms_days": Integer(),
    "lead_time_days": Integer(), "active": Boolean(),
    "balance": DecimalString(2, description="Their invoices less their credits (our returns) less our payments: "
                                            "what we owe them"),
    "created_at": DateTime()})
SUPPLIER_CREATE = Schema("SupplierCreate", {**_WRITABLE, "name": String(required=True, min_length=1, max_length=200)})
SUPPLIER_UPDATE = Schema("SupplierUpdate", _WRITABLE)

INVOICE = Schema("PurchaseInvoice", {
    "id": Integer(), "number": String(), "supplier_reference": String(), "purchase_order_id": Integer(nullable=True, description="None for an opening payable"),
    "supplier_id": Integer(), "issued_on": Date(), "due_on": Date(), "subtotal": DecimalString(2),
    "tax": DecimalString(2), "total": DecimalString(2),
    "paid": DecimalString(2, description="Payments allocated to it"),
    "credited": DecimalString(2, description="Credits (our returns) allocated to it"),
    "open_amount": DecimalString(2, description="total - paid - credited"), "status": Choice(InvoiceStatus),
    "overdue": Boolean(description="Something is open and the due date has passed"),
    "lines": ListOf(Nested(Schema("PurchaseInvoiceLine", {
        "id": Integer(), "line_id": Integer(description="The purchase order line"), "product_id": Integer(),
        "qty": DecimalString(3), "unit_price": DecimalString(2), "tax_rate": DecimalString(2),
        "amount": DecimalString(2, description="Before tax"), "tax": DecimalString(2)}))),
    "created_at": DateTime()})


def supplier_json(supplier: Supplier, balance) -> dict:
    return {"id": supplier.id, "code": supplier.code, **{name: getattr(supplier, name) for name in TEXT},
            "payment_terms_days": supplier.payment_terms_days, "lead_time_days": supplier.lead_time_days,
            "active": supplier.active, "balance": decimal_str(balance, 2),
            "created_at": supplier.created_at.isoformat()}


def _with_balance(supplier: Supplier):
    return jsonify(supplier_json(supplier, suppliers.balances([supplier.id])[supplier.id]))


def invoice_json(invoice: PurchaseInvoice) -> dict:
    lines = [{"id": line.id, "line_id": line.order_line_id, "product_id": line.product_id,
              "qty": decimal_str(line.qty, 3), "unit_price": decimal_str(line.unit_price, 2),
              "tax_rate": decimal_str(line.tax_rate, 2), "amount": decimal_str(line.amount, 2),
              "tax": decimal_str(line.tax, 2)} for line in invoice.lines]
    money = {name: decimal_str(getattr(invoice, name), 2)
             for name in ("subtotal", "tax", "total", "paid", "credited", "open_amount")}
    return {"id": invoice.id, "number": invoice.number, "supplier_reference": invoice.supplier_reference,
            "purchase_order_id": invoice.order_id, "supplier_id": invoice.supplier_id,
            "issued_on": invoice.issued_on.isoformat(), "due_on": invoice.due_on.isoformat(), **money,
            "status": invoice.status.value, "overdue": invoice.overdue(business_today()), "lines": lines,
            "created_at": invoice.created_at.isoformat()}


@bp.route("/suppliers")
@allow(SUPPLIER_READERS)
@operation("List suppliers", response=SUPPLIER, listing=True, item="api.suppliers_show", query={
    "q": {"type": "string", "description": "Name, contact, phones, pinyin or initials"}, "active": {"type": "boolean"}})
def suppliers_index():
    """Suppliers with what we owe each."""
    query = narrow(select(Supplier), Supplier.search_text, request.args.get("q", ""))
    if (active := request.args.get("active")) in ("true", "false"):
        query = query.where(Supplier.active.is_(active == "true"))
    page = paginate(query.order_by(Supplier.id), lambda supplier: supplier)
    balances = suppliers.balances(supplier.id for supplier in page["items"])  # one pass for the whole page
    return jsonify({**page, "items": [supplier_json(s, balances[s.id]) for s in page["items"]]})


@bp.route("/suppliers", methods=["POST"])
@allow(SUPPLIER_WRITERS)
@operation("Create a supplier", body=SUPPLIER_CREATE, response=SUPPLIER, status=201, problems=(409,),
           location="api.suppliers_show", links={"order": Link("api.purchase_orders_create", body={
               "supplier_id": "$response.body#/id"})})
def suppliers_create():
    """A new supplier; 409 duplicate when the name is taken."""
    supplier = suppliers.create_supplier(g.user, parse_body())
    db.session.flush()
    return created(supplier_json(supplier, 0), "api.suppliers_show", supplier_id=supplier.id)


@bp.route("/suppliers/<int:supplier_id>")
@allow(SUPPLIER_READERS)
@operation("Read a supplier", response=SUPPLIER)
def suppliers_show(supplier_id):
    """One supplier with what we owe them."""
    return _with_balance(db.session.get(Supplier, supplier_id) or abort(404))


@bp.route("/suppliers/<int:supplier_id>", methods=["PATCH"])
@allow(SUPPLIER_WRITERS)
@operation("Change a supplier", body=SUPPLIER_UPDATE, partial=True, response=SUPPLIER, problems=(409,))
def suppliers_update(supplier_id):
    """Change the fields sent."""
    supplier = db.session.get(Supplier, supplier_id) or abort(404)
    suppliers.update_supplier(g.user, supplier, parse_body())
    return _with_balance(supplier)


# Payables ------------------------------------------------------------------------------------------

@bp.route("/purchase-invoices")
@allow(PAYABLES)
@operation("List purchase invoices (what suppliers bill us)", response=INVOICE, listing=True,
           item="api.purchase_invoices_show", links={"pay": Link("api.payments_create", body={
               "supplier_id": "$response.body#/items/0/supplier_id", "amount": "1.00", "method": "bank_transfer",
               "allocations": [{"invoice_id": "$response.body#/items/0/id", "amount": "1.00"}]})}, query={
    "supplier_id": {"type": "integer"}, "purchase_order_id": {"type": "integer"},
    "status": {"type": "string", "enum": [s.value for s in InvoiceStatus]},
    "overdue": {"type": "boolean", "description": "true: only those with something open past the due date"}})
def purchase_invoices_index():
    """Purchase invoices, newest first."""
    query = select(PurchaseInvoice).options(selectinload(PurchaseInvoice.lines))
    for name, column in (("supplier_id", PurchaseInvoice.supplier_id), ("purchase_order_id", PurchaseInvoice.order_id)):
        if (value := request.args.get(name, type=int)) is not None:
            query = query.where(column == value)
    if status := enum_arg(InvoiceStatus, "status"):
        query = query.where(PurchaseInvoice.status == status)
    if request.args.get("overdue") == "true":
        query = query.where(PurchaseInvoice.due_on < business_today(), PurchaseInvoice.status != InvoiceStatus.PAID)
    return jsonify(paginate(query.order_by(PurchaseInvoice.id.desc()), invoice_json))


@bp.route("/purchase-invoices/<int:invoice_id>")
@allow(PAYABLES)
@operation("Read a purchase invoice", response=INVOICE)
def purchase_invoices_show(invoice_id):
    """One purchase invoice with what is still open."""
    return jsonify(invoice_json(db.session.get(PurchaseInvoice, invoice_id) or abort(404)))
