"""Sending: each due delivery is claimed (so two workers never send it twice at once), POSTed with its signature,
and logged; a failure is retried on the Standard Webhooks schedule, about a day, then marked failed."""
import logging
import urllib.error
import urllib.request
from datetime import datetime, timedelta

from sqlalchemy import delete, exists, func, select, update

from app.db_types import utcnow
from app.extensions import db
from app.webhooks import signing
from app.webhooks.models import RESPONSE_EXCERPT, DeliveryStatus, WebhookDelivery, WebhookEndpoint, WebhookMessage

log = logging.getLogger(__name__)

# Waits after the 1st, 2nd ... failed attempt (the first attempt is at once): 5 s, 5 min, 30 min, 2 h, 5 h, 10 h,
# 10 h; after the 8th attempt fails the delivery is failed (32 h 35 min after the first).
RETRY_DELAYS = (timedelta(seconds=5), timedelta(minutes=5), timedelta(minutes=30), timedelta(hours=2),
                timedelta(hours=5), timedelta(hours=10), timedelta(hours=10))
TIMEOUT = 10  # seconds per attempt
CLAIM = timedelta(minutes=2)  # a claimed delivery is due again after this if its worker died mid-send
BATCH = 100
KEEP = timedelta(days=30)  # how long the delivery log keeps a message once nothing waits to send it


class _NoRedirects(urllib.request.HTTPRedirectHandler):
    """A redirect is an answer, not a place to send the body (and its signature) on to."""

    def redirect_request(self, *args, **kwargs):
        return None


_OPENER = urllib.request.build_opener(_NoRedirects)


def post(url: str, body: str, headers: dict) -> tuple[int | None, str]:
    """(HTTP status or None when none came, what came back or what went wrong)."""
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    try:
        with _OPENER.open(request, timeout=TIMEOUT) as response:
            return response.status, response.read(RESPONSE_EXCERPT * 4).decode(errors="replace")
    except urllib.error.HTTPError as error:
        return error.code, error.read(RESPONSE_EXCERPT * 4).decode(errors="replace")
    except (urllib.error.URLError, OSError, ValueError) as error:
        return None, str(getattr(error, "reason", error))


def due(now: datetime, limit: int = BATCH) -> list[int]:
    """Deliveries due now to active endpoints (a turned-off endpoint's wait until it is turned on again)."""
    return list(db.session.scalars(select(WebhookDelivery.id).join(WebhookDelivery.endpoint).where(
        WebhookDelivery.status == DeliveryStatus.PENDING, WebhookDelivery.next_attempt_at <= now,
        WebhookEndpoint.active.is_(True))
        .order_by(WebhookDelivery.next_attempt_at, WebhookDelivery.id).limit(limit)))


def wait_for_next(now: datetime) -> float | None:
    """Seconds until the soonest waiting delivery (to an active endpoint) is due, if one waits: the task that sends
    queues itself again for a retry due before the next minute's sweep (the first comes 5 s after a failure)."""
    soonest = db.session.scalar(select(func.min(WebhookDelivery.next_attempt_at)).join(WebhookDelivery.endpoint).where(
        WebhookDelivery.status == DeliveryStatus.PENDING, WebhookEndpoint.active.is_(True)))
    return None if soonest is None else max((soonest - now).total_seconds(), 0)


def claim(delivery_id: int, now: datetime) -> bool:
    """Take a due delivery for this worker: only one of two racing workers moves its due time on."""
    taken = db.session.execute(update(WebhookDelivery).where(
        WebhookDelivery.id == delivery_id, WebhookDelivery.status == DeliveryStatus.PENDING,
        WebhookDelivery.next_attempt_at <= now).values(next_attempt_at=now + CLAIM))
    return taken.rowcount == 1


def attempt(delivery: WebhookDelivery, now: datetime, send=post) -> None:
    """Send once and record the result on the delivery; the next attempt, if any, per RETRY_DELAYS."""
    message = delivery.message
    headers = signing.headers(delivery.endpoint.secret, message.msg_id, int(now.timestamp()), message.body)
    status, text = send(delivery.endpoint.url, message.body, headers)
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.response_status = status
    delivery.response_excerpt = text[:RESPONSE_EXCERPT]
    if status is not None and 200 <= status < 300:
        delivery.status, delivery.next_attempt_at = DeliveryStatus.DELIVERED, None
    elif delivery.attempts > len(RETRY_DELAYS):
        delivery.status, delivery.next_attempt_at = DeliveryStatus.FAILED, None
    else:
        delivery.next_attempt_at = now + RETRY_DELAYS[delivery.attempts - 1]
    log.info("webhook %s to %s: attempt %d, %s", message.msg_id, delivery.endpoint.url, delivery.attempts,
             status or text)


def deliver_due(now=utcnow, send=post) -> int:
    """Send every delivery due now, each claimed and committed before it is sent (no transaction is held open
    over the network) and its result committed after. Returns how many were attempted. The caller's
    transaction is committed as it goes: call it from a task or a test, never from a request."""
    count = 0
    for delivery_id in due(now()):
        started = now()
        if not claim(delivery_id, started):
            db.session.rollback()
            continue
        db.session.commit()
        delivery = db.session.get(WebhookDelivery, delivery_id)
        attempt(delivery, started, send)
        db.session.commit()
        count += 1
    return count


def prune(now: datetime) -> int:
    """Forget messages older than KEEP with no delivery still waiting (their deliveries go with them)."""
    waiting = exists().where(WebhookDelivery.message_id == WebhookMessage.id,
                             WebhookDelivery.status == DeliveryStatus.PENDING)
    return db.session.execute(delete(WebhookMessage).where(WebhookMessage.created_at < now - KEEP, ~waiting)
                              .execution_options(synchronize_session=False)).rowcount
