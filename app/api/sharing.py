"""Share links over the API (shared/API.md "Sharing"): POST makes a link a customer opens without an account, DELETE
revokes every link of the document. The same services and the same roles as the screens (app.sharing.routes)."""
from flask import abort, g

from app.api.routes import bp
from app.api.sales import optional_body
from app.api.schema import DateTime, Integer, Schema, String
from app.api.spec import operation, reply
from app.auth.roles import allow
from app.sharing import access, services

SHARE_CREATE = Schema("ShareCreate", {"days": Integer(minimum=1, maximum=services.MAX_DAYS, description=(
    f"How long the link works; default {services.DEFAULT_DAYS}. Without it a recent link still open is reused"))})
SHARE = Schema("Share", {"url": String(description="Opens the document and its PDF, no account needed"),
                         "expires_at": DateTime()})
REVOKED = Schema("SharesRevoked", {"revoked": Integer(minimum=0, description="How many open links stopped working")})
PATHS = {"invoice": ("sales-invoices", "sales_invoices"), "quotation": ("sales-orders", "sales_orders"),
         "delivery": ("sales-deliveries", "sales_deliveries")}
NAMES = {"invoice": "sales slip (invoice)", "quotation": "quotation (an order)", "delivery": "delivery note"}


def _document(kind: str, document_id: int):
    return access.document(kind, g.user, document_id) or abort(404)


def _register(kind: str) -> None:
    path, name = PATHS[kind]
    roles = access.roles(kind)

    def share(document_id):
        document = _document(kind, document_id)
        link = services.share(g.user, kind, document, optional_body().get("days"))
        return reply({"url": services.url_of(link), "expires_at": link.expires_at})

    def unshare(document_id):
        return reply({"revoked": services.revoke_all(g.user, kind, _document(kind, document_id))})

    share.__doc__ = f"A link to the {NAMES[kind]} that anyone holding it can open, read-only, with its PDF."
    unshare.__doc__ = f"Revoke every link to the {NAMES[kind]}: they answer 404 from now on."
    bp.add_url_rule(f"/{path}/<int:document_id>/share", f"{name}_share", allow(roles)(operation(
        f"Share the {NAMES[kind]} as a link", body=SHARE_CREATE, body_optional=True, response=SHARE, status=201,
        problems=(409,))(share)), methods=["POST"])
    bp.add_url_rule(f"/{path}/<int:document_id>/share", f"{name}_unshare", allow(roles)(operation(
        f"Revoke the {NAMES[kind]}'s links", response=REVOKED)(unshare)), methods=["DELETE"])


for _kind in PATHS:
    _register(_kind)
