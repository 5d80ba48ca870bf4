"""Endpoints: register, change, rotate the secret, delete; a test event; send a delivery again. Never commits."""
from urllib.parse import urlsplit

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.db_types import utcnow
from app.errors import BusinessRuleError
from app.extensions import db
from app.limits import unstorable
from app.webhooks import capture, signing
from app.webhooks.events import EVENT_TYPES, TEST_EVENT
from app.webhooks.models import DeliveryStatus, WebhookDelivery, WebhookEndpoint

ALL = "*"
MAX_URL = 2000
MAX_ENDPOINTS = 50


def check_url(url: str) -> str:
    url = (url or "").strip()
    try:
        parts = urlsplit(url)
        parts.port  # noqa: B018  (reading it refuses a port that is not a number from 0 to 65535)
    except ValueError:
        parts = None
    if (parts is None or len(url) > MAX_URL or unstorable(url) or any(c.isspace() for c in url)
            or parts.scheme not in ("http", "https") or not parts.hostname):
        raise BusinessRuleError(_("Enter a full http:// or https:// address."), "url")
    return url


def check_events(events) -> list[str]:
    """The event types, in catalogue order; "*" alone means all, now and to come."""
    chosen = set(events or ())
    if ALL in chosen:
        return [ALL]
    unknown = sorted(chosen - set(EVENT_TYPES))
    if unknown:
        raise BusinessRuleError(_("Unknown event: %(names)s.", names=", ".join(unknown)), "events")
    if not chosen:
        raise BusinessRuleError(_("Choose at least one event."), "events")
    return [name for name in EVENT_TYPES if name in chosen]


def create_endpoint(actor, url: str, events, description: str = "", active: bool = True) -> WebhookEndpoint:
    """A new endpoint with a new secret (the caller shows it once)."""
    if db.session.scalar(select(func.count()).select_from(WebhookEndpoint)) >= MAX_ENDPOINTS:
        raise BusinessRuleError(_("At most %(n)d endpoints.", n=MAX_ENDPOINTS), "url")
    endpoint = WebhookEndpoint(url=check_url(url), events=check_events(events), description=description.strip(),
                               active=active, secret=signing.new_secret())
    db.session.add(endpoint)
    audit.record(actor, "webhook.create", endpoint, {"url": (None, endpoint.url), "events": (None, endpoint.events)})
    return endpoint


def update_endpoint(actor, endpoint: WebhookEndpoint, values: dict) -> None:
    """Change url, events, description or active (those given)."""
    if "url" in values:
        values["url"] = check_url(values["url"])
    if "events" in values:
        values["events"] = check_events(values["events"])
    if "description" in values:
        values["description"] = values["description"].strip()
    if changes := audit.apply_changes(endpoint, values):
        audit.record(actor, "webhook.update", endpoint, changes)


def rotate_secret(actor, endpoint: WebhookEndpoint) -> str:
    endpoint.secret = signing.new_secret()
    audit.record(actor, "webhook.rotate_secret", endpoint, {"secret": ("***", "***")})
    return endpoint.secret


def delete_endpoint(actor, endpoint: WebhookEndpoint) -> None:
    """The endpoint and its delivery log go; messages stay for the other endpoints."""
    audit.record(actor, "webhook.delete", endpoint, {"url": (endpoint.url, None)})
    db.session.delete(endpoint)


def send_test(actor, endpoint: WebhookEndpoint) -> None:
    """A webhook.test event to this endpoint only."""
    message = capture.queue(db.session, TEST_EVENT, {"endpoint_id": endpoint.id, "sent_by": actor.username},
                            [endpoint], utcnow())
    audit.record(actor, "webhook.test", endpoint, {"message": (None, message.msg_id)})


def send_again(actor, delivery: WebhookDelivery) -> WebhookDelivery:
    """The same message (same webhook-id, so a receiver can tell it is a repeat) as a new delivery, due now."""
    again = WebhookDelivery(message=delivery.message, endpoint=delivery.endpoint, next_attempt_at=utcnow(),
                            status=DeliveryStatus.PENDING)
    db.session.add(again)
    db.session.info[capture.WRITTEN] = True
    audit.record(actor, "webhook.send_again", delivery.endpoint, {"message": (None, delivery.message.msg_id)})
    return again


def deliveries(endpoint: WebhookEndpoint):
    """The endpoint's delivery log, newest first (a query, for paging)."""
    return select(WebhookDelivery).where(WebhookDelivery.endpoint_id == endpoint.id).order_by(WebhookDelivery.id.desc())
