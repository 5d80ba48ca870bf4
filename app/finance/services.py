"""Receipts (收款) from customers and payments (付款) to suppliers, allocated to open invoices, never more than is open."""
from dataclasses import dataclass
from decimal import Decimal

from flask_babel import gettext as _
from sqlalchemy import select

from app.audit import services as audit
from app.books import money as money_accounts
from app.books import posting
from app.db_types import business_today, to_decimal
from app.errors import BusinessRuleError
from app.extensions import db
from app.finance.models import Payment, PaymentAllocation, PaymentMethod
from app.formatting import money
from app.limits import AMOUNT, parse_number
from app.numbering import next_number
from app.partners.models import Customer, Supplier
from app.purchasing.models import PurchaseInvoice
from app.sales.models import SalesInvoice
from app.trade import balances, drafts
from app.trade.settlement import spread
from app.trade.status import refresh_status


@dataclass(frozen=True)
class AllocationInput:
    invoice_id: int
    amount: object


def open_invoices(customer: Customer, first: int | None = None) -> list[SalesInvoice]:
    """The customer's invoices with something left to pay, oldest due first; the invoice `first` (an id) ahead of
    them when it is one of them, as a receipt started from that invoice pays it first."""
    invoices = balances.open_invoices(balances.RECEIVABLES, customer.id)
    return sorted(invoices, key=lambda invoice: invoice.id != first)  # stable: the rest keep their order


def _lock_opening(model, invoices) -> None:
    """Lock and re-read the opening balances among `invoices` (they have no order to lock, see app.trade.drafts.lock)."""
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
            raise BusinessRuleError(_("Document not found among this partner's open documents."), "allocations")
        part = _amount(given.amount, "allocations")
        parts[invoice.id] = parts.get(invoice.id, Decimal("0")) + part
        if parts[invoice.id] > invoice.open_amount:
            raise BusinessRuleError(_("%(number)s has only %(open)s open.", number=invoice.number,
                                      open=money(invoice.open_amount)), "allocations")
    if sum(parts.values(), Decimal("0")) != amount:
        raise BusinessRuleError(_("The allocations must add up to the amount received."), "allocations")
    return parts


@dataclass(frozen=True)
class _Payer:
    """What differs between money from a customer and money to a supplier."""

    side: balances.Side
    source: str  # its voucher's rule
    prefix: str  # of the payment's number
    partner: str  # the payment's relationship to the partner
    allocation: str  # the allocation's relationship to the invoice
    no_method: str
    too_much: str


def _receipts() -> _Payer:
    return _Payer(balances.RECEIVABLES, "receipt", "RC", "customer", "invoice", _("Choose how the customer paid."),
                  _("%(customer)s owes %(owed)s on open sales slips; a receipt cannot be more than that."))


def _payments() -> _Payer:
    return _Payer(balances.PAYABLES, "supplier_payment", "PM", "supplier", "purchase_invoice", _("Choose how the supplier was paid."),
                  _("We owe %(supplier)s %(owed)s on open invoices; a payment cannot be more than that."))


def _record(actor, payer: _Payer, partner, amount, method, allocations, paid_on, reference, notes,
            money_account_id) -> Payment:
    """Record a payment between us and `partner` and settle the partner's open invoices with it."""
    side = payer.side
    amount = _amount(amount, "amount")
    try:
        method = PaymentMethod(method)
    except ValueError:
        raise BusinessRuleError(payer.no_method, "method") from None
    paid_on = paid_on or business_today()
    posting.check_open(paid_on, "paid_on")  # before any lock: a closed month refuses at once
    account = money_accounts.account_for(method, money_account_id)
    listed = balances.open_invoices(side, partner.id)
    # Lock their orders: then what is open on them is current, and stays so (opening balances have no order).
    drafts.lock(side.order, [invoice.order for invoice in listed if invoice.order])
    _lock_opening(side.invoice, listed)
    locked = {invoice.order_id for invoice in listed}
    invoices = {invoice.id: invoice for invoice in balances.open_invoices(side, partner.id)
                if invoice.order_id in locked}
    owed = sum((invoice.open_amount for invoice in invoices.values()), Decimal("0"))
    if amount > owed:
        raise BusinessRuleError(payer.too_much % {payer.partner: partner.name, "owed": money(owed)}, "amount")
    parts = _split(invoices, amount, allocations)
    payment = Payment(number=next_number(payer.prefix), method=method, amount=amount, money_account=account,
                      paid_on=paid_on, reference=(reference or "").strip()[:100],
                      notes=(notes or "").strip()[:200], user_id=actor.id, **{payer.partner: partner})
    for invoice_id, part in parts.items():
        invoice = invoices[invoice_id]
        payment.allocations.append(PaymentAllocation(amount=part, **{payer.allocation: invoice}))
        invoice.paid += part
        invoice.refresh_status()
        if invoice.order is not None:  # an opening balance has none
            refresh_status(invoice.order)
    db.session.add(payment)
    audit.record(actor, "payment.create", payment, {payer.partner: (None, partner.name), "amount": (None, amount),
                                                     "method": (None, method), "money_account": (None, account.name)})
    posting.post(actor, payer.source, payment)
    return payment


def record_receipt(actor, customer: Customer, amount, method, allocations: list[AllocationInput] | None = None,
                   paid_on=None, reference: str = "", notes: str = "", money_account_id=None) -> Payment:
    """Record money received into a money account (the method's default unless one is chosen) and settle invoices
    with it (oldest first unless `allocations` say otherwise)."""
    return _record(actor, _receipts(), customer, amount, method, allocations, paid_on, reference, notes,
                   money_account_id)


def open_purchase_invoices(supplier: Supplier) -> list[PurchaseInvoice]:
    """The supplier's invoices we have not paid in full, oldest due first."""
    return balances.open_invoices(balances.PAYABLES, supplier.id)


def record_supplier_payment(actor, supplier: Supplier, amount, method, allocations: list[AllocationInput] | None = None,
                            paid_on=None, reference: str = "", notes: str = "", money_account_id=None) -> Payment:
    """Record money paid to a supplier (付款) and settle their invoices with it, as record_receipt does for customers."""
    return _record(actor, _payments(), supplier, amount, method, allocations, paid_on, reference, notes,
                   money_account_id)
