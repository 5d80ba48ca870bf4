"""Sales orders, their deliveries and returns over the API: thin adapters over app.sales, scoped per caller.

Prices leave the server only for roles that see sale prices (never to warehouse staff); costs only for
roles that see costs.
"""
from flask import abort, current_app, g, request, url_for
from flask_babel import gettext as _
from sqlalchemy.orm import selectinload

from app.api import trade
from app.api.routes import bp
from app.api.feed import Feed
from app.api.schema import Boolean, DecimalString, Integer, ListOf, Nested, Schema, String, ValidationFailed
from app.api.spec import Link, operation, parse_body, reply, reply_page, request_json
from app.auth.roles import DELIVERERS, SALES_READERS, SALES_WRITERS, allow, sees_sale_price
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import PERCENT, PRICE, QUANTITY
from app.partners.models import Customer
from app.sales import fulfilment, scope
from app.sales import services as sales
from app.sales.models import OrderStatus, SalesDelivery, SalesOrder, SalesReturn

NO_PRICE = "Absent for warehouse users"
NOTHING = Schema("Nothing", {})
COST = "Only for roles that see costs"

ORDER_LINE = trade.priced_line("SalesOrderLine", ("delivered_qty",), sees_sale_price, NO_PRICE, discount=True)
ORDER = trade.order("SalesOrder", {"customer_id": Integer(), "salesperson_id": Integer(nullable=True)}, OrderStatus,
                    ORDER_LINE, sees_sale_price, NO_PRICE)
ORDER_CREATE = Schema("SalesOrderCreate", {
    "customer_id": Integer(required=True), "warehouse_id": Integer(description="Default: the default warehouse"),
    "notes": String(max_length=2000),
    "lines": ListOf(Nested(Schema("SalesOrderLineInput", {
        "product_id": Integer(required=True), "qty": DecimalString(3, QUANTITY, required=True),
        "unit_price": DecimalString(2, PRICE, description="Default: the customer's last or list price"),
        "discount_pct": DecimalString(2, PERCENT), "tax_rate": DecimalString(2, PERCENT, description="Default: the company's rate")})),
        min_items=1, required=True)})
CONFIRM = Schema("SalesOrderConfirm", {
    "approve_over_limit": Boolean(description="Owner only: confirm although the credit limit is exceeded")})
QTY_LINES = trade.qty_lines("OrderLineQty")
DELIVERY_CREATE = Schema("SalesDeliveryCreate", {"lines": QTY_LINES,
                                                 "warehouse_id": Integer(description="Default: the order's")})
DELIVERY = trade.moved("SalesDelivery", "sales_order_id", COST)
RETURN_CREATE = Schema("SalesReturnCreate", {
    "sales_order_id": Integer(required=True), "lines": QTY_LINES,
    "warehouse_id": Integer(description="Default: the order's"), "reason": String(max_length=200)})
RETURN = trade.returned("SalesReturn", "sales_order_id", "customer_id", sees_sale_price, NO_PRICE, COST,
                        "The credit note (billed goods returned). ")


# Helpers the other sales API modules share ----------------------------------------------------------

def optional_body() -> dict:
    """The view's declared body, or {} when none is sent; unknown fields are refused either way."""
    if not request.get_data():
        return {}
    op = current_app.view_functions[request.endpoint].operation
    return (op.body or NOTHING).parse(request_json(), partial=op.partial)


def referenced(query, model, object_id, field: str, missing: str):
    """An object a body names, if in the caller's scope; 404 naming the field otherwise (existence never shown)."""
    found = scope.get(query, model, object_id)
    if found is None:
        raise BusinessRuleError(missing, field, problem="not-found")
    return found


def enum_arg(kind, name: str):
    """A query argument that must be one of an enum's values (422 otherwise); None when not sent."""
    if not (value := request.args.get(name)):
        return None
    try:
        return kind(value)
    except ValueError:
        raise ValidationFailed({name: [_("Must be one of: %(values)s.", values=", ".join(kind))]}) from None


def order_in_scope(order_id) -> SalesOrder:
    return scope.get(scope.orders(g.user), SalesOrder, order_id) or abort(404)


def _qty_inputs(data: dict) -> list[fulfilment.QtyInput]:
    return [fulfilment.QtyInput(line["line_id"], line["qty"]) for line in data["lines"]]


# Orders --------------------------------------------------------------------------------------------

@bp.route("/sales-orders")
@allow(SALES_READERS)
@operation("List sales orders", response=ORDER, listing=True, item="api.sales_orders_show", feed=Feed(SalesOrder), links={
    "deliver": Link("api.sales_orders_deliver", parameters={"path.order_id": "$response.body#/items/0/id"}, body={
        "lines": [{"line_id": "$response.body#/items/0/lines/0/id", "qty": "1"}],
        "warehouse_id": "$response.body#/items/0/warehouse_id"})},
           query={"status": {"type": "string", "enum": [s.value for s in OrderStatus]},
                  "customer_id": {"type": "integer"}})
def sales_orders_index():
    """Orders in the caller's scope, newest first."""
    query = scope.orders(g.user).options(selectinload(SalesOrder.lines))
    if status := enum_arg(OrderStatus, "status"):
        query = query.where(SalesOrder.status == status)
    if (customer_id := request.args.get("customer_id", type=int)) is not None:
        query = query.where(SalesOrder.customer_id == customer_id)
    return reply_page(query.order_by(SalesOrder.id.desc()))


@bp.route("/sales-orders", methods=["POST"])
@allow(SALES_WRITERS)
@operation("Create a draft sales order", body=ORDER_CREATE, response=ORDER, status=201, problems=(404,),
           location="api.sales_orders_show", links={"deliver": Link("api.sales_orders_deliver", parameters={
               "path.order_id": "$response.body#/id"}, body={"lines": [{"line_id": "$response.body#/lines/0/id",
                                                                          "qty": "1"}],
                                                               "warehouse_id": "$response.body#/warehouse_id"})})
def sales_orders_create():
    """A draft; each line's price defaults to the customer's price (errors name lines.N.field)."""
    data = parse_body()
    customer = referenced(scope.customers(g.user), Customer, data["customer_id"], "customer_id",
                          _("No such customer."))
    with trade.lines_named():
        order = sales.create_order(g.user, customer, data.get("warehouse_id"), [sales.LineInput(
            line["product_id"], line["qty"], line.get("unit_price"), line.get("discount_pct"), line.get("tax_rate"))
            for line in data["lines"]], notes=data.get("notes", ""))
    db.session.flush()  # the reply shows ids
    return reply(order, location=url_for("api.sales_orders_show", order_id=order.id))


@bp.route("/sales-orders/<int:order_id>")
@allow(SALES_READERS)
@operation("Read a sales order", response=ORDER)
def sales_orders_show(order_id):
    """One order with its lines."""
    return reply(order_in_scope(order_id))


@bp.route("/sales-orders/<int:order_id>/confirm", methods=["POST"])
@allow(SALES_WRITERS)
@operation("Confirm a draft: credit check, stock reserved (body optional)", body=CONFIRM, body_optional=True,
           response=ORDER, problems=(409,), links={"deliver": Link("api.sales_orders_deliver", parameters={
               "path.order_id": "$response.body#/id"}, body={"lines": [{"line_id": "$response.body#/lines/0/id",
                                                                          "qty": "1"}],
                                                               "warehouse_id": "$response.body#/warehouse_id"})})
def sales_orders_confirm(order_id):
    """Draft to confirmed; 409 insufficient-stock, credit-limit-exceeded or invalid-state."""
    order = order_in_scope(order_id)
    sales.confirm_order(g.user, order, approve_over_limit=optional_body().get("approve_over_limit", False))
    return reply(order)


@bp.route("/sales-orders/<int:order_id>/cancel", methods=["POST"])
@allow(SALES_WRITERS)
@operation("Cancel an order with nothing delivered; reservations are released", response=ORDER, problems=(409,))
def sales_orders_cancel(order_id):
    """Cancel; 409 invalid-state once anything is delivered."""
    order = order_in_scope(order_id)
    optional_body()
    sales.cancel_order(g.user, order)
    return reply(order)


# Deliveries and returns ----------------------------------------------------------------------------

@bp.route("/sales-orders/<int:order_id>/deliveries", methods=["POST"])
@allow(DELIVERERS)
@operation("Deliver some or all of a confirmed order (stock out)", body=DELIVERY_CREATE, response=DELIVERY,
           status=201, problems=(409,), location="api.sales_deliveries_show", links={
               "invoice": Link("api.sales_orders_invoice", parameters={"path.order_id": "$response.body#/sales_order_id"}),
               "return": Link("api.sales_returns_create", body={
                   "sales_order_id": "$response.body#/sales_order_id",
                   "lines": [{"line_id": "$response.body#/lines/0/line_id", "qty": "1"}],
                   "warehouse_id": "$response.body#/warehouse_id"})})
def sales_orders_deliver(order_id):
    """Posts stock-out moves; the order becomes partially_delivered or delivered."""
    order = order_in_scope(order_id)
    data = parse_body()
    delivery = fulfilment.deliver(g.user, order, _qty_inputs(data), data.get("warehouse_id"))
    return reply(delivery, location=url_for("api.sales_deliveries_show", delivery_id=delivery.id))


@bp.route("/sales-deliveries/<int:delivery_id>")
@allow(SALES_READERS)
@operation("Read a delivery", response=DELIVERY)
def sales_deliveries_show(delivery_id):
    """One delivery (出库单): quantities only."""
    return reply(scope.get(scope.deliveries(g.user), SalesDelivery, delivery_id) or abort(404))


@bp.route("/sales-returns", methods=["POST"])
@allow(DELIVERERS)
@operation("Take delivered goods back (stock in, credit note)", body=RETURN_CREATE, response=RETURN, status=201,
           problems=(404, 409), location="api.sales_returns_show")
def sales_returns_create():
    """Never more than delivered and not yet returned; what had been invoiced is credited."""
    data = parse_body()
    order = referenced(scope.orders(g.user), SalesOrder, data["sales_order_id"], "sales_order_id",
                       _("No such sales order."))
    sales_return = fulfilment.return_goods(g.user, order, _qty_inputs(data), data.get("warehouse_id"),
                                           data.get("reason", ""))
    return reply(sales_return, location=url_for("api.sales_returns_show", return_id=sales_return.id))


@bp.route("/sales-returns")
@allow(SALES_READERS)
@operation("List sales returns (credit notes)", response=RETURN, listing=True, item="api.sales_returns_show",
           feed=Feed(SalesReturn),
           query={"customer_id": {"type": "integer"}, "sales_order_id": {"type": "integer"}})
def sales_returns_index():
    """Returns in the caller's scope, newest first."""
    query = scope.returns(g.user).options(selectinload(SalesReturn.lines))
    if (customer_id := request.args.get("customer_id", type=int)) is not None:
        query = query.where(SalesReturn.customer_id == customer_id)
    if (order_id := request.args.get("sales_order_id", type=int)) is not None:
        query = query.where(SalesReturn.order_id == order_id)
    return reply_page(query.order_by(SalesReturn.id.desc()))


@bp.route("/sales-returns/<int:return_id>")
@allow(SALES_READERS)
@operation("Read a sales return", response=RETURN)
def sales_returns_show(return_id):
    """One return with its credit."""
    return reply(scope.get(scope.returns(g.user), SalesReturn, return_id) or abort(404))
