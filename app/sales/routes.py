"""Order screens: the list, picking the customer, the draft editor that saves every change, confirming."""
from datetime import date
from typing import NamedTuple

from flask import Blueprint, abort, g, redirect, request, url_for
from flask_babel import gettext as _

from app import idempotency
from app.auth.roles import (DELIVERERS, INVOICERS, MONEY_WRITERS, SALES_READERS, SALES_WRITERS, SEES_SALE_PRICE, Role,
                            allow, sees_sale_price)
from app.documents import pdf_response
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import commit_and_redirect, new_key, sent_before
from app.formatting import plain
from app.inventory.queries import active_warehouses, find_exact
from app.inventory.queries import product_options as find_products
from app.limits import optional_date
from app.partners.services import salesperson_choices
from app.sales import printing, queries, services
from app.sales.forms import ActionForm, AddLineForm, LineForm, NewOrderForm, OrderFieldsForm
from app.sales.models import OrderStatus
from app.web import render, wants_fragment

bp = Blueprint("sales", __name__)

PER_PAGE = 30
PRICE_READERS = SALES_READERS & SEES_SALE_PRICE  # warehouse staff never see a price


@bp.context_processor
def _abilities():
    user = g.get("user")
    return {"show_prices": sees_sale_price(user), "can_write": user is not None and user.role in SALES_WRITERS,
            "new_key": new_key}


def _date(name) -> date | None:
    return optional_date(request.args.get(name))


@bp.route("/orders")
@allow(SALES_READERS)
def index():
    """Orders newest first, filtered and searched (number, customer name or pinyin); the list alone for htmx."""
    args, by_salesperson = request.args, g.user.role in (Role.OWNER, Role.FINANCE)
    filters = queries.OrderFilter(args.get("q", "").strip()[:100], args.get("status", ""), args.get("customer_id", type=int),
                                  args.get("salesperson_id", type=int) if by_salesperson else None,
                                  _date("date_from"), _date("date_to"))
    page = queries.orders_page(g.user, filters, max(args.get("page", 1, type=int), 1), PER_PAGE,
                               prices=sees_sale_price(g.user))
    return render("sales/index.html", "sales/_orders.html" if page.page == 1 else "sales/_order_rows.html",
                  page=page, filters=filters, statuses=list(OrderStatus),
                  salespeople=salesperson_choices() if by_salesperson else [],
                  customer=queries.customer_in_scope(g.user, filters.customer_id))


@bp.route("/orders/new", methods=["GET", "POST"])
@allow(SALES_WRITERS)
def new():
    """Pick the customer (search as you type, recent ones first); picking one makes the draft."""
    form = NewOrderForm()
    if form.validate_on_submit():
        customer = queries.customer_in_scope(g.user, form.customer_id.data) or abort(404)
        key, done = sent_before(form)
        if done:
            return done
        try:
            order = services.create_order(g.user, customer)
            db.session.flush()
            return commit_and_redirect(key, url_for("sales.show", order_id=order.id),
                                       _("Order %(number)s for %(customer)s.", number=order.number, customer=customer.name))
        except BusinessRuleError as error:
            db.session.rollback()
            form.form_errors.append(str(error.message))
    text = request.args.get("q", "").strip()[:100]
    return render("sales/new.html", "sales/_customer_options.html", form=form, text=text,
                  customers=queries.customer_choices(g.user, text),
                  chosen=queries.customer_in_scope(g.user, request.args.get("customer_id", type=int)),
                  status=422 if request.method == "POST" else 200)


@bp.route("/orders/<int:order_id>")
@allow(SALES_READERS)
def show(order_id):
    """A draft is the editor for its writers; otherwise the order with what happened to it and what comes next."""
    return _show(queries.order(g.user, order_id) or abort(404))


def _show(order, status: int = 200, **extra):
    editing = order.status == OrderStatus.DRAFT and g.user.role in SALES_WRITERS
    context = {"order": order, "editing": editing, "invalid": {}, "add_error": None, "refusal": None,
               "may_approve": False, **extra}
    if editing:
        text = request.args.get("q", "").strip()[:100]
        context.setdefault("fields", _fields_form(order))
        context.update(text=text, options=find_products(text), available=queries.available(order))
    else:
        context["steps"] = _next_steps(order)
    response = render("sales/show.html", "sales/_lines.html", status=status, **context)
    if status != 200:
        response.headers["HX-Push-Url"] = "false"  # the page is the order's, not the refused POST's URL
    return response


class Step(NamedTuple):
    label: str
    url: str
    post: bool = False


def _next_steps(order) -> list[Step]:
    """What can be done next with a confirmed order, for this role."""
    role, lines, steps = g.user.role, order.lines, []
    if order.status.can_deliver and role in DELIVERERS:
        steps.append(Step(_("Deliver"), url_for("sales.deliver", order_id=order.id)))
    if role in INVOICERS and any(line.invoiceable > 0 for line in lines):
        steps.append(Step(_("Invoice"), url_for("sales.invoice_create", order_id=order.id), post=True))
    if role in DELIVERERS and any(line.returnable > 0 for line in lines):
        steps.append(Step(_("Return goods"), url_for("sales.return_new", order_id=order.id)))
    owing = [invoice for invoice in order.invoices if invoice.open_amount > 0]
    if role in MONEY_WRITERS and owing:  # the receipt pays this order's (first open) invoice first
        steps.append(Step(_("Record receipt"), url_for("finance.receipt_new", customer_id=order.customer_id,
                                                       invoice_id=owing[0].id)))
    return steps


@bp.route("/orders/<int:order_id>/products")
@allow(SALES_WRITERS)
def product_options(order_id):
    """Search as you type for a line to add: the matching products, each a button that adds it."""
    order = queries.order(g.user, order_id) or abort(404)
    text = request.args.get("q", "").strip()[:100]
    # exact: the text is a barcode or SKU, so order.js adds its one product as if scanned (a name only lists).
    return render("orders/_product_options.html", "orders/_product_options.html", order=order, text=text,
                  options=find_products(text), exact=bool(text) and find_exact(text) is not None)


@bp.route("/orders/<int:order_id>/lines", methods=["POST"])
@allow(SALES_WRITERS)
def add_line(order_id):
    """Add a picked, scanned or typed product to a draft, once per key (a scan's UUID); answers with the lines."""
    order = queries.order(g.user, order_id, for_update=True) or abort(404)
    form, location = AddLineForm(), url_for("sales.show", order_id=order_id)
    key = (form.key.data or "").strip()[:idempotency.MAX_KEY_LENGTH]
    if key and idempotency.previous(g.user.id, key):
        return _changed(order_id)
    try:
        services.add_line(g.user, order, _line_to_add(form))
    except BusinessRuleError as error:
        db.session.rollback()
        return _refused(order_id, add_error=str(error.message))
    if key:
        idempotency.remember(g.user.id, key, "", 200, location=location)
        idempotency.commit_once(g.user.id, key)  # a concurrent twin committed first: nothing more to do
    else:
        db.session.commit()
    return _changed(order_id)


def _line_to_add(form) -> services.LineInput:
    if not form.validate():
        raise BusinessRuleError(_("Unknown product."), "product_id")
    if form.product_id.data:
        return services.LineInput(form.product_id.data, (form.units.data or "1").strip())
    found = find_exact(form.code.data or "")
    if found is None:
        raise BusinessRuleError(_("No product has the barcode or SKU %(code)s.", code=(form.code.data or "").strip()), "code")
    product, units = found  # a pack's barcode adds all its units
    return services.LineInput(product.id, units)


def _changed(order_id):
    """After a change: the lines and totals for htmx, else back to the order (Post/Redirect/Get)."""
    if wants_fragment():
        return _show(queries.order(g.user, order_id) or abort(404))
    return redirect(url_for("sales.show", order_id=order_id), 303)


def _refused(order_id, **context):
    """A refused change: nothing was saved; the lines (or the page) with the reason, 422."""
    return _show(queries.order(g.user, order_id) or abort(404), status=422, **context)


@bp.route("/orders/<int:order_id>/lines/<int:line_id>", methods=["POST"])
@allow(SALES_WRITERS)
def update_line(order_id, line_id):
    """Save a line's quantity, price, discount and tax as typed; refused input saves nothing (422)."""
    order = queries.order(g.user, order_id, for_update=True) or abort(404)
    form = LineForm()
    line = next((line for line in order.lines if line.id == line_id), None)
    if line is None:  # removed meanwhile (another tab): show what is there now
        return _changed(order_id)
    typed = {name: getattr(form, name).raw_data[0] if getattr(form, name).raw_data else None
             for name in ("qty", "qty_set", "unit_price", "discount_pct", "tax_rate")}
    if qty_set := typed.pop("qty_set"):  # the − / + buttons without JavaScript
        typed["qty"] = qty_set
    elif typed["qty"] is None:
        typed["qty"] = plain(line.qty)
    try:
        services.update_line(g.user, order, line_id, services.LineInput(line.product_id, **typed))
    except BusinessRuleError as error:
        db.session.rollback()
        return _refused(order_id, invalid={line_id: {"message": str(error.message), "field": error.field, **typed}})
    db.session.commit()
    return _changed(order_id)


@bp.route("/orders/<int:order_id>/lines/<int:line_id>/remove", methods=["POST"])
@allow(SALES_WRITERS)
def remove_line(order_id, line_id):
    """Take a line off a draft (again is harmless: it is simply gone)."""
    order = queries.order(g.user, order_id, for_update=True) or abort(404)
    if any(line.id == line_id for line in order.lines):
        try:
            services.remove_line(g.user, order, line_id)
        except BusinessRuleError as error:
            db.session.rollback()
            return _refused(order_id, add_error=str(error.message))
        db.session.commit()
    return _changed(order_id)


def _fields_form(order, formdata=None):
    form = OrderFieldsForm(formdata=formdata, data={"warehouse_id": order.warehouse_id, "notes": order.notes})
    form.warehouse_id.choices = [(w.id, w.name) for w in active_warehouses()]
    return form


@bp.route("/orders/<int:order_id>/fields", methods=["POST"])
@allow(SALES_WRITERS)
def update(order_id):
    """Save a draft's warehouse and notes on change; htmx gets the status line, the lines hear `order-updated`."""
    order = queries.order(g.user, order_id, for_update=True) or abort(404)
    form = _fields_form(order, request.form)
    if form.validate():
        try:
            services.update_order(g.user, order, form.warehouse_id.data, form.notes.data)
            db.session.commit()
        except BusinessRuleError as error:
            db.session.rollback()
            form.warehouse_id.errors.append(str(error.message))
    order = queries.order(g.user, order_id)
    if not wants_fragment():
        return _show(order, status=422, fields=form) if form.errors else redirect(
            url_for("sales.show", order_id=order_id), 303)
    response = render("sales/_fields_status.html", "sales/_fields_status.html", fields=form, saved=not form.errors,
                      status=422 if form.errors else 200)
    if not form.errors:
        response.headers["HX-Trigger"] = "order-updated"  # the lines show stock in the order's warehouse
    return response


@bp.route("/orders/<int:order_id>/confirm", methods=["POST"])
@allow(SALES_WRITERS)
def confirm(order_id):
    """Confirm a draft: within the customer's credit limit (or approved over it by the owner), stock reserved."""
    return _act(order_id, lambda order, form: services.confirm_order(
        g.user, order, approve_over_limit=form.approve_over_limit.data == "1"),
        lambda order: _("Order %(number)s is confirmed; the goods are reserved.", number=order.number))


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@allow(SALES_WRITERS)
def cancel(order_id):
    """Cancel an order with nothing delivered; a confirmed one gives its reserved stock back."""
    return _act(order_id, lambda order, _form: services.cancel_order(g.user, order),
                lambda order: _("Order %(number)s is cancelled.", number=order.number))


def _act(order_id, act, message):
    """Run a state change once under the form's key; a refusal comes back on the order's page (422)."""
    order = queries.order(g.user, order_id, for_update=True) or abort(404)
    form = ActionForm()
    key, done = sent_before(form)
    if done:
        return done
    try:
        act(order, form)
    except BusinessRuleError as error:
        db.session.rollback()
        if record := idempotency.previous(g.user.id, key):
            return redirect(record.location)  # a double tap that lost the race to its twin
        return _refused(order_id, refusal=error, may_approve=isinstance(error, services.CreditLimitExceeded)
                        and g.user.role == Role.OWNER)
    return commit_and_redirect(key, url_for("sales.show", order_id=order_id), message(order))


@bp.route("/orders/<int:order_id>/quotation.pdf")
@allow(PRICE_READERS)
def quotation_pdf(order_id):
    """报价单: the order's lines, prices and totals as a PDF to hand or send to the customer."""
    order = queries.order(g.user, order_id) or abort(404)
    return pdf_response(printing.quotation_pdf(order), f"{order.number}-quotation.pdf")
