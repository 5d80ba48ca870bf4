"""After confirming, sales and purchase alike: invoicing what went out or came in and was kept, and returns."""
from datetime import date, timedelta

from app.amounts import ZERO
from app.errors import InvalidState
from app.extensions import db
from app.inventory.bulk import insert_lines
from app.numbering import next_number
from app.trade.settlement import InvoiceStatus


def billable(order, nothing: str) -> list:
    """(line, qty) for what the order may invoice now; InvalidState saying `nothing` when that is nothing."""
    lines = [(line, line.invoiceable) for line in order.lines if line.invoiceable > 0]
    if order.status in (order.status.flow().draft, order.status.flow().cancelled) or not lines:
        raise InvalidState(nothing)
    return lines


def invoice(actor, order, partner, invoice_model, line_model, prefix: str, lines: list, issued: date, **values):
    """An invoice of `lines` ((order line, qty)) at the order's terms, issued on `issued` (the business day: each
    side's module asks, so tests can move it) and due after the partner's payment terms; the order lines count what
    it invoices."""
    made = invoice_model(number=next_number(prefix), order=order, issued_on=issued,
                         due_on=issued + timedelta(days=partner.payment_terms_days), user_id=actor.id,
                         paid=ZERO, credited=ZERO, status=InvoiceStatus.OPEN, **values)
    for line, qty in lines:
        made.lines.append(line_model.billing(line, qty))
        line.invoiced_qty += qty
    made.add_up()
    made.refresh_status()  # a free order's zero invoice is settled at once, not left open
    db.session.add(made)
    db.session.flush()
    return made


def take_back(actor, order, return_model, line_model, prefix: str, picked: list, warehouse, reason: str, unit_cost,
              **values):
    """A return of `picked` ((order line, qty)) into or out of `warehouse`, each line at `unit_cost(line)`; what had
    been invoiced of it is credited, at the order's terms."""
    made = return_model(number=next_number(prefix), order=order, warehouse=warehouse,
                        reason=(reason or "").strip()[:200], user_id=actor.id, **values)
    db.session.add(made)
    db.session.flush()
    insert_lines(made, "lines", [line_model.taking_back(line, qty, unit_cost(line)) for line, qty in picked])
    made.add_up()
    return made
