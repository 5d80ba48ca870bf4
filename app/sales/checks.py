"""Sales invariants for `flask check`: reservations, line counters and invoice settlements agree with documents."""
from decimal import Decimal

from sqlalchemy import func, select

from app.checks import invariant
from app.extensions import db
from app.finance.models import CreditAllocation, PaymentAllocation
from app.inventory.models import StockLevel
from app.reports.models import SalesFact
from app.sales.models import (OrderStatus, SalesDeliveryLine, SalesInvoice, SalesInvoiceLine, SalesOrder,
                              SalesOrderLine, SalesReturn, SalesReturnLine)
from app.trade.checks import counter_breaches, settlement_breaches, sums_by_order_line

HOLDING = [OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED]


@invariant
def reservations_match_open_orders():
    """Reserved stock equals what confirmed orders still have to deliver"""
    owed: dict[tuple[int, int], Decimal] = {}
    rows = db.session.execute(select(SalesOrderLine.product_id, SalesOrder.warehouse_id, SalesOrderLine.qty,
                                     SalesOrderLine.delivered_qty).join(SalesOrderLine.order)
                              .where(SalesOrder.status.in_(HOLDING)))
    for product_id, warehouse_id, qty, delivered in rows:
        owed[(product_id, warehouse_id)] = owed.get((product_id, warehouse_id), Decimal("0")) + qty - delivered
    levels = db.session.execute(select(StockLevel.product_id, StockLevel.warehouse_id, StockLevel.reserved)).all()
    breaches = [f"product {p} warehouse {w}: reserved {r}, open orders {owed.get((p, w), 0)}"
                for p, w, r in levels if r != owed.get((p, w), 0)]
    seen = {(p, w) for p, w, _r in levels}
    return breaches + [f"product {p} warehouse {w}: open orders {q} without a stock level"
                       for (p, w), q in owed.items() if (p, w) not in seen and q]


@invariant
def order_lines_match_their_documents():
    """Delivered, invoiced, returned and credited quantities equal their documents"""
    return counter_breaches(SalesOrderLine, "order line", {
        "delivered": ("delivered_qty", sums_by_order_line(SalesDeliveryLine, SalesDeliveryLine.qty)),
        "invoiced": ("invoiced_qty", sums_by_order_line(SalesInvoiceLine, SalesInvoiceLine.qty)),
        "returned": ("returned_qty", sums_by_order_line(SalesReturnLine, SalesReturnLine.qty)),
        "credited": ("credited_qty", sums_by_order_line(SalesReturnLine, SalesReturnLine.credited_qty))})


@invariant
def invoices_match_their_allocations():
    """Each invoice's paid and credited amounts equal its allocations, and never exceed its total"""
    return settlement_breaches(SalesInvoice, "invoice", PaymentAllocation.sales_invoice_id,
                               CreditAllocation.sales_invoice_id, CreditAllocation.amount)


@invariant
def sales_facts_match_their_documents():
    """Sales facts (what the reports sum) equal their invoices and credit notes, in quantity and net amount"""
    breaches = []
    for document, key, lines, credit in ((SalesInvoice, SalesFact.invoice_id, SalesInvoiceLine, False),
                                         (SalesReturn, SalesFact.return_id, SalesReturnLine, True)):
        facts = {row[0]: (row[1], row[2]) for row in db.session.execute(
            select(key, func.sum(SalesFact.qty), func.sum(SalesFact.revenue)).where(key.is_not(None)).group_by(key))}
        parent = lines.return_id if credit else lines.invoice_id
        qty = lines.credited_qty if credit else lines.qty
        rows = db.session.execute(select(document.id, document.number, document.subtotal, func.sum(qty))
                                  .join(lines, parent == document.id).group_by(document.id, document.number,
                                                                              document.subtotal))
        sign = -1 if credit else 1
        for id_, number, subtotal, counted in rows:
            expected = (sign * (counted or 0), sign * subtotal)
            found = facts.pop(id_, (0, 0))
            if expected[0] or expected[1] or any(found):
                if tuple(Decimal(v) for v in found) != tuple(Decimal(v) for v in expected):
                    breaches.append(f"{number}: facts {found[0]} / {found[1]}, document {expected[0]} / {expected[1]}")
        breaches += [f"facts for a missing document {id_}" for id_ in facts]
    return breaches
