"""Suppliers and what we owe them (payables) over the API: app.partners.suppliers and purchase invoices."""
from flask import abort, g, jsonify, request, url_for
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import trade
from app.api.pagination import paginate
from app.api.routes import bp
from app.api.sales import enum_arg
from app.api.feed import Feed
from app.api.schema import Boolean, DateTime, DecimalString, Integer, Schema, String, updated
from app.api.spec import Link, operation, parse_body, reply, reply_page
from app.auth.roles import PAYABLES, SUPPLIER_READERS, SUPPLIER_WRITERS, allow
from app.db_types import business_today
from app.extensions import db
from app.partners import suppliers
from app.partners.models import Supplier
from app.purchasing.models import PurchaseInvoice
from app.search import narrow
from app.trade import balances as owed
from app.trade.settlement import InvoiceStatus

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
    "created_at": DateTime(), "updated_at": updated()})
SUPPLIER_CREATE = Schema("SupplierCreate", {**_WRITABLE, "name": String(required=True, min_length=1, max_length=200)})
SUPPLIER_UPDATE = Schema("SupplierUpdate", _WRITABLE)

INVOICE = trade.invoice("PurchaseInvoice", "purchase_order_id", "supplier_id", {
    "opening": "None for an opening payable", "paid": "Payments allocated to it",
    "credited": "Credits (our returns) allocated to it", "line": "The purchase order line"},
    head={"supplier_reference": String()})


def _with_balance(supplier: Supplier):
    return reply(supplier, balance=owed.supplier_balance(supplier))


@bp.route("/suppliers")
@allow(SUPPLIER_READERS)
@operation("List suppliers", response=SUPPLIER, listing=True, item="api.suppliers_show", feed=Feed(Supplier), query={
    "q": {"type": "string", "description": "Name, contact, phones, pinyin or initials"}, "active": {"type": "boolean"}})
def suppliers_index():
    """Suppliers with what we owe each."""
    query = narrow(select(Supplier), Supplier.search_text, request.args.get("q", ""))
    if (active := request.args.get("active")) in ("true", "false"):
        query = query.where(Supplier.active.is_(active == "true"))
    page = paginate(query.order_by(Supplier.id))
    balances = owed.supplier_balances(supplier.id for supplier in page["items"])  # one pass for the whole page
    return jsonify({**page, "items": [SUPPLIER.dump(s, g.user, balance=balances[s.id]) for s in page["items"]]})


@bp.route("/suppliers", methods=["POST"])
@allow(SUPPLIER_WRITERS)
@operation("Create a supplier", body=SUPPLIER_CREATE, response=SUPPLIER, status=201, problems=(409,),
           location="api.suppliers_show", links={"order": Link("api.purchase_orders_create", body={
               "supplier_id": "$response.body#/id"})})
def suppliers_create():
    """A new supplier; 409 duplicate when the name is taken."""
    supplier = suppliers.create_supplier(g.user, parse_body())
    db.session.flush()
    return reply(supplier, location=url_for("api.suppliers_show", supplier_id=supplier.id), balance=0)


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
           feed=Feed(PurchaseInvoice), item="api.purchase_invoices_show", links={"pay": Link("api.payments_create", body={
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
    return reply_page(query.order_by(PurchaseInvoice.id.desc()))


@bp.route("/purchase-invoices/<int:invoice_id>")
@allow(PAYABLES)
@operation("Read a purchase invoice", response=INVOICE)
def purchase_invoices_show(invoice_id):
    """One purchase invoice with what is still open."""
    return reply(db.session.get(PurchaseInvoice, invoice_id) or abort(404))
