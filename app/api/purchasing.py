"""Purchase orders, receipts (入库), supplier invoices, returns (采购退货) and reordering over the API.

Thin adapters over app.purchasing. Purchase prices are costs: they leave the server only for roles that see costs,
so warehouse staff, who receive goods, get quantities alone.
"""
from flask import abort, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from app.api import trade
from app.api.routes import bp
from app.api.pagination import MAX_PER_PAGE
from app.api.sales import enum_arg, optional_body
from app.api.feed import Feed
from app.api.schema import DecimalString, Integer, ListOf, Nested, Schema, String, ValidationFailed
from app.api.spec import NOT_A_FEED, Link, operation, parse_body, reply, reply_page
from app.api.suppliers import INVOICE
from app.auth.roles import PAYABLES, PURCHASE_READERS, PURCHASE_WRITERS, RECEIVERS, allow, sees_cost
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import PERCENT, PRICE, QUANTITY
from app.lines import QtyInput
from app.partners.models import Supplier
from app.purchasing import receiving, reorder
from app.purchasing import services as purchasing
from app.purchasing.models import PurchaseOrder, PurchaseReceipt, PurchaseReturn, PurchaseStatus

COST = "Absent for warehouse users"
DATE = {"type": "string", "format": "date"}

ORDER_LINE = trade.priced_line("PurchaseOrderLine", ("received_qty", "invoiced_qty", "returned_qty"), sees_cost, COST)
ORDER = trade.order("PurchaseOrder", {"supplier_id": Integer()}, PurchaseStatus, ORDER_LINE, sees_cost, COST,
                    dates={"expected_on": String(nullable=True, description="YYYY-MM-DD")})
ORDER_CREATE = Schema("PurchaseOrderCreate", {
    "supplier_id": Integer(required=True), "warehouse_id": Integer(description="Default: the default warehouse"),
    "notes": String(max_length=2000),
    "lines": ListOf(Nested(Schema("PurchaseOrderLineInput", {
        "product_id": Integer(required=True), "qty": DecimalString(3, QUANTITY, required=True),
        "unit_price": DecimalString(2, PRICE, description="Default: the supplier's last price, else the purchase price"),
        "tax_rate": DecimalString(2, PERCENT, description="Default: the company's rate")})), min_items=1, required=True)})
QTY_LINES = trade.qty_lines("PurchaseLineQty")
RECEIPT_CREATE = Schema("PurchaseReceiptCreate", {"lines": QTY_LINES,
                                                  "warehouse_id": Integer(description="Default: the order's")})
RECEIPT = trade.moved("PurchaseReceipt", "purchase_order_id", COST)
INVOICE_CREATE = Schema("PurchaseInvoiceCreate", {
    "supplier_reference": String(max_length=50, description="The supplier's own invoice number")})
RETURN_CREATE = Schema("PurchaseReturnCreate", {
    "purchase_order_id": Integer(required=True), "lines": QTY_LINES,
    "warehouse_id": Integer(description="Default: where the goods were last received"),
    "reason": String(max_length=200)})
RETURN = trade.returned("PurchaseReturn", "purchase_order_id", "supplier_id", sees_cost, COST, COST,
                        "The supplier's credit (invoiced goods returned). ")
SUGGESTION = Schema("ReorderSuggestion", {
    "product_id": Integer(source="product.id"), "sku": String(source="product.sku"),
    "name": String(source="product.name"), "available": DecimalString(3), "on_order": DecimalString(3),
    "min_stock": DecimalString(3, source="product.min_stock"),
    "max_stock": DecimalString(3, source="product.max_stock"),
    "qty": DecimalString(3, description="Up to max_stock, rounded up to the supplier's minimum order"),
    "supplier_id": Integer(nullable=True, description="The preferred supplier; null when none is known",
                           source="supplier.id"),
    "unit_price": DecimalString(2, nullable=True, description="The supplier's last price, else the purchase price")})
FROM_SUGGESTIONS = Schema("PurchaseOrdersFromSuggestions", {"warehouse_id": Integer(required=True)})
DRAFTED = Schema("PurchaseOrdersDrafted", {"items": ListOf(Nested(ORDER)), "total": Integer()})


def _order(order_id) -> PurchaseOrder:
    return db.session.get(PurchaseOrder, order_id) or abort(404)


def _qty_inputs(data: dict) -> list[QtyInput]:
    return [QtyInput(line["line_id"], line["qty"]) for line in data["lines"]]


# Orders --------------------------------------------------------------------------------------------

@bp.route("/purchase-orders")
@allow(PURCHASE_READERS)
@operation("List purchase orders", response=ORDER, listing=True, item="api.purchase_orders_show",
           feed=Feed(PurchaseOrder), links={
    "receive": Link("api.purchase_orders_receive", parameters={"path.order_id": "$response.body#/items/0/id"}, body={
        "lines": [{"line_id": "$response.body#/items/0/lines/0/id", "qty": "1"}],
        "warehouse_id": "$response.body#/items/0/warehouse_id"})}, query={
    "status": {"type": "string", "enum": [s.value for s in PurchaseStatus]}, "supplier_id": {"type": "integer"}})
def purchase_orders_index():
    """Purchase orders, newest first."""
    query = select(PurchaseOrder).options(selectinload(PurchaseOrder.lines))
    if status := enum_arg(PurchaseStatus, "status"):
        query = query.where(PurchaseOrder.status == status)
    if (supplier_id := request.args.get("supplier_id", type=int)) is not None:
        query = query.where(PurchaseOrder.supplier_id == supplier_id)
    return reply_page(query.order_by(PurchaseOrder.id.desc()))


@bp.route("/purchase-orders", methods=["POST"])
@allow(PURCHASE_WRITERS)
@operation("Create a draft purchase order", body=ORDER_CREATE, response=ORDER, status=201, problems=(404,),
           location="api.purchase_orders_show")
def purchase_orders_create():
    """A draft expected after the supplier's lead time; errors name lines.N.field."""
    data = parse_body()
    supplier = db.session.get(Supplier, data["supplier_id"])
    if supplier is None:
        raise BusinessRuleError(_("No such supplier."), "supplier_id", problem="not-found")
    with trade.lines_named():
        order = purchasing.create_order(g.user, supplier, data.get("warehouse_id"), [purchasing.LineInput(
            line["product_id"], line["qty"], line.get("unit_price"), line.get("tax_rate")) for line in data["lines"]],
            notes=data.get("notes", ""))
    db.session.flush()  # the reply shows ids
    return reply(order, location=url_for("api.purchase_orders_show", order_id=order.id))


@bp.route("/purchase-orders/<int:order_id>")
@allow(PURCHASE_READERS)
@operation("Read a purchase order", response=ORDER)
def purchase_orders_show(order_id):
    """One purchase order with its lines and what came in."""
    return reply(_order(order_id))


@bp.route("/purchase-orders/<int:order_id>/confirm", methods=["POST"])
@allow(PURCHASE_WRITERS)
@operation("Confirm a draft: on order, open for receiving", response=ORDER, problems=(409,), links={
    "receive": Link("api.purchase_orders_receive", parameters={"path.order_id": "$response.body#/id"}, body={
        "lines": [{"line_id": "$response.body#/lines/0/id", "qty": "1"}],
        "warehouse_id": "$response.body#/warehouse_id"})})
def purchase_orders_confirm(order_id):
    """Draft to confirmed; 409 invalid-state otherwise."""
    order = _order(order_id)
    optional_body()
    purchasing.confirm_order(g.user, order)
    return reply(order)


@bp.route("/purchase-orders/<int:order_id>/cancel", methods=["POST"])
@allow(PURCHASE_WRITERS)
@operation("Cancel an order with nothing received", response=ORDER, problems=(409,))
def purchase_orders_cancel(order_id):
    """Cancel; 409 invalid-state once anything is received."""
    order = _order(order_id)
    optional_body()
    purchasing.cancel_order(g.user, order)
    return reply(order)


# Receipts, invoices, returns -----------------------------------------------------------------------

@bp.route("/purchase-orders/<int:order_id>/receipts", methods=["POST"])
@allow(RECEIVERS)
@operation("Receive some or all of a confirmed order (stock in; moving-average cost updated)", body=RECEIPT_CREATE,
           response=RECEIPT, status=201, problems=(409,), location="api.purchase_receipts_show", links={
               "invoice": Link("api.purchase_orders_invoice", parameters={
                   "path.order_id": "$response.body#/purchase_order_id"}),
               "return": Link("api.purchase_returns_create", body={
                   "purchase_order_id": "$response.body#/purchase_order_id",
                   "lines": [{"line_id": "$response.body#/lines/0/line_id", "qty": "1"}],
                   "warehouse_id": "$response.body#/warehouse_id"})})
def purchase_orders_receive(order_id):
    """Posts stock-in moves at the order's price; never more than ordered plus the owner's tolerance (422)."""
    order = _order(order_id)
    data = parse_body()
    receipt = receiving.receive(g.user, order, _qty_inputs(data), data.get("warehouse_id"))
    return reply(receipt, location=url_for("api.purchase_receipts_show", receipt_id=receipt.id))


@bp.route("/purchase-receipts/<int:receipt_id>")
@allow(PURCHASE_READERS)
@operation("Read a goods receipt", response=RECEIPT)
def purchase_receipts_show(receipt_id):
    """One posted receipt (入库单)."""
    receipt = db.session.get(PurchaseReceipt, receipt_id)
    if receipt is None or receipt.posted_at is None:  # a receipt still being scanned is not a document yet
        abort(404)
    return reply(receipt)


@bp.route("/purchase-orders/<int:order_id>/invoice", methods=["POST"])
@allow(PAYABLES)
@operation("Record the supplier's invoice for what was received and not yet invoiced", body=INVOICE_CREATE,
           body_optional=True, response=INVOICE, status=201, problems=(409,), location="api.purchase_invoices_show",
           links={"pay": Link("api.payments_create", body={
               "supplier_id": "$response.body#/supplier_id", "amount": "1.00", "method": "bank_transfer",
               "allocations": [{"invoice_id": "$response.body#/id", "amount": "1.00"}]})})
def purchase_orders_invoice(order_id):
    """A new purchase invoice due after the supplier's payment terms; 409 invalid-state when nothing waits."""
    order = _order(order_id)
    invoice = receiving.invoice_order(g.user, order, optional_body().get("supplier_reference", ""))
    return reply(invoice, location=url_for("api.purchase_invoices_show", invoice_id=invoice.id))


@bp.route("/purchase-returns", methods=["POST"])
@allow(RECEIVERS)
@operation("Send received goods back to the supplier (stock out at the received cost; credit)", body=RETURN_CREATE,
           response=RETURN, status=201, problems=(404, 409), location="api.purchase_returns_show")
def purchase_returns_create():
    """Never more than received and not yet returned (422); what had been invoiced is credited."""
    data = parse_body()
    order = db.session.get(PurchaseOrder, data["purchase_order_id"])
    if order is None:
        raise BusinessRuleError(_("No such purchase order."), "purchase_order_id", problem="not-found")
    purchase_return = receiving.return_goods(g.user, order, _qty_inputs(data), data.get("warehouse_id"),
                                             data.get("reason", ""))
    return reply(purchase_return, location=url_for("api.purchase_returns_show", return_id=purchase_return.id))


@bp.route("/purchase-returns/<int:return_id>")
@allow(PURCHASE_READERS)
@operation("Read a purchase return", response=RETURN)
def purchase_returns_show(return_id):
    """One return to a supplier (采购退货单)."""
    return reply(db.session.get(PurchaseReturn, return_id) or abort(404))


# Reordering ----------------------------------------------------------------------------------------

@bp.route("/reorder-suggestions")
@allow(PURCHASE_WRITERS)
@operation("Products to reorder for a warehouse", response=SUGGESTION, listing=True, description=NOT_A_FEED,
           query={"warehouse_id": {"type": "integer"}}, query_required=("warehouse_id",))
def reorder_suggestions():
    """Products whose available plus on-order quantity is below min_stock, with the preferred supplier."""
    if (warehouse_id := request.args.get("warehouse_id", type=int)) is None:
        raise ValidationFailed({"warehouse_id": [_("Required.")]})
    found = reorder.suggestions(warehouse_id)
    page, per_page = request.args.get("page", 1, type=int), request.args.get("per_page", 50, type=int)
    if page < 1 or not 1 <= per_page <= MAX_PER_PAGE:
        raise ValidationFailed({"per_page": [_("Must be a whole number from 1 to %(n)d.", n=MAX_PER_PAGE)]})
    return reply({"items": found[(page - 1) * per_page:page * per_page], "total": len(found), "page": page,
                  "per_page": per_page})


@bp.route("/purchase-orders/from-suggestions", methods=["POST"])
@allow(PURCHASE_WRITERS)
@operation("Draft one purchase order per preferred supplier from the reorder suggestions", body=FROM_SUGGESTIONS,
           response=DRAFTED, status=201)
def purchase_orders_from_suggestions():
    """The drafted orders (none when nothing needs reordering or no supplier is known)."""
    orders = reorder.draft_orders(g.user, parse_body()["warehouse_id"])
    db.session.flush()
    return reply({"items": orders, "total": len(orders)})
