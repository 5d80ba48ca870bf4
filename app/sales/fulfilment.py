"""After confirming: deliveries (出库), invoices and returns (退货); the order's status follows (app.trade.status)."""
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.books import posting
from app.audit import services as audit
from app.db_types import business_today
from app.errors import InvalidState
from app.extensions import db
from app.finance.models import CreditAllocation
from app.inventory.bulk import insert_lines
from app.inventory.ledger import Move, Source, post_moves
from app.inventory.models import MoveKind
from app.inventory.services import active_warehouse
from app.lines import QtyInput, pick_quantities  # noqa: F401  (QtyInput: callers build deliveries with it)
from app.numbering import next_number
from app.reports.models import SalesFact
from app.sales.models import (ZERO, SalesDelivery, SalesDeliveryLine, SalesInvoice, SalesInvoiceLine, SalesOrder,
                              SalesOrderLine, SalesReturn, SalesReturnLine)
from app.sales.services import lock
from app.trade import documents
from app.trade.documents import billable
from app.trade.settlement import allocate_credit
from app.trade.status import refresh_status  # noqa: F401  (re-exported: callers import it from here)

COST = Decimal("0.0001")
CENT = Decimal("0.01")


def deliver(actor, order: SalesOrder, lines: list[QtyInput], warehouse_id=None) -> SalesDelivery:
    """Ship some or all of what is still to deliver: stock out at the cost of the moment, reservation released."""
    lock(order)
    if not order.status.can_deliver:
        raise InvalidState(_("Order %(number)s is %(status)s; it cannot be delivered.",
                             number=order.number, status=order.status.label))
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else order.warehouse
    picked = pick_quantities(order, lines, lambda line: line.to_deliver,
                         _("Only %(qty)s %(unit)s of %(name)s are left to deliver."))
    delivery = SalesDelivery(number=next_number("DN"), order=order, warehouse=warehouse, user_id=actor.id)
    db.session.add(delivery)
    db.session.flush()
    made = insert_lines(delivery, "lines", [SalesDeliveryLine(order_line=line, product_id=line.product_id, qty=qty)
                                            for line, qty in picked])
    # One pass under one set of locks: the reservation released and the goods moved out at the cost of the moment.
    posted = post_moves(actor, Source("sales_delivery", delivery.id, delivery.number),
                        [Move(dl.product_id, warehouse.id, -dl.qty, MoveKind.SALES_DELIVERY, line=dl)
                         for dl in made],
                        release=[(line.product_id, order.warehouse_id, qty) for line, qty in picked])
    for line, qty in picked:
        line.delivered_qty += qty
    before = order.status
    refresh_status(order)
    audit.record(actor, "sales_order.deliver", order, {
        "status": (before, order.status), "delivery": (None, delivery.number),
        "lines": (None, audit.listed((move.product.sku, -move.qty, move.unit_cost) for move in posted))})
    posting.post(actor, "sales_delivery", delivery, moves=posted)
    return delivery


def invoice_order(actor, order: SalesOrder) -> SalesInvoice:
    """Invoice what has been delivered, kept and not yet invoiced; due after the customer's payment terms."""
    lock(order)
    lines = billable(order, _("Order %(number)s has nothing delivered waiting to be billed.", number=order.number))
    invoice = documents.invoice(actor, order, order.customer, SalesInvoice, SalesInvoiceLine, "SI", lines,
                                business_today(), customer_id=order.customer_id)
    _record_invoice_facts(order, invoice)
    before = order.status
    refresh_status(order)
    audit.record(actor, "sales_order.invoice", order, {"status": (before, order.status),
                                                       "invoice": (None, invoice.number), "total": (None, invoice.total)})
    posting.post(actor, "sales_invoice", invoice)
    return invoice


def return_goods(actor, order: SalesOrder, lines: list[QtyInput], warehouse_id=None, reason: str = "") -> SalesReturn:
    """Take delivered goods back at the cost they left at; what had been invoiced becomes a credit note."""
    lock(order)
    # By default goods come back to where they last left from.
    shipped_from = order.deliveries[-1].warehouse if order.deliveries else order.warehouse
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else shipped_from
    picked = pick_quantities(order, lines, lambda line: line.returnable,
                         _("Only %(qty)s %(unit)s of %(name)s were delivered and not returned."))
    costs = delivered_costs([line for line, _qty in picked])
    sales_return = documents.take_back(actor, order, SalesReturn, SalesReturnLine, "SR", picked, warehouse, reason,
                                       lambda line: costs[line.id], customer_id=order.customer_id)
    _record_return_facts(order, sales_return)
    posted = post_moves(actor, Source("sales_return", sales_return.id, sales_return.number),
                        [Move(rl.product_id, warehouse.id, rl.qty, MoveKind.SALES_RETURN, unit_cost=rl.unit_cost,
                              line_id=rl.id) for rl in sales_return.lines])
    allocate_credit(sales_return, lambda note, invoice, amount: CreditAllocation(sales_return=note, invoice=invoice,
                                                                                 amount=amount))
    before = order.status
    refresh_status(order)
    audit.record(actor, "sales_return.create", sales_return, {
        "order": (None, order.number), "order_status": (before, order.status), "credit": (None, sales_return.total),
        "lines": (None, audit.listed((move.product.sku, move.qty, move.unit_cost) for move in posted))})
    posting.post(actor, "sales_return", sales_return, moves=posted)
    return sales_return


def delivered_costs(lines: list[SalesOrderLine]) -> dict[int, Decimal]:
    """{order line id: the average cost its goods left at (what returned goods come back at)}, in one query."""
    shipped = db.session.execute(select(SalesDeliveryLine.order_line_id, SalesDeliveryLine.qty,
                                        SalesDeliveryLine.unit_cost)
                                 .where(SalesDeliveryLine.order_line_id.in_({line.id for line in lines}))).all()
    sums = {line.id: [ZERO, ZERO] for line in lines}
    for line_id, qty, unit_cost in shipped:
        sums[line_id][0] += qty
        sums[line_id][1] += qty * unit_cost
    return {line_id: (value / qty).quantize(COST, ROUND_HALF_UP) if qty else ZERO
            for line_id, (qty, value) in sums.items()}


def _record_invoice_facts(order: SalesOrder, invoice: SalesInvoice) -> None:
    """The invoice's lines as sales facts for the reports: revenue before tax, cost at what the goods left at."""
    costs = delivered_costs([il.order_line for il in invoice.lines])
    db.session.add_all(SalesFact(day=invoice.issued_on, invoice_id=invoice.id, product_id=il.product_id,
                                 customer_id=invoice.customer_id, salesperson_id=order.salesperson_id,
                                 warehouse_id=order.warehouse_id, qty=il.qty, revenue=il.amount,
                                 cost=(il.qty * costs[il.order_line_id]).quantize(CENT, ROUND_HALF_UP))
                       for il in invoice.lines)


def _record_return_facts(order: SalesOrder, sales_return: SalesReturn) -> None:
    """The credited part of a return as negative sales facts; goods never invoiced were never counted as sold."""
    db.session.add_all(SalesFact(day=business_today(), return_id=sales_return.id, product_id=rl.product_id,
                                 customer_id=sales_return.customer_id, salesperson_id=order.salesperson_id,
                                 warehouse_id=sales_return.warehouse_id, qty=-rl.credited_qty, revenue=-rl.amount,
                                 cost=-(rl.credited_qty * rl.unit_cost).quantize(CENT, ROUND_HALF_UP))
                       for rl in sales_return.lines if rl.credited_qty > 0)
