"""The customer's side of a share link: one document's page and its PDF, for anyone holding the link.

No account, so no data scope: what is shown is exactly the link's document, drawn by templates that name no other
document, no cost and no staff address. Every opening is counted against the visitor's address first (429 past
SHARE_LIMITS) and, if the link works, logged. Revoked, expired and unknown links all answer 404 with a friendly page.
"""
from datetime import timedelta

from flask import make_response, render_template, request

from app.auth import throttle
from app.auth.roles import public
from app.database import set_write_intent
from app.db_types import business_today
from app.documents import pdf_response
from app.extensions import db
from app.sales import printing
from app.sharing import services
from app.sharing.routes import bp


def _answer(template: str, status: int, **context):
    response = make_response(render_template(template, **context), status)
    _private(response)
    return response


def _private(response):
    # The token is the key to the document: keep it out of caches, search engines and the Referer of what loads.
    response.headers["Cache-Control"] = "no-store"
    response.headers["Referrer-Policy"] = "no-referrer"
    response.headers["X-Robots-Tag"] = "noindex, nofollow"
    return response


def _opened(token: str, part: str):
    """The link a visitor opens, logged; or the response that refuses it (429 throttled, 404 unusable)."""
    if not throttle.share_allowed(request.remote_addr or "?"):
        return None, _answer("sharing/unusable.html", 429, reason="throttled")
    # This GET writes (the log): on SQLite its transaction must take the write lock from its first statement, as a
    # POST's does (app.database), rather than read first and then find another writer got in between.
    db.session.commit()
    set_write_intent(True)
    try:
        link = services.open_link(token)
        services.log_opening(link, part, request.remote_addr or "?", request.headers.get("User-Agent", ""))
        db.session.commit()
    except services.LinkUnusable as unusable:
        db.session.rollback()
        return None, _answer("sharing/unusable.html", 404, reason=unusable.reason)
    finally:
        set_write_intent(False)  # a GET: what it reads next (lines to draw) needs no lock
    return link, None


@bp.route("/s/<token>")
@public
def view(token):
    """One shared document as a page for the customer's phone, with its PDF."""
    link, refusal = _opened(token, "page")
    if refusal:
        return refusal
    document = link.document
    context = {"link": link, "kind": link.kind, "document": document, "token": token}
    if link.kind == "quotation":
        context["valid_until"] = business_today() + timedelta(days=printing.QUOTATION_VALID_DAYS)
    return _answer("sharing/view.html", 200, **context)


@bp.route("/s/<token>/pdf")
@public
def pdf(token):
    """The shared document's PDF, the same one the staff print."""
    link, refusal = _opened(token, "pdf")
    if refusal:
        return refusal
    document = link.document
    data = {"invoice": printing.invoice_pdf, "quotation": printing.quotation_pdf,
            "delivery": printing.delivery_note_pdf}[link.kind](document)
    suffix = "-quotation" if link.kind == "quotation" else ""
    return _private(pdf_response(data, f"{document.number}{suffix}.pdf"))
