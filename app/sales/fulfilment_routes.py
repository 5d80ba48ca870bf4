"""After an order is confirmed: deliveries (出库), invoices (销售单) and returns (退货), their pages and PDFs.

Every object is loaded through app.sales.scope, so a salesperson reaches only their own (404 otherwise).
Delivery screens never show prices, whoever looks: the goods and the paper that goes with them carry none.
"""
from decimal import Decimal

from flask import abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from sqlalchemy import func, or_, select
from sqlalchemy.orm import selectinload
from wtforms import HiddenField, SelectField, StringField
from wtforms.validators import DataRequired, Length

from app.auth.roles import DELIVERERS, INVOICERS, MONEY_READERS, MONEY_WRITERS, SALES_READERS, allow, sees_sale_price
from app.db_types import business_today
from app.documents import pdf_response
from app.extensions import db
from app.finance.models import CreditAllocation, PaymentAllocation
from app.formatting import money, plain
from app.forms import created, form_write, new_key
from app.inventory.queries import active_warehouses
from app.paging import page_number
from app.partners.models import Customer
from app.sales import fulfilment, printing, scope
from app.sales.models import SalesDelivery, SalesInvoice, SalesOrder, SalesReturn
from app.sales.routes import bp
from app.trade.settlement import InvoiceStatus
from app.web import list_url, render

PER_PAGE = 30
INVOICE_STATUSES = {"unpaid": InvoiceStatus.OPEN, "partially": InvoiceStatus.PARTIALLY_PAID, "paid": InvoiceStatus.PAID}


class KeyForm(FlaskForm):
    idempotency_key = HiddenField()


class DeliverForm(KeyForm):
    warehouse_id = SelectField(_l("Warehouse"), coerce=int)


class ReturnForm(DeliverForm):
    reason = StringField(_l("Reason"), validators=[DataRequired(message=_l("Say why the goods came back.")),
                                                   Length(max=200)])


def _order(order_id) -> SalesOrder:
    return scope.get(scope.orders(g.user), SalesOrder, order_id) or abort(404)


def _stock_form(form_class, order: SalesOrder):
    """A deliver or return form: its own key, and the warehouse defaulting to the order's."""
    form = form_class(idempotency_key=new_key(), warehouse_id=order.warehouse_id)
    form.warehouse_id.choices = [(w.id, w.name) for w in active_warehouses()]
    return form


def _rows(lines, prefill) -> list[tuple]:
    """Each offered line with the quantity its input shows: what was posted, else the prefill."""
    return [(line, request.form.get(f"qty-{line.id}", prefill(line))) for line in lines]


def _quantities(order: SalesOrder) -> list[fulfilment.QtyInput]:
    """The posted quantity of every order line the form carried (blank counts as none); the service checks them."""
    return [fulfilment.QtyInput(line.id, request.form[f"qty-{line.id}"].strip() or "0")
            for line in order.lines if f"qty-{line.id}" in request.form]


@bp.route("/orders/<int:order_id>/deliver", methods=["GET", "POST"])
@allow(DELIVERERS)
@form_write
def deliver(order_id):
    """Deliver what is left of an order, all or part: stock out, reservation released."""
    order = _order(order_id)
    form = _stock_form(DeliverForm, order)
    if form.validate_on_submit() and (response := created(
            form, lambda: fulfilment.deliver(g.user, order, _quantities(order), form.warehouse_id.data),
            lambda delivery: (url_for("sales.show", order_id=order.id),
                              _("Delivery %(number)s was posted.", number=delivery.number)))):
        return response
    rows = _rows([line for line in order.lines if line.to_deliver > 0], lambda line: plain(line.to_deliver))
    return render("sales/deliveries/deliver.html", "sales/deliveries/_form.html", order=order, form=form,
                  rows=rows if order.status.can_deliver else [], status=422 if request.method == "POST" else 200)


@bp.route("/deliveries/<int:delivery_id>")
@allow(SALES_READERS)
def delivery_show(delivery_id):
    """A delivery: what left, from where, when and by whom; quantities only."""
    delivery = scope.get(scope.deliveries(g.user), SalesDelivery, delivery_id) or abort(404)
    return render("sales/deliveries/show.html", "sales/deliveries/_delivery.html", delivery=delivery)


@bp.route("/deliveries/<int:delivery_id>.pdf")
@allow(SALES_READERS)
def delivery_pdf(delivery_id):
    """The delivery note (送货单) to sign, as PDF."""
    delivery = scope.get(scope.deliveries(g.user), SalesDelivery, delivery_id) or abort(404)
    return pdf_response(printing.delivery_note_pdf(delivery), f"{delivery.number}.pdf")


@bp.route("/orders/<int:order_id>/invoice", methods=["POST"])
@allow(INVOICERS)
@form_write
def invoice_create(order_id):
    """Invoice what is delivered and not yet invoiced; a refusal goes back to the order page."""
    order = _order(order_id)
    form = KeyForm()
    response = created(form, lambda: fulfilment.invoice_order(g.user, order),
                       lambda invoice: (url_for("sales.invoice_show", invoice_id=invoice.id),
                                        _("Sales slip %(number)s was issued.", number=invoice.number)))
    if response is None:
        flash(" ".join(form.form_errors), "error")
        response = redirect(url_for("sales.show", order_id=order.id), 303)
    return response


def _invoice_query(args, today):
    """The invoices in the user's scope that the list's filters keep."""
    query = scope.invoices(g.user)
    if status := INVOICE_STATUSES.get(args.get("status", "")):
        query = query.where(SalesInvoice.status == status)
    if args.get("overdue"):
        query = query.where(SalesInvoice.status != InvoiceStatus.PAID, SalesInvoice.due_on < today)
    if customer_id := args.get("customer_id", type=int):
        query = query.where(SalesInvoice.customer_id == customer_id)
    for word in args.get("q", "").lower().split():
        customers = select(Customer.id).where(Customer.search_text.contains(word, autoescape=True))
        query = query.where(or_(SalesInvoice.customer_id.in_(customers),
                                func.lower(SalesInvoice.number).contains(word, autoescape=True)))
    return query


def _invoice_totals(query) -> dict:
    """How many invoices the filters keep, their total and what is still open on them."""
    count, total, paid, credited = db.session.execute(query.with_only_columns(
        func.count(SalesInvoice.id), func.sum(SalesInvoice.total), func.sum(SalesInvoice.paid),
        func.sum(SalesInvoice.credited))).one()
    zero = Decimal("0")
    return {"count": count, "total": total or zero, "open": (total or zero) - (paid or zero) - (credited or zero)}


@bp.route("/invoices")
@allow(INVOICERS)
def invoices():
    """Invoices, newest first, by status, overdue, customer or text; with their total and what is open."""
    today, page = business_today(), page_number()
    query = _invoice_query(request.args, today)
    rows = db.session.scalars(query.options(selectinload(SalesInvoice.customer))
                              .order_by(SalesInvoice.issued_on.desc(), SalesInvoice.id.desc())
                              .offset((page - 1) * PER_PAGE).limit(PER_PAGE + 1)).all()
    customer_id = request.args.get("customer_id", type=int)
    fragment = "sales/invoices/_list.html" if page == 1 else "sales/invoices/_rows.html"
    return render("sales/invoices/index.html", fragment,
                  invoices=rows[:PER_PAGE], page=page, has_next=len(rows) > PER_PAGE, today=today,
                  totals=_invoice_totals(query), args=request.args,
                  list_url=list_url("sales.invoices"),
                  customer=customer_id and scope.get(scope.customers(g.user), Customer, customer_id))


def _invoice(invoice_id) -> SalesInvoice:
    return scope.get(scope.invoices(g.user), SalesInvoice, invoice_id) or abort(404)


@bp.route("/invoices/<int:invoice_id>")
@allow(INVOICERS)
def invoice_show(invoice_id):
    """An invoice: lines, totals, what is paid, credited and open, and the receipts and returns that settled it."""
    invoice = _invoice(invoice_id)
    payments = db.session.scalars(select(PaymentAllocation).where(PaymentAllocation.sales_invoice_id == invoice.id)
                                  .order_by(PaymentAllocation.id)).all()
    credits = db.session.scalars(select(CreditAllocation).where(CreditAllocation.sales_invoice_id == invoice.id)
                                 .order_by(CreditAllocation.id)).all()
    return render("sales/invoices/show.html", "sales/invoices/_invoice.html", invoice=invoice, payments=payments,
                  credits=credits, overdue=invoice.overdue(business_today()),
                  can_receive=g.user.role in MONEY_WRITERS, can_read_receipts=g.user.role in MONEY_READERS)


@bp.route("/invoices/<int:invoice_id>.pdf")
@allow(INVOICERS)
def invoice_pdf(invoice_id):
    """The invoice as PDF, shown inline so a phone opens it in its viewer."""
    invoice = _invoice(invoice_id)
    return pdf_response(printing.invoice_pdf(invoice), f"{invoice.number}.pdf")


def _returned(sales_return: SalesReturn) -> str:
    message = _("Return %(number)s was recorded.", number=sales_return.number)
    if sales_return.total and sees_sale_price(g.user):
        message += " " + _("Credit note: %(amount)s.", amount=money(sales_return.total))
    return message


@bp.route("/orders/<int:order_id>/return", methods=["GET", "POST"])
@allow(DELIVERERS)
@form_write
def return_new(order_id):
    """Take delivered goods back (退货): stock in, and a credit note for the part already invoiced."""
    order = _order(order_id)
    form = _stock_form(ReturnForm, order)
    if form.validate_on_submit() and (response := created(
            form, lambda: fulfilment.return_goods(g.user, order, _quantities(order), form.warehouse_id.data,
                                                  form.reason.data),
            lambda sales_return: (url_for("sales.return_show", return_id=sales_return.id), _returned(sales_return)))):
        return response
    rows = _rows([line for line in order.lines if line.returnable > 0], lambda line: "0")
    return render("sales/returns/new.html", "sales/returns/_form.html", order=order, form=form, rows=rows,
                  show_prices=sees_sale_price(g.user), status=422 if request.method == "POST" else 200)


@bp.route("/returns/<int:return_id>")
@allow(SALES_READERS)
def return_show(return_id):
    """A return: its lines, the credit note's total and the invoices it was set against."""
    sales_return = scope.get(scope.returns(g.user), SalesReturn, return_id) or abort(404)
    show_prices = sees_sale_price(g.user)
    credits = db.session.scalars(select(CreditAllocation).where(CreditAllocation.sales_return_id == sales_return.id)
                                 .order_by(CreditAllocation.id)).all() if show_prices else []
    return render("sales/returns/show.html", "sales/returns/_return.html", sales_return=sales_return, credits=credits,
                  show_prices=show_prices, can_read_invoices=g.user.role in INVOICERS)
