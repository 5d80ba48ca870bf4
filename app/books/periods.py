"""Closing a month (结账) and reopening it: months close in order, reopen from the latest, each change audited."""
from datetime import date

from flask_babel import gettext as _
from sqlalchemy import func, select

from app.audit import services as audit
from app.books.models import ClosedPeriod, Voucher
from app.books.posting import period_of
from app.db_types import business_today
from app.errors import BusinessRuleError
from app.extensions import db


def _month(value: str) -> str:
    try:
        day = date.fromisoformat(f"{value}-01")
    except (TypeError, ValueError):
        raise BusinessRuleError(_("Choose a month."), "period") from None
    return period_of(day)


def closed() -> list[ClosedPeriod]:
    """The closed months, latest first."""
    return db.session.scalars(select(ClosedPeriod).order_by(ClosedPeriod.period.desc())).all()


def latest_closed() -> str | None:
    return db.session.scalar(select(func.max(ClosedPeriod.period)))


def first_open_with_vouchers() -> str | None:
    """The earliest month with vouchers that is not closed yet: the one to close next."""
    latest = latest_closed()
    query = select(func.min(Voucher.period))
    if latest is not None:
        query = query.where(Voucher.period > latest)
    return db.session.scalar(query)


def close(actor, value: str) -> ClosedPeriod:
    """Close the month `value` ("2026-11"): nothing can be dated in it afterwards. Months close in order and never
    ahead of today."""
    period = _month(value)
    if period > period_of(business_today()):
        raise BusinessRuleError(_("%(month)s has not begun yet; only months up to this one can be closed.",
                                  month=period), "period")
    if db.session.get(ClosedPeriod, period) is not None:
        raise BusinessRuleError(_("%(month)s is already closed.", month=period), "period")
    earlier = db.session.scalar(select(func.min(Voucher.period)).where(
        Voucher.period < period, Voucher.period.not_in(select(ClosedPeriod.period))))
    if earlier is not None:
        raise BusinessRuleError(_("Close %(earlier)s first: months are closed in order.", earlier=earlier), "period")
    row = ClosedPeriod(period=period, closed_by_id=actor.id)
    db.session.add(row)
    db.session.flush()
    audit.record(actor, "period.close", row, {"period": (None, period)})
    return row


def reopen(actor, value: str, reason: str) -> None:
    """Reopen the latest closed month, saying why (the audit log keeps it)."""
    period = _month(value)
    row = db.session.get(ClosedPeriod, period)
    if row is None:
        raise BusinessRuleError(_("%(month)s is not closed.", month=period), "period")
    if period != latest_closed():
        raise BusinessRuleError(_("Reopen %(latest)s first: months are reopened from the latest.",
                                  latest=latest_closed()), "period")
    reason = (reason or "").strip()[:200]
    if not reason:
        raise BusinessRuleError(_("Say why the month is reopened; the audit log keeps it."), "reason")
    audit.record(actor, "period.reopen", row, {"period": (period, None), "reason": (None, reason)})
    db.session.delete(row)
