"""What `flask check` proves of sales and purchasing alike: order line counters and invoice settlements agree
with the documents behind them."""
from sqlalchemy import func, select

from app.extensions import db
from app.finance.models import PaymentAllocation


def sums_by_order_line(model, column, *where) -> dict:
    """{order line id: sum of `column`} over `model`'s rows (document lines), those matching `where`."""
    query = select(model.order_line_id, func.sum(column)).group_by(model.order_line_id)
    return dict(db.session.execute(query.where(*where) if where else query).all())


def counter_breaches(line_model, label: str, counters: dict) -> list[str]:
    """Order lines whose kept counters differ from their documents: `counters` maps a counter's name to
    (its column name, {order line id: documents' sum})."""
    breaches = []
    for line in db.session.scalars(select(line_model)):
        for name, (column, sums) in counters.items():
            kept = getattr(line, column)
            if kept != (sums.get(line.id) or 0):
                breaches.append(f"{label} {line.id}: {name} {kept}, documents {sums.get(line.id) or 0}")
    return breaches


def settlement_breaches(invoice_model, label: str, paid_fk, credit_fk, credit_amount) -> list[str]:
    """Invoices whose paid and credited amounts differ from their allocations, or that are settled beyond their
    total. `paid_fk` is PaymentAllocation's column naming this side's invoice, `credit_fk` and `credit_amount` the
    credit allocations' invoice and amount columns."""
    paid = dict(db.session.execute(select(paid_fk, func.sum(PaymentAllocation.amount))
                                   .where(paid_fk.is_not(None)).group_by(paid_fk)).all())
    credited = dict(db.session.execute(select(credit_fk, func.sum(credit_amount)).group_by(credit_fk)).all())
    breaches = []
    for invoice in db.session.scalars(select(invoice_model)):
        if invoice.paid != (paid.get(invoice.id) or 0) or invoice.credited != (credited.get(invoice.id) or 0):
            breaches.append(f"{label} {invoice.number}: paid {invoice.paid} / credited {invoice.credited} "
                            f"vs allocations {paid.get(invoice.id) or 0} / {credited.get(invoice.id) or 0}")
        if invoice.open_amount < 0:
            breaches.append(f"{label} {invoice.number}: settled beyond its total")
    return breaches
