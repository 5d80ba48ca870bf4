"""Purchasing invariants for `flask check`: order line counters and invoice settlements agree with documents."""
from sqlalchemy import select

from app.checks import invariant
from app.finance.models import PaymentAllocation, PurchaseCreditAllocation
from app.purchasing.models import (PurchaseInvoice, PurchaseInvoiceLine, PurchaseOrderLine, PurchaseReceipt,
                                   PurchaseReceiptLine, PurchaseReturnLine)
from app.trade.checks import counter_breaches, settlement_breaches, sums_by_order_line


@invariant
def purchase_lines_match_their_documents():
    """Purchase order lines' received, invoiced, returned and credited quantities equal their documents"""
    # Open receipts (being scanned, posted_at empty) moved no stock yet, so they count for nothing.
    posted = PurchaseReceiptLine.receipt_id.in_(select(PurchaseReceipt.id).where(PurchaseReceipt.posted_at.is_not(None)))
    return counter_breaches(PurchaseOrderLine, "purchase order line", {
        "received": ("received_qty", sums_by_order_line(PurchaseReceiptLine, PurchaseReceiptLine.qty, posted)),
        "invoiced": ("invoiced_qty", sums_by_order_line(PurchaseInvoiceLine, PurchaseInvoiceLine.qty)),
        "returned": ("returned_qty", sums_by_order_line(PurchaseReturnLine, PurchaseReturnLine.qty)),
        "credited": ("credited_qty", sums_by_order_line(PurchaseReturnLine, PurchaseReturnLine.credited_qty))})


@invariant
def purchase_invoices_match_their_allocations():
    """Each purchase invoice's paid and credited amounts equal its allocations, and never exceed its total"""
    return settlement_breaches(PurchaseInvoice, "purchase invoice", PaymentAllocation.purchase_invoice_id,
                               PurchaseCreditAllocation.purchase_invoice_id, PurchaseCreditAllocation.amount)
