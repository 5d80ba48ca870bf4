"""After confirming: deliveries (出库), invoices, returns (退货) and the order's status that follows from them."""
from datetime import timedelta
from decimal import ROUND_HALF_UP, Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.db_types import business_today
from app.errors import InvalidState
from app.extensions import db
from app.finance.models import CreditAllocation
from app.inventory.ledger import Move, Source, post_moves, reserve
from app.inventory.models import MoveKind
from app.inventory.services import active_warehouse
from app.lines import QtyInput, pick_quantities  # noqa: F401  (QtyInput: callers build deliveries with it)
from app.numbering import next_number
from app.sales.models import (ZERO, InvoiceStatus, OrderStatus, SalesDelivery, SalesDeliveryLine, SalesInvoice,
                              SalesInvoiceLine, SalesOrder, SalesOrderLine, SalesReturn, SalesReturnLine, line_amounts,
                              spread)
from app.sales.services import lock

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
    reserve([(line.product_id, order.warehouse_id, -qty) for line, qty in picked])
    delivery = SalesDelivery(number=next_number("DN"), order=order, warehouse=warehouse, user_id=actor.id,
                             lines=[SalesDeliveryLine(order_line=line, product_id=line.product_id, qty=qty)
                                    for line, qty in picked])
    db.session.add(delivery)
    db.session.flush()
    posted = post_moves(actor, Source("sales_delivery", delivery.id, delivery.number),
                        [Move(dl.product_id, warehouse.id, -dl.qty, MoveKind.SALES_DELIVERY, line_id=dl.id)
                         for dl in delivery.lines])
    for delivery_line, move in zip(delivery.lines, posted):
        delivery_line.unit_cost = move.unit_cost
        delivery_line.order_line.delivered_qty += delivery_line.qty
    before = order.status
    refresh_status(order)
    audit.record(actor, "sales_order.deliver", order, {"status": (before, order.status),
                                                       "delivery": (None, delivery.number)})
    return delivery


def invoice_order(actor, order: SalesOrder) -> SalesInvoice:
    """Invoice what has been delivered, kept and not yet invoiced; due after the customer's payment terms."""
    lock(order)
    billable = [(line, line.invoiceable) for line in order.lines if line.invoiceable > 0]
    if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELLED) or not billable:
        raise InvalidState(_("Order %(number)s has nothing delivered waiting to be invoiced.", number=order.number))
    issued = business_today()
    invoice = SalesInvoice(number=next_number("SI"), order=order, customer_id=order.customer_id, issued_on=issued,
                           due_on=issued + timedelta(days=order.customer.payment_terms_days), user_id=actor.id,
                           paid=ZERO, credited=ZERO, status=InvoiceStatus.OPEN)
    for line, qty in billable:
        amount, tax = line_amounts(qty, line.unit_price, line.discount_pct, line.tax_rate)
        invoice.lines.append(SalesInvoiceLine(order_line=line, product_id=line.product_id, qty=qty,
                                              unit_price=line.unit_price, discount_pct=line.discount_pct,
                                              tax_rate=line.tax_rate, amount=amount, tax=tax))
        line.invoiced_qty += qty
    invoice.subtotal = sum((il.amount for il in invoice.lines), ZERO)
    invoice.tax = sum((il.tax for il in invoice.lines), ZERO)
    invoice.total = invoice.subtotal + invoice.tax
    invoice.refresh_status()  # a free order's zero invoice is settled at once, not left open
    db.session.add(invoice)
    db.session.flush()
    _record_invoice_facts(order, invoice)
    before = order.status
    refresh_status(order)
    audit.record(actor, "sales_order.invoice", order, {"status": (before, order.status),
                                                       "invoice": (None, invoice.number), "total": (None, invoice.total)})
    return invoice


def return_goods(actor, order: SalesOrder, lines: list[QtyInput], warehouse_id=None, reason: str = "") -> SalesReturn:
    """Take delivered goods back at the cost they left at; what had been invoiced becomes a credit note."""
    lock(order)
    # By default goods come back to where they last left from.
    shipped_from = order.deliveries[-1].warehouse if order.deliveries else order.warehouse
    warehouse = active_warehouse(warehouse_id) if warehouse_id is not None else shipped_from
    picked = pick_quantities(order, lines, lambda line: line.returnable,
                         _("Only %(qty)s %(unit)s of %(name)s were delivered and not returned."))
    sales_return = SalesReturn(number=next_number("SR"), order=order, customer_id=order.customer_id,
                               warehouse=warehouse, reason=(reason or "").strip()[:200], user_id=actor.id)
    db.session.add(sales_return)
    for line, qty in picked:
        line.returned_qty += qty
        # Keep invoiced (net of credits) no higher than what the customer keeps; the excess is credited.
        credit_qty = max(ZERO, (line.invoiced_qty - line.credited_qty) - (line.delivered_qty - line.returned_qty))
        line.credited_qty += credit_qty
        amount, tax = line_amounts(credit_qty, line.unit_price, line.discount_pct, line.tax_rate)
        sales_return.lines.append(SalesReturnLine(order_line=line, product_id=line.product_id, qty=qty,
                                                  credited_qty=credit_qty, unit_cost=delivered_cost(line),
                                                  amount=amount, tax=tax))
    sales_return.subtotal = sum((rl.amount for rl in sales_return.lines), ZERO)
    sales_return.tax = sum((rl.tax for rl in sales_return.lines), ZERO)
    sales_return.total = sales_return.subtotal + sales_return.tax
    db.session.flush()
    _record_return_facts(order, sales_return)
    post_moves(actor, Source("sales_return", sales_return.id, sales_return.number),
               [Move(rl.product_id, warehouse.id, rl.qty, MoveKind.SALES_RETURN, unit_cost=rl.unit_cost, line_id=rl.id)
                for rl in sales_return.lines])
    _allocate_credit(sales_return)
    before = order.status
    refresh_status(order)
    audit.record(actor, "sales_return.create", sales_return, {"order": (None, order.number),
                                                               "order_status": (before, order.status),
                                                               "credit": (None, sales_return.total)})
    return sales_return


def delivered_cost(line: SalesOrderLine) -> Decimal:
    """The average cost the line's goods left at (what returned goods come back at)."""
    shipped = db.session.scalars(select(SalesDeliveryLine).where(SalesDeliveryLine.order_line_id == line.id)).all()
    qty = sum((dl.qty for dl in shipped), ZERO)
    value = sum((dl.qty * dl.unit_cost for dl in shipped), ZERO)
    return (value / qty).quantize(COST, ROUND_HALF_UP) if qty else ZERO


def _record_invoice_facts(order: SalesOrder, invoice: SalesInvoice) -> None:
    """The invoice's lines as sales facts for the reports: revenue before tax, cost at what the goods left at."""
    from app.reports.models import SalesFact  # here, not at the top: the reports package imports the sales screens
    db.session.add_all(SalesFact(day=invoice.issued_on, invoice_id=invoice.id, product_id=il.product_id,
                                 customer_id=invoice.customer_id, salesperson_id=order.salesperson_id,
                                 warehouse_id=order.warehouse_id, qty=il.qty, revenue=il.amount,
                                 cost=(il.qty * delivered_cost(il.order_line)).quantize(CENT, ROUND_HALF_UP))
                       for il in invoice.lines)


def _record_return_facts(order: SalesOrder, sales_return: SalesReturn) -> None:
    """The credited part of a return as negative sales facts; goods never invoiced were never counted as sold."""
    from app.reports.models import SalesFact
    db.session.add_all(SalesFact(day=business_today(), return_id=sales_return.id, product_id=rl.product_id,
                                 customer_id=sales_return.customer_id, salesperson_id=order.salesperson_id,
                                 warehouse_id=sales_return.warehouse_id, qty=-rl.credited_qty, revenue=-rl.amount,
                                 cost=-(rl.credited_qty * rl.unit_cost).quantize(CENT, ROUND_HALF_UP))
                       for rl in sales_return.lines if rl.credited_qty > 0)


def _allocate_credit(sales_return: SalesReturn) -> None:
    """Set the credit note against the order's open invoices, oldest first; the rest stays on the customer's account."""
    for invoice, amount in spread(sales_return.order.invoices, sales_return.total):
        db.session.add(CreditAllocation(sales_return=sales_return, invoice=invoice, amount=amount))
        invoice.credited += amount
        invoice.refresh_status()


def refresh_status(order: SalesOrder) -> None:
    """The status that follows from what was delivered, invoiced and paid (drafts and cancelled orders keep theirs)."""
    if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELLED):
        return
    lines = order.lines
    if any(line.to_deliver > 0 for line in lines):
        order.status = (OrderStatus.PARTIALLY_DELIVERED if any(line.delivered_qty > 0 for line in lines)
                        else OrderStatus.CONFIRMED)
    elif any(line.invoiceable > 0 for line in lines) or not order.invoices:
        order.status = OrderStatus.DELIVERED
    elif all(invoice.open_amount <= 0 for invoice in order.invoices):
        order.status = OrderStatus.PAID
    else:
        order.status = OrderStatus.INVOICED
