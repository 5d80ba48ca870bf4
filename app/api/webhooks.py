"""Webhook endpoints over the API (shared/API.md "Integration"), owner only: the same services as the screens
(app.webhooks). The secret is in the answer to POST only; GET never shows it."""
from flask import Response, abort, g, url_for

from app.api.feed import Feed
from app.api.pagination import paginate
from app.api.routes import bp
from app.api.schema import Boolean, Choice, DateTime, Integer, ListOf, Schema, String, updated
from app.api.spec import operation, parse_body, reply
from app.auth.roles import Role, allow
from app.extensions import db
from app.webhooks import services as webhooks
from app.webhooks.events import EVENT_TYPES
from app.webhooks.models import RESPONSE_EXCERPT, DeliveryStatus, WebhookDelivery, WebhookEndpoint



def _events(required=False) -> ListOf:
    return ListOf(Choice([webhooks.ALL, *EVENT_TYPES]), min_items=1, max_items=len(EVENT_TYPES) + 1,
                  required=required, description='Event types to send ("*": all, including types added later)')


def _url(required=False) -> String:
    return String(required=required, min_length=1, max_length=webhooks.MAX_URL, description="http:// or https://")


_FIELDS = {"id": Integer(), "url": String(), "description": String(), "events": _events(), "active": Boolean(),
           "created_at": DateTime(), "updated_at": updated()}
WEBHOOK = Schema("Webhook", _FIELDS)
WEBHOOK_CREATED = Schema("WebhookCreated", {**_FIELDS, "secret": String(
    description="whsec_ + base64: verify each request's webhook-signature with it. Shown only now")})
_WRITABLE = {"url": _url(), "events": _events(), "description": String(max_length=200), "active": Boolean()}
WEBHOOK_CREATE = Schema("WebhookCreate", {**_WRITABLE, "url": _url(required=True), "events": _events(required=True)})
WEBHOOK_UPDATE = Schema("WebhookUpdate", _WRITABLE)
DELIVERY = Schema("WebhookDelivery", {
    "id": Integer(), "message_id": String(source="message.msg_id", description="The webhook-id header sent"),
    "event_type": String(source="message.event_type"), "status": Choice(DeliveryStatus),
    "attempts": Integer(), "created_at": DateTime(), "updated_at": updated(),
    "last_attempt_at": DateTime(nullable=True),
    "next_attempt_at": DateTime(nullable=True, description="When it is tried next, while pending"),
    "response_status": Integer(nullable=True, description="The last attempt's HTTP status; null: no answer"),
    "response_excerpt": String(description=f"The start of the last answer or error, ≤ {RESPONSE_EXCERPT} characters")})


def _endpoint(webhook_id) -> WebhookEndpoint:
    return db.session.get(WebhookEndpoint, webhook_id) or abort(404)


@bp.route("/webhooks")
@allow(Role.OWNER)
@operation("List webhook endpoints", response=WEBHOOK, listing=True, item="api.webhooks_show", feed=Feed(WebhookEndpoint))
def webhooks_index():
    """Every endpoint, oldest first."""
    return reply(paginate(db.select(WebhookEndpoint).order_by(WebhookEndpoint.id)))


@bp.route("/webhooks", methods=["POST"])
@allow(Role.OWNER)
@operation("Register a webhook endpoint", body=WEBHOOK_CREATE, response=WEBHOOK_CREATED, status=201,
           location="api.webhooks_show")
def webhooks_create():
    """A new endpoint; the answer carries its secret, this once."""
    data = parse_body()
    endpoint = webhooks.create_endpoint(g.user, data["url"], data["events"], data.get("description", ""),
                                        data.get("active", True))
    db.session.flush()
    return reply(endpoint, location=url_for("api.webhooks_show", webhook_id=endpoint.id))


@bp.route("/webhooks/<int:webhook_id>")
@allow(Role.OWNER)
@operation("Read a webhook endpoint", response=WEBHOOK)
def webhooks_show(webhook_id):
    """One endpoint (without its secret)."""
    return reply(_endpoint(webhook_id))


@bp.route("/webhooks/<int:webhook_id>", methods=["PATCH"])
@allow(Role.OWNER)
@operation("Change a webhook endpoint", body=WEBHOOK_UPDATE, partial=True, response=WEBHOOK)
def webhooks_update(webhook_id):
    """Change the fields sent; "active": false stops sending (pending deliveries wait)."""
    endpoint = _endpoint(webhook_id)
    webhooks.update_endpoint(g.user, endpoint, parse_body())
    return reply(endpoint)


@bp.route("/webhooks/<int:webhook_id>", methods=["DELETE"])
@allow(Role.OWNER)
@operation("Delete a webhook endpoint and its delivery log", status=204)
def webhooks_delete(webhook_id):
    """Nothing more is sent to it."""
    webhooks.delete_endpoint(g.user, _endpoint(webhook_id))
    return Response(status=204)


@bp.route("/webhooks/<int:webhook_id>/deliveries")
@allow(Role.OWNER)
@operation("The endpoint's delivery log", response=DELIVERY, listing=True, feed=Feed(WebhookDelivery))
def webhooks_deliveries(webhook_id):
    """Deliveries to the endpoint, newest first, with the last attempt's answer."""
    return reply(paginate(webhooks.deliveries(_endpoint(webhook_id))))
