"""Narrow slips on the spot: the print page (Bluetooth or the system dialog) and the ESC/POS bytes it sends.

Documents come through app.sales.scope, as on their own screens: a salesperson prints only their customers'.
"""
from flask import Blueprint, Response, abort, g, redirect, request, url_for

from app.auth.roles import INVOICERS, MONEY_READERS, allow
from app.documents import png_data_uri
from app.finance.models import Payment
from app.forms import form_write
from app.printing import escpos, slips
from app.sales import scope
from app.sales.models import SalesInvoice
from app.sales.printing import qr_png
from app.settings.services import company
from app.sharing import services as sharing
from app.web import render

bp = Blueprint("printing", __name__)


def _paper() -> int:
    """The paper width asked for (?paper=58 or 80), else the company's setting."""
    asked = request.args.get("paper", type=int)
    return asked if asked in slips.PAPER_WIDTHS else company().slip_paper_mm


def _invoice(invoice_id) -> SalesInvoice:
    return scope.get(scope.invoices(g.user), SalesInvoice, invoice_id) or abort(404)


def _payment(payment_id) -> Payment:
    return scope.get(scope.payments(g.user), Payment, payment_id) or abort(404)


def _page(slip: slips.Slip, endpoint: str, back: str, **ids):
    paper = _paper()
    return render("printing/slip.html", slip=slip, paper=paper, back=back, endpoint=endpoint, ids=ids,
                  qr=png_data_uri(qr_png(slip.qr)), escpos_url=url_for(endpoint + "_escpos", paper=paper, **ids))


def _escpos(slip: slips.Slip) -> Response:
    paper = _paper()
    return Response(escpos.slip_bytes(slip, paper), mimetype="application/octet-stream", headers={
        "Content-Disposition": f'attachment; filename="{slip.number}-{paper}mm.bin"', "Cache-Control": "no-store"})


@bp.route("/invoices/<int:invoice_id>/slip")
@allow(INVOICERS)
def invoice(invoice_id):
    """The sales slip on 58 or 80 mm paper: sent to a Bluetooth printer, or printed through the system dialog."""
    found = _invoice(invoice_id)
    return _page(slips.invoice_slip(found), "printing.invoice",
                 url_for("sales.invoice_show", invoice_id=found.id), invoice_id=found.id)


@bp.route("/invoices/<int:invoice_id>/slip", methods=["POST"])
@allow(INVOICERS)
@form_write
def invoice_with_link(invoice_id):
    """"Print slip": the customer's link to the sales slip is made (or the open one reused) first, so the slip's QR code
    carries it; then the print page, which only reads."""
    found = _invoice(invoice_id)
    sharing.share(g.user, "invoice", found)
    return redirect(url_for("printing.invoice", invoice_id=found.id), 303)


@bp.route("/invoices/<int:invoice_id>/slip.bin")
@allow(INVOICERS)
def invoice_escpos(invoice_id):
    """The sales slip as ESC/POS bytes for a thermal printer."""
    return _escpos(slips.invoice_slip(_invoice(invoice_id)))


@bp.route("/receipts/<int:payment_id>/slip")
@allow(MONEY_READERS)
def receipt(payment_id):
    """The receipt for a payment (收款收据) on 58 or 80 mm paper."""
    found = _payment(payment_id)
    return _page(slips.receipt_slip(found), "printing.receipt", url_for("finance.receipt_show", payment_id=found.id),
                 payment_id=found.id)


@bp.route("/receipts/<int:payment_id>/slip.bin")
@allow(MONEY_READERS)
def receipt_escpos(payment_id):
    """The receipt for a payment as ESC/POS bytes."""
    return _escpos(slips.receipt_slip(_payment(payment_id)))
