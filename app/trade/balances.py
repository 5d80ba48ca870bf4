"""Receivables and payables: what a customer owes us and what we owe a supplier, in all, overdue and by invoice.

The one home of the balance rule, the same for both sides: a partner's invoices, less their credit notes
(returns), less the payments between us, derived from documents and never typed in. Partner screens, finance,
reports and the API ask here, naming the side: RECEIVABLES or PAYABLES.
"""
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import func, select, union_all
from sqlalchemy.orm import selectinload

from app.extensions import db
from app.finance.models import Payment
from app.purchasing.models import PurchaseInvoice, PurchaseOrder, PurchaseReturn
from app.sales.models import OrderStatus, SalesInvoice, SalesOrder, SalesReturn
from app.trade.settlement import InvoiceStatus

ZERO = Decimal("0")


@dataclass(frozen=True)
class Side:
    """One side of the books: its invoices, its credit notes, and the column naming the partner on both and on
    payments."""

    invoice: type
    credit_note: type
    order: type
    partner: str  # "customer_id" or "supplier_id"

    def partner_of(self, model):
        return getattr(model, self.partner)


RECEIVABLES = Side(SalesInvoice, SalesReturn, SalesOrder, "customer_id")  # what customers owe us
PAYABLES = Side(PurchaseInvoice, PurchaseReturn, PurchaseOrder, "supplier_id")  # what we owe suppliers


def _signed(side: Side) -> tuple:
    """(model, amount column, sign) of each kind of document the balance adds up."""
    return ((side.invoice, side.invoice.total, 1), (side.credit_note, side.credit_note.total, -1),
            (Payment, Payment.amount, -1))


def balances(side: Side, partner_ids) -> dict[int, Decimal]:
    """{partner id: balance}: invoices, less credit notes, less payments. Negative: the other way round."""
    ids = list(partner_ids)
    totals = {partner_id: ZERO for partner_id in ids}
    if not ids:
        return totals
    for model, amount, sign in _signed(side):
        partner = side.partner_of(model)
        for partner_id, total in db.session.execute(select(partner, func.sum(amount)).where(partner.in_(ids))
                                                    .group_by(partner)):
            totals[partner_id] += sign * (total or 0)
    return totals


def total(side: Side) -> Decimal:
    """What all partners of the side owe together (the books' receivables or payables account must equal it)."""
    found = ZERO
    for model, amount, sign in _signed(side):
        found += sign * (db.session.scalar(select(func.sum(amount)).where(side.partner_of(model).is_not(None))) or 0)
    return found


def owed_by_partner(side: Side):
    """The same sum as `balances`, per partner, as a subquery (partner_id, owed) a list can filter on."""
    # -amount, not sign * amount: a literal next to a scaled-integer column is bound in that column's units.
    parts = union_all(*(select(side.partner_of(model).label("partner_id"), (amount if sign > 0 else -amount)
                               .label("amount")).where(side.partner_of(model).is_not(None))
                        for model, amount, sign in _signed(side))).subquery()
    return (select(parts.c.partner_id, func.sum(parts.c.amount).label("owed"))
            .group_by(parts.c.partner_id).subquery("owed"))


def is_open(side: Side):
    """An invoice of this side with money still open (a condition for queries)."""
    invoice = side.invoice
    return invoice.total > invoice.paid + invoice.credited


def open_invoices(side: Side, partner_id: int) -> list:
    """The partner's invoices not paid in full, oldest due first."""
    invoice = side.invoice
    return db.session.scalars(select(invoice).where(side.partner_of(invoice) == partner_id,
                                                    invoice.status != InvoiceStatus.PAID)
                              .order_by(invoice.due_on, invoice.id)).all()


def overdue_partner_ids(side: Side, partner_ids, today: date) -> set[int]:
    """Which of these partners have an invoice past its due date with money still open."""
    ids, invoice = list(partner_ids), side.invoice
    if not ids:
        return set()
    partner = side.partner_of(invoice)
    return set(db.session.scalars(select(partner).distinct()
                                  .where(partner.in_(ids), invoice.due_on < today, is_open(side))))


# Receivables ---------------------------------------------------------------------------------------------

def customer_balances(customer_ids) -> dict[int, Decimal]:
    """What each customer owes: invoices, less credit notes (returns), less receipts. Negative: we owe them."""
    return balances(RECEIVABLES, customer_ids)


def customer_balance(customer) -> Decimal:
    return customer_balances([customer.id])[customer.id]


def uninvoiced_orders_total(customer, excluding: SalesOrder | None = None) -> Decimal:
    """Confirmed orders' value not yet invoiced: already promised, so it counts against the credit limit."""
    # Their lines in one more query, not one per order (a customer may have dozens open).
    query = select(SalesOrder).options(selectinload(SalesOrder.lines)).where(
        SalesOrder.customer_id == customer.id,
        SalesOrder.status.in_([OrderStatus.CONFIRMED, OrderStatus.PARTIALLY_DELIVERED, OrderStatus.DELIVERED]))
    if excluding is not None and excluding.id is not None:
        query = query.where(SalesOrder.id != excluding.id)
    return sum((order.uninvoiced_total for order in db.session.scalars(query)), ZERO)


def credit_headroom(customer) -> Decimal | None:
    """How much more the customer may take on credit (None: no limit)."""
    if customer.credit_limit is None:
        return None
    return customer.credit_limit - customer_balance(customer) - uninvoiced_orders_total(customer)


# Payables ------------------------------------------------------------------------------------------------

def supplier_balances(supplier_ids) -> dict[int, Decimal]:
    """What we owe each supplier: their invoices, less their credits (our returns), less our payments."""
    return balances(PAYABLES, supplier_ids)


def supplier_balance(supplier) -> Decimal:
    return supplier_balances([supplier.id])[supplier.id]
