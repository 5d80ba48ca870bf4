"""Receipts (收款) from customers and payments (付款) to suppliers, allocated to open invoices, never more than is open."""
from dataclasses import dataclass
from decimal import Decimal
from typing import TYPE_CHECKING

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.db_types import business_today, to_decimal
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import Payment, PaymentAllocation, PaymentMethod
from app.formatting import money
from app.limits import AMOUNT, parse_number
from app.numbering import next_number
from app.partners.models import Customer, Supplier
from app.sales.fulfilment import refresh_status
from app.sales.models import InvoiceStatus, SalesInvoice, spread
from app.sales.services import lock

if TYPE_CHECKING:  # imported where used: app.purchasing's package imports its screens, which import this module
    from app.purchasing.models import PurchaseInvoice


@dataclass(frozen=True)
class AllocationInput:
    invoice_id: int
    amount: object


def open_invoices(customer: Customer, first: int | None = None) -> list[SalesInvoice]:
    """The customer's invoices with something left to pay, oldest due first; the invoice `first` (an id) ahead of
    them when it is one of them, as a receipt started from that invoice pays it first."""
    invoices = db.session.scalars(select(SalesInvoice).where(
        SalesInvoice.customer_id == customer.id, SalesInvoice.status != InvoiceStatus.PAID)
        .order_by(SalesInvoice.due_on, SalesInvoice.id)).all()
    return sorted(invoices, key=lambda invoice: invoice.id != first)  # stable: the rest keep their order


def _lock_opening(model, invoices) -> None:
    """Lock and re-read the opening balances among `invoices` (they have no order to lock, see sales.services.lock)."""
    ids = sorted(invoice.id for invoice in invoices if invoice.opening)
    if ids:
        db.session.scalars(select(model).where(model.id.in_(ids)).order_by(model.id)
                           .with_for_update(key_share=True).execution_options(populate_existing=True)).all()


def oldest_first(invoices: list[SalesInvoice], amount: Decimal) -> list[AllocationInput]:
    """Spread `amount` over `invoices` in order, each up to its open amount."""
    return [AllocationInput(invoice.id, part) for invoice, part in spread(invoices, amount)]


def _amount(value, field: str) -> Decimal:
    try:
        amount = to_decimal(value, 2)
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Enter an amount."), field) from None
    if amount > 0:
        amount = parse_number(amount, AMOUNT, field)  # within the bound any one payment may reach
    if amount <= 0:
        raise BusinessRuleError(_("Enter an amount above zero."), field)
    return amount


def _split(invoices: dict, amount: Decimal, allocations: list[AllocationInput] | None) -> dict[int, Decimal]:
    """{invoice id: part} for a payment of `amount` over these open invoices: oldest first unless `allocations`
    say otherwise; never more than an invoice's open amount, and adding up to the amount exactly."""
    if allocations is None:
        allocations = oldest_first(list(invoices.values()), amount)
    parts: dict[int, Decimal] = {}
    for given in allocations:
        invoice = invoices.get(given.invoice_id)
        if invoice is None:
            raise BusinessRuleError(_("Invoice not found among this customer's open invoices."), "allocations")
        part = _amount(given.amount, "allocations")
        parts[invoice.id] = parts.get(invoice.id, Decimal("0")) + part
        if parts[invoice.id] > invoice.open_amount:
            raise BusinessRuleError(_("Invoice %(number)s has only %(open)s open.", number=invoice.number,
                                      open=money(invoice.open_amount)), "allocations")
    if sum(parts.values(), Decimal("0")) != amount:
        raise BusinessRuleError(_("The allocations must add up to the amount received."), "allocations")
    return parts


def record_receipt(actor, customer: Customer, amount, method, allocations: list[AllocationInput] | None = None,
                   paid_on=None, reference: str = "", notes: str = "") -> Payment:
    """Record money received and settle invoices with it (oldest first unless `allocations` say otherwise)."""
    amount = _amount(amount, "amount")
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise BusinessRuleError(_("Choose how the customer paid."), "method") from None
    listed = open_invoices(customer)
    lock(*(invoice.order for invoice in listed if invoice.order))  # then what is open on them is current, and stays so
    _lock_opening(SalesInvoice, listed)
    locked = {invoice.order_id for invoice in listed}
    invoices = {invoice.id: invoice for invoice in open_invoices(customer) if invoice.order_id in locked}
    owed = sum((invoice.open_amount for invoice in invoices.values()), Decimal("0"))
    if amount > owed:
        raise BusinessRuleError(_("%(customer)s owes %(owed)s on open invoices; a receipt cannot be more than that.",
                                  customer=customer.name, owed=money(owed)), "amount")
    parts = _split(invoices, amount, allocations)
    payment = Payment(number=next_number("RC"), customer=customer, method=method, amount=amount,
                      paid_on=paid_on or business_today(), reference=(reference or "").strip()[:100],
                      notes=(notes or "").strip()[:200], user_id=actor.id)
    for invoice_id, part in parts.items():
        invoice = invoices[invoice_id]
        payment.allocations.append(PaymentAllocation(invoice=invoice, amount=part))
        invoice.paid += part
        invoice.refresh_status()
        if invoice.order is not None:  # an opening receivable has none
            refresh_status(invoice.order)
    db.session.add(payment)
    audit.record(actor, "payment.create", payment, {"customer": (None, customer.name), "amount": (None, amount),
                                                     "method": (None, method)})
    return payment


def open_purchase_invoices(supplier: Supplier) -> "list[PurchaseInvoice]":
    """The supplier's invoices we have not paid in full, oldest due first."""
    from app.purchasing.models import PurchaseInvoice
    return db.session.scalars(select(PurchaseInvoice).where(
        PurchaseInvoice.supplier_id == supplier.id, PurchaseInvoice.status != InvoiceStatus.PAID)
        .order_by(PurchaseInvoice.due_on, PurchaseInvoice.id)).all()


def record_supplier_payment(actor, supplier: Supplier, amount, method, allocations: list[AllocationInput] | None = None,
                            paid_on=None, reference: str = "", notes: str = "") -> Payment:
    """Record money paid to a supplier (付款) and settle their invoices with it, as record_receipt does for customers."""
    # Imported here: purchasing's services import the partners package, whose screens import this module.
    from app.purchasing.receiving import refresh_status as refresh_purchase
    from app.purchasing.services import lock as lock_purchase
    amount = _amount(amount, "amount")
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise BusinessRuleError(_("Choose how the supplier was paid."), "method") from None
    listed = open_purchase_invoices(supplier)
    lock_purchase(*(invoice.order for invoice in listed if invoice.order))
    _lock_opening(type(listed[0]) if listed else None, listed)
    invoices = {invoice.id: invoice for invoice in open_purchase_invoices(supplier)}
    owed = sum((invoice.open_amount for invoice in invoices.values()), Decimal("0"))
    if amount > owed:
        raise BusinessRuleError(_("We owe %(supplier)s %(owed)s on open invoices; a payment cannot be more than that.",
                                  supplier=supplier.name, owed=money(owed)), "amount")
    parts = _split(invoices, amount, allocations)
    payment = Payment(number=next_number("PM"), supplier=supplier, method=method, amount=amount,
                      paid_on=paid_on or business_today(), reference=(reference or "").strip()[:100],
                      notes=(notes or "").strip()[:200], user_id=actor.id)
    for invoice_id, part in parts.items():
        invoice = invoices[invoice_id]
        payment.allocations.append(PaymentAllocation(purchase_invoice=invoice, amount=part))
        invoice.paid += part
        invoice.refresh_status()
        if invoice.order is not None:  # an opening payable has none
            refresh_purchase(invoice.order)
    db.session.add(payment)
    audit.record(actor, "payment.create", payment, {"supplier": (None, supplier.name), "amount": (None, amount),
                                                     "method": (None, method)})
    return payment
