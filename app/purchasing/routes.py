"""Purchase order screens: the list, picking the supplier, the draft editor that saves every change, confirming,
cancelling, and after that invoicing, returning to the supplier, the 采购订单 PDF and the reorder suggestions."""
from typing import NamedTuple

from flask import Blueprint, abort, g, request, url_for
from flask_babel import gettext as _

from app.auth.roles import PAYABLES, PURCHASE_READERS, PURCHASE_WRITERS, RECEIVERS, SEES_COST, allow
from app.documents import pdf_response
from app.errors import BusinessRuleError
from app.extensions import db
from app.forms import created, form_write, new_key
from app.inventory.queries import active_warehouses
from app.inventory.queries import product_options as find_products
from app.limits import DIGITS, MAX_ID
from app.lines import QtyInput
from app.order_editor import Editor
from app.partners.models import Supplier
from app.purchasing import printing, queries, receiving, reorder, services
from app.purchasing.forms import InvoiceForm, KeyForm, NewOrderForm, ReturnForm, SuggestionsForm
from app.purchasing.models import PurchaseStatus
from app.web import render

bp = Blueprint("purchasing", __name__)

PER_PAGE = 30


def _order(order_id, for_update=False):
    return queries.order(order_id, for_update) or abort(404)


@bp.route("/purchase-orders")
@allow(PURCHASE_READERS)
def index():
    """Purchase orders newest first, by status and supplier, searched by number or supplier (pinyin too)."""
    args = request.args
    filters = queries.OrderFilter(args.get("q", "").strip()[:100], args.get("status", ""),
                                  args.get("supplier_id", type=int))
    page = queries.orders_page(filters, args.get("page", 1, type=int), PER_PAGE)
    return render("purchasing/index.html", "purchasing/_orders.html" if page.page == 1 else "purchasing/_order_rows.html",
                  page=page, filters=filters, statuses=list(PurchaseStatus),
                  supplier=db.session.get(Supplier, filters.supplier_id) if filters.supplier_id else None)


@bp.route("/purchase-orders/new", methods=["GET", "POST"])
@allow(PURCHASE_WRITERS)
@form_write
def new():
    """Pick the supplier (search as you type); picking one makes the draft."""
    form = NewOrderForm()
    if form.validate_on_submit():
        supplier = db.session.get(Supplier, form.supplier_id.data) or abort(404)
        if response := created(form, lambda: services.create_order(g.user, supplier), lambda order: (
                url_for("purchasing.show", order_id=order.id),
                _("Purchase order %(number)s for %(supplier)s.", number=order.number, supplier=supplier.name))):
            return response
    text = request.args.get("q", "").strip()[:100]
    return render("purchasing/new.html", "purchasing/_supplier_options.html", form=form, text=text,
                  suppliers=queries.supplier_choices(text), status=422 if request.method == "POST" else 200)


@bp.route("/purchase-orders/<int:order_id>")
@allow(PURCHASE_READERS)
def show(order_id):
    """A draft is the editor for its writers; otherwise the order with what happened to it and what comes next."""
    return _show(_order(order_id))


def _show(order, status: int = 200, **extra):
    editing = order.status == PurchaseStatus.DRAFT and g.user.role in PURCHASE_WRITERS
    context = {"order": order, "editing": editing, "invalid": {}, "add_error": None, "refusal": None,
               "steps": [] if editing else _next_steps(order), "invoice_form": InvoiceForm(idempotency_key=new_key()),
               **extra}
    if editing:
        context["text"] = request.args.get("q", "").strip()[:100]
        context["options"] = find_products(context["text"])
    response = render("purchasing/show.html", "purchasing/_lines.html", status=status, **context)
    if status != 200:
        response.headers["HX-Push-Url"] = "false"
    return response


class Step(NamedTuple):
    label: str
    url: str


def _next_steps(order) -> list[Step]:
    """Links to what can be done next with a confirmed order, for this role (invoicing is a form of its own)."""
    role, steps = g.user.role, []
    if order.status.open_for_receipt and role in RECEIVERS:
        steps.append(Step(_("Receive"), url_for("purchasing.receive", order_id=order.id)))
    if role in PURCHASE_WRITERS and any(line.returnable > 0 for line in order.lines):
        steps.append(Step(_("Return to supplier"), url_for("purchasing.return_new", order_id=order.id)))
    if role in PAYABLES and any(invoice.open_amount > 0 for invoice in order.invoices):
        steps.append(Step(_("Pay"), url_for("purchasing.supplier_pay", supplier_id=order.supplier_id)))
    return steps


@bp.route("/purchase-orders/<int:order_id>/products")
@allow(PURCHASE_WRITERS)
def product_options(order_id):
    """Search as you type for a line to add: the matching products, each a button that adds it."""
    order, text = _order(order_id), request.args.get("q", "").strip()[:100]
    return render("orders/_product_options.html", order=order, text=text, options=find_products(text))


editor = Editor("purchasing", _order, services, ("unit_price", "tax_rate"), _show)


editor.add_routes(bp, "/purchase-orders/<int:order_id>", allow(PURCHASE_WRITERS))


@bp.route("/purchase-orders/<int:order_id>/confirm", methods=["POST"])
@allow(PURCHASE_WRITERS)
@form_write
def confirm(order_id):
    """Confirm a draft: it goes to the supplier and counts as on order."""
    return editor.act(order_id, KeyForm(), lambda order: services.confirm_order(g.user, order),
                      lambda order: _("Purchase order %(number)s is confirmed.", number=order.number))


@bp.route("/purchase-orders/<int:order_id>/cancel", methods=["POST"])
@allow(PURCHASE_WRITERS)
@form_write
def cancel(order_id):
    """Cancel an order with nothing received."""
    return editor.act(order_id, KeyForm(), lambda order: services.cancel_order(g.user, order),
                      lambda order: _("Purchase order %(number)s is cancelled.", number=order.number))


@bp.route("/purchase-orders/<int:order_id>/invoice", methods=["POST"])
@allow(PAYABLES)
@form_write
def invoice(order_id):
    """Book the supplier's invoice (with their invoice number) for what was received and not yet invoiced."""
    order, form = _order(order_id), InvoiceForm()
    if form.validate_on_submit() and (response := created(
            form, lambda: receiving.invoice_order(g.user, order, form.supplier_reference.data),
            lambda inv: (url_for("purchasing.show", order_id=order_id),
                         _("Purchase invoice %(number)s was booked.", number=inv.number)))):
        return response
    return _show(_order(order_id), status=422, invoice_form=form,
                 refusal=BusinessRuleError(" ".join(form.form_errors + sum(form.errors.values(), [])) or
                                           _("This form has expired. Please try again.")))


@bp.route("/purchase-orders/<int:order_id>/return", methods=["GET", "POST"])
@allow(PURCHASE_WRITERS)
@form_write
def return_new(order_id):
    """Send received goods back to the supplier (采购退货) at the cost they came in at."""
    order = _order(order_id)
    form = ReturnForm(idempotency_key=new_key(), warehouse_id=order.warehouse_id)
    form.warehouse_id.choices = [(w.id, w.name) for w in active_warehouses()]
    lines = [line for line in order.lines if line.returnable > 0]
    if form.validate_on_submit() and (response := created(
            form, lambda: receiving.return_goods(g.user, order, [
                QtyInput(line.id, request.form.get(f"qty-{line.id}", "0").strip() or "0") for line in lines],
                form.warehouse_id.data, form.reason.data),
            lambda done: (url_for("purchasing.show", order_id=order_id),
                          _("Return %(number)s was recorded.", number=done.number)))):
        return response
    rows = [(line, request.form.get(f"qty-{line.id}", "0")) for line in lines]
    return render("purchasing/return.html", "purchasing/_return_form.html", order=order, form=form, rows=rows,
                  status=422 if request.method == "POST" else 200)


@bp.route("/purchase-orders/<int:order_id>/pdf")
@allow(PURCHASE_READERS & SEES_COST)
def pdf(order_id):
    """采购订单: the order's lines, prices and totals as a PDF to send to the supplier."""
    order = _order(order_id)
    return pdf_response(printing.purchase_order_pdf(order), f"{order.number}.pdf")


@bp.route("/purchase-orders/suggestions", methods=["GET", "POST"])
@allow(PURCHASE_WRITERS)
@form_write
def suggestions():
    """Reorder suggestions for a warehouse; one tap drafts one purchase order per preferred supplier (once)."""
    warehouses = active_warehouses()
    chosen = request.values.get("warehouse_id", type=int) or next((w.id for w in warehouses if w.is_default),
                                                                  warehouses[0].id if warehouses else None)
    form = SuggestionsForm(idempotency_key=new_key(), warehouse_id=chosen)
    if form.validate_on_submit() and (response := created(
            form, lambda: reorder.draft_orders(g.user, form.warehouse_id.data) or _nothing_to_draft(),
            _drafted)):
        return response
    drafted = [int(i) for i in request.args.get("drafted", "").split(",") if DIGITS.fullmatch(i) and int(i) <= MAX_ID][:50]
    return render("purchasing/suggestions.html", "purchasing/_suggestions.html", form=form, warehouses=warehouses,
                  chosen=chosen, rows=reorder.suggestions(chosen) if chosen else [],
                  drafted=[order for i in drafted if (order := queries.order(i))],
                  status=422 if request.method == "POST" else 200)


def _drafted(orders):
    """Back to the suggestions, listing the drafts just made (the same page answers a double tap)."""
    return (url_for("purchasing.suggestions", warehouse_id=orders[0].warehouse_id,
                    drafted=",".join(str(order.id) for order in orders)),
            _("%(count)s purchase orders were drafted.", count=len(orders)))


def _nothing_to_draft():
    raise BusinessRuleError(_("No suggestion has a supplier: set preferred suppliers first."), "warehouse_id")
