"""Printable sales documents as PDF: 报价单 (quotation), 送货单 (delivery note) and 销售单 (sales invoice), on
the paper the owner chose in settings (A4 or 241 mm three-part continuous).

Each reads only the document object and its relationships, so the route that already loaded it
through the data scope passes it in; nothing here queries or checks access.
"""
import io
from datetime import date, datetime, timedelta

from flask_babel import to_user_timezone

from app.db_types import utcnow
from app.documents import continuous_paper, png_data_uri, render_pdf
from app.sales.models import SalesDelivery, SalesInvoice, SalesOrder

QUOTATION_VALID_DAYS = 30


def local_date(moment: datetime | None) -> date:
    """The company's calendar date of a stored UTC time (now, for a document not saved yet)."""
    return to_user_timezone(moment or utcnow()).date()


def qr_png(text: str) -> bytes:
    """`text` as a QR code PNG, one pixel per module: the PDF scales it up with crisp edges, so it stays tiny.

    segno.make_qr, not segno.make: for short text make() picks a Micro QR, which phones cannot read.
    """
    import segno  # loaded on first use, not by every worker at start
    out = io.BytesIO()
    segno.make_qr(text, error="m").save(out, kind="png", scale=1, border=4)
    return out.getvalue()


def quotation_pdf(order: SalesOrder, valid_days: int = QUOTATION_VALID_DAYS) -> bytes:
    """The order's lines with prices and totals as a quotation, dated today and valid for `valid_days`."""
    quoted_on = local_date(None)
    return render_pdf("documents/quotation.html", continuous=continuous_paper(), order=order, customer=order.customer,
                      quoted_on=quoted_on, valid_until=quoted_on + timedelta(days=valid_days))


def delivery_note_pdf(delivery: SalesDelivery) -> bytes:
    """What was shipped, for the customer to sign: quantities only, never prices."""
    return render_pdf("documents/delivery_note.html", continuous=continuous_paper(), delivery=delivery,
                      order=delivery.order, customer=delivery.order.customer,
                      delivered_on=local_date(delivery.created_at))


def invoice_pdf(invoice: SalesInvoice) -> bytes:
    """The invoice with tax, the total in 大写 and its number as a QR code for scanning at payment."""
    return render_pdf("documents/sales_invoice.html", continuous=continuous_paper(), invoice=invoice,
                      customer=invoice.customer, qr=png_data_uri(qr_png(invoice.number)))
