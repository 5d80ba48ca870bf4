"""Order screens: the list, picking the customer, the draft editor that saves every change, confirming."""
from datetime import date
from typing import NamedTuple

from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import (DELIVERERS, INVOICERS, MONEY_WRITERS, SALES_READERS, SALES_WRITERS, SEES_SALE_PRICE, Role,
                            allow, sees_sale_price)
from app.documents import pdf_response
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import created, form_write, new_key, refuse
from app.inventory.queries import active_warehouses, find_exact
from app.inventory.queries import product_options as find_products
from app.limits import optional_date
from app.order_editor import Editor
from app.partners.services import salesperson_choices
from app.sales import pricing, printing, queries, services
from app.sales.forms import ActionForm, NewOrderForm, OrderFieldsForm
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
@form_write
def new():
    """Pick the customer (search as you type, recent ones first); picking one makes the draft."""
    form = NewOrderForm()
    if form.validate_on_submit():
        customer = queries.customer_in_scope(g.user, form.customer_id.data) or abort(404)
        try:
            order = services.create_order(g.user, customer)
        except BusinessRuleError as error:
            refuse(form, BusinessRuleError(error.message))  # the picker has no field to show it on
        else:
            db.session.flush()
            flash(_("Order %(number)s for %(customer)s.", number=order.number, customer=customer.name), "success")
            return redirect(url_for("sales.show", order_id=order.id))
    text = request.args.get("q", "").strip()[:100]
    chosen = queries.customer_in_scope(g.user, request.args.get("customer_id", type=int))
    return render("sales/new.html", "sales/_customer_options.html", form=form, text=text,
                  customers=queries.customer_choices(g.user, text), chosen=chosen,
                  chosen_last=queries.last_repeatable(g.user, chosen.id) if chosen else None,
                  status=422 if request.method == "POST" else 200)


@bp.route("/orders/<int:order_id>")
@allow(SALES_READERS)
def show(order_id):
    """A draft is the editor for its writers; otherwise the order with what happened to it and what comes next."""
    return _show(queries.order(g.user, order_id) or abort(404))


def _show(order, status: int = 200, **extra):
    editing = order.status == OrderStatus.DRAFT and g.user.role in SALES_WRITERS
    context = {"order": order, "editing": editing, "invalid": {}, "add_error": None, "refusal": None,
               "may_approve": False, "fragment": wants_fragment(), **extra}
    if editing:
        context["standing"] = services.credit_standing(order)  # the banner, and the bar's warning
        if context["fragment"]:  # the lines after a change: their stock, and the banner and bar swapped beside them
            context["available"] = queries.available(order)
        else:
            text = request.args.get("q", "").strip()[:100]
            options, often = find_products(text), queries.often_bought(order.customer_id)
            context.setdefault("fields", _fields_form(order))
            context.update(text=text, options=options, often=often, **_offer(
                order, [product.product_id for product, _units in options] + [product.id for product, _qty in often],
                lines=True))
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
        steps.append(Step(_("Make sales slip"), url_for("sales.invoice_create", order_id=order.id), post=True))
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
    options = find_products(text)
    # exact: the text is a barcode or SKU, so order.js adds its one product as if scanned (a name only lists).
    return render("orders/_product_options.html", "orders/_product_options.html", order=order, text=text,
                  options=options, exact=bool(text) and find_exact(text) is not None,
                  **_offer(order, [product.product_id for product, _units in options]))


def _offer(order, product_ids: list[int], lines: bool = False) -> dict:
    """What products offered to a draft show: what is available in its warehouse (with its lines' too when `lines`)
    and, for those who see prices, the price this customer would pay."""
    ids = set(product_ids) | ({line.product_id for line in order.lines} if lines else set())
    prices = pricing.customer_prices(order.customer, queries.products(product_ids)) if sees_sale_price(g.user) else {}
    return {"available": queries.available(order, ids), "prices": prices}


@bp.route("/orders/<int:order_id>/repeat", methods=["POST"])
@allow(SALES_WRITERS)
@form_write
def repeat(order_id):
    """再来一单: a new draft for the order's customer with its products and quantities, at today's prices."""
    source = queries.order(g.user, order_id) or abort(404)
    form = ActionForm()
    response = created(form, lambda: services.repeat_order(g.user, source), lambda order: (
        url_for("sales.show", order_id=order.id),
        _("Order %(number)s for %(customer)s.", number=order.number, customer=order.customer.name)))
    if response is None:  # refused (the customer stopped buying, no warehouse): say why where the tap was
        flash(" ".join(form.form_errors), "error")
        return redirect(url_for("sales.show", order_id=source.id), 303)
    return response


def _load(order_id, for_update=False):
    return queries.order(g.user, order_id, for_update=for_update) or abort(404)


editor = Editor("sales", _load, services, ("unit_price", "discount_pct", "tax_rate"), _show)


editor.add_routes(bp, "/orders/<int:order_id>", allow(SALES_WRITERS))


def _fields_form(order, formdata=None):
    form = OrderFieldsForm(formdata=formdata, data={"warehouse_id": order.warehouse_id, "notes": order.notes})
    form.warehouse_id.choices = [(w.id, w.name) for w in active_warehouses()]
    return form


@bp.route("/orders/<int:order_id>/fields", methods=["POST"])
@allow(SALES_WRITERS)
@form_write
def update(order_id):
    """Save a draft's warehouse and notes on change; htmx gets the status line, the lines hear `order-updated`."""
    order = queries.order(g.user, order_id, for_update=True) or abort(404)
    form = _fields_form(order, request.form)
    if form.validate():
        try:
            services.update_order(g.user, order, form.warehouse_id.data, form.notes.data)
        except BusinessRuleError as error:
            refuse(form, BusinessRuleError(error.message, "warehouse_id"))
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
@form_write
def confirm(order_id):
    """Confirm a draft: within the customer's credit limit (or approved over it by the owner), stock reserved."""
    form = ActionForm()
    return editor.act(order_id, form, lambda order: services.confirm_order(
        g.user, order, approve_over_limit=form.approve_over_limit.data == "1"),
        lambda order: _("Order %(number)s is confirmed; the goods are reserved.", number=order.number),
        may_approve=lambda error: isinstance(error, services.CreditLimitExceeded) and g.user.role == Role.OWNER)


@bp.route("/orders/<int:order_id>/cancel", methods=["POST"])
@allow(SALES_WRITERS)
@form_write
def cancel(order_id):
    """Cancel an order with nothing delivered; a confirmed one gives its reserved stock back."""
    return editor.act(order_id, ActionForm(), lambda order: services.cancel_order(g.user, order),
                      lambda order: _("Order %(number)s is cancelled.", number=order.number))


@bp.route("/orders/<int:order_id>/quotation.pdf")
@allow(PRICE_READERS)
def quotation_pdf(order_id):
    """报价单: the order's lines, prices and totals as a PDF to hand or send to the customer."""
    order = queries.order(g.user, order_id) or abort(404)
    return pdf_response(printing.quotation_pdf(order), f"{order.number}-quotation.pdf")
