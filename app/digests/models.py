"""Subscriptions to the summary, what each channel did with each period, and the SMTP server's settings."""
import enum
from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from app.db_types import UTCDateTime, utcnow
from app.extensions import db


class Frequency(enum.StrEnum):
    DAILY = "daily"    # yesterday, sent every day
    WEEKLY = "weekly"  # last week (Monday to Sunday), sent on the chosen weekday


class Channel(enum.StrEnum):
    EMAIL = "email"
    APP = "app"
    WECOM = "wecom"


class Security(enum.StrEnum):
    NONE = "none"
    STARTTLS = "starttls"
    SSL = "ssl"


class Subscription(db.Model):
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user.id", ondelete="CASCADE"), index=True)
    frequency: Mapped[str] = mapped_column(String(10), default=Frequency.DAILY)
    weekday: Mapped[int] = mapped_column(default=0)  # 0 = Monday; weekly only
    hour: Mapped[int] = mapped_column(default=8)     # business time zone
    # The channels: an email address, the app's bell, a WeCom group robot's webhook URL; empty or off = not used.
    email: Mapped[str] = mapped_column(String(254), default="")
    in_app: Mapped[bool] = mapped_column(default=True)
    wecom_url: Mapped[str] = mapped_column(String(500), default="")
    active: Mapped[bool] = mapped_column(default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    user = relationship("User")
    deliveries: Mapped[list["DigestDelivery"]] = relationship(
        back_populates="subscription", cascade="all, delete-orphan", passive_deletes=True,
        order_by="(DigestDelivery.period_start.desc(), DigestDelivery.channel)")

    @property
    def channels(self) -> list[Channel]:
        return ([Channel.EMAIL] if self.email else []) + ([Channel.APP] if self.in_app else []) + (
            [Channel.WECOM] if self.wecom_url else [])


class DigestDelivery(db.Model):
    """One channel's attempts at one period's summary: sent once it is ok, retried on the next runs until then."""

    id: Mapped[int] = mapped_column(primary_key=True)
    subscription_id: Mapped[int] = mapped_column(ForeignKey("subscription.id", ondelete="CASCADE"))
    period_start: Mapped[date] = mapped_column(Date)
    channel: Mapped[str] = mapped_column(String(10))
    ok: Mapped[bool] = mapped_column(default=False)
    attempts: Mapped[int] = mapped_column(default=0)
    error: Mapped[str] = mapped_column(String(500), default="")
    attempted_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    subscription: Mapped[Subscription] = relationship(back_populates="deliveries")

    __table_args__ = (UniqueConstraint("subscription_id", "period_start", "channel"),)


class SmtpSettings(db.Model):
    """The one SMTP server reports are sent through. The password is write-only on the screen."""

    id: Mapped[int] = mapped_column(primary_key=True)
    host: Mapped[str] = mapped_column(String(200), default="")
    port: Mapped[int] = mapped_column(default=465)
    security: Mapped[str] = mapped_column(String(10), default=Security.SSL)
    username: Mapped[str] = mapped_column(String(200), default="")
    password: Mapped[str] = mapped_column(String(500), default="")
    sender: Mapped[str] = mapped_column(String(254), default="")  # the From address
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    @property
    def configured(self) -> bool:
        return bool(self.host and self.sender)
