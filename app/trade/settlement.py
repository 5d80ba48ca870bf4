"""Settlement: an invoice's status from what paid and credited it, and a sum spread over open invoices."""
import enum
from datetime import date
from decimal import Decimal

from flask_babel import lazy_pgettext

from app.extensions import db


class InvoiceStatus(enum.StrEnum):
    OPEN = "open"
    PARTIALLY_PAID = "partially_paid"
    PAID = "paid"

    @property
    def label(self):
        return INVOICE_STATUS_LABELS[self]


# Sales and purchase invoices share these labels, so they name the settlement, not who pays whom.
INVOICE_STATUS_LABELS = {InvoiceStatus.OPEN: lazy_pgettext("invoice status", "Unpaid"),
                         InvoiceStatus.PARTIALLY_PAID: lazy_pgettext("invoice status", "Partially paid"),
                         InvoiceStatus.PAID: lazy_pgettext("invoice status", "Paid")}


class Settled:
    """What an invoice (ours or a supplier's) still has open, from its total, payments and credits."""

    @property
    def open_amount(self) -> Decimal:
        return self.total - self.paid - self.credited

    def overdue(self, today: date) -> bool:
        return self.open_amount > 0 and self.due_on < today

    def refresh_status(self):
        settled = self.paid + self.credited
        self.status = (InvoiceStatus.PAID if settled >= self.total else
                       InvoiceStatus.PARTIALLY_PAID if settled > 0 else InvoiceStatus.OPEN)


def spread(invoices: list[Settled], amount: Decimal) -> list[tuple[Settled, Decimal]]:
    """`amount` over `invoices` in the order given, each taking up to its open amount (the rest is left over)."""
    parts, left = [], amount
    for invoice in invoices:
        if left <= 0:
            break
        part = min(left, invoice.open_amount)
        if part > 0:
            parts.append((invoice, part))
            left -= part
    return parts


def allocate_credit(credit_note, allocation) -> None:
    """Set a credit note (a return's total) against its order's open invoices, oldest first; the rest stays on the
    partner's account. `allocation(credit_note, invoice, amount)` makes the row that records each part."""
    for invoice, amount in spread(credit_note.order.invoices, credit_note.total):
        db.session.add(allocation(credit_note, invoice, amount))
        invoice.credited += amount
        invoice.refresh_status()
