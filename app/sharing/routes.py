"""The staff side of share links: a document's links (list, share, revoke), one set of routes per kind of document.

Who may share: whoever may open the document and, for a sales slip or a quotation, see its prices (the roles below,
from app.auth.roles). So the warehouse shares delivery notes (which carry no prices) of the deliveries it sees, and
never a sales slip or a quotation. The data scope loads every document: a salesperson shares only their own.
"""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import INVOICERS, SALES_READERS, SEES_SALE_PRICE, allow
from app.errors import BusinessRuleError
from app.forms import form_write, refused
from app.sales import scope
from app.sales.models import SalesDelivery, SalesInvoice, SalesOrder
from app.sharing import services
from app.web import render, wants_fragment

bp = Blueprint("sharing", __name__)

QUOTATION_SHARERS = SALES_READERS & SEES_SALE_PRICE  # owner, sales, finance: those who see the order's prices
# kind: (roles that may share it, its scoped query, its model, the staff PDF's endpoint and argument)
KINDS = {
    "invoice": (INVOICERS, scope.invoices, SalesInvoice, "sales.invoice_pdf", "invoice_id"),
    "quotation": (QUOTATION_SHARERS, scope.orders, SalesOrder, "sales.quotation_pdf", "order_id"),
    "delivery": (SALES_READERS, scope.deliveries, SalesDelivery, "sales.delivery_pdf", "delivery_id"),
}


def _document(kind: str, document_id: int):
    _roles, query, model, _pdf, _arg = KINDS[kind]
    return scope.get(query(g.user), model, document_id) or abort(404)


def _panel(kind: str, document, status: int = 200, error: str = ""):
    _roles, _query, _model, pdf, arg = KINDS[kind]
    return render("sharing/links.html", "sharing/_panel.html", kind=kind, document=document,
                  rows=services.links_of(kind, document), pdf_url=url_for(pdf, **{arg: document.id}),
                  links_url=url_for(f"sharing.{kind}_links", document_id=document.id),
                  default_days=services.DEFAULT_DAYS, error=error, status=status)


def links(kind: str, document_id: int):
    """GET: the document's links with how often each was opened. POST: share it (reusing a recent link)."""
    document = _document(kind, document_id)
    if request.method == "POST":
        try:
            days = request.form.get("days")
            services.share(g.user, kind, document, services.parse_days(days) if days else None)
        except BusinessRuleError as error:
            refused()
            return _panel(kind, document, status=422, error=str(error.message))
        if not wants_fragment():
            return redirect(url_for(f"sharing.{kind}_links", document_id=document.id), 303)
    return _panel(kind, document)


def revoke(kind: str, document_id: int, link_id: int):
    """Stop one of the document's links working at once."""
    document = _document(kind, document_id)
    link = services.find_link(kind, document, link_id) or abort(404)
    if services.revoke(g.user, link) and not wants_fragment():
        flash(_("The link no longer opens."), "success")
    if not wants_fragment():
        return redirect(url_for(f"sharing.{kind}_links", document_id=document.id), 303)
    return _panel(kind, document)


def _register(kind: str, path: str) -> None:
    """/<path>/<id>/share and its revoke, for roles KINDS gives; endpoints sharing.<kind>_links and _revoke."""
    roles = KINDS[kind][0]

    def links_view(document_id):
        return links(kind, document_id)

    def revoke_view(document_id, link_id):
        return revoke(kind, document_id, link_id)

    links_view.__doc__, revoke_view.__doc__ = links.__doc__, revoke.__doc__
    bp.add_url_rule(f"/{path}/<int:document_id>/share", f"{kind}_links", allow(roles)(form_write(links_view)),
                    methods=["GET", "POST"])
    bp.add_url_rule(f"/{path}/<int:document_id>/share/<int:link_id>/revoke", f"{kind}_revoke",
                    allow(roles)(form_write(revoke_view)), methods=["POST"])


_register("invoice", "invoices")
_register("quotation", "orders")
_register("delivery", "deliveries")
