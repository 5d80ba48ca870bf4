"""What a narrow slip says (销售单, 收款收据), in the user's language, once: the thermal printer's bytes
(app/printing/escpos.py) and the page printed through the system dialog (templates/printing/_slip.html) both
lay out the same Slip, so they cannot disagree.

Each builder reads only the document it is given (loaded by the route through the data scope).
"""
from dataclasses import dataclass

from flask_babel import gettext as _
from flask_babel import pgettext

from app.finance.models import Payment
from app.formatting import amount_in_words_zh, colon, date_, money, number
from app.sales.models import SalesInvoice
from app.settings.services import company
from app.sharing import services as sharing

PAPER_WIDTHS = (58, 80)  # mm


@dataclass(frozen=True)
class SlipLine:
    name: str  # product and spec, or the document paid
    detail: str  # quantity × price, or what is still open
    amount: str


@dataclass(frozen=True)
class Slip:
    company: str
    company_lines: list[str]
    title: str
    fields: list[tuple[str, str]]  # (label with its colon, value)
    lines: list[SlipLine]
    totals: list[tuple[str, str]]  # the last one is the grand total, printed large
    notes: list[str]
    signatures: list[str]  # labels of lines left blank to sign on
    qr: str
    qr_caption: str = ""
    number: str = ""


def share_target(invoice: SalesInvoice) -> str:
    """What the sales slip's QR code carries: the customer's link to it (made when "Print slip" was tapped), or its
    number when the slip is printed without one."""
    return sharing.open_url("invoice", invoice) or invoice.number


def _company_lines() -> tuple[str, list[str]]:
    settings = company()
    phone = _("Phone") + " " + settings.phone if settings.phone else ""
    contact = " ".join(part for part in (settings.address, phone) if part)
    return settings.name, [contact] if contact else []


def _fields(*pairs) -> list[tuple[str, str]]:
    return [(colon(label), str(value)) for label, value in pairs if value]


def _words(amount) -> list[str]:
    """The amount in 大写, as the slip's customer checks it, when the money is yuan."""
    return [colon(_("Total in words")) + amount_in_words_zh(amount)] if company().currency == "CNY" else []


def invoice_slip(invoice: SalesInvoice) -> Slip:
    """The sales slip (销售单) handed over at the counter: lines, totals, where to pay, a line to sign."""
    settings = company()
    name, lines = _company_lines()
    items = []
    for line in invoice.lines:
        product = line.product
        detail = f"{number(line.qty)}{product.unit} × {money(line.unit_price)}"
        if line.discount_pct:
            detail += f" -{number(line.discount_pct)}%"
        items.append(SlipLine(f"{product.name} {product.spec}".strip(), detail, money(line.amount)))
    notes = _words(invoice.total)
    if invoice.paid or invoice.credited:
        notes.append(colon(pgettext("amount", "Paid")) + money(invoice.paid + invoice.credited) + "  "
                     + colon(_("Open")) + money(invoice.open_amount))
    notes.append(colon(_("Due date")) + date_(invoice.due_on))
    if settings.bank_account:
        notes.append(colon(_("Bank")) + " ".join(filter(None, (settings.bank_name, settings.bank_account))))
    return Slip(
        company=name, company_lines=lines, title=pgettext("document", "Sales slip"),
        fields=_fields((_("Number"), invoice.number), (_("Date"), date_(invoice.issued_on)),
                       (_("Customer"), invoice.customer.name),
                       (_("Prepared by"), invoice.user.display_name if invoice.user else "")),
        lines=items,
        totals=[(_("Subtotal"), money(invoice.subtotal)), (_("Tax"), money(invoice.tax)),
                (pgettext("including tax", "Total"), money(invoice.total))],
        notes=notes, signatures=[colon(_("Customer signature"))],
        qr=share_target(invoice), qr_caption=invoice.number, number=invoice.number)


def receipt_slip(payment: Payment) -> Slip:
    """The receipt for a payment (收款收据): how much, how paid, and which sales slips it settled."""
    name, lines = _company_lines()
    items = [SlipLine(pgettext("document", "Sales slip") + " " + allocation.invoice.number,
                      _("still open: %(amount)s", amount=money(allocation.invoice.open_amount))
                      if allocation.invoice.open_amount > 0 else _("Paid in full"),
                      money(allocation.amount)) for allocation in payment.allocations]
    return Slip(
        company=name, company_lines=lines, title=_("Payment receipt"),
        fields=_fields((_("Number"), payment.number), (_("Date"), date_(payment.paid_on)),
                       (_("Customer"), payment.customer.name), (_("Paid by"), payment.method.label),
                       (_("Reference"), payment.reference),
                       (_("Received by"), payment.user.display_name if payment.user else "")),
        lines=items, totals=[(_("Amount received"), money(payment.amount))],
        notes=_words(payment.amount), signatures=[colon(_("Customer signature"))],
        qr=payment.number, qr_caption=payment.number, number=payment.number)
