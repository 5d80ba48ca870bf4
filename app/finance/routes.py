"""Receipt screens (收款): the list, recording one against a customer's open invoices, and one receipt.

Customers and receipts come through app.sales.scope: a salesperson works only with their own customers.
"""
from decimal import Decimal

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload

from app.auth.roles import INVOICERS, MONEY_READERS, MONEY_WRITERS, allow
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance import services
from app.finance.forms import ReceiptForm, allocation_field, amount_or_none, read_allocations
from app.finance.models import Payment, PaymentMethod
from app.forms import form_write, new_key, refuse
from app.paging import page_number, read_page
from app.partners.models import Customer
from app.sales import scope
from app.sales.models import InvoiceStatus, SalesInvoice
from app.search import narrow
from app.web import list_url, render

bp = Blueprint("finance", __name__)

PER_PAGE = 30
CUSTOMER_OPTIONS = 20


@bp.route("/receipts")
@allow(MONEY_READERS)
def receipts():
    """Money received, newest first; searched by customer, receipt number or reference."""
    query = scope.payments(g.user)
    if customer_id := request.args.get("customer_id", type=int):
        query = query.where(Payment.customer_id == customer_id)
    for word in request.args.get("q", "").lower().split():
        customers = select(Customer.id).where(Customer.search_text.contains(word, autoescape=True))
        query = query.where(or_(Payment.customer_id.in_(customers),
                                func.lower(Payment.number).contains(word, autoescape=True),
                                func.lower(Payment.reference).contains(word, autoescape=True)))
    page = read_page(query.options(selectinload(Payment.customer)).order_by(Payment.paid_on.desc(), Payment.id.desc()),
                     page_number(), PER_PAGE, scalars=True)
    return render("finance/receipts.html", "finance/_receipts.html" if page.page == 1 else "finance/_receipt_rows.html",
                  payments=page.items, page=page.page, has_next=page.has_next, args=request.args,
                  list_url=list_url("finance.receipts"), can_read_invoices=g.user.role in INVOICERS,
                  customer=customer_id and scope.get(scope.customers(g.user), Customer, customer_id))


def _customer(customer_id) -> Customer | None:
    """The customer in the user's scope, None when none was asked for; 404 outside the scope."""
    if customer_id is None:
        return None
    return scope.get(scope.customers(g.user), Customer, customer_id) or abort(404)


def _owing_customers(text: str) -> list[tuple]:
    """Customers in scope with open invoices, matching `text`, each with what is open."""
    owed = (select(SalesInvoice.customer_id, func.sum(SalesInvoice.total).label("total"),
                   func.sum(SalesInvoice.paid).label("paid"), func.sum(SalesInvoice.credited).label("credited"),
                   func.count().label("count"))
            .where(SalesInvoice.status != InvoiceStatus.PAID).group_by(SalesInvoice.customer_id).subquery())
    query = narrow(scope.customers(g.user).join(owed, owed.c.customer_id == Customer.id)
                   .add_columns(owed.c.total, owed.c.paid, owed.c.credited, owed.c.count), Customer.search_text, text)
    rows = db.session.execute(query.order_by(Customer.name).limit(CUSTOMER_OPTIONS))
    return [(customer, total - paid - credited, count) for customer, total, paid, credited, count in rows]


def _receipt_page(customer: Customer, form: ReceiptForm, values: dict, status: int = 200, first: int | None = None):
    """The receipt form for `customer`, each open invoice showing `values` (invoice id -> typed allocation); the
    invoice `first` (the one the receipt was started from) on top."""
    invoices = services.open_invoices(customer, first)
    owed = sum((invoice.open_amount for invoice in invoices), Decimal("0"))
    amount = amount_or_none(form.amount.data)
    first_invoice = invoices[0] if invoices and invoices[0].id == first else None
    return render("finance/receipt_new.html", "finance/_allocation.html", customer=customer, form=form,
                  invoices=invoices, owed=owed, values=values, today=business_today(), methods=list(PaymentMethod),
                  over=amount is not None and amount > owed, first=first_invoice, status=status)


def _started_from(customer_id, invoice_id) -> tuple[Customer | None, SalesInvoice | None]:
    """The customer and the invoice a receipt is started for: an invoice names its customer; either outside the
    user's scope, or the two not belonging together, is 404."""
    invoice = None
    if invoice_id is not None:
        invoice = scope.get(scope.invoices(g.user), SalesInvoice, invoice_id) or abort(404)
    customer = _customer(customer_id) if customer_id is not None else (invoice.customer if invoice else None)
    if invoice is not None and invoice.customer_id != customer.id:
        abort(404)
    return customer, invoice


@bp.route("/receipts/new")
@allow(MONEY_WRITERS)
def receipt_new():
    """Pick a customer, then the amount, method and how it settles their open invoices: oldest first, or,
    started from an invoice, that invoice first with its open amount filled in."""
    customer, invoice = _started_from(request.args.get("customer_id", type=int),
                                      request.args.get("invoice_id", type=int))
    if customer is None:
        text = request.args.get("q", "")
        return render("finance/receipt_new.html", "finance/_customer_options.html", customer=None, text=text,
                      options=_owing_customers(text))
    first = invoice.id if invoice is not None and invoice.open_amount > 0 else None
    typed = request.args.get("amount")
    form = ReceiptForm(formdata=None, idempotency_key=new_key(), paid_on=business_today(),
                       amount=typed if typed is not None else (str(invoice.open_amount) if first else ""),
                       method=request.args.get("method"))
    amount = amount_or_none(form.amount.data)
    prefill = services.oldest_first(services.open_invoices(customer, first), amount) if amount and amount > 0 else []
    return _receipt_page(customer, form, {given.invoice_id: given.amount for given in prefill}, first=first)


@bp.route("/receipts", methods=["POST"])
@allow(MONEY_WRITERS)
@form_write
def receipt_create():
    """Record the receipt once; a refusal comes back on the form (422) with nothing written."""
    customer = _customer(request.form.get("customer_id", type=int)) or abort(404)
    form = ReceiptForm()
    if form.validate_on_submit():
        try:
            payment = services.record_receipt(
                g.user, customer, form.amount.data, form.method.data,
                read_allocations(services.open_invoices(customer), request.form), form.paid_on.data,
                form.reference.data, money_account_id=form.money_account_id.data or None)
        except BusinessRuleError as error:
            refuse(form, error)
        else:
            flash(_("Receipt %(number)s was recorded.", number=payment.number), "success")
            return redirect(url_for("finance.receipt_show", payment_id=payment.id))
    first = request.form.get("invoice_id", type=int)  # the invoice the receipt was started from, kept on top
    response = _receipt_page(customer, form, {invoice.id: request.form.get(allocation_field(invoice), "")
                                              for invoice in services.open_invoices(customer)}, status=422, first=first)
    # A boosted form would put the POST's URL (the receipt list) in the address bar; keep the form's.
    response.headers["HX-Push-Url"] = url_for("finance.receipt_new", customer_id=customer.id, invoice_id=first)
    return response


@bp.route("/receipts/<int:payment_id>")
@allow(MONEY_READERS)
def receipt_show(payment_id):
    """A receipt and the invoices it paid."""
    payment = scope.get(scope.payments(g.user), Payment, payment_id) or abort(404)
    return render("finance/receipt_show.html", "finance/_receipt.html", payment=payment,
                  can_read_invoices=g.user.role in INVOICERS)
