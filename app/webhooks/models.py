"""Endpoints, the outbox of messages (one per event, written in the transaction that made it) and the deliveries
of each message to each endpoint that wanted it."""
import enum
import uuid
from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, enum_column, utcnow
from app.extensions import db

RESPONSE_EXCERPT = 500  # characters of a receiver's answer kept per delivery


class WebhookEndpoint(db.Model):
    """A URL the owner registered, the event types it wants ("*": all) and the secret its messages are signed with."""

    id: Mapped[int] = mapped_column(primary_key=True)
    url: Mapped[str] = mapped_column(String(2000))
    description: Mapped[str] = mapped_column(String(200), default="")
    events: Mapped[list] = mapped_column(JSON, default=list)
    secret: Mapped[str] = mapped_column(String(100))  # whsec_ + base64; kept to sign, shown once
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A feed's order (app.api.feed): moves with every change, the delivery's each attempt.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    deliveries = relationship("WebhookDelivery", back_populates="endpoint", cascade="all, delete-orphan",
                              passive_deletes=True)

    def wants(self, event_type: str) -> bool:
        return self.active and ("*" in self.events or event_type in self.events)

    @property
    def name(self) -> str:  # its label in the audit log
        return self.description or self.url

    def __str__(self):
        return self.url


class WebhookMessage(db.Model):
    """One event as sent: its id (the webhook-id header, the same on every retry) and the exact body signed."""

    id: Mapped[int] = mapped_column(primary_key=True)
    msg_id: Mapped[str] = mapped_column(String(40), unique=True)
    event_type: Mapped[str] = mapped_column(String(60))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class DeliveryStatus(enum.StrEnum):
    PENDING = "pending"
    DELIVERED = "delivered"
    FAILED = "failed"  # every retry used up


class WebhookDelivery(db.Model):
    """A message on its way to one endpoint: due at `next_attempt_at` until delivered or out of retries."""

    id: Mapped[int] = mapped_column(primary_key=True)
    message_id: Mapped[int] = mapped_column(ForeignKey("webhook_message.id", ondelete="CASCADE"), index=True)
    endpoint_id: Mapped[int] = mapped_column(ForeignKey("webhook_endpoint.id", ondelete="CASCADE"))
    status: Mapped[DeliveryStatus] = mapped_column(enum_column(DeliveryStatus), default=DeliveryStatus.PENDING)
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=utcnow)
    last_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response_status: Mapped[int | None] = mapped_column()
    response_excerpt: Mapped[str] = mapped_column(String(RESPONSE_EXCERPT), default="")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # A feed's order (app.api.feed): moves with every change, the delivery's each attempt.
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    message = relationship("WebhookMessage", lazy="joined")
    endpoint = relationship("WebhookEndpoint", back_populates="deliveries")

    __table_args__ = (Index("ix_webhook_delivery_due", "status", "next_attempt_at"),
                      Index("ix_webhook_delivery_endpoint", "endpoint_id", "id"))


def new_msg_id() -> str:
    """A message id for the webhook-id header: unique, and the same on every attempt of one message."""
    return "msg_" + uuid.uuid4().hex
