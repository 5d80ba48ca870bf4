"""The staff side of share links: a document's links (list, share, revoke), one set of routes per kind of document.

Who may share what is app.sharing.access: the roles that see the document (and its prices, for a sales slip or a
quotation), through the data scope.
"""
from flask import Blueprint, abort, flash, g, redirect, request, url_for
from flask_babel import gettext as _

from app.auth.roles import allow
from app.errors import BusinessRuleError
from app.forms import form_write, refused
from app.sharing import access, services
from app.web import render, wants_fragment

bp = Blueprint("sharing", __name__)

# kind: the staff PDF's endpoint and its argument (the panel's "send the PDF file")
PDFS = {"invoice": ("sales.invoice_pdf", "invoice_id"), "quotation": ("sales.quotation_pdf", "order_id"),
        "delivery": ("sales.delivery_pdf", "delivery_id")}


def _document(kind: str, document_id: int):
    return access.document(kind, g.user, document_id) or abort(404)


def _panel(kind: str, document, status: int = 200, error: str = ""):
    pdf, arg = PDFS[kind]
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
    """/<path>/<id>/share and its revoke, for the roles access gives; endpoints sharing.<kind>_links and _revoke."""
    roles = access.roles(kind)

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
