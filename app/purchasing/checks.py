"""Purchasing invariants for `flask check`: order line counters and invoice settlements agree with documents."""
from sqlalchemy import func, select

from app.checks import invariant
from app.extensions import db
from app.finance.models import PaymentAllocation, PurchaseCreditAllocation
from app.purchasing.models import (PurchaseInvoice, PurchaseInvoiceLine, PurchaseOrderLine, PurchaseReceipt,
                                   PurchaseReceiptLine, PurchaseReturnLine)


def _sums(model, column, *where):
    query = select(model.order_line_id, func.sum(column)).group_by(model.order_line_id)
    return dict(db.session.execute(query.where(*where) if where else query).all())


@invariant
def purchase_lines_match_their_documents():
    """Purchase order lines' received, invoiced, returned and credited quantities equal their documents"""
    # Open receipts (being scanned, posted_at empty) moved no stock yet, so they count for nothing.
    received = dict(db.session.execute(
        select(PurchaseReceiptLine.order_line_id, func.sum(PurchaseReceiptLine.qty)).join(PurchaseReceiptLine.receipt)
        .where(PurchaseReceipt.posted_at.is_not(None)).group_by(PurchaseReceiptLine.order_line_id)).all())
    invoiced = _sums(PurchaseInvoiceLine, PurchaseInvoiceLine.qty)
    returned = _sums(PurchaseReturnLine, PurchaseReturnLine.qty)
    credited = _sums(PurchaseReturnLine, PurchaseReturnLine.credited_qty)
    breaches = []
    for line in db.session.scalars(select(PurchaseOrderLine)):
        for name, kept, sums in (("received", line.received_qty, received), ("invoiced", line.invoiced_qty, invoiced),
                                 ("returned", line.returned_qty, returned), ("credited", line.credited_qty, credited)):
            if kept != (sums.get(line.id) or 0):
                breaches.append(f"purchase order line {line.id}: {name} {kept}, documents {sums.get(line.id) or 0}")
    return breaches


@invariant
def purchase_invoices_match_their_allocations():
    """Each purchase invoice's paid and credited amounts equal its allocations, and never exceed its total"""
    paid = dict(db.session.execute(select(PaymentAllocation.purchase_invoice_id, func.sum(PaymentAllocation.amount))
                                   .where(PaymentAllocation.purchase_invoice_id.is_not(None))
                                   .group_by(PaymentAllocation.purchase_invoice_id)).all())
    credited = dict(db.session.execute(
        select(PurchaseCreditAllocation.purchase_invoice_id, func.sum(PurchaseCreditAllocation.amount))
        .group_by(PurchaseCreditAllocation.purchase_invoice_id)).all())
    breaches = []
    for invoice in db.session.scalars(select(PurchaseInvoice)):
        if invoice.paid != (paid.get(invoice.id) or 0) or invoice.credited != (credited.get(invoice.id) or 0):
            breaches.append(f"purchase invoice {invoice.number}: paid {invoice.paid} / credited {invoice.credited} "
                            f"vs allocations {paid.get(invoice.id) or 0} / {credited.get(invoice.id) or 0}")
        if invoice.open_amount < 0:
            breaches.append(f"purchase invoice {invoice.number}: settled beyond its total")
    return breaches
