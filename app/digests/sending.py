"""Send what is due: each active subscription's summary once per period on each of its channels.

A channel's result is kept per (subscription, period, channel): once it is ok that channel is done for the
period; a failure is recorded with its reason (the subscriptions screen shows it) and tried again on the next
run, at most MAX_ATTEMPTS times, so a wrong password does not send a burst when it is fixed a day later.
The figures are read once per period, whoever the subscribers are, and drawn in each one's language.
"""
from datetime import datetime

from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from app.auth.models import User
from app.backups.status import latest as latest_backup
from app.db_types import utcnow
from app.digests import render, schedule, summary, transport
from app.digests.models import Channel, DigestDelivery, Subscription
from app.digests.services import SUBSCRIBERS, smtp
from app.extensions import db
from app.notifications.services import notify
from app.reports.periods import Period
from app.settings.services import business_zone


MAX_ATTEMPTS = 12  # every 5 minutes: an hour of trying, then the period is given up (and shown as failed)


def _digest(period: Period, now: datetime, found: dict) -> summary.Digest:
    if period not in found:
        today = now.astimezone(business_zone()).date()
        found[period] = summary.build(period, today, latest_backup(now), with_backups=True)
    return found[period]


def deliver(subscription: Subscription, channel: Channel, message: render.Message) -> None:
    """One channel, once; DeliveryError says why not."""
    if channel == Channel.EMAIL:
        transport.email(smtp(), subscription.email, message.subject, message.text, message.html)
    elif channel == Channel.WECOM:
        transport.wecom(subscription.wecom_url, message.markdown)
    else:
        notify(subscription.user, message.subject, message.text.split("\n", 2)[-1].strip(), render.dashboard_path())


def send_due(now: datetime | None = None) -> int:
    """Send every due summary on every channel not yet done; how many deliveries succeeded."""
    now = now or utcnow()
    found, sent = {}, 0
    subscriptions = db.session.scalars(select(Subscription).join(User, User.id == Subscription.user_id).where(
        Subscription.active, User.active, User.role.in_(SUBSCRIBERS)).order_by(Subscription.id)).all()
    for subscription in subscriptions:
        period = schedule.due_period(subscription, now)
        if period is None:
            continue
        pending = _pending(subscription, period)
        if not pending:
            continue
        message = render.message(_digest(period, now, found), subscription.frequency,
                                 render.locale_of(subscription.user))
        for channel, row in pending:
            row.attempts += 1
            row.attempted_at = now
            try:
                deliver(subscription, channel, message)
            except transport.DeliveryError as error:
                row.ok, row.error = False, str(error)[:500]
            else:
                row.ok, row.error = True, ""
                sent += 1
    return sent


def _pending(subscription: Subscription, period: Period) -> list[tuple[Channel, DigestDelivery]]:
    """The channels still to try for the period, each with its (possibly new) result row."""
    rows = {row.channel: row for row in db.session.scalars(select(DigestDelivery).where(
        DigestDelivery.subscription_id == subscription.id, DigestDelivery.period_start == period.start))}
    pending = []
    for channel in subscription.channels:
        row = rows.get(channel)
        if row is None:
            row = DigestDelivery(subscription=subscription, period_start=period.start, channel=channel,
                                 ok=False, attempts=0, error="")
            db.session.add(row)
        if not row.ok and row.attempts < MAX_ATTEMPTS:
            pending.append((channel, row))
    return pending


def send_now(subscription: Subscription, now: datetime | None = None) -> dict[Channel, str]:
    """Send the latest period's summary on every channel at once, to try it: {channel: error or ""}. Not counted as
    the scheduled one."""
    now = now or utcnow()
    period = schedule.latest_period(subscription, now)
    message = render.message(_digest(period, now, {}), subscription.frequency, render.locale_of(subscription.user))
    results = {}
    for channel in subscription.channels:
        try:
            deliver(subscription, channel, message)
            results[channel] = ""
        except transport.DeliveryError as error:
            results[channel] = str(error)
    return results


def send_test_email(user, to: str) -> None:
    """A short email through the SMTP settings, in the user's language; DeliveryError says why it failed."""
    with force_locale(render.locale_of(user)):
        subject = _("JXC test email")
        text = _("This test shows that JXC can send email through your SMTP server. Scheduled reports will arrive "
                 "the same way.")
    transport.email(smtp(), to, subject, text)
