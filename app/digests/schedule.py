"""When a subscription is due and which period it covers, on the business calendar.

A daily summary covers yesterday and is due from its hour each day; a weekly one covers last week (Monday to
Sunday) and is due from its hour on its weekday. What counts is the latest such moment up to now: if the task
queue was down at 8:00 the summary still goes at 8:05 or 11:00, once. A subscription made after that moment waits
for the next one, so saving it never sends a surprise summary.
"""
from datetime import date, datetime, time, timedelta

from app.digests.models import Frequency, Subscription
from app.reports.periods import Period
from app.settings.services import business_zone


def last_slot(subscription: Subscription, now: datetime) -> datetime:
    """The latest moment up to `now` at which the subscription was to be sent (aware, business time zone)."""
    local = now.astimezone(business_zone())
    day = local.date()
    if subscription.frequency == Frequency.WEEKLY:
        day -= timedelta(days=(day.weekday() - subscription.weekday) % 7)
    slot = datetime.combine(day, time(subscription.hour), tzinfo=business_zone())
    if slot > local:
        slot -= timedelta(days=7 if subscription.frequency == Frequency.WEEKLY else 1)
    return slot


def period_for(subscription: Subscription, sent_on: date) -> Period:
    """What a summary sent on `sent_on` covers: the day before, or the calendar week before that day's week."""
    if subscription.frequency == Frequency.WEEKLY:
        monday = sent_on - timedelta(days=sent_on.weekday())
        return Period(monday - timedelta(days=7), monday - timedelta(days=1))
    return Period(sent_on - timedelta(days=1), sent_on - timedelta(days=1))


def due_period(subscription: Subscription, now: datetime) -> Period | None:
    """The period whose summary is due now, or None when the latest slot came before the subscription existed."""
    slot = last_slot(subscription, now)
    if slot < subscription.created_at:
        return None
    return period_for(subscription, slot.date())


def latest_period(subscription: Subscription, now: datetime) -> Period:
    """The period the latest slot covers, whenever the subscription was made ("send now" shows it)."""
    return period_for(subscription, last_slot(subscription, now).date())
