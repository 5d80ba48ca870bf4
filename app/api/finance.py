"""Sales invoices, customer receipts (收款) and supplier payments (付款) over the API: app.sales.fulfilment and
app.finance, scoped per caller."""

from flask import abort, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import trade
from app.api.routes import bp
from app.api.sales import enum_arg, optional_body, order_in_scope, referenced
from app.api.schema import (
    Choice,
    Date,
    DateTime,
    DecimalString,
    Integer,
    ListOf,
    Nested,
    Schema,
    String,
    ValidationFailed,
    updated,
)
from app.api.feed import Feed
from app.api.spec import Link, operation, parse_body, reply, reply_page
from app.auth.roles import INVOICERS, MONEY_READERS, MONEY_WRITERS, PAYABLES, allow
from app.db_types import business_today
from app.documents import pdf_response
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance import services as finance
from app.finance.models import Payment, PaymentMethod
from app.limits import AMOUNT
from app.partners.models import Customer, Supplier
from app.sales import fulfilment, scope
from app.sales.models import SalesInvoice
from app.sales.printing import invoice_pdf
from app.trade.settlement import InvoiceStatus

INVOICE = trade.invoice("SalesInvoice", "sales_order_id", "customer_id", {
    "opening": "None for an opening receivable", "paid": "Receipts allocated to it",
    "credited": "Credit notes (returns) allocated to it", "line": "The sales order line"}, discount=True)
ALLOCATION = Schema("PaymentAllocation", {
    "invoice_id": Integer(required=True, description="A sales slip for a customer's payment, a purchase invoice "
                                                     "for a supplier's",
                          source=lambda allocation: allocation.sales_invoice_id or allocation.purchase_invoice_id),
    "amount": DecimalString(2, AMOUNT, required=True)})
PAYMENT_CREATE = Schema("PaymentCreate", {
    "customer_id": Integer(description="Money from this customer (收款); send this or supplier_id"),
    "supplier_id": Integer(description="Money to this supplier (付款); send this or customer_id"),
    "amount": DecimalString(2, AMOUNT, required=True),
    "method": Choice(PaymentMethod, required=True),
    "allocations": ListOf(Nested(ALLOCATION), min_items=1, description="Must add up to amount, each within the "
                          "invoice's open amount. Default: the partner's open invoices, oldest due first"),
    "paid_on": Date(description="Default: today"), "reference": String(max_length=100),
    "notes": String(max_length=200),
    "money_account_id": Integer(description="The money account paid into or from (an active one). Default: the "
                                            "first active account of the method's kind (cash: the till)")},
    exactly_one=("customer_id", "supplier_id"))
PAYMENT = Schema("Payment", {
    "id": Integer(), "number": String(), "customer_id": Integer(nullable=True),
    "supplier_id": Integer(nullable=True), "amount": DecimalString(2),
    "method": Choice(PaymentMethod), "paid_on": Date(), "reference": String(), "notes": String(),
    "money_account_id": Integer(nullable=True, description="The money account paid into or from"),
    "allocations": ListOf(Nested(ALLOCATION)), "created_at": DateTime(), "updated_at": updated()})


def _invoice(invoice_id) -> SalesInvoice:
    return scope.get(scope.invoices(g.user), SalesInvoice, invoice_id) or abort(404)


# Invoices ------------------------------------------------------------------------------------------

@bp.route("/sales-orders/<int:order_id>/invoice", methods=["POST"])
@allow(INVOICERS)
@operation("Make a sales slip for what is delivered and not yet billed", response=INVOICE, status=201, problems=(409,),
           location="api.sales_invoices_show", links={"pay": Link("api.payments_create", body={
               "customer_id": "$response.body#/customer_id", "amount": "1.00", "method": "cash",
               "allocations": [{"invoice_id": "$response.body#/id", "amount": "1.00"}]})})
def sales_orders_invoice(order_id):
    """A new invoice, due after the customer's payment terms; 409 invalid-state when nothing waits."""
    order = order_in_scope(order_id)
    optional_body()
    invoice = fulfilment.invoice_order(g.user, order)
    return reply(invoice, location=url_for("api.sales_invoices_show", invoice_id=invoice.id))


@bp.route("/sales-invoices")
@allow(MONEY_READERS)
@operation("List sales slips", response=INVOICE, listing=True, item="api.sales_invoices_show",
           feed=Feed(SalesInvoice), links={
    "pay": Link("api.payments_create", body={
        "customer_id": "$response.body#/items/0/customer_id", "amount": "1.00", "method": "wechat",
        "allocations": [{"invoice_id": "$response.body#/items/0/id", "amount": "1.00"}]})}, query={
    "customer_id": {"type": "integer"}, "sales_order_id": {"type": "integer"},
    "status": {"type": "string", "enum": [s.value for s in InvoiceStatus]},
    "overdue": {"type": "boolean", "description": "true: only those with something open past the due date"}})
def sales_invoices_index():
    """Invoices in the caller's scope, newest first."""
    query = scope.invoices(g.user).options(selectinload(SalesInvoice.lines))
    for name, column in (("customer_id", SalesInvoice.customer_id), ("sales_order_id", SalesInvoice.order_id)):
        if (value := request.args.get(name, type=int)) is not None:
            query = query.where(column == value)
    if status := enum_arg(InvoiceStatus, "status"):
        query = query.where(SalesInvoice.status == status)
    if request.args.get("overdue") == "true":
        query = query.where(SalesInvoice.due_on < business_today(), SalesInvoice.status != InvoiceStatus.PAID)
    return reply_page(query.order_by(SalesInvoice.id.desc()))


@bp.route("/sales-invoices/<int:invoice_id>")
@allow(MONEY_READERS)
@operation("Read a sales slip", response=INVOICE)
def sales_invoices_show(invoice_id):
    """One invoice with its lines and what is still open."""
    return reply(_invoice(invoice_id))


@bp.route("/sales-invoices/<int:invoice_id>/pdf")
@allow(MONEY_READERS)
@operation("The sales slip as a PDF (application/pdf)")
def sales_invoices_pdf(invoice_id):
    """The printable invoice (销售单)."""
    invoice = _invoice(invoice_id)
    return pdf_response(invoice_pdf(invoice), f"{invoice.number}.pdf")


# Receipts and supplier payments --------------------------------------------------------------------

def _payments(user):
    """The payments a role may see: customers' (in its scope) for money readers, suppliers' for payables."""
    if user.role not in PAYABLES:
        return scope.payments(user)
    if user.role not in MONEY_READERS:
        return select(Payment).where(Payment.supplier_id.is_not(None))
    return select(Payment)  # owner and finance see both; scope.payments narrows only salespeople


def _partner(data: dict):
    """The customer or supplier the payment names (exactly one), if the caller may pay or be paid by it."""
    if ("customer_id" in data) == ("supplier_id" in data):
        raise ValidationFailed({"supplier_id" if "supplier_id" in data else "customer_id": [
            _("Send either customer_id or supplier_id.")]})
    field, roles = ("customer_id", MONEY_WRITERS) if "customer_id" in data else ("supplier_id", PAYABLES)
    if g.user.role not in roles:
        raise BusinessRuleError(_("Your role may not record this payment."), field, problem="forbidden")
    if field == "customer_id":
        return referenced(scope.customers(g.user), Customer, data[field], field, _("No such customer."))
    return db.session.get(Supplier, data[field]) or _missing(field, _("No such supplier."))


def _missing(field: str, message: str):
    raise BusinessRuleError(message, field, problem="not-found")


@bp.route("/payments")
@allow(MONEY_READERS | PAYABLES)
@operation("List receipts from customers and payments to suppliers", response=PAYMENT, listing=True,
           item="api.payments_show", feed=Feed(Payment),
           query={"customer_id": {"type": "integer"}, "supplier_id": {"type": "integer"}})
def payments_index():
    """Payments the caller may see, newest first."""
    query = _payments(g.user).options(selectinload(Payment.allocations))
    for name, column in (("customer_id", Payment.customer_id), ("supplier_id", Payment.supplier_id)):
        if (value := request.args.get(name, type=int)) is not None:
            query = query.where(column == value)
    return reply_page(query.order_by(Payment.id.desc()))


@bp.route("/payments", methods=["POST"])
@allow(MONEY_WRITERS | PAYABLES)
@operation("Record a customer receipt or a supplier payment and settle sales slips or purchase invoices with it",
           body=PAYMENT_CREATE, response=PAYMENT, status=201, problems=(403, 404), location="api.payments_show")
def payments_create():
    """Never more than the partner's open invoices, nor more on an invoice than it has open (422)."""
    data = parse_body()
    partner = _partner(data)
    allocations = ([finance.AllocationInput(a["invoice_id"], a["amount"]) for a in data["allocations"]]
                   if "allocations" in data else None)
    record = finance.record_receipt if isinstance(partner, Customer) else finance.record_supplier_payment
    payment = record(g.user, partner, data["amount"], data["method"], allocations, data.get("paid_on"),
                     data.get("reference", ""), data.get("notes", ""), data.get("money_account_id"))
    db.session.flush()
    return reply(payment, location=url_for("api.payments_show", payment_id=payment.id))


@bp.route("/payments/<int:payment_id>")
@allow(MONEY_READERS | PAYABLES)
@operation("Read a receipt or supplier payment", response=PAYMENT)
def payments_show(payment_id):
    """One payment and the invoices it settled."""
    return reply(scope.get(_payments(g.user), Payment, payment_id) or abort(404))
